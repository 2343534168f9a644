//! Errors of the service and their one mapping to gRPC status codes.

use slotwise_export::ExportError;
use slotwise_planner::PlanError;
use slotwise_slots::SlotsError;
use slotwise_store::StoreError;
use thiserror::Error;
use tonic::{Code, Response, Status};

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
    /// The call sent no `authorization` header.
    #[error("the call has no api key: send the header \"authorization: Bearer <key>\"")]
    MissingApiKey,
    /// The `authorization` header is not `Bearer <key>`.
    #[error("the authorization header must be \"Bearer <key>\"")]
    MalformedAuthorization,
    /// No configured key matches.
    #[error("the api key is not valid")]
    InvalidApiKey,
    /// The server drains before it stops: it takes no new call.
    #[error("the server is shutting down; retry on another instance")]
    ShuttingDown,
    /// The client's deadline passed before the answer was ready.
    #[error("the call's deadline passed before its answer was ready")]
    DeadlinePassed,
    /// Too little of the client's deadline is left to solve anything.
    #[error("the call's deadline leaves {left_ms} ms, too little to solve")]
    DeadlineTooShort { left_ms: u64 },
    /// Every solve worker is running a solve.
    #[error("all {workers} solve workers are busy; retry later")]
    SolveWorkersBusy { workers: usize },
}

/// Longest status message sent: it travels in a header, whose size HTTP/2 peers cap.
const MAX_STATUS_MESSAGE: usize = 1024;

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        let message = shortened(error.to_string());
        let code = match &error {
            ServiceError::Field(_) => Code::InvalidArgument,
            ServiceError::Plan(plan_error) => plan_error_code(plan_error),
            ServiceError::Store(store_error) => store_error_code(store_error),
            ServiceError::Slots(slots_error) => slots_error_code(slots_error),
            ServiceError::Export(export_error) => export_error_code(export_error),
            ServiceError::SolveTask(_) | ServiceError::Internal(_) => Code::Internal,
            ServiceError::MissingApiKey
            | ServiceError::MalformedAuthorization
            | ServiceError::InvalidApiKey => Code::Unauthenticated,
            ServiceError::ShuttingDown => Code::Unavailable,
            ServiceError::DeadlinePassed | ServiceError::DeadlineTooShort { .. } => {
                Code::DeadlineExceeded
            }
            ServiceError::SolveWorkersBusy { .. } => Code::ResourceExhausted,
        };
        Status::new(code, message)
    }
}

/// `message` cut to [`MAX_STATUS_MESSAGE`] bytes at a character boundary, marked with "...".
fn shortened(mut message: String) -> String {
    if message.len() <= MAX_STATUS_MESSAGE {
        return message;
    }
    let mut end = MAX_STATUS_MESSAGE - 3;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push_str("...");
    message
}

fn plan_error_code(error: &PlanError) -> Code {
    match error {
        PlanError::InvalidArgument { .. } => Code::InvalidArgument,
        PlanError::BackendUnavailable(_) => Code::FailedPrecondition,
        PlanError::TimeLimitWithoutSolution { .. } => Code::DeadlineExceeded,
        PlanError::SolverBreakdown(_) | PlanError::Solver(_) => Code::Internal,
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
        | ExportError::EvidenceCount { .. }
        | ExportError::SpanTooLong { .. } => Code::InvalidArgument,
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

/// The answer of a call, its error mapped to a status. The gate logs every call with its code,
/// so nothing is logged here.
pub(crate) fn respond<T>(result: Result<T, ServiceError>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// The canonical name of a status code, as logs and metrics label it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_to_fit_a_header() {
        let id = "é".repeat(4000);
        let status = Status::from(ServiceError::Store(StoreError::ExperimentNotFound {
            experiment_id: id,
        }));
        assert_eq!(status.code(), Code::NotFound);
        assert!(status.message().len() <= MAX_STATUS_MESSAGE);
        assert!(status.message().starts_with("experiment éé"));
        assert!(status.message().ends_with("..."));
    }
}
