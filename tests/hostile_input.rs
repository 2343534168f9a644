//! End-to-end: every RPC gets NaN, infinities, huge repeated fields and messages over the size
//! cap, and must answer each with the right status code; the server is still SERVING after.
//!
//! A message over `limits.max_request_bytes` is refused by tonic's decoder, before any
//! handler, with OUT_OF_RANGE ("decoded message length too large"): that is the transport's
//! own code for it, and what the table expects.

#![allow(clippy::unwrap_used)]

mod support;

use slotwise_proto::v1::{
    self, ChooseArmRequest, CreateExperimentRequest, ExportFormat, ExportScheduleRequest,
    GetAudienceActivityRequest, GetBestSlotsRequest, GetExperimentRequest, ListExperimentsRequest,
    OptimizeScheduleRequest, PutAudienceActivityRequest, ReportOutcomeRequest,
    ReportOutcomesRequest, ReportPostPerformanceRequest, StopExperimentRequest,
    audience_service_client::AudienceServiceClient,
    experiment_service_client::ExperimentServiceClient, export_service_client::ExportServiceClient,
    planner_service_client::PlannerServiceClient,
};
use support::{
    ServerProcess, activity_request, best_slots_request, example, experiment_request, timestamp,
};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// Doubles that make a packed repeated field of about 8 MB, twice the default size cap.
const OVERSIZED_DOUBLES: usize = 1_000_000;

/// Doubles that stay under the cap but are far from the 168 a heatmap has.
const HUGE_DOUBLES: usize = 400_000;

/// One call of any RPC.
#[derive(Debug, Clone)]
enum Call {
    Optimize(OptimizeScheduleRequest),
    BestSlots(GetBestSlotsRequest),
    PutActivity(PutAudienceActivityRequest),
    GetActivity(GetAudienceActivityRequest),
    ReportPost(ReportPostPerformanceRequest),
    Create(CreateExperimentRequest),
    Get(GetExperimentRequest),
    List(ListExperimentsRequest),
    Choose(ChooseArmRequest),
    Report(ReportOutcomeRequest),
    ReportMany(ReportOutcomesRequest),
    Stop(StopExperimentRequest),
    Export(ExportScheduleRequest),
}

struct Clients {
    planner: PlannerServiceClient<Channel>,
    audience: AudienceServiceClient<Channel>,
    experiments: ExperimentServiceClient<Channel>,
    export: ExportServiceClient<Channel>,
}

impl Clients {
    fn new(channel: Channel) -> Self {
        Self {
            planner: PlannerServiceClient::new(channel.clone()),
            audience: AudienceServiceClient::new(channel.clone()),
            experiments: ExperimentServiceClient::new(channel.clone()),
            export: ExportServiceClient::new(channel),
        }
    }

    /// The call's status code, OK included.
    async fn code(&mut self, call: Call) -> (Code, String) {
        let result = match call {
            Call::Optimize(r) => self.planner.optimize_schedule(r).await.map(drop),
            Call::BestSlots(r) => self.planner.get_best_slots(r).await.map(drop),
            Call::PutActivity(r) => self.audience.put_audience_activity(r).await.map(drop),
            Call::GetActivity(r) => self.audience.get_audience_activity(r).await.map(drop),
            Call::ReportPost(r) => self.audience.report_post_performance(r).await.map(drop),
            Call::Create(r) => self.experiments.create_experiment(r).await.map(drop),
            Call::Get(r) => self.experiments.get_experiment(r).await.map(drop),
            Call::List(r) => self.experiments.list_experiments(r).await.map(drop),
            Call::Choose(r) => self.experiments.choose_arm(r).await.map(drop),
            Call::Report(r) => self.experiments.report_outcome(r).await.map(drop),
            Call::ReportMany(r) => self.experiments.report_outcomes(r).await.map(drop),
            Call::Stop(r) => self.experiments.stop_experiment(r).await.map(drop),
            Call::Export(r) => self.export.export_schedule(r).await.map(drop),
        };
        match result {
            Ok(()) => (Code::Ok, String::new()),
            Err(status) => (status.code(), status.message().to_owned()),
        }
    }
}

/// What exists before the table runs: an account and a decision of an experiment.
struct Fixtures {
    experiment_id: String,
    decision_id: String,
}

