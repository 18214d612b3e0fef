//! Service access on real data: the Dalarna bus network and population grid, the inner
//! Stockholm OSM network, and the HTTP API against a real server.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use common::regions::{self, Layers, Region};
use geo::{Contains, Coord, Distance, Haversine, Point};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::service_access::{
    self, AccessSpec, AreaSpec, Bands, Changes, DemandSpec, Mode, Status, SupplySpec, Unit,
};
use kartrummet::layer::Layer;
use kartrummet::network::{Direction, Network, NetworkSettings, SnapSettings, Weight};
use serde_json::{Value as Json, json};

const DALARNA_POPULATION: f64 = 285_587.0;

/// The Dalarna layers these tests read, ingested once per test binary.
fn dalarna() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "busslinjer",
        "befolkning_1km",
        "servicepunkter",
        "vardcentraler",
        "kommuner",
    ]))
}

fn layer(id: &str) -> Arc<Layer> {
    dalarna().layer(id)
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

/// The inner Stockholm road network (`vagar` of `data/stockholm.toml`).
fn stockholm_roads() -> Arc<Layer> {
    regions::stockholm(Layers::Only(&["vagar"])).layer("vagar")
}

fn stockholm() -> Network {
    Network::from_layer(&stockholm_roads(), &NetworkSettings::default()).unwrap()
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
    let l = stockholm_roads();
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
    let catalog = dalarna().store().snapshot();
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
    let catalog = dalarna().store().snapshot();
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
    let catalog = dalarna().store().snapshot();
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
    dalarna().serve(None, &[])
}

/// One server for all HTTP checks: two servers on one data directory could clear each
/// other's work files. The command line runs first, and the one-point layer at Idre is
/// ingested, before the server starts, for the same reason.
#[test]
fn http_api() {
    command_line_unit_code_field();
    ingest_idre_point();
    let server = server();
    service_access_scenario_and_isochrone(&server);
    bad_requests_are_problems(&server);
}

/// Idre (lon, lat): a village in the north-west without a health centre, on Dalatrafik's line
/// to Grövelsjön.
const IDRE: (f64, f64) = (12.7186, 61.8585);

/// A layer `idre_vc` of one point at [`IDRE`]: analysed alone, it gives every unit's time to
/// the service a what-if adds or moves there.
fn ingest_idre_point() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("idre_vc.geojson");
    let point = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": { "name": "Idre" },
        "geometry": { "type": "Point", "coordinates": [IDRE.0, IDRE.1] },
    }]});
    std::fs::write(&file, point.to_string()).unwrap();
    common::ingest_as(dalarna().store(), &file, "idre_vc");
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
            dalarna().dir().to_str().unwrap(),
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

/// POSTs `body` to `path` and returns the JSON answer, which must be a 200.
fn post(server: &Server, path: &str, body: &Json) -> Json {
    let response = common::client()
        .post(server.at(path))
        .json(body)
        .send()
        .unwrap();
    let status = response.status();
    let answer: Json = response.json().unwrap();
    assert_eq!(status, 200, "{path}: {answer}");
    answer
}

