//! `POST /api/analysis/service-access` and `POST /api/analysis/service-access/scenario`.
//!
//! - `POST /api/analysis/service-access`: body an [`AccessRequest`] plus an optional `output`
//!   object ([`Output`]); answers JSON (default), CSV or GeoJSON.
//! - `POST /api/analysis/service-access/scenario`: the same body plus `changes`
//!   ([`Changes`]); answers the baseline, the scenario and their differences.
//!
//! What a request leaves out comes from the region profile. Networks and snapped demand units
//! stay cached per server (keyed by layer versions and settings), so a what-if only repeats
//! the service search. The shapes are documented in `docs/service-access.md`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Map, Value as Json_, json};

use super::shared::{
    Derived, Format, Output, Table, parse_body, parse_body_with_scenario, parse_part, store_derived,
};
use crate::analysis::service_access::{self, AccessRequest, AccessSpec, Changes, Run};
use crate::analysis::{AnalysisCache, network_note};
use crate::api::heavy::Heavy;
use crate::api::viewer::Viewer;
use crate::api::{ApiError, AppState, layers};
use crate::layer::Layer;
use crate::scenarios::Scenarios;
use crate::store::{Catalog, results};

/// Reads a body into the resolved analysis and the named extra objects; with `scenarios`, a
/// saved scenario the body names becomes its `changes` first.
fn resolve_body<const N: usize>(
    viewer: &Viewer,
    scenarios: Option<&Scenarios>,
    body: Result<Json<Json_>, JsonRejection>,
    extras: [&str; N],
) -> Result<(AccessSpec, [Option<Json_>; N]), ApiError> {
    let (request, parts) = match scenarios {
        Some(scenarios) => parse_body_with_scenario::<AccessRequest, N>(scenarios, body, extras)?,
        None => parse_body::<AccessRequest, N>(body, extras)?,
    };
    let spec = request.resolve(&viewer.profile.analysis)?;
    spec.validate()?;
    Ok((spec, parts))
}

/// Commits a service-access or scenario result when asked (see [`store_derived`]).
fn store_layer(
    state: &AppState,
    headers: &HeaderMap,
    output: &Output,
    default_store: bool,
    make: impl FnOnce(&str, &str) -> Layer,
    (request, internal): (Json_, bool),
    catalog: &Catalog,
) -> Result<Option<Json_>, ApiError> {
    let derived = Derived {
        default_id: results::derived_id("sa_", &request, catalog),
        prefix: "sa_",
        source: service_access::RESULT_SOURCE,
        internal,
    };
    store_derived(state, headers, output, default_store, make, &derived)
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
#[utoipa::path(post, path = "/api/analysis/service-access", tag = "analysis", request_body = crate::analysis::service_access::AccessRequest, responses((status = 200, description = "the access result (JSON, or CSV with `output.format`)", body = Object), (status = 202, description = "accepted as a background job (Prefer: respond-async)", body = Object)))]
pub async fn service_access(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    headers: HeaderMap,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let (spec, [output]) = resolve_body(&viewer, None, body, ["output"])?;
    let output = parse_part::<Output>(output, "output")?.validate()?;
    let internal = viewer.results_internal(&state);
    let work = move || {
        let catalog = viewer.catalog;
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
        let stored = store_layer(
            &state,
            &headers,
            &output,
            true,
            make,
            (request, internal),
            &catalog,
        )?;
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
#[utoipa::path(post, path = "/api/analysis/service-access/scenario", tag = "analysis", request_body(content = crate::analysis::service_access::AccessRequest, description = "an access request with `changes` (what-if) and `output`"), responses((status = 200, description = "the scenario compared with the baseline", body = Object), (status = 202, description = "accepted as a background job (Prefer: respond-async)", body = Object)))]
pub async fn scenario(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    headers: HeaderMap,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let (spec, [output, changes]) =
        resolve_body(&viewer, Some(&state.scenarios), body, ["output", "changes"])?;
    let output = parse_part::<Output>(output, "output")?.validate()?;
    let changes: Changes = parse_part(changes, "changes")?;
    changes.validate()?;
    let internal = viewer.results_internal(&state);
    let work = move || {
        let catalog = viewer.catalog;
        let crs = state.store.analysis_crs().to_string();
        let c = service_access::scenario(&cache, &catalog, &spec, &changes, &crs)?;
        let make = |id: &str, title: &str| {
            service_access::result_layer(&c.after, &spec.bands, id, title, Some(&c.before))
        };
        let request = json!({ "scenario": spec, "changes": changes });
        let stored = store_layer(
            &state,
            &headers,
            &output,
            false,
            make,
            (request, internal),
            &catalog,
        )?;
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
        body.insert("population_added".into(), json!(c.population_added));
        body.insert("network_changes".into(), json!(c.network));
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
