//! [`AudienceStore`] on PostgreSQL. Each write is one transaction that is durable when it
//! returns; two replicas writing for the same account at once lose nothing:
//!
//! - Activity versions: the account's exclusive advisory lock orders the puts of one account, and
//!   the statement that computes `MAX(version) + 1` starts only once the lock is granted, so under
//!   `READ COMMITTED` it sees every earlier put committed. A retry loop on the primary key would do
//!   as well, but needs a bound and an answer for running out of it; the lock costs one round
//!   trip, and a put of a heatmap is rare. The primary key (tenant, account_id, version) stays the
//!   guarantee: a writer that bypassed the lock would fail on it, never overwrite a version.
//! - Post performance: `ON CONFLICT (tenant, account_id, post_id) DO NOTHING`, then the stored row
//!   is compared with the report: the same figures are `AlreadyRecorded`, others a conflict.
//!   `account_posts` is `COUNT(*)` of the account's rows, never a counter kept on the side.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, PgPool, Row};
use uuid::Uuid;

use super::PostgresStore;
use super::checks::{check_activity, check_performance, performance_counts};
use super::locks;
use crate::StoreError;
use crate::audience::{
    AudienceActivity, AudienceStore, LearningMetric, NewAudienceActivity, NewPostPerformance,
    NewSlotDecision, PerformanceRecorded, PostPerformance, SlotDecision,
};
use crate::rows::{
    performance_from_row, slot_decision_from_row, stored_time, time_from_millis, to_millis,
};

async fn put_activity(
    pool: &PgPool,
    tenant: &str,
    new: NewAudienceActivity,
) -> Result<AudienceActivity, StoreError> {
    check_activity(&new)?;
    let mut transaction = pool.begin().await?;
    locks::lock_account(&mut transaction, tenant, &new.account_id).await?;

    // MAX over no rows is NULL: the first version is 1.
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO audience_activity
             (tenant, account_id, version, time_zone, hourly_activity, metric, updated_at)
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6
         FROM audience_activity
         WHERE tenant = $1 AND account_id = $2
         RETURNING version",
    )
    .bind(tenant)
    .bind(&new.account_id)
    .bind(&new.time_zone)
    .bind(&new.hourly_activity)
    .bind(new.metric.as_str())
    .bind(to_millis(new.updated_at))
    .fetch_one(&mut *transaction)
    .await?;

    transaction.commit().await?;
    Ok(AudienceActivity {
        tenant: tenant.to_owned(),
        account_id: new.account_id,
        version,
        time_zone: new.time_zone,
        hourly_activity: new.hourly_activity,
        metric: new.metric,
        updated_at: stored_time(new.updated_at),
    })
}

async fn get_activity(
    pool: &PgPool,
    tenant: &str,
    account_id: &str,
    version: Option<i64>,
) -> Result<AudienceActivity, StoreError> {
    let latest = latest_version(pool, tenant, account_id).await?;
    let version = version.unwrap_or(latest);

    let row = sqlx::query(
        "SELECT * FROM audience_activity
         WHERE tenant = $1 AND account_id = $2 AND version = $3",
    )
    .bind(tenant)
    .bind(account_id)
    .bind(version)
    .fetch_optional(pool)
    .await?;

    match row {
        Some(row) => activity_from_row(&row),
        None => Err(StoreError::ActivityVersionNotFound {
            account_id: account_id.to_owned(),
            version,
        }),
    }
}

