//! The acceptance test of issue 4: does an account that posts where slotwise says end up posting
//! where its audience really is, when its stated heatmap is wrong?
//!
//! A bakery in Berlin states the heatmap its analytics showed a year ago: weekday lunch peaks
//! (12:00-13:00), a modest evening. Its audience has since moved: the truth peaks on weekday
//! evenings (19:00-21:00) and Saturday mornings, and lunch is ordinary. A post's outcome is
//! 1,000 views x the truth at its hour x lognormal noise of sd 0.5. Each of 12 weeks, a policy
//! chooses the week's posts, "posts" them, and the simulated outcomes become evidence for the
//! next week. Three policies share the same seeds:
//!
//! - learning: fits the posterior to all evidence so far and picks the week's slots from it:
//!   one post in five at the best slot of a Thompson draw, the others by learned value around
//!   it (in the planner loop, every third week is planned with a draw as its heatmap);
//! - static: ranks by the stated heatmap and never learns (what a best-time tool does);
//! - oracle: ranks by the truth.
//!
//! The score of a week is the true expected value of the hours chosen (noise-free, so it
//! measures the choices, not the luck of the outcomes), compared over the last 4 weeks. Two
//! loops are run: one choosing with `best_slots`, one planning the week with the planner with
//! the learned values (or a draw) as its heatmap. A control loop that explores but never learns
//! shows that the bar is out of reach without learning.

// Helpers of a test binary: a failed set-up should fail the test where it happens.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, LogNormal};
use slotwise_planner::{
    Frequency, HOURS_PER_WEEK, Horizon, Pillar, PlanRequest, SolveStatus, SolverOptions,
};
use slotwise_slots::{
    BestSlotsQuery, FitInput, PostEvidence, Posterior, Prior, PriorConfig, SlotMode, best_slots,
    hour_of_week,
};

const TIME_ZONE: Tz = chrono_tz::Europe::Berlin;
const WEEKS: usize = 12;
const SCORED_WEEKS: usize = 4;
const POSTS_PER_WEEK: usize = 5;
/// Of the week's posts in the `best_slots` loop, this many are chosen by a Thompson draw: 20%.
const EXPLORE_POSTS_PER_WEEK: usize = 1;
const GAP_MINUTES: u32 = 180;
const OUTCOME_NOISE_SD: f64 = 0.5;
const BASE_VIEWS: f64 = 1_000.0;
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// Thresholds, set from the figures measured over 20 seeds (see the end of this file): the
/// mean over the seeds of a loop must reach `LEARNING_SHARE_OF_ORACLE` of the oracle, and every
/// seed the other three.
const LEARNING_SHARE_OF_ORACLE: f64 = 0.85;
const LEARNING_SHARE_OF_ORACLE_EVERY_SEED: f64 = 0.80;
const LEARNING_OVER_STATIC: f64 = 1.6;
const STATIC_SHARE_OF_ORACLE_AT_MOST: f64 = 0.55;
/// A loop that explores as the learning one does but never learns stays below this.
const BLIND_SHARE_OF_ORACLE_AT_MOST: f64 = 0.6;

/// Monday 2027-04-05, after the change to summer time, so the 12 weeks have one offset.
fn first_monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 4, 5).unwrap()
}

fn week_start(week: usize) -> DateTime<Utc> {
    let day = first_monday() + Duration::weeks(week as i64);
    let midnight = day.and_hms_opt(0, 0, 0).unwrap();
    TIME_ZONE
        .from_local_datetime(&midnight)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn bump(hour: f64, centre: f64, width: f64) -> f64 {
    (-(hour - centre).powi(2) / (2.0 * width * width)).exp()
}

/// Daytime is busier than night, 08:00 to 22:00.
fn daytime(hour: f64) -> f64 {
    if (8.0..=22.0).contains(&hour) {
        0.30
    } else {
        0.0
    }
}

/// What the account states: weekday lunch peaks, a modest evening, quiet weekends.
fn stated_heatmap() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|h| {
            let (day, hour) = (h / 24, (h % 24) as f64);
            let weekday = day < 5;
            let lunch = if weekday {
                0.62 * bump(hour, 12.5, 0.9)
            } else {
                0.0
            };
            let evening = 0.15 * bump(hour, 20.0, 1.5);
            0.05 + daytime(hour) + lunch + evening
        })
        .collect()
}

