//! End-to-end: SIGTERM while a long solve is in flight. Health turns NOT_SERVING, new calls
//! are refused with UNAVAILABLE (on the open connection and on a new one alike, not with a
//! reset connection), the solve still finishes and its answer arrives, and the process exits 0.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use slotwise_proto::v1::{
    ListExperimentsRequest, SolveStatus, experiment_service_client::ExperimentServiceClient,
    planner_service_client::PlannerServiceClient,
};
use support::{ServerProcess, metric_value, scrape_metrics, slow_request};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

async fn connect(server: &ServerProcess) -> Channel {
    Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// Waits until a solve is running on the server.
async fn solve_started(server: &ServerProcess) {
    let address = server.metrics_address.unwrap();
    for _ in 0..400 {
        let metrics = tokio::task::spawn_blocking(move || scrape_metrics(address))
            .await
            .unwrap();
        if metric_value(&metrics, "slotwise_solve_workers_busy") == Some(1.0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the solve did not start within 2 s");
}

async fn overall_health(health: &mut HealthClient<Channel>) -> ServingStatus {
    health
        .check(HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner()
        .status()
}

#[tokio::test]
async fn sigterm_drains_a_solve_in_flight_and_refuses_new_calls() {
    let server = ServerProcess::builder()
        .args(["--metrics-listen", "127.0.0.1:0"])
        .env("SLOTWISE_DRAIN_TIMEOUT_SECS", "30")
        .start();
    let channel = connect(&server).await;
    let mut health = HealthClient::new(channel.clone());
    let mut experiments = ExperimentServiceClient::new(channel.clone());

    let mut planner = PlannerServiceClient::new(channel.clone());
    let in_flight =
        tokio::spawn(async move { planner.optimize_schedule(slow_request(3_000)).await });
    solve_started(&server).await;
    let signalled = Instant::now();
    server.send_sigterm();

    while overall_health(&mut health).await != ServingStatus::NotServing {
        assert!(
            signalled.elapsed() < Duration::from_secs(2),
            "health still SERVING"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let service_health = health
        .check(HealthCheckRequest {
            service: "slotwise.v1.PlannerService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(service_health.status(), ServingStatus::NotServing);

    let refused = experiments
        .list_experiments(ListExperimentsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{}", refused.message());
    assert!(
        refused.message().contains("shutting down"),
        "{}",
        refused.message()
    );

    let mut newcomer = ExperimentServiceClient::new(connect(&server).await);
    let refused = newcomer
        .list_experiments(ListExperimentsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{}", refused.message());
    assert!(
        !in_flight.is_finished(),
        "the solve ended before the drain was tested"
    );

    let answer = in_flight.await.unwrap().unwrap().into_inner();
    assert!(
        matches!(
            answer.status(),
            SolveStatus::Optimal | SolveStatus::Feasible
        ),
        "{:?}",
        answer.status()
    );
    assert!(!answer.posts.is_empty());

    // Waited for off the runtime, which keeps the client connections answering the server's
    // closing handshake, as a live client's would.
    let (status, log) = tokio::task::spawn_blocking(move || server.wait_with_log())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let said = |words: &str| log.iter().any(|line| line.contains(words));
    assert!(said("slotwise stopped"), "{log:#?}");
    assert!(!said("drain timed out"), "{log:#?}");
    assert!(
        !said("hold the store"),
        "the store was not closed: {log:#?}"
    );
}

#[tokio::test]
async fn an_idle_server_exits_at_once_on_sigterm() {
    let server = ServerProcess::start();
    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
