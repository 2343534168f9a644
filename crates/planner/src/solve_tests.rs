//! Tests of [`crate::plan`] and [`crate::is_feasible`] on small calendars: each rule family is
//! enforced, infeasible requests are recognised, violations are reported, solves repeat.

use std::time::Duration;

use chrono::{DateTime, Datelike, Duration as Span, Timelike, Utc, Weekday};

use crate::request::*;
use crate::schedule::{Schedule, SolveStatus};
use crate::{is_feasible, plan};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("timestamp")
}

fn pillar(id: &str, weight: f64) -> Pillar {
    Pillar {
        id: id.into(),
        name: id.into(),
        weight,
        min_share: None,
        max_share: None,
        min_posts: None,
        max_posts: None,
    }
}

/// One week from Monday 2027-01-04 in UTC on hourly slots; evenings score highest, Mondays
/// highest of all; pillar `a` is worth more than `b`; 1 post a day, 3 hours apart.
fn week() -> PlanRequest {
    let heatmap = (0..HOURS_PER_WEEK)
        .map(|h| {
            let (day, hour) = (h / 24, h % 24);
            let evening = if (17..=21).contains(&hour) { 10.0 } else { 1.0 };
            evening + hour as f64 * 0.1 + (7 - day) as f64 * 0.01
        })
        .collect();
    PlanRequest {
        horizon: Horizon {
            start: at("2027-01-04T00:00:00Z"),
            end: at("2027-01-11T00:00:00Z"),
            time_zone: "UTC".into(),
            slot_minutes: 60,
        },
        heatmap,
        pillars: vec![pillar("a", 2.0), pillar("b", 1.0)],
        formats: vec![],
        frequency: Frequency {
            min_posts_per_week: None,
            max_posts_per_week: None,
            max_posts_per_day: Some(1),
            min_gap_minutes: 180,
        },
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

fn solve(request: &PlanRequest) -> Schedule {
    let schedule = plan(request).expect("plan");
    assert_ne!(
        schedule.status,
        SolveStatus::Infeasible,
        "unexpectedly infeasible"
    );
    schedule
}

fn count(schedule: &Schedule, pillar: &str) -> usize {
    schedule
        .posts
        .iter()
        .filter(|p| p.pillar_id == pillar)
        .count()
}

#[test]
fn unconstrained_week_posts_daily_at_the_best_hour_with_the_best_pillar() {
    let schedule = solve(&week());
    assert_eq!(schedule.status, SolveStatus::Optimal);
    assert_eq!(schedule.posts.len(), 7);
    assert!(
        schedule
            .posts
            .iter()
            .all(|p| p.pillar_id == "a" && p.start_time.hour() == 21)
    );
    assert!(
        schedule
            .posts
            .windows(2)
            .all(|w| w[0].start_time < w[1].start_time)
    );
}

#[test]
fn objective_is_the_sum_of_scores_and_scores_multiply() {
    let schedule = solve(&week());
    let total: f64 = schedule.posts.iter().map(|p| p.score.total).sum();
    assert!((schedule.objective - total).abs() < 1e-9);
    for post in &schedule.posts {
        let s = post.score;
        assert!((s.total - s.heatmap_value * s.pillar_weight * s.format_multiplier).abs() < 1e-12);
    }
    assert!(schedule.best_bound >= schedule.objective - 1e-9);
}

#[test]
fn pillar_minimum_and_maximum_hold() {
    let mut request = week();
    request.pillars[1].min_posts = Some(3);
    request.pillars[0].max_posts = Some(3);
    let schedule = solve(&request);
    assert_eq!(count(&schedule, "a"), 3);
    assert_eq!(count(&schedule, "b"), 4);
}

#[test]
fn pillar_share_counts_pinned_posts() {
    let mut request = week();
    request.pillars[1].min_share = Some(0.5);
    request.pinned_posts = vec![PinnedPost {
        id: "p1".into(),
        start_time: at("2027-01-05T09:00:00Z"),
        pillar_id: "b".into(),
        format_id: None,
        batch_id: None,
    }];
    let schedule = solve(&request);
    // 8 posts: 7 daily (one day holds the pinned post only) would make 7; b needs half.
    let total = schedule.posts.len();
    assert!(
        count(&schedule, "b") * 2 >= total,
        "{} of {total}",
        count(&schedule, "b")
    );
    let pinned: Vec<_> = schedule
        .posts
        .iter()
        .filter(|p| p.pinned_id.is_some())
        .collect();
    assert_eq!(pinned.len(), 1);
    assert_eq!(pinned[0].pinned_id.as_deref(), Some("p1"));
}

#[test]
fn themed_tuesday_forces_its_pillar_on_tuesday() {
    let mut request = week();
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Tue,
        pillar_id: "b".into(),
        name: "tip tuesday".into(),
    }];
    let schedule = solve(&request);
    let tuesday: Vec<_> = schedule
        .posts
        .iter()
        .filter(|p| p.start_time.weekday() == Weekday::Tue)
        .collect();
    assert_eq!(tuesday.len(), 1);
    assert_eq!(tuesday[0].pillar_id, "b");
    assert_eq!(count(&schedule, "a"), 6);
}

