//! The solve workers: a fixed number of threads of their own, one solve each at a time, so a
//! CPU-bound MILP solve never runs on (and never stalls) the async workers that answer health
//! checks, GetBestSlots and experiment calls.
//!
//! The worker threads run at the lowest normal scheduling priority (nice 19 on Linux). With as
//! many workers as cores, every core can be solving; the async workers then still get a core
//! the moment a call arrives, instead of waiting for the end of a solver's time slice, which
//! would add milliseconds to every call under load. A solve gives up only what the async work
//! actually uses.
//!
//! A solve takes a worker with `try_acquire`: when every worker is busy the call is refused at
//! once with RESOURCE_EXHAUSTED instead of queueing, so a burst of solves cannot pile up work
//! the clients have stopped waiting for, and a client can retry elsewhere. A worker is held
//! until its solve returns, even when the call that started it is gone (its deadline passed or
//! the client hung up): the planner runs synchronously to its own time limit, which is why the
//! service bounds that time limit by the client's deadline.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use thread_priority::{ThreadPriority, set_current_thread_priority};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tracing::{debug, warn};

use crate::error::ServiceError;
use crate::metrics;

type Job = Box<dyn FnOnce() + Send>;

/// A bounded pool of solve workers.
#[derive(Debug, Clone)]
pub struct SolvePool {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    workers: usize,
}

/// A taken worker; the busy gauge counts it until it is dropped.
#[derive(Debug)]
struct Worker {
    _permit: OwnedSemaphorePermit,
}

impl Drop for Worker {
    fn drop(&mut self) {
        metrics::solve_worker_released();
    }
}

impl SolvePool {
    /// A pool of `workers` threads, or one per core when `workers` is 0. The threads end when
    /// the last clone of the pool is dropped.
    pub fn new(workers: usize) -> Self {
        let workers = match workers {
            0 => thread::available_parallelism().map_or(1, usize::from),
            workers => workers,
        };
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..workers {
            let queue = queue.clone();
            let spawned = thread::Builder::new()
                .name(format!("slotwise-solve-{index}"))
                .spawn(move || work(&queue));
            if let Err(error) = spawned {
                warn!(%error, index, "cannot start a solve worker thread");
            }
        }

        metrics::solve_workers(workers);
        Self {
            permits: Arc::new(Semaphore::new(workers)),
            jobs,
            workers,
        }
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Runs `solve` on a free worker, or refuses at once when none is free.
    pub async fn run<T: Send + 'static>(
        &self,
        solve: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let worker = self.take()?;
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(solve));
            drop(worker);
            // The call may be gone (its deadline passed); the answer is then dropped.
            let _ = answer.send(result);
        });

        self.jobs
            .send(job)
            .map_err(|_| ServiceError::SolveTask("the solve workers stopped".to_owned()))?;
        match answered.await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_panic)) => Err(ServiceError::SolveTask("the solve panicked".to_owned())),
            Err(_) => Err(ServiceError::SolveTask(
                "the solve worker stopped".to_owned(),
            )),
        }
    }

    fn take(&self) -> Result<Worker, ServiceError> {
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                metrics::solve_worker_taken();
                Ok(Worker { _permit: permit })
            }
            Err(_) => {
                metrics::solve_rejected();
                Err(ServiceError::SolveWorkersBusy {
                    workers: self.workers,
                })
            }
        }
    }
}

/// A worker thread: lowers its own priority, then runs jobs until the pool is dropped.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    if let Err(error) = set_current_thread_priority(ThreadPriority::Min) {
        debug!(
            ?error,
            "solves run at the normal priority: it cannot be lowered here"
        );
    }
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(mpsc::RecvError) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_frees_its_worker_after() {
        let pool = SolvePool::new(1);
        let (release, released) = mpsc::channel::<()>();
        let running = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move || released.recv().is_ok()).await }
        });
        while pool.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }

        let refused = pool.run(|| ()).await.unwrap_err();
        assert_eq!(
            tonic::Status::from(refused).message(),
            "all 1 solve workers are busy; retry later"
        );

        release.send(()).unwrap();
        assert!(running.await.unwrap().unwrap());
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_panicking_solve_is_an_error_and_its_worker_lives_on() {
        let pool = SolvePool::new(1);
        let panicked = pool.run(|| -> u32 { panic!("a solver bug") }).await;
        assert!(matches!(panicked, Err(ServiceError::SolveTask(_))));
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }
}
