//! `/api/layers`: the catalog, features as GeoJSON, upload and delete.

use std::collections::HashMap;
use std::path::PathBuf;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json_, json};
use tokio::io::AsyncWriteExt;

use super::viewer::Viewer;
use super::{ApiError, AppState, auth};
use crate::ingest::{self, IngestOptions};
use crate::layer::{self, Layer, LayerMeta, Space};

/// `GET /api/layers`: every layer's catalog entry, with an `ETag` that changes whenever a
/// layer is added, replaced or deleted. A client that follows the catalog (the web map polls
/// it) sends `If-None-Match` and gets a bodiless `304 Not Modified` while nothing changed.
#[utoipa::path(get, path = "/api/layers", tag = "layers", responses((status = 200, description = "the layers, with an ETag of the catalog", body = Object)))]
pub async fn list(viewer: Viewer, headers: HeaderMap) -> Response {
    let catalog = viewer.catalog;
    let etag = catalog_etag(catalog.layers().map(|l| &l.meta));
    let cache = [
        (axum::http::header::ETAG, etag.clone()),
        (axum::http::header::CACHE_CONTROL, "no-cache".to_string()),
        (axum::http::header::VARY, "authorization".to_string()),
    ];
    let unchanged = headers
        .get_all(axum::http::header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == etag || t.trim() == "*");
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let layers: Vec<&LayerMeta> = catalog.layers().map(|l| &l.meta).collect();
    (cache, Json(json!({ "layers": layers }))).into_response()
}

/// The catalog's entity tag: a hash of every layer's id, version and ingest time, so an added,
/// replaced or deleted layer changes it.
fn catalog_etag<'a>(layers: impl Iterator<Item = &'a LayerMeta>) -> String {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: stable within one server process, which is all an ETag needs.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for meta in layers {
        meta.id.hash(&mut hasher);
        meta.version.hash(&mut hasher);
        meta.ingested_at.timestamp_nanos_opt().hash(&mut hasher);
    }
    format!("\"{:016x}\"", hasher.finish())
}

/// `GET /api/layers/{id}`: one catalog entry.
#[utoipa::path(get, path = "/api/layers/{id}", tag = "layers", params(("id" = String, Path, description = "layer id")), responses((status = 200, description = "the layer's metadata", body = Object)))]
pub async fn get(viewer: Viewer, Path(id): Path<String>) -> Result<Json<LayerMeta>, ApiError> {
    Ok(Json(find(&viewer, &id)?.meta.clone()))
}

/// The layer `id` as `viewer` sees the catalog, or the 404 of an unknown id.
pub(super) fn find(viewer: &Viewer, id: &str) -> Result<std::sync::Arc<Layer>, ApiError> {
    viewer.catalog.get(id).cloned().ok_or_else(|| {
        let hint = if crate::store::results::is_anonymous_id(id) {
            "; an analysis result that is not used for a while is removed \
                 ([limits.results]): re-send its analysis request to recreate it"
        } else {
            ""
        };
        ApiError::not_found(format!("no layer {id:?}{hint}"))
    })
}

/// `GET /api/layers/{id}/features?bbox=w,s,e,n&limit=&offset=&FIELD=VALUE`: features as a
/// GeoJSON FeatureCollection in EPSG:4326, in source order, with paging.
#[utoipa::path(get, path = "/api/layers/{id}/features", tag = "layers", params(("id" = String, Path, description = "layer id")), responses((status = 200, description = "a GeoJSON FeatureCollection in EPSG:4326", body = Object, content_type = "application/geo+json")))]
pub async fn features(
    viewer: Viewer,
    Path(id): Path<String>,
    Query(mut params): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, ApiError> {
    let layer = find(&viewer, &id)?;
    let limit = take_number(&mut params, "limit", layer::DEFAULT_PAGE)?;
    if limit > layer::MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be at most {}",
            layer::MAX_PAGE
        )));
    }
    let offset = take_number(&mut params, "offset", 0)?;
    let bbox = params.remove("bbox").map(|b| parse_bbox(&b)).transpose()?;
    let filters = layer
        .filters(params)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let matched = layer.select(bbox.map(|b| (Space::Display, b)), &filters);
    let page = matched.iter().skip(offset).take(limit);
    let features: Vec<Json_> = page.map(|&i| feature_json(&layer, i)).collect();
    let body = json!({
        "type": "FeatureCollection",
        "layer": layer.meta.id,
        "version": layer.meta.version,
        "numberMatched": matched.len(),
        "numberReturned": features.len(),
        "features": features,
    });
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    ))
}

