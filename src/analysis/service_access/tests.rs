//! Service access and its what-ifs on a small road, units and shops built here, with the
//! figures worked out by hand.
//!
//! The road runs 10 km east from (E0, N0) in SWEREF 99 TM at 60 km/h, so one kilometre is one
//! minute. Units on it at 1, 4 and 9 km hold 10, 20 and 30 people; a unit of 5 lies 50 km
//! north, beyond any connector. Shops stand at 0 and 10 km. Areas: West (0–5 km, code 1) and
//! East (5–10 km, code 2); the unit at 4 km carries code 2, so it joins East by its code.

use super::*;
use crate::analysis::engine::OUTSIDE;
use crate::analysis::engine::test_support::{layer_of, line, point, profile, square, text};
use crate::layer::Value;

const E0: f64 = 500_000.0;
const N0: f64 = 6_600_000.0;
const CRS: &str = "EPSG:3006";

fn km(x: f64) -> f64 {
    E0 + x * 1000.0
}

fn catalog() -> Catalog {
    let road = layer_of(
        "vagar",
        &["speed_kmh"],
        (0..10)
            .map(|i| {
                let (a, b) = (km(f64::from(i)), km(f64::from(i + 1)));
                (line((a, N0), (b, N0)), vec![Value::Real(60.0)])
            })
            .collect(),
    );
    let units = layer_of(
        "rutor",
        &["bef", "kommunkod"],
        vec![
            (point(km(1.0), N0), vec![Value::Real(10.0), text("1")]),
            (point(km(4.0), N0), vec![Value::Real(20.0), text("2")]),
            (point(km(9.0), N0), vec![Value::Real(30.0), text("")]),
            (
                point(km(2.0), N0 + 50_000.0),
                vec![Value::Real(5.0), text("")],
            ),
        ],
    );
    let shops = layer_of(
        "butiker",
        &["name", "category"],
        vec![
            (point(km(0.0), N0), vec![text("Väst"), text("grocery")]),
            (point(km(10.0), N0), vec![text("Öst"), text("grocery")]),
            (point(km(5.0), N0), vec![text("Apoteket"), text("pharmacy")]),
        ],
    );
    let areas = layer_of(
        "kommungranser",
        &["code", "name"],
        vec![
            (
                square(km(0.0), N0 - 5_000.0, 5_000.0),
                vec![text("1"), text("West")],
            ),
            (
                square(km(5.0), N0 - 5_000.0, 5_000.0),
                vec![text("2"), text("East")],
            ),
        ],
    );
    Catalog::of_layers(vec![road, units, shops, areas])
}

