//! Rural distance classes and place profiles on the real Dalarna data, a hand-built road for
//! the 45-minute rule, and the HTTP API against a real server.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::regions::{self, Layers, Region};

use geo::{Geometry, Intersects, LineString, Point, polygon};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::place_profile::{self, ClassReason, PlaceClass, PlaceRequest};
use kartrummet::analysis::rural::{self, Class, ClassRule, Rural, RuralRequest, RuralSpec};
use kartrummet::analysis::service_access::{AreaSpec, DemandSpec};
use kartrummet::analysis::towns::TownSpec;
use kartrummet::layer::{Feature, Field, FieldKind, Layer, LayerMeta, Value};
use kartrummet::profile::{AnalysisProfile, RegionProfile};
use kartrummet::store::Store;

/// The demo's region profile (`data/demo.toml`).
fn demo() -> AnalysisProfile {
    RegionProfile::read(dalarna().manifest()).unwrap().analysis
}

const DALARNA_POPULATION: f64 = 285_587.0;

/// The Dalarna layers these tests read, ingested once per test binary.
fn dalarna() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "busslinjer",
        "befolkning_1km",
        "tatorter",
        "tatortsytor",
        "kommuner",
        "servicepunkter",
        "vardcentraler",
        "paketombud",
        "hallplatser",
    ]))
}

/// The classification of Dalarna against tätort polygons, computed once.
fn dalarna_polygons() -> &'static Rural {
    static RESULT: OnceLock<Rural> = OnceLock::new();
    RESULT.get_or_init(|| {
        let spec = RuralRequest {
            towns: Some(TownSpec {
                population: Some("BEF".into()),
                ..TownSpec::of_layer("tatortsytor")
            }),
            ..Default::default()
        }
        .resolve(&demo())
        .unwrap();
        rural::classify(
            cache(),
            &dalarna().store().snapshot(),
            &spec,
            "EPSG:3006",
            &mut |_| {},
        )
        .unwrap()
    })
}

fn cache() -> &'static AnalysisCache {
    static CACHE: OnceLock<AnalysisCache> = OnceLock::new();
    CACHE.get_or_init(AnalysisCache::default)
}

fn class_sum(a: &rural::AreaClasses) -> f64 {
    a.classes.iter().map(|c| c.population).sum()
}

#[test]
fn dalarna_population_per_class_sums_to_the_total() {
    let r = dalarna_polygons();
    assert!((r.total.population - DALARNA_POPULATION).abs() < 0.5);
    assert!((class_sum(&r.total) - DALARNA_POPULATION).abs() < 0.5);
    let mut over_areas = 0.0;
    for a in &r.areas {
        assert!((class_sum(a) - a.population).abs() < 1e-6, "{}", a.name);
        over_areas += a.population;
    }
    assert!((over_areas - DALARNA_POPULATION).abs() < 0.5);
    assert_eq!(r.areas.len(), 15, "Dalarna's 15 municipalities");
    // Every class is populated in Dalarna.
    eprintln!("polygons: {}", serde_json::to_string(&r.total).unwrap());
    for c in &r.total.classes {
        assert!(c.population > 0.0, "{:?}", c.class);
    }
    // The same holds with tätort points.
    let points = rural::classify(
        cache(),
        &dalarna().store().snapshot(),
        &RuralRequest::default().resolve(&demo()).unwrap(),
        "EPSG:3006",
        &mut |_| {},
    )
    .unwrap();
    assert!((class_sum(&points.total) - DALARNA_POPULATION).abs() < 0.5);
    // Tätort points stand for a circle of the tätort's area, so the class is more than the
    // cells that hold a point.
    assert!(
        points.total.classes[0].share > 0.25,
        "{:?}",
        points.total.classes[0]
    );
    for x in &r.nearest {
        eprintln!(
            "{}+: {:?} {:?}",
            x.n,
            x.detour(&r.prepared),
            x.population_by_town(&r.prepared)
                .iter()
                .take(3)
                .collect::<Vec<_>>()
        );
    }
    eprintln!("points: {}", serde_json::to_string(&points.total).unwrap());
}

