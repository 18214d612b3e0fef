//! The caller as the catalog sees it: the one place per-layer access is applied to reads.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::{ApiError, AppState};
use crate::access::{self, Role};
use crate::profile::RegionProfile;
use crate::scenarios::Scenario;
use crate::store::Catalog;
use crate::views::View;

/// The caller's role (from `Authorization: Bearer …`) and the catalog it may see: without a
/// valid read or write token, internal layers are left out, so for such a caller they answer
/// exactly as unknown ids do. Every read of the catalog in `api/` goes through this.
pub struct Viewer {
    /// Who the caller is.
    pub role: Role,
    /// The layers the caller may see.
    pub catalog: Arc<Catalog>,
    /// The region profile as the caller may see it: parts naming layers hidden from it are
    /// left out, so a request leaving them out is a 400 naming the setting, not a leak.
    pub profile: Arc<RegionProfile>,
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
        let mut viewer = Self {
            role,
            catalog,
            profile: Arc::clone(&state.config.profile),
        };
        if !role.sees_internal() {
            let public = state.config.profile.without(&|id| viewer.hides(state, id));
            if public != *viewer.profile {
                viewer.profile = Arc::new(public);
            }
        }
        viewer
    }

    /// Whether analysis results this caller stores must be internal: it sees internal layers
    /// and there are some, so its result may be computed from them.
    pub fn results_internal(&self, state: &AppState) -> bool {
        self.role.sees_internal() && state.config.access.any_internal(&self.catalog)
    }

    /// Whether `id` names a layer this caller may not know of: an internal id, or a layer of
    /// the store left out of the caller's catalog.
    pub fn hides(&self, state: &AppState, id: &str) -> bool {
        if self.role.sees_internal() {
            return false;
        }
        let access = &state.config.access;
        access.is_internal_id(id)
            || (self.catalog.get(id).is_none()
                && state
                    .store
                    .layer(id)
                    .is_some_and(|l| access.is_internal(&l.meta)))
    }

    /// `view` as this caller may see it: without hidden layers, and without hidden layer or
    /// feature ids (`LAYER/ID`, e.g. a closed service) in its analysis parameters.
    pub fn view(&self, state: &AppState, mut view: View) -> View {
        if self.role.sees_internal() {
            return view;
        }
        view.layers.retain(|l| !self.hides(state, &l.id));
        access::redact(&mut view.analysis, &|text| {
            self.hides_reference(state, text)
        });
        view
    }

    /// `scenario` as this caller may see it: without the ids of features (`LAYER/ID`) or
    /// layers hidden from it in its changes.
    pub fn scenario(&self, state: &AppState, scenario: Scenario) -> serde_json::Value {
        let mut value = serde_json::json!(scenario);
        if self.role.sees_internal() {
            return value;
        }
        access::redact(&mut value["changes"], &|text| {
            self.hides_reference(state, text)
        });
        value
    }

    /// Whether `text`, a layer id (`LAYER`) or a feature reference (`LAYER/ID`) as views and
    /// scenarios save them, names a layer hidden from this caller.
    fn hides_reference(&self, state: &AppState, text: &str) -> bool {
        let layer = text.split_once('/').map_or(text, |(layer, _)| layer);
        self.hides(state, layer)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::of(parts, state))
    }
}
