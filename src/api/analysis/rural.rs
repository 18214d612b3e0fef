//! `POST /api/analysis/rural`: rural distance classes (landsbygdsavstånd).
//!
//! The body is a [`RuralRequest`] (what it leaves out comes from the region profile, so `{}`
//! works on a region with a profile) plus an optional `output` object as for service access (`store`, `layer`, `title`,
//! `include_units`, `format`: `json` or `geojson`). The per-unit results are committed as a
//! layer (`rural_…` by default, no token needed) so tiles and the features API show them;
//! the response gives its id, the class rules, totals and the per-municipality table. With
//! `changes` (or `scenario`, a saved one's name) it classifies the scenario: new homes and
//! network changes apply; service changes are ignored, and the answer's `changes` says so.
//! Shapes: `docs/rural.md`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value as Json_, json};

use super::shared::{Derived, Format, Output, parse_body_with_scenario, parse_part, store_derived};
use crate::analysis::rural::{self, RuralRequest, size_key};
use crate::analysis::{AnalysisCache, network_note};
use crate::api::heavy::Heavy;
use crate::api::viewer::Viewer;
use crate::api::{ApiError, AppState, layers};
use crate::store::results;

/// `POST /api/analysis/rural`.
#[utoipa::path(post, path = "/api/analysis/rural", tag = "analysis", request_body = crate::analysis::rural::RuralRequest, responses((status = 200, description = "distance classes and municipality measures", body = Object), (status = 202, description = "accepted as a background job (Prefer: respond-async)", body = Object)))]
pub async fn analyze(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    headers: HeaderMap,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let (request, [output]): (RuralRequest, _) =
        parse_body_with_scenario(&state.scenarios, body, ["output"])?;
    let output: Output = parse_part(output, "output")?;
    let spec = request.resolve(&viewer.profile.analysis)?;
    if output.format == Format::Csv {
        return Err(ApiError::bad_request(
            "the rural analysis answers json or geojson; the stored layer exports to other formats",
        ));
    }
    let internal = viewer.results_internal(&state);
    let work = move || {
        let catalog = viewer.catalog;
        let crs = state.store.analysis_crs();
        let result = rural::classify(&cache, &catalog, &spec, crs, &mut |_| {})?;
        let make = |id: &str, title: &str| result.result_layer(id, title);
        if output.format == Format::Geojson {
            return Ok(layers::collection_response(&make("result", "result")));
        }
        let derived = Derived {
            default_id: results::derived_id("rural_", &json!({ "rural": spec }), &catalog),
            prefix: "rural_",
            source: rural::RESULT_SOURCE,
            internal,
        };
        let stored = store_derived(&state, &headers, &output, true, make, &derived)?;
        let network = result.prepared.network_layer.as_deref();
        let thresholds: Vec<Json_> = result
            .nearest
            .iter()
            .map(|x| {
                json!({
                    "n": x.n,
                    "key": size_key(x.n),
                    "towns": x.network.services.len(),
                    "towns_beyond_snap": x.network.services_beyond_snap.len(),
                    "reached_towns": x.population_by_town(&result.prepared).into_iter().take(10).collect::<Vec<_>>(),
                    "detour": x.detour(&result.prepared),
                    "total": x.total,
                })
            })
            .collect();
        let mut body = json!({
            "layer": stored,
            "network": {
                "layer": spec.network,
                "summary": result.prepared.network.as_deref().map(|n| n.summary()),
            },
            "network_note": network.map(network_note),
            "classes": {
                "rule": spec.classes,
                "rules": result.rules(),
            },
            "sparse_rule": spec.sparse,
            "changes": {
                "applied": spec.changes,
                "ignored": spec.ignored_changes,
            },
            "land_area_note": "land_km2 is the area of the demand units in each class (0 for \
                point units); area_km2 is the whole area polygon.",
            "thresholds": thresholds,
            "total": result.total,
            "areas": result.areas,
            "area_join": result.prepared.area_join,
            "elapsed_ms": started.elapsed().as_millis(),
        });
        if output.include_units {
            let layer = make("result", "result");
            body["units"] = (0..layer.features.len())
                .map(|i| layers::feature_json(&layer, i)["properties"].clone())
                .collect();
        }
        Ok(Json(body).into_response())
    };
    heavy.run(work).await
}
