//! Hand-made schedules, each breaking one rule, and the message the checker must give for it.

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::{check_schedule, daily_window_covers};
use crate::request::*;
use crate::schedule::*;

/// An instant written as civil time with its offset.
fn at(civil: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(civil)
        .unwrap()
        .with_timezone(&Utc)
}

/// A post with the score the request gives it.
fn post(request: &PlanRequest, civil: &str, pillar: &str, format: &str) -> PlannedPost {
    let start_time = at(civil);
    let zone: Tz = request.horizon.time_zone.parse().unwrap();
    let local = start_time.with_timezone(&zone);
    let hour = local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize;
    let weight = request
        .pillars
        .iter()
        .find(|p| p.id == pillar)
        .map_or(1.0, |p| p.weight);
    let multiplier = request
        .formats
        .iter()
        .find(|f| f.id == format)
        .map_or(1.0, |f| f.multiplier);

    PlannedPost {
        start_time,
        local_time: local.fixed_offset(),
        pillar_id: pillar.to_owned(),
        format_id: format.to_owned(),
        batch_id: None,
        series_episode: None,
        pinned_id: None,
        score: Score::new(request.heatmap[hour], weight, multiplier),
    }
}

fn with_batch(mut post: PlannedPost, batch: &str) -> PlannedPost {
    post.batch_id = Some(batch.to_owned());
    post
}

fn episode(mut post: PlannedPost, number: u32) -> PlannedPost {
    post.series_episode = Some(SeriesEpisode {
        series_id: "s1".to_owned(),
        episode: number,
        episodes: 2,
    });
    post
}

fn schedule(posts: Vec<PlannedPost>) -> Schedule {
    let objective = posts.iter().map(|post| post.score.total).sum();
    Schedule {
        status: SolveStatus::Optimal,
        objective,
        best_bound: objective,
        gap: 0.0,
        stats: SolveStats {
            variables: 0,
            constraints: 0,
            solve_ms: 0.0,
            backend: Backend::Microlp,
            slots: 0,
            candidate_slots: 0,
        },
        posts,
        conflicts: Vec::new(),
        violations: Vec::new(),
    }
}

fn check(request: &PlanRequest, posts: Vec<PlannedPost>) -> Vec<String> {
    check_schedule(request, &schedule(posts))
}

fn assert_reports(broken: &[String], expected: &str) {
    assert!(
        broken.iter().any(|message| message.contains(expected)),
        "expected a message containing {expected:?}, got {broken:#?}"
    );
}

fn pillar(id: &str, weight: f64) -> Pillar {
    Pillar {
        id: id.to_owned(),
        name: id.to_owned(),
        weight,
        min_share: None,
        max_share: None,
        min_posts: None,
        max_posts: None,
    }
}

fn format(id: &str, multiplier: f64, pillar_ids: &[&str]) -> Format {
    Format {
        id: id.to_owned(),
        name: id.to_owned(),
        multiplier,
        min_share: None,
        max_share: None,
        pillar_ids: pillar_ids.iter().map(|id| (*id).to_owned()).collect(),
    }
}

fn batch(id: &str, ready_at: &str, capacity: u32, use_within_days: Option<u32>) -> Batch {
    Batch {
        id: id.to_owned(),
        ready_at: at(ready_at),
        capacity,
        pillar_ids: Vec::new(),
        format_ids: Vec::new(),
        use_within_days,
    }
}

