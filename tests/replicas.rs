//! Two `slotwise serve` processes on one PostgreSQL store, as two replicas of a Deployment:
//! every count agrees exactly with the calls they acknowledged, a duplicate outcome sent to both
//! at once is counted once, and a replica killed with SIGKILL loses nothing it acknowledged
//! while the other keeps serving.
//!
//! The database is `SLOTWISE_TEST_DATABASE_URL` (`bash .ci/run` starts one); without it these
//! tests fail rather than skip. Each test works in a schema of its own.

#![allow(clippy::unwrap_used)]

mod support;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use slotwise_proto::v1::{
    ChooseArmRequest, Experiment, GetExperimentRequest,
    experiment_service_client::ExperimentServiceClient,
};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use support::{ServerProcess, arm_counts, experiment_request, outcome};
use tonic::{Code, transport::Channel};

type Client = ExperimentServiceClient<Channel>;

fn database_url() -> String {
    std::env::var("SLOTWISE_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "SLOTWISE_TEST_DATABASE_URL is not set: the replica tests need a PostgreSQL \
             database they may create schemas in (bash .ci/run starts one)"
        )
    })
}

/// A schema of its own on the test database, dropped at the end.
struct Schema {
    name: String,
}

impl Schema {
    async fn new(test: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("slotwise_{test}_{}_{nanos}", std::process::id());
        let mut admin = PgConnection::connect(&database_url()).await.unwrap();
        let create = format!("CREATE SCHEMA {name}");
        admin.execute(AssertSqlSafe(create)).await.unwrap();
        admin.close().await.unwrap();
        Self { name }
    }

    /// The database URL with this schema as every connection's `search_path`.
    fn url(&self) -> String {
        let base = database_url();
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-c%20search_path%3D{}", self.name)
    }

    async fn drop(self) {
        let mut admin = PgConnection::connect(&database_url()).await.unwrap();
        let drop = format!("DROP SCHEMA {} CASCADE", self.name);
        admin.execute(AssertSqlSafe(drop)).await.unwrap();
        admin.close().await.unwrap();
    }
}

fn replica(schema: &Schema) -> ServerProcess {
    ServerProcess::builder()
        .arg("--database-url")
        .arg(schema.url())
        .start()
}

async fn client(server: &ServerProcess) -> Client {
    ExperimentServiceClient::connect(server.endpoint())
        .await
        .unwrap()
}

async fn get(client: &mut Client, experiment_id: &str) -> Experiment {
    let request = GetExperimentRequest {
        experiment_id: experiment_id.to_owned(),
    };
    client.get_experiment(request).await.unwrap().into_inner()
}

/// What the clients saw acknowledged: per arm, decisions and outcomes recorded.
#[derive(Debug, Default)]
struct Acknowledged {
    /// Decision id to arm id.
    decisions: HashMap<String, String>,
    outcomes: HashMap<String, u64>,
}

impl Acknowledged {
    fn per_arm(&self) -> HashMap<String, (u64, u64)> {
        let mut per_arm: HashMap<String, (u64, u64)> = HashMap::new();
        for arm in self.decisions.values() {
            per_arm.entry(arm.clone()).or_default().0 += 1;
        }
        for (decision, recorded) in &self.outcomes {
            let arm = &self.decisions[decision];
            per_arm.entry(arm.clone()).or_default().1 += recorded;
        }
        per_arm
    }
}

