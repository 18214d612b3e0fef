//! Stråk (corridor analysis) on the real Dalarna data: totals, width 0, a half cell, stops
//! counted once, alternatives side by side, and the HTTP API with its errors; the layers a
//! request leaves out come from the region profile (the demo's, or inner Stockholm's under ids
//! of its own), and what the corridor needs that no profile gives is a 400 naming the setting.
//! Scenarios: new homes, services removed, moved and added, and a new link between two
//! tätorter, each checked against what the test computes itself.

mod common;

use common::regions::{self, Layers, Region};
use common::*;
use gdal::spatial_ref::CoordTransform;
use geo::{BoundingRect, Distance, Euclidean};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::corridor::{self, CorridorRequest, CorridorResponse};
use kartrummet::layer::{Layer, Value};
use kartrummet::profile::RegionProfile;
use kartrummet::store::Store;
use serde_json::{Value as Json, json};

const GRID_TOTAL: f64 = 285_587.0;

/// The Dalarna layers these tests read, ingested once per test binary.
fn dalarna() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "befolkning_1km",
        "tatorter",
        "hallplatser",
        "busslinjer",
        "lan",
    ]))
}

/// The corridor analysis of `request` over `store` with the demo's region profile, through
/// the library.
fn try_analyse(store: &Store, request: Json) -> Result<CorridorResponse, String> {
    analyse_in(store, "demo.toml", request, &AnalysisCache::default())
}

/// The corridor analysis of `request` over `store` with the region profile of the manifest
/// `profile` (under `data/`) and the analysis cache `cache`, through the library.
fn analyse_in(
    store: &Store,
    profile: &str,
    request: Json,
    cache: &AnalysisCache,
) -> Result<CorridorResponse, String> {
    let request: CorridorRequest = serde_json::from_value(request).expect("a valid request");
    let profile = RegionProfile::read(&data(profile)).expect("the region profile");
    corridor::analyse(
        &store.snapshot(),
        store.analysis_crs(),
        &profile.analysis,
        &request,
        cache,
    )
    .map_err(|e| e.to_string())
}

/// The position (analysis CRS) of the tätort point `wanted` of `layer` (a `name` field).
fn town(layer: &Layer, wanted: &str) -> (f64, f64) {
    let name = layer.field_index("name").unwrap();
    let f = layer
        .features
        .iter()
        .find(|f| f.properties[name] == Value::Str(wanted.into()))
        .unwrap_or_else(|| panic!("no tätort {wanted}"));
    match f.geometry {
        geo::Geometry::Point(p) => (p.x(), p.y()),
        _ => unreachable!("tätorter are points"),
    }
}

fn analyse(store: &Store, request: Json) -> CorridorResponse {
    try_analyse(store, request).expect("analysis")
}

/// SWEREF 99 TM → WGS84 lon/lat.
fn to_lon_lat(points: &[(f64, f64)]) -> Vec<[f64; 2]> {
    let from = kartrummet::crs::spatial_ref("EPSG:3006").unwrap();
    let to = kartrummet::crs::spatial_ref("EPSG:4326").unwrap();
    let t = CoordTransform::new(&from, &to).unwrap();
    let mut xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let mut ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let mut zs = vec![0.0; points.len()];
    t.transform_coords(&mut xs, &mut ys, &mut zs).unwrap();
    xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect()
}

fn population(response: &CorridorResponse, i: usize) -> f64 {
    response.corridors[i]
        .tally
        .population
        .as_ref()
        .unwrap()
        .total
}

#[test]
fn a_corridor_wider_than_the_region_holds_everyone() {
    // A store of its own with the grid alone, so that the defaults it lacks are named.
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let demo = data("demo.toml");
    regions::ingest_manifest(&store, &demo, Layers::Only(&["befolkning_1km"]));
    let response = analyse(
        &store,
        json!({"corridors": [{
            "line": {"type": "LineString", "coordinates": [[14.5, 61.0], [15.5, 61.2]]},
            "buffer_m": 600_000
        }]}),
    );
    let result = &response.corridors[0];
    let pop = result.tally.population.as_ref().unwrap();
    assert_eq!(pop.total, GRID_TOTAL);
    assert_eq!((pop.units_whole, pop.units_cut), (4004, 0));
    assert_eq!(result.shares.population, Some(1.0));
    assert_eq!(
        response.region.tally.population.as_ref().unwrap().total,
        GRID_TOTAL
    );
    let profile_total: f64 = result.profile.bins.iter().map(|b| b.population).sum();
    assert!((profile_total - GRID_TOTAL).abs() < 1e-6, "{profile_total}");
    // The profile's layers that are not ingested are named, not silently dropped.
    assert!(response.notes.iter().any(|n| n.contains("hallplatser")));
    assert!(response.corridors[0].tally.stops.is_none());
    // Unless a corridor needs them: then the missing layer is the error (404 over HTTP).
    let line = json!({"type": "LineString", "coordinates": [[15.6, 60.6], [15.4, 60.5]]});
    let needs = [
        (
            json!({"catchment": {"minutes": 5}}),
            "no layer \"hallplatser\"",
        ),
        (
            json!({"between": {"from": "Falun", "to": "Borlänge"}}),
            "no layer \"tatorter\"",
        ),
    ];
    for (part, error) in needs {
        let mut spec = json!({"line": line, "buffer_m": 100});
        spec.as_object_mut()
            .unwrap()
            .extend(part.as_object().unwrap().clone());
        let refused = try_analyse(&store, json!({"corridors": [spec]})).unwrap_err();
        assert_eq!(refused, error);
    }
}

