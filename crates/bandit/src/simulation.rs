//! Simulated Bernoulli arms for regret studies, run one decision at a time as a service sees
//! them: choose, record the decision, observe the outcome, record the outcome.
//!
//! Regret here is pseudo-regret: the sum over steps of the best arm's mean minus the chosen
//! arm's mean, which removes the noise of the simulated rewards. Simulated time advances one
//! second per step, so a half-life in seconds is a half-life in steps.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::config::ExperimentConfig;
use crate::error::Result;
use crate::experiment::{Experiment, Outcome};

/// Success rates of the arms, optionally replaced by others from a given step on.
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliScenario {
    pub name: String,
    pub arm_means: Vec<f64>,
    pub change: Option<MeanChange>,
}

/// New success rates from `at_step` on (steps count from 0).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanChange {
    pub at_step: u64,
    pub arm_means: Vec<f64>,
}

/// What one simulated experiment cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulationRun {
    pub regret: f64,
    pub decisions: u64,
}

impl BernoulliScenario {
    /// The arms' success rates at `step`.
    pub fn means_at(&self, step: u64) -> &[f64] {
        match &self.change {
            Some(change) if step >= change.at_step => &change.arm_means,
            _ => &self.arm_means,
        }
    }
}

/// Runs `config` for `horizon` decisions against `scenario`; the same seed gives the same run.
pub fn simulate(
    config: &ExperimentConfig,
    scenario: &BernoulliScenario,
    horizon: u64,
    seed: u64,
) -> Result<SimulationRun> {
    let mut experiment = Experiment::new(config.clone())?;
    let mut policy_rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut world_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x0ddc_0ffe_e0dd_f00d);
    let mut regret = 0.0;

    for step in 0..horizon {
        let means = scenario.means_at(step);
        let decision = experiment.choose(&mut policy_rng);
        experiment.record_decision(decision.arm_index)?;

        let success = world_rng.random_bool(means[decision.arm_index]);
        experiment.record_outcome(Outcome {
            arm_index: decision.arm_index,
            reward: if success { 1.0 } else { 0.0 },
            observed_at: step as f64,
        })?;

        let best_mean = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        regret += best_mean - means[decision.arm_index];
    }

    Ok(SimulationRun {
        regret,
        decisions: horizon,
    })
}

/// The Lai-Robbins lower bound on the regret of any consistent policy, `ln T` times
/// `sum over suboptimal arms of gap / KL(arm, best)`. It holds only as `T` grows without bound:
/// a finite-horizon regret below it is neither a bug nor a win.
pub fn lai_robbins_bound(arm_means: &[f64], horizon: u64) -> f64 {
    let best = arm_means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let constant: f64 = arm_means
        .iter()
        .filter(|mean| **mean < best)
        .map(|mean| (best - mean) / bernoulli_kl(*mean, best))
        .sum();
    constant * (horizon as f64).ln()
}

/// Kullback-Leibler divergence between Bernoulli(`p`) and Bernoulli(`q`).
fn bernoulli_kl(p: f64, q: f64) -> f64 {
    let term = |a: f64, b: f64| if a > 0.0 { a * (a / b).ln() } else { 0.0 };
    term(p, q) + term(1.0 - p, 1.0 - q)
}
