//! Errors of the planner.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum PlanError {
    /// The request breaks a rule of its own shape; `field` is its path, as in
    /// `pillars[2].min_share`.
    #[error("{field} {message}")]
    InvalidArgument { field: String, message: String },
    /// The requested backend is not compiled in.
    #[error("solver backend {0} is not available in this build")]
    BackendUnavailable(&'static str),
    /// The time limit passed before any schedule was found.
    #[error("no schedule found within the time limit of {time_limit_ms} ms")]
    TimeLimitWithoutSolution { time_limit_ms: u64 },
    /// microlp's linear algebra broke down on this model before the search could finish (it
    /// can meet a basis it finds singular deep in branch and bound, Specy/microlp#48). The
    /// request may be fine; HiGHS solves such models.
    #[error(
        "the microlp solver broke down numerically ({0}) before it could finish; \
         the HiGHS backend (solver.backend = HIGHS, in builds with the `highs` feature) solves such models"
    )]
    SolverBreakdown(String),
    /// The solver failed in a way that says nothing about the request.
    #[error("solver failed: {0}")]
    Solver(String),
}

impl PlanError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}
