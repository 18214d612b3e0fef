//! Saved scenarios over HTTP, served by the real binary: `/api/scenarios` (token rules, bounds,
//! 404/409/400 answers, persistence), saved views naming a scenario, and analyses run with
//! `"scenario": NAME` answering as with the same changes inline.

use std::path::Path;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

mod common;

use common::regions::{self, Layers, Region};
use common::{Server, client, content_type};

const TOKEN: &str = "scenarios-test-token";

fn start(data_dir: &Path) -> Server {
    Server::start(data_dir, Some(TOKEN), &[])
}

fn scenario(name: &str) -> Value {
    json!({
        "name": name,
        "description": "290 hus och 320 lägenheter",
        "changes": {
            "remove": ["servicepunkter/1"],
            "population": [{ "name": "Nya bostäder", "lon": 15.17, "lat": 60.15, "population": 610 }],
        },
    })
}

fn send(request: reqwest::blocking::RequestBuilder, body: Option<&Value>) -> Response {
    let request = request.bearer_auth(TOKEN);
    match body {
        Some(body) => request.json(body),
        None => request,
    }
    .send()
    .unwrap()
}

/// The status of a problem answer, checking that it is problem+json.
fn problem(response: Response) -> (StatusCode, String) {
    let status = response.status();
    assert_eq!(
        content_type(&response),
        "application/problem+json",
        "{status}"
    );
    let body: Value = response.json().unwrap();
    (
        status,
        body["detail"].as_str().unwrap_or_default().to_string(),
    )
}

