//! Prometheus metrics of the service, served as text on `GET /metrics` of their own port.
//!
//! The metrics are process-wide: [`install`] registers them once (as `serve` does at start)
//! and the recording functions below are no-ops until then, so the handlers can record from
//! anywhere, and in-process users of the handlers (benches, tests) pay nothing.
//!
//! Labels are bounded sets: a method is one of the served gRPC methods (anything else is
//! `unknown`), a code one of the 17 gRPC codes, a cache one of three names. No label carries a
//! tenant, account or experiment id.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use tokio::net::TcpListener;

/// Upper bounds of the call latency buckets, in seconds: 0.5 ms to 60 s.
const CALL_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// Upper bounds of the solve time buckets, in seconds: 10 ms to 10 minutes.
const SOLVE_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// Every metric the service records.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    calls: IntCounterVec,
    call_seconds: HistogramVec,
    calls_in_flight: IntGauge,
    solves: IntCounterVec,
    solve_seconds: HistogramVec,
    solve_workers: IntGauge,
    solve_workers_busy: IntGauge,
    solves_rejected: IntCounter,
    cache_lookups: IntCounterVec,
    bandit_decisions: IntCounterVec,
    bandit_outcomes: IntCounterVec,
    slot_decisions: IntCounter,
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// Registers the metrics, once per process; later calls return the same metrics.
pub fn install() -> Result<&'static Metrics, prometheus::Error> {
    if let Some(metrics) = METRICS.get() {
        return Ok(metrics);
    }
    let metrics = Metrics::new()?;
    Ok(METRICS.get_or_init(|| metrics))
}

impl Metrics {
    fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("slotwise".to_owned()), None)?;
        let metrics = Self {
            calls: counter_vec(
                "grpc_calls_total",
                "gRPC calls finished, by method and status code",
                &["method", "code"],
            )?,
            call_seconds: histogram_vec(
                "grpc_call_duration_seconds",
                "Time from a call's arrival to the end of its answer, by method and status code",
                &["method", "code"],
                CALL_BUCKETS,
            )?,
            calls_in_flight: IntGauge::new(
                "grpc_calls_in_flight",
                "slotwise.v1 calls started and not finished",
            )?,
            solves: counter_vec(
                "solves_total",
                "Schedule solves finished, by outcome (a solve status or an error code)",
                &["outcome"],
            )?,
            solve_seconds: histogram_vec(
                "solve_duration_seconds",
                "Wall-clock time of a schedule solve on its worker, by outcome",
                &["outcome"],
                SOLVE_BUCKETS,
            )?,
            solve_workers: IntGauge::new("solve_workers", "Solve workers of the pool")?,
            solve_workers_busy: IntGauge::new(
                "solve_workers_busy",
                "Solve workers running a solve",
            )?,
            solves_rejected: IntCounter::new(
                "solves_rejected_total",
                "OptimizeSchedule calls refused because every solve worker was busy",
            )?,
            cache_lookups: counter_vec(
                "learning_cache_lookups_total",
                "Lookups of the learned-slots caches (state, posterior, answer), hit or miss",
                &["cache", "result"],
            )?,
            bandit_decisions: counter_vec(
                "bandit_decisions_total",
                "Arms chosen by experiments, by experiment kind",
                &["kind"],
            )?,
            bandit_outcomes: counter_vec(
                "bandit_outcomes_total",
                "Outcomes stored for experiment decisions, by how they were recorded",
                &["result"],
            )?,
            slot_decisions: IntCounter::new(
                "slot_decisions_total",
                "Exploratory posts placed by a posterior draw in a plan by account",
            )?,
            registry,
        };
        metrics.register()?;
        Ok(metrics)
    }

    fn register(&self) -> Result<(), prometheus::Error> {
        let registry = &self.registry;
        registry.register(Box::new(self.calls.clone()))?;
        registry.register(Box::new(self.call_seconds.clone()))?;
        registry.register(Box::new(self.calls_in_flight.clone()))?;
        registry.register(Box::new(self.solves.clone()))?;
        registry.register(Box::new(self.solve_seconds.clone()))?;
        registry.register(Box::new(self.solve_workers.clone()))?;
        registry.register(Box::new(self.solve_workers_busy.clone()))?;
        registry.register(Box::new(self.solves_rejected.clone()))?;
        registry.register(Box::new(self.cache_lookups.clone()))?;
        registry.register(Box::new(self.bandit_decisions.clone()))?;
        registry.register(Box::new(self.bandit_outcomes.clone()))?;
        registry.register(Box::new(self.slot_decisions.clone()))?;
        Ok(())
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        TextEncoder::new().encode_to_string(&self.registry.gather())
    }
}

