//! Regret simulation: Thompson sampling must clearly beat the uniform A/B split on a clear case.

mod common;

use common::{BETA_1_1, config};
use slotwise_bandit::Algorithm;
use slotwise_bandit::simulation::{BernoulliScenario, simulate};

const SEEDS: [u64; 4] = [11, 22, 33, 44];
const HORIZON: u64 = 5000;

fn mean_regret(algorithm: Algorithm, scenario: &BernoulliScenario) -> f64 {
    let config = config(3, BETA_1_1, algorithm);
    let total: f64 = SEEDS
        .iter()
        .map(|seed| {
            simulate(&config, scenario, HORIZON, *seed)
                .expect("valid simulation")
                .regret
        })
        .sum();
    total / SEEDS.len() as f64
}

#[test]
fn thompson_sampling_has_far_less_regret_than_uniform_on_a_clear_case() {
    let scenario = BernoulliScenario {
        name: "clear".into(),
        arm_means: vec![0.05, 0.10, 0.12],
        change: None,
    };

    let uniform = mean_regret(Algorithm::Uniform, &scenario);
    let thompson = mean_regret(Algorithm::Thompson, &scenario);

    // Uniform pays (0.07 + 0.02) / 3 per decision, 150 over 5000 decisions.
    assert!((uniform - 150.0).abs() < 10.0, "uniform regret {uniform}");
    assert!(
        thompson < 0.5 * uniform,
        "thompson {thompson} vs uniform {uniform}"
    );
}
