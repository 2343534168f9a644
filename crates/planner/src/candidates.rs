//! Exact slot pruning: the slots no best schedule needs, and the proofs that they are not needed.
//!
//! Two reductions, each proven below where it is applied:
//!
//! 1. [`hours_suffice`]: with 15- or 30-minute slots, when every instant the rules name lies on a
//!    local hour and the gap is a whole number of hours, moving each planned post back to the
//!    start of its local hour keeps every rule and every score, so only on-the-hour slots are
//!    kept.
//! 2. [`candidate_mask`]: inside a segment (see [`crate::instance`]) every counting rule treats
//!    slots alike, so a planned post can move to any better free slot of its segment that no
//!    other post blocks. A slot is kept only if it is the best unblocked slot of its segment for
//!    some placement of the few posts that can block it.
//!
//! Series episodes are excluded from (2): moving one changes the gaps to its neighbouring
//! episodes, so the model lets episodes take every free slot.

use crate::instance::{Instance, MINUTE};

const HOUR: i64 = 60 * MINUTE;

/// Whether restricting planned posts to on-the-hour slots loses nothing.
///
/// Proof. Let `floor(t)` be the start of the local hour of `t`. When the UTC offset is the same
/// modulo one hour across the horizon, `floor` subtracts a whole number of minutes in UTC too, and
/// `floor(t)` is a slot (its local hour exists since `t` does; it is not before the horizon start,
/// which is on the hour). Take any schedule and move every planned post from `t` to `floor(t)`:
/// - the heatmap value is per local hour, so scores are unchanged;
/// - the local day is unchanged, hence week, daily count and themed day;
/// - every breakpoint `b` (batch ready and expiry, campaign edges, blackout interval ends,
///   daily blackout window ends) is on the hour, so `t < b` gives `floor(t) < b` and `t >= b`
///   gives `floor(t) >= b`: batch usability, campaign windows and blackouts are unchanged;
/// - posts `t < s` with `s - t >= G`, `G` a multiple of one hour, give
///   `floor(s) - floor(t) >= G`; likewise `|t - p| >= G` from a pinned post `p` on the hour; with
///   `G >= 1 h` two posts never fall into one hour;
/// - series gap bounds are whole hours `k`: `s - t >= k h` gives `floor(s) - floor(t) >= k h`
///   and `s - t <= k h` gives `floor(s) - floor(t) <= k h`.
pub(crate) fn hours_suffice(instance: &Instance<'_>) -> bool {
    let request = instance.request;
    let grid = &instance.grid;
    let gap_minutes = i64::from(request.frequency.min_gap_minutes);
    if grid.slot_minutes >= 60 || gap_minutes < 60 || gap_minutes % 60 != 0 {
        return false;
    }

    let Some(first) = grid.slots.first() else {
        return false;
    };
    let residue = i64::from(first.offset_seconds).rem_euclid(HOUR);
    let same_residue = grid
        .slots
        .iter()
        .all(|s| i64::from(s.offset_seconds).rem_euclid(HOUR) == residue);
    let on_hour = |seconds: i64| (seconds + residue).rem_euclid(HOUR) == 0;

    let mut instants = vec![request.horizon.start.timestamp()];
    instants.extend(
        instance
            .batches
            .iter()
            .flat_map(|b| [Some(b.ready), b.expiry])
            .flatten(),
    );
    instants.extend(
        request
            .campaigns
            .iter()
            .flat_map(|c| [c.start.timestamp(), c.end.timestamp()]),
    );
    instants.extend(instance.pinned.iter().map(|p| p.at));
    for blackout in &request.blackouts {
        match blackout {
            crate::request::Blackout::Interval { start, end } => {
                instants.extend([start.timestamp(), end.timestamp()]);
            }
            crate::request::Blackout::Daily { start, end, .. } => {
                use chrono::Timelike;
                if [start, end]
                    .iter()
                    .any(|t| t.minute() != 0 || t.second() != 0 || t.nanosecond() != 0)
                {
                    return false;
                }
            }
        }
    }
    let whole_hours = |hours: Option<f64>| hours.is_none_or(|h| h.fract() == 0.0);
    let series_on_hours = request
        .series
        .iter()
        .all(|s| whole_hours(s.min_gap_hours) && whole_hours(s.max_gap_hours));

    same_residue && series_on_hours && instants.into_iter().all(on_hour)
}

