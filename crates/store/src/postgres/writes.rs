//! The writes of experiments and decisions, each one transaction (outcomes are in
//! `outcomes.rs`). Creating an experiment and recording a decision are one statement each, which
//! PostgreSQL commits on its own; a stop is a transaction of its lock and its update. A refused
//! write (an unknown experiment) changes nothing.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::checks::check_propensity;
use super::locks;
use super::reads::{fetch_decision_by_request, fetch_experiment};
use super::rows::experiment_columns;
use crate::StoreError;
use crate::model::{
    Decision, DecisionRecorded, Experiment, ExperimentStatus, NewDecision, NewExperiment,
};
use crate::rows::{decision_from_row, experiment_from_row, stored_time, to_millis};

/// Inserts a running experiment under a fresh id; one statement, so one transaction.
pub(super) async fn create_experiment(
    pool: &PgPool,
    tenant: &str,
    new: NewExperiment,
) -> Result<Experiment, StoreError> {
    let experiment_id = format!("exp_{}", Uuid::now_v7().simple());
    let status = ExperimentStatus::Running;

    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO experiments (tenant, experiment_id, name, kind, config, status, created_at)
         VALUES ($1, $2, $3, $4, $5::json, $6, $7)
         RETURNING seq",
    )
    .bind(tenant)
    .bind(&experiment_id)
    .bind(&new.name)
    .bind(&new.kind)
    .bind(new.config.to_string())
    .bind(status.as_str())
    .bind(to_millis(new.created_at))
    .fetch_one(pool)
    .await?;

    Ok(Experiment {
        tenant: tenant.to_owned(),
        experiment_id,
        seq,
        name: new.name,
        kind: new.kind,
        config: new.config,
        status,
        created_at: stored_time(new.created_at),
        stopped_at: None,
        stopped_seq: None,
    })
}

/// Stops a running experiment; a stopped one comes back as it is.
///
/// The exclusive experiment lock waits for every decision and outcome in flight for the
/// experiment to commit, and holds new ones off until the stop commits. So `stopped_seq`, taken
/// under the lock, is above the `seq` of every event committed before the stop and below that of
/// every event committed after it, on whichever replica each was written.
pub(super) async fn stop_experiment(
    pool: &PgPool,
    tenant: &str,
    experiment_id: &str,
    stopped_at: DateTime<Utc>,
) -> Result<Experiment, StoreError> {
    let mut transaction = pool.begin().await?;
    locks::lock_experiment(&mut transaction, tenant, experiment_id).await?;

    // This statement starts after the lock is granted, so it sees a stop that another replica
    // committed meanwhile and then changes nothing.
    let stopped = sqlx::query(concat!(
        "UPDATE experiments
         SET status = 'stopped', stopped_at = $3, stopped_seq = nextval('store_seq')
         WHERE tenant = $1 AND experiment_id = $2 AND status = 'running'
         RETURNING ",
        experiment_columns!()
    ))
    .bind(tenant)
    .bind(experiment_id)
    .bind(to_millis(stopped_at))
    .fetch_optional(&mut *transaction)
    .await?;
    let experiment = match stopped {
        Some(row) => experiment_from_row(&row)?,
        None => fetch_experiment(&mut *transaction, tenant, experiment_id).await?,
    };

    transaction.commit().await?;
    Ok(experiment)
}

/// Records a decision, or finds the one recorded for the same `request_id`.
///
/// Two replicas retrying the same ChooseArm at once both insert; the unique key on
/// (tenant, experiment_id, request_id) makes the second insert wait for the first to commit and
/// then do nothing, and the second replica reads and returns the first one's decision.
pub(super) async fn record_decision(
    pool: &PgPool,
    tenant: &str,
    new: NewDecision,
) -> Result<DecisionRecorded, StoreError> {
    check_propensity(new.propensity)?;
    let mut connection = pool.acquire().await?;

    if let Some(decision) = insert_decision(&mut connection, tenant, &new).await? {
        return Ok(DecisionRecorded::Inserted(decision));
    }

    // Nothing went in: the request id was recorded before, or the experiment does not exist.
    let request_id = new.request_id.as_deref();
    let earlier = match request_id {
        Some(request_id) => {
            fetch_decision_by_request(&mut connection, tenant, &new.experiment_id, request_id)
                .await?
        }
        None => None,
    };
    earlier
        .map(DecisionRecorded::Existing)
        .ok_or(StoreError::ExperimentNotFound {
            experiment_id: new.experiment_id,
        })
}

