//! The serialisable description of an experiment: arms, reward model and prior, policy, stopping
//! rule and half-life.
//!
//! A store keeps an [`ExperimentConfig`] as JSON (serde) next to the experiment's decisions and
//! outcomes; [`ExperimentConfig::validate`] reports the first bad value with its field path so
//! that a service can hand it to the client unchanged.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{BanditError, Result};

/// Everything needed to rebuild an experiment, apart from its decisions and outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    /// The arms in a fixed order; decisions and outcomes refer to arms by their index here.
    pub arms: Vec<ArmConfig>,
    pub reward_model: RewardModel,
    pub policy: PolicyConfig,
    #[serde(default)]
    pub stopping_rule: StoppingRule,
    /// Half-life of an outcome's weight, in seconds of outcome time; `None` keeps every outcome
    /// at full weight. See [`crate::Outcome::observed_at`] for how time enters. The clock moves
    /// only with outcomes: weeks without any outcome discount nothing until the next one.
    #[serde(default)]
    pub half_life_seconds: Option<f64>,
}

/// One arm of an experiment, such as "weekday 18:00" or "15 s montage".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmConfig {
    /// Stable identifier that clients use; unique within the experiment.
    pub id: String,
    /// Human-readable name shown in summaries.
    #[serde(default)]
    pub label: String,
}

/// How one post's outcome is scored, with the prior of every arm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RewardModel {
    /// The post reached a goal (reward 1) or not (reward 0); Beta(`prior_alpha`, `prior_beta`)
    /// prior on the success rate.
    Bernoulli { prior_alpha: f64, prior_beta: f64 },
    /// A real-valued reward per post (engagement rate, watch time, log views) with unknown mean
    /// and variance; Normal-Inverse-Gamma prior: mean ~ N(`prior_mean`, variance /
    /// `prior_kappa`), variance ~ Inverse-Gamma(`prior_alpha`, `prior_beta`).
    Gaussian {
        prior_mean: f64,
        prior_kappa: f64,
        prior_alpha: f64,
        prior_beta: f64,
    },
}

/// The policy that picks the arm of the next post.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PolicyConfig {
    pub algorithm: Algorithm,
    /// Choose arms uniformly until every arm has at least this many outcomes.
    #[serde(default)]
    pub burn_in_outcomes: u64,
    /// Minimum probability of each arm; with `k` arms the policy picks an arm uniformly with
    /// probability `k * floor_share` and follows `algorithm` otherwise.
    #[serde(default)]
    pub floor_share: f64,
}

/// The adaptive (or not) rule behind a [`PolicyConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Algorithm {
    /// Every arm with the same probability: the classic A/B split.
    Uniform,
    /// The arm with the highest posterior mean, or a uniform arm with probability `epsilon`.
    EpsilonGreedy { epsilon: f64 },
    /// The arm whose posterior draw is highest.
    Thompson,
    /// Top-two Thompson sampling (Russo, 2016): the Thompson leader with probability `beta`,
    /// otherwise a challenger, an independent Thompson winner other than the leader.
    TopTwoThompson { beta: f64 },
    /// The arm with the highest posterior quantile of level `1 - 1 / (n + 1)`, `n` the number of
    /// outcomes so far (Kaufmann, Cappé and Garivier, 2012).
    BayesUcb,
    /// Empirical mean plus `sqrt(2 ln n / n_arm)` (Auer et al., 2002); Bernoulli rewards only.
    Ucb1,
}

/// When the summary signals that the experiment can stop; a missing field takes its value
/// from [`StoppingRule::default`] (probability of being best 0.95, no expected-loss rule, no
/// minimum).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoppingRule {
    /// Stop when an arm's probability of being best reaches this value.
    pub probability_best: Option<f64>,
    /// Stop when the recommended arm's expected loss (in reward units) is at most this value.
    pub expected_loss: Option<f64>,
    /// Neither rule fires before every arm has this many outcomes.
    pub min_outcomes_per_arm: u64,
}

impl Default for StoppingRule {
    fn default() -> Self {
        StoppingRule {
            probability_best: Some(0.95),
            expected_loss: None,
            min_outcomes_per_arm: 0,
        }
    }
}

impl ExperimentConfig {
    /// Checks every value and returns the first invalid one with its field path.
    pub fn validate(&self) -> Result<()> {
        self.validate_arms()?;
        self.reward_model.validate()?;
        self.policy.validate(self.arms.len(), &self.reward_model)?;
        self.stopping_rule.validate()?;
        validate_half_life(self.half_life_seconds)
    }

