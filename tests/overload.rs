//! End-to-end: far more concurrent solves than solve workers. The excess is refused at once
//! with RESOURCE_EXHAUSTED, and health checks and GetBestSlots stay about as fast as when the
//! server is idle, because solves never run on (or wait for) the async workers.
//!
//! One test in its own binary: latencies measured next to other tests' solves would measure
//! those instead.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use slotwise_proto::v1::{
    GetBestSlotsRequest, OptimizeScheduleRequest, SolveStatus,
    audience_service_client::AudienceServiceClient, planner_service_client::PlannerServiceClient,
};
use support::{
    ServerProcess, activity_request, best_slots_request, metric_value, scrape_metrics, slow_request,
};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Solve workers of the server under test: the cores of CI's machine.
const WORKERS: usize = 2;

/// Solves sent at once on top of the ones that keep every worker busy.
const EXCESS: usize = 12;

/// Calls timed per kind and phase.
const SAMPLES: usize = 300;

/// An idle p99 below this counts as this much: a tenfold of a sub-millisecond p99 would
/// measure the scheduler's noise rather than the server.
const IDLE_FLOOR_MS: f64 = 2.0;

type Planner = PlannerServiceClient<Channel>;

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Latency {
    p50: f64,
    p99: f64,
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p50 {:.2} ms, p99 {:.2} ms", self.p50, self.p99)
    }
}

fn latency(mut samples: Vec<Duration>) -> Latency {
    samples.sort();
    let at = |share: f64| {
        let index = ((samples.len() as f64 * share).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[index].as_secs_f64() * 1e3
    };
    Latency {
        p50: at(0.50),
        p99: at(0.99),
    }
}

async fn time_health(channel: &Channel) -> Latency {
    let mut health = HealthClient::new(channel.clone());
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        health.check(HealthCheckRequest::default()).await.unwrap();
        samples.push(started.elapsed());
    }
    latency(samples)
}

async fn time_best_slots(planner: &mut Planner, request: &GetBestSlotsRequest) -> Latency {
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        planner.get_best_slots(request.clone()).await.unwrap();
        samples.push(started.elapsed());
    }
    latency(samples)
}

/// Solves `request` over and over until `stop` says so.
async fn keep_busy(
    mut planner: Planner,
    request: OptimizeScheduleRequest,
    stop: Arc<AtomicBool>,
) -> usize {
    let mut solved = 0;
    while !stop.load(Ordering::SeqCst) {
        let response = planner.optimize_schedule(request.clone()).await.unwrap();
        assert!(matches!(
            response.into_inner().status(),
            SolveStatus::Optimal | SolveStatus::Feasible
        ));
        solved += 1;
    }
    solved
}

async fn busy_workers(server: &ServerProcess) -> f64 {
    let address = server.metrics_address.unwrap();
    let metrics = tokio::task::spawn_blocking(move || scrape_metrics(address))
        .await
        .unwrap();
    metric_value(&metrics, "slotwise_solve_workers_busy").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn excess_solves_are_refused_at_once_and_other_calls_stay_fast() {
    let server = ServerProcess::builder()
        .args(["--limits-solve-workers", &WORKERS.to_string()])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .env("SLOTWISE_LOG", "warn,slotwise_server::serve=info")
        .start();
    let channel = Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut planner = PlannerServiceClient::new(channel.clone());
    AudienceServiceClient::new(channel.clone())
        .put_audience_activity(activity_request("studio"))
        .await
        .unwrap();

    // One window, so that the answer comes from the cache after the first call, as a
    // scheduler's repeated "add to queue" does.
    let slots_request = best_slots_request("studio");
    let idle_health = time_health(&channel).await;
    let idle_slots = time_best_slots(&mut planner, &slots_request).await;

    // Keep every worker busy, each keeper on its own connection.
    let request = slow_request(5_000);
    let stop = Arc::new(AtomicBool::new(false));
    let mut keepers = Vec::new();
    for _ in 0..WORKERS {
        let keeper = PlannerServiceClient::connect(server.endpoint())
            .await
            .unwrap();
        keepers.push(tokio::spawn(keep_busy(
            keeper,
            request.clone(),
            stop.clone(),
        )));
    }
    while busy_workers(&server).await < WORKERS as f64 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let mut excess = Vec::new();
    for _ in 0..EXCESS {
        let mut planner = planner.clone();
        let request = request.clone();
        excess.push(tokio::spawn(async move {
            let started = Instant::now();
            let answer = planner.optimize_schedule(request).await;
            (answer.map(|_| ()), started.elapsed())
        }));
    }
    let mut refusals = Vec::new();
    for call in excess {
        let (answer, elapsed) = call.await.unwrap();
        let status = answer.unwrap_err();
        assert_eq!(
            status.code(),
            Code::ResourceExhausted,
            "{}",
            status.message()
        );
        assert_eq!(
            status.message(),
            format!("all {WORKERS} solve workers are busy; retry later")
        );
        refusals.push(elapsed);
    }
    let refusal = latency(refusals);

    let loaded_health = time_health(&channel).await;
    let loaded_slots = time_best_slots(&mut planner, &slots_request).await;
    let still_busy = busy_workers(&server).await;
    stop.store(true, Ordering::SeqCst);
    eprintln!(
        "health idle {idle_health} loaded {loaded_health}; GetBestSlots idle {idle_slots} \
         loaded {loaded_slots}; refusals {refusal}; busy workers {still_busy}"
    );

    let mut solved = 0;
    for keeper in keepers {
        solved += keeper.await.unwrap();
    }
    eprintln!("solves completed by the keepers: {solved}");
    assert_eq!(
        still_busy, WORKERS as f64,
        "the keepers stopped before the measurements did"
    );
    assert!(refusal.p99 < 50.0, "refusals took {refusal}");
    for (what, idle, loaded) in [
        ("health", idle_health, loaded_health),
        ("GetBestSlots", idle_slots, loaded_slots),
    ] {
        assert!(
            loaded.p99 < 50.0 && loaded.p99 < 10.0 * idle.p99.max(IDLE_FLOOR_MS),
            "{what}: idle {idle}, loaded {loaded}"
        );
    }
}
