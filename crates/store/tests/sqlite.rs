//! Runs the store conformance suite against the SQLite backend, one fresh database file per
//! scenario, plus the checks that only SQLite has (file layout, journal mode).

// Test helpers panic on a failed call: that failure is the test report.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use slotwise_store::testsuite;
use slotwise_store::{ExperimentStore, SqliteStore, SqliteStoreConfig};
use sqlx::{Connection, SqliteConnection};
use tempfile::TempDir;

async fn open_in(directory: &Path) -> SqliteStore {
    SqliteStore::open(SqliteStoreConfig::at(directory.join("slotwise.db")))
        .await
        .unwrap()
}

async fn fresh_store() -> (TempDir, SqliteStore) {
    let directory = tempfile::tempdir().unwrap();
    let store = open_in(directory.path()).await;
    (directory, store)
}

#[tokio::test]
async fn created_experiments_read_back_and_stop() {
    let (_directory, store) = fresh_store().await;
    testsuite::created_experiments_read_back_and_stop(&store).await;
}

#[tokio::test]
async fn experiments_page_in_creation_order() {
    let (_directory, store) = fresh_store().await;
    testsuite::experiments_page_in_creation_order(&store).await;
}

#[tokio::test]
async fn running_experiments_of_every_tenant_are_listed() {
    let (_directory, store) = fresh_store().await;
    testsuite::running_experiments_of_every_tenant_are_listed(&store).await;
}

#[tokio::test]
async fn other_tenants_ids_are_not_found() {
    let (_directory, store) = fresh_store().await;
    testsuite::other_tenants_ids_are_not_found(&store).await;
}

#[tokio::test]
async fn retried_decisions_return_the_first_decision() {
    let (_directory, store) = fresh_store().await;
    testsuite::retried_decisions_return_the_first_decision(&store).await;
}

#[tokio::test]
async fn outcomes_are_recorded_once() {
    let (_directory, store) = fresh_store().await;
    testsuite::outcomes_are_recorded_once(&store).await;
}

#[tokio::test]
async fn outcome_batches_answer_each_item() {
    let (_directory, store) = fresh_store().await;
    testsuite::outcome_batches_answer_each_item(&store).await;
}

#[tokio::test]
async fn unfaithful_values_are_rejected() {
    let (_directory, store) = fresh_store().await;
    testsuite::unfaithful_values_are_rejected(&store).await;
}

#[tokio::test]
async fn decisions_without_outcome_are_found_by_cutoff() {
    let (_directory, store) = fresh_store().await;
    testsuite::decisions_without_outcome_are_found_by_cutoff(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_outcomes_to_one_arm_are_counted_once() {
    let (_directory, store) = fresh_store().await;
    testsuite::concurrent_outcomes_to_one_arm_are_counted_once(Arc::new(store)).await;
}

#[tokio::test]
async fn history_replays_in_commit_order() {
    let (_directory, store) = fresh_store().await;
    testsuite::history_replays_in_commit_order(&store).await;
}

#[tokio::test]
async fn configurations_read_back_exactly() {
    let (_directory, store) = fresh_store().await;
    testsuite::configurations_read_back_exactly(&store).await;
}

#[tokio::test]
async fn writes_survive_reopening() {
    let directory = tempfile::tempdir().unwrap();
    let open = || async { Box::new(open_in(directory.path()).await) as Box<dyn ExperimentStore> };
    testsuite::writes_survive_reopening(open).await;
}

#[tokio::test]
async fn missing_parent_directories_are_created() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory
        .path()
        .join("data")
        .join("nested")
        .join("slotwise.db");

    let store = SqliteStore::open(SqliteStoreConfig::at(&path))
        .await
        .unwrap();

    assert!(path.is_file());
    store.close().await;
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_foreign_keys() {
    let directory = tempfile::tempdir().unwrap();
    let store = open_in(directory.path()).await;
    let path = store.path().to_owned();
    store.close().await;

    let url = format!("sqlite://{}", path.display());
    let mut connection = SqliteConnection::connect(&url).await.unwrap();
    let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(
        journal_mode, "wal",
        "WAL is a property of the file and must persist"
    );

    let orphan = sqlx::query(
        "INSERT INTO decisions
             (decision_id, experiment_id, seq, arm_index, propensity, decided_at)
         VALUES ('dec_orphan', 'exp_missing', 1, 0, 1.0, 0)",
    )
    .execute(&mut connection)
    .await;
    assert!(
        orphan.is_err(),
        "sqlx enables foreign keys on every connection"
    );
}

#[tokio::test]
async fn concurrent_decisions_survive_close_and_reopen() {
    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(open_in(directory.path()).await);
    let experiment = store
        .create_experiment(
            testsuite::TENANT,
            testsuite::posting_time_experiment("close"),
        )
        .await
        .unwrap();

    let mut writers = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (store, id) = (Arc::clone(&store), experiment.experiment_id.clone());
        writers.spawn(async move {
            store
                .record_decision(testsuite::TENANT, testsuite::decision_for(&id, 0, None))
                .await
        });
    }
    while let Some(answer) = writers.join_next().await {
        answer.unwrap().unwrap();
    }
    Arc::into_inner(store).unwrap().close().await;

    let reopened = open_in(directory.path()).await;
    let history = reopened
        .load_history(testsuite::TENANT, &experiment.experiment_id)
        .await;
    assert_eq!(history.unwrap().events.len(), 50);
}

mod audience {
    use std::sync::Arc;

    use slotwise_store::testsuite::audience as suite;

    use super::fresh_store;

    #[tokio::test]
    async fn activity_versions_read_back() {
        let (_directory, store) = fresh_store().await;
        suite::activity_versions_read_back(&store).await;
    }

    #[tokio::test]
    async fn other_tenants_accounts_are_not_found() {
        let (_directory, store) = fresh_store().await;
        suite::other_tenants_accounts_are_not_found(&store).await;
    }

    #[tokio::test]
    async fn post_performance_is_recorded_once() {
        let (_directory, store) = fresh_store().await;
        suite::post_performance_is_recorded_once(&store).await;
    }

    #[tokio::test]
    async fn post_performance_lists_oldest_post_first() {
        let (_directory, store) = fresh_store().await;
        suite::post_performance_lists_oldest_post_first(&store).await;
    }

    #[tokio::test]
    async fn decision_ids_must_exist() {
        let (_directory, store) = fresh_store().await;
        suite::decision_ids_must_exist(&store).await;
    }

    #[tokio::test]
    async fn unfaithful_audience_values_are_rejected() {
        let (_directory, store) = fresh_store().await;
        suite::unfaithful_audience_values_are_rejected(&store).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_reports_are_counted_once() {
        let (_directory, store) = fresh_store().await;
        suite::concurrent_reports_are_counted_once(Arc::new(store)).await;
    }
}
