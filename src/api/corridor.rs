//! `POST /api/analysis/corridor`: stråk analysis, see `docs/corridor.md`.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::{Extension, Json};
use serde_json::Value;

use super::analysis::shared::use_saved_scenario;
use super::heavy::Heavy;
use super::viewer::Viewer;
use super::{ApiError, AppState};
use crate::analysis::AnalysisCache;
use crate::analysis::corridor::{self, CorridorRequest, CorridorResponse};

/// Analyses the corridors of the request against the current catalog, taking what the request
/// leaves out from the region profile; a saved scenario the request names (`"scenario"`)
/// becomes its `changes`. Built networks stay in the analysis cache shared with the other
/// analyses.
#[utoipa::path(post, path = "/api/analysis/corridor", tag = "analysis", request_body = crate::analysis::corridor::CorridorRequest, responses((status = 200, description = "each corridor's figures", body = Object)))]
pub async fn analyse(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<CorridorResponse>, ApiError> {
    let unreadable =
        |status, why: String| ApiError::new(status, format!("unreadable corridor request: {why}"));
    let Json(mut body) = body.map_err(|r| unreadable(r.status(), r.body_text()))?;
    use_saved_scenario(&state.scenarios, &mut body)?;
    // Read as axum reads a body, so a wrong shape names its field (422).
    let bytes = serde_json::to_vec(&body).expect("JSON serialises");
    let Json(request) = Json::<CorridorRequest>::from_bytes(&bytes)
        .map_err(|r| unreadable(r.status(), r.body_text()))?;
    request.validate()?;
    let (catalog, profile) = (viewer.catalog, viewer.profile);
    let crs = state.store.analysis_crs().to_string();
    let response = heavy
        .run(move || {
            Ok(corridor::analyse(
                &catalog,
                &crs,
                &profile.analysis,
                &request,
                &cache,
            )?)
        })
        .await?;
    Ok(Json(response))
}
