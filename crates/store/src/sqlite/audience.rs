//! [`AudienceStore`] on SQLite: the writes go through the group-commit writer like every other
//! write (so they are durable when acknowledged), the reads through the read pool.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqliteExecutor};
use uuid::Uuid;

use super::SqliteStore;
use super::group_commit::WriteOperation;
use super::writes::next_seq;
use crate::StoreError;
use crate::audience::{
    AudienceActivity, AudienceStore, HOURS_PER_WEEK, LearningMetric, NewAudienceActivity,
    NewPostPerformance, NewSlotDecision, PerformanceRecorded, PostPerformance, SlotDecision,
};
use crate::rows::{
    performance_from_row, slot_decision_from_row, stored_time, time_from_millis, to_millis,
};

#[derive(Debug)]
struct PutActivity {
    tenant: String,
    activity: NewAudienceActivity,
}

#[derive(Debug)]
struct RecordPerformance {
    tenant: String,
    performance: NewPostPerformance,
}

#[derive(Debug)]
struct RecordSlotDecisions {
    tenant: String,
    decisions: Vec<NewSlotDecision>,
}

#[async_trait]
impl WriteOperation for PutActivity {
    type Output = AudienceActivity;

    async fn apply(
        &self,
        connection: &mut SqliteConnection,
    ) -> Result<AudienceActivity, StoreError> {
        check_activity(&self.activity)?;
        let new = &self.activity;
        let latest: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(version) FROM audience_activity WHERE tenant = ? AND account_id = ?",
        )
        .bind(&self.tenant)
        .bind(&new.account_id)
        .fetch_one(&mut *connection)
        .await?;

        let activity = AudienceActivity {
            tenant: self.tenant.clone(),
            account_id: new.account_id.clone(),
            version: latest.unwrap_or(0) + 1,
            time_zone: new.time_zone.clone(),
            hourly_activity: new.hourly_activity.clone(),
            metric: new.metric,
            updated_at: stored_time(new.updated_at),
        };
        let values = serde_json::to_string(&activity.hourly_activity).map_err(|error| {
            StoreError::CorruptRow {
                table: "audience_activity",
                key: format!("{}/{}", activity.tenant, activity.account_id),
                detail: error.to_string(),
            }
        })?;
        sqlx::query(
            "INSERT INTO audience_activity
                 (tenant, account_id, version, seq, time_zone, hourly_activity, metric, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&activity.tenant)
        .bind(&activity.account_id)
        .bind(activity.version)
        .bind(next_seq(connection).await?)
        .bind(&activity.time_zone)
        .bind(values)
        .bind(activity.metric.as_str())
        .bind(to_millis(activity.updated_at))
        .execute(connection)
        .await?;

        Ok(activity)
    }
}

fn check_activity(activity: &NewAudienceActivity) -> Result<(), StoreError> {
    if activity.hourly_activity.len() != HOURS_PER_WEEK {
        return Err(StoreError::InvalidValue {
            field: "hourly_activity",
            expected: "168 values long",
            value: activity.hourly_activity.len() as f64,
        });
    }
    if let Some(&bad) = activity
        .hourly_activity
        .iter()
        .find(|value| !value.is_finite() || **value < 0.0)
    {
        return Err(StoreError::InvalidValue {
            field: "hourly_activity",
            expected: "finite and non-negative",
            value: bad,
        });
    }
    Ok(())
}

#[async_trait]
impl WriteOperation for RecordPerformance {
    type Output = PerformanceRecorded;

    async fn apply(
        &self,
        connection: &mut SqliteConnection,
    ) -> Result<PerformanceRecorded, StoreError> {
        let new = &self.performance;
        check_performance(new)?;
        latest_version(&mut *connection, &self.tenant, &new.account_id).await?;

        if let Some(earlier) = fetch_performance(
            &mut *connection,
            &self.tenant,
            &new.account_id,
            &new.post_id,
        )
        .await?
        {
            if !earlier.post.same_figures(new) {
                return Err(StoreError::PerformanceConflict {
                    post_id: new.post_id.clone(),
                });
            }
            let account_posts = count_posts(connection, &self.tenant, &new.account_id).await?;
            return Ok(PerformanceRecorded::AlreadyRecorded { account_posts });
        }
        if let Some(decision_id) = &new.decision_id {
            check_decision_exists(&mut *connection, &self.tenant, decision_id).await?;
        }

        insert_performance(connection, &self.tenant, new).await?;
        let account_posts = count_posts(connection, &self.tenant, &new.account_id).await?;
        Ok(PerformanceRecorded::Inserted { account_posts })
    }
}

