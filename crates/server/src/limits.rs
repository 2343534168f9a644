//! The service's caps on what one call may ask for, on top of the libraries' own validation.
//!
//! The planner already refuses horizons past 92 days; these caps are the operator's, set from
//! the `[limits]` section of the configuration, and a request over one is refused with
//! INVALID_ARGUMENT naming both the request's value and the key that capped it, so the caller
//! knows what to shrink and the operator what to raise.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{FieldError, ServiceError};

/// Least time kept back from a client's deadline when the solver's time limit is set from it:
/// the answer still has to be encoded and sent.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(25);

/// Most time kept back from a client's deadline.
const MAX_DEADLINE_MARGIN: Duration = Duration::from_millis(250);

/// What one call may ask for. Every field is a key of the `[limits]` configuration section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest encoded request message, in bytes.
    pub max_request_bytes: usize,
    /// Longest planning horizon (and best-slots window), in days.
    pub max_horizon_days: u32,
    /// Most slots a planning horizon (or best-slots window, or exported schedule) may hold.
    pub max_slots: u32,
    /// Most arms of one experiment.
    pub max_arms: u32,
    /// Most outcomes of one ReportOutcomes call.
    pub max_outcomes_per_batch: u32,
    /// Upper bound of a solve's time limit, whatever the request asks.
    pub max_solve_ms: u64,
    /// Time limit of a solve whose request gives none.
    pub default_solve_ms: u64,
    /// Solves run at once; 0 is one per core.
    pub solve_workers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_bytes: 4 * 1024 * 1024,
            max_horizon_days: 92,
            max_slots: 9000,
            max_arms: 100,
            max_outcomes_per_batch: 10_000,
            max_solve_ms: 30_000,
            default_solve_ms: 10_000,
            solve_workers: 0,
        }
    }
}

impl Limits {
    /// Refuses a horizon (or window) longer than `max_horizon_days` or of more than `max_slots`
    /// slots. An inverted or empty span, or a bad slot length, is left for the library to name.
    pub fn check_span(
        &self,
        field: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        slot_minutes: u32,
    ) -> Result<(), FieldError> {
        let span = end - start;
        if span <= TimeDelta::zero() {
            return Ok(());
        }

        let max_days = self.max_horizon_days;
        if span > TimeDelta::days(i64::from(max_days)) {
            let days = days(span);
            let message = format!("is {days} days, more than limits.max_horizon_days = {max_days}");
            return Err(FieldError::new(field, message));
        }

        if slot_minutes > 0 {
            let slots = span.num_minutes() / i64::from(slot_minutes);
            let max_slots = self.max_slots;
            if slots > i64::from(max_slots) {
                let message =
                    format!("has {slots} slots, more than limits.max_slots = {max_slots}");
                return Err(FieldError::new(field, message));
            }
        }
        Ok(())
    }

    /// Refuses more than `max` entries in a repeated field capped by the key `key`.
    pub fn check_count(field: &str, count: usize, key: &str, max: u32) -> Result<(), FieldError> {
        if count > max as usize {
            let message = format!("has {count} entries, more than limits.{key} = {max}");
            return Err(FieldError::new(field, message));
        }
        Ok(())
    }

    /// The solver's time limit: the request's (or `default_solve_ms` when it says 0), cut to
    /// `max_solve_ms` and to what is left until `deadline` (when the gate answers for the
    /// client's deadline) less a margin.
    ///
    /// The margin is a fifth of what is left, between [`DEADLINE_MARGIN`] and 250 ms: besides
    /// sending the answer, the planner looks at its clock only between LP solves, so it can
    /// overrun its limit by one (a hundred milliseconds or so on a 91-day calendar of
    /// 15-minute slots). What still overruns the deadline is answered DEADLINE_EXCEEDED by the
    /// gate, and the worker is free once the solve returns.
    pub fn solve_time_limit(
        &self,
        requested_ms: u64,
        deadline: Option<Instant>,
        now: Instant,
    ) -> Result<Duration, ServiceError> {
        let requested = match requested_ms {
            0 => self.default_solve_ms,
            ms => ms,
        };
        let limit = Duration::from_millis(requested.min(self.max_solve_ms));
        let Some(deadline) = deadline else {
            return Ok(limit);
        };

        let left = deadline.saturating_duration_since(now);
        let margin = (left / 5).clamp(DEADLINE_MARGIN, MAX_DEADLINE_MARGIN);
        match left.checked_sub(margin) {
            Some(usable) if usable >= Duration::from_millis(1) => Ok(limit.min(usable)),
            _ => Err(ServiceError::DeadlineTooShort {
                left_ms: left.as_millis() as u64,
            }),
        }
    }
}

/// Whole days as "120", others as "91.5".
fn days(span: TimeDelta) -> String {
    let days = span.num_seconds() as f64 / 86_400.0;
    if days.fract() == 0.0 {
        format!("{days:.0}")
    } else {
        format!("{days:.2}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + day * 86_400, 0).unwrap()
    }

    #[test]
    fn a_long_horizon_names_the_cap() {
        let error = Limits::default()
            .check_span("horizon", at(0), at(120), 60)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "horizon is 120 days, more than limits.max_horizon_days = 92"
        );
    }

    #[test]
    fn too_many_slots_name_the_cap() {
        let limits = Limits {
            max_slots: 1000,
            ..Limits::default()
        };
        let error = limits.check_span("horizon", at(0), at(28), 15).unwrap_err();
        assert_eq!(
            error.to_string(),
            "horizon has 2688 slots, more than limits.max_slots = 1000"
        );
        assert!(limits.check_span("horizon", at(0), at(28), 60).is_ok());
    }

    #[test]
    fn a_count_over_its_cap_names_the_key() {
        let error = Limits::check_count("arms", 101, "max_arms", 100).unwrap_err();
        assert_eq!(
            error.to_string(),
            "arms has 101 entries, more than limits.max_arms = 100"
        );
        assert!(Limits::check_count("arms", 100, "max_arms", 100).is_ok());
    }

    #[test]
    fn the_time_limit_is_the_least_of_request_cap_and_deadline() {
        let limits = Limits::default();
        let now = Instant::now();
        let ms = |limit: Duration| limit.as_millis() as u64;

        assert_eq!(ms(limits.solve_time_limit(0, None, now).unwrap()), 10_000);
        assert_eq!(ms(limits.solve_time_limit(500, None, now).unwrap()), 500);
        assert_eq!(
            ms(limits.solve_time_limit(90_000, None, now).unwrap()),
            30_000
        );

        let deadline = |ms: u64| Some(now + Duration::from_millis(ms));
        assert_eq!(
            ms(limits.solve_time_limit(0, deadline(300), now).unwrap()),
            240
        );
        assert_eq!(
            ms(limits.solve_time_limit(0, deadline(100), now).unwrap()),
            75
        );
        assert_eq!(
            ms(limits.solve_time_limit(0, deadline(5000), now).unwrap()),
            4750
        );
        assert_eq!(
            ms(limits.solve_time_limit(800, deadline(5000), now).unwrap()),
            800
        );

        let spent = now + Duration::from_millis(10);
        assert!(matches!(
            limits.solve_time_limit(0, Some(spent), now),
            Err(ServiceError::DeadlineTooShort { .. })
        ));
    }
}
