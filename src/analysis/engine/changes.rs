//! The changes of a scenario, as the web map sends them (positions and geometries in WGS84):
//! services removed, added or moved; new homes (population); roads closed, given a new speed
//! or added. Every analysis applies the parts that concern it to a copy of its inputs; the
//! cached baseline is never touched.
//!
//! - [`scenario_network`]: the network with [`NetworkChanges`] applied.
//! - [`demand_with`]: the demand layer with [`NewHomes`] added.
//! - [`prepare_scenario`]: demand units on the changed network, for the nearest search.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::super::AnalysisError;
use super::AnalysisCache;
use super::spec::UnitsSpec;
use super::units::{Prepared, prepare};
use crate::layer::Layer;
use crate::network::{Network, NetworkSettings};
use crate::range;
use crate::store::Catalog;

/// Most entries of each list of a scenario (services removed, homes added, roads closed, …).
pub const MAX_CHANGES: usize = 1_000;

/// The changes of one scenario. Every list may be empty; `{}` is the baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    /// Ids (`LAYER/FEATURE_ID`) of services that close.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// New services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<NewService>,
    /// Services that move.
    #[serde(default, rename = "move", skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<MovedService>,
    /// New homes: added population.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub population: Vec<NewHomes>,
    /// Roads closed, given a new speed or added.
    #[serde(default, skip_serializing_if = "NetworkChanges::is_empty")]
    pub network: NetworkChanges,
}

/// A service added in a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// Name shown in results; default `new N`.
    #[serde(default)]
    pub name: Option<String>,
    /// Longitude (EPSG:4326).
    pub lon: f64,
    /// Latitude (EPSG:4326).
    pub lat: f64,
}

/// A service moved in a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovedService {
    /// Its id (`LAYER/FEATURE_ID`).
    pub id: String,
    /// New longitude (EPSG:4326).
    pub lon: f64,
    /// New latitude (EPSG:4326).
    pub lat: f64,
}

/// New homes: a point (`lon`/`lat`, one new demand unit) or an area (`geometry`, a GeoJSON
/// Polygon or MultiPolygon in WGS84, spread over the demand units it covers by area, or one
/// new unit when it covers none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHomes {
    /// Name shown in results, e.g. "Nya bostäder Marnäs".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Longitude of a point (EPSG:4326).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Latitude of a point (EPSG:4326).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// An area instead of a point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<geojson::Geometry>,
    /// Residents added.
    pub population: f64,
}

/// Changes to the road network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkChanges {
    /// Roads that close: gone for snapping and routing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub close: Vec<RoadSelection>,
    /// Roads with a new speed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speed: Vec<SpeedChange>,
    /// New roads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<NewLink>,
}

impl NetworkChanges {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.close.is_empty() && self.speed.is_empty() && self.links.is_empty()
    }
}

/// Which roads a change affects: every network feature whose geometry intersects `within`
/// (a GeoJSON Polygon or MultiPolygon in WGS84), or the features listed in `ids`
/// (`LAYER/FEATURE_ID`). Exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadSelection {
    /// An area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<geojson::Geometry>,
    /// Feature ids of the network layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
}

/// Roads given a new speed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeedChange {
    /// Which roads.
    #[serde(flatten)]
    pub roads: RoadSelection,
    /// Their new speed in km/h.
    pub speed_kmh: f64,
}

/// A new road: a GeoJSON LineString in WGS84, noded to the network where it crosses it or
/// ends near it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// Its line.
    pub line: geojson::Geometry,
    /// Its speed in km/h.
    pub speed_kmh: f64,
    /// Travelled only in the direction the line is drawn.
    #[serde(default)]
    pub oneway: bool,
}

impl Changes {
    /// Whether this is the baseline.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty()
            && self.add.is_empty()
            && self.moves.is_empty()
            && self.population.is_empty()
            && self.network.is_empty()
    }

    /// Checks the sizes of the lists (at most [`MAX_CHANGES`] each) and the values before
    /// anything is read.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        range::at_most("changes.remove", self.remove.len(), MAX_CHANGES, "services")?;
        range::at_most("changes.add", self.add.len(), MAX_CHANGES, "services")?;
        range::at_most("changes.move", self.moves.len(), MAX_CHANGES, "services")?;
        range::at_most(
            "changes.population",
            self.population.len(),
            MAX_CHANGES,
            "entries",
        )?;
        let n = &self.network;
        range::at_most(
            "changes.network.close",
            n.close.len(),
            MAX_CHANGES,
            "entries",
        )?;
        range::at_most(
            "changes.network.speed",
            n.speed.len(),
            MAX_CHANGES,
            "entries",
        )?;
        range::at_most(
            "changes.network.links",
            n.links.len(),
            MAX_CHANGES,
            "entries",
        )?;
        Ok(())
    }
}

/// The network of `layer` built with `settings`, with `changes` applied to a copy (cached
/// beside the baseline, which is never touched). No changes: the cached baseline itself.
pub fn scenario_network(
    cache: &AnalysisCache,
    layer: &Arc<Layer>,
    settings: &NetworkSettings,
    changes: &NetworkChanges,
    _analysis_crs: &str,
) -> Result<Arc<Network>, AnalysisError> {
    if changes.is_empty() {
        return Ok(cache.networks.get(layer, settings)?);
    }
    Err(AnalysisError::Invalid(
        "network changes are not supported yet".into(),
    ))
}

/// The demand layer `layer` (population in field number `population`) with `homes` added,
/// as a copy; no homes: the layer itself.
pub fn demand_with(
    layer: &Arc<Layer>,
    _population: usize,
    homes: &[NewHomes],
    _analysis_crs: &str,
) -> Result<Arc<Layer>, AnalysisError> {
    if homes.is_empty() {
        return Ok(layer.clone());
    }
    Err(AnalysisError::Invalid(
        "added population is not supported yet".into(),
    ))
}

/// Demand units of `spec` on the network, with the network and population changes of
/// `changes` applied; without such changes, the cached baseline of [`prepare`]. The
/// baseline's units keep their positions; added units follow them.
pub fn prepare_scenario(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &UnitsSpec,
    changes: &Changes,
    _analysis_crs: &str,
) -> Result<Arc<Prepared>, AnalysisError> {
    if changes.population.is_empty() && changes.network.is_empty() {
        return prepare(cache, catalog, spec);
    }
    Err(AnalysisError::Invalid(
        "network and population changes are not supported yet".into(),
    ))
}
