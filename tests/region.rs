//! A second region with ids of its own (`data/stockholm.toml`: `vagar`, `orter`, `butiker`,
//! `kommungranser` and their profile): every analysis answers from `{}`-style requests using
//! only the region profile, and the same store served without a profile answers 400 naming
//! the missing settings — never a 404 about a demo layer.

mod common;

use std::path::Path;

use common::regions::{self, Layers};
use common::{Server, assert_problem, client, run_cli};
use serde_json::{Value, json};

const REGION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/stockholm.toml");

fn post(server: &Server, path: &str, body: Value) -> reqwest::blocking::Response {
    client().post(server.at(path)).json(&body).send().unwrap()
}

fn ok(response: reqwest::blocking::Response) -> Value {
    let status = response.status();
    let text = response.text().unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn get(server: &Server, path: &str) -> reqwest::blocking::Response {
    client().get(server.at(path)).send().unwrap()
}

/// The shared Stockholm store (`tests/common/regions.rs`): first served with the region's
/// profile, then without one, then the command line.
#[test]
fn the_second_region_runs_every_analysis_from_its_profile() {
    let region = regions::stockholm(Layers::Every);
    let dir = region.dir();
    {
        let server = region.serve(None, &[]);
        service_access_and_what_if(&server);
        isochrone(&server);
        rural_with_and_without_areas(&server);
        place_profiles(&server);
        // The corridor's case goes here (the corridor from the profile's lines).
    }
    {
        let plain = Server::start(dir, None, &[]);
        without_a_profile_the_missing_settings_are_named(&plain);
    }
    the_command_line_reads_the_same_profile(dir);
}

fn service_access_and_what_if(server: &Server) {
    let body = ok(post(
        server,
        "/api/analysis/service-access",
        json!({ "kind": "livs", "output": { "include_units": true } }),
    ));
    assert_eq!(body["demand"]["layer"], "orter");
    assert_eq!(body["network"]["layer"], "vagar");
    let population = body["total"]["population"].as_f64().unwrap();
    assert!(population > 1_000_000.0, "{population}");
    assert!(body["demand"]["reached"]["units"].as_u64().unwrap() > 0);
    let areas = body["areas"].as_array().unwrap();
    assert!(areas.iter().any(|a| a["name"] == "Stockholm"), "{areas:?}");
    assert!(body["layer"]["id"].as_str().unwrap().starts_with("sa_"));
    // The Stockholm tätort reaches a shop; closing that shop sends it farther.
    let units = body["units"].as_array().unwrap();
    let reached = units
        .iter()
        .filter(|u| u["status"] == "reached")
        .max_by(|a, b| {
            a["population"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["population"].as_f64().unwrap())
        })
        .unwrap();
    let shop = reached["service_id"].as_str().unwrap();
    assert!(shop.starts_with("butiker/"), "{shop}");
    let what_if = ok(post(
        server,
        "/api/analysis/service-access/scenario",
        json!({ "kind": "livs", "changes": { "remove": [shop] } }),
    ));
    assert!(what_if["units_changed"].as_u64().unwrap() >= 1);
    let farther = what_if["total"]["population_farther"].as_f64().unwrap()
        + what_if["total"]["population_lost_access"].as_f64().unwrap();
    assert!(
        farther >= reached["population"].as_f64().unwrap(),
        "{}",
        what_if["total"]
    );
    let before = what_if["total"]["before"]["mean"].as_f64().unwrap();
    let after = what_if["total"]["after"]["mean"].as_f64().unwrap();
    assert!(after > before, "mean {before} → {after}");
    // The other kind of the profile is another supply.
    let pharmacy = ok(post(
        server,
        "/api/analysis/service-access",
        json!({ "kind": "apotek" }),
    ));
    assert_ne!(pharmacy["total"]["mean"], body["total"]["mean"]);
    let unknown = assert_problem(
        post(
            server,
            "/api/analysis/service-access",
            json!({ "kind": "grocery" }),
        ),
        400,
    );
    assert!(unknown.contains("livs, apotek"), "{unknown}");
}

fn isochrone(server: &Server) {
    let body = ok(get(
        server,
        "/api/analysis/isochrone?lon=18.0686&lat=59.3293&minutes=2,4&buffer_m=50",
    ));
    let bands = body["features"].as_array().unwrap();
    assert_eq!(bands.len(), 2);
    let area = |i: usize| bands[i]["properties"]["area_km2"].as_f64().unwrap();
    assert_eq!(bands[0]["properties"]["minutes"], 4.0);
    assert!(
        area(0) > area(1) && area(1) > 0.0,
        "{} {}",
        area(0),
        area(1)
    );
    // The profile's demand is counted inside.
    assert!(bands[0]["properties"]["population"].as_f64().is_some());
    assert!(body["network_note"].as_str().unwrap().contains("vagar"));
}

fn rural_with_and_without_areas(server: &Server) {
    let with = ok(post(server, "/api/analysis/rural", json!({})));
    let total = with["total"]["population"].as_f64().unwrap();
    let classes: f64 = with["total"]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["population"].as_f64().unwrap())
        .sum();
    assert!((classes - total).abs() < 0.5);
    let areas = with["areas"].as_array().unwrap();
    assert!(areas.len() > 1, "{areas:?}");
    let over_areas: f64 = areas
        .iter()
        .map(|a| a["population"].as_f64().unwrap())
        .sum();
    assert!((over_areas - total).abs() < 0.5);
    assert!(with["layer"]["id"].as_str().unwrap().starts_with("rural_"));
    let without = ok(post(
        server,
        "/api/analysis/rural",
        json!({ "areas": null }),
    ));
    assert_eq!(without["areas"], json!([]));
    assert_eq!(without["area_join"], Value::Null);
    assert_eq!(without["total"]["population"], with["total"]["population"]);
    assert_ne!(without["layer"]["id"], with["layer"]["id"]);
}

