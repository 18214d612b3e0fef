//! OGC API — Features and Tiles under `/ogc`, on the real municipalities and service points,
//! through a real server and the clients municipalities use: GDAL's OAPIF driver (Debian's
//! `ogrinfo`/`ogr2ogr`, and the GDAL of the pinned fiona wheel for the CRS option, which
//! Debian's GDAL 3.6 lacks), GDAL's MVT driver for a tile, and OWSLib.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::{Server, assert_problem, client, data, ingest_as, open_store};
use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::CoordsIter;
use kartrummet::layer::Layer;
use serde_json::Value;

const SWEREF: &str = "http://www.opengis.net/def/crs/EPSG/0/3006";
const WGS84: &str = "http://www.opengis.net/def/crs/EPSG/0/4326";
/// Pinned Python clients, installed into a venv under the target directory.
const PYTHON_PACKAGES: [&str; 2] = ["OWSLib==0.35.0", "fiona==1.10.1"];

/// A store with `kommuner` (290) and `servicepunkter` (13,155), and a server over it.
struct Fixture {
    _dir: tempfile::TempDir,
    server: Server,
    kommuner: Arc<Layer>,
    servicepunkter: Arc<Layer>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    ingest_as(
        &store,
        &data("sverige/kommuner_scb_2024.geojson"),
        "kommuner",
    );
    ingest_as(
        &store,
        &data("sverige/servicepunkter_se_poi.geojson"),
        "servicepunkter",
    );
    let kommuner = store.layer("kommuner").unwrap();
    let servicepunkter = store.layer("servicepunkter").unwrap();
    drop(store);
    let server = Server::start(dir.path(), None, &[]);
    Fixture {
        _dir: dir,
        server,
        kommuner,
        servicepunkter,
    }
}

/// GET `url` and its JSON body, with the response's headers.
fn get_json(url: &str) -> (reqwest::header::HeaderMap, Value) {
    let response = client().get(url).send().unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    let headers = response.headers().clone();
    (headers, response.json().unwrap())
}

