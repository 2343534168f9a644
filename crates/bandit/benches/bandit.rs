//! Criterion benchmarks of the two hot paths a service pays for: choosing an arm with Thompson
//! sampling over 10 arms (target: at least 1,000,000 decisions a second on one core) and the
//! probability of being best of 10 arms (target: at most 2 ms). Also measured: a choice right
//! after an outcome, which re-derives the policy (Thompson propensities by Monte Carlo).
//!
//! Run: `cargo bench -p slotwise-bandit --bench bandit`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use slotwise_bandit::{
    Algorithm, ArmConfig, Experiment, ExperimentConfig, Outcome, PolicyConfig, RewardModel,
    StoppingRule,
};

const NUM_ARMS: usize = 10;

/// Two weeks, in seconds of outcome time.
const HALF_LIFE_SECONDS: Option<f64> = Some(14.0 * 86_400.0);

fn config(
    reward_model: RewardModel,
    algorithm: Algorithm,
    half_life: Option<f64>,
) -> ExperimentConfig {
    ExperimentConfig {
        arms: (0..NUM_ARMS)
            .map(|index| ArmConfig {
                id: format!("slot-{index}"),
                label: format!("slot {index}"),
            })
            .collect(),
        reward_model,
        policy: PolicyConfig {
            algorithm,
            burn_in_outcomes: 10,
            floor_share: 0.01,
        },
        stopping_rule: StoppingRule::default(),
        half_life_seconds: half_life,
    }
}

/// A mid-experiment state: 200 outcomes per arm, success rates 5% to 9.5%, one per hour.
fn bernoulli_experiment(algorithm: Algorithm, half_life: Option<f64>) -> Experiment {
    let prior = RewardModel::Bernoulli {
        prior_alpha: 1.0,
        prior_beta: 1.0,
    };
    let mut experiment =
        Experiment::new(config(prior, algorithm, half_life)).expect("valid config");
    for step in 0..200 * NUM_ARMS {
        let arm_index = step % NUM_ARMS;
        let successes_per_thousand = 50 + 5 * arm_index;
        let reward = if (step * 7919) % 1000 < successes_per_thousand {
            1.0
        } else {
            0.0
        };
        let outcome = Outcome {
            arm_index,
            reward,
            observed_at: step as f64 * 3600.0,
        };
        experiment.record_outcome(outcome).expect("valid outcome");
    }
    experiment
}

/// The same shape with Gaussian rewards (engagement rate in percent).
fn gaussian_experiment() -> Experiment {
    let prior = RewardModel::Gaussian {
        prior_mean: 5.0,
        prior_kappa: 1.0,
        prior_alpha: 2.0,
        prior_beta: 2.0,
    };
    let config = config(prior, Algorithm::Thompson, HALF_LIFE_SECONDS);
    let mut experiment = Experiment::new(config).expect("valid config");
    for step in 0..200 * NUM_ARMS {
        let arm_index = step % NUM_ARMS;
        let reward = 4.0 + 0.1 * arm_index as f64 + ((step * 7919) % 100) as f64 / 50.0;
        let outcome = Outcome {
            arm_index,
            reward,
            observed_at: step as f64 * 3600.0,
        };
        experiment.record_outcome(outcome).expect("valid outcome");
    }
    experiment
}

fn choose(c: &mut Criterion) {
    let mut group = c.benchmark_group("choose");
    group.throughput(Throughput::Elements(1));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);

    let thompson = bernoulli_experiment(Algorithm::Thompson, HALF_LIFE_SECONDS);
    thompson.choose(&mut rng);
    group.bench_function("thompson_bernoulli_10_arms", |b| {
        b.iter(|| black_box(thompson.choose(&mut rng)))
    });

    let gaussian = gaussian_experiment();
    gaussian.choose(&mut rng);
    group.bench_function("thompson_gaussian_10_arms", |b| {
        b.iter(|| black_box(gaussian.choose(&mut rng)))
    });

    let top_two = bernoulli_experiment(Algorithm::TopTwoThompson { beta: 0.5 }, HALF_LIFE_SECONDS);
    top_two.choose(&mut rng);
    group.bench_function("top_two_thompson_bernoulli_10_arms", |b| {
        b.iter(|| black_box(top_two.choose(&mut rng)))
    });
    group.finish();
}

/// Choose, then record an outcome for the chosen arm: the next choice re-derives the policy.
/// With a half-life every arm's posterior moves and all 10 x 1024 propensity draws are redone;
/// without one only the changed arm's 1024 draws are.
fn choose_after_outcome(c: &mut Criterion) {
    let mut group = c.benchmark_group("choose_after_outcome");
    group.throughput(Throughput::Elements(1));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);

    for (name, half_life) in [("half_life", HALF_LIFE_SECONDS), ("no_half_life", None)] {
        let mut experiment = bernoulli_experiment(Algorithm::Thompson, half_life);
        let mut clock = 1.0e7;
        group.bench_function(format!("thompson_bernoulli_10_arms_{name}"), |b| {
            b.iter(|| {
                let decision = experiment.choose(&mut rng);
                clock += 60.0;
                let outcome = Outcome {
                    arm_index: decision.arm_index,
                    reward: 0.0,
                    observed_at: clock,
                };
                experiment.record_outcome(outcome).expect("valid outcome");
                black_box(decision)
            })
        });
    }
    group.finish();
}

fn probability_best(c: &mut Criterion) {
    let mut group = c.benchmark_group("probability_best");
    let bernoulli = bernoulli_experiment(Algorithm::Thompson, HALF_LIFE_SECONDS);
    group.bench_function("bernoulli_10_arms", |b| {
        b.iter(|| black_box(bernoulli.probability_best()))
    });

    let gaussian = gaussian_experiment();
    group.bench_function("gaussian_10_arms", |b| {
        b.iter(|| black_box(gaussian.probability_best()))
    });

    group.bench_function("summary_bernoulli_10_arms", |b| {
        b.iter(|| black_box(bernoulli.summary()))
    });
    group.finish();
}

criterion_group!(benches, choose, choose_after_outcome, probability_best);
criterion_main!(benches);
