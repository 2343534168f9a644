//! What the planner answers: the schedule, how good it is proven to be, and why it failed.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::request::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SolveStatus {
    /// Proven best.
    Optimal,
    /// Valid, stopped by the time limit or the relative gap before a proof.
    Feasible,
    /// No schedule obeys every rule; see [`Schedule::conflicts`].
    Infeasible,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub status: SolveStatus,
    /// Sum of the scores of all posts, pinned ones included.
    pub objective: f64,
    /// No schedule can score above this.
    pub best_bound: f64,
    /// `(best_bound - objective) / best_bound`, 0 when both are 0.
    pub gap: f64,
    pub stats: SolveStats,
    /// In time order.
    pub posts: Vec<PlannedPost>,
    /// When infeasible: the smallest sets of rules that clash.
    pub conflicts: Vec<Conflict>,
    /// With `allow_violations`: the rules this schedule breaks.
    pub violations: Vec<Violation>,
}

impl Schedule {
    /// No schedule obeys every rule: no posts, and `conflicts` left for the explainer to fill.
    pub fn infeasible(stats: SolveStats) -> Self {
        Self {
            status: SolveStatus::Infeasible,
            objective: 0.0,
            best_bound: 0.0,
            gap: 0.0,
            stats,
            posts: vec![],
            conflicts: vec![],
            violations: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolveStats {
    pub variables: usize,
    pub constraints: usize,
    pub solve_ms: f64,
    pub backend: Backend,
    /// Slots of the horizon's grid.
    pub slots: usize,
    /// Slots left after removing those no best schedule can use.
    pub candidate_slots: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedPost {
    pub start_time: DateTime<Utc>,
    /// Civil time in the audience's zone, with its offset.
    pub local_time: DateTime<FixedOffset>,
    pub pillar_id: String,
    pub format_id: String,
    pub batch_id: Option<String>,
    pub series_episode: Option<SeriesEpisode>,
    /// The id of the pinned post this is, when pinned.
    pub pinned_id: Option<String>,
    pub score: Score,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesEpisode {
    pub series_id: String,
    /// 1-based.
    pub episode: u32,
    pub episodes: u32,
}

/// A post's score: heatmap value at its local hour x pillar weight x format multiplier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub total: f64,
    pub heatmap_value: f64,
    pub pillar_weight: f64,
    pub format_multiplier: f64,
}

impl Score {
    pub fn new(heatmap_value: f64, pillar_weight: f64, format_multiplier: f64) -> Self {
        Self {
            total: heatmap_value * pillar_weight * format_multiplier,
            heatmap_value,
            pillar_weight,
            format_multiplier,
        }
    }
}

/// Rules that cannot all hold, in plain words with amounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub message: String,
    /// Paths of the rules involved, such as `pillars[0].min_posts`.
    pub rules: Vec<String>,
}

/// A rule a schedule breaks, when violations were allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub rule: String,
    pub message: String,
    /// How far the schedule falls short, in the rule's unit (posts, hours).
    pub shortfall: f64,
}
