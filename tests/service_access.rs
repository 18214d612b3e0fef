//! Service access on real data: the Dalarna bus network and population grid, the inner
//! Stockholm OSM network, and the HTTP API against a real server.

mod common;

/// The demo's region profile, for servers and requests that rely on it.
const DEMO_PROFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo.toml");

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use geo::Coord;
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::service_access::{
    self, AccessSpec, AreaSpec, Bands, Changes, DemandSpec, Mode, Status, SupplySpec, Unit,
};
use kartrummet::ingest::{self, IngestOptions};
use kartrummet::layer::Layer;
use kartrummet::network::{Direction, Network, NetworkSettings, SnapSettings, Weight};
use kartrummet::store::Store;

const DALARNA_POPULATION: f64 = 285_587.0;

/// One store with the layers every test needs, ingested once per test binary.
fn store() -> &'static (tempfile::TempDir, Store) {
    static STORE: OnceLock<(tempfile::TempDir, Store)> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "EPSG:3006").unwrap();
        for (id, file) in [
            ("busslinjer", "data/dalarna/kollektivtrafik_linjer.geojson"),
            ("befolkning_1km", "data/dalarna/befolkning_1km_2025.geojson"),
            (
                "servicepunkter",
                "data/sverige/servicepunkter_se_poi.geojson",
            ),
            ("vardcentraler", "data/dalarna/vardcentraler.csv"),
            ("kommuner", "data/sverige/kommuner_scb_2024.geojson"),
            ("vagnat", "data/stockholm/vagnat_osm_2020.geojson"),
        ] {
            let options = IngestOptions {
                layer_id: Some(id.into()),
                ..Default::default()
            };
            ingest::ingest(&store, Path::new(file), &options, &mut |_| {}).unwrap();
        }
        (dir, store)
    })
}

fn layer(id: &str) -> Arc<Layer> {
    store().1.layer(id).unwrap()
}

fn grocery_spec() -> AccessSpec {
    AccessSpec {
        network: Some("busslinjer".into()),
        network_settings: NetworkSettings::default(),
        snap: SnapSettings::default(),
        demand: DemandSpec {
            layer: "befolkning_1km".into(),
            population: "befolkning_2025".into(),
        },
        supply: vec![SupplySpec {
            layer: "servicepunkter".into(),
            filter: [("category".to_string(), "grocery".to_string())].into(),
            name_field: None,
        }],
        areas: Some(AreaSpec {
            layer: "kommuner".into(),
            name_field: None,
            code_field: None,
            unit_code_field: None,
        }),
        mode: Mode::Network,
        bands: Bands::default(),
        threshold: None,
    }
}

fn stockholm() -> Network {
    Network::from_layer(&layer("vagnat"), &NetworkSettings::default()).unwrap()
}

#[test]
fn dalarna_bus_network_has_the_documented_shape() {
    // Noded at shared vertices only, the bus lines form two pieces.
    let shared_vertices_only = NetworkSettings {
        join_tolerance_m: 0.0,
        ..NetworkSettings::default()
    };
    let n = Network::from_layer(&layer("busslinjer"), &shared_vertices_only).unwrap();
    let s = n.summary();
    assert_eq!((s.nodes, s.edges), (33_409, 39_516));
    assert!((s.length_km - 6_065.0).abs() < 1.0, "{} km", s.length_km);
    assert_eq!(s.components, 2);
    assert_eq!(s.component_sizes, vec![32_079, 1_330]);

    // The smaller piece (the lines to Gävle, Västerås and Örebro) passes within 3 m of the
    // main one at Ludvika and 16 m at Avesta: the default join tolerance (25 m) links them
    // there with short links, and the network is one piece.
    let n = Network::from_layer(&layer("busslinjer"), &NetworkSettings::default()).unwrap();
    let s = n.summary();
    assert_eq!(s.nodes, 33_409);
    assert!((39_517..39_700).contains(&s.edges), "{} edges", s.edges);
    assert_eq!(s.component_sizes, vec![33_409]);
}

