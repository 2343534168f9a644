//! Conversions between the experiment messages of slotwise.v1 and the bandit crate's config.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use slotwise_bandit::{
    Algorithm, ArmConfig, ExperimentConfig, ExperimentSummary, PolicyConfig, RewardModel,
    StopSignal, StoppingRule,
};
use slotwise_proto::{v1, wkt};
use slotwise_store as store;

use crate::error::FieldError;

/// What the store keeps as an experiment's opaque configuration: the bandit's config plus what
/// only the service acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredConfig {
    pub bandit: ExperimentConfig,
    pub reward_window: Option<RewardWindow>,
}

/// Decisions without an outcome this long after they were made are closed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RewardWindow {
    pub seconds: f64,
    /// `Some` closes them with this reward; `None` drops them.
    pub default_reward: Option<f64>,
}

const SECONDS_PER_HOUR: f64 = 3600.0;

/// Checks a CreateExperimentRequest and turns it into the config to store.
pub fn config_from_create(
    request: &v1::CreateExperimentRequest,
) -> Result<StoredConfig, FieldError> {
    if request.name.trim().is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    if request.kind() == v1::ExperimentKind::Unspecified {
        return Err(FieldError::new(
            "kind",
            "must be POSTING_TIME, FORMAT or OTHER",
        ));
    }

    let bandit = ExperimentConfig {
        arms: request
            .arms
            .iter()
            .map(|arm| ArmConfig {
                id: arm.id.clone(),
                label: arm.label.clone(),
            })
            .collect(),
        reward_model: reward_model(request)?,
        policy: policy(request.policy.as_ref())?,
        stopping_rule: stopping_rule(request.stopping_rule.as_ref()),
        half_life_seconds: half_life(request.half_life_hours)?,
    };
    bandit.validate().map_err(|error| match error {
        slotwise_bandit::BanditError::InvalidConfig { field, reason } => {
            FieldError::new(field, reason)
        }
        other => FieldError::new("experiment", other.to_string()),
    })?;

    Ok(StoredConfig {
        bandit,
        reward_window: reward_window(request.reward_window.as_ref())?,
    })
}

fn reward_model(request: &v1::CreateExperimentRequest) -> Result<RewardModel, FieldError> {
    match request.reward_model() {
        v1::RewardModel::Bernoulli => {
            let prior = request.beta_prior.unwrap_or(v1::BetaPrior {
                alpha: 1.0,
                beta: 1.0,
            });
            Ok(RewardModel::Bernoulli {
                prior_alpha: prior.alpha,
                prior_beta: prior.beta,
            })
        }
        v1::RewardModel::Gaussian => {
            let prior = request
                .normal_inverse_gamma_prior
                .unwrap_or(v1::NormalInverseGammaPrior {
                    mean: 0.0,
                    kappa: 1.0,
                    alpha: 1.0,
                    beta: 1.0,
                });
            Ok(RewardModel::Gaussian {
                prior_mean: prior.mean,
                prior_kappa: prior.kappa,
                prior_alpha: prior.alpha,
                prior_beta: prior.beta,
            })
        }
        v1::RewardModel::Unspecified => Err(FieldError::new(
            "reward_model",
            "must be BERNOULLI or GAUSSIAN",
        )),
    }
}

fn policy(policy: Option<&v1::Policy>) -> Result<PolicyConfig, FieldError> {
    let policy = policy.copied().unwrap_or_default();
    let algorithm = match policy.kind() {
        v1::PolicyKind::Thompson => Algorithm::Thompson,
        v1::PolicyKind::TopTwoThompson => Algorithm::TopTwoThompson {
            beta: if policy.top_two_beta == 0.0 {
                0.5
            } else {
                policy.top_two_beta
            },
        },
        v1::PolicyKind::BayesUcb => Algorithm::BayesUcb,
        v1::PolicyKind::Ucb1 => Algorithm::Ucb1,
        v1::PolicyKind::EpsilonGreedy => Algorithm::EpsilonGreedy {
            epsilon: policy.epsilon,
        },
        v1::PolicyKind::Uniform => Algorithm::Uniform,
        v1::PolicyKind::Unspecified => {
            return Err(FieldError::new("policy.kind", "must name a policy"));
        }
    };
    Ok(PolicyConfig {
        algorithm,
        burn_in_outcomes: u64::from(policy.burn_in),
        floor_share: policy.floor_share,
    })
}

