//! Shape checks of a [`PlanRequest`] before any model is built.
//!
//! [`validate`] walks the request in the order of the slotwise.v1 contract and returns
//! [`PlanError::InvalidArgument`] for the first problem it finds. The `field` is the path of the
//! offending value as the contract names it (`pillars[2].min_share`, `batches[0].pillar_ids[1]`)
//! and the `message` says what is wrong without repeating the path, so that the error's display
//! reads as one sentence: `pillars[2].min_share must be in [0, 1], got 1.5`.
//!
//! Validation rejects what cannot mean anything: malformed numbers, unknown names, bounds that
//! contradict themselves, and pinned posts that contradict the batches said to have made them.
//! Rules that are each sensible but cannot all hold together are not its business: the solver
//! finds those and [`crate::conflicts`] explains them.
//!
//! The `MAX_*` caps keep one request from exhausting the process; they sit far above what a
//! small business's calendar needs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

use crate::error::PlanError;
use crate::request::{
    Batch, Blackout, Campaign, Format, Frequency, HOURS_PER_WEEK, Horizon, MAX_HORIZON_DAYS,
    Pillar, PinnedPost, PlanRequest, Series, SolverOptions, ThemedDay,
};

/// Most pillars in one request; calendars use 3-5.
pub const MAX_PILLARS: usize = 32;

/// Most formats in one request; the model grows with pillars x formats.
pub const MAX_FORMATS: usize = 16;

/// Most batches; a daily filming session over the longest horizon needs 92.
pub const MAX_BATCHES: usize = 500;

/// Most campaigns.
pub const MAX_CAMPAIGNS: usize = 100;

/// Most series.
pub const MAX_SERIES: usize = 50;

/// Most episodes of one series; each episode is an ordered set of variables in the model.
pub const MAX_SERIES_EPISODES: u32 = 200;

/// Most themed days (a weekday and a pillar each).
pub const MAX_THEMED_DAYS: usize = 64;

/// Most blackouts.
pub const MAX_BLACKOUTS: usize = 1_000;

/// Most pinned posts; an hourly grid over the longest horizon has 2,208 slots.
pub const MAX_PINNED_POSTS: usize = 1_000;

/// Longest id, in bytes.
pub const MAX_ID_BYTES: usize = 128;

/// Longest name, in bytes.
pub const MAX_NAME_BYTES: usize = 256;

/// Longest `frequency.min_gap_minutes`: one week. Gap rows of the model cover as many slots as
/// the gap spans, so an unbounded gap would make the model quadratic in the horizon.
pub const MAX_MIN_GAP_MINUTES: u32 = 7 * 24 * 60;

/// Longest `use_within_days`; anything longer than the horizon already means "no limit".
pub const MAX_USE_WITHIN_DAYS: u32 = 366;

/// Largest series gap, in hours: the longest horizon.
pub const MAX_SERIES_GAP_HOURS: f64 = (MAX_HORIZON_DAYS * 24) as f64;

/// Longest solver time limit: ten minutes.
pub const MAX_TIME_LIMIT_MS: u64 = 600_000;

/// Earliest instant a request may name, that of `google.protobuf.Timestamp`
/// (0001-01-01T00:00:00Z).
pub const EARLIEST_TIMESTAMP_SECS: i64 = -62_135_596_800;

/// Latest instant a request may name, that of `google.protobuf.Timestamp`
/// (9999-12-31T23:59:59Z); it keeps date arithmetic on any instant far from overflow.
pub const LATEST_TIMESTAMP_SECS: i64 = 253_402_300_799;

/// Slot lengths the grid supports, in minutes.
pub const SLOT_MINUTES: [u32; 3] = [15, 30, 60];

/// Largest heatmap value, pillar weight or format multiplier: a score multiplies the three, and
/// this keeps every score and objective finite and within what a solver represents.
pub const MAX_SCORE_FACTOR: f64 = 1e9;

/// Tolerance on the sum of minimum shares, so that three shares of 1/3 pass.
const SHARE_SUM_TOLERANCE: f64 = 1e-9;

type Check = Result<(), PlanError>;

