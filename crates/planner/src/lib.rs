//! The slotwise planner: posting-slot allocation for a content calendar as a mixed-integer
//! program.
//!
//! Given a horizon, an audience-activity heatmap and the calendar's rules (pillar quotas,
//! posting frequency, batch production, campaigns, series, themed days, blackouts and pinned
//! posts), [`plan`] returns the schedule with the highest total score that obeys every rule, or
//! the smallest sets of rules that clash. It is a pure library: no I/O, no async runtime.

pub mod error;
pub mod request;
pub mod schedule;

pub use error::PlanError;
pub use request::*;
pub use schedule::*;