fn stopping_rule(rule: Option<&v1::StoppingRule>) -> StoppingRule {
    let Some(rule) = rule else {
        return StoppingRule::default();
    };
    StoppingRule {
        probability_best: (rule.probability_best != 0.0).then_some(rule.probability_best),
        expected_loss: (rule.expected_loss != 0.0).then_some(rule.expected_loss),
        min_outcomes_per_arm: u64::from(rule.min_outcomes_per_arm),
    }
}

fn half_life(hours: f64) -> Result<Option<f64>, FieldError> {
    if !hours.is_finite() || hours < 0.0 {
        return Err(FieldError::new(
            "half_life_hours",
            "must be a finite number >= 0",
        ));
    }
    Ok((hours > 0.0).then_some(hours * SECONDS_PER_HOUR))
}

fn reward_window(window: Option<&v1::RewardWindow>) -> Result<Option<RewardWindow>, FieldError> {
    let Some(window) = window else {
        return Ok(None);
    };
    if !window.hours.is_finite() || window.hours < 0.0 {
        return Err(FieldError::new(
            "reward_window.hours",
            "must be a finite number >= 0",
        ));
    }
    if window.hours == 0.0 {
        return Ok(None);
    }
    let default_reward = match window.on_expiry {
        Some(v1::reward_window::OnExpiry::DefaultReward(reward)) if reward.is_finite() => {
            Some(reward)
        }
        Some(v1::reward_window::OnExpiry::DefaultReward(_)) => {
            return Err(FieldError::new(
                "reward_window.default_reward",
                "must be finite",
            ));
        }
        Some(v1::reward_window::OnExpiry::Drop(_)) | None => None,
    };
    Ok(Some(RewardWindow {
        seconds: window.hours * SECONDS_PER_HOUR,
        default_reward,
    }))
}

/// The Experiment message for a stored experiment and its current summary.
pub fn experiment_to_proto(
    record: &store::Experiment,
    config: &StoredConfig,
    summary: &ExperimentSummary,
) -> v1::Experiment {
    let bandit = &config.bandit;
    let mut message = v1::Experiment {
        id: record.experiment_id.clone(),
        name: record.name.clone(),
        kind: kind_from_name(&record.kind) as i32,
        status: match record.status {
            store::ExperimentStatus::Running => v1::ExperimentStatus::Running,
            store::ExperimentStatus::Stopped => v1::ExperimentStatus::Stopped,
        } as i32,
        arms: bandit
            .arms
            .iter()
            .map(|arm| v1::Arm {
                id: arm.id.clone(),
                label: arm.label.clone(),
            })
            .collect(),
        policy: Some(policy_to_proto(&bandit.policy)),
        stopping_rule: Some(v1::StoppingRule {
            probability_best: bandit.stopping_rule.probability_best.unwrap_or(0.0),
            min_outcomes_per_arm: u32::try_from(bandit.stopping_rule.min_outcomes_per_arm)
                .unwrap_or(u32::MAX),
            expected_loss: bandit.stopping_rule.expected_loss.unwrap_or(0.0),
        }),
        reward_window: config.reward_window.map(|window| v1::RewardWindow {
            hours: window.seconds / SECONDS_PER_HOUR,
            on_expiry: Some(match window.default_reward {
                Some(reward) => v1::reward_window::OnExpiry::DefaultReward(reward),
                None => v1::reward_window::OnExpiry::Drop(true),
            }),
        }),
        half_life_hours: bandit
            .half_life_seconds
            .map_or(0.0, |seconds| seconds / SECONDS_PER_HOUR),
        created_at: Some(timestamp(record.created_at)),
        stopped_at: record.stopped_at.map(timestamp),
        summary: Some(summary_to_proto(summary)),
        ..Default::default()
    };
    match bandit.reward_model {
        RewardModel::Bernoulli {
            prior_alpha,
            prior_beta,
        } => {
            message.reward_model = v1::RewardModel::Bernoulli as i32;
            message.beta_prior = Some(v1::BetaPrior {
                alpha: prior_alpha,
                beta: prior_beta,
            });
        }
        RewardModel::Gaussian {
            prior_mean,
            prior_kappa,
            prior_alpha,
            prior_beta,
        } => {
            message.reward_model = v1::RewardModel::Gaussian as i32;
            message.normal_inverse_gamma_prior = Some(v1::NormalInverseGammaPrior {
                mean: prior_mean,
                kappa: prior_kappa,
                alpha: prior_alpha,
                beta: prior_beta,
            });
        }
    }
    message
}

