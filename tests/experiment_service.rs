//! End-to-end: bandit experiments through a real tonic client against `slotwise serve`,
//! including restarts and a SIGKILL in the middle of a stream of outcomes.

#![allow(clippy::unwrap_used)]

mod support;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use slotwise_proto::v1::{
    Arm, ChooseArmRequest, CreateExperimentRequest, Experiment, ExperimentKind, ExperimentStatus,
    GetExperimentRequest, ListExperimentsRequest, Policy, PolicyKind, ReportOutcomesRequest,
    RewardModel, StopExperimentRequest, experiment_service_client::ExperimentServiceClient,
};
use support::{ServerProcess, arm_counts, outcome};
use tonic::{Code, transport::Channel};

type Client = ExperimentServiceClient<Channel>;

async fn client(server: &ServerProcess) -> Client {
    ExperimentServiceClient::connect(server.endpoint())
        .await
        .unwrap()
}

fn posting_time_experiment(name: &str) -> CreateExperimentRequest {
    CreateExperimentRequest {
        name: name.to_owned(),
        kind: ExperimentKind::PostingTime as i32,
        arms: ["weekday-08:00", "weekday-12:30", "weekday-19:00"]
            .iter()
            .map(|id| Arm {
                id: (*id).to_owned(),
                label: id.replace('-', " "),
            })
            .collect(),
        policy: Some(Policy {
            kind: PolicyKind::Thompson as i32,
            burn_in: 2,
            floor_share: 0.02,
            ..Default::default()
        }),
        reward_model: RewardModel::Bernoulli as i32,
        ..Default::default()
    }
}

async fn create(client: &mut Client, name: &str) -> Experiment {
    client
        .create_experiment(posting_time_experiment(name))
        .await
        .unwrap()
        .into_inner()
}

async fn choose(client: &mut Client, experiment_id: &str, request_id: &str) -> (String, String) {
    let request = ChooseArmRequest {
        experiment_id: experiment_id.to_owned(),
        request_id: request_id.to_owned(),
    };
    let response = client.choose_arm(request).await.unwrap().into_inner();
    (response.decision_id, response.arm_id)
}

async fn get(client: &mut Client, experiment_id: &str) -> Experiment {
    let request = GetExperimentRequest {
        experiment_id: experiment_id.to_owned(),
    };
    client.get_experiment(request).await.unwrap().into_inner()
}

