//! What an experiment has learnt: per arm decisions, outcomes, posterior mean, 95% credible
//! interval, probability of being best and expected loss; for the experiment a recommended arm
//! and a stop signal from its stopping rule.
//!
//! Probabilities and losses come from [`Experiment::probability_best`], seeded by the state, so
//! asking twice, or after a replay, gives identical summaries.

use serde::{Deserialize, Serialize};

use crate::config::StoppingRule;
use crate::experiment::Experiment;
use crate::monte_carlo::BestArmEstimate;
use crate::posterior::Posterior;

/// Posterior mass of the credible intervals in a summary.
pub const CREDIBLE_MASS: f64 = 0.95;

/// The state of an experiment, for people and dashboards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentSummary {
    pub arms: Vec<ArmSummary>,
    /// The winner of a stopped experiment, otherwise the arm most likely to be best.
    pub recommended_arm: usize,
    pub stop_signal: StopSignal,
    pub stopped: bool,
    /// Joint posterior draws behind the probabilities and losses.
    pub draws: usize,
}

/// What is known about one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    pub arm_id: String,
    pub label: String,
    pub decisions: u64,
    /// Outcomes recorded, undiscounted.
    pub outcomes: u64,
    pub posterior: Posterior,
    pub posterior_mean: f64,
    /// Equal-tailed interval holding [`CREDIBLE_MASS`] of the posterior of the mean reward.
    pub credible_interval: CredibleInterval,
    pub probability_best: f64,
    /// Expected shortfall of this arm's mean from the best arm's mean, in reward units.
    pub expected_loss: f64,
}

/// Lower and upper bound of a credible interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CredibleInterval {
    pub lower: f64,
    pub upper: f64,
}

/// Whether the stopping rule says the experiment has found its winner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopSignal {
    /// Keep going: no rule fired, or some arm has fewer outcomes than the rule's minimum.
    Continue,
    /// The recommended arm's probability of being best reached the threshold.
    ProbabilityBest {
        arm_index: usize,
        probability_best: f64,
    },
    /// The recommended arm's expected loss fell to the threshold.
    ExpectedLoss {
        arm_index: usize,
        expected_loss: f64,
    },
}

impl Experiment {
    /// Summarises every arm and evaluates the stopping rule.
    pub fn summary(&self) -> ExperimentSummary {
        let estimate = self.probability_best();
        let recommended_arm = self
            .winner
            .unwrap_or_else(|| self.recommended_arm(&estimate));

        let stop_signal = self.stop_signal(&self.config.stopping_rule, &estimate, recommended_arm);
        ExperimentSummary {
            arms: self.arm_summaries(&estimate),
            recommended_arm,
            stop_signal,
            stopped: self.is_stopped(),
            draws: estimate.draws,
        }
    }

    fn arm_summaries(&self, estimate: &BestArmEstimate) -> Vec<ArmSummary> {
        let posteriors = self.posteriors();
        let arms = self.config.arms.iter().zip(&self.arms).zip(posteriors);

        arms.enumerate()
            .map(|(index, ((config, statistics), posterior))| {
                let (lower, upper) = posterior.credible_interval(CREDIBLE_MASS);
                ArmSummary {
                    arm_id: config.id.clone(),
                    label: config.label.clone(),
                    decisions: statistics.decisions,
                    outcomes: statistics.outcomes,
                    posterior,
                    posterior_mean: posterior.mean(),
                    credible_interval: CredibleInterval { lower, upper },
                    probability_best: estimate.probability_best[index],
                    expected_loss: estimate.expected_loss[index],
                }
            })
            .collect()
    }

    fn stop_signal(
        &self,
        rule: &StoppingRule,
        estimate: &BestArmEstimate,
        arm_index: usize,
    ) -> StopSignal {
        let fewest_outcomes = self.arms.iter().map(|arm| arm.outcomes).min().unwrap_or(0);
        if fewest_outcomes < rule.min_outcomes_per_arm {
            return StopSignal::Continue;
        }

        let probability_best = estimate.probability_best[arm_index];
        let expected_loss = estimate.expected_loss[arm_index];
        if rule
            .probability_best
            .is_some_and(|threshold| probability_best >= threshold)
        {
            StopSignal::ProbabilityBest {
                arm_index,
                probability_best,
            }
        } else if rule
            .expected_loss
            .is_some_and(|threshold| expected_loss <= threshold)
        {
            StopSignal::ExpectedLoss {
                arm_index,
                expected_loss,
            }
        } else {
            StopSignal::Continue
        }
    }
}
