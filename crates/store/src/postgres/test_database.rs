//! A schema of its own for each unit test that needs PostgreSQL, on the database named by
//! `SLOTWISE_TEST_DATABASE_URL` (as in `tests/postgres.rs`, without it the test fails).

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use uuid::Uuid;

use super::{PostgresStore, PostgresStoreConfig};

fn database_url() -> String {
    std::env::var("SLOTWISE_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "SLOTWISE_TEST_DATABASE_URL is not set: the PostgreSQL store tests need a database \
             they may create schemas in (bash .ci/run starts one)"
        )
    })
}

/// A fresh schema, dropped with everything in it when the test ends.
pub(super) struct Scratch {
    schema: String,
}

impl Scratch {
    pub(super) async fn new() -> Self {
        let schema = format!("slotwise_unit_{}", Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(&database_url()).await.unwrap();
        let create = format!("CREATE SCHEMA {schema}");
        admin.execute(AssertSqlSafe(create)).await.unwrap();
        admin.close().await.unwrap();
        Self { schema }
    }

    pub(super) async fn open(&self) -> PostgresStore {
        let config = PostgresStoreConfig {
            schema: Some(self.schema.clone()),
            ..PostgresStoreConfig::new(database_url())
        };
        PostgresStore::connect(config).await.unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Drop cannot await: a runtime of its own, on a thread of its own.
        let schema = std::mem::take(&mut self.schema);
        let dropped = std::thread::spawn(move || drop_schema(&schema)).join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test schema: {dropped:?}");
        }
    }
}

fn drop_schema(schema: &str) -> Result<(), sqlx::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    runtime.block_on(async {
        let mut admin = PgConnection::connect(&database_url()).await?;
        let drop = format!("DROP SCHEMA {schema} CASCADE");
        admin.execute(AssertSqlSafe(drop)).await?;
        admin.close().await
    })
}
