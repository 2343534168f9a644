//! The slot grid of a horizon: every instant a post may start, in the audience's zone.
//!
//! Slots start on local multiples of `slot_minutes` (09:00, 09:15, ...). Around daylight-saving
//! changes a local time that does not exist is never a slot, and a local time that happens twice
//! gives two slots, one per UTC instant. Heatmap lookups use the slot's local weekday and hour.
//!
//! The days of the horizon are the local calendar dates that hold at least one slot; the share
//! of a partial ISO week (frequency bounds) counts those dates. A themed day asks for a post only
//! on days that lie wholly inside the horizon: a day cut by the horizon asks for nothing.
//!
//! A slot is *free* when a planned post may take it: it lies outside every blackout, holds no
//! pinned post and is at least `min_gap_minutes` from every pinned post.

use chrono::{
    DateTime, Datelike, Duration, IsoWeek, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::error::PlanError;
use crate::request::{Blackout, HOURS_PER_WEEK, PlanRequest};

/// One instant a post may start at.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    /// Wall-clock time in the audience's zone.
    pub local: NaiveDateTime,
    /// Offset from UTC at this instant, in seconds.
    pub offset_seconds: i32,
    /// Index into [`Grid::days`].
    pub day: usize,
    /// Index of the local weekday and hour into the heatmap, Monday 00:00 first.
    pub hour_of_week: usize,
}

/// A local calendar date of the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: NaiveDate,
    pub week: IsoWeek,
    /// The whole local day lies inside the horizon.
    pub whole: bool,
}

/// The slots of a horizon, in time order, and which of them planned posts may use.
#[derive(Debug, Clone)]
pub struct Grid {
    pub time_zone: Tz,
    pub slot_minutes: u32,
    pub slots: Vec<Slot>,
    pub days: Vec<Day>,
    /// Parallel to `slots`.
    pub free: Vec<bool>,
}

impl Grid {
    /// Lays out the slots of `request`'s horizon and marks the free ones.
    pub fn new(request: &PlanRequest) -> Result<Self, PlanError> {
        let horizon = &request.horizon;
        let time_zone: Tz = horizon.time_zone.parse().map_err(|_| {
            PlanError::invalid("horizon.time_zone", "is not a known IANA time zone")
        })?;
        if !matches!(horizon.slot_minutes, 15 | 30 | 60) {
            return Err(PlanError::invalid(
                "horizon.slot_minutes",
                "must be 15, 30 or 60",
            ));
        }
        if horizon.end <= horizon.start {
            return Err(PlanError::invalid(
                "horizon.end",
                "must be after horizon.start",
            ));
        }
        if horizon.end - horizon.start > Duration::days(crate::request::MAX_HORIZON_DAYS) {
            return Err(PlanError::invalid(
                "horizon.end",
                "is too far from horizon.start",
            ));
        }

        let (slots, days) = lay_out(time_zone, horizon.start, horizon.end, horizon.slot_minutes);
        let mut grid = Self {
            time_zone,
            slot_minutes: horizon.slot_minutes,
            slots,
            days,
            free: vec![],
        };
        grid.free = vec![true; grid.slots.len()];

        grid.remove_blackouts(&request.blackouts);
        let gap = Duration::minutes(i64::from(request.frequency.min_gap_minutes));
        let pinned: Vec<DateTime<Utc>> =
            request.pinned_posts.iter().map(|p| p.start_time).collect();
        grid.remove_near_pinned(&pinned, gap);
        Ok(grid)
    }

    /// The heatmap value of slot `index`; 0 when the heatmap is short (validation rejects that).
    pub fn heatmap_value(&self, heatmap: &[f64], index: usize) -> f64 {
        heatmap
            .get(self.slots[index].hour_of_week)
            .copied()
            .unwrap_or(0.0)
    }

    /// The local date of an instant, as an index into `days` if it is a day of the horizon.
    pub fn day_of(&self, instant: DateTime<Utc>) -> Option<usize> {
        let date = instant.with_timezone(&self.time_zone).date_naive();
        self.days.binary_search_by(|day| day.date.cmp(&date)).ok()
    }

