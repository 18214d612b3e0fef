//! The work budget of an analysis: how long and how much memory it may take, and how many run
//! at once.
//!
//! A [`Budget`] is installed for the current thread with [`within`]; the costly loops of the
//! library (Dijkstra, joining network pieces, reached areas, corridor catchments) call
//! [`tick`], [`charge`] or [`check`], which do nothing when no budget is installed (tests,
//! benches). When the time runs out, the memory estimate exceeds the budget, or the budget is
//! [`Budget::cancel`]led (the request went away), the loops stop early, their memory is
//! dropped as they unwind, and [`within`] answers the [`BudgetError`] instead of the (partial)
//! result. Caches never keep a value built after the budget ran out (see [`stopped`]).
//!
//! **Time** is wall-clock time since the budget was made, read every [`TICKS_PER_CHECK`]
//! ticks. **Memory** is not measured from the allocator (it is shared by all requests); it is
//! the sum of estimates the analysis charges before it allocates its large, size-dependent
//! structures: links made when joining network pieces, and the overlay that buffering reached
//! roads into polygons needs (see `isochrone::reached_area`). Charges are never credited back,
//! so the sum bounds the analysis's peak from above. Fixed-size data (the loaded layers, a
//! cached network) is not charged.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Budgets and pools of the analyses (`[limits.analysis]`).
///
/// ```toml
/// [limits.analysis]
/// time_s = 30          # longest one analysis may run
/// memory_mib = 2048    # largest estimated memory of one analysis
/// concurrent = 2       # heavy analyses running at once
/// queue = 4            # heavy analyses waiting for a slot; more are answered 429
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisLimits {
    /// Longest one analysis may run, seconds.
    pub time_s: f64,
    /// Largest estimated memory of one analysis, MiB.
    pub memory_mib: u64,
    /// Heavy analyses (service access, scenarios, isochrones, corridors, rural, places)
    /// running at once.
    pub concurrent: usize,
    /// Heavy analyses waiting for a free slot; more are refused at once (429).
    pub queue: usize,
}

impl Default for AnalysisLimits {
    fn default() -> Self {
        Self {
            time_s: 30.0,
            memory_mib: 2048,
            concurrent: 2,
            queue: 4,
        }
    }
}

/// Why an analysis was stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BudgetError {
    /// It ran longer than the time budget.
    #[error(
        "the analysis ran longer than its time budget of {limit_s} s and was stopped; ask for \
         less (fewer or shorter minutes, narrower buffers, fewer corridors) or raise \
         [limits.analysis] time_s"
    )]
    Time {
        /// The budget, seconds.
        limit_s: f64,
    },
    /// It would need more memory than the budget.
    #[error(
        "the analysis would need about {needed_mib} MiB for {what}, more than its memory \
         budget of {limit_mib} MiB; ask for less (shorter minutes, narrower buffers, a \
         smaller join tolerance) or raise [limits.analysis] memory_mib"
    )]
    Memory {
        /// What needed it.
        what: &'static str,
        /// The estimate, MiB.
        needed_mib: u64,
        /// The budget, MiB.
        limit_mib: u64,
    },
    /// Its request went away; nobody waits for the answer.
    #[error("the analysis was cancelled")]
    Cancelled,
}

/// How many [`tick`]s pass between two readings of the clock.
pub const TICKS_PER_CHECK: u32 = 1024;

/// The budget of one analysis; share it (`Arc`) to cancel from another thread.
#[derive(Debug)]
pub struct Budget {
    deadline: Instant,
    limit: Duration,
    memory_bytes: u64,
    charged: AtomicU64,
    ticks: AtomicU32,
    stopped: AtomicBool,
    reason: OnceLock<BudgetError>,
}

impl Budget {
    /// A budget of `limits.time_s` from now and `limits.memory_mib`.
    pub fn new(limits: &AnalysisLimits) -> Self {
        let limit = Duration::try_from_secs_f64(limits.time_s).unwrap_or(Duration::MAX);
        Self {
            deadline: Instant::now()
                .checked_add(limit)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365)),
            limit,
            memory_bytes: limits.memory_mib.saturating_mul(1 << 20),
            charged: AtomicU64::new(0),
            ticks: AtomicU32::new(0),
            stopped: AtomicBool::new(false),
            reason: OnceLock::new(),
        }
    }

    /// Stops the analysis at its next check (e.g. because its request went away).
    pub fn cancel(&self) {
        self.stop(BudgetError::Cancelled);
    }

    /// Why the analysis was stopped, if it was.
    pub fn stopped(&self) -> Option<BudgetError> {
        self.stopped
            .load(Ordering::Acquire)
            .then(|| self.reason.get().cloned())
            .flatten()
    }

    /// Errs when the analysis was stopped or its time is up.
    pub fn check(&self) -> Result<(), BudgetError> {
        if let Some(reason) = self.stopped() {
            return Err(reason);
        }
        if Instant::now() > self.deadline {
            return Err(self.stop(BudgetError::Time {
                limit_s: self.limit.as_secs_f64(),
            }));
        }
        Ok(())
    }

    /// A cheap [`Budget::check`]: the stop flag every time, the clock every
    /// [`TICKS_PER_CHECK`] calls.
    pub fn tick(&self) -> Result<(), BudgetError> {
        if self.stopped.load(Ordering::Relaxed) {
            return self.check();
        }
        if self
            .ticks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(TICKS_PER_CHECK)
        {
            return self.check();
        }
        Ok(())
    }

    /// Counts `bytes` more of estimated memory for `what`; errs when the sum exceeds the
    /// budget, or the analysis was stopped or is out of time (charges come before costly
    /// steps, so the clock is read every time).
    pub fn charge(&self, what: &'static str, bytes: u64) -> Result<(), BudgetError> {
        let total = self.charged.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total > self.memory_bytes {
            return Err(self.stop(BudgetError::Memory {
                what,
                needed_mib: total.div_ceil(1 << 20),
                limit_mib: self.memory_bytes >> 20,
            }));
        }
        self.check()
    }

    /// Records the first reason to stop and returns the one recorded.
    fn stop(&self, reason: BudgetError) -> BudgetError {
        let first = self.reason.get_or_init(|| reason).clone();
        self.stopped.store(true, Ordering::Release);
        first
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Budget>>> = const { RefCell::new(None) };
}

