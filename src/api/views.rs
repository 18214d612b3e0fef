//! `/api/views`: saved map views, listed in order; writes need the bearer token. A view may
//! name a saved scenario (`scenario`, its id), which must exist.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::viewer::Viewer;
use super::{ApiError, AppState, auth};
use crate::views::{View, ViewInput};

/// `GET /api/views`: every saved view, in order.
#[utoipa::path(get, path = "/api/views", tag = "views", responses((status = 200, description = "the saved views", body = Object)))]
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Json<Value> {
    let views: Vec<View> = state
        .views
        .list()
        .into_iter()
        .map(|v| viewer.view(&state, v))
        .collect();
    Json(json!({ "views": views }))
}

/// `GET /api/views/{id}`: one saved view.
#[utoipa::path(get, path = "/api/views/{id}", tag = "views", params(("id" = String, Path, description = "view id")), responses((status = 200, description = "the view", body = Object)))]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<View>, ApiError> {
    Ok(Json(viewer.view(&state, state.views.get(&id)?)))
}

/// `POST /api/views`: saves a new view (at `order`, or last).
#[utoipa::path(post, path = "/api/views", tag = "views", request_body = Object, responses((status = 201, description = "the new view", body = Object)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<ViewInput>, JsonRejection>,
) -> Result<(StatusCode, Json<View>), ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    let Json(input) = body?;
    let view = tokio::task::spawn_blocking(move || {
        (state.scenarios).while_kept(|kept| state.views.create(input, kept))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `PUT /api/views/{id}`: replaces a view; `order` moves it.
#[utoipa::path(put, path = "/api/views/{id}", tag = "views", params(("id" = String, Path, description = "view id")), request_body = Object, responses((status = 200, description = "the replaced view", body = Object)), security(("bearer" = [])))]
pub async fn replace(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<ViewInput>, JsonRejection>,
) -> Result<Json<View>, ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    let Json(input) = body?;
    let view = tokio::task::spawn_blocking(move || {
        (state.scenarios).while_kept(|kept| state.views.replace(&id, input, kept))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(view))
}

/// `DELETE /api/views/{id}`.
#[utoipa::path(delete, path = "/api/views/{id}", tag = "views", params(("id" = String, Path, description = "view id")), responses((status = 204, description = "deleted")), security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    let views = state.views.clone();
    tokio::task::spawn_blocking(move || views.delete(&id))
        .await
        .map_err(ApiError::internal)??;
    Ok(StatusCode::NO_CONTENT)
}