#[tokio::test]
async fn an_experiment_is_created_listed_and_summarised() {
    let server = ServerProcess::start();
    let mut client = client(&server).await;

    let mut ids = Vec::new();
    for index in 0..5 {
        ids.push(
            create(&mut client, &format!("posting time {index}"))
                .await
                .id,
        );
    }

    let mut listed = Vec::new();
    let mut page_token = String::new();
    loop {
        let request = ListExperimentsRequest {
            page_size: 2,
            page_token,
        };
        let page = client.list_experiments(request).await.unwrap().into_inner();
        assert!(page.experiments.len() <= 2);
        listed.extend(page.experiments.into_iter().map(|experiment| experiment.id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(listed, ids);

    let experiment = get(&mut client, &ids[0]).await;
    assert_eq!(experiment.status(), ExperimentStatus::Running);
    let summary = experiment.summary.unwrap();
    assert_eq!(summary.arms.len(), 3);
    for arm in &summary.arms {
        assert!(arm.credible_low < arm.posterior_mean && arm.posterior_mean < arm.credible_high);
    }
}

#[tokio::test]
async fn bad_experiments_and_outcomes_get_the_right_status() {
    let server = ServerProcess::start();
    let mut client = client(&server).await;

    let mut one_arm = posting_time_experiment("one arm");
    one_arm.arms.truncate(1);
    let status = client.create_experiment(one_arm).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("arms"), "{}", status.message());

    let mut bad_floor = posting_time_experiment("bad floor");
    bad_floor.policy.as_mut().unwrap().floor_share = 0.9;
    let status = client.create_experiment(bad_floor).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("policy.floor_share"),
        "{}",
        status.message()
    );

    let missing = GetExperimentRequest {
        experiment_id: "exp_missing".into(),
    };
    assert_eq!(
        client.get_experiment(missing).await.unwrap_err().code(),
        Code::NotFound
    );

    let experiment = create(&mut client, "outcomes").await;
    let (decision_id, _) = choose(&mut client, &experiment.id, "").await;

    let status = client
        .report_outcome(outcome(&decision_id, 0.5))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    let status = client
        .report_outcome(outcome("dec_unknown", 1.0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let first = client
        .report_outcome(outcome(&decision_id, 1.0))
        .await
        .unwrap()
        .into_inner();
    assert!(first.recorded);
    let again = client
        .report_outcome(outcome(&decision_id, 1.0))
        .await
        .unwrap()
        .into_inner();
    assert!(!again.recorded, "the same outcome is counted once");
    let status = client
        .report_outcome(outcome(&decision_id, 0.0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);

    let counts = arm_counts(&get(&mut client, &experiment.id).await);
    assert_eq!(
        counts.values().map(|(_, outcomes)| outcomes).sum::<u64>(),
        1
    );
}

#[tokio::test]
async fn choose_arm_is_idempotent_by_request_id() {
    let server = ServerProcess::start();
    let mut client = client(&server).await;
    let experiment = create(&mut client, "retries").await;

    let first = choose(&mut client, &experiment.id, "post-2027-01-11-a").await;
    for _ in 0..5 {
        assert_eq!(
            choose(&mut client, &experiment.id, "post-2027-01-11-a").await,
            first
        );
    }
    let counts = arm_counts(&get(&mut client, &experiment.id).await);
    assert_eq!(
        counts.values().map(|(decisions, _)| decisions).sum::<u64>(),
        1
    );
}

#[tokio::test]
async fn a_batch_reports_each_outcome_with_its_own_result() {
    let server = ServerProcess::start();
    let mut client = client(&server).await;
    let experiment = create(&mut client, "batch").await;
    let (first, _) = choose(&mut client, &experiment.id, "").await;
    let (second, _) = choose(&mut client, &experiment.id, "").await;

    let request = ReportOutcomesRequest {
        outcomes: vec![
            outcome(&first, 1.0),
            outcome(&second, 2.0),
            outcome("dec_nowhere", 1.0),
            outcome(&second, 0.0),
        ],
    };
    let results = client
        .report_outcomes(request)
        .await
        .unwrap()
        .into_inner()
        .results;
    let codes: Vec<_> = results
        .iter()
        .map(|result| Code::from_i32(result.code))
        .collect();
    assert_eq!(
        codes,
        [Code::Ok, Code::InvalidArgument, Code::NotFound, Code::Ok]
    );
    assert!(
        results[1].message.starts_with("outcomes[1].reward"),
        "{}",
        results[1].message
    );
}

#[tokio::test]
async fn a_stopped_experiment_answers_with_its_winner() {
    let server = ServerProcess::start();
    let mut client = client(&server).await;
    let experiment = create(&mut client, "stop").await;

    for round in 0u32..60 {
        let (decision_id, arm_id) = choose(&mut client, &experiment.id, "").await;
        let reward = if arm_id == "weekday-19:00" || round.is_multiple_of(7) {
            1.0
        } else {
            0.0
        };
        client
            .report_outcome(outcome(&decision_id, reward))
            .await
            .unwrap();
    }

    let request = StopExperimentRequest {
        experiment_id: experiment.id.clone(),
    };
    let stopped = client.stop_experiment(request).await.unwrap().into_inner();
    assert_eq!(stopped.status(), ExperimentStatus::Stopped);
    let winner = stopped.summary.unwrap().recommended_arm_id;
    assert_eq!(winner, "weekday-19:00");

    for _ in 0..5 {
        let request = ChooseArmRequest {
            experiment_id: experiment.id.clone(),
            request_id: String::new(),
        };
        let response = client.choose_arm(request).await.unwrap().into_inner();
        assert!(response.stopped);
        assert_eq!(response.arm_id, winner);
    }
}

#[tokio::test]
async fn a_restart_rebuilds_every_experiment_exactly() {
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("slotwise.db");
    let server = ServerProcess::start_with_database(&database);
    let mut client = client(&server).await;

    let experiment = create(&mut client, "restart").await;
    for round in 0u32..40 {
        let (decision_id, _) = choose(&mut client, &experiment.id, "").await;
        if !round.is_multiple_of(4) {
            client
                .report_outcome(outcome(&decision_id, f64::from(round.is_multiple_of(3))))
                .await
                .unwrap();
        }
    }
    let before = get(&mut client, &experiment.id).await;
    assert!(server.terminate().success());

    let server = ServerProcess::start_with_database(&database);
    let mut client = self::client(&server).await;
    let after = get(&mut client, &experiment.id).await;
    assert_eq!(arm_counts(&after), arm_counts(&before));
    let (before, after) = (before.summary.unwrap(), after.summary.unwrap());
    for (old, new) in before.arms.iter().zip(&after.arms) {
        assert!((old.posterior_mean - new.posterior_mean).abs() < 1e-12);
        assert!((old.probability_best - new.probability_best).abs() < 1e-12);
    }
}

/// A client streams outcomes from several tasks; the server is killed with SIGKILL in the
/// middle. After a restart, every acknowledged outcome is there exactly once.
#[tokio::test]
async fn acknowledged_outcomes_survive_sigkill() {
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("slotwise.db");
    let server = ServerProcess::start_with_database(&database);
    let mut setup = client(&server).await;
    let experiment = create(&mut setup, "crash").await;

    let mut decisions = Vec::new();
    for _ in 0..600 {
        decisions.push(choose(&mut setup, &experiment.id, "").await.0);
    }

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for chunk in decisions.chunks(150) {
        let (chunk, acknowledged) = (chunk.to_vec(), acknowledged.clone());
        let mut writer = client(&server).await;
        writers.push(tokio::spawn(async move {
            for (index, decision_id) in chunk.into_iter().enumerate() {
                let reward = f64::from(index.is_multiple_of(2));
                match writer.report_outcome(outcome(&decision_id, reward)).await {
                    Ok(_) => acknowledged.lock().unwrap().push((decision_id, reward)),
                    Err(_) => break,
                }
            }
        }));
    }

    // A moment chosen by the clock: somewhere inside the stream.
    let pause = 20 + u64::from(std::process::id() % 80);
    tokio::time::sleep(Duration::from_millis(pause)).await;
    server.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        !acknowledged.is_empty(),
        "the kill came before any outcome was acknowledged"
    );

    let server = ServerProcess::start_with_database(&database);
    let mut client = client(&server).await;
    let recovered: u64 = arm_counts(&get(&mut client, &experiment.id).await)
        .values()
        .map(|(_, outcomes)| outcomes)
        .sum();
    assert!(
        recovered >= acknowledged.len() as u64,
        "{recovered} < {}",
        acknowledged.len()
    );

    // Each acknowledged outcome is already stored: reporting it again changes nothing.
    for (decision_id, reward) in &acknowledged {
        let again = client
            .report_outcome(outcome(decision_id, *reward))
            .await
            .unwrap();
        assert!(
            !again.into_inner().recorded,
            "{decision_id} was acknowledged but lost"
        );
    }
    let after: u64 = arm_counts(&get(&mut client, &experiment.id).await)
        .values()
        .map(|(_, outcomes)| outcomes)
        .sum();
    assert_eq!(
        after, recovered,
        "an acknowledged outcome was counted twice"
    );
}

#[tokio::test]
async fn concurrent_reports_to_one_arm_lose_nothing() {
    let server = ServerProcess::start();
    let mut setup = client(&server).await;
    let mut request = posting_time_experiment("one arm wins");
    request.policy = Some(Policy {
        kind: PolicyKind::Uniform as i32,
        ..Default::default()
    });
    let experiment = setup.create_experiment(request).await.unwrap().into_inner();

    let mut by_arm: HashMap<String, Vec<String>> = HashMap::new();
    for _ in 0..900 {
        let (decision_id, arm_id) = choose(&mut setup, &experiment.id, "").await;
        by_arm.entry(arm_id).or_default().push(decision_id);
    }
    let (arm_id, decisions) = by_arm.into_iter().max_by_key(|(_, ids)| ids.len()).unwrap();

    let mut tasks = Vec::new();
    for chunk in decisions.chunks(decisions.len().div_ceil(16)) {
        let (chunk, mut writer) = (chunk.to_vec(), client(&server).await);
        tasks.push(tokio::spawn(async move {
            for decision_id in chunk {
                writer
                    .report_outcome(outcome(&decision_id, 1.0))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let counts = arm_counts(&get(&mut setup, &experiment.id).await);
    assert_eq!(counts[&arm_id].1, decisions.len() as u64);
}
