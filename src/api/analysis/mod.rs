//! `/api/analysis` and `/api/places`: one thin handler file per product (and `compare`, scenarios side by side), each resolving its
//! request against the region profile as the caller may see it (`Viewer::profile`) and running it on the
//! heavy pool; [`shared`] holds what they share (the `output` object, reading bodies, storing
//! derived results). Product files import `shared`, never each other.

pub mod compare;
pub mod isochrone;
pub mod places;
pub mod rural;
pub mod service_access;
pub mod shared;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;

/// The analysis routes under `/api/analysis`. They share the server's one
/// [`crate::analysis::AnalysisCache`], an extension added by [`super::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/service-access", post(service_access::service_access))
        .route("/service-access/scenario", post(service_access::scenario))
        .route("/isochrone", get(isochrone::isochrone))
        .route("/corridor", post(super::corridor::analyse))
        .route("/rural", post(rural::analyze))
        .route("/compare", post(compare::compare))
}