/// What the audience does now: weekday evenings 19:00-21:00 and Saturday mornings 09:00-11:00,
/// with shoulders an hour either side.
fn true_value() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|h| {
            let (day, hour) = (h / 24, (h % 24) as f64);
            let evening = if day < 5 {
                0.70 * plateau(hour, 19.0, 21.0)
            } else {
                0.0
            };
            let saturday = if day == 5 {
                0.62 * plateau(hour, 9.0, 11.0)
            } else {
                0.0
            };
            0.05 + daytime(hour) + 0.05 * bump(hour, 12.5, 0.9) + evening + saturday
        })
        .collect()
}

/// 1 from `first` to `last`, half an hour either side, 0 beyond.
fn plateau(hour: f64, first: f64, last: f64) -> f64 {
    if (first..=last).contains(&hour) {
        1.0
    } else if hour == first - 1.0 || hour == last + 1.0 {
        0.5
    } else {
        0.0
    }
}

/// How a loop chooses a week's posts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Policy {
    /// From the posterior of the evidence so far; `learn: false` fits no evidence, ever.
    Learning {
        learn: bool,
    },
    Static,
    Oracle,
}

/// What a loop scored in each week: the true value of the hours it chose.
struct Run {
    weekly: Vec<f64>,
}

impl Run {
    fn scored(&self) -> f64 {
        self.weekly[WEEKS - SCORED_WEEKS..].iter().sum()
    }
}

/// The simulated world: the truth and the noise of outcomes.
struct World {
    truth: Vec<f64>,
    rng: Xoshiro256PlusPlus,
    noise: LogNormal<f64>,
}

impl World {
    fn new(seed: u64) -> Self {
        World {
            truth: true_value(),
            rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed_f0ca),
            noise: LogNormal::new(0.0, OUTCOME_NOISE_SD).unwrap(),
        }
    }

    /// The outcome of a post at `posted_at`.
    fn post(&mut self, posted_at: DateTime<Utc>) -> PostEvidence {
        let hour = hour_of_week(posted_at, TIME_ZONE);
        PostEvidence {
            posted_at,
            value: BASE_VIEWS * self.truth[hour] * self.noise.sample(&mut self.rng),
            format_id: None,
        }
    }

    fn value_of(&self, posted_at: DateTime<Utc>) -> f64 {
        self.truth[hour_of_week(posted_at, TIME_ZONE)]
    }
}

fn posterior(
    prior: &Prior,
    heatmap: &[f64],
    evidence: &[PostEvidence],
    now: DateTime<Utc>,
) -> Posterior {
    prior
        .fit(&FitInput {
            heatmap,
            time_zone: TIME_ZONE,
            evidence,
            now,
            format_id: None,
        })
        .unwrap()
}

/// The posterior a policy chooses week `week` from.
fn belief(prior: &Prior, policy: Policy, evidence: &[PostEvidence], week: usize) -> Posterior {
    let now = week_start(week);
    match policy {
        Policy::Learning { learn: true } => posterior(prior, &stated_heatmap(), evidence, now),
        Policy::Learning { learn: false } | Policy::Static => {
            posterior(prior, &stated_heatmap(), &[], now)
        }
        Policy::Oracle => posterior(prior, &true_value(), &[], now),
    }
}

fn week_query(
    week: usize,
    count: usize,
    existing: Vec<DateTime<Utc>>,
    mode: SlotMode,
) -> BestSlotsQuery {
    BestSlotsQuery {
        window_start: week_start(week),
        window_end: week_start(week + 1),
        slot_minutes: 60,
        count,
        min_gap_minutes: GAP_MINUTES,
        existing_posts: existing,
        mode,
    }
}

/// The week's posts by `best_slots`: learning policies take the first from a Thompson draw
/// (the draw's best slot of the week), then fill the week by learned value around it.
fn choose_by_ranking(
    posterior: &Posterior,
    policy: Policy,
    week: usize,
    seed: u64,
) -> Vec<DateTime<Utc>> {
    let explore = match policy {
        Policy::Learning { .. } => EXPLORE_POSTS_PER_WEEK,
        Policy::Static | Policy::Oracle => 0,
    };
    let mut chosen = Vec::new();
    if explore > 0 {
        let mode = SlotMode::Explore {
            seed: seed * 1_000 + week as u64,
        };
        let explore = week_query(week, explore, vec![], mode);
        chosen.extend(
            best_slots(posterior, &explore)
                .unwrap()
                .iter()
                .map(|s| s.start),
        );
    }
    let exploit = week_query(
        week,
        POSTS_PER_WEEK - explore,
        chosen.clone(),
        SlotMode::Exploit,
    );
    chosen.extend(
        best_slots(posterior, &exploit)
            .unwrap()
            .iter()
            .map(|s| s.start),
    );
    chosen
}