#[test]
fn width_zero_holds_only_what_lies_on_the_line() {
    let store = dalarna().store();
    let tatorter = store.layer("tatorter").unwrap();
    let (falun, borlange) = (town(&tatorter, "Falun"), town(&tatorter, "Borlänge"));
    let through = to_lon_lat(&[falun, borlange]);
    let beside = to_lon_lat(&[(falun.0 + 1.0, falun.1), (borlange.0 + 1.0, borlange.1)]);
    let response = analyse(
        store,
        json!({"corridors": [
            {"name": "through", "line": {"type": "LineString", "coordinates": through}, "buffer_m": 0},
            {"name": "beside", "line": {"type": "LineString", "coordinates": beside}, "buffer_m": 0}
        ]}),
    );
    let on_line = &response.corridors[0];
    assert_eq!(population(&response, 0), 0.0, "a line has no area");
    assert_eq!(on_line.area_km2, 0.0);
    let mut names: Vec<&str> = on_line
        .tally
        .tatorter
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["Borlänge", "Falun"]);
    assert_eq!(
        response.corridors[1].tally.tatorter.as_ref().unwrap().count,
        0
    );
    assert_eq!(response.comparison[1].name, "beside");
}

/// The most populated grid cell, cut down its middle: the line runs from the middle of the
/// cell's south edge to the middle of its north edge, with flat ends and a buffer of a quarter
/// cell. The corridor is then the middle half of the cell, with its ends on the cell's own
/// edges, so it meets the neighbours only along shared edges (no area) and the expected value
/// depends on this one cell only. (The cells come as WGS84 polygons rounded to 1e-7°, so in
/// SWEREF 99 TM they are 1 km squares to within a few centimetres: hence the tolerance.)
#[test]
fn a_cell_cut_in_half_counts_half() {
    let store = dalarna().store();
    let grid = store.layer("befolkning_1km").unwrap();
    let field = grid.field_index("befolkning_2025").unwrap();
    let cell = grid
        .features
        .iter()
        .max_by(|a, b| {
            let pop = |f: &kartrummet::layer::Feature| f.properties[field].as_f64().unwrap();
            pop(a).total_cmp(&pop(b))
        })
        .unwrap();
    let people = cell.properties[field].as_f64().unwrap();
    let r = cell.geometry.bounding_rect().unwrap();
    let (width, height) = (r.width(), r.height());
    assert!(
        (width - 1000.0).abs() < 0.1 && (height - 1000.0).abs() < 0.1,
        "{width} × {height}"
    );
    let middle = (r.min().x + r.max().x) / 2.0;
    let line = to_lon_lat(&[(middle, r.min().y), (middle, r.max().y)]);
    let response = analyse(
        store,
        json!({"corridors": [{
            "line": {"type": "LineString", "coordinates": line},
            "buffer_m": 250.0,
            "ends": "flat"
        }]}),
    );
    let pop = response.corridors[0].tally.population.as_ref().unwrap();
    assert!(
        (pop.total - people / 2.0).abs() < 1e-3 * people,
        "{} of {people}",
        pop.total
    );
    assert_eq!(pop.units_whole, 0);
    assert!((response.corridors[0].area_km2 - 0.5).abs() < 1e-4);
}

#[test]
fn departures_count_once_per_stop() {
    let store = dalarna().store();
    let buffer = 300.0;
    // All shapes of line 101: both directions and variants, lying on top of each other.
    let response = analyse(
        store,
        json!({"corridors": [{
            "features": {"layer": "busslinjer", "where": {"klassificering": "Stråktrafik", "linjenummer": "101"}},
            "buffer_m": buffer
        }]}),
    );
    let stops = response.corridors[0].tally.stops.as_ref().unwrap();
    let mut ids: Vec<&str> = stops.items.iter().map(|s| s.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), stops.count, "each stop once");
    let platforms: usize = stops.items.iter().map(|s| s.platforms).sum();
    assert_eq!(platforms, stops.platforms);
    let borlange = stops
        .items
        .iter()
        .find(|s| s.name == "Borlänge resecentrum")
        .expect("line 101 serves Borlänge resecentrum");
    assert_eq!(borlange.platforms, 9);
    assert!(
        (borlange.departures - 164.6).abs() < 1e-9,
        "{}",
        borlange.departures
    );

    // Independently: every platform well inside counts once, none well outside counts.
    let lines = store.layer("busslinjer").unwrap();
    let (class, number) = (
        lines.field_index("klassificering").unwrap(),
        lines.field_index("linjenummer").unwrap(),
    );
    let shapes: Vec<&geo::Geometry<f64>> = lines
        .features
        .iter()
        .filter(|f| {
            f.properties[class].matches_text("Stråktrafik")
                && f.properties[number].matches_text("101")
        })
        .map(|f| &f.geometry)
        .collect();
    assert!(shapes.len() > 1);
    let layer = store.layer("hallplatser").unwrap();
    let departures = layer.field_index("genomsnitt_veckodag_avgangar").unwrap();
    let (mut surely, mut maybe) = (0.0, 0.0);
    for f in &layer.features {
        let d = shapes
            .iter()
            .map(|s| Euclidean.distance(*s, &f.geometry))
            .fold(f64::INFINITY, f64::min);
        let n = f.properties[departures].as_f64().unwrap_or(0.0);
        if d < buffer - 1.0 {
            surely += n;
        }
        if d <= buffer + 1.0 {
            maybe += n;
        }
    }
    assert!(
        surely - 1e-6 <= stops.departures && stops.departures <= maybe + 1e-6,
        "{surely} ≤ {} ≤ {maybe}",
        stops.departures
    );
    let binned: f64 = response.corridors[0]
        .profile
        .bins
        .iter()
        .map(|b| b.departures)
        .sum();
    assert!((binned - stops.departures).abs() < 1e-6);
}

