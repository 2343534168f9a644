//! Group commit: one writer task owns the only writing connection, takes every write waiting in
//! its queue, applies them all in ONE transaction and acknowledges each caller only after that
//! transaction committed.
//!
//! With `synchronous = FULL` a commit costs one `fsync` of the write-ahead log, so sharing it
//! among many writes is what lets thousands of durable outcomes a second through. Batching never
//! weakens durability: no caller hears back before its write is on disk.
//!
//! Each statement is a round trip to SQLite's worker thread, which costs more than the statement
//! itself. So the outcome writes of a batch, the hot path, are applied together with a fixed
//! handful of statements (see [`record_outcome_requests`]); experiments and decisions are applied
//! one after another.
//!
//! When a batch fails (a statement or the commit itself), nothing of it was kept; the writer then
//! applies its writes again one transaction each, so that one bad write cannot fail the others.

use std::time::Instant;

use async_trait::async_trait;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{trace, warn};

use super::outcomes::{OutcomeAnswers, RecordOutcomes, record_outcome_requests};
use crate::StoreError;

/// A write the writer task applies on its own inside the open transaction.
#[async_trait]
pub(super) trait WriteOperation: Send + Sync + 'static {
    type Output: Send + 'static;

    /// Applies the write. `Err(StoreError::Database(_))` rolls the transaction back; every
    /// other answer goes to the caller once the transaction committed.
    async fn apply(&self, connection: &mut SqliteConnection) -> Result<Self::Output, StoreError>;
}

