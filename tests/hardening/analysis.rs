//! Analyses as an attacker sends them: settings out of range, in-range requests too costly
//! for the work budget, and more heavy requests than the pool runs at once.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::assert_still_serving;
use super::common::regions::{self, Layers, Region};
use super::common::{Server, assert_problem, client, run_cli};

/// The Dalarna bus lines, population grid, health centres and stops, ingested once per test
/// binary; every test's server serves them (none of these requests writes).
fn dalarna() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "busslinjer",
        "befolkning_1km",
        "vardcentraler",
        "hallplatser",
    ]))
}

/// A server over the shared store with `[limits.analysis]` set to `limits` (TOML lines).
fn server_with(limits: &str) -> (Server, tempfile::TempDir) {
    let config_dir = tempfile::tempdir().unwrap();
    let config: PathBuf = config_dir.path().join("kartrum.toml");
    std::fs::write(&config, format!("[limits.analysis]\n{limits}\n")).unwrap();
    let server = dalarna().serve(None, &["--config", config.to_str().unwrap()]);
    (server, config_dir)
}

/// Service access to the health centres over the bus lines, not stored.
fn access(network_settings: Value) -> Value {
    json!({
        "network": "busslinjer",
        "network_settings": network_settings,
        "demand": {"layer": "befolkning_1km", "population": "befolkning_2025"},
        "supply": [{"layer": "vardcentraler"}],
        "output": {"store": false},
    })
}

/// The attack on corridors: the most corridors, each with the longest stop catchment.
fn corridor_attack() -> Value {
    let corridor = |i: usize| {
        json!({
            "name": format!("k{i}"),
            "line": {"type": "LineString", "coordinates": [[15.2, 60.3], [15.9, 60.8]]},
            "buffer_m": 1000,
            "catchment": {"minutes": 120},
        })
    };
    json!({
        "corridors": (0..12).map(corridor).collect::<Vec<_>>(),
        "sources": {"population": {"layer": "befolkning_1km", "field": "befolkning_2025"}},
    })
}

const ISOCHRONE: &str = "/api/analysis/isochrone?network=busslinjer&lon=15.63&lat=60.61";

#[test]
fn settings_out_of_range_answer_400_naming_the_range() {
    let (server, _config) = server_with("");
    let c = client();
    let post = |path: &str, body: &Value| c.post(server.at(path)).json(body).send().unwrap();

    // The join-tolerance attack: refused before any network is built.
    let detail = assert_problem(
        post(
            "/api/analysis/service-access",
            &access(json!({"join_tolerance_m": 1e9})),
        ),
        400,
    );
    assert!(
        detail.contains("join_tolerance_m must be between 0 and 500 m"),
        "{detail}"
    );
    let detail = assert_problem(
        post(
            "/api/analysis/service-access",
            &access(json!({"class_speeds": {"stadstrafik": 0}})),
        ),
        400,
    );
    assert!(
        detail.contains("class_speeds.stadstrafik must be between 1 and 300 km/h"),
        "{detail}"
    );

    // The isochrone attacks.
    let get = |query: &str| {
        c.get(server.at(&format!("{ISOCHRONE}&{query}")))
            .send()
            .unwrap()
    };
    let detail = assert_problem(get("minutes=600&buffer_m=5000"), 400);
    assert!(
        detail.contains("minutes must be between 0.1 and 180 minutes"),
        "{detail}"
    );
    let detail = assert_problem(get("minutes=30&buffer_m=5000"), 400);
    assert!(
        detail.contains("buffer_m must be between 1 and 2000 m"),
        "{detail}"
    );
    let detail = assert_problem(get("minutes=10&max_distance_m=1e9"), 400);
    assert!(
        detail.contains("max_distance_m must be between 0 and 50000 m"),
        "{detail}"
    );

    // Corridors: too many, and too long a catchment.
    let mut attack = corridor_attack();
    let one_more = attack["corridors"][0].clone();
    attack["corridors"].as_array_mut().unwrap().push(one_more);
    let detail = assert_problem(post("/api/analysis/corridor", &attack), 400);
    assert!(
        detail.contains("corridors must be between 1 and 12"),
        "{detail}"
    );
    let mut attack = corridor_attack();
    attack["corridors"][3]["catchment"]["minutes"] = json!(600);
    let detail = assert_problem(post("/api/analysis/corridor", &attack), 400);
    assert!(
        detail.contains("corridor 4: catchment.minutes must be between 0.1 and 120"),
        "{detail}"
    );

    // Rural thresholds and scenario listing sizes.
    let detail = assert_problem(
        post("/api/analysis/rural", &json!({"thresholds": [1e12]})),
        400,
    );
    assert!(
        detail.contains("thresholds must be between 1 and"),
        "{detail}"
    );
    let mut body = access(json!({}));
    body["output"]["max_units"] = json!(1e9 as u64);
    let detail = assert_problem(post("/api/analysis/service-access/scenario", &body), 400);
    assert!(
        detail.contains("output.max_units must be between 0 and 100000"),
        "{detail}"
    );

    assert_still_serving(&server, "busslinjer");

    // The command line refuses the same ranges, with a message and a non-zero exit.
    let dir = dalarna().dir().to_str().unwrap();
    let args = format!(
        "analyze service-access --data-dir {dir} --network busslinjer --demand befolkning_1km \
         --population befolkning_2025 --supply vc=vardcentraler --max-snap-m 1e9"
    );
    let out = run_cli(&args.split_whitespace().collect::<Vec<_>>());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("max_distance_m must be between 0 and 50000 m"),
        "{stderr}"
    );
}