#[test]
fn alternatives_side_by_side_over_http() {
    let server = dalarna().serve(None, &[]);
    let line = json!({"type": "LineString", "coordinates": [[15.63, 60.61], [15.42, 60.48]]});
    let response = client()
        .post(server.at("/api/analysis/corridor"))
        .json(&json!({
            "corridors": [
                {"name": "smal", "line": line, "buffer_m": 500},
                {"name": "bred", "line": line, "buffer_m": 2000},
                {"name": "linje 101", "features": {"layer": "busslinjer", "where": {"linjenummer": 101}}, "buffer_m": 1000}
            ],
            "region": {"layer": "lan", "where": {"code": "20"}}
        }))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Json = response.json().unwrap();
    let rows = body["comparison"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["name"], "smal");
    let (narrow, wide) = (
        rows[0]["population"].as_f64().unwrap(),
        rows[1]["population"].as_f64().unwrap(),
    );
    assert!(0.0 < narrow && narrow < wide, "{narrow} < {wide}");
    let first = &body["corridors"][0];
    assert_eq!(first["geometry"]["type"], "MultiPolygon");
    assert_eq!(first["axis"]["type"], "LineString");
    let bins = first["profile"]["bins"].as_array().unwrap();
    let length = first["axis_length_m"].as_f64().unwrap();
    assert_eq!(bins.len() as f64, (length / 1000.0).ceil());
    assert_eq!(body["crs"], "EPSG:4326");
    let region = body["region"]["population"]["total"].as_f64().unwrap();
    assert!(
        (0.97 * GRID_TOTAL..=GRID_TOTAL).contains(&region),
        "{region}"
    );
    let share = first["shares"]["population"].as_f64().unwrap();
    assert!((share - narrow / region).abs() < 1e-9);
}

#[test]
fn bad_requests_get_problem_json() {
    let server = dalarna().serve(None, &[]);
    let url = server.at("/api/analysis/corridor");
    let http = client();
    let line = json!({"type": "LineString", "coordinates": [[15.6, 60.6], [15.4, 60.5]]});
    let post = |body: Json| http.post(&url).json(&body).send().unwrap();
    let corridor = |c: Json| json!({"corridors": [c]});
    let cases = [
        (
            corridor(
                json!({"line": {"type": "Point", "coordinates": [15.6, 60.6]}, "buffer_m": 100}),
            ),
            422,
            "LineString",
        ),
        (
            corridor(json!({"line": {"type": "LineString", "coordinates": []}, "buffer_m": 100})),
            422,
            "line",
        ),
        (
            corridor(
                json!({"line": {"type": "LineString", "coordinates": [[15.6, 160.6], [15.4, 60.5]]}, "buffer_m": 100}),
            ),
            422,
            "EPSG:4326",
        ),
        (
            corridor(
                json!({"line": {"type": "LineString", "coordinates": "Falun"}, "buffer_m": 100}),
            ),
            422,
            "line",
        ),
        (
            corridor(json!({"line": line, "buffer_m": -5})),
            400,
            "buffer_m",
        ),
        (
            corridor(json!({"line": line, "buffer_m": 1e12})),
            400,
            "buffer_m",
        ),
        (
            corridor(json!({"features": {"layer": "vagar"}, "buffer_m": 100})),
            404,
            "vagar",
        ),
        (
            corridor(json!({"features": {"layer": "befolkning_1km"}, "buffer_m": 100})),
            422,
            "not lines",
        ),
        (corridor(json!({"buffer_m": 100})), 422, "line"),
        (
            json!({"corridors": []}),
            400,
            "corridors must be between 1 and 12",
        ),
        (
            json!({"corridors": [{"line": line, "buffer_m": 100}], "sources": {"demand": {"layer": "deso", "population": "x"}}}),
            404,
            "deso",
        ),
        (
            json!({"corridors": [{"line": line, "buffer_m": 100}], "sources": {"demand": {"layer": "befolkning_1km", "population": "nope"}}}),
            400,
            "nope",
        ),
        (
            json!({"corridors": [{"line": line, "buffer_m": 100}], "sources": {
                "population": {"layer": "befolkning_1km", "field": "befolkning_2025"},
                "demand": {"layer": "befolkning_1km", "population": "befolkning_2025"}}}),
            422,
            "not both",
        ),
        (
            json!({"corridors": [{"line": line, "buffer_m": 100}], "sources": {"services": [{"layer": "befolkning_1km", "kind": "a", "kind_field": "befolkning_2025"}]}}),
            422,
            "not both",
        ),
    ];
    for (body, status, needle) in cases {
        let detail = assert_problem(post(body.clone()), status);
        assert!(detail.contains(needle), "{body}: {detail}");
    }
    // Not JSON at all, and a width that is not a number.
    let raw = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"corridors\": [")
        .send()
        .unwrap();
    assert_problem(raw, 400);
    let detail = assert_problem(
        post(corridor(json!({"line": line, "buffer_m": "wide"}))),
        422,
    );
    assert!(detail.contains("buffer_m"), "{detail}");
}

