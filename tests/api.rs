//! The HTTP API against a real `kartrum serve` on 127.0.0.1: catalog, features, uploads with
//! and without token, bad input as problem+json, restarts and re-ingest consistency.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use common::*;
use reqwest::blocking::multipart::Form;
use serde_json::Value;

const TOKEN: &str = "test-token-123";

fn upload(
    server: &Server,
    file: &Path,
    fields: &[(&str, &str)],
    token: Option<&str>,
) -> reqwest::blocking::Response {
    let mut form = Form::new().file("file", file).unwrap();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let mut request = client().post(server.at("/api/layers")).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().unwrap()
}

fn get_json(server: &Server, path: &str) -> Value {
    let response = client().get(server.at(path)).send().unwrap();
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    response.json().unwrap()
}

#[test]
fn upload_list_and_query_features() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Some(TOKEN), &[]);
    assert_eq!(get_json(&server, "/healthz")["status"], "ok");

    let response = upload(
        &server,
        &data("sverige/kommuner_scb_2024.geojson"),
        &[("layer", "kommuner"), ("title", "Kommuner")],
        Some(TOKEN),
    );
    assert_eq!(response.status().as_u16(), 201);
    let report: Value = response.json().unwrap();
    assert_eq!(report["layers"][0]["stored"], 290);
    assert_eq!(report["layers"][0]["version"], 1);

    let layers = get_json(&server, "/api/layers");
    let entry = &layers["layers"][0];
    assert_eq!(entry["id"], "kommuner");
    assert_eq!(entry["title"], "Kommuner");
    assert_eq!(entry["geometry_type"], "MultiPolygon");
    assert_eq!(entry["feature_count"], 290);
    assert_eq!(entry["source"], "kommuner_scb_2024.geojson");
    assert_eq!(entry["version"], 1);
    assert!(entry["ingested_at"].is_string());
    assert_eq!(entry["bbox"].as_array().unwrap().len(), 4);
    let fields: Vec<(&str, &str)> = entry["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&("name", "string")), "{fields:?}");
    assert_eq!(
        get_json(&server, "/api/layers/kommuner")["feature_count"],
        290
    );

    // Paging covers every feature exactly once.
    let mut ids = std::collections::BTreeSet::new();
    for offset in (0..290).step_by(100) {
        let page = get_json(
            &server,
            &format!("/api/layers/kommuner/features?limit=100&offset={offset}"),
        );
        assert_eq!(page["numberMatched"], 290);
        for f in page["features"].as_array().unwrap() {
            assert!(ids.insert(f["id"].as_u64().unwrap()));
            assert_eq!(f["type"], "Feature");
        }
    }
    assert_eq!(ids.len(), 290);

    // Attribute filter and bbox (around Falun, WGS84).
    let falun = get_json(&server, "/api/layers/kommuner/features?name=Falun");
    assert_eq!(falun["numberMatched"], 1);
    assert_eq!(falun["features"][0]["properties"]["name"], "Falun");
    let ring = &falun["features"][0]["geometry"]["coordinates"][0][0][0];
    let lon = ring[0].as_f64().unwrap();
    assert!((14.0..17.0).contains(&lon), "GeoJSON is in lon/lat: {lon}");
    let near = get_json(
        &server,
        "/api/layers/kommuner/features?bbox=15.6,60.58,15.65,60.62",
    );
    let names: Vec<&str> = near["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Falun"]);

    let detail = assert_problem(
        client()
            .get(server.at("/api/layers/kommuner/features?nosuchfield=1"))
            .send()
            .unwrap(),
        400,
    );
    assert!(detail.contains("nosuchfield"));
    assert_problem(
        client()
            .get(server.at("/api/layers/kommuner/features?bbox=1,2,3"))
            .send()
            .unwrap(),
        400,
    );
    assert_problem(
        client()
            .get(server.at("/api/layers/kommuner/features?limit=lots"))
            .send()
            .unwrap(),
        400,
    );
    assert_problem(
        client().get(server.at("/api/layers/nope")).send().unwrap(),
        404,
    );
    assert_problem(
        client().get(server.at("/api/nothing-here")).send().unwrap(),
        404,
    );
}