/// Runs `work` with `budget` installed for this thread; answers the reason it was stopped
/// instead of its result when the budget ran out (the result is then partial or an error
/// caused by stopping).
///
/// ```
/// use std::sync::Arc;
/// use kartrummet::analysis::budget::{self, AnalysisLimits, Budget, BudgetError};
///
/// let limits = AnalysisLimits { memory_mib: 1, ..Default::default() };
/// let ok = budget::within(&Arc::new(Budget::new(&limits)), || budget::charge("a little", 1000));
/// assert_eq!(ok, Ok(Ok(())));
/// let big = budget::within(&Arc::new(Budget::new(&limits)), || budget::charge("a lot", 2 << 20));
/// assert!(matches!(big, Err(BudgetError::Memory { needed_mib: 2, limit_mib: 1, .. })));
/// ```
pub fn within<R>(budget: &Arc<Budget>, work: impl FnOnce() -> R) -> Result<R, BudgetError> {
    struct Restore(Option<Arc<Budget>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.borrow_mut().replace(budget.clone())));
    let result = work();
    match budget.stopped() {
        Some(reason) => Err(reason),
        None => Ok(result),
    }
}

fn with_current<T>(f: impl FnOnce(&Budget) -> T) -> Option<T> {
    CURRENT.with(|c| c.borrow().as_deref().map(f))
}

/// [`Budget::tick`] of this thread's budget; `Ok` without one.
pub fn tick() -> Result<(), BudgetError> {
    with_current(Budget::tick).unwrap_or(Ok(()))
}

/// [`Budget::check`] of this thread's budget; `Ok` without one.
pub fn check() -> Result<(), BudgetError> {
    with_current(Budget::check).unwrap_or(Ok(()))
}

/// [`Budget::charge`] of this thread's budget; `Ok` without one.
pub fn charge(what: &'static str, bytes: u64) -> Result<(), BudgetError> {
    with_current(|b| b.charge(what, bytes)).unwrap_or(Ok(()))
}

/// Whether this thread's budget has run out: what is built now is incomplete and must not be
/// cached.
pub fn stopped() -> bool {
    with_current(|b| b.stopped().is_some()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(time_s: f64, memory_mib: u64) -> AnalysisLimits {
        AnalysisLimits {
            time_s,
            memory_mib,
            ..Default::default()
        }
    }

    #[test]
    fn without_a_budget_nothing_is_limited() {
        assert!(charge("anything", u64::MAX / 2).is_ok());
        assert!(tick().is_ok() && check().is_ok() && !stopped());
    }

    #[test]
    fn time_runs_out_and_stops_the_loop() {
        let budget = Arc::new(Budget::new(&limits(0.05, 100)));
        let started = Instant::now();
        let result = within(&budget, || {
            let mut rounds = 0u64;
            while tick().is_ok() {
                rounds += 1;
            }
            rounds
        });
        assert_eq!(result, Err(BudgetError::Time { limit_s: 0.05 }));
        assert!(started.elapsed() < Duration::from_secs(5));
        // Outside `within` the budget is gone again.
        assert!(tick().is_ok());
    }

    #[test]
    fn memory_charges_add_up() {
        let budget = Arc::new(Budget::new(&limits(30.0, 1)));
        let result = within(&budget, || {
            charge("links", 600 << 10)?;
            charge("links", 600 << 10)
        });
        assert!(matches!(
            result,
            Err(BudgetError::Memory {
                what: "links",
                needed_mib: 2,
                limit_mib: 1
            })
        ));
    }

    #[test]
    fn cancel_from_another_thread_stops_the_work() {
        let budget = Arc::new(Budget::new(&limits(60.0, 100)));
        let other = budget.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.cancel();
        });
        let result = within(&budget, || while tick().is_ok() {});
        canceller.join().unwrap();
        assert_eq!(result, Err(BudgetError::Cancelled));
        assert_eq!(budget.stopped(), Some(BudgetError::Cancelled));
    }

    #[test]
    fn limits_parse_from_toml_with_defaults() {
        let l: AnalysisLimits = toml::from_str("time_s = 2.5\nconcurrent = 1").unwrap();
        assert_eq!(l.time_s, 2.5);
        assert_eq!(l.concurrent, 1);
        assert_eq!(l.memory_mib, AnalysisLimits::default().memory_mib);
        assert!(toml::from_str::<AnalysisLimits>("timeout = 3").is_err());
    }
}