/// Workers alternate between the replicas: every ChooseArm is retried on the other replica with
/// the same request id (one decision), and every outcome is sent to both at once (one count).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_count_every_acknowledged_call_exactly() {
    let schema = Schema::new("counts").await;
    let (a, b) = (replica(&schema), replica(&schema));
    let mut setup = client(&a).await;
    let experiment = setup
        .create_experiment(experiment_request("two replicas"))
        .await
        .unwrap()
        .into_inner();

    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (mut first, mut second) = (client(&a).await, client(&b).await);
        if worker % 2 == 1 {
            std::mem::swap(&mut first, &mut second);
        }
        let (experiment_id, acknowledged) = (experiment.id.clone(), acknowledged.clone());
        workers.push(tokio::spawn(async move {
            for step in 0..40 {
                let request = ChooseArmRequest {
                    experiment_id: experiment_id.clone(),
                    request_id: format!("worker-{worker}-post-{step}"),
                };
                let (one, again) = tokio::join!(
                    first.choose_arm(request.clone()),
                    second.choose_arm(request)
                );
                let (one, again) = (one.unwrap().into_inner(), again.unwrap().into_inner());
                assert_eq!(
                    (&one.decision_id, &one.arm_id),
                    (&again.decision_id, &again.arm_id),
                    "a retried ChooseArm made a second decision"
                );

                let reward = f64::from((worker + step) % 3 == 0);
                let report = outcome(&one.decision_id, reward);
                let (x, y) = tokio::join!(
                    first.report_outcome(report.clone()),
                    second.report_outcome(report)
                );
                let recorded = [x.unwrap().into_inner(), y.unwrap().into_inner()]
                    .iter()
                    .filter(|response| response.recorded)
                    .count() as u64;
                assert_eq!(
                    recorded, 1,
                    "one outcome sent to both was recorded {recorded} times"
                );

                let mut acknowledged = acknowledged.lock().unwrap();
                acknowledged
                    .decisions
                    .insert(one.decision_id.clone(), one.arm_id);
                acknowledged.outcomes.insert(one.decision_id, recorded);
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }

    let expected = acknowledged.lock().unwrap().per_arm();
    assert_eq!(expected.values().map(|(d, _)| d).sum::<u64>(), 8 * 40);
    // GetExperiment reads the store on every replica, so both answer with every count.
    for server in [&a, &b] {
        let mut client = client(server).await;
        let seen = arm_counts(&get(&mut client, &experiment.id).await);
        for (arm, counted) in &expected {
            assert_eq!(
                seen.get(arm),
                Some(counted),
                "arm {arm} on {}",
                server.address
            );
        }
    }

    // A different reward for a decided outcome is refused by either replica.
    let decided = acknowledged
        .lock()
        .unwrap()
        .decisions
        .keys()
        .next()
        .cloned();
    let decided = decided.unwrap();
    let mut on_b = client(&b).await;
    for reward in [0.0, 1.0] {
        match on_b.report_outcome(outcome(&decided, reward)).await {
            Ok(response) => assert!(!response.into_inner().recorded),
            Err(status) => assert_eq!(status.code(), Code::AlreadyExists),
        }
    }

    drop((a, b));
    schema.drop().await;
}

/// Writers stream outcomes through replica A, which is killed with SIGKILL in the middle; they
/// carry on through B. B keeps serving, and every outcome either acknowledged is counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_mid_stream_loses_nothing_it_acknowledged() {
    let schema = Schema::new("sigkill").await;
    let (a, b) = (replica(&schema), replica(&schema));
    let mut setup = client(&b).await;
    let experiment = setup
        .create_experiment(experiment_request("replica crash"))
        .await
        .unwrap()
        .into_inner();
    let mut decisions = Vec::new();
    for _ in 0..600 {
        let request = ChooseArmRequest {
            experiment_id: experiment.id.clone(),
            request_id: String::new(),
        };
        decisions.push(setup.choose_arm(request).await.unwrap().into_inner());
    }

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for chunk in decisions.chunks(150) {
        let (chunk, acknowledged) = (chunk.to_vec(), acknowledged.clone());
        let (mut on_a, mut on_b) = (client(&a).await, client(&b).await);
        writers.push(tokio::spawn(async move {
            let mut a_alive = true;
            for (index, decision) in chunk.into_iter().enumerate() {
                let report = outcome(&decision.decision_id, f64::from(index % 2 == 0));
                if a_alive {
                    match on_a.report_outcome(report.clone()).await {
                        Ok(_) => {
                            acknowledged.lock().unwrap().push((report, 'a'));
                            continue;
                        }
                        // Not acknowledged: it may or may not be stored; B decides.
                        Err(_) => a_alive = false,
                    }
                }
                on_b.report_outcome(report.clone()).await.unwrap();
                acknowledged.lock().unwrap().push((report, 'b'));
            }
        }));
    }

    // A moment inside the stream that varies from run to run: after A acknowledged a few.
    let before_kill = 50 + std::process::id() as usize % 200;
    while acknowledged.lock().unwrap().len() < before_kill {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    a.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(acknowledged.len(), 600, "B refused an outcome after A died");
    let by_a = acknowledged.iter().filter(|(_, by)| *by == 'a').count();
    assert!(
        by_a > 0 && by_a < 600,
        "the kill was not mid-stream: A acknowledged {by_a} of 600"
    );

    let mut on_b = client(&b).await;
    let outcomes: u64 = arm_counts(&get(&mut on_b, &experiment.id).await)
        .values()
        .map(|(_, outcomes)| outcomes)
        .sum();
    assert_eq!(outcomes, 600, "every decision has exactly one outcome");
    for (report, _) in &acknowledged {
        let again = on_b.report_outcome(report.clone()).await.unwrap();
        assert!(
            !again.into_inner().recorded,
            "{} was acknowledged but is not stored",
            report.decision_id
        );
    }

    drop(b);
    schema.drop().await;
}
