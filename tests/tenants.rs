//! End-to-end: API keys and tenants. Two tenants share one server, each sees only its own
//! experiments and accounts, a call without a valid key is UNAUTHENTICATED, and health and
//! reflection stay open to callers without a key.

#![allow(clippy::unwrap_used)]

mod support;

use slotwise_proto::v1::{
    ChooseArmRequest, ExportScheduleRequest, GetAudienceActivityRequest, GetExperimentRequest,
    ListExperimentsRequest, audience_service_client::AudienceServiceClient,
    experiment_service_client::ExperimentServiceClient, export_service_client::ExportServiceClient,
    planner_service_client::PlannerServiceClient,
};
use support::{
    ServerProcess, activity_request, authorized, best_slots_request, example, experiment_request,
    key_hash,
};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

const BAKERY_KEY: &str = "sk-bakery-5b1f0c7e";
const GYM_KEY: &str = "sk-gym-9d2a44e1";

/// A server whose keys come from SLOTWISE_API_KEYS.
fn two_tenant_server() -> ServerProcess {
    let keys = format!("bakery:{},gym:{}", key_hash(BAKERY_KEY), key_hash(GYM_KEY));
    ServerProcess::builder()
        .env("SLOTWISE_API_KEYS", keys)
        .start()
}

async fn channel(server: &ServerProcess) -> Channel {
    Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tenant_cannot_see_another_tenants_experiment() {
    let server = two_tenant_server();
    let mut experiments = ExperimentServiceClient::new(channel(&server).await);

    let created = experiments
        .create_experiment(authorized(experiment_request("evening posts"), BAKERY_KEY))
        .await
        .unwrap()
        .into_inner();
    let id = created.id.clone();

    let get = |key: &'static str, id: &str| {
        authorized(
            GetExperimentRequest {
                experiment_id: id.to_owned(),
            },
            key,
        )
    };
    assert!(
        experiments
            .get_experiment(get(BAKERY_KEY, &id))
            .await
            .is_ok()
    );

    // The other tenant's id answers exactly like an id that exists nowhere.
    let foreign = experiments
        .get_experiment(get(GYM_KEY, &id))
        .await
        .unwrap_err();
    let missing = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    let unknown = experiments
        .get_experiment(get(GYM_KEY, missing))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound, "{}", foreign.message());
    assert_eq!(unknown.code(), Code::NotFound);
    assert_eq!(
        foreign.message().replace(&id, "<id>"),
        unknown.message().replace(missing, "<id>")
    );

    let choose = ChooseArmRequest {
        experiment_id: id.clone(),
        request_id: String::new(),
    };
    let status = experiments
        .choose_arm(authorized(choose, GYM_KEY))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let listed = experiments
        .list_experiments(authorized(ListExperimentsRequest::default(), GYM_KEY))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.experiments.is_empty(), "{:?}", listed.experiments);
}

#[tokio::test]
async fn a_tenant_cannot_see_another_tenants_account() {
    let server = two_tenant_server();
    let channel = channel(&server).await;
    let mut audience = AudienceServiceClient::new(channel.clone());
    let mut planner = PlannerServiceClient::new(channel);

    audience
        .put_audience_activity(authorized(activity_request("corner-shop"), BAKERY_KEY))
        .await
        .unwrap();
    let mine = planner
        .get_best_slots(authorized(best_slots_request("corner-shop"), BAKERY_KEY))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.slots.len(), 5);

    let read = GetAudienceActivityRequest {
        account_id: "corner-shop".into(),
        version: 0,
    };
    let status = audience
        .get_audience_activity(authorized(read.clone(), GYM_KEY))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{}", status.message());
    let status = planner
        .get_best_slots(authorized(best_slots_request("corner-shop"), GYM_KEY))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{}", status.message());

    let mut by_account = example("bakery");
    by_account.heatmap.clear();
    by_account.account_id = "corner-shop".into();
    let status = planner
        .optimize_schedule(authorized(by_account, GYM_KEY))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{}", status.message());

    // The same account id is a separate account for the other tenant.
    let mut theirs = activity_request("corner-shop");
    theirs.hourly_activity = vec![0.5; 168];
    audience
        .put_audience_activity(authorized(theirs, GYM_KEY))
        .await
        .unwrap();
    let bakery_view = audience
        .get_audience_activity(authorized(read, BAKERY_KEY))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        bakery_view.hourly_activity,
        activity_request("x").hourly_activity
    );
    assert_eq!(bakery_view.version, 1);
}

#[tokio::test]
async fn calls_without_a_valid_key_are_unauthenticated() {
    let server = two_tenant_server();
    let channel = channel(&server).await;
    let mut planner = PlannerServiceClient::new(channel.clone());
    let mut experiments = ExperimentServiceClient::new(channel.clone());
    let mut export = ExportServiceClient::new(channel);

    let no_key = planner
        .optimize_schedule(example("bakery"))
        .await
        .unwrap_err();
    assert_eq!(no_key.code(), Code::Unauthenticated, "{}", no_key.message());
    assert!(no_key.message().contains("Bearer"), "{}", no_key.message());

    let wrong_key = experiments
        .list_experiments(authorized(
            ListExperimentsRequest::default(),
            "sk-bakery-guess",
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong_key.code(), Code::Unauthenticated);

    let mut basic = tonic::Request::new(ExportScheduleRequest::default());
    basic
        .metadata_mut()
        .insert("authorization", "Basic YmFrZXJ5".parse().unwrap());
    let malformed = export.export_schedule(basic).await.unwrap_err();
    assert_eq!(malformed.code(), Code::Unauthenticated);

    // A valid key gets through to the handler, which then judges the request itself.
    let judged = export
        .export_schedule(authorized(ExportScheduleRequest::default(), GYM_KEY))
        .await
        .unwrap_err();
    assert_eq!(judged.code(), Code::InvalidArgument, "{}", judged.message());
}

#[tokio::test]
async fn health_and_reflection_need_no_key() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };

    let server = two_tenant_server();
    let channel = channel(&server).await;

    let mut health = HealthClient::new(channel.clone());
    let request = HealthCheckRequest {
        service: "slotwise.v1.ExperimentService".into(),
    };
    let response = health.check(request).await.unwrap().into_inner();
    assert_eq!(response.status(), ServingStatus::Serving);

    let mut reflection = ServerReflectionClient::new(channel);
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
    assert!(
        list.service
            .iter()
            .any(|service| service.name == "slotwise.v1.AudienceService")
    );
}

#[tokio::test]
async fn keys_can_come_from_an_api_keys_file_named_in_the_config_file() {
    let directory = tempfile::tempdir().unwrap();
    let keys_file = directory.path().join("api-keys.toml");
    let key_lines = format!(
        "# tenant = sha256 of its key\nbakery = \"{}\"\n",
        key_hash(BAKERY_KEY)
    );
    std::fs::write(&keys_file, key_lines).unwrap();
    let config_file = directory.path().join("slotwise.toml");
    let config = format!("api_keys_file = {:?}\n", keys_file.display().to_string());
    std::fs::write(&config_file, config).unwrap();

    let server = ServerProcess::builder()
        .arg("--config")
        .arg(&config_file)
        .start();
    let mut experiments = ExperimentServiceClient::new(channel(&server).await);

    let listed = experiments
        .list_experiments(authorized(ListExperimentsRequest::default(), BAKERY_KEY))
        .await;
    assert!(listed.is_ok(), "{listed:?}");
    let status = experiments
        .list_experiments(authorized(ListExperimentsRequest::default(), GYM_KEY))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}