/// Checks the shape of `request`; returns the first problem found, in contract order.
///
/// Weights and multipliers must be finite and at least 0: a zero-weight pillar is one posted only
/// to meet its quota. Every count bound (`min_posts`, `max_posts`, ...) may be 0, except
/// `frequency.max_posts_per_week` and `frequency.max_posts_per_day` (0 would forbid posting:
/// a blackout says that), a batch's `capacity` and `use_within_days`, and a series' `episodes`.
pub fn validate(request: &PlanRequest) -> Check {
    validate_horizon(&request.horizon)?;
    validate_heatmap(&request.heatmap)?;
    validate_pillars(&request.pillars)?;

    let names = Names::of(request);
    validate_formats(&request.formats, &names)?;
    validate_frequency(&request.frequency)?;
    validate_batches(&request.batches, &names)?;
    validate_campaigns(&request.campaigns, &names)?;
    validate_series(&request.series, &names)?;
    validate_themed_days(&request.themed_days, &names)?;
    validate_blackouts(&request.blackouts)?;

    validate_pinned_posts(request, &names)?;
    validate_solver(&request.solver)
}

/// Indexes of the ids a request declares, for reference checks.
struct Names<'a> {
    pillars: HashMap<&'a str, usize>,
    formats: HashMap<&'a str, usize>,
    batches: HashMap<&'a str, usize>,
}

impl<'a> Names<'a> {
    /// Ids are unique once the declaring list has passed its checks.
    fn of(request: &'a PlanRequest) -> Self {
        let index =
            |ids: Vec<&'a str>| ids.into_iter().enumerate().map(|(i, id)| (id, i)).collect();
        Self {
            pillars: index(request.pillars.iter().map(|p| p.id.as_str()).collect()),
            formats: index(request.formats.iter().map(|f| f.id.as_str()).collect()),
            batches: index(request.batches.iter().map(|b| b.id.as_str()).collect()),
        }
    }
}

fn validate_horizon(horizon: &Horizon) -> Check {
    if horizon.time_zone.parse::<Tz>().is_err() {
        let message = format!("{:?} is not an IANA time zone", horizon.time_zone);
        return Err(PlanError::invalid("horizon.time_zone", message));
    };

    if !SLOT_MINUTES.contains(&horizon.slot_minutes) {
        let message = format!("must be 15, 30 or 60, got {}", horizon.slot_minutes);
        return Err(PlanError::invalid("horizon.slot_minutes", message));
    }

    check_timestamp("horizon.start", horizon.start)?;
    check_timestamp("horizon.end", horizon.end)?;
    check_after("horizon.end", horizon.end, "horizon.start", horizon.start)?;

    let days = (horizon.end - horizon.start).num_seconds() as f64 / 86_400.0;
    if horizon.end - horizon.start > TimeDelta::days(MAX_HORIZON_DAYS) {
        let message = format!("makes a horizon of {days:.2} days, above {MAX_HORIZON_DAYS}");
        return Err(PlanError::invalid("horizon.end", message));
    }
    Ok(())
}

fn validate_heatmap(heatmap: &[f64]) -> Check {
    if heatmap.len() != HOURS_PER_WEEK {
        let message = format!("must have {HOURS_PER_WEEK} values, got {}", heatmap.len());
        return Err(PlanError::invalid("heatmap", message));
    }

    for (hour, value) in heatmap.iter().enumerate() {
        check_score_factor(&format!("heatmap[{hour}]"), *value)?;
    }
    Ok(())
}

fn validate_pillars(pillars: &[Pillar]) -> Check {
    if pillars.is_empty() {
        return Err(PlanError::invalid(
            "pillars",
            "must list at least one pillar",
        ));
    }
    check_count("pillars", pillars.len(), MAX_PILLARS)?;
    check_unique_ids("pillars", pillars.iter().map(|p| p.id.as_str()))?;

    for (i, pillar) in pillars.iter().enumerate() {
        let path = format!("pillars[{i}]");
        check_name(&path, &pillar.name)?;
        check_score_factor(&format!("{path}.weight"), pillar.weight)?;
        check_shares(&path, pillar.min_share, pillar.max_share)?;
        check_min_max(&path, "posts", pillar.min_posts, pillar.max_posts)?;
    }
    check_share_sum("pillars", "pillar", pillars.iter().map(|p| p.min_share))
}

fn validate_formats(formats: &[Format], names: &Names) -> Check {
    check_count("formats", formats.len(), MAX_FORMATS)?;
    check_unique_ids("formats", formats.iter().map(|f| f.id.as_str()))?;

    for (i, format) in formats.iter().enumerate() {
        let path = format!("formats[{i}]");
        check_name(&path, &format.name)?;
        check_score_factor(&format!("{path}.multiplier"), format.multiplier)?;
        check_shares(&path, format.min_share, format.max_share)?;
        check_references(
            &format!("{path}.pillar_ids"),
            &format.pillar_ids,
            &names.pillars,
            "pillar",
        )?;
    }
    check_share_sum("formats", "format", formats.iter().map(|f| f.min_share))
}