/// The href of the first link with relation `rel`.
fn link(doc: &Value, rel: &str) -> Option<String> {
    doc["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
        .map(str::to_string)
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn open_vector(path: &Path, driver: &str) -> Dataset {
    Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR,
            allowed_drivers: Some(&[driver]),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}

/// The text of field `name` of an OGR feature.
fn text(feature: &gdal::vector::Feature, name: &str) -> Option<String> {
    let i = feature.field_index(name).ok()?;
    feature.field_as_string(i).ok().flatten()
}

/// The string field `name` of every feature of `layer` in a GeoPackage, sorted.
fn strings(dataset: &Dataset, layer: &str, name: &str) -> Vec<String> {
    let mut layer = dataset.layer_by_name(layer).unwrap();
    let mut values: Vec<String> = layer
        .features()
        .map(|f| text(&f, name).unwrap_or_else(|| panic!("{name}")))
        .collect();
    values.sort();
    values
}

#[test]
fn gdal_oapif_lists_collections_and_copies_kommuner_and_every_service_point() {
    let f = fixture();
    let url = format!("OAPIF:{}", f.server.at("/ogc"));
    let listing = run(Command::new("ogrinfo").args(["-ro", "-q", &url]));
    assert!(
        listing.contains("kommuner") && listing.contains("servicepunkter"),
        "{listing}"
    );

    let out = tempfile::tempdir().unwrap();
    let gpkg = out.path().join("copy.gpkg");
    // Debian's ogr2ogr, paging by `next` links (servicepunkter: 14 pages of at most 1,000).
    run(Command::new("ogr2ogr")
        .args(["-f", "GPKG"])
        .arg(&gpkg)
        .args([&url, "kommuner", "servicepunkter", "-oo", "PAGE_SIZE=1000"]));
    let copy = open_vector(&gpkg, "GPKG");
    assert_eq!(copy.layer_by_name("kommuner").unwrap().feature_count(), 290);
    assert_eq!(
        copy.layer_by_name("servicepunkter")
            .unwrap()
            .feature_count(),
        13_155
    );
    let name = f.kommuner.field_index("name").unwrap();
    let mut expected: Vec<String> = f
        .kommuner
        .features
        .iter()
        .map(|feature| {
            feature.properties[name]
                .to_json()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    expected.sort();
    assert_eq!(
        strings(&copy, "kommuner", "name"),
        expected,
        "every municipality once"
    );
}

/// The pinned Python clients in a venv under the target directory, made once per run.
fn python() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| common::python_venv("ogc-venv", &PYTHON_PACKAGES))
}

fn python_client(args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ogc_clients.py");
    let out = run(Command::new(python()).arg(script).args(args));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn gdal_oapif_with_the_crs_option_copies_in_sweref_within_a_millimetre() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let gpkg = out.path().join("sweref.gpkg");
    let report = python_client(&[
        "gdal-crs",
        &f.server.at("/ogc"),
        "kommuner",
        gpkg.to_str().unwrap(),
    ]);
    assert_eq!(report["crs"], "EPSG:3006", "{report}");
    let copy = open_vector(&gpkg, "GPKG");
    let mut layer = copy.layer_by_name("kommuner").unwrap();
    let srs = layer.spatial_ref().unwrap();
    assert_eq!(kartrummet::crs::describe(&srs), "EPSG:3006");
    let code = f.kommuner.field_index("code").unwrap();
    let by_code: std::collections::HashMap<String, &kartrummet::layer::Feature> = f
        .kommuner
        .features
        .iter()
        .map(|feature| {
            (
                feature.properties[code]
                    .to_json()
                    .as_str()
                    .unwrap()
                    .to_string(),
                feature,
            )
        })
        .collect();
    let mut compared = 0;
    for feature in layer.features() {
        let c = text(&feature, "code").expect("a code");
        let stored = by_code[&c];
        let copied = feature.geometry().unwrap().to_geo().unwrap();
        assert_eq!(copied.coords_count(), stored.geometry.coords_count(), "{c}");
        for (a, b) in copied.coords_iter().zip(stored.geometry.coords_iter()) {
            // Easting and northing each within a millimetre of the store's.
            assert!(
                (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3,
                "{c}: {a:?} vs {b:?}"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 290);
}

#[test]
fn owslib_lists_collections_and_reads_items_by_bbox_and_limit() {
    let f = fixture();
    let result = python_client(&["owslib", &f.server.at("/ogc")]);
    let ids: Vec<&str> = result["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["kommuner", "servicepunkter"]);
    let b: Vec<f64> = result["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let inside = f.servicepunkter.select(
        Some((kartrummet::layer::Space::Display, [b[0], b[1], b[2], b[3]])),
        &[],
    );
    assert!(
        inside.len() > 7,
        "Falun has more than a page of service points"
    );
    assert_eq!(result["numberMatched"], inside.len());
    assert_eq!(result["numberReturned"], 7);
    for c in result["coordinates"].as_array().unwrap() {
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(
            (b[0]..=b[2]).contains(&lon) && (b[1]..=b[3]).contains(&lat),
            "{c}"
        );
    }
}

#[test]
fn a_tile_from_ogc_tiles_is_the_tiles_tile_and_gdal_reads_it() {
    let f = fixture();
    let (_, list) = get_json(&f.server.at("/ogc/collections/kommuner/tiles"));
    let tileset_url = link(&list["tilesets"][0], "self").unwrap();
    let (_, tileset) = get_json(&tileset_url);
    let template = tileset["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .and_then(|l| l["href"].as_str())
        .unwrap()
        .to_string();
    let tms_url = link(
        &tileset,
        "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
    )
    .unwrap();
    let (_, tms) = get_json(&tms_url);
    assert_eq!(tms["id"], "WebMercatorQuad");
    // Falun at zoom 8: column 139, row 73.
    let (z, col, row) = (8, 139, 73);
    let limits = tileset["tileMatrixSetLimits"].as_array().unwrap();
    let at_z = limits.iter().find(|l| l["tileMatrix"] == "8").unwrap();
    assert!(
        at_z["minTileCol"].as_u64().unwrap() <= col && col <= at_z["maxTileCol"].as_u64().unwrap()
    );
    let url = template
        .replace("{tileMatrix}", &z.to_string())
        .replace("{tileRow}", &row.to_string())
        .replace("{tileCol}", &col.to_string());
    let ogc = client().get(&url).send().unwrap();
    assert_eq!(ogc.status(), 200);
    assert_eq!(
        ogc.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let bytes = ogc.bytes().unwrap();
    let plain = client()
        .get(f.server.at(&format!("/tiles/kommuner/{z}/{col}/{row}.mvt")))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(bytes, plain, "the same tile as /tiles/");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{row}.mvt"));
    std::fs::write(&file, &bytes).unwrap();
    let tile = open_vector(&file, "MVT");
    let mut layer = tile
        .layer_by_name("kommuner")
        .expect("an MVT layer named kommuner");
    let names: Vec<String> = layer.features().filter_map(|f| text(&f, "name")).collect();
    assert!(names.iter().any(|n| n == "Falun"), "{names:?}");
}

#[test]
fn items_page_and_answer_in_the_crs_asked_for() {
    let f = fixture();
    let items = f.server.at("/ogc/collections/servicepunkter/items");
    // Paging by next links sees every feature once.
    let mut next = Some(format!("{items}?limit=5000"));
    let (mut pages, mut ids) = (0, Vec::new());
    while let Some(url) = next {
        let (headers, page) = get_json(&url);
        assert_eq!(headers["content-type"], "application/geo+json");
        assert_eq!(page["numberMatched"], 13_155);
        ids.extend(
            page["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_u64().unwrap()),
        );
        next = link(&page, "next");
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, (1..=13_155).collect::<Vec<u64>>());

    // The same point in CRS84 (lon, lat), EPSG:4326 (lat, lon) and EPSG:3006 (northing, easting).
    let stored = &f.servicepunkter.features[0];
    let geo::Geometry::Point(lonlat) = stored.display else {
        panic!("points")
    };
    let geo::Geometry::Point(en) = stored.geometry else {
        panic!("points")
    };
    let one = |crs: Option<&str>| {
        let url = match crs {
            Some(c) => format!("{items}/1?crs={c}"),
            None => format!("{items}/1"),
        };
        let (headers, doc) = get_json(&url);
        let c = &doc["geometry"]["coordinates"];
        (
            headers["content-crs"].to_str().unwrap().to_string(),
            [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()],
        )
    };
    // Within 1e-9 degrees (0.1 mm) or 1 mm: the server reads the store's file afresh.
    let expect = |crs: Option<&str>, header: &str, want: [f64; 2], tolerance: f64| {
        let (got_header, got) = one(crs);
        assert_eq!(got_header, format!("<{header}>"));
        assert!(
            (got[0] - want[0]).abs() < tolerance && (got[1] - want[1]).abs() < tolerance,
            "{crs:?}: {got:?} vs {want:?}"
        );
    };
    let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
    expect(None, crs84, [lonlat.x(), lonlat.y()], 1e-9);
    expect(Some(WGS84), WGS84, [lonlat.y(), lonlat.x()], 1e-9);
    expect(Some(SWEREF), SWEREF, [en.y(), en.x()], 1e-3);

    // A box in SWEREF 99 TM (northing, easting order) selects what the same box does in the store.
    let (n, e) = (en.y(), en.x());
    let bbox = format!(
        "{},{},{},{}",
        n - 2_000.0,
        e - 2_000.0,
        n + 2_000.0,
        e + 2_000.0
    );
    let (_, page) = get_json(&format!(
        "{items}?bbox={bbox}&bbox-crs={SWEREF}&crs={SWEREF}&limit=10000"
    ));
    let expected = f.servicepunkter.select(
        Some((
            kartrummet::layer::Space::Analysis,
            [e - 2_000.0, n - 2_000.0, e + 2_000.0, n + 2_000.0],
        )),
        &[],
    );
    assert_eq!(page["numberMatched"], expected.len());
    assert!(expected.contains(&0));

    // A property filter.
    let category = f.servicepunkter.field_index("category").unwrap();
    let (_, page) = get_json(&format!("{items}?category=pharmacy&limit=1"));
    let expected = f
        .servicepunkter
        .select(None, &[(category, "pharmacy".to_string())]);
    assert!(!expected.is_empty() && expected.len() < 13_155);
    assert_eq!(page["numberMatched"], expected.len());
    assert_eq!(page["features"][0]["properties"]["category"], "pharmacy");
}

#[test]
fn collections_say_crs_and_extent_and_pages_are_browsable() {
    let f = fixture();
    let (_, landing) = get_json(&f.server.at("/ogc"));
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(link(&landing, rel).is_some(), "{rel}");
    }
    let (_, conformance) = get_json(&link(&landing, "conformance").unwrap());
    let classes = conformance["conformsTo"].to_string();
    assert!(
        classes.contains("ogcapi-features-2/1.0/conf/crs") && classes.contains("ogcapi-tiles-1")
    );
    let (_, collection) = get_json(&f.server.at("/ogc/collections/kommuner"));
    assert_eq!(collection["storageCrs"], SWEREF);
    let offered = collection["crs"].to_string();
    assert!(offered.contains(SWEREF) && offered.contains(WGS84) && offered.contains("CRS84"));
    let bbox = &collection["extent"]["spatial"]["bbox"][0];
    assert!(
        bbox[0].as_f64().unwrap() > 10.0 && bbox[3].as_f64().unwrap() < 70.0,
        "{bbox}"
    );

    // A browser gets a plain page; f= overrides Accept.
    let page = client()
        .get(f.server.at("/ogc/collections/kommuner/items?limit=3"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = page.text().unwrap();
    assert!(
        text.contains("3 of 290 features") && text.contains("Upplands Väsby"),
        "{text}"
    );
    let json = client()
        .get(f.server.at("/ogc/collections?f=json"))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
}

#[test]
fn bad_requests_are_problems() {
    let f = fixture();
    let at = |path: &str| client().get(f.server.at(path)).send().unwrap();
    let items = "/ogc/collections/kommuner/items";
    for (path, status) in [
        ("/ogc/collections/nope", 404),
        ("/ogc/collections/nope/items", 404),
        ("/ogc/collections/kommuner/items/0", 404),
        ("/ogc/collections/kommuner/items/291", 404),
        ("/ogc/collections/kommuner/items/abc", 404),
        ("/ogc/collections/kommuner/tiles/WorldCRS84Quad", 404),
        (
            "/ogc/collections/kommuner/tiles/WebMercatorQuad/23/0/0",
            400,
        ),
        ("/ogc/collections/kommuner/tiles/WebMercatorQuad/2/4/0", 400),
        ("/ogc/tileMatrixSets/nope", 404),
        ("/ogc/nothing", 404),
        (
            &format!("{items}?crs=http://www.opengis.net/def/crs/EPSG/0/3857"),
            400,
        ),
        (&format!("{items}?crs=EPSG:3006"), 400),
        (&format!("{items}?bbox-crs=urn:x&bbox=1,2,3,4"), 400),
        (&format!("{items}?bbox=1,2,3"), 400),
        (&format!("{items}?bbox=3,2,1,4"), 400),
        (&format!("{items}?bbox=a,b,c,d"), 400),
        (&format!("{items}?limit=0"), 400),
        (&format!("{items}?limit=10001"), 400),
        (&format!("{items}?limit=1&limit=2"), 400),
        (&format!("{items}?offset=-1"), 400),
        (&format!("{items}?nosuchfield=1"), 400),
        (&format!("{items}?f=xml"), 400),
        (&format!("{items}?bbox=%FF"), 400),
    ] {
        let detail = assert_problem(at(path), status);
        assert!(!detail.is_empty(), "{path}");
    }
    // Past the end: an empty page, not an error.
    let (_, page) = get_json(&f.server.at(&format!("{items}?offset=100000")));
    assert_eq!(page["numberReturned"], 0);
    assert!(link(&page, "next").is_none());
}
