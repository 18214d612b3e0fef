//! Helpers shared by the integration tests: paths to the bundled data, one store per region
//! ([`regions`]), a real `kartrum` server on 127.0.0.1, the CLI, and waiting with a deadline.
#![allow(dead_code)] // each test binary uses its own subset

pub mod regions;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kartrummet::ingest::{self, IngestOptions, IngestReport};
use kartrummet::store::Store;

/// A file in the bundled `data/` folder.
pub fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(relative)
}

/// The `kartrum` binary built for these tests.
pub fn kartrum() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kartrum"));
    command
        .env_remove("KARTRUM_TOKEN")
        .env_remove("KARTRUM_READ_TOKENS")
        .env_remove("KARTRUM_DATA_DIR");
    command
}

/// Runs `kartrum ARGS` to completion.
pub fn run_cli(args: &[&str]) -> Output {
    kartrum().args(args).output().expect("running kartrum")
}

/// Opens a store in `dir` with the default analysis CRS.
pub fn open_store(dir: &Path) -> Store {
    Store::open(dir, "EPSG:3006").expect("opening the store")
}

/// Ingests `path` as layer `id` through the library.
pub fn ingest_as(store: &Store, path: &Path, id: &str) -> IngestReport {
    ingest_with(
        store,
        path,
        IngestOptions {
            layer_id: Some(id.into()),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("ingesting {}: {e}", path.display()))
}

/// Ingests with full options.
pub fn ingest_with(
    store: &Store,
    path: &Path,
    options: IngestOptions,
) -> Result<IngestReport, ingest::IngestError> {
    ingest::ingest(store, path, &options, &mut |_| {})
}

/// Number of files (not folders) under a store's `tmp/`, at any depth: each process keeps its
/// work files in its own `tmp/<pid>-…/` folder.
pub fn work_files(store_dir: &Path) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let path = e.path();
                        if path.is_dir() { count(&path) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&store_dir.join("tmp"))
}

/// A running `kartrum serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Server {
    /// Starts a server on a free port over `data_dir`, with `token` as the write token and
    /// extra command-line arguments.
    pub fn start(data_dir: &Path, token: Option<&str>, extra: &[&str]) -> Server {
        let web = data_dir.join("web-empty");
        std::fs::create_dir_all(&web).unwrap();
        let mut command = kartrum();
        command
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .arg("--web-dir")
            .arg(&web)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(token) = token {
            command.env("KARTRUM_TOKEN", token);
        }
        let mut child = command.spawn().expect("starting kartrum serve");
        // Read stdout on a thread, so that a server that never prints fails the test at the
        // deadline; the thread goes on draining stdout until the server ends.
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = sender.send(url.trim().to_string());
                }
            }
        });
        let url = match receiver.recv_timeout(DEADLINE) {
            Ok(url) => url,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.kill();
                let status = child.wait().expect("waiting for kartrum serve");
                panic!("kartrum serve closed its output ({status}) before listening")
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kartrum serve was not listening within {DEADLINE:?}")
            }
        };
        Server { child, url }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Full URL of `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a test waits for anything (a server to listen, a job to end, a change to show)
/// before it fails.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Calls `probe` until it gives a value, every 20 ms, and fails the test naming `what` when
/// none came within [`DEADLINE`].
pub fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls the job at `location` (`/api/jobs/{id}`) until it is no longer `running`, and
/// returns its last status; fails the test when it still runs at the deadline.
pub fn finished_job(server: &Server, location: &str) -> serde_json::Value {
    let client = client();
    wait_until(&format!("the job {location} ends"), || {
        let response = client.get(server.at(location)).send().expect("GET the job");
        assert!(
            response.status().is_success(),
            "GET {location}: {}",
            response.status()
        );
        let job: serde_json::Value = response.json().expect("a job is JSON");
        (job["status"] != "running").then_some(job)
    })
}

/// A blocking HTTP client with a generous timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(DEADLINE)
        .build()
        .unwrap()
}

/// The `Content-Type` of a response (empty when it has none).
pub fn content_type(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Asserts a response is a problem+json error with this status, and returns its detail.
pub fn assert_problem(response: reqwest::blocking::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status, "status");
    assert_eq!(content_type(&response), "application/problem+json");
    let body: serde_json::Value = response.json().expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string());
    body["detail"].as_str().expect("a detail").to_string()
}

/// The Python of a venv `name` under the target directory with the pinned `packages`, made
/// (and remade when the list changes) on first use. A venv that cannot be made fails the test
/// with the reason: the pinned Python clients and validators are part of the suite.
pub fn python_venv(name: &str, packages: &[&str]) -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let python = venv.join("bin/python");
    let stamp = venv.join("packages.txt");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg("--clear")
            .arg(&venv)
            .output();
        match made {
            Ok(o) if o.status.success() => {}
            other => panic!(
                "cannot create a Python venv {name} (Debian: apt-get install python3-venv): {other:?}"
            ),
        }
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages)
            .output()
            .expect("running pip");
        assert!(
            installed.status.success(),
            "cannot install {packages:?} from PyPI into {}: {}",
            venv.display(),
            String::from_utf8_lossy(&installed.stderr)
        );
        std::fs::write(&stamp, &wanted).unwrap();
    }
    python
}
