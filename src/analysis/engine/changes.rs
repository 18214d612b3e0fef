//! The changes of a scenario, as the web map sends them (positions and geometries in WGS84):
//! services removed, added or moved; new homes (population); roads closed, given a new speed
//! or added. Every analysis applies the parts that concern it to a copy of its inputs; the
//! cached baseline is never touched.
//!
//! - [`scenario_network`]: the network with [`NetworkChanges`] applied.
//! - [`demand_with`]: the demand layer with [`NewHomes`] added.
//! - [`prepare_scenario`]: demand units on the changed network, for the nearest search.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use geo::{Area, BooleanOps, BoundingRect, Contains, Coord, Geometry, MapCoords, MultiPolygon};
use serde::{Deserialize, Serialize};

use super::super::AnalysisError;
use super::AnalysisCache;
use super::areas::AreaLookup;
use super::lookup::numeric_field;
use super::spec::UnitsSpec;
use super::units::{Prepared, assemble, prepare};
use crate::crs;
use crate::layer::{Feature, Layer, Value};
use crate::network::cache::layer_key;
use crate::network::{Edits, Link, Network, NetworkSettings, Selection};
use crate::range::{self, Range};
use crate::store::Catalog;

/// Most entries of each list of a scenario (services removed, homes added, roads closed, …).
pub const MAX_CHANGES: usize = 1_000;

/// Most positions of one drawn geometry (an area of new homes, a selection area, a link).
pub const MAX_POSITIONS: usize = 10_000;

/// Most positions of all the drawn geometries of one scenario together.
pub const MAX_TOTAL_POSITIONS: usize = 100_000;

/// Range of the residents of one entry of new homes.
pub const NEW_RESIDENTS: Range = Range::new("changes.population.population", 1.0, 1e6, "residents");

/// Range of a road's new speed and of a link's speed.
pub const SPEED_KMH: Range = Range::new("speed_kmh", 1.0, 300.0, "km/h");

/// Range of a link's length: a new road of a region, not a continent.
pub const LINK_KM: Range = Range::new("changes.network.links: length", 0.0, 200.0, "km");

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

    /// Checks the sizes of the lists (at most [`MAX_CHANGES`] each), the drawn geometries
    /// (WGS84 positions, at most [`MAX_POSITIONS`] each and [`MAX_TOTAL_POSITIONS`] in all,
    /// the right kinds) and the values ([`NEW_RESIDENTS`], [`SPEED_KMH`]) before anything is
    /// read.
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
        let mut positions = 0;
        for (i, homes) in self.population.iter().enumerate() {
            NEW_RESIDENTS.check_as(
                &format!("changes.population[{i}].population"),
                homes.population,
            )?;
            homes.wgs84(i, &mut positions)?;
        }
        self.network.wgs84(&mut positions)?;
        Ok(())
    }
}

impl NewHomes {
    /// The point or area in WGS84, checked; counts its positions into `positions`.
    fn wgs84(&self, i: usize, positions: &mut usize) -> Result<Geometry<f64>, AnalysisError> {
        let name = format!("changes.population[{i}]");
        match (self.lon, self.lat, &self.geometry) {
            (Some(lon), Some(lat), None) => {
                let point = Geometry::Point(geo::Point::new(lon, lat));
                check_positions(&name, &point, positions)?;
                Ok(point)
            }
            (None, None, Some(g)) => area(&name, g, positions).map(Geometry::MultiPolygon),
            _ => Err(AnalysisError::Invalid(format!(
                "{name}: give either \"lon\" and \"lat\" (a point) or \"geometry\" (a Polygon or \
                 MultiPolygon)"
            ))),
        }
    }
}

