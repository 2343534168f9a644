//! Content calendars as files people open: an iCalendar file for Google Calendar or Apple
//! Calendar ([`to_ics`]), a CSV for spreadsheets ([`to_csv`]), and pictures of the plan
//! ([`picture`]): the audience heatmap with the posts on it, a month view, and the learned
//! heatmap beside the stated one.
//!
//! The people behind a small business's account would rather look at their week than read a
//! table of timestamps; this crate turns a solved schedule into those files. It is pure: it
//! takes its own plain input, a [`Calendar`], and returns strings and bytes. It reads and writes
//! no files and needs no async runtime, no fonts installed on the machine and no system
//! libraries, so the command line and the gRPC service produce the same files. Each converts
//! its own schedule type (the planner's `Schedule`, the wire `OptimizeScheduleResponse`) into a
//! [`Calendar`].

mod calendar;
mod error;
mod ics;
pub mod picture;
mod spreadsheet;
mod uid;

pub use calendar::{Calendar, CalendarPost, Label, Names, Score, SeriesEpisode};
pub use error::ExportError;
pub use ics::{DEFAULT_EVENT_MINUTES, IcsOptions, to_ics};
pub use spreadsheet::{CSV_HEADER, to_csv};
pub use uid::event_uids;