#[test]
fn themed_day_cut_by_the_horizon_asks_for_nothing() {
    let mut request = week();
    request.horizon.start = at("2027-01-05T12:00:00Z");
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Tue,
        pillar_id: "b".into(),
        name: "tip tuesday".into(),
    }];
    let schedule = solve(&request);
    assert_eq!(count(&schedule, "b"), 0);
}

#[test]
fn batch_ready_time_and_capacity_bound_posts() {
    let mut request = week();
    request.batches = vec![Batch {
        id: "filming".into(),
        ready_at: at("2027-01-07T12:00:00Z"),
        capacity: 3,
        pillar_ids: vec![],
        format_ids: vec![],
        use_within_days: None,
    }];
    let schedule = solve(&request);
    assert_eq!(schedule.posts.len(), 3);
    for post in &schedule.posts {
        assert!(post.start_time >= at("2027-01-07T12:00:00Z"));
        assert_eq!(post.batch_id.as_deref(), Some("filming"));
    }
}

#[test]
fn batch_use_within_days_expires_videos() {
    let mut request = week();
    request.batches = vec![Batch {
        id: "trend".into(),
        ready_at: at("2027-01-04T00:00:00Z"),
        capacity: 5,
        pillar_ids: vec!["b".into()],
        format_ids: vec![],
        use_within_days: Some(2),
    }];
    let schedule = solve(&request);
    assert_eq!(schedule.posts.len(), 2);
    assert!(
        schedule
            .posts
            .iter()
            .all(|p| p.start_time < at("2027-01-06T00:00:00Z"))
    );
    assert!(schedule.posts.iter().all(|p| p.pillar_id == "b"));
}

#[test]
fn campaign_minimum_is_met_inside_its_window() {
    let mut request = week();
    request.frequency.max_posts_per_day = Some(2);
    request.pillars[1].max_posts = Some(3);
    request.campaigns = vec![Campaign {
        id: "launch".into(),
        name: "launch".into(),
        start: at("2027-01-06T00:00:00Z"),
        end: at("2027-01-08T00:00:00Z"),
        pillar_ids: vec!["b".into()],
        min_posts: Some(3),
        max_posts: None,
    }];
    let schedule = solve(&request);
    let inside = schedule
        .posts
        .iter()
        .filter(|p| p.pillar_id == "b")
        .filter(|p| {
            p.start_time >= at("2027-01-06T00:00:00Z") && p.start_time < at("2027-01-08T00:00:00Z")
        })
        .count();
    assert_eq!(inside, 3);
}

#[test]
fn series_episodes_are_in_order_within_their_gaps() {
    let mut request = week();
    request.frequency.max_posts_per_day = Some(3);
    request.series = vec![Series {
        id: "tutorial".into(),
        name: "tutorial".into(),
        pillar_id: "b".into(),
        episodes: 3,
        min_gap_hours: Some(30.0),
        max_gap_hours: Some(40.0),
    }];
    let schedule = solve(&request);
    assert_eq!(schedule.status, SolveStatus::Optimal);
    let episodes: Vec<_> = schedule
        .posts
        .iter()
        .filter(|p| p.series_episode.is_some())
        .collect();
    assert_eq!(episodes.len(), 3);
    for (n, post) in episodes.iter().enumerate() {
        let episode = post.series_episode.as_ref().expect("episode");
        assert_eq!((episode.episode, episode.episodes), (n as u32 + 1, 3));
        assert_eq!(post.pillar_id, "b");
    }
    for pair in episodes.windows(2) {
        let gap = pair[1].start_time - pair[0].start_time;
        assert!(
            gap >= Span::hours(30) && gap <= Span::hours(40),
            "gap {gap}"
        );
    }
}