#[test]
fn a_costly_isochrone_is_refused_by_the_memory_budget() {
    let (server, _config) = server_with("memory_mib = 64");
    let response = client()
        .get(server.at(&format!("{ISOCHRONE}&minutes=30&buffer_m=1000")))
        .send()
        .unwrap();
    let detail = assert_problem(response, 422);
    assert!(detail.contains("memory budget of 64 MiB"), "{detail}");
    assert!(detail.contains("memory_mib"), "{detail}");
    assert_still_serving(&server, "busslinjer");
    // A small one still fits.
    let small = client()
        .get(server.at(&format!("{ISOCHRONE}&minutes=5&buffer_m=100")))
        .send()
        .unwrap();
    assert_eq!(small.status(), 200);
}

#[test]
fn twelve_long_catchments_are_stopped_by_the_time_budget() {
    let (server, _config) = server_with("time_s = 2\nmemory_mib = 100000");
    let response = client()
        .post(server.at("/api/analysis/corridor"))
        .json(&corridor_attack())
        .send()
        .unwrap();
    let detail = assert_problem(response, 503);
    assert!(detail.contains("time budget of 2 s"), "{detail}");
    assert!(detail.contains("time_s"), "{detail}");
    assert_still_serving(&server, "busslinjer");
}

#[test]
fn a_heavy_request_beyond_the_pool_gets_429_while_healthz_answers() {
    let (server, _config) = server_with("concurrent = 1\nqueue = 0");
    let first_url = server.at(&format!("{ISOCHRONE}&minutes=10&buffer_m=250"));
    // The first request on a fresh server builds the network: it holds the one slot for a
    // while.
    let first = std::thread::spawn(move || client().get(first_url).send().unwrap().status());
    std::thread::sleep(Duration::from_millis(300));
    let second = client()
        .post(server.at("/api/analysis/service-access"))
        .json(&access(json!({})))
        .send()
        .unwrap();
    assert!(!first.is_finished(), "the first request ended too soon");
    let retry = second
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let detail = assert_problem(second, 429);
    assert!(detail.contains("busy"), "{detail}");
    assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s > 0)));
    let started = Instant::now();
    let health = client()
        .get(server.at("/healthz"))
        .timeout(Duration::from_secs(1))
        .send()
        .unwrap();
    assert!(health.status().is_success());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(first.join().unwrap(), 200);
    assert_still_serving(&server, "busslinjer");
}
