//! `POST /api/analysis/compare` against a real server on the Dalarna data: the table's
//! differences are the scenario endpoint's before/after, the scenarios' result layers hold
//! `change`, corridors are rows, and bad requests are problems.

mod common;

use common::regions::{self, Layers, Region};
use common::{Server, assert_problem};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::compare::{self, CompareRequest};
use kartrummet::profile::RegionProfile;
use serde_json::{Value as Json, json};

/// The Dalarna layers these tests read, ingested once per test binary.
fn dalarna() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "busslinjer",
        "befolkning_1km",
        "vardcentraler",
        "servicepunkter",
        "kommuner",
        "tatorter",
        "hallplatser",
    ]))
}

/// The write token of the test server.
const TOKEN: &str = "compare-secret";

/// Idre (lon, lat): a village in the north-west without a health centre.
const IDRE: (f64, f64) = (12.7186, 61.8585);

/// Health centres over the bus network, per municipality (the rest from the profile).
fn health() -> Json {
    json!({ "supply": [{ "layer": "vardcentraler" }] })
}

fn close_avesta() -> Json {
    json!({ "remove": ["vardcentraler/1"] })
}

fn open_idre() -> Json {
    json!({ "add": [{ "name": "Idre hälsocentral", "lon": IDRE.0, "lat": IDRE.1 }] })
}

/// Marnäs (lon, lat): a village in Ludvika municipality.
const MARNAS: (f64, f64) = (15.17, 60.15);

/// 610 new residents at Marnäs.
fn marnas_homes() -> Json {
    json!({ "population": [
        { "name": "Marnäs", "lon": MARNAS.0, "lat": MARNAS.1, "population": 610 }
    ] })
}

fn post(server: &Server, path: &str, body: &Json) -> reqwest::blocking::Response {
    common::client()
        .post(server.at(path))
        .json(body)
        .send()
        .unwrap()
}

fn ok(server: &Server, path: &str, body: &Json) -> Json {
    let response = post(server, path, body);
    let status = response.status();
    let answer: Json = response.json().unwrap();
    assert_eq!(status, 200, "{path}: {answer}");
    answer
}

fn get(server: &Server, path: &str) -> Json {
    let response = common::client().get(server.at(path)).send().unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().unwrap()
}

/// One server for every check: two servers on one data directory could clear each other's
/// work files.
#[test]
fn http_api() {
    let server = dalarna().serve(Some(TOKEN), &[]);
    let saved = common::client()
        .post(server.at("/api/scenarios"))
        .bearer_auth(TOKEN)
        .json(&json!({ "name": "Avesta stänger", "description": "", "changes": close_avesta() }))
        .send()
        .unwrap();
    assert_eq!(saved.status(), 201);
    service_access_differences_are_the_scenarios(&server);
    added_homes_are_counted_exactly(&server);
    corridors_are_the_rows(&server);
    bad_requests_are_problems(&server);
}

