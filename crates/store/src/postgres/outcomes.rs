//! Recording outcomes, the hot path. A call is one `INSERT` statement, and so one transaction,
//! however many outcomes it holds; reports it did not insert (repeats, conflicts, unknown
//! decisions) are then answered from one lookup.
//!
//! Outcomes are append-only and the decision id is the idempotency key. The store never decides
//! from a read whether to insert: it inserts with `ON CONFLICT DO NOTHING`, and a report that did
//! not go in is compared with the stored outcome (another replica's report may have won the
//! race), so a repeat is `AlreadyRecorded` and another reward `OutcomeConflict` whichever replica
//! was first. No counter is kept anywhere: replay counts the rows.

use std::collections::{HashMap, HashSet};

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use super::checks::check_reward;
use crate::StoreError;
use crate::model::{NewOutcome, Outcome, OutcomeRecorded};
use crate::rows::{arm_index_from, outcome_from_row, stored_time, to_millis};

/// The answers to one call, one per reported outcome.
pub(super) type OutcomeAnswers = Vec<Result<OutcomeRecorded, StoreError>>;

/// An outcome this call inserted, and the position of the report that carried it.
struct Inserted {
    position: usize,
    outcome: Outcome,
}

/// What the lookup after the insert found for a decision: that it exists, and its outcome.
type StoredOutcomes = HashMap<String, Option<Outcome>>;

/// Records the outcomes and answers each on its own, in the order given. A decision reported
/// twice in the call is inserted once and the second report answered like any repeat. The outer
/// error means nothing was recorded.
pub(super) async fn record_outcomes(
    pool: &PgPool,
    tenant: &str,
    outcomes: &[NewOutcome],
) -> Result<OutcomeAnswers, StoreError> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }

    let mut connection = pool.acquire().await?;
    write_outcomes(&mut connection, tenant, outcomes).await
}

/// The statements of [`record_outcomes`] on one connection. Outside a transaction the insert
/// commits on its own, before any answer is made.
pub(super) async fn write_outcomes(
    connection: &mut PgConnection,
    tenant: &str,
    outcomes: &[NewOutcome],
) -> Result<OutcomeAnswers, StoreError> {
    let first_reports = first_reports(outcomes);
    let inserted = insert_outcomes(&mut *connection, tenant, outcomes, &first_reports).await?;

    let answered_by_insert = |new: &&NewOutcome| inserted.contains_key(&new.decision_id);
    let others: HashSet<&str> = outcomes
        .iter()
        .filter(|new| new.reward.is_finite() && !answered_by_insert(new))
        .map(|new| new.decision_id.as_str())
        .collect();
    let stored = match others.is_empty() {
        true => StoredOutcomes::new(),
        false => fetch_stored_outcomes(connection, tenant, others).await?,
    };

    let answers = outcomes.iter().enumerate();
    Ok(answers
        .map(|(position, new)| answer(&inserted, &stored, position, new))
        .collect())
}

/// The positions of the reports to try to insert: the first one with a finite reward of each
/// decision. Later reports of the same decision are answered against it.
fn first_reports(outcomes: &[NewOutcome]) -> Vec<usize> {
    let mut seen = HashSet::new();
    outcomes
        .iter()
        .enumerate()
        .filter(|(_, new)| new.reward.is_finite() && seen.insert(new.decision_id.as_str()))
        .map(|(position, _)| position)
        .collect()
}

/// Inserts the reports at `positions` whose decision exists and has no outcome yet; returns the
/// outcomes that went in, by decision id.
///
/// Each row takes the experiment's lock in share mode before it takes its `seq` (see
/// `writes::stop_experiment`). PostgreSQL evaluates volatile calls of a select list after its
/// `ORDER BY`, so the locks are taken, and the rows inserted, in (experiment, decision) order:
/// calls racing over the same decisions wait for each other in one order and cannot deadlock. A
/// row another transaction is inserting waits for it, then is skipped if it committed.
async fn insert_outcomes(
    connection: &mut PgConnection,
    tenant: &str,
    outcomes: &[NewOutcome],
    positions: &[usize],
) -> Result<HashMap<String, Inserted>, StoreError> {
    let reports: Vec<&NewOutcome> = positions.iter().map(|&p| &outcomes[p]).collect();
    let decision_ids: Vec<&str> = reports.iter().map(|r| r.decision_id.as_str()).collect();
    let rewards: Vec<f64> = reports.iter().map(|r| r.reward).collect();
    let defaults: Vec<bool> = reports.iter().map(|r| r.is_default).collect();
    let reported_at: Vec<i64> = reports.iter().map(|r| to_millis(r.reported_at)).collect();

    // unnest of several arrays zips them into rows; MATERIALIZED keeps `reported`, lock calls
    // included, evaluated once for both of its uses.
    let rows = sqlx::query(
        "WITH reported AS MATERIALIZED (
             SELECT r.decision_id, d.experiment_id, d.arm_index, r.reward, r.is_default,
                    r.reported_at, share_experiment_lock(d.tenant, d.experiment_id)
             FROM unnest($2::text[], $3::float8[], $4::bool[], $5::bigint[])
                  AS r (decision_id, reward, is_default, reported_at)
             JOIN decisions AS d ON d.tenant = $1 AND d.decision_id = r.decision_id
             ORDER BY d.experiment_id, r.decision_id
         ),
         inserted AS (
             INSERT INTO outcomes
                 (tenant, decision_id, experiment_id, reward, is_default, reported_at)
             SELECT $1, decision_id, experiment_id, reward, is_default, reported_at
             FROM reported
             ON CONFLICT (tenant, decision_id) DO NOTHING
             RETURNING decision_id, seq
         )
         SELECT inserted.decision_id, inserted.seq, reported.experiment_id, reported.arm_index
         FROM inserted JOIN reported USING (decision_id)",
    )
    .bind(tenant)
    .bind(&decision_ids)
    .bind(&rewards)
    .bind(&defaults)
    .bind(&reported_at)
    .fetch_all(connection)
    .await?;

    let position_of: HashMap<&str, usize> = positions
        .iter()
        .map(|&p| (outcomes[p].decision_id.as_str(), p))
        .collect();
    let mut inserted = HashMap::with_capacity(rows.len());
    for row in &rows {
        let decision_id: String = row.try_get("decision_id")?;
        let Some(&position) = position_of.get(decision_id.as_str()) else {
            return Err(StoreError::CorruptRow {
                table: "outcomes",
                key: decision_id,
                detail: "inserted without being reported".to_owned(),
            });
        };
        let outcome = inserted_outcome(row, tenant, &outcomes[position])?;
        inserted.insert(decision_id, Inserted { position, outcome });
    }
    Ok(inserted)
}

