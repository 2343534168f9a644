//! Realistic planning requests of a small business, shared by benchmarks, tests and examples.
//!
//! [`content_calendar`] builds the calendar the benchmarks of the planner are measured on: an
//! audience in Europe/Berlin, five pillars, three formats, four to six posts a week with at most
//! two a day three hours apart, a weekly filming day plus a mid-week batch of trend videos that
//! go stale after four days, one product-launch campaign and one three-part tutorial series.
//! [`four_weeks_hourly`] and [`thirteen_weeks_quarter_hourly`] are the two sizes measured; the
//! second spans the spring-forward change of 2027-03-28.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::request::{
    Batch, Campaign, Format, Frequency, HOURS_PER_WEEK, Horizon, Pillar, PlanRequest, Series,
    SolverOptions,
};

/// The audience's zone.
pub const TIME_ZONE: Tz = chrono_tz::Europe::Berlin;

/// First day of every scenario: a Monday, so weeks are whole.
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2027, 1, 4) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Scenario (a): 28 days of hourly slots.
pub fn four_weeks_hourly() -> PlanRequest {
    content_calendar(28, 60)
}

/// Scenario (b): 91 days of 15-minute slots.
pub fn thirteen_weeks_quarter_hourly() -> PlanRequest {
    content_calendar(91, 15)
}

/// The benchmark calendar over `days` days from [`FIRST_DAY`], on a grid of `slot_minutes`.
pub fn content_calendar(days: u32, slot_minutes: u32) -> PlanRequest {
    let weeks = days.div_ceil(7);
    PlanRequest {
        horizon: Horizon {
            start: local_instant(FIRST_DAY, 0),
            end: local_instant(FIRST_DAY + TimeDelta::days(i64::from(days)), 0),
            time_zone: TIME_ZONE.name().to_owned(),
            slot_minutes,
        },
        heatmap: heatmap(),
        pillars: pillars(),
        formats: formats(),
        frequency: Frequency {
            min_posts_per_week: Some(4),
            max_posts_per_week: Some(6),
            max_posts_per_day: Some(2),
            min_gap_minutes: 180,
        },
        batches: (0..weeks).flat_map(weekly_batches).collect(),
        campaigns: vec![launch_campaign(weeks)],
        series: vec![tutorial_series()],
        themed_days: Vec::new(),
        blackouts: Vec::new(),
        pinned_posts: Vec::new(),
        solver: SolverOptions::default(),
        allow_violations: false,
    }
}

/// Audience activity of a local-business account by local hour of week, Monday 00:00 first:
/// quiet nights, a lunch peak, the day's high in the evening; weekends start late, peak in
/// the late morning and again at dinner, and Friday evenings are quieter than other weekdays.
pub fn heatmap() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|hour_of_week| {
            let (day, hour) = (hour_of_week / 24, hour_of_week % 24);
            let curve = if day >= 5 {
                weekend_activity(hour)
            } else {
                weekday_activity(hour)
            };
            let friday_evening = if day == 4 && hour >= 19 { 0.8 } else { 1.0 };
            // A small day-dependent ripple, as in real data, so that equal slots are rare.
            let ripple = 0.01 * ((day * 7 + hour * 3) % 5) as f64;
            curve * friday_evening + ripple
        })
        .collect()
}

fn weekday_activity(hour: usize) -> f64 {
    const CURVE: [f64; 24] = [
        0.08, 0.04, 0.02, 0.02, 0.02, 0.05, 0.15, 0.32, 0.40, 0.35, 0.33, 0.45, //
        0.68, 0.62, 0.42, 0.38, 0.44, 0.55, 0.72, 0.90, 1.00, 0.86, 0.55, 0.25,
    ];
    CURVE[hour]
}

fn weekend_activity(hour: usize) -> f64 {
    const CURVE: [f64; 24] = [
        0.20, 0.12, 0.06, 0.03, 0.02, 0.02, 0.04, 0.10, 0.25, 0.48, 0.66, 0.74, //
        0.70, 0.58, 0.50, 0.52, 0.56, 0.66, 0.80, 0.88, 0.84, 0.70, 0.48, 0.30,
    ];
    CURVE[hour]
}

fn pillars() -> Vec<Pillar> {
    vec![
        pillar("educational", "Educational", 1.0, Some(0.25), None),
        pillar(
            "behind-the-scenes",
            "Behind the scenes",
            0.8,
            None,
            Some(0.3),
        ),
        pillar(
            "product-spotlight",
            "Product spotlight",
            1.2,
            None,
            Some(0.35),
        ),
        pillar("trends", "Trends", 0.9, None, Some(0.25)),
        pillar("customer-stories", "Customer stories", 1.1, Some(0.1), None),
    ]
}

fn pillar(
    id: &str,
    name: &str,
    weight: f64,
    min_share: Option<f64>,
    max_share: Option<f64>,
) -> Pillar {
    Pillar {
        id: id.to_owned(),
        name: name.to_owned(),
        weight,
        min_share,
        max_share,
        min_posts: None,
        max_posts: None,
    }
}

fn formats() -> Vec<Format> {
    vec![
        Format {
            id: "quick-15s".to_owned(),
            name: "15-second clip".to_owned(),
            multiplier: 1.0,
            min_share: None,
            max_share: None,
            pillar_ids: Vec::new(),
        },
        Format {
            id: "tutorial".to_owned(),
            name: "30-60 second tutorial".to_owned(),
            multiplier: 1.25,
            min_share: None,
            max_share: Some(0.4),
            pillar_ids: vec!["educational".to_owned(), "product-spotlight".to_owned()],
        },
        Format {
            id: "talking-head".to_owned(),
            name: "Talking head".to_owned(),
            multiplier: 0.9,
            min_share: Some(0.1),
            max_share: None,
            pillar_ids: vec![
                "educational".to_owned(),
                "behind-the-scenes".to_owned(),
                "customer-stories".to_owned(),
            ],
        },
    ]
}

