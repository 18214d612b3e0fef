//! Analyses over the store's layers. They know nothing of HTTP: the API and the command line
//! call them alike.
//!
//! - [`service_access`]: how far each resident lives from the nearest service, per unit and
//!   per area, with what-if scenarios.
//! - [`isochrone`]: the area reachable from a point within given minutes.
//! - [`corridor`]: stråk, the numbers of a corridor along a road or railway.
//! - [`rural`]: distance classes (landsbygdsavstånd) from the nearest tätort of a size.
//! - [`place_profile`]: profiles of tätorter (ortsanalys) and a place class.
//! - [`towns`]: tätorter as every analysis reads them.
//! - [`detour`]: the detour factor of network against straight-line distance.
//! - [`compare`]: one analysis for the baseline and up to six scenarios, side by side.
//!
//! Every product runs on one [`engine`] (lookups, demand units on the network, supply, the
//! nearest search, summaries, the unit→area join, result layers, the [`AnalysisCache`] and
//! the work [`budget`]), takes what a request leaves out from the region profile
//! ([`crate::profile`]) in one resolve step, and fails with the one [`AnalysisError`].

pub mod compare;
pub mod corridor;
pub mod detour;
pub mod engine;
pub mod isochrone;
pub mod place_profile;
pub mod rural;
pub mod service_access;
pub mod towns;

use crate::crs::CrsError;
use crate::layer::FieldKind;
use crate::network::NetworkError;
use crate::profile::ProfileError;
use crate::range::OutOfRange;
use crate::store::StoreError;
use budget::BudgetError;

/// Errors of every analysis. All but `Store` and `Crs` are the caller's to fix.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// No layer with this id.
    #[error("no layer {0:?}")]
    UnknownLayer(String),
    /// The layer has no such field.
    #[error("layer {layer:?} has no field {field:?}; fields: {available}")]
    NoSuchField {
        /// Layer id.
        layer: String,
        /// The missing field.
        field: String,
        /// The fields it has.
        available: String,
    },
    /// A population field that does not hold numbers.
    #[error(
        "field {field:?} of layer {layer:?} is {kind:?}, not numeric; the population must be a number"
    )]
    NotNumeric {
        /// Layer id.
        layer: String,
        /// The field.
        field: String,
        /// Its type.
        kind: FieldKind,
    },
    /// A layer of the wrong geometry type.
    #[error("layer {layer:?} has {found} geometries; {wanted}")]
    WrongGeometry {
        /// Layer id.
        layer: String,
        /// What it has.
        found: String,
        /// What is needed.
        wanted: &'static str,
    },
    /// The supply filter matched no service point.
    #[error("no service points: {0}")]
    EmptySupply(String),
    /// No tätort of the region has this id (place profiles).
    #[error("no tätort {0:?} in the region; GET /api/places lists them")]
    UnknownPlace(String),
    /// Other invalid parameters (bands, mode, changes, thresholds, rules).
    #[error("{0}")]
    Invalid(String),
    /// The network could not be built or the snap settings are wrong.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// Writing the result layer failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Coordinates could not be transformed.
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// The analysis ran out of its work budget.
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// A setting that neither the request nor the region profile gives.
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

impl From<OutOfRange> for AnalysisError {
    fn from(error: OutOfRange) -> Self {
        Self::Invalid(error.to_string())
    }
}

pub use engine::budget;
pub use engine::{
    AnalysisCache, field, is_bus_network, layer, network_note, numeric_field, representative_point,
};
