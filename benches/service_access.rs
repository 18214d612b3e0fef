//! Service access benchmark: the full Dalarna run (4,004 grid cells, every grocery store,
//! bus network), one what-if, a scenario of 10 road changes, 5 additions of homes and 3
//! service changes (cold, then warm: the figure that matters in a meeting), and nearest
//! service for every node of the Stockholm network. Prints wall time and peak memory (VmHWM,
//! reset before each run) per run.
//!
//! `cargo bench --bench service_access`

use std::path::Path;
use std::time::Instant;

use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::service_access::{
    self, AccessSpec, AreaSpec, Bands, Changes, DemandSpec, Mode, SupplySpec,
};
use kartrummet::ingest::{self, IngestOptions};
use kartrummet::network::{Direction, Network, NetworkSettings, SnapSettings, Weight};
use kartrummet::store::Store;

/// A line of /proc/self/status in MiB.
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak RSS to the current RSS (Linux: `5` into clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn measure<T>(name: &str, f: impl FnOnce() -> T) -> T {
    reset_peak();
    let before = status_mib("VmRSS:");
    let started = Instant::now();
    let out = f();
    let elapsed = started.elapsed();
    println!(
        "{name:<58} {:>9.1} ms   peak RSS {:>7.1} MiB (+{:.1} over {:.1} before)",
        elapsed.as_secs_f64() * 1000.0,
        status_mib("VmHWM:"),
        status_mib("VmHWM:") - before,
        before
    );
    out
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), "EPSG:3006").expect("store");
    for (id, file) in [
        ("busslinjer", "data/dalarna/kollektivtrafik_linjer.geojson"),
        ("befolkning_1km", "data/dalarna/befolkning_1km_2025.geojson"),
        (
            "servicepunkter",
            "data/sverige/servicepunkter_se_poi.geojson",
        ),
        ("kommuner", "data/sverige/kommuner_scb_2024.geojson"),
        ("vagnat", "data/stockholm/vagnat_osm_2020.geojson"),
    ] {
        let options = IngestOptions {
            layer_id: Some(id.into()),
            ..Default::default()
        };
        ingest::ingest(&store, Path::new(file), &options, &mut |_| {}).expect("ingest");
    }
    let catalog = store.snapshot();
    let spec = AccessSpec {
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
    };
    let cache = AnalysisCache::default();
    let run = |label: &str| {
        measure(label, || {
            service_access::run(&cache, &catalog, &spec, &mut |_| {}).expect("run")
        })
    };
    let cold = run("Dalarna grocery, cold (build network, snap 4,004 cells)");
    let _warm = run("Dalarna grocery, repeated request (answered from cache)");
    println!(
        "  {} grocery stores in Sweden, {} beyond 5 km of the bus network; population {}",
        cold.outcome.services.len(),
        cold.outcome.services_beyond_snap.len(),
        cold.total.population
    );
    let busiest = cold.outcome.units[0..]
        .iter()
        .filter_map(|r| r.service)
        .max_by_key(|s| {
            cold.outcome
                .units
                .iter()
                .filter(|r| r.service == Some(*s))
                .count()
        })
        .expect("a used shop");
    let changes = Changes {
        remove: vec![cold.outcome.services[busiest as usize].id.clone()],
        ..Default::default()
    };
    let c = measure(
        "what-if: close the busiest grocery store (cached baseline)",
        || {
            service_access::scenario(&cache, &catalog, &spec, &changes, "EPSG:3006")
                .expect("scenario")
        },
    );
    println!(
        "  {} cells changed, {:.0} residents farther",
        c.units.len(),
        c.total.population_farther
    );

    let scenario: Changes = serde_json::from_value(full_scenario(
        &store.layer("busslinjer").expect("busslinjer"),
        &cold.outcome.services[busiest as usize].id,
        &cold.outcome.services[(busiest as usize + 1) % cold.outcome.services.len()].id,
    ))
    .expect("a scenario");
    let run_scenario = |label: &str| {
        measure(label, || {
            service_access::scenario(&cache, &catalog, &spec, &scenario, "EPSG:3006")
                .expect("scenario")
        })
    };
    let _ = run_scenario("scenario: 10 road, 5 homes, 3 service changes, cold");
    let c = run_scenario("scenario: 10 road, 5 homes, 3 service changes, warm");
    println!(
        "  {:?}; {} residents added; {} cells changed",
        c.network.expect("road changes"),
        c.population_added,
        c.units.len()
    );

    let vagnat = store.layer("vagnat").expect("vagnat");
    let network = measure("Stockholm: build network (15,021 edges)", || {
        Network::from_layer(&vagnat, &NetworkSettings::default()).expect("network")
    });
    let shops: Vec<_> = kartrummet::analysis::engine::services(&catalog, &spec.supply)
        .expect("shops")
        .into_iter()
        .filter_map(|s| {
            network.locate(
                s.point,
                &SnapSettings {
                    max_distance_m: 500.0,
                    ..Default::default()
                },
            )
        })
        .collect();
    let reached = measure(
        "Stockholm: nearest grocery store for all 6,974 nodes",
        || network.nearest(&shops, Direction::ToSources, Weight::Time),
    );
    let reachable = (0..network.nodes.len() as u32)
        .filter(|&n| reached.reached.at(n).is_some())
        .count();
    println!(
        "  {} stores within 500 m of the network; {reachable} nodes reach one",
        shops.len()
    );
}