impl NetworkChanges {
    /// Checks every selection, speed and link (as [`Changes::validate`]); counts their
    /// positions into `positions`.
    fn wgs84(&self, positions: &mut usize) -> Result<(), AnalysisError> {
        for (i, c) in self.close.iter().enumerate() {
            c.wgs84(&format!("changes.network.close[{i}]"), positions)?;
        }
        for (i, c) in self.speed.iter().enumerate() {
            let name = format!("changes.network.speed[{i}]");
            SPEED_KMH.check_as(&format!("{name}.speed_kmh"), c.speed_kmh)?;
            c.roads.wgs84(&name, positions)?;
        }
        for (i, l) in self.links.iter().enumerate() {
            let name = format!("changes.network.links[{i}]");
            SPEED_KMH.check_as(&format!("{name}.speed_kmh"), l.speed_kmh)?;
            l.wgs84(&name, positions)?;
        }
        Ok(())
    }
}

/// A selection, checked: an area, or ids.
enum Picked<'a> {
    Area(MultiPolygon<f64>),
    Ids(&'a [String]),
}

impl RoadSelection {
    fn wgs84(&self, name: &str, positions: &mut usize) -> Result<Picked<'_>, AnalysisError> {
        match (&self.within, &self.ids) {
            (Some(g), None) => Ok(Picked::Area(area(&format!("{name}.within"), g, positions)?)),
            (None, Some(ids)) => {
                range::at_most("changes.network: ids", ids.len(), MAX_CHANGES, "ids")?;
                Ok(Picked::Ids(ids))
            }
            _ => Err(AnalysisError::Invalid(format!(
                "{name}: give either \"within\" (a Polygon or MultiPolygon) or \"ids\" (network \
                 features as LAYER/FEATURE_ID), not both or neither"
            ))),
        }
    }
}

impl NewLink {
    fn wgs84(
        &self,
        name: &str,
        positions: &mut usize,
    ) -> Result<geo::LineString<f64>, AnalysisError> {
        let line = match wgs84(&format!("{name}.line"), &self.line, positions)? {
            Geometry::LineString(l) if l.0.len() >= 2 => l,
            _ => {
                return Err(AnalysisError::Invalid(format!(
                    "{name}.line must be a LineString of at least two positions"
                )));
            }
        };
        use geo::{Geodesic, Length};
        LINK_KM.check_as(
            &format!("{name}.line: length"),
            Geodesic.length(&line) / 1000.0,
        )?;
        Ok(line)
    }
}

/// A GeoJSON geometry in WGS84, checked: finite longitudes and latitudes, at most
/// [`MAX_POSITIONS`] positions, counted into `positions` (at most [`MAX_TOTAL_POSITIONS`]).
fn wgs84(
    name: &str,
    g: &geojson::Geometry,
    positions: &mut usize,
) -> Result<Geometry<f64>, AnalysisError> {
    let geometry: Geometry<f64> = g
        .clone()
        .try_into()
        .map_err(|e| AnalysisError::Invalid(format!("{name}: unreadable geometry: {e}")))?;
    check_positions(name, &geometry, positions)?;
    Ok(geometry)
}

fn check_positions(
    name: &str,
    geometry: &Geometry<f64>,
    positions: &mut usize,
) -> Result<(), AnalysisError> {
    use geo::CoordsIter;
    let count = geometry.coords_count();
    if count > MAX_POSITIONS {
        return Err(AnalysisError::Invalid(format!(
            "{name} has {count} positions; at most {MAX_POSITIONS}"
        )));
    }
    *positions += count;
    range::at_most(
        "changes: positions",
        *positions,
        MAX_TOTAL_POSITIONS,
        "positions",
    )?;
    for c in geometry.coords_iter() {
        let lon_lat = (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y);
        if !lon_lat {
            return Err(AnalysisError::Invalid(format!(
                "{name}: ({}, {}) is not a longitude, latitude in EPSG:4326",
                c.x, c.y
            )));
        }
    }
    Ok(())
}

