//! What every analysis handler shares: the `output` object, reading a body into a request
//! and its extra parts, a saved scenario named in a request ([`use_saved_scenario`]), and
//! storing a result as a derived layer.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use crate::access;
use crate::api::{ApiError, AppState, auth};
use crate::layer::{self, Layer};
use crate::range;
use crate::scenarios::Scenarios;
use crate::store::results;

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
    pub fn validate(self) -> Result<Self, ApiError> {
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

/// Replaces `"scenario": NAME` in a request body (a JSON object) by `"changes"`: the changes
/// of the saved scenario with that id or name (see [`Scenarios::find`]), before the body is
/// parsed. A body without `scenario` is left as it is. Giving both `scenario` and `changes`
/// is a 400, a `scenario` that is not a text a 400, an unknown one a 404.
///
/// Call it on every analysis request that takes `changes` (for a comparison, on each inner
/// request); [`parse_body_with_scenario`] does it for a whole body.
pub fn use_saved_scenario(scenarios: &Scenarios, body: &mut Json_) -> Result<(), ApiError> {
    let Some(map) = body.as_object_mut() else {
        return Ok(());
    };
    let Some(name) = map.remove("scenario") else {
        return Ok(());
    };
    if map.contains_key("changes") {
        return Err(ApiError::bad_request(
            "give either scenario (the name of a saved scenario) or changes, not both",
        ));
    }
    let Json_::String(name) = name else {
        return Err(ApiError::bad_request(
            "scenario must be the name or id of a saved scenario",
        ));
    };
    let saved = scenarios.find(&name)?;
    map.insert("changes".into(), json!(saved.changes));
    Ok(())
}

/// [`parse_body`] after [`use_saved_scenario`]: for requests that take `changes`.
pub fn parse_body_with_scenario<T: serde::de::DeserializeOwned, const N: usize>(
    scenarios: &Scenarios,
    body: Result<Json<Json_>, JsonRejection>,
    extras: [&str; N],
) -> Result<(T, [Option<Json_>; N]), ApiError> {
    let mut body = json_body(body)?;
    use_saved_scenario(scenarios, &mut body)?;
    split_body(body, extras)
}

/// Splits a request body into the analysis spec and the named extra objects.
pub fn parse_body<T: serde::de::DeserializeOwned, const N: usize>(
    body: Result<Json<Json_>, JsonRejection>,
    extras: [&str; N],
) -> Result<(T, [Option<Json_>; N]), ApiError> {
    split_body(json_body(body)?, extras)
}

/// The JSON of a body, or axum's rejection as a problem.
fn json_body(body: Result<Json<Json_>, JsonRejection>) -> Result<Json_, ApiError> {
    let Json(body) = body.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
    Ok(body)
}

fn split_body<T: serde::de::DeserializeOwned, const N: usize>(
    body: Json_,
    extras: [&str; N],
) -> Result<(T, [Option<Json_>; N]), ApiError> {
    let Json_::Object(mut map) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    let taken = extras.map(|k| map.remove(k));
    let spec = serde_json::from_value(Json_::Object(map))
        .map_err(|e| ApiError::bad_request(format!("invalid request: {e}")))?;
    Ok((spec, taken))
}

/// Reads one extra object of a body (see [`parse_body`]); absent gives the default.
pub fn parse_part<T: for<'de> Deserialize<'de> + Default>(
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

/// How an analysis names and marks its result layers.
pub struct Derived {
    /// Id when the request names none: from the request and its inputs' versions
    /// ([`results::derived_id`]).
    pub default_id: String,
    /// Ids with this prefix need no token while they only replace layers of `source`.
    pub prefix: &'static str,
    /// The `source` of the analysis's result layers.
    pub source: &'static str,
    /// Whether the result is internal (see [`crate::api::viewer::Viewer::results_internal`]):
    /// it gets its own default id and is marked so the same filter hides it.
    pub internal: bool,
}

/// Commits a derived layer when `output` asks for it (default `default_store`); returns
/// `{id, version, derived, evicted}` for the response. Ids with the analysis's prefix need no
/// token as long as they only ever replace the same analysis's result layers, which is
/// decided under the store lock; any other id needs the write token. Results are kept within
/// `[limits.results]`, least recently used first out, never one a saved view names. Without
/// `output.layer` the id is derived from the request (`derived: true`), and a result already
/// stored under it is reused as it is.
pub fn store_derived(
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
    let default_id = if derived.internal {
        results::internal_id(&derived.default_id)
    } else {
        derived.default_id.clone()
    };
    let id = output.layer.clone().unwrap_or(default_id);
    let source = if derived.internal {
        format!("{}{}", derived.source, access::INTERNAL_MARK)
    } else {
        derived.source.to_string()
    };
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
    let mut layer = make(&id, &title);
    layer.meta.source = source.clone();
    let committed = state.store.commit_result(
        layer,
        from_request,
        |existing| match existing {
            Some(other) if anonymous && other.meta.source != source => {
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
