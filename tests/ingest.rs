//! Ingest through GDAL on the real bundled files: counts, CRS, field types, hygiene, errors,
//! atomicity and persistence.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use common::*;
use geo::{Distance, Haversine, Point, Validation};
use kartrummet::ingest::{IngestError, IngestOptions};
use kartrummet::layer::{FieldKind, GeometryKind, Value};

fn kind_of(layer: &kartrummet::layer::Layer, field: &str) -> FieldKind {
    let i = layer
        .field_index(field)
        .unwrap_or_else(|| panic!("field {field}"));
    layer.meta.fields[i].kind
}

#[test]
fn municipalities_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let report = ingest_as(
        &store,
        &data("sverige/kommuner_scb_2024.geojson"),
        "kommuner",
    );
    assert_eq!(report.layers[0].stored, 290);
    let layer = store.layer("kommuner").unwrap();
    assert_eq!(layer.meta.feature_count, 290);
    assert_eq!(layer.meta.geometry_type, GeometryKind::MultiPolygon);
    assert_eq!(kind_of(&layer, "name"), FieldKind::String);
    let [w, s, e, n] = layer.meta.bbox.unwrap();
    assert!(
        w > 10.0 && e < 25.0 && s > 55.0 && n < 70.0,
        "bbox {w} {s} {e} {n}"
    );
}

#[test]
fn tatorter_points_keep_field_types() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    ingest_as(
        &store,
        &data("sverige/tatorter_scb_2020_punkter.geojson"),
        "tatorter",
    );
    let layer = store.layer("tatorter").unwrap();
    assert_eq!(layer.meta.feature_count, 2017);
    assert_eq!(layer.meta.geometry_type, GeometryKind::Point);
    assert_eq!(kind_of(&layer, "pop"), FieldKind::Integer);
    assert_eq!(kind_of(&layer, "name"), FieldKind::String);
    let falun = layer
        .features
        .iter()
        .find(|f| f.properties[layer.field_index("name").unwrap()] == Value::Str("Falun".into()))
        .expect("Falun is a tätort");
    assert!(
        falun.properties[layer.field_index("pop").unwrap()]
            .as_f64()
            .unwrap()
            > 30_000.0
    );
}

#[test]
fn population_grid_csv_in_sweref() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let options = IngestOptions {
        layer_id: Some("grid".into()),
        crs: Some("EPSG:3006".into()),
        x_field: Some("e".into()),
        y_field: Some("n".into()),
        ..Default::default()
    };
    let report = ingest_with(&store, &data("dalarna/befolkning_1km_2025.csv"), options).unwrap();
    assert_eq!(report.layers[0].coordinates.as_deref(), Some("e/n"));
    assert_eq!(report.layers[0].source_crs, "EPSG:3006");
    let layer = store.layer("grid").unwrap();
    assert_eq!(layer.meta.feature_count, 4004);
    assert_eq!(kind_of(&layer, "befolkning_2025"), FieldKind::Integer);
    let pop = layer.field_index("befolkning_2025").unwrap();
    let total: f64 = layer
        .features
        .iter()
        .map(|f| f.properties[pop].as_f64().unwrap())
        .sum();
    assert_eq!(total, 285_587.0);

    // Every SWEREF 99 TM cell centre lands within 1 m of the WGS84 position SCB gives for it.
    let (lon, lat) = (
        layer.field_index("lon").unwrap(),
        layer.field_index("lat").unwrap(),
    );
    for feature in &layer.features {
        let geo::Geometry::Point(shown) = feature.display else {
            panic!("point layer")
        };
        let given = Point::new(
            feature.properties[lon].as_f64().unwrap(),
            feature.properties[lat].as_f64().unwrap(),
        );
        let metres = Haversine.distance(shown, given);
        assert!(metres < 1.0, "feature {} is {metres} m off", feature.id);
    }
}