fn validate_frequency(frequency: &Frequency) -> Check {
    check_at_least_one("frequency.max_posts_per_week", frequency.max_posts_per_week)?;
    check_at_least_one("frequency.max_posts_per_day", frequency.max_posts_per_day)?;

    let (min, max) = (frequency.min_posts_per_week, frequency.max_posts_per_week);
    check_min_max("frequency", "posts_per_week", min, max)?;

    if frequency.min_gap_minutes > MAX_MIN_GAP_MINUTES {
        let message = format!(
            "must be at most {MAX_MIN_GAP_MINUTES}, got {}",
            frequency.min_gap_minutes
        );
        return Err(PlanError::invalid("frequency.min_gap_minutes", message));
    }
    Ok(())
}

fn validate_batches(batches: &[Batch], names: &Names) -> Check {
    check_count("batches", batches.len(), MAX_BATCHES)?;
    check_unique_ids("batches", batches.iter().map(|b| b.id.as_str()))?;

    for (i, batch) in batches.iter().enumerate() {
        let path = format!("batches[{i}]");
        check_timestamp(&format!("{path}.ready_at"), batch.ready_at)?;
        check_at_least_one(&format!("{path}.capacity"), Some(batch.capacity))?;
        check_references(
            &format!("{path}.pillar_ids"),
            &batch.pillar_ids,
            &names.pillars,
            "pillar",
        )?;
        check_format_references(&format!("{path}.format_ids"), &batch.format_ids, names)?;
        check_use_within_days(&format!("{path}.use_within_days"), batch.use_within_days)?;
    }
    Ok(())
}

fn check_format_references(field: &str, format_ids: &[String], names: &Names) -> Check {
    if names.formats.is_empty() && !format_ids.is_empty() {
        let message = "must be empty when the request lists no formats";
        return Err(PlanError::invalid(field, message));
    }
    check_references(field, format_ids, &names.formats, "format")
}

fn check_use_within_days(field: &str, use_within_days: Option<u32>) -> Check {
    check_at_least_one(field, use_within_days)?;

    match use_within_days {
        Some(days) if days > MAX_USE_WITHIN_DAYS => {
            let message = format!("must be at most {MAX_USE_WITHIN_DAYS}, got {days}");
            Err(PlanError::invalid(field, message))
        }
        _ => Ok(()),
    }
}

fn validate_campaigns(campaigns: &[Campaign], names: &Names) -> Check {
    check_count("campaigns", campaigns.len(), MAX_CAMPAIGNS)?;
    check_unique_ids("campaigns", campaigns.iter().map(|c| c.id.as_str()))?;

    for (i, campaign) in campaigns.iter().enumerate() {
        let path = format!("campaigns[{i}]");
        check_name(&path, &campaign.name)?;
        check_timestamp(&format!("{path}.start"), campaign.start)?;
        check_timestamp(&format!("{path}.end"), campaign.end)?;
        check_after(
            &format!("{path}.end"),
            campaign.end,
            &format!("{path}.start"),
            campaign.start,
        )?;
        check_references(
            &format!("{path}.pillar_ids"),
            &campaign.pillar_ids,
            &names.pillars,
            "pillar",
        )?;
        check_min_max(&path, "posts", campaign.min_posts, campaign.max_posts)?;
    }
    Ok(())
}

fn validate_series(series: &[Series], names: &Names) -> Check {
    check_count("series", series.len(), MAX_SERIES)?;
    check_unique_ids("series", series.iter().map(|s| s.id.as_str()))?;

    for (i, one) in series.iter().enumerate() {
        let path = format!("series[{i}]");
        check_name(&path, &one.name)?;
        check_reference(
            &format!("{path}.pillar_id"),
            &one.pillar_id,
            &names.pillars,
            "pillar",
        )?;
        check_episodes(&format!("{path}.episodes"), one.episodes)?;
        check_gap_hours(&format!("{path}.min_gap_hours"), one.min_gap_hours)?;
        check_gap_hours(&format!("{path}.max_gap_hours"), one.max_gap_hours)?;
        check_min_max(&path, "gap_hours", one.min_gap_hours, one.max_gap_hours)?;
    }
    Ok(())
}

