//! Comparison benchmark: Dalarna grocery access (4,004 grid cells, bus network) for the
//! baseline and three scenarios (the busiest store closes, a store opens at Idre, both), as
//! `POST /api/analysis/compare` runs it, and the four result layers built. Target: under
//! 500 ms with the network and units cached. Prints wall time per run.
//!
//! The layers are ingested from the demo manifest as the tests do (`tests/common`).
//!
//! `cargo bench --bench compare`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::regions::{self, Layers};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::compare::{self, CompareRequest, Comparison};
use kartrummet::profile::RegionProfile;
use serde_json::json;

fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    println!(
        "{name:<62} {:>8.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    out
}

fn main() {
    let dalarna = regions::dalarna(Layers::Only(&[
        "busslinjer",
        "befolkning_1km",
        "servicepunkter",
        "kommuner",
    ]));
    let catalog = dalarna.store().snapshot();
    let profile = RegionProfile::read(dalarna.manifest())
        .expect("the demo profile")
        .analysis;
    let cache = AnalysisCache::default();
    let busiest = timed(
        "baseline alone, cold (build network, snap 4,004 cells)",
        || busiest_store(&cache, &catalog, &profile),
    );
    let idre = json!({ "name": "Idre", "lon": 12.7186, "lat": 61.8585 });
    let request: CompareRequest = serde_json::from_value(json!({
        "analysis": "service_access",
        "request": { "kind": "grocery" },
        "scenarios": [
            { "name": "Butiken stänger", "changes": { "remove": [busiest] } },
            { "name": "Ny butik i Idre", "changes": { "add": [idre] } },
            { "name": "Båda", "changes": { "remove": [busiest], "add": [idre] } },
        ],
    }))
    .expect("a request");
    let run = || {
        let scenarios = request.scenarios(|_| None).expect("inline scenarios");
        compare::compare(&cache, &catalog, "EPSG:3006", &profile, &request, scenarios)
            .expect("the comparison")
    };
    let table: Comparison = timed("baseline + 3 scenarios (network and units cached)", run);
    timed("baseline + 3 scenarios, again", run);
    timed("the four result layers built", || {
        (0..table.scenarios.len())
            .filter_map(|i| table.unit_layer(i, "cmp_bench", "bench"))
            .count()
    });
    let total = &table.total;
    for (i, s) in table.scenarios.iter().enumerate().skip(1) {
        println!(
            "  {:<16} mean {:+.2} min, beyond threshold {:+.0} residents",
            s.name,
            total.difference[i]
                .as_ref()
                .and_then(|d| d["mean"])
                .unwrap_or(f64::NAN),
            total.difference[i]
                .as_ref()
                .and_then(|d| d["population_beyond"])
                .unwrap_or(f64::NAN),
        );
    }
}

/// The id of the grocery store nearest to most cells, from a plain service-access run.
fn busiest_store(
    cache: &AnalysisCache,
    catalog: &kartrummet::store::Catalog,
    profile: &kartrummet::profile::AnalysisProfile,
) -> String {
    let spec = kartrummet::analysis::service_access::AccessRequest {
        kind: Some("grocery".into()),
        ..Default::default()
    }
    .resolve(profile)
    .expect("the grocery spec");
    let run = kartrummet::analysis::service_access::run(cache, catalog, &spec, &mut |_| {})
        .expect("a run");
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for i in 0..run.outcome.units.len() {
        if let Some(id) = run.outcome.service_id(i) {
            *counts.entry(id).or_default() += 1;
        }
    }
    let (id, _) = counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .expect("a used store");
    id.to_string()
}
