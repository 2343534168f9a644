//! Throughput of durable outcome writes: through the SQLite store's group commit, and through the
//! PostgreSQL store on the database that `SLOTWISE_TEST_DATABASE_URL` names.
//!
//! Every measured `record_outcome` is acknowledged only after its transaction is synced to disk
//! (SQLite with `synchronous = FULL`, PostgreSQL with `synchronous_commit = on`), so the number is
//! what a service can promise for `ReportOutcome` without the network. Decisions are made before
//! the clock starts; each outcome reports a decision of its own, so every write is an insert.
//!
//! Run with `cargo bench -p slotwise-store --bench store`. Without `SLOTWISE_TEST_DATABASE_URL`
//! only SQLite is measured, and the bench says so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use slotwise_store::testsuite::{TENANT, decision_for, outcome_for, posting_time_experiment};
use slotwise_store::{
    ExperimentStore, OutcomeRecorded, PostgresStore, PostgresStoreConfig, SqliteStore,
    SqliteStoreConfig,
};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use tempfile::TempDir;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const WRITERS: [usize; 2] = [1, 64];

/// Opens a SQLite store in a fresh directory; the directory goes when the store is done.
async fn sqlite_store() -> (TempDir, Arc<dyn ExperimentStore>) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let config = SqliteStoreConfig::at(directory.path().join("bench.db"));
    let store = SqliteStore::open(config).await.expect("open store");
    (directory, Arc::new(store))
}

/// Runs `count` calls of `call` spread over `writers` concurrent tasks.
async fn run_concurrently<F, Fut>(writers: usize, count: usize, call: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let mut tasks = JoinSet::new();
    for writer in 0..writers {
        let call = Arc::clone(&call);
        tasks.spawn(async move {
            for index in (writer..count).step_by(writers) {
                call(index).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("writer task");
    }
}

async fn make_decisions(
    store: &Arc<dyn ExperimentStore>,
    experiment_id: &str,
    count: usize,
) -> Vec<String> {
    let mut decision_ids = Vec::with_capacity(count);
    for chunk_start in (0..count).step_by(1_000) {
        let chunk = (count - chunk_start).min(1_000);
        let mut tasks = JoinSet::new();
        for _ in 0..chunk {
            let (store, id) = (Arc::clone(store), experiment_id.to_owned());
            tasks.spawn(async move {
                store
                    .record_decision(TENANT, decision_for(&id, 0, None))
                    .await
            });
        }
        while let Some(answer) = tasks.join_next().await {
            let recorded = answer.expect("decision task").expect("record decision");
            decision_ids.push(recorded.decision().decision_id.clone());
        }
    }
    decision_ids
}

/// Times `count` outcome inserts from `writers` concurrent callers, on a new experiment.
async fn time_outcomes(store: Arc<dyn ExperimentStore>, writers: usize, count: usize) -> Duration {
    let experiment = store
        .create_experiment(TENANT, posting_time_experiment("bench"))
        .await
        .expect("create experiment");
    let decision_ids = Arc::new(make_decisions(&store, &experiment.experiment_id, count).await);

    let started = Instant::now();
    run_concurrently(writers, count, move |index| {
        let (store, decision_ids) = (Arc::clone(&store), Arc::clone(&decision_ids));
        async move {
            let outcome = outcome_for(&decision_ids[index], 1.0);
            let recorded = store
                .record_outcome(TENANT, outcome)
                .await
                .expect("record outcome");
            assert!(matches!(recorded, OutcomeRecorded::Inserted(_)));
        }
    })
    .await;
    started.elapsed()
}

fn outcome_group<'a>(criterion: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = criterion.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(1));
    group
}

/// SQLite: a fresh database file for every measurement.
fn sqlite_throughput(criterion: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let mut group = outcome_group(criterion, "record_outcome");

    for writers in WRITERS {
        group.bench_function(format!("{writers}_writers"), |bencher| {
            bencher.iter_custom(|iterations| {
                let count = usize::try_from(iterations).expect("iteration count fits usize");
                runtime.block_on(async {
                    let (_directory, store) = sqlite_store().await;
                    time_outcomes(store, writers, count).await
                })
            });
        });
    }
    group.finish();
}

/// A schema of its own for the bench on the test database, and a store (one replica's pool,
/// the default configuration) on it.
async fn postgres_store(url: &str) -> (String, Arc<dyn ExperimentStore>) {
    let schema = format!("slotwise_bench_{}", uuid::Uuid::now_v7().simple());
    run_admin(url, format!("CREATE SCHEMA {schema}")).await;
    let config = PostgresStoreConfig {
        schema: Some(schema.clone()),
        ..PostgresStoreConfig::new(url)
    };
    let store = PostgresStore::connect(config).await.expect("connect store");
    (schema, Arc::new(store))
}

async fn run_admin(url: &str, statement: String) {
    let mut admin = PgConnection::connect(url).await.expect("connect admin");
    admin
        .execute(AssertSqlSafe(statement))
        .await
        .expect("admin statement");
    admin.close().await.expect("close admin");
}

/// PostgreSQL: one store for the whole group, a new experiment for every measurement.
fn postgres_throughput(criterion: &mut Criterion) {
    let Ok(url) = std::env::var("SLOTWISE_TEST_DATABASE_URL") else {
        eprintln!("SLOTWISE_TEST_DATABASE_URL is not set: PostgreSQL is not measured");
        return;
    };
    let runtime = Runtime::new().expect("tokio runtime");
    let (schema, store) = runtime.block_on(postgres_store(&url));
    let mut group = outcome_group(criterion, "record_outcome_postgres");

    for writers in WRITERS {
        group.bench_function(format!("{writers}_writers"), |bencher| {
            bencher.iter_custom(|iterations| {
                let count = usize::try_from(iterations).expect("iteration count fits usize");
                runtime.block_on(time_outcomes(Arc::clone(&store), writers, count))
            });
        });
    }
    group.finish();

    drop(store);
    runtime.block_on(run_admin(&url, format!("DROP SCHEMA {schema} CASCADE")));
}

criterion_group!(benches, sqlite_throughput, postgres_throughput);
criterion_main!(benches);
