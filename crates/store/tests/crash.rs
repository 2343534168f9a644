//! Crash test of the SQLite store: a child process streams outcomes and prints each one the
//! store acknowledged; the parent kills it with SIGKILL at a random moment, reopens the file and
//! requires every acknowledged outcome to be there, exactly once, with its reward.
//!
//! The child is the ignored test `report_outcomes_until_killed` of this same binary, started by
//! the parent with the database path in an environment variable.

// Test helpers panic on a failed call: that failure is the test report.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use slotwise_store::testsuite::{TENANT, decision_for, outcome_for, posting_time_experiment};
use slotwise_store::{ExperimentStore, HistoryEvent, SqliteStore, SqliteStoreConfig};
use tokio::task::JoinSet;

/// Tells the child test which database to write to; without it the child does nothing.
const CHILD_DATABASE: &str = "SLOTWISE_STORE_CRASH_DATABASE";
const DECISIONS: usize = 10_000;
const WRITERS: usize = 64;

/// The reward reported for the decision at `index`, so that a wrong reward is caught too.
fn reward_of(index: usize) -> f64 {
    (index % 5) as f64 * 0.25
}

#[test]
fn acknowledged_outcomes_survive_sigkill() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("crash.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let experiment_id = runtime.block_on(prepare_decisions(&path));
    let kill_after = 300 + random_below(3_000);

    let acknowledged = run_child_and_kill(&path, kill_after);

    assert!(
        acknowledged.len() >= kill_after,
        "the child acknowledged only {}",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < DECISIONS,
        "the child finished before it was killed"
    );
    runtime.block_on(check_acknowledged_outcomes(
        &path,
        &experiment_id,
        &acknowledged,
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of acknowledged_outcomes_survive_sigkill"]
async fn report_outcomes_until_killed() {
    let Ok(path) = std::env::var(CHILD_DATABASE) else {
        return;
    };
    let store = Arc::new(
        SqliteStore::open(SqliteStoreConfig::at(path))
            .await
            .unwrap(),
    );
    let experiment = store.list_running_experiments().await.unwrap().remove(0);
    let history = store
        .load_history(TENANT, &experiment.experiment_id)
        .await
        .unwrap();
    let decision_ids: Arc<Vec<String>> = Arc::new(
        history
            .events
            .into_iter()
            .filter_map(|event| match event {
                HistoryEvent::Decision(decision) => Some(decision.decision_id),
                HistoryEvent::Outcome(_) => None,
            })
            .collect(),
    );

    let mut writers = JoinSet::new();
    for writer in 0..WRITERS {
        let (store, decision_ids) = (Arc::clone(&store), Arc::clone(&decision_ids));
        writers.spawn(async move {
            for index in (writer..decision_ids.len()).step_by(WRITERS) {
                let outcome = outcome_for(&decision_ids[index], reward_of(index));
                store.record_outcome(TENANT, outcome).await.unwrap();
                // Printed only once the store acknowledged the outcome.
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "acked {index}").unwrap();
                stdout.flush().unwrap();
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
}

/// Creates the experiment and its decisions, then closes the store.
async fn prepare_decisions(path: &Path) -> String {
    let store = Arc::new(
        SqliteStore::open(SqliteStoreConfig::at(path))
            .await
            .unwrap(),
    );
    let experiment = store
        .create_experiment(TENANT, posting_time_experiment("crash"))
        .await
        .unwrap();

    let mut writers = JoinSet::new();
    for writer in 0..WRITERS {
        let (store, experiment_id) = (Arc::clone(&store), experiment.experiment_id.clone());
        writers.spawn(async move {
            for _ in (writer..DECISIONS).step_by(WRITERS) {
                store
                    .record_decision(TENANT, decision_for(&experiment_id, 0, None))
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }

    Arc::into_inner(store).unwrap().close().await;
    experiment.experiment_id
}

/// Runs the child, kills it with SIGKILL after `kill_after` acknowledgements, and returns every
/// index it acknowledged (including those still in the pipe when it died).
fn run_child_and_kill(path: &Path, kill_after: usize) -> Vec<usize> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "report_outcomes_until_killed",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DATABASE, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let mut acknowledged = Vec::new();
    while acknowledged.len() < kill_after {
        let Some(line) = lines.next() else { break };
        acknowledged.extend(acknowledged_index(&line.unwrap()));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for line in lines {
        acknowledged.extend(acknowledged_index(&line.unwrap()));
    }
    acknowledged
}

fn acknowledged_index(line: &str) -> Option<usize> {
    line.strip_prefix("acked ")
        .and_then(|index| index.parse().ok())
}

async fn check_acknowledged_outcomes(path: &Path, experiment_id: &str, acknowledged: &[usize]) {
    let store = SqliteStore::open(SqliteStoreConfig::at(path))
        .await
        .unwrap();
    let history = store.load_history(TENANT, experiment_id).await.unwrap();

    let mut decision_ids = Vec::new();
    let mut rewards = std::collections::HashMap::new();
    for event in history.events {
        match event {
            HistoryEvent::Decision(decision) => decision_ids.push(decision.decision_id),
            HistoryEvent::Outcome(outcome) => {
                let earlier = rewards.insert(outcome.decision_id.clone(), outcome.reward);
                assert!(
                    earlier.is_none(),
                    "decision {} has two outcomes",
                    outcome.decision_id
                );
            }
        }
    }

    let unique: HashSet<_> = acknowledged.iter().collect();
    assert_eq!(
        unique.len(),
        acknowledged.len(),
        "an outcome was acknowledged twice"
    );
    for &index in acknowledged {
        let reward = rewards.get(&decision_ids[index]);
        assert_eq!(
            reward,
            Some(&reward_of(index)),
            "acknowledged outcome {index} was lost"
        );
    }
    assert!(rewards.len() >= acknowledged.len());
}

/// A number below `bound` that differs from run to run; the kill moment needs no better.
fn random_below(bound: usize) -> usize {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    nanos as usize % bound
}
