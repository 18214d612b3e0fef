//! Scenarios on the real inner Stockholm OSM network (`vagar` of `data/stockholm.toml`),
//! checked against an independent computation: a plain Dijkstra written here over the raw
//! GeoJSON (nodes from its `u`/`v`, lengths from its coordinates, its `speed_kmh` and
//! `oneway`), with roads closed, slowed or added as the scenario says. Homes and shops stand
//! exactly on junctions, so no connector enters the times. Through the library and once over
//! HTTP against a real server.

mod common;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;

use common::regions::{self, Layers, Region};
use geo::{Coord, Geometry, Intersects, LineString, Polygon};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::service_access::{
    self, AccessSpec, Bands, Changes, Comparison, DemandSpec, Mode, SupplySpec,
};
use kartrummet::network::{NetworkSettings, SnapSettings};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};
use serde_json::{Value as Json, json};

const CRS: &str = "EPSG:3006";

/// The raw network: junctions by OSM node id, and directed road pieces.
struct Raw {
    nodes: Vec<Coord<f64>>,
    edges: Vec<RawEdge>,
    /// Whether a place on the node's position is the node and no other: every road that
    /// names it starts or ends there, and no other node stands on the same spot.
    clean: Vec<bool>,
}

struct RawEdge {
    from: usize,
    to: usize,
    line: LineString<f64>,
    speed_kmh: f64,
    oneway: bool,
}

impl RawEdge {
    fn length(&self) -> f64 {
        self.line
            .lines()
            .map(|l| (l.end.x - l.start.x).hypot(l.end.y - l.start.y))
            .sum()
    }
}

fn raw() -> &'static Raw {
    static RAW: OnceLock<Raw> = OnceLock::new();
    RAW.get_or_init(|| {
        let text = std::fs::read_to_string(common::data("stockholm/vagnat_osm_2020.geojson"))
            .expect("the bundled network");
        let json: Json = serde_json::from_str(&text).unwrap();
        let mut ids: HashMap<i64, usize> = HashMap::new();
        let mut nodes = Vec::new();
        let mut node = |id: i64, at: Coord<f64>| {
            *ids.entry(id).or_insert_with(|| {
                nodes.push(at);
                nodes.len() - 1
            })
        };
        let mut edges = Vec::new();
        for f in json["features"].as_array().unwrap() {
            let p = &f["properties"];
            let coords: Vec<Coord<f64>> = f["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| Coord {
                    x: c[0].as_f64().unwrap(),
                    y: c[1].as_f64().unwrap(),
                })
                .collect();
            let from = node(p["u"].as_i64().unwrap(), coords[0]);
            let to = node(p["v"].as_i64().unwrap(), *coords.last().unwrap());
            edges.push(RawEdge {
                from,
                to,
                line: LineString::from(coords),
                speed_kmh: p["speed_kmh"].as_f64().unwrap(),
                oneway: p["oneway"].as_bool().unwrap(),
            });
        }
        let mut clean = vec![true; nodes.len()];
        let mut spots: HashMap<(u64, u64), usize> = HashMap::new();
        for (i, c) in nodes.iter().enumerate() {
            if let Some(&other) = spots.get(&(c.x.to_bits(), c.y.to_bits())) {
                clean[i] = false;
                clean[other] = false;
            }
            spots.insert((c.x.to_bits(), c.y.to_bits()), i);
        }
        for e in &edges {
            let ends = [(e.from, e.line.0[0]), (e.to, *e.line.0.last().unwrap())];
            for (n, at) in ends {
                if (nodes[n].x - at.x).hypot(nodes[n].y - at.y) > 1e-6 {
                    clean[n] = false;
                }
            }
        }
        Raw {
            nodes,
            edges,
            clean,
        }
    })
}

/// A road of the scenario for the independent search: from, to, seconds, one-way.
type Arc = (usize, usize, f64, bool);

