//! Ingest never trusts a header, and does no I/O the user did not ask for. Each test uploads a
//! file built here to a real server and asserts the answer, then that the server still serves.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reqwest::blocking::Response;
use reqwest::blocking::multipart::Form;
use serde_json::{Value, json};

use super::assert_still_serving;
use super::common::{Server, assert_problem, client, data, ingest_as, open_store, run_cli};

const TOKEN: &str = "hardening-ingest-token";
/// A layer every server here holds, for `assert_still_serving`.
const LAYER: &str = "lan";

/// A server over a fresh store holding [`LAYER`], with `caps` as its `[limits.ingest]` section.
fn serve(dir: &Path, caps: &str) -> Server {
    ingest_as(
        &open_store(dir),
        &data("sverige/lan_scb_2024.geojson"),
        LAYER,
    );
    let config = dir.join("kartrum.toml");
    std::fs::write(&config, format!("[limits.ingest]\n{caps}\n")).unwrap();
    Server::start(dir, Some(TOKEN), &["--config", config.to_str().unwrap()])
}

fn form(file: &Path, fields: &[(&str, &str)]) -> Form {
    let mut form = Form::new().file("file", file).unwrap();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

fn upload(server: &Server, file: &Path, fields: &[(&str, &str)]) -> Response {
    client()
        .post(server.at("/api/layers"))
        .bearer_auth(TOKEN)
        .multipart(form(file, fields))
        .send()
        .unwrap()
}

/// Uploads with `Prefer: respond-async` and returns the finished job.
fn upload_async(server: &Server, file: &Path, fields: &[(&str, &str)]) -> Value {
    let accepted = client()
        .post(server.at("/api/layers"))
        .bearer_auth(TOKEN)
        .header("Prefer", "respond-async")
        .multipart(form(file, fields))
        .send()
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_string();
    super::common::finished_job(server, &location)
}

fn created(response: Response) -> Value {
    let status = response.status().as_u16();
    let body: Value = response.json().unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

fn layer_status(server: &Server, id: &str) -> u16 {
    client()
        .get(server.at(&format!("/api/layers/{id}")))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

/// Runs `kartrum ingest FILE --data-dir STORE EXTRA…`, which must fail; returns its stderr.
fn cli_ingest_fails(file: &str, store: &Path, extra: &[&str]) -> String {
    let mut args = vec!["ingest", file, "--data-dir", store.to_str().unwrap()];
    args.extend(extra);
    let output = run_cli(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Runs a GDAL command-line tool (Debian gdal-bin).
fn gdal_tool(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{program} (gdal-bin): {e}"));
    assert!(status.success(), "{program} {args:?}");
}

/// A GeoJSON file of `n` points in WGS84 with the given extra properties on every feature.
fn points(dir: &Path, name: &str, n: usize, properties: impl Fn(usize) -> Value) -> PathBuf {
    let features: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "type": "Feature",
                "properties": properties(i),
                "geometry": {"type": "Point", "coordinates": [15.0 + i as f64 * 0.001, 60.5]},
            })
        })
        .collect();
    let path = dir.join(name);
    let collection = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&path, collection.to_string()).unwrap();
    path
}

/// A local listener that counts the connections made to it.
struct Listener(TcpListener);

impl Listener {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Listener(listener)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.0.local_addr().unwrap())
    }

    /// Connections so far (the kernel queues them even when nobody accepts).
    fn connections(&self) -> usize {
        std::iter::from_fn(|| self.0.accept().ok()).count()
    }
}