fn counter_vec(name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntCounterVec> {
    IntCounterVec::new(Opts::new(name, help), labels)
}

fn histogram_vec(
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: &[f64],
) -> prometheus::Result<HistogramVec> {
    HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        labels,
    )
}

fn with(record: impl FnOnce(&Metrics)) {
    if let Some(metrics) = METRICS.get() {
        record(metrics);
    }
}

/// A finished call.
pub fn call_finished(method: &str, code: &str, elapsed: Duration) {
    with(|m| {
        m.calls.with_label_values(&[method, code]).inc();
        m.call_seconds
            .with_label_values(&[method, code])
            .observe(elapsed.as_secs_f64());
    });
}

/// A slotwise.v1 call started (`+1`) or finished (`-1`).
pub fn calls_in_flight(delta: i64) {
    with(|m| m.calls_in_flight.add(delta));
}

/// A finished solve: `outcome` is its status (`optimal`, `feasible`, `infeasible`) or the
/// error code it ended with.
pub fn solve_finished(outcome: &str, elapsed: Duration) {
    with(|m| {
        m.solves.with_label_values(&[outcome]).inc();
        m.solve_seconds
            .with_label_values(&[outcome])
            .observe(elapsed.as_secs_f64());
    });
}

pub fn solve_workers(workers: usize) {
    with(|m| m.solve_workers.set(workers as i64));
}

pub fn solve_worker_taken() {
    with(|m| m.solve_workers_busy.inc());
}

pub fn solve_worker_released() {
    with(|m| m.solve_workers_busy.dec());
}

pub fn solve_rejected() {
    with(|m| m.solves_rejected.inc());
}

/// A lookup of one of the learning caches: `state`, `posterior` or `answer`.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    with(|m| m.cache_lookups.with_label_values(&[cache, result]).inc());
}

/// A new decision of an experiment of `kind`.
pub fn bandit_decision(kind: &str) {
    with(|m| m.bandit_decisions.with_label_values(&[kind]).inc());
}

/// An outcome call's result: `recorded`, `already_recorded`, `defaulted` (closed with the
/// default reward at the end of its window) or `refused`.
pub fn bandit_outcome(result: &'static str) {
    with(|m| m.bandit_outcomes.with_label_values(&[result]).inc());
}

pub fn slot_decisions(count: usize) {
    with(|m| m.slot_decisions.inc_by(count as u64));
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve_metrics(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().route("/metrics", axum::routing::get(scrape));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn scrape() -> axum::response::Response {
    let text = METRICS.get().map(Metrics::render);
    match text {
        Some(Ok(text)) => {
            let content_type = [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")];
            (content_type, text).into_response()
        }
        Some(Err(error)) => {
            let status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            (status, format!("cannot render the metrics: {error}")).into_response()
        }
        None => (axum::http::StatusCode::NOT_FOUND, "metrics are off").into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn recorded_values_render_with_their_labels() {
        let metrics = install().unwrap();
        call_finished(
            "slotwise.v1.PlannerService/GetBestSlots",
            "OK",
            Duration::from_millis(2),
        );
        cache_lookup("answer", true);

        let text = metrics.render().unwrap();
        let method = "method=\"slotwise.v1.PlannerService/GetBestSlots\"";
        let calls = format!("slotwise_grpc_calls_total{{code=\"OK\",{method}}}");
        assert!(text.contains(&calls), "{text}");
        assert!(
            text.contains("slotwise_learning_cache_lookups_total{cache=\"answer\",result=\"hit\"}"),
            "{text}"
        );
    }
}
