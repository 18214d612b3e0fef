//! Adversarial tests: requests, files and neighbour processes as an attacker would send them,
//! against a real server. Each test asserts the clear 4xx (or 429/503) and that the server
//! still answers `/healthz` and a tile within a second afterwards.
//!
//! - [`analysis`]: setting ranges, work budgets and the bounded pool of heavy work.
//! - [`ingest`]: files whose headers lie, caps, name clashes, no I/O the user did not ask for.
//! - [`store`]: derived layers, neighbour processes, problem+json everywhere.

mod common;

#[path = "hardening/analysis.rs"]
mod analysis;
#[path = "hardening/ingest.rs"]
mod ingest;
#[path = "hardening/store.rs"]
mod store;

use std::time::{Duration, Instant};

use common::{Server, client};

/// Asserts that `server` still answers `/healthz` and a tile of `layer`, each within a second.
pub fn assert_still_serving(server: &Server, layer: &str) {
    let client = client();
    for path in ["/healthz".to_string(), format!("/tiles/{layer}/0/0/0.mvt")] {
        let started = Instant::now();
        let response = client
            .get(server.at(&path))
            .timeout(Duration::from_secs(1))
            .send()
            .unwrap_or_else(|e| panic!("{path} did not answer within 1 s: {e}"));
        assert!(
            response.status().is_success(),
            "{path} answered {}",
            response.status()
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} took {:?}",
            started.elapsed()
        );
    }
}