fn names(client: &Client, url: &str) -> Vec<String> {
    let list: Value = client
        .get(format!("{url}/api/scenarios"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    list["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn saved_scenarios_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let client = client();
    let server = start(dir.path());
    let url = &server.url;
    let scenarios = format!("{url}/api/scenarios");

    // Writes need the token.
    for token in [None, Some("nope")] {
        let mut request = client.post(&scenarios).json(&scenario("A"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (status, _) = problem(request.send().unwrap());
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    let created = send(
        client.post(&scenarios),
        Some(&scenario("Nya bostäder Marnäs")),
    );
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().unwrap();
    assert_eq!(body["id"], "nya-bostader-marnas");
    assert_eq!(body["name"], "Nya bostäder Marnäs");
    assert_eq!(body["changes"]["population"][0]["population"], 610.0);
    assert!(body["created"].is_string() && body["updated"].is_string());

    // A second scenario of the same name (or the same slug) is a conflict.
    let (status, _) = problem(send(
        client.post(&scenarios),
        Some(&scenario("nya bostader marnas")),
    ));
    assert_eq!(status, StatusCode::CONFLICT);

    // Bounds: every refusal is a 4xx problem and nothing is saved.
    let mut long_name = scenario(&"x".repeat(201));
    let mut long_text = scenario("Text");
    long_text["description"] = json!("x".repeat(2_001));
    let mut many = scenario("Många");
    many["changes"] = json!({ "remove": vec!["servicepunkter/1"; 1_001] });
    let unknown_field = json!({ "name": "X", "changez": {} });
    let bad_changes = json!({ "name": "X", "changes": { "network": { "close": "all" } } });
    for bad in [&long_name, &long_text, &many, &unknown_field, &bad_changes] {
        let (status, detail) = problem(send(client.post(&scenarios), Some(bad)));
        assert!(status.is_client_error(), "{status} {detail}");
    }
    long_name["name"] = json!("x".repeat(200));
    let longest = send(client.post(&scenarios), Some(&long_name));
    assert_eq!(longest.status(), StatusCode::CREATED);
    assert_eq!(names(&client, url).len(), 2);
    let deleted = send(
        client.delete(format!("{scenarios}/{}", "x".repeat(200))),
        None,
    );
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // Get by id or by name; replace keeps the id.
    let one: Value = client
        .get(format!("{scenarios}/nya-bostader-marnas"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(one["description"], "290 hus och 320 lägenheter");
    let mut renamed = scenario("Marnäs etapp 2");
    renamed["changes"] = json!({ "remove": ["servicepunkter/2"] });
    let replaced = send(
        client.put(format!("{scenarios}/nya-bostader-marnas")),
        Some(&renamed),
    );
    assert_eq!(replaced.status(), StatusCode::OK);
    let replaced: Value = replaced.json().unwrap();
    assert_eq!(replaced["id"], "nya-bostader-marnas");
    assert_eq!(
        replaced["changes"],
        json!({ "remove": ["servicepunkter/2"] })
    );
    assert_eq!(replaced["created"], body["created"]);
    let (status, _) = problem(client.get(format!("{scenarios}/okand")).send().unwrap());
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = problem(send(
        client.put(format!("{scenarios}/okand")),
        Some(&renamed),
    ));
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A view may name a saved scenario, not an unknown one; a scenario a view shows stays.
    let view = |scenario: &str| {
        json!({
            "title": "Bild med scenario",
            "camera": { "center": [15.6, 60.6], "zoom": 9 },
            "scenario": scenario,
        })
    };
    let (status, detail) = problem(send(
        client.post(format!("{url}/api/views")),
        Some(&view("okand")),
    ));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{detail}");
    assert!(detail.contains("okand"), "{detail}");
    let saved_view = send(
        client.post(format!("{url}/api/views")),
        Some(&view("nya-bostader-marnas")),
    );
    assert_eq!(saved_view.status(), StatusCode::CREATED);
    let saved_view: Value = saved_view.json().unwrap();
    let (status, detail) = problem(send(
        client.delete(format!("{scenarios}/nya-bostader-marnas")),
        None,
    ));
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(detail.contains("Bild med scenario"), "{detail}");

    // Everything survives a restart.
    drop(server);
    let server = start(dir.path());
    let url = &server.url;
    assert_eq!(names(&client, url), ["Marnäs etapp 2"]);
    let view_again: Value = client
        .get(format!(
            "{url}/api/views/{}",
            saved_view["id"].as_str().unwrap()
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(view_again["scenario"], "nya-bostader-marnas");

    // Once no view shows it, it may go.
    let unnamed = json!({ "title": "Utan", "camera": { "center": [15.6, 60.6], "zoom": 9 } });
    let put = send(
        client.put(format!(
            "{url}/api/views/{}",
            saved_view["id"].as_str().unwrap()
        )),
        Some(&unnamed),
    );
    assert_eq!(put.status(), StatusCode::OK);
    let deleted = send(
        client.delete(format!("{url}/api/scenarios/nya-bostader-marnas")),
        None,
    );
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(names(&client, url).is_empty());
}

/// The Dalarna layers the analyses here read, ingested once per test binary.
fn dalarna() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "busslinjer",
        "befolkning_1km",
        "servicepunkter",
        "kommuner",
        "tatorter",
    ]))
}

/// POSTs `body` to `path` on `server` and returns the status and the JSON answer.
fn post(server: &Server, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = client().post(server.at(path)).json(body).send().unwrap();
    let status = response.status();
    (status, response.json().unwrap())
}

/// The answer without what differs between two runs of the same question.
fn comparable(mut answer: Value) -> Value {
    answer.as_object_mut().unwrap().remove("elapsed_ms");
    answer
}

#[test]
fn analyses_take_a_saved_scenario_by_name() {
    let region = dalarna();
    let server = region.serve(Some(TOKEN), &[]);
    let grocery: Value = client()
        .get(server.at("/api/layers/servicepunkter/features?category=grocery&limit=2"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let shop = grocery["features"][0]["id"].clone();
    let changes = json!({ "remove": [format!("servicepunkter/{shop}")] });
    let saved = send(
        client().post(server.at("/api/scenarios")),
        Some(&json!({ "name": "Butiken stänger", "changes": changes })),
    );
    assert_eq!(saved.status(), StatusCode::CREATED);

    let path = "/api/analysis/service-access/scenario";
    let (status, inline) = post(
        &server,
        path,
        &json!({ "kind": "grocery", "changes": changes }),
    );
    assert_eq!(status, StatusCode::OK, "{inline}");
    for name in ["Butiken stänger", "butiken-stanger"] {
        let (status, named) = post(
            &server,
            path,
            &json!({ "kind": "grocery", "scenario": name }),
        );
        assert_eq!(status, StatusCode::OK, "{named}");
        assert_eq!(comparable(named), comparable(inline.clone()));
    }

    let both = json!({ "kind": "grocery", "scenario": "Butiken stänger", "changes": changes });
    let (status, _) = post(&server, path, &both);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, answer) = post(
        &server,
        path,
        &json!({ "kind": "grocery", "scenario": "Okänd" }),
    );
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, _) = post(&server, path, &json!({ "kind": "grocery", "scenario": 7 }));
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
