//! Per-layer access through a real server with a configuration file: an internal layer (the
//! Dalarna health centres by id, and a small layer of our own by the pattern `plan_*`) does not
//! exist for a caller without a token — every read route and every analysis answers exactly as
//! for an unknown id — while a read token sees it and cannot write, and the write token sees
//! everything.

mod common;

use std::path::Path;

use common::regions::{self, Layers, Region};
use common::{Server, assert_problem, client, content_type, ingest_as, run_cli};
use reqwest::Method;
use reqwest::blocking::{RequestBuilder, Response};
use serde_json::{Value, json};

const WRITE: &str = "access-test-write-token";
const READ: &str = "access-test-read-token-0123456789";
/// Internal by id and by the pattern `plan_*`.
const INTERNAL: [&str; 2] = ["vardcentraler", "plan_omraden"];
/// An id no layer has.
const UNKNOWN: &str = "no_such_layer";
/// The web-mercator tile (z, x, y) over southern Dalarna, where both internal layers have points.
const TILE: (u8, u32, u32) = (6, 34, 18);

fn region() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "kommuner",
        "befolkning_1km",
        "busslinjer",
        "tatorter",
        "vardcentraler",
    ]))
}

/// Three points around Falun and Borlänge, ingested as `plan_omraden`.
fn ingest_plan_layer(dir: &Path) {
    let file = dir.join("plan_omraden.geojson");
    let points = [(15.63, 60.61), (15.42, 60.48), (15.0, 60.7)];
    let features: Vec<Value> = points
        .iter()
        .enumerate()
        .map(|(i, (lon, lat))| {
            json!({
                "type": "Feature",
                "properties": { "namn": format!("plan {i}") },
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
            })
        })
        .collect();
    let collection = json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(&file, collection.to_string()).unwrap();
    ingest_as(region().store(), &file, "plan_omraden");
}

/// The server over the region with `[access]` in a configuration file.
fn serve(config_dir: &Path) -> Server {
    let config = config_dir.join("kartrum.toml");
    let text = format!(
        "[access]\ninternal = [\"vardcentraler\", \"plan_*\"]\nread_tokens = [\"{READ}\"]\n"
    );
    std::fs::write(&config, text).unwrap();
    region().serve(Some(WRITE), &["--config", config.to_str().unwrap()])
}

/// Who asks.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Public,
    Reader,
    Writer,
}

fn request(server: &Server, caller: Caller, method: Method, path: &str) -> RequestBuilder {
    let builder = client().request(method, server.at(path));
    match caller {
        Caller::Public => builder,
        Caller::Reader => builder.bearer_auth(READ),
        Caller::Writer => builder.bearer_auth(WRITE),
    }
}

fn get(server: &Server, caller: Caller, path: &str) -> Response {
    request(server, caller, Method::GET, path).send().unwrap()
}

fn post(server: &Server, caller: Caller, path: &str, body: &Value) -> Response {
    request(server, caller, Method::POST, path)
        .json(body)
        .send()
        .unwrap()
}

/// Status, content type and body text of a response.
fn answer(response: Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    (status, content_type, response.text().unwrap())
}

/// A request naming a layer id: method, path and body.
type Probe = fn(&str) -> (Method, String, Option<Value>);

fn send(server: &Server, caller: Caller, probe: Probe, id: &str) -> Response {
    let (method, path, body) = probe(id);
    let builder = request(server, caller, method, &path);
    match body {
        Some(body) => builder.json(&body),
        None => builder,
    }
    .send()
    .unwrap()
}

fn tile_path(list: &str) -> String {
    let (z, x, y) = TILE;
    format!("/tiles/{list}/{z}/{x}/{y}.mvt")
}