impl Raw {
    /// Seconds from every node to its nearest shop, over the roads not `closed`, with `time`
    /// per road and the `extra` roads.
    fn to_shops(&self, shops: &[usize], closed: &[bool], time: &[f64], extra: &[Arc]) -> Vec<f64> {
        // Travel towards the shops: search from the shops over reversed roads.
        let mut into: Vec<Vec<(usize, f64)>> = vec![Vec::new(); self.nodes.len()];
        let roads = self
            .edges
            .iter()
            .enumerate()
            .filter(|(i, _)| !closed[*i])
            .map(|(i, e)| (e.from, e.to, time[i], e.oneway))
            .chain(extra.iter().copied());
        for (from, to, t, oneway) in roads {
            into[to].push((from, t));
            if !oneway {
                into[from].push((to, t));
            }
        }
        let mut best = vec![f64::INFINITY; self.nodes.len()];
        let mut heap = BinaryHeap::new();
        for &s in shops {
            best[s] = 0.0;
            heap.push(Reverse((0u64, s)));
        }
        while let Some(Reverse((bits, n))) = heap.pop() {
            let d = f64::from_bits(bits);
            if d > best[n] {
                continue;
            }
            for &(m, t) in &into[n] {
                if d + t < best[m] {
                    best[m] = d + t;
                    heap.push(Reverse(((d + t).to_bits(), m)));
                }
            }
        }
        best
    }

    fn times(&self) -> Vec<f64> {
        self.edges
            .iter()
            .map(|e| e.length() / (e.speed_kmh / 3.6))
            .collect()
    }

    /// Roads whose geometry meets `area`.
    fn within(&self, area: &Polygon<f64>) -> Vec<bool> {
        self.edges.iter().map(|e| e.line.intersects(area)).collect()
    }

    /// Whether a road not `closed` starts or ends at `node`.
    fn open_at(&self, node: usize, closed: &[bool]) -> bool {
        self.edges
            .iter()
            .enumerate()
            .any(|(i, e)| !closed[i] && (e.from == node || e.to == node))
    }
}

/// Every 23rd junction is a home, when it is clean (see [`Raw::clean`]) (population 10 + its number mod 7); six junctions spread
/// over the network are shops.
fn homes() -> Vec<usize> {
    (0..raw().nodes.len())
        .step_by(23)
        .filter(|&n| raw().clean[n])
        .collect()
}

fn shops() -> Vec<usize> {
    [101, 1_303, 2_551, 3_907, 5_209, 6_607].to_vec()
}

fn population(node: usize) -> f64 {
    10.0 + (node % 7) as f64
}

/// The Stockholm fixture with two layers of its own: `hem` (homes on junctions, with the
/// junction's number in `node`) and `affarer` (shops on junctions).
fn region() -> &'static Region {
    static MINE: OnceLock<()> = OnceLock::new();
    let region = regions::stockholm(Layers::Only(&["vagar"]));
    MINE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let points = |nodes: &[usize], with_population: bool| {
            let features: Vec<Json> = nodes
                .iter()
                .map(|&n| {
                    let c = raw().nodes[n];
                    let mut properties = json!({"node": n, "name": format!("nod {n}")});
                    if with_population {
                        properties["pop"] = json!(population(n));
                    }
                    json!({"type": "Feature", "properties": properties,
                           "geometry": {"type": "Point", "coordinates": [c.x, c.y]}})
                })
                .collect();
            json!({"type": "FeatureCollection",
                   "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
                   "features": features})
        };
        for (id, body) in [
            ("hem", points(&homes(), true)),
            ("affarer", points(&shops(), false)),
        ] {
            let path = dir.path().join(format!("{id}.geojson"));
            std::fs::write(&path, body.to_string()).unwrap();
            common::ingest_as(region.store(), &path, id);
        }
    });
    region
}

fn spec() -> AccessSpec {
    AccessSpec {
        network: Some("vagar".into()),
        network_settings: NetworkSettings::default(),
        snap: SnapSettings::default(),
        demand: DemandSpec {
            layer: "hem".into(),
            population: "pop".into(),
        },
        supply: vec![SupplySpec {
            layer: "affarer".into(),
            filter: Default::default(),
            name_field: None,
        }],
        areas: None,
        mode: Mode::Network,
        bands: Bands::default(),
        threshold: None,
    }
}

fn scenario(changes: &Json) -> Comparison {
    let changes: Changes = serde_json::from_value(changes.clone()).unwrap();
    let catalog = region().store().snapshot();
    service_access::scenario(&AnalysisCache::default(), &catalog, &spec(), &changes, CRS).unwrap()
}

