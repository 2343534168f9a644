//! The drain at shutdown: which API calls are still in flight, and whether new ones are still
//! let in.
//!
//! A call counts itself in before it checks whether the drain started, and the drain flags
//! itself before it waits for the count to reach zero; so a call either sees the flag and is
//! refused, or is counted and waited for. None slips between the two.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use crate::metrics;

/// Shared by the gate (which counts calls) and `serve` (which starts the drain and waits).
#[derive(Debug, Clone)]
pub struct Drain {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    draining: AtomicBool,
    in_flight: watch::Sender<usize>,
}

/// One API call in flight, until dropped.
#[derive(Debug)]
pub struct InFlight {
    drain: Drain,
}

impl Default for Drain {
    fn default() -> Self {
        Self::new()
    }
}

impl Drain {
    pub fn new() -> Self {
        let inner = Inner {
            draining: AtomicBool::new(false),
            in_flight: watch::Sender::new(0),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// From now on, new API calls are refused.
    pub fn start(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::SeqCst)
    }

    pub fn in_flight(&self) -> usize {
        *self.inner.in_flight.borrow()
    }

    /// Counts a new call in, or refuses it (`None`) once the drain started.
    pub fn enter(&self) -> Option<InFlight> {
        self.inner.in_flight.send_modify(|count| *count += 1);
        metrics::calls_in_flight(1);
        let call = InFlight {
            drain: self.clone(),
        };
        (!self.is_draining()).then_some(call)
    }

    /// Resolves once no counted call is in flight.
    pub async fn finished(&self) {
        let mut counts = self.inner.in_flight.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail.
        let _ = counts.wait_for(|count| *count == 0).await;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.drain
            .inner
            .in_flight
            .send_modify(|count| *count = count.saturating_sub(1));
        metrics::calls_in_flight(-1);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn the_drain_waits_for_calls_in_flight_and_refuses_new_ones() {
        let drain = Drain::new();
        let call = drain.enter().unwrap();
        drain.start();
        assert!(drain.enter().is_none());
        assert_eq!(drain.in_flight(), 1);

        let waiting = tokio::spawn({
            let drain = drain.clone();
            async move { drain.finished().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());

        drop(call);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .unwrap()
            .unwrap();
    }
}