/// Two weeks in Berlin (2027-03-01 to 2027-03-15, all at +01:00) with one rule of each kind.
fn bare_request() -> PlanRequest {
    PlanRequest {
        horizon: Horizon {
            start: at("2027-03-01T00:00:00+01:00"),
            end: at("2027-03-15T00:00:00+01:00"),
            time_zone: "Europe/Berlin".to_owned(),
            slot_minutes: 60,
        },
        heatmap: (0..HOURS_PER_WEEK)
            .map(|hour| (hour + 1) as f64 / 10.0)
            .collect(),
        pillars: vec![pillar("edu", 2.0), pillar("bts", 1.0)],
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

fn full_request() -> PlanRequest {
    let mut request = bare_request();
    request.pillars[0].min_posts = Some(1);
    request.pillars[0].min_share = Some(0.5);
    request.pillars[1].max_share = Some(0.5);
    request.pillars[1].max_posts = Some(3);
    request.formats = vec![format("short", 1.0, &[]), format("tutorial", 1.5, &["edu"])];
    request.formats[1].max_share = Some(0.5);
    request.frequency = Frequency {
        min_posts_per_week: Some(2),
        max_posts_per_week: Some(4),
        max_posts_per_day: Some(2),
        min_gap_minutes: 180,
    };
    request.batches = vec![
        batch("b1", "2027-02-28T13:00:00+01:00", 3, None),
        batch("b2", "2027-03-07T13:00:00+01:00", 5, Some(7)),
    ];
    request.campaigns = vec![Campaign {
        id: "c1".to_owned(),
        name: "spring sale".to_owned(),
        start: at("2027-03-08T01:00:00+01:00"),
        end: at("2027-03-15T01:00:00+01:00"),
        pillar_ids: vec!["bts".to_owned()],
        min_posts: Some(1),
        max_posts: Some(2),
    }];
    request.series = vec![Series {
        id: "s1".to_owned(),
        name: "sourdough in two parts".to_owned(),
        pillar_id: "edu".to_owned(),
        episodes: 2,
        min_gap_hours: Some(24.0),
        max_gap_hours: Some(240.0),
    }];
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Tue,
        pillar_id: "edu".to_owned(),
        name: "Tip Tuesday".to_owned(),
    }];
    request.blackouts = vec![
        Blackout::Daily {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            weekdays: Vec::new(),
        },
        Blackout::Interval {
            start: at("2027-03-10T01:00:00+01:00"),
            end: at("2027-03-11T01:00:00+01:00"),
        },
    ];
    request.pinned_posts = vec![PinnedPost {
        id: "p1".to_owned(),
        start_time: at("2027-03-04T12:00:00+01:00"),
        pillar_id: "bts".to_owned(),
        format_id: Some("short".to_owned()),
        batch_id: None,
    }];
    request
}

/// Five posts that obey every rule of [`full_request`].
fn full_posts(request: &PlanRequest) -> Vec<PlannedPost> {
    let mut pinned = post(request, "2027-03-04T12:00:00+01:00", "bts", "short");
    pinned.pinned_id = Some("p1".to_owned());
    vec![
        episode(
            with_batch(
                post(request, "2027-03-02T18:00:00+01:00", "edu", "tutorial"),
                "b1",
            ),
            1,
        ),
        pinned,
        with_batch(
            post(request, "2027-03-06T19:00:00+01:00", "edu", "short"),
            "b1",
        ),
        episode(
            with_batch(
                post(request, "2027-03-09T18:00:00+01:00", "edu", "tutorial"),
                "b2",
            ),
            2,
        ),
        with_batch(
            post(request, "2027-03-12T20:00:00+01:00", "bts", "short"),
            "b2",
        ),
    ]
}

#[test]
fn a_schedule_obeying_every_rule_gets_no_message() {
    let request = full_request();
    let posts = full_posts(&request);

    assert_eq!(check(&request, posts), Vec::<String>::new());
}

#[test]
fn an_unknown_time_zone_is_reported() {
    let mut request = full_request();
    request.horizon.time_zone = "Mars/Olympus".to_owned();

    assert_eq!(
        check(&request, Vec::new()),
        vec!["time zone `Mars/Olympus` is unknown"]
    );
}

#[test]
fn posts_out_of_time_order_are_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts.swap(2, 3);

    assert_eq!(
        check(&request, posts),
        vec![
            "posts are not in time order: 2027-03-06T19:00+01:00 comes after 2027-03-09T18:00+01:00"
        ]
    );
}

