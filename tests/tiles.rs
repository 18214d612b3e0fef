//! Vector tiles on real data: decoded with GDAL's MVT driver (an independent decoder), swept
//! for size, served over HTTP by the real binary, re-ingested, and exported to PMTiles.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::regions::{self, Layers};
use gdal::vector::{FieldValue, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{BoundingRect, CoordsIter};
use kartrummet::ingest::{self, IngestOptions};
use kartrummet::layer::{Layer, Value};
use kartrummet::store::Store;
use kartrummet::tiles::{
    BUFFER, EXTENT, TileId, TileLayer, TileSettings, render_tile, resolve_layers, tile_layers,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
const KARTRUM: &str = env!("CARGO_BIN_EXE_kartrum");
/// Falun, in the middle of the Dalarna demo data.
const FALUN: (f64, f64) = (15.6355, 60.6070);
const HALF_WORLD: f64 = 20_037_508.342_789_244;

/// CSV columns with x and y in EPSG:3006.
type CsvColumns = Option<(&'static str, &'static str)>;

/// Files of data/ that the demo does not load, with the ingest options they need.
const EXTRA: [(&str, &str, CsvColumns); 6] = [
    ("dalarna/fritidshusomraden_2020.geojson", "fritidshus", None),
    ("sverige/vard_osm_2020.geojson", "vard_osm", None),
    ("stockholm/vagnat_osm_2020.geojson", "vagnat", None),
    (
        "dalarna/befolkning_1km_2025.csv",
        "befolkning_punkter",
        Some(("e", "n")),
    ),
    ("dalarna/kollektivtrafik_ludvika.gpkg", "ludvika", None),
    (
        "dalarna/kollektivtrafik_smedjebacken.gpkg",
        "smedjebacken",
        None,
    ),
];

/// Every layer of data/: the demo manifest (the shared Dalarna fixture, a fresh store per test
/// binary) and [`EXTRA`], ingested into it once.
fn demo_store() -> &'static Store {
    static EXTRA_INGESTED: OnceLock<()> = OnceLock::new();
    let store = regions::dalarna(Layers::Every).store();
    EXTRA_INGESTED.get_or_init(|| {
        for (file, id, xy) in EXTRA {
            let options = IngestOptions {
                layer_id: Some(id.into()),
                crs: xy.map(|_| "EPSG:3006".into()),
                x_field: xy.map(|(x, _)| x.into()),
                y_field: xy.map(|(_, y)| y.into()),
                ..Default::default()
            };
            ingest::ingest(store, &Path::new(DATA).join(file), &options, &mut |_| {})
                .unwrap_or_else(|e| panic!("ingest {file}: {e}"));
        }
    });
    store
}

fn demo_layer(id: &str) -> (std::sync::Arc<Layer>, TileSettings) {
    resolve_layers(&demo_store().snapshot(), id, &Default::default())
        .expect("demo layer")
        .remove(0)
}

/// One decoded feature.
struct Decoded {
    layer: String,
    /// The MVT feature id, which GDAL reports as the field `mvt_id`.
    id: Option<u64>,
    geometry: gdal::vector::Geometry,
    fields: HashMap<String, FieldValue>,
}

/// Decodes a tile with GDAL's MVT driver, in EPSG:3857, without GDAL's own clipping.
fn decode(mvt: &[u8], tile: TileId) -> Vec<Decoded> {
    if mvt.is_empty() {
        return Vec::new();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.mvt");
    std::fs::write(&path, mvt).unwrap();
    let options = [
        format!("X={}", tile.x),
        format!("Y={}", tile.y),
        format!("Z={}", tile.z),
        "CLIP=NO".to_string(),
    ];
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let dataset = Dataset::open_ex(
        &path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR,
            allowed_drivers: Some(&["MVT"]),
            open_options: Some(&options),
            sibling_files: None,
        },
    )
    .expect("GDAL opens the tile");
    let mut out = Vec::new();
    for mut layer in dataset.layers() {
        let name = layer.name();
        for feature in layer.features() {
            out.push(Decoded {
                layer: name.clone(),
                id: feature
                    .field_index("mvt_id")
                    .ok()
                    .and_then(|i| feature.field_as_integer64(i).ok().flatten())
                    .map(|i| i as u64),
                geometry: feature.geometry().expect("a geometry").clone(),
                fields: feature
                    .fields()
                    .filter_map(|(k, v)| Some((k, v?)))
                    .collect(),
            });
        }
    }
    out
}

/// `[min_x, min_y, max_x, max_y]` of the tile in EPSG:3857, grown by `units` tile units.
fn bounds_3857(tile: TileId, units: f64) -> [f64; 4] {
    let size = 2.0 * HALF_WORLD / f64::from(1u32 << tile.z);
    let grow = size * units / f64::from(EXTENT);
    let min_x = -HALF_WORLD + f64::from(tile.x) * size;
    let max_y = HALF_WORLD - f64::from(tile.y) * size;
    [
        min_x - grow,
        max_y - size - grow,
        min_x + size + grow,
        max_y + grow,
    ]
}

fn render(layer: &Layer, settings: &TileSettings, tile: TileId) -> Vec<u8> {
    render_tile(&[TileLayer { layer, settings }], tile)
}

#[test]
fn decoded_tiles_have_the_data_inside_the_buffer_and_valid_polygons() {
    for id in [
        "kommuner",
        "deso",
        "befolkning_1km",
        "tatortsytor",
        "busslinjer",
        "hallplatser",
    ] {
        let (layer, settings) = demo_layer(id);
        // The 1 km grid is drawn (merged) from the lowest zooms. Below zoom 6 an outline of
        // the other layers can touch another at one point (valid: OGC allows it), which GEOS
        // may call a self-intersection once GDAL has scaled the integers to EPSG:3857.
        let from = if id == "befolkning_1km" { 4 } else { 6 };
        for z in (from..=14).step_by(2) {
            let tile = TileId::containing(FALUN.0, FALUN.1, z).unwrap();
            let mvt = render(&layer, &settings, tile);
            let decoded = decode(&mvt, tile);
            assert!(
                !decoded.is_empty(),
                "{id} {tile}: no features where the data is"
            );
            // One rounding unit of slack on top of the buffer.
            let [x0, y0, x1, y1] = bounds_3857(tile, f64::from(BUFFER) + 1.0);
            for f in &decoded {
                assert_eq!(f.layer, id);
                let e = f.geometry.envelope();
                assert!(
                    e.MinX >= x0 && e.MaxX <= x1 && e.MinY >= y0 && e.MaxY <= y1,
                    "{id} {tile}: feature {:?} outside tile plus buffer",
                    f.id
                );
                assert!(
                    f.geometry.is_valid(),
                    "{id} {tile}: invalid geometry {}",
                    f.geometry.wkt().unwrap_or_default()
                );
            }
        }
    }
}

#[test]
fn every_point_is_in_the_tile_at_maxzoom_and_thinned_below() {
    let (layer, settings) = demo_layer("hallplatser");
    let tile = TileId::containing(FALUN.0, FALUN.1, settings.maxzoom).unwrap();
    let [w, s, e, n] = tile.bounds(0.0);
    let inside = layer
        .display_candidates([w, s, e, n])
        .into_iter()
        .filter(|&i| {
            layer.features[i]
                .display
                .coords_iter()
                .any(|c| c.x >= w && c.x < e && c.y > s && c.y <= n)
        })
        .count();
    assert!(inside > 5, "Falun has bus stops");
    let [x0, y0, x1, y1] = bounds_3857(tile, 0.0);
    let decoded_inside = decode(&render(&layer, &settings, tile), tile)
        .iter()
        .filter(|f| {
            let e = f.geometry.envelope();
            e.MinX >= x0 && e.MaxX < x1 && e.MinY > y0 && e.MaxY <= y1
        })
        .count();
    assert_eq!(decoded_inside, inside);

    // At zoom 8 the whole county's stops would be thousands of points: thinned to far fewer.
    let low = TileId::containing(FALUN.0, FALUN.1, 8).unwrap();
    let [w, s, e, n] = low.bounds(0.0);
    let all = layer.display_candidates([w, s, e, n]).len();
    let shipped = decode(&render(&layer, &settings, low), low).len();
    assert!(
        shipped > 0 && shipped * 2 < all,
        "{shipped} of {all} stops shipped at z8"
    );
}

#[test]
fn attribute_values_round_trip() {
    for id in ["tatorter", "vardcentraler", "deso"] {
        let (layer, settings) = demo_layer(id);
        let tile = TileId::containing(FALUN.0, FALUN.1, 12).unwrap();
        let decoded = decode(&render(&layer, &settings, tile), tile);
        assert!(!decoded.is_empty(), "{id}: nothing near Falun");
        let by_id: HashMap<u64, usize> = layer
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        let mut compared = 0;
        for f in &decoded {
            let source = &layer.features[by_id[&f.id.expect("feature id")]];
            for (field, value) in layer.meta.fields.iter().zip(&source.properties) {
                let got = f.fields.get(&field.name);
                match (value, got) {
                    // Nulls are left out of the tile; GDAL reports an unset field as empty.
                    (Value::Null, None | Some(FieldValue::StringValue(_))) => {}
                    (Value::Str(s), Some(FieldValue::StringValue(g))) => assert_eq!(s, g),
                    (v, Some(g)) if v.as_f64().is_some() => {
                        let g = match g {
                            FieldValue::IntegerValue(i) => f64::from(*i),
                            FieldValue::Integer64Value(i) => *i as f64,
                            FieldValue::RealValue(r) => *r,
                            other => panic!("{id}.{}: {other:?} for {v:?}", field.name),
                        };
                        assert_eq!(v.as_f64().unwrap(), g, "{id}.{}", field.name);
                    }
                    (v, g) => {
                        let text = g.and_then(|g| g.clone().into_string());
                        assert_eq!(
                            Some(v.to_json().to_string().trim_matches('"').to_string()),
                            text,
                            "{id}.{}",
                            field.name
                        );
                    }
                }
                compared += 1;
            }
        }
        assert!(compared > 0, "{id}: no attribute compared");
    }
}

/// Tiles of `layer` to weigh at zoom `z`: every tile with features up to zoom 10, and above
/// it the tiles holding the most vertices (where tiles get heavy).
fn sweep_tiles(layer: &Layer, z: u8) -> Vec<TileId> {
    let Some(bbox) = layer.meta.bbox else {
        return vec![];
    };
    if z <= 10 {
        let probe = [TileLayer {
            layer,
            settings: &TileSettings::for_layer(&layer.meta, None).unwrap(),
        }];
        return TileId::covering(bbox, z)
            .unwrap()
            .into_iter()
            .filter(|t| kartrummet::tiles::has_candidates(&probe, *t))
            .collect();
    }
    let mut counts: HashMap<TileId, usize> = HashMap::new();
    for feature in &layer.features {
        for c in feature.display.coords_iter() {
            *counts
                .entry(TileId::containing(c.x, c.y, z).unwrap())
                .or_default() += 1;
        }
    }
    let mut densest: Vec<(usize, TileId)> = counts.into_iter().map(|(t, n)| (n, t)).collect();
    densest.sort_unstable_by(|a, b| b.cmp(a));
    densest.into_iter().take(6).map(|(_, t)| t).collect()
}

#[test]
fn no_tile_of_any_layer_in_data_exceeds_500_kb_at_zooms_0_to_14() {
    const LIMIT: usize = 500 * 1024;
    let catalog = demo_store().snapshot();
    let layers: Vec<_> = catalog.layers().cloned().collect();
    assert!(
        layers.len() >= 14 + EXTRA.len(),
        "the demo's 14 layers and the rest of data/"
    );
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results: Vec<(String, TileId, usize, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let layers = &layers;
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for layer in layers.iter().skip(t).step_by(threads) {
                        let settings = TileSettings::for_layer(&layer.meta, None).unwrap();
                        let (mut biggest, mut at, mut count) =
                            (0, TileId::new(0, 0, 0).unwrap(), 0);
                        for z in 0..=14 {
                            for tile in sweep_tiles(layer, z) {
                                let size = render(layer, &settings, tile).len();
                                count += 1;
                                if size > biggest {
                                    (biggest, at) = (size, tile);
                                }
                            }
                        }
                        out.push((layer.meta.id.clone(), at, biggest, count));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (id, tile, size, count) in &results {
        eprintln!(
            "{id:>16}: largest tile {tile} {:.1} KB of {count} weighed",
            *size as f64 / 1024.0
        );
    }
    for (id, tile, size, _) in &results {
        assert!(*size <= LIMIT, "{id} tile {tile} is {size} bytes");
    }
}

/// Web Mercator (EPSG:3857) metres of a longitude/latitude, by the textbook formula.
fn to_3857(lon: f64, lat: f64) -> (f64, f64) {
    const R: f64 = 6_378_137.0;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln();
    (lon.to_radians() * R, y * R)
}

/// Whether the point (EPSG:3857) is in the tile: left and top edges in, right and bottom out,
/// as tile coordinates 0 ≤ x, y < 4096 with y down.
fn in_tile(tile: TileId, (x, y): (f64, f64)) -> bool {
    let [x0, y0, x1, y1] = bounds_3857(tile, 0.0);
    x >= x0 && x < x1 && y > y0 && y <= y1
}

/// Whether the centre of the geometry's box, in Web Mercator, is in the tile.
fn centred_in(geometry: &geo::Geometry<f64>, tile: TileId) -> bool {
    let b = geometry.bounding_rect().expect("a box");
    let (x0, y0) = to_3857(b.min().x, b.min().y);
    let (x1, y1) = to_3857(b.max().x, b.max().y);
    in_tile(tile, ((x0 + x1) / 2.0, (y0 + y1) / 2.0))
}

/// A decoded number attribute, whatever integer or real type GDAL gave it.
fn number(value: Option<&FieldValue>) -> Option<f64> {
    match value? {
        FieldValue::IntegerValue(i) => Some(f64::from(*i)),
        FieldValue::Integer64Value(i) => Some(*i as f64),
        FieldValue::RealValue(r) => Some(*r),
        _ => None,
    }
}

/// The service-access result of every populated 1 km cell to its nearest health centre over
/// the bus network, as the layer the API commits (`sa_…`).
fn service_access_result() -> Layer {
    use kartrummet::analysis::{AnalysisCache, service_access};
    let spec: service_access::AccessSpec = serde_json::from_value(serde_json::json!({
        "network": "busslinjer",
        "demand": { "layer": "befolkning_1km", "population": "befolkning_2025" },
        "supply": [{ "layer": "vardcentraler" }],
        "bands": { "unit": "min", "breaks": [10, 20, 30, 60] },
    }))
    .unwrap();
    let catalog = demo_store().snapshot();
    let run = service_access::run(&AnalysisCache::default(), &catalog, &spec, &mut |_| {})
        .expect("service access over the bundled data");
    service_access::result_layer(&run, &spec.bands, "sa_vardcentraler", "Vårdcentraler", None)
}

#[test]
fn grids_and_service_access_results_are_drawn_merged_at_z5_and_z6_and_add_up() {
    let (grid, grid_settings) = demo_layer("befolkning_1km");
    let result = service_access_result();
    let result_settings = TileSettings::for_layer(&result.meta, None).unwrap();
    for (layer, settings, population) in [
        (&*grid, &grid_settings, "befolkning_2025"),
        (&result, &result_settings, "population"),
    ] {
        let id = &layer.meta.id;
        let p = layer.meta.fields.iter().position(|f| f.name == population);
        let p = p.expect("a population field");
        let (mut merged, mut classed) = (0, 0);
        for z in [5, 6] {
            for tile in TileId::covering(layer.meta.bbox.unwrap(), z).unwrap() {
                let sources: Vec<_> = layer
                    .features
                    .iter()
                    .filter(|f| centred_in(&f.display, tile))
                    .collect();
                let mvt = render(layer, settings, tile);
                assert!(mvt.len() <= 500 * 1024, "{id} {tile}: {} bytes", mvt.len());
                let decoded = decode(&mvt, tile);
                assert_eq!(
                    decoded.is_empty(),
                    sources.is_empty(),
                    "{id} {tile}: {} cells, {} features drawn",
                    sources.len(),
                    decoded.len()
                );
                let expected: f64 = sources
                    .iter()
                    .filter_map(|f| f.properties[p].as_f64())
                    .sum();
                let drawn: f64 = decoded
                    .iter()
                    .filter_map(|f| number(f.fields.get(population)))
                    .sum();
                assert!(
                    (drawn - expected).abs() <= 1e-9 * expected.max(1.0),
                    "{id} {tile}: {drawn} people drawn, {expected} in the cells"
                );
                let cells: f64 = decoded
                    .iter()
                    .map(|f| number(f.fields.get("cells")).expect("every cell is in a block"))
                    .sum();
                assert_eq!(cells as usize, sources.len(), "{id} {tile}");
                for f in &decoded {
                    assert_eq!(number(f.fields.get("merged")), Some(1.0), "{id} {tile}");
                    assert!(f.geometry.is_valid(), "{id} {tile}");
                }
                merged += decoded
                    .iter()
                    .filter(|f| number(f.fields.get("cells")).is_some_and(|n| n > 1.0))
                    .count();
                classed += decoded
                    .iter()
                    .filter(|f| f.fields.contains_key("band"))
                    .count();
            }
        }
        assert!(merged > 100, "{id}: only {merged} blocks of several cells");
        if id.starts_with("sa_") {
            assert!(classed > 100, "{id}: only {classed} blocks with a band");
        }
    }
}

#[test]
fn tatort_polygons_keep_nine_tenths_of_their_area_in_every_tile_at_z5_to_z10() {
    use geo::{Area, BooleanOps, MapCoords, MultiPolygon, Polygon, Rect};
    let (layer, settings) = demo_layer("tatortsytor");
    let dalarna = demo_layer("befolkning_1km").0.meta.bbox.unwrap();
    let polygons = |g: geo::Geometry<f64>| -> Vec<Polygon<f64>> {
        match g {
            geo::Geometry::Polygon(p) => vec![p],
            geo::Geometry::MultiPolygon(mp) => mp.0,
            _ => vec![],
        }
    };
    let (mut weighed, mut worst) = (0, f64::INFINITY);
    for z in 5..=10 {
        for tile in TileId::covering(dalarna, z).unwrap() {
            let [x0, y0, x1, y1] = bounds_3857(tile, 0.0);
            let square = MultiPolygon(vec![Rect::new((x0, y0), (x1, y1)).to_polygon()]);
            let sources: Vec<Polygon<f64>> = layer
                .display_candidates(tile.bounds(0.0))
                .into_iter()
                .flat_map(|i| {
                    polygons(
                        layer.features[i]
                            .display
                            .map_coords(|c| to_3857(c.x, c.y).into()),
                    )
                })
                .collect();
            let truth = geo::unary_union(&sources)
                .intersection(&square)
                .unsigned_area();
            if truth == 0.0 {
                continue;
            }
            let drawn: Vec<Polygon<f64>> = decode(&render(&layer, &settings, tile), tile)
                .iter()
                .flat_map(|f| polygons(f.geometry.to_geo().expect("a geo geometry")))
                .collect();
            let drawn = geo::unary_union(&drawn)
                .intersection(&square)
                .unsigned_area();
            let pixel = (x1 - x0) / 256.0;
            assert!(
                drawn >= 0.9 * truth,
                "{tile}: {:.1} of {:.1} px² drawn",
                drawn / pixel / pixel,
                truth / pixel / pixel
            );
            worst = worst.min(drawn / truth);
            weighed += 1;
        }
    }
    eprintln!("{weighed} tiles weighed, least drawn share {worst:.3}");
    assert!(weighed > 100);
}

#[test]
fn thinned_service_points_are_counted_in_the_drawn_ones() {
    let (layer, settings) = demo_layer("servicepunkter");
    let ids: HashMap<u64, (f64, f64)> = layer
        .features
        .iter()
        .filter_map(|f| match &f.display {
            geo::Geometry::Point(p) => Some((f.id, to_3857(p.x(), p.y()))),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), layer.features.len(), "service points are points");
    let mut counted_somewhere = 0;
    for z in 5..=14 {
        for dx in [0, 1] {
            let centre = falun(z);
            let Ok(tile) = TileId::new(z, centre.x + dx, centre.y) else {
                continue;
            };
            let inside = ids.values().filter(|&&xy| in_tile(tile, xy)).count();
            let mut drawn = 0;
            let mut stood_for = 0;
            for f in decode(&render(&layer, &settings, tile), tile) {
                let e = f.geometry.envelope();
                if !in_tile(tile, (e.MinX, e.MinY)) {
                    continue;
                }
                drawn += 1;
                // GDAL reports an unset number as 0.
                let count = number(f.fields.get("count")).filter(|&n| n > 0.0);
                stood_for += count.map_or(1, |n| n as usize);
                if let Some(n) = count {
                    let Some(FieldValue::StringValue(list)) = f.fields.get("ids") else {
                        panic!("{tile}: a count without ids")
                    };
                    let listed: Vec<u64> = list.split(',').map(|i| i.parse().unwrap()).collect();
                    assert_eq!(listed.len(), (n as usize).min(20), "{tile}");
                    assert_eq!(
                        Some(&listed[0]),
                        f.id.as_ref(),
                        "the drawn point is listed first"
                    );
                    for id in listed {
                        assert!(
                            in_tile(tile, ids[&id]),
                            "{tile}: counted point {id} is elsewhere"
                        );
                    }
                }
            }
            assert_eq!(
                stood_for, inside,
                "{tile}: {drawn} drawn points stand for {stood_for}"
            );
            if z < settings.maxzoom && inside > 100 {
                assert!(drawn < inside, "{tile}: {inside} points not thinned");
                counted_somewhere += 1;
            }
            if z == settings.maxzoom {
                assert_eq!(drawn, inside, "{tile}: every point at maxzoom");
            }
        }
    }
    assert!(counted_somewhere > 3);
}

use common::Server;

fn start(data_dir: &Path, token: Option<&str>) -> Server {
    Server::start(data_dir, token, &[])
}

/// GET with extra headers.
fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> reqwest::blocking::Response {
    let mut request = reqwest::blocking::Client::new().get(server.at(path));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().unwrap()
}

fn ingest_into(dir: &Path, file: &str, id: &str) {
    common::ingest_as(&common::open_store(dir), &common::data(file), id);
}

fn falun(z: u8) -> TileId {
    TileId::containing(FALUN.0, FALUN.1, z).unwrap()
}

#[test]
fn http_tiles_tilejson_caching_headers_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    ingest_into(dir.path(), "sverige/kommuner_scb_2024.geojson", "kommuner");
    ingest_into(
        dir.path(),
        "sverige/tatorter_scb_2020_punkter.geojson",
        "tatorter",
    );
    let server = start(dir.path(), None);
    let t = falun(10);
    let path = format!("/tiles/kommuner/{}/{}/{}.mvt", t.z, t.x, t.y);

    let plain = get(&server, &path, &[]);
    assert_eq!(plain.status(), 200);
    let h = plain.headers().clone();
    assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
    assert!(h["cache-control"].to_str().unwrap().contains("no-cache"));
    assert!(h.get("content-encoding").is_none());
    let etag = h["etag"].to_str().unwrap().to_string();
    let body = plain.bytes().unwrap().to_vec();
    assert!(decode(&body, t).iter().all(|f| f.layer == "kommuner"));

    let gz = get(&server, &path, &[("accept-encoding", "gzip")]);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["etag"].to_str().unwrap(), etag);
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().unwrap()[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, body);

    let again = get(&server, &path, &[("if-none-match", &etag)]);
    assert_eq!(again.status(), 304);

    // Several layers in one tile, each an MVT layer named with its id.
    let both = get(
        &server,
        &format!("/tiles/kommuner,tatorter/{}/{}/{}.mvt", t.z, t.x, t.y),
        &[],
    );
    assert_eq!(both.status(), 200);
    let decoded = decode(&both.bytes().unwrap(), t);
    for id in ["kommuner", "tatorter"] {
        assert!(decoded.iter().any(|f| f.layer == id), "{id} missing");
    }

    // Nothing there: 204, still with an ETag.
    let empty = get(&server, "/tiles/tatorter/10/0/0.mvt", &[]);
    assert_eq!(empty.status(), 204);
    assert!(empty.headers().contains_key("etag"));

    let tilejson: serde_json::Value = get(&server, "/tiles/kommuner.json", &[]).json().unwrap();
    assert_eq!(tilejson["tilejson"], "3.0.0");
    assert_eq!(
        tilejson["tiles"][0], "/tiles/kommuner/{z}/{x}/{y}.mvt",
        "relative: never built from the forgeable Host header"
    );
    assert_eq!(tilejson["minzoom"], 0);
    assert_eq!(tilejson["maxzoom"], 14);
    assert_eq!(tilejson["bounds"].as_array().unwrap().len(), 4);
    assert_eq!(tilejson["center"].as_array().unwrap().len(), 3);
    let layer = &tilejson["vector_layers"][0];
    assert_eq!(layer["id"], "kommuner");
    assert!(layer["fields"].as_object().is_some_and(|f| !f.is_empty()));

    for (bad, status) in [
        ("/tiles/nosuch/1/0/0.mvt", 404),
        ("/tiles/nosuch.json", 404),
        ("/tiles/kommuner/23/0/0.mvt", 400),
        ("/tiles/kommuner/300/0/0.mvt", 400),
        ("/tiles/kommuner/2/4/0.mvt", 400),
        ("/tiles/kommuner/2/0/4.mvt", 400),
        ("/tiles/kommuner/2/-1/0.mvt", 400),
        ("/tiles/kommuner/2/0/abc.mvt", 400),
        ("/tiles/kommuner,,tatorter/2/0/0.mvt", 400),
        ("/tiles/kommuner,kommuner/2/0/0.mvt", 400),
        ("/tiles/kommuner/2/0/0.png", 404),
        ("/tiles/kommuner/2/0", 404),
    ] {
        let response = get(&server, bad, &[]);
        assert_eq!(response.status(), status, "{bad}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{bad}"
        );
        let problem: serde_json::Value = response.json().unwrap();
        assert_eq!(problem["status"], status, "{bad}");
    }
}

fn point_geojson(path: &Path, lon: f64, lat: f64, value: i64) {
    let doc = serde_json::json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "properties": { "v": value },
            "geometry": { "type": "Point", "coordinates": [lon, lat] },
        }],
    });
    std::fs::write(path, doc.to_string()).unwrap();
}

