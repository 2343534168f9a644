//! A call's deadline, from the `grpc-timeout` header its client sent.

use std::time::{Duration, Instant};

use http::HeaderMap;

/// Least and most time by which the gate answers DEADLINE_EXCEEDED before the client's
/// deadline, a tenth of the timeout in between, and never more than half the timeout. The
/// answer must reach the client before its own timer fires (which started before the request
/// was even encoded), and beat tonic's timer on this side, which would answer CANCELLED.
const MIN_REPLY_MARGIN: Duration = Duration::from_millis(20);
const MAX_REPLY_MARGIN: Duration = Duration::from_millis(250);

/// When the client stops waiting for the call. Handlers read it from the request's extensions
/// to bound their work, as the planner bounds its solver's time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The client's deadline, as seen from here: arrival plus `grpc-timeout`.
    at: Instant,
    reply_by: Instant,
}

impl Deadline {
    /// The deadline of a call that arrived at `arrived`, if its client set one.
    pub fn from_headers(headers: &HeaderMap, arrived: Instant) -> Option<Self> {
        let value = headers.get("grpc-timeout")?.to_str().ok()?;
        parse_timeout(value).map(|timeout| Self::after(arrived, timeout))
    }

    fn after(arrived: Instant, timeout: Duration) -> Self {
        let margin = (timeout / 10)
            .clamp(MIN_REPLY_MARGIN, MAX_REPLY_MARGIN)
            .min(timeout / 2);
        Self {
            at: arrived + timeout,
            reply_by: arrived + timeout.saturating_sub(margin),
        }
    }

    pub fn at(self) -> Instant {
        self.at
    }

    /// When the gate stops waiting for the call's answer and answers DEADLINE_EXCEEDED: the
    /// time a handler's work must end by.
    pub fn reply_by(self) -> Instant {
        self.reply_by
    }
}

/// A `grpc-timeout` value: at most 8 digits and a unit (H, M, S, m, u or n).
fn parse_timeout(value: &str) -> Option<Duration> {
    let split = value.len().checked_sub(1)?;
    let (digits, unit) = value.split_at_checked(split)?;
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    let timeout = match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    };
    Some(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_in_every_unit() {
        assert_eq!(parse_timeout("300m"), Some(Duration::from_millis(300)));
        assert_eq!(parse_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_timeout("5M"), Some(Duration::from_secs(300)));
        assert_eq!(parse_timeout("250000u"), Some(Duration::from_millis(250)));
        assert_eq!(
            parse_timeout("99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
    }

    #[test]
    fn the_gate_replies_a_tenth_of_the_timeout_early_within_bounds() {
        let now = Instant::now();
        let early = |timeout_ms: u64| {
            let deadline = Deadline::after(now, Duration::from_millis(timeout_ms));
            deadline.at.duration_since(deadline.reply_by()).as_millis()
        };
        assert_eq!(early(300), 30);
        assert_eq!(early(50), 20);
        assert_eq!(early(20), 10);
        assert_eq!(early(60_000), 250);
    }

    #[test]
    fn malformed_timeouts_are_ignored() {
        for value in ["", "m", "300", "300ms", "123456789m", "-1S", "1.5S", "1x"] {
            assert_eq!(parse_timeout(value), None, "{value:?}");
        }
    }
}
