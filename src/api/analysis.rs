//! `/api/analysis`: service access, what-if scenarios and isochrones.
//!
//! - `POST /api/analysis/service-access`: body an [`AccessSpec`] plus an optional `output`
//!   object ([`Output`]); answers JSON (default), CSV or GeoJSON.
//! - `POST /api/analysis/service-access/scenario`: the same body plus `changes`
//!   ([`Changes`]); answers the baseline, the scenario and their differences.
//! - `GET /api/analysis/isochrone?network=&lon=&lat=&minutes=10,20,30`: GeoJSON polygons.
//!
//! Networks and snapped demand units stay cached per server (keyed by layer versions and
//! settings), so a what-if only repeats the service search. The shapes are documented in
//! `docs/service-access.md`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value as Json_, json};

use super::heavy::Heavy;
use super::{ApiError, AppState, auth, layers};
use crate::analysis::isochrone::{self, IsochroneSpec};
use crate::analysis::service_access::{self, AccessSpec, Changes, Run};
use crate::analysis::{AnalysisCache, network_note};
use crate::crs;
use crate::layer::{self, Layer};
use crate::network::{NetworkSettings, SnapSettings};
use crate::range;
use crate::store::{Catalog, results};

/// The analysis routes under `/api/analysis`. They share the server's one [`AnalysisCache`],
/// an extension added by [`super::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/service-access", post(service_access))
        .route("/service-access/scenario", post(scenario))
        .route("/isochrone", get(isochrone))
        .route("/corridor", post(super::corridor::analyse))
        .route("/rural", post(super::rural::analyze))
}

/// What to return and keep, the `output` object of a request.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Output {
    /// `json` (default), `csv` or `geojson` (the units with their results).
    pub format: Format,
    /// For CSV: `areas` (default) or `units`.
    pub table: Table,
    /// In JSON, list every unit's result (default false; the stored layer has them).
    pub include_units: bool,
    /// Commit the per-unit results as a layer (default true for an analysis, false for a
    /// scenario). Ids starting `sa_` need no token unless they would replace an ingested
    /// layer; other ids need the write token.
    pub store: Option<bool>,
    /// Id of the stored layer; default `sa_` and a hash of the request and its input layers'
    /// versions (see [`results::derived_id`]).
    pub layer: Option<String>,
    /// Title of the stored layer (at most [`layer::MAX_TITLE_CHARS`] characters).
    pub title: Option<String>,
    /// Scenario: at most this many changed units listed (default 1000).
    pub max_units: usize,
}

impl Default for Output {
    fn default() -> Self {
        Self {
            format: Format::Json,
            table: Table::Areas,
            include_units: false,
            store: None,
            layer: None,
            title: None,
            max_units: 1000,
        }
    }
}

/// Most changed units a scenario response may list (`output.max_units`).
pub const MAX_UNITS: usize = 100_000;

impl Output {
    /// Checks `max_units` against [`MAX_UNITS`].
    fn validate(self) -> Result<Self, ApiError> {
        range::at_most("output.max_units", self.max_units, MAX_UNITS, "units")
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(self)
    }
}

/// Response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON summary.
    Json,
    /// A CSV table.
    Csv,
    /// A GeoJSON FeatureCollection of the units.
    Geojson,
}

/// Which CSV table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    /// Per area, with the total last.
    Areas,
    /// Per unit.
    Units,
}

/// Splits a request body into the analysis spec and the named extra objects.
pub(super) fn parse_body<T: serde::de::DeserializeOwned, const N: usize>(
    body: Result<Json<Json_>, JsonRejection>,
    extras: [&str; N],
) -> Result<(T, [Option<Json_>; N]), ApiError> {
    let Json(body) = body.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
    let Json_::Object(mut map) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    let taken = extras.map(|k| map.remove(k));
    let spec = serde_json::from_value(Json_::Object(map))
        .map_err(|e| ApiError::bad_request(format!("invalid request: {e}")))?;
    Ok((spec, taken))
}

