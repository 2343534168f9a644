//! End-to-end: the operator's limits. `limits.max_solve_ms` caps any time limit, and requests
//! over a cap are refused with INVALID_ARGUMENT naming the cap. (Deadlines: `deadlines.rs`.)

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use slotwise_proto::v1::{
    ReportOutcomeRequest, ReportOutcomesRequest, SolveStatus,
    audience_service_client::AudienceServiceClient,
    experiment_service_client::ExperimentServiceClient,
    planner_service_client::PlannerServiceClient,
};
use support::{
    ServerProcess, activity_request, best_slots_request, example, experiment_request, slow_request,
};
use tonic::{Code, transport::Channel};

async fn connect(server: &ServerProcess) -> Channel {
    Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// The solve's answer or its status, and how long the call took.
async fn timed_solve(
    planner: &mut PlannerServiceClient<Channel>,
    request: tonic::Request<slotwise_proto::v1::OptimizeScheduleRequest>,
) -> (Result<SolveStatus, tonic::Status>, Duration) {
    let started = Instant::now();
    let answer = planner.optimize_schedule(request).await;
    let elapsed = started.elapsed();
    (
        answer.map(|response| response.into_inner().status()),
        elapsed,
    )
}

fn assert_bounded(answer: &Result<SolveStatus, tonic::Status>) {
    match answer {
        Ok(status) => assert_eq!(*status, SolveStatus::Feasible),
        Err(status) => assert_eq!(
            status.code(),
            Code::DeadlineExceeded,
            "{}",
            status.message()
        ),
    }
}

#[tokio::test]
async fn max_solve_ms_caps_the_requested_time_limit() {
    let server = ServerProcess::builder()
        .args(["--limits-max-solve-ms", "250"])
        .args(["--limits-default-solve-ms", "250"])
        .start();
    let mut planner = PlannerServiceClient::new(connect(&server).await);

    let (answer, elapsed) =
        timed_solve(&mut planner, tonic::Request::new(slow_request(60_000))).await;
    eprintln!("a 60 s solve capped at 250 ms answered {answer:?} in {elapsed:?}");
    assert_bounded(&answer);
    // No proof comes for seconds; the planner may overrun its limit by one LP solve.
    assert!(elapsed < Duration::from_millis(800), "{elapsed:?}");
}

#[tokio::test]
async fn requests_over_a_cap_are_refused_naming_it() {
    let server = ServerProcess::builder()
        .args(["--limits-max-horizon-days", "14"])
        .args(["--limits-max-arms", "2"])
        .args(["--limits-max-outcomes-per-batch", "3"])
        .start();
    let channel = connect(&server).await;
    let mut planner = PlannerServiceClient::new(channel.clone());
    let mut experiments = ExperimentServiceClient::new(channel.clone());

    let status = planner
        .optimize_schedule(example("bakery"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "horizon is 28 days, more than limits.max_horizon_days = 14"
    );

    let status = experiments
        .create_experiment(experiment_request("three arms"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "arms has 3 entries, more than limits.max_arms = 2"
    );

    let outcomes = (0..4)
        .map(|index| ReportOutcomeRequest {
            decision_id: format!("decision-{index}"),
            reward: 1.0,
            observed_at: None,
        })
        .collect();
    let status = experiments
        .report_outcomes(ReportOutcomesRequest { outcomes })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "outcomes has 4 entries, more than limits.max_outcomes_per_batch = 3"
    );
}

#[tokio::test]
async fn max_slots_caps_horizons_and_best_slots_windows() {
    let server = ServerProcess::builder()
        .args(["--limits-max-slots", "500"])
        .start();
    let channel = connect(&server).await;
    let mut planner = PlannerServiceClient::new(channel.clone());
    AudienceServiceClient::new(channel)
        .put_audience_activity(activity_request("studio"))
        .await
        .unwrap();

    // 28 days of hourly slots.
    let status = planner
        .optimize_schedule(example("bakery"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "horizon has 672 slots, more than limits.max_slots = 500"
    );

    // 7 days of 15-minute slots.
    let status = planner
        .get_best_slots(best_slots_request("studio"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "window has 672 slots, more than limits.max_slots = 500"
    );
}