#[test]
fn units_inside_a_tatort_polygon_of_3000_are_tatort() {
    let r = dalarna_polygons();
    let polygons = dalarna().layer("tatortsytor");
    let bef = polygons.field_index("BEF").unwrap();
    let big: Vec<&Geometry<f64>> = polygons
        .features
        .iter()
        .filter(|f| f.properties[bef].as_f64().unwrap_or(0.0) >= 3000.0)
        .map(|f| &f.geometry)
        .collect();
    let mut inside = 0;
    for (i, u) in r.prepared.units.iter().enumerate() {
        let p = Point(u.point.unwrap());
        let is_inside = big.iter().any(|g| g.intersects(&p));
        if is_inside {
            inside += 1;
            assert_eq!(r.classes[i], Class::Tatort, "unit {}", u.id);
            let by_rule = r.nearest.iter().find(|x| x.n == 3000.0).unwrap();
            assert_eq!(by_rule.network.units[i].time_s, Some(0.0));
        } else {
            assert_ne!(r.classes[i], Class::Tatort, "unit {}", u.id);
        }
    }
    assert!(inside > 100, "{inside} units inside");
    // Everyone has a straight-line distance to a 50,000+ tätort (Gävle, Västerås, …) and the
    // bus network reaches some.
    let fifty = r.nearest.iter().find(|x| x.n == 50_000.0).unwrap();
    assert!(fifty.straight.iter().all(|s| s.length_m.is_some()));
    assert!(fifty.total.mean.is_some());
}

fn meta(id: &str, fields: &[(&str, FieldKind)]) -> LayerMeta {
    let fields = fields
        .iter()
        .map(|(n, k)| Field {
            name: n.to_string(),
            kind: *k,
        })
        .collect();
    LayerMeta::new(id, fields)
}

fn feature(id: u64, geometry: Geometry<f64>, properties: Vec<Value>) -> Feature {
    Feature {
        id,
        display: geometry.clone(),
        geometry,
        properties,
    }
}

/// A straight 100 km road at the default 50 km/h, a tätort of 5,000 at its west end, and
/// units on the road 44 and 46 minutes east of it.
#[test]
fn forty_six_minutes_is_glesbygd_and_forty_four_is_tatortsnara() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "EPSG:3006").unwrap();
    let (x0, y0) = (500_000.0, 6_700_000.0);
    let road: Geometry<f64> =
        LineString::from(vec![(x0, y0), (x0 + 50_000.0, y0), (x0 + 100_000.0, y0)]).into();
    let metres_per_minute = 50_000.0 / 60.0;
    let at = |min: f64| -> Geometry<f64> { Point::new(x0 + min * metres_per_minute, y0).into() };
    let pop = |v: f64| vec![Value::Real(v)];
    let area: Geometry<f64> = polygon![
        (x: x0 - 1000.0, y: y0 - 1000.0), (x: x0 + 101_000.0, y: y0 - 1000.0),
        (x: x0 + 101_000.0, y: y0 + 1000.0), (x: x0 - 1000.0, y: y0 + 1000.0)
    ]
    .into();
    store
        .commit(vec![
            Layer::new(
                meta("vag", &[("klass", FieldKind::String)]),
                vec![feature(1, road, vec![Value::Null])],
            ),
            Layer::new(
                meta("towns", &[("pop", FieldKind::Real)]),
                vec![feature(1, at(0.0), pop(5000.0))],
            ),
            Layer::new(
                meta("units", &[("pop", FieldKind::Real)]),
                vec![
                    feature(1, at(44.0), pop(10.0)),
                    feature(2, at(46.0), pop(20.0)),
                ],
            ),
            Layer::new(
                meta(
                    "areas",
                    &[("code", FieldKind::String), ("name", FieldKind::String)],
                ),
                vec![feature(
                    1,
                    area,
                    vec![Value::Str("9999".into()), Value::Str("Test".into())],
                )],
            ),
        ])
        .unwrap();
    let spec = RuralRequest {
        network: Some("vag".into()),
        demand: Some(DemandSpec {
            layer: "units".into(),
            population: "pop".into(),
        }),
        towns: Some(TownSpec::of_layer("towns")),
        areas: Some(Some(AreaSpec::of_layer("areas"))),
        thresholds: vec![3000.0],
        classes: ClassRule::default(),
        ..Default::default()
    }
    .resolve(&AnalysisProfile::default())
    .unwrap();
    let r = rural::classify(
        &AnalysisCache::default(),
        &store.snapshot(),
        &spec,
        "EPSG:3006",
        &mut |_| {},
    )
    .unwrap();
    let minutes: Vec<f64> = r.nearest[0]
        .network
        .units
        .iter()
        .map(|u| u.time_s.unwrap() / 60.0)
        .collect();
    assert!((minutes[0] - 44.0).abs() < 1e-6 && (minutes[1] - 46.0).abs() < 1e-6);
    assert_eq!(
        r.classes,
        vec![Class::TatortsnaraLandsbygd, Class::Glesbygd]
    );
    let straight = r.nearest[0].straight[1].length_m.unwrap();
    assert!((straight - 46.0 * metres_per_minute).abs() < 1e-6);
    assert_eq!(r.areas[0].classes[1].population, 10.0);
    assert_eq!(r.areas[0].classes[2].population, 20.0);
    // Per area mean minutes to a 3,000+ tätort: (44·10 + 46·20) / 30.
    let mean = r.areas[0].mean_minutes["3000"].unwrap();
    assert!((mean - (44.0 * 10.0 + 46.0 * 20.0) / 30.0).abs() < 1e-6);
    // A 45-minute unit is still tätortsnära with a 46-minute rule … and the rule is the
    // caller's: at 40 minutes both are glesbygd.
    let strict = RuralSpec {
        classes: ClassRule {
            town_population: 3000.0,
            minutes: 40.0,
        },
        ..spec
    };
    let r = rural::classify(
        &AnalysisCache::default(),
        &store.snapshot(),
        &strict,
        "EPSG:3006",
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.classes, vec![Class::Glesbygd, Class::Glesbygd]);
}