#[test]
fn catchment_and_travel_over_the_bus_network() {
    let store = dalarna().store();
    let line101 = json!({"layer": "busslinjer", "where": {"klassificering": "Stråktrafik", "linjenummer": "101"}});
    let response = analyse(
        store,
        json!({"corridors": [
            {"name": "buffer", "features": line101, "buffer_m": 500,
             "between": {"from": "Falun", "to": "Borlänge"}},
            {"name": "buffer + 10 min", "features": line101, "buffer_m": 500,
             "catchment": {"minutes": 10}}
        ]}),
    );
    let network = response.network.as_ref().expect("the network is described");
    assert_eq!(network.layer, "busslinjer");
    assert!(
        network.note.contains("bus network") && network.note.contains("not all roads"),
        "{}",
        network.note
    );

    let travel = response.corridors[0].between.as_ref().unwrap();
    assert!(
        (10_000.0..40_000.0).contains(&travel.straight_m),
        "{}",
        travel.straight_m
    );
    assert!(
        (1.0..2.0).contains(&travel.detour_factor),
        "{}",
        travel.detour_factor
    );
    assert!((10.0..90.0).contains(&travel.minutes), "{}", travel.minutes);
    assert_eq!(
        response.comparison[0].detour_factor,
        Some(travel.detour_factor)
    );

    let (plain, wider) = (&response.corridors[0], &response.corridors[1]);
    let catchment = wider.catchment.as_ref().unwrap();
    assert!(catchment.from_platforms > 0 && catchment.area_km2 > 0.0);
    assert!(
        wider.area_km2 > plain.area_km2,
        "{} > {}",
        wider.area_km2,
        plain.area_km2
    );
    assert!(population(&response, 1) >= population(&response, 0));
}

