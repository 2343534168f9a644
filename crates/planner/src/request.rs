//! What a caller asks the planner for: the horizon, the audience heatmap and the calendar rules.
//!
//! These types mirror `OptimizeScheduleRequest` of the slotwise.v1 contract field by field, so
//! that a validation error names the same path in both (`pillars[2].min_share`). They are plain
//! data; [`crate::validate`] checks them and [`crate::plan`] solves them.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Hours in a week: the length of a heatmap.
pub const HOURS_PER_WEEK: usize = 168;

/// Longest horizon the planner accepts, in days.
pub const MAX_HORIZON_DAYS: i64 = 92;

/// One planning problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    pub horizon: Horizon,
    /// Audience activity by local hour of week, Monday 00:00 first; [`HOURS_PER_WEEK`] values.
    pub heatmap: Vec<f64>,
    pub pillars: Vec<Pillar>,
    /// Empty means one implicit format with multiplier 1 (see [`IMPLICIT_FORMAT_ID`]).
    pub formats: Vec<Format>,
    pub frequency: Frequency,
    /// Empty means unlimited production.
    pub batches: Vec<Batch>,
    pub campaigns: Vec<Campaign>,
    pub series: Vec<Series>,
    pub themed_days: Vec<ThemedDay>,
    pub blackouts: Vec<Blackout>,
    pub pinned_posts: Vec<PinnedPost>,
    pub solver: SolverOptions,
    /// Return the best schedule that breaks the fewest rules instead of `Infeasible`.
    pub allow_violations: bool,
}

/// Format id given to posts when a request lists no formats.
pub const IMPLICIT_FORMAT_ID: &str = "default";

/// The stretch of time to plan and the grid posts are placed on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Horizon {
    pub start: DateTime<Utc>,
    /// Exclusive.
    pub end: DateTime<Utc>,
    /// IANA name of the audience's zone.
    pub time_zone: String,
    /// 15, 30 or 60; slots start on local multiples of it.
    pub slot_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pillar {
    pub id: String,
    pub name: String,
    /// Relative value of one post of this pillar.
    pub weight: f64,
    /// Share of all posts (pinned included), in [0, 1].
    pub min_share: Option<f64>,
    pub max_share: Option<f64>,
    pub min_posts: Option<u32>,
    pub max_posts: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Format {
    pub id: String,
    pub name: String,
    pub multiplier: f64,
    pub min_share: Option<f64>,
    pub max_share: Option<f64>,
    /// Pillars it may be used for; empty means every pillar.
    pub pillar_ids: Vec<String>,
}

/// How often to post. Weeks are ISO weeks in the audience's zone; a week cut by the horizon has
/// its bounds scaled by the share of its local days inside the horizon, the minimum rounded
/// down and the maximum rounded up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frequency {
    pub min_posts_per_week: Option<u32>,
    pub max_posts_per_week: Option<u32>,
    /// Per local calendar day.
    pub max_posts_per_day: Option<u32>,
    /// Least time between the starts of two posts; 0 means none beyond one post per slot.
    pub min_gap_minutes: u32,
}

/// A production session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub id: String,
    /// Its videos can be posted from this instant on.
    pub ready_at: DateTime<Utc>,
    pub capacity: u32,
    /// Empty means every pillar.
    pub pillar_ids: Vec<String>,
    /// Empty means every format.
    pub format_ids: Vec<String>,
    /// Its videos must be posted before `ready_at` + this many days.
    pub use_within_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub start: DateTime<Utc>,
    /// Exclusive.
    pub end: DateTime<Utc>,
    /// Posts of these pillars count toward it; empty means every pillar.
    pub pillar_ids: Vec<String>,
    pub min_posts: Option<u32>,
    pub max_posts: Option<u32>,
}

/// Episodes of one pillar placed in order, each inside the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub id: String,
    pub name: String,
    pub pillar_id: String,
    pub episodes: u32,
    /// Bounds on the time between the starts of consecutive episodes.
    pub min_gap_hours: Option<f64>,
    pub max_gap_hours: Option<f64>,
}

/// Every local `weekday` in the horizon carries at least one post of `pillar_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemedDay {
    pub weekday: Weekday,
    pub pillar_id: String,
    pub name: String,
}

/// Time with no posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Blackout {
    /// Absolute, start inclusive, end exclusive.
    Interval {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Local wall-clock window on the listed weekdays (empty means every day); an `end` at or
    /// before `start` runs past midnight, and the weekday is the one the window starts on.
    Daily {
        start: NaiveTime,
        end: NaiveTime,
        weekdays: Vec<Weekday>,
    },
}

/// A post already on the calendar, kept and counted in every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PinnedPost {
    pub id: String,
    pub start_time: DateTime<Utc>,
    pub pillar_id: String,
    /// `None` means the implicit format, allowed only when the request lists no formats.
    pub format_id: Option<String>,
    /// The batch that made it, which it uses one video of; `None` means already made.
    pub batch_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    /// Pure-Rust branch and bound (microlp), always available.
    #[default]
    Microlp,
    /// HiGHS, with the `highs` feature.
    Highs,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolverOptions {
    /// Wall-clock budget of the solve, model building included.
    pub time_limit_ms: u64,
    /// Stop once proven within this relative gap; 0 proves optimality.
    pub relative_gap: f64,
    pub backend: Backend,
}

/// Time limit when a request gives none.
pub const DEFAULT_TIME_LIMIT_MS: u64 = 10_000;

impl Default for SolverOptions {
    fn default() -> Self {
        Self {
            time_limit_ms: DEFAULT_TIME_LIMIT_MS,
            relative_gap: 0.0,
            backend: Backend::Microlp,
        }
    }
}
