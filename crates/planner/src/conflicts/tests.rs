//! The search checked against feasibility tests that know the answer, relaxation checked rule by
//! rule, and the words of each known clash checked on its arithmetic.

use std::cell::Cell;

use chrono::Weekday;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::*;
use crate::request::{Batch, Blackout, Campaign, PinnedPost, ThemedDay};
use crate::validate::fixtures::{bare_request, instant, pillar, sample_request, time};

/// [`explain_with`] for a request not known to be infeasible.
fn explain_with_unknown<F>(
    request: &PlanRequest,
    budget: Duration,
    feasible: F,
) -> Result<Vec<Conflict>, PlanError>
where
    F: FnMut(&PlanRequest, Duration) -> Result<bool, PlanError>,
{
    explain_with(request, budget, Known::Unknown, feasible)
}

/// Whether `rule` of `original` still holds in `relaxed`, a copy from [`without_rules`].
fn in_force(original: &PlanRequest, relaxed: &PlanRequest, rule: Rule) -> bool {
    match rule {
        Rule::SeriesEpisodes(i) => relaxed.series.iter().any(|s| s.id == original.series[i].id),
        Rule::SeriesMinGap(i) | Rule::SeriesMaxGap(i) => {
            let series = relaxed
                .series
                .iter()
                .find(|s| s.id == original.series[i].id);
            let gap = |s: &crate::request::Series| match rule {
                Rule::SeriesMinGap(_) => s.min_gap_hours,
                _ => s.max_gap_hours,
            };
            series.is_some_and(|s| gap(s).is_some())
        }
        Rule::ThemedDay(i) => relaxed.themed_days.contains(&original.themed_days[i]),
        Rule::Blackout(i) => relaxed.blackouts.contains(&original.blackouts[i]),
        _ => without_rules(relaxed, &BTreeSet::from([rule])) != *relaxed,
    }
}

/// A feasibility test that knows the answer: infeasible exactly when every rule of some clash
/// is still in force. It checks the search, not the model.
fn clash_oracle<'a>(
    original: &'a PlanRequest,
    clashes: &'a [BTreeSet<Rule>],
    calls: &'a Cell<usize>,
) -> impl FnMut(&PlanRequest, Duration) -> Result<bool, PlanError> + 'a {
    move |relaxed, _| {
        calls.set(calls.get() + 1);
        let clash = clashes
            .iter()
            .any(|c| c.iter().all(|r| in_force(original, relaxed, *r)));
        Ok(!clash)
    }
}

fn found_rules(conflict: &Conflict) -> BTreeSet<String> {
    conflict.rules.iter().cloned().collect()
}

fn paths(rules: &BTreeSet<Rule>) -> BTreeSet<String> {
    rules.iter().map(|rule| rule.path()).collect()
}

#[test]
fn the_sample_request_has_every_kind_of_rule() {
    let rules = rules_of(&sample_request());
    let paths: Vec<String> = rules.iter().map(|rule| rule.path()).collect();
    for expected in [
        "pillars[0].min_share",
        "pillars[2].max_posts",
        "formats[1].pillar_ids",
        "frequency.min_gap_minutes",
        "batches[1].ready_at",
        "batches[1].use_within_days",
        "campaigns[0].min_posts",
        "series[0].max_gap_hours",
        "themed_days[0]",
        "blackouts[1]",
    ] {
        assert!(
            paths.iter().any(|path| path == expected),
            "{expected} missing from {paths:?}"
        );
    }
    assert!(
        !paths.contains(&"batches[0].ready_at".to_string()),
        "ready before the horizon"
    );
    assert!(
        !paths.contains(&"pillars[0].max_share".to_string()),
        "no bound set"
    );
}