/// Every read route that names a layer.
const READS: [Probe; 15] = [
    |id| (Method::GET, format!("/api/layers/{id}"), None),
    |id| (Method::GET, format!("/api/layers/{id}/features"), None),
    |id| {
        (
            Method::GET,
            format!("/api/layers/{id}/features?namn=x"),
            None,
        )
    },
    |id| (Method::GET, format!("/ogc/collections/{id}"), None),
    |id| (Method::GET, format!("/ogc/collections/{id}/items"), None),
    |id| (Method::GET, format!("/ogc/collections/{id}/items/1"), None),
    |id| (Method::GET, format!("/ogc/collections/{id}/tiles"), None),
    |id| {
        let path = format!("/ogc/collections/{id}/tiles/WebMercatorQuad");
        (Method::GET, path, None)
    },
    |id| {
        let (z, x, y) = TILE;
        let path = format!("/ogc/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}");
        (Method::GET, path, None)
    },
    |id| (Method::GET, format!("/tiles/{id}.json"), None),
    |id| (Method::GET, tile_path(id), None),
    |id| (Method::GET, format!("/tiles/kommuner,{id}.json"), None),
    |id| (Method::GET, tile_path(&format!("kommuner,{id}")), None),
    |id| (Method::GET, format!("/ogc/collections/{id}?f=html"), None),
    |id| {
        let path = format!("/api/render?layers=kommuner,{id}&bbox=14,60,16,61&width=64&height=64");
        (Method::GET, path, None)
    },
];

/// A straight-line service-access request with `parts` added.
fn straight_line(parts: Value) -> Value {
    let mut body = json!({
        "mode": "straight_line",
        "bands": { "unit": "km", "breaks": [5, 10] },
    });
    body.as_object_mut()
        .unwrap()
        .extend(parts.as_object().unwrap().clone());
    body
}

/// Every analysis, each with a layer id as one of its inputs.
const ANALYSES: [Probe; 7] = [
    |id| {
        let body =
            straight_line(json!({ "supply": [{ "layer": id }], "output": { "store": false } }));
        (
            Method::POST,
            "/api/analysis/service-access".into(),
            Some(body),
        )
    },
    |id| {
        let body = straight_line(json!({
            "supply": [{ "layer": "tatorter" }],
            "demand": { "layer": id, "population": "namn" },
            "output": { "store": false },
        }));
        (
            Method::POST,
            "/api/analysis/service-access".into(),
            Some(body),
        )
    },
    |id| {
        let body =
            straight_line(json!({ "supply": [{ "layer": id }], "changes": { "remove": [] } }));
        let path = "/api/analysis/service-access/scenario".into();
        (Method::POST, path, Some(body))
    },
    |id| {
        let path = format!(
            "/api/analysis/isochrone?network=busslinjer&lon=15.63&lat=60.61&minutes=10\
             &population_layer={id}&population_field=namn"
        );
        (Method::GET, path, None)
    },
    |id| {
        let body = json!({ "corridors": [{ "features": { "layer": id }, "buffer_m": 100 }] });
        (Method::POST, "/api/analysis/corridor".into(), Some(body))
    },
    |id| {
        let body = json!({ "towns": { "layer": id, "population": "namn" } });
        (Method::POST, "/api/analysis/rural".into(), Some(body))
    },
    |id| (Method::GET, format!("/api/places?towns={id}"), None),
];

/// Without a token, `probe` on an internal id answers exactly as on an unknown one: the same
/// status, type and problem, the id aside; with the read token it answers otherwise.
fn hidden_like_unknown(server: &Server, probe: Probe) {
    let (status, unknown_type, unknown_body) = answer(send(server, Caller::Public, probe, UNKNOWN));
    assert_eq!(status, 404, "{:?}: {unknown_body}", probe(UNKNOWN));
    assert_eq!(unknown_type, "application/problem+json");
    for id in INTERNAL {
        let what = format!("{:?}", probe(id));
        let (s, content_type, body) = answer(send(server, Caller::Public, probe, id));
        assert_eq!(s, status, "{what}: {body}");
        assert_eq!(content_type, unknown_type, "{what}");
        assert_eq!(body.replace(id, UNKNOWN), unknown_body, "{what}");
        for other in INTERNAL.iter().filter(|o| **o != id) {
            assert!(!body.contains(other), "{what} names {other}: {body}");
        }
        let (s, _, body) = answer(send(server, Caller::Reader, probe, id));
        assert_ne!(
            (s, body.replace(id, UNKNOWN)),
            (status, unknown_body.clone()),
            "{what} with the read token"
        );
    }
}

