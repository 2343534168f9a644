//! Durable ReportOutcome throughput through gRPC: real `slotwise serve` processes on loopback
//! and many concurrent tonic clients on the same machine, over a fresh SQLite file and, when
//! `SLOTWISE_BENCH_DATABASE_URL` names a PostgreSQL database, over one and over two replicas
//! sharing it (a fresh schema each; the clients' connections alternate between replicas).
//!
//! Run with `cargo bench --bench grpc_outcomes`; it prints one line per scenario. Every
//! outcome counted here was acknowledged by a server, which acknowledges only committed
//! writes, and every replica counts all of them at the end.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use slotwise_proto::v1::{
    Arm, ChooseArmRequest, CreateExperimentRequest, ExperimentKind, GetExperimentRequest, Policy,
    PolicyKind, ReportOutcomeRequest, ReportOutcomesRequest, RewardModel,
    experiment_service_client::ExperimentServiceClient,
};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use tonic::transport::Channel;

const DECISIONS: usize = 40_000;
const CONNECTIONS: usize = 8;
const CALLS_IN_FLIGHT: usize = 128;

struct Server {
    child: Child,
    endpoint: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the servers of a scenario keep their state.
enum Backing {
    Sqlite(tempfile::TempDir),
    /// A database URL whose connections use a schema of their own.
    Postgres(String),
}

fn start_server(backing: &Backing) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slotwise"));
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    match backing {
        Backing::Sqlite(data) => command
            .arg("--database")
            .arg(data.path().join("slotwise.db")),
        Backing::Postgres(url) => command.args(["--database-url", url]),
    };
    let mut child = command
        .env("SLOTWISE_LOG", "warn,slotwise_server::serve=info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines();
    let endpoint = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("address=").nth(1) {
            break format!("http://{}", rest.split_whitespace().next().unwrap());
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, endpoint }
}

async fn experiment(client: &mut ExperimentServiceClient<Channel>) -> String {
    let request = CreateExperimentRequest {
        name: "throughput".into(),
        kind: ExperimentKind::PostingTime as i32,
        arms: (0..10)
            .map(|index| Arm {
                id: format!("slot-{index}"),
                label: String::new(),
            })
            .collect(),
        policy: Some(Policy {
            kind: PolicyKind::Thompson as i32,
            ..Default::default()
        }),
        reward_model: RewardModel::Bernoulli as i32,
        ..Default::default()
    };
    client
        .create_experiment(request)
        .await
        .unwrap()
        .into_inner()
        .id
}

async fn decisions(
    clients: &[ExperimentServiceClient<Channel>],
    experiment_id: &str,
) -> Vec<String> {
    let mut tasks = Vec::new();
    for worker in 0..CALLS_IN_FLIGHT {
        let mut client = clients[worker % clients.len()].clone();
        let experiment_id = experiment_id.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..DECISIONS / CALLS_IN_FLIGHT {
                let request = ChooseArmRequest {
                    experiment_id: experiment_id.clone(),
                    request_id: String::new(),
                };
                ids.push(
                    client
                        .choose_arm(request)
                        .await
                        .unwrap()
                        .into_inner()
                        .decision_id,
                );
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }
    ids
}

fn outcome(decision_id: String, index: usize) -> ReportOutcomeRequest {
    ReportOutcomeRequest {
        decision_id,
        reward: f64::from(index.is_multiple_of(3)),
        observed_at: None,
    }
}

/// One ReportOutcome call per outcome, CALLS_IN_FLIGHT at a time.
async fn report_one_by_one(
    clients: &[ExperimentServiceClient<Channel>],
    ids: Vec<String>,
) -> Duration {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (worker, chunk) in ids.chunks(ids.len().div_ceil(CALLS_IN_FLIGHT)).enumerate() {
        let (mut client, chunk) = (clients[worker % clients.len()].clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for (index, decision_id) in chunk.into_iter().enumerate() {
                client
                    .report_outcome(outcome(decision_id, index))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

/// ReportOutcomes calls of `batch` outcomes, CONNECTIONS at a time.
async fn report_in_batches(
    clients: &[ExperimentServiceClient<Channel>],
    ids: Vec<String>,
    batch: usize,
) -> Duration {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (worker, chunk) in ids.chunks(ids.len().div_ceil(CONNECTIONS)).enumerate() {
        let (mut client, chunk) = (clients[worker % clients.len()].clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for calls in chunk.chunks(batch) {
                let outcomes = calls
                    .iter()
                    .enumerate()
                    .map(|(index, id)| outcome(id.clone(), index))
                    .collect();
                let results = client
                    .report_outcomes(ReportOutcomesRequest { outcomes })
                    .await
                    .unwrap()
                    .into_inner()
                    .results;
                assert!(results.iter().all(|result| result.code == 0));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

async fn counted_outcomes(
    client: &mut ExperimentServiceClient<Channel>,
    experiment_id: &str,
) -> u64 {
    let request = GetExperimentRequest {
        experiment_id: experiment_id.to_owned(),
    };
    let experiment = client.get_experiment(request).await.unwrap().into_inner();
    experiment
        .summary
        .unwrap()
        .arms
        .iter()
        .map(|arm| arm.outcomes)
        .sum()
}

/// A fresh schema on the benchmark database; the URL that uses it.
async fn fresh_schema(base: &str, name: &str) -> String {
    let mut admin = PgConnection::connect(base).await.unwrap();
    let drop = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
    admin.execute(AssertSqlSafe(drop)).await.unwrap();
    let create = format!("CREATE SCHEMA {name}");
    admin.execute(AssertSqlSafe(create)).await.unwrap();
    admin.close().await.unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{name}")
}

async fn scenario(label: &str, backing: &Backing, replicas: usize) {
    let servers: Vec<Server> = (0..replicas).map(|_| start_server(backing)).collect();
    let mut clients = Vec::new();
    for connection in 0..CONNECTIONS {
        let server = &servers[connection % servers.len()];
        clients.push(
            ExperimentServiceClient::connect(server.endpoint.clone())
                .await
                .unwrap(),
        );
    }

    let experiment_id = experiment(&mut clients[0]).await;
    let ids = decisions(&clients, &experiment_id).await;
    let (single, batched) = ids.split_at(ids.len() / 2);

    let elapsed = report_one_by_one(&clients, single.to_vec()).await;
    println!(
        "{label}: ReportOutcome   {} outcomes, {CALLS_IN_FLIGHT} calls in flight over {CONNECTIONS} connections: {:.0} outcomes/s",
        single.len(),
        single.len() as f64 / elapsed.as_secs_f64()
    );

    let elapsed = report_in_batches(&clients, batched.to_vec(), 100).await;
    println!(
        "{label}: ReportOutcomes  {} outcomes in batches of 100, {CONNECTIONS} calls in flight: {:.0} outcomes/s",
        batched.len(),
        batched.len() as f64 / elapsed.as_secs_f64()
    );

    // The first clients are one per replica.
    for client in clients.iter_mut().take(replicas) {
        let counted = counted_outcomes(client, &experiment_id).await;
        assert_eq!(
            counted,
            ids.len() as u64,
            "a replica counted a different number of outcomes"
        );
    }
}

async fn run() {
    let sqlite = Backing::Sqlite(tempfile::tempdir().unwrap());
    scenario("SQLite, 1 process", &sqlite, 1).await;

    let Ok(base) = std::env::var("SLOTWISE_BENCH_DATABASE_URL") else {
        println!("SLOTWISE_BENCH_DATABASE_URL is not set: no PostgreSQL scenarios");
        return;
    };
    for replicas in [1, 2] {
        let url = fresh_schema(&base, &format!("slotwise_bench_{replicas}")).await;
        let label = format!("PostgreSQL, {replicas} replica(s)");
        scenario(&label, &Backing::Postgres(url), replicas).await;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not run this long load.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}