/// Reads one extra object of a body (see [`parse_body`]); absent gives the default.
pub(super) fn parse_part<T: for<'de> Deserialize<'de> + Default>(
    value: Option<Json_>,
    name: &str,
) -> Result<T, ApiError> {
    value
        .map(|v| {
            serde_json::from_value(v)
                .map_err(|e| ApiError::bad_request(format!("invalid {name}: {e}")))
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Commits a service-access or scenario result when asked (see [`store_derived`]).
fn store_layer(
    state: &AppState,
    headers: &HeaderMap,
    output: &Output,
    default_store: bool,
    make: impl FnOnce(&str, &str) -> Layer,
    request: Json_,
    catalog: &Catalog,
) -> Result<Option<Json_>, ApiError> {
    let derived = Derived {
        default_id: results::derived_id("sa_", &request, catalog),
        prefix: "sa_",
        source: service_access::RESULT_SOURCE,
    };
    store_derived(state, headers, output, default_store, make, &derived)
}

/// How an analysis names and marks its result layers.
pub(super) struct Derived {
    /// Id when the request names none: from the request and its inputs' versions
    /// ([`results::derived_id`]).
    pub default_id: String,
    /// Ids with this prefix need no token while they only replace layers of `source`.
    pub prefix: &'static str,
    /// The `source` of the analysis's result layers.
    pub source: &'static str,
}

/// Commits a derived layer when `output` asks for it (default `default_store`); returns
/// `{id, version, derived, evicted}` for the response. Ids with the analysis's prefix need no
/// token as long as they only ever replace the same analysis's result layers, which is
/// decided under the store lock; any other id needs the write token. Results are kept within
/// `[limits.results]`, least recently used first out, never one a saved view names. Without
/// `output.layer` the id is derived from the request (`derived: true`), and a result already
/// stored under it is reused as it is.
pub(super) fn store_derived(
    state: &AppState,
    headers: &HeaderMap,
    output: &Output,
    default_store: bool,
    make: impl FnOnce(&str, &str) -> Layer,
    derived: &Derived,
) -> Result<Option<Json_>, ApiError> {
    if !output.store.unwrap_or(default_store) {
        return Ok(None);
    }
    let from_request = output.layer.is_none();
    let id = output
        .layer
        .clone()
        .unwrap_or_else(|| derived.default_id.clone());
    layer::validate_id(&id).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if !from_request && results::is_derived_form(&id) {
        return Err(ApiError::bad_request(format!(
            "output.layer {id:?} has the form of a derived result id, which only the request \
             itself may give; leave output.layer out or choose another name"
        )));
    }
    layer::validate_text(output.title.as_deref(), None)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let token = state.config.token.as_deref();
    let anonymous = id.starts_with(derived.prefix);
    if !anonymous {
        auth::require_token(token, headers)?;
    }
    let title = output.title.clone().unwrap_or_else(|| id.clone());
    let keep = state.views.layer_ids();
    let committed = state.store.commit_result(
        make(&id, &title),
        from_request,
        |existing| match existing {
            Some(other) if anonymous && other.meta.source != derived.source => {
                auth::require_token(token, headers).map_err(|_| {
                    ApiError::new(
                        StatusCode::FORBIDDEN,
                        format!(
                            "layer {id:?} is not a result of this analysis; only the write \
                             token may replace it (or leave output.layer out)"
                        ),
                    )
                })
            }
            _ => Ok(()),
        },
        &state.config.limits.results,
        |id| keep.contains(id),
    )?;
    Ok(Some(json!({
        "id": committed.meta.id,
        "version": committed.meta.version,
        "derived": from_request,
        "evicted": committed.evicted,
    })))
}

/// Header facts shared by analysis and scenario responses.
fn header_json(run: &Run, spec: &AccessSpec) -> Map<String, Json_> {
    let p = &run.prepared;
    let mut m = Map::new();
    m.insert(
        "network".into(),
        match (&p.network, &p.network_layer) {
            (Some(n), Some(l)) => {
                let mut v = serde_json::to_value(n.summary()).unwrap_or_default();
                v["layer"] = json!(l.meta.id);
                v["version"] = json!(l.meta.version);
                v
            }
            _ => Json_::Null,
        },
    );
    m.insert(
        "network_note".into(),
        match &p.network_layer {
            Some(l) => json!(network_note(l)),
            None => json!("Straight-line distances, not travel along roads."),
        },
    );
    m.insert("area_join".into(), json!(p.area_join));
    m.insert("mode".into(), json!(spec.mode));
    m.insert("unit".into(), json!(spec.bands.unit));
    m.insert("bands".into(), json!(spec.bands.labels()));
    m.insert(
        "threshold".into(),
        json!(service_access::threshold_of(spec)),
    );
    m
}

fn services_json(run: &Run) -> Json_ {
    json!({
        "count": run.outcome.services.len(),
        "beyond_snap": run.outcome.services_beyond_snap.len(),
    })
}

fn demand_json(run: &Run) -> Json_ {
    let counts = run.status_counts();
    let status = |k: &str| {
        let (units, population) = counts.get(k).copied().unwrap_or((0, 0.0));
        json!({ "units": units, "population": population })
    };
    json!({
        "layer": run.prepared.demand.meta.id,
        "units": run.prepared.units.len(),
        "population": run.total.population,
        "reached": status("reached"),
        "beyond_snap": status("beyond_snap"),
        "no_route": status("no_route"),
    })
}

/// `POST /api/analysis/service-access`.
pub async fn service_access(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    headers: HeaderMap,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let (spec, [output]) = parse_body::<AccessSpec, 1>(body, ["output"])?;
    let output = parse_part::<Output>(output, "output")?.validate()?;
    spec.validate()?;
    let work = move || {
        let catalog = state.store.snapshot();
        let run = service_access::run(&cache, &catalog, &spec, &mut |_| {})?;
        let make = |id: &str, title: &str| {
            service_access::result_layer(&run, &spec.bands, id, title, None)
        };
        match output.format {
            Format::Csv => {
                let text = match output.table {
                    Table::Areas => run.areas_csv(),
                    Table::Units => run.units_csv(),
                };
                return Ok(
                    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response()
                );
            }
            Format::Geojson => {
                return Ok(layers::collection_response(&make("result", "result")));
            }
            Format::Json => {}
        }
        let request = json!({ "service_access": spec });
        let stored = store_layer(&state, &headers, &output, true, make, request, &catalog)?;
        let mut body = header_json(&run, &spec);
        body.insert("services".into(), services_json(&run));
        body.insert("demand".into(), demand_json(&run));
        body.insert("total".into(), json!(run.total));
        body.insert("areas".into(), json!(run.areas));
        body.insert("layer".into(), stored.unwrap_or(Json_::Null));
        if output.include_units {
            body.insert("units".into(), json!(run.unit_rows()));
        }
        body.insert("elapsed_ms".into(), json!(started.elapsed().as_millis()));
        Ok(Json(Json_::Object(body)).into_response())
    };
    heavy.run(work).await
}

/// `POST /api/analysis/service-access/scenario`.
pub async fn scenario(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    headers: HeaderMap,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let (spec, [output, changes]) = parse_body::<AccessSpec, 2>(body, ["output", "changes"])?;
    let output = parse_part::<Output>(output, "output")?.validate()?;
    let changes: Changes = parse_part(changes, "changes")?;
    spec.validate()?;
    changes.validate()?;
    let work = move || {
        let catalog = state.store.snapshot();
        let crs = state.store.analysis_crs().to_string();
        let c = service_access::scenario(&cache, &catalog, &spec, &changes, &crs)?;
        let make = |id: &str, title: &str| {
            service_access::result_layer(&c.after, &spec.bands, id, title, Some(&c.before))
        };
        let request = json!({ "scenario": spec, "changes": changes });
        let stored = store_layer(&state, &headers, &output, false, make, request, &catalog)?;
        let mut body = header_json(&c.after, &spec);
        body.insert("changes".into(), json!(changes));
        body.insert(
            "services".into(),
            json!({
                "before": services_json(&c.before),
                "after": services_json(&c.after),
            }),
        );
        body.insert("total".into(), json!(c.total));
        body.insert("areas".into(), json!(c.areas));
        body.insert("units_changed".into(), json!(c.units.len()));
        body.insert(
            "units".into(),
            json!(c.units.iter().take(output.max_units).collect::<Vec<_>>()),
        );
        body.insert("layer".into(), stored.unwrap_or(Json_::Null));
        body.insert("elapsed_ms".into(), json!(started.elapsed().as_millis()));
        Ok(Json(Json_::Object(body)).into_response())
    };
    heavy.run(work).await
}

/// `GET /api/analysis/isochrone?network=busslinjer&lon=15.63&lat=60.61&minutes=10,20,30`
/// with optional `buffer_m`, `max_distance_m`, `connector_speed_kmh`, `population_layer` and
/// `population_field`: a GeoJSON FeatureCollection, one polygon per budget, largest first.
pub async fn isochrone(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let spec = isochrone_spec(&params)?;
    spec.validate()?;
    let work = move || {
        let catalog = state.store.snapshot();
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
            "origin": [spec.lon, spec.lat],
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

fn isochrone_spec(params: &HashMap<String, String>) -> Result<IsochroneSpec, ApiError> {
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
    let population = match (
        params.get("population_layer"),
        params.get("population_field"),
    ) {
        (Some(layer), Some(field)) => Some(service_access::DemandSpec {
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
    Ok(IsochroneSpec {
        network: params
            .get("network")
            .cloned()
            .ok_or_else(|| ApiError::bad_request("the parameter network is missing"))?,
        network_settings: NetworkSettings::default(),
        snap: SnapSettings {
            max_distance_m: number("max_distance_m")?.unwrap_or(defaults.max_distance_m),
            connector_speed_kmh: number("connector_speed_kmh")?
                .unwrap_or(defaults.connector_speed_kmh),
        },
        lon: required("lon")?,
        lat: required("lat")?,
        minutes,
        buffer_m: number("buffer_m")?.unwrap_or(isochrone::DEFAULT_BUFFER_M),
        population,
    })
}