#[test]
fn a_post_off_the_local_slot_grid_is_reported() {
    let mut request = full_request();
    let mut posts = full_posts(&request);
    posts[2] = with_batch(
        post(&request, "2027-03-06T19:30:00+01:00", "edu", "short"),
        "b1",
    );

    assert_eq!(
        check(&request, posts.clone()),
        vec!["post at 2027-03-06T19:30+01:00 is not on the 60-minute slot grid"]
    );

    request.horizon.slot_minutes = 30;
    assert_eq!(check(&request, posts), Vec::<String>::new());
}

#[test]
fn the_slot_grid_is_local_in_a_half_hour_zone() {
    let mut request = bare_request();
    request.horizon.time_zone = "Asia/Kolkata".to_owned();
    let on_utc_hour = post(&request, "2027-03-02T10:00:00Z", "edu", "default");
    let on_local_hour = post(&request, "2027-03-03T10:30:00Z", "edu", "default");

    assert_eq!(
        check(&request, vec![on_utc_hour, on_local_hour]),
        vec!["post at 2027-03-02T15:30+05:30 is not on the 60-minute slot grid"]
    );
}

#[test]
fn a_pinned_post_keeps_its_own_time_off_the_grid() {
    let mut request = full_request();
    request.pinned_posts[0].start_time = at("2027-03-04T12:07:00+01:00");
    let mut posts = full_posts(&request);
    posts[1] = post(&request, "2027-03-04T12:07:00+01:00", "bts", "short");
    posts[1].pinned_id = Some("p1".to_owned());

    assert_eq!(check(&request, posts), Vec::<String>::new());
}

#[test]
fn a_pinned_post_may_sit_in_a_blackout() {
    let mut request = full_request();
    request.blackouts.push(Blackout::Interval {
        start: at("2027-03-04T11:00:00+01:00"),
        end: at("2027-03-04T13:00:00+01:00"),
    });

    assert_eq!(check(&request, full_posts(&request)), Vec::<String>::new());
}

#[test]
fn a_post_outside_the_horizon_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts.push(with_batch(
        post(&request, "2027-03-15T12:00:00+01:00", "bts", "short"),
        "b1",
    ));

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-15T12:00+01:00 is outside the horizon 2027-02-28 23:00:00 UTC to \
         2027-03-14 23:00:00 UTC"
        ]
    );
}

#[test]
fn a_post_in_a_daily_window_past_midnight_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[2] = with_batch(
        post(&request, "2027-03-07T06:00:00+01:00", "edu", "short"),
        "b1",
    );

    assert_eq!(
        check(&request, posts),
        vec!["post at 2027-03-07T06:00+01:00 falls in blackouts[0]"]
    );
}

#[test]
fn a_daily_window_past_midnight_belongs_to_the_weekday_it_starts_on() {
    let start = NaiveTime::from_hms_opt(22, 0, 0).unwrap();
    let end = NaiveTime::from_hms_opt(7, 0, 0).unwrap();
    let fridays = [Weekday::Fri];
    let civil = |text: &str| text.parse().unwrap();

    assert!(daily_window_covers(
        start,
        end,
        &fridays,
        civil("2027-03-05T23:00:00")
    ));
    assert!(daily_window_covers(
        start,
        end,
        &fridays,
        civil("2027-03-06T06:59:00")
    ));
    assert!(!daily_window_covers(
        start,
        end,
        &fridays,
        civil("2027-03-06T07:00:00")
    ));
    assert!(!daily_window_covers(
        start,
        end,
        &fridays,
        civil("2027-03-05T06:00:00")
    ));
    assert!(!daily_window_covers(
        start,
        end,
        &fridays,
        civil("2027-03-06T23:00:00")
    ));
    assert!(daily_window_covers(
        start,
        start,
        &fridays,
        civil("2027-03-06T21:59:00")
    ));
}

#[test]
fn a_post_in_an_absolute_blackout_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[4] = with_batch(
        post(&request, "2027-03-10T19:00:00+01:00", "bts", "short"),
        "b2",
    );

    assert_eq!(
        check(&request, posts),
        vec!["post at 2027-03-10T19:00+01:00 falls in blackouts[1]"]
    );
}