/// The junction of each unit of the demand layer `hem`, by position.
fn unit_nodes() -> Vec<usize> {
    let hem = region().layer("hem");
    let node = hem.field_index("node").unwrap();
    hem.features
        .iter()
        .map(|f| f.properties[node].as_f64().unwrap() as usize)
        .collect()
}

/// WGS84 of a SWEREF 99 TM position.
fn lonlat(c: Coord<f64>) -> [f64; 2] {
    match kartrummet::crs::to_display(&Geometry::Point(c.into()), CRS).unwrap() {
        Geometry::Point(p) => [p.x(), p.y()],
        other => panic!("{other:?}"),
    }
}

/// A box drawn in WGS84 (as the map sends it) and the same box in SWEREF 99 TM, with its
/// corners transformed as positions are.
fn drawn_box(west: f64, south: f64, east: f64, north: f64) -> (Json, Polygon<f64>) {
    let corners = [
        (west, south),
        (east, south),
        (east, north),
        (west, north),
        (west, south),
    ];
    let projected = kartrummet::crs::from_display(&corners, CRS).unwrap();
    let ring: Vec<[f64; 2]> = corners.iter().map(|&(x, y)| [x, y]).collect();
    (
        json!({"type": "Polygon", "coordinates": [ring]}),
        Polygon::new(LineString::from(projected), vec![]),
    )
}

/// Asserts that every home whose junction keeps a road has the independent time (minutes)
/// after the scenario, and returns how many were compared and how many changed.
fn assert_exact(c: &Comparison, expected: &[f64], closed: &[bool]) -> (usize, usize) {
    let nodes = unit_nodes();
    let baseline = raw().to_shops(
        &shops(),
        &vec![false; raw().edges.len()],
        &raw().times(),
        &[],
    );
    let (mut compared, mut changed) = (0, 0);
    for (i, &node) in nodes.iter().enumerate() {
        if !raw().open_at(node, closed) {
            continue;
        }
        let ours = c.after.outcome.value(i);
        let theirs = expected[node] / 60.0;
        match ours {
            Some(m) => assert!(
                (m - theirs).abs() < 1e-6,
                "home at junction {node}: {m} min, independently {theirs} min"
            ),
            None => assert!(theirs.is_infinite(), "home at junction {node} unreached"),
        }
        match c.before.outcome.value(i) {
            Some(before) => {
                assert!((before - baseline[node] / 60.0).abs() < 1e-6);
                changed += usize::from((before - theirs).abs() > 1e-6);
            }
            None => {
                assert!(baseline[node].is_infinite());
                changed += usize::from(theirs.is_finite());
            }
        }
        compared += 1;
    }
    (compared, changed)
}

/// Central Stockholm, around Gamla stan and Slussen.
fn central() -> (f64, f64, f64, f64) {
    (18.060, 59.315, 18.080, 59.328)
}

#[test]
fn closing_the_roads_within_a_polygon_matches_an_independent_dijkstra() {
    let (w, s, e, n) = central();
    let (drawn, area) = drawn_box(w, s, e, n);
    let closed = raw().within(&area);
    assert!(closed.iter().filter(|c| **c).count() > 100);
    for &shop in &shops() {
        assert!(raw().open_at(shop, &closed), "shops stay on open roads");
    }
    let c = scenario(&json!({"network": {"close": [{"within": drawn}]}}));
    assert_eq!(
        c.network.unwrap().edges_closed,
        closed.iter().filter(|c| **c).count()
    );
    let expected = raw().to_shops(&shops(), &closed, &raw().times(), &[]);
    let (compared, changed) = assert_exact(&c, &expected, &closed);
    assert!(
        compared > 250 && changed >= 3,
        "{compared} compared, {changed} changed"
    );
}

#[test]
fn new_speeds_within_a_polygon_match_an_independent_dijkstra() {
    let (w, s, e, n) = central();
    let (drawn, area) = drawn_box(w - 0.01, s, e + 0.01, n);
    let within = raw().within(&area);
    let mut time = raw().times();
    for (i, t) in time.iter_mut().enumerate() {
        if within[i] {
            *t = raw().edges[i].length() / (12.0 / 3.6);
        }
    }
    let c = scenario(&json!({"network": {"speed": [{"within": drawn, "speed_kmh": 12}]}}));
    let open = vec![false; raw().edges.len()];
    let expected = raw().to_shops(&shops(), &open, &time, &[]);
    let (compared, changed) = assert_exact(&c, &expected, &open);
    assert!(
        compared > 250 && changed > 10,
        "{compared} compared, {changed} changed"
    );
}