#[test]
fn reingest_changes_the_served_tile() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), Some("s3cret"));
    let upload = |value: i64, lon: f64| {
        let file = dir.path().join(format!("probe{value}.geojson"));
        point_geojson(&file, lon, FALUN.1, value);
        let form = reqwest::blocking::multipart::Form::new()
            .text("layer", "probe")
            .file("file", &file)
            .unwrap();
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/api/layers", server.url))
            .bearer_auth("s3cret")
            .multipart(form)
            .send()
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().unwrap());
    };
    let t = falun(12);
    let path = format!("/tiles/probe/{}/{}/{}.mvt", t.z, t.x, t.y);
    let fetch = || {
        let r = get(&server, &path, &[]);
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let decoded = decode(&r.bytes().unwrap(), t);
        let v = match decoded[0].fields.get("v") {
            Some(FieldValue::IntegerValue(v)) => i64::from(*v),
            Some(FieldValue::Integer64Value(v)) => *v,
            other => panic!("v is {other:?}"),
        };
        (etag, v)
    };
    upload(1, FALUN.0);
    let (etag1, v1) = fetch();
    assert_eq!(v1, 1);
    // Warm the cache, then replace the layer.
    assert_eq!(fetch().0, etag1);
    upload(2, FALUN.0 + 0.001);
    let (etag2, v2) = fetch();
    assert_eq!(v2, 2);
    assert_ne!(etag1, etag2);

    // `kartrum ingest` in another process, beside the running server: the server follows the
    // store on disk, so the tile changes within a few seconds without a restart.
    let file = dir.path().join("probe3.geojson");
    point_geojson(&file, FALUN.0, FALUN.1, 3);
    let out = Command::new(KARTRUM)
        .args(["ingest", "--layer", "probe", "--data-dir"])
        .arg(dir.path())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (etag3, v3) = loop {
        let (etag, v) = fetch();
        if v != 2 || std::time::Instant::now() > deadline {
            break (etag, v);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(
        v3, 3,
        "the server still serves the tile from before the CLI ingest"
    );
    assert_ne!(etag3, etag2);
    let layer: serde_json::Value = get(&server, "/api/layers/probe", &[]).json().unwrap();
    assert_eq!(layer["version"], 3);
}

#[test]
fn pmtiles_export_reads_back_the_same_tiles() {
    let dir = tempfile::tempdir().unwrap();
    for (file, id) in [
        ("sverige/lan_scb_2024.geojson", "lan"),
        ("dalarna/vardcentraler.csv", "vardcentraler"),
    ] {
        let status = Command::new(KARTRUM)
            .args([
                "ingest",
                &format!("{DATA}/{file}"),
                "--layer",
                id,
                "--data-dir",
            ])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "ingest {file}");
    }
    let out: PathBuf = dir.path().join("export.pmtiles");
    let maxzoom = 7;
    let status = Command::new(KARTRUM)
        .args([
            "export-pmtiles",
            "--layers",
            "lan,vardcentraler",
            "--maxzoom",
            "7",
            "--out",
        ])
        .arg(&out)
        .arg("--data-dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());

    // The header, checked by hand against the v3 spec: magic, version, then fixed offsets.
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[0..7], b"PMTiles");
    assert_eq!(bytes[7], 3);
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap());
    assert_eq!(
        u64_at(8),
        127,
        "root directory right after the 127-byte header"
    );
    assert_eq!(bytes[99], 1, "tile type MVT");
    assert_eq!((bytes[100], bytes[101]), (0, maxzoom), "min and max zoom");

    let store = Store::open(dir.path(), "EPSG:3006").unwrap();
    let resolved =
        resolve_layers(&store.snapshot(), "lan,vardcentraler", &Default::default()).unwrap();
    let layers = tile_layers(&resolved);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let reader = runtime
        .block_on(pmtiles::AsyncPmTilesReader::new_with_path(&out))
        .unwrap();
    let bbox = kartrummet::tiles::tilejson::union_bounds(&layers).unwrap();
    let mut compared = 0;
    for z in 0..=maxzoom {
        for tile in TileId::covering(bbox, z).unwrap() {
            let expected = render_tile(&layers, tile);
            let coord = pmtiles::TileCoord::new(tile.z, tile.x, tile.y).unwrap();
            let stored = runtime
                .block_on(reader.get_tile_decompressed(coord))
                .unwrap();
            match stored {
                Some(data) => assert_eq!(data.to_vec(), expected, "tile {tile}"),
                None => assert!(expected.is_empty(), "tile {tile} missing from the archive"),
            }
            compared += usize::from(!expected.is_empty());
        }
    }
    assert!(compared > 8, "only {compared} tiles compared");
    let metadata: serde_json::Value =
        serde_json::from_str(&runtime.block_on(reader.get_metadata()).unwrap()).unwrap();
    assert_eq!(metadata["vector_layers"].as_array().unwrap().len(), 2);
}