#[test]
fn relaxing_rules_loosens_exactly_those_rules() {
    let request = sample_request();
    let rules = BTreeSet::from([
        Rule::PillarMaxPosts(2),
        Rule::BatchCapacity(0),
        Rule::ThemedDay(0),
        Rule::Blackout(0),
        Rule::SeriesEpisodes(0),
    ]);
    let relaxed = without_rules(&request, &rules);

    assert_eq!(relaxed.pillars[2].max_posts, None);
    assert_eq!(relaxed.pillars[2].min_posts, Some(1));
    assert_eq!(relaxed.batches[0].capacity, RELAXED_BATCH_CAPACITY);
    assert!(relaxed.themed_days.is_empty() && relaxed.series.is_empty());
    assert_eq!(relaxed.blackouts, request.blackouts[1..]);
    assert_eq!(relaxed.pinned_posts, request.pinned_posts);
    assert_eq!(validate(&relaxed), Ok(()));
}

#[test]
fn an_earlier_ready_at_keeps_the_batch_fresh_as_long_as_before() {
    let request = sample_request();
    let relaxed = without_rules(&request, &BTreeSet::from([Rule::BatchReadyAt(1)]));
    let (before, after) = (&request.batches[1], &relaxed.batches[1]);

    assert_eq!(after.ready_at, request.horizon.start);
    let stale = |batch: &Batch| {
        batch.ready_at + TimeDelta::days(i64::from(batch.use_within_days.unwrap_or(0)))
    };
    assert!(stale(after) >= stale(before));
    assert!(stale(after) - stale(before) < TimeDelta::days(1));
}

#[test]
fn a_single_clashing_rule_is_found_in_few_solves() {
    let request = sample_request();
    let clashes = [BTreeSet::from([Rule::CampaignMinPosts(0)])];
    let calls = Cell::new(0);

    let oracle = clash_oracle(&request, &clashes, &calls);
    let conflicts =
        explain_with_unknown(&request, Duration::from_secs(10), oracle).expect("explained");

    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].rules, ["campaigns[0].min_posts"]);
    let rules = rules_of(&request).len();
    assert!(
        calls.get() < rules / 2,
        "{} solves for {rules} rules",
        calls.get()
    );
}

#[test]
fn a_feasible_request_has_no_conflict() {
    let request = sample_request();
    let calls = Cell::new(0);
    let conflicts = explain_with_unknown(
        &request,
        Duration::from_secs(10),
        clash_oracle(&request, &[], &calls),
    );

    assert_eq!(conflicts, Ok(Vec::new()));
    assert_eq!(calls.get(), 1);
}

#[test]
fn a_spent_budget_is_reported_not_guessed() {
    let request = sample_request();
    let undecided = |_: &PlanRequest, _: Duration| {
        Err(PlanError::TimeLimitWithoutSolution { time_limit_ms: 1 })
    };
    let result = explain_with_unknown(&request, Duration::from_secs(1), undecided);

    assert_eq!(
        result,
        Err(PlanError::TimeLimitWithoutSolution {
            time_limit_ms: 1_000
        })
    );
}

#[test]
fn an_undecided_solve_keeps_its_rules_and_says_so() {
    let request = sample_request();
    let clash = BTreeSet::from([Rule::MinPostsPerWeek, Rule::MaxPostsPerDay]);
    let calls = Cell::new(0);
    let mut oracle = clash_oracle(&request, std::slice::from_ref(&clash), &calls);
    // Every solve after the fourth times out.
    let calls = &calls;
    let flaky = move |relaxed: &PlanRequest, budget: Duration| {
        let answer = oracle(relaxed, budget);
        if calls.get() > 4 {
            Err(PlanError::TimeLimitWithoutSolution { time_limit_ms: 1 })
        } else {
            answer
        }
    };
    let conflicts =
        explain_with_unknown(&request, Duration::from_secs(10), flaky).expect("explained");

    assert!(found_rules(&conflicts[0]).is_superset(&paths(&clash)));
    assert!(
        conflicts[0].message.ends_with("than the clash needs)"),
        "{}",
        conflicts[0].message
    );
}

