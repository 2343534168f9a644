//! The audience half of the store: each account's stated activity heatmap (versioned), the
//! performance of its posts, and the exploratory slots planned for it.
//!
//! Like experiments, everything is keyed by tenant first, and an account of another tenant
//! answers exactly like a missing one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// Values a stored heatmap has: one per local hour of the week.
pub const HOURS_PER_WEEK: usize = 168;

/// A new version of an account's audience activity.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudienceActivity {
    pub account_id: String,
    /// IANA name; the store keeps it as given (the service validates it).
    pub time_zone: String,
    /// [`HOURS_PER_WEEK`] finite, non-negative values.
    pub hourly_activity: Vec<f64>,
    pub metric: LearningMetric,
    pub updated_at: DateTime<Utc>,
}

/// Which figure of a post the learned slot values predict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearningMetric {
    /// Likes, comments, shares and saves.
    Engagements,
    Views,
}

impl LearningMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Engagements => "engagements",
            Self::Views => "views",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "engagements" => Some(Self::Engagements),
            "views" => Some(Self::Views),
            _ => None,
        }
    }
}

/// One stored version of an account's audience activity.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceActivity {
    pub tenant: String,
    pub account_id: String,
    /// 1 for the first version, one more for each later one.
    pub version: i64,
    pub time_zone: String,
    pub hourly_activity: Vec<f64>,
    pub metric: LearningMetric,
    pub updated_at: DateTime<Utc>,
}

/// How one post did, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPostPerformance {
    pub account_id: String,
    /// The idempotency key.
    pub post_id: String,
    pub posted_at: DateTime<Utc>,
    pub pillar_id: String,
    pub format_id: String,
    pub views: u64,
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
    pub saves: u64,
    pub follows: u64,
    pub average_watch_seconds: Option<f64>,
    /// A slot decision or a bandit decision of the same tenant.
    pub decision_id: Option<String>,
    pub reported_at: DateTime<Utc>,
}

/// A stored post performance.
#[derive(Debug, Clone, PartialEq)]
pub struct PostPerformance {
    pub tenant: String,
    /// Commit order in the store.
    pub seq: i64,
    pub post: NewPostPerformance,
}

impl NewPostPerformance {
    /// Whether `other` reports the same figures for the same post (the report time aside).
    pub fn same_figures(&self, other: &NewPostPerformance) -> bool {
        fn figures(p: &NewPostPerformance) -> impl PartialEq + '_ {
            (
                (&p.account_id, &p.post_id, &p.pillar_id, &p.format_id),
                p.posted_at.timestamp_millis(),
                [p.views, p.likes, p.comments, p.shares, p.saves, p.follows],
                p.average_watch_seconds.map(f64::to_bits),
                &p.decision_id,
            )
        }
        figures(self) == figures(other)
    }
}

/// What recording a post performance did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformanceRecorded {
    /// Stored now; the account has this many posts.
    Inserted { account_posts: u64 },
    /// The same figures were stored before; nothing changed.
    AlreadyRecorded { account_posts: u64 },
}

/// An exploratory slot about to be planned.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSlotDecision {
    pub account_id: String,
    pub slot_start: DateTime<Utc>,
    /// 0 = Monday 00:00 local.
    pub hour_of_week: u32,
    /// The learned value of the hour, and the posterior draw the slot was placed by.
    pub expected_value: f64,
    pub drawn_value: f64,
    pub decided_at: DateTime<Utc>,
}

/// A stored exploratory slot.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotDecision {
    pub tenant: String,
    pub decision_id: String,
    pub seq: i64,
    pub decision: NewSlotDecision,
}

/// Durable storage of accounts' audience data, beside [`crate::ExperimentStore`].
///
/// As there, a write returns only once it is durable.
#[async_trait]
pub trait AudienceStore: Send + Sync + std::fmt::Debug {
    /// Stores the next version of the account's audience activity.
    async fn put_audience_activity(
        &self,
        tenant: &str,
        activity: NewAudienceActivity,
    ) -> Result<AudienceActivity, StoreError>;

    /// The given version of the account's activity, or the latest when `version` is `None`.
    async fn get_audience_activity(
        &self,
        tenant: &str,
        account_id: &str,
        version: Option<i64>,
    ) -> Result<AudienceActivity, StoreError>;

    /// Records how a post did. The account must have audience activity; a `decision_id` must
    /// name a slot decision or a bandit decision of the tenant. The same figures again are
    /// [`PerformanceRecorded::AlreadyRecorded`]; other figures for a recorded post are
    /// [`StoreError::PerformanceConflict`].
    async fn record_post_performance(
        &self,
        tenant: &str,
        performance: NewPostPerformance,
    ) -> Result<PerformanceRecorded, StoreError>;

    /// Every post performance of the account, oldest post first.
    async fn list_post_performance(
        &self,
        tenant: &str,
        account_id: &str,
    ) -> Result<Vec<PostPerformance>, StoreError>;

    /// Stores exploratory slots under fresh decision ids, in the order given.
    async fn record_slot_decisions(
        &self,
        tenant: &str,
        decisions: Vec<NewSlotDecision>,
    ) -> Result<Vec<SlotDecision>, StoreError>;

    /// One slot decision of the tenant.
    async fn get_slot_decision(
        &self,
        tenant: &str,
        decision_id: &str,
    ) -> Result<SlotDecision, StoreError>;
}
