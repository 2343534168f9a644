//! The best open posting slots of an account, learned from what its posts actually did.
//!
//! A scheduler's "add to queue" button asks for the best open slots of an account and expects
//! an answer in milliseconds. Ranking hours by the account's stated audience-activity heatmap
//! believes the heatmap forever; this crate starts from it, learns from the outcome of every
//! post (views, engagements), says how sure it is per hour, and keeps exploring so that a wrong
//! heatmap gets corrected. It is pure computation, with no I/O and no async runtime, so a
//! service can put any store, cache and transport around it:
//!
//! - [`Prior`] ([`PriorConfig`]: decay half-life, kernel length-scale, prior spreads) is built
//!   once; [`Prior::fit`] conditions it on an account's heatmap, zone and [`PostEvidence`] and
//!   returns a [`Posterior`], in well under 2 ms.
//! - [`Posterior::hours`] reports each hour of the week in the heatmap's units: learned value,
//!   95% interval, lift, effective posts, [`EvidenceLevel`] and expected metric;
//!   [`Posterior::values`] is a drop-in heatmap for the planner, [`Posterior::draw`] a joint
//!   Thompson draw of it.
//! - [`best_slots`] ranks the slots of a window ([`BestSlotsQuery`]) by learned value or by a
//!   draw, keeping a gap to each other and to posts already scheduled.
//!
//! The model and the conditioning are described in [`posterior`] and [`conditioning`]; the
//! defaults in [`config`].
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use slotwise_slots::{
//!     BestSlotsQuery, FitInput, PostEvidence, Prior, PriorConfig, SlotMode, best_slots,
//! };
//!
//! let prior = Prior::new(PriorConfig::default())?;
//! let heatmap = vec![1.0; 168];
//! let now = Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap();
//! let evidence = [PostEvidence {
//!     posted_at: now - TimeDelta::days(6) + TimeDelta::hours(12), // Tuesday 19:00 in London
//!     value: 4_800.0,
//!     format_id: None,
//! }];
//! let posterior = prior.fit(&FitInput {
//!     heatmap: &heatmap,
//!     time_zone: chrono_tz::Europe::London,
//!     evidence: &evidence,
//!     now,
//!     format_id: None,
//! })?;
//!
//! let slots = best_slots(&posterior, &BestSlotsQuery {
//!     window_start: now,
//!     window_end: now + TimeDelta::days(7),
//!     slot_minutes: 60,
//!     count: 3,
//!     min_gap_minutes: 180,
//!     existing_posts: vec![],
//!     mode: SlotMode::Exploit,
//! })?;
//! assert_eq!(slots[0].local_time.format("%a %H:%M").to_string(), "Tue 19:00");
//! # Ok::<(), slotwise_slots::SlotsError>(())
//! ```

pub mod conditioning;
pub mod config;
pub mod error;
pub mod evidence;
pub mod posterior;
pub mod prior;
pub mod ranking;
pub mod week;

mod heatmap;
#[cfg(test)]
mod posterior_tests;
#[cfg(test)]
mod ranking_tests;

pub use config::PriorConfig;
pub use error::{Result, SlotsError};
pub use evidence::PostEvidence;
pub use posterior::{EvidenceLevel, FitInput, HourEstimate, Interval, Posterior};
pub use prior::Prior;
pub use ranking::{BestSlotsQuery, RankedSlot, SlotMode, best_slots};
pub use week::{HOURS_PER_WEEK, hour_of_week};
