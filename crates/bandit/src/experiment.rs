//! The state of one experiment and the events that change it.
//!
//! An [`Experiment`] changes only through three events: a decision was made for an arm, an
//! outcome was observed for an arm, the experiment was stopped. A store persists those events in
//! order; [`Experiment::replay`] applies them to a fresh experiment and gets back exactly the
//! same state, the same summary and the same propensities (all Monte Carlo numbers are seeded by
//! the state itself). Choosing an arm never changes the state: the caller persists the decision
//! and then records it with [`Experiment::record_decision`].

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::config::ExperimentConfig;
use crate::error::{BanditError, Result};
use crate::monte_carlo::{self, BestArmEstimate, DrawMatrix, SUMMARY_DRAWS};
use crate::policy::PolicyCache;
use crate::posterior::Posterior;
use crate::statistics::{ArmStatistics, DiscountClock};

/// The reward observed for the post of one decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub arm_index: usize,
    /// 0 or 1 for the Bernoulli model, any finite number for the Gaussian model.
    pub reward: f64,
    /// When the outcome was observed, in seconds on a clock shared by all outcomes of the
    /// experiment (Unix seconds are the natural choice). Only differences matter: with a
    /// half-life `h`, this outcome weighs `2^(-(latest - observed_at) / h)` where `latest` is the
    /// latest `observed_at` recorded so far. Outcomes may arrive out of time order; without a
    /// half-life the time is checked for finiteness and otherwise ignored.
    pub observed_at: f64,
}

/// One change to an experiment, as a store persists it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Decision { arm_index: usize },
    Outcome(Outcome),
    Stop,
}

/// The arm picked for the next post, with the probability that the policy picks it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub arm_index: usize,
    /// Probability that the current policy, in the current state, picks this arm; for off-policy
    /// evaluation (inverse propensity weighting). Exact for uniform, epsilon-greedy, UCB1,
    /// Bayes-UCB, burn-in and stopped experiments; a seeded Monte Carlo estimate for Thompson
    /// and top-two Thompson sampling (see [`crate::policy`]).
    pub propensity: f64,
}

/// A running experiment: its config, the statistics of every arm, and whether it has stopped.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub(crate) config: ExperimentConfig,
    pub(crate) arms: Vec<ArmStatistics>,
    pub(crate) clock: DiscountClock,
    /// The arm chosen at stop; `Some` once the experiment is stopped.
    pub(crate) winner: Option<usize>,
    /// What the policy needs to choose, derived from the state on the first choice after a
    /// change; emptied by every change.
    pub(crate) policy_cache: OnceLock<PolicyCache>,
    /// Propensity draws of the cache an outcome emptied; columns of unchanged arms are reused.
    pub(crate) previous_draws: Option<DrawMatrix>,
}

impl Experiment {
    /// A new experiment with no decisions and no outcomes; fails on an invalid config.
    pub fn new(config: ExperimentConfig) -> Result<Self> {
        config.validate()?;

        Ok(Experiment {
            arms: vec![ArmStatistics::default(); config.arms.len()],
            clock: DiscountClock::new(config.half_life_seconds),
            winner: None,
            policy_cache: OnceLock::new(),
            previous_draws: None,
            config,
        })
    }

    /// Rebuilds an experiment from its stored events, in the order they were recorded.
    pub fn replay(
        config: ExperimentConfig,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<Self> {
        let mut experiment = Experiment::new(config)?;
        for event in events {
            experiment.apply(event)?;
        }
        Ok(experiment)
    }

    /// Applies one stored event.
    pub fn apply(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Decision { arm_index } => self.record_decision(arm_index),
            Event::Outcome(outcome) => self.record_outcome(outcome),
            Event::Stop => {
                self.stop();
                Ok(())
            }
        }
    }

    /// Counts a decision for `arm_index`; decisions feed summaries, not the posterior.
    pub fn record_decision(&mut self, arm_index: usize) -> Result<()> {
        self.check_arm(arm_index)?;

        self.arms[arm_index].decisions += 1;
        Ok(())
    }

