//! Helpers shared by the integration tests: paths to the bundled data, a real `kartrum` server
//! on 127.0.0.1, and the CLI.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

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
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_string();
                    }
                }
                _ => panic!("kartrum serve exited before listening"),
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

/// A blocking HTTP client with a generous timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// Asserts a response is a problem+json error with this status, and returns its detail.
pub fn assert_problem(response: reqwest::blocking::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string());
    body["detail"].as_str().expect("a detail").to_string()
}
