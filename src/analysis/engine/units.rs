//! Demand units and their attachment to the network: everything that does not depend on the
//! service points, prepared once and cached between requests.

use std::sync::Arc;

use geo::Coord;

use super::super::AnalysisError;
use super::AnalysisCache;
use super::areas::{AreaInfo, AreaJoin, AreaLookup};
use super::lookup::{layer, numeric_field, representative_point};
use super::spec::UnitsSpec;
use crate::layer::Layer;
use crate::network::cache::layer_key;
use crate::network::{Location, Network, SnapSettings};
use crate::store::Catalog;

/// A demand unit ready for searches.
#[derive(Debug, Clone)]
pub struct DemandUnit {
    /// Position of the feature in the demand layer.
    pub feature: usize,
    /// Feature id.
    pub id: u64,
    /// Population (missing values count as 0).
    pub population: f64,
    /// Representative point in the analysis CRS.
    pub point: Option<Coord<f64>>,
    /// Where it attaches to the network (network mode).
    pub location: Option<Location>,
    /// Its area, as a position in [`Prepared::areas`]: the area its code names, else the one
    /// it lies in ([`super::AreaSpec::unit_code_field`]).
    pub area: Option<u32>,
}

/// The network, the demand units attached to it and their areas: everything that does not
/// depend on the service points, cached between requests.
#[derive(Debug)]
pub struct Prepared {
    /// The network (network mode only).
    pub network: Option<Arc<Network>>,
    /// The network layer (network mode only).
    pub network_layer: Option<Arc<Layer>>,
    /// The demand layer.
    pub demand: Arc<Layer>,
    /// Its units.
    pub units: Vec<DemandUnit>,
    /// Areas; units outside every area have none.
    pub areas: Vec<AreaInfo>,
    /// The areas layer (when there are areas).
    pub area_layer: Option<Arc<Layer>>,
    /// How the units found their areas (when there are areas).
    pub area_join: Option<AreaJoin>,
    /// The cache key: layer versions and settings it was prepared from.
    pub key: String,
}

/// Network, units and areas for `spec`, from the cache when the same layer versions and
/// settings were prepared before.
pub fn prepare(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &UnitsSpec,
) -> Result<Arc<Prepared>, AnalysisError> {
    spec.validate()?;
    let demand = layer(catalog, &spec.demand.layer)?;
    let population = numeric_field(&demand, &spec.demand.population)?;
    let network_layer = spec
        .network
        .as_deref()
        .map(|id| layer(catalog, id))
        .transpose()?;
    let areas = spec
        .areas
        .as_ref()
        .map(|a| AreaLookup::new(catalog, a, &demand))
        .transpose()?;
    let key = format!(
        "{}|{}|{}|{}|{}|{:?}",
        network_layer.as_deref().map(layer_key).unwrap_or_default(),
        spec.network_settings.key(),
        spec.snap.key(),
        layer_key(&demand),
        spec.demand.population,
        areas.as_ref().map(AreaLookup::key),
    );
    cache.demand.get_or_try(key.clone(), || {
        let network = network_layer
            .as_ref()
            .map(|l| cache.networks.get(l, &spec.network_settings))
            .transpose()?;
        Ok::<_, AnalysisError>(assemble(
            network,
            network_layer.clone(),
            demand.clone(),
            population,
            &spec.snap,
            areas,
            key.clone(),
        ))
    })
}

/// The units of every feature of `demand` (population in field number `population`), in
/// layer order, attached to `network` as `snap` says and placed in `areas`.
pub(super) fn assemble(
    network: Option<Arc<Network>>,
    network_layer: Option<Arc<Layer>>,
    demand: Arc<Layer>,
    population: usize,
    snap: &SnapSettings,
    areas: Option<AreaLookup>,
    key: String,
) -> Prepared {
    let units: Vec<DemandUnit> = demand
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let point = representative_point(&f.geometry);
            DemandUnit {
                feature: i,
                id: f.id,
                population: f.properties[population].as_f64().unwrap_or(0.0),
                point,
                location: match (&network, point) {
                    (Some(n), Some(p)) => n.locate(p, snap),
                    _ => None,
                },
                area: areas.as_ref().and_then(|a| a.area_of_unit(f, point)),
            }
        })
        .collect();
    Prepared {
        network,
        network_layer,
        area_join: areas.as_ref().map(|a| a.report(&demand, &units)),
        areas: areas.as_ref().map(AreaLookup::infos).unwrap_or_default(),
        area_layer: areas.map(|a| a.layer),
        demand,
        units,
        key,
    }
}
