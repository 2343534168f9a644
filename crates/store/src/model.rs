//! What the store keeps: experiments, the decisions made for them and the outcomes reported for
//! those decisions, plus the requests that create them.
//!
//! The store knows nothing of bandit math: an experiment's configuration is an opaque JSON value
//! that the service produces and reads back, and a decision names its arm by index.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The tenant every row belongs to until API keys name one.
pub const DEFAULT_TENANT: &str = "default";

/// Whether an experiment still learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExperimentStatus {
    Running,
    Stopped,
}

impl ExperimentStatus {
    /// The spelling kept in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Stopped => "stopped",
        }
    }

    /// Reads the database spelling back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(Self::Running),
            "stopped" => Some(Self::Stopped),
            _ => None,
        }
    }
}

/// A request to create an experiment; the store assigns its id and sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExperiment {
    pub name: String,
    /// What is tested, as the service spells it (for example `POSTING_TIME` or `FORMAT`).
    pub kind: String,
    /// Arms, policy, reward model, priors, stopping rule and reward window, as JSON.
    pub config: Value,
    pub created_at: DateTime<Utc>,
}

/// An experiment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub tenant: String,
    pub experiment_id: String,
    /// Position in the store's commit order; listings page by it.
    pub seq: i64,
    pub name: String,
    pub kind: String,
    pub config: Value,
    pub status: ExperimentStatus,
    pub created_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Position of the stop in the commit order: history events with a greater `seq` were
    /// recorded after the experiment stopped learning.
    pub stopped_seq: Option<i64>,
}

/// One page of a tenant's experiments, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentPage {
    pub experiments: Vec<Experiment>,
    /// Token for the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

/// A request to record the arm chosen for one post.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    pub experiment_id: String,
    pub arm_index: u32,
    /// Probability that the policy picked this arm, for off-policy evaluation later.
    pub propensity: f64,
    /// Client idempotency key: a second request with the same key returns the first decision.
    pub request_id: Option<String>,
    pub decided_at: DateTime<Utc>,
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub tenant: String,
    pub decision_id: String,
    pub experiment_id: String,
    /// Position in the store's commit order.
    pub seq: i64,
    pub arm_index: u32,
    pub propensity: f64,
    pub request_id: Option<String>,
    pub decided_at: DateTime<Utc>,
}

/// What `record_decision` did.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionRecorded {
    /// A new decision was stored.
    Inserted(Decision),
    /// The request id was seen before: this is the decision stored then, and nothing changed.
    Existing(Decision),
}

impl DecisionRecorded {
    /// The stored decision, new or earlier.
    pub fn decision(&self) -> &Decision {
        match self {
            Self::Inserted(decision) | Self::Existing(decision) => decision,
        }
    }
}

/// A request to record how the post of one decision did.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutcome {
    pub decision_id: String,
    pub reward: f64,
    /// True when this is the experiment's default reward, applied after the reward window.
    pub is_default: bool,
    pub reported_at: DateTime<Utc>,
}

/// An outcome as stored, with the arm and experiment of its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub tenant: String,
    pub decision_id: String,
    pub experiment_id: String,
    pub arm_index: u32,
    /// Position in the store's commit order.
    pub seq: i64,
    pub reward: f64,
    pub is_default: bool,
    pub reported_at: DateTime<Utc>,
}

/// What `record_outcome` did.
#[derive(Debug, Clone, PartialEq)]
pub enum OutcomeRecorded {
    /// The outcome was stored; the posterior should learn from it.
    Inserted(Outcome),
    /// The decision already had this very reward: nothing changed, and it must not be counted
    /// again.
    AlreadyRecorded(Outcome),
}

impl OutcomeRecorded {
    /// The stored outcome, new or earlier.
    pub fn outcome(&self) -> &Outcome {
        match self {
            Self::Inserted(outcome) | Self::AlreadyRecorded(outcome) => outcome,
        }
    }
}

/// One step of an experiment's history.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryEvent {
    Decision(Decision),
    Outcome(Outcome),
}

impl HistoryEvent {
    /// Position in the store's commit order.
    pub fn seq(&self) -> i64 {
        match self {
            Self::Decision(decision) => decision.seq,
            Self::Outcome(outcome) => outcome.seq,
        }
    }
}

/// Everything needed to rebuild an experiment's state after a restart.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentHistory {
    pub experiment: Experiment,
    /// Decisions and outcomes in commit order (ascending `seq`). Replaying them in this order
    /// reproduces the state the service had; an outcome always follows its decision.
    pub events: Vec<HistoryEvent>,
}
