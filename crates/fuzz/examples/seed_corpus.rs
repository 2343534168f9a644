//! Writes the seed corpus of every fuzz target to `seeds/<target>/`, from the requests of the
//! repository's `examples/*.json`: a fuzzer that starts from realistic requests gets past the
//! early refusals (a missing horizon, an unknown zone) in its first runs instead of after hours.
//!
//! Each example gives its OptimizeScheduleRequest as is, and derives the other requests a client
//! of that account would send: the schedule export of its plan, its audience activity, posts of
//! the plan reported as performances (moved into the past), best-slot queries over its horizon,
//! and experiments over its formats and its busiest hours.
//!
//! ```sh
//! cargo run --release --example seed_corpus
//! ```

use std::{
    fs,
    path::{Path, PathBuf},
};

use prost::Message;
use slotwise_proto::{v1, wkt};
use slotwise_server::{
    audience::{new_activity, new_performance},
    convert::{plan_request_from_proto, schedule_to_proto},
    experiments::convert::config_from_create,
    export::calendar_from_proto,
    planner::best_slots_query,
};

/// Reported posts are moved back by whole weeks (so they keep their local hour of the week) to
/// before this Unix time, 2026-01-01: the service refuses performances from the future.
const PAST: i64 = 1_767_225_600;

const SECONDS_PER_WEEK: i64 = 7 * 24 * 3600;

/// Reported posts per example: enough to cover the fields, few enough to keep the corpus small.
const REPORTED_POSTS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let examples = crate_dir.join("../../examples");
    let seeds = crate_dir.join("seeds");

    let mut files: Vec<PathBuf> = fs::read_dir(&examples)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
    files.sort();

    for file in files {
        let name = file
            .file_stem()
            .and_then(|stem| stem.to_str())
            .ok_or("an example file name is not UTF-8")?
            .to_owned();
        let request: v1::OptimizeScheduleRequest =
            serde_json::from_str(&fs::read_to_string(&file)?)?;
        let schedule = plan(&request)?;

        let write = |target: &str, variant: &str, message: Vec<u8>| {
            write_seed(&seeds, target, &format!("{name}{variant}"), &message)
        };
        write("optimize_schedule", "", request.encode_to_vec())?;
        let export = export_request(&name, &request, &schedule);
        accepted("the export", calendar_from_proto(&export))?;
        write("export_schedule", "", export.encode_to_vec())?;
        let activity = activity_request(&name, &request);
        accepted("the activity", new_activity(&activity))?;
        write("put_audience_activity", "", activity.encode_to_vec())?;
        for (index, post) in schedule.posts.iter().take(REPORTED_POSTS).enumerate() {
            let performance = performance_request(&name, index, post);
            accepted("a performance", new_performance(&performance))?;
            write(
                "report_post_performance",
                &format!("-{index}"),
                performance.encode_to_vec(),
            )?;
        }
        for (variant, mode) in [
            ("-exploit", v1::SlotMode::Exploit),
            ("-explore", v1::SlotMode::Explore),
        ] {
            let query = best_slots_request(&name, &request, &schedule, mode);
            accepted("a best-slots query", best_slots_query(&query))?;
            write("get_best_slots", variant, query.encode_to_vec())?;
        }
        let formats = format_experiment(&name, &request);
        accepted("the formats experiment", config_from_create(&formats))?;
        write("create_experiment", "-formats", formats.encode_to_vec())?;
        let hours = hour_experiment(&name, &request);
        accepted("the hours experiment", config_from_create(&hours))?;
        write("create_experiment", "-hours", hours.encode_to_vec())?;
        eprintln!("seeds written for {}", file.display());
    }
    Ok(())
}

/// A seed the service refuses tests only its first check, so each must pass all of them.
fn accepted<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> Result<(), String> {
    result
        .map(|_| ())
        .map_err(|error| format!("{what} derived from an example is refused: {error}"))
}

fn write_seed(seeds: &Path, target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = seeds.join(target);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join(format!("{name}.pb")), bytes)
}

fn plan(
    request: &v1::OptimizeScheduleRequest,
) -> Result<v1::OptimizeScheduleResponse, Box<dyn std::error::Error>> {
    let plan_request = plan_request_from_proto(request)?;
    let schedule = slotwise_planner::plan(&plan_request)?;
    Ok(schedule_to_proto(&schedule))
}

fn time_zone(request: &v1::OptimizeScheduleRequest) -> String {
    request
        .horizon
        .as_ref()
        .map(|horizon| horizon.time_zone.clone())
        .unwrap_or_default()
}

fn export_request(
    name: &str,
    request: &v1::OptimizeScheduleRequest,
    schedule: &v1::OptimizeScheduleResponse,
) -> v1::ExportScheduleRequest {
    v1::ExportScheduleRequest {
        schedule: Some(schedule.clone()),
        time_zone: time_zone(request),
        heatmap: request.heatmap.clone(),
        calendar_id: name.to_owned(),
        outputs: vec![
            v1::ExportFormat::Ics as i32,
            v1::ExportFormat::Csv as i32,
            v1::ExportFormat::HeatmapSvg as i32,
            v1::ExportFormat::MonthSvg as i32,
        ],
        pillars: request.pillars.clone(),
        formats: request.formats.clone(),
        series: request.series.clone(),
        event_minutes: 30,
    }
}

