//! The best open posting slots of a window, for a scheduler's "add to queue" button.
//!
//! Slots are the instants of `[window_start, window_end)` whose local civil time in the
//! account's zone is a multiple of `slot_minutes` (09:00, 09:15, ...). A local time that does
//! not exist (the hour skipped when summer time starts) is never a slot; a local time that
//! happens twice (the hour repeated when it ends) gives two slots, one per instant, both read
//! at that local hour of week.
//!
//! In `Exploit` mode slots are ranked by their learned value (the posterior median of their
//! hour). In `Explore` mode they are ranked by one joint posterior draw of all 168 values
//! (Thompson sampling): an hour the evidence has not settled gets its chance in proportion to
//! the probability that it is the best, so a wrong heatmap is corrected instead of believed
//! forever. A slot is flagged exploratory when Exploit mode would not have picked it.
//!
//! Selection is greedy: the best slot first, then the best slot at least `min_gap_minutes`
//! from every slot picked and every existing post, and so on, ties going to the earlier slot.
//! That is exactly a ranked list's meaning (each entry is the best that fits beside the ones
//! above it) and it is what a queue fills one post at a time. As a *set* of `count` posts it
//! can fall short of the best total when the gap binds: a peak hour picked first may shut out
//! two neighbours one gap apart that together beat it. Learned values change smoothly over a
//! few hours, so the loss is small; a whole calendar with quotas and gaps should be planned by
//! the planner, which solves that exactly.
//!
//! An existing post blocks the slot it starts in and every slot that starts less than
//! `min_gap_minutes` from it, as pinned posts do in the planner.

use chrono::{DateTime, Duration, FixedOffset, LocalResult, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::error::{Result, SlotsError};
use crate::posterior::{EvidenceLevel, Interval, Posterior};
use crate::week::local_hour_of_week;

/// Longest window a query may ask about, in days.
pub const MAX_WINDOW_DAYS: i64 = 31;

/// Most slots a query may ask for.
pub const MAX_SLOT_COUNT: usize = 100;

/// Longest gap a query may ask for: one week, in minutes.
pub const MAX_GAP_MINUTES: u32 = 7 * 24 * 60;

/// How slots are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotMode {
    /// By learned value.
    Exploit,
    /// By one posterior draw from `seed`; the same seed gives the same ranking.
    Explore { seed: u64 },
}

/// Which slots of a window to rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestSlotsQuery {
    pub window_start: DateTime<Utc>,
    /// Exclusive.
    pub window_end: DateTime<Utc>,
    /// 15, 30 or 60; slots start on local multiples of it.
    pub slot_minutes: u32,
    /// How many slots to return, 1 to [`MAX_SLOT_COUNT`].
    pub count: usize,
    /// Least time between the starts of two returned slots, and between a returned slot and an
    /// existing post.
    pub min_gap_minutes: u32,
    /// Posts already on the calendar, to keep clear of.
    pub existing_posts: Vec<DateTime<Utc>>,
    pub mode: SlotMode,
}

/// One recommended slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedSlot {
    pub start: DateTime<Utc>,
    /// Civil time in the account's zone, with its offset.
    pub local_time: DateTime<FixedOffset>,
    pub hour_of_week: usize,
    /// Learned value of the slot's hour, in the heatmap's units.
    pub value: f64,
    /// 95% credible interval of the value.
    pub interval: Interval,
    pub evidence: EvidenceLevel,
    /// Predictive mean of the outcome metric of a post here, once there is evidence.
    pub expected_metric: Option<f64>,
    /// In Explore mode, the drawn value the slot was ranked by.
    pub drawn_value: Option<f64>,
    /// In Explore mode, Exploit mode would not have picked this slot.
    pub exploratory: bool,
}

/// A slot of the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) start: DateTime<Utc>,
    pub(crate) hour_of_week: usize,
}

