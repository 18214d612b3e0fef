//! Service access benchmark: the full Dalarna run (4,004 grid cells, every grocery store,
//! bus network), one what-if, and nearest service for every node of the Stockholm network.
//! Prints wall time and peak memory (VmHWM, reset before each run) per run.
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