/// Two junctions 400–1,500 m apart whose straight line meets no road on the way (over water
/// or a park): a new bridge.
fn crossing_free_pair() -> (usize, usize) {
    let r = raw();
    let segments: Vec<GeomWithData<Line<[f64; 2]>, ()>> = r
        .edges
        .iter()
        .flat_map(|e| e.line.lines())
        .map(|l| GeomWithData::new(Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]), ()))
        .collect();
    let tree = RTree::bulk_load(segments);
    let mut state = 7u64;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n
    };
    for _ in 0..2_000_000 {
        let (a, b) = (next(r.nodes.len()), next(r.nodes.len()));
        let (pa, pb) = (r.nodes[a], r.nodes[b]);
        let length = (pb.x - pa.x).hypot(pb.y - pa.y);
        if !(400.0..1_500.0).contains(&length) {
            continue;
        }
        // The line without its last metre at each end meets no road.
        let t = 1.0 / length;
        let inner = geo::Line::new(pa + (pb - pa) * t, pa + (pb - pa) * (1.0 - t));
        let envelope = rstar::AABB::from_corners([pa.x, pa.y], [pb.x, pb.y]);
        let crosses = tree.locate_in_envelope_intersecting(&envelope).any(|s| {
            let [ax, ay] = s.geom().from;
            let [bx, by] = s.geom().to;
            geo::Line::new(Coord { x: ax, y: ay }, Coord { x: bx, y: by }).intersects(&inner)
        });
        if !crosses {
            return (a, b);
        }
    }
    panic!("no junctions with a free line between them");
}

#[test]
fn an_added_link_matches_an_independent_dijkstra() {
    let (a, b) = crossing_free_pair();
    let (pa, pb) = (raw().nodes[a], raw().nodes[b]);
    let length = (pb.x - pa.x).hypot(pb.y - pa.y);
    let line = json!({"type": "LineString", "coordinates": [lonlat(pa), lonlat(pb)]});
    let c = scenario(&json!({"network": {"links": [{"line": line, "speed_kmh": 50}]}}));
    let report = c.network.unwrap();
    assert_eq!(
        (report.links_added, report.edges_split),
        (1, 0),
        "joined at junctions"
    );
    let open = vec![false; raw().edges.len()];
    let extra = [(a, b, length / (50.0 / 3.6), false)];
    let expected = raw().to_shops(&shops(), &open, &raw().times(), &extra);
    let (compared, changed) = assert_exact(&c, &expected, &open);
    assert!(compared > 250, "{compared} compared");
    eprintln!("link {a}–{b}, {length:.0} m: {changed} homes changed");
}