#[test]
fn csv_detects_lon_lat_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let report = ingest_as(&store, &data("dalarna/vardcentraler.csv"), "vc");
    assert_eq!(
        report.layers[0].coordinates.as_deref(),
        Some("Longitude/Latitude")
    );
    assert_eq!(report.layers[0].source_crs, "EPSG:4326");
    let layer = store.layer("vc").unwrap();
    assert_eq!(layer.meta.feature_count, 40);
    // The analysis geometry matches the file's own SWEREF 99 TM columns (Sweref99Y is east)
    // within 1 m, except for the 4 rows where the source's two coordinate pairs disagree
    // (Elsborg, Hedemora psykiatri, Kvarnporten, Hjälpmedelcentralen: 140 m to 21 km apart).
    let (east, north) = (
        layer.field_index("Sweref99Y").unwrap(),
        layer.field_index("Sweref99X").unwrap(),
    );
    let agreeing = layer
        .features
        .iter()
        .filter(|f| {
            let geo::Geometry::Point(p) = f.geometry else {
                panic!("point")
            };
            let dx = p.x() - f.properties[east].as_f64().unwrap();
            let dy = p.y() - f.properties[north].as_f64().unwrap();
            dx.hypot(dy) < 1.0
        })
        .count();
    assert_eq!(agreeing, 36);
}

#[test]
fn tatort_shapefile_repairs_the_invalid_polygon() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let report = ingest_as(
        &store,
        &data("sverige/tatorter_lm_1milj_shp/mb_riks.shp"),
        "ytor",
    );
    let l = &report.layers[0];
    assert_eq!((l.read, l.stored, l.skipped), (2978, 2978, 0));
    assert_eq!(l.repaired, 1, "the source has one invalid polygon");
    let layer = store.layer("ytor").unwrap();
    assert!(
        layer.features.iter().all(|f| f.geometry.is_valid()),
        "all stored polygons valid"
    );
    assert_eq!(kind_of(&layer, "BEF"), FieldKind::Integer);
}

#[test]
fn shapefile_as_folder_and_as_zip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let folder = data("sverige/tatorter_lm_1milj_shp");
    let report = ingest_as(&store, &folder, "folder");
    assert_eq!(report.layers[0].stored, 2978);

    let zip_path = dir.path().join("tatorter.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("mb_riks/{}", path.file_name().unwrap().to_string_lossy());
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let report = ingest_as(&store, &zip_path, "zipped");
    assert_eq!(report.layers[0].stored, 2978);
    assert_eq!(report.format, "Shapefile");
}

#[test]
fn geopackage_all_layers_or_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let gpkg = data("dalarna/kollektivtrafik_ludvika.gpkg");
    let report = ingest_as(&store, &gpkg, "ludvika");
    let ids: Vec<&str> = report.layers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["ludvika_hallplatslagen", "ludvika_linjer"]);
    assert_eq!(
        store
            .layer("ludvika_hallplatslagen")
            .unwrap()
            .meta
            .feature_count,
        436
    );
    assert_eq!(
        store.layer("ludvika_linjer").unwrap().meta.geometry_type,
        GeometryKind::LineString
    );

    let options = IngestOptions {
        layer_id: Some("linjer".into()),
        source_layer: Some("linjer".into()),
        ..Default::default()
    };
    let report = ingest_with(&store, &gpkg, options).unwrap();
    assert_eq!(report.layers.len(), 1);
    assert_eq!(store.layer("linjer").unwrap().meta.feature_count, 72);

    let missing = IngestOptions {
        source_layer: Some("nope".into()),
        ..Default::default()
    };
    let error = ingest_with(&store, &gpkg, missing).unwrap_err();
    assert!(
        matches!(error, IngestError::NoSuchSourceLayer { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("hallplatslagen"));
}

/// Converts a bundled file with GDAL's own ogr2ogr, as a GIS colleague would hand it to us.
fn ogr2ogr(driver: &str, out: &Path, input: &Path) {
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", driver])
        .arg(out)
        .arg(input)
        .stderr(Stdio::null())
        .status()
        .expect("ogr2ogr (Debian gdal-bin) is installed");
    assert!(status.success());
}

#[test]
fn flatgeobuf_and_kml() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let source = data("sverige/tatorter_scb_2020_punkter.geojson");
    let fgb = dir.path().join("tatorter.fgb");
    ogr2ogr("FlatGeobuf", &fgb, &source);
    assert_eq!(ingest_as(&store, &fgb, "fgb").layers[0].stored, 2017);
    let kml = dir.path().join("tatorter.kml");
    ogr2ogr("KML", &kml, &source);
    assert_eq!(ingest_as(&store, &kml, "kml").layers[0].stored, 2017);
    // FlatGeobuf reorders features along its spatial index; compare Falun in both.
    let falun = |id: &str| {
        let layer = store.layer(id).unwrap();
        let name = layer
            .meta
            .fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case("name"))
            .unwrap();
        let feature = layer
            .features
            .iter()
            .find(|f| f.properties[name] == Value::Str("Falun".into()))
            .unwrap();
        let geo::Geometry::Point(p) = feature.geometry else {
            panic!("point")
        };
        p
    };
    let (p, q) = (falun("fgb"), falun("kml"));
    assert!((p.x() - q.x()).hypot(p.y() - q.y()) < 1.0);
}

