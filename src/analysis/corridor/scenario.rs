//! A scenario's [`Changes`] in the corridor: new homes join the population counted, services
//! removed are gone, moved ones count where they now lie and added ones count as their own row
//! ([`ADDED_LAYER`]/[`ADDED_KIND`]); network changes apply to the network the corridors travel
//! over (`between`, `catchment`), built by [`scenario_network`]. Everything applies to copies:
//! the layers of the catalog and the cached baseline network are never touched.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::CorridorError;
use super::tally::{Kind, Resolved};
use crate::analysis::engine::changes::{Changes, demand_with, scenario_network};
use crate::analysis::engine::text_of;
use crate::analysis::{AnalysisCache, AnalysisError};
use crate::crs;
use crate::layer::Layer;
use crate::network::{Network, NetworkSettings};
use crate::store::Catalog;

/// The `layer` of the row that counts a scenario's added services.
pub const ADDED_LAYER: &str = "scenario";
/// The `kind` of the row that counts a scenario's added services.
pub const ADDED_KIND: &str = "new";

/// Which of a scenario's changes the answer reflects (a change the corridor does not count
/// is 0 here, with a note saying why).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Applied {
    /// Services removed that a counted service source held.
    pub services_removed: usize,
    /// Services moved that a counted service source holds; they count where they now lie.
    pub services_moved: usize,
    /// Services added; they count in the row of layer [`ADDED_LAYER`], kind [`ADDED_KIND`].
    pub services_added: usize,
    /// Entries of new homes added to the population counted.
    pub homes: usize,
    /// Their residents.
    pub residents: f64,
    /// Road selections closed on the network travelled.
    pub roads_closed: usize,
    /// Road selections given a new speed on the network travelled.
    pub speed_changes: usize,
    /// New links on the network travelled.
    pub links: usize,
}

/// Applies the population and service changes of `changes` to `resolved` (the layers counted,
/// read from `catalog`), noting in `notes` what the corridor cannot count. A removed or moved
/// service must name a feature of the catalog (`LAYER/FEATURE_ID`), so a typo never passes
/// for a change without effect.
pub fn apply(
    resolved: &mut Resolved,
    catalog: &Catalog,
    changes: &Changes,
    analysis_crs: &str,
    notes: &mut Vec<String>,
) -> Result<Applied, CorridorError> {
    let mut applied = Applied::default();
    if !changes.population.is_empty() {
        match resolved.population.as_mut() {
            Some((layer, field)) => {
                *layer = demand_with(layer, *field, &changes.population, analysis_crs)?;
                applied.homes = changes.population.len();
                applied.residents = changes.population.iter().map(|h| h.population).sum();
            }
            None => notes.push(
                "the scenario's new homes are not counted: no population layer is counted".into(),
            ),
        }
    }
    apply_services(
        resolved,
        catalog,
        changes,
        analysis_crs,
        notes,
        &mut applied,
    )?;
    Ok(applied)
}

/// The services part of [`apply`].
fn apply_services(
    resolved: &mut Resolved,
    catalog: &Catalog,
    changes: &Changes,
    analysis_crs: &str,
    notes: &mut Vec<String>,
    applied: &mut Applied,
) -> Result<(), CorridorError> {
    let lon_lat: Vec<(f64, f64)> = (changes.moves.iter().map(|m| (m.lon, m.lat)))
        .chain(changes.add.iter().map(|a| (a.lon, a.lat)))
        .collect();
    let points = crs::from_display(&lon_lat, analysis_crs)
        .map_err(|e| AnalysisError::Invalid(format!("changes: {e}")))?;
    let (moved_to, added) = points.split_at(changes.moves.len());
    resolved.added = added.to_vec();
    applied.services_added = added.len();

    let mut features = Features::default();
    let moves = changes
        .moves
        .iter()
        .zip(moved_to)
        .map(|(m, &at)| (&m.id, Some(at)));
    let removals = changes.remove.iter().map(|id| (id, None));
    for (id, moved_to) in removals.chain(moves) {
        let (layer, position) = features.find(catalog, id)?;
        let feature = &layer.features[position];
        let mut counted = false;
        for source in (resolved.services.iter_mut())
            .filter(|s| s.layer.meta.id == layer.meta.id && s.filter.matches(feature))
        {
            counted = true;
            source.gone.insert(position);
            if let Some(at) = moved_to {
                let kind = match &source.kind {
                    Kind::Named(kind) => kind.clone(),
                    Kind::Field(f) => text_of(&feature.properties[*f]),
                };
                source.moved.push((kind, at));
            }
        }
        match (counted, moved_to) {
            (true, None) => applied.services_removed += 1,
            (true, Some(_)) => applied.services_moved += 1,
            (false, _) => notes.push(format!(
                "service {id:?} is not among the services counted; its change has no effect here"
            )),
        }
    }
    Ok(())
}

/// Features of the catalog by `LAYER/FEATURE_ID`, with each layer's ids indexed once.
#[derive(Default)]
struct Features(HashMap<String, (Arc<Layer>, HashMap<u64, usize>)>);

impl Features {
    /// The layer and the position in it of the feature `id` names.
    fn find(&mut self, catalog: &Catalog, id: &str) -> Result<(Arc<Layer>, usize), CorridorError> {
        let unknown = || -> CorridorError {
            AnalysisError::Invalid(format!(
                "changes: no service {id:?} (LAYER/FEATURE_ID) in the store"
            ))
            .into()
        };
        let (layer_id, feature) = id.rsplit_once('/').ok_or_else(unknown)?;
        let feature: u64 = feature.parse().map_err(|_| unknown())?;
        if !self.0.contains_key(layer_id) {
            let layer = Arc::clone(catalog.get(layer_id).ok_or_else(unknown)?);
            let ids = (layer.features.iter().enumerate())
                .map(|(i, f)| (f.id, i))
                .collect();
            self.0.insert(layer_id.to_string(), (layer, ids));
        }
        let (layer, ids) = &self.0[layer_id];
        let position = *ids.get(&feature).ok_or_else(unknown)?;
        Ok((Arc::clone(layer), position))
    }
}

/// The network the corridors travel over: `layer` built with `settings`, with the network
/// changes of `changes` applied (the cached baseline when there are none), counted in
/// `applied`.
pub fn network(
    cache: &AnalysisCache,
    layer: &Arc<Layer>,
    settings: &NetworkSettings,
    changes: &Changes,
    analysis_crs: &str,
    applied: &mut Applied,
) -> Result<Arc<Network>, CorridorError> {
    let network = scenario_network(cache, layer, settings, &changes.network, analysis_crs)?;
    applied.roads_closed = changes.network.close.len();
    applied.speed_changes = changes.network.speed.len();
    applied.links = changes.network.links.len();
    Ok(network)
}

/// What of `changes` the region's totals depend on: the population and services, not the
/// network (the totals count, they do not travel).
pub fn totals_key(changes: &Changes) -> String {
    let counted = Changes {
        network: Default::default(),
        ..changes.clone()
    };
    serde_json::to_string(&counted).expect("changes serialise")
}
