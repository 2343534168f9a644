//! The PostgreSQL store: one database shared by several service replicas, each with a pool of
//! its own.
//!
//! # Writes
//!
//! Every write is one transaction and returns once PostgreSQL committed it, so it is as durable
//! as the server makes commits (`fsync = on` and `synchronous_commit` not `off`, the defaults; the
//! store warns at connect otherwise). The hot writes, decisions and outcomes (a batch too), are a
//! single statement each: one round trip, committed on its own. There is no writer task:
//! PostgreSQL already flushes the commits of concurrent transactions together.
//!
//! Nothing is read, changed in the application and written back. Outcomes and post performance
//! are append-only rows whose key is the idempotency key (`ON CONFLICT DO NOTHING`, then the stored
//! row is compared with the report); a retried decision finds the first one through a unique
//! `request_id`; activity versions are taken under a per-account lock (see `audience.rs`); counts
//! are `COUNT(*)` of rows.
//!
//! # The order of `seq`
//!
//! Every row takes its `seq` from one sequence (`store_seq`) when it is inserted. A sequence
//! hands out numbers at insert time, and two transactions in flight at once may commit in the
//! other order, so unlike SQLite's `seq` this is not the commit order. What still holds:
//!
//! - `load_history` replays events in ascending `seq`, the order they were inserted in, from one
//!   `REPEATABLE READ` snapshot. Events are out of commit order only between transactions that
//!   overlapped in time, that is, between calls no client could have ordered.
//! - An outcome always follows its decision: it can only be written once the decision is
//!   committed, and so takes its number after the decision took its own.
//! - A stop splits history exactly. Every write that gives a decision or an outcome its `seq`
//!   holds the experiment's advisory lock in share mode; the stop takes it exclusively, which
//!   waits for those in flight and holds off new ones, and takes `stopped_seq` under it. So an
//!   event has a `seq` below `stopped_seq` exactly when it committed before the stop.
//!
//! That is all the service needs (`crates/server/src/experiments`): decisions and outcomes only
//! add to per-arm counts and sufficient statistics, which do not depend on the order they are
//! added in, and the half-life decay of old outcomes weighs each by its `reported_at` timestamp,
//! not by its place in the history. Replay only needs to know which outcomes came before the
//! stop, and that the stop gives exactly. Experiments page by `seq` too; `reads::list_experiments`
//! says what that means for a listing taken while another replica creates experiments.

mod audience;
mod checks;
mod locks;
mod outcomes;
mod reads;
mod rows;
#[cfg(test)]
mod test_database;
mod writes;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tracing::warn;

use crate::StoreError;
use crate::model::{
    Decision, DecisionRecorded, Experiment, ExperimentHistory, ExperimentPage, NewDecision,
    NewExperiment, NewOutcome, OutcomeRecorded,
};
use crate::store::{ExperimentStore, decode_page_token, effective_page_size};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-postgres");

/// How to connect to the PostgreSQL store.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresStoreConfig {
    /// A `postgres://user:password@host:port/database` URL.
    pub url: String,
    /// Connections of this process's pool; each replica has its own.
    pub max_connections: u32,
    /// The schema the store's tables live in, set as `search_path` on every connection. It must
    /// exist; `None` keeps the server's `search_path` (normally `public`).
    pub schema: Option<String>,
    /// How long a call waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PostgresStoreConfig {
    fn default() -> Self {
        Self {
            url: "postgres://localhost:5432/slotwise".to_owned(),
            max_connections: 16,
            schema: None,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl PostgresStoreConfig {
    /// The default configuration for the database at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }
}

/// Experiments, decisions, outcomes and audience data in a PostgreSQL database that several
/// service processes share.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects, applies pending migrations (replicas starting together take turns on sqlx's
    /// migration lock) and checks that commits are durable.
    pub async fn connect(config: PostgresStoreConfig) -> Result<Self, StoreError> {
        let options = connect_options(&config)?;
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options)
            .await?;

        MIGRATOR.run(&pool).await?;
        warn_unless_durable(&pool).await?;

        Ok(Self { pool })
    }

    /// Closes every connection of the pool, after the calls in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn connect_options(config: &PostgresStoreConfig) -> Result<PgConnectOptions, StoreError> {
    let options = PgConnectOptions::from_str(&config.url)?.application_name("slotwise");

    Ok(match &config.schema {
        Some(schema) => options.options([("search_path", schema)]),
        None => options,
    })
}

/// A server that acknowledges commits before they reach the disk breaks the store's promise
/// that an acknowledged write survives a crash; say so once at start-up.
async fn warn_unless_durable(pool: &PgPool) -> Result<(), StoreError> {
    let (fsync, synchronous_commit): (String, String) =
        sqlx::query_as("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
            .fetch_one(pool)
            .await?;

    // Every other `synchronous_commit` setting waits at least for the local flush.
    if fsync != "on" || synchronous_commit == "off" {
        warn!(
            fsync,
            synchronous_commit, "postgresql may acknowledge commits that a crash then loses"
        );
    }
    Ok(())
}

#[async_trait]
impl ExperimentStore for PostgresStore {
    async fn create_experiment(
        &self,
        tenant: &str,
        experiment: NewExperiment,
    ) -> Result<Experiment, StoreError> {
        writes::create_experiment(&self.pool, tenant, experiment).await
    }

    async fn get_experiment(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<Experiment, StoreError> {
        reads::fetch_experiment(&self.pool, tenant, experiment_id).await
    }

    async fn list_experiments(
        &self,
        tenant: &str,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<ExperimentPage, StoreError> {
        let after_seq = decode_page_token(page_token)?;
        let page_size = effective_page_size(page_size);
        reads::list_experiments(&self.pool, tenant, after_seq, page_size).await
    }

    async fn list_running_experiments(&self) -> Result<Vec<Experiment>, StoreError> {
        reads::list_running_experiments(&self.pool).await
    }

    async fn stop_experiment(
        &self,
        tenant: &str,
        experiment_id: &str,
        stopped_at: DateTime<Utc>,
    ) -> Result<Experiment, StoreError> {
        writes::stop_experiment(&self.pool, tenant, experiment_id, stopped_at).await
    }

    async fn record_decision(
        &self,
        tenant: &str,
        decision: NewDecision,
    ) -> Result<DecisionRecorded, StoreError> {
        writes::record_decision(&self.pool, tenant, decision).await
    }

    async fn get_decision(&self, tenant: &str, decision_id: &str) -> Result<Decision, StoreError> {
        reads::fetch_decision(&self.pool, tenant, decision_id).await
    }

    async fn record_outcome(
        &self,
        tenant: &str,
        outcome: NewOutcome,
    ) -> Result<OutcomeRecorded, StoreError> {
        let mut answers = outcomes::record_outcomes(&self.pool, tenant, &[outcome]).await?;
        answers
            .pop()
            .unwrap_or(Err(StoreError::Database(sqlx::Error::RowNotFound)))
    }

    async fn record_outcomes(
        &self,
        tenant: &str,
        outcomes: Vec<NewOutcome>,
    ) -> Result<Vec<Result<OutcomeRecorded, StoreError>>, StoreError> {
        outcomes::record_outcomes(&self.pool, tenant, &outcomes).await
    }

    async fn decisions_without_outcome_before(
        &self,
        tenant: &str,
        experiment_id: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<Decision>, StoreError> {
        reads::decisions_without_outcome_before(&self.pool, tenant, experiment_id, cutoff).await
    }

    async fn load_history(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<ExperimentHistory, StoreError> {
        reads::load_history(&self.pool, tenant, experiment_id).await
    }
}