#[test]
fn writes_need_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("sverige/lan_scb_2024.geojson");
    {
        let server = Server::start(dir.path(), Some(TOKEN), &[]);
        assert_problem(upload(&server, &file, &[], None), 401);
        assert_problem(upload(&server, &file, &[], Some("wrong")), 401);
        assert_eq!(
            upload(&server, &file, &[("layer", "lan")], Some(TOKEN))
                .status()
                .as_u16(),
            201
        );
        assert_problem(
            client()
                .delete(server.at("/api/layers/lan"))
                .send()
                .unwrap(),
            401,
        );
        assert_eq!(
            get_json(&server, "/api/layers")["layers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    // Without a configured token every write is refused; reads stay open.
    let server = Server::start(dir.path(), None, &[]);
    let detail = assert_problem(upload(&server, &file, &[], Some(TOKEN)), 403);
    assert!(detail.contains("KARTRUM_TOKEN"));
    assert_eq!(get_json(&server, "/api/layers/lan")["feature_count"], 21);
}

#[test]
fn bad_uploads_get_problem_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kartrum.toml");
    std::fs::write(&config, "max_upload_mb = 1\n").unwrap();
    let store = dir.path().join("store");
    let server = Server::start(&store, Some(TOKEN), &["--config", config.to_str().unwrap()]);
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };

    let detail = assert_problem(
        upload(
            &server,
            &write("broken.gpkg", b"garbage bytes"),
            &[],
            Some(TOKEN),
        ),
        422,
    );
    assert!(detail.contains("broken.gpkg"));
    let detail = assert_problem(
        upload(&server, &write("notes.docx", b"hello"), &[], Some(TOKEN)),
        415,
    );
    assert!(detail.contains("Supported"));
    let zip_path = dir.path().join("empty.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"nothing").unwrap();
    zip.finish().unwrap();
    assert_problem(upload(&server, &zip_path, &[], Some(TOKEN)), 422);
    let detail = assert_problem(
        upload(
            &server,
            &write("plain.csv", b"name,pop\nFalun,1\n"),
            &[],
            Some(TOKEN),
        ),
        422,
    );
    assert!(detail.contains("coordinate"));
    let lan = data("sverige/lan_scb_2024.geojson");
    let detail = assert_problem(
        upload(&server, &lan, &[("layer", "../x")], Some(TOKEN)),
        400,
    );
    assert!(detail.contains("invalid layer id"));
    assert_problem(
        upload(&server, &lan, &[("colour", "red")], Some(TOKEN)),
        400,
    );
    let no_file = client()
        .post(server.at("/api/layers"))
        .bearer_auth(TOKEN)
        .multipart(Form::new().text("layer", "x"))
        .send()
        .unwrap();
    assert_problem(no_file, 400);
    let not_multipart = client()
        .post(server.at("/api/layers"))
        .bearer_auth(TOKEN)
        .body("{}")
        .send()
        .unwrap();
    assert!(not_multipart.status().is_client_error());

    // 2.7 MB is over the 1 MiB limit.
    let big = data("sverige/servicepunkter_se_poi.geojson");
    let detail = assert_problem(upload(&server, &big, &[("layer", "big")], Some(TOKEN)), 413);
    assert!(detail.contains("limit"));

    assert_eq!(
        get_json(&server, "/api/layers")["layers"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing half-written"
    );
    assert_eq!(work_files(&store), 0, "uploads are cleaned up");
}

#[test]
fn shapefile_zip_upload_replace_delete_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("granser.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        zip.start_file(
            format!("al_riks.{ext}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(
            &std::fs::read(data(&format!("sverige/granser_lm_1milj_shp/al_riks.{ext}"))).unwrap(),
        )
        .unwrap();
    }
    zip.finish().unwrap();
    let store = dir.path().join("store");
    {
        let server = Server::start(&store, Some(TOKEN), &[]);
        let report: Value = upload(&server, &zip_path, &[], Some(TOKEN)).json().unwrap();
        assert_eq!(report["layers"][0]["id"], "granser");
        assert_eq!(report["layers"][0]["stored"], 1613);
        // Upload to an existing id replaces the layer and bumps its version.
        let report: Value = upload(
            &server,
            &data("sverige/jarnvagar_lm_1milj.geojson"),
            &[("layer", "granser")],
            Some(TOKEN),
        )
        .json()
        .unwrap();
        assert_eq!(report["layers"][0]["version"], 2);
        assert_eq!(
            get_json(&server, "/api/layers/granser")["feature_count"],
            586
        );
        upload(
            &server,
            &data("sverige/lan_scb_2024.geojson"),
            &[("layer", "lan")],
            Some(TOKEN),
        );
        let deleted = client()
            .delete(server.at("/api/layers/lan"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        assert_eq!(deleted.status().as_u16(), 204);
        assert_problem(
            client()
                .delete(server.at("/api/layers/lan"))
                .bearer_auth(TOKEN)
                .send()
                .unwrap(),
            404,
        );
    }
    let server = Server::start(&store, None, &[]);
    let layers = get_json(&server, "/api/layers");
    let ids: Vec<&str> = layers["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["granser"]);
    assert_eq!(layers["layers"][0]["version"], 2);
    assert_eq!(layers["layers"][0]["feature_count"], 586);
}

#[test]
fn readers_during_reingest_see_one_version() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Some(TOKEN), &[]);
    upload(
        &server,
        &data("sverige/lan_scb_2024.geojson"),
        &[("layer", "omr")],
        Some(TOKEN),
    );
    let url = server.at("/api/layers/omr/features?limit=5000");
    // Each reader says when it has read the old version, and reads on until it sees the new.
    let (read_old, old_read) = mpsc::channel();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (read_old, url) = (read_old.clone(), url.clone());
            std::thread::spawn(move || {
                let client = client();
                let deadline = Instant::now() + DEADLINE;
                let mut versions = std::collections::BTreeSet::new();
                while !versions.contains(&2) {
                    assert!(
                        Instant::now() < deadline,
                        "version 2 not served within {DEADLINE:?}: {versions:?}"
                    );
                    let page: Value = client.get(&url).send().unwrap().json().unwrap();
                    let pair = (
                        page["version"].as_u64().unwrap(),
                        page["numberMatched"].as_u64().unwrap(),
                        page["features"].as_array().unwrap().len(),
                    );
                    assert!(
                        matches!(pair, (1, 21, 21) | (2, 290, 290)),
                        "mixed answer {pair:?}"
                    );
                    if versions.insert(pair.0) && pair.0 == 1 {
                        let _ = read_old.send(());
                    }
                }
                versions
            })
        })
        .collect();
    drop(read_old);
    for _ in 0..readers.len() {
        old_read
            .recv_timeout(DEADLINE)
            .expect("every reader reads version 1 before the re-ingest");
    }
    let response = upload(
        &server,
        &data("sverige/kommuner_scb_2024.geojson"),
        &[("layer", "omr")],
        Some(TOKEN),
    );
    assert_eq!(response.status().as_u16(), 201);
    for reader in readers {
        let versions = reader.join().expect("no reader saw a mixed state");
        assert_eq!(versions, [1, 2].into(), "{versions:?}");
    }
}

