//! `/ogc`: OGC API — Features (Part 1 core, Part 2 CRS) and OGC API — Tiles. Handlers are
//! thin: they pick JSON or HTML (`f=json|html`, else the `Accept` header), call
//! [`crate::ogc`] and set the media type (and `Content-Crs` for features).
//!
//! Every catalog read goes through [`ogc::collection`] / [`ogc::collections`].

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::Value as Json;

use super::viewer::Viewer;
use super::{ApiError, AppState, tiles};
use crate::layer::Layer;
use crate::ogc::{self, Base, ItemsQuery, crs::CrsList, docs, html, media, tilesets};
use crate::tiles::{TileCache, TileLayer, TileSettings};

/// Query pairs in the order given.
type Pairs = Vec<(String, String)>;

/// A tile's path: collection, tile matrix set, tileMatrix, tileRow, tileCol.
type TilePath = (String, String, String, String, String);

/// The routes under `/ogc`, with the CRSs of `state`'s store and the shared tile `cache`.
pub fn routes(state: &AppState, cache: Arc<TileCache>) -> Router<AppState> {
    let crs = Arc::new(CrsList::new(state.store.analysis_crs()));
    Router::new()
        .route("/", get(landing))
        .route("/conformance", get(conformance))
        .route("/collections", get(collections))
        .route("/collections/{id}", get(collection))
        .route("/collections/{id}/items", get(items))
        .route("/collections/{id}/items/{feature}", get(feature))
        .route("/collections/{id}/tiles", get(tileset_list))
        .route("/collections/{id}/tiles/{tms}", get(tileset))
        .route("/collections/{id}/tiles/{tms}/{z}/{y}/{x}", get(tile))
        .route("/tileMatrixSets", get(matrix_sets))
        .route("/tileMatrixSets/{tms}", get(matrix_set))
        .fallback(|| async { ApiError::not_found("no such OGC API resource; start at /ogc") })
        .layer(Extension(crs))
        .layer(Extension(cache))
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!("bad query string: {}", rejection.body_text()))
    }
}

/// JSON or HTML, from `f` (taken out of `pairs`) or else the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Html,
}

fn format(pairs: &mut Pairs, headers: &HeaderMap) -> Result<Format, ApiError> {
    let mut given = pairs
        .iter()
        .filter(|(k, _)| k == "f")
        .map(|(_, v)| v.clone());
    let f = given.next();
    if given.next().is_some() {
        return Err(ApiError::bad_request("f: given more than once"));
    }
    pairs.retain(|(k, _)| k != "f");
    match f.as_deref() {
        Some("json" | "geojson") => Ok(Format::Json),
        Some("html") => Ok(Format::Html),
        Some(other) => Err(ApiError::bad_request(format!(
            "f: use json or html, not {:?}",
            other.chars().take(50).collect::<String>()
        ))),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            Ok(
                if accept.contains("text/html") && !accept.contains("json") {
                    Format::Html
                } else {
                    Format::Json
                },
            )
        }
    }
}

/// What every OGC request shares: the format asked for, the other query pairs, and how
/// links are written.
struct Ogc {
    format: Format,
    pairs: Pairs,
    base: Base,
}

impl FromRequestParts<AppState> for Ogc {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Query(mut pairs) = Query::<Pairs>::from_request_parts(parts, state).await?;
        let format = format(&mut pairs, &parts.headers)?;
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        let base = Base::new(state.config.public_url.as_deref(), host);
        Ok(Self {
            format,
            pairs,
            base,
        })
    }
}

impl Ogc {
    /// The answer in the chosen format, JSON as `json_type`.
    fn answer(&self, heading: &str, doc: &Json, json_type: &'static str) -> Response {
        match self.format {
            Format::Html => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html::page(heading, doc),
            )
                .into_response(),
            Format::Json => ([(header::CONTENT_TYPE, json_type)], doc.to_string()).into_response(),
        }
    }

    /// Features, with `Content-Crs` in JSON.
    fn features(&self, heading: &str, page: ogc::ItemsPage) -> Response {
        let mut response = self.answer(heading, &page.body, media::GEOJSON);
        if self.format == Format::Json {
            let crs = HeaderValue::from_str(&format!("<{}>", page.crs.uri()))
                .expect("CRS URIs are valid header values");
            response.headers_mut().insert("content-crs", crs);
        }
        response
    }
}