/// The outcome an inserted row stands for: its report, with what the insert returned.
fn inserted_outcome(row: &PgRow, tenant: &str, new: &NewOutcome) -> Result<Outcome, StoreError> {
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "decisions",
        key: new.decision_id.clone(),
        detail,
    };

    Ok(Outcome {
        tenant: tenant.to_owned(),
        decision_id: new.decision_id.clone(),
        experiment_id: row.try_get("experiment_id")?,
        arm_index: arm_index_from(row.try_get("arm_index")?).map_err(corrupt)?,
        seq: row.try_get("seq")?,
        reward: new.reward,
        is_default: new.is_default,
        reported_at: stored_time(new.reported_at),
    })
}

/// Which of these decisions exist, each with its outcome if it has one.
async fn fetch_stored_outcomes(
    connection: &mut PgConnection,
    tenant: &str,
    decision_ids: HashSet<&str>,
) -> Result<StoredOutcomes, StoreError> {
    let decision_ids: Vec<&str> = decision_ids.into_iter().collect();

    let rows = sqlx::query(
        "SELECT d.tenant, d.decision_id, d.experiment_id, d.arm_index,
                o.seq, o.reward, o.is_default, o.reported_at
         FROM decisions AS d
         LEFT JOIN outcomes AS o ON o.tenant = d.tenant AND o.decision_id = d.decision_id
         WHERE d.tenant = $1 AND d.decision_id = ANY($2)",
    )
    .bind(tenant)
    .bind(&decision_ids)
    .fetch_all(connection)
    .await?;

    rows.iter().map(stored_outcome_from_row).collect()
}

fn stored_outcome_from_row(row: &PgRow) -> Result<(String, Option<Outcome>), StoreError> {
    let decision_id: String = row.try_get("decision_id")?;

    let outcome = match row.try_get::<Option<i64>, _>("seq")? {
        Some(_) => Some(outcome_from_row(row)?),
        None => None,
    };
    Ok((decision_id, outcome))
}

/// The answer to the report at `position`, once the insert committed.
fn answer(
    inserted: &HashMap<String, Inserted>,
    stored: &StoredOutcomes,
    position: usize,
    new: &NewOutcome,
) -> Result<OutcomeRecorded, StoreError> {
    check_reward(new.reward)?;

    if let Some(inserted) = inserted.get(&new.decision_id) {
        if inserted.position == position {
            return Ok(OutcomeRecorded::Inserted(inserted.outcome.clone()));
        }
        return same_outcome_or_conflict(inserted.outcome.clone(), new.reward);
    }
    match stored.get(&new.decision_id) {
        Some(Some(earlier)) => same_outcome_or_conflict(earlier.clone(), new.reward),
        // No outcome, yet the insert skipped it: the decision committed after the insert looked
        // for it, so to this call it did not exist yet.
        Some(None) | None => Err(StoreError::DecisionNotFound {
            decision_id: new.decision_id.clone(),
        }),
    }
}

/// The answer to reporting `reward` for a decision that already has `earlier`.
fn same_outcome_or_conflict(earlier: Outcome, reward: f64) -> Result<OutcomeRecorded, StoreError> {
    if earlier.reward == reward {
        return Ok(OutcomeRecorded::AlreadyRecorded(earlier));
    }

    Err(StoreError::OutcomeConflict {
        decision_id: earlier.decision_id,
        recorded_reward: earlier.reward,
        reported_reward: reward,
    })
}