#[test]
fn posting_gap_and_daily_maximum_hold() {
    let mut request = week();
    request.frequency.max_posts_per_day = Some(3);
    request.frequency.min_gap_minutes = 240;
    let schedule = solve(&request);
    for pair in schedule.posts.windows(2) {
        assert!(pair[1].start_time - pair[0].start_time >= Span::minutes(240));
    }
    for day in 4..11 {
        let on_day = schedule
            .posts
            .iter()
            .filter(|p| p.start_time.day() == day)
            .count();
        assert!(on_day <= 3);
    }
}

#[test]
fn partial_week_scales_its_maximum_up() {
    // Thursday to the next Wednesday: ISO week 1 has 4 days (max 3 x 4/7 -> 2), week 2 has 3
    // (max 3 x 3/7 -> 2).
    let mut request = week();
    request.horizon.start = at("2027-01-07T00:00:00Z");
    request.horizon.end = at("2027-01-14T00:00:00Z");
    request.frequency.max_posts_per_week = Some(3);
    let schedule = solve(&request);
    let first_week = schedule
        .posts
        .iter()
        .filter(|p| p.start_time < at("2027-01-11T00:00:00Z"))
        .count();
    assert_eq!(first_week, 2);
    assert_eq!(schedule.posts.len(), 4);
}

#[test]
fn blackouts_remove_slots() {
    let mut request = week();
    request.blackouts = vec![Blackout::Daily {
        start: chrono::NaiveTime::from_hms_opt(18, 0, 0).expect("time"),
        end: chrono::NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
        weekdays: vec![],
    }];
    let schedule = solve(&request);
    assert!(
        schedule
            .posts
            .iter()
            .all(|p| !(18..23).contains(&p.start_time.hour()))
    );
    assert!(schedule.posts.iter().all(|p| p.start_time.hour() == 17));
}

#[test]
fn a_horizon_without_free_slots_plans_nothing() {
    let mut request = week();
    request.blackouts = vec![Blackout::Interval {
        start: request.horizon.start,
        end: request.horizon.end,
    }];
    let schedule = solve(&request);
    assert!(schedule.posts.is_empty());
    assert_eq!(schedule.status, SolveStatus::Optimal);

    request.pillars[0].min_posts = Some(1);
    let schedule = plan(&request).expect("plan");
    assert_eq!(schedule.status, SolveStatus::Infeasible);
}

#[test]
fn contradictory_rules_are_infeasible_without_posts() {
    let mut request = week();
    request.pillars[0].min_posts = Some(5);
    request.pillars[1].min_posts = Some(5);
    let schedule = plan(&request).expect("plan");
    assert_eq!(schedule.status, SolveStatus::Infeasible);
    assert!(schedule.posts.is_empty());
    assert!(!is_feasible(&request, Duration::from_secs(5)).expect("feasibility"));
    assert!(is_feasible(&week(), Duration::from_secs(5)).expect("feasibility"));
}

#[test]
fn allow_violations_names_the_broken_rule_with_its_shortfall() {
    // Once the rule is broken, the score decides; `b` is made the better pillar so that the
    // schedule falls short by the smallest amount.
    let mut request = week();
    request.pillars[1].min_posts = Some(9);
    request.pillars[1].weight = 3.0;
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Mon,
        pillar_id: "a".into(),
        name: "monday".into(),
    }];
    request.allow_violations = true;
    let schedule = plan(&request).expect("plan");
    assert_eq!(schedule.status, SolveStatus::Optimal);
    assert_eq!(schedule.posts.len(), 7);
    assert_eq!(count(&schedule, "b"), 6);
    assert_eq!(schedule.violations.len(), 1, "{:?}", schedule.violations);
    assert_eq!(schedule.violations[0].rule, "pillars[1].min_posts");
    assert!((schedule.violations[0].shortfall - 3.0).abs() < 1e-6);
}