#[test]
fn async_upload_reports_job_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Some(TOKEN), &[]);
    let send = |file: &Path, layer: &str| {
        let form = Form::new()
            .file("file", file)
            .unwrap()
            .text("layer", layer.to_string());
        client()
            .post(server.at("/api/layers"))
            .bearer_auth(TOKEN)
            .header("Prefer", "respond-async")
            .multipart(form)
            .send()
            .unwrap()
    };
    let wait = |location: &str| finished_job(&server, location);

    let accepted = send(&data("sverige/servicepunkter_se_poi.geojson"), "service");
    assert_eq!(accepted.status().as_u16(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/api/jobs/"));
    let job = wait(&location);
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["kind"], "ingest");
    assert_eq!(job["done"], 13_155, "progress reached the end");
    assert_eq!(job["result"]["layers"][0]["stored"], 13_155);
    assert_eq!(
        get_json(&server, "/api/layers/service")["feature_count"],
        13_155
    );

    let broken = dir.path().join("broken.geojson");
    std::fs::write(&broken, "{ not json").unwrap();
    let accepted = send(&broken, "broken");
    let location = accepted.headers()["location"].to_str().unwrap().to_string();
    let job = wait(&location);
    assert_eq!(job["status"], "failed");
    assert_eq!(job["problem"]["status"], 422);
    assert!(
        job["problem"]["detail"]
            .as_str()
            .unwrap()
            .contains("broken.geojson")
    );
    assert_problem(
        client().get(server.at("/api/jobs/999")).send().unwrap(),
        404,
    );
}

#[test]
fn catalog_etag_is_not_modified_until_a_layer_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Some(TOKEN), &[]);
    // The catalog's new ETag and ids when it changed since `etag`, None for 304 (no body).
    let changed_since = |etag: &str| -> Option<(String, Vec<Value>)> {
        let response = client()
            .get(server.at("/api/layers"))
            .header("If-None-Match", etag)
            .send()
            .unwrap();
        if response.status().as_u16() == 304 {
            assert!(response.bytes().unwrap().is_empty(), "304 has no body");
            return None;
        }
        assert_eq!(response.status().as_u16(), 200);
        let tag = response.headers()["etag"].to_str().unwrap().to_string();
        let body: Value = response.json().unwrap();
        let ids = body["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].clone())
            .collect();
        Some((tag, ids))
    };

    let (empty, ids) = changed_since("\"none\"").expect("a first answer");
    assert!(ids.is_empty());
    assert!(changed_since(&empty).is_none(), "nothing changed");

    let file = dir.path().join("punkt.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[15.6,60.6]},"properties":{"n":1}}]}"#,
    )
    .unwrap();
    let store = || upload(&server, &file, &[("layer", "punkt")], Some(TOKEN)).status();
    assert_eq!(store().as_u16(), 201);
    let (one, ids) = changed_since(&empty).expect("a new layer changes the catalog");
    assert_eq!(ids, ["punkt"]);
    assert!(changed_since(&one).is_none());

    // Replacing the layer (a new version) and deleting it each change the tag.
    assert_eq!(store().as_u16(), 201);
    let (two, _) = changed_since(&one).expect("a re-ingest changes the catalog");
    let deleted = client()
        .delete(server.at("/api/layers/punkt"))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let (_, ids) = changed_since(&two).expect("a delete changes the catalog");
    assert!(ids.is_empty());
}