fn place_profiles(server: &Server) {
    let list = ok(get(server, "/api/places"));
    assert_eq!(list["towns_layer"], "orter");
    let places = list["places"].as_array().unwrap();
    assert!(places.len() > 10, "{}", places.len());
    let stockholm = places.iter().find(|p| p["name"] == "Stockholm").unwrap();
    assert_eq!(stockholm["class"], "huvudort");
    let id = stockholm["id"].as_str().unwrap();
    let profile = ok(get(server, &format!("/api/places/{id}/profile")));
    let kinds: Vec<&str> = profile["nearest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["livs", "apotek"]);
    assert!(
        profile["nearest"][0]["minutes"].as_f64().is_some(),
        "{profile}"
    );
    // The region names no stops and no health kind.
    assert_eq!(profile["bus"], Value::Null);
    assert_eq!(profile["health_centres_in_municipality"], json!([]));
    assert_problem(get(server, "/api/places/no-such-place/profile"), 404);
}

fn without_a_profile_the_missing_settings_are_named(server: &Server) {
    let missing = |response: reqwest::blocking::Response, setting: &str| {
        let detail = assert_problem(response, 400);
        assert!(
            detail.contains(&format!("missing setting `{setting}`")),
            "{detail}"
        );
    };
    let sa = "/api/analysis/service-access";
    missing(post(server, sa, json!({})), "supply");
    let shops = json!([{ "layer": "butiker", "filter": { "category": "grocery" } }]);
    missing(post(server, sa, json!({ "supply": shops })), "network");
    missing(
        post(server, sa, json!({ "supply": shops, "network": "vagar" })),
        "demand",
    );
    missing(post(server, "/api/analysis/rural", json!({})), "network");
    missing(
        post(
            server,
            "/api/analysis/rural",
            json!({ "network": "vagar", "demand": { "layer": "orter", "population": "pop" } }),
        ),
        "towns",
    );
    missing(
        get(server, "/api/analysis/isochrone?lon=18.07&lat=59.33"),
        "network",
    );
    missing(get(server, "/api/places"), "network");
    // Named in full, the same analysis runs without a profile.
    let named = json!({
        "network": "vagar",
        "demand": { "layer": "orter", "population": "pop" },
        "supply": shops,
    });
    let body = ok(post(server, sa, named));
    assert_eq!(body["areas"], json!([]));
}

/// `kartrum analyze` takes the same profile (`--profile`); without one it names what is
/// missing and exits non-zero.
fn the_command_line_reads_the_same_profile(dir: &Path) {
    let dir = dir.to_str().unwrap();
    for analysis in ["rural", "service-access"] {
        let bare = run_cli(&["analyze", analysis, "--data-dir", dir]);
        assert!(!bare.status.success(), "{analysis}");
        let stderr = String::from_utf8_lossy(&bare.stderr);
        assert!(stderr.contains("missing setting `"), "{analysis}: {stderr}");
    }
    let out = tempfile::tempdir().unwrap();
    let run = run_cli(&[
        "analyze",
        "service-access",
        "--data-dir",
        dir,
        "--profile",
        REGION,
        "--kind",
        "livs",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let areas = std::fs::read_to_string(out.path().join("livs_areas.csv")).unwrap();
    assert!(areas.lines().any(|l| l.contains(",Stockholm,")), "{areas}");
    let rural = run_cli(&[
        "analyze",
        "rural",
        "--data-dir",
        dir,
        "--profile",
        REGION,
        "--no-areas",
    ]);
    let stdout = String::from_utf8_lossy(&rural.stdout);
    assert!(
        rural.status.success(),
        "{}",
        String::from_utf8_lossy(&rural.stderr)
    );
    assert!(stdout.contains("Totalt"), "{stdout}");
}
