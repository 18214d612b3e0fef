//! Corridor benchmark (issue 7): a ~100 km Stråktrafik corridor (Dalatrafik line 121, 2 km
//! wide) over the Dalarna demo layers. Prints the median and worst time of the analysis, the
//! first (cold) run, which also computes the region's totals that later runs take from the
//! cache, and the process's peak memory. Run with `bash bench/corridor.sh` (release build).

use std::path::Path;
use std::time::{Duration, Instant};

use geo::{Euclidean, Length};
use kartrummet::analysis::AnalysisCache;
use kartrummet::analysis::corridor::{self, CorridorRequest};
use kartrummet::ingest::{self, IngestOptions};
use kartrummet::profile::RegionProfile;
use kartrummet::store::Store;

const LAYERS: &[(&str, &str)] = &[
    ("befolkning_1km", "dalarna/befolkning_1km_2025.geojson"),
    ("tatorter", "sverige/tatorter_scb_2020_punkter.geojson"),
    ("servicepunkter", "sverige/servicepunkter_se_poi.geojson"),
    ("vardcentraler", "dalarna/vardcentraler.csv"),
    ("hallplatser", "dalarna/kollektivtrafik_hallplatser.geojson"),
    ("busslinjer", "dalarna/kollektivtrafik_linjer.geojson"),
    ("lan", "sverige/lan_scb_2024.geojson"),
];

fn main() {
    let runs: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(30);
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(dir.path(), "EPSG:3006").expect("a store");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for (id, file) in LAYERS {
        let options = IngestOptions {
            layer_id: Some((*id).into()),
            ..Default::default()
        };
        ingest::ingest(&store, &data.join(file), &options, &mut |_| {}).expect("ingest");
    }
    let lines = store.layer("busslinjer").expect("bus lines");
    let number = lines.field_index("linjenummer").expect("linjenummer");
    // The shape of line 121 closest to 100 km.
    let (shape, length) = lines
        .features
        .iter()
        .filter(|f| f.properties[number].matches_text("121"))
        .filter_map(|f| match &f.geometry {
            geo::Geometry::LineString(l) => Some((f.id, Euclidean.length(l))),
            _ => None,
        })
        .min_by(|a, b| (a.1 - 100_000.0).abs().total_cmp(&(b.1 - 100_000.0).abs()))
        .expect("line 121");
    let catalog = store.snapshot();
    let cache = AnalysisCache::default();
    // The demo's profile names the layers the requests leave out.
    let profile = RegionProfile::read(&data.join("demo.toml")).expect("the demo profile");
    let profile = &profile.analysis;
    let cases = [
        (
            "1 corridor, 1 km buffer, region = population grid",
            serde_json::json!({"corridors": [
                {"features": {"layer": "busslinjer", "ids": [shape]}, "buffer_m": 1000}
            ]}),
        ),
        (
            "1 corridor, 1 km buffer, region = län 20",
            serde_json::json!({"corridors": [
                {"features": {"layer": "busslinjer", "ids": [shape]}, "buffer_m": 1000}
            ], "region": {"layer": "lan", "where": {"code": "20"}}}),
        ),
        (
            "3 alternatives (0.5/1/2 km buffer)",
            serde_json::json!({"corridors": [
                {"features": {"layer": "busslinjer", "ids": [shape]}, "buffer_m": 500},
                {"features": {"layer": "busslinjer", "ids": [shape]}, "buffer_m": 1000},
                {"features": {"layer": "busslinjer", "ids": [shape]}, "buffer_m": 2000}
            ]}),
        ),
    ];
    println!(
        "kartrum corridor benchmark: line 121 shape {shape}, {:.1} km, {runs} runs each, {} cores",
        length / 1000.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for (label, request) in cases {
        let request: CorridorRequest = serde_json::from_value(request).expect("request");
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let response =
                    corridor::analyse(&catalog, store.analysis_crs(), profile, &request, &cache)
                        .expect("analysis");
                std::hint::black_box(&response);
                start.elapsed()
            })
            .collect();
        let cold = times[0];
        times.sort();
        let response = corridor::analyse(&catalog, store.analysis_crs(), profile, &request, &cache)
            .expect("analysis");
        let first = &response.corridors[0];
        println!(
            "{label:<50} median {:>7.2} ms   max {:>7.2} ms   first {:>7.2} ms   (population {:.0}, {} stops, {} bins)",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
            cold.as_secs_f64() * 1e3,
            first.tally.population.as_ref().map_or(0.0, |p| p.total),
            first.tally.stops.as_ref().map_or(0, |s| s.count),
            first.profile.bins.len(),
        );
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0);
    println!(
        "peak RSS {:.1} MiB (whole process, including the loaded layers)",
        peak / 1024.0
    );
}
