//! Conversions between the slotwise.v1 wire types and the planner's domain types.
//!
//! Only what the wire format itself can get wrong is checked here (a missing timestamp, an
//! unspecified enum, a malformed "HH:MM"); every rule about values lives in
//! `slotwise_planner::validate`, so the library and the service reject the same requests with the
//! same field paths.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use slotwise_planner as planner;
use slotwise_proto::{v1, wkt};

use crate::error::FieldError;

/// Converts an `OptimizeScheduleRequest` into the planner's request.
pub fn plan_request_from_proto(
    request: &v1::OptimizeScheduleRequest,
) -> Result<planner::PlanRequest, FieldError> {
    let default_horizon = v1::Horizon::default();
    let horizon = request.horizon.as_ref().unwrap_or(&default_horizon);
    let default_frequency = v1::Frequency::default();
    let frequency = request.frequency.as_ref().unwrap_or(&default_frequency);

    Ok(planner::PlanRequest {
        horizon: planner::Horizon {
            start: timestamp("horizon.start", horizon.start.as_ref())?,
            end: timestamp("horizon.end", horizon.end.as_ref())?,
            time_zone: horizon.time_zone.clone(),
            slot_minutes: horizon.slot_minutes,
        },
        heatmap: request.heatmap.clone(),
        pillars: request.pillars.iter().map(pillar).collect(),
        formats: request.formats.iter().map(format).collect(),
        frequency: planner::Frequency {
            min_posts_per_week: frequency.min_posts_per_week,
            max_posts_per_week: frequency.max_posts_per_week,
            max_posts_per_day: frequency.max_posts_per_day,
            min_gap_minutes: frequency.min_gap_minutes,
        },
        batches: indexed("batches", &request.batches, batch)?,
        campaigns: indexed("campaigns", &request.campaigns, campaign)?,
        series: request.series.iter().map(series).collect(),
        themed_days: indexed("themed_days", &request.themed_days, themed_day)?,
        blackouts: indexed("blackouts", &request.blackouts, blackout)?,
        pinned_posts: indexed("pinned_posts", &request.pinned_posts, pinned_post)?,
        solver: solver_options(request.solver.as_ref())?,
        allow_violations: request.allow_violations,
    })
}

/// Converts a planner schedule into an `OptimizeScheduleResponse`.
pub fn schedule_to_proto(schedule: &planner::Schedule) -> v1::OptimizeScheduleResponse {
    v1::OptimizeScheduleResponse {
        status: solve_status(schedule.status) as i32,
        objective: schedule.objective,
        best_bound: schedule.best_bound,
        gap: schedule.gap,
        stats: Some(v1::SolveStats {
            variables: schedule.stats.variables as u64,
            constraints: schedule.stats.constraints as u64,
            solve_ms: schedule.stats.solve_ms,
            backend: backend_name(schedule.stats.backend).to_owned(),
            slots: schedule.stats.slots as u64,
            candidate_slots: schedule.stats.candidate_slots as u64,
        }),
        posts: schedule.posts.iter().map(planned_post).collect(),
        conflicts: schedule
            .conflicts
            .iter()
            .map(|conflict| v1::Conflict {
                message: conflict.message.clone(),
                rules: conflict.rules.clone(),
            })
            .collect(),
        violations: schedule
            .violations
            .iter()
            .map(|violation| v1::Violation {
                rule: violation.rule.clone(),
                message: violation.message.clone(),
                shortfall: violation.shortfall,
            })
            .collect(),
        // Set when the plan used an account's learned values.
        activity_version: 0,
        evidence_posts: 0,
        exploration_seed: 0,
    }
}

/// The name a backend goes by in responses and logs.
pub fn backend_name(backend: planner::Backend) -> &'static str {
    match backend {
        planner::Backend::Microlp => "microlp",
        planner::Backend::Highs => "highs",
    }
}

/// Converts each element of a repeated field, naming the failing element by its index.
fn indexed<P, D>(
    field: &str,
    items: &[P],
    convert: impl Fn(&P) -> Result<D, FieldError>,
) -> Result<Vec<D>, FieldError> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            convert(item).map_err(|error| error.under(&format!("{field}[{index}]")))
        })
        .collect()
}

pub(crate) fn timestamp(
    field: &str,
    value: Option<&wkt::Timestamp>,
) -> Result<DateTime<Utc>, FieldError> {
    let value = value.ok_or_else(|| FieldError::new(field, "is required"))?;
    let nanos = u32::try_from(value.nanos)
        .map_err(|_| FieldError::new(field, "nanos must be in [0, 999999999]"))?;
    DateTime::from_timestamp(value.seconds, nanos)
        .ok_or_else(|| FieldError::new(field, "is out of the supported range"))
}