/// A FlatGeobuf of 37 points whose header claims `claimed` features.
fn lying_flatgeobuf(dir: &Path, claimed: u64) -> PathBuf {
    let source = points(dir, "fgb37.geojson", 37, |i| json!({"n": i}));
    let path = dir.join(format!("claims_{claimed}.fgb"));
    gdal_tool(
        "ogr2ogr",
        &[
            "-f",
            "FlatGeobuf",
            path.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let header_end = 12 + u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let at = (12..header_end)
        .find(|&i| bytes[i..i + 8] == 37u64.to_le_bytes())
        .expect("the header holds the feature count");
    bytes[at..at + 8].copy_from_slice(&claimed.to_le_bytes());
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn geopackage_claiming_a_billion_features_ingests_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let source = points(dir.path(), "gpkg37.geojson", 37, |i| json!({"n": i}));
    let gpkg = dir.path().join("lying.gpkg");
    let gpkg_arg = gpkg.to_str().unwrap();
    gdal_tool(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            gpkg_arg,
            source.to_str().unwrap(),
            "-nln",
            "pts",
        ],
    );
    let update = "UPDATE gpkg_ogr_contents SET feature_count = 1000000000";
    gdal_tool("ogrinfo", &[gpkg_arg, "-sql", update]);

    let report = created(upload(&server, &gpkg, &[("layer", "lying")]));
    assert_eq!(report["layers"][0]["stored"], 37, "{report}");
    let meta: Value = client()
        .get(server.at("/api/layers/lying"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(meta["feature_count"], 37);
    assert_still_serving(&server, LAYER);
}

#[test]
fn flatgeobuf_with_a_lying_header_is_refused_sync_and_async() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let billion = lying_flatgeobuf(dir.path(), 1_000_000_000);
    let detail = assert_problem(upload(&server, &billion, &[("layer", "fgb")]), 422);
    assert!(detail.contains("claims_1000000000.fgb"), "{detail}");

    let huge = lying_flatgeobuf(dir.path(), 1 << 62);
    let job = upload_async(&server, &huge, &[("layer", "fgb")]);
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["problem"]["status"], 422, "{job}");
    assert_eq!(layer_status(&server, "fgb"), 404, "nothing stored");
    assert_still_serving(&server, LAYER);
}

#[test]
fn cli_refuses_a_lying_flatgeobuf_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let huge = lying_flatgeobuf(dir.path(), 1 << 62);
    let store = dir.path().join("store");
    let stderr = cli_ingest_fails(huge.to_str().unwrap(), &store, &[]);
    assert!(
        stderr.contains("error:") && stderr.contains("claims_"),
        "{stderr}"
    );
}

#[test]
fn qgis_style_field_names_ingest_with_renames_reported() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let cases = [
        (
            "text_fid",
            points(
                dir.path(),
                "text_fid.geojson",
                3,
                |i| json!({"fid": format!("a{i}")}),
            ),
        ),
        (
            "real_fid",
            points(
                dir.path(),
                "real_fid.geojson",
                3,
                |i| json!({"fid": i as f64 + 0.5}),
            ),
        ),
        (
            "twin_fid",
            points(
                dir.path(),
                "twin_fid.geojson",
                3,
                |_| json!({"fid": 1, "geom": "point", "name": "Falun", "NAME": "FALUN"}),
            ),
        ),
    ];
    for (id, file) in &cases {
        let report = created(upload(&server, file, &[("layer", id)]));
        let layer = &report["layers"][0];
        assert_eq!(layer["stored"], 3, "{report}");
        let renames = layer["renamed_fields"].as_array().expect("renames listed");
        assert!(
            renames
                .iter()
                .any(|r| r["from"] == "fid" && r["to"] == "src_fid"),
            "{report}"
        );
        let features: Value = client()
            .get(server.at(&format!("/api/layers/{id}/features")))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let first = &features["features"][0]["properties"];
        assert!(
            !first["src_fid"].is_null(),
            "the source fid is kept: {first}"
        );
    }
    let report: Value = client()
        .get(server.at("/api/layers/twin_fid/features"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let properties = &report["features"][0]["properties"];
    assert_eq!(properties["src_geom"], "point", "{properties}");
    // serde_json writes keys in order, so `NAME` comes first and `name` is the twin.
    assert_eq!(properties["NAME"], "FALUN", "{properties}");
    assert_eq!(properties["name_2"], "Falun", "{properties}");
    assert_still_serving(&server, LAYER);
}

#[test]
fn csv_with_two_thousand_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let columns: Vec<String> = (0..2000).map(|i| format!("c{i}")).collect();
    let values: Vec<&str> = vec!["1"; 2000];
    let csv = dir.path().join("wide.csv");
    std::fs::write(
        &csv,
        format!(
            "lon,lat,{}\n15.6,60.6,{}\n",
            columns.join(","),
            values.join(",")
        ),
    )
    .unwrap();
    let detail = assert_problem(upload(&server, &csv, &[]), 422);
    assert!(detail.contains("max_fields"), "{detail}");
    assert_still_serving(&server, LAYER);
}