#[test]
fn the_empty_schedule_starts_every_elastic_search() {
    let mut request = week();
    request.pillars[1].min_posts = Some(9);
    request.frequency.min_posts_per_week = Some(5);
    request.series = vec![Series {
        id: "s".into(),
        name: "s".into(),
        pillar_id: "a".into(),
        episodes: 2,
        min_gap_hours: Some(20.0),
        max_gap_hours: Some(30.0),
    }];
    let instance = crate::instance::Instance::new(&request).expect("instance");
    let model = crate::model::Model::build(&instance, true, crate::model::SeriesMode::Exact);
    let values = model.without_planned_posts();
    for row in &model.rows {
        let activity: f64 = row.terms.iter().map(|&(v, c)| c * values[v]).sum();
        assert!(
            activity >= row.lower - 1e-9 && activity <= row.upper + 1e-9,
            "{row:?}"
        );
    }
    for (value, var) in values.iter().zip(&model.vars) {
        assert!(*value >= var.lower && *value <= var.upper);
    }
    let broken = model
        .soft
        .iter()
        .filter(|r| values[r.indicator] == 1.0)
        .count();
    assert!(
        broken >= 3,
        "pillar minimum, weekly minimum and series are broken"
    );
}

#[test]
fn same_request_gives_the_same_schedule() {
    let mut request = crate::scenarios::four_weeks_hourly();
    request.solver.time_limit_ms = 60_000;
    let first = solve(&request);
    let second = solve(&request);
    assert_eq!(first.posts, second.posts);
    assert_eq!(first.status, SolveStatus::Optimal);
}

#[test]
fn benchmark_calendar_obeys_its_frequency_and_series() {
    let mut request = crate::scenarios::four_weeks_hourly();
    request.solver.time_limit_ms = 60_000;
    let schedule = solve(&request);
    assert_eq!(schedule.status, SolveStatus::Optimal);
    assert!(schedule.gap.abs() < 1e-9);
    let episodes = schedule
        .posts
        .iter()
        .filter(|p| p.series_episode.is_some())
        .count();
    assert_eq!(episodes, 3);
    for pair in schedule.posts.windows(2) {
        assert!(pair[1].start_time - pair[0].start_time >= Span::minutes(180));
    }
}

#[test]
fn spring_forward_horizon_plans_only_existing_local_times() {
    let mut request = week();
    request.horizon.time_zone = "Europe/Berlin".into();
    request.horizon.start = at("2027-03-27T23:00:00Z");
    request.horizon.end = at("2027-03-28T05:00:00Z");
    request.frequency.max_posts_per_day = Some(6);
    request.frequency.min_gap_minutes = 60;
    let schedule = solve(&request);
    let local: Vec<u32> = schedule.posts.iter().map(|p| p.local_time.hour()).collect();
    assert_eq!(local, [0, 1, 3, 4, 5, 6]);
}

#[cfg(not(feature = "highs"))]
#[test]
fn highs_without_the_feature_is_unavailable() {
    let mut request = week();
    request.solver.backend = Backend::Highs;
    assert_eq!(
        plan(&request),
        Err(crate::PlanError::BackendUnavailable("highs"))
    );
}

#[cfg(feature = "highs")]
#[test]
fn microlp_and_highs_agree_on_the_objective() {
    let mut requests = vec![week(), crate::scenarios::four_weeks_hourly()];
    let mut themed = week();
    themed.themed_days = vec![ThemedDay {
        weekday: Weekday::Wed,
        pillar_id: "b".into(),
        name: "wednesday".into(),
    }];
    requests.push(themed);
    for mut request in requests {
        request.solver.time_limit_ms = 60_000;
        let microlp = solve(&request);
        request.solver.backend = Backend::Highs;
        let highs = solve(&request);
        assert_eq!(highs.status, SolveStatus::Optimal);
        assert!((microlp.objective - highs.objective).abs() < 1e-6 * highs.objective.max(1.0));
    }
}