#[test]
fn a_local_time_with_the_wrong_offset_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[2].local_time = posts[2]
        .start_time
        .with_timezone(&chrono::FixedOffset::east_opt(7200).unwrap());

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-06T19:00+01:00 has local_time 2027-03-06T20:00:00+02:00, but its civil \
         time in Europe/Berlin is 2027-03-06T19:00:00+01:00"
        ]
    );
}

#[test]
fn an_unknown_pillar_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[4].pillar_id = "memes".to_owned();

    assert_reports(
        &check(&request, posts),
        "post at 2027-03-12T20:00+01:00 names unknown pillar `memes`",
    );
}

#[test]
fn a_format_that_does_not_allow_the_pillar_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[4] = with_batch(
        post(&request, "2027-03-12T20:00:00+01:00", "bts", "tutorial"),
        "b2",
    );

    assert_reports(
        &check(&request, posts),
        "post at 2027-03-12T20:00+01:00 uses format `tutorial`, which does not allow pillar `bts`",
    );
}

#[test]
fn an_explicit_format_without_formats_is_reported() {
    let request = bare_request();
    let posts = vec![post(&request, "2027-03-02T18:00:00+01:00", "edu", "short")];

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-02T18:00+01:00 names format `short`, but the request lists no formats"
        ]
    );
}

#[test]
fn posts_closer_than_the_minimum_gap_are_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[2] = with_batch(
        post(&request, "2027-03-04T14:00:00+01:00", "edu", "short"),
        "b1",
    );

    assert_eq!(
        check(&request, posts),
        vec![
            "posts at 2027-03-04T12:00+01:00 and 2027-03-04T14:00+01:00 are 120 minutes apart, less \
         than the minimum gap of 180 minutes"
        ]
    );
}

#[test]
fn two_posts_at_one_instant_are_reported_even_without_a_gap() {
    let request = bare_request();
    let twice = post(&request, "2027-03-02T18:00:00+01:00", "edu", "default");

    assert_eq!(
        check(&request, vec![twice.clone(), twice]),
        vec!["two posts start at 2027-03-02T18:00+01:00"]
    );
}

#[test]
fn too_many_posts_on_a_local_day_are_reported() {
    let mut request = full_request();
    request.frequency.max_posts_per_day = Some(1);
    let mut posts = full_posts(&request);
    posts[2] = with_batch(
        post(&request, "2027-03-04T16:00:00+01:00", "edu", "short"),
        "b1",
    );

    assert_eq!(
        check(&request, posts),
        vec!["2027-03-04 has 2 posts, more than the maximum of 1 per day"]
    );
}

#[test]
fn too_few_posts_in_a_week_are_reported() {
    let mut request = full_request();
    request.campaigns[0].min_posts = None;
    let mut posts = full_posts(&request);
    posts.pop();

    assert_eq!(
        check(&request, posts),
        vec![
            "week 2027-W10 has 1 posts, fewer than the minimum of 2 (7 of its 7 days inside the \
         horizon)"
        ]
    );
}

/// Horizon from Thursday 2027-03-04 to Monday 2027-03-15: week 9 keeps 4 of its 7 days, so
/// 4 posts a week become at most ceil(16 / 7) = 3 and at least floor(16 / 7) = 2.
fn partial_week_request() -> PlanRequest {
    let mut request = bare_request();
    request.horizon.start = at("2027-03-04T00:00:00+01:00");
    request.frequency.min_posts_per_week = Some(4);
    request.frequency.max_posts_per_week = Some(4);
    request
}

fn days_of_march(request: &PlanRequest, days: &[u32]) -> Vec<PlannedPost> {
    let civil = |day: &u32| format!("2027-03-{day:02}T12:00:00+01:00");
    days.iter()
        .map(|day| post(request, &civil(day), "edu", "default"))
        .collect()
}