/// The service-access answer to `request` in `format`, not stored; it must be a 200.
fn answer_in(server: &Server, request: &Json, format: &str) -> reqwest::blocking::Response {
    let mut body = request.clone();
    body["output"] = json!({ "format": format, "store": false });
    let response = common::client()
        .post(server.at("/api/analysis/service-access"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200, "{format}");
    response
}

fn get(server: &Server, path: &str) -> Json {
    let response = common::client().get(server.at(path)).send().unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().unwrap()
}

/// A GeoJSON geometry as a `geo` geometry.
fn geometry(value: &Json) -> geo::Geometry<f64> {
    let parsed: geojson::Geometry =
        serde_json::from_value(value.clone()).expect("a GeoJSON geometry");
    geo::Geometry::try_from(&parsed.value).expect("a geo geometry")
}

fn service_access_scenario_and_isochrone(server: &Server) {
    let request = json!({
        "network": "busslinjer",
        "demand": { "layer": "befolkning_1km", "population": "befolkning_2025" },
        "supply": [{ "layer": "vardcentraler" }],
        "areas": { "layer": "kommuner" },
        "output": { "layer": "sa_vard" },
    });
    let body = post(server, "/api/analysis/service-access", &request);
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
    let features = get(server, "/api/layers/sa_vard/features?limit=1");
    assert_eq!(features["numberMatched"], 4_004);

    csv_holds_the_json_numbers(server, &request, &body);

    // GeoJSON: one feature per unit, in WGS84, with the result fields.
    let geojson = answer_in(server, &request, "geojson");
    assert_eq!(geojson.headers()["content-type"], "application/geo+json");
    let collection: Json = geojson.json().unwrap();
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

    what_if_is_seen_in_its_effects(server, &request);
    isochrone_covers_what_the_network_reaches(server);
}

/// The areas CSV has the JSON's bands in its header, and each area's row (and the total's)
/// holds the JSON's numbers.
fn csv_holds_the_json_numbers(server: &Server, request: &Json, body: &Json) {
    let csv = answer_in(server, request, "csv");
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().unwrap();
    // No name or label of this data holds a comma, so a plain split reads the cells.
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let mut header = vec!["code", "name", "units", "population"];
    header.extend(
        body["bands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap()),
    );
    header.extend(["unreachable", "mean", "median", "beyond_threshold"]);
    assert_eq!(rows[0], header);
    let summaries: Vec<&Json> = body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&body["total"]])
        .collect();
    assert_eq!(rows.len(), 1 + summaries.len(), "{text}");
    for summary in summaries {
        let name = summary["name"].as_str().unwrap();
        let row = rows
            .iter()
            .find(|r| r[1] == name)
            .unwrap_or_else(|| panic!("no row for {name}: {text}"));
        assert_eq!(row[0], summary["code"].as_str().unwrap_or(""), "{name}");
        assert_eq!(row[2], summary["units"].to_string(), "{name}");
        let mut numbers = vec![&summary["population"]];
        numbers.extend(
            summary["bands"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| &b["population"]),
        );
        numbers.extend(["unreachable", "mean", "median", "beyond_threshold"].map(|k| &summary[k]));
        assert_eq!(numbers.len(), row.len() - 3, "{name}");
        for (cell, number) in row[3..].iter().zip(numbers) {
            match number.as_f64() {
                // The CSV keeps three decimals.
                Some(n) => {
                    let c: f64 = cell.parse().unwrap_or_else(|_| panic!("{name}: {cell:?}"));
                    assert!((c - n).abs() <= 5e-4, "{name}: CSV {c}, JSON {n}");
                }
                None => assert_eq!(*cell, "", "{name}: JSON null"),
            }
        }
    }
    assert!(rows.iter().any(|r| r[..2] == ["2080", "Falun"]), "{text}");
}

/// Adding a health centre at Idre: it is `new/1`, and the units it now serves reach it in
/// the time they reach Idre alone, sooner than before. Moving Tisken's health centre from
/// Falun (which has several) there: the units it newly serves are nearer Idre than Tisken, at
/// their time to Idre, and those it no longer serves are nearer Tisken.
/// Closing Avesta lasarett: its units go elsewhere and none gets closer.
fn what_if_is_seen_in_its_effects(server: &Server, request: &Json) {
    let mut alone = request.clone();
    alone["supply"] = json!([{ "layer": "idre_vc" }]);
    alone["output"] = json!({ "store": false, "include_units": true });
    let to_idre: HashMap<u64, f64> = post(server, "/api/analysis/service-access", &alone)["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| Some((u["id"].as_u64()?, u["value"].as_f64()?)))
        .collect();
    assert!(to_idre.len() > 1_000, "{} units reach Idre", to_idre.len());
    let changed = |changes: Json| -> Vec<Json> {
        let mut body = request.clone();
        body["changes"] = changes;
        body["output"] = json!({ "max_units": 100_000 });
        let answer = post(server, "/api/analysis/service-access/scenario", &body);
        let units = answer["units"].as_array().unwrap().clone();
        assert_eq!(json!(units.len()), answer["units_changed"]);
        units
    };
    let minutes_to_idre = |u: &Json| to_idre[&u["id"].as_u64().unwrap()];
    let after = |u: &Json| u["after"].as_f64().expect("reached after");

    let units = changed(json!({
        "remove": ["vardcentraler/1"],
        "add": [{ "name": "Idre hälsocentral", "lon": IDRE.0, "lat": IDRE.1 }],
    }));
    let served_by_new: Vec<&Json> = units
        .iter()
        .filter(|u| u["after_service"] == "new/1")
        .collect();
    assert!(served_by_new.len() > 3, "{} units", served_by_new.len());
    for u in &served_by_new {
        assert!((after(u) - minutes_to_idre(u)).abs() < 1e-6, "{u}");
        assert!(u["before"].as_f64().is_none_or(|b| after(u) < b), "{u}");
    }
    let left_avesta: Vec<&Json> = units
        .iter()
        .filter(|u| u["before_service"] == "vardcentraler/1")
        .collect();
    assert!(!left_avesta.is_empty());
    for u in left_avesta {
        assert_ne!(u["after_service"], "vardcentraler/1", "{u}");
        assert!(u["change"].as_f64().is_none_or(|d| d >= 0.0), "{u}");
    }

    let tisken = get(
        server,
        "/api/layers/vardcentraler/features?Popul%C3%A4rnamn=Tiskens%20v%C3%A5rdcentral",
    );
    assert_eq!(tisken["numberMatched"], 1);
    let tisken_at = geometry(&tisken["features"][0]["geometry"]);
    let tisken_id = format!("vardcentraler/{}", tisken["features"][0]["id"]);
    let units = changed(json!({ "move": [{ "id": tisken_id, "lon": IDRE.0, "lat": IDRE.1 }] }));
    let centres: HashMap<u64, Point> =
        get(server, "/api/layers/befolkning_1km/features?limit=10000")["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let centre = geo::Centroid::centroid(&geometry(&f["geometry"])).unwrap();
                (f["id"].as_u64().unwrap(), centre)
            })
            .collect();
    let (idre, old) = (
        Point::new(IDRE.0, IDRE.1),
        Point::try_from(tisken_at).unwrap(),
    );
    let nearer_idre = |u: &Json| {
        let centre = centres[&u["id"].as_u64().unwrap()];
        Haversine.distance(centre, idre) < Haversine.distance(centre, old)
    };
    let (mut gained, mut lost) = (0, 0);
    for u in &units {
        if u["after_service"] == tisken_id {
            gained += 1;
            assert!((after(u) - minutes_to_idre(u)).abs() < 1e-6, "{u}");
            assert!(nearer_idre(u), "{u}: newly served, but nearer Tisken");
        } else if u["before_service"] == tisken_id {
            lost += 1;
            assert!(!nearer_idre(u), "{u}: no longer served, but nearer Idre");
        }
    }
    assert!(gained > 3 && lost > 3, "{gained} units gained, {lost} lost");
}