fn check_performance(performance: &NewPostPerformance) -> Result<(), StoreError> {
    let counts = [
        ("views", performance.views),
        ("likes", performance.likes),
        ("comments", performance.comments),
        ("shares", performance.shares),
        ("saves", performance.saves),
        ("follows", performance.follows),
    ];
    if let Some(&(field, value)) = counts
        .iter()
        .find(|(_, value)| i64::try_from(*value).is_err())
    {
        return Err(StoreError::InvalidValue {
            field,
            expected: "at most 2^63 - 1",
            value: value as f64,
        });
    }
    match performance.average_watch_seconds {
        Some(seconds) if !seconds.is_finite() || seconds < 0.0 => Err(StoreError::InvalidValue {
            field: "average_watch_seconds",
            expected: "finite and non-negative",
            value: seconds,
        }),
        _ => Ok(()),
    }
}

/// A decision id names either an exploratory slot or a bandit decision of the tenant.
async fn check_decision_exists(
    connection: &mut SqliteConnection,
    tenant: &str,
    decision_id: &str,
) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM slot_decisions WHERE tenant = ?1 AND decision_id = ?2
         UNION ALL
         SELECT 1 FROM decisions WHERE tenant = ?1 AND decision_id = ?2
         LIMIT 1",
    )
    .bind(tenant)
    .bind(decision_id)
    .fetch_optional(connection)
    .await?;

    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::DecisionNotFound {
            decision_id: decision_id.to_owned(),
        }),
    }
}

async fn insert_performance(
    connection: &mut SqliteConnection,
    tenant: &str,
    post: &NewPostPerformance,
) -> Result<(), StoreError> {
    let seq = next_seq(&mut *connection).await?;
    // Counts were checked to fit an i64 by `check_performance`.
    let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO post_performance
             (tenant, account_id, post_id, seq, posted_at, pillar_id, format_id, views, likes,
              comments, shares, saves, follows, average_watch_seconds, decision_id, reported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant)
    .bind(&post.account_id)
    .bind(&post.post_id)
    .bind(seq)
    .bind(to_millis(post.posted_at))
    .bind(&post.pillar_id)
    .bind(&post.format_id)
    .bind(count(post.views))
    .bind(count(post.likes))
    .bind(count(post.comments))
    .bind(count(post.shares))
    .bind(count(post.saves))
    .bind(count(post.follows))
    .bind(post.average_watch_seconds)
    .bind(&post.decision_id)
    .bind(to_millis(post.reported_at))
    .execute(connection)
    .await?;

    Ok(())
}

async fn count_posts(
    connection: &mut SqliteConnection,
    tenant: &str,
    account_id: &str,
) -> Result<u64, StoreError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM post_performance WHERE tenant = ? AND account_id = ?",
    )
    .bind(tenant)
    .bind(account_id)
    .fetch_one(connection)
    .await?;

    Ok(count.max(0) as u64)
}

#[async_trait]
impl WriteOperation for RecordSlotDecisions {
    type Output = Vec<SlotDecision>;

    async fn apply(
        &self,
        connection: &mut SqliteConnection,
    ) -> Result<Vec<SlotDecision>, StoreError> {
        let mut stored = Vec::with_capacity(self.decisions.len());
        for new in &self.decisions {
            latest_version(&mut *connection, &self.tenant, &new.account_id).await?;
            let decision = SlotDecision {
                tenant: self.tenant.clone(),
                decision_id: format!("slot_{}", Uuid::now_v7().simple()),
                seq: next_seq(&mut *connection).await?,
                decision: NewSlotDecision {
                    slot_start: stored_time(new.slot_start),
                    decided_at: stored_time(new.decided_at),
                    ..new.clone()
                },
            };
            insert_slot_decision(&mut *connection, &decision).await?;
            stored.push(decision);
        }
        Ok(stored)
    }
}

async fn insert_slot_decision(
    connection: &mut SqliteConnection,
    stored: &SlotDecision,
) -> Result<(), StoreError> {
    let decision = &stored.decision;
    sqlx::query(
        "INSERT INTO slot_decisions
             (tenant, decision_id, account_id, seq, slot_start, hour_of_week, expected_value,
              drawn_value, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&stored.tenant)
    .bind(&stored.decision_id)
    .bind(&decision.account_id)
    .bind(stored.seq)
    .bind(to_millis(decision.slot_start))
    .bind(i64::from(decision.hour_of_week))
    .bind(decision.expected_value)
    .bind(decision.drawn_value)
    .bind(to_millis(decision.decided_at))
    .execute(connection)
    .await?;

    Ok(())
}

/// The latest version of the account's activity; [`StoreError::AccountNotFound`] if none.
async fn latest_version<'e>(
    executor: impl SqliteExecutor<'e>,
    tenant: &str,
    account_id: &str,
) -> Result<i64, StoreError> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM audience_activity WHERE tenant = ? AND account_id = ?",
    )
    .bind(tenant)
    .bind(account_id)
    .fetch_one(executor)
    .await?;

    latest.ok_or_else(|| StoreError::AccountNotFound {
        account_id: account_id.to_owned(),
    })
}

