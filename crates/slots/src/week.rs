//! Hours of the week in an account's own zone, and distances between them on the circular week.
//!
//! Hour 0 is Monday 00:00-00:59 local time, hour 167 Sunday 23:00-23:59, as in the planner's
//! heatmap. chrono-tz turns an instant into local civil time with the offset in force then, so
//! a post at 01:30 on the night summer time ends maps to hour 1 of its day whichever of the two
//! 01:30s it was.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

/// Hours in a week: the length of a heatmap.
pub const HOURS_PER_WEEK: usize = 168;

/// The local hour of week of `instant` in `time_zone`, Monday 00:00 first.
pub fn hour_of_week(instant: DateTime<Utc>, time_zone: Tz) -> usize {
    local_hour_of_week(instant.with_timezone(&time_zone).naive_local())
}

/// The hour of week of a local civil time.
pub(crate) fn local_hour_of_week(local: NaiveDateTime) -> usize {
    let day = local.weekday().num_days_from_monday() as usize;
    day * 24 + local.hour() as usize
}

/// Hours between two hours of the week going the shorter way round: Sunday 23:00 is one hour
/// from Monday 00:00.
pub(crate) fn circular_distance(hour: usize, other: usize) -> usize {
    let apart = hour.abs_diff(other) % HOURS_PER_WEEK;
    apart.min(HOURS_PER_WEEK - apart)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_week_wraps_from_sunday_night_to_monday_morning() {
        assert_eq!(circular_distance(167, 0), 1);
        assert_eq!(circular_distance(0, 84), 84);
        assert_eq!(circular_distance(10, 100), 78);
        assert_eq!(circular_distance(5, 5), 0);
    }

    #[test]
    fn both_one_thirties_of_the_fall_back_night_map_to_hour_one() {
        // Europe/London leaves summer time on Sunday 2026-10-25 at 02:00 BST (01:00 UTC).
        let london = chrono_tz::Europe::London;
        let first = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        let second = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
        let sunday_one_am = 6 * 24 + 1;

        assert_eq!(hour_of_week(first, london), sunday_one_am);
        assert_eq!(hour_of_week(second, london), sunday_one_am);
    }

    #[test]
    fn new_york_keeps_its_own_hours() {
        // 2026-03-09 is a Monday; 17:00 UTC is 13:00 EDT, the day after spring forward.
        let new_york = chrono_tz::America::New_York;
        let instant = Utc.with_ymd_and_hms(2026, 3, 9, 17, 0, 0).unwrap();
        assert_eq!(hour_of_week(instant, new_york), 13);
    }
}
