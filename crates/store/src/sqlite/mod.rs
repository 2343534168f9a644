//! The embedded SQLite store: one database file in WAL mode, writes through a group-commit
//! writer task, reads through a small connection pool.
//!
//! Every acknowledged write survives a `kill -9` of the process: the writer commits with
//! `synchronous = FULL`, which syncs the write-ahead log to disk before the commit returns.
//! The file belongs to one service process at a time.

mod audience;
mod group_commit;
mod outcomes;
mod reads;
mod writes;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};

use self::group_commit::GroupCommitWriter;
use self::outcomes::RecordOutcomes;
use self::writes::{CreateExperiment, RecordDecision, StopExperiment};
use crate::StoreError;
use crate::model::{
    Decision, DecisionRecorded, Experiment, ExperimentHistory, ExperimentPage, NewDecision,
    NewExperiment, NewOutcome, OutcomeRecorded,
};
use crate::store::{ExperimentStore, decode_page_token, effective_page_size};

/// Where the database lives when the configuration does not say.
pub const DEFAULT_DATABASE_PATH: &str = "./data/slotwise.db";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How to open the SQLite store.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteStoreConfig {
    /// The database file; missing parent directories are created.
    pub path: PathBuf,
    /// Connections of the read pool.
    pub read_connections: u32,
    /// How long a statement waits for a lock held by another connection before failing.
    pub busy_timeout: Duration,
    /// Writes that may wait for the writer before callers are held back.
    pub write_queue_capacity: usize,
    /// Most writes committed in one transaction.
    pub max_writes_per_commit: usize,
}

impl Default for SqliteStoreConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from(DEFAULT_DATABASE_PATH),
            read_connections: 4,
            busy_timeout: Duration::from_secs(5),
            write_queue_capacity: 16_384,
            max_writes_per_commit: 2_048,
        }
    }
}

impl SqliteStoreConfig {
    /// The default configuration for a database at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }
}

/// Experiments, decisions and outcomes in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    read_pool: SqlitePool,
    writer: GroupCommitWriter,
}

impl SqliteStore {
    /// Opens (or creates) the database, applies pending migrations and starts the writer task.
    /// Must be called inside a tokio runtime.
    pub async fn open(config: SqliteStoreConfig) -> Result<Self, StoreError> {
        create_parent_directory(&config.path)?;
        let options = connect_options(&config);

        let mut writer_connection = options.connect().await?;
        MIGRATOR.run(&mut writer_connection).await?;
        let read_pool = SqlitePoolOptions::new()
            .max_connections(config.read_connections.max(1))
            .connect_with(options)
            .await?;
        let writer = GroupCommitWriter::spawn(
            writer_connection,
            config.write_queue_capacity,
            config.max_writes_per_commit,
        );

        Ok(Self {
            path: config.path,
            read_pool,
            writer,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Commits the writes already queued, then closes every connection. Dropping the store
    /// instead also commits queued writes, but without waiting for them.
    pub async fn close(self) {
        self.writer.shut_down().await;
        self.read_pool.close().await;
    }
}

fn create_parent_directory(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDirectory {
                path: parent.to_owned(),
                source,
            })
        }
        _ => Ok(()),
    }
}

fn connect_options(config: &SqliteStoreConfig) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(&config.path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(config.busy_timeout)
        .foreign_keys(true)
}

#[async_trait]
impl ExperimentStore for SqliteStore {
    async fn create_experiment(
        &self,
        tenant: &str,
        experiment: NewExperiment,
    ) -> Result<Experiment, StoreError> {
        let tenant = tenant.to_owned();
        self.writer
            .submit(CreateExperiment { tenant, experiment })
            .await
    }

    async fn get_experiment(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<Experiment, StoreError> {
        reads::fetch_experiment(&self.read_pool, tenant, experiment_id).await
    }

    async fn list_experiments(
        &self,
        tenant: &str,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<ExperimentPage, StoreError> {
        let after_seq = decode_page_token(page_token)?;
        let page_size = effective_page_size(page_size);
        reads::list_experiments(&self.read_pool, tenant, after_seq, page_size).await
    }

    async fn list_running_experiments(&self) -> Result<Vec<Experiment>, StoreError> {
        reads::list_running_experiments(&self.read_pool).await
    }

    async fn stop_experiment(
        &self,
        tenant: &str,
        experiment_id: &str,
        stopped_at: DateTime<Utc>,
    ) -> Result<Experiment, StoreError> {
        let (tenant, experiment_id) = (tenant.to_owned(), experiment_id.to_owned());
        self.writer
            .submit(StopExperiment {
                tenant,
                experiment_id,
                stopped_at,
            })
            .await
    }

    async fn record_decision(
        &self,
        tenant: &str,
        decision: NewDecision,
    ) -> Result<DecisionRecorded, StoreError> {
        let tenant = tenant.to_owned();
        self.writer
            .submit(RecordDecision { tenant, decision })
            .await
    }

    async fn get_decision(&self, tenant: &str, decision_id: &str) -> Result<Decision, StoreError> {
        reads::fetch_decision(&self.read_pool, tenant, decision_id).await
    }

    async fn record_outcome(
        &self,
        tenant: &str,
        outcome: NewOutcome,
    ) -> Result<OutcomeRecorded, StoreError> {
        let mut answers = self.record_outcomes(tenant, vec![outcome]).await?;
        answers.pop().unwrap_or(Err(StoreError::WriterStopped))
    }

    async fn record_outcomes(
        &self,
        tenant: &str,
        outcomes: Vec<NewOutcome>,
    ) -> Result<Vec<Result<OutcomeRecorded, StoreError>>, StoreError> {
        let tenant = tenant.to_owned();
        self.writer
            .submit_outcomes(RecordOutcomes { tenant, outcomes })
            .await
    }

    async fn decisions_without_outcome_before(
        &self,
        tenant: &str,
        experiment_id: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<Decision>, StoreError> {
        reads::decisions_without_outcome_before(&self.read_pool, tenant, experiment_id, cutoff)
            .await
    }

    async fn load_history(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<ExperimentHistory, StoreError> {
        reads::load_history(&self.read_pool, tenant, experiment_id).await
    }
}