/// Up to `query.count` slots of the window in rank order; fewer when the window, the gap and
/// the existing posts leave fewer.
pub fn best_slots(posterior: &Posterior, query: &BestSlotsQuery) -> Result<Vec<RankedSlot>> {
    validate(query)?;

    let candidates = window_slots(posterior.time_zone(), query);
    let blockers = sorted(&query.existing_posts);
    let values = posterior.values();
    let exploit = pick(&candidates, &values, &blockers, query);

    let SlotMode::Explore { seed } = query.mode else {
        return Ok(report(posterior, &exploit, None, &[]));
    };
    let drawn = posterior.draw(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let explore = pick(&candidates, &drawn, &blockers, query);
    Ok(report(posterior, &explore, Some(&drawn), &exploit))
}

fn validate(query: &BestSlotsQuery) -> Result<()> {
    if !matches!(query.slot_minutes, 15 | 30 | 60) {
        return Err(SlotsError::invalid_input(
            "slot_minutes",
            "must be 15, 30 or 60",
        ));
    }
    if query.window_end <= query.window_start {
        return Err(SlotsError::invalid_input(
            "window_end",
            "must be after window_start",
        ));
    }
    if query.window_end - query.window_start > Duration::days(MAX_WINDOW_DAYS) {
        return Err(SlotsError::invalid_input(
            "window_end",
            format!("must be at most {MAX_WINDOW_DAYS} days after window_start"),
        ));
    }
    if !(1..=MAX_SLOT_COUNT).contains(&query.count) {
        return Err(SlotsError::invalid_input(
            "count",
            format!("must be between 1 and {MAX_SLOT_COUNT}"),
        ));
    }
    if query.min_gap_minutes > MAX_GAP_MINUTES {
        return Err(SlotsError::invalid_input(
            "min_gap_minutes",
            format!("must be at most {MAX_GAP_MINUTES} (one week)"),
        ));
    }
    Ok(())
}

/// Every local multiple of `slot_minutes` that names an instant of the window.
///
/// Resolving a local time in a zone is a search of its transitions, the bulk of the cost of a
/// query; so each local hour is resolved once, at its start, and its quarter or half hours
/// reuse the offset when the hour after it starts with the same single offset (no zone changes
/// its clock twice within an hour). Hours next to a change resolve every slot.
pub(crate) fn window_slots(time_zone: Tz, query: &BestSlotsQuery) -> Vec<Candidate> {
    let first_day = query.window_start.with_timezone(&time_zone).date_naive();
    let last_day = query.window_end.with_timezone(&time_zone).date_naive();
    let mut hour_start = first_day.and_time(NaiveTime::MIN);
    let mut resolved = time_zone.from_local_datetime(&hour_start);

    let mut candidates = Vec::new();
    while hour_start.date() <= last_day {
        let next_start = hour_start + Duration::hours(1);
        let next = time_zone.from_local_datetime(&next_start);
        let steady = steady_offset(&resolved, &next);
        for minute in (0..60).step_by(query.slot_minutes as usize) {
            let local = hour_start + Duration::minutes(minute);
            let starts = match (minute, steady) {
                (0, _) => instants(&resolved),
                (_, Some(offset)) => [Some((local - offset).and_utc()), None],
                (_, None) => instants(&time_zone.from_local_datetime(&local)),
            };

            let hour_of_week = local_hour_of_week(local);
            candidates.extend(
                starts
                    .into_iter()
                    .flatten()
                    .filter(|start| inside(query, *start))
                    .map(|start| Candidate {
                        start,
                        hour_of_week,
                    }),
            );
        }
        (hour_start, resolved) = (next_start, next);
    }
    candidates
}

fn inside(query: &BestSlotsQuery, start: DateTime<Utc>) -> bool {
    query.window_start <= start && start < query.window_end
}

/// The offset of an hour whose start and end each name one instant at the same offset.
fn steady_offset(
    start: &LocalResult<DateTime<Tz>>,
    end: &LocalResult<DateTime<Tz>>,
) -> Option<Duration> {
    match (start, end) {
        (LocalResult::Single(start), LocalResult::Single(end)) => {
            let offset = start.offset().fix().local_minus_utc();
            (offset == end.offset().fix().local_minus_utc())
                .then(|| Duration::seconds(i64::from(offset)))
        }
        _ => None,
    }
}

/// The instants a local time names: none in a skipped hour, two in a repeated one.
fn instants(resolved: &LocalResult<DateTime<Tz>>) -> [Option<DateTime<Utc>>; 2] {
    match resolved {
        LocalResult::Single(one) => [Some(one.with_timezone(&Utc)), None],
        LocalResult::Ambiguous(early, late) => [
            Some(early.with_timezone(&Utc)),
            Some(late.with_timezone(&Utc)),
        ],
        LocalResult::None => [None, None],
    }
}

fn sorted(instants: &[DateTime<Utc>]) -> Vec<DateTime<Utc>> {
    let mut sorted = instants.to_vec();
    sorted.sort_unstable();
    sorted
}

/// Greedy selection by `values` (one per hour of week), best first, ties to the earlier slot.
fn pick(
    candidates: &[Candidate],
    values: &[f64],
    blockers: &[DateTime<Utc>],
    query: &BestSlotsQuery,
) -> Vec<Candidate> {
    // (value, start in seconds, index): sorting plain keys is several times faster than
    // looking values up and comparing instants inside the comparison.
    let mut order: Vec<(f64, i64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(index, c)| (values[c.hour_of_week], c.start.timestamp(), index))
        .collect();
    order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

    let gap = Duration::minutes(i64::from(query.min_gap_minutes));
    let length = Duration::minutes(i64::from(query.slot_minutes));
    let mut picked: Vec<Candidate> = Vec::with_capacity(query.count);
    let mut picked_seconds: Vec<i64> = Vec::with_capacity(query.count);
    for (_, seconds, index) in order {
        if picked.len() == query.count {
            break;
        }
        let near_picked = picked_seconds
            .iter()
            .any(|p| (p - seconds).abs() < gap.num_seconds());
        let candidate = candidates[index];
        if !near_picked && !blocked(candidate.start, blockers, gap, length) {
            picked.push(candidate);
            picked_seconds.push(seconds);
        }
    }
    picked
}

/// An existing post starts inside the slot or less than `gap` from its start.
fn blocked(
    start: DateTime<Utc>,
    blockers: &[DateTime<Utc>],
    gap: Duration,
    length: Duration,
) -> bool {
    let first = blockers.partition_point(|post| *post < start - gap);
    blockers[first..]
        .iter()
        .take_while(|post| **post < start + gap.max(length))
        .any(|post| (*post - start).abs() < gap || (start <= *post && *post < start + length))
}

fn report(
    posterior: &Posterior,
    picked: &[Candidate],
    drawn: Option<&[f64]>,
    exploit: &[Candidate],
) -> Vec<RankedSlot> {
    picked
        .iter()
        .map(|candidate| {
            let hour = &posterior.hours()[candidate.hour_of_week];
            RankedSlot {
                start: candidate.start,
                local_time: candidate
                    .start
                    .with_timezone(&posterior.time_zone())
                    .fixed_offset(),
                hour_of_week: candidate.hour_of_week,
                value: hour.value,
                interval: hour.interval,
                evidence: hour.evidence,
                expected_metric: hour.expected_metric,
                drawn_value: drawn.map(|values| values[candidate.hour_of_week]),
                exploratory: drawn.is_some() && !exploit.contains(candidate),
            }
        })
        .collect()
}