/// A whole layer as a GeoJSON FeatureCollection response (for analysis results asked for as
/// GeoJSON rather than stored).
pub(super) fn collection_response(layer: &Layer) -> Response {
    let features: Vec<Json_> = (0..layer.features.len())
        .map(|i| feature_json(layer, i))
        .collect();
    let body = json!({ "type": "FeatureCollection", "features": features });
    (
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    )
        .into_response()
}

/// One feature as GeoJSON with its attributes.
pub(super) fn feature_json(layer: &Layer, position: usize) -> Json_ {
    let feature = &layer.features[position];
    json!({
        "type": "Feature",
        "id": feature.id,
        "geometry": geojson::Geometry::from(&feature.display),
        "properties": layer.properties_json(position),
    })
}

fn take_number(
    params: &mut HashMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match params.remove(name) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            ApiError::bad_request(format!("{name} must be a whole number ≥ 0, not {text:?}"))
        }),
    }
}

fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let bad = || {
        ApiError::bad_request(format!(
            "bbox must be min_lon,min_lat,max_lon,max_lat in EPSG:4326, not {text:?}"
        ))
    };
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    match numbers[..] {
        [w, s, e, n] if numbers.iter().all(|v| v.is_finite()) && w <= e && s <= n => {
            Ok([w, s, e, n])
        }
        _ => Err(bad()),
    }
}

/// `POST /api/layers`: multipart upload of one file (or a zip), ingested into the store.
/// Fields: `file` (required), `layer`, `title`, `description`, `crs`, `source_layer`,
/// `x_field`, `y_field`.
///
/// A refused upload (no token, over the size limit, bad fields) is read to its end before the
/// answer, so the client sees the problem+json body rather than a broken connection.
///
/// With `Prefer: respond-async` the answer is 202 with `Location: /api/jobs/{id}`, where the
/// ingest's progress and, at the end, its report or problem can be read.
#[utoipa::path(post, path = "/api/layers", tag = "layers", request_body(content_type = "multipart/form-data", description = "the file to ingest"), responses((status = 201, description = "the ingest report", body = Object), (status = 202, description = "accepted as a background job (Prefer: respond-async)", body = Object)), security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart = multipart?;
    let work = tempfile::tempdir_in(state.store.tmp_dir()).map_err(ApiError::internal)?;
    let received = match auth::require_token(state.config.token.as_deref(), &headers) {
        Ok(()) => receive(&mut multipart, work.path(), state.config.max_upload_bytes).await,
        Err(refused) => Err(refused),
    };
    let (file, options) = match received {
        Ok(upload) => upload,
        Err(refused) => {
            drain(&mut multipart).await;
            return Err(refused);
        }
    };
    let upload_title = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let store = state.store.clone();
    let limits = state.config.limits.ingest.clone();
    let run = move |progress: &mut dyn FnMut(ingest::Progress)| {
        let result = ingest::ingest_within(&store, &file, &options, &limits, progress);
        drop(work);
        result
    };
    if !wants_async(&headers) {
        let report = tokio::task::spawn_blocking(move || run(&mut |_| {}))
            .await
            .map_err(ApiError::internal)??;
        return Ok((StatusCode::CREATED, Json(report)).into_response());
    }
    let job = state.jobs.start("ingest", upload_title);
    let location = format!("/api/jobs/{}", job.id());
    job.clone().run_blocking(move |worker| {
        run(&mut |p| worker.progress(p.layer, p.read, p.total))
            .map(|report| serde_json::to_value(report).unwrap_or_default())
            .map_err(ApiError::from)
    });
    let accepted = json!({ "job": job.id(), "status": "running", "href": location });
    Ok((
        StatusCode::ACCEPTED,
        [(axum::http::header::LOCATION, location)],
        Json(accepted),
    )
        .into_response())
}

/// Whether the client asked for a 202 and a job instead of waiting (RFC 7240).
fn wants_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
        })
}