#[test]
fn added_homes_change_the_totals_by_exactly_the_added_number() {
    let r = raw();
    let at = |n: usize| lonlat(r.nodes[n]);
    let [x0, y0] = at(homes()[10]);
    let free: Vec<usize> = (1..r.nodes.len())
        .filter(|n| r.clean[*n] && n % 23 != 0)
        .take(3)
        .collect();
    // Points on three junctions that hold no home, an area around an existing home (spread
    // over the homes in it) and an area far out at sea (one new unit).
    let added = [
        json!({"name": "A", "lon": at(free[0])[0], "lat": at(free[0])[1], "population": 610}),
        json!({"name": "B", "lon": at(free[1])[0], "lat": at(free[1])[1], "population": 290}),
        json!({"name": "C", "lon": at(free[2])[0], "lat": at(free[2])[1], "population": 320}),
        json!({"name": "D", "population": 300, "geometry": {"type": "Polygon", "coordinates": [[
            [x0 - 0.001, y0 - 0.001], [x0 + 0.001, y0 - 0.001], [x0 + 0.001, y0 + 0.001],
            [x0 - 0.001, y0 + 0.001], [x0 - 0.001, y0 - 0.001]]]}}),
        json!({"name": "E", "population": 55, "geometry": {"type": "Polygon", "coordinates": [[
            [19.0, 59.0], [19.01, 59.0], [19.01, 59.01], [19.0, 59.01], [19.0, 59.0]]]}}),
    ];
    let c = scenario(&json!({"population": added}));
    let sum = 610.0 + 290.0 + 320.0 + 300.0 + 55.0;
    assert_eq!(c.population_added, sum);
    let grown = c.after.total.population - c.before.total.population;
    assert!((grown - sum).abs() < 1e-6, "{grown}");
    let known = c.before.prepared.units.len();
    assert_eq!(c.after.prepared.units.len(), known + 4);
    // The new homes on junctions have the baseline's time there; the one at sea none.
    let open = vec![false; r.edges.len()];
    let expected = r.to_shops(&shops(), &open, &r.times(), &[]);
    for (k, &node) in free.iter().enumerate() {
        let m = c.after.outcome.value(known + k).unwrap();
        assert!((m - expected[node] / 60.0).abs() < 1e-6, "junction {node}");
        let listed = c
            .units
            .iter()
            .find(|u| u.id == c.after.prepared.units[known + k].id);
        assert_eq!(listed.unwrap().before, None, "added homes have no before");
    }
    assert_eq!(c.after.outcome.value(known + 3), None);
    // The area around the home gave it its 300.
    let home = c.before.prepared.units[10].population;
    assert!((c.after.prepared.units[10].population - home - 300.0).abs() < 1e-9);
}

#[test]
fn http_scenario_round_trip_matches_the_independent_times() {
    let region = region();
    let server = region.serve(None, &[]);
    let (w, s, e, n) = central();
    let (drawn, area) = drawn_box(w, s, e, n);
    let closed = raw().within(&area);
    let expected = raw().to_shops(&shops(), &closed, &raw().times(), &[]);
    let body = json!({
        "network": "vagar",
        "demand": {"layer": "hem", "population": "pop"},
        "supply": [{"layer": "affarer"}],
        "areas": null,
        "changes": {
            "network": {"close": [{"within": drawn}]},
            "population": [{"lon": lonlat(raw().nodes[1])[0], "lat": lonlat(raw().nodes[1])[1],
                            "population": 100}]
        },
        "output": {"max_units": 100000}
    });
    let response = common::client()
        .post(server.at("/api/analysis/service-access/scenario"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Json = response.json().unwrap();
    let grown = answer["total"]["after"]["population"].as_f64().unwrap()
        - answer["total"]["before"]["population"].as_f64().unwrap();
    assert!((grown - 100.0).abs() < 1e-6, "{grown}");
    assert_eq!(
        answer["network_changes"]["edges_closed"],
        closed.iter().filter(|c| **c).count()
    );
    let hem = region.layer("hem");
    let node_field = hem.field_index("node").unwrap();
    let node_of: HashMap<u64, usize> = hem
        .features
        .iter()
        .map(|f| (f.id, f.properties[node_field].as_f64().unwrap() as usize))
        .collect();
    let mut compared = 0;
    for unit in answer["units"].as_array().unwrap() {
        let id = unit["id"].as_u64().unwrap();
        let Some(&node) = node_of.get(&id) else {
            // The added home: at junction 1, without a before.
            assert!(unit["before"].is_null());
            let m = unit["after"].as_f64().unwrap();
            assert!((m - expected[1] / 60.0).abs() < 1e-6);
            continue;
        };
        if !raw().open_at(node, &closed) {
            continue;
        }
        match unit["after"].as_f64() {
            Some(m) => assert!((m - expected[node] / 60.0).abs() < 1e-6, "junction {node}"),
            None => assert!(expected[node].is_infinite()),
        }
        compared += 1;
    }
    assert!(compared >= 3, "{compared} changed homes compared");
    // Bad input is a 400 naming the entry.
    let bad = json!({"network": "vagar", "demand": {"layer": "hem", "population": "pop"},
        "supply": [{"layer": "affarer"}], "areas": null,
        "changes": {"network": {"close": [{"ids": ["vagar/999999999"]}]}}});
    let response = common::client()
        .post(server.at("/api/analysis/service-access/scenario"))
        .json(&bad)
        .send()
        .unwrap();
    let detail = common::assert_problem(response, 400);
    assert!(detail.contains("vagar/999999999"), "{detail}");
}
