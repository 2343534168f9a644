//! Clock changes: horizons across the spring-forward and fall-back days of 2027 in
//! Europe/Berlin (03-28, 10-31) and America/New_York (03-14, 11-07).
//!
//! A local time the clock skips is never a slot, a repeated local hour is a slot each time it
//! occurs (two posts may use both when the gap allows), the heatmap is read at the local hour,
//! and every post's `local_time` carries the offset in force at that instant.

// Helpers of a test may unwrap: a failure there is a failed test, as in the test itself.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use slotwise_planner::check::check_schedule;
use slotwise_planner::{
    Frequency, HOURS_PER_WEEK, Horizon, Pillar, PlanRequest, Schedule, SolveStatus, SolverOptions,
    plan,
};

const SUNDAY: usize = 6;

/// Weight of the heatmap's peak hour against 1 for every other hour.
const PEAK: f64 = 100.0;

fn at(civil: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(civil)
        .unwrap()
        .with_timezone(&Utc)
}

/// One pillar, no formats, a flat heatmap with one peak hour on Sundays.
fn request(zone: &str, start: &str, end: &str, slot_minutes: u32, peak_hour: usize) -> PlanRequest {
    let mut heatmap = vec![1.0; HOURS_PER_WEEK];
    heatmap[SUNDAY * 24 + peak_hour] = PEAK;
    PlanRequest {
        horizon: Horizon {
            start: at(start),
            end: at(end),
            time_zone: zone.to_owned(),
            slot_minutes,
        },
        heatmap,
        pillars: vec![Pillar {
            id: "tips".to_owned(),
            name: "Tips".to_owned(),
            weight: 1.0,
            min_share: None,
            max_share: None,
            min_posts: None,
            max_posts: None,
        }],
        formats: Vec::new(),
        frequency: Frequency {
            min_posts_per_week: None,
            max_posts_per_week: None,
            max_posts_per_day: Some(2),
            min_gap_minutes: 60,
        },
        batches: Vec::new(),
        campaigns: Vec::new(),
        series: Vec::new(),
        themed_days: Vec::new(),
        blackouts: Vec::new(),
        pinned_posts: Vec::new(),
        solver: SolverOptions {
            time_limit_ms: 20_000,
            ..SolverOptions::default()
        },
        allow_violations: false,
    }
}

/// Plans and checks the schedule, which must be optimal.
fn plan_checked(request: &PlanRequest) -> Schedule {
    let schedule = plan(request).unwrap();
    assert_eq!(schedule.status, SolveStatus::Optimal);
    assert_eq!(check_schedule(request, &schedule), Vec::<String>::new());
    schedule
}

fn local_times(schedule: &Schedule) -> Vec<String> {
    schedule
        .posts
        .iter()
        .map(|post| post.local_time.to_rfc3339())
        .collect()
}

/// Local times of the posts on `day` (`YYYY-MM-DD`).
fn posts_on(schedule: &Schedule, day: &str) -> Vec<String> {
    local_times(schedule)
        .into_iter()
        .filter(|time| time.starts_with(day))
        .collect()
}

fn assert_offsets_follow_the_zone(schedule: &Schedule, zone: &str) {
    let zone: Tz = zone.parse().unwrap();
    for post in &schedule.posts {
        let expected = post.start_time.with_timezone(&zone).fixed_offset();
        assert_eq!(post.local_time.to_rfc3339(), expected.to_rfc3339());
    }
}

fn assert_no_post_in_skipped_hour(schedule: &Schedule, day: &str, skipped_hour: u32) {
    for post in &schedule.posts {
        let local = post.local_time;
        let on_day = local.format("%Y-%m-%d").to_string() == day;
        assert!(
            !(on_day && local.hour() == skipped_hour),
            "post at skipped time {local}"
        );
    }
}

#[test]
fn berlin_spring_forward_has_no_slot_in_the_skipped_hour() {
    for slot_minutes in [60, 15] {
        let request = request(
            "Europe/Berlin",
            "2027-03-27T00:00:00+01:00",
            "2027-03-30T00:00:00+02:00",
            slot_minutes,
            2,
        );
        let schedule = plan_checked(&request);

        let slots_per_hour = (60 / slot_minutes) as usize;
        assert_eq!(schedule.stats.slots, (3 * 24 - 1) * slots_per_hour);
        assert_no_post_in_skipped_hour(&schedule, "2027-03-28", 2);
        assert_eq!(posts_on(&schedule, "2027-03-28").len(), 2);
        assert_offsets_follow_the_zone(&schedule, "Europe/Berlin");
    }
}