/// Ids of `/api/layers` as `caller` sees it, with the ETag.
fn catalog(server: &Server, caller: Caller) -> (Vec<String>, String) {
    let response = get(server, caller, "/api/layers");
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = response.json().unwrap();
    let ids = body["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    (ids, etag)
}

fn lists_hide_internal_layers(server: &Server) {
    let (public, public_etag) = catalog(server, Caller::Public);
    let (reader, reader_etag) = catalog(server, Caller::Reader);
    let (writer, _) = catalog(server, Caller::Writer);
    for id in INTERNAL {
        assert!(!public.contains(&id.to_string()), "{public:?}");
        assert!(reader.contains(&id.to_string()), "{reader:?}");
        assert!(writer.contains(&id.to_string()), "{writer:?}");
    }
    assert!(public.contains(&"kommuner".to_string()));
    assert_ne!(public_etag, reader_etag);
    // A public client holding the reader's ETag is not told "unchanged" (a cache keyed by the
    // ETag never shows the internal list to it).
    let again = request(server, Caller::Public, Method::GET, "/api/layers")
        .header("if-none-match", &reader_etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), 200);
    // No trace of them in the public documents: ids, titles.
    for path in ["/api/layers", "/ogc/collections", "/ogc/collections?f=html"] {
        let text = get(server, Caller::Public, path).text().unwrap();
        for needle in INTERNAL.iter().chain(&["Vårdcentraler"]) {
            assert!(!text.contains(needle), "{path} shows {needle}");
        }
        let text = get(server, Caller::Reader, path).text().unwrap();
        assert!(text.contains("vardcentraler"), "{path} with the read token");
    }
}

/// A tile of an internal layer cached for a reader is never served to a public caller.
fn cached_tiles_stay_internal(server: &Server) {
    for id in INTERNAL {
        let tile = get(server, Caller::Reader, &tile_path(id));
        assert_eq!(tile.status(), 200, "{id}");
        assert!(!tile.bytes().unwrap().is_empty(), "{id}: an empty tile");
        assert_problem(get(server, Caller::Public, &tile_path(id)), 404);
    }
}

/// Results computed by a caller who sees internal layers are internal themselves.
fn results_of_internal_inputs_are_internal(server: &Server) {
    let request = |supply: &str| straight_line(json!({ "supply": [{ "layer": supply }] }));
    let stored = |response: Response| -> String {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().unwrap();
        body["layer"]["id"].as_str().unwrap().to_string()
    };
    let path = "/api/analysis/service-access";
    let internal = stored(post(
        server,
        Caller::Reader,
        path,
        &request("vardcentraler"),
    ));
    // The same question on public inputs: the public caller's result is its own, the
    // reader's a different, internal layer.
    let public = stored(post(server, Caller::Public, path, &request("tatorter")));
    let reader = stored(post(server, Caller::Reader, path, &request("tatorter")));
    assert_ne!(public, reader);
    for id in [&internal, &reader] {
        for route in [
            format!("/api/layers/{id}"),
            format!("/api/layers/{id}/features"),
            format!("/ogc/collections/{id}/items"),
            format!("/tiles/{id}.json"),
        ] {
            assert_problem(get(server, Caller::Public, &route), 404);
            assert_eq!(get(server, Caller::Reader, &route).status(), 200, "{route}");
        }
        assert!(!catalog(server, Caller::Public).0.contains(id));
    }
    assert_eq!(
        get(server, Caller::Public, &format!("/api/layers/{public}")).status(),
        200
    );
}

/// A saved view shows a caller without a token neither internal layers nor the ids of their
/// features in its analysis (a closed service is saved as `LAYER/ID`).
fn views_hide_internal_layers(server: &Server) {
    let view = json!({
        "title": "Vård",
        "camera": { "center": [15.6, 60.6], "zoom": 8 },
        "layers": [{ "id": "kommuner" }, { "id": "vardcentraler" }, { "id": "plan_omraden" }],
        "analysis": {
            "supply": "vardcentraler",
            "minutes": 30,
            "layers": ["plan_omraden", "kommuner"],
            "service": { "remove": "vardcentraler/3" },
        },
    });
    let refused = post(server, Caller::Reader, "/api/views", &view);
    assert_problem(refused, 401);
    let created = post(server, Caller::Writer, "/api/views", &view);
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public: Value = get(server, Caller::Public, &format!("/api/views/{id}"))
        .json()
        .unwrap();
    assert_eq!(
        public["layers"],
        json!([{ "id": "kommuner", "opacity": 1.0, "style": null }])
    );
    assert_eq!(
        public["analysis"],
        json!({ "supply": null, "minutes": 30, "layers": ["kommuner"], "service": { "remove": null } })
    );
    let listed = get(server, Caller::Public, "/api/views").text().unwrap();
    assert!(!INTERNAL.iter().any(|id| listed.contains(id)), "{listed}");
    let reader: Value = get(server, Caller::Reader, &format!("/api/views/{id}"))
        .json()
        .unwrap();
    assert_eq!(reader["layers"].as_array().unwrap().len(), 3);
    assert_eq!(reader["analysis"], view["analysis"]);
}

