//! Durable storage of slotwise's bandit experiments (the experiments, the decision made for each
//! post, which arm with which propensity, and the outcome reported for each decision) and of
//! accounts' audience data ([`audience`]: stated heatmaps, post performance, exploratory slots).
//!
//! [`ExperimentStore`] is the contract a backend fulfils; [`SqliteStore`] is the embedded backend
//! (one process), [`PostgresStore`] the shared one (several replicas on one database).
//! The store knows nothing of gRPC and nothing of bandit math: an experiment's configuration is
//! opaque JSON, and the service rebuilds its posteriors by replaying
//! [`ExperimentStore::load_history`].
//!
//! Every row belongs to a tenant ([`DEFAULT_TENANT`] until API keys name others), and an id of
//! another tenant answers exactly like a missing one.
//!
//! With the `testsuite` feature, the `testsuite` module holds the conformance tests that every
//! backend must pass.

pub mod audience;
mod error;
mod model;
mod postgres;
mod rows;
mod sqlite;
mod store;

#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use audience::{
    AudienceActivity, AudienceStore, LearningMetric, NewAudienceActivity, NewPostPerformance,
    NewSlotDecision, PerformanceRecorded, PostPerformance, SlotDecision,
};
pub use error::StoreError;
pub use model::{
    DEFAULT_TENANT, Decision, DecisionRecorded, Experiment, ExperimentHistory, ExperimentPage,
    ExperimentStatus, HistoryEvent, NewDecision, NewExperiment, NewOutcome, Outcome,
    OutcomeRecorded,
};
pub use postgres::{PostgresStore, PostgresStoreConfig};
pub use sqlite::{DEFAULT_DATABASE_PATH, SqliteStore, SqliteStoreConfig};
pub use store::{DEFAULT_PAGE_SIZE, ExperimentStore, MAX_PAGE_SIZE};

/// A backend of every store contract, as one service process uses it.
pub trait Store: ExperimentStore + AudienceStore {}

impl<T: ExperimentStore + AudienceStore> Store for T {}
