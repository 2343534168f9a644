//! The storage contract every backend implements (SQLite now, PostgreSQL next), and the paging
//! rules they share.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::model::{
    Decision, DecisionRecorded, Experiment, ExperimentHistory, ExperimentPage, NewDecision,
    NewExperiment, NewOutcome, OutcomeRecorded,
};

/// Page size used when a listing asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Largest page a listing returns; larger requests are cut to it.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Durable storage of bandit experiments for one service.
///
/// Every call names a tenant, and every key includes it: an id that belongs to another tenant
/// answers exactly like a missing one. A write returns only once it is durable (it survives a
/// `kill -9` of the process).
#[async_trait]
pub trait ExperimentStore: Send + Sync + std::fmt::Debug {
    /// Stores a new running experiment under a fresh id.
    async fn create_experiment(
        &self,
        tenant: &str,
        experiment: NewExperiment,
    ) -> Result<Experiment, StoreError>;

    /// One experiment of the tenant.
    async fn get_experiment(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<Experiment, StoreError>;

    /// The tenant's experiments in creation order, `page_size` at a time (0 means
    /// [`DEFAULT_PAGE_SIZE`]); `page_token` is the previous page's `next_page_token`.
    async fn list_experiments(
        &self,
        tenant: &str,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<ExperimentPage, StoreError>;

    /// Every running experiment of every tenant, in creation order: what a restarting service
    /// loads to resume learning.
    async fn list_running_experiments(&self) -> Result<Vec<Experiment>, StoreError>;

    /// Stops learning. Stopping a stopped experiment changes nothing and returns it as it is.
    async fn stop_experiment(
        &self,
        tenant: &str,
        experiment_id: &str,
        stopped_at: DateTime<Utc>,
    ) -> Result<Experiment, StoreError>;

    /// Records a decision under a fresh id, or returns the decision already recorded for the
    /// same `request_id` of the same experiment.
    async fn record_decision(
        &self,
        tenant: &str,
        decision: NewDecision,
    ) -> Result<DecisionRecorded, StoreError>;

    /// One decision of the tenant.
    async fn get_decision(&self, tenant: &str, decision_id: &str) -> Result<Decision, StoreError>;

    /// Records a decision's outcome. The same reward again is
    /// [`OutcomeRecorded::AlreadyRecorded`]; a different reward is
    /// [`StoreError::OutcomeConflict`]; an unknown decision is [`StoreError::DecisionNotFound`].
    async fn record_outcome(
        &self,
        tenant: &str,
        outcome: NewOutcome,
    ) -> Result<OutcomeRecorded, StoreError>;

    /// Records many outcomes durably at once, each with its own answer, in the order given. The
    /// outer error means none of them was recorded.
    async fn record_outcomes(
        &self,
        tenant: &str,
        outcomes: Vec<NewOutcome>,
    ) -> Result<Vec<Result<OutcomeRecorded, StoreError>>, StoreError>;

    /// Decisions of the experiment made before `cutoff` that still have no outcome, in commit
    /// order: those whose reward window has passed when `cutoff` is now minus the window.
    async fn decisions_without_outcome_before(
        &self,
        tenant: &str,
        experiment_id: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<Decision>, StoreError>;

    /// The experiment with all its decisions and outcomes in replay order, read from one
    /// consistent snapshot.
    async fn load_history(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<ExperimentHistory, StoreError>;
}

/// Page size actually served for a requested one.
pub fn effective_page_size(requested: u32) -> u32 {
    match requested {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    }
}

/// The token that resumes a listing after the experiment with this `seq`.
pub fn encode_page_token(after_seq: i64) -> String {
    format!("after:{after_seq}")
}

/// The `seq` a page token resumes after; `0` (before everything) when there is no token.
pub fn decode_page_token(token: Option<&str>) -> Result<i64, StoreError> {
    let Some(token) = token.filter(|token| !token.is_empty()) else {
        return Ok(0);
    };

    token
        .strip_prefix("after:")
        .and_then(|seq| seq.parse::<i64>().ok())
        .filter(|seq| *seq >= 0)
        .ok_or_else(|| StoreError::InvalidPageToken {
            token: token.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_token_round_trips() {
        assert_eq!(decode_page_token(Some(&encode_page_token(42))).unwrap(), 42);
        assert_eq!(decode_page_token(None).unwrap(), 0);
        assert_eq!(decode_page_token(Some("")).unwrap(), 0);
    }

    #[test]
    fn foreign_page_tokens_are_rejected() {
        for token in ["42", "after:", "after:-1", "after:x", "before:3"] {
            assert!(matches!(
                decode_page_token(Some(token)),
                Err(StoreError::InvalidPageToken { .. })
            ));
        }
    }

    #[test]
    fn page_size_defaults_and_caps() {
        assert_eq!(effective_page_size(0), DEFAULT_PAGE_SIZE);
        assert_eq!(effective_page_size(7), 7);
        assert_eq!(effective_page_size(u32::MAX), MAX_PAGE_SIZE);
    }
}
