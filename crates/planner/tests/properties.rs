//! Property tests of the planner against the independent checker.
//!
//! Random valid requests (3-14 days, 60/30/15-minute slots, two to five pillars, up to three
//! formats, batches, a campaign, a series, themed days, blackouts and pinned posts, in zones
//! with and without clock changes) are planned, and every schedule that is not infeasible must
//! pass [`check_schedule`] with no message and score its objective as the sum of its posts;
//! a proven answer must come out the same when planned again. Requests are built to be likely feasible (the first
//! batch is ready at the start, covers every pillar and never goes stale; the first format
//! allows every pillar); an infeasible answer must name its conflicts.

// Helpers of a test may unwrap: a failure there is a failed test, as in the test itself.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::select;
use slotwise_planner::check::check_schedule;
use slotwise_planner::{
    Backend, Batch, Blackout, Campaign, Format, Frequency, HOURS_PER_WEEK, Horizon, Pillar,
    PinnedPost, PlanError, PlanRequest, Schedule, Series, SolveStatus, SolverOptions, ThemedDay,
    plan,
};

const ZONES: [&str; 4] = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"];

/// Generous for requests this small; a solve that needs it is itself worth a look.
const TIME_LIMIT_MS: u64 = 20_000;

/// Positions inside the horizon are drawn in thousandths of its length.
type Permille = u32;

#[derive(Debug, Clone)]
struct RawHorizon {
    zone: &'static str,
    first_day: u32,
    days: u32,
    extra_hours: u32,
    slot_minutes: u32,
}

#[derive(Debug, Clone)]
struct RawPillar {
    weight: f64,
    min_posts: Option<u32>,
    min_share: Option<f64>,
    max_share: Option<f64>,
}

#[derive(Debug, Clone)]
struct RawFormat {
    multiplier: f64,
    pillars: Vec<usize>,
    max_share: Option<f64>,
}

#[derive(Debug, Clone)]
struct RawBatch {
    ready: Permille,
    capacity: u32,
    pillars: Vec<usize>,
    use_within_days: Option<u32>,
}

#[derive(Debug, Clone)]
struct RawCampaign {
    start: Permille,
    length: Permille,
    pillars: Vec<usize>,
    min_posts: u32,
    max_posts: Option<u32>,
}

#[derive(Debug, Clone)]
struct RawSeries {
    pillar: usize,
    episodes: u32,
    min_gap_hours: Option<f64>,
    max_gap_hours: Option<f64>,
}

#[derive(Debug, Clone)]
enum RawBlackout {
    Night {
        start_hour: u32,
        end_hour: u32,
        weekday: Option<u8>,
    },
    Interval {
        start: Permille,
        hours: u32,
    },
}

#[derive(Debug, Clone)]
struct RawPinned {
    at: Permille,
    pillar: usize,
    format: usize,
}

#[derive(Debug, Clone)]
struct RawRequest {
    horizon: RawHorizon,
    heatmap: Vec<f64>,
    pillars: Vec<RawPillar>,
    formats: Vec<RawFormat>,
    frequency: Frequency,
    batches: Vec<RawBatch>,
    campaigns: Vec<RawCampaign>,
    series: Vec<RawSeries>,
    themed_days: Vec<(u8, usize)>,
    blackouts: Vec<RawBlackout>,
    pinned: Vec<RawPinned>,
}

fn raw_horizon() -> impl Strategy<Value = RawHorizon> {
    (
        select(&ZONES[..]),
        0u32..365,
        3u32..=14,
        select(&[0u32, 0, 0, 12][..]),
        select(&[60u32, 30, 15][..]),
    )
        .prop_map(
            |(zone, first_day, days, extra_hours, slot_minutes)| RawHorizon {
                zone,
                first_day,
                days,
                extra_hours,
                slot_minutes,
            },
        )
}

fn raw_pillar() -> impl Strategy<Value = RawPillar> {
    (
        0.5f64..2.0,
        proptest::option::weighted(0.3, 0u32..=2),
        proptest::option::weighted(0.2, 0.0f64..0.2),
        proptest::option::weighted(0.3, 0.5f64..=1.0),
    )
        .prop_map(|(weight, min_posts, min_share, max_share)| RawPillar {
            weight,
            min_posts,
            min_share,
            max_share,
        })
}

