//! `/api/scenarios`: saved scenarios (a name, a description and `changes`), listed in the order
//! they were created; writes need the bearer token, as for views. A scenario a saved view
//! shows cannot be deleted (409 naming the view).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::viewer::Viewer;
use super::{ApiError, AppState, auth};
use crate::scenarios::{Scenario, ScenarioInput};

/// `GET /api/scenarios`: every saved scenario, as the caller may see it (ids of internal
/// layers' features left out for a caller without a token).
#[utoipa::path(get, path = "/api/scenarios", tag = "scenarios", responses((status = 200, description = "the saved scenarios", body = Object)))]
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Json<Value> {
    let scenarios: Vec<Value> = (state.scenarios.list().into_iter())
        .map(|s| viewer.scenario(&state, s))
        .collect();
    Json(json!({ "scenarios": scenarios }))
}

/// `GET /api/scenarios/{id}`: one saved scenario, as the caller may see it.
#[utoipa::path(get, path = "/api/scenarios/{id}", tag = "scenarios", params(("id" = String, Path, description = "scenario id (the slug of its name)")), responses((status = 200, description = "the scenario", body = Object)))]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(viewer.scenario(&state, state.scenarios.find(&id)?)))
}

/// `POST /api/scenarios`: saves a new scenario; its id is the slug of its name (409 when
/// taken).
#[utoipa::path(post, path = "/api/scenarios", tag = "scenarios", request_body = ScenarioInput, responses((status = 201, description = "the new scenario", body = Object)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<ScenarioInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Scenario>), ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    let Json(input) = body?;
    let scenario = tokio::task::spawn_blocking(move || state.scenarios.create(input))
        .await
        .map_err(ApiError::internal)??;
    Ok((StatusCode::CREATED, Json(scenario)))
}

/// `PUT /api/scenarios/{id}`: replaces a scenario's name, description and changes.
#[utoipa::path(put, path = "/api/scenarios/{id}", tag = "scenarios", params(("id" = String, Path, description = "scenario id")), request_body = ScenarioInput, responses((status = 200, description = "the replaced scenario", body = Object)), security(("bearer" = [])))]
pub async fn replace(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<ScenarioInput>, JsonRejection>,
) -> Result<Json<Scenario>, ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    let Json(input) = body?;
    let scenario = tokio::task::spawn_blocking(move || state.scenarios.replace(&id, input))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(scenario))
}

/// `DELETE /api/scenarios/{id}`: 409 while a saved view shows it.
#[utoipa::path(delete, path = "/api/scenarios/{id}", tag = "scenarios", params(("id" = String, Path, description = "scenario id")), responses((status = 204, description = "deleted")), security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    tokio::task::spawn_blocking(move || {
        state.scenarios.delete(&id, |id| {
            let view = state.views.naming_scenario(id)?;
            Some(format!("{:?} (id {})", view.title, view.id))
        })
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(StatusCode::NO_CONTENT)
}
