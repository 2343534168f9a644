//! Errors of the service and their one mapping to gRPC status codes.

use slotwise_planner::PlanError;
use slotwise_store::StoreError;
use thiserror::Error;
use tonic::{Code, Status};

/// A request field the wire format itself got wrong, named by its path.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field} {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Places this error's field under `parent`, as in `batches[3]` + `ready_at`.
    pub fn under(self, parent: &str) -> Self {
        Self {
            field: format!("{parent}.{}", self.field),
            message: self.message,
        }
    }
}

impl From<FieldError> for Status {
    fn from(error: FieldError) -> Self {
        Status::invalid_argument(error.to_string())
    }
}

/// Everything a call of the service can fail with.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The solve task died (it panicked or was cancelled) before it answered.
    #[error("the solve did not complete: {0}")]
    SolveTask(String),
    /// A fault of the server, not of the request.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        let message = error.to_string();
        let code = match &error {
            ServiceError::Field(_) => Code::InvalidArgument,
            ServiceError::Plan(plan_error) => plan_error_code(plan_error),
            ServiceError::Store(store_error) => store_error_code(store_error),
            ServiceError::SolveTask(_) | ServiceError::Internal(_) => Code::Internal,
        };
        Status::new(code, message)
    }
}

fn plan_error_code(error: &PlanError) -> Code {
    match error {
        PlanError::InvalidArgument { .. } => Code::InvalidArgument,
        PlanError::BackendUnavailable(_) => Code::FailedPrecondition,
        PlanError::TimeLimitWithoutSolution { .. } => Code::DeadlineExceeded,
        PlanError::Solver(_) => Code::Internal,
    }
}

fn store_error_code(error: &StoreError) -> Code {
    match error {
        StoreError::ExperimentNotFound { .. } | StoreError::DecisionNotFound { .. } => {
            Code::NotFound
        }
        StoreError::OutcomeConflict { .. } => Code::AlreadyExists,
        StoreError::InvalidValue { .. } | StoreError::InvalidPageToken { .. } => {
            Code::InvalidArgument
        }
        StoreError::CorruptRow { .. } => Code::DataLoss,
        StoreError::WriterStopped => Code::Unavailable,
        StoreError::CreateDirectory { .. } | StoreError::Migrate(_) | StoreError::Database(_) => {
            Code::Internal
        }
    }
}