    /// The local wall-clock time of an instant with its offset.
    pub fn local_time(&self, instant: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
        instant.with_timezone(&self.time_zone).fixed_offset()
    }

    fn remove_blackouts(&mut self, blackouts: &[Blackout]) {
        for blackout in blackouts {
            for (slot, free) in self.slots.iter().zip(self.free.iter_mut()) {
                if *free && blackout_covers(blackout, slot) {
                    *free = false;
                }
            }
        }
    }

    /// A slot is taken when a pinned post starts inside it, and blocked when its start is less
    /// than `gap` from a pinned post.
    fn remove_near_pinned(&mut self, pinned: &[DateTime<Utc>], gap: Duration) {
        let length = Duration::minutes(i64::from(self.slot_minutes));
        for (slot, free) in self.slots.iter().zip(self.free.iter_mut()) {
            let taken = pinned.iter().any(|&at| {
                let inside = slot.start <= at && at < slot.start + length;
                inside || (at - slot.start).abs() < gap
            });
            if taken {
                *free = false;
            }
        }
    }
}

/// Every local multiple of `slot_minutes` that maps to an instant in `[start, end)`.
fn lay_out(
    time_zone: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    slot_minutes: u32,
) -> (Vec<Slot>, Vec<Day>) {
    let first_date = start.with_timezone(&time_zone).date_naive();
    let last_date = end.with_timezone(&time_zone).date_naive();
    let mut instants = Vec::new();
    let mut date = first_date;
    while date <= last_date {
        for minute in (0..24 * 60).step_by(slot_minutes as usize) {
            let local = date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute));
            instants.extend(resolve_local(time_zone, local).filter(|t| start <= *t && *t < end));
        }
        date = date.succ_opt().unwrap_or(date);
        if date == NaiveDate::MAX {
            break;
        }
    }
    instants.sort_unstable();
    instants.dedup();

    let mut days: Vec<Day> = Vec::new();
    let slots = instants
        .into_iter()
        .map(|instant| {
            let zoned = instant.with_timezone(&time_zone);
            let local = zoned.naive_local();
            if days.last().is_none_or(|day| day.date != local.date()) {
                let date = local.date();
                let whole = date.succ_opt().is_some_and(|next| {
                    let (opens, closes) = (day_start(time_zone, date), day_start(time_zone, next));
                    opens.is_some_and(|o| o >= start) && closes.is_some_and(|c| c <= end)
                });
                days.push(Day {
                    date,
                    week: date.iso_week(),
                    whole,
                });
            }
            let weekday = local.weekday().num_days_from_monday() as usize;
            Slot {
                start: instant,
                local,
                offset_seconds: zoned.offset().fix().local_minus_utc(),
                day: days.len() - 1,
                hour_of_week: (weekday * 24 + local.hour() as usize) % HOURS_PER_WEEK,
            }
        })
        .collect();
    (slots, days)
}

/// The first instant of a local date (its midnight, or the first hour after a skipped one).
fn day_start(time_zone: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    (0..24)
        .filter_map(|hour| date.and_hms_opt(hour, 0, 0))
        .find_map(|local| resolve_local(time_zone, local).next())
}

/// The instants a local wall-clock time names: none in a spring-forward gap, two in a repeated
/// hour.
fn resolve_local(time_zone: Tz, local: NaiveDateTime) -> impl Iterator<Item = DateTime<Utc>> {
    let (first, second) = match time_zone.from_local_datetime(&local) {
        LocalResult::Single(one) => (Some(one), None),
        LocalResult::Ambiguous(early, late) => (Some(early), Some(late)),
        LocalResult::None => (None, None),
    };
    first
        .into_iter()
        .chain(second)
        .map(|t| t.with_timezone(&Utc))
}

