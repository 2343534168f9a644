//! Canonical proto3 JSON of an `OptimizeScheduleRequest` for a planner request, so that the
//! benchmark scenarios can be written as files `slotwise plan` reads. Covers the fields the
//! scenarios use; it refuses the others rather than drop them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use slotwise_planner::{Backend, Batch, Campaign, Format, Pillar, PlanRequest, Series};

pub fn plan_request_json(request: &PlanRequest) -> Value {
    assert!(
        request.themed_days.is_empty()
            && request.blackouts.is_empty()
            && request.pinned_posts.is_empty(),
        "themed days, blackouts and pinned posts are not written"
    );
    let horizon = &request.horizon;
    let frequency = &request.frequency;
    json!({
        "horizon": {
            "start": timestamp(horizon.start),
            "end": timestamp(horizon.end),
            "timeZone": horizon.time_zone,
            "slotMinutes": horizon.slot_minutes,
        },
        "heatmap": request.heatmap,
        "pillars": request.pillars.iter().map(pillar).collect::<Vec<_>>(),
        "formats": request.formats.iter().map(format).collect::<Vec<_>>(),
        "frequency": without_nulls(json!({
            "minPostsPerWeek": frequency.min_posts_per_week,
            "maxPostsPerWeek": frequency.max_posts_per_week,
            "maxPostsPerDay": frequency.max_posts_per_day,
            "minGapMinutes": frequency.min_gap_minutes,
        })),
        "batches": request.batches.iter().map(batch).collect::<Vec<_>>(),
        "campaigns": request.campaigns.iter().map(campaign).collect::<Vec<_>>(),
        "series": request.series.iter().map(series).collect::<Vec<_>>(),
        "solver": {
            "timeLimitMs": request.solver.time_limit_ms,
            "relativeGap": request.solver.relative_gap,
            "backend": match request.solver.backend {
                Backend::Microlp => "SOLVER_BACKEND_MICROLP",
                Backend::Highs => "SOLVER_BACKEND_HIGHS",
            },
        },
    })
}

fn timestamp(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Proto3 JSON leaves unset optional fields out.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

fn pillar(pillar: &Pillar) -> Value {
    without_nulls(json!({
        "id": pillar.id,
        "name": pillar.name,
        "weight": pillar.weight,
        "minShare": pillar.min_share,
        "maxShare": pillar.max_share,
        "minPosts": pillar.min_posts,
        "maxPosts": pillar.max_posts,
    }))
}

fn format(format: &Format) -> Value {
    without_nulls(json!({
        "id": format.id,
        "name": format.name,
        "multiplier": format.multiplier,
        "minShare": format.min_share,
        "maxShare": format.max_share,
        "pillarIds": format.pillar_ids,
    }))
}

fn batch(batch: &Batch) -> Value {
    without_nulls(json!({
        "id": batch.id,
        "readyAt": timestamp(batch.ready_at),
        "capacity": batch.capacity,
        "pillarIds": batch.pillar_ids,
        "formatIds": batch.format_ids,
        "useWithinDays": batch.use_within_days,
    }))
}

fn campaign(campaign: &Campaign) -> Value {
    without_nulls(json!({
        "id": campaign.id,
        "name": campaign.name,
        "start": timestamp(campaign.start),
        "end": timestamp(campaign.end),
        "pillarIds": campaign.pillar_ids,
        "minPosts": campaign.min_posts,
        "maxPosts": campaign.max_posts,
    }))
}

fn series(series: &Series) -> Value {
    without_nulls(json!({
        "id": series.id,
        "name": series.name,
        "pillarId": series.pillar_id,
        "episodes": series.episodes,
        "minGapHours": series.min_gap_hours,
        "maxGapHours": series.max_gap_hours,
    }))
}