#[test]
fn crs_given_as_url_or_file_is_refused_without_touching_either() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let listener = Listener::new();
    let file = points(dir.path(), "pts.geojson", 3, |i| json!({"n": i}));
    let prj = data("sverige/tatorter_lm_1milj_shp/mb_riks.prj");
    for crs in [
        listener.url("/3006.prj"),
        prj.display().to_string(),
        format!("/vsicurl/{}", listener.url("/3006.prj")),
    ] {
        let detail = assert_problem(upload(&server, &file, &[("crs", &crs)]), 400);
        assert!(detail.contains("EPSG:N"), "{detail}");
    }
    assert_eq!(listener.connections(), 0, "the server fetched the CRS URL");
    assert_still_serving(&server, LAYER);
}

#[test]
fn geojson_crs_link_is_not_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let listener = Listener::new();
    let linked = dir.path().join("linked.geojson");
    let collection = json!({
        "type": "FeatureCollection",
        "crs": {"type": "link", "properties": {"href": listener.url("/crs.prj"), "type": "proj4"}},
        "features": [{
            "type": "Feature",
            "properties": {"n": 1},
            "geometry": {"type": "Point", "coordinates": [15.6, 60.6]},
        }],
    });
    std::fs::write(&linked, collection.to_string()).unwrap();
    let report = created(upload(&server, &linked, &[]));
    assert_eq!(report["layers"][0]["stored"], 1, "{report}");
    assert_eq!(listener.connections(), 0, "GDAL fetched the crs link");
    assert_still_serving(&server, LAYER);
}

/// A zip holding one CSV of `rows` points.
fn zipped_csv(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join(format!("rows_{rows}.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file("rows.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"lon,lat,n\n").unwrap();
    for i in 0..rows {
        writeln!(zip, "15.6,60.6,{i}").unwrap();
    }
    zip.finish().unwrap();
    path
}

#[test]
fn zip_decompressed_bytes_and_features_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "max_decompressed_mb = 1\nmax_features = 1000");
    let big = zipped_csv(dir.path(), 200_000);
    assert!(std::fs::metadata(&big).unwrap().len() < 1024 * 1024);
    let detail = assert_problem(upload(&server, &big, &[("layer", "rows")]), 413);
    assert!(detail.contains("max_decompressed_mb"), "{detail}");

    let many = zipped_csv(dir.path(), 5_000);
    let job = upload_async(&server, &many, &[("layer", "rows")]);
    assert_eq!(job["problem"]["status"], 413, "{job}");
    let detail = job["problem"]["detail"].as_str().unwrap();
    assert!(detail.contains("max_features"), "{detail}");
    assert_eq!(layer_status(&server, "rows"), 404, "nothing stored");

    let few = zipped_csv(dir.path(), 1_000);
    let report = created(upload(&server, &few, &[("layer", "rows")]));
    assert_eq!(report["layers"][0]["stored"], 1_000);
    assert_still_serving(&server, LAYER);
}

/// A GeoPackage `vagar.gpkg` with two layers, `Väg` and `vag`, that fold to one id.
fn two_layer_geopackage(dir: &Path) -> PathBuf {
    let source = points(dir, "roads.geojson", 2, |i| json!({"n": i}));
    let gpkg = dir.join("vagar.gpkg");
    let (gpkg_arg, source_arg) = (gpkg.to_str().unwrap(), source.to_str().unwrap());
    gdal_tool(
        "ogr2ogr",
        &["-f", "GPKG", gpkg_arg, source_arg, "-nln", "Väg"],
    );
    gdal_tool("ogr2ogr", &["-update", gpkg_arg, source_arg, "-nln", "vag"]);
    gpkg
}

