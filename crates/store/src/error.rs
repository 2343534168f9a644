//! The one error type of the store, shared by every backend.

use std::path::PathBuf;

use thiserror::Error;

/// Everything a store call can fail with.
///
/// The first variants are answers about the data (a missing experiment, a conflicting outcome)
/// that a service maps to client-facing status codes; the last ones are failures of the store
/// itself.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No experiment with this id exists for the tenant (it may exist for another tenant).
    #[error("experiment {experiment_id} not found")]
    ExperimentNotFound { experiment_id: String },

    /// No decision with this id exists for the tenant (it may exist for another tenant).
    #[error("decision {decision_id} not found")]
    DecisionNotFound { decision_id: String },

    /// The account has no audience activity for the tenant (it may have for another tenant).
    #[error("account {account_id} has no audience activity")]
    AccountNotFound { account_id: String },

    /// The account has audience activity, but not this version.
    #[error("account {account_id} has no audience activity version {version}")]
    ActivityVersionNotFound { account_id: String, version: i64 },

    /// The post was reported before with other figures.
    #[error("post {post_id} was already reported with other figures")]
    PerformanceConflict { post_id: String },

    /// The decision already has an outcome with a different reward.
    #[error(
        "decision {decision_id} already has an outcome with reward {recorded_reward}, \
         not {reported_reward}"
    )]
    OutcomeConflict {
        decision_id: String,
        recorded_reward: f64,
        reported_reward: f64,
    },

    /// A value the store cannot keep faithfully, such as a NaN reward.
    #[error("{field} must be {expected}, got {value}")]
    InvalidValue {
        field: &'static str,
        expected: &'static str,
        value: f64,
    },

    /// A page token that no listing of this store handed out.
    #[error("page token {token:?} is not valid")]
    InvalidPageToken { token: String },

    /// A stored row that does not decode, such as an unknown status or a timestamp out of range.
    #[error("stored {table} row {key} is corrupt: {detail}")]
    CorruptRow {
        table: &'static str,
        key: String,
        detail: String,
    },

    /// The parent directory of the database file could not be created.
    #[error("cannot create directory {path}: {source}")]
    CreateDirectory {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The schema migrations failed to apply.
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// The database refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// The writer task stopped (the store is closing, or the task panicked) before it
    /// acknowledged the write. An unacknowledged write may or may not have been committed.
    #[error("the store writer stopped before acknowledging the write")]
    WriterStopped,
}