/// A drawn area: a Polygon or MultiPolygon, checked as [`wgs84`].
fn area(
    name: &str,
    g: &geojson::Geometry,
    positions: &mut usize,
) -> Result<MultiPolygon<f64>, AnalysisError> {
    match wgs84(name, g, positions)? {
        Geometry::Polygon(p) => Ok(p.into()),
        Geometry::MultiPolygon(m) => Ok(m),
        other => Err(AnalysisError::Invalid(format!(
            "{name} must be a Polygon or MultiPolygon, not a {:?}",
            crate::layer::GeometryKind::of(&other)
        ))),
    }
}

/// `geometry` (WGS84) in the `analysis_crs`.
fn to_analysis(
    geometry: &Geometry<f64>,
    analysis_crs: &str,
) -> Result<Geometry<f64>, AnalysisError> {
    use geo::CoordsIter;
    let key = |c: Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    let lonlat: Vec<(f64, f64)> = geometry.coords_iter().map(|c| (c.x, c.y)).collect();
    let projected = crs::from_display(&lonlat, analysis_crs)?;
    let at: HashMap<(u64, u64), Coord<f64>> =
        geometry.coords_iter().map(key).zip(projected).collect();
    Ok(geometry.map_coords(|c| at[&key(c)]))
}

/// The network edits of `changes` for the network layer `layer`, in the analysis CRS.
fn edits_of(
    layer: &Layer,
    changes: &NetworkChanges,
    analysis_crs: &str,
) -> Result<Edits, AnalysisError> {
    let mut positions = 0;
    let mut known: Option<HashSet<u64>> = None;
    let mut select = |name: &str, roads: &RoadSelection| -> Result<Selection, AnalysisError> {
        Ok(match roads.wgs84(name, &mut positions)? {
            Picked::Area(a) => match to_analysis(&Geometry::MultiPolygon(a), analysis_crs)? {
                Geometry::MultiPolygon(m) => Selection::Within(m),
                _ => unreachable!("coordinates mapped one to one keep the geometry's kind"),
            },
            Picked::Ids(ids) => {
                let known =
                    known.get_or_insert_with(|| layer.features.iter().map(|f| f.id).collect());
                let ids = ids
                    .iter()
                    .map(|id| feature_id(layer, known, name, id))
                    .collect::<Result<_, _>>()?;
                Selection::Features(ids)
            }
        })
    };
    let mut edits = Edits::default();
    for (i, c) in changes.close.iter().enumerate() {
        edits
            .close
            .push(select(&format!("changes.network.close[{i}]"), c)?);
    }
    for (i, c) in changes.speed.iter().enumerate() {
        let name = format!("changes.network.speed[{i}]");
        let speed = SPEED_KMH.check_as(&format!("{name}.speed_kmh"), c.speed_kmh)?;
        edits.speed.push((select(&name, &c.roads)?, speed));
    }
    let mut positions = 0;
    for (i, l) in changes.links.iter().enumerate() {
        let name = format!("changes.network.links[{i}]");
        let speed_kmh = SPEED_KMH.check_as(&format!("{name}.speed_kmh"), l.speed_kmh)?;
        let line = l.wgs84(&name, &mut positions)?;
        let Geometry::LineString(line) = to_analysis(&line.into(), analysis_crs)? else {
            unreachable!("coordinates mapped one to one keep the geometry's kind");
        };
        edits.links.push(Link {
            line,
            speed_kmh,
            oneway: l.oneway,
        });
    }
    Ok(edits)
}

/// The feature id of `id` (`LAYER/FEATURE_ID`), which must name a feature of `layer`.
fn feature_id(
    layer: &Layer,
    known: &HashSet<u64>,
    name: &str,
    id: &str,
) -> Result<u64, AnalysisError> {
    let bad = |why: String| AnalysisError::Invalid(format!("{name}: {why}"));
    let (l, f) = id
        .rsplit_once('/')
        .ok_or_else(|| bad(format!("{id:?} is not LAYER/FEATURE_ID")))?;
    if l != layer.meta.id {
        return Err(bad(format!(
            "{id:?} is not a feature of the network layer {:?}",
            layer.meta.id
        )));
    }
    f.parse::<u64>()
        .ok()
        .filter(|f| known.contains(f))
        .ok_or_else(|| bad(format!("no feature {id:?} in the network layer")))
}

