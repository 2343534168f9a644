//! The search over the real model: each request below breaks in one known way, among rules
//! that do not matter, and the conflict must name exactly the rules that clash.

use chrono::Weekday;

use super::*;
use crate::request::{Batch, Blackout, Campaign, ThemedDay};
use crate::validate::fixtures::{bare_request, instant, time};

const BUDGET: Duration = Duration::from_secs(60);

fn explained(request: &PlanRequest) -> Vec<Conflict> {
    explain_infeasibility(request, BUDGET).expect("explained")
}

fn batch(id: &str, ready_at: &str, capacity: u32) -> Batch {
    Batch {
        id: id.into(),
        ready_at: instant(ready_at),
        capacity,
        pillar_ids: Vec::new(),
        format_ids: Vec::new(),
        use_within_days: None,
    }
}

/// Education needs 6 posts; two batches make 4 videos. The weekly maximum is a bystander.
fn short_of_videos() -> PlanRequest {
    let mut request = bare_request();
    request.pillars[0].min_posts = Some(6);
    request.frequency.max_posts_per_week = Some(7);
    request.batches = vec![
        batch("week-1", "2027-01-03T12:00:00Z", 2),
        batch("week-2", "2027-01-10T12:00:00Z", 2),
    ];
    request
}

/// Tip Tuesday needs education on both Tuesdays; education may have 1 post. The other
/// pillar's minimum is a bystander.
fn themed_day_over_quota() -> PlanRequest {
    let mut request = bare_request();
    request.pillars[0].max_posts = Some(1);
    request.pillars[1].min_posts = Some(1);
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Tue,
        pillar_id: "education".into(),
        name: "Tip Tuesday".into(),
    }];
    request
}

#[test]
fn a_pillar_minimum_above_batch_capacity() {
    let conflicts = explained(&short_of_videos());

    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let rules = [
        "pillars[0].min_posts",
        "batches[0].capacity",
        "batches[1].capacity",
    ];
    assert_eq!(conflicts[0].rules, rules);
    assert_eq!(
        conflicts[0].message,
        "pillar `education` needs at least 6 posts but batches `week-1`, `week-2` ready \
         before 2027-01-18 make only 4 videos"
    );
}

#[test]
fn a_weekly_minimum_above_daily_maximum_after_blackouts() {
    let mut request = bare_request();
    request.frequency.min_posts_per_week = Some(5);
    request.frequency.max_posts_per_day = Some(1);
    request.blackouts = vec![
        Blackout::Daily {
            start: time(22, 0),
            end: time(7, 0),
            weekdays: Vec::new(),
        },
        Blackout::Daily {
            start: time(0, 0),
            end: time(0, 0),
            weekdays: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed],
        },
    ];
    let conflicts = explained(&request);

    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let rules = [
        "frequency.min_posts_per_week",
        "frequency.max_posts_per_day",
        "blackouts[1]",
    ];
    assert_eq!(conflicts[0].rules, rules);
    assert!(
        conflicts[0].message.contains("at least 5 posts a week"),
        "{conflicts:?}"
    );
    assert!(
        conflicts[0].message.contains("only 4 open days"),
        "{conflicts:?}"
    );
}

#[test]
fn a_themed_day_above_its_pillar_maximum() {
    let conflicts = explained(&themed_day_over_quota());

    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        conflicts[0].rules,
        ["pillars[0].max_posts", "themed_days[0]"]
    );
    assert_eq!(
        conflicts[0].message,
        "themed day Tip Tuesday needs a `education` post on 2 Tuesdays but `education` may \
         have at most 1 post"
    );
}

#[test]
fn a_campaign_minimum_under_a_blackout() {
    let mut request = bare_request();
    request.campaigns = vec![Campaign {
        id: "serum-launch".into(),
        name: "serum launch".into(),
        start: instant("2027-01-11T08:00:00+01:00"),
        end: instant("2027-01-12T08:00:00+01:00"),
        pillar_ids: vec!["education".into()],
        min_posts: Some(3),
        max_posts: None,
    }];
    request.blackouts = vec![
        Blackout::Interval {
            start: instant("2027-01-11T06:00:00+01:00"),
            end: instant("2027-01-12T06:00:00+01:00"),
        },
        Blackout::Daily {
            start: time(1, 0),
            end: time(5, 0),
            weekdays: Vec::new(),
        },
    ];
    let conflicts = explained(&request);

    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        conflicts[0].rules,
        ["campaigns[0].min_posts", "blackouts[0]"]
    );
    assert_eq!(
        conflicts[0].message,
        "campaign `serum-launch` needs at least 3 posts from 2027-01-11 08:00 to 2027-01-12 \
         08:00 but blackouts leave only 2 open slots in its window"
    );
}

#[test]
fn a_pillar_minimum_above_its_share_of_the_weekly_maximum() {
    let mut request = bare_request();
    request.pillars[1].min_posts = Some(4);
    request.pillars[1].max_share = Some(0.25);
    request.frequency.max_posts_per_week = Some(6);
    request.frequency.max_posts_per_day = Some(2);
    let conflicts = explained(&request);

    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let rules = [
        "pillars[1].min_posts",
        "pillars[1].max_share",
        "frequency.max_posts_per_week",
    ];
    assert_eq!(conflicts[0].rules, rules);
    assert!(
        conflicts[0]
            .message
            .ends_with("so only 3 can be `behind-the-scenes`")
    );
}

#[test]
fn two_independent_clashes_are_two_conflicts() {
    let mut request = short_of_videos();
    let themed = themed_day_over_quota();
    request.pillars[1] = themed.pillars[1].clone();
    request.pillars[0].max_posts = Some(20);
    request.themed_days = themed.themed_days;
    request.themed_days[0].pillar_id = "behind-the-scenes".into();
    request.pillars[1].max_posts = Some(1);

    let conflicts = explained(&request);
    let rules: Vec<Vec<String>> = conflicts.iter().map(|c| c.rules.clone()).collect();
    assert_eq!(
        rules,
        [
            vec![
                "pillars[0].min_posts",
                "batches[0].capacity",
                "batches[1].capacity"
            ],
            vec!["pillars[1].max_posts", "themed_days[0]"],
        ]
    );
}

#[test]
fn a_request_proven_infeasible_gets_the_same_explanation() {
    let request = short_of_videos();
    let known = explain_known_infeasibility(&request, BUDGET).expect("explained");

    assert_eq!(known, explained(&request));
}

#[test]
fn a_feasible_request_is_not_explained() {
    assert_eq!(explained(&bare_request()), Vec::new());
}
