//! One case per validation rule, each asserting the exact path of the field it reports.

use chrono::{TimeDelta, Weekday};

use super::fixtures::{instant, sample_request, time};
use super::*;
use crate::request::{Backend, PinnedPost};

type Edit = fn(&mut PlanRequest);

/// One case per rule: the path expected, the case's name, and an edit that breaks the sample
/// request at that path.
const CASES: &[(&str, &str, Edit)] = &[
    ("horizon.time_zone", "unknown time zone", |r| {
        r.horizon.time_zone = "Mars/Olympus".into()
    }),
    ("horizon.slot_minutes", "slot of 20 minutes", |r| {
        r.horizon.slot_minutes = 20
    }),
    ("horizon.end", "end before start", |r| {
        r.horizon.end = r.horizon.start
    }),
    ("horizon.end", "horizon of 93 days", |r| {
        r.horizon.end = r.horizon.start + TimeDelta::days(93)
    }),
    ("horizon.start", "start before year 1", |r| {
        r.horizon.start = DateTime::<Utc>::MIN_UTC
    }),
    ("heatmap", "short heatmap", |r| r.heatmap.truncate(24)),
    ("heatmap[17]", "NaN in heatmap", |r| {
        r.heatmap[17] = f64::NAN
    }),
    ("heatmap[3]", "infinite heatmap", |r| {
        r.heatmap[3] = f64::INFINITY
    }),
    ("heatmap[0]", "negative heatmap", |r| r.heatmap[0] = -0.5),
    ("heatmap[9]", "huge heatmap value", |r| r.heatmap[9] = 1e300),
    ("pillars[0].weight", "huge weight", |r| {
        r.pillars[0].weight = 2e9
    }),
    ("formats[0].multiplier", "huge multiplier", |r| {
        r.formats[0].multiplier = f64::MAX
    }),
    ("pillars", "no pillar", |r| r.pillars.clear()),
    ("pillars", "too many pillars", |r| {
        r.pillars = many_pillars(MAX_PILLARS + 1)
    }),
    ("pillars[1].id", "empty pillar id", |r| {
        r.pillars[1].id.clear()
    }),
    ("pillars[1].id", "long pillar id", |r| {
        r.pillars[1].id = "x".repeat(MAX_ID_BYTES + 1)
    }),
    ("pillars[2].id", "duplicate pillar id", |r| {
        r.pillars[2].id = "education".into()
    }),
    ("pillars[0].name", "long pillar name", |r| {
        r.pillars[0].name = "x".repeat(MAX_NAME_BYTES + 1)
    }),
    ("pillars[1].weight", "negative weight", |r| {
        r.pillars[1].weight = -1.0
    }),
    ("pillars[1].weight", "NaN weight", |r| {
        r.pillars[1].weight = f64::NAN
    }),
    ("pillars[2].min_share", "share above 1", |r| {
        r.pillars[2].min_share = Some(1.5)
    }),
    ("pillars[1].max_share", "NaN share", |r| {
        r.pillars[1].max_share = Some(f64::NAN)
    }),
    ("pillars[1].min_share", "min share above max", |r| {
        r.pillars[1].min_share = Some(0.6)
    }),
    ("pillars[2].min_posts", "min posts above max", |r| {
        r.pillars[2].min_posts = Some(5)
    }),
    ("pillars[2].min_share", "pillar min shares above 1", |r| {
        r.pillars[2].min_share = Some(0.9)
    }),
    ("formats", "too many formats", |r| {
        r.formats = many_formats(MAX_FORMATS + 1)
    }),
    ("formats[0].id", "empty format id", |r| {
        r.formats[0].id.clear()
    }),
    ("formats[1].id", "duplicate format id", |r| {
        r.formats[1].id = "talking-head".into()
    }),
    ("formats[0].multiplier", "infinite multiplier", |r| {
        r.formats[0].multiplier = f64::INFINITY
    }),
    ("formats[1].multiplier", "negative multiplier", |r| {
        r.formats[1].multiplier = -2.0
    }),
    ("formats[0].max_share", "format share below 0", |r| {
        r.formats[0].max_share = Some(-0.1)
    }),
    ("formats[1].min_share", "format min share above max", |r| {
        r.formats[1].min_share = Some(0.8)
    }),
    ("formats[1].min_share", "format min shares above 1", |r| {
        r.formats[1].min_share = Some(0.75 + 0.01)
    }),
    ("formats[1].pillar_ids[1]", "format unknown pillar", |r| {
        r.formats[1].pillar_ids[1] = "x".into()
    }),
    ("formats[1].pillar_ids[1]", "format repeated pillar", |r| {
        r.formats[1].pillar_ids[1] = "behind-the-scenes".into()
    }),
    ("frequency.min_posts_per_week", "week min above max", |r| {
        r.frequency.min_posts_per_week = Some(6)
    }),
    ("frequency.max_posts_per_week", "week max of 0", |r| {
        r.frequency.max_posts_per_week = Some(0)
    }),
    ("frequency.max_posts_per_day", "day max of 0", |r| {
        r.frequency.max_posts_per_day = Some(0)
    }),
    ("frequency.min_gap_minutes", "gap over a week", |r| {
        r.frequency.min_gap_minutes = MAX_MIN_GAP_MINUTES + 1
    }),
    ("batches", "too many batches", |r| {
        r.batches = vec![r.batches[0].clone(); MAX_BATCHES + 1]
    }),
    ("batches[1].id", "empty batch id", |r| {
        r.batches[1].id.clear()
    }),
    ("batches[2].id", "duplicate batch id", |r| {
        r.batches[2].id = "week-1".into()
    }),
    ("batches[1].capacity", "batch of no video", |r| {
        r.batches[1].capacity = 0
    }),
    ("batches[1].pillar_ids[1]", "batch unknown pillar", |r| {
        r.batches[1].pillar_ids.push("x".into())
    }),
    ("batches[1].format_ids[0]", "batch unknown format", |r| {
        r.batches[1].format_ids[0] = "x".into()
    }),
    (
        "batches[1].format_ids",
        "batch format without formats",
        |r| no_formats(r),
    ),
    (
        "batches[1].use_within_days",
        "batch used within 0 days",
        |r| r.batches[1].use_within_days = Some(0),
    ),
    (
        "batches[1].use_within_days",
        "batch used within 400 days",
        |r| r.batches[1].use_within_days = Some(400),
    ),
    ("batches[0].ready_at", "batch ready past year 9999", |r| {
        r.batches[0].ready_at = DateTime::<Utc>::MAX_UTC
    }),
    ("campaigns", "too many campaigns", |r| {
        r.campaigns = vec![r.campaigns[0].clone(); MAX_CAMPAIGNS + 1]
    }),
    ("campaigns[1].id", "duplicate campaign id", |r| {
        r.campaigns.push(r.campaigns[0].clone())
    }),
    ("campaigns[0].end", "campaign end before start", |r| {
        r.campaigns[0].end = r.campaigns[0].start
    }),
    (
        "campaigns[0].pillar_ids[0]",
        "campaign unknown pillar",
        |r| r.campaigns[0].pillar_ids[0] = "x".into(),
    ),
    ("campaigns[0].min_posts", "campaign min above max", |r| {
        r.campaigns[0].min_posts = Some(4)
    }),
    ("series", "too many series", |r| {
        r.series = vec![r.series[0].clone(); MAX_SERIES + 1]
    }),
    ("series[0].id", "empty series id", |r| {
        r.series[0].id.clear()
    }),
    ("series[0].pillar_id", "series unknown pillar", |r| {
        r.series[0].pillar_id = "x".into()
    }),
    ("series[0].episodes", "series of no episode", |r| {
        r.series[0].episodes = 0
    }),
    ("series[0].episodes", "series of 201 episodes", |r| {
        r.series[0].episodes = 201
    }),
    ("series[0].min_gap_hours", "NaN series gap", |r| {
        r.series[0].min_gap_hours = Some(f64::NAN)
    }),
    ("series[0].max_gap_hours", "negative series gap", |r| {
        r.series[0].max_gap_hours = Some(-1.0)
    }),
    (
        "series[0].max_gap_hours",
        "series gap over the horizon",
        |r| r.series[0].max_gap_hours = Some(3000.0),
    ),
    ("series[0].min_gap_hours", "series min gap above max", |r| {
        r.series[0].min_gap_hours = Some(200.0)
    }),
    ("themed_days", "too many themed days", |r| {
        r.themed_days = vec![r.themed_days[0].clone(); MAX_THEMED_DAYS + 1]
    }),
    (
        "themed_days[0].pillar_id",
        "themed day unknown pillar",
        |r| r.themed_days[0].pillar_id = "x".into(),
    ),
    ("themed_days[1]", "repeated themed day", |r| {
        r.themed_days.push(r.themed_days[0].clone())
    }),
    ("blackouts", "too many blackouts", |r| {
        r.blackouts = vec![r.blackouts[0].clone(); MAX_BLACKOUTS + 1]
    }),
    (
        "blackouts[1].interval.end",
        "interval end before start",
        |r| r.blackouts[1] = inverted_interval(),
    ),
    (
        "blackouts[0].daily.weekdays[2]",
        "repeated blackout weekday",
        |r| r.blackouts[0] = repeated_weekdays(),
    ),
    ("pinned_posts", "too many pinned posts", |r| {
        r.pinned_posts = vec![r.pinned_posts[0].clone(); MAX_PINNED_POSTS + 1]
    }),
    ("pinned_posts[0].id", "empty pinned id", |r| {
        r.pinned_posts[0].id.clear()
    }),
    ("pinned_posts[1].id", "duplicate pinned id", |r| {
        r.pinned_posts.push(r.pinned_posts[0].clone())
    }),
    ("pinned_posts[0].start_time", "pinned before horizon", |r| {
        r.pinned_posts[0].start_time = r.horizon.start - TimeDelta::hours(1)
    }),
    ("pinned_posts[0].start_time", "pinned at horizon end", |r| {
        r.pinned_posts[0].start_time = r.horizon.end
    }),
    (
        "pinned_posts[2].start_time",
        "two pinned at one instant",
        |r| pin_twice(r, "2027-01-06T18:00:00+01:00", "2027-01-06T18:00:00+01:00"),
    ),
    ("pinned_posts[0].pillar_id", "pinned unknown pillar", |r| {
        r.pinned_posts[0].pillar_id = "x".into()
    }),
    ("pinned_posts[0].format_id", "pinned without format", |r| {
        r.pinned_posts[0].format_id = None
    }),
    ("pinned_posts[0].format_id", "pinned unknown format", |r| {
        r.pinned_posts[0].format_id = Some("x".into())
    }),
    (
        "pinned_posts[0].format_id",
        "pinned format with no formats",
        |r| {
            r.batches.clear();
            r.formats.clear()
        },
    ),
    (
        "pinned_posts[0].format_id",
        "pinned format not for pillar",
        |r| r.pinned_posts[0].format_id = Some("montage".into()),
    ),
    ("pinned_posts[0].batch_id", "pinned unknown batch", |r| {
        r.pinned_posts[0].batch_id = Some("x".into())
    }),
    ("pinned_posts[0].batch_id", "pinned before its batch", |r| {
        r.pinned_posts[0].batch_id = Some("week-2".into())
    }),
    (
        "pinned_posts[0].batch_id",
        "pinned pillar not in batch",
        |r| r.pinned_posts[0].batch_id = Some("trend-1".into()),
    ),
    (
        "pinned_posts[1].batch_id",
        "pinned after batch went stale",
        |r| pin_stale(r),
    ),
    ("batches[0].capacity", "batch over capacity", |r| {
        r.batches[0].capacity = 1;
        pin_twice(r, "2027-01-06T18:00:00+01:00", "2027-01-07T18:00:00+01:00")
    }),
    ("solver.time_limit_ms", "time limit of 0", |r| {
        r.solver.time_limit_ms = 0
    }),
    ("solver.time_limit_ms", "time limit over 10 minutes", |r| {
        r.solver.time_limit_ms = MAX_TIME_LIMIT_MS + 1
    }),
    ("solver.relative_gap", "relative gap of 1", |r| {
        r.solver.relative_gap = 1.0
    }),
    ("solver.relative_gap", "NaN relative gap", |r| {
        r.solver.relative_gap = f64::NAN
    }),
];

