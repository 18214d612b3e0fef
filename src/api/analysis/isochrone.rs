//! `GET /api/analysis/isochrone?lon=&lat=&minutes=10,20,30`: GeoJSON polygons of the area
//! reachable from a point; the network (and the population counted) default to the region
//! profile's. A scenario's changes (roads closed, slowed or added; new homes) apply with
//! `changes` (the JSON of a `Changes`, URL-encoded) or `scenario` (the name of a saved one).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json_, json};

use super::shared::{parse_part, use_saved_scenario};
use crate::analysis::engine::DemandSpec;
use crate::analysis::isochrone::{self, IsochroneRequest, Origin};
use crate::analysis::{AnalysisCache, network_note};
use crate::api::heavy::Heavy;
use crate::api::viewer::Viewer;
use crate::api::{ApiError, AppState};
use crate::crs;
use crate::network::SnapSettings;

/// `GET /api/analysis/isochrone?network=vagar&lon=18.07&lat=59.33&minutes=10,20,30`
/// (`network` optional) with optional `buffer_m`, `max_distance_m`, `connector_speed_kmh`, `population_layer`,
/// `population_field`, and `changes` or `scenario`: a GeoJSON FeatureCollection, one polygon
/// per budget, largest first.
#[utoipa::path(get, path = "/api/analysis/isochrone", tag = "analysis", params(("lon" = f64, Query, description = "longitude (WGS84)"), ("lat" = f64, Query, description = "latitude (WGS84)")), responses((status = 200, description = "reachable areas as GeoJSON", body = Object)))]
pub async fn isochrone(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let spec = isochrone_request(&state, &params)?.resolve(&viewer.profile.analysis)?;
    let work = move || {
        let catalog = viewer.catalog;
        let crs = state.store.analysis_crs().to_string();
        let result = isochrone::isochrones(&cache, &catalog, &spec, &crs)?;
        let mut features = Vec::new();
        let mut bands: Vec<&isochrone::Isochrone> = result.bands.iter().collect();
        bands.sort_by(|a, b| b.minutes.total_cmp(&a.minutes));
        for band in bands {
            let display = crs::to_display(&band.area.clone().into(), &crs)?;
            features.push(json!({
                "type": "Feature",
                "geometry": geojson::Geometry::from(&display),
                "properties": {
                    "minutes": band.minutes,
                    "population": band.population,
                    "area_km2": band.area_km2,
                    "reached_nodes": band.reached_nodes,
                },
            }));
        }
        let body = json!({
            "type": "FeatureCollection",
            "features": features,
            "origin": [spec.origin.lon, spec.origin.lat],
            "changes": spec.changes,
            "snap_m": result.snap_m,
            "network_note": network_note(&result.network_layer),
        });
        Ok::<_, ApiError>(
            (
                [(header::CONTENT_TYPE, "application/geo+json")],
                body.to_string(),
            )
                .into_response(),
        )
    };
    heavy.run(work).await
}

fn isochrone_request(
    state: &AppState,
    params: &HashMap<String, String>,
) -> Result<IsochroneRequest, ApiError> {
    const KNOWN: &[&str] = &[
        "network",
        "lon",
        "lat",
        "minutes",
        "buffer_m",
        "max_distance_m",
        "connector_speed_kmh",
        "population_layer",
        "population_field",
        "changes",
        "scenario",
    ];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown parameter {unknown:?}; expected {}",
            KNOWN.join(", ")
        )));
    }
    let number = |name: &str| -> Result<Option<f64>, ApiError> {
        params
            .get(name)
            .map(|t| {
                t.trim().parse::<f64>().map_err(|_| {
                    ApiError::bad_request(format!("{name} must be a number, not {t:?}"))
                })
            })
            .transpose()
    };
    let required = |name: &str| -> Result<f64, ApiError> {
        number(name)?
            .ok_or_else(|| ApiError::bad_request(format!("the parameter {name} is missing")))
    };
    let minutes = params
        .get("minutes")
        .map(String::as_str)
        .unwrap_or("10,20,30")
        .split(',')
        .map(|m| {
            m.trim()
                .parse::<f64>()
                .map_err(|_| ApiError::bad_request(format!("minutes must be numbers, not {m:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let defaults = SnapSettings::default();
    let snap_given =
        params.contains_key("max_distance_m") || params.contains_key("connector_speed_kmh");
    let population = match (
        params.get("population_layer"),
        params.get("population_field"),
    ) {
        (Some(layer), Some(field)) => Some(DemandSpec {
            layer: layer.clone(),
            population: field.clone(),
        }),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "give both population_layer and population_field, or neither",
            ));
        }
    };
    let mut scenario = Map::new();
    if let Some(text) = params.get("changes") {
        let changes = serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("changes is not JSON: {e}")))?;
        scenario.insert("changes".into(), changes);
    }
    if let Some(name) = params.get("scenario") {
        scenario.insert("scenario".into(), json!(name));
    }
    let mut scenario = Json_::Object(scenario);
    use_saved_scenario(&state.scenarios, &mut scenario)?;
    Ok(IsochroneRequest {
        changes: parse_part(scenario.get_mut("changes").map(Json_::take), "changes")?,
        network: params.get("network").cloned(),
        network_settings: None,
        snap: snap_given
            .then(|| -> Result<_, ApiError> {
                Ok(SnapSettings {
                    max_distance_m: number("max_distance_m")?.unwrap_or(defaults.max_distance_m),
                    connector_speed_kmh: number("connector_speed_kmh")?
                        .unwrap_or(defaults.connector_speed_kmh),
                })
            })
            .transpose()?,
        population,
        origin: Origin {
            lon: required("lon")?,
            lat: required("lat")?,
            minutes,
            buffer_m: number("buffer_m")?.unwrap_or(isochrone::DEFAULT_BUFFER_M),
        },
    })
}