/// For every model slot, whether a planned post that is not a series episode may take it.
///
/// Proof. Take a best schedule and, while some non-episode post `q` at slot `t` of segment `S`
/// has a free slot `t'` of `S` that is better (higher heatmap value, or equal and earlier) and
/// at least the gap from every other post, move `q` to `t'`. Every counting rule sees the same
/// segment, the types a batch can make are the same, the score does not drop, and the schedule
/// strictly improves in (score, earliness), so this ends. At the end each such `t` is the best
/// slot of `S` not blocked by another post. A post blocks the slots less than the gap `G` from
/// it, and the posts that can block a slot of `S` while obeying the gap to `t` are:
/// - at most `cap(S) - 1` other posts inside `S`, each at least `G` from `t`, so that its
///   blocked window stays on one side of `t`;
/// - the last post before `S`, blocking only slots less than `G` after it, and the first post
///   after `S`, symmetrically (posts are pairwise `G` apart, so no other outside post reaches
///   into `S` beyond them).
///
/// So `t` is kept when the slots of `S` better than it can be covered by those blockers.
/// `cap(S)` bounds the posts of `S` by the daily maximum and by the most slots of `S` that are
/// pairwise `G` apart.
///
/// The first pass lets blockers sit at any slot. Without series (`episodes_anywhere` false)
/// every post of the final schedule sits at a kept slot, so the pass is repeated with blockers
/// only at slots kept by the previous pass until nothing changes: by induction over the passes,
/// the posts of the final schedule survive each one. With series, episodes may block from any
/// slot, so only the first pass is sound.
pub(crate) fn candidate_mask(instance: &Instance<'_>, episodes_anywhere: bool) -> Vec<bool> {
    let segments = segment_ranges(instance);
    let caps: Vec<usize> = segments
        .iter()
        .map(|range| {
            let times: Vec<i64> = instance.slots[range.clone()].iter().map(|s| s.at).collect();
            segment_cap(instance, instance.slots[range.start].day, &times)
        })
        .collect();
    let mut mask = vec![true; instance.slots.len()];
    loop {
        let next: Vec<bool> = segments
            .iter()
            .zip(&caps)
            .flat_map(|(range, &cap)| mark_segment(instance, range.clone(), cap, &mask))
            .collect();
        let done = episodes_anywhere || next == mask;
        mask = next;
        if done {
            return mask;
        }
    }
}

fn segment_ranges(instance: &Instance<'_>) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::with_capacity(instance.segment_count);
    let mut begin = 0;
    while begin < instance.slots.len() {
        let segment = instance.slots[begin].segment;
        let end = begin
            + instance.slots[begin..]
                .iter()
                .take_while(|s| s.segment == segment)
                .count();
        ranges.push(begin..end);
        begin = end;
    }
    ranges
}

/// The kept slots of one segment, with blockers only at slots `allowed` so far.
fn mark_segment(
    instance: &Instance<'_>,
    range: std::ops::Range<usize>,
    cap: usize,
    allowed: &[bool],
) -> Vec<bool> {
    let slots = &instance.slots[range.clone()];
    let mut kept = vec![false; slots.len()];
    if cap == 0 {
        return kept;
    }
    let times: Vec<i64> = slots.iter().map(|s| s.at).collect();
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by(|&a, &b| {
        slots[b]
            .heatmap_value
            .total_cmp(&slots[a].heatmap_value)
            .then(times[a].cmp(&times[b]))
    });

    let reach = i64::from(instance.request.frequency.min_gap_minutes) * MINUTE;
    let before = instance.slots[..range.start]
        .iter()
        .zip(&allowed[..range.start])
        .rev()
        .find(|(_, a)| **a);
    let after = instance.slots[range.end..]
        .iter()
        .zip(&allowed[range.end..])
        .find(|(_, a)| **a);
    let blocking = Blocking {
        blocked_below: before.map_or(i64::MIN, |(slot, _)| slot.at + reach),
        blocked_above: after.map_or(i64::MAX, |(slot, _)| slot.at - reach),
        radius: instance.gap,
        centres: times
            .iter()
            .zip(&allowed[range])
            .filter(|(_, a)| **a)
            .map(|(t, _)| *t)
            .collect(),
    };
    for (rank, &i) in order.iter().enumerate() {
        let better: Vec<i64> = order[..rank].iter().map(|&j| times[j]).collect();
        kept[i] = blocking
            .windows_to_cover(&better, times[i])
            .is_some_and(|windows| windows < cap);
    }
    kept
}