    /// Adds an outcome to its arm's posterior in O(1).
    pub fn record_outcome(&mut self, outcome: Outcome) -> Result<()> {
        self.check_outcome(&outcome)?;

        let weight = self.clock.weight_of(outcome.observed_at, &mut self.arms);
        self.arms[outcome.arm_index].add(outcome.reward, weight);
        self.forget_policy();
        Ok(())
    }

    /// Freezes learning and fixes the winner, the recommended arm at this moment; later choices
    /// return the winner. Stopping twice keeps the first winner.
    pub fn stop(&mut self) -> usize {
        if let Some(winner) = self.winner {
            return winner;
        }

        let winner = self.recommended_arm(&self.probability_best());
        self.winner = Some(winner);
        self.forget_policy();
        winner
    }

    pub fn config(&self) -> &ExperimentConfig {
        &self.config
    }

    pub fn num_arms(&self) -> usize {
        self.arms.len()
    }

    /// The winner fixed at stop, or `None` while the experiment runs.
    pub fn winner(&self) -> Option<usize> {
        self.winner
    }

    pub fn is_stopped(&self) -> bool {
        self.winner.is_some()
    }

    /// Decisions recorded for `arm_index` (0 for an unknown arm).
    pub fn decisions(&self, arm_index: usize) -> u64 {
        self.arms.get(arm_index).map_or(0, |arm| arm.decisions)
    }

    /// Outcomes recorded for `arm_index`, undiscounted (0 for an unknown arm).
    pub fn outcomes(&self, arm_index: usize) -> u64 {
        self.arms.get(arm_index).map_or(0, |arm| arm.outcomes)
    }

    /// The posterior of every arm, weighed at the latest outcome time.
    pub fn posteriors(&self) -> Vec<Posterior> {
        let scale = self.clock.scale();
        let prior = &self.config.reward_model;
        self.arms
            .iter()
            .map(|arm| Posterior::from_statistics(prior, arm.effective(scale)))
            .collect()
    }

    /// Probability of being best and expected loss of every arm, from [`SUMMARY_DRAWS`] draws
    /// seeded by the posteriors: the same state always gives the same numbers.
    pub fn probability_best(&self) -> BestArmEstimate {
        monte_carlo::estimate_best_arm(&self.posteriors(), SUMMARY_DRAWS)
    }

    /// The arm with the highest probability of being best; ties go to the higher posterior
    /// mean, then to the lower index.
    pub(crate) fn recommended_arm(&self, estimate: &BestArmEstimate) -> usize {
        let posteriors = self.posteriors();
        let mut best = 0;
        for arm in 1..posteriors.len() {
            let by_probability =
                estimate.probability_best[arm].total_cmp(&estimate.probability_best[best]);
            let by_mean = posteriors[arm].mean().total_cmp(&posteriors[best].mean());
            if by_probability.then(by_mean).is_gt() {
                best = arm;
            }
        }
        best
    }

    /// Empties the policy cache after a change, keeping its propensity draws for reuse.
    fn forget_policy(&mut self) {
        if let Some(draws) = self.policy_cache.take().and_then(PolicyCache::into_draws) {
            self.previous_draws = Some(draws);
        }
    }

    fn check_arm(&self, arm_index: usize) -> Result<()> {
        if arm_index < self.arms.len() {
            Ok(())
        } else {
            Err(BanditError::UnknownArm {
                arm_index,
                num_arms: self.arms.len(),
            })
        }
    }

    fn check_outcome(&self, outcome: &Outcome) -> Result<()> {
        self.check_arm(outcome.arm_index)?;

        if self.is_stopped() {
            return Err(BanditError::ExperimentStopped);
        }
        self.config.reward_model.check_reward(outcome.reward)?;
        if !outcome.observed_at.is_finite() {
            return Err(BanditError::InvalidTimestamp {
                observed_at: outcome.observed_at,
            });
        }
        Ok(())
    }
}