/// Closing Avesta's health centre and opening one at Idre, compared with the baseline: each
/// scenario's difference, in total and per municipality, is what the scenario endpoint
/// reports as after minus before for the same changes; its result layer holds every unit's
/// value and its change, and a second request reuses the same layers.
fn service_access_differences_are_the_scenarios(server: &Server) {
    let body = json!({
        "analysis": "service_access",
        "request": health(),
        "scenarios": ["avesta-stanger", { "name": "Idre öppnar", "changes": open_idre() }],
    });
    let table = ok(server, "/api/analysis/compare", &body);
    assert_eq!(table["analysis"], "service_access");
    assert_eq!(
        table["scenarios"][1]["id"], "avesta-stanger",
        "the saved scenario"
    );
    let names: Vec<&str> = table["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nuläge", "Avesta stänger", "Idre öppnar"]);
    let keys: Vec<&str> = table["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    for key in ["population_beyond", "mean", "median", "band_0"] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    assert_eq!(table["areas"].as_array().unwrap().len(), 15);
    assert_eq!(table["total"]["difference"][0], Json::Null);

    let summary_of = |s: &Json| -> Vec<(String, Option<f64>)> {
        let mut out: Vec<(String, Option<f64>)> = [
            ("population_beyond", "beyond_threshold"),
            ("mean", "mean"),
            ("median", "median"),
            ("unreachable", "unreachable"),
        ]
        .iter()
        .map(|(key, field)| (key.to_string(), s[*field].as_f64()))
        .collect();
        for (j, band) in s["bands"].as_array().unwrap().iter().enumerate() {
            out.push((format!("band_{j}"), band["population"].as_f64()));
        }
        out
    };
    let close = |a: Option<f64>, b: Option<f64>, what: &str| match (a, b) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{what}: {a} vs {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    };
    let mut moved = 0;
    for (i, changes) in [close_avesta(), open_idre()].into_iter().enumerate() {
        let mut request = health();
        request["changes"] = changes;
        request["output"] = json!({ "store": false, "max_units": 0 });
        let scenario = ok(server, "/api/analysis/service-access/scenario", &request);
        let rows = table["areas"]
            .as_array()
            .unwrap()
            .iter()
            .chain([&table["total"]]);
        for row in rows {
            let name = row["name"].as_str().unwrap();
            let expected = if name == "Totalt" {
                &scenario["total"]
            } else {
                scenario["areas"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["name"] == row["name"] && a["code"] == row["code"])
                    .unwrap_or_else(|| panic!("no area {name} in the scenario answer"))
            };
            let (before, after) = (
                summary_of(&expected["before"]),
                summary_of(&expected["after"]),
            );
            for ((key, b), (_, a)) in before.into_iter().zip(after) {
                let what = format!("{name} {key} scenario {}", i + 1);
                close(row["values"][0][&key].as_f64(), b, &what);
                close(row["values"][i + 1][&key].as_f64(), a, &what);
                let d = b.zip(a).map(|(b, a)| a - b);
                close(row["difference"][i + 1][&key].as_f64(), d, &what);
                moved += usize::from(d.is_some_and(|d| d.abs() > 1e-9));
            }
        }
    }
    assert!(moved > 4, "the scenarios change something ({moved} cells)");
    let mean = |i: usize| table["total"]["difference"][i]["mean"].as_f64().unwrap();
    assert!(
        mean(1) > 0.0 && mean(2) < 0.0,
        "closing is farther, opening nearer"
    );

    // Each scenario's layer: every unit, its value and its change against the baseline.
    let layers: Vec<String> = table["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["layer"].as_str().expect("a layer").to_string())
        .collect();
    assert!(layers.iter().all(|l| l.starts_with("cmp_")), "{layers:?}");
    let mut distinct = layers.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
    let changes = |layer: &str| -> Vec<Option<f64>> {
        let features = get(server, &format!("/api/layers/{layer}/features?limit=10000"));
        assert_eq!(features["numberMatched"], 4_004, "{layer}");
        features["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert!(f["properties"].get("value").is_some(), "{f}");
                f["properties"]["change"].as_f64()
            })
            .collect()
    };
    let base = changes(&layers[0]);
    assert!(base.iter().flatten().all(|d| *d == 0.0));
    let farther = changes(&layers[1]);
    assert!(farther.iter().flatten().all(|d| *d >= -1e-9));
    assert!(farther.iter().flatten().any(|d| *d > 0.0));
    let nearer = changes(&layers[2]);
    assert!(nearer.iter().flatten().all(|d| *d <= 1e-9));
    assert!(nearer.iter().flatten().any(|d| *d < 0.0));

    let again = ok(server, "/api/analysis/compare", &body);
    assert_eq!(again["scenarios"], table["scenarios"], "the same ids");
    assert_eq!(again["total"], table["total"]);
}

/// New homes for 610 residents at Marnäs: the total population grows by exactly 610, and so
/// does Ludvika's; the scenario's layer has one unit more, without a change.
fn added_homes_are_counted_exactly(server: &Server) {
    let body = json!({
        "analysis": "service_access",
        "request": health(),
        "scenarios": [{ "name": "Nya bostäder Marnäs", "changes": marnas_homes() }],
    });
    let table = ok(server, "/api/analysis/compare", &body);
    let added = |row: &Json| row["difference"][1]["population"].as_f64();
    assert_eq!(added(&table["total"]), Some(610.0));
    let rows = table["areas"].as_array().unwrap();
    let ludvika = rows.iter().find(|r| r["name"] == "Ludvika").unwrap();
    assert_eq!(added(ludvika), Some(610.0));
    let others: f64 = rows
        .iter()
        .filter(|r| r["name"] != "Ludvika")
        .filter_map(added)
        .sum();
    assert_eq!(others, 0.0);
    let layer = table["scenarios"][1]["layer"].as_str().unwrap();
    let features = get(server, &format!("/api/layers/{layer}/features?limit=10000"));
    assert_eq!(features["numberMatched"], 4_005);
    // The new unit has an id above every id of the demand layer.
    let new = features["features"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|f| f["properties"]["unit_id"].as_u64())
        .expect("units");
    assert_eq!(new["properties"]["population"], 610.0, "{new}");
    assert_eq!(new["properties"]["change"], Json::Null, "{new}");
}

