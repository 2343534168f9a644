//! Requests shared by the planner's unit tests: a bare two-week request and a sample that uses
//! every kind of rule, valid and feasible.

use chrono::{DateTime, NaiveTime, Utc, Weekday};

use crate::request::{
    Batch, Blackout, Campaign, Format, Frequency, HOURS_PER_WEEK, Horizon, Pillar, PinnedPost,
    PlanRequest, Series, SolverOptions, ThemedDay,
};

pub(crate) fn instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("fixture instant")
        .with_timezone(&Utc)
}

pub(crate) fn time(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("fixture time")
}

/// Audience activity peaking at 18:00 every day, a little higher at weekends.
pub(crate) fn evening_heatmap() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|hour| {
            let (day, hour_of_day) = (hour / 24, (hour % 24) as f64);
            let weekend = if day >= 5 { 1.2 } else { 1.0 };
            weekend * (10.0 - (hour_of_day - 18.0).abs()).max(1.0)
        })
        .collect()
}

pub(crate) fn pillar(id: &str) -> Pillar {
    Pillar {
        id: id.into(),
        name: id.replace('-', " "),
        weight: 1.0,
        min_share: None,
        max_share: None,
        min_posts: None,
        max_posts: None,
    }
}

/// Two weeks from Monday 2027-01-04 in Berlin, hourly slots, two pillars, no other rule.
pub(crate) fn bare_request() -> PlanRequest {
    PlanRequest {
        horizon: Horizon {
            start: instant("2027-01-04T00:00:00+01:00"),
            end: instant("2027-01-18T00:00:00+01:00"),
            time_zone: "Europe/Berlin".into(),
            slot_minutes: 60,
        },
        heatmap: evening_heatmap(),
        pillars: vec![pillar("education"), pillar("behind-the-scenes")],
        formats: Vec::new(),
        frequency: Frequency::default(),
        batches: Vec::new(),
        campaigns: Vec::new(),
        series: Vec::new(),
        themed_days: Vec::new(),
        blackouts: Vec::new(),
        pinned_posts: Vec::new(),
        solver: SolverOptions::default(),
        allow_violations: false,
    }
}

/// A skincare shop's two weeks using every kind of rule, valid and feasible.
pub(crate) fn sample_request() -> PlanRequest {
    let mut request = bare_request();
    request.pillars = vec![
        Pillar {
            weight: 1.2,
            min_share: Some(0.2),
            ..pillar("education")
        },
        Pillar {
            max_share: Some(0.5),
            ..pillar("behind-the-scenes")
        },
        Pillar {
            weight: 1.5,
            min_posts: Some(1),
            max_posts: Some(4),
            ..pillar("product")
        },
    ];
    request.formats = vec![
        Format {
            id: "talking-head".into(),
            name: "talking head".into(),
            multiplier: 1.0,
            min_share: Some(0.25),
            max_share: None,
            pillar_ids: Vec::new(),
        },
        Format {
            id: "montage".into(),
            name: "montage".into(),
            multiplier: 1.1,
            min_share: None,
            max_share: Some(0.75),
            pillar_ids: vec!["behind-the-scenes".into(), "product".into()],
        },
    ];
    request.frequency = Frequency {
        min_posts_per_week: Some(3),
        max_posts_per_week: Some(5),
        max_posts_per_day: Some(1),
        min_gap_minutes: 180,
    };
    request.batches = vec![
        Batch {
            id: "week-1".into(),
            ready_at: instant("2027-01-03T12:00:00Z"),
            capacity: 6,
            pillar_ids: Vec::new(),
            format_ids: Vec::new(),
            use_within_days: None,
        },
        Batch {
            id: "trend-1".into(),
            ready_at: instant("2027-01-10T12:00:00Z"),
            capacity: 2,
            pillar_ids: vec!["behind-the-scenes".into()],
            format_ids: vec!["montage".into()],
            use_within_days: Some(3),
        },
        Batch {
            id: "week-2".into(),
            ready_at: instant("2027-01-10T12:00:00Z"),
            capacity: 6,
            pillar_ids: Vec::new(),
            format_ids: Vec::new(),
            use_within_days: None,
        },
    ];
    request.campaigns = vec![Campaign {
        id: "serum-launch".into(),
        name: "serum launch".into(),
        start: instant("2027-01-11T08:00:00+01:00"),
        end: instant("2027-01-15T20:00:00+01:00"),
        pillar_ids: vec!["product".into()],
        min_posts: Some(1),
        max_posts: Some(3),
    }];
    request.series = vec![Series {
        id: "routine-101".into(),
        name: "routine 101".into(),
        pillar_id: "education".into(),
        episodes: 2,
        min_gap_hours: Some(24.0),
        max_gap_hours: Some(120.0),
    }];
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Tue,
        pillar_id: "education".into(),
        name: "Tip Tuesday".into(),
    }];
    request.blackouts = vec![
        Blackout::Daily {
            start: time(22, 0),
            end: time(7, 0),
            weekdays: Vec::new(),
        },
        Blackout::Interval {
            start: instant("2027-01-08T00:00:00+01:00"),
            end: instant("2027-01-08T12:00:00+01:00"),
        },
    ];
    request.pinned_posts = vec![PinnedPost {
        id: "already-posted".into(),
        start_time: instant("2027-01-05T18:00:00+01:00"),
        pillar_id: "education".into(),
        format_id: Some("talking-head".into()),
        batch_id: Some("week-1".into()),
    }];
    request
}
