//! End-to-end: a real tonic client against `slotwise serve` on a free port.

#![allow(clippy::unwrap_used)]

mod support;

use slotwise_proto::v1::{
    OptimizeScheduleRequest, SolveStatus, planner_service_client::PlannerServiceClient,
};
use support::{ServerProcess, example};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

async fn channel(server: &ServerProcess) -> Channel {
    Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

async fn planner_client(server: &ServerProcess) -> PlannerServiceClient<Channel> {
    PlannerServiceClient::connect(server.endpoint())
        .await
        .unwrap()
}

async fn optimize(
    server: &ServerProcess,
    request: OptimizeScheduleRequest,
) -> Result<slotwise_proto::v1::OptimizeScheduleResponse, tonic::Status> {
    let mut client = planner_client(server).await;
    client
        .optimize_schedule(request)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn health_reports_the_planner_as_serving() {
    let server = ServerProcess::start();
    let mut health = HealthClient::new(channel(&server).await);

    for service in ["", "slotwise.v1.PlannerService"] {
        let request = HealthCheckRequest {
            service: service.to_owned(),
        };
        let response = health.check(request).await.unwrap().into_inner();
        assert_eq!(
            response.status(),
            ServingStatus::Serving,
            "service {service:?}"
        );
    }
}

#[tokio::test]
async fn reflection_lists_the_planner_service() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };

    let server = ServerProcess::start();
    let mut reflection = ServerReflectionClient::new(channel(&server).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();

    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("expected a service list, got {response:?}");
    };
    let names: Vec<_> = list
        .service
        .iter()
        .map(|service| service.name.as_str())
        .collect();
    assert!(names.contains(&"slotwise.v1.PlannerService"), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health"), "{names:?}");
}

#[tokio::test]
async fn every_example_is_solved_and_matches_the_library() {
    let server = ServerProcess::start();

    for name in ["bakery", "fitness-studio", "skincare-launch"] {
        let request = example(name);
        let response = optimize(&server, request.clone()).await.unwrap();

        assert!(
            matches!(
                response.status(),
                SolveStatus::Optimal | SolveStatus::Feasible
            ),
            "{name}: {:?} {:?}",
            response.status(),
            response.conflicts
        );
        assert!(!response.posts.is_empty(), "{name}");
        let total: f64 = response
            .posts
            .iter()
            .map(|post| post.score.unwrap().total)
            .sum();
        assert!(
            (total - response.objective).abs() <= 1e-6 * total.max(1.0),
            "{name}"
        );
        let times: Vec<_> = response
            .posts
            .iter()
            .map(|post| post.start_time.unwrap().seconds)
            .collect();
        assert!(
            times.windows(2).all(|pair| pair[0] < pair[1]),
            "{name}: posts out of order"
        );

        let domain = slotwise_server::convert::plan_request_from_proto(&request).unwrap();
        let in_process = slotwise_planner::plan(&domain).unwrap();
        let over_the_wire = slotwise_server::convert::schedule_to_proto(&in_process);
        assert_eq!(
            over_the_wire.posts, response.posts,
            "{name}: the service and the library differ"
        );
    }
}

#[tokio::test]
async fn invalid_fields_are_named_in_invalid_argument() {
    let server = ServerProcess::start();
    let valid = example("bakery");

    let mut short_heatmap = valid.clone();
    short_heatmap.heatmap.truncate(24);
    let mut unknown_zone = valid.clone();
    unknown_zone.horizon.as_mut().unwrap().time_zone = "Mars/Olympus_Mons".into();
    let mut bad_share = valid.clone();
    bad_share.pillars[2].min_share = Some(1.5);
    let mut nan_heatmap = valid.clone();
    nan_heatmap.heatmap[17] = f64::NAN;
    let mut no_start = valid.clone();
    no_start.horizon.as_mut().unwrap().start = None;
    let mut bad_slot = valid.clone();
    bad_slot.horizon.as_mut().unwrap().slot_minutes = 20;

    let cases = [
        (short_heatmap, "heatmap"),
        (unknown_zone, "horizon.time_zone"),
        (bad_share, "pillars[2].min_share"),
        (nan_heatmap, "heatmap[17]"),
        (no_start, "horizon.start"),
        (bad_slot, "horizon.slot_minutes"),
    ];
    for (request, field) in cases {
        let status = optimize(&server, request).await.unwrap_err();
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{field}: {}",
            status.message()
        );
        assert!(
            status.message().starts_with(field),
            "{field}: {}",
            status.message()
        );
    }

    // The server is still there.
    assert!(optimize(&server, valid).await.is_ok());
}

#[tokio::test]
async fn contradictory_rules_come_back_infeasible_with_the_conflict() {
    let server = ServerProcess::start();
    let mut request = example("bakery");
    // Four weeks at most 4 a week allow at most 16 posts; ask for 20 product posts.
    request.pillars[1].min_posts = Some(20);
    request.pillars[1].max_share = None;

    let response = optimize(&server, request).await.unwrap();
    assert_eq!(response.status(), SolveStatus::Infeasible);
    assert!(response.posts.is_empty());
    assert!(!response.conflicts.is_empty());
    let rules: Vec<_> = response
        .conflicts
        .iter()
        .flat_map(|conflict| &conflict.rules)
        .collect();
    assert!(
        rules
            .iter()
            .any(|rule| rule.starts_with("pillars[1].min_posts")),
        "{rules:?}"
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let server = ServerProcess::start();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}
