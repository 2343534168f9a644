//! End-to-end: Prometheus metrics on their own port, and one log line per call, in JSON, with
//! the call's tenant, method, status code and latency.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use slotwise_proto::v1::{
    ChooseArmRequest, ReportOutcomeRequest, audience_service_client::AudienceServiceClient,
    experiment_service_client::ExperimentServiceClient,
    planner_service_client::PlannerServiceClient,
};
use support::{
    ServerProcess, activity_request, authorized, best_slots_request, example, experiment_request,
    key_hash, metric_value, scrape_metrics,
};
use tonic::transport::Channel;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

async fn connect(server: &ServerProcess) -> Channel {
    Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// A bakery's day: a plan, its audience, best slots twice, an experiment decision and outcome.
async fn some_calls(channel: Channel, key: Option<&str>) {
    fn with_key<T>(message: T, key: Option<&str>) -> tonic::Request<T> {
        match key {
            Some(key) => authorized(message, key),
            None => tonic::Request::new(message),
        }
    }
    let mut planner = PlannerServiceClient::new(channel.clone());
    let mut audience = AudienceServiceClient::new(channel.clone());
    let mut experiments = ExperimentServiceClient::new(channel);

    planner
        .optimize_schedule(with_key(example("bakery"), key))
        .await
        .unwrap();
    audience
        .put_audience_activity(with_key(activity_request("bakery"), key))
        .await
        .unwrap();
    let slots = best_slots_request("bakery");
    planner
        .get_best_slots(with_key(slots.clone(), key))
        .await
        .unwrap();
    planner.get_best_slots(with_key(slots, key)).await.unwrap();
    let missing = planner
        .get_best_slots(with_key(best_slots_request("nobody"), key))
        .await;
    assert!(missing.is_err());

    let experiment = experiments
        .create_experiment(with_key(experiment_request("reels at lunch"), key))
        .await
        .unwrap()
        .into_inner();
    let choose = ChooseArmRequest {
        experiment_id: experiment.id,
        request_id: String::new(),
    };
    let decision = experiments
        .choose_arm(with_key(choose, key))
        .await
        .unwrap()
        .into_inner();
    let outcome = ReportOutcomeRequest {
        decision_id: decision.decision_id,
        reward: 1.0,
        observed_at: None,
    };
    experiments
        .report_outcome(with_key(outcome, key))
        .await
        .unwrap();
}

#[tokio::test]
async fn metrics_count_calls_solves_caches_and_bandits() {
    let server = ServerProcess::builder()
        .args(["--metrics-listen", "127.0.0.1:0"])
        .args(["--limits-solve-workers", "3"])
        .start();
    let channel = connect(&server).await;
    HealthClient::new(channel.clone())
        .check(HealthCheckRequest::default())
        .await
        .unwrap();
    some_calls(channel, None).await;

    let address = server.metrics_address.unwrap();
    let metrics = tokio::task::spawn_blocking(move || scrape_metrics(address))
        .await
        .unwrap();
    let value = |series: &str| {
        metric_value(&metrics, series).unwrap_or_else(|| panic!("no {series} in\n{metrics}"))
    };

    let calls = "slotwise_grpc_calls_total";
    let best_slots = "method=\"slotwise.v1.PlannerService/GetBestSlots\"";
    assert_eq!(value(&format!("{calls}{{code=\"OK\",{best_slots}}}")), 2.0);
    assert_eq!(
        value(&format!("{calls}{{code=\"NOT_FOUND\",{best_slots}}}")),
        1.0
    );
    let health = "method=\"grpc.health.v1.Health/Check\"";
    assert_eq!(value(&format!("{calls}{{code=\"OK\",{health}}}")), 1.0);
    let latency = "slotwise_grpc_call_duration_seconds_count";
    assert_eq!(
        value(&format!("{latency}{{code=\"OK\",{best_slots}}}")),
        2.0
    );

    assert_eq!(value("slotwise_solves_total{outcome=\"optimal\"}"), 1.0);
    assert_eq!(
        value("slotwise_solve_duration_seconds_count{outcome=\"optimal\"}"),
        1.0
    );
    assert_eq!(value("slotwise_solve_workers "), 3.0);
    assert_eq!(value("slotwise_solve_workers_busy "), 0.0);
    assert_eq!(value("slotwise_solves_rejected_total "), 0.0);

    let answers = "slotwise_learning_cache_lookups_total{cache=\"answer\"";
    assert_eq!(value(&format!("{answers},result=\"hit\"}}")), 1.0);
    assert_eq!(value(&format!("{answers},result=\"miss\"}}")), 1.0);

    assert_eq!(
        value("slotwise_bandit_decisions_total{kind=\"posting_time\"}"),
        1.0
    );
    assert_eq!(
        value("slotwise_bandit_outcomes_total{result=\"recorded\"}"),
        1.0
    );
    assert_eq!(value("slotwise_grpc_calls_in_flight "), 0.0);
}

#[tokio::test]
async fn each_call_logs_one_json_line_with_tenant_method_code_and_latency() {
    let key = "sk-bakery-logs";
    let server = ServerProcess::builder()
        .args(["--log-format", "json"])
        .env("SLOTWISE_API_KEYS", format!("bakery:{}", key_hash(key)))
        // Answered calls log at debug.
        .env("SLOTWISE_LOG", "info,slotwise_server::gate=debug")
        .start();
    let channel = connect(&server).await;
    some_calls(channel.clone(), Some(key)).await;
    let refused = PlannerServiceClient::new(channel)
        .get_best_slots(best_slots_request("bakery"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);

    // The last call's line is written as its answer goes out; give the log pipe a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let calls: Vec<serde_json::Value> = server
        .log
        .try_iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .filter(|event| event["fields"]["message"] == "call finished")
        .collect();
    assert_eq!(calls.len(), 9, "{calls:#?}");

    for event in &calls {
        let fields = &event["fields"];
        assert!(
            fields["method"]
                .as_str()
                .unwrap()
                .starts_with("slotwise.v1.")
        );
        assert!(fields["latency_ms"].as_f64().unwrap() >= 0.0, "{event}");
    }
    let by_code = |code: &str| {
        calls
            .iter()
            .filter(|event| event["fields"]["code"] == code)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_code("OK").len(), 7);
    assert!(by_code("OK").iter().all(|event| event["level"] == "DEBUG"));
    assert!(
        by_code("OK")
            .iter()
            .all(|event| event["fields"]["tenant"] == "bakery")
    );
    let not_found = by_code("NOT_FOUND");
    assert_eq!(not_found[0]["level"], "INFO");
    assert!(
        not_found[0]["fields"]["detail"]
            .as_str()
            .unwrap()
            .contains("nobody"),
        "{}",
        not_found[0]
    );
    let unauthenticated = by_code("UNAUTHENTICATED");
    assert_eq!(unauthenticated[0]["fields"]["tenant"], "-");
    assert_eq!(
        unauthenticated[0]["fields"]["method"],
        "slotwise.v1.PlannerService/GetBestSlots"
    );
}