fn many_pillars(count: usize) -> Vec<Pillar> {
    (0..count)
        .map(|i| super::fixtures::pillar(&format!("pillar-{i}")))
        .collect()
}

fn many_formats(count: usize) -> Vec<Format> {
    let format = sample_request().formats[0].clone();
    (0..count)
        .map(|i| Format {
            id: format!("format-{i}"),
            ..format.clone()
        })
        .collect()
}

fn no_formats(request: &mut PlanRequest) {
    request.formats.clear();
    request.pinned_posts[0].format_id = None;
}

fn inverted_interval() -> Blackout {
    let start = instant("2027-01-08T12:00:00+01:00");
    Blackout::Interval {
        start,
        end: start - TimeDelta::minutes(1),
    }
}

fn repeated_weekdays() -> Blackout {
    let weekdays = vec![Weekday::Sat, Weekday::Sun, Weekday::Sat];
    Blackout::Daily {
        start: time(22, 0),
        end: time(7, 0),
        weekdays,
    }
}

/// Adds two pinned talking-head education posts of batch `week-1`.
fn pin_twice(request: &mut PlanRequest, first: &str, second: &str) {
    for (id, start_time) in [("pinned-a", first), ("pinned-b", second)] {
        let post = PinnedPost {
            id: id.into(),
            start_time: instant(start_time),
            ..pinned(request)
        };
        request.pinned_posts.push(post);
    }
}

