//! Background jobs with status: an upload sent with `Prefer: respond-async` answers 202 at
//! once, and `GET /api/jobs/{id}` tells how far it has come and, at the end, its result or
//! its problem.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ApiError, AppState};

/// How many finished jobs are remembered.
const KEEP: usize = 100;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Still working.
    Running,
    /// Finished with a result.
    Done,
    /// Finished with a problem.
    Failed,
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Job number.
    pub id: u64,
    /// What kind of work, e.g. `ingest`.
    pub kind: &'static str,
    /// Where it stands.
    pub status: JobStatus,
    /// A short description (e.g. the file name).
    pub title: String,
    /// Items done so far (features read, for an ingest).
    pub done: u64,
    /// Items in all, when known.
    pub total: Option<u64>,
    /// What is being worked on now (e.g. the source layer).
    pub stage: String,
    /// The result, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// The problem, when failed: HTTP status and detail, as the synchronous call would answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<serde_json::Value>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

/// The jobs of this server process.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<BTreeMap<u64, Job>>,
}

/// A handle that updates one job.
#[derive(Clone)]
pub struct JobHandle {
    jobs: Arc<Jobs>,
    id: u64,
}

impl Jobs {
    /// Registers a running job.
    pub fn start(self: &Arc<Self>, kind: &'static str, title: String) -> JobHandle {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let id = jobs.keys().next_back().map_or(1, |last| last + 1);
        jobs.insert(
            id,
            Job {
                id,
                kind,
                status: JobStatus::Running,
                title,
                done: 0,
                total: None,
                stage: String::new(),
                result: None,
                problem: None,
                started_at: Utc::now(),
                finished_at: None,
            },
        );
        while jobs.len() > KEEP {
            let Some(oldest) = jobs
                .values()
                .find(|j| j.status != JobStatus::Running)
                .map(|j| j.id)
            else {
                break;
            };
            jobs.remove(&oldest);
        }
        JobHandle {
            jobs: self.clone(),
            id,
        }
    }

    /// A copy of one job.
    pub fn get(&self, id: u64) -> Option<Job> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Job)) {
        if let Some(job) = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&id)
        {
            change(job);
        }
    }
}

impl JobHandle {
    /// The job's number.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Reports progress.
    pub fn progress(&self, stage: &str, done: u64, total: Option<u64>) {
        self.jobs.update(self.id, |job| {
            if job.stage != stage {
                job.stage = stage.to_string();
            }
            job.done = done;
            job.total = total;
        });
    }

    /// Runs `work` on a blocking thread and ends the job with what it returns. A panic in
    /// `work` ends the job `failed` with a generic internal problem, so a job never stays
    /// `running` after its worker is gone.
    pub fn run_blocking(
        self,
        work: impl FnOnce(&JobHandle) -> Result<serde_json::Value, ApiError> + Send + 'static,
    ) {
        tokio::task::spawn_blocking(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&self)))
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(ApiError::internal(format!(
                        "job {} panicked: {what}",
                        self.id
                    )))
                });
            self.finish(outcome);
        });
    }

    /// Ends the job with its result or problem.
    pub fn finish(&self, outcome: Result<serde_json::Value, ApiError>) {
        self.jobs.update(self.id, |job| {
            job.finished_at = Some(Utc::now());
            match outcome {
                Ok(result) => {
                    job.status = JobStatus::Done;
                    job.result = Some(result);
                }
                Err(problem) => {
                    job.status = JobStatus::Failed;
                    job.problem = Some(problem.body());
                }
            }
        });
    }
}

/// `GET /api/jobs/{id}`.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs", params(("id" = String, Path, description = "job id")), responses((status = 200, description = "the job's status", body = Object)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<Job>, ApiError> {
    state
        .jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no job {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        let jobs = Arc::new(Jobs::default());
        let job = jobs.start("ingest", "a.geojson".into());
        job.progress("a", 10, Some(20));
        let seen = jobs.get(job.id()).unwrap();
        assert_eq!(
            (seen.status, seen.done, seen.total),
            (JobStatus::Running, 10, Some(20))
        );
        job.finish(Err(ApiError::bad_request("nope")));
        let seen = jobs.get(job.id()).unwrap();
        assert_eq!(seen.status, JobStatus::Failed);
        assert_eq!(seen.problem.unwrap()["status"], 400);
    }

    #[tokio::test]
    async fn a_panicking_job_ends_failed() {
        let jobs = Arc::new(Jobs::default());
        let job = jobs.start("ingest", "bad.geojson".into());
        let id = job.id();
        job.run_blocking(|_| panic!("worker broke"));
        // Generous: printing the panic's backtrace can take seconds on a loaded machine.
        for _ in 0..3000 {
            if jobs.get(id).unwrap().status != JobStatus::Running {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let seen = jobs.get(id).unwrap();
        assert_eq!(seen.status, JobStatus::Failed);
        let problem = seen.problem.unwrap();
        assert_eq!(problem["status"], 500);
        assert!(!problem["detail"].as_str().unwrap().contains("worker broke"));
    }

    #[test]
    fn forgets_old_finished_jobs_only() {
        let jobs = Arc::new(Jobs::default());
        let running = jobs.start("ingest", "long".into());
        for _ in 0..KEEP + 5 {
            jobs.start("ingest", "quick".into())
                .finish(Ok(serde_json::Value::Null));
        }
        assert!(jobs.get(running.id()).is_some());
        assert_eq!(jobs.jobs.lock().unwrap().len(), KEEP);
    }
}