#[test]
fn stockholm_network_uses_u_v_and_is_one_piece() {
    let n = stockholm();
    let s = n.summary();
    assert_eq!((s.nodes, s.edges), (6_974, 15_021));
    assert_eq!(s.components, 1);
    assert!(s.oneway_edges > 4_000, "{} one-way edges", s.oneway_edges);
}

/// Points spread over the Stockholm network's extent.
fn stockholm_points(n: &Network, count: usize, seed: u64) -> Vec<Coord<f64>> {
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in &n.nodes {
        (minx, miny, maxx, maxy) = (minx.min(c.x), miny.min(c.y), maxx.max(c.x), maxy.max(c.y));
    }
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| Coord {
            x: minx + next() * (maxx - minx),
            y: miny + next() * (maxy - miny),
        })
        .collect()
}

#[test]
fn multi_source_equals_single_source_from_each_unit_on_stockholm() {
    let n = stockholm();
    let snap = SnapSettings::default();
    let services: Vec<_> = stockholm_points(&n, 25, 1)
        .into_iter()
        .filter_map(|p| n.locate(p, &snap))
        .collect();
    let units: Vec<_> = stockholm_points(&n, 80, 2)
        .into_iter()
        .filter_map(|p| n.locate(p, &snap))
        .collect();
    let mut compared = 0;
    for weight in [Weight::Time, Weight::Length] {
        let cost = |c: kartrummet::network::Cost| match weight {
            Weight::Time => c.time_s,
            Weight::Length => c.length_m,
        };
        let nearest = n.nearest(&services, Direction::ToSources, weight);
        for unit in &units {
            let multi = nearest.at(&n, unit).map(cost);
            // Brute force: a search outwards from the unit alone, then the best service.
            let from_unit = n.nearest(std::slice::from_ref(unit), Direction::FromSources, weight);
            let brute = services
                .iter()
                .filter_map(|s| from_unit.at(&n, s).map(cost))
                .reduce(f64::min);
            match (multi, brute) {
                (Some(m), Some(b)) => {
                    assert!((m - b).abs() < 1e-6, "{weight:?}: multi {m}, brute {b}");
                    compared += 1;
                }
                (None, None) => {}
                other => panic!("{weight:?}: {other:?}"),
            }
        }
    }
    assert!(compared > 100, "{compared} units compared");
}

#[test]
fn known_pair_time_is_the_sum_of_its_edges() {
    let n = stockholm();
    let l = layer("vagnat");
    let tt = l.field_index("travel_time_s").unwrap();
    let seeds = [kartrummet::network::Seed {
        node: 0,
        time_s: 0.0,
        length_m: 0.0,
        source: 0,
    }];
    let reached = n.nearest_from(&seeds, Direction::FromSources, Weight::Time, None);
    // The farthest node: a long path.
    let far = (0..n.nodes.len() as u32)
        .filter(|&v| reached.at(v).is_some())
        .max_by(|&a, &b| reached.time_s[a as usize].total_cmp(&reached.time_s[b as usize]))
        .unwrap();
    let path = reached.path(&n, far);
    assert!(path.len() > 20, "a long path, {} edges", path.len());
    let ours: f64 = path.iter().map(|&e| n.edges[e as usize].time_s).sum();
    assert!((ours - reached.time_s[far as usize]).abs() < 1e-6);
    // Edges are the features in order: the file's own travel times agree within 1 %.
    let file: f64 = path
        .iter()
        .map(|&e| l.features[e as usize].properties[tt].as_f64().unwrap())
        .sum();
    assert!(
        (ours - file).abs() / file < 0.01,
        "ours {ours} s, file {file} s"
    );
}

