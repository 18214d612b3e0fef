//! Map images and meeting reports drawn on the server (see [`crate::render`], [`crate::report`]):
//!
//! - `GET /api/render?layers=a,b&bbox=w,s,e,n&width=W&height=H[&dpr=&basemap=&decorations=&title=]`
//!   → `image/png`;
//! - `GET /api/views/{id}/map.png[?width=&height=&dpr=]` → the saved view with its analysis;
//! - `GET /api/views/{id}/report.pdf` → its meeting report, one A4 landscape page;
//! - `GET /api/render/status` → whether maplibre-rs has a device (the others answer 503
//!   while it has none).
//!
//! Drawing runs in the heavy pool; sizes are bounded by [`crate::render::frame`].

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::heavy::Heavy;
use super::viewer::Viewer;
use super::{ApiError, AppState};
use crate::analysis::AnalysisCache;
use crate::render::{Frame, GpuError, MapSpec, RenderError};
use crate::report::{Meeting, ReportError};

/// Most characters of an image's title.
const MAX_TITLE_CHARS: usize = 200;

/// The query of `GET /api/render`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderQuery {
    /// Layer ids, bottom to top, separated by commas.
    layers: String,
    /// `west,south,east,north` in WGS84.
    bbox: String,
    /// Width in CSS pixels (16–4096, default 1024).
    width: Option<u32>,
    /// Height in CSS pixels (16–4096, default 768).
    height: Option<u32>,
    /// Device pixels per CSS pixel (0.5–4, default 1).
    dpr: Option<f64>,
    /// Draw the region's own basemap below (default true).
    basemap: Option<bool>,
    /// Draw labels, scale bar, north arrow, legend and attribution (default true).
    decorations: Option<bool>,
    /// A title in the top left corner.
    title: Option<String>,
}

/// The size of a view's image.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSize {
    /// Width in CSS pixels (default 640).
    width: Option<u32>,
    /// Height in CSS pixels (default 400).
    height: Option<u32>,
    /// Device pixels per CSS pixel (default 1).
    dpr: Option<f64>,
}

/// `GET /api/render/status`.
#[utoipa::path(get, path = "/api/render/status", tag = "maps", responses((status = 200, description = "whether map images can be drawn, with the device or the reason", body = Object)))]
pub async fn status(State(state): State<AppState>) -> Json<Value> {
    Json(match state.renderer.status() {
        Ok(device) => json!({ "available": true, "device": device }),
        Err(e) => json!({ "available": false, "reason": e.to_string() }),
    })
}

/// `GET /api/render`: the layers over a box as a PNG.
#[utoipa::path(get, path = "/api/render", tag = "maps", params(("layers" = String, Query, description = "layer ids, bottom to top"), ("bbox" = String, Query, description = "west,south,east,north (WGS84)")), responses((status = 200, description = "the map as PNG", content_type = "image/png"), (status = 503, description = "no Vulkan device: map images are unavailable")))]
pub async fn render(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(heavy): Extension<Arc<Heavy>>,
    Query(q): Query<RenderQuery>,
) -> Result<Response, ApiError> {
    let bbox = Frame::parse_bbox(&q.bbox).map_err(RenderError::from)?;
    if q.title
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("title: at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    let frame = Frame::fit(
        bbox,
        q.width.unwrap_or(1024),
        q.height.unwrap_or(768),
        q.dpr.unwrap_or(1.0),
    )
    .map_err(RenderError::from)?;
    let spec = MapSpec {
        frame,
        layers: MapSpec::layer_list(&q.layers)?,
        basemap: q.basemap.unwrap_or(true),
        decorations: q.decorations.unwrap_or(true),
        legend: q.decorations.unwrap_or(true),
        title: q.title,
    };
    let png = heavy
        .run(move || {
            let picture = state
                .renderer
                .draw(&viewer.catalog, &viewer.profile, &spec, &[])?;
            Ok(picture.png()?)
        })
        .await?;
    Ok(png_response(png))
}

/// `GET /api/views/{id}/map.png`: a saved view with its analysis result, as a PNG (below
/// 320×200 a thumbnail: the map without text and symbols).
#[utoipa::path(get, path = "/api/views/{id}/map.png", tag = "views", params(("id" = String, Path, description = "view id")), responses((status = 200, description = "the view's map as PNG", content_type = "image/png"), (status = 503, description = "no Vulkan device: map images are unavailable")))]
pub async fn view_map(
    state: State<AppState>,
    viewer: Viewer,
    cache: Extension<Arc<AnalysisCache>>,
    heavy: Extension<Arc<Heavy>>,
    Path(id): Path<String>,
    Query(size): Query<ImageSize>,
) -> Result<Response, ApiError> {
    let (width, height, dpr) = (
        size.width.unwrap_or(640),
        size.height.unwrap_or(400),
        size.dpr.unwrap_or(1.0),
    );
    // The size is checked before any work.
    Frame::check_size(width, height, dpr).map_err(RenderError::from)?;
    let png = with_meeting(state, viewer, cache, heavy, id, move |meeting, view| {
        Ok(meeting.map(&view, (width, height, dpr), true)?.0.png()?)
    })
    .await?;
    Ok(png_response(png))
}

/// `GET /api/views/{id}/report.pdf`: the meeting report of a saved view.
#[utoipa::path(get, path = "/api/views/{id}/report.pdf", tag = "views", params(("id" = String, Path, description = "view id")), responses((status = 200, description = "one A4 landscape page", content_type = "application/pdf"), (status = 503, description = "no Vulkan device: map images are unavailable")))]
pub async fn view_report(
    state: State<AppState>,
    viewer: Viewer,
    cache: Extension<Arc<AnalysisCache>>,
    heavy: Extension<Arc<Heavy>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = format!("attachment; filename=\"motesunderlag-{id}.pdf\"");
    let pdf = with_meeting(state, viewer, cache, heavy, id, |meeting, view| {
        Ok(meeting.report(
            &view,
            &crate::report::subtitle(chrono::Local::now().date_naive()),
        )?)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        pdf,
    )
        .into_response())
}

/// Runs `work` on the view `id` as the caller may see it, in the heavy pool.
async fn with_meeting<T: Send + 'static>(
    State(state): State<AppState>,
    viewer: Viewer,
    Extension(cache): Extension<Arc<AnalysisCache>>,
    Extension(heavy): Extension<Arc<Heavy>>,
    id: String,
    work: impl FnOnce(&Meeting, crate::views::View) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    state.renderer.status().map_err(RenderError::from)?;
    let view = viewer.view(&state, state.views.get(&id)?);
    heavy
        .run(move || {
            let meeting = Meeting {
                renderer: &state.renderer,
                cache: &cache,
                catalog: &viewer.catalog,
                profile: &viewer.profile,
                analysis_crs: state.store.analysis_crs(),
            };
            work(&meeting, view)
        })
        .await
}

fn png_response(png: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "image/png")], png).into_response()
}

impl From<RenderError> for ApiError {
    fn from(error: RenderError) -> Self {
        let status = match &error {
            RenderError::Frame(_) | RenderError::Layers(_) => StatusCode::BAD_REQUEST,
            RenderError::UnknownLayer(_) => StatusCode::NOT_FOUND,
            RenderError::Budget(e) => return e.clone().into(),
            RenderError::Gpu(GpuError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            RenderError::Gpu(GpuError::Draw(_)) | RenderError::Encode(_) => {
                return Self::internal(error);
            }
        };
        Self::new(status, error.to_string())
    }
}

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::Render(e) => e.into(),
            ReportError::Analysis(e) => e.into(),
            ReportError::Pdf(e) => Self::internal(e),
        }
    }
}
