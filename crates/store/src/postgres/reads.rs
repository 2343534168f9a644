//! Queries of experiments and decisions that only read. The writes use [`fetch_experiment`] and
//! [`fetch_decision_by_request`] too, to answer with what an insert skipped or a stop left.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

use super::rows::experiment_columns;
use crate::StoreError;
use crate::model::{
    Decision, Experiment, ExperimentHistory, ExperimentPage, ExperimentStatus, HistoryEvent,
    Outcome,
};
use crate::rows::{decision_from_row, experiment_from_row, outcome_from_row, to_millis};
use crate::store::encode_page_token;

pub(super) async fn fetch_experiment<'e>(
    executor: impl PgExecutor<'e>,
    tenant: &str,
    experiment_id: &str,
) -> Result<Experiment, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        experiment_columns!(),
        " FROM experiments
         WHERE tenant = $1 AND experiment_id = $2"
    ))
    .bind(tenant)
    .bind(experiment_id)
    .fetch_optional(executor)
    .await?;

    match row {
        Some(row) => experiment_from_row(&row),
        None => Err(StoreError::ExperimentNotFound {
            experiment_id: experiment_id.to_owned(),
        }),
    }
}

pub(super) async fn fetch_decision(
    pool: &PgPool,
    tenant: &str,
    decision_id: &str,
) -> Result<Decision, StoreError> {
    let row = sqlx::query("SELECT * FROM decisions WHERE tenant = $1 AND decision_id = $2")
        .bind(tenant)
        .bind(decision_id)
        .fetch_optional(pool)
        .await?;

    match row {
        Some(row) => decision_from_row(&row),
        None => Err(StoreError::DecisionNotFound {
            decision_id: decision_id.to_owned(),
        }),
    }
}

pub(super) async fn fetch_decision_by_request(
    connection: &mut PgConnection,
    tenant: &str,
    experiment_id: &str,
    request_id: &str,
) -> Result<Option<Decision>, StoreError> {
    let row = sqlx::query(
        "SELECT * FROM decisions
         WHERE tenant = $1 AND experiment_id = $2 AND request_id = $3",
    )
    .bind(tenant)
    .bind(experiment_id)
    .bind(request_id)
    .fetch_optional(connection)
    .await?;

    row.as_ref().map(decision_from_row).transpose()
}

/// One page of the tenant's experiments after `after_seq`, `page_size` long at most.
///
/// Pages follow `seq`, which is the order experiments were inserted in, not committed in: an
/// experiment that another replica was creating while a page was read, with a `seq` below that
/// page's last one, shows up in no later page (it does in a listing started afterwards).
pub(super) async fn list_experiments(
    pool: &PgPool,
    tenant: &str,
    after_seq: i64,
    page_size: u32,
) -> Result<ExperimentPage, StoreError> {
    // One row more than the page tells whether another page follows.
    let rows = sqlx::query(concat!(
        "SELECT ",
        experiment_columns!(),
        " FROM experiments
         WHERE tenant = $1 AND seq > $2
         ORDER BY seq
         LIMIT $3"
    ))
    .bind(tenant)
    .bind(after_seq)
    .bind(i64::from(page_size) + 1)
    .fetch_all(pool)
    .await?;

    let mut experiments = rows
        .iter()
        .map(experiment_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let has_more = experiments.len() > page_size as usize;
    experiments.truncate(page_size as usize);
    let next_page_token = match experiments.last() {
        Some(last) if has_more => Some(encode_page_token(last.seq)),
        _ => None,
    };

    Ok(ExperimentPage {
        experiments,
        next_page_token,
    })
}

pub(super) async fn list_running_experiments(pool: &PgPool) -> Result<Vec<Experiment>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        experiment_columns!(),
        " FROM experiments
         WHERE status = $1
         ORDER BY seq"
    ))
    .bind(ExperimentStatus::Running.as_str())
    .fetch_all(pool)
    .await?;

    rows.iter().map(experiment_from_row).collect()
}

pub(super) async fn decisions_without_outcome_before(
    pool: &PgPool,
    tenant: &str,
    experiment_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Decision>, StoreError> {
    // Experiments are never deleted: the check needs no shared snapshot with the query.
    fetch_experiment(pool, tenant, experiment_id).await?;

    let rows = sqlx::query(
        "SELECT d.* FROM decisions AS d
         WHERE d.tenant = $1 AND d.experiment_id = $2 AND d.decided_at < $3
           AND NOT EXISTS (
               SELECT 1 FROM outcomes AS o
               WHERE o.tenant = d.tenant AND o.decision_id = d.decision_id
           )
         ORDER BY d.seq",
    )
    .bind(tenant)
    .bind(experiment_id)
    .bind(to_millis(cutoff))
    .fetch_all(pool)
    .await?;

    rows.iter().map(decision_from_row).collect()
}

/// The experiment, its decisions and its outcomes, read in one `REPEATABLE READ` transaction so
/// that all three come from the same snapshot, in ascending `seq` (see the module doc of
/// `postgres` for what that order is).
pub(super) async fn load_history(
    pool: &PgPool,
    tenant: &str,
    experiment_id: &str,
) -> Result<ExperimentHistory, StoreError> {
    let mut snapshot = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;

    let experiment = fetch_experiment(&mut *snapshot, tenant, experiment_id).await?;
    let decisions = fetch_decisions(&mut snapshot, tenant, experiment_id).await?;
    let outcomes = fetch_outcomes(&mut snapshot, tenant, experiment_id).await?;
    snapshot.commit().await?;

    Ok(ExperimentHistory {
        experiment,
        events: merge_by_seq(decisions, outcomes),
    })
}

async fn fetch_decisions(
    connection: &mut PgConnection,
    tenant: &str,
    experiment_id: &str,
) -> Result<Vec<Decision>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM decisions
         WHERE tenant = $1 AND experiment_id = $2
         ORDER BY seq",
    )
    .bind(tenant)
    .bind(experiment_id)
    .fetch_all(connection)
    .await?;

    rows.iter().map(decision_from_row).collect()
}

async fn fetch_outcomes(
    connection: &mut PgConnection,
    tenant: &str,
    experiment_id: &str,
) -> Result<Vec<Outcome>, StoreError> {
    let rows = sqlx::query(
        "SELECT o.*, d.arm_index FROM outcomes AS o
         JOIN decisions AS d ON d.tenant = o.tenant AND d.decision_id = o.decision_id
         WHERE o.tenant = $1 AND o.experiment_id = $2
         ORDER BY o.seq",
    )
    .bind(tenant)
    .bind(experiment_id)
    .fetch_all(connection)
    .await?;

    rows.iter().map(outcome_from_row).collect()
}

/// Interleaves decisions and outcomes into one list by `seq`.
fn merge_by_seq(decisions: Vec<Decision>, outcomes: Vec<Outcome>) -> Vec<HistoryEvent> {
    let mut events: Vec<HistoryEvent> = decisions
        .into_iter()
        .map(HistoryEvent::Decision)
        .chain(outcomes.into_iter().map(HistoryEvent::Outcome))
        .collect();

    // Both halves are already sorted, and the stable sort merges such runs in linear time.
    events.sort_by_key(HistoryEvent::seq);
    events
}