async fn fetch_performance<'e>(
    executor: impl SqliteExecutor<'e>,
    tenant: &str,
    account_id: &str,
    post_id: &str,
) -> Result<Option<PostPerformance>, StoreError> {
    let row = sqlx::query(
        "SELECT * FROM post_performance WHERE tenant = ? AND account_id = ? AND post_id = ?",
    )
    .bind(tenant)
    .bind(account_id)
    .bind(post_id)
    .fetch_optional(executor)
    .await?;

    row.as_ref().map(performance_from_row).transpose()
}

fn activity_from_row(row: &SqliteRow) -> Result<AudienceActivity, StoreError> {
    let tenant: String = row.try_get("tenant")?;
    let account_id: String = row.try_get("account_id")?;
    let version: i64 = row.try_get("version")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "audience_activity",
        key: format!("{tenant}/{account_id}/{version}"),
        detail,
    };

    let values: String = row.try_get("hourly_activity")?;
    let hourly_activity = serde_json::from_str(&values)
        .map_err(|error| corrupt(format!("hourly_activity is not a list of numbers: {error}")))?;
    let updated_at = time_from_millis(row.try_get("updated_at")?).map_err(corrupt)?;
    let metric_text: String = row.try_get("metric")?;
    let metric = LearningMetric::parse(&metric_text)
        .ok_or_else(|| corrupt(format!("unknown metric {metric_text:?}")))?;

    Ok(AudienceActivity {
        time_zone: row.try_get("time_zone")?,
        metric,
        hourly_activity,
        updated_at,
        tenant,
        account_id,
        version,
    })
}

#[async_trait]
impl AudienceStore for SqliteStore {
    async fn put_audience_activity(
        &self,
        tenant: &str,
        activity: NewAudienceActivity,
    ) -> Result<AudienceActivity, StoreError> {
        let tenant = tenant.to_owned();
        self.writer.submit(PutActivity { tenant, activity }).await
    }

    async fn get_audience_activity(
        &self,
        tenant: &str,
        account_id: &str,
        version: Option<i64>,
    ) -> Result<AudienceActivity, StoreError> {
        let latest = latest_version(&self.read_pool, tenant, account_id).await?;
        let version = version.unwrap_or(latest);
        let row = sqlx::query(
            "SELECT * FROM audience_activity
             WHERE tenant = ? AND account_id = ? AND version = ?",
        )
        .bind(tenant)
        .bind(account_id)
        .bind(version)
        .fetch_optional(&self.read_pool)
        .await?;

        match row {
            Some(row) => activity_from_row(&row),
            None => Err(StoreError::ActivityVersionNotFound {
                account_id: account_id.to_owned(),
                version,
            }),
        }
    }

    async fn record_post_performance(
        &self,
        tenant: &str,
        performance: NewPostPerformance,
    ) -> Result<PerformanceRecorded, StoreError> {
        let tenant = tenant.to_owned();
        self.writer
            .submit(RecordPerformance {
                tenant,
                performance,
            })
            .await
    }

    async fn list_post_performance(
        &self,
        tenant: &str,
        account_id: &str,
    ) -> Result<Vec<PostPerformance>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM post_performance
             WHERE tenant = ? AND account_id = ?
             ORDER BY posted_at, seq",
        )
        .bind(tenant)
        .bind(account_id)
        .fetch_all(&self.read_pool)
        .await?;

        rows.iter().map(performance_from_row).collect()
    }

    async fn record_slot_decisions(
        &self,
        tenant: &str,
        decisions: Vec<NewSlotDecision>,
    ) -> Result<Vec<SlotDecision>, StoreError> {
        let tenant = tenant.to_owned();
        self.writer
            .submit(RecordSlotDecisions { tenant, decisions })
            .await
    }

    async fn get_slot_decision(
        &self,
        tenant: &str,
        decision_id: &str,
    ) -> Result<SlotDecision, StoreError> {
        let row = sqlx::query("SELECT * FROM slot_decisions WHERE tenant = ? AND decision_id = ?")
            .bind(tenant)
            .bind(decision_id)
            .fetch_optional(&self.read_pool)
            .await?;

        match row {
            Some(row) => slot_decision_from_row::<_, i64>(&row),
            None => Err(StoreError::DecisionNotFound {
                decision_id: decision_id.to_owned(),
            }),
        }
    }
}
