//! `/tiles`: Mapbox Vector Tiles and TileJSON.
//!
//! - `GET /tiles/{layers}/{z}/{x}/{y}.mvt`: one tile (MVT 2.1, extent 4096, XYZ grid with y
//!   down) with one MVT layer per id; `{layers}` is one id or several separated by commas
//!   (`kommungranser,orter`). A tile without features answers **204 No Content** (with the same
//!   `ETag` and `Cache-Control` as any tile), so clients draw nothing there.
//! - `GET /tiles/{layers}.json`: TileJSON 3.0 with tile URLs relative to the server, or
//!   absolute under the configured `public_url` (never from the request's `Host` header).
//!
//! Tiles carry a strong `ETag` and `Cache-Control: public, no-cache`: clients may store them
//! but revalidate (a cheap 304) before each use, so a re-ingested layer shows at once. The
//! server keeps rendered tiles in a bounded cache keyed by each layer's version, and sends
//! them gzip-compressed when the client accepts gzip. Bad requests get problem+json: 404 for
//! an unknown layer or path, 400 for a zoom outside 0–22 or x/y outside the grid.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::viewer::Viewer;
use super::{ApiError, AppState};
use crate::layer::Layer;
use crate::tiles::{
    CachedTile, TileCache, TileError, TileId, TileKey, TileSettings, render_tile, resolve_layers,
    tile_layers, tilejson,
};

/// Memory budget of the tile cache.
const CACHE_BYTES: usize = 128 * 1024 * 1024;
const MVT_TYPE: &str = "application/vnd.mapbox-vector-tile";
const CACHE_CONTROL: &str = "public, no-cache";

/// The tile cache shared by `/tiles` and `/ogc`.
pub fn cache() -> Arc<TileCache> {
    Arc::new(TileCache::new(CACHE_BYTES))
}

/// The routes under `/tiles`, over `cache`.
pub fn routes(cache: Arc<TileCache>) -> Router<AppState> {
    Router::new()
        .route("/{name}", get(tile_json))
        .route("/{layers}/{z}/{x}/{y}", get(tile))
        .fallback(|| async {
            ApiError::not_found(
                "tiles are at /tiles/{layers}/{z}/{x}/{y}.mvt and /tiles/{layers}.json",
            )
        })
        .layer(Extension(cache))
}

impl From<TileError> for ApiError {
    fn from(error: TileError) -> Self {
        match error {
            TileError::UnknownLayer(_) => ApiError::not_found(error.to_string()),
            TileError::ZoomOutOfRange { .. }
            | TileError::OutsideGrid { .. }
            | TileError::BadLayerList(_) => ApiError::bad_request(error.to_string()),
            TileError::Settings { .. } | TileError::Write { .. } => ApiError::internal(error),
        }
    }
}

fn path_error(rejection: PathRejection) -> ApiError {
    ApiError::bad_request(format!("bad tile path: {}", rejection.body_text()))
}

/// `GET /tiles/{layers}/{z}/{x}/{y}.mvt`
#[utoipa::path(get, path = "/tiles/{layers}/{z}/{x}/{y}", tag = "tiles", params(("layers" = String, Path, description = "layer id(s), comma-separated"), ("z" = String, Path, description = "zoom"), ("x" = String, Path, description = "column"), ("y" = String, Path, description = "row, with `.pbf` or `.mvt`")), responses((status = 200, description = "a Mapbox vector tile", content_type = "application/vnd.mapbox-vector-tile")))]
async fn tile(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<TileCache>>,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((list, z, x, y)) = path.map_err(path_error)?;
    let y = y.strip_suffix(".mvt").ok_or_else(|| {
        ApiError::not_found("tile paths end in .mvt: /tiles/{layers}/{z}/{x}/{y}.mvt")
    })?;
    let tile_id = parse_tile(&z, &x, y)?;
    let resolved = resolve_layers(&viewer.catalog, &list, &state.config.tiles)?;
    serve(resolved, tile_id, &cache, &headers).await
}

/// A tile's address from the text of its path: zoom, column, row.
pub(super) fn parse_tile(z: &str, x: &str, y: &str) -> Result<TileId, ApiError> {
    let number = |name: &str, text: &str| {
        text.parse::<u32>().map_err(|_| {
            ApiError::bad_request(format!("{name} must be a whole number ≥ 0, not {text:?}"))
        })
    };
    let (z, x, y) = (number("z", z)?, number("x", x)?, number("y", y)?);
    let z = u8::try_from(z).map_err(|_| {
        ApiError::bad_request(format!("zoom {z} is outside 0–{}", crate::tiles::MAX_ZOOM))
    })?;
    Ok(TileId::new(z, x, y)?)
}

/// One tile of `resolved` layers, from the cache or rendered (off the async threads), with
/// its `ETag` (304 when the client has it) and 204 when it has no features.
pub(super) async fn serve(
    resolved: Vec<(Arc<Layer>, TileSettings)>,
    tile_id: TileId,
    cache: &TileCache,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let refs: Vec<_> = resolved.iter().map(|(l, _)| l.as_ref()).collect();
    let key = TileKey::new(&refs, tile_id);
    let cached = match cache.get(&key) {
        Some(hit) => hit,
        None => {
            let rendered = tokio::task::spawn_blocking(move || {
                CachedTile::new(render_tile(&tile_layers(&resolved), tile_id))
            })
            .await
            .map_err(ApiError::internal)?;
            cache.insert(key, rendered)
        }
    };
    Ok(respond(&cached, headers))
}

fn respond(tile: &CachedTile, headers: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&tile.etag).expect("hex etag is a valid header");
    let common = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
        (
            header::VARY,
            HeaderValue::from_static("accept-encoding, authorization"),
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tile.etag || t.trim() == "*")
        });
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    if tile.mvt.is_empty() {
        return (StatusCode::NO_CONTENT, common).into_response();
    }
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static(MVT_TYPE));
    if accepts_gzip(headers) {
        let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        (common, [content_type, encoding], tile.gzip.clone()).into_response()
    } else {
        (common, [content_type], tile.mvt.clone()).into_response()
    }
}

/// Whether `Accept-Encoding` allows gzip (named or `*`, without `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// `GET /tiles/{layers}.json`
#[utoipa::path(get, path = "/tiles/{name}", tag = "tiles", params(("name" = String, Path, description = "layer id(s), comma-separated, with `.json`")), responses((status = 200, description = "TileJSON", body = Object)))]
async fn tile_json(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(name) = path.map_err(path_error)?;
    let list = name.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found(
            "TileJSON is at /tiles/{layers}.json, tiles at /tiles/{layers}/{z}/{x}/{y}.mvt",
        )
    })?;
    let resolved = resolve_layers(&viewer.catalog, list, &state.config.tiles)?;
    let path = format!("/tiles/{list}/{{z}}/{{x}}/{{y}}.mvt");
    // Never built from the request's Host header, which any client can forge.
    let url = match &state.config.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path,
    };
    let doc = tilejson::tilejson(&tile_layers(&resolved), &url);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, CACHE_CONTROL),
            (header::VARY, "authorization"),
        ],
        doc.to_string(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn gzip_negotiation() {
        assert!(accepts_gzip(&with("gzip, deflate, br")));
        assert!(accepts_gzip(&with("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
