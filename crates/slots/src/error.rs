//! The one error type of the slots crate.
//!
//! Every variant names what a service needs to answer its client: the field path of a bad value
//! (`evidence[3].value`, `heatmap[17]`, `slot_minutes`) and why it is bad. A gRPC layer maps
//! `InvalidInput` to INVALID_ARGUMENT, and `InvalidConfig` and `Numerical` to INTERNAL: the
//! config is the service's own, and a numerical failure is a bug, not the caller's fault.

use thiserror::Error;

/// Why the slots crate refused a config, an account's input or a query.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SlotsError {
    /// A prior config value is out of range; `field` is its name, such as `half_life_days`.
    #[error("{field} {reason}")]
    InvalidConfig { field: String, reason: String },

    /// A heatmap, evidence or query value is out of range; `field` is its path, such as
    /// `evidence[3].value`.
    #[error("{field} {reason}")]
    InvalidInput { field: String, reason: String },

    /// A matrix that is positive definite by construction did not factorise.
    #[error("the {matrix} is not positive definite")]
    Numerical { matrix: &'static str },
}

impl SlotsError {
    pub(crate) fn invalid_config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        SlotsError::InvalidConfig {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        SlotsError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias of the slots crate.
pub type Result<T, E = SlotsError> = std::result::Result<T, E>;