/// Corridors are the rows; a scenario without changes differs by nothing, and the total is
/// the region's.
fn corridors_are_the_rows(server: &Server) {
    let line = |to: (f64, f64)| json!({ "type": "LineString", "coordinates": [[15.63, 60.61], [to.0, to.1]] });
    let body = json!({
        "analysis": "corridor",
        "request": { "corridors": [
            { "name": "Mot Borlänge", "line": line((15.42, 60.48)), "buffer_m": 2000 },
            { "name": "Mot Rättvik", "line": line((15.12, 60.89)), "buffer_m": 2000 },
        ] },
        "scenarios": [{ "name": "Oförändrat", "changes": {} }],
    });
    let table = ok(server, "/api/analysis/compare", &body);
    let rows = table["areas"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Mot Borlänge", "Mot Rättvik"]);
    for row in rows.iter().chain([&table["total"]]) {
        let population = row["values"][0]["population"].as_f64().unwrap();
        assert!(population > 1_000.0, "{row}");
        assert_eq!(row["values"][0], row["values"][1]);
        assert_eq!(row["difference"][1]["population"], 0.0);
    }
    assert_eq!(table["total"]["values"][0]["population"], 285_587.0);
    assert_eq!(
        table["scenarios"][1]["layer"],
        Json::Null,
        "corridors have no units"
    );
}

/// Scenario lists empty or over six, names twice, an unknown analysis, changes inside the
/// request, an unknown saved scenario and a bad scenario are refused as problems naming the
/// fault.
fn bad_requests_are_problems(server: &Server) {
    let with = |scenarios: Json| json!({ "analysis": "service_access", "request": health(), "scenarios": scenarios });
    let named = |name: &str| json!({ "name": name, "changes": close_avesta() });
    let seven: Vec<Json> = (1..=7).map(|i| named(&format!("S{i}"))).collect();
    let cases = [
        (with(json!([])), 400, "between 1 and 6"),
        (with(json!(seven)), 400, "between 1 and 6"),
        (with(json!([named("A"), named("A")])), 400, "two scenarios"),
        (with(json!([named("Nuläge")])), 400, "two scenarios"),
        (with(json!([named("")])), 400, "name"),
        (with(json!([7])), 400, "scenario"),
        (with(json!(["ingen-sadan"])), 404, "ingen-sadan"),
        (
            with(json!([{ "name": "A", "changes": { "remove": ["vardcentraler/999999"] } }])),
            400,
            "vardcentraler/999999",
        ),
        (
            json!({ "analysis": "isochrone", "scenarios": [named("A")] }),
            400,
            "service_access",
        ),
        (
            json!({ "analysis": "rural", "request": { "changes": {} }, "scenarios": [named("A")] }),
            400,
            "changes",
        ),
        (
            json!({ "analysis": "rural", "request": [], "scenarios": [named("A")] }),
            400,
            "object",
        ),
    ];
    for (body, status, says) in cases {
        let detail = assert_problem(post(server, "/api/analysis/compare", &body), status);
        assert!(detail.contains(says), "{body}: {detail}");
    }
}

/// New homes for 610 residents at Marnäs in a rural comparison: the total population grows by
/// exactly 610, in the classes as much, and Ludvika's row by the same number.
#[test]
fn rural_added_population_is_counted_exactly() {
    let request: CompareRequest = serde_json::from_value(json!({
        "analysis": "rural",
        "scenarios": [{ "name": "Nya bostäder Marnäs", "changes": marnas_homes() }],
    }))
    .unwrap();
    let scenarios = request.scenarios(|_| None).unwrap();
    let profile = RegionProfile::read(dalarna().manifest()).unwrap().analysis;
    let catalog = dalarna().store().snapshot();
    let cache = AnalysisCache::default();
    let table =
        compare::compare(&cache, &catalog, "EPSG:3006", &profile, &request, scenarios).unwrap();
    let added = |row: &compare::Row, key: &str| row.difference[1].as_ref().unwrap()[key];
    assert_eq!(added(&table.total, "population"), Some(610.0));
    let classes: f64 = ["tatort", "tatortsnara_landsbygd", "glesbygd"]
        .iter()
        .map(|k| added(&table.total, k).unwrap())
        .sum();
    assert_eq!(classes, 610.0);
    let ludvika = table.areas.iter().find(|r| r.name == "Ludvika").unwrap();
    assert_eq!(added(ludvika, "population"), Some(610.0));
}