#[test]
fn hard_feasible_solves_leave_the_clash_found_but_unproven() {
    let request = sample_request();
    let clash = BTreeSet::from([Rule::PillarMaxPosts(2), Rule::CampaignMinPosts(0)]);
    let calls = Cell::new(0);
    let mut oracle = clash_oracle(&request, std::slice::from_ref(&clash), &calls);
    // Proving infeasibility is quick; finding a schedule once more than three rules are
    // relaxed is too slow for the budget.
    let rules = rules_of(&request);
    let hard = |relaxed: &PlanRequest, budget: Duration| {
        let relaxed_rules = rules
            .iter()
            .filter(|r| !in_force(&request, relaxed, **r))
            .count();
        match oracle(relaxed, budget) {
            Ok(true) if relaxed_rules > 3 => {
                Err(PlanError::TimeLimitWithoutSolution { time_limit_ms: 1 })
            }
            answer => answer,
        }
    };
    let conflicts =
        explain_with_unknown(&request, Duration::from_secs(10), hard).expect("explained");

    assert_eq!(found_rules(&conflicts[0]), paths(&clash));
    assert!(conflicts[0].message.ends_with("than the clash needs)"));
}

#[test]
fn a_known_infeasible_request_skips_the_first_solve() {
    let request = sample_request();
    let clashes = [BTreeSet::from([Rule::CampaignMinPosts(0)])];
    let (unknown_calls, known_calls) = (Cell::new(0), Cell::new(0));

    let oracle = clash_oracle(&request, &clashes, &unknown_calls);
    let unknown = explain_with_unknown(&request, Duration::from_secs(10), oracle);
    let oracle = clash_oracle(&request, &clashes, &known_calls);
    let known = explain_with(&request, Duration::from_secs(10), Known::Infeasible, oracle);

    assert_eq!(known, unknown);
    assert_eq!(known_calls.get() + 1, unknown_calls.get());
}

#[test]
fn a_known_infeasible_request_names_a_conflict_even_without_budget() {
    let request = sample_request();
    let calls = Cell::new(0);
    let oracle = clash_oracle(&request, &[], &calls);
    let conflicts = explain_with(&request, Duration::ZERO, Known::Infeasible, oracle);

    let conflicts = conflicts.expect("explained");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].rules.len(), rules_of(&request).len());
    assert!(conflicts[0].message.ends_with("than the clash needs)"));
    assert_eq!(calls.get(), 0);
}

#[test]
fn invalid_requests_are_rejected_before_any_solve() {
    let mut request = sample_request();
    request.heatmap.pop();
    let calls = Cell::new(0);
    let result = explain_with_unknown(
        &request,
        Duration::from_secs(1),
        clash_oracle(&request, &[], &calls),
    );

    assert!(matches!(result, Err(PlanError::InvalidArgument { .. })));
    assert_eq!(calls.get(), 0);
}

/// The clashes picked by index among the sample request's rules. A series gap binds only
/// while its series is placed, so a clash naming one names both.
fn clashes_of(request: &PlanRequest, picks: &[BTreeSet<usize>]) -> Vec<BTreeSet<Rule>> {
    let rules = rules_of(request);
    let with_series = |rule: Rule| match rule {
        Rule::SeriesMinGap(i) | Rule::SeriesMaxGap(i) => vec![rule, Rule::SeriesEpisodes(i)],
        _ => vec![rule],
    };
    let clash = |pick: &BTreeSet<usize>| {
        pick.iter()
            .flat_map(|i| with_series(rules[i % rules.len()]))
            .collect()
    };
    picks.iter().map(clash).collect()
}

