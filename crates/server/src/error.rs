//! Errors of the service and their one mapping to gRPC status codes.

use slotwise_export::ExportError;
use slotwise_planner::PlanError;
use slotwise_slots::SlotsError;
use slotwise_store::StoreError;
use thiserror::Error;
use tonic::{Code, Response, Status};
use tracing::{debug, warn};

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
    #[error(transparent)]
    Slots(#[from] SlotsError),
    #[error(transparent)]
    Export(#[from] ExportError),
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
            ServiceError::Slots(slots_error) => slots_error_code(slots_error),
            ServiceError::Export(export_error) => export_error_code(export_error),
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
        StoreError::ExperimentNotFound { .. }
        | StoreError::DecisionNotFound { .. }
        | StoreError::AccountNotFound { .. }
        | StoreError::ActivityVersionNotFound { .. } => Code::NotFound,
        StoreError::OutcomeConflict { .. } | StoreError::PerformanceConflict { .. } => {
            Code::AlreadyExists
        }
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

fn export_error_code(error: &ExportError) -> Code {
    match error {
        ExportError::EmptyCalendarId
        | ExportError::EventDuration { .. }
        | ExportError::DuplicateUid { .. }
        | ExportError::HourCount { .. }
        | ExportError::NotFinite { .. }
        | ExportError::Negative { .. }
        | ExportError::InvertedInterval { .. }
        | ExportError::EvidenceCount { .. } => Code::InvalidArgument,
        ExportError::Csv(_)
        | ExportError::Svg(_)
        | ExportError::PixmapSize { .. }
        | ExportError::Png(_) => Code::Internal,
    }
}

fn slots_error_code(error: &SlotsError) -> Code {
    match error {
        SlotsError::InvalidInput { .. } => Code::InvalidArgument,
        // The prior config is the server's own, and the matrix is positive definite by
        // construction: either failing is a fault of the server.
        SlotsError::InvalidConfig { .. } | SlotsError::Numerical { .. } => Code::Internal,
    }
}

/// The answer of a call, its error mapped to a status and logged by who is at fault: faults of
/// the server loudly, refusals of a bad request quietly.
pub(crate) fn respond<T>(
    method: &'static str,
    result: Result<T, ServiceError>,
) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(|error| {
        let status = Status::from(error);
        if matches!(
            status.code(),
            tonic::Code::Internal | tonic::Code::Unavailable
        ) {
            warn!(method, code = ?status.code(), message = status.message(), "call failed");
        } else {
            debug!(method, code = ?status.code(), message = status.message(), "call refused");
        }
        status
    })
}