#[test]
fn openstreetmap_xml() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let osm = dir.path().join("falun.osm");
    std::fs::write(
        &osm,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="60.60" lon="15.60" version="1"><tag k="amenity" v="pharmacy"/><tag k="name" v="Apoteket"/></node>
  <node id="2" lat="60.61" lon="15.62" version="1"/>
  <node id="3" lat="60.62" lon="15.64" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="name" v="Testvägen"/></way>
</osm>"#,
    )
    .unwrap();
    let report = ingest_as(&store, &osm, "osm");
    let stored: Vec<(&str, u64)> = report
        .layers
        .iter()
        .filter(|l| l.version.is_some())
        .map(|l| (l.id.as_str(), l.stored))
        .collect();
    assert_eq!(stored, [("osm_points", 1), ("osm_lines", 1)]);
    let lines = store.layer("osm_lines").unwrap();
    let highway = lines.field_index("highway").unwrap();
    assert_eq!(
        lines.features[0].properties[highway],
        Value::Str("primary".into())
    );
}

const TYPED: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"n":7,"r":1.5,"s":"Falun","d":"2024-05-01","t":"2024-05-01T10:00:00Z","b":true},"geometry":{"type":"Point","coordinates":[15.6,60.6]}},
{"type":"Feature","properties":{"n":8,"r":2.5,"s":"Mora","d":"2024-06-01","t":"2024-06-01T10:00:00Z","b":false},"geometry":{"type":"Point","coordinates":[14.5,61.0]}}
]}"#;

#[test]
fn field_types_survive_ingest_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typed.geojson");
    std::fs::write(&file, TYPED).unwrap();
    let expected = [
        ("n", FieldKind::Integer),
        ("r", FieldKind::Real),
        ("s", FieldKind::String),
        ("d", FieldKind::Date),
        ("t", FieldKind::DateTime),
        ("b", FieldKind::Boolean),
    ];
    let check = |layer: &kartrummet::layer::Layer| {
        for (name, kind) in expected {
            assert_eq!(kind_of(layer, name), kind, "field {name}");
        }
        let props = &layer.features[0].properties;
        assert_eq!(props[0], Value::Int(7));
        assert_eq!(props[1], Value::Real(1.5));
        assert_eq!(props[2], Value::Str("Falun".into()));
        assert_eq!(props[3].to_json(), "2024-05-01");
        assert_eq!(props[5], Value::Bool(true));
        assert_eq!(layer.features[1].properties[5], Value::Bool(false));
    };
    {
        let store = open_store(&dir.path().join("store"));
        ingest_as(&store, &file, "typed");
        check(&store.layer("typed").unwrap());
    }
    let reopened = open_store(&dir.path().join("store"));
    check(&reopened.layer("typed").unwrap());
}