fn raw_format() -> impl Strategy<Value = RawFormat> {
    (
        0.5f64..1.5,
        prop::collection::vec(0usize..5, 0..3),
        proptest::option::weighted(0.2, 0.6f64..=1.0),
    )
        .prop_map(|(multiplier, pillars, max_share)| RawFormat {
            multiplier,
            pillars,
            max_share,
        })
}

fn frequency() -> impl Strategy<Value = Frequency> {
    (
        proptest::option::weighted(0.5, 0u32..=3),
        proptest::option::weighted(0.5, 3u32..=10),
        proptest::option::weighted(0.6, 1u32..=3),
        select(&[0u32, 30, 60, 180][..]),
    )
        .prop_map(
            |(min_week, max_week, max_posts_per_day, min_gap_minutes)| Frequency {
                min_posts_per_week: min_week,
                // Every calendar caps its posts, by the week or by the day; an uncapped request
                // is valid but plans a post at every gap, far from practice and slow to prove.
                max_posts_per_week: max_week.or(max_posts_per_day.map_or(Some(14), |_| None)),
                max_posts_per_day,
                min_gap_minutes,
            },
        )
}

fn raw_batch() -> impl Strategy<Value = RawBatch> {
    (
        0u32..600,
        1u32..=8,
        prop::collection::vec(0usize..5, 0..2),
        proptest::option::weighted(0.4, 2u32..=7),
    )
        .prop_map(|(ready, capacity, pillars, use_within_days)| RawBatch {
            ready,
            capacity,
            pillars,
            use_within_days,
        })
}

fn raw_campaign() -> impl Strategy<Value = RawCampaign> {
    (
        0u32..700,
        100u32..400,
        prop::collection::vec(0usize..5, 0..2),
        0u32..=2,
        proptest::option::of(2u32..=6),
    )
        .prop_map(
            |(start, length, pillars, min_posts, max_posts)| RawCampaign {
                start,
                length,
                pillars,
                min_posts,
                max_posts,
            },
        )
}

fn raw_series() -> impl Strategy<Value = RawSeries> {
    (
        0usize..5,
        2u32..=3,
        proptest::option::of(1.0f64..24.0),
        proptest::option::of(48.0f64..120.0),
    )
        .prop_map(
            |(pillar, episodes, min_gap_hours, max_gap_hours)| RawSeries {
                pillar,
                episodes,
                min_gap_hours,
                max_gap_hours,
            },
        )
}

fn raw_blackout() -> impl Strategy<Value = RawBlackout> {
    prop_oneof![
        (20u32..24, 5u32..9, proptest::option::of(0u8..7)).prop_map(
            |(start_hour, end_hour, weekday)| RawBlackout::Night {
                start_hour,
                end_hour,
                weekday
            }
        ),
        (0u32..900, 1u32..12).prop_map(|(start, hours)| RawBlackout::Interval { start, hours }),
    ]
}

fn raw_pinned() -> impl Strategy<Value = RawPinned> {
    (0u32..1000, 0usize..5, 0usize..3).prop_map(|(at, pillar, format)| RawPinned {
        at,
        pillar,
        format,
    })
}

fn raw_request() -> impl Strategy<Value = RawRequest> {
    let shape = (
        raw_horizon(),
        prop::collection::vec(0.0f64..1.0, HOURS_PER_WEEK),
        prop::collection::vec(raw_pillar(), 2..=5),
        prop::collection::vec(raw_format(), 0..=3),
        frequency(),
    );
    let rules = (
        prop::collection::vec(raw_batch(), 0..=3),
        prop::collection::vec(raw_campaign(), 0..=1),
        prop::collection::vec(raw_series(), 0..=1),
        prop::collection::vec((0u8..7, 0usize..5), 0..=2),
        prop::collection::vec(raw_blackout(), 0..=2),
        prop::collection::vec(raw_pinned(), 0..=2),
    );
    (shape, rules).prop_map(|((horizon, heatmap, pillars, formats, frequency), rules)| {
        let (batches, campaigns, series, themed_days, blackouts, pinned) = rules;
        RawRequest {
            horizon,
            heatmap,
            pillars,
            formats,
            frequency,
            batches,
            campaigns,
            series,
            themed_days,
            blackouts,
            pinned,
        }
    })
}