#[test]
fn a_partial_week_scales_its_bounds_by_its_days_inside_the_horizon() {
    let request = partial_week_request();

    let posts = days_of_march(&request, &[4, 5, 6, 8, 9, 10, 11]);
    assert_eq!(check(&request, posts), Vec::<String>::new());

    let posts = days_of_march(&request, &[4, 5, 6, 7, 8, 9, 10, 11]);
    assert_eq!(
        check(&request, posts),
        vec![
            "week 2027-W09 has 4 posts, more than the maximum of 3 (4 of its 7 days inside the \
         horizon)"
        ]
    );

    let posts = days_of_march(&request, &[4, 8, 9, 10, 11]);
    assert_eq!(
        check(&request, posts),
        vec![
            "week 2027-W09 has 1 posts, fewer than the minimum of 2 (4 of its 7 days inside the \
         horizon)"
        ]
    );
}

#[test]
fn pillar_quotas_are_reported() {
    let mut request = full_request();
    request.pillars[0].min_posts = Some(4);
    request.pillars[0].min_share = Some(0.7);
    let posts = full_posts(&request);

    assert_eq!(
        check(&request, posts),
        vec![
            "pillar `edu` has 3 posts, fewer than its minimum of 4",
            "pillar `edu` has 3 of 5 posts, below its minimum share of 0.7",
        ]
    );
}

#[test]
fn pinned_posts_count_in_pillar_shares() {
    let mut request = full_request();
    request.pillars[1].max_share = Some(0.3);
    let posts = full_posts(&request);

    assert_eq!(
        check(&request, posts),
        vec!["pillar `bts` has 2 of 5 posts, above its maximum share of 0.3"]
    );
}

#[test]
fn format_shares_are_reported() {
    let mut request = full_request();
    request.formats[1].max_share = Some(0.3);
    request.formats[0].min_share = Some(0.8);
    let posts = full_posts(&request);

    assert_eq!(
        check(&request, posts),
        vec![
            "format `short` has 3 of 5 posts, below its minimum share of 0.8",
            "format `tutorial` has 2 of 5 posts, above its maximum share of 0.3",
        ]
    );
}

#[test]
fn a_post_before_its_batch_is_ready_is_reported() {
    let mut request = full_request();
    request.batches[1].ready_at = at("2027-03-09T19:00:00+01:00");
    let posts = full_posts(&request);

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-09T18:00+01:00 comes before batch `b2` is ready at \
         2027-03-09T19:00:00+01:00"
        ]
    );
}

#[test]
fn a_post_after_its_batch_goes_stale_is_reported() {
    let mut request = full_request();
    request.batches[1].use_within_days = Some(3);
    let posts = full_posts(&request);

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-12T20:00+01:00 uses batch `b2` after it goes stale at \
         2027-03-10T13:00:00+01:00"
        ]
    );
}

#[test]
fn a_pinned_post_naming_a_batch_uses_its_capacity() {
    let mut request = full_request();
    request.pinned_posts[0].batch_id = Some("b1".to_owned());
    let mut posts = full_posts(&request);
    posts[1].batch_id = Some("b1".to_owned());
    assert_eq!(check(&request, posts.clone()), Vec::<String>::new());

    request.batches[0].capacity = 2;
    assert_eq!(
        check(&request, posts),
        vec!["batch `b1` makes 2 videos, but 3 posts use it"]
    );
}

#[test]
fn a_batch_that_does_not_cover_the_pillar_or_format_is_reported() {
    let mut request = full_request();
    request.batches[1].pillar_ids = vec!["edu".to_owned()];
    request.batches[1].format_ids = vec!["tutorial".to_owned()];
    let posts = full_posts(&request);

    assert_eq!(
        check(&request, posts),
        vec![
            "batch `b2` does not cover pillar `bts` of post at 2027-03-12T20:00+01:00",
            "batch `b2` does not cover format `short` of post at 2027-03-12T20:00+01:00",
        ]
    );
}

#[test]
fn a_post_without_a_batch_is_reported_when_production_comes_from_batches() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[4].batch_id = None;

    assert_eq!(
        check(&request, posts),
        vec!["post at 2027-03-12T20:00+01:00 names no batch, but every video comes from a batch"]
    );
}

#[test]
fn a_batch_named_without_batches_is_reported() {
    let mut request = full_request();
    request.batches.clear();
    let mut posts = full_posts(&request);
    posts.truncate(2);
    request.frequency = Frequency::default();
    request.campaigns.clear();
    request.series.clear();
    request.themed_days.clear();
    posts[0].series_episode = None;

    assert_eq!(
        check(&request, posts),
        vec!["post at 2027-03-02T18:00+01:00 names batch `b1`, but the request has no batches"]
    );
}