/// A request waiting in the queue, its answer once applied, and the channel the answer goes
/// back on.
struct Queued<R, T> {
    request: R,
    answer: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<R, T> Queued<R, T> {
    /// Sends the kept answer; call only after the commit.
    fn acknowledge(self) {
        // A caller that stopped waiting (a cancelled request) no longer needs the answer; its
        // write is committed all the same.
        if let Some(answer) = self.answer {
            let _ = self.reply.send(answer);
        }
    }

    /// Tells the caller the write was not committed.
    fn fail(self, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

/// A queued write applied on its own, whatever its request and answer types.
#[async_trait]
trait SingleWrite: Send {
    /// Applies the write and keeps its answer; an error means the transaction must roll back.
    async fn apply(&mut self, connection: &mut SqliteConnection) -> Result<(), sqlx::Error>;

    fn acknowledge(self: Box<Self>);

    fn fail(self: Box<Self>, error: StoreError);
}

#[async_trait]
impl<O: WriteOperation> SingleWrite for Queued<O, O::Output> {
    async fn apply(&mut self, connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        match self.request.apply(connection).await {
            Err(StoreError::Database(error)) => Err(error),
            answer => {
                self.answer = Some(answer);
                Ok(())
            }
        }
    }

    fn acknowledge(self: Box<Self>) {
        Queued::acknowledge(*self);
    }

    fn fail(self: Box<Self>, error: StoreError) {
        Queued::fail(*self, error);
    }
}

/// Anything waiting for the writer task.
enum QueuedWrite {
    /// Experiments and decisions, applied one after another in queue order.
    Single(Box<dyn SingleWrite>),
    /// Outcomes: all those of a batch are applied together, after its single writes.
    Outcomes(Queued<RecordOutcomes, OutcomeAnswers>),
}

impl QueuedWrite {
    fn acknowledge(self) {
        match self {
            Self::Single(write) => write.acknowledge(),
            Self::Outcomes(write) => write.acknowledge(),
        }
    }

    fn fail(self, error: StoreError) {
        match self {
            Self::Single(write) => write.fail(error),
            Self::Outcomes(write) => write.fail(error),
        }
    }
}

/// The sending side of the writer task's queue.
#[derive(Debug)]
pub(super) struct GroupCommitWriter {
    queue_tx: mpsc::Sender<QueuedWrite>,
    task: JoinHandle<()>,
}

impl GroupCommitWriter {
    /// Starts the writer task on `connection`; it runs until every sender is gone.
    pub(super) fn spawn(
        connection: SqliteConnection,
        queue_capacity: usize,
        max_writes_per_commit: usize,
    ) -> Self {
        let (queue_tx, queue_rx) = mpsc::channel(queue_capacity.max(1));
        let task = tokio::spawn(run(connection, queue_rx, max_writes_per_commit.max(1)));

        Self { queue_tx, task }
    }

    /// Queues a write and waits until it is committed (or failed).
    pub(super) async fn submit<O: WriteOperation>(
        &self,
        operation: O,
    ) -> Result<O::Output, StoreError> {
        let (reply, answer) = oneshot::channel();
        let queued = Queued {
            request: operation,
            answer: None,
            reply,
        };

        self.enqueue(QueuedWrite::Single(Box::new(queued))).await?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Queues outcomes and waits until they are committed (or failed).
    pub(super) async fn submit_outcomes(
        &self,
        request: RecordOutcomes,
    ) -> Result<OutcomeAnswers, StoreError> {
        let (reply, answer) = oneshot::channel();
        let queued = Queued {
            request,
            answer: None,
            reply,
        };

        self.enqueue(QueuedWrite::Outcomes(queued)).await?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    async fn enqueue(&self, write: QueuedWrite) -> Result<(), StoreError> {
        self.queue_tx
            .send(write)
            .await
            .map_err(|_| StoreError::WriterStopped)
    }

    /// Closes the queue, lets the task commit what is already queued, and waits for it.
    pub(super) async fn shut_down(self) {
        drop(self.queue_tx);
        if let Err(error) = self.task.await {
            warn!(cause = %error, "store writer task ended abnormally");
        }
    }
}

async fn run(
    mut connection: SqliteConnection,
    mut queue_rx: mpsc::Receiver<QueuedWrite>,
    max_writes_per_commit: usize,
) {
    let mut batch = Vec::with_capacity(max_writes_per_commit);
    while queue_rx.recv_many(&mut batch, max_writes_per_commit).await > 0 {
        commit_batch(&mut connection, std::mem::take(&mut batch)).await;
    }

    if let Err(error) = connection.close().await {
        warn!(cause = %error, "closing the store writer connection failed");
    }
}

/// Commits a batch in one transaction, or each of its writes alone if that fails.
async fn commit_batch(connection: &mut SqliteConnection, mut batch: Vec<QueuedWrite>) {
    let started = Instant::now();

    match apply_in_one_transaction(connection, &mut batch).await {
        Ok(()) => {
            let commit_us = started.elapsed().as_micros();
            trace!(writes = batch.len(), commit_us, "committed");
            batch.into_iter().for_each(QueuedWrite::acknowledge);
        }
        Err(error) => {
            let writes = batch.len();
            warn!(cause = %error, writes, "batch failed, committing its writes one by one");
            for write in batch {
                commit_alone(connection, write).await;
            }
        }
    }
}

async fn commit_alone(connection: &mut SqliteConnection, write: QueuedWrite) {
    let mut batch = [write];

    let result = apply_in_one_transaction(connection, &mut batch).await;

    let [write] = batch;
    match result {
        Ok(()) => write.acknowledge(),
        Err(error) => {
            warn!(cause = %error, "store write failed");
            write.fail(StoreError::Database(error));
        }
    }
}

async fn apply_in_one_transaction(
    connection: &mut SqliteConnection,
    batch: &mut [QueuedWrite],
) -> Result<(), sqlx::Error> {
    // IMMEDIATE takes the write lock up front, so no read in the batch can see a snapshot that
    // another writer (such as a second process on the same file) changes underneath it.
    let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;

    match apply_batch(&mut transaction, batch).await {
        Ok(()) => transaction.commit().await,
        Err(error) => {
            transaction.rollback().await?;
            Err(error)
        }
    }
}

/// Applies the single writes in queue order, then all outcome writes together.
async fn apply_batch(
    connection: &mut SqliteConnection,
    batch: &mut [QueuedWrite],
) -> Result<(), sqlx::Error> {
    let mut outcome_writes = Vec::new();
    for write in batch.iter_mut() {
        match write {
            QueuedWrite::Single(single) => single.apply(connection).await?,
            QueuedWrite::Outcomes(outcomes) => outcome_writes.push(outcomes),
        }
    }
    if outcome_writes.is_empty() {
        return Ok(());
    }

    let requests: Vec<&RecordOutcomes> =
        outcome_writes.iter().map(|write| &write.request).collect();
    let answers = record_outcome_requests(connection, &requests).await?;
    for (write, answer) in outcome_writes.into_iter().zip(answers) {
        write.answer = Some(Ok(answer));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tempfile::TempDir;

    use super::*;

    /// Inserts one number; a number already present violates the primary key.
    struct InsertNumber(i64);

    #[async_trait]
    impl WriteOperation for InsertNumber {
        type Output = ();

        async fn apply(&self, connection: &mut SqliteConnection) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO numbers (n) VALUES (?)")
                .bind(self.0)
                .execute(connection)
                .await?;
            Ok(())
        }
    }

    /// A writer over a fresh `numbers` table, and a second connection to read it.
    async fn numbers_writer() -> (TempDir, GroupCommitWriter, SqliteConnection) {
        let directory = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            directory.path().join("numbers.db").display()
        );
        let mut connection = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE numbers (n INTEGER PRIMARY KEY)")
            .execute(&mut connection)
            .await
            .unwrap();

        let reader = SqliteConnection::connect(&url).await.unwrap();
        (
            directory,
            GroupCommitWriter::spawn(connection, 16, 16),
            reader,
        )
    }

    #[tokio::test(flavor = "current_thread")]
    async fn one_failing_write_does_not_fail_the_rest_of_its_batch() {
        let (_directory, writer, mut reader) = numbers_writer().await;

        // On one thread, all three are queued before the writer task first runs: one batch.
        let (first, duplicate, second) = tokio::join!(
            writer.submit(InsertNumber(1)),
            writer.submit(InsertNumber(1)),
            writer.submit(InsertNumber(2)),
        );

        assert!(first.is_ok(), "{first:?}");
        assert!(
            matches!(duplicate, Err(StoreError::Database(_))),
            "{duplicate:?}"
        );
        assert!(second.is_ok(), "{second:?}");
        let numbers: Vec<i64> = sqlx::query_scalar("SELECT n FROM numbers ORDER BY n")
            .fetch_all(&mut reader)
            .await
            .unwrap();
        assert_eq!(numbers, [1, 2]);
    }
}
