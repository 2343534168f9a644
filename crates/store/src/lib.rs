//! Durable storage of slotwise's bandit experiments: the experiments, the decision made for each
//! post (which arm, with which propensity) and the outcome reported for each decision.
//!
//! [`ExperimentStore`] is the contract a backend fulfils; [`SqliteStore`] is the embedded backend.
//! The store knows nothing of gRPC and nothing of bandit math: an experiment's configuration is
//! opaque JSON, and the service rebuilds its posteriors by replaying
//! [`ExperimentStore::load_history`].
//!
//! Every row belongs to a tenant ([`DEFAULT_TENANT`] until API keys name others), and an id of
//! another tenant answers exactly like a missing one.
//!
//! With the `testsuite` feature, the `testsuite` module holds the conformance tests that every
//! backend must pass.

mod error;
mod model;
mod sqlite;
mod store;

#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use error::StoreError;
pub use model::{
    DEFAULT_TENANT, Decision, DecisionRecorded, Experiment, ExperimentHistory, ExperimentPage,
    ExperimentStatus, HistoryEvent, NewDecision, NewExperiment, NewOutcome, Outcome,
    OutcomeRecorded,
};
pub use sqlite::{DEFAULT_DATABASE_PATH, SqliteStore, SqliteStoreConfig};
pub use store::{DEFAULT_PAGE_SIZE, ExperimentStore, MAX_PAGE_SIZE};
