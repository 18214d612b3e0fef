//! Heavy work (the analyses) off the async threads, in a bounded pool, each run within a work
//! budget.
//!
//! At most `[limits.analysis] concurrent` analyses run at once and at most `queue` more wait
//! for a slot (for at most one time budget); any further request is refused at once with 429
//! and `Retry-After`, so the catalog, tiles and other light requests keep answering while
//! heavy ones run. Each analysis gets a fresh [`Budget`]; when its request goes away (the
//! client hangs up) the budget is cancelled, so the blocking thread stops at its next check
//! instead of computing on for nobody. Its slot is given back only when the thread has
//! really stopped.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;
use crate::analysis::budget::{self, AnalysisLimits, Budget};

/// The pool of heavy work of one server.
#[derive(Debug)]
pub struct Heavy {
    limits: AnalysisLimits,
    running: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
}

/// Cancels a budget when dropped: the handler's future was dropped, so nobody waits.
struct CancelOnDrop(Arc<Budget>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Heavy {
    /// A pool with the slots, queue and budgets of `limits` (at least one slot).
    pub fn new(limits: &AnalysisLimits) -> Self {
        Self {
            limits: limits.clone(),
            running: Arc::new(Semaphore::new(limits.concurrent.max(1))),
            waiting: Arc::new(Semaphore::new(limits.queue)),
        }
    }

    /// Runs `work` on a blocking thread once a slot is free, within a fresh work budget.
    /// Answers 429 when every slot and queue place is taken (or the wait outlasts one time
    /// budget), and the budget's error (503 time, 422 memory) when the work ran out of it.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let slot = self.slot().await?;
        let budget = Arc::new(Budget::new(&self.limits));
        // Dropped when this future ends or is dropped; cancelling a finished budget is harmless.
        let _cancel = CancelOnDrop(budget.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let outcome = budget::within(&budget, work);
            // The work's own memory (graphs, polygons) is dropped by now: give it back.
            crate::memory::release_freed();
            outcome
        })
        .await;
        match outcome {
            Ok(Ok(result)) => result,
            Ok(Err(stopped)) => Err(stopped.into()),
            Err(join) => Err(ApiError::internal(join)),
        }
    }

    /// A running slot: free at once, or after waiting in the queue.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(slot) = self.running.clone().try_acquire_owned() {
            return Ok(slot);
        }
        let busy = || {
            ApiError::busy(format!(
                "the server is busy with {} analyses and {} waiting; try again shortly",
                self.limits.concurrent.max(1),
                self.limits.queue
            ))
        };
        let _place = self
            .waiting
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy())?;
        let wait = Duration::try_from_secs_f64(self.limits.time_s).unwrap_or(Duration::MAX);
        match tokio::time::timeout(wait, self.running.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(slot),
            _ => Err(busy()),
        }
    }
}