/// The network of `layer` built with `settings`, with `changes` applied to a copy (cached
/// beside the baseline, which is never touched). No changes: the cached baseline itself.
///
/// Selections by id must name features of `layer` (`LAYER/FEATURE_ID`), areas must be
/// Polygons or MultiPolygons, speeds within [`SPEED_KMH`]; anything else is
/// [`AnalysisError::Invalid`] naming the entry.
pub fn scenario_network(
    cache: &AnalysisCache,
    layer: &Arc<Layer>,
    settings: &NetworkSettings,
    changes: &NetworkChanges,
    analysis_crs: &str,
) -> Result<Arc<Network>, AnalysisError> {
    let baseline = cache.networks.get(layer, settings)?;
    if changes.is_empty() {
        return Ok(baseline);
    }
    let what = serde_json::to_string(changes).unwrap_or_default();
    let key = format!(
        "{}|{}|{analysis_crs}|{what}",
        layer_key(layer),
        settings.key()
    );
    cache.scenario_networks.get_or_try(key, || {
        let edits = edits_of(layer, changes, analysis_crs)?;
        Ok(baseline.edited(&edits)?)
    })
}

/// The demand layer `layer` (population in field number `population`) with `homes` added,
/// as a copy; no homes: the layer itself.
///
/// A point is one new feature; an area is spread over the features it covers (polygons by
/// the area they share with it, points lying in it equally), or is one new feature when it
/// covers none. New features get ids above every id of the layer, in the order of `homes`,
/// and no value but their population. The copy is dated now, so that nothing keyed by layer
/// version mistakes it for the baseline.
pub fn demand_with(
    layer: &Arc<Layer>,
    population: usize,
    homes: &[NewHomes],
    analysis_crs: &str,
) -> Result<Arc<Layer>, AnalysisError> {
    if homes.is_empty() {
        return Ok(layer.clone());
    }
    let mut features = layer.features.clone();
    let mut next_id = layer
        .features
        .iter()
        .map(|f| f.id)
        .max()
        .map_or(1, |m| m + 1);
    let mut positions = 0;
    for (i, home) in homes.iter().enumerate() {
        let residents = NEW_RESIDENTS.check_as(
            &format!("changes.population[{i}].population"),
            home.population,
        )?;
        let display = home.wgs84(i, &mut positions)?;
        let geometry = to_analysis(&display, analysis_crs)?;
        let shares = match &geometry {
            Geometry::MultiPolygon(area) => shares_of(layer, area, residents)?,
            _ => Vec::new(),
        };
        if shares.is_empty() {
            let mut properties = vec![Value::Null; layer.meta.fields.len()];
            properties[population] = Value::Real(residents);
            features.push(Feature {
                id: next_id,
                geometry,
                display,
                properties,
            });
            next_id += 1;
        }
        for (unit, share) in shares {
            let value = &mut features[unit].properties[population];
            *value = Value::Real(value.as_f64().unwrap_or(0.0) + share);
        }
    }
    let meta = crate::layer::LayerMeta {
        ingested_at: chrono::Utc::now(),
        ..layer.meta.clone()
    };
    Ok(Arc::new(Layer::new(meta, features)))
}

