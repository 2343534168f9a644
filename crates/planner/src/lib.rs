//! The slotwise planner: posting-slot allocation for a content calendar as a mixed-integer
//! program.
//!
//! Given a horizon, an audience-activity heatmap and the calendar's rules (pillar quotas,
//! posting frequency, batch production, campaigns, series, themed days, blackouts and pinned
//! posts), [`plan`] returns the schedule with the highest total score that obeys every rule, or
//! the smallest sets of rules that clash. It is a pure library: no I/O, no async runtime.

pub mod check;
pub mod conflicts;
pub mod error;
pub mod explore;
pub mod request;
pub mod scenarios;
pub mod schedule;
pub mod validate;

mod backend;
mod candidates;
mod extract;
mod grid;
mod instance;
mod model;
mod rules;
mod series;
mod solve;
#[cfg(test)]
mod solve_tests;
#[cfg(test)]
mod timing;

pub use error::PlanError;
pub use explore::{ExploringSchedule, plan_exploring};
pub use request::*;
pub use schedule::*;
pub use solve::{is_feasible, plan};
