//! `/api/places`: the tätorter of the region and their profiles (ortsanalys).
//!
//! - `GET /api/places`: id, name, population, municipality and place class of each tätort,
//!   with the class rules' parameters.
//! - `GET /api/places/{id}/profile`: one tätort's profile ([`Profile`]).
//!
//! Both take optional query parameters `towns` (tätort layer), `population` (its population
//! field), `network` and `demand` (population grid) with `demand_population`; what they leave
//! out comes from the region profile.

use std::sync::Arc;

use axum::extract::{Path, Query};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use crate::analysis::AnalysisCache;
use crate::analysis::engine::DemandSpec;
use crate::analysis::place_profile::{self, PlaceRequest, Places, Profile};
use crate::analysis::towns::TownSpec;
use crate::api::ApiError;
use crate::api::heavy::Heavy;
use crate::api::viewer::Viewer;
use crate::profile::AnalysisProfile;

/// Query parameters overriding the region profile.
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
    /// The request: the layers named, the rest the profile's (a population field alone
    /// applies to the profile's layer).
    fn request(self, profile: &AnalysisProfile) -> PlaceRequest {
        let towns = TownSpec::overridden(self.towns, self.population, profile.towns.as_ref());
        let demand = match (self.demand, self.demand_population, profile.demand.clone()) {
            (Some(layer), Some(population), _) => Some(DemandSpec { layer, population }),
            (layer, population, Some(d)) => Some(DemandSpec {
                layer: layer.unwrap_or(d.layer),
                population: population.unwrap_or(d.population),
            }),
            (_, _, None) => None,
        };
        PlaceRequest {
            network: self.network,
            towns,
            demand,
            ..PlaceRequest::default()
        }
    }
}

async fn with_places<T: Send + 'static>(
    viewer: Viewer,
    cache: Arc<AnalysisCache>,
    heavy: Arc<Heavy>,
    query: PlaceQuery,
    then: impl FnOnce(&Viewer, Places) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    heavy
        .run(move || {
            let spec = query
                .request(&viewer.profile.analysis)
                .resolve(&viewer.profile.analysis)?;
            let places = place_profile::places(&cache, &viewer.catalog, &spec)?;
            then(&viewer, places)
        })
        .await
}

/// `GET /api/places`.
#[utoipa::path(get, path = "/api/places", tag = "analysis", responses((status = 200, description = "the places (tätorter) of the profile", body = Object)))]
pub async fn list(
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    query: Result<Query<PlaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Json_>, ApiError> {
    let Query(query) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    with_places(viewer, cache, heavy, query, |_, places| {
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
#[utoipa::path(get, path = "/api/places/{id}/profile", tag = "analysis", params(("id" = String, Path, description = "place id")), responses((status = 200, description = "the place profile (ortsanalys)", body = Object)))]
pub async fn profile(
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    Path(id): Path<String>,
    query: Result<Query<PlaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Profile>, ApiError> {
    let Query(query) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    with_places(viewer, cache, heavy, query, move |viewer, places| {
        Ok(Json(places.profile(&viewer.catalog, &id)?))
    })
    .await
}
