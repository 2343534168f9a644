//! Recording outcomes, the hot path of the store: the writer applies every outcome request of a
//! batch together, with a fixed number of statements however many outcomes the batch holds.
//!
//! Each statement is a round trip to SQLite's worker thread, which costs more than the work of
//! the statement itself; one lookup and one insert for a whole batch is what keeps the writer
//! ahead of thousands of outcomes a second.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::StoreError;
use crate::model::{NewOutcome, Outcome, OutcomeRecorded};
use crate::rows::{outcome_from_row, stored_time, to_millis};

/// The answers to one request of outcomes, one per item.
pub(super) type OutcomeAnswers = Vec<Result<OutcomeRecorded, StoreError>>;

/// A list of outcomes of one tenant, each to be answered on its own.
#[derive(Debug)]
pub(super) struct RecordOutcomes {
    pub tenant: String,
    pub outcomes: Vec<NewOutcome>,
}

/// Records the outcomes of many requests with a fixed number of statements: one lookup of all
/// their decisions and earlier outcomes, then one insert per thousand new outcomes. Answers come
/// back per request and per item, in the order given; a decision reported twice in the batch is
/// inserted once and then answered like any repeated report.
pub(super) async fn record_outcome_requests(
    connection: &mut SqliteConnection,
    requests: &[&RecordOutcomes],
) -> Result<Vec<OutcomeAnswers>, sqlx::Error> {
    let mut known = fetch_known_decisions(&mut *connection, requests).await?;
    let mut clock = read_clock(&mut *connection).await?;

    let answers: Vec<OutcomeAnswers> = requests
        .iter()
        .map(|request| {
            let tenant = request.tenant.as_str();
            let answer_one = |new| answer_outcome(&mut known, &mut clock, tenant, new);
            request.outcomes.iter().map(answer_one).collect()
        })
        .collect();

    let inserted: Vec<&Outcome> = answers
        .iter()
        .flatten()
        .filter_map(|answer| match answer {
            Ok(OutcomeRecorded::Inserted(outcome)) => Some(outcome),
            _ => None,
        })
        .collect();
    insert_outcomes(&mut *connection, &inserted).await?;
    write_clock(connection, clock).await?;

    Ok(answers)
}

/// A decision an outcome may report on, and the outcome it already has if any.
struct KnownDecision {
    experiment_id: String,
    arm_index: u32,
    outcome: Option<Outcome>,
}

/// Known decisions by tenant and decision id.
type KnownDecisions = HashMap<(String, String), KnownDecision>;

/// Looks up, in one statement, every decision the requests report on.
async fn fetch_known_decisions(
    connection: &mut SqliteConnection,
    requests: &[&RecordOutcomes],
) -> Result<KnownDecisions, sqlx::Error> {
    let keys: Vec<Value> = requests
        .iter()
        .flat_map(|request| {
            let tenant = &request.tenant;
            request
                .outcomes
                .iter()
                .map(move |outcome| json!({"tenant": tenant, "decision_id": outcome.decision_id}))
        })
        .collect();

    let rows = sqlx::query(
        "WITH requested (tenant, decision_id) AS (
             SELECT DISTINCT value ->> 'tenant', value ->> 'decision_id' FROM json_each(?)
         )
         SELECT d.tenant, d.decision_id, d.experiment_id, d.arm_index,
                o.seq, o.reward, o.is_default, o.reported_at
         FROM requested AS r
         JOIN decisions AS d ON d.tenant = r.tenant AND d.decision_id = r.decision_id
         LEFT JOIN outcomes AS o ON o.tenant = d.tenant AND o.decision_id = d.decision_id",
    )
    .bind(Value::Array(keys).to_string())
    .fetch_all(connection)
    .await?;

    rows.iter().map(known_decision_from_row).collect()
}

fn known_decision_from_row(
    row: &SqliteRow,
) -> Result<((String, String), KnownDecision), sqlx::Error> {
    let decode = |error: StoreError| sqlx::Error::Decode(Box::new(error));

    let outcome = match row.try_get::<Option<i64>, _>("seq")? {
        Some(_) => Some(outcome_from_row(row).map_err(decode)?),
        None => None,
    };
    let arm_index: i64 = row.try_get("arm_index")?;
    let known = KnownDecision {
        experiment_id: row.try_get("experiment_id")?,
        arm_index: u32::try_from(arm_index)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        outcome,
    };

    Ok(((row.try_get("tenant")?, row.try_get("decision_id")?), known))
}

/// The answer to one reported outcome; an inserted one takes the next clock value and becomes
/// known, so a repeat later in the batch is answered against it.
fn answer_outcome(
    known: &mut KnownDecisions,
    clock: &mut i64,
    tenant: &str,
    new: &NewOutcome,
) -> Result<OutcomeRecorded, StoreError> {
    check_reward(new.reward)?;
    let decision = known
        .get_mut(&(tenant.to_owned(), new.decision_id.clone()))
        .ok_or_else(|| StoreError::DecisionNotFound {
            decision_id: new.decision_id.clone(),
        })?;
    if let Some(earlier) = &decision.outcome {
        return same_outcome_or_conflict(earlier.clone(), new.reward);
    }

    *clock += 1;
    let outcome = Outcome {
        tenant: tenant.to_owned(),
        decision_id: new.decision_id.clone(),
        experiment_id: decision.experiment_id.clone(),
        arm_index: decision.arm_index,
        seq: *clock,
        reward: new.reward,
        is_default: new.is_default,
        reported_at: stored_time(new.reported_at),
    };
    decision.outcome = Some(outcome.clone());

    Ok(OutcomeRecorded::Inserted(outcome))
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

/// Rows per insert statement: 7 parameters each stays far below SQLite's limit of 32,766.
const OUTCOMES_PER_INSERT: usize = 1_000;

async fn insert_outcomes(
    connection: &mut SqliteConnection,
    outcomes: &[&Outcome],
) -> Result<(), sqlx::Error> {
    for chunk in outcomes.chunks(OUTCOMES_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO outcomes
                 (tenant, decision_id, experiment_id, seq, reward, is_default, reported_at) ",
        );
        insert.push_values(chunk, |mut row, outcome| {
            row.push_bind(&outcome.tenant)
                .push_bind(&outcome.decision_id)
                .push_bind(&outcome.experiment_id)
                .push_bind(outcome.seq)
                .push_bind(outcome.reward)
                .push_bind(outcome.is_default)
                .push_bind(to_millis(outcome.reported_at));
        });
        // Each chunk length makes a different statement text: not worth caching.
        insert
            .build()
            .persistent(false)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// The store clock's current value, for a writer that holds the write lock.
async fn read_clock(connection: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT last_seq FROM store_clock WHERE id = 1")
        .fetch_one(connection)
        .await
}

async fn write_clock(connection: &mut SqliteConnection, last_seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE store_clock SET last_seq = ? WHERE id = 1")
        .bind(last_seq)
        .execute(connection)
        .await?;
    Ok(())
}

/// SQLite stores NaN as NULL, and an infinite reward would poison every posterior.
fn check_reward(reward: f64) -> Result<(), StoreError> {
    if reward.is_finite() {
        return Ok(());
    }

    Err(StoreError::InvalidValue {
        field: "reward",
        expected: "finite",
        value: reward,
    })
}