fn assert_irreducible_clashes(picks: &[BTreeSet<usize>]) -> Result<(), TestCaseError> {
    let request = sample_request();
    let clashes = clashes_of(&request, picks);
    let calls = Cell::new(0);
    let oracle = clash_oracle(&request, &clashes, &calls);
    let conflicts =
        explain_with_unknown(&request, Duration::from_secs(10), oracle).expect("explained");
    prop_assert!(!conflicts.is_empty());

    let mut reported = BTreeSet::new();
    for conflict in &conflicts {
        let found = found_rules(conflict);
        prop_assert!(
            clashes.iter().any(|clash| paths(clash) == found),
            "{found:?}"
        );
        let smaller = |clash: &BTreeSet<Rule>| paths(clash).is_subset(&found);
        prop_assert!(
            clashes
                .iter()
                .filter(|c| smaller(c))
                .all(|c| paths(c) == found)
        );
        let rules = rules_of(&request).into_iter();
        reported.extend(rules.filter(|rule| found.contains(&rule.path())));
    }

    if conflicts.len() < MAX_CONFLICTS {
        let relaxed = without_rules(&request, &reported);
        let clashing = |c: &BTreeSet<Rule>| c.iter().all(|r| in_force(&request, &relaxed, *r));
        prop_assert!(!clashes.iter().any(clashing));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever rules clash, each conflict reported is one clash that holds no smaller one,
    /// and relaxing the reported conflicts leaves a feasible request.
    #[test]
    fn conflicts_are_irreducible_clashes(
        picks in prop::collection::vec(prop::collection::btree_set(0..40_usize, 1..4), 1..4)
    ) {
        assert_irreducible_clashes(&picks)?;
    }
}

/// Words for the four clashes the issue names, checked on their arithmetic alone.
fn explain(request: &PlanRequest, rules: &[Rule]) -> String {
    Words::new(request).explain(rules)
}

fn weekly_batch(id: &str, ready_at: &str, capacity: u32) -> Batch {
    Batch {
        id: id.into(),
        ready_at: instant(ready_at),
        capacity,
        pillar_ids: Vec::new(),
        format_ids: Vec::new(),
        use_within_days: None,
    }
}

#[test]
fn pillar_minimum_against_batches_names_the_videos() {
    let mut request = bare_request();
    request.pillars[0].min_posts = Some(6);
    request.batches = vec![
        weekly_batch("week-1", "2027-01-03T12:00:00Z", 2),
        weekly_batch("week-2", "2027-01-10T12:00:00Z", 2),
    ];
    let rules = [
        Rule::PillarMinPosts(0),
        Rule::BatchCapacity(0),
        Rule::BatchCapacity(1),
    ];

    assert_eq!(
        explain(&request, &rules),
        "pillar `education` needs at least 6 posts but batches `week-1`, `week-2` ready \
         before 2027-01-18 make only 4 videos"
    );
}

#[test]
fn week_minimum_against_daily_maximum_names_the_week() {
    let mut request = bare_request();
    request.frequency.min_posts_per_week = Some(5);
    request.frequency.max_posts_per_day = Some(1);
    request.blackouts = vec![Blackout::Daily {
        start: time(0, 0),
        end: time(0, 0),
        weekdays: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed],
    }];
    let rules = [
        Rule::MinPostsPerWeek,
        Rule::MaxPostsPerDay,
        Rule::Blackout(0),
    ];

    assert_eq!(
        explain(&request, &rules),
        "frequency asks for at least 5 posts a week but at most 1 post a day leaves only 4 \
         open days in week 2027-W01 after blackouts"
    );
}

#[test]
fn a_partial_week_names_its_scaled_minimum() {
    let mut request = bare_request();
    request.horizon.start = instant("2027-01-07T00:00:00+01:00");
    request.frequency.min_posts_per_week = Some(14);
    request.frequency.max_posts_per_day = Some(1);
    let rules = [Rule::MinPostsPerWeek, Rule::MaxPostsPerDay];

    assert_eq!(
        explain(&request, &rules),
        "frequency asks for at least 8 posts in week 2027-W01 (14 a week, scaled to its 4 \
         days in the horizon) but at most 1 post a day leaves only 4 open days"
    );
}

