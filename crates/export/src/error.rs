//! The one error type of the crate.

use thiserror::Error;

/// Everything an export can fail with. The first variants are faults of the input and name the
/// field; the last ones are faults of the machinery (a writer or the rasteriser).
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("calendar_id must not be empty: it seeds the uid of every calendar event")]
    EmptyCalendarId,
    #[error("the event duration must be from 1 to 1440 minutes, got {minutes}")]
    EventDuration { minutes: i64 },
    /// Two posts map to one event uid, so a calendar would keep only one of them.
    #[error("two posts would share the calendar event uid {uid}")]
    DuplicateUid { uid: String },
    #[error("{field} must have 168 values, one per local hour of the week, got {got}")]
    HourCount { field: &'static str, got: usize },
    #[error("{field}[{hour}] must be a finite number, got {value}")]
    NotFinite {
        field: &'static str,
        hour: usize,
        value: f64,
    },
    #[error("{field}[{hour}] must not be negative, got {value}")]
    Negative {
        field: &'static str,
        hour: usize,
        value: f64,
    },
    #[error("low[{hour}] ({low}) must not exceed high[{hour}] ({high})")]
    InvertedInterval { hour: usize, low: f64, high: f64 },
    #[error("evidence must be empty or have 168 labels, got {got}")]
    EvidenceCount { got: usize },
    /// A month view of posts this far apart would be a picture of years (the planner's
    /// horizons are at most 92 days).
    #[error("the posts span {months} months, more than the {max} a month view draws")]
    SpanTooLong { months: usize, max: usize },
    #[error("cannot write the csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot read the picture back as svg: {0}")]
    Svg(#[from] resvg::usvg::Error),
    #[error("cannot rasterise a picture of {width}x{height} pixels")]
    PixmapSize { width: u32, height: u32 },
    #[error("cannot encode the png: {0}")]
    Png(#[from] png::EncodingError),
}