#[test]
fn one_way_streets_are_respected() {
    let n = stockholm();
    let seed = |node| {
        [kartrummet::network::Seed {
            node,
            time_s: 0.0,
            length_m: 0.0,
            source: 0,
        }]
    };
    let one_way: Vec<u32> = (0..n.edges.len() as u32)
        .filter(|&i| {
            let e = &n.edges[i as usize];
            e.forward && !e.backward && e.from != e.to
        })
        .take(60)
        .collect();
    assert_eq!(one_way.len(), 60);
    for i in one_way {
        let e = &n.edges[i as usize];
        let ahead = n.nearest_from(&seed(e.from), Direction::FromSources, Weight::Time, None);
        assert!(ahead.time_s[e.to as usize] <= e.time_s + 1e-9);
        // Back from its end to its start, the route never runs against the one-way edge.
        let back = n.nearest_from(&seed(e.to), Direction::FromSources, Weight::Time, None);
        assert!(
            !back.path(&n, e.from).contains(&i),
            "edge {i} used against its direction"
        );
        let towards = n.nearest_from(&seed(e.from), Direction::ToSources, Weight::Time, None);
        assert!(!towards.path(&n, e.to).contains(&i));
    }
}

#[test]
fn dalarna_population_is_conserved_and_unreachable_reported() {
    let cache = AnalysisCache::default();
    let catalog = store().1.snapshot();
    let run = service_access::run(&cache, &catalog, &grocery_spec(), &mut |_| {}).unwrap();
    let t = &run.total;
    assert_eq!(t.units, 4_004);
    assert!((t.population - DALARNA_POPULATION).abs() < 1e-6);
    let bands: f64 = t.bands.iter().map(|b| b.population).sum();
    assert!((bands + t.unreachable - DALARNA_POPULATION).abs() < 1e-6);
    let areas: f64 = run.areas.iter().map(|a| a.population).sum();
    assert!((areas - DALARNA_POPULATION).abs() < 1e-6);
    // Units beyond the snap distance are counted, not dropped.
    let counts = run.status_counts();
    let beyond = counts["beyond_snap"];
    assert!(beyond.0 > 0);
    let unreachable: f64 = run
        .prepared
        .units
        .iter()
        .zip(&run.outcome.units)
        .filter(|(_, r)| r.status != Status::Reached)
        .map(|(u, _)| u.population)
        .sum();
    assert!((unreachable - t.unreachable).abs() < 1e-6);
    assert!(
        t.median.unwrap() < t.mean.unwrap(),
        "access is skewed: most live near a shop"
    );

    // Straight line: everyone has a distance, so the bands alone hold everyone.
    let straight = AccessSpec {
        mode: Mode::StraightLine,
        bands: Bands {
            unit: Unit::Km,
            breaks: vec![1.0, 5.0, 10.0],
        },
        ..grocery_spec()
    };
    let run = service_access::run(&cache, &catalog, &straight, &mut |_| {}).unwrap();
    let bands: f64 = run.total.bands.iter().map(|b| b.population).sum();
    assert!((bands - DALARNA_POPULATION).abs() < 1e-6);
    assert_eq!(run.total.unreachable, 0.0);
}

/// The grid's population per `kommunkod`.
fn grid_population_by_kommunkod() -> BTreeMap<String, f64> {
    let grid = layer("befolkning_1km");
    let (code, pop) = (
        grid.field_index("kommunkod").unwrap(),
        grid.field_index("befolkning_2025").unwrap(),
    );
    let mut by = BTreeMap::new();
    for f in &grid.features {
        let c = f.properties[code].to_json().as_str().unwrap().to_string();
        *by.entry(c).or_insert(0.0) += f.properties[pop].as_f64().unwrap_or(0.0);
    }
    by
}