/// Records a post's performance once. The checks read rows that are never deleted (activity,
/// decisions), so they need no transaction with the insert, which is one statement.
async fn record_performance(
    pool: &PgPool,
    tenant: &str,
    new: NewPostPerformance,
) -> Result<PerformanceRecorded, StoreError> {
    check_performance(&new)?;
    latest_version(pool, tenant, &new.account_id).await?;
    if let Some(decision_id) = &new.decision_id {
        check_decision_exists(pool, tenant, decision_id).await?;
    }

    let inserted = insert_performance(pool, tenant, &new).await?;
    if !inserted {
        let earlier = fetch_performance(pool, tenant, &new.account_id, &new.post_id).await?;
        if !earlier.is_some_and(|earlier| earlier.post.same_figures(&new)) {
            return Err(StoreError::PerformanceConflict {
                post_id: new.post_id,
            });
        }
    }

    let account_posts = count_posts(pool, tenant, &new.account_id).await?;
    Ok(match inserted {
        true => PerformanceRecorded::Inserted { account_posts },
        false => PerformanceRecorded::AlreadyRecorded { account_posts },
    })
}

/// A decision id names either an exploratory slot or a bandit decision of the tenant.
async fn check_decision_exists(
    pool: &PgPool,
    tenant: &str,
    decision_id: &str,
) -> Result<(), StoreError> {
    let found: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM slot_decisions WHERE tenant = $1 AND decision_id = $2)
             OR EXISTS (SELECT 1 FROM decisions WHERE tenant = $1 AND decision_id = $2)",
    )
    .bind(tenant)
    .bind(decision_id)
    .fetch_one(pool)
    .await?;

    match found {
        true => Ok(()),
        false => Err(StoreError::DecisionNotFound {
            decision_id: decision_id.to_owned(),
        }),
    }
}

/// Inserts the post unless it is stored already; answers whether it went in. A report another
/// replica is inserting at the same moment makes this one wait for its commit, then skip.
async fn insert_performance(
    pool: &PgPool,
    tenant: &str,
    post: &NewPostPerformance,
) -> Result<bool, StoreError> {
    // `check_performance` made sure every count fits an i64.
    let [views, likes, comments, shares, saves, follows] =
        performance_counts(post).map(|(_, value)| i64::try_from(value).unwrap_or(i64::MAX));

    let inserted = sqlx::query(
        "INSERT INTO post_performance
             (tenant, account_id, post_id, posted_at, pillar_id, format_id, views, likes,
              comments, shares, saves, follows, average_watch_seconds, decision_id, reported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (tenant, account_id, post_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(&post.account_id)
    .bind(&post.post_id)
    .bind(to_millis(post.posted_at))
    .bind(&post.pillar_id)
    .bind(&post.format_id)
    .bind(views)
    .bind(likes)
    .bind(comments)
    .bind(shares)
    .bind(saves)
    .bind(follows)
    .bind(post.average_watch_seconds)
    .bind(&post.decision_id)
    .bind(to_millis(post.reported_at))
    .execute(pool)
    .await?;

    Ok(inserted.rows_affected() == 1)
}

async fn count_posts(pool: &PgPool, tenant: &str, account_id: &str) -> Result<u64, StoreError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM post_performance WHERE tenant = $1 AND account_id = $2",
    )
    .bind(tenant)
    .bind(account_id)
    .fetch_one(pool)
    .await?;

    Ok(u64::try_from(count).unwrap_or_default())
}

async fn list_performance(
    pool: &PgPool,
    tenant: &str,
    account_id: &str,
) -> Result<Vec<PostPerformance>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM post_performance
         WHERE tenant = $1 AND account_id = $2
         ORDER BY posted_at, seq",
    )
    .bind(tenant)
    .bind(account_id)
    .fetch_all(pool)
    .await?;

    rows.iter().map(performance_from_row).collect()
}