/// The name an experiment kind is stored under.
pub fn kind_name(kind: v1::ExperimentKind) -> &'static str {
    match kind {
        v1::ExperimentKind::PostingTime => "posting_time",
        v1::ExperimentKind::Format => "format",
        v1::ExperimentKind::Other | v1::ExperimentKind::Unspecified => "other",
    }
}

fn kind_from_name(name: &str) -> v1::ExperimentKind {
    match name {
        "posting_time" => v1::ExperimentKind::PostingTime,
        "format" => v1::ExperimentKind::Format,
        _ => v1::ExperimentKind::Other,
    }
}

fn policy_to_proto(policy: &PolicyConfig) -> v1::Policy {
    let mut message = v1::Policy {
        burn_in: u32::try_from(policy.burn_in_outcomes).unwrap_or(u32::MAX),
        floor_share: policy.floor_share,
        ..Default::default()
    };
    let kind = match policy.algorithm {
        Algorithm::Uniform => v1::PolicyKind::Uniform,
        Algorithm::EpsilonGreedy { epsilon } => {
            message.epsilon = epsilon;
            v1::PolicyKind::EpsilonGreedy
        }
        Algorithm::Thompson => v1::PolicyKind::Thompson,
        Algorithm::TopTwoThompson { beta } => {
            message.top_two_beta = beta;
            v1::PolicyKind::TopTwoThompson
        }
        Algorithm::BayesUcb => v1::PolicyKind::BayesUcb,
        Algorithm::Ucb1 => v1::PolicyKind::Ucb1,
    };
    message.kind = kind as i32;
    message
}

fn summary_to_proto(summary: &ExperimentSummary) -> v1::ExperimentSummary {
    let arm_id = |arm_index: usize| {
        summary
            .arms
            .get(arm_index)
            .map_or("?", |arm: &slotwise_bandit::ArmSummary| &arm.arm_id)
    };
    let (should_stop, stop_reason) = match summary.stop_signal {
        StopSignal::Continue => (false, String::new()),
        StopSignal::ProbabilityBest {
            arm_index,
            probability_best,
        } => (
            true,
            format!(
                "arm {} is best with probability {probability_best:.3}",
                arm_id(arm_index)
            ),
        ),
        StopSignal::ExpectedLoss {
            arm_index,
            expected_loss,
        } => (
            true,
            format!(
                "arm {} has expected loss {expected_loss:.4}",
                arm_id(arm_index)
            ),
        ),
    };
    v1::ExperimentSummary {
        arms: summary
            .arms
            .iter()
            .map(|arm| v1::ArmSummary {
                arm_id: arm.arm_id.clone(),
                decisions: arm.decisions,
                outcomes: arm.outcomes,
                posterior_mean: arm.posterior_mean,
                credible_low: arm.credible_interval.lower,
                credible_high: arm.credible_interval.upper,
                probability_best: arm.probability_best,
                expected_loss: arm.expected_loss,
            })
            .collect(),
        recommended_arm_id: summary
            .arms
            .get(summary.recommended_arm)
            .map(|arm| arm.arm_id.clone())
            .unwrap_or_default(),
        should_stop,
        stop_reason,
    }
}

pub fn timestamp(instant: DateTime<Utc>) -> wkt::Timestamp {
    wkt::Timestamp {
        seconds: instant.timestamp(),
        nanos: instant.timestamp_subsec_nanos() as i32,
    }
}

/// Seconds since the Unix epoch, the clock the bandit's half-life runs on.
pub fn unix_seconds(instant: DateTime<Utc>) -> f64 {
    instant.timestamp() as f64 + f64::from(instant.timestamp_subsec_nanos()) * 1e-9
}