#[test]
fn dalarna_municipalities_count_their_own_residents() {
    let cache = AnalysisCache::default();
    let catalog = store().1.snapshot();
    let expected = grid_population_by_kommunkod();
    assert_eq!(expected.len(), 15, "Dalarna's 15 municipalities");
    assert!(expected.keys().all(|c| c.len() == 4 && c.starts_with("20")));

    // By default the grid's `kommunkod` decides: every cell counts under its own municipality.
    let run = service_access::run(&cache, &catalog, &grocery_spec(), &mut |_| {}).unwrap();
    let join = run.prepared.area_join.clone().unwrap();
    assert_eq!(
        (
            join.unit_code_field.as_deref(),
            join.by_code,
            join.by_location,
            join.outside
        ),
        (Some("kommunkod"), 4_004, 0, 0)
    );
    let by_code: BTreeMap<String, f64> = run
        .areas
        .iter()
        .map(|a| (a.code.clone().unwrap_or_default(), a.population))
        .collect();
    assert_eq!(
        by_code.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (code, population) in &expected {
        assert!(
            (by_code[code] - population).abs() < 1e-6,
            "{code}: {} counted, {population} in the grid",
            by_code[code]
        );
    }
    assert!(run.areas.iter().all(|a| a.name != "Utanför områdena"));
    assert!((run.total.population - DALARNA_POPULATION).abs() < 1e-6);
    let named = AccessSpec {
        areas: Some(AreaSpec {
            unit_code_field: Some("kommunkod".into()),
            ..grocery_spec().areas.unwrap()
        }),
        ..grocery_spec()
    };
    let run_named = service_access::run(&cache, &catalog, &named, &mut |_| {}).unwrap();
    assert!(
        Arc::ptr_eq(&run.prepared, &run_named.prepared),
        "the same prepared units"
    );

    // `"unit_code_field": ""` joins by location, as before: border cells whose centre lies
    // outside the generalised boundaries count under neighbouring counties' municipalities
    // or outside every area, and the whole is unchanged.
    let located = AccessSpec {
        areas: Some(AreaSpec {
            unit_code_field: Some(String::new()),
            ..grocery_spec().areas.unwrap()
        }),
        ..grocery_spec()
    };
    let by_place = service_access::run(&cache, &catalog, &located, &mut |_| {}).unwrap();
    assert!(
        !Arc::ptr_eq(&run.prepared, &by_place.prepared),
        "the join is in the cache key"
    );
    let join = by_place.prepared.area_join.clone().unwrap();
    assert_eq!((join.unit_code_field, join.by_code), (None, 0));
    assert_eq!(join.by_location + join.outside, 4_004);
    let areas: f64 = by_place.areas.iter().map(|a| a.population).sum();
    assert!((areas - DALARNA_POPULATION).abs() < 1e-6);
    assert!((by_place.total.population - DALARNA_POPULATION).abs() < 1e-6);
    let outside = by_place
        .areas
        .iter()
        .find(|a| a.name == "Utanför områdena")
        .map_or(0.0, |a| a.population);
    assert_eq!(outside, 1_622.0);
    assert!(by_place.areas.len() > 16, "{} areas", by_place.areas.len());
    for a in &by_place.areas {
        let code = a.code.clone().unwrap_or_default();
        eprintln!(
            "{code} {}: by location {}, by kommunkod {}",
            a.name,
            a.population,
            by_code.get(&code).copied().unwrap_or(0.0)
        );
    }
}

#[test]
fn closing_a_shop_only_makes_people_travel_farther() {
    let cache = AnalysisCache::default();
    let catalog = store().1.snapshot();
    let spec = grocery_spec();
    let base = service_access::run(&cache, &catalog, &spec, &mut |_| {}).unwrap();
    // The shop nearest to the most people.
    let mut served = std::collections::HashMap::<u32, f64>::new();
    for (u, r) in base.prepared.units.iter().zip(&base.outcome.units) {
        if let Some(s) = r.service {
            *served.entry(s).or_default() += u.population;
        }
    }
    let (&busiest, _) = served.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let id = base.outcome.services[busiest as usize].id.clone();
    let changes = Changes {
        remove: vec![id.clone()],
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let c = service_access::scenario(&cache, &catalog, &spec, &changes, "EPSG:3006").unwrap();
    eprintln!(
        "scenario (cached network, debug build): {:?}",
        started.elapsed()
    );
    assert!(c.total.population_farther > 0.0);
    assert_eq!(c.total.population_closer, 0.0);
    assert!(c.units.iter().all(|u| u.change.is_none_or(|d| d > 0.0)));
    assert!(
        c.units
            .iter()
            .all(|u| u.before_service.as_deref() == Some(id.as_str()))
    );
    let after = &c.after.total;
    let bands: f64 = after.bands.iter().map(|b| b.population).sum();
    assert!((bands + after.unreachable - DALARNA_POPULATION).abs() < 1e-6);
    assert!(after.mean.unwrap() > c.before.total.mean.unwrap());
    // No changes, no differences.
    let same = service_access::scenario(&cache, &catalog, &spec, &Changes::default(), "EPSG:3006")
        .unwrap();
    assert!(same.units.is_empty());
    // Unknown ids are refused.
    let bad = Changes {
        remove: vec!["servicepunkter/0".into()],
        ..Default::default()
    };
    assert!(service_access::scenario(&cache, &catalog, &spec, &bad, "EPSG:3006").is_err());
}

/// The real binary over the shared test store.
use common::Server;

fn server() -> Server {
    Server::start(store().0.path(), None, &["--profile", DEMO_PROFILE])
}

/// One server for all HTTP checks: two servers on one data directory could clear each
/// other's work files. The command line runs first, before the server starts, for the same
/// reason.
#[test]
fn http_api() {
    command_line_unit_code_field();
    let server = server();
    service_access_scenario_and_isochrone(&server);
    bad_requests_are_problems(&server);
}

/// `kartrum analyze service-access --unit-code-field`: default by `kommunkod`, `""` by
/// location, an unknown field refused.
fn command_line_unit_code_field() {
    let out = tempfile::tempdir().unwrap();
    let areas_csv = |unit_code_field: Option<&str>| {
        let mut args = vec![
            "analyze",
            "service-access",
            "--data-dir",
            store().0.path().to_str().unwrap(),
            "--network",
            "busslinjer",
            "--demand",
            "befolkning_1km",
            "--population",
            "befolkning_2025",
            "--supply",
            "grocery=servicepunkter:category=grocery",
            "--areas",
            "kommuner",
            "--out",
            out.path().to_str().unwrap(),
        ];
        if let Some(f) = unit_code_field {
            args.extend(["--unit-code-field", f]);
        }
        let output = common::run_cli(&args);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        output
            .status
            .success()
            .then(|| std::fs::read_to_string(out.path().join("grocery_areas.csv")).unwrap())
            .ok_or(stderr)
    };
    let by_code = areas_csv(None).unwrap();
    assert_eq!(by_code.lines().count(), 1 + 15 + 1, "{by_code}");
    assert!(
        by_code
            .lines()
            .any(|l| l.starts_with("2085,Ludvika,") && l.contains(",26676,"))
    );
    let by_place = areas_csv(Some("")).unwrap();
    assert!(
        by_place
            .lines()
            .any(|l| l.starts_with(",Utanför områdena,") && l.contains(",1622,"))
    );
    assert!(
        by_place
            .lines()
            .any(|l| l.starts_with("2085,Ludvika,") && l.contains(",26096,"))
    );
    let refused = areas_csv(Some("kommun")).unwrap_err();
    assert!(refused.contains("no field \"kommun\""), "{refused}");
}

fn service_access_scenario_and_isochrone(server: &Server) {
    let client = reqwest::blocking::Client::new();
    let url = |p: &str| format!("{}{p}", server.url);
    let post =
        |path: &str, body: serde_json::Value| client.post(url(path)).json(&body).send().unwrap();
    let request = serde_json::json!({
        "network": "busslinjer",
        "demand": { "layer": "befolkning_1km", "population": "befolkning_2025" },
        "supply": [{ "layer": "vardcentraler" }],
        "areas": { "layer": "kommuner" },
        "output": { "layer": "sa_vard" },
    });
    let response = post("/api/analysis/service-access", request.clone());
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["total"]["population"], DALARNA_POPULATION);
    assert_eq!(body["area_join"]["unit_code_field"], "kommunkod");
    assert_eq!(body["area_join"]["by_code"], 4_004);
    assert_eq!(body["areas"].as_array().unwrap().len(), 15);
    assert_eq!(body["network"]["nodes"], 33_409);
    assert!(
        body["network_note"]
            .as_str()
            .unwrap()
            .contains("bus network")
    );
    assert_eq!(body["layer"]["id"], "sa_vard");
    let features: serde_json::Value = client
        .get(url("/api/layers/sa_vard/features?limit=1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(features["numberMatched"], 4_004);

    let csv = post(
        "/api/analysis/service-access",
        serde_json::json!({
            "network": "busslinjer",
            "demand": { "layer": "befolkning_1km", "population": "befolkning_2025" },
            "supply": [{ "layer": "vardcentraler" }],
            "areas": { "layer": "kommuner" },
            "output": { "format": "csv", "store": false },
        }),
    );
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().unwrap();
    assert!(text.lines().any(|l| l.starts_with("2080,Falun,")), "{text}");

    // GeoJSON: one feature per unit, in WGS84, with the result fields.
    let mut as_geojson = request.clone();
    as_geojson["output"] = serde_json::json!({ "format": "geojson", "store": false });
    let geojson = post("/api/analysis/service-access", as_geojson);
    assert_eq!(geojson.status(), 200);
    assert_eq!(geojson.headers()["content-type"], "application/geo+json");
    let collection: serde_json::Value = geojson.json().unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let units = collection["features"].as_array().unwrap();
    assert_eq!(units.len(), 4_004);
    let people: f64 = units
        .iter()
        .map(|f| f["properties"]["population"].as_f64().unwrap())
        .sum();
    assert_eq!(people, DALARNA_POPULATION);
    let lon = units[0]["geometry"]["coordinates"][0][0][0]
        .as_f64()
        .unwrap();
    assert!((12.0..17.0).contains(&lon), "WGS84 longitude, got {lon}");

    let mut what_if = request.clone();
    what_if["changes"] = serde_json::json!({
        "remove": ["vardcentraler/1"],
        "add": [{ "name": "Ny vårdcentral", "lon": 14.55, "lat": 61.0 }],
    });
    let response = post("/api/analysis/service-access/scenario", what_if);
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().unwrap();
    assert!(body["units_changed"].as_u64().unwrap() > 0);
    assert!(body["total"]["population_farther"].as_f64().unwrap() > 0.0);

    let iso: serde_json::Value = client
        .get(url(
            "/api/analysis/isochrone?network=busslinjer&lon=15.6300&lat=60.6060&minutes=10,20\
             &population_layer=befolkning_1km&population_field=befolkning_2025",
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let bands = iso["features"].as_array().unwrap();
    assert_eq!(bands.len(), 2);
    let pop = |i: usize| bands[i]["properties"]["population"].as_f64().unwrap();
    assert!(
        pop(0) > pop(1) && pop(1) > 10_000.0,
        "20 min {} vs 10 min {}",
        pop(0),
        pop(1)
    );
}

fn bad_requests_are_problems(server: &Server) {
    let client = reqwest::blocking::Client::new();
    let base = serde_json::json!({
        "network": "busslinjer",
        "demand": { "layer": "befolkning_1km", "population": "befolkning_2025" },
        "supply": [{ "layer": "vardcentraler", "filter": {} }],
        "areas": { "layer": "kommuner" },
        "bands": { "breaks": [5, 10, 20, 30] },
        "output": { "store": false },
    });
    let cases = [
        ("/network", serde_json::json!("nope"), 404),
        ("/demand/population", serde_json::json!("rutid"), 422),
        (
            "/supply/0/filter",
            serde_json::json!({ "Kommun": "Atlantis" }),
            422,
        ),
        ("/network", serde_json::json!("kommuner"), 422),
        ("/bands", serde_json::json!({ "breaks": [10, 5] }), 400),
        ("/demand/layer", serde_json::json!("nope"), 404),
        (
            "/areas",
            serde_json::json!({ "layer": "kommuner", "unit_code_field": "kommun" }),
            400,
        ),
    ];
    for (pointer, value, status) in cases {
        let mut body = base.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        let response = client
            .post(format!("{}/api/analysis/service-access", server.url))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(response.status(), status, "{pointer}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{pointer}"
        );
        let problem: serde_json::Value = response.json().unwrap();
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
    let response = client
        .get(format!(
            "{}/api/analysis/isochrone?network=busslinjer&lon=15.6&lat=60.6&minutes=abc",
            server.url
        ))
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
}
