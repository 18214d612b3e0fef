//! `/api/views` over HTTP, served by the real binary: token rules, problem statuses, order,
//! and persistence across a restart.

use std::path::Path;

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};

const TOKEN: &str = "views-test-token";

mod common;

use common::Server;

/// The real binary with the test token.
fn start(data_dir: &Path) -> Server {
    Server::start(data_dir, Some(TOKEN), &[])
}

fn view(title: &str) -> Value {
    json!({
        "title": title,
        "camera": { "center": [15.6, 60.6], "zoom": 9 },
        "layers": [{ "id": "kommuner", "opacity": 0.5, "style": { "kind": "simple", "color": "#0072b2" } }],
        "analysis": { "minutes": 30 },
    })
}

fn titles(client: &Client, url: &str) -> Vec<String> {
    let list: Value = client
        .get(format!("{url}/api/views"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    list["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn views_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    let server = start(dir.path());
    let url = &server.url;

    let anonymous = client
        .post(format!("{url}/api/views"))
        .json(&view("A"))
        .send()
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = client
        .post(format!("{url}/api/views"))
        .bearer_auth("nope")
        .json(&view("A"))
        .send()
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let mut ids = Vec::new();
    for title in ["A", "B", "C"] {
        let created = client
            .post(format!("{url}/api/views"))
            .bearer_auth(TOKEN)
            .json(&view(title))
            .send()
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let body: Value = created.json().unwrap();
        assert_eq!(body["analysis"]["minutes"], 30);
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    assert_eq!(titles(&client, url), ["A", "B", "C"]);

    let mut moved = view("C");
    moved["order"] = json!(0);
    let put = client
        .put(format!("{url}/api/views/{}", ids[2]))
        .bearer_auth(TOKEN)
        .json(&moved)
        .send()
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(titles(&client, url), ["C", "A", "B"]);

    let invalid = client
        .post(format!("{url}/api/views"))
        .bearer_auth(TOKEN)
        .json(&json!({ "title": "x", "camera": { "center": [15, 60], "zoom": 99 } }))
        .send()
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        invalid.headers()["content-type"],
        "application/problem+json"
    );
    let not_json = client
        .post(format!("{url}/api/views"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);

    let deleted = client
        .delete(format!("{url}/api/views/{}", ids[0]))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = client
        .get(format!("{url}/api/views/{}", ids[0]))
        .send()
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let one: Value = client
        .get(format!("{url}/api/views/{}", ids[1]))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(one["title"], "B");
    assert_eq!(one["order"], 1);

    drop(server);
    let restarted = start(dir.path());
    assert_eq!(titles(&client, &restarted.url), ["C", "B"]);
}