/// Stores the slot decisions with one statement, after checking every account has activity.
async fn record_slots(
    pool: &PgPool,
    tenant: &str,
    decisions: Vec<NewSlotDecision>,
) -> Result<Vec<SlotDecision>, StoreError> {
    if decisions.is_empty() {
        return Ok(Vec::new());
    }
    let accounts: Vec<&str> = decisions.iter().map(|d| d.account_id.as_str()).collect();
    check_accounts_exist(pool, tenant, &accounts).await?;

    let stored: Vec<SlotDecision> = decisions
        .into_iter()
        .map(|new| SlotDecision {
            tenant: tenant.to_owned(),
            decision_id: format!("slot_{}", Uuid::now_v7().simple()),
            seq: 0,
            decision: NewSlotDecision {
                slot_start: stored_time(new.slot_start),
                decided_at: stored_time(new.decided_at),
                ..new
            },
        })
        .collect();
    let seqs = insert_slot_decisions(pool, tenant, &stored).await?;
    if seqs.len() != stored.len() {
        return Err(StoreError::Database(sqlx::Error::RowNotFound));
    }

    Ok(stored
        .into_iter()
        .zip(seqs)
        .map(|(decision, seq)| SlotDecision { seq, ..decision })
        .collect())
}

async fn check_accounts_exist(
    pool: &PgPool,
    tenant: &str,
    account_ids: &[&str],
) -> Result<(), StoreError> {
    let missing: Option<String> = sqlx::query_scalar(
        "SELECT a.account_id FROM unnest($2::text[]) AS a (account_id)
         WHERE NOT EXISTS (
             SELECT 1 FROM audience_activity AS x
             WHERE x.tenant = $1 AND x.account_id = a.account_id
         )
         LIMIT 1",
    )
    .bind(tenant)
    .bind(account_ids)
    .fetch_optional(pool)
    .await?;

    match missing {
        Some(account_id) => Err(StoreError::AccountNotFound { account_id }),
        None => Ok(()),
    }
}

/// Inserts the decisions in one statement; returns their `seq` in the order given.
async fn insert_slot_decisions(
    pool: &PgPool,
    tenant: &str,
    stored: &[SlotDecision],
) -> Result<Vec<i64>, StoreError> {
    let column = |f: fn(&SlotDecision) -> i64| stored.iter().map(f).collect::<Vec<i64>>();
    let ids: Vec<&str> = stored.iter().map(|s| s.decision_id.as_str()).collect();
    let accounts: Vec<&str> = stored
        .iter()
        .map(|s| s.decision.account_id.as_str())
        .collect();
    let hours: Vec<i32> = stored
        .iter()
        .map(|s| i32::try_from(s.decision.hour_of_week).unwrap_or(i32::MAX))
        .collect();
    let expected: Vec<f64> = stored.iter().map(|s| s.decision.expected_value).collect();
    let drawn: Vec<f64> = stored.iter().map(|s| s.decision.drawn_value).collect();

    // WITH ORDINALITY numbers the rows, so the seqs can be handed back in the order given.
    let rows = sqlx::query(
        "WITH inserted AS (
             INSERT INTO slot_decisions
                 (tenant, decision_id, account_id, slot_start, hour_of_week, expected_value,
                  drawn_value, decided_at)
             SELECT $1, new.decision_id, new.account_id, new.slot_start, new.hour_of_week,
                    new.expected_value, new.drawn_value, new.decided_at
             FROM unnest($2::text[], $3::text[], $4::bigint[], $5::int[], $6::float8[],
                         $7::float8[], $8::bigint[])
                  AS new (decision_id, account_id, slot_start, hour_of_week, expected_value,
                          drawn_value, decided_at)
             RETURNING decision_id, seq
         )
         SELECT inserted.seq
         FROM unnest($2::text[]) WITH ORDINALITY AS given (decision_id, position)
         JOIN inserted USING (decision_id)
         ORDER BY given.position",
    )
    .bind(tenant)
    .bind(&ids)
    .bind(&accounts)
    .bind(column(|s| to_millis(s.decision.slot_start)))
    .bind(&hours)
    .bind(&expected)
    .bind(&drawn)
    .bind(column(|s| to_millis(s.decision.decided_at)))
    .fetch_all(pool)
    .await?;

    rows.iter().map(|row| Ok(row.try_get("seq")?)).collect()
}