/// The analysis of `json`, resolved against the profile.
fn spec(json: &str) -> AccessSpec {
    serde_json::from_str::<AccessRequest>(json)
        .unwrap()
        .resolve(&profile())
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn lonlat(x: f64, y: f64) -> (f64, f64) {
    let g = crate::crs::to_display(&geo::Point::new(x, y).into(), CRS).unwrap();
    let geo::Geometry::Point(p) = g else {
        panic!("{g:?}")
    };
    (p.x(), p.y())
}

#[test]
fn nearest_times_bands_means_and_medians_are_those_worked_by_hand() {
    let catalog = catalog();
    let cache = AnalysisCache::default();
    let spec = spec(r#"{"kind": "livs", "bands": {"unit": "min", "breaks": [2, 5, 10]}}"#);
    let run = run(&cache, &catalog, &spec, &mut |_| {}).unwrap();
    let minutes: Vec<Option<f64>> = (0..4).map(|i| run.outcome.value(i)).collect();
    for (got, want) in minutes.iter().zip([Some(1.0), Some(4.0), Some(1.0), None]) {
        assert_eq!(got.is_some(), want.is_some(), "{minutes:?}");
        if let (Some(g), Some(w)) = (got, want) {
            assert!(close(*g, w), "{minutes:?}");
        }
    }
    assert_eq!(run.outcome.units[3].status, Status::BeyondSnap);
    let t = &run.total;
    assert_eq!((t.units, t.population, t.unreachable), (4, 65.0, 5.0));
    let bands: Vec<f64> = t.bands.iter().map(|b| b.population).collect();
    assert_eq!(bands, [40.0, 20.0, 0.0, 0.0]);
    // Mean (1·10 + 4·20 + 1·30) / 60 = 2; half of 60 is reached at 1 minute.
    assert!(
        close(t.mean.unwrap(), 2.0) && close(t.median.unwrap(), 1.0),
        "{t:?}"
    );
    // Beyond the last break (10): the unreachable only.
    assert_eq!(t.beyond_threshold, 5.0);
    // Per area, in layer order, the unit in no area last; the unit at 4 km joins East by code.
    let names: Vec<(&str, f64)> = run
        .areas
        .iter()
        .map(|a| (a.name.as_str(), a.population))
        .collect();
    assert_eq!(names, [("West", 10.0), ("East", 50.0), (OUTSIDE, 5.0)]);
    let east = &run.areas[1];
    assert!(close(east.mean.unwrap(), (4.0 * 20.0 + 30.0) / 50.0));
    assert!(close(east.median.unwrap(), 1.0));
    let join = run.prepared.area_join.clone().unwrap();
    assert_eq!((join.by_code, join.by_location, join.outside), (2, 1, 1));
    // The result layer has a feature per unit with its band and area.
    let layer = result_layer(&run, &spec.bands, "sa_test", "test", None);
    assert_eq!(layer.features.len(), 4);
    let band = layer.field_index("band").unwrap();
    let area = layer.field_index("area_name").unwrap();
    assert_eq!(layer.features[1].properties[band], text("2–5 min"));
    assert_eq!(layer.features[1].properties[area], text("East"));
}

#[test]
fn without_areas_only_the_total_is_given() {
    let catalog = catalog();
    let spec = spec(r#"{"kind": "livs", "areas": null}"#);
    assert_eq!(spec.areas, None);
    let run = run(&AnalysisCache::default(), &catalog, &spec, &mut |_| {}).unwrap();
    assert!(run.areas.is_empty() && run.prepared.area_join.is_none());
    assert_eq!(run.total.population, 65.0);
}

#[test]
fn closing_adding_and_moving_shops_change_the_totals_as_worked_by_hand() {
    let catalog = catalog();
    let cache = AnalysisCache::default();
    let spec = spec(r#"{"kind": "livs", "bands": {"unit": "min", "breaks": [2, 5, 10]}}"#);
    let what_if = |changes: &str| {
        let changes: Changes = serde_json::from_str(changes).unwrap();
        scenario(&cache, &catalog, &spec, &changes, CRS).unwrap()
    };
    // Closing the western shop: 1 km → 9 min (+8), 4 km → 6 min (+2).
    let closed = what_if(r#"{"remove": ["butiker/1"]}"#);
    assert_eq!(closed.total.population_farther, 30.0);
    assert!(close(
        closed.total.mean_increase.unwrap(),
        (8.0 * 10.0 + 2.0 * 20.0) / 30.0
    ));
    assert!(close(closed.total.max_increase.unwrap(), 8.0));
    assert!(close(
        closed.after.total.mean.unwrap(),
        (9.0 * 10.0 + 6.0 * 20.0 + 30.0) / 60.0
    ));
    assert_eq!(closed.units.len(), 2);
    assert_eq!(closed.units[0].before_service.as_deref(), Some("butiker/1"));
    assert_eq!(closed.units[0].after_service.as_deref(), Some("butiker/2"));
    let west = closed.areas.iter().find(|a| a.name == "West").unwrap();
    assert_eq!(west.population_farther, 10.0);
    // A new shop at 5 km: the unit at 4 km is 1 minute from it, closer by 3.
    let (lon, lat) = lonlat(km(5.0), N0);
    let added = what_if(&format!(r#"{{"add": [{{"lon": {lon}, "lat": {lat}}}]}}"#));
    assert_eq!(added.units.len(), 1);
    assert_eq!(added.units[0].after_service.as_deref(), Some("new/1"));
    assert!(close(added.units[0].change.unwrap(), -3.0));
    assert_eq!(added.total.population_closer, 20.0);
    // The eastern shop moved to 5 km: 4 km → 1 min (−3), 9 km → 4 min (+3).
    let moved = what_if(&format!(
        r#"{{"move": [{{"id": "butiker/2", "lon": {lon}, "lat": {lat}}}]}}"#
    ));
    let change: Vec<(u64, f64)> = moved
        .units
        .iter()
        .map(|u| (u.id, (u.change.unwrap() * 1e6).round() / 1e6))
        .collect();
    assert_eq!(change, [(3, 3.0), (2, -3.0)]);
    assert_eq!(
        (
            moved.total.population_farther,
            moved.total.population_closer
        ),
        (30.0, 20.0)
    );
    // Closing both leaves no service; an unknown id is refused.
    let changes: Changes =
        serde_json::from_str(r#"{"remove": ["butiker/1", "butiker/2"]}"#).unwrap();
    assert!(matches!(
        scenario(&cache, &catalog, &spec, &changes, CRS),
        Err(AnalysisError::EmptySupply(_))
    ));
    let typo: Changes = serde_json::from_str(r#"{"remove": ["butiker/9"]}"#).unwrap();
    assert!(matches!(
        scenario(&cache, &catalog, &spec, &typo, CRS),
        Err(AnalysisError::Invalid(_))
    ));
}

#[test]
fn what_a_request_leaves_out_comes_from_the_profile_or_is_named_missing() {
    let given = spec(r#"{}"#);
    assert_eq!(given.network.as_deref(), Some("vagar"));
    assert_eq!(
        given.supply,
        vec![profile().service("livs").unwrap().supply()]
    );
    assert_eq!(given.areas.unwrap().layer, "kommungranser");
    let explicit =
        spec(r#"{"supply": [{"layer": "butiker", "filter": {"category": "pharmacy"}}]}"#);
    assert_eq!(explicit.supply[0].filter["category"], "pharmacy");
    let missing = |json: &str| match serde_json::from_str::<AccessRequest>(json)
        .unwrap()
        .resolve(&AnalysisProfile::default())
    {
        Err(AnalysisError::Profile(ProfileError::Missing(setting))) => setting,
        other => panic!("{other:?}"),
    };
    assert_eq!(missing("{}"), "supply");
    assert_eq!(missing(r#"{"supply": [{"layer": "butiker"}]}"#), "network");
    assert_eq!(
        missing(r#"{"supply": [{"layer": "butiker"}], "network": "vagar"}"#),
        "demand"
    );
    assert!(
        ProfileError::Missing("network")
            .to_string()
            .contains("missing setting `network`")
    );
    let unknown = serde_json::from_str::<AccessRequest>(r#"{"kind": "bageri"}"#)
        .unwrap()
        .resolve(&profile());
    assert!(matches!(
        unknown,
        Err(AnalysisError::Profile(ProfileError::UnknownKind { .. }))
    ));
    let both = serde_json::from_str::<AccessRequest>(
        r#"{"kind": "livs", "supply": [{"layer": "butiker"}]}"#,
    )
    .unwrap()
    .resolve(&profile());
    assert!(matches!(both, Err(AnalysisError::Invalid(_))));
}

#[test]
fn spec_reads_from_json_with_defaults() {
    let spec: AccessSpec = serde_json::from_str(
        r#"{"network":"n","demand":{"layer":"d","population":"p"},
            "supply":[{"layer":"s","filter":{"category":"grocery"}}]}"#,
    )
    .unwrap();
    assert_eq!(spec.mode, Mode::Network);
    assert_eq!(spec.bands, Bands::default());
    assert_eq!(threshold_of(&spec), 30.0);
    assert!(spec.validate().is_ok());
    let straight = AccessSpec {
        mode: Mode::StraightLine,
        ..spec
    };
    assert!(matches!(
        straight.validate(),
        Err(AnalysisError::Invalid(_))
    ));
}

#[test]
fn new_homes_and_road_changes_compare_as_worked_by_hand() {
    let catalog = catalog();
    let cache = AnalysisCache::default();
    let spec = spec(r#"{"kind": "livs", "bands": {"unit": "min", "breaks": [2, 5, 10]}}"#);
    let what_if = |changes: serde_json::Value| {
        let changes: Changes = serde_json::from_value(changes).unwrap();
        scenario(&cache, &catalog, &spec, &changes, CRS).unwrap()
    };
    // Road km 1–2 closed, km 0–1 at 30 km/h: the unit at 1 km needs 2 min to the western
    // shop (+1), the unit at 4 km goes east, 6 min (+2). A home of 100 at 7 km: 3 min east.
    let (lon, lat) = lonlat(km(7.0), N0);
    let c = what_if(serde_json::json!({
        "population": [{"name": "Nya bostäder", "lon": lon, "lat": lat, "population": 100}],
        "network": {
            "close": [{"ids": ["vagar/2"]}],
            "speed": [{"ids": ["vagar/1"], "speed_kmh": 30}]
        }
    }));
    assert_eq!(c.after.total.population, c.before.total.population + 100.0);
    assert_eq!(c.population_added, 100.0);
    let report = c.network.unwrap();
    assert_eq!((report.edges_closed, report.edges_speed_changed), (1, 1));
    let by_id = |id: u64| c.units.iter().find(|u| u.id == id).unwrap();
    assert!(close(by_id(1).change.unwrap(), 1.0));
    assert!(close(by_id(2).change.unwrap(), 2.0));
    assert_eq!(by_id(2).after_service.as_deref(), Some("butiker/2"));
    let home = by_id(5);
    assert_eq!((home.before, home.population), (None, 100.0));
    assert!(close(home.after.unwrap(), 3.0));
    assert_eq!(home.area.as_deref(), Some("East"), "its area by location");
    let east = c.areas.iter().find(|a| a.name == "East").unwrap();
    assert_eq!(east.after.population - east.before.population, 100.0);
    // The result layer shows the new unit, without a change.
    let layer = result_layer(&c.after, &spec.bands, "sa_s", "s", Some(&c.before));
    assert_eq!(layer.features.len(), 5);
    let change = layer.field_index("change").unwrap();
    assert_eq!(layer.features[4].properties[change], Value::Null);
    assert!(matches!(layer.features[1].properties[change], Value::Real(d) if close(d, 2.0)));
    // A link around the closed piece, km 1 → (1.5, +500 m) → km 2 at 60 km/h: the unit at
    // 4 km goes west again, 3 + √2 min.
    let (a, m, b) = (
        lonlat(km(1.0), N0),
        lonlat(km(1.5), N0 + 500.0),
        lonlat(km(2.0), N0),
    );
    let linked = what_if(serde_json::json!({"network": {
        "close": [{"ids": ["vagar/2"]}],
        "links": [{"line": {"type": "LineString", "coordinates": [[a.0, a.1], [m.0, m.1], [b.0, b.1]]},
                   "speed_kmh": 60}]
    }}));
    let unit = linked.after.outcome.value(1).unwrap();
    assert!((unit - (3.0 + 2f64.sqrt())).abs() < 1e-6, "{unit}");
    // Road changes need a network.
    let straight = spec_straight();
    let changes: Changes =
        serde_json::from_value(serde_json::json!({"network": {"close": [{"ids": ["vagar/2"]}]}}))
            .unwrap();
    assert!(matches!(
        scenario(&cache, &catalog, &straight, &changes, CRS),
        Err(AnalysisError::Invalid(_))
    ));
}

fn spec_straight() -> AccessSpec {
    spec(r#"{"kind": "livs", "mode": "straight_line", "bands": {"unit": "km", "breaks": [5]}}"#)
}