/// Health centre names of `vardcentraler.csv` per municipality (field `Kommun`).
fn health_centres_of(municipality: &str) -> BTreeSet<String> {
    let layer = dalarna().layer("vardcentraler");
    let (m, n) = (
        layer.field_index("Kommun").unwrap(),
        layer.field_index("Populärnamn").unwrap(),
    );
    layer
        .features
        .iter()
        .filter(|f| f.properties[m].to_json() == serde_json::json!(municipality))
        .map(|f| f.properties[n].to_json().as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ludvika_and_smedjebacken_profiles_list_their_health_centres() {
    let catalog = dalarna().store().snapshot();
    let places = place_profile::places(
        cache(),
        &catalog,
        &PlaceRequest::default().resolve(&demo()).unwrap(),
    )
    .unwrap();
    let rows = places.rows();
    assert!(rows.len() > 80, "{} tätorter in Dalarna", rows.len());
    assert!(rows.iter().all(|r| {
        r.municipality
            .as_ref()
            .is_some_and(|m| m.code.as_deref().is_some_and(|c| c.starts_with("20")))
    }));
    for town in ["Ludvika", "Smedjebacken"] {
        let row = rows.iter().find(|r| r.name == town).unwrap();
        assert_eq!(row.class, PlaceClass::Huvudort, "{town}");
        let profile = places.profile(&catalog, &row.id).unwrap();
        assert_eq!(profile.municipality.as_ref().unwrap().name, town);
        assert_eq!(
            profile.class.reason,
            ClassReason::MostPopulous {
                municipality: Some(town.into())
            }
        );
        let expected = health_centres_of(town);
        assert!(
            !expected.is_empty(),
            "{town} has health centres in the file"
        );
        let listed: BTreeSet<String> = profile
            .health_centres_in_municipality
            .iter()
            .map(|h| h.name.clone())
            .collect();
        assert_eq!(listed, expected, "{town}");
        let nearest = profile.nearest.iter().find(|n| n.kind == "health").unwrap();
        assert!(
            expected.contains(nearest.name.as_ref().unwrap()),
            "{town}: nearest health centre {:?} is not in {town}",
            nearest.name
        );
        assert!(nearest.minutes.unwrap() < 15.0, "{town}: {nearest:?}");
        for n in &profile.nearest {
            assert!(
                n.minutes.is_some() && n.straight_km.is_some(),
                "{town}: {n:?}"
            );
        }
        let bus = profile.bus.as_ref().unwrap();
        assert!(bus.stops > 0 && bus.weekday_departures > 0.0);
        let within: Vec<f64> = profile
            .population_within
            .iter()
            .map(|r| r.population)
            .collect();
        assert!(within[0] >= profile.population * 0.5, "{town}: {within:?}");
        assert!(within[1] >= within[0]);
        eprintln!("{}", serde_json::to_string(&profile).unwrap());
    }
    // Every other tätort's reason holds its own numbers and the rule's limits.
    for row in rows.iter().filter(|r| r.class != PlaceClass::Huvudort) {
        let profile = places.profile(&catalog, &row.id).unwrap();
        let ClassReason::ServiceortRule {
            met,
            population,
            min_population,
            grocery_km,
            max_grocery_km,
        } = profile.class.reason
        else {
            panic!("{}: {:?}", row.name, profile.class);
        };
        assert_eq!(met, row.class == PlaceClass::Serviceort, "{}", row.name);
        assert_eq!(population, row.population);
        assert_eq!(
            (min_population, max_grocery_km),
            (
                profile.rules.serviceort_min_population,
                profile.rules.serviceort_grocery_km
            )
        );
        let grocery = profile
            .nearest
            .iter()
            .find(|n| n.kind == "grocery")
            .unwrap();
        assert_eq!(grocery_km, grocery.straight_km, "{}", row.name);
    }
    assert!(
        places
            .profile(&catalog, "no-such-place")
            .is_err_and(|e| matches!(e, kartrummet::analysis::AnalysisError::UnknownPlace(_)))
    );
}

/// The real binary over the shared test store.
use common::Server;

fn server() -> Server {
    dalarna().serve(None, &[])
}

#[test]
fn http_api() {
    let server = server();
    let client = reqwest::blocking::Client::new();
    let url = |p: &str| format!("{}{p}", server.url);
    // The classification, committed as a layer the features API serves.
    let response = client
        .post(url("/api/analysis/rural"))
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().unwrap();
    let id = body["layer"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("rural_"));
    assert!(
        body["network_note"]
            .as_str()
            .unwrap()
            .contains("not all roads")
    );
    assert_eq!(body["areas"].as_array().unwrap().len(), 15);
    assert_eq!(body["area_join"]["unit_code_field"], "kommunkod");
    assert_eq!(body["area_join"]["by_code"], 4004);
    let total: f64 = body["total"]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["population"].as_f64().unwrap())
        .sum();
    assert!((total - DALARNA_POPULATION).abs() < 0.5);
    let layer: serde_json::Value = client
        .get(url(&format!("/api/layers/{id}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(layer["feature_count"], 4004);
    let features = client
        .get(url(&format!("/api/layers/{id}/features?limit=5")))
        .send()
        .unwrap();
    assert_eq!(features.status(), 200);
    // Places and a profile.
    let places: serde_json::Value = client
        .get(url("/api/places"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let list = places["places"].as_array().unwrap();
    let falun = list.iter().find(|p| p["name"] == "Falun").unwrap();
    assert_eq!(falun["class"], "huvudort");
    let profile = client
        .get(url(&format!(
            "/api/places/{}/profile",
            falun["id"].as_str().unwrap()
        )))
        .send()
        .unwrap();
    assert_eq!(profile.status(), 200);
    let profile: serde_json::Value = profile.json().unwrap();
    assert_eq!(
        profile["nearest"].as_array().unwrap().len(),
        3,
        "the demo profile's kinds"
    );
    // The class reason and the rules are numbers for the client to put in words.
    assert_eq!(
        profile["class"],
        serde_json::json!({"class": "huvudort",
            "reason": {"kind": "most_populous", "municipality": "Falun"}})
    );
    assert_eq!(profile["rules"]["serviceort_min_population"], 1000.0);
    assert_eq!(profile["rules"]["serviceort_grocery_km"], 2.0);
    assert_eq!(places["rules"], profile["rules"]);
    // Errors are problems.
    let problems = [
        (serde_json::json!({ "thresholds": [-1] }), 400),
        (serde_json::json!({ "towns": { "layer": "nope" } }), 404),
        (
            serde_json::json!({ "towns": { "layer": "tatorter", "population": "name" } }),
            422,
        ),
        (
            serde_json::json!({ "towns": { "layer": "tatorter", "population": "nope" } }),
            400,
        ),
        (serde_json::json!({ "unknown": 1 }), 400),
        (serde_json::json!({ "area_code_field": "kommun" }), 400),
        (
            serde_json::json!({
                "area_code_field": "kommunkod",
                "areas": { "layer": "kommuner", "unit_code_field": "" },
            }),
            400,
        ),
        (serde_json::json!([1, 2]), 400),
        (serde_json::json!({ "output": { "format": "csv" } }), 400),
    ];
    for (body, status) in problems {
        let response = client
            .post(url("/api/analysis/rural"))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    for (path, status) in [
        ("/api/places/nope/profile", 404),
        ("/api/places?towns=nope", 404),
        ("/api/places?bogus=1", 400),
    ] {
        let response = client.get(url(path)).send().unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
}