#[test]
fn without_a_profile_what_a_corridor_needs_is_a_400_naming_the_setting() {
    // The Dalarna store, served without a profile.
    let server = Server::start(dalarna().dir(), None, &[]);
    let url = server.at("/api/analysis/corridor");
    let http = client();
    let post = |body: Json| http.post(&url).json(&body).send().unwrap();
    let line101 = json!({"layer": "busslinjer", "where": {"klassificering": "Stråktrafik", "linjenummer": "101"}});
    let demand = json!({"demand": {"layer": "befolkning_1km", "population": "befolkning_2025"}});
    let bus = json!({"layer": "busslinjer"});
    let cases = [
        (
            json!({"corridors": [{"features": line101, "buffer_m": 500,
                                  "between": {"from": "Falun", "to": "Borlänge"}}]}),
            "`network`",
        ),
        (
            json!({"corridors": [{"features": line101, "buffer_m": 500,
                                  "catchment": {"minutes": 10}}]}),
            "`network`",
        ),
        (
            json!({"corridors": [{"features": line101, "buffer_m": 500,
                                  "between": {"from": "Falun", "to": "Borlänge"}}],
                   "network": bus}),
            "`towns`",
        ),
        (
            json!({"corridors": [{"features": line101, "buffer_m": 500,
                                  "catchment": {"minutes": 10}}],
                   "network": bus, "sources": demand}),
            "`stops`",
        ),
    ];
    for (body, needle) in cases {
        let response = post(body.clone());
        let status = response.status().as_u16();
        let problem: Json = response.json().unwrap();
        assert_eq!(status, 400, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{body}: {detail}");
    }

    // No population anywhere: the shares need a region.
    let line = json!({"type": "LineString", "coordinates": [[15.63, 60.61], [15.42, 60.48]]});
    let detail = assert_problem(
        post(json!({"corridors": [{"line": line, "buffer_m": 1000}]})),
        422,
    );
    assert!(detail.contains("region"), "{detail}");

    // What the request names is counted; the parts nobody names are left out with a note.
    let response =
        post(json!({"corridors": [{"line": line, "buffer_m": 1000}], "sources": demand}));
    assert_eq!(response.status().as_u16(), 200);
    let body: Json = response.json().unwrap();
    let total = body["corridors"][0]["population"]["total"]
        .as_f64()
        .unwrap();
    assert!(total > 0.0);
    // The web map still sends the earlier names: the same answer.
    let earlier = json!({"population": {"layer": "befolkning_1km", "field": "befolkning_2025"}});
    let response =
        post(json!({"corridors": [{"line": line, "buffer_m": 1000}], "sources": earlier}));
    assert_eq!(response.status().as_u16(), 200);
    let same: Json = response.json().unwrap();
    assert_eq!(
        same["corridors"][0]["population"]["total"].as_f64(),
        Some(total)
    );
    assert!(body["corridors"][0]["tatorter"].is_null());
    assert_eq!(body["corridors"][0]["services"], json!([]));
    let notes = body["notes"].to_string();
    for part in ["sources.towns", "sources.services", "sources.stops"] {
        assert!(notes.contains(part), "{part}: {notes}");
    }
}

/// One street of inner Stockholm (`vagar` of the second region), in the analysis CRS, from the
/// bundled file: every edge of that name.
fn street(name: &str) -> Vec<Vec<(f64, f64)>> {
    roads(|properties| properties["name"] == name)
}

/// The edges of inner Stockholm's roads (`vagar`) whose properties `keep` keeps, in the
/// analysis CRS, from the bundled file.
fn roads(keep: impl Fn(&Json) -> bool) -> Vec<Vec<(f64, f64)>> {
    let text = std::fs::read_to_string(data("stockholm/vagnat_osm_2020.geojson")).unwrap();
    let roads: Json = serde_json::from_str(&text).unwrap();
    roads["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| keep(&f["properties"]))
        .map(|f| {
            let line = f["geometry"]["coordinates"].as_array().unwrap();
            line.iter()
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect()
        })
        .collect()
}

/// The point features of a bundled GeoJSON file with their properties, in SWEREF 99 TM.
fn points_3006(file: &str) -> Vec<(geo::Point<f64>, Json)> {
    let text = std::fs::read_to_string(data(file)).unwrap();
    let collection: Json = serde_json::from_str(&text).unwrap();
    let wgs84 = collection["crs"].to_string().contains("4326");
    let features = collection["features"].as_array().unwrap();
    let mut xs: Vec<f64> = features
        .iter()
        .map(|f| f["geometry"]["coordinates"][0].as_f64().unwrap())
        .collect();
    let mut ys: Vec<f64> = features
        .iter()
        .map(|f| f["geometry"]["coordinates"][1].as_f64().unwrap())
        .collect();
    if wgs84 {
        let from = kartrummet::crs::spatial_ref("EPSG:4326").unwrap();
        let to = kartrummet::crs::spatial_ref("EPSG:3006").unwrap();
        let mut zs = vec![0.0; xs.len()];
        CoordTransform::new(&from, &to)
            .unwrap()
            .transform_coords(&mut xs, &mut ys, &mut zs)
            .unwrap();
    }
    features
        .iter()
        .zip(xs.into_iter().zip(ys))
        .map(|(f, (x, y))| (geo::Point::new(x, y), f["properties"].clone()))
        .collect()
}

/// The second region answers from the line alone: a corridor along Oskarsvägen (Lidingö) in
/// the inner-Stockholm road network counts the tätort points of `orter` as population and the
/// profile's two service kinds of `butiker`, each checked against the bundled files; the
/// shares are of the region the `orter` points span.
#[test]
fn a_street_of_the_second_region_answers_from_the_line_alone() {
    let stockholm = regions::stockholm(Layers::Every);
    let manifest = stockholm.manifest().to_str().unwrap();
    // `kartrum serve --demo data/stockholm.toml`; the fixture's store already holds the
    // demo's layers, and its `--profile` is the same file.
    let server = stockholm.serve(None, &["--demo", manifest]);
    let buffer = 1000.0;
    let parts = street("Oskarsvägen");
    assert!(parts.len() > 1, "Oskarsvägen is in the network");
    let lines = geo::MultiLineString::new(
        parts
            .iter()
            .map(|p| geo::LineString::from(p.clone()))
            .collect(),
    );
    let drawn: Vec<Vec<[f64; 2]>> = parts.iter().map(|p| to_lon_lat(p)).collect();
    let response = client()
        .post(server.at("/api/analysis/corridor"))
        .json(
            &json!({"corridors": [{"line": {"type": "MultiLineString", "coordinates": drawn},
                                      "buffer_m": buffer}]}),
        )
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Json = response.json().unwrap();
    let corridor = &body["corridors"][0];

    // Within `buffer` of the street, give or take a metre for the round trip through WGS84.
    let near = |p: &geo::Point<f64>| {
        let d = Euclidean.distance(&lines, p);
        (d < buffer - 1.0, d <= buffer + 1.0)
    };
    let bounds = |points: &[(geo::Point<f64>, Json)], weight: &dyn Fn(&Json) -> f64| {
        let (mut surely, mut maybe) = (0.0, 0.0);
        for (p, properties) in points {
            let (inside, perhaps) = near(p);
            surely += if inside { weight(properties) } else { 0.0 };
            maybe += if perhaps { weight(properties) } else { 0.0 };
        }
        (surely, maybe)
    };

    let orter = points_3006("stockholm/tatorter_stockholms_lan_2020.geojson");
    let (least, most) = bounds(&orter, &|p| p["pop"].as_f64().unwrap());
    let population = &corridor["population"];
    assert_eq!(population["layer"], "orter");
    let total = population["total"].as_f64().unwrap();
    assert!(
        least <= total && total <= most,
        "{least} ≤ {total} ≤ {most}"
    );
    assert!(
        total >= 44_091.0,
        "Lidingö's tätort point lies by Oskarsvägen: {total}"
    );
    let towns: Vec<&str> = corridor["tatorter"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(towns.contains(&"Lidingö"), "{towns:?}");

    let shops = points_3006("sverige/servicepunkter_se_poi.geojson");
    let services = corridor["services"].as_array().unwrap();
    for (kind, category) in [("livs", "grocery"), ("apotek", "pharmacy")] {
        let (least, most) = bounds(&shops, &|p| (p["category"] == category) as u8 as f64);
        let row = services
            .iter()
            .find(|s| s["kind"] == kind)
            .unwrap_or_else(|| panic!("the profile's kind {kind} is counted: {services:?}"));
        assert_eq!(row["layer"], "butiker");
        let count = row["count"].as_f64().unwrap();
        assert!(
            least <= count && count <= most,
            "{kind}: {least} ≤ {count} ≤ {most}"
        );
        assert!(count > 0.0, "{kind}");
        let share = body["corridors"][0]["shares"]["services_by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == kind)
            .unwrap()["share"]
            .as_f64()
            .unwrap();
        assert!(0.0 < share && share < 1.0, "{kind}: {share}");
    }
    assert_eq!(services.len(), 2, "only the profile's kinds: {services:?}");

    // The region: the area the orter points span, holding all their people.
    let everyone: f64 = orter.iter().map(|(_, p)| p["pop"].as_f64().unwrap()).sum();
    let region = body["region"]["population"]["total"].as_f64().unwrap();
    assert_eq!(region, everyone);
    let share = corridor["shares"]["population"].as_f64().unwrap();
    assert!((share - total / everyone).abs() < 1e-12, "{share}");
    // This profile names no stops: said, not silently dropped.
    assert!(corridor["stops"].is_null());
    assert!(
        body["notes"].to_string().contains("stops"),
        "{}",
        body["notes"]
    );
}

/// A scenario's new homes inside a corridor between Falun and Borlänge (a point, and a square
/// whose grid cells all lie well inside) raise the corridor's population, its profile and the
/// region's by exactly the residents added; asked again, the baseline gets the baseline's
/// totals from the same cache.
#[test]
fn new_homes_raise_the_corridor_population_by_exactly_the_residents_added() {
    let store = dalarna().store();
    let tatorter = store.layer("tatorter").unwrap();
    let (falun, borlange) = (town(&tatorter, "Falun"), town(&tatorter, "Borlänge"));
    let along = |t: f64| {
        (
            falun.0 + t * (borlange.0 - falun.0),
            falun.1 + t * (borlange.1 - falun.1),
        )
    };
    let home = to_lon_lat(&[along(1.0 / 3.0)])[0];
    let (x, y) = along(2.0 / 3.0);
    let h = 150.0;
    let square = to_lon_lat(&[
        (x - h, y - h),
        (x + h, y - h),
        (x + h, y + h),
        (x - h, y + h),
        (x - h, y - h),
    ]);
    let baseline = json!({"corridors": [{
        "line": {"type": "LineString", "coordinates": to_lon_lat(&[falun, borlange])},
        "buffer_m": 5000
    }]});
    let mut scenario = baseline.clone();
    scenario["changes"] = json!({"population": [
        {"name": "Nya bostäder", "lon": home[0], "lat": home[1], "population": 610},
        {"name": "Område B", "geometry": {"type": "Polygon", "coordinates": [square]},
         "population": 300}
    ]});
    let cache = AnalysisCache::default();
    let run = |request: &Json| analyse_in(store, "demo.toml", request.clone(), &cache).unwrap();
    let (before, after, again) = (run(&baseline), run(&scenario), run(&baseline));

    let region = |r: &CorridorResponse| r.region.tally.population.as_ref().unwrap().total;
    let binned = |r: &CorridorResponse| -> f64 {
        r.corridors[0]
            .profile
            .bins
            .iter()
            .map(|b| b.population)
            .sum()
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    let added = population(&after, 0) - population(&before, 0);
    assert!(close(added, 910.0), "{added}");
    assert!(close(binned(&after) - binned(&before), 910.0));
    assert!(close(region(&after) - region(&before), 910.0));
    let applied = after
        .changes
        .as_ref()
        .expect("the changes applied are said");
    assert_eq!((applied.homes, applied.residents), (2, 910.0));
    // The scenario's totals never answer for the baseline.
    assert_eq!(region(&again), region(&before));
    assert_eq!(population(&again, 0), population(&before, 0));
    assert!(before.changes.is_none() && again.changes.is_none());
}

/// Where a street of inner Stockholm lies, for the services near it.
fn distance_to(lines: &geo::MultiLineString<f64>, geometry: &geo::Geometry<f64>) -> f64 {
    match geometry {
        geo::Geometry::Point(p) => Euclidean.distance(lines, p),
        _ => unreachable!("service points"),
    }
}

/// A scenario's services in a corridor along Oskarsvägen (inner Stockholm), over HTTP: two
/// groceries removed drop from the corridor's count and the region's, a grocery moved onto the
/// street from a few km away counts there, an added service counts in a row of its own, and a
/// removed fuel station (no kind of the profile) changes nothing but a note; the baseline asked
/// again gets the baseline's totals; the same changes saved as a scenario and named in the
/// request give the same answer; an unknown service is a 400, an unknown scenario a 404.
#[test]
fn removed_moved_and_added_services_count_where_the_scenario_puts_them() {
    let stockholm = regions::stockholm(Layers::Every);
    let server = stockholm.serve(Some("hemligt"), &[]);
    let parts = street("Oskarsvägen");
    let lines = geo::MultiLineString::new(
        parts
            .iter()
            .map(|p| geo::LineString::from(p.clone()))
            .collect(),
    );
    let shops = stockholm.layer("butiker");
    let category = shops.field_index("category").unwrap();
    let near = |wanted: &str, range: std::ops::Range<f64>| -> Vec<String> {
        (shops.features.iter())
            .filter(|f| f.properties[category].matches_text(wanted))
            .filter(|f| range.contains(&distance_to(&lines, &f.geometry)))
            .map(|f| format!("butiker/{}", f.id))
            .collect()
    };
    let (inside, far, fuel) = (
        near("grocery", 0.0..500.0),
        near("grocery", 3000.0..10_000.0),
        near("fuel", 0.0..500.0),
    );
    assert!(inside.len() >= 2 && !far.is_empty() && !fuel.is_empty());
    let spots = to_lon_lat(&[parts[0][0], parts[0][parts[0].len() / 2]]);
    let drawn: Vec<Vec<[f64; 2]>> = parts.iter().map(|p| to_lon_lat(p)).collect();
    let baseline = json!({"corridors": [{
        "line": {"type": "MultiLineString", "coordinates": drawn}, "buffer_m": 1000
    }]});
    let mut scenario = baseline.clone();
    scenario["changes"] = json!({
        "remove": [inside[0], inside[1], fuel[0]],
        "move": [{"id": far[0], "lon": spots[0][0], "lat": spots[0][1]}],
        "add": [{"name": "Ny butik", "lon": spots[1][0], "lat": spots[1][1]}]
    });
    let http = client();
    let url = server.at("/api/analysis/corridor");
    let post = |body: &Json| http.post(&url).json(body).send().unwrap();
    let answer = |body: &Json| -> Json {
        let response = post(body);
        assert_eq!(response.status().as_u16(), 200);
        response.json().unwrap()
    };
    let (before, after, again) = (answer(&baseline), answer(&scenario), answer(&baseline));

    let count = |services: &Json, layer: &str, kind: &str| -> Option<f64> {
        (services.as_array().unwrap().iter())
            .find(|s| s["layer"] == layer && s["kind"] == kind)
            .map(|s| s["count"].as_f64().unwrap())
    };
    let corridor =
        |body: &Json, kind: &str| count(&body["corridors"][0]["services"], "butiker", kind);
    let region = |body: &Json, kind: &str| count(&body["region"]["services"], "butiker", kind);
    let livs = corridor(&before, "livs").unwrap();
    assert_eq!(corridor(&after, "livs"), Some(livs - 2.0 + 1.0));
    assert_eq!(corridor(&after, "apotek"), corridor(&before, "apotek"));
    assert_eq!(
        region(&after, "livs"),
        Some(region(&before, "livs").unwrap() - 2.0)
    );
    assert_eq!(
        count(&after["corridors"][0]["services"], "scenario", "new"),
        Some(1.0)
    );
    assert_eq!(
        count(&after["region"]["services"], "scenario", "new"),
        Some(1.0)
    );
    assert_eq!(
        after["comparison"][0]["services"].as_f64().unwrap(),
        before["comparison"][0]["services"].as_f64().unwrap() - 2.0 + 1.0 + 1.0
    );
    assert_eq!(
        after["changes"],
        json!({"services_removed": 2, "services_moved": 1, "services_added": 1, "homes": 0,
               "residents": 0.0, "roads_closed": 0, "speed_changes": 0, "links": 0})
    );
    assert!(
        after["notes"].to_string().contains(&fuel[0]),
        "{}",
        after["notes"]
    );
    // The baseline again: the baseline's totals, and no changes said.
    assert_eq!(again["region"], before["region"]);
    assert_eq!(again["comparison"], before["comparison"]);
    assert!(before.get("changes").is_none());

    // Saved, and named instead of inline changes.
    let saved = http
        .post(server.at("/api/scenarios"))
        .bearer_auth("hemligt")
        .json(
            &json!({"name": "Butiker flyttar", "description": "", "changes": scenario["changes"]}),
        )
        .send()
        .unwrap();
    assert_eq!(saved.status().as_u16(), 201);
    let mut named = baseline.clone();
    named["scenario"] = json!("Butiker flyttar");
    let by_name = answer(&named);
    assert_eq!(by_name["comparison"], after["comparison"]);
    assert_eq!(by_name["changes"], after["changes"]);
    named["scenario"] = json!("Finns inte");
    assert_problem(post(&named), 404);
    named["changes"] = scenario["changes"].clone();
    assert_problem(post(&named), 400);

    let mut unknown = baseline.clone();
    for (changes, needle) in [
        (
            json!({"remove": ["butiker/999999999"]}),
            "butiker/999999999",
        ),
        (
            json!({"move": [{"id": "nope", "lon": 18.1, "lat": 59.3}]}),
            "nope",
        ),
    ] {
        unknown["changes"] = changes;
        let detail = assert_problem(post(&unknown), 400);
        assert!(detail.contains(needle), "{detail}");
    }
    unknown["changes"] = json!({"closed": []});
    assert_problem(post(&unknown), 422);
}

/// A new link between two tätorter of inner Stockholm: a straight road from Stockholm's tätort
/// point through Lidingö's at 100 km/h, faster than every road of the network (50 km/h) and
/// its connectors (30 km/h), so the fastest route is the link itself. (It runs on beyond
/// Lidingö to a point more than 100 m from every road, so that its end is a node of its own
/// rather than joined to a road near Lidingö's point.) The travel between them and its detour
/// factor become what the test computes from the two points alone: the straight distance at
/// the link's speed, and a factor of 1; the baseline's route over the network is longer and
/// slower, and is what the baseline still gets from the same cache afterwards.
#[test]
fn a_new_link_between_two_tatorter_changes_travel_and_detour_as_computed() {
    let stockholm = regions::stockholm(Layers::Every);
    let orter = stockholm.layer("orter");
    let (from, to) = (town(&orter, "Stockholm"), town(&orter, "Lidingö"));
    let all = geo::MultiLineString::new(
        roads(|_| true)
            .into_iter()
            .map(geo::LineString::from)
            .collect(),
    );
    let length = (to.0 - from.0).hypot(to.1 - from.1);
    let beyond = |k: f64| {
        let t = 1.0 + k / length;
        (from.0 + t * (to.0 - from.0), from.1 + t * (to.1 - from.1))
    };
    let end = (1..40)
        .map(|i| beyond(50.0 * i as f64))
        .find(|&(x, y)| Euclidean.distance(&all, &geo::Point::new(x, y)) > 100.0)
        .expect("a point beyond Lidingö away from the roads");
    let line = json!({"type": "LineString", "coordinates": to_lon_lat(&[from, to, end])});
    let baseline = json!({"corridors": [{
        "name": "Stockholm–Lidingö", "line": line, "buffer_m": 1000,
        "between": {"from": "Stockholm", "to": "Lidingö"}
    }]});
    let speed_kmh = 100.0;
    let mut scenario = baseline.clone();
    scenario["changes"] = json!({"network": {"links": [{"line": line, "speed_kmh": speed_kmh}]}});
    let cache = AnalysisCache::default();
    let store = stockholm.store();
    let run =
        |request: &Json| analyse_in(store, "stockholm.toml", request.clone(), &cache).unwrap();
    let (before, after, again) = (run(&baseline), run(&scenario), run(&baseline));
    let travel = |r: &CorridorResponse| r.corridors[0].between.clone().unwrap();
    let (was, now) = (travel(&before), travel(&after));

    let straight = length;
    assert!(
        (now.straight_m - straight).abs() < 1e-6,
        "{}",
        now.straight_m
    );
    // The link drawn in WGS84 comes back to the analysis CRS within millimetres.
    assert!(
        (now.network_m - straight).abs() < 0.05,
        "{} vs {straight}",
        now.network_m
    );
    let minutes = straight / (speed_kmh / 3.6) / 60.0;
    assert!(
        (now.minutes - minutes).abs() < 1e-3,
        "{} vs {minutes}",
        now.minutes
    );
    assert!(
        (now.detour_factor - 1.0).abs() < 1e-5,
        "{}",
        now.detour_factor
    );
    assert!(
        was.minutes > now.minutes + 1.0 && was.detour_factor > now.detour_factor + 0.05,
        "baseline {was:?}"
    );
    assert_eq!(after.comparison[0].travel_minutes, Some(now.minutes));
    assert_eq!(after.comparison[0].detour_factor, Some(now.detour_factor));
    assert_eq!(after.changes.as_ref().map(|c| c.links), Some(1));
    // The scenario's network never answers for the baseline.
    assert_eq!(travel(&again).minutes, was.minutes);
    assert_eq!(travel(&again).network_m, was.network_m);
}