fn check_episodes(field: &str, episodes: u32) -> Check {
    if !(1..=MAX_SERIES_EPISODES).contains(&episodes) {
        let message = format!("must be in [1, {MAX_SERIES_EPISODES}], got {episodes}");
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

fn check_gap_hours(field: &str, hours: Option<f64>) -> Check {
    let Some(hours) = hours else { return Ok(()) };

    check_non_negative(field, hours)?;
    if hours > MAX_SERIES_GAP_HOURS {
        let message = format!("must be at most {MAX_SERIES_GAP_HOURS}, got {hours}");
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

fn validate_themed_days(themed_days: &[ThemedDay], names: &Names) -> Check {
    check_count("themed_days", themed_days.len(), MAX_THEMED_DAYS)?;

    let mut seen: HashMap<(Weekday, &str), usize> = HashMap::new();
    for (i, day) in themed_days.iter().enumerate() {
        let path = format!("themed_days[{i}]");
        check_name(&path, &day.name)?;
        check_reference(
            &format!("{path}.pillar_id"),
            &day.pillar_id,
            &names.pillars,
            "pillar",
        )?;

        if let Some(first) = seen.insert((day.weekday, day.pillar_id.as_str()), i) {
            let message = format!("repeats the weekday and pillar of themed_days[{first}]");
            return Err(PlanError::invalid(path, message));
        }
    }
    Ok(())
}

fn validate_blackouts(blackouts: &[Blackout]) -> Check {
    check_count("blackouts", blackouts.len(), MAX_BLACKOUTS)?;

    for (i, blackout) in blackouts.iter().enumerate() {
        match blackout {
            Blackout::Interval { start, end } => {
                let path = format!("blackouts[{i}].interval");
                check_timestamp(&format!("{path}.start"), *start)?;
                check_timestamp(&format!("{path}.end"), *end)?;
                check_after(
                    &format!("{path}.end"),
                    *end,
                    &format!("{path}.start"),
                    *start,
                )?;
            }
            Blackout::Daily { weekdays, .. } => {
                check_unique_weekdays(&format!("blackouts[{i}].daily.weekdays"), weekdays)?;
            }
        }
    }
    Ok(())
}

fn check_unique_weekdays(field: &str, weekdays: &[Weekday]) -> Check {
    let mut seen = HashSet::new();
    for (i, weekday) in weekdays.iter().enumerate() {
        if !seen.insert(*weekday) {
            return Err(PlanError::invalid(
                format!("{field}[{i}]"),
                format!("repeats {weekday}"),
            ));
        }
    }
    Ok(())
}

fn validate_pinned_posts(request: &PlanRequest, names: &Names) -> Check {
    let pinned_posts = &request.pinned_posts;
    check_count("pinned_posts", pinned_posts.len(), MAX_PINNED_POSTS)?;
    check_unique_ids("pinned_posts", pinned_posts.iter().map(|p| p.id.as_str()))?;

    let mut starts = HashMap::new();
    for (i, post) in pinned_posts.iter().enumerate() {
        let path = format!("pinned_posts[{i}]");
        let start_field = format!("{path}.start_time");
        check_inside_horizon(&start_field, post.start_time, &request.horizon)?;
        check_distinct_start(&start_field, post.start_time, &mut starts, i)?;
        check_reference(
            &format!("{path}.pillar_id"),
            &post.pillar_id,
            &names.pillars,
            "pillar",
        )?;
        check_pinned_format(request, &path, post, names)?;
        check_pinned_batch(request, &path, post, names)?;
    }
    check_batch_use(request, names)
}

fn check_inside_horizon(field: &str, instant: DateTime<Utc>, horizon: &Horizon) -> Check {
    if instant < horizon.start || instant >= horizon.end {
        let message = format!(
            "{} is outside the horizon [{}, {})",
            rfc3339(instant),
            rfc3339(horizon.start),
            rfc3339(horizon.end)
        );
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

/// Two pinned posts cannot start at the same instant: the calendar posts one video at a time.
/// They may share a slot, since pinned posts keep their own time off the grid.
fn check_distinct_start(
    field: &str,
    start_time: DateTime<Utc>,
    starts: &mut HashMap<DateTime<Utc>, usize>,
    index: usize,
) -> Check {
    match starts.insert(start_time, index) {
        Some(first) => {
            let message = format!("is also the start of pinned_posts[{first}]");
            Err(PlanError::invalid(field, message))
        }
        None => Ok(()),
    }
}

/// A pinned post names a listed format when there are formats, none when there are not, and
/// only a format allowed for its pillar.
fn check_pinned_format(
    request: &PlanRequest,
    path: &str,
    post: &PinnedPost,
    names: &Names,
) -> Check {
    let field = format!("{path}.format_id");
    let Some(format_id) = &post.format_id else {
        if request.formats.is_empty() {
            return Ok(());
        }
        return Err(PlanError::invalid(
            field,
            "must name a format when the request lists formats",
        ));
    };

    if request.formats.is_empty() {
        let message = "must be empty when the request lists no formats";
        return Err(PlanError::invalid(field, message));
    }
    check_reference(&field, format_id, &names.formats, "format")?;

    let format = &request.formats[names.formats[format_id.as_str()]];
    if !allows(&format.pillar_ids, &post.pillar_id) {
        let message = format!(
            "format `{format_id}` is not allowed for pillar `{}`",
            post.pillar_id
        );
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

/// A pinned post's batch must have been able to make it: ready before it, covering its pillar
/// and format, and not yet stale when it went out.
fn check_pinned_batch(
    request: &PlanRequest,
    path: &str,
    post: &PinnedPost,
    names: &Names,
) -> Check {
    let Some(batch_id) = &post.batch_id else {
        return Ok(());
    };

    let field = format!("{path}.batch_id");
    check_reference(&field, batch_id, &names.batches, "batch")?;
    let batch = &request.batches[names.batches[batch_id.as_str()]];

    if batch.ready_at > post.start_time {
        let message = format!(
            "batch `{batch_id}` is ready only at {}",
            rfc3339(batch.ready_at)
        );
        return Err(PlanError::invalid(field, message));
    }
    if !allows(&batch.pillar_ids, &post.pillar_id) {
        let message = format!(
            "batch `{batch_id}` does not cover pillar `{}`",
            post.pillar_id
        );
        return Err(PlanError::invalid(field, message));
    }
    if let Some(format_id) = &post.format_id
        && !allows(&batch.format_ids, format_id)
    {
        let message = format!("batch `{batch_id}` does not cover format `{format_id}`");
        return Err(PlanError::invalid(field, message));
    }
    if let Some(days) = batch.use_within_days
        && post.start_time >= batch.ready_at + TimeDelta::days(i64::from(days))
    {
        let message = format!("batch `{batch_id}` must be used within {days} days of being ready");
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

/// No batch made more pinned posts than its capacity.
fn check_batch_use(request: &PlanRequest, names: &Names) -> Check {
    let mut used = vec![0_u64; request.batches.len()];
    for post in &request.pinned_posts {
        if let Some(batch_id) = &post.batch_id {
            used[names.batches[batch_id.as_str()]] += 1;
        }
    }

    for (i, (batch, used)) in request.batches.iter().zip(used).enumerate() {
        if used > u64::from(batch.capacity) {
            let message = format!("is {} but {used} pinned posts use it", batch.capacity);
            return Err(PlanError::invalid(
                format!("batches[{i}].capacity"),
                message,
            ));
        }
    }
    Ok(())
}

fn validate_solver(solver: &SolverOptions) -> Check {
    if solver.time_limit_ms == 0 || solver.time_limit_ms > MAX_TIME_LIMIT_MS {
        let message = format!(
            "must be in [1, {MAX_TIME_LIMIT_MS}], got {}",
            solver.time_limit_ms
        );
        return Err(PlanError::invalid("solver.time_limit_ms", message));
    }

    let gap = solver.relative_gap;
    if !(0.0..1.0).contains(&gap) {
        return Err(PlanError::invalid(
            "solver.relative_gap",
            format!("must be in [0, 1), got {gap}"),
        ));
    }
    Ok(())
}

fn check_count(field: &str, len: usize, max: usize) -> Check {
    if len > max {
        return Err(PlanError::invalid(
            field,
            format!("must have at most {max} entries, got {len}"),
        ));
    }
    Ok(())
}

fn check_id(field: &str, id: &str) -> Check {
    if id.is_empty() {
        return Err(PlanError::invalid(field, "must not be empty"));
    }
    if id.len() > MAX_ID_BYTES {
        let message = format!("must be at most {MAX_ID_BYTES} bytes, got {}", id.len());
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

/// Each id of the list at `list` is a valid id, and none repeats an earlier one.
fn check_unique_ids<'a>(list: &str, ids: impl Iterator<Item = &'a str>) -> Check {
    let mut seen = HashMap::new();
    for (i, id) in ids.enumerate() {
        let field = format!("{list}[{i}].id");
        check_id(&field, id)?;

        if let Some(first) = seen.insert(id, i) {
            let message = format!("repeats the id `{id}` of {list}[{first}]");
            return Err(PlanError::invalid(field, message));
        }
    }
    Ok(())
}

fn check_name(path: &str, name: &str) -> Check {
    if name.len() > MAX_NAME_BYTES {
        let message = format!("must be at most {MAX_NAME_BYTES} bytes, got {}", name.len());
        return Err(PlanError::invalid(format!("{path}.name"), message));
    }
    Ok(())
}

fn check_reference(field: &str, id: &str, known: &HashMap<&str, usize>, kind: &str) -> Check {
    if !known.contains_key(id) {
        let message = format!("names unknown {kind} `{id}`");
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

/// Every id of the list at `field` is known, and none repeats.
fn check_references(
    field: &str,
    ids: &[String],
    known: &HashMap<&str, usize>,
    kind: &str,
) -> Check {
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        let item = format!("{field}[{i}]");
        check_reference(&item, id, known, kind)?;

        if !seen.insert(id.as_str()) {
            return Err(PlanError::invalid(item, format!("repeats {kind} `{id}`")));
        }
    }
    Ok(())
}

fn check_non_negative(field: &str, value: f64) -> Check {
    if !value.is_finite() {
        return Err(PlanError::invalid(
            field,
            format!("must be a finite number, got {value}"),
        ));
    }
    if value < 0.0 {
        return Err(PlanError::invalid(
            field,
            format!("must not be negative, got {value}"),
        ));
    }
    Ok(())
}

fn check_score_factor(field: &str, value: f64) -> Check {
    check_non_negative(field, value)?;

    if value > MAX_SCORE_FACTOR {
        let message = format!("must be at most {MAX_SCORE_FACTOR:e}, got {value:e}");
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

fn check_shares(path: &str, min_share: Option<f64>, max_share: Option<f64>) -> Check {
    for (name, share) in [("min_share", min_share), ("max_share", max_share)] {
        if let Some(share) = share
            && !(0.0..=1.0).contains(&share)
        {
            let message = format!("must be in [0, 1], got {share}");
            return Err(PlanError::invalid(format!("{path}.{name}"), message));
        }
    }
    check_min_max(path, "share", min_share, max_share)
}

/// `min_<what>` does not exceed `max_<what>` when both are set; the error names the minimum.
fn check_min_max<T: PartialOrd + std::fmt::Display>(
    path: &str,
    what: &str,
    min: Option<T>,
    max: Option<T>,
) -> Check {
    match (min, max) {
        (Some(min), Some(max)) if min > max => {
            let message = format!("is {min}, above max_{what} {max}");
            Err(PlanError::invalid(format!("{path}.min_{what}"), message))
        }
        _ => Ok(()),
    }
}

/// The minimum shares of the list sum to at most 1; the error names the share that tips it.
fn check_share_sum(list: &str, kind: &str, min_shares: impl Iterator<Item = Option<f64>>) -> Check {
    let mut sum = 0.0;
    for (i, share) in min_shares.enumerate() {
        sum += share.unwrap_or(0.0);
        if sum > 1.0 + SHARE_SUM_TOLERANCE {
            let message = format!("brings the {kind} minimum shares to {sum}, above 1");
            return Err(PlanError::invalid(
                format!("{list}[{i}].min_share"),
                message,
            ));
        }
    }
    Ok(())
}

fn check_at_least_one(field: &str, value: Option<u32>) -> Check {
    if value == Some(0) {
        return Err(PlanError::invalid(field, "must be at least 1"));
    }
    Ok(())
}

fn check_timestamp(field: &str, instant: DateTime<Utc>) -> Check {
    let seconds = instant.timestamp();
    if !(EARLIEST_TIMESTAMP_SECS..=LATEST_TIMESTAMP_SECS).contains(&seconds) {
        let message = "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z";
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

fn check_after(field: &str, end: DateTime<Utc>, start_field: &str, start: DateTime<Utc>) -> Check {
    if end <= start {
        let message = format!(
            "{} is not after {start_field} {}",
            rfc3339(end),
            rfc3339(start)
        );
        return Err(PlanError::invalid(field, message));
    }
    Ok(())
}

/// An empty allow-list allows everything.
fn allows(allowed: &[String], id: &str) -> bool {
    allowed.is_empty() || allowed.iter().any(|allowed| allowed == id)
}

fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;
