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
//!
//! Shared here: the error type, layer look-ups, representative points of demand units and the
//! [`AnalysisCache`] that keeps networks and snapped units between requests.

pub mod budget;
pub mod corridor;
pub mod detour;
pub mod isochrone;
pub mod place_profile;
pub mod rural;
pub mod service_access;
pub mod towns;

use std::sync::Arc;

use geo::{Centroid, Contains, Coord, Geometry, InteriorPoint};

use crate::crs::CrsError;
use crate::layer::{FieldKind, Layer};
use crate::network::cache::Memo;
use crate::network::{NetworkCache, NetworkError};
use crate::profile::ProfileError;
use crate::range::OutOfRange;
use crate::store::{Catalog, StoreError};
use budget::BudgetError;

/// Errors of an analysis. All but `Store` and `Crs` are the caller's to fix.
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
    /// Other invalid parameters (bands, mode, changes).
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

/// The layer `id` of `catalog`.
pub fn layer(catalog: &Catalog, id: &str) -> Result<Arc<Layer>, AnalysisError> {
    catalog
        .get(id)
        .cloned()
        .ok_or_else(|| AnalysisError::UnknownLayer(id.to_string()))
}

/// Position of field `name` of `layer`.
pub fn field(layer: &Layer, name: &str) -> Result<usize, AnalysisError> {
    layer
        .field_index(name)
        .ok_or_else(|| AnalysisError::NoSuchField {
            layer: layer.meta.id.clone(),
            field: name.to_string(),
            available: layer.field_names(),
        })
}

/// Position of the numeric field `name` of `layer`.
pub fn numeric_field(layer: &Layer, name: &str) -> Result<usize, AnalysisError> {
    let i = field(layer, name)?;
    let kind = layer.meta.fields[i].kind;
    if matches!(kind, FieldKind::Integer | FieldKind::Real) {
        Ok(i)
    } else {
        Err(AnalysisError::NotNumeric {
            layer: layer.meta.id.clone(),
            field: name.to_string(),
            kind,
        })
    }
}

/// The point that stands for a feature: the point itself, the centroid of a polygon when it
/// lies inside it (else an interior point), the centroid of anything else.
///
/// ```
/// use geo::{Coord, Geometry, polygon};
/// use kartrummet::analysis::representative_point;
/// let square: Geometry<f64> = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)].into();
/// assert_eq!(representative_point(&square), Some(Coord { x: 1.0, y: 1.0 }));
/// ```
pub fn representative_point(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    match geometry {
        Geometry::Point(p) => Some(p.0),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => {
            match geometry.centroid() {
                Some(c) if geometry.contains(&c) => Some(c.0),
                _ => geometry.interior_point().map(|p| p.0),
            }
        }
        other => other.centroid().map(|p| p.0),
    }
}

/// What analyses keep between requests: built networks, prepared demand units and baseline
/// results, keyed by layer versions and settings. One per server.
#[derive(Debug)]
pub struct AnalysisCache {
    /// Built networks.
    pub networks: NetworkCache,
    demand: Memo<service_access::Prepared>,
    baselines: Memo<service_access::Run>,
    /// Region totals of corridor analyses.
    pub corridor_regions: Memo<corridor::RegionTotals>,
}

impl Default for AnalysisCache {
    fn default() -> Self {
        Self {
            networks: NetworkCache::default(),
            demand: Memo::new(8),
            baselines: Memo::new(8),
            corridor_regions: Memo::new(8),
        }
    }
}

/// A sentence for responses saying what network the times follow. A layer that looks like
/// bus or public-transport lines is called the bus network, not all roads.
///
/// ```
/// # use kartrummet::layer::{Layer, LayerMeta};
/// # let meta = LayerMeta::new("busslinjer", vec![]);
/// let note = kartrummet::analysis::network_note(&Layer::new(meta, vec![]));
/// assert!(note.contains("bus network, not all roads"));
/// ```
pub fn network_note(layer: &Layer) -> String {
    let m = &layer.meta;
    let text = format!("{} {} {}", m.id, m.title, m.description).to_lowercase();
    let bus = ["buss", "bus ", "linje", "kollektivtrafik", "route"]
        .iter()
        .any(|w| text.contains(w));
    if bus {
        format!(
            "Travel times follow the bus network, not all roads (layer {:?}: the roads that bus \
             lines run on). Places off it attach by a straight connector, so times away from \
             bus routes are estimates.",
            m.id
        )
    } else {
        format!(
            "Travel times follow the line layer {:?} as a road network; they are only as \
             complete as that layer.",
            m.id
        )
    }
}