/// The 10-minute isochrone from Falun contains its start and a node the bus network reaches
/// in 5 to 8 minutes, but not a node 12 to 18 minutes out that lies farther than the band's
/// half-width from every road the 10-minute search touches; the 20-minute one contains it.
fn isochrone_covers_what_the_network_reaches(server: &Server) {
    let (lon, lat) = (15.6300, 60.6060);
    let iso = get(
        server,
        &format!(
            "/api/analysis/isochrone?network=busslinjer&lon={lon}&lat={lat}&minutes=10,20\
             &population_layer=befolkning_1km&population_field=befolkning_2025"
        ),
    );
    let bands = iso["features"].as_array().unwrap();
    assert_eq!(bands.len(), 2);
    let band = |minutes: f64| {
        let f = bands
            .iter()
            .find(|f| f["properties"]["minutes"] == minutes)
            .unwrap_or_else(|| panic!("no {minutes}-minute band"));
        (
            geometry(&f["geometry"]),
            f["properties"]["population"].as_f64().unwrap(),
        )
    };
    let ((ten, pop10), (twenty, pop20)) = (band(10.0), band(20.0));
    assert!(
        pop20 > pop10 && pop10 > 10_000.0,
        "20 min {pop20} vs 10 min {pop10}"
    );
    assert!(ten.contains(&Point::new(lon, lat)), "the start");

    let n = Network::from_layer(&layer("busslinjer"), &NetworkSettings::default()).unwrap();
    let origin = kartrummet::crs::from_display(&[(lon, lat)], "EPSG:3006").unwrap()[0];
    let start = n.locate(origin, &SnapSettings::default()).unwrap();
    let seconds = n
        .nearest(&[start], Direction::FromSources, Weight::Time)
        .reached
        .time_s;
    let display = |c: Coord<f64>| -> Point {
        let g = kartrummet::crs::to_display(&Point::from(c).into(), "EPSG:3006").unwrap();
        Point::try_from(g).unwrap()
    };
    let straight = |v: usize| geo::Euclidean.distance(Point::from(origin), Point::from(n.nodes[v]));
    let inside = (0..n.nodes.len())
        .filter(|&v| (300.0..480.0).contains(&seconds[v]))
        .max_by(|&a, &b| straight(a).total_cmp(&straight(b)))
        .expect("a node 5 to 8 minutes out");
    assert!(
        ten.contains(&display(n.nodes[inside])),
        "a node {:.1} min out",
        seconds[inside] / 60.0
    );
    let touched: Vec<&geo::LineString<f64>> = n
        .edges
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            *i == start.edge as usize
                || seconds[e.from as usize] < 600.0
                || seconds[e.to as usize] < 600.0
        })
        .map(|(_, e)| &e.geometry)
        .collect();
    let mut beyond: Vec<usize> = (0..n.nodes.len())
        .filter(|&v| (720.0..1080.0).contains(&seconds[v]))
        .collect();
    beyond.sort_by(|&a, &b| seconds[a].total_cmp(&seconds[b]));
    let beyond = beyond
        .into_iter()
        .find(|&v| {
            let p = Point::from(n.nodes[v]);
            touched
                .iter()
                .all(|e| geo::Euclidean.distance(*e, &p) > 300.0)
        })
        .expect("a node 12 to 18 minutes out, away from the 10-minute roads");
    let point = display(n.nodes[beyond]);
    let minutes = seconds[beyond] / 60.0;
    assert!(
        !ten.contains(&point),
        "{minutes:.1} min out, in the 10-minute band"
    );
    assert!(
        twenty.contains(&point),
        "{minutes:.1} min out, not in the 20-minute band"
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