#[test]
fn an_unknown_batch_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[4].batch_id = Some("b9".to_owned());

    assert_eq!(
        check(&request, posts),
        vec!["post at 2027-03-12T20:00+01:00 names unknown batch `b9`"]
    );
}

#[test]
fn campaign_bounds_count_only_its_pillars_inside_its_window() {
    let mut request = full_request();
    request.campaigns[0].max_posts = Some(0);
    assert_eq!(
        check(&request, full_posts(&request)),
        vec!["campaign `c1` window has 1 posts, more than its maximum of 0"]
    );

    request.campaigns[0].max_posts = None;
    request.campaigns[0].pillar_ids = vec!["edu".to_owned()];
    request.campaigns[0].min_posts = Some(2);
    assert_eq!(
        check(&request, full_posts(&request)),
        vec!["campaign `c1` window has 1 posts, fewer than its minimum of 2"]
    );
}

#[test]
fn a_missing_or_repeated_episode_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[3].series_episode = None;
    assert_eq!(
        check(&request, posts),
        vec!["series `s1` episode 2 is missing"]
    );

    let mut posts = full_posts(&request);
    posts[2] = episode(posts[2].clone(), 1);
    assert_reports(
        &check(&request, posts),
        "series `s1` episode 1 appears 2 times",
    );
}

#[test]
fn episodes_out_of_order_are_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[0] = episode(posts[0].clone(), 2);
    posts[3] = episode(posts[3].clone(), 1);

    assert_eq!(
        check(&request, posts),
        vec!["series `s1` episode 2 does not come after episode 1"]
    );
}

#[test]
fn episode_gaps_outside_their_bounds_are_reported() {
    let mut request = full_request();
    request.series[0].max_gap_hours = Some(100.0);
    assert_eq!(
        check(&request, full_posts(&request)),
        vec![
            "series `s1` episodes 1 and 2 are 168.00 hours apart, more than the maximum of 100 hours"
        ]
    );

    request.series[0].max_gap_hours = None;
    request.series[0].min_gap_hours = Some(200.5);
    assert_eq!(
        check(&request, full_posts(&request)),
        vec![
            "series `s1` episodes 1 and 2 are 168.00 hours apart, less than the minimum of 200.5 hours"
        ]
    );
}

#[test]
fn an_episode_of_another_pillar_or_count_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[0].pillar_id = "bts".to_owned();
    posts[3].series_episode.as_mut().unwrap().episodes = 3;

    let broken = check(&request, posts);
    assert_reports(
        &broken,
        "post at 2027-03-02T18:00+01:00 is an episode of series `s1` but has pillar `bts`, not `edu`",
    );
    assert_reports(
        &broken,
        "post at 2027-03-09T18:00+01:00 says series `s1` has 3 episodes, the request says 2",
    );
}

#[test]
fn a_themed_day_without_its_pillar_is_reported() {
    let mut request = full_request();
    request.themed_days[0].weekday = Weekday::Thu;

    assert_eq!(
        check(&request, full_posts(&request)),
        vec![
            "2027-03-04 is a Thu with no post of pillar `edu` (themed day `Tip Tuesday`)",
            "2027-03-11 is a Thu with no post of pillar `edu` (themed day `Tip Tuesday`)",
        ]
    );
}

#[test]
fn a_themed_day_cut_by_the_horizon_asks_for_nothing() {
    let mut request = full_request();
    request.themed_days[0].weekday = Weekday::Mon;
    request.horizon.start = at("2027-03-01T10:00:00+01:00");

    assert_eq!(
        check(&request, full_posts(&request)),
        vec!["2027-03-08 is a Mon with no post of pillar `edu` (themed day `Tip Tuesday`)"]
    );
}

#[test]
fn a_missing_or_unflagged_pinned_post_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[1].pinned_id = None;

    let broken = check(&request, posts);
    assert_reports(&broken, "pinned post `p1` is missing");
}

