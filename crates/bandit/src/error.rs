//! The one error type of the bandit crate.
//!
//! Every variant carries what a service needs to answer its client: the field path of an invalid
//! config value (`arms[2].id`, `policy.floor_share`), the offending reward or arm index. A gRPC
//! layer maps `InvalidConfig`, `RewardOutOfRange`, `InvalidTimestamp` and `UnknownArm` to
//! INVALID_ARGUMENT and `ExperimentStopped` to FAILED_PRECONDITION.

use thiserror::Error;

/// Why the bandit crate refused a config, a decision or an outcome.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BanditError {
    /// A config value is out of range; `field` is its path in the config, such as `arms[2].id`.
    #[error("{field} {reason}")]
    InvalidConfig { field: String, reason: String },

    /// A reward the experiment's reward model cannot take.
    #[error("reward {reward} is outside the {model} reward model: {expected}")]
    RewardOutOfRange {
        model: &'static str,
        reward: f64,
        expected: &'static str,
    },

    /// The time of an outcome is NaN or infinite.
    #[error("outcome time {observed_at} must be a finite number of seconds")]
    InvalidTimestamp { observed_at: f64 },

    /// An arm index that the experiment does not have.
    #[error("arm index {arm_index} is out of range for an experiment with {num_arms} arms")]
    UnknownArm { arm_index: usize, num_arms: usize },

    /// An outcome reported after the experiment was stopped; stopping freezes learning.
    #[error("the experiment is stopped and takes no more outcomes")]
    ExperimentStopped,
}

impl BanditError {
    /// Shorthand for an `InvalidConfig` error at `field`.
    pub(crate) fn invalid_config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        BanditError::InvalidConfig {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias of the bandit crate.
pub type Result<T, E = BanditError> = std::result::Result<T, E>;