    fn validate_arms(&self) -> Result<()> {
        if self.arms.len() < 2 {
            return Err(BanditError::invalid_config(
                "arms",
                "must hold at least 2 arms",
            ));
        }

        let mut seen = HashSet::new();
        for (index, arm) in self.arms.iter().enumerate() {
            if arm.id.trim().is_empty() {
                return Err(BanditError::invalid_config(
                    format!("arms[{index}].id"),
                    "must not be empty",
                ));
            }
            if !seen.insert(arm.id.as_str()) {
                let reason = format!("duplicates the id {:?} of an earlier arm", arm.id);
                return Err(BanditError::invalid_config(
                    format!("arms[{index}].id"),
                    reason,
                ));
            }
        }
        Ok(())
    }
}

impl RewardModel {
    /// A short lowercase name for messages: `bernoulli` or `gaussian`.
    pub fn name(&self) -> &'static str {
        match self {
            RewardModel::Bernoulli { .. } => "bernoulli",
            RewardModel::Gaussian { .. } => "gaussian",
        }
    }

    /// Checks that `reward` is a value this model takes: 0 or 1 for Bernoulli, any finite
    /// number for Gaussian.
    pub fn check_reward(&self, reward: f64) -> Result<()> {
        let (valid, expected) = match self {
            RewardModel::Bernoulli { .. } => (reward == 0.0 || reward == 1.0, "must be 0 or 1"),
            RewardModel::Gaussian { .. } => (reward.is_finite(), "must be a finite number"),
        };
        if valid {
            Ok(())
        } else {
            Err(BanditError::RewardOutOfRange {
                model: self.name(),
                reward,
                expected,
            })
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            RewardModel::Bernoulli {
                prior_alpha,
                prior_beta,
            } => {
                require_positive("reward_model.prior_alpha", prior_alpha)?;
                require_positive("reward_model.prior_beta", prior_beta)
            }
            RewardModel::Gaussian {
                prior_mean,
                prior_kappa,
                prior_alpha,
                prior_beta,
            } => {
                if !prior_mean.is_finite() {
                    return Err(BanditError::invalid_config(
                        "reward_model.prior_mean",
                        "must be finite",
                    ));
                }
                require_positive("reward_model.prior_kappa", prior_kappa)?;
                require_positive("reward_model.prior_alpha", prior_alpha)?;
                require_positive("reward_model.prior_beta", prior_beta)
            }
        }
    }
}

impl PolicyConfig {
    fn validate(&self, num_arms: usize, reward_model: &RewardModel) -> Result<()> {
        self.validate_algorithm(reward_model)?;

        let floor_share = self.floor_share;
        let max_floor = 1.0 / num_arms as f64;
        if !(0.0..=max_floor).contains(&floor_share) {
            let reason =
                format!("must be in [0, 1/{num_arms}] so that the floors of all arms fit in 1");
            return Err(BanditError::invalid_config("policy.floor_share", reason));
        }
        Ok(())
    }

    fn validate_algorithm(&self, reward_model: &RewardModel) -> Result<()> {
        match self.algorithm {
            Algorithm::EpsilonGreedy { epsilon } => {
                require_unit_interval("policy.algorithm.epsilon", epsilon)
            }
            Algorithm::TopTwoThompson { beta } => {
                require_unit_interval("policy.algorithm.beta", beta)
            }
            Algorithm::Ucb1 if matches!(reward_model, RewardModel::Gaussian { .. }) => {
                Err(BanditError::invalid_config(
                    "policy.algorithm",
                    "ucb1 needs the bernoulli reward model",
                ))
            }
            Algorithm::Uniform | Algorithm::Thompson | Algorithm::BayesUcb | Algorithm::Ucb1 => {
                Ok(())
            }
        }
    }
}

impl StoppingRule {
    fn validate(&self) -> Result<()> {
        let probability_valid = |threshold: f64| threshold > 0.0 && threshold <= 1.0;
        if !self.probability_best.is_none_or(probability_valid) {
            let field = "stopping_rule.probability_best";
            return Err(BanditError::invalid_config(field, "must be in (0, 1]"));
        }

        let loss_valid = |threshold: f64| threshold.is_finite() && threshold >= 0.0;
        if !self.expected_loss.is_none_or(loss_valid) {
            let field = "stopping_rule.expected_loss";
            return Err(BanditError::invalid_config(
                field,
                "must be a finite number >= 0",
            ));
        }
        Ok(())
    }
}

fn validate_half_life(half_life_seconds: Option<f64>) -> Result<()> {
    match half_life_seconds {
        Some(half_life) if half_life.is_nan() || half_life <= 0.0 => {
            Err(BanditError::invalid_config(
                "half_life_seconds",
                "must be > 0 (leave it out to keep every outcome)",
            ))
        }
        _ => Ok(()),
    }
}

fn require_positive(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(BanditError::invalid_config(
            field,
            "must be a finite number > 0",
        ))
    }
}

fn require_unit_interval(field: &str, value: f64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(BanditError::invalid_config(field, "must be in [0, 1]"))
    }
}