/// A box of `d` degrees around a position, as a GeoJSON polygon.
fn around(lon: f64, lat: f64, d: f64) -> serde_json::Value {
    serde_json::json!({"type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
    ]]})
}

/// Ten road changes (four closures, three new speeds, three links), five additions of homes
/// (three points, two areas) and three service changes (one closed, one moved, one new) in
/// Dalarna.
fn full_scenario(roads: &kartrummet::layer::Layer, close: &str, moved: &str) -> serde_json::Value {
    let id = |k: usize| {
        format!(
            "busslinjer/{}",
            roads.features[k * roads.features.len() / 7].id
        )
    };
    let line =
        |a: [f64; 2], b: [f64; 2]| serde_json::json!({"type": "LineString", "coordinates": [a, b]});
    serde_json::json!({
        "remove": [close],
        "move": [{"id": moved, "lon": 15.63, "lat": 60.61}],
        "add": [{"name": "Ny butik Marnäs", "lon": 15.17, "lat": 60.15}],
        "population": [
            {"name": "Nya bostäder Marnäs", "lon": 15.17, "lat": 60.15, "population": 610},
            {"name": "Borlänge", "lon": 15.43, "lat": 60.485, "population": 290},
            {"name": "Mora", "lon": 14.54, "lat": 61.005, "population": 320},
            {"name": "Falun centrum", "geometry": around(15.63, 60.607, 0.01), "population": 300},
            {"name": "Fjället", "geometry": around(12.9, 61.6, 0.01), "population": 40}
        ],
        "network": {
            "close": [
                {"within": around(15.19, 60.15, 0.004)},
                {"within": around(15.43, 60.485, 0.003)},
                {"ids": [id(1)]},
                {"ids": [id(2), id(3)]}
            ],
            "speed": [
                {"within": around(15.63, 60.607, 0.02), "speed_kmh": 30},
                {"within": around(16.17, 60.14, 0.02), "speed_kmh": 30},
                {"ids": [id(4)], "speed_kmh": 100}
            ],
            "links": [
                {"line": line([15.15, 60.14], [15.22, 60.16]), "speed_kmh": 80},
                {"line": line([15.40, 60.47], [15.47, 60.50]), "speed_kmh": 70, "oneway": true},
                {"line": line([14.50, 60.99], [14.58, 61.02]), "speed_kmh": 60}
            ]
        }
    })
}