#[test]
fn hygiene_repairs_and_skips_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messy.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"k":"ok"},"geometry":{"type":"Polygon","coordinates":[[[15,60],[15.1,60],[15.1,60.1],[15,60.1],[15,60]]]}},
{"type":"Feature","properties":{"k":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[15,60],[15.1,60.1],[15.1,60],[15,60.1],[15,60]]]}},
{"type":"Feature","properties":{"k":"null"},"geometry":null},
{"type":"Feature","properties":{"k":"empty"},"geometry":{"type":"MultiPoint","coordinates":[]}}
]}"#,
    )
    .unwrap();
    let store = open_store(&dir.path().join("store"));
    let report = ingest_as(&store, &file, "messy");
    let l = &report.layers[0];
    assert_eq!((l.read, l.stored, l.repaired, l.skipped), (4, 2, 1, 2));
    assert_eq!(l.skip_reasons.get("no geometry"), Some(&1));
    assert_eq!(l.skip_reasons.get("empty geometry"), Some(&1));
    let layer = store.layer("messy").unwrap();
    assert!(layer.features.iter().all(|f| f.geometry.is_valid()));

    let infinite = dir.path().join("inf.geojson");
    std::fs::write(
        &infinite,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"k":1},"geometry":{"type":"Point","coordinates":[1e999,60.6]}},
{"type":"Feature","properties":{"k":2},"geometry":{"type":"Point","coordinates":[15,60.6]}}]}"#,
    )
    .unwrap();
    let report = ingest_as(&store, &infinite, "inf");
    let l = &report.layers[0];
    assert_eq!((l.read, l.stored, l.skipped), (2, 1, 1));
    assert_eq!(
        l.skip_reasons
            .get("non-finite coordinates (NaN or infinity)"),
        Some(&1)
    );

    // CSV rows with blank or unreadable coordinates have no usable point.
    let csv = dir.path().join("gaps.csv");
    std::fs::write(&csv, "name,lon,lat\nA,15.6,60.6\nB,x,60.6\nC,,\n").unwrap();
    let report = ingest_as(&store, &csv, "gaps");
    let l = &report.layers[0];
    assert_eq!((l.read, l.stored, l.skipped), (3, 1, 2));
    assert_eq!(l.skip_reasons.get("no geometry"), Some(&2));
}

