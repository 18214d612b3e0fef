//! `/api/places`: the tätorter of the region and their profiles (ortsanalys).
//!
//! - `GET /api/places`: id, name, population, municipality and place class of each tätort,
//!   with the class rules' parameters.
//! - `GET /api/places/{id}/profile`: one tätort's profile ([`Profile`]).
//!
//! Both take optional query parameters `towns` (tätort layer, default `tatorter`),
//! `population` (its population field), `network` (default `busslinjer`) and `demand`
//! (population grid, default `befolkning_1km`) with `demand_population`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::heavy::Heavy;
use super::{ApiError, AppState};
use crate::analysis::AnalysisCache;
use crate::analysis::place_profile::{self, PlaceSpec, Places, Profile};

/// Query parameters overriding the demo defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceQuery {
    /// Tätort layer.
    towns: Option<String>,
    /// Its population field.
    population: Option<String>,
    /// Network layer.
    network: Option<String>,
    /// Population grid layer.
    demand: Option<String>,
    /// Its population field.
    demand_population: Option<String>,
}

impl PlaceQuery {
    fn spec(self) -> PlaceSpec {
        let mut spec = PlaceSpec::default();
        if let Some(t) = self.towns {
            spec.towns.layer = t;
        }
        spec.towns.population = self.population.or(spec.towns.population);
        spec.network = self.network.unwrap_or(spec.network);
        spec.demand.layer = self.demand.unwrap_or(spec.demand.layer);
        spec.demand.population = self.demand_population.unwrap_or(spec.demand.population);
        spec
    }
}

async fn with_places<T: Send + 'static>(
    state: AppState,
    cache: Arc<AnalysisCache>,
    heavy: Arc<Heavy>,
    query: PlaceQuery,
    then: impl FnOnce(&AppState, Places) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    heavy
        .run(move || {
            let places = place_profile::places(&cache, &state.store.snapshot(), &query.spec())?;
            then(&state, places)
        })
        .await
}

/// `GET /api/places`.
pub async fn list(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    query: Result<Query<PlaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Json_>, ApiError> {
    let Query(query) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    with_places(state, cache, heavy, query, |_, places| {
        let rows = places.rows();
        Ok(Json(json!({
            "towns_layer": places.towns.layer.meta.id,
            "count": rows.len(),
            "classes": place_profile::class_counts(&rows),
            "rules": places.spec.rules,
            "places": rows,
        })))
    })
    .await
}

/// `GET /api/places/{id}/profile`.
pub async fn profile(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    Path(id): Path<String>,
    query: Result<Query<PlaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Profile>, ApiError> {
    let Query(query) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    with_places(state, cache, heavy, query, move |state, places| {
        Ok(Json(places.profile(&state.store.snapshot(), &id)?))
    })
    .await
}