#[test]
fn themed_day_against_pillar_maximum_counts_the_weekdays() {
    let mut request = bare_request();
    request.pillars[0].max_posts = Some(1);
    request.themed_days = vec![ThemedDay {
        weekday: Weekday::Tue,
        pillar_id: "education".into(),
        name: "Tip Tuesday".into(),
    }];
    let rules = [Rule::PillarMaxPosts(0), Rule::ThemedDay(0)];

    assert_eq!(
        explain(&request, &rules),
        "themed day Tip Tuesday needs a `education` post on 2 Tuesdays but `education` may \
         have at most 1 post"
    );
}

#[test]
fn campaign_minimum_against_blackouts_counts_open_slots() {
    let mut request = bare_request();
    request.campaigns = vec![Campaign {
        id: "serum-launch".into(),
        name: "serum launch".into(),
        start: instant("2027-01-11T08:00:00+01:00"),
        end: instant("2027-01-12T08:00:00+01:00"),
        pillar_ids: Vec::new(),
        min_posts: Some(3),
        max_posts: None,
    }];
    request.blackouts = vec![Blackout::Interval {
        start: instant("2027-01-11T06:00:00+01:00"),
        end: instant("2027-01-12T06:00:00+01:00"),
    }];
    let rules = [Rule::CampaignMinPosts(0), Rule::Blackout(0)];

    assert_eq!(
        explain(&request, &rules),
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
    let rules = [
        Rule::PillarMinPosts(1),
        Rule::PillarMaxShare(1),
        Rule::MaxPostsPerWeek,
    ];

    assert_eq!(
        explain(&request, &rules),
        "pillar `behind-the-scenes` needs at least 4 posts but may have at most 25% of all \
         posts, and at most 6 posts a week allow only 12 posts in the horizon, so only 3 can \
         be `behind-the-scenes`"
    );
}

#[test]
fn pinned_posts_above_a_pillar_maximum_are_counted() {
    let mut request = bare_request();
    request.pillars[1].max_posts = Some(1);
    for (id, at) in [
        ("a", "2027-01-05T18:00:00+01:00"),
        ("b", "2027-01-06T18:00:00+01:00"),
    ] {
        request.pinned_posts.push(PinnedPost {
            id: id.into(),
            start_time: instant(at),
            pillar_id: "behind-the-scenes".into(),
            format_id: None,
            batch_id: None,
        });
    }

    assert_eq!(
        explain(&request, &[Rule::PillarMaxPosts(1)]),
        "pillar `behind-the-scenes` may have at most 1 post but 2 of its posts are pinned"
    );
}

#[test]
fn other_clashes_list_each_rule_with_its_amount() {
    let mut request = sample_request();
    request.pillars.push(pillar("trends"));
    let rules = [
        Rule::PillarMinShare(0),
        Rule::MinGap,
        Rule::Blackout(0),
        Rule::BatchUseWithin(1),
    ];

    assert_eq!(
        explain(&request, &rules),
        "these rules cannot all hold: pillar `education` at least 20% of posts; at least 180 \
         minutes between posts; no posting 22:00-07:00 every day; batch `trend-1` must be \
         posted within 3 days of being ready"
    );
}

#[test]
fn a_builder_whose_arithmetic_does_not_show_the_clash_gives_way_to_the_listing() {
    let mut request = bare_request();
    request.pillars[0].min_posts = Some(3);
    request.batches = vec![weekly_batch("week-1", "2027-01-03T12:00:00Z", 4)];
    let rules = [Rule::PillarMinPosts(0), Rule::BatchCapacity(0)];

    assert_eq!(
        explain(&request, &rules),
        "these rules cannot all hold: pillar `education` at least 3 posts; batch `week-1` \
         makes 4 videos"
    );
}