fn path<T>(path: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    path.map(|Path(p)| p)
        .map_err(|r| ApiError::bad_request(format!("bad path: {}", r.body_text())))
}

/// `GET /ogc`: the landing page.
#[utoipa::path(get, path = "/ogc", tag = "ogc", responses((status = 200, description = "the landing page (JSON or HTML)", body = Object)))]
async fn landing(request: Ogc) -> Response {
    let doc = docs::landing(&request.base);
    request.answer("Kartrummet — OGC API", &doc, media::JSON)
}

/// `GET /ogc/conformance`.
#[utoipa::path(get, path = "/ogc/conformance", tag = "ogc", responses((status = 200, description = "the conformance classes", body = Object)))]
async fn conformance(request: Ogc) -> Response {
    let doc = docs::conformance(&request.base);
    request.answer("Conformance", &doc, media::JSON)
}

/// `GET /ogc/collections`.
#[utoipa::path(get, path = "/ogc/collections", tag = "ogc", responses((status = 200, description = "the collections", body = Object)))]
async fn collections(
    viewer: Viewer,
    Extension(crs): Extension<Arc<CrsList>>,
    request: Ogc,
) -> Response {
    let layers = ogc::collections(&viewer.catalog)
        .into_iter()
        .map(|l| l.as_ref());
    let doc = docs::collections(layers, &crs, &request.base);
    request.answer("Collections", &doc, media::JSON)
}

/// `GET /ogc/collections/{id}`.
#[utoipa::path(get, path = "/ogc/collections/{id}", tag = "ogc", params(("id" = String, Path, description = "collection id")), responses((status = 200, description = "one collection", body = Object)))]
async fn collection(
    viewer: Viewer,
    Extension(crs): Extension<Arc<CrsList>>,
    id: Result<Path<String>, PathRejection>,
    request: Ogc,
) -> Result<Response, ApiError> {
    let layer = ogc::collection(&viewer.catalog, &path(id)?)?;
    let doc = docs::collection(&layer, &crs, &request.base);
    Ok(request.answer(&layer.meta.title, &doc, media::JSON))
}

/// `GET /ogc/collections/{id}/items?limit=&offset=&bbox=&bbox-crs=&crs=&FIELD=VALUE`.
#[utoipa::path(get, path = "/ogc/collections/{id}/items", tag = "ogc", params(("id" = String, Path, description = "collection id")), responses((status = 200, description = "a page of features (GeoJSON or HTML); `bbox`, `bbox-crs`, `crs`, `limit`, `offset` and property filters in the query", body = Object)))]
async fn items(
    viewer: Viewer,
    Extension(crs): Extension<Arc<CrsList>>,
    id: Result<Path<String>, PathRejection>,
    request: Ogc,
) -> Result<Response, ApiError> {
    let layer = ogc::collection(&viewer.catalog, &path(id)?)?;
    let query = ItemsQuery::parse(request.pairs.clone(), &crs)?;
    let page = ogc::items::items(&layer, &query, &request.base)?;
    Ok(request.features(&layer.meta.title, page))
}

/// `GET /ogc/collections/{id}/items/{featureId}?crs=`.
#[utoipa::path(get, path = "/ogc/collections/{id}/items/{feature}", tag = "ogc", params(("id" = String, Path, description = "collection id"), ("feature" = String, Path, description = "feature id")), responses((status = 200, description = "one feature", body = Object)))]
async fn feature(
    viewer: Viewer,
    Extension(crs): Extension<Arc<CrsList>>,
    ids: Result<Path<(String, String)>, PathRejection>,
    request: Ogc,
) -> Result<Response, ApiError> {
    let (id, feature) = path(ids)?;
    let layer = ogc::collection(&viewer.catalog, &id)?;
    let wanted = ItemsQuery::parse(request.pairs.clone(), &crs)?;
    let page = ogc::items::feature(&layer, &feature, wanted.crs, &request.base)?;
    Ok(request.features(&layer.meta.title, page))
}