#[test]
fn refuses_bad_input_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("store"));
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let expect =
        |path: &Path, options: IngestOptions| ingest_with(&store, path, options).unwrap_err();

    let corrupt = write("broken.gpkg", b"this is not a GeoPackage at all");
    assert!(matches!(
        expect(&corrupt, Default::default()),
        IngestError::Unreadable { .. }
    ));
    let truncated = write("cut.geojson", &TYPED.as_bytes()[..120]);
    assert!(matches!(
        expect(&truncated, Default::default()),
        IngestError::Unreadable { .. }
    ));
    let text = write("notes.txt", b"hello");
    let error = expect(&text, Default::default());
    assert!(matches!(error, IngestError::UnsupportedFormat { .. }));
    assert!(
        error.to_string().contains("GeoPackage"),
        "lists what is supported: {error}"
    );

    let zip_path = dir.path().join("nothing.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"no data here").unwrap();
    zip.finish().unwrap();
    let error = expect(&zip_path, Default::default());
    assert!(matches!(error, IngestError::EmptyArchive { .. }), "{error}");
    assert!(error.to_string().contains("readme.txt"));

    let no_coordinates = write("plain.csv", b"name,population\nFalun,37000\n");
    let error = expect(&no_coordinates, Default::default());
    assert!(
        matches!(error, IngestError::CsvNoCoordinates { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("population"));

    let projected = write("en.csv", b"name,e,n\nFalun,536000,6722000\n");
    let error = expect(&projected, Default::default());
    assert!(matches!(error, IngestError::NoCrs { .. }), "{error}");
    assert!(error.to_string().contains("crs"));

    let options = IngestOptions {
        layer_id: Some("../x".into()),
        ..Default::default()
    };
    let error = expect(&data("sverige/lan_scb_2024.geojson"), options);
    assert!(matches!(error, IngestError::InvalidId(_)), "{error}");

    let unknown_crs = IngestOptions {
        crs: Some("EPSG:999999".into()),
        ..Default::default()
    };
    assert!(matches!(
        expect(&projected, unknown_crs),
        IngestError::Crs(_)
    ));
    assert!(store.snapshot().is_empty(), "nothing was stored");
}

#[test]
fn shapefile_without_prj_is_refused_until_crs_given() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("noprj");
    std::fs::create_dir(&folder).unwrap();
    for ext in ["shp", "shx", "dbf"] {
        let from = data(&format!("sverige/granser_lm_1milj_shp/al_riks.{ext}"));
        std::fs::copy(from, folder.join(format!("al_riks.{ext}"))).unwrap();
    }
    let store = open_store(&dir.path().join("store"));
    let shp = folder.join("al_riks.shp");
    let error = ingest_with(&store, &shp, Default::default()).unwrap_err();
    assert!(matches!(error, IngestError::NoCrs { .. }), "{error}");
    let options = IngestOptions {
        crs: Some("EPSG:3006".into()),
        ..Default::default()
    };
    assert_eq!(
        ingest_with(&store, &shp, options).unwrap().layers[0].stored,
        1613
    );
}

#[test]
fn reingest_replaces_bumps_version_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open_store(dir.path());
        ingest_as(&store, &data("sverige/lan_scb_2024.geojson"), "omr");
        assert_eq!(store.layer("omr").unwrap().meta.version, 1);
        let report = ingest_as(&store, &data("sverige/kommuner_scb_2024.geojson"), "omr");
        assert_eq!(report.layers[0].version, Some(2));
        // A failed ingest over it changes nothing.
        let broken = dir.path().join("broken.geojson");
        std::fs::write(&broken, "{ not json").unwrap();
        assert!(
            ingest_with(
                &store,
                &broken,
                IngestOptions {
                    layer_id: Some("omr".into()),
                    ..Default::default()
                }
            )
            .is_err()
        );
        let layer = store.layer("omr").unwrap();
        assert_eq!((layer.meta.version, layer.meta.feature_count), (2, 290));
    }
    let store = open_store(dir.path());
    let layer = store.layer("omr").unwrap();
    assert_eq!((layer.meta.version, layer.meta.feature_count), (2, 290));
    assert_eq!(layer.meta.source, "kommuner_scb_2024.geojson");
    assert!(store.delete("omr").unwrap());
    assert!(
        open_store(dir.path()).layer("omr").is_none(),
        "deleted for good"
    );
}

#[test]
fn refresh_sees_what_another_process_wrote_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = open_store(dir.path());
    let other = open_store(dir.path());
    ingest_as(&server, &data("sverige/lan_scb_2024.geojson"), "omr");
    assert!(
        server.refresh().unwrap().is_empty(),
        "its own commit is known"
    );

    // Another process creates a layer and replaces one.
    ingest_as(&other, &data("dalarna/vardcentraler.csv"), "vard");
    ingest_as(&other, &data("sverige/kommuner_scb_2024.geojson"), "omr");
    assert!(server.layer("vard").is_none(), "not seen before a refresh");
    let mut changed = server.refresh().unwrap();
    changed.sort();
    assert_eq!(changed, ["omr", "vard"]);
    let omr = server.layer("omr").unwrap();
    assert_eq!((omr.meta.version, omr.meta.feature_count), (2, 290));
    assert_eq!(server.layer("vard").unwrap().meta.feature_count, 40);
    assert!(
        server.refresh().unwrap().is_empty(),
        "nothing new the second time"
    );

    // The server writes the next version on top of what it read; the other deletes one.
    ingest_as(&server, &data("sverige/lan_scb_2024.geojson"), "omr");
    assert_eq!(server.layer("omr").unwrap().meta.version, 3);
    assert!(other.delete("vard").unwrap());
    assert_eq!(server.refresh().unwrap(), ["vard"]);
    assert!(server.layer("vard").is_none());
    other.refresh().unwrap();
    assert_eq!(other.layer("omr").unwrap().meta.version, 3);
}