/// Week `week`'s production: a filming day ready Monday 08:00 whose five videos keep, and two
/// trend videos ready Wednesday 09:00 that must go out within four days.
fn weekly_batches(week: u32) -> [Batch; 2] {
    let monday = FIRST_DAY + TimeDelta::weeks(i64::from(week));
    let wednesday = monday + TimeDelta::days(2);
    let filming = Batch {
        id: format!("filming-week-{}", week + 1),
        ready_at: local_instant(monday, 8),
        capacity: 5,
        pillar_ids: [
            "educational",
            "behind-the-scenes",
            "product-spotlight",
            "customer-stories",
        ]
        .map(str::to_owned)
        .to_vec(),
        format_ids: Vec::new(),
        use_within_days: None,
    };
    let trends = Batch {
        id: format!("trends-week-{}", week + 1),
        ready_at: local_instant(wednesday, 9),
        capacity: 2,
        pillar_ids: vec!["trends".to_owned()],
        format_ids: vec!["quick-15s".to_owned()],
        use_within_days: Some(4),
    };
    [filming, trends]
}

/// A product launch over the third week (or the middle one of longer horizons): three to five
/// product spotlights.
fn launch_campaign(weeks: u32) -> Campaign {
    let launch_week = if weeks > 4 { weeks / 2 } else { 2 };
    let monday = FIRST_DAY + TimeDelta::weeks(i64::from(launch_week));
    Campaign {
        id: "spring-launch".to_owned(),
        name: "Spring product launch".to_owned(),
        start: local_instant(monday, 0),
        end: local_instant(monday + TimeDelta::weeks(1), 0),
        pillar_ids: vec!["product-spotlight".to_owned()],
        min_posts: Some(3),
        max_posts: Some(5),
    }
}

fn tutorial_series() -> Series {
    Series {
        id: "three-part-tutorial".to_owned(),
        name: "Three-part tutorial".to_owned(),
        pillar_id: "educational".to_owned(),
        episodes: 3,
        min_gap_hours: Some(24.0),
        max_gap_hours: Some(72.0),
    }
}

/// The instant of `hour`:00 local time on `day`; hours that a clock change skips fall back to
/// the same civil time read as UTC, which no scenario uses.
fn local_instant(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    let civil = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN));
    TIME_ZONE
        .from_local_datetime(&civil)
        .earliest()
        .map_or_else(
            || Utc.from_utc_datetime(&civil),
            |instant| instant.with_timezone(&Utc),
        )
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Weekday};

    use super::*;
    use crate::check::check_schedule;
    use crate::schedule::{Schedule, SolveStats, SolveStatus};

    #[test]
    fn scenarios_have_the_sizes_the_benchmarks_name() {
        let four_weeks = four_weeks_hourly();
        let thirteen_weeks = thirteen_weeks_quarter_hourly();

        assert_eq!(
            four_weeks.horizon.end - four_weeks.horizon.start,
            TimeDelta::days(28)
        );
        // 91 local days lose the hour skipped on 2027-03-28.
        let span = thirteen_weeks.horizon.end - thirteen_weeks.horizon.start;
        assert_eq!(span, TimeDelta::days(91) - TimeDelta::hours(1));
        assert_eq!(thirteen_weeks.horizon.slot_minutes, 15);
        assert_eq!(four_weeks.pillars.len(), 5);
        assert_eq!(four_weeks.formats.len(), 3);
        assert_eq!(four_weeks.batches.len(), 8);
        assert_eq!(thirteen_weeks.batches.len(), 26);
        assert_eq!(FIRST_DAY.weekday(), Weekday::Mon);
    }

    #[test]
    fn the_heatmap_peaks_in_the_evening_and_rests_at_night() {
        let heatmap = heatmap();
        let tuesday = |hour: usize| heatmap[24 + hour];
        let saturday = |hour: usize| heatmap[5 * 24 + hour];

        assert_eq!(heatmap.len(), HOURS_PER_WEEK);
        assert!(tuesday(20) > tuesday(12) && tuesday(12) > tuesday(9));
        assert!(tuesday(3) < 0.1);
        assert!(saturday(11) > saturday(8));
        assert!(
            heatmap
                .iter()
                .all(|value| value.is_finite() && *value >= 0.0)
        );
    }

    #[test]
    fn an_empty_schedule_of_a_scenario_breaks_its_quotas() {
        let request = four_weeks_hourly();
        let empty = Schedule {
            status: SolveStatus::Feasible,
            objective: 0.0,
            best_bound: 0.0,
            gap: 0.0,
            stats: SolveStats {
                variables: 0,
                constraints: 0,
                solve_ms: 0.0,
                backend: request.solver.backend,
                slots: 0,
                candidate_slots: 0,
            },
            posts: Vec::new(),
            conflicts: Vec::new(),
            violations: Vec::new(),
        };

        let broken = check_schedule(&request, &empty);
        assert!(
            broken
                .iter()
                .any(|message| message.contains("campaign `spring-launch`"))
        );
        assert!(
            broken
                .iter()
                .any(|message| message.contains("episode 1 is missing"))
        );
        assert_eq!(
            broken
                .iter()
                .filter(|message| message.starts_with("week "))
                .count(),
            4
        );
    }
}