async fn fixtures(clients: &mut Clients) -> Fixtures {
    clients
        .audience
        .put_audience_activity(activity_request("studio"))
        .await
        .unwrap();
    let experiment = clients
        .experiments
        .create_experiment(experiment_request("hostile"))
        .await
        .unwrap()
        .into_inner();
    let decision = clients
        .experiments
        .choose_arm(ChooseArmRequest {
            experiment_id: experiment.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    Fixtures {
        experiment_id: experiment.id,
        decision_id: decision.decision_id,
    }
}

fn optimize_cases() -> Vec<(&'static str, Call, Code)> {
    let bakery = example("bakery");
    let with = |change: &dyn Fn(&mut OptimizeScheduleRequest)| {
        let mut request = bakery.clone();
        change(&mut request);
        Call::Optimize(request)
    };
    vec![
        ("a valid plan", with(&|_| {}), Code::Ok),
        (
            "a NaN heatmap value",
            with(&|r| r.heatmap[3] = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "an infinite heatmap value",
            with(&|r| r.heatmap[5] = f64::INFINITY),
            Code::InvalidArgument,
        ),
        (
            "a NaN pillar weight",
            with(&|r| r.pillars[0].weight = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "an infinite format multiplier",
            with(&|r| r.formats[0].multiplier = f64::NEG_INFINITY),
            Code::InvalidArgument,
        ),
        (
            "a NaN relative gap",
            with(&|r| r.solver.get_or_insert_default().relative_gap = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "a NaN exploration share",
            with(&|r| r.exploration_share = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "a NaN exploration share by account",
            with(&|r| {
                r.heatmap.clear();
                r.account_id = "studio".into();
                r.horizon.as_mut().unwrap().time_zone = "Europe/London".into();
                r.exploration_share = f64::NAN;
            }),
            Code::InvalidArgument,
        ),
        (
            "a huge heatmap",
            with(&|r| r.heatmap = vec![1.0; HUGE_DOUBLES]),
            Code::InvalidArgument,
        ),
        (
            "a heatmap over the size cap",
            with(&|r| r.heatmap = vec![1.0; OVERSIZED_DOUBLES]),
            Code::OutOfRange,
        ),
        (
            "a hundred thousand pinned posts",
            with(&|r| {
                let pinned = v1::PinnedPost {
                    id: "p".into(),
                    start_time: r.horizon.as_ref().unwrap().start,
                    pillar_id: r.pillars[0].id.clone(),
                    ..Default::default()
                };
                r.pinned_posts = vec![pinned; 100_000];
            }),
            Code::InvalidArgument,
        ),
        (
            "a megabyte account id",
            with(&|r| {
                r.heatmap.clear();
                r.account_id = "a".repeat(1 << 20);
            }),
            Code::InvalidArgument,
        ),
        (
            "a horizon at the end of time",
            with(&|r| {
                r.horizon.as_mut().unwrap().end = Some(pbjson_types::Timestamp {
                    seconds: i64::MAX,
                    nanos: 0,
                })
            }),
            Code::InvalidArgument,
        ),
    ]
}

fn best_slots_cases() -> Vec<(&'static str, Call, Code)> {
    let base = best_slots_request("studio");
    let with = |change: &dyn Fn(&mut GetBestSlotsRequest)| {
        let mut request = base.clone();
        change(&mut request);
        Call::BestSlots(request)
    };
    let now = chrono::Utc::now();
    vec![
        ("valid best slots", with(&|_| {}), Code::Ok),
        (
            "two hundred thousand existing posts",
            with(&|r| r.existing_posts = vec![timestamp(now); 200_000]),
            Code::Ok,
        ),
        (
            "existing posts over the size cap",
            with(&|r| r.existing_posts = vec![timestamp(now); 600_000]),
            Code::OutOfRange,
        ),
        (
            "a count of zero",
            with(&|r| r.count = 0),
            Code::InvalidArgument,
        ),
        (
            "a count of four billion",
            with(&|r| r.count = u32::MAX),
            Code::InvalidArgument,
        ),
        (
            "negative nanos",
            with(&|r| r.window_start.as_mut().unwrap().nanos = -1),
            Code::InvalidArgument,
        ),
        (
            "an unknown account",
            with(&|r| r.account_id = "nobody".into()),
            Code::NotFound,
        ),
        (
            "a megabyte account id",
            with(&|r| r.account_id = "a".repeat(1 << 20)),
            Code::InvalidArgument,
        ),
    ]
}

fn audience_cases() -> Vec<(&'static str, Call, Code)> {
    let activity = |change: &dyn Fn(&mut PutAudienceActivityRequest)| {
        let mut request = activity_request("studio-2");
        change(&mut request);
        Call::PutActivity(request)
    };
    let post = |change: &dyn Fn(&mut ReportPostPerformanceRequest)| {
        let mut request = ReportPostPerformanceRequest {
            account_id: "studio".into(),
            post_id: "tt-1".into(),
            posted_at: Some(timestamp(chrono::Utc::now() - chrono::Duration::days(2))),
            views: 100,
            likes: 5,
            ..Default::default()
        };
        change(&mut request);
        Call::ReportPost(request)
    };
    vec![
        (
            "a NaN activity value",
            activity(&|r| r.hourly_activity[0] = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "an infinite activity value",
            activity(&|r| r.hourly_activity[9] = f64::INFINITY),
            Code::InvalidArgument,
        ),
        (
            "huge activity",
            activity(&|r| r.hourly_activity = vec![0.5; HUGE_DOUBLES]),
            Code::InvalidArgument,
        ),
        (
            "activity over the size cap",
            activity(&|r| r.hourly_activity = vec![0.5; OVERSIZED_DOUBLES]),
            Code::OutOfRange,
        ),
        (
            "a NaN watch time",
            post(&|r| r.average_watch_seconds = Some(f64::NAN)),
            Code::InvalidArgument,
        ),
        (
            "an infinite watch time",
            post(&|r| r.average_watch_seconds = Some(f64::INFINITY)),
            Code::InvalidArgument,
        ),
        (
            "a megabyte post id",
            post(&|r| r.post_id = "x".repeat(1 << 20)),
            Code::InvalidArgument,
        ),
        (
            "a post id over the size cap",
            post(&|r| r.post_id = "x".repeat(5 << 20)),
            Code::OutOfRange,
        ),
        ("a valid post", post(&|_| {}), Code::Ok),
        (
            "a version past any stored",
            Call::GetActivity(GetAudienceActivityRequest {
                account_id: "studio".into(),
                version: u64::MAX,
            }),
            Code::InvalidArgument,
        ),
    ]
}

fn experiment_cases(fixtures: &Fixtures) -> Vec<(&'static str, Call, Code)> {
    let create = |change: &dyn Fn(&mut CreateExperimentRequest)| {
        let mut request = experiment_request("hostile-create");
        change(&mut request);
        Call::Create(request)
    };
    let outcome = |reward: f64| ReportOutcomeRequest {
        decision_id: fixtures.decision_id.clone(),
        reward,
        observed_at: None,
    };
    let many_arms = |count: usize| {
        create(&|r| {
            let arm = r.arms[0].clone();
            r.arms = (0..count)
                .map(|index| v1::Arm {
                    id: format!("arm-{index}"),
                    ..arm.clone()
                })
                .collect();
        })
    };
    vec![
        (
            "a NaN prior",
            create(&|r| {
                r.beta_prior = Some(v1::BetaPrior {
                    alpha: f64::NAN,
                    beta: 1.0,
                })
            }),
            Code::InvalidArgument,
        ),
        (
            "an infinite prior",
            create(&|r| {
                r.beta_prior = Some(v1::BetaPrior {
                    alpha: 1.0,
                    beta: f64::INFINITY,
                })
            }),
            Code::InvalidArgument,
        ),
        (
            "a NaN half-life",
            create(&|r| r.half_life_hours = f64::NAN),
            Code::InvalidArgument,
        ),
        ("101 arms", many_arms(101), Code::InvalidArgument),
        (
            "arms over the size cap",
            many_arms(400_000),
            Code::OutOfRange,
        ),
        (
            "a NaN reward",
            Call::Report(outcome(f64::NAN)),
            Code::InvalidArgument,
        ),
        (
            "a megabyte decision id",
            Call::Report(ReportOutcomeRequest {
                decision_id: "d".repeat(1 << 20),
                ..outcome(1.0)
            }),
            Code::InvalidArgument,
        ),
        (
            "an infinite reward",
            Call::Report(outcome(f64::INFINITY)),
            Code::InvalidArgument,
        ),
        (
            "10001 outcomes",
            Call::ReportMany(ReportOutcomesRequest {
                outcomes: vec![outcome(1.0); 10_001],
            }),
            Code::InvalidArgument,
        ),
        (
            "a batch of NaN rewards",
            Call::ReportMany(ReportOutcomesRequest {
                outcomes: vec![outcome(f64::NAN); 1000],
            }),
            Code::Ok,
        ),
        (
            "a garbage page token",
            Call::List(ListExperimentsRequest {
                page_size: u32::MAX,
                page_token: "\u{0}\u{1}not-a-token".into(),
            }),
            Code::InvalidArgument,
        ),
        (
            "an empty experiment id",
            Call::Get(GetExperimentRequest::default()),
            Code::InvalidArgument,
        ),
        (
            "a megabyte experiment id",
            Call::Choose(ChooseArmRequest {
                experiment_id: "e".repeat(1 << 20),
                request_id: String::new(),
            }),
            Code::InvalidArgument,
        ),
        (
            "the experiment stopped",
            Call::Stop(StopExperimentRequest {
                experiment_id: fixtures.experiment_id.clone(),
            }),
            Code::Ok,
        ),
    ]
}

fn export_cases() -> Vec<(&'static str, Call, Code)> {
    let bakery = example("bakery");
    let post = v1::PlannedPost {
        start_time: bakery.horizon.as_ref().unwrap().start,
        pillar_id: bakery.pillars[0].id.clone(),
        format_id: bakery.formats[0].id.clone(),
        score: Some(v1::Score {
            total: 1.0,
            heatmap_value: 1.0,
            pillar_weight: 1.0,
            format_multiplier: 1.0,
        }),
        ..Default::default()
    };
    let export = |change: &dyn Fn(&mut ExportScheduleRequest)| {
        let mut request = ExportScheduleRequest {
            schedule: Some(v1::OptimizeScheduleResponse {
                posts: vec![post.clone()],
                ..Default::default()
            }),
            time_zone: "Europe/London".into(),
            heatmap: bakery.heatmap.clone(),
            calendar_id: "hostile".into(),
            outputs: vec![ExportFormat::Ics as i32, ExportFormat::HeatmapSvg as i32],
            ..Default::default()
        };
        change(&mut request);
        Call::Export(request)
    };
    fn posts(request: &mut ExportScheduleRequest) -> &mut Vec<v1::PlannedPost> {
        &mut request.schedule.as_mut().unwrap().posts
    }
    vec![
        ("a valid export", export(&|_| {}), Code::Ok),
        (
            "a NaN score",
            export(&|r| posts(r)[0].score.as_mut().unwrap().total = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "a NaN heatmap value",
            export(&|r| r.heatmap[0] = f64::NAN),
            Code::InvalidArgument,
        ),
        (
            "an infinite heatmap value",
            export(&|r| r.heatmap[1] = f64::INFINITY),
            Code::InvalidArgument,
        ),
        (
            "a huge heatmap",
            export(&|r| r.heatmap = vec![1.0; HUGE_DOUBLES]),
            Code::InvalidArgument,
        ),
        (
            "fifty thousand posts",
            export(&|r| *posts(r) = vec![post.clone(); 50_000]),
            Code::InvalidArgument,
        ),
        (
            "outputs over the size cap",
            export(&|r| r.outputs = vec![1; 5 << 20]),
            Code::OutOfRange,
        ),
    ]
}

#[tokio::test]
async fn every_rpc_answers_hostile_input_with_the_right_code_and_stays_up() {
    let server = ServerProcess::start();
    let channel = Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut clients = Clients::new(channel.clone());
    let fixtures = fixtures(&mut clients).await;

    let cases = [
        optimize_cases(),
        best_slots_cases(),
        audience_cases(),
        experiment_cases(&fixtures),
        export_cases(),
    ];
    let mut wrong = Vec::new();
    for (what, call, expected) in cases.into_iter().flatten() {
        let (code, message) = clients.code(call).await;
        if code != expected {
            wrong.push(format!(
                "{what}: expected {expected:?}, got {code:?} {message:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    let mut health = HealthClient::new(channel);
    let response = health.check(HealthCheckRequest::default()).await.unwrap();
    assert_eq!(response.into_inner().status(), ServingStatus::Serving);
    let (code, message) = clients.code(Call::Optimize(example("bakery"))).await;
    assert_eq!(code, Code::Ok, "{message}");
}