/// Inserts the decision under a fresh id; `None` when its experiment does not exist or its
/// request id was recorded before. One statement, so one transaction: it takes the experiment's
/// lock in share mode before the row takes its `seq`.
async fn insert_decision(
    connection: &mut PgConnection,
    tenant: &str,
    new: &NewDecision,
) -> Result<Option<Decision>, StoreError> {
    // MATERIALIZED keeps the lock call in the row the insert reads, so it runs first.
    let row = sqlx::query(
        "WITH experiment AS MATERIALIZED (
             SELECT tenant, experiment_id, share_experiment_lock(tenant, experiment_id)
             FROM experiments
             WHERE tenant = $1 AND experiment_id = $2
         )
         INSERT INTO decisions
             (tenant, decision_id, experiment_id, arm_index, propensity, request_id, decided_at)
         SELECT tenant, $3, experiment_id, $4, $5, $6, $7 FROM experiment
         ON CONFLICT (tenant, experiment_id, request_id) DO NOTHING
         RETURNING *",
    )
    .bind(tenant)
    .bind(&new.experiment_id)
    .bind(format!("dec_{}", Uuid::now_v7().simple()))
    .bind(i64::from(new.arm_index))
    .bind(new.propensity)
    .bind(&new.request_id)
    .bind(to_millis(new.decided_at))
    .fetch_optional(connection)
    .await?;

    row.as_ref().map(decision_from_row).transpose()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::DateTime;
    use serde_json::json;
    use sqlx::{Postgres, Transaction};

    use super::super::PostgresStore;
    use super::super::outcomes::write_outcomes;
    use super::super::test_database::Scratch;
    use super::*;
    use crate::model::{NewOutcome, OutcomeRecorded};
    use crate::{DEFAULT_TENANT, ExperimentStore};

    fn new_experiment() -> NewExperiment {
        NewExperiment {
            name: "stop race".to_owned(),
            kind: "POSTING_TIME".to_owned(),
            config: json!({"arms": ["morning", "evening"]}),
            created_at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        }
    }

    fn new_decision(experiment: &Experiment) -> NewDecision {
        NewDecision {
            experiment_id: experiment.experiment_id.clone(),
            arm_index: 1,
            propensity: 0.5,
            request_id: None,
            decided_at: experiment.created_at,
        }
    }

    /// Stops the experiment while `in_flight` (a transaction that wrote an event and has not
    /// committed, as a replica between its insert and its commit) is open, then commits it.
    /// Returns whether the stop waited for it, and the stopped experiment.
    async fn stop_during(
        store: &PostgresStore,
        experiment: &Experiment,
        in_flight: Transaction<'static, Postgres>,
    ) -> (bool, Experiment) {
        let stopping = tokio::spawn({
            let (store, id) = (store.clone(), experiment.experiment_id.clone());
            let stopped_at = experiment.created_at;
            async move { store.stop_experiment(DEFAULT_TENANT, &id, stopped_at).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let waited = !stopping.is_finished();

        in_flight.commit().await.unwrap();
        (waited, stopping.await.unwrap().unwrap())
    }

    /// A stop must wait for an outcome in flight, then number itself after it.
    #[tokio::test]
    async fn a_stop_waits_for_an_outcome_in_flight_and_numbers_itself_after_it() {
        let scratch = Scratch::new().await;
        let store = scratch.open().await;
        let experiment = store
            .create_experiment(DEFAULT_TENANT, new_experiment())
            .await
            .unwrap();
        let decision = store
            .record_decision(DEFAULT_TENANT, new_decision(&experiment))
            .await
            .unwrap();
        let outcome = NewOutcome {
            decision_id: decision.decision().decision_id.clone(),
            reward: 1.0,
            is_default: false,
            reported_at: experiment.created_at,
        };

        let mut in_flight = store.pool.begin().await.unwrap();
        let answers = write_outcomes(&mut in_flight, DEFAULT_TENANT, &[outcome])
            .await
            .unwrap();
        let Some(Ok(OutcomeRecorded::Inserted(written))) = answers.first() else {
            panic!("the outcome is inserted: {answers:?}");
        };
        let (waited, stopped) = stop_during(&store, &experiment, in_flight).await;

        assert!(waited, "the stop must wait for the outcome in flight");
        assert!(
            stopped.stopped_seq.is_some_and(|stop| stop > written.seq),
            "the stop is numbered after the outcome: {stopped:?}, {written:?}"
        );
    }

    /// The same for a decision in flight.
    #[tokio::test]
    async fn a_stop_waits_for_a_decision_in_flight_and_numbers_itself_after_it() {
        let scratch = Scratch::new().await;
        let store = scratch.open().await;
        let experiment = store
            .create_experiment(DEFAULT_TENANT, new_experiment())
            .await
            .unwrap();

        let mut in_flight = store.pool.begin().await.unwrap();
        let written = insert_decision(&mut in_flight, DEFAULT_TENANT, &new_decision(&experiment))
            .await
            .unwrap()
            .unwrap();
        let (waited, stopped) = stop_during(&store, &experiment, in_flight).await;

        assert!(waited, "the stop must wait for the decision in flight");
        assert!(
            stopped.stopped_seq.is_some_and(|stop| stop > written.seq),
            "the stop is numbered after the decision: {stopped:?}, {written:?}"
        );
    }
}