#[test]
fn readers_see_old_or_new_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(open_store(dir.path()));
    ingest_as(&store, &data("sverige/lan_scb_2024.geojson"), "omr");
    // The reader says when it has read the old version, and reads on until it sees the new.
    let (read_old, old_read) = std::sync::mpsc::channel();
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + DEADLINE;
            let mut seen = std::collections::BTreeSet::new();
            while !seen.contains(&2) {
                assert!(
                    Instant::now() < deadline,
                    "version 2 not seen within {DEADLINE:?}"
                );
                let catalog = store.snapshot();
                let layer = catalog.get("omr").unwrap();
                let pair = (
                    layer.meta.version,
                    layer.meta.feature_count,
                    layer.features.len(),
                );
                assert!(
                    matches!(pair, (1, 21, 21) | (2, 290, 290)),
                    "mixed state {pair:?}"
                );
                if seen.insert(pair.0) && pair.0 == 1 {
                    let _ = read_old.send(());
                }
            }
            seen
        })
    };
    old_read
        .recv_timeout(DEADLINE)
        .expect("the reader reads version 1 before the re-ingest");
    ingest_as(&store, &data("sverige/kommuner_scb_2024.geojson"), "omr");
    let seen = reader.join().expect("the reader saw no mixed state");
    assert_eq!(seen, [1, 2].into());
}

#[test]
fn killed_ingest_leaves_previous_state() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let out = run_cli(&[
        "ingest",
        "--data-dir",
        store_dir.to_str().unwrap(),
        "--layer",
        "punkter",
        data("sverige/tatorter_scb_2020_punkter.geojson")
            .to_str()
            .unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Kill re-ingests of a larger file at several moments: at once, when its work folder
    // appears, and when it writes a work file there (if it ends first, the moment is past).
    // Whenever the kill lands, the store holds one whole version.
    let work_folder = |pid: u32| {
        std::fs::read_dir(store_dir.join("tmp"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{pid}-"))
            })
    };
    let work_file = |_: u32| work_files(&store_dir) > 0;
    let moments: [(&str, &dyn Fn(u32) -> bool); 3] = [
        ("at once", &|_| true),
        ("in its work folder", &work_folder),
        ("writing a work file", &work_file),
    ];
    for (moment, reached) in moments {
        let mut child = kartrum()
            .args([
                "ingest",
                "--data-dir",
                store_dir.to_str().unwrap(),
                "--layer",
                "punkter",
            ])
            .arg(data("sverige/servicepunkter_se_poi.geojson"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let ended = wait_until(&format!("the ingest {moment}"), || {
            let ended = child.try_wait().unwrap().is_some();
            (reached(pid) || ended).then_some(ended)
        });
        let _ = child.kill();
        let _ = child.wait();
        let store = open_store(&store_dir);
        let layer = store.layer("punkter").expect("layer still there");
        eprintln!(
            "killed {moment} (ended before: {ended}): {} features",
            layer.meta.feature_count
        );
        assert!(
            matches!(layer.meta.feature_count, 2017 | 13_155),
            "whole version after a kill {moment}: {} features",
            layer.meta.feature_count
        );
        assert_eq!(
            work_files(&store_dir),
            0,
            "work files of the killed process are cleared at open"
        );
    }
}

#[test]
fn cli_reports_and_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let ok = run_cli(&[
        "ingest",
        "--data-dir",
        d,
        data("sverige/lan_scb_2024.geojson").to_str().unwrap(),
    ]);
    assert!(ok.status.success());
    let report = String::from_utf8_lossy(&ok.stdout);
    assert!(
        report.contains("lan_scb_2024: 21 read, 21 stored, 0 repaired, 0 skipped"),
        "{report}"
    );

    let listed = run_cli(&["layers", "--data-dir", d]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("lan_scb_2024"));

    let bad = run_cli(&[
        "ingest",
        "--data-dir",
        d,
        "--layer",
        "../x",
        data("sverige/lan_scb_2024.geojson").to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid layer id"));
    let missing = run_cli(&["ingest", "--data-dir", d, "/nonexistent/file.geojson"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file"));
}
