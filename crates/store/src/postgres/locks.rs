//! The two places where replicas must take turns, both with transaction-scoped advisory locks
//! whose keys the migrations define (`share_experiment_lock` and `lock_experiment` in 0001,
//! `lock_account` in 0002):
//!
//! - An experiment's stop against the decisions and outcomes that take a `seq` for it: those hold
//!   the experiment's lock in share mode (the statements that write them call
//!   `share_experiment_lock` before the row takes its `seq`), the stop holds it exclusively.
//! - The versions of one account's audience activity: each put holds the account's lock.
//!
//! Every lock is released when its transaction commits or rolls back, so none outlives a failed
//! call. The exclusive ones are taken by a statement of their own: under `READ COMMITTED`, the
//! statements after it see everything committed while it waited.

use sqlx::PgConnection;

/// Waits until every transaction holding the experiment's lock in share mode has ended, and
/// holds off new ones until this transaction ends.
pub(super) async fn lock_experiment(
    connection: &mut PgConnection,
    tenant: &str,
    experiment_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT lock_experiment($1, $2)")
        .bind(tenant)
        .bind(experiment_id)
        .execute(connection)
        .await?;

    Ok(())
}

/// One new activity version of the account at a time.
pub(super) async fn lock_account(
    connection: &mut PgConnection,
    tenant: &str,
    account_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT lock_account($1, $2)")
        .bind(tenant)
        .bind(account_id)
        .execute(connection)
        .await?;

    Ok(())
}