/// A saved scenario shows a caller without a token no id of an internal layer's feature.
fn scenarios_hide_internal_layers(server: &Server) {
    let scenario = json!({
        "name": "Vårdcentral stänger",
        "changes": {
            "remove": ["vardcentraler/3", "kommuner/1"],
            "network": { "close": [{ "ids": ["plan_omraden/1", "kommuner/2"] }] },
        },
    });
    let created = post(server, Caller::Writer, "/api/scenarios", &scenario);
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public: Value = get(server, Caller::Public, &format!("/api/scenarios/{id}"))
        .json()
        .unwrap();
    assert_eq!(public["changes"]["remove"], json!(["kommuner/1"]));
    assert_eq!(
        public["changes"]["network"]["close"],
        json!([{ "ids": ["kommuner/2"] }])
    );
    let listed = get(server, Caller::Public, "/api/scenarios")
        .text()
        .unwrap();
    assert!(!INTERNAL.iter().any(|id| listed.contains(id)), "{listed}");
    let reader: Value = get(server, Caller::Reader, &format!("/api/scenarios/{id}"))
        .json()
        .unwrap();
    assert_eq!(reader["changes"], scenario["changes"]);
}

/// The read token cannot write; the write token can.
fn read_token_cannot_write(server: &Server) {
    let delete = |caller| {
        request(server, caller, Method::DELETE, "/api/layers/plan_omraden")
            .send()
            .unwrap()
    };
    assert_problem(delete(Caller::Reader), 401);
    assert_problem(delete(Caller::Public), 401);
    assert_eq!(
        get(server, Caller::Reader, "/api/layers/plan_omraden").status(),
        200
    );
    assert_eq!(delete(Caller::Writer).status(), 204);
    assert_problem(get(server, Caller::Reader, "/api/layers/plan_omraden"), 404);
}

#[test]
fn internal_layers_do_not_exist_without_a_token() {
    let config_dir = tempfile::tempdir().unwrap();
    ingest_plan_layer(config_dir.path());
    let server = serve(config_dir.path());
    lists_hide_internal_layers(&server);
    cached_tiles_stay_internal(&server);
    for probe in READS.into_iter().chain(ANALYSES) {
        hidden_like_unknown(&server, probe);
    }
    results_of_internal_inputs_are_internal(&server);
    views_hide_internal_layers(&server);
    scenarios_hide_internal_layers(&server);
    read_token_cannot_write(&server);
}

#[test]
fn a_bad_access_pattern_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kartrum.toml");
    std::fs::write(&config, "[access]\ninternal = [\"Vård?\"]\n").unwrap();
    let output = run_cli(&[
        "serve",
        "--port",
        "0",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[access] internal: \"Vård?\" is not a layer id pattern"),
        "{stderr}"
    );
}

#[test]
fn the_region_profile_names_no_internal_layer_to_a_public_caller() {
    let config_dir = tempfile::tempdir().unwrap();
    let server = serve(config_dir.path());
    // The demo profile's health kind is the internal vardcentraler: gone for the public.
    let public: Value = get(&server, Caller::Public, "/api/profile").json().unwrap();
    assert!(!public.to_string().contains("vardcentraler"), "{public}");
    let kinds: Vec<&str> = public["analysis"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["grocery", "pharmacy"]);
    assert_eq!(
        public["analysis"]["network"], "busslinjer",
        "the rest stays"
    );
    let reader: Value = get(&server, Caller::Reader, "/api/profile").json().unwrap();
    assert_eq!(reader["analysis"]["services"][2]["layer"], "vardcentraler");
    // The hidden kind is a kind the profile lacks, and the answer does not name the layer.
    let body = straight_line(json!({ "kind": "health", "output": { "store": false } }));
    let detail = assert_problem(
        post(
            &server,
            Caller::Public,
            "/api/analysis/service-access",
            &body,
        ),
        400,
    );
    assert!(!detail.contains("vardcentraler"), "{detail}");
    let read = post(
        &server,
        Caller::Reader,
        "/api/analysis/service-access",
        &body,
    );
    assert_eq!(read.status().as_u16(), 200, "{}", read.text().unwrap());
}
