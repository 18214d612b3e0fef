//! The caller as the catalog sees it: the one place per-layer access is applied to reads.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::{ApiError, AppState};
use crate::access::Role;
use crate::store::Catalog;

/// The caller's role (from `Authorization: Bearer …`) and the catalog it may see: without a
/// valid read or write token, internal layers are left out, so for such a caller they answer
/// exactly as unknown ids do. Every read of the catalog in `api/` goes through this.
pub struct Viewer {
    /// Who the caller is.
    pub role: Role,
    /// The layers the caller may see.
    pub catalog: Arc<Catalog>,
}

impl Viewer {
    /// The viewer of a request with these parts.
    pub fn of(parts: &Parts, state: &AppState) -> Self {
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let access = &state.config.access;
        let role = access.role(given, state.config.token.as_deref());
        let catalog = access.visible(state.store.snapshot(), role);
        Self { role, catalog }
    }

    /// Whether analysis results this caller stores must be internal: it sees internal layers
    /// and there are some, so its result may be computed from them.
    pub fn results_internal(&self, state: &AppState) -> bool {
        self.role.sees_internal() && state.config.access.any_internal(&self.catalog)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::of(parts, state))
    }
}