#[test]
fn berlin_fall_back_uses_the_repeated_hour_twice() {
    let request = request(
        "Europe/Berlin",
        "2027-10-30T00:00:00+02:00",
        "2027-11-02T00:00:00+01:00",
        60,
        2,
    );
    let schedule = plan_checked(&request);

    assert_eq!(schedule.stats.slots, 3 * 24 + 1);
    assert_eq!(
        posts_on(&schedule, "2027-10-31"),
        vec!["2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00"]
    );
    let peak_posts = schedule
        .posts
        .iter()
        .filter(|post| post.score.heatmap_value == PEAK);
    assert_eq!(peak_posts.count(), 2);
    assert_offsets_follow_the_zone(&schedule, "Europe/Berlin");
}

#[test]
fn a_gap_longer_than_the_repeated_hour_keeps_one_of_its_occurrences() {
    let mut request = request(
        "Europe/Berlin",
        "2027-10-30T00:00:00+02:00",
        "2027-11-02T00:00:00+01:00",
        60,
        2,
    );
    request.frequency.min_gap_minutes = 61;
    let schedule = plan_checked(&request);

    let sunday = posts_on(&schedule, "2027-10-31");
    let at_two = sunday
        .iter()
        .filter(|time| time.starts_with("2027-10-31T02:00"))
        .count();
    assert_eq!(at_two, 1, "{sunday:?}");
}

#[test]
fn new_york_spring_forward_has_no_slot_in_the_skipped_hour() {
    for slot_minutes in [60, 30] {
        let request = request(
            "America/New_York",
            "2027-03-13T00:00:00-05:00",
            "2027-03-16T00:00:00-04:00",
            slot_minutes,
            2,
        );
        let schedule = plan_checked(&request);

        let slots_per_hour = (60 / slot_minutes) as usize;
        assert_eq!(schedule.stats.slots, (3 * 24 - 1) * slots_per_hour);
        assert_no_post_in_skipped_hour(&schedule, "2027-03-14", 2);
        assert_offsets_follow_the_zone(&schedule, "America/New_York");
    }
}

#[test]
fn new_york_fall_back_uses_the_repeated_hour_twice() {
    let request = request(
        "America/New_York",
        "2027-11-06T00:00:00-04:00",
        "2027-11-09T00:00:00-05:00",
        30,
        1,
    );
    let schedule = plan_checked(&request);

    assert_eq!(schedule.stats.slots, (3 * 24 + 1) * 2);
    let sunday = posts_on(&schedule, "2027-11-07");
    assert_eq!(sunday.len(), 2);
    assert!(
        sunday
            .iter()
            .any(|time| time.ends_with("-04:00") && time.contains("T01:"))
    );
    assert!(
        sunday
            .iter()
            .any(|time| time.ends_with("-05:00") && time.contains("T01:"))
    );
    assert_offsets_follow_the_zone(&schedule, "America/New_York");
}

/// With the peak on Monday 18:00 local, the UTC hour of the best slot moves by one across the
/// change: read at the UTC hour, the heatmap would pick the wrong slot on one side.
#[test]
fn the_heatmap_is_read_at_the_local_hour_on_both_sides_of_a_change() {
    let mut request = request(
        "Europe/Berlin",
        "2027-03-22T00:00:00+01:00",
        "2027-04-05T00:00:00+02:00",
        60,
        0,
    );
    request.heatmap = vec![1.0; HOURS_PER_WEEK];
    request.heatmap[18] = PEAK;
    request.frequency.max_posts_per_day = Some(1);
    let schedule = plan_checked(&request);

    let mondays: Vec<&DateTime<_>> = schedule
        .posts
        .iter()
        .map(|post| &post.local_time)
        .filter(|local| local.weekday() == chrono::Weekday::Mon)
        .collect();
    let shown: Vec<String> = mondays.iter().map(|local| local.to_rfc3339()).collect();
    assert_eq!(
        shown,
        vec!["2027-03-22T18:00:00+01:00", "2027-03-29T18:00:00+02:00"]
    );
    assert_eq!(
        mondays[0].to_utc() + TimeDelta::hours(24 * 7 - 1),
        mondays[1].to_utc()
    );
}