/// `residents` spread over the features of `layer` that `area` covers: polygons by the area
/// they share with it, points in it equally. The shares sum to `residents` exactly.
fn shares_of(
    layer: &Layer,
    area: &MultiPolygon<f64>,
    residents: f64,
) -> Result<Vec<(usize, f64)>, AnalysisError> {
    let Some(rect) = area.bounding_rect() else {
        return Ok(Vec::new());
    };
    let mut weights = Vec::new();
    for i in layer.analysis_candidates([rect.min().x, rect.min().y, rect.max().x, rect.max().y]) {
        super::budget::tick()?;
        let weight = match &layer.features[i].geometry {
            Geometry::Polygon(p) => area
                .intersection(&MultiPolygon::from(p.clone()))
                .unsigned_area(),
            Geometry::MultiPolygon(m) => area.intersection(m).unsigned_area(),
            Geometry::Point(p) if area.contains(p) => 1.0,
            _ => 0.0,
        };
        if weight > 0.0 {
            weights.push((i, weight));
        }
    }
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    let mut given = 0.0;
    let last = weights.len().saturating_sub(1);
    Ok(weights
        .into_iter()
        .enumerate()
        .map(|(k, (i, w))| {
            let share = if k == last {
                residents - given
            } else {
                residents * w / total
            };
            given += share;
            (i, share)
        })
        .collect())
}

