//! Builders shared by the bandit crate's integration tests.

#![allow(dead_code)]

use slotwise_bandit::{
    Algorithm, ArmConfig, Experiment, ExperimentConfig, Outcome, PolicyConfig, RewardModel,
    StoppingRule,
};

pub const BETA_1_1: RewardModel = RewardModel::Bernoulli {
    prior_alpha: 1.0,
    prior_beta: 1.0,
};

pub const NIG_PRIOR: RewardModel = RewardModel::Gaussian {
    prior_mean: 5.0,
    prior_kappa: 2.0,
    prior_alpha: 3.0,
    prior_beta: 4.0,
};

pub fn config(
    num_arms: usize,
    reward_model: RewardModel,
    algorithm: Algorithm,
) -> ExperimentConfig {
    ExperimentConfig {
        arms: (0..num_arms)
            .map(|index| ArmConfig {
                id: format!("arm-{index}"),
                label: format!("arm {index}"),
            })
            .collect(),
        reward_model,
        policy: PolicyConfig {
            algorithm,
            burn_in_outcomes: 0,
            floor_share: 0.0,
        },
        stopping_rule: StoppingRule::default(),
        half_life_seconds: None,
    }
}

pub fn outcome(arm_index: usize, reward: f64, observed_at: f64) -> Outcome {
    Outcome {
        arm_index,
        reward,
        observed_at,
    }
}

/// Records `(arm, reward)` pairs one second apart.
pub fn with_outcomes(config: ExperimentConfig, rewards: &[(usize, f64)]) -> Experiment {
    let mut experiment = Experiment::new(config).expect("valid config");
    for (step, (arm_index, reward)) in rewards.iter().enumerate() {
        experiment
            .record_outcome(outcome(*arm_index, *reward, step as f64))
            .expect("valid outcome");
    }
    experiment
}

/// Every algorithm, with parameters that exercise it.
pub fn all_algorithms() -> Vec<Algorithm> {
    vec![
        Algorithm::Uniform,
        Algorithm::EpsilonGreedy { epsilon: 0.1 },
        Algorithm::Thompson,
        Algorithm::TopTwoThompson { beta: 0.5 },
        Algorithm::BayesUcb,
        Algorithm::Ucb1,
    ]
}
