//! Decoding of database rows into the store's model, for either backend, and the timestamp
//! encoding both schemas use (Unix epoch milliseconds).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Row, Type};

use crate::StoreError;
use crate::audience::{NewPostPerformance, NewSlotDecision, PostPerformance, SlotDecision};
use crate::model::{Decision, Experiment, ExperimentStatus, Outcome};

/// A value a column of the schema decodes to on the backend `DB`.
pub(crate) trait Column<DB: Database>: for<'r> Decode<'r, DB> + Type<DB> {}

impl<DB: Database, T: for<'r> Decode<'r, DB> + Type<DB>> Column<DB> for T {}

/// The stored form of a timestamp.
pub(crate) fn to_millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// A timestamp as it reads back from the database: cut to whole milliseconds.
pub(crate) fn stored_time(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(to_millis(time)).unwrap_or(time)
}

pub(crate) fn experiment_from_row<R>(row: &R) -> Result<Experiment, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
    f64: Column<R::Database>,
    bool: Column<R::Database>,
{
    let tenant: String = row.try_get("tenant")?;
    let experiment_id: String = row.try_get("experiment_id")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "experiments",
        key: format!("{tenant}/{experiment_id}"),
        detail,
    };

    let status_text: String = row.try_get("status")?;
    let status = ExperimentStatus::parse(&status_text)
        .ok_or_else(|| corrupt(format!("unknown status {status_text:?}")))?;
    let config_text: String = row.try_get("config")?;
    let config = serde_json::from_str(&config_text)
        .map_err(|error| corrupt(format!("config is not json: {error}")))?;
    let created_at = time_from_millis(row.try_get("created_at")?).map_err(corrupt)?;
    let stopped_at = match row.try_get::<Option<i64>, _>("stopped_at")? {
        Some(millis) => Some(time_from_millis(millis).map_err(corrupt)?),
        None => None,
    };

    Ok(Experiment {
        seq: row.try_get("seq")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        config,
        status,
        created_at,
        stopped_at,
        stopped_seq: row.try_get("stopped_seq")?,
        tenant,
        experiment_id,
    })
}

pub(crate) fn decision_from_row<R>(row: &R) -> Result<Decision, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
    f64: Column<R::Database>,
    bool: Column<R::Database>,
{
    let tenant: String = row.try_get("tenant")?;
    let decision_id: String = row.try_get("decision_id")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "decisions",
        key: decision_id.clone(),
        detail,
    };

    let arm_index = arm_index_from(row.try_get("arm_index")?).map_err(corrupt)?;
    let decided_at = time_from_millis(row.try_get("decided_at")?).map_err(corrupt)?;

    Ok(Decision {
        experiment_id: row.try_get("experiment_id")?,
        seq: row.try_get("seq")?,
        arm_index,
        propensity: row.try_get("propensity")?,
        request_id: row.try_get("request_id")?,
        decided_at,
        tenant,
        decision_id,
    })
}

/// Decodes an outcome row joined with its decision's `arm_index`.
pub(crate) fn outcome_from_row<R>(row: &R) -> Result<Outcome, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
    f64: Column<R::Database>,
    bool: Column<R::Database>,
{
    let tenant: String = row.try_get("tenant")?;
    let decision_id: String = row.try_get("decision_id")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "outcomes",
        key: decision_id.clone(),
        detail,
    };

    let arm_index = arm_index_from(row.try_get("arm_index")?).map_err(corrupt)?;
    let reported_at = time_from_millis(row.try_get("reported_at")?).map_err(corrupt)?;

    Ok(Outcome {
        experiment_id: row.try_get("experiment_id")?,
        arm_index,
        seq: row.try_get("seq")?,
        reward: row.try_get("reward")?,
        is_default: row.try_get("is_default")?,
        reported_at,
        tenant,
        decision_id,
    })
}

pub(crate) fn time_from_millis(millis: i64) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| format!("timestamp {millis} out of range"))
}

pub(crate) fn arm_index_from(value: i64) -> Result<u32, String> {
    u32::try_from(value).map_err(|_| format!("arm index {value} out of range"))
}

/// Decodes a `post_performance` row.
pub(crate) fn performance_from_row<R>(row: &R) -> Result<PostPerformance, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
    f64: Column<R::Database>,
{
    let tenant: String = row.try_get("tenant")?;
    let post_id: String = row.try_get("post_id")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "post_performance",
        key: format!("{tenant}/{post_id}"),
        detail,
    };
    let count = |column: &str| -> Result<u64, StoreError> {
        let value: i64 = row.try_get(column)?;
        u64::try_from(value).map_err(|_| corrupt(format!("{column} is negative")))
    };

    let post = NewPostPerformance {
        account_id: row.try_get("account_id")?,
        posted_at: time_from_millis(row.try_get("posted_at")?).map_err(corrupt)?,
        pillar_id: row.try_get("pillar_id")?,
        format_id: row.try_get("format_id")?,
        views: count("views")?,
        likes: count("likes")?,
        comments: count("comments")?,
        shares: count("shares")?,
        saves: count("saves")?,
        follows: count("follows")?,
        average_watch_seconds: row.try_get("average_watch_seconds")?,
        decision_id: row.try_get("decision_id")?,
        reported_at: time_from_millis(row.try_get("reported_at")?).map_err(corrupt)?,
        post_id,
    };
    Ok(PostPerformance {
        seq: row.try_get("seq")?,
        tenant,
        post,
    })
}

/// Decodes a `slot_decisions` row; `H` is the integer type of `hour_of_week` on the backend.
pub(crate) fn slot_decision_from_row<R, H>(row: &R) -> Result<SlotDecision, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Column<R::Database>,
    i64: Column<R::Database>,
    f64: Column<R::Database>,
    H: Column<R::Database> + TryInto<u32> + std::fmt::Display + Copy,
{
    let tenant: String = row.try_get("tenant")?;
    let decision_id: String = row.try_get("decision_id")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "slot_decisions",
        key: format!("{tenant}/{decision_id}"),
        detail,
    };

    let hour_of_week: H = row.try_get("hour_of_week")?;
    let decision = NewSlotDecision {
        account_id: row.try_get("account_id")?,
        slot_start: time_from_millis(row.try_get("slot_start")?).map_err(corrupt)?,
        hour_of_week: hour_of_week
            .try_into()
            .map_err(|_| corrupt(format!("hour_of_week {hour_of_week}")))?,
        expected_value: row.try_get("expected_value")?,
        drawn_value: row.try_get("drawn_value")?,
        decided_at: time_from_millis(row.try_get("decided_at")?).map_err(corrupt)?,
    };
    Ok(SlotDecision {
        seq: row.try_get("seq")?,
        tenant,
        decision_id,
        decision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_time_drops_sub_millisecond_digits() {
        let time = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();

        let stored = stored_time(time);

        assert_eq!(stored.timestamp_subsec_nanos(), 123_000_000);
        assert_eq!(to_millis(stored), to_millis(time));
    }
}
