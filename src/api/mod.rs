//! The HTTP API (axum). Handlers are thin: they parse, call the library, and map errors to
//! problem+json in [`error`].

mod analysis;
mod auth;
mod corridor;
mod error;
mod heavy;
mod jobs;
mod layers;
mod ogc;
mod openapi;
mod render;
mod scenarios;
mod tiles;
pub(crate) mod viewer;
mod views;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

pub use error::ApiError;

use crate::config::Config;
use crate::scenarios::Scenarios;
use crate::store::Store;
use crate::views::Views;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    /// The layer store.
    pub store: Arc<Store>,
    /// Server settings.
    pub config: Arc<Config>,
    /// Background jobs and their status.
    pub jobs: Arc<jobs::Jobs>,
    /// Saved map views.
    pub views: Arc<Views>,
    /// Saved scenarios.
    pub scenarios: Arc<Scenarios>,
    /// Map images drawn on the server (maplibre-rs, started on first use).
    pub renderer: Arc<crate::render::Renderer>,
}

impl AppState {
    /// State for a server over `store` with `config`, `views` and `scenarios`, and no jobs
    /// yet.
    pub fn new(store: Store, config: Config, views: Views, scenarios: Scenarios) -> Self {
        Self {
            store: Arc::new(store),
            config: Arc::new(config),
            jobs: Arc::default(),
            views: Arc::new(views),
            scenarios: Arc::new(scenarios),
            renderer: Arc::default(),
        }
    }
}

/// The whole application: API routes and the web app.
pub fn router(state: AppState) -> Router {
    let web = &state.config.web_dir;
    let web_app = ServeDir::new(web)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(web.join("index.html")));
    let vendor = ServeDir::new(web.join("node_modules/maplibre-gl/dist"));
    let tile_cache = tiles::cache();
    let api = Router::new()
        .route(
            "/layers",
            get(layers::list)
                .post(layers::upload)
                .layer(DefaultBodyLimit::max(
                    state.config.max_upload_bytes + layers::DRAIN_SLACK,
                )),
        )
        .route("/layers/{id}", get(layers::get).delete(layers::delete))
        .route("/layers/{id}/features", get(layers::features))
        .route("/jobs/{id}", get(jobs::get))
        .route("/views", get(views::list).post(views::create))
        .route(
            "/views/{id}",
            get(views::get).put(views::replace).delete(views::delete),
        )
        .route("/views/{id}/map.png", get(render::view_map))
        .route("/views/{id}/report.pdf", get(render::view_report))
        .route("/render", get(render::render))
        .route("/render/status", get(render::status))
        .route("/scenarios", get(scenarios::list).post(scenarios::create))
        .route(
            "/scenarios/{id}",
            get(scenarios::get)
                .put(scenarios::replace)
                .delete(scenarios::delete),
        )
        .route("/config", get(client_config))
        .route("/openapi.json", get(openapi::document))
        .route("/profile", get(region_profile))
        .nest("/analysis", analysis::routes())
        .route("/places", get(analysis::places::list))
        .route("/places/{id}/profile", get(analysis::places::profile))
        // One cache for every analysis, so a network is built once per layer version.
        .layer(Extension(Arc::new(
            crate::analysis::AnalysisCache::default(),
        )))
        // One bounded pool of heavy work, so light requests keep answering.
        .layer(Extension(Arc::new(heavy::Heavy::new(
            &state.config.limits.analysis,
        ))))
        .fallback(|| async { ApiError::not_found("no such API endpoint") });
    Router::new()
        .route("/healthz", get(health))
        .nest("/api", api)
        .nest("/tiles", tiles::routes(tile_cache.clone()))
        .nest("/ogc", ogc::routes(&state, tile_cache))
        .nest_service("/vendor/maplibre-gl", vendor)
        .fallback_service(web_app)
        // A panicking handler answers 500 instead of dropping the connection, and every error
        // (axum's own rejections too) leaves as problem+json.
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(error::problem_json))
        .layer(CompressionLayer::new())
        .with_state(state)
}

#[utoipa::path(get, path = "/healthz", tag = "server", responses((status = 200, description = "the server is up; the number of layers", body = Object)))]
async fn health(viewer: viewer::Viewer) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "layers": viewer.catalog.len() }))
}

/// `GET /api/config`: what the web app needs to know about this server.
#[utoipa::path(get, path = "/api/config", tag = "server", responses((status = 200, description = "what the web app needs to know", body = Object)))]
async fn client_config(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Json<serde_json::Value> {
    Json(json!({
        "basemap_url": state.config.basemap_url,
        "analysis_crs": state.store.analysis_crs(),
        "writable": state.config.token.is_some(),
    }))
}

/// `GET /api/profile`: the region profile, which layer plays which part (see
/// [`crate::profile`]), without the parts naming layers hidden from the caller. The web map
/// builds its panels and basemap from it.
#[utoipa::path(get, path = "/api/profile", tag = "server", responses((status = 200, description = "the region profile", body = Object)))]
async fn region_profile(viewer: viewer::Viewer) -> Json<crate::profile::RegionProfile> {
    Json(viewer.profile.as_ref().clone())
}

/// How often a running server looks for layers written by other processes.
const STORE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Serves the application on the configured address until Ctrl-C or SIGTERM. Prints the
/// address it listens on (useful with port 0). Layers that `kartrum ingest` (or another
/// server) writes into the same data directory are served within [`STORE_POLL`] or so.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let address = std::net::SocketAddr::new(state.config.host, state.config.port);
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // maplibre-rs starts beside the server; until it has a device, map images wait for it.
    let renderer = state.renderer.clone();
    tokio::task::spawn_blocking(move || match renderer.status() {
        Ok(device) => println!("map images: drawn by maplibre-rs on {device}"),
        Err(e) => eprintln!(
            "map images unavailable: {e}; GET /api/render, /api/views/{{id}}/map.png and /api/views/{{id}}/report.pdf answer 503"
        ),
    });
    tokio::spawn(follow_store(state.store.clone()));
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await
}

/// Refreshes the catalog from disk every [`STORE_POLL`], off the async threads.
async fn follow_store(store: Arc<Store>) {
    let mut ticks = tokio::time::interval(STORE_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.refresh()).await {
            Ok(Ok(changed)) if !changed.is_empty() => {
                tracing::info!("layers changed on disk: {}", changed.join(", "));
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!("reading the store: {error}"),
            Err(error) => tracing::error!("reading the store: {error}"),
        }
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}