/// Demand units of `spec` on the network, with the network and population changes of
/// `changes` applied; without such changes, the cached baseline of [`prepare`]. The
/// baseline's units keep their positions; added units follow them, in their areas by
/// location. Every unit is attached anew to the changed network. Cached by the baseline's
/// key and the changes.
pub fn prepare_scenario(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &UnitsSpec,
    changes: &Changes,
    analysis_crs: &str,
) -> Result<Arc<Prepared>, AnalysisError> {
    let baseline = prepare(cache, catalog, spec)?;
    if changes.population.is_empty() && changes.network.is_empty() {
        return Ok(baseline);
    }
    changes.validate()?;
    if baseline.network_layer.is_none() && !changes.network.is_empty() {
        return Err(AnalysisError::Invalid(
            "changes.network: road changes need an analysis along the network, not in a \
             straight line"
                .into(),
        ));
    }
    let what = serde_json::json!([changes.population, changes.network]);
    let key = format!("{}|{analysis_crs}|{what}", baseline.key);
    cache.demand.get_or_try(key.clone(), || {
        let population = numeric_field(&baseline.demand, &spec.demand.population)?;
        let demand = demand_with(
            &baseline.demand,
            population,
            &changes.population,
            analysis_crs,
        )?;
        let network = match &baseline.network_layer {
            Some(l) => Some(scenario_network(
                cache,
                l,
                &spec.network_settings,
                &changes.network,
                analysis_crs,
            )?),
            None => None,
        };
        let areas = match (&spec.areas, &baseline.area_layer) {
            (Some(a), Some(l)) => Some(AreaLookup::of_layer(l.clone(), a, &demand)?),
            _ => None,
        };
        Ok(assemble(
            network,
            baseline.network_layer.clone(),
            demand,
            population,
            &spec.snap,
            areas,
            key,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{layer_of, line, point, square};
    use super::*;
    use crate::layer::Value;

    const CRS: &str = "EPSG:3006";
    const E0: f64 = 500_000.0;
    const N0: f64 = 6_600_000.0;

    /// WGS84 of a SWEREF 99 TM position.
    fn lonlat(x: f64, y: f64) -> [f64; 2] {
        match crs::to_display(&point(x, y), CRS).unwrap() {
            Geometry::Point(p) => [p.x(), p.y()],
            other => panic!("{other:?}"),
        }
    }

    /// A GeoJSON polygon of the box (x0, y0)–(x1, y1) in SWEREF 99 TM.
    fn area(x0: f64, y0: f64, x1: f64, y1: f64) -> geojson::Geometry {
        let ring: Vec<Vec<f64>> = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
            .iter()
            .map(|&(x, y)| lonlat(x, y).to_vec())
            .collect();
        serde_json::from_value(serde_json::json!({"type": "Polygon", "coordinates": [ring]}))
            .unwrap()
    }

    /// Two roads meeting at (E0 + 1000, N0): features 1 (west–east) and 2 (south–north).
    fn roads() -> Arc<Layer> {
        Arc::new(layer_of(
            "vagar",
            &["speed_kmh"],
            vec![
                (line((E0, N0), (E0 + 1000.0, N0)), vec![Value::Real(36.0)]),
                (
                    line((E0 + 1000.0, N0), (E0 + 1000.0, N0 + 1000.0)),
                    vec![Value::Real(36.0)],
                ),
            ],
        ))
    }

    fn network(changes: serde_json::Value) -> Result<Arc<Network>, AnalysisError> {
        let changes: NetworkChanges = serde_json::from_value(changes).unwrap();
        let cache = AnalysisCache::default();
        scenario_network(&cache, &roads(), &NetworkSettings::default(), &changes, CRS)
    }

    #[test]
    fn closes_and_speeds_up_by_area_and_by_id() {
        let closed = network(serde_json::json!({
            "close": [{"within": area(E0 + 400.0, N0 - 10.0, E0 + 600.0, N0 + 10.0)}],
            "speed": [{"ids": ["vagar/2"], "speed_kmh": 72}]
        }))
        .unwrap();
        assert_eq!(closed.edges.len(), 1);
        assert_eq!(closed.feature_of(0), Some(2));
        assert!(
            (closed.edges[0].time_s - 50.0).abs() < 1e-9,
            "1 km at 72 km/h"
        );
        let report = closed.summary().edits.unwrap();
        assert_eq!((report.edges_closed, report.edges_speed_changed), (1, 1));
    }

    #[test]
    fn a_link_is_noded_to_the_network_in_the_analysis_crs() {
        // From 20 m south of the road's middle north across the road: it joins the road at
        // (E0 + 500, N0), which splits it.
        let [a, b] = [
            lonlat(E0 + 500.0, N0 - 20.0),
            lonlat(E0 + 500.0, N0 + 800.0),
        ];
        let n = network(serde_json::json!({
            "links": [{"line": {"type": "LineString", "coordinates": [a, b]}, "speed_kmh": 50}]
        }))
        .unwrap();
        let report = n.summary().edits.unwrap();
        assert_eq!((report.links_added, report.edges_split), (1, 1));
        let joined = n
            .nodes
            .iter()
            .any(|c| (c.x - (E0 + 500.0)).abs() < 0.5 && (c.y - N0).abs() < 0.5);
        assert!(joined, "{:?}", n.nodes);
    }

    #[test]
    fn refuses_what_names_nothing_or_is_not_an_area() {
        let wrong = |changes: serde_json::Value, words: &str| {
            let e = network(changes).unwrap_err().to_string();
            assert!(e.contains(words), "{e}");
        };
        wrong(
            serde_json::json!({"close": [{"ids": ["vagar/99"]}]}),
            "no feature \"vagar/99\"",
        );
        wrong(
            serde_json::json!({"close": [{"ids": ["other/1"]}]}),
            "network layer \"vagar\"",
        );
        wrong(
            serde_json::json!({"close": [{"ids": ["1"]}]}),
            "LAYER/FEATURE_ID",
        );
        wrong(serde_json::json!({"close": [{}]}), "either \"within\"");
        let line =
            serde_json::json!({"type": "LineString", "coordinates": [[15.0, 60.0], [15.1, 60.0]]});
        wrong(
            serde_json::json!({"close": [{"within": line}]}),
            "Polygon or MultiPolygon",
        );
        wrong(
            serde_json::json!({"speed": [{"ids": ["vagar/1"], "speed_kmh": 0}]}),
            "between 1 and 300 km/h",
        );
        let far =
            serde_json::json!({"type": "LineString", "coordinates": [[11.0, 56.0], [24.0, 68.0]]});
        wrong(
            serde_json::json!({"links": [{"line": far, "speed_kmh": 50}]}),
            "length",
        );
        let bad = serde_json::json!({"type": "LineString", "coordinates": [[500000.0, 6600000.0], [15.1, 60.0]]});
        wrong(
            serde_json::json!({"links": [{"line": bad, "speed_kmh": 50}]}),
            "EPSG:4326",
        );
        let many: Vec<[f64; 2]> = (0..=MAX_POSITIONS)
            .map(|i| [15.0 + i as f64 * 1e-6, 60.0])
            .collect();
        let long = serde_json::json!({"type": "LineString", "coordinates": many});
        wrong(
            serde_json::json!({"links": [{"line": long, "speed_kmh": 50}]}),
            "positions",
        );
    }

    #[test]
    fn the_changed_network_is_cached_and_the_baseline_untouched() {
        let cache = AnalysisCache::default();
        let layer = roads();
        let settings = NetworkSettings::default();
        let changes: NetworkChanges =
            serde_json::from_value(serde_json::json!({"close": [{"ids": ["vagar/1"]}]})).unwrap();
        let a = scenario_network(&cache, &layer, &settings, &changes, CRS).unwrap();
        let b = scenario_network(&cache, &layer, &settings, &changes, CRS).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let base =
            scenario_network(&cache, &layer, &settings, &NetworkChanges::default(), CRS).unwrap();
        assert_eq!((base.edges.len(), a.edges.len()), (2, 1));
    }

    fn homes(json: serde_json::Value) -> Vec<NewHomes> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn new_homes_are_points_or_spread_over_the_covered_units_by_area() {
        // Two 100 m cells side by side (ids 1, 2; 10 people each) and a point unit (id 7).
        let mut demand = layer_of(
            "rutor",
            &["bef"],
            vec![
                (square(E0, N0, 100.0), vec![Value::Real(10.0)]),
                (square(E0 + 100.0, N0, 100.0), vec![Value::Real(10.0)]),
                (point(E0 + 5000.0, N0), vec![Value::Real(3.0)]),
            ],
        );
        demand.features[2].id = 7;
        let demand = Arc::new(demand);
        let [lon, lat] = lonlat(E0 + 3000.0, N0);
        let added = homes(serde_json::json!([
            {"name": "Punkt", "lon": lon, "lat": lat, "population": 610},
            // Three quarters over cell 1, one quarter over cell 2.
            {"geometry": area(E0 + 25.0, N0, E0 + 125.0, N0 + 100.0), "population": 300},
            // Far from every unit: one new unit with the area as its geometry.
            {"geometry": area(E0 + 9000.0, N0, E0 + 9100.0, N0 + 100.0), "population": 40}
        ]));
        let with = demand_with(&demand, 0, &added, CRS).unwrap();
        let pop = |i: usize| with.features[i].properties[0].as_f64().unwrap();
        assert_eq!(with.features.len(), 5);
        assert!(
            (pop(0) - 235.0).abs() < 0.5 && (pop(1) - 85.0).abs() < 0.5,
            "{} {}",
            pop(0),
            pop(1)
        );
        assert_eq!(
            (with.features[3].id, with.features[4].id),
            (8, 9),
            "ids above every id"
        );
        assert_eq!((pop(3), pop(4)), (610.0, 40.0));
        let total: f64 = (0..5).map(pop).sum();
        assert!(
            (total - (23.0 + 950.0)).abs() < 1e-9,
            "exactly the added residents"
        );
        assert!(matches!(
            with.features[4].geometry,
            Geometry::MultiPolygon(_)
        ));
        assert_ne!(layer_key(&with), layer_key(&demand));
        assert_eq!(demand.features.len(), 3, "the baseline is untouched");
        // Neither a point nor an area, or no residents: refused.
        for bad in [
            serde_json::json!([{"population": 5}]),
            serde_json::json!([{"lon": lon, "lat": lat, "population": 0}]),
            serde_json::json!([{"lon": lon, "population": 5}]),
        ] {
            assert!(demand_with(&demand, 0, &homes(bad), CRS).is_err());
        }
    }
}
