//! One call from its arrival to the end of its answer: its span, its status code once the
//! answer carries one, and the log line and metrics written when it ends.
//!
//! A gRPC answer carries its status in the response headers (an error answered at once, a
//! "trailers-only" response) or in the trailers after the messages. The call notes whichever
//! comes first, and finishes when the trailers are sent or when the answer is dropped unsent
//! (the client hung up: CANCELLED).

use std::time::Instant;

use http::HeaderMap;
use percent_encoding::percent_decode;
use tonic::Code;
use tracing::{Level, Span, debug, error, field, info, warn};

use crate::auth::Tenant;
use crate::error::code_name;
use crate::gate::drain::InFlight;
use crate::gate::methods::Method;
use crate::metrics;

/// A call the gate let through or answered itself.
#[derive(Debug)]
pub struct Call {
    method: Method,
    started: Instant,
    span: Span,
    tenant: Option<Tenant>,
    status: Option<(Code, String)>,
    in_flight: Option<InFlight>,
    finished: bool,
}

impl Call {
    pub fn start(method: Method, started: Instant) -> Self {
        let span = tracing::info_span!(
            "call",
            method = &*method.label,
            tenant = field::Empty,
            code = field::Empty,
            latency_ms = field::Empty,
        );
        Self {
            method,
            started,
            span,
            tenant: None,
            status: None,
            in_flight: None,
            finished: false,
        }
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    pub fn started(&self) -> Instant {
        self.started
    }

    pub fn span(&self) -> &Span {
        &self.span
    }

    pub fn set_tenant(&mut self, tenant: Tenant) {
        self.span.record("tenant", tenant.as_str());
        self.tenant = Some(tenant);
    }

    pub fn hold_in_flight(&mut self, in_flight: InFlight) {
        self.in_flight = Some(in_flight);
    }

    /// Notes the status of `headers` (response headers or trailers), if they carry one and no
    /// status was noted before.
    pub fn note(&mut self, headers: &HeaderMap) {
        if self.status.is_some() {
            return;
        }
        let Some(code) = headers.get("grpc-status") else {
            return;
        };
        let message = headers
            .get("grpc-message")
            .map(|value| {
                percent_decode(value.as_bytes())
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .unwrap_or_default();
        self.status = Some((Code::from_bytes(code.as_bytes()), message));
    }

    pub fn has_status(&self) -> bool {
        self.status.is_some()
    }

    /// Logs and counts the call, once: with its noted status, or `fallback` without one.
    pub fn finish(&mut self, fallback: Code) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.in_flight = None;

        let elapsed = self.started.elapsed();
        let (code, message) = self.status.take().unwrap_or((fallback, String::new()));
        let code = code_name(code);
        let latency_ms = elapsed.as_secs_f64() * 1e3;
        self.span.record("code", code);
        self.span.record("latency_ms", latency_ms);

        metrics::call_finished(&self.method.label, code, elapsed);
        let tenant = self.tenant.as_ref().map_or("-", Tenant::as_str);
        log_call(
            self.level(code),
            &self.method.label,
            tenant,
            code,
            &message,
            latency_ms,
        );
    }

    /// Faults of the server loudly, refusals of a bad call quietly, answered calls only when
    /// asked for: at thousands of calls a second, a line per answered call would cost more than
    /// the calls (the metrics count them).
    fn level(&self, code: &str) -> Level {
        match code {
            "INTERNAL" | "DATA_LOSS" | "UNKNOWN" => Level::ERROR,
            "UNAVAILABLE" | "RESOURCE_EXHAUSTED" => Level::WARN,
            "OK" => Level::DEBUG,
            _ => Level::INFO,
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish(Code::Cancelled);
    }
}

/// The call's one line. It names its fields itself and belongs to no span, so it reads the
/// same whether the call ends inside its span (an answer of the gate) or as the body is sent.
fn log_call(level: Level, method: &str, tenant: &str, code: &str, detail: &str, latency_ms: f64) {
    macro_rules! call_event {
        ($event:ident) => {
            $event!(parent: None, method, tenant, code, latency_ms, detail, "call finished")
        };
    }
    match level {
        Level::ERROR => call_event!(error),
        Level::WARN => call_event!(warn),
        Level::INFO => call_event!(info),
        _ => call_event!(debug),
    }
}
