//! `POST /api/analysis/compare`: one analysis (service access, rural, corridor) for the
//! baseline and 1 to 6 scenarios, side by side ([`compare::compare`]). Each scenario's
//! per-unit result is stored as a derived layer (`cmp_…`, no token needed, within the results
//! cap), whose id the response gives per scenario. Shapes: `docs/compare.md`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde_json::{Value as Json_, json};

use super::shared::{Derived, Output, store_derived};
use crate::analysis::AnalysisCache;
use crate::analysis::compare::{self, CompareRequest, Scenario};
use crate::api::heavy::Heavy;
use crate::api::viewer::Viewer;
use crate::api::{ApiError, AppState};
use crate::store::results;

/// A saved scenario by its id (or name), as the comparison takes it.
fn saved_scenario(state: &AppState, id: &str) -> Option<Scenario> {
    let saved = state.scenarios.find(id).ok()?;
    Some(Scenario {
        name: saved.name,
        id: Some(saved.id),
        changes: saved.changes,
    })
}

/// `POST /api/analysis/compare`.
#[utoipa::path(post, path = "/api/analysis/compare", tag = "analysis", request_body = crate::analysis::compare::CompareRequest, responses((status = 200, description = "the measures per area and in total for the baseline and each scenario, their differences, and each scenario's result layer", body = Object)))]
pub async fn compare(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    headers: HeaderMap,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Json<Json_>, ApiError> {
    let started = Instant::now();
    let Json(body) = body?;
    let request: CompareRequest = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request: {e}")))?;
    request.validate()?;
    let scenarios = request.scenarios(|id| saved_scenario(&state, id))?;
    let internal = viewer.results_internal(&state);
    let work = move || {
        let catalog = viewer.catalog;
        let crs = state.store.analysis_crs().to_string();
        let profile = &viewer.profile.analysis;
        let table = compare::compare(&cache, &catalog, &crs, profile, &request, scenarios)?;
        let mut body = json!(table);
        let mut evicted = Vec::new();
        for (i, scenario) in table.scenarios.iter().enumerate() {
            let derived = Derived {
                default_id: results::derived_id(
                    compare::LAYER_PREFIX,
                    &table.layer_request(i),
                    &catalog,
                ),
                prefix: compare::LAYER_PREFIX,
                source: compare::RESULT_SOURCE,
                internal,
            };
            let output = Output {
                store: Some(table.units[i].is_some()),
                title: Some(scenario.name.clone()),
                ..Output::default()
            };
            let make = |id: &str, title: &str| {
                table
                    .unit_layer(i, id, title)
                    .expect("stored only when the scenario has units")
            };
            let stored = store_derived(&state, &headers, &output, false, make, &derived)?;
            if let Some(stored) = &stored {
                evicted.extend(stored["evicted"].as_array().into_iter().flatten().cloned());
            }
            body["scenarios"][i]["layer"] = stored.map_or(Json_::Null, |s| s["id"].clone());
        }
        body["evicted"] = json!(evicted);
        body["elapsed_ms"] = json!(started.elapsed().as_millis());
        Ok(Json(body))
    };
    heavy.run(work).await
}
