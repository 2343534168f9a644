//! End-to-end: a client's deadline bounds the solver. The answer (DEADLINE_EXCEEDED, or a
//! FEASIBLE plan) comes by the deadline and the worker is free right after; a deadline too
//! short to solve in is refused at once.
//!
//! One test in its own binary: the server must answer before the client's own timer fires, a
//! race that other tests' solves on the same two cores would skew.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use slotwise_proto::v1::{SolveStatus, planner_service_client::PlannerServiceClient};
use support::{ServerProcess, example, metric_value, scrape_metrics, slow_request};
use tonic::{Code, transport::Channel};

type Planner = PlannerServiceClient<Channel>;

async fn busy_workers(server: &ServerProcess) -> f64 {
    let address = server.metrics_address.unwrap();
    let metrics = tokio::task::spawn_blocking(move || scrape_metrics(address))
        .await
        .unwrap();
    metric_value(&metrics, "slotwise_solve_workers_busy").unwrap()
}

/// The slow calendar with no time limit of its own (so 10 s) under a client `deadline`: its
/// answer or status, and how long the call took.
async fn solve_within(
    planner: &mut Planner,
    deadline: Duration,
) -> (Result<SolveStatus, tonic::Status>, Duration) {
    let mut request = tonic::Request::new(slow_request(0));
    request.set_timeout(deadline);
    let started = Instant::now();
    let answer = planner.optimize_schedule(request).await;
    let elapsed = started.elapsed();
    (
        answer.map(|response| response.into_inner().status()),
        elapsed,
    )
}

/// Waits until no solve runs, for at most `within`, and says how long that took.
async fn worker_freed(server: &ServerProcess, within: Duration) -> Duration {
    let started = Instant::now();
    while busy_workers(server).await > 0.0 {
        assert!(started.elapsed() < within, "the worker is still busy");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_bounds_the_solve_and_frees_its_worker() {
    let server = ServerProcess::builder()
        .args(["--limits-solve-workers", "1"])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .start();
    let channel = Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut planner = PlannerServiceClient::new(channel);

    let (answer, elapsed) = solve_within(&mut planner, Duration::from_millis(300)).await;
    eprintln!("a solve with a 300 ms deadline answered {answer:?} in {elapsed:?}");
    match &answer {
        Ok(status) => assert_eq!(*status, SolveStatus::Feasible),
        Err(status) => assert_eq!(
            status.code(),
            Code::DeadlineExceeded,
            "{}",
            status.message()
        ),
    }
    assert!(elapsed < Duration::from_millis(350), "{elapsed:?}");

    // The one worker is free again soon: the planner stops at its time limit, give or take
    // one LP solve. A quick plan is then not refused as busy.
    let freed = worker_freed(&server, Duration::from_secs(1)).await;
    eprintln!("the worker was free {freed:?} after the answer");
    let response = planner.optimize_schedule(example("bakery")).await.unwrap();
    assert_eq!(response.into_inner().status(), SolveStatus::Optimal);

    let (answer, elapsed) = solve_within(&mut planner, Duration::from_millis(20)).await;
    let status = answer.unwrap_err();
    assert_eq!(
        status.code(),
        Code::DeadlineExceeded,
        "{}",
        status.message()
    );
    assert!(
        status.message().contains("too little to solve"),
        "{}",
        status.message()
    );
    assert!(elapsed < Duration::from_millis(20), "{elapsed:?}");
    assert_eq!(busy_workers(&server).await, 0.0);
}