#[test]
fn a_changed_pinned_post_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[1] = post(&request, "2027-03-04T13:00:00+01:00", "edu", "short");
    posts[1].pinned_id = Some("p1".to_owned());
    posts[1].batch_id = Some("b1".to_owned());

    assert_eq!(
        check(&request, posts),
        vec![
            "pinned post `p1` moved from 2027-03-04 11:00:00 UTC to 2027-03-04 12:00:00 UTC",
            "pinned post `p1` changed pillar from `bts` to `edu`",
            "pinned post `p1` changed batch from None to Some(\"b1\")",
        ]
    );
}

#[test]
fn a_post_flagged_as_an_unknown_pinned_post_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[2].pinned_id = Some("p9".to_owned());

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-06T19:00+01:00 is flagged as pinned post `p9`, which the request does \
         not pin"
        ]
    );
}

#[test]
fn a_heatmap_value_read_at_the_utc_hour_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    // Tuesday 18:00 in Berlin is hour 42 of the week (value 4.3); 17:00 UTC would be hour 41.
    posts[0].score = Score::new(4.2, 2.0, 1.5);

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-02T18:00+01:00 has heatmap value 4.2, but the heatmap gives 4.3 at local \
         hour 42 of the week"
        ]
    );
}

#[test]
fn a_wrong_weight_multiplier_or_total_is_reported() {
    let request = full_request();
    let mut posts = full_posts(&request);
    posts[0].score.pillar_weight = 1.0;
    posts[0].score.format_multiplier = 1.0;
    posts[0].score.total = 4.3 * 1.0;
    posts[2].score.total *= 2.0;

    assert_eq!(
        check(&request, posts),
        vec![
            "post at 2027-03-02T18:00+01:00 has pillar weight 1, but pillar `edu` weighs 2",
            "post at 2027-03-02T18:00+01:00 has format multiplier 1, but format `tutorial` multiplies \
         by 1.5",
            "post at 2027-03-06T19:00+01:00 has score 56, but heatmap value x pillar weight x format \
         multiplier is 28",
        ]
    );
}

#[test]
fn an_objective_other_than_the_sum_of_scores_is_reported() {
    let request = full_request();
    let mut schedule = schedule(full_posts(&request));
    let sum = schedule.objective;
    schedule.objective = sum + 1.0;
    schedule.best_bound = sum + 1.0;

    assert_eq!(
        check_schedule(&request, &schedule),
        vec![format!(
            "objective {} differs from the sum of post scores {sum}",
            sum + 1.0
        )]
    );
}

#[test]
fn a_best_bound_below_the_objective_is_reported() {
    let request = full_request();
    let mut schedule = schedule(full_posts(&request));
    schedule.best_bound = schedule.objective - 1.0;

    let broken = check_schedule(&request, &schedule);
    assert_eq!(broken.len(), 1);
    assert_reports(&broken, "is below the objective");
}

#[test]
fn the_repeated_fall_back_hour_holds_two_posts_an_hour_apart() {
    let mut request = bare_request();
    request.horizon.start = at("2027-10-25T00:00:00+02:00");
    request.horizon.end = at("2027-11-01T00:00:00+01:00");
    request.frequency.min_gap_minutes = 60;
    let first = post(&request, "2027-10-31T02:00:00+02:00", "edu", "default");
    let second = post(&request, "2027-10-31T02:00:00+01:00", "bts", "default");
    assert_eq!(first.local_time.to_rfc3339(), "2027-10-31T02:00:00+02:00");
    assert_eq!(second.local_time.to_rfc3339(), "2027-10-31T02:00:00+01:00");

    assert_eq!(
        check(&request, vec![first.clone(), second.clone()]),
        Vec::<String>::new()
    );

    request.frequency.min_gap_minutes = 61;
    assert_eq!(
        check(&request, vec![first, second]),
        vec![
            "posts at 2027-10-31T02:00+02:00 and 2027-10-31T02:00+01:00 are 60 minutes apart, less \
         than the minimum gap of 61 minutes"
        ]
    );
}