/// Extra bytes a refused upload may send beyond the limit while we read it to its end.
pub(super) const DRAIN_SLACK: usize = 16 * 1024 * 1024;

/// Reads the form: the file into `dir`, the other fields into options.
async fn receive(
    multipart: &mut Multipart,
    dir: &std::path::Path,
    max_bytes: usize,
) -> Result<(PathBuf, IngestOptions), ApiError> {
    let mut options = IngestOptions::default();
    let mut file: Option<PathBuf> = None;
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::bad_request(
                    "send one file per upload (a .zip for a Shapefile and its parts)",
                ));
            }
            let path = dir.join(upload_name(field.file_name()));
            let mut out = tokio::fs::File::create(&path)
                .await
                .map_err(ApiError::internal)?;
            let mut size = 0;
            while let Some(chunk) = field.chunk().await? {
                size += chunk.len();
                if size > max_bytes {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "the upload is larger than the limit of {} MiB (max_upload_mb)",
                            max_bytes / (1024 * 1024)
                        ),
                    ));
                }
                out.write_all(&chunk).await.map_err(ApiError::internal)?;
            }
            out.flush().await.map_err(ApiError::internal)?;
            file = Some(path);
            continue;
        }
        let value = Some(field.text().await?).filter(|v| !v.trim().is_empty());
        let slot = match name.as_str() {
            "layer" => &mut options.layer_id,
            "title" => &mut options.title,
            "description" => &mut options.description,
            "crs" => &mut options.crs,
            "source_layer" => &mut options.source_layer,
            "x_field" => &mut options.x_field,
            "y_field" => &mut options.y_field,
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown form field {other:?}; expected file, layer, title, description, crs, source_layer, x_field, y_field"
                )));
            }
        };
        *slot = value;
    }
    if let Some(id) = &options.layer_id {
        layer::validate_id(id).map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    layer::validate_text(options.title.as_deref(), options.description.as_deref())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let file = file.ok_or_else(|| ApiError::bad_request("the form field `file` is missing"))?;
    Ok((file, options))
}

/// Reads and discards what is left of a refused upload (bounded by the route's body limit).
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// A safe local file name for an upload, keeping the user's name and extension.
fn upload_name(given: Option<&str>) -> String {
    let base = given
        .and_then(|n| std::path::Path::new(n).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "upload".into()
    } else {
        cleaned
    }
}

/// `DELETE /api/layers/{id}`.
#[utoipa::path(delete, path = "/api/layers/{id}", tag = "layers", params(("id" = String, Path, description = "layer id")), responses((status = 204, description = "deleted")), security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require_token(state.config.token.as_deref(), &headers)?;
    layer::validate_id(&id).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let store = state.store.clone();
    let existed = tokio::task::spawn_blocking(move || store.delete(&id))
        .await
        .map_err(ApiError::internal)??;
    if existed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("no such layer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_stay_inside() {
        assert_eq!(upload_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(
            upload_name(Some("Tätorter 2020.geojson")),
            "Tätorter_2020.geojson"
        );
        assert_eq!(upload_name(Some("..")), "upload");
        assert_eq!(upload_name(None), "upload");
    }

    #[test]
    fn bbox_parsing() {
        assert_eq!(parse_bbox("1,2,3,4").unwrap(), [1.0, 2.0, 3.0, 4.0]);
        assert!(parse_bbox("1,2,3").is_err());
        assert!(parse_bbox("3,2,1,4").is_err());
        assert!(parse_bbox("a,b,c,d").is_err());
        assert!(parse_bbox("NaN,1,2,3").is_err());
    }

    #[test]
    fn catalog_etag_follows_ids_versions_and_deletes() {
        let a = LayerMeta::new("a", vec![]);
        let mut a2 = a.clone();
        a2.version += 1;
        let b = LayerMeta::new("b", vec![]);
        let tag = |metas: &[&LayerMeta]| catalog_etag(metas.iter().copied());
        assert_eq!(tag(&[&a, &b]), tag(&[&a, &b]));
        assert_ne!(tag(&[&a, &b]), tag(&[&a2, &b]), "a new version");
        assert_ne!(tag(&[&a, &b]), tag(&[&a]), "a deleted layer");
        assert!(tag(&[]).starts_with('"') && tag(&[]).ends_with('"'));
    }
}