/// Most planned posts segment can hold.
fn segment_cap(instance: &Instance<'_>, day: usize, times: &[i64]) -> usize {
    let mut packed = 0;
    let mut last: Option<i64> = None;
    for &t in times {
        if last.is_none_or(|l| t - l >= instance.gap) {
            packed += 1;
            last = Some(t);
        }
    }
    match instance.request.frequency.max_posts_per_day {
        Some(max) => packed.min((max as usize).saturating_sub(instance.pinned_on_day(day))),
        None => packed,
    }
}

/// The geometry of blocking inside one segment, in Unix seconds.
struct Blocking {
    /// Slots before this are blocked by the last post before the segment.
    blocked_below: i64,
    /// Slots after this are blocked by the first post after the segment.
    blocked_above: i64,
    /// A post blocks the slots less than this from it.
    radius: i64,
    /// Where a blocking post inside the segment may sit, sorted.
    centres: Vec<i64>,
}

impl Blocking {
    /// Posts inside the segment needed to block every slot of `better`, beyond what the posts
    /// outside block, with every blocker at least `radius` from `t`; `None` when impossible.
    fn windows_to_cover(&self, better: &[i64], t: i64) -> Option<usize> {
        let mut left: Vec<i64> = better
            .iter()
            .copied()
            .filter(|&u| u < t && u >= self.blocked_below)
            .collect();
        let mut right: Vec<i64> = better
            .iter()
            .copied()
            .filter(|&u| u > t && u <= self.blocked_above)
            .collect();
        left.sort_unstable();
        right.sort_unstable_by(|a, b| b.cmp(a));
        let r = self.radius;

        let mut windows = 0;
        let mut covered_to = i64::MIN;
        for &p in &left {
            if p > covered_to {
                let highest = (p + r - 1).min(t - r);
                let centre = self
                    .centres
                    .iter()
                    .rev()
                    .find(|&&c| c <= highest && c > p - r)?;
                covered_to = centre + r - 1;
                windows += 1;
            }
        }
        let mut covered_from = i64::MAX;
        for &p in &right {
            if p < covered_from {
                let lowest = (p - r + 1).max(t + r);
                let centre = self.centres.iter().find(|&&c| c >= lowest && c < p + r)?;
                covered_from = centre - r + 1;
                windows += 1;
            }
        }
        Some(windows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anywhere(blocked_below: i64, blocked_above: i64) -> Blocking {
        Blocking {
            blocked_below,
            blocked_above,
            radius: 3,
            centres: (0..24).collect(),
        }
    }

    #[test]
    fn a_slot_is_kept_only_while_better_ones_can_be_blocked() {
        let blocking = anywhere(i64::MIN, i64::MAX);
        // Better slots 10 and 11 are covered by one window centred at 8..=12 away from t = 5.
        assert_eq!(blocking.windows_to_cover(&[10, 11], 5), Some(1));
        // 2 and 10 need a window on each side of t = 6.
        assert_eq!(blocking.windows_to_cover(&[2, 10], 6), Some(2));
        // 7 and 12 are too far apart for one window (radius 3 covers 5 consecutive slots).
        assert_eq!(blocking.windows_to_cover(&[7, 12], 3), Some(2));
    }

    #[test]
    fn posts_outside_the_segment_block_its_edges() {
        let blocking = anywhere(3, 20);
        assert_eq!(blocking.windows_to_cover(&[0, 1, 2, 22], 12), Some(0));
        assert_eq!(blocking.windows_to_cover(&[3], 12), Some(1));
    }

    #[test]
    fn blockers_only_sit_where_posts_may() {
        // Only slot 20 may hold a blocker: it covers 18..=22, so 15 stays uncovered.
        let blocking = Blocking {
            blocked_below: i64::MIN,
            blocked_above: i64::MAX,
            radius: 3,
            centres: vec![20],
        };
        assert_eq!(blocking.windows_to_cover(&[19, 21], 10), Some(1));
        assert_eq!(blocking.windows_to_cover(&[15], 10), None);
    }
}