fn run_by_ranking(prior: &Prior, policy: Policy, seed: u64) -> Run {
    let mut world = World::new(seed);
    let mut evidence = Vec::new();
    let mut weekly = Vec::new();
    for week in 0..WEEKS {
        let belief = belief(prior, policy, &evidence, week);
        let chosen = choose_by_ranking(&belief, policy, week, seed);

        assert_eq!(chosen.len(), POSTS_PER_WEEK);
        weekly.push(chosen.iter().map(|&at| world.value_of(at)).sum());
        evidence.extend(chosen.into_iter().map(|at| world.post(at)));
    }
    Run { weekly }
}

/// Every third week from the second on, the learning planner plans with a Thompson draw.
fn plans_with_a_draw(week: usize) -> bool {
    week % 3 == 1
}

fn pillar(id: &str, weight: f64) -> Pillar {
    Pillar {
        id: id.to_owned(),
        name: id.to_owned(),
        weight,
        min_share: Some(0.2),
        max_share: None,
        min_posts: None,
        max_posts: None,
    }
}

/// A week of a small calendar: three pillars, 4-6 posts, at most 2 a day, 3 hours apart.
fn plan_request(week: usize, heatmap: Vec<f64>) -> PlanRequest {
    PlanRequest {
        horizon: Horizon {
            start: week_start(week),
            end: week_start(week + 1),
            time_zone: TIME_ZONE.name().to_owned(),
            slot_minutes: 60,
        },
        heatmap,
        pillars: vec![
            pillar("educational", 1.0),
            pillar("behind-the-scenes", 0.8),
            pillar("product-spotlight", 1.2),
        ],
        formats: vec![],
        frequency: Frequency {
            min_posts_per_week: Some(4),
            max_posts_per_week: Some(6),
            max_posts_per_day: Some(2),
            min_gap_minutes: GAP_MINUTES,
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

/// The week's posts and their pillar weights, as planned with `heatmap`.
fn plan_week(week: usize, heatmap: Vec<f64>) -> Vec<(DateTime<Utc>, f64)> {
    let schedule = slotwise_planner::plan(&plan_request(week, heatmap)).unwrap();
    assert_eq!(schedule.status, SolveStatus::Optimal);
    schedule
        .posts
        .iter()
        .map(|post| (post.start_time, post.score.pillar_weight))
        .collect()
}

fn run_by_planning(prior: &Prior, policy: Policy, seed: u64) -> Run {
    let mut world = World::new(seed);
    let mut draws = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut evidence = Vec::new();
    let mut weekly = Vec::new();
    for week in 0..WEEKS {
        let belief = belief(prior, policy, &evidence, week);
        let explore = matches!(policy, Policy::Learning { .. }) && plans_with_a_draw(week);
        let heatmap = if explore {
            belief.draw(&mut draws)
        } else {
            belief.values()
        };
        let planned = plan_week(week, heatmap);

        weekly.push(
            planned
                .iter()
                .map(|&(at, weight)| world.value_of(at) * weight)
                .sum(),
        );
        evidence.extend(planned.into_iter().map(|(at, _)| world.post(at)));
    }
    Run { weekly }
}

/// Last-4-week score of learning over the oracle's and over static's.
#[derive(Debug, Clone, Copy)]
struct Shares {
    of_oracle: f64,
    over_static: f64,
    static_of_oracle: f64,
}

fn shares(learning: &Run, static_run: &Run, oracle: &Run) -> Shares {
    Shares {
        of_oracle: learning.scored() / oracle.scored(),
        over_static: learning.scored() / static_run.scored(),
        static_of_oracle: static_run.scored() / oracle.scored(),
    }
}

/// Checks every seed's shares, then the mean share of the oracle over the seeds.
fn assert_learning_wins(variant: &str, all: &[Shares]) {
    for (seed, shares) in all.iter().enumerate() {
        eprintln!("{variant} seed {}: {shares:?}", seed + 1);
        assert!(
            shares.of_oracle >= LEARNING_SHARE_OF_ORACLE_EVERY_SEED,
            "{variant} seed {}: learning reached {:.3} of the oracle",
            seed + 1,
            shares.of_oracle
        );
        assert!(
            shares.over_static >= LEARNING_OVER_STATIC,
            "{variant} seed {}: learning beat static only {:.3}x",
            seed + 1,
            shares.over_static
        );
        assert!(
            shares.static_of_oracle <= STATIC_SHARE_OF_ORACLE_AT_MOST,
            "{variant}: static reached {:.3} of the oracle",
            shares.static_of_oracle
        );
    }
    let mean = all.iter().map(|s| s.of_oracle).sum::<f64>() / all.len() as f64;
    assert!(
        mean >= LEARNING_SHARE_OF_ORACLE,
        "{variant}: learning reached {mean:.3} of the oracle on average"
    );
}

fn prior() -> Prior {
    Prior::new(PriorConfig::default()).unwrap()
}

#[test]
fn ranking_by_the_posterior_finds_the_real_audience() {
    let prior = prior();
    // Static and oracle choose the same hours whatever the seed: their choices do not depend
    // on outcomes, and scores are noise-free.
    let static_run = run_by_ranking(&prior, Policy::Static, 0);
    let oracle = run_by_ranking(&prior, Policy::Oracle, 0);

    let all: Vec<Shares> = SEEDS
        .iter()
        .map(|&seed| run_by_ranking(&prior, Policy::Learning { learn: true }, seed))
        .map(|learning| shares(&learning, &static_run, &oracle))
        .collect();
    assert_learning_wins("best_slots", &all);
}

#[test]
fn exploring_without_learning_stays_far_below_the_oracle() {
    let prior = prior();
    let oracle = run_by_ranking(&prior, Policy::Oracle, 0);

    for seed in SEEDS {
        let blind = run_by_ranking(&prior, Policy::Learning { learn: false }, seed);
        let share = blind.scored() / oracle.scored();
        eprintln!("no learning, seed {seed}: {share:.3} of the oracle");
        assert!(
            share <= BLIND_SHARE_OF_ORACLE_AT_MOST,
            "seed {seed}: {share:.3}"
        );
    }
}

#[test]
fn planning_with_the_learned_heatmap_finds_the_real_audience() {
    let prior = prior();
    let static_run = run_by_planning(&prior, Policy::Static, 0);
    let oracle = run_by_planning(&prior, Policy::Oracle, 0);

    let all: Vec<Shares> = SEEDS
        .iter()
        .map(|&seed| run_by_planning(&prior, Policy::Learning { learn: true }, seed))
        .map(|learning| shares(&learning, &static_run, &oracle))
        .collect();
    assert_learning_wins("planner", &all);
}

/// The figures the thresholds come from: `cargo test --release -p slotwise-slots --test
/// closed_loop -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement over 20 seeds, about half a minute in a release build"]
fn measure_over_twenty_seeds() {
    let prior = prior();
    let ranking = (
        run_by_ranking(&prior, Policy::Static, 0),
        run_by_ranking(&prior, Policy::Oracle, 0),
    );
    let planning = (
        run_by_planning(&prior, Policy::Static, 0),
        run_by_planning(&prior, Policy::Oracle, 0),
    );
    for seed in 1..=20 {
        let learning = run_by_ranking(&prior, Policy::Learning { learn: true }, seed);
        let blind = run_by_ranking(&prior, Policy::Learning { learn: false }, seed);
        let planned = run_by_planning(&prior, Policy::Learning { learn: true }, seed);
        let ranked = shares(&learning, &ranking.0, &ranking.1);
        let planned = shares(&planned, &planning.0, &planning.1);
        eprintln!(
            "seed {seed:2}: best_slots {:.3} of oracle, {:.2}x static; blind {:.3}; \
             planner {:.3} of oracle, {:.2}x static",
            ranked.of_oracle,
            ranked.over_static,
            blind.scored() / ranking.1.scored(),
            planned.of_oracle,
            planned.over_static,
        );
    }
}

// Measured with `measure_over_twenty_seeds` (seeds 1 to 20), share of the oracle's value over
// the last 4 weeks:
//
// | loop | learning: mean | worst | best | learning / static: worst | static | no learning: worst |
// |---|---|---|---|---|---|---|
// | best_slots | 0.929 | 0.837 | 0.983 | 2.24x | 0.374 | 0.451 |
// | planner | 0.894 | 0.827 | 0.948 | 1.79x | 0.462 | - |
//
// Seeds 1 to 5, which the tests run: best_slots 0.928 on average (worst 0.900), planner 0.912
// (worst 0.863). With `rhythm_share = 0` (the weekly kernel alone) learning reached 0.702 on
// average (worst 0.47) with best_slots and 0.792 (worst 0.606) with the planner, and the
// thresholds fail.
