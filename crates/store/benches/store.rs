//! Throughput of durable outcome writes through the SQLite store's group commit.
//!
//! Every measured `record_outcome` is acknowledged only after its transaction is synced to disk
//! (`synchronous = FULL`), so the number is what a service can promise for `ReportOutcome`
//! without the network. Decisions are made before the clock starts; each outcome reports a
//! decision of its own, so every write is an insert.
//!
//! Run with `cargo bench -p slotwise-store --bench store`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use slotwise_store::testsuite::{TENANT, decision_for, outcome_for, posting_time_experiment};
use slotwise_store::{ExperimentStore, OutcomeRecorded, SqliteStore, SqliteStoreConfig};
use tempfile::TempDir;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

/// Opens a store in a fresh directory with one running experiment.
async fn store_with_experiment() -> (TempDir, Arc<SqliteStore>, String) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let config = SqliteStoreConfig::at(directory.path().join("bench.db"));
    let store = SqliteStore::open(config).await.expect("open store");
    let experiment = store
        .create_experiment(TENANT, posting_time_experiment("bench"))
        .await
        .expect("create experiment");
    (directory, Arc::new(store), experiment.experiment_id)
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
    store: &Arc<SqliteStore>,
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

/// Times `count` outcome inserts from `writers` concurrent callers.
async fn time_outcomes(writers: usize, count: usize) -> Duration {
    let (_directory, store, experiment_id) = store_with_experiment().await;
    let decision_ids = Arc::new(make_decisions(&store, &experiment_id, count).await);

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

fn record_outcome_throughput(criterion: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let mut group = criterion.benchmark_group("record_outcome");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(1));

    for writers in [1, 64] {
        group.bench_function(format!("{writers}_writers"), |bencher| {
            bencher.iter_custom(|iterations| {
                let count = usize::try_from(iterations).expect("iteration count fits usize");
                runtime.block_on(time_outcomes(writers, count))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, record_outcome_throughput);
criterion_main!(benches);