pub(crate) fn to_timestamp(instant: DateTime<Utc>) -> wkt::Timestamp {
    wkt::Timestamp {
        seconds: instant.timestamp(),
        nanos: instant.timestamp_subsec_nanos() as i32,
    }
}

fn weekday(field: &str, value: i32) -> Result<Weekday, FieldError> {
    match v1::Weekday::try_from(value) {
        Ok(v1::Weekday::Monday) => Ok(Weekday::Mon),
        Ok(v1::Weekday::Tuesday) => Ok(Weekday::Tue),
        Ok(v1::Weekday::Wednesday) => Ok(Weekday::Wed),
        Ok(v1::Weekday::Thursday) => Ok(Weekday::Thu),
        Ok(v1::Weekday::Friday) => Ok(Weekday::Fri),
        Ok(v1::Weekday::Saturday) => Ok(Weekday::Sat),
        Ok(v1::Weekday::Sunday) => Ok(Weekday::Sun),
        Ok(v1::Weekday::Unspecified) => Err(FieldError::new(field, "must name a weekday")),
        Err(_) => Err(FieldError::new(field, format!("has unknown value {value}"))),
    }
}

fn local_time(field: &str, value: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(value, "%H:%M").map_err(|_| {
        FieldError::new(
            field,
            format!("must be a local time \"HH:MM\", got {value:?}"),
        )
    })
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn pillar(pillar: &v1::Pillar) -> planner::Pillar {
    planner::Pillar {
        id: pillar.id.clone(),
        name: pillar.name.clone(),
        weight: pillar.weight,
        min_share: pillar.min_share,
        max_share: pillar.max_share,
        min_posts: pillar.min_posts,
        max_posts: pillar.max_posts,
    }
}

fn format(format: &v1::Format) -> planner::Format {
    planner::Format {
        id: format.id.clone(),
        name: format.name.clone(),
        multiplier: format.multiplier,
        min_share: format.min_share,
        max_share: format.max_share,
        pillar_ids: format.pillar_ids.clone(),
    }
}

fn batch(batch: &v1::Batch) -> Result<planner::Batch, FieldError> {
    Ok(planner::Batch {
        id: batch.id.clone(),
        ready_at: timestamp("ready_at", batch.ready_at.as_ref())?,
        capacity: batch.capacity,
        pillar_ids: batch.pillar_ids.clone(),
        format_ids: batch.format_ids.clone(),
        use_within_days: batch.use_within_days,
    })
}

fn campaign(campaign: &v1::Campaign) -> Result<planner::Campaign, FieldError> {
    Ok(planner::Campaign {
        id: campaign.id.clone(),
        name: campaign.name.clone(),
        start: timestamp("start", campaign.start.as_ref())?,
        end: timestamp("end", campaign.end.as_ref())?,
        pillar_ids: campaign.pillar_ids.clone(),
        min_posts: campaign.min_posts,
        max_posts: campaign.max_posts,
    })
}

fn series(series: &v1::Series) -> planner::Series {
    planner::Series {
        id: series.id.clone(),
        name: series.name.clone(),
        pillar_id: series.pillar_id.clone(),
        episodes: series.episodes,
        min_gap_hours: series.min_gap_hours,
        max_gap_hours: series.max_gap_hours,
    }
}

fn themed_day(themed_day: &v1::ThemedDay) -> Result<planner::ThemedDay, FieldError> {
    Ok(planner::ThemedDay {
        weekday: weekday("weekday", themed_day.weekday)?,
        pillar_id: themed_day.pillar_id.clone(),
        name: themed_day.name.clone(),
    })
}

fn blackout(blackout: &v1::Blackout) -> Result<planner::Blackout, FieldError> {
    match &blackout.kind {
        Some(v1::blackout::Kind::Interval(interval)) => Ok(planner::Blackout::Interval {
            start: timestamp("interval.start", interval.start.as_ref())?,
            end: timestamp("interval.end", interval.end.as_ref())?,
        }),
        Some(v1::blackout::Kind::Daily(daily)) => Ok(planner::Blackout::Daily {
            start: local_time("daily.start", &daily.start)?,
            end: local_time("daily.end", &daily.end)?,
            weekdays: daily
                .weekdays
                .iter()
                .enumerate()
                .map(|(index, value)| weekday(&format!("daily.weekdays[{index}]"), *value))
                .collect::<Result<_, _>>()?,
        }),
        None => Err(FieldError::new(
            "kind",
            "must be an interval or a daily window",
        )),
    }
}

fn pinned_post(post: &v1::PinnedPost) -> Result<planner::PinnedPost, FieldError> {
    Ok(planner::PinnedPost {
        id: post.id.clone(),
        start_time: timestamp("start_time", post.start_time.as_ref())?,
        pillar_id: post.pillar_id.clone(),
        format_id: non_empty(&post.format_id),
        batch_id: non_empty(&post.batch_id),
    })
}

fn solver_options(
    options: Option<&v1::SolverOptions>,
) -> Result<planner::SolverOptions, FieldError> {
    let defaults = planner::SolverOptions::default();
    let Some(options) = options else {
        return Ok(defaults);
    };
    let backend = match v1::SolverBackend::try_from(options.backend) {
        Ok(v1::SolverBackend::Unspecified) => defaults.backend,
        Ok(v1::SolverBackend::Microlp) => planner::Backend::Microlp,
        Ok(v1::SolverBackend::Highs) => planner::Backend::Highs,
        Err(_) => {
            let message = format!("has unknown value {}", options.backend);
            return Err(FieldError::new("solver.backend", message));
        }
    };

    Ok(planner::SolverOptions {
        time_limit_ms: match options.time_limit_ms {
            0 => defaults.time_limit_ms,
            limit => u64::from(limit),
        },
        relative_gap: options.relative_gap,
        backend,
    })
}

fn solve_status(status: planner::SolveStatus) -> v1::SolveStatus {
    match status {
        planner::SolveStatus::Optimal => v1::SolveStatus::Optimal,
        planner::SolveStatus::Feasible => v1::SolveStatus::Feasible,
        planner::SolveStatus::Infeasible => v1::SolveStatus::Infeasible,
    }
}

fn planned_post(post: &planner::PlannedPost) -> v1::PlannedPost {
    v1::PlannedPost {
        start_time: Some(to_timestamp(post.start_time)),
        local_time: post.local_time.to_rfc3339(),
        pillar_id: post.pillar_id.clone(),
        format_id: post.format_id.clone(),
        batch_id: post.batch_id.clone().unwrap_or_default(),
        series_episode: post
            .series_episode
            .as_ref()
            .map(|episode| v1::SeriesEpisode {
                series_id: episode.series_id.clone(),
                episode: episode.episode,
                episodes: episode.episodes,
            }),
        pinned: post.pinned_id.is_some(),
        score: Some(v1::Score {
            total: post.score.total,
            heatmap_value: post.score.heatmap_value,
            pillar_weight: post.score.pillar_weight,
            format_multiplier: post.score.format_multiplier,
        }),
        pinned_id: post.pinned_id.clone().unwrap_or_default(),
        // Exploration is the server's, not the planner's: set where a plan explores.
        exploratory: false,
        decision_id: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Option<wkt::Timestamp> {
        Some(wkt::Timestamp { seconds, nanos: 0 })
    }

    #[test]
    fn a_missing_horizon_start_names_the_field() {
        let request = v1::OptimizeScheduleRequest::default();
        let error = plan_request_from_proto(&request).unwrap_err();
        assert_eq!(error.to_string(), "horizon.start is required");
    }

    #[test]
    fn a_bad_daily_window_names_its_index() {
        let request = v1::OptimizeScheduleRequest {
            horizon: Some(v1::Horizon {
                start: at(0),
                end: at(86_400),
                ..Default::default()
            }),
            blackouts: vec![
                v1::Blackout {
                    kind: Some(v1::blackout::Kind::Daily(v1::DailyWindow {
                        start: "22:00".into(),
                        end: "06:00".into(),
                        weekdays: vec![],
                    })),
                    reason: String::new(),
                },
                v1::Blackout {
                    kind: Some(v1::blackout::Kind::Daily(v1::DailyWindow {
                        start: "25:00".into(),
                        end: "06:00".into(),
                        weekdays: vec![],
                    })),
                    reason: String::new(),
                },
            ],
            ..Default::default()
        };
        let error = plan_request_from_proto(&request).unwrap_err();
        assert_eq!(
            error.to_string(),
            "blackouts[1].daily.start must be a local time \"HH:MM\", got \"25:00\""
        );
    }

    #[test]
    fn an_unspecified_themed_weekday_is_rejected() {
        let request = v1::OptimizeScheduleRequest {
            horizon: Some(v1::Horizon {
                start: at(0),
                end: at(86_400),
                ..Default::default()
            }),
            themed_days: vec![v1::ThemedDay::default()],
            ..Default::default()
        };
        let error = plan_request_from_proto(&request).unwrap_err();
        assert_eq!(
            error.to_string(),
            "themed_days[0].weekday must name a weekday"
        );
    }

    #[test]
    fn zero_time_limit_means_the_default() {
        let options = v1::SolverOptions {
            time_limit_ms: 0,
            ..Default::default()
        };
        let converted = solver_options(Some(&options)).unwrap();
        assert_eq!(converted.time_limit_ms, planner::DEFAULT_TIME_LIMIT_MS);
    }
}