async fn get_slot(
    pool: &PgPool,
    tenant: &str,
    decision_id: &str,
) -> Result<SlotDecision, StoreError> {
    let row = sqlx::query("SELECT * FROM slot_decisions WHERE tenant = $1 AND decision_id = $2")
        .bind(tenant)
        .bind(decision_id)
        .fetch_optional(pool)
        .await?;

    match row {
        Some(row) => slot_decision_from_row::<_, i32>(&row),
        None => Err(StoreError::DecisionNotFound {
            decision_id: decision_id.to_owned(),
        }),
    }
}

/// The latest version of the account's activity; [`StoreError::AccountNotFound`] if none.
async fn latest_version<'e>(
    executor: impl PgExecutor<'e>,
    tenant: &str,
    account_id: &str,
) -> Result<i64, StoreError> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM audience_activity WHERE tenant = $1 AND account_id = $2",
    )
    .bind(tenant)
    .bind(account_id)
    .fetch_one(executor)
    .await?;

    latest.ok_or_else(|| StoreError::AccountNotFound {
        account_id: account_id.to_owned(),
    })
}

async fn fetch_performance(
    pool: &PgPool,
    tenant: &str,
    account_id: &str,
    post_id: &str,
) -> Result<Option<PostPerformance>, StoreError> {
    let row = sqlx::query(
        "SELECT * FROM post_performance WHERE tenant = $1 AND account_id = $2 AND post_id = $3",
    )
    .bind(tenant)
    .bind(account_id)
    .bind(post_id)
    .fetch_optional(pool)
    .await?;

    row.as_ref().map(performance_from_row).transpose()
}

fn activity_from_row(row: &PgRow) -> Result<AudienceActivity, StoreError> {
    let tenant: String = row.try_get("tenant")?;
    let account_id: String = row.try_get("account_id")?;
    let version: i64 = row.try_get("version")?;
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "audience_activity",
        key: format!("{tenant}/{account_id}/{version}"),
        detail,
    };

    let updated_at = time_from_millis(row.try_get("updated_at")?).map_err(corrupt)?;
    let metric_text: String = row.try_get("metric")?;
    let metric = LearningMetric::parse(&metric_text)
        .ok_or_else(|| corrupt(format!("unknown metric {metric_text:?}")))?;

    Ok(AudienceActivity {
        time_zone: row.try_get("time_zone")?,
        hourly_activity: row.try_get("hourly_activity")?,
        metric,
        updated_at,
        tenant,
        account_id,
        version,
    })
}

#[async_trait]
impl AudienceStore for PostgresStore {
    async fn put_audience_activity(
        &self,
        tenant: &str,
        activity: NewAudienceActivity,
    ) -> Result<AudienceActivity, StoreError> {
        put_activity(&self.pool, tenant, activity).await
    }

    async fn get_audience_activity(
        &self,
        tenant: &str,
        account_id: &str,
        version: Option<i64>,
    ) -> Result<AudienceActivity, StoreError> {
        get_activity(&self.pool, tenant, account_id, version).await
    }

    async fn record_post_performance(
        &self,
        tenant: &str,
        performance: NewPostPerformance,
    ) -> Result<PerformanceRecorded, StoreError> {
        record_performance(&self.pool, tenant, performance).await
    }

    async fn list_post_performance(
        &self,
        tenant: &str,
        account_id: &str,
    ) -> Result<Vec<PostPerformance>, StoreError> {
        list_performance(&self.pool, tenant, account_id).await
    }

    async fn record_slot_decisions(
        &self,
        tenant: &str,
        decisions: Vec<NewSlotDecision>,
    ) -> Result<Vec<SlotDecision>, StoreError> {
        record_slots(&self.pool, tenant, decisions).await
    }

    async fn get_slot_decision(
        &self,
        tenant: &str,
        decision_id: &str,
    ) -> Result<SlotDecision, StoreError> {
        get_slot(&self.pool, tenant, decision_id).await
    }
}
