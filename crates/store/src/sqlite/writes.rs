//! The writes of experiments and decisions, each applied on its own by the group-commit writer
//! inside a transaction that it shares with other writes (outcomes are in `outcomes.rs`).
//!
//! A write answers in two ways: `Err(StoreError::Database(_))` means a statement failed and the
//! whole transaction must roll back; any other answer, including errors such as an unknown
//! experiment, is the caller's result and is delivered once the transaction commits. Every such
//! check happens before the write's first statement that changes data.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::group_commit::WriteOperation;
use super::reads::{fetch_decision_by_request, fetch_experiment};
use crate::StoreError;
use crate::model::{
    Decision, DecisionRecorded, Experiment, ExperimentStatus, NewDecision, NewExperiment,
};
use crate::rows::{stored_time, to_millis};

/// Creates one experiment.
#[derive(Debug)]
pub(super) struct CreateExperiment {
    pub tenant: String,
    pub experiment: NewExperiment,
}

/// Stops one experiment.
#[derive(Debug)]
pub(super) struct StopExperiment {
    pub tenant: String,
    pub experiment_id: String,
    pub stopped_at: DateTime<Utc>,
}

/// Records one decision.
#[derive(Debug)]
pub(super) struct RecordDecision {
    pub tenant: String,
    pub decision: NewDecision,
}

#[async_trait]
impl WriteOperation for CreateExperiment {
    type Output = Experiment;

    async fn apply(&self, connection: &mut SqliteConnection) -> Result<Experiment, StoreError> {
        let seq = next_seq(connection).await?;
        let experiment = Experiment {
            tenant: self.tenant.clone(),
            experiment_id: format!("exp_{}", Uuid::now_v7().simple()),
            seq,
            name: self.experiment.name.clone(),
            kind: self.experiment.kind.clone(),
            config: self.experiment.config.clone(),
            status: ExperimentStatus::Running,
            created_at: stored_time(self.experiment.created_at),
            stopped_at: None,
            stopped_seq: None,
        };

        sqlx::query(
            "INSERT INTO experiments
                 (tenant, experiment_id, seq, name, kind, config, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&experiment.tenant)
        .bind(&experiment.experiment_id)
        .bind(experiment.seq)
        .bind(&experiment.name)
        .bind(&experiment.kind)
        .bind(experiment.config.to_string())
        .bind(experiment.status.as_str())
        .bind(to_millis(experiment.created_at))
        .execute(connection)
        .await?;

        Ok(experiment)
    }
}

#[async_trait]
impl WriteOperation for StopExperiment {
    type Output = Experiment;

    async fn apply(&self, connection: &mut SqliteConnection) -> Result<Experiment, StoreError> {
        let mut experiment =
            fetch_experiment(&mut *connection, &self.tenant, &self.experiment_id).await?;
        if experiment.status == ExperimentStatus::Stopped {
            return Ok(experiment);
        }

        experiment.status = ExperimentStatus::Stopped;
        experiment.stopped_at = Some(stored_time(self.stopped_at));
        experiment.stopped_seq = Some(next_seq(connection).await?);

        sqlx::query(
            "UPDATE experiments
             SET status = ?, stopped_at = ?, stopped_seq = ?
             WHERE tenant = ? AND experiment_id = ?",
        )
        .bind(experiment.status.as_str())
        .bind(to_millis(self.stopped_at))
        .bind(experiment.stopped_seq)
        .bind(&self.tenant)
        .bind(&self.experiment_id)
        .execute(connection)
        .await?;

        Ok(experiment)
    }
}

#[async_trait]
impl WriteOperation for RecordDecision {
    type Output = DecisionRecorded;

    async fn apply(
        &self,
        connection: &mut SqliteConnection,
    ) -> Result<DecisionRecorded, StoreError> {
        let new = &self.decision;
        check_propensity(new.propensity)?;
        fetch_experiment(&mut *connection, &self.tenant, &new.experiment_id).await?;
        if let Some(request_id) = &new.request_id {
            let earlier =
                fetch_decision_by_request(connection, &self.tenant, &new.experiment_id, request_id)
                    .await?;
            if let Some(decision) = earlier {
                return Ok(DecisionRecorded::Existing(decision));
            }
        }

        let decision = Decision {
            tenant: self.tenant.clone(),
            decision_id: format!("dec_{}", Uuid::now_v7().simple()),
            experiment_id: new.experiment_id.clone(),
            seq: next_seq(connection).await?,
            arm_index: new.arm_index,
            propensity: new.propensity,
            request_id: new.request_id.clone(),
            decided_at: stored_time(new.decided_at),
        };
        insert_decision(connection, &decision).await?;

        Ok(DecisionRecorded::Inserted(decision))
    }
}

/// Takes the next value of the store's commit-order counter.
pub(super) async fn next_seq(connection: &mut SqliteConnection) -> Result<i64, StoreError> {
    let seq = sqlx::query_scalar(
        "UPDATE store_clock SET last_seq = last_seq + 1
         WHERE id = 1
         RETURNING last_seq",
    )
    .fetch_one(connection)
    .await?;

    Ok(seq)
}

async fn insert_decision(
    connection: &mut SqliteConnection,
    decision: &Decision,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO decisions
             (tenant, decision_id, experiment_id, seq, arm_index, propensity, request_id,
              decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&decision.tenant)
    .bind(&decision.decision_id)
    .bind(&decision.experiment_id)
    .bind(decision.seq)
    .bind(i64::from(decision.arm_index))
    .bind(decision.propensity)
    .bind(&decision.request_id)
    .bind(to_millis(decision.decided_at))
    .execute(connection)
    .await?;

    Ok(())
}

fn check_propensity(propensity: f64) -> Result<(), StoreError> {
    if (0.0..=1.0).contains(&propensity) {
        return Ok(());
    }

    Err(StoreError::InvalidValue {
        field: "propensity",
        expected: "in [0, 1]",
        value: propensity,
    })
}