fn weekday(index: u8) -> Weekday {
    Weekday::try_from(index % 7).unwrap()
}

fn local_midnight(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..4)
        .find_map(|hours| {
            zone.from_local_datetime(&(midnight + TimeDelta::hours(hours)))
                .earliest()
        })
        .unwrap()
        .with_timezone(&Utc)
}

/// The instant `permille` thousandths into the horizon.
fn within(horizon: &Horizon, permille: Permille) -> DateTime<Utc> {
    let length = (horizon.end - horizon.start).num_minutes();
    horizon.start + TimeDelta::minutes(length * i64::from(permille) / 1000)
}

/// The slot start at or before `instant` on the local grid.
fn floor_to_slot(horizon: &Horizon, zone: Tz, instant: DateTime<Utc>) -> DateTime<Utc> {
    let local = instant.with_timezone(&zone);
    let past = local.minute() % horizon.slot_minutes;
    instant - TimeDelta::minutes(i64::from(past)) - TimeDelta::seconds(i64::from(local.second()))
}

fn ids(prefix: &str, indices: &[usize], count: usize) -> Vec<String> {
    let mut ids: Vec<String> = indices
        .iter()
        .map(|i| format!("{prefix}{}", i % count))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn build_horizon(raw: &RawHorizon) -> (Horizon, Tz) {
    let zone: Tz = raw.zone.parse().unwrap();
    let first_day =
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + TimeDelta::days(raw.first_day.into());
    let start = local_midnight(zone, first_day);
    let end = local_midnight(zone, first_day + TimeDelta::days(raw.days.into()))
        + TimeDelta::hours(raw.extra_hours.into());
    let horizon = Horizon {
        start,
        end,
        time_zone: raw.zone.to_owned(),
        slot_minutes: raw.slot_minutes,
    };
    (horizon, zone)
}

fn build_pillars(raw: &[RawPillar]) -> Vec<Pillar> {
    raw.iter()
        .enumerate()
        .map(|(i, pillar)| Pillar {
            id: format!("p{i}"),
            name: format!("pillar {i}"),
            weight: pillar.weight,
            min_share: pillar.min_share,
            max_share: pillar.max_share,
            min_posts: pillar.min_posts,
            max_posts: None,
        })
        .collect()
}

/// The first format allows every pillar, so each pillar can be posted.
fn build_formats(raw: &[RawFormat], pillars: usize) -> Vec<Format> {
    raw.iter()
        .enumerate()
        .map(|(i, format)| Format {
            id: format!("f{i}"),
            name: format!("format {i}"),
            multiplier: format.multiplier,
            min_share: None,
            max_share: format.max_share,
            pillar_ids: if i == 0 {
                Vec::new()
            } else {
                ids("p", &format.pillars, pillars)
            },
        })
        .collect()
}

fn build_batches(raw: &RawRequest, horizon: &Horizon) -> Vec<Batch> {
    let pillars = raw.pillars.len();
    raw.batches
        .iter()
        .enumerate()
        .map(|(i, batch)| {
            let first = i == 0;
            Batch {
                id: format!("b{i}"),
                ready_at: within(horizon, if first { 0 } else { batch.ready }),
                capacity: batch.capacity + raw.horizon.days / 2,
                pillar_ids: if first {
                    Vec::new()
                } else {
                    ids("p", &batch.pillars, pillars)
                },
                format_ids: Vec::new(),
                use_within_days: if first { None } else { batch.use_within_days },
            }
        })
        .collect()
}

fn build_campaigns(raw: &RawRequest, horizon: &Horizon) -> Vec<Campaign> {
    raw.campaigns
        .iter()
        .enumerate()
        .map(|(i, campaign)| Campaign {
            id: format!("c{i}"),
            name: format!("campaign {i}"),
            start: within(horizon, campaign.start),
            end: within(horizon, (campaign.start + campaign.length).min(1000)),
            pillar_ids: ids("p", &campaign.pillars, raw.pillars.len()),
            min_posts: Some(campaign.min_posts),
            max_posts: campaign.max_posts,
        })
        .collect()
}

fn build_series(raw: &RawRequest) -> Vec<Series> {
    raw.series
        .iter()
        .enumerate()
        .map(|(i, series)| Series {
            id: format!("s{i}"),
            name: format!("series {i}"),
            pillar_id: format!("p{}", series.pillar % raw.pillars.len()),
            episodes: series.episodes,
            min_gap_hours: series.min_gap_hours,
            max_gap_hours: series.max_gap_hours,
        })
        .collect()
}

fn build_themed_days(raw: &RawRequest) -> Vec<ThemedDay> {
    let mut themed_days: Vec<ThemedDay> = Vec::new();
    for (day, pillar) in &raw.themed_days {
        let themed = ThemedDay {
            weekday: weekday(*day),
            pillar_id: format!("p{}", pillar % raw.pillars.len()),
            name: format!("themed {day}"),
        };
        let repeated = themed_days
            .iter()
            .any(|t| t.weekday == themed.weekday && t.pillar_id == themed.pillar_id);
        if !repeated {
            themed_days.push(themed);
        }
    }
    themed_days
}

fn build_blackouts(raw: &RawRequest, horizon: &Horizon) -> Vec<Blackout> {
    raw.blackouts
        .iter()
        .map(|blackout| match blackout {
            RawBlackout::Night {
                start_hour,
                end_hour,
                weekday: day,
            } => Blackout::Daily {
                start: NaiveTime::from_hms_opt(*start_hour, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(*end_hour, 0, 0).unwrap(),
                weekdays: day.map(weekday).into_iter().collect(),
            },
            RawBlackout::Interval { start, hours } => {
                let start = within(horizon, *start);
                Blackout::Interval {
                    start,
                    end: start + TimeDelta::hours((*hours).into()),
                }
            }
        })
        .collect()
}

/// Pinned posts on the slot grid at distinct instants, in a format that allows their pillar.
fn build_pinned(
    raw: &RawRequest,
    horizon: &Horizon,
    zone: Tz,
    formats: &[Format],
) -> Vec<PinnedPost> {
    let mut pinned_posts: Vec<PinnedPost> = Vec::new();
    for (i, pinned) in raw.pinned.iter().enumerate() {
        let start_time = floor_to_slot(horizon, zone, within(horizon, pinned.at));
        let pillar_id = format!("p{}", pinned.pillar % raw.pillars.len());
        let format_id = pinned_format(formats, pinned.format, &pillar_id);
        if start_time < horizon.start || pinned_posts.iter().any(|p| p.start_time == start_time) {
            continue;
        }
        pinned_posts.push(PinnedPost {
            id: format!("pin{i}"),
            start_time,
            pillar_id,
            format_id,
            batch_id: None,
        });
    }
    pinned_posts
}

fn pinned_format(formats: &[Format], choice: usize, pillar_id: &str) -> Option<String> {
    let format = formats.get(choice % formats.len().max(1))?;
    let allowed = format.pillar_ids.is_empty() || format.pillar_ids.iter().any(|p| p == pillar_id);
    let format = if allowed { format } else { &formats[0] };
    Some(format.id.clone())
}

fn build_request(raw: &RawRequest, backend: Backend) -> PlanRequest {
    let (horizon, zone) = build_horizon(&raw.horizon);
    let formats = build_formats(&raw.formats, raw.pillars.len());
    PlanRequest {
        heatmap: raw.heatmap.clone(),
        pillars: build_pillars(&raw.pillars),
        frequency: raw.frequency.clone(),
        batches: build_batches(raw, &horizon),
        campaigns: build_campaigns(raw, &horizon),
        series: build_series(raw),
        themed_days: build_themed_days(raw),
        blackouts: build_blackouts(raw, &horizon),
        pinned_posts: build_pinned(raw, &horizon, zone, &formats),
        formats,
        solver: SolverOptions {
            time_limit_ms: TIME_LIMIT_MS,
            relative_gap: 0.0,
            backend,
        },
        allow_violations: false,
        horizon,
    }
}

/// Plans `request` and checks the answer; `None` when the time limit passed with no schedule.
fn plan_and_check(request: &PlanRequest) -> Result<Option<Schedule>, TestCaseError> {
    let schedule = match plan(request) {
        Ok(schedule) => schedule,
        Err(PlanError::TimeLimitWithoutSolution { .. }) => return Ok(None),
        // microlp can break down numerically deep in its search (seen on a request whose
        // series make it infeasible, which HiGHS proves); the planner says so plainly
        // instead of guessing, and the property is about the schedules it does return.
        Err(PlanError::SolverBreakdown(_)) if request.solver.backend == Backend::Microlp => {
            return Ok(None);
        }
        Err(error) => return Err(TestCaseError::fail(format!("plan failed: {error}"))),
    };
    if schedule.status == SolveStatus::Infeasible {
        return Ok(Some(schedule));
    }

    let broken = check_schedule(request, &schedule);
    prop_assert!(
        broken.is_empty(),
        "broken rules: {broken:#?}\nschedule: {:#?}",
        schedule.posts
    );

    let sum: f64 = schedule.posts.iter().map(|post| post.score.total).sum();
    let tolerance = 1e-6 * sum.abs().max(1e-9);
    let objective = schedule.objective;
    prop_assert!(
        (objective - sum).abs() <= tolerance,
        "objective {objective} vs sum {sum}"
    );
    Ok(Some(schedule))
}

fn plans_are_valid_and_deterministic(
    raw: &RawRequest,
    backend: Backend,
) -> Result<(), TestCaseError> {
    let request = build_request(raw, backend);
    let Some(first) = plan_and_check(&request)? else {
        return Ok(());
    };
    let Some(second) = plan_and_check(&request)? else {
        return Ok(());
    };

    // A schedule stopped by the time limit depends on the clock; a proven one may not.
    let proven = first.status != SolveStatus::Feasible && second.status != SolveStatus::Feasible;
    prop_assert!(
        !proven || (first.status == second.status && first.posts == second.posts),
        "two plans of one request differ\nfirst: {}\nsecond: {}",
        summary(&first),
        summary(&second)
    );
    Ok(())
}

fn summary(schedule: &Schedule) -> String {
    let posts: Vec<String> = schedule
        .posts
        .iter()
        .map(|post| {
            format!(
                "{} {} {} {}",
                post.local_time, post.pillar_id, post.format_id, post.score.total
            )
        })
        .collect();
    format!(
        "{:?} in {} ms, objective {}, best bound {}, gap {}, posts {posts:#?}",
        schedule.status,
        schedule.stats.solve_ms,
        schedule.objective,
        schedule.best_bound,
        schedule.gap
    )
}

fn infeasible_answers_name_conflicts(raw: &RawRequest) -> Result<(), TestCaseError> {
    let request = build_request(raw, Backend::Microlp);
    if let Ok(schedule) = plan(&request)
        && schedule.status == SolveStatus::Infeasible
    {
        prop_assert!(
            !schedule.conflicts.is_empty(),
            "an infeasible answer names no conflict"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_planned_schedule_obeys_every_rule_and_repeats(raw in raw_request()) {
        plans_are_valid_and_deterministic(&raw, Backend::Microlp)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn an_infeasible_answer_names_its_conflicts(raw in raw_request()) {
        infeasible_answers_name_conflicts(&raw)?;
    }
}

#[cfg(feature = "highs")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_highs_schedule_obeys_every_rule_and_repeats(raw in raw_request()) {
        plans_are_valid_and_deterministic(&raw, Backend::Highs)?;
    }
}

#[test]
fn generated_requests_pass_validation() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    for _ in 0..200 {
        let raw = raw_request().new_tree(&mut runner).unwrap().current();
        let request = build_request(&raw, Backend::Microlp);
        let validated = slotwise_planner::validate::validate(&request);
        assert!(validated.is_ok(), "{validated:?} for {request:#?}");
    }
}