/// The collection `id`, as `viewer` sees the catalog, with its tile settings.
fn tiled(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<(Arc<Layer>, TileSettings), ApiError> {
    let layer = ogc::collection(&viewer.catalog, id)?;
    let settings = TileSettings::for_layer(&layer.meta, state.config.tiles.get(id))?;
    Ok((layer, settings))
}

/// A tileset document of the collection `id`.
fn tile_document(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    request: &Ogc,
    document: fn(&TileLayer<'_>, &Base) -> Json,
) -> Result<Response, ApiError> {
    let (layer, settings) = tiled(state, viewer, id)?;
    let tile_layer = TileLayer {
        layer: &layer,
        settings: &settings,
    };
    let doc = document(&tile_layer, &request.base);
    Ok(request.answer(&layer.meta.title, &doc, media::JSON))
}

/// `GET /ogc/collections/{id}/tiles`.
#[utoipa::path(get, path = "/ogc/collections/{id}/tiles", tag = "ogc", params(("id" = String, Path, description = "collection id")), responses((status = 200, description = "the collection's vector tilesets", body = Object)))]
async fn tileset_list(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Result<Path<String>, PathRejection>,
    request: Ogc,
) -> Result<Response, ApiError> {
    tile_document(
        &state,
        &viewer,
        &path(id)?,
        &request,
        tilesets::tileset_list,
    )
}

/// `GET /ogc/collections/{id}/tiles/WebMercatorQuad`.
#[utoipa::path(get, path = "/ogc/collections/{id}/tiles/{tms}", tag = "ogc", params(("id" = String, Path, description = "collection id"), ("tms" = String, Path, description = "tile matrix set id")), responses((status = 200, description = "tileset metadata", body = Object)))]
async fn tileset(
    State(state): State<AppState>,
    viewer: Viewer,
    ids: Result<Path<(String, String)>, PathRejection>,
    request: Ogc,
) -> Result<Response, ApiError> {
    let (id, tms) = path(ids)?;
    tilesets::check_matrix_set(&tms)?;
    tile_document(&state, &viewer, &id, &request, tilesets::tileset)
}

/// `GET /ogc/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`: the
/// same MVT bytes (and cache) as `/tiles/{id}/{z}/{x}/{y}.mvt`.
#[utoipa::path(get, path = "/ogc/collections/{id}/tiles/{tms}/{z}/{y}/{x}", tag = "ogc", params(("id" = String, Path, description = "collection id"), ("tms" = String, Path, description = "tile matrix set id"), ("z" = String, Path, description = "tile matrix"), ("y" = String, Path, description = "tile row"), ("x" = String, Path, description = "tile column")), responses((status = 200, description = "a Mapbox vector tile", content_type = "application/vnd.mapbox-vector-tile")))]
async fn tile(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<TileCache>>,
    ids: Result<Path<TilePath>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, tms, z, row, col) = path(ids)?;
    tilesets::check_matrix_set(&tms)?;
    let tile_id = tiles::parse_tile(&z, &col, &row)?;
    let resolved = vec![tiled(&state, &viewer, &id)?];
    tiles::serve(resolved, tile_id, &cache, &headers).await
}

/// `GET /ogc/tileMatrixSets`.
#[utoipa::path(get, path = "/ogc/tileMatrixSets", tag = "ogc", responses((status = 200, description = "the tile matrix sets", body = Object)))]
async fn matrix_sets(request: Ogc) -> Response {
    let doc = tilesets::matrix_sets(&request.base);
    request.answer("Tile matrix sets", &doc, media::JSON)
}

/// `GET /ogc/tileMatrixSets/WebMercatorQuad`.
#[utoipa::path(get, path = "/ogc/tileMatrixSets/{tms}", tag = "ogc", params(("tms" = String, Path, description = "tile matrix set id")), responses((status = 200, description = "a tile matrix set", body = Object)))]
async fn matrix_set(
    tms: Result<Path<String>, PathRejection>,
    request: Ogc,
) -> Result<Response, ApiError> {
    let tms = path(tms)?;
    tilesets::check_matrix_set(&tms)?;
    Ok(request.answer(&tms, &tilesets::web_mercator_quad(), media::JSON))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_only_when_asked_for() {
        let mut browser = HeaderMap::new();
        browser.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        assert_eq!(format(&mut vec![], &browser).unwrap(), Format::Html);
        assert_eq!(
            format(&mut vec![], &HeaderMap::new()).unwrap(),
            Format::Json
        );
        let mut pairs = vec![
            ("f".to_string(), "json".to_string()),
            ("limit".to_string(), "1".to_string()),
        ];
        assert_eq!(format(&mut pairs, &browser).unwrap(), Format::Json);
        assert_eq!(pairs.len(), 1, "f is taken out");
        assert!(format(&mut vec![("f".into(), "xml".into())], &browser).is_err());
    }
}