fn activity_request(
    name: &str,
    request: &v1::OptimizeScheduleRequest,
) -> v1::PutAudienceActivityRequest {
    v1::PutAudienceActivityRequest {
        account_id: name.to_owned(),
        time_zone: time_zone(request),
        hourly_activity: request.heatmap.clone(),
        metric: v1::LearningMetric::Engagements as i32,
    }
}

fn performance_request(
    name: &str,
    index: usize,
    post: &v1::PlannedPost,
) -> v1::ReportPostPerformanceRequest {
    let start = post.start_time.unwrap_or_default();
    let weeks_back = (start.seconds - PAST).max(0) / SECONDS_PER_WEEK + 1;
    // Made-up figures that grow with the post's score, so the seeds differ in every field.
    let score = post.score.map_or(1.0, |score| score.total);
    let views = (score * 1_000.0).round().max(1.0) as u64;
    v1::ReportPostPerformanceRequest {
        account_id: name.to_owned(),
        post_id: format!("{name}-{index}"),
        posted_at: Some(wkt::Timestamp {
            seconds: start.seconds - weeks_back * SECONDS_PER_WEEK,
            nanos: 0,
        }),
        pillar_id: post.pillar_id.clone(),
        format_id: post.format_id.clone(),
        views,
        likes: views / 12,
        comments: views / 200,
        shares: views / 400,
        saves: views / 150,
        follows: views / 900,
        average_watch_seconds: Some(7.5 + index as f64),
        decision_id: post.decision_id.clone(),
    }
}

fn best_slots_request(
    name: &str,
    request: &v1::OptimizeScheduleRequest,
    schedule: &v1::OptimizeScheduleResponse,
    mode: v1::SlotMode,
) -> v1::GetBestSlotsRequest {
    let horizon = request.horizon.clone().unwrap_or_default();
    let start = horizon.start.unwrap_or_default();
    // Two weeks of the horizon: within the 31 days a query may span.
    let end = wkt::Timestamp {
        seconds: start.seconds + 2 * SECONDS_PER_WEEK,
        nanos: 0,
    };
    let frequency = request.frequency.unwrap_or_default();
    v1::GetBestSlotsRequest {
        account_id: name.to_owned(),
        window_start: Some(start),
        window_end: Some(end),
        count: 5,
        min_gap_minutes: frequency.min_gap_minutes,
        // The plan's first posts stand for posts already on the calendar.
        existing_posts: schedule
            .posts
            .iter()
            .take(2)
            .filter_map(|post| post.start_time)
            .collect(),
        format_id: String::new(),
        mode: mode as i32,
        slot_minutes: horizon.slot_minutes,
        seed: if mode == v1::SlotMode::Explore { 42 } else { 0 },
    }
}

/// Which of the example's formats does best: a Bernoulli experiment (a post "worked" or not).
fn format_experiment(
    name: &str,
    request: &v1::OptimizeScheduleRequest,
) -> v1::CreateExperimentRequest {
    v1::CreateExperimentRequest {
        name: format!("{name}: formats"),
        kind: v1::ExperimentKind::Format as i32,
        arms: request
            .formats
            .iter()
            .map(|format| v1::Arm {
                id: format.id.clone(),
                label: format.name.clone(),
            })
            .collect(),
        policy: Some(v1::Policy {
            kind: v1::PolicyKind::Thompson as i32,
            burn_in: 2,
            floor_share: 0.05,
            ..Default::default()
        }),
        reward_model: v1::RewardModel::Bernoulli as i32,
        beta_prior: Some(v1::BetaPrior {
            alpha: 1.0,
            beta: 1.0,
        }),
        stopping_rule: Some(v1::StoppingRule {
            probability_best: 0.95,
            min_outcomes_per_arm: 10,
            expected_loss: 0.0,
        }),
        reward_window: Some(v1::RewardWindow {
            hours: 72.0,
            on_expiry: Some(v1::reward_window::OnExpiry::DefaultReward(0.0)),
        }),
        ..Default::default()
    }
}

/// Which of the example's three busiest hours of the week does best: a Gaussian experiment
/// (the reward is a post's engagement rate).
fn hour_experiment(
    name: &str,
    request: &v1::OptimizeScheduleRequest,
) -> v1::CreateExperimentRequest {
    let mut hours: Vec<(usize, f64)> = request.heatmap.iter().copied().enumerate().collect();
    hours.sort_by(|a, b| b.1.total_cmp(&a.1));
    v1::CreateExperimentRequest {
        name: format!("{name}: posting hours"),
        kind: v1::ExperimentKind::PostingTime as i32,
        arms: hours
            .iter()
            .take(3)
            .map(|(hour, _)| v1::Arm {
                id: format!("hour-{hour}"),
                label: format!("day {} at {:02}:00", hour / 24 + 1, hour % 24),
            })
            .collect(),
        policy: Some(v1::Policy {
            kind: v1::PolicyKind::TopTwoThompson as i32,
            top_two_beta: 0.5,
            ..Default::default()
        }),
        reward_model: v1::RewardModel::Gaussian as i32,
        normal_inverse_gamma_prior: Some(v1::NormalInverseGammaPrior {
            mean: 0.05,
            kappa: 1.0,
            alpha: 2.0,
            beta: 0.01,
        }),
        reward_window: Some(v1::RewardWindow {
            hours: 48.0,
            on_expiry: Some(v1::reward_window::OnExpiry::Drop(true)),
        }),
        half_life_hours: 24.0 * 28.0,
        ..Default::default()
    }
}