/// Whether a blackout covers the start of `slot`.
fn blackout_covers(blackout: &Blackout, slot: &Slot) -> bool {
    match blackout {
        Blackout::Interval { start, end } => *start <= slot.start && slot.start < *end,
        Blackout::Daily {
            start,
            end,
            weekdays,
        } => {
            let today = slot.local.date();
            let window_days = [Some(today), today.pred_opt()];
            window_days
                .into_iter()
                .flatten()
                .any(|day| daily_window_covers(day, *start, *end, weekdays, slot.local))
        }
    }
}

/// Whether the daily window that starts on local date `day` covers wall-clock time `local`; a
/// window whose end is at or before its start runs into the next day.
fn daily_window_covers(
    day: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    weekdays: &[Weekday],
    local: NaiveDateTime,
) -> bool {
    if !weekdays.is_empty() && !weekdays.contains(&day.weekday()) {
        return false;
    }
    let opens = day.and_time(start);
    let closes = if end <= start {
        day.and_time(end) + Duration::days(1)
    } else {
        day.and_time(end)
    };
    opens <= local && local < closes
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;
    use crate::request::{Frequency, Horizon, PinnedPost, SolverOptions};

    fn request(zone: &str, start: &str, end: &str, slot_minutes: u32) -> PlanRequest {
        PlanRequest {
            horizon: Horizon {
                start: start.parse().expect("start"),
                end: end.parse().expect("end"),
                time_zone: zone.into(),
                slot_minutes,
            },
            heatmap: (0..HOURS_PER_WEEK).map(|h| h as f64).collect(),
            pillars: vec![],
            formats: vec![],
            frequency: Frequency::default(),
            batches: vec![],
            campaigns: vec![],
            series: vec![],
            themed_days: vec![],
            blackouts: vec![],
            pinned_posts: vec![],
            solver: SolverOptions::default(),
            allow_violations: false,
        }
    }

    fn local_times(grid: &Grid) -> Vec<String> {
        grid.slots
            .iter()
            .map(|s| s.local.format("%H:%M").to_string())
            .collect()
    }

    #[test]
    fn berlin_spring_forward_skips_the_missing_hour() {
        // 2027-03-28: 02:00 local jumps to 03:00.
        let r = request(
            "Europe/Berlin",
            "2027-03-27T23:00:00Z",
            "2027-03-28T03:00:00Z",
            60,
        );
        let grid = Grid::new(&r).expect("grid");
        assert_eq!(local_times(&grid), ["00:00", "01:00", "03:00", "04:00"]);
        assert!(
            grid.slots
                .windows(2)
                .all(|w| w[1].start - w[0].start == Duration::hours(1))
        );
    }

    #[test]
    fn berlin_fall_back_gives_the_repeated_hour_twice() {
        // 2027-10-31: 03:00 local falls back to 02:00, so 02:00 and 02:30 happen twice.
        let r = request(
            "Europe/Berlin",
            "2027-10-30T23:00:00Z",
            "2027-10-31T03:00:00Z",
            30,
        );
        let grid = Grid::new(&r).expect("grid");
        assert_eq!(
            local_times(&grid),
            [
                "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00", "03:30"
            ]
        );
        assert_eq!(grid.slots[2].offset_seconds, 7200);
        assert_eq!(grid.slots[4].offset_seconds, 3600);
        assert_eq!(grid.slots[2].hour_of_week, grid.slots[4].hour_of_week);
        assert_ne!(grid.slots[2].start, grid.slots[4].start);
    }

    #[test]
    fn new_york_spring_forward_and_fall_back() {
        // 2027-03-14: 02:00 jumps to 03:00; 2027-11-07: 02:00 falls back to 01:00.
        let spring = request(
            "America/New_York",
            "2027-03-14T05:00:00Z",
            "2027-03-14T09:00:00Z",
            15,
        );
        let grid = Grid::new(&spring).expect("grid");
        assert!(local_times(&grid).iter().all(|t| !t.starts_with("02:")));
        assert_eq!(grid.slots.len(), 16 - 4 + 4);

        let fall = request(
            "America/New_York",
            "2027-11-07T04:00:00Z",
            "2027-11-07T08:00:00Z",
            60,
        );
        let grid = Grid::new(&fall).expect("grid");
        assert_eq!(local_times(&grid), ["00:00", "01:00", "01:00", "02:00"]);
        assert_eq!(grid.days.len(), 1);
    }

    #[test]
    fn heatmap_lookup_uses_local_weekday_and_hour() {
        // 2027-01-04 is a Monday; 09:00 UTC is 10:00 in Berlin (winter).
        let r = request(
            "Europe/Berlin",
            "2027-01-04T09:00:00Z",
            "2027-01-04T10:00:00Z",
            60,
        );
        let grid = Grid::new(&r).expect("grid");
        assert_eq!(grid.heatmap_value(&r.heatmap, 0), 10.0);

        let sunday = request(
            "Europe/Berlin",
            "2027-01-10T22:00:00Z",
            "2027-01-10T23:00:00Z",
            60,
        );
        let grid = Grid::new(&sunday).expect("grid");
        assert_eq!(grid.slots[0].hour_of_week, 6 * 24 + 23);
    }

    #[test]
    fn daily_blackout_past_midnight_belongs_to_the_day_it_starts() {
        // Window 22:00-02:00 on Mondays only: Monday 23:00 and Tuesday 01:00 are out, Tuesday
        // 23:00 and Monday 01:00 are in.
        let mut r = request("UTC", "2027-01-04T00:00:00Z", "2027-01-06T00:00:00Z", 60);
        r.blackouts = vec![Blackout::Daily {
            start: NaiveTime::from_hms_opt(22, 0, 0).expect("time"),
            end: NaiveTime::from_hms_opt(2, 0, 0).expect("time"),
            weekdays: vec![Weekday::Mon],
        }];
        let grid = Grid::new(&r).expect("grid");
        let free_at = |hour: usize| grid.free[hour];
        assert!(free_at(1), "monday 01:00");
        assert!(!free_at(22) && !free_at(23), "monday 22:00, 23:00");
        assert!(!free_at(24) && !free_at(25), "tuesday 00:00, 01:00");
        assert!(free_at(26) && free_at(47), "tuesday 02:00, 23:00");
    }

    #[test]
    fn interval_blackout_and_pinned_gap_remove_slots() {
        let mut r = request("UTC", "2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z", 60);
        r.blackouts = vec![Blackout::Interval {
            start: "2027-01-04T03:00:00Z".parse().expect("t"),
            end: "2027-01-04T05:00:00Z".parse().expect("t"),
        }];
        r.frequency.min_gap_minutes = 120;
        r.pinned_posts = vec![PinnedPost {
            id: "p".into(),
            start_time: "2027-01-04T12:30:00Z".parse().expect("t"),
            pillar_id: "a".into(),
            format_id: None,
            batch_id: None,
        }];
        let grid = Grid::new(&r).expect("grid");
        let free: Vec<usize> = (0..24).filter(|&h| grid.free[h]).collect();
        // 3, 4 blacked out; 11, 12, 13, 14 within 2 h of 12:30.
        let expected: Vec<usize> = (0..24)
            .filter(|h| ![3, 4, 11, 12, 13, 14].contains(h))
            .collect();
        assert_eq!(free, expected);
    }

    #[test]
    fn days_and_iso_weeks_follow_local_dates() {
        // 2027-01-03 is a Sunday (ISO week 2026-W53); in Berlin the horizon covers 5 local dates.
        let r = request(
            "Europe/Berlin",
            "2027-01-02T23:00:00Z",
            "2027-01-07T12:00:00Z",
            60,
        );
        let grid = Grid::new(&r).expect("grid");
        let dates: Vec<String> = grid.days.iter().map(|d| d.date.to_string()).collect();
        assert_eq!(
            dates,
            [
                "2027-01-03",
                "2027-01-04",
                "2027-01-05",
                "2027-01-06",
                "2027-01-07"
            ]
        );
        assert_eq!(grid.days[0].week.week(), 53);
        assert_eq!(grid.days[1].week.week(), 1);
    }
}