#[test]
fn layers_folding_to_one_id_are_numbered_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let gpkg = two_layer_geopackage(dir.path());
    let report = created(upload(&server, &gpkg, &[]));
    let layers = report["layers"].as_array().unwrap();
    assert_eq!(layers[0]["id"], "vagar_vag", "{report}");
    assert_eq!(layers[1]["id"], "vagar_vag_2", "{report}");
    assert_eq!(layers[1]["source_layer"], "vag");
    assert_eq!(layers[1]["id_taken_by"], "Väg");
    assert_eq!(layer_status(&server, "vagar_vag"), 200);
    assert_eq!(layer_status(&server, "vagar_vag_2"), 200);
    assert_still_serving(&server, LAYER);
}

#[test]
fn more_layers_than_the_cap_are_refused_unless_one_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "max_layers = 1");
    let gpkg = two_layer_geopackage(dir.path());
    let detail = assert_problem(upload(&server, &gpkg, &[]), 422);
    assert!(detail.contains("max_layers"), "{detail}");
    assert_eq!(layer_status(&server, "vagar_vag"), 404);
    created(upload(&server, &gpkg, &[("source_layer", "vag")]));
    assert_eq!(layer_status(&server, "vagar"), 200);
    assert_still_serving(&server, LAYER);
}

/// Zips the parts of the Shapefile `dir/stem.*`, each changed by `change(extension, bytes)`.
fn zip_shapefile(dir: &Path, stem: &str, change: impl Fn(&str, &mut Vec<u8>)) -> PathBuf {
    let zip_path = dir.join(format!("{stem}.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for part in ["shp", "shx", "dbf", "prj"] {
        let mut bytes = std::fs::read(dir.join(format!("{stem}.{part}"))).unwrap();
        change(part, &mut bytes);
        zip.start_file(
            format!("{stem}.{part}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    zip_path
}

#[test]
fn truncated_shapefile_in_a_zip_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    for part in ["shp", "shx", "dbf", "prj"] {
        let name = format!("mb_riks.{part}");
        let source = data(&format!("sverige/tatorter_lm_1milj_shp/{name}"));
        std::fs::copy(source, dir.path().join(name)).unwrap();
    }
    let zip_path = zip_shapefile(dir.path(), "mb_riks", |part, bytes| {
        if part == "shp" {
            bytes.truncate(bytes.len() / 2);
        }
    });
    let detail = assert_problem(upload(&server, &zip_path, &[("layer", "tatort")]), 422);
    assert!(detail.contains("mb_riks.zip"), "{detail}");
    assert_eq!(layer_status(&server, "tatort"), 404, "nothing stored short");

    // Records marked deleted in the .dbf are still counted by the .shx: not a truncation.
    let source = points(dir.path(), "pts.geojson", 5, |i| json!({"n": i}));
    let shp = dir.path().join("pts.shp");
    gdal_tool(
        "ogr2ogr",
        &[
            "-f",
            "ESRI Shapefile",
            shp.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    let zip_path = zip_shapefile(dir.path(), "pts", |part, bytes| {
        if part == "dbf" {
            let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
            let record = u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
            bytes[header + 2 * record] = b'*';
        }
    });
    let report = created(upload(&server, &zip_path, &[("layer", "deleted")]));
    assert_eq!(report["layers"][0]["stored"], 4, "{report}");
    assert_still_serving(&server, LAYER);
}

#[test]
fn cli_refuses_network_paths_without_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::new();
    let remote = format!("/vsicurl/{}", listener.url("/pts.geojson"));
    let stderr = cli_ingest_fails(&remote, dir.path(), &[]);
    assert!(stderr.contains("local files only"), "{stderr}");
    assert_eq!(listener.connections(), 0);
}

#[test]
fn cli_reads_the_ingest_caps_from_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kartrum.toml");
    std::fs::write(&config, "[limits.ingest]\nmax_features = 10\n").unwrap();
    let file = points(dir.path(), "pts.geojson", 50, |i| json!({"n": i}));
    let store = dir.path().join("store");
    let stderr = cli_ingest_fails(
        file.to_str().unwrap(),
        &store,
        &["--config", config.to_str().unwrap()],
    );
    assert!(stderr.contains("more than 10 features"), "{stderr}");
}