/// Pins a montage of batch `trend-1` four days after it was ready, past its three days.
fn pin_stale(request: &mut PlanRequest) {
    request.pinned_posts.push(PinnedPost {
        id: "stale-trend".into(),
        start_time: instant("2027-01-14T18:00:00+01:00"),
        pillar_id: "behind-the-scenes".into(),
        format_id: Some("montage".into()),
        batch_id: Some("trend-1".into()),
    });
}

fn pinned(request: &PlanRequest) -> PinnedPost {
    request.pinned_posts[0].clone()
}

fn invalid_field(request: &PlanRequest) -> Option<String> {
    match validate(request) {
        Err(PlanError::InvalidArgument { field, .. }) => Some(field),
        _ => None,
    }
}

#[test]
fn the_sample_request_is_valid() {
    assert_eq!(validate(&sample_request()), Ok(()));
}

#[test]
fn each_broken_rule_is_reported_at_its_path() {
    let mut failures = Vec::new();
    for (expected, name, edit) in CASES {
        let mut request = sample_request();
        edit(&mut request);

        let field = invalid_field(&request);
        if field.as_deref() != Some(*expected) {
            failures.push(format!("{name}: expected {expected}, got {field:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn messages_read_as_one_lowercase_sentence_with_the_path() {
    let mut request = sample_request();
    request.horizon.time_zone = "Mars/Olympus".into();
    let error = validate(&request).expect_err("unknown zone");
    assert_eq!(
        error.to_string(),
        r#"horizon.time_zone "Mars/Olympus" is not an IANA time zone"#
    );

    let mut request = sample_request();
    request.heatmap.truncate(24);
    let error = validate(&request).expect_err("short heatmap");
    assert_eq!(error.to_string(), "heatmap must have 168 values, got 24");

    let mut request = sample_request();
    request.pillars[2].min_share = Some(1.5);
    let error = validate(&request).expect_err("share above 1");
    assert_eq!(
        error.to_string(),
        "pillars[2].min_share must be in [0, 1], got 1.5"
    );
}

#[test]
fn the_first_problem_in_contract_order_wins() {
    let mut request = sample_request();
    request.solver.time_limit_ms = 0;
    request.pillars[0].weight = f64::NAN;
    request.heatmap[5] = -1.0;

    assert_eq!(invalid_field(&request).as_deref(), Some("heatmap[5]"));
}

#[test]
fn shares_of_a_third_sum_to_one() {
    let mut request = sample_request();
    for pillar in &mut request.pillars {
        (pillar.min_share, pillar.max_share) = (Some(1.0 / 3.0), None);
    }
    assert_eq!(validate(&request), Ok(()));
}

#[test]
fn a_request_without_formats_pins_posts_without_format() {
    let mut request = sample_request();
    request.formats.clear();
    request.batches[1].format_ids.clear();
    request.pinned_posts[0].format_id = None;

    assert_eq!(validate(&request), Ok(()));
}

#[test]
fn pinned_posts_may_share_a_slot_and_the_repeated_hour_of_a_dst_change() {
    let mut request = sample_request();
    request.horizon.start = instant("2027-10-25T00:00:00+02:00");
    request.horizon.end = instant("2027-11-07T00:00:00+01:00");
    request.pinned_posts.clear();
    let starts = [
        ("cest", "2027-10-31T02:30:00+02:00"),
        ("cet", "2027-10-31T02:30:00+01:00"),
        ("cet-later", "2027-10-31T02:45:00+01:00"),
    ];
    for (id, start_time) in starts {
        request.pinned_posts.push(PinnedPost {
            id: id.into(),
            start_time: instant(start_time),
            pillar_id: "education".into(),
            format_id: Some("talking-head".into()),
            batch_id: None,
        });
    }
    assert_eq!(validate(&request), Ok(()));

    request.pinned_posts[1].start_time = instant("2027-10-31T00:30:00Z");
    assert_eq!(
        invalid_field(&request).as_deref(),
        Some("pinned_posts[1].start_time")
    );
}

#[test]
fn a_horizon_of_exactly_92_days_and_a_highs_backend_are_valid() {
    let mut request = sample_request();
    request.horizon.end = request.horizon.start + TimeDelta::days(MAX_HORIZON_DAYS);
    request.solver.backend = Backend::Highs;

    assert_eq!(validate(&request), Ok(()));
}
