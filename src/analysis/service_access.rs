//! Service access (serviceanalys): for every demand unit (population grid cell, DeSO, tätort)
//! the nearest service point of a kind (grocery store, pharmacy, health centre), the travel
//! time and network distance to it, and per area (e.g. municipality) the population per
//! distance band, the population-weighted mean and median and the population beyond a
//! threshold. What-if scenarios remove, add or move service points and compare.
//!
//! Like Tillväxtverket's Pipos Serviceanalys, distances are measured along the network: units
//! and services attach to the nearest edge by a straight connector ([`SnapSettings`]), and one
//! multi-source Dijkstra from all services finds every unit's nearest. Units too far from the
//! network, or on a piece of it with no service, are counted as unreachable, never dropped.
//! A straight-line mode measures plain distance instead.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use geo::Coord;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::{Deserialize, Serialize};

use super::{AnalysisCache, AnalysisError, field, layer, numeric_field, representative_point};
use crate::crs;
use crate::layer::{Feature, Field, FieldKind, Layer, LayerMeta, Value};
use crate::network::cache::layer_key;
use crate::network::{Direction, Location, Network, NetworkSettings, SnapSettings, Weight};
use crate::range::{self, Range};
use crate::store::Catalog;

/// What to analyse: the request of `POST /api/analysis/service-access` and of
/// `kartrum analyze service-access`.
///
/// ```json
/// {
///   "network": "busslinjer",
///   "demand": { "layer": "befolkning_1km", "population": "befolkning_2025" },
///   "supply": [{ "layer": "servicepunkter", "filter": { "category": "grocery" } }],
///   "areas": { "layer": "kommuner", "name_field": "name", "code_field": "code" },
///   "bands": { "unit": "min", "breaks": [5, 10, 20, 30] },
///   "threshold": 30
/// }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSpec {
    /// Line layer of the network (required in network mode).
    #[serde(default)]
    pub network: Option<String>,
    /// How to read the network layer.
    #[serde(default)]
    pub network_settings: NetworkSettings,
    /// How units and services attach to the network.
    #[serde(default)]
    pub snap: SnapSettings,
    /// Where people live.
    pub demand: DemandSpec,
    /// The service points: one or more layers, each with an optional filter.
    pub supply: Vec<SupplySpec>,
    /// Polygons to aggregate per (e.g. municipalities); without it only the total is given.
    #[serde(default)]
    pub areas: Option<AreaSpec>,
    /// Along the network or as the crow flies.
    #[serde(default)]
    pub mode: Mode,
    /// Distance bands.
    #[serde(default)]
    pub bands: Bands,
    /// Population beyond this many minutes (or km) is reported; default the last break.
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// The demand layer: points or polygons with a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    /// Layer id.
    pub layer: String,
    /// Numeric field with the population.
    pub population: String,
}

/// One layer of service points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplySpec {
    /// Layer id.
    pub layer: String,
    /// Keep only features whose fields equal these values (as typed in a query string).
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    /// Field naming the service; default `name`, `namn`, `Populärnamn` or the first text field.
    #[serde(default)]
    pub name_field: Option<String>,
}

/// The polygon layer to aggregate per.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    /// Layer id.
    pub layer: String,
    /// Field with the area's name; default `name`, `namn` or `kommunnamn`.
    #[serde(default)]
    pub name_field: Option<String>,
    /// Field with the area's code; default `code`, `kod` or `kommunkod` when present.
    #[serde(default)]
    pub code_field: Option<String>,
    /// Demand field holding the code of the unit's area (e.g. `kommunkod`), matched against
    /// the areas' code field; default one of [`UNIT_CODE_FIELDS`] when the demand layer has it.
    /// Units whose code matches no area, and every unit when there is no such field, join the
    /// area their point lies in. `""` joins by location only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code_field: Option<String>,
}

/// Demand fields that usually hold the code of a unit's municipality, in the order they are
/// looked for.
pub const UNIT_CODE_FIELDS: [&str; 3] = ["kommunkod", "mun_code", "KOMMUNKOD"];

/// How distance is measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Along the network: time (minute bands) or distance (km bands).
    #[default]
    Network,
    /// As the crow flies; needs km bands.
    StraightLine,
}

/// Unit of bands and thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Minutes of travel time.
    #[default]
    Min,
    /// Kilometres.
    Km,
}

/// Distance bands: `breaks` `[5, 10, 20, 30]` give 0–5, 5–10, 10–20, 20–30 and >30.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// Minutes or kilometres.
    #[serde(default)]
    pub unit: Unit,
    /// Upper bounds of the bands, increasing; one more open band follows the last.
    pub breaks: Vec<f64>,
}

/// Range of band breaks and thresholds in minutes.
pub const BREAK_MIN: Range = Range::new("breaks", 0.1, 600.0, "min");
/// Range of band breaks and thresholds in kilometres.
pub const BREAK_KM: Range = Range::new("breaks", 0.1, 1_000.0, "km");
/// How many breaks the bands may have.
pub const BREAK_COUNT: Range = Range::new("breaks", 1.0, 20.0, "values");
/// Most supply layers of one analysis.
pub const MAX_SUPPLY: usize = 20;
/// Most `filter` entries of one supply layer.
pub const MAX_FILTER: usize = 20;
/// Most services removed, added or moved in one scenario (each).
pub const MAX_CHANGES: usize = 1_000;

impl Unit {
    /// The range of values in this unit, for the setting `name`.
    fn range(self, name: &'static str) -> Range {
        let r = match self {
            Unit::Min => BREAK_MIN,
            Unit::Km => BREAK_KM,
        };
        Range::new(name, r.min, r.max, r.unit)
    }
}

impl Default for Bands {
    fn default() -> Self {
        Self {
            unit: Unit::Min,
            breaks: vec![5.0, 10.0, 20.0, 30.0],
        }
    }
}

impl Bands {
    /// Checks that there are 1–20 breaks ([`BREAK_COUNT`]), each within [`BREAK_MIN`] or
    /// [`BREAK_KM`], increasing.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        self.unit
            .range("breaks")
            .check_all(&self.breaks, BREAK_COUNT)?;
        if self.breaks.windows(2).all(|w| w[0] < w[1]) {
            Ok(())
        } else {
            Err(AnalysisError::Invalid(format!(
                "bands: the breaks must increase, not {:?}",
                self.breaks
            )))
        }
    }

    /// Band labels, e.g. `0–5 min`, …, `>30 min`.
    pub fn labels(&self) -> Vec<String> {
        let unit = match self.unit {
            Unit::Min => "min",
            Unit::Km => "km",
        };
        let mut from = 0.0;
        let mut labels: Vec<String> = self
            .breaks
            .iter()
            .map(|&to| {
                let label = format!("{from}–{to} {unit}");
                from = to;
                label
            })
            .collect();
        labels.push(format!(">{from} {unit}"));
        labels
    }

    /// The band of a value: the first whose upper bound exceeds it.
    pub fn band_of(&self, value: f64) -> usize {
        self.breaks
            .iter()
            .position(|&b| value < b)
            .unwrap_or(self.breaks.len())
    }
}

/// A service point.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// `LAYER/FEATURE_ID`, or `new/N` for points added in a scenario.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Position in the analysis CRS.
    #[serde(skip)]
    pub point: Coord<f64>,
}

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
    /// it lies in ([`AreaSpec::unit_code_field`]).
    pub area: Option<u32>,
}

/// An area to aggregate per.
#[derive(Debug, Clone, Serialize)]
pub struct AreaInfo {
    /// Code, when the layer has one.
    pub code: Option<String>,
    /// Name.
    pub name: String,
}

/// How the demand units found their areas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AreaJoin {
    /// The demand field whose codes were matched against the areas' codes; absent when the
    /// units joined by location only.
    pub unit_code_field: Option<String>,
    /// Units whose code matched an area.
    pub by_code: usize,
    /// Units that joined the area their point lies in (no code field, or a code that matches
    /// no area).
    pub by_location: usize,
    /// Units in no area.
    pub outside: usize,
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
    /// How the units found their areas (when there are areas).
    pub area_join: Option<AreaJoin>,
    /// The cache key: layer versions and settings it was prepared from.
    key: String,
}

/// Why a unit has no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A service was reached.
    Reached,
    /// The unit is farther from the network than the maximum snap distance (or has no
    /// geometry).
    BeyondSnap,
    /// The unit attaches to a piece of the network from which no service can be reached.
    NoRoute,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Reached => "reached",
            Status::BeyondSnap => "beyond_snap",
            Status::NoRoute => "no_route",
        }
    }
}

/// The result of one unit.
#[derive(Debug, Clone, Copy)]
pub struct UnitResult {
    /// Whether a service was reached.
    pub status: Status,
    /// The nearest service, as a position in [`Outcome::services`].
    pub service: Option<u32>,
    /// Travel time (network mode).
    pub time_s: Option<f64>,
    /// Network or straight-line distance.
    pub length_m: Option<f64>,
}

/// Results for every unit against one set of services.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The services searched from.
    pub services: Vec<Service>,
    /// Services farther from the network than the maximum snap distance (not used).
    pub services_beyond_snap: Vec<u32>,
    /// One result per [`Prepared::units`].
    pub units: Vec<UnitResult>,
    /// Unit of [`Outcome::value`].
    pub unit: Unit,
}

impl Outcome {
    /// A unit's value in the band unit: minutes or kilometres.
    pub fn value(&self, unit: usize) -> Option<f64> {
        let r = &self.units[unit];
        match self.unit {
            Unit::Min => r.time_s.map(|t| t / 60.0),
            Unit::Km => r.length_m.map(|l| l / 1000.0),
        }
    }
}

/// Population in one band.
#[derive(Debug, Clone, Serialize)]
pub struct BandCount {
    /// Label, e.g. `5–10 min`.
    pub label: String,
    /// Lower bound (inclusive).
    pub from: f64,
    /// Upper bound (exclusive), absent for the last band.
    pub to: Option<f64>,
    /// Population in the band.
    pub population: f64,
    /// Share of the area's total population (0–1).
    pub share: f64,
}

/// Aggregates for one area or the whole.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Area code.
    pub code: Option<String>,
    /// Area name (`Totalt` for the whole, `Utanför områdena` for units in no area).
    pub name: String,
    /// Demand units.
    pub units: usize,
    /// Total population. Equals the band sums plus `unreachable`.
    pub population: f64,
    /// Population per band (reached units only).
    pub bands: Vec<BandCount>,
    /// Population of units with no reachable service (beyond snap or no route).
    pub unreachable: f64,
    /// Population-weighted mean over reached units, in the band unit.
    pub mean: Option<f64>,
    /// Population-weighted median over reached units, in the band unit.
    pub median: Option<f64>,
    /// The threshold, in the band unit.
    pub threshold: f64,
    /// Population beyond the threshold, unreachable included.
    pub beyond_threshold: f64,
}

/// Name of the summary of the whole.
pub(crate) const TOTAL: &str = "Totalt";
/// Name of the summary of units in no area.
pub(crate) const OUTSIDE: &str = "Utanför områdena";

/// A complete run: the prepared units, the outcome and its aggregates.
#[derive(Debug, Clone)]
pub struct Run {
    /// Network, units and areas.
    pub prepared: Arc<Prepared>,
    /// Per-unit results.
    pub outcome: Outcome,
    /// The whole.
    pub total: Summary,
    /// Per area, in the area layer's order; units in no area last.
    pub areas: Vec<Summary>,
}

impl AccessSpec {
    /// Checks the ranges and combinations of the settings (bands, threshold, snap and network
    /// settings, numbers of supply layers and filters) before any layer is read.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        let spec = self;
        spec.bands.validate()?;
        spec.snap.validate()?;
        if spec.mode == Mode::StraightLine && spec.bands.unit == Unit::Min {
            return Err(AnalysisError::Invalid(
                "straight-line mode measures kilometres: use bands with \"unit\": \"km\"".into(),
            ));
        }
        if spec.mode == Mode::Network && spec.network.is_none() {
            return Err(AnalysisError::Invalid(
                "network mode needs \"network\": the id of a line layer".into(),
            ));
        }
        if let Some(t) = spec.threshold {
            spec.bands.unit.range("threshold").check(t)?;
        }
        spec.network_settings.validate()?;
        range::at_most("supply", spec.supply.len(), MAX_SUPPLY, "layers")?;
        for supply in &spec.supply {
            range::at_most("supply.filter", supply.filter.len(), MAX_FILTER, "fields")?;
        }
        if spec.supply.is_empty() {
            return Err(AnalysisError::EmptySupply(
                "\"supply\" lists no layer".into(),
            ));
        }
        Ok(())
    }
}

/// Network, units and areas for `spec`, from the cache when the same layer versions and
/// settings were prepared before.
pub fn prepare(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
) -> Result<Arc<Prepared>, AnalysisError> {
    spec.validate()?;
    let demand = layer(catalog, &spec.demand.layer)?;
    let population = numeric_field(&demand, &spec.demand.population)?;
    let network_layer = match (spec.mode, &spec.network) {
        (Mode::Network, Some(id)) => Some(layer(catalog, id)?),
        _ => None,
    };
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
                        (Some(n), Some(p)) => n.locate(p, &spec.snap),
                        _ => None,
                    },
                    area: areas.as_ref().and_then(|a| a.area_of_unit(f, point)),
                }
            })
            .collect();
        Ok::<_, AnalysisError>(Prepared {
            network,
            network_layer,
            demand: demand.clone(),
            area_join: areas.as_ref().map(|a| a.report(&demand, &units)),
            areas: areas.as_ref().map(AreaLookup::infos).unwrap_or_default(),
            units,
            key,
        })
    })
}

/// The areas layer read as an [`AreaSpec`] says, ready to place demand units: by the unit's
/// code field matched against the areas' codes, else by where the unit's point lies.
#[derive(Debug)]
struct AreaLookup {
    layer: Arc<Layer>,
    name: Option<usize>,
    code: Option<usize>,
    /// Field of the demand layer with the code of the unit's area.
    unit_code: Option<usize>,
    /// Area position per code (the first area with a code wins).
    by_code: HashMap<String, u32>,
}

impl AreaLookup {
    /// Reads the areas of `spec` for units of `demand`. Errors when a layer or a named field
    /// does not exist, the areas are not polygons, or a unit code field is named while the
    /// areas have no code to match it against.
    fn new(catalog: &Catalog, spec: &AreaSpec, demand: &Layer) -> Result<Self, AnalysisError> {
        Self::of_layer(layer(catalog, &spec.layer)?, spec, demand)
    }

    /// As [`AreaLookup::new`], with the areas layer given.
    fn of_layer(l: Arc<Layer>, spec: &AreaSpec, demand: &Layer) -> Result<Self, AnalysisError> {
        if !l.meta.geometry_type.is_polygon() {
            return Err(AnalysisError::WrongGeometry {
                layer: l.meta.id.clone(),
                found: format!("{:?}", l.meta.geometry_type),
                wanted: "areas must be polygons",
            });
        }
        let name = pick_field(
            &l,
            spec.name_field.as_deref(),
            &["name", "namn", "kommunnamn"],
        )?;
        let code = pick_field(
            &l,
            spec.code_field.as_deref(),
            &["code", "kod", "kommunkod"],
        )?;
        let unit_code = match spec.unit_code_field.as_deref() {
            Some("") => None,
            Some(given) => {
                let i = field(demand, given)?;
                if code.is_none() {
                    return Err(AnalysisError::Invalid(format!(
                        "areas.unit_code_field {given:?} needs codes to match: layer {:?} has \
                         none of the usual code fields; name one in areas.code_field",
                        l.meta.id
                    )));
                }
                Some(i)
            }
            None => code.and_then(|_| UNIT_CODE_FIELDS.iter().find_map(|n| demand.field_index(n))),
        };
        let mut by_code = HashMap::new();
        if let Some(c) = code {
            for (i, f) in l.features.iter().enumerate() {
                let text = text_of(&f.properties[c]);
                if !text.is_empty() {
                    by_code.entry(text).or_insert(i as u32);
                }
            }
        }
        Ok(Self {
            layer: l,
            name,
            code,
            unit_code,
            by_code,
        })
    }

    /// What the prepared units depend on, for the cache key.
    fn key(&self) -> String {
        format!(
            "{}:{:?}:{:?}:{:?}",
            layer_key(&self.layer),
            self.name,
            self.code,
            self.unit_code
        )
    }

    /// Code and name of every area, in layer order.
    fn infos(&self) -> Vec<AreaInfo> {
        self.layer
            .features
            .iter()
            .map(|f| AreaInfo {
                code: self.code.map(|c| text_of(&f.properties[c])),
                name: self
                    .name
                    .map(|n| text_of(&f.properties[n]))
                    .unwrap_or_else(|| f.id.to_string()),
            })
            .collect()
    }

    /// The area whose code the unit's code field holds, else the area its point lies in.
    fn area_of_unit(&self, unit: &Feature, point: Option<Coord<f64>>) -> Option<u32> {
        self.by_code_of(unit)
            .or_else(|| point.and_then(|p| area_of(&self.layer, p)))
    }

    fn by_code_of(&self, unit: &Feature) -> Option<u32> {
        let code = text_of(&unit.properties[self.unit_code?]);
        self.by_code.get(&code).copied()
    }

    /// How `units` of `demand` found their areas.
    fn report(&self, demand: &Layer, units: &[DemandUnit]) -> AreaJoin {
        let mut join = AreaJoin {
            unit_code_field: self.unit_code.map(|i| demand.meta.fields[i].name.clone()),
            ..AreaJoin::default()
        };
        for u in units {
            if u.area.is_none() {
                join.outside += 1;
            } else if self.by_code_of(&demand.features[u.feature]).is_some() {
                join.by_code += 1;
            } else {
                join.by_location += 1;
            }
        }
        join
    }
}

fn pick_field(
    layer: &Layer,
    given: Option<&str>,
    usual: &[&str],
) -> Result<Option<usize>, AnalysisError> {
    match given {
        Some(name) => field(layer, name).map(Some),
        None => Ok(usual.iter().find_map(|n| layer.field_index(n))),
    }
}

/// A value as display text: strings as they are, null as empty, numbers as JSON.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_json().to_string(),
    }
}

/// The first area of `areas` that `p` lies in.
fn area_of(areas: &Layer, p: Coord<f64>) -> Option<u32> {
    use geo::Intersects;
    areas
        .analysis_candidates([p.x, p.y, p.x, p.y])
        .into_iter()
        .find(|&i| areas.features[i].geometry.intersects(&geo::Point(p)))
        .map(|i| i as u32)
}

/// The service points of `supply`, filtered. Errors when a layer or filter field does not
/// exist, or when nothing matches.
pub fn services(catalog: &Catalog, supply: &[SupplySpec]) -> Result<Vec<Service>, AnalysisError> {
    let mut out = Vec::new();
    for s in supply {
        let l = layer(catalog, &s.layer)?;
        let filters = s
            .filter
            .iter()
            .map(|(name, value)| Ok((field(&l, name)?, value.as_str())))
            .collect::<Result<Vec<_>, AnalysisError>>()?;
        let name = match &s.name_field {
            Some(n) => Some(field(&l, n)?),
            None => ["name", "namn", "Populärnamn", "title"]
                .iter()
                .find_map(|n| l.field_index(n))
                .or_else(|| {
                    l.meta
                        .fields
                        .iter()
                        .position(|f| f.kind == FieldKind::String)
                }),
        };
        for f in &l.features {
            if !filters
                .iter()
                .all(|(i, v)| f.properties[*i].matches_text(v))
            {
                continue;
            }
            let Some(point) = representative_point(&f.geometry) else {
                continue;
            };
            out.push(Service {
                id: format!("{}/{}", l.meta.id, f.id),
                name: name.map(|n| text_of(&f.properties[n])).unwrap_or_default(),
                point,
            });
        }
    }
    if out.is_empty() {
        let wanted: Vec<String> = supply
            .iter()
            .map(|s| format!("{} {:?}", s.layer, s.filter))
            .collect();
        return Err(AnalysisError::EmptySupply(format!(
            "nothing matches {}",
            wanted.join(", ")
        )));
    }
    Ok(out)
}

/// Every unit's nearest service among `services`.
pub fn evaluate(prepared: &Prepared, spec: &AccessSpec, services: Vec<Service>) -> Outcome {
    let unit = spec.bands.unit;
    let mut beyond = Vec::new();
    let units = match &prepared.network {
        Some(network) => {
            let mut located = Vec::with_capacity(services.len());
            let mut index = Vec::with_capacity(services.len());
            for (i, s) in services.iter().enumerate() {
                match network.locate(s.point, &spec.snap) {
                    Some(at) => {
                        located.push(at);
                        index.push(i as u32);
                    }
                    None => beyond.push(i as u32),
                }
            }
            let weight = match unit {
                Unit::Min => Weight::Time,
                Unit::Km => Weight::Length,
            };
            let nearest = network.nearest(&located, Direction::ToSources, weight);
            prepared
                .units
                .iter()
                .map(|u| match u.location {
                    None => UnitResult {
                        status: Status::BeyondSnap,
                        service: None,
                        time_s: None,
                        length_m: None,
                    },
                    Some(at) => match nearest.at(network, &at) {
                        Some(c) => UnitResult {
                            status: Status::Reached,
                            service: Some(index[c.source as usize]),
                            time_s: Some(c.time_s),
                            length_m: Some(c.length_m),
                        },
                        None => UnitResult {
                            status: Status::NoRoute,
                            service: None,
                            time_s: None,
                            length_m: None,
                        },
                    },
                })
                .collect()
        }
        None => nearest_straight(&prepared.units, &services),
    };
    Outcome {
        services,
        services_beyond_snap: beyond,
        units,
        unit,
    }
}

/// Every unit's nearest service as the crow flies (distance only, no time). Units without a
/// point count as [`Status::BeyondSnap`].
///
/// ```
/// use geo::Coord;
/// use kartrummet::analysis::service_access::{nearest_straight, DemandUnit, Service};
/// let unit = DemandUnit { feature: 0, id: 1, population: 5.0,
///     point: Some(Coord { x: 0.0, y: 0.0 }), location: None, area: None };
/// let shop = |x: f64| Service { id: format!("s/{x}"), name: String::new(), point: Coord { x, y: 0.0 } };
/// let found = nearest_straight(&[unit], &[shop(300.0), shop(-100.0)]);
/// assert_eq!((found[0].service, found[0].length_m), (Some(1), Some(100.0)));
/// ```
pub fn nearest_straight(units: &[DemandUnit], services: &[Service]) -> Vec<UnitResult> {
    let tree = RTree::bulk_load(
        services
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new([s.point.x, s.point.y], i as u32))
            .collect(),
    );
    units
        .iter()
        .map(|u| {
            let found = u.point.and_then(|p| {
                let n = tree.nearest_neighbor(&[p.x, p.y])?;
                Some((n.data, (n.geom()[0] - p.x).hypot(n.geom()[1] - p.y)))
            });
            match found {
                Some((s, d)) => UnitResult {
                    status: Status::Reached,
                    service: Some(s),
                    time_s: None,
                    length_m: Some(d),
                },
                None => UnitResult {
                    status: Status::BeyondSnap,
                    service: None,
                    time_s: None,
                    length_m: None,
                },
            }
        })
        .collect()
}

/// Aggregates of the units in `members` (positions in the unit list).
fn summarize_units(
    outcome: &Outcome,
    prepared: &Prepared,
    members: &[usize],
    bands: &Bands,
    threshold: f64,
    code: Option<String>,
    name: String,
) -> Summary {
    let mut per_band = vec![0.0; bands.breaks.len() + 1];
    let mut unreachable = 0.0;
    let mut beyond = 0.0;
    let mut reached: Vec<(f64, f64)> = Vec::new();
    for &i in members {
        let pop = prepared.units[i].population;
        match outcome.value(i) {
            Some(v) => {
                per_band[bands.band_of(v)] += pop;
                reached.push((v, pop));
                if v > threshold {
                    beyond += pop;
                }
            }
            None => {
                unreachable += pop;
                beyond += pop;
            }
        }
    }
    let population = sum(members.iter().map(|&i| prepared.units[i].population));
    let weight = sum(reached.iter().map(|(_, p)| *p));
    let mean = (weight > 0.0).then(|| reached.iter().map(|(v, p)| v * p).sum::<f64>() / weight);
    reached.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = (weight > 0.0).then(|| {
        let mut acc = 0.0;
        reached
            .iter()
            .find(|(_, p)| {
                acc += p;
                acc >= weight / 2.0
            })
            .map_or(0.0, |(v, _)| *v)
    });
    let labels = bands.labels();
    let bands = per_band
        .iter()
        .enumerate()
        .map(|(i, &pop)| BandCount {
            label: labels[i].clone(),
            from: if i == 0 { 0.0 } else { bands.breaks[i - 1] },
            to: bands.breaks.get(i).copied(),
            population: pop,
            share: if population > 0.0 {
                pop / population
            } else {
                0.0
            },
        })
        .collect();
    Summary {
        code,
        name,
        units: members.len(),
        population,
        bands,
        unreachable,
        mean,
        median,
        threshold,
        beyond_threshold: beyond,
    }
}

/// The total and per-area aggregates of an outcome.
pub fn summarize(
    prepared: &Prepared,
    outcome: &Outcome,
    bands: &Bands,
    threshold: f64,
) -> (Summary, Vec<Summary>) {
    let all: Vec<usize> = (0..prepared.units.len()).collect();
    let total = summarize_units(
        outcome,
        prepared,
        &all,
        bands,
        threshold,
        None,
        TOTAL.into(),
    );
    if prepared.areas.is_empty() {
        return (total, Vec::new());
    }
    let mut members = vec![Vec::new(); prepared.areas.len() + 1];
    for (i, u) in prepared.units.iter().enumerate() {
        members[u.area.map_or(prepared.areas.len(), |a| a as usize)].push(i);
    }
    let mut areas = Vec::new();
    for (a, m) in members.iter().enumerate() {
        if m.is_empty() {
            continue;
        }
        let (code, name) = match prepared.areas.get(a) {
            Some(info) => (info.code.clone(), info.name.clone()),
            None => (None, OUTSIDE.to_string()),
        };
        areas.push(summarize_units(
            outcome, prepared, m, bands, threshold, code, name,
        ));
    }
    (total, areas)
}

/// Runs the analysis: prepares (or reuses) the network and units, finds the services and
/// every unit's nearest, and aggregates; a repeated request is answered from the cache.
/// `progress` hears each of the [`STAGES`] stages' names.
pub fn run(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
    progress: &mut dyn FnMut(&'static str),
) -> Result<Run, AnalysisError> {
    progress("network and units");
    let prepared = prepare(cache, catalog, spec)?;
    progress("nearest service");
    let run = baseline(cache, catalog, spec, prepared)?;
    progress("aggregates");
    Ok(Run::clone(&run))
}

/// The run with the unchanged services, cached by the prepared key, the supply layers'
/// versions and the rest of the spec: a scenario after an analysis only searches once.
fn baseline(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
    prepared: Arc<Prepared>,
) -> Result<Arc<Run>, AnalysisError> {
    let mut key = prepared.key.clone();
    for s in &spec.supply {
        key.push('|');
        let supply = layer(catalog, &s.layer)?;
        key.push_str(&layer_key(&supply));
    }
    let rest = serde_json::json!([spec.supply, spec.mode, spec.bands, spec.threshold]);
    key.push_str(&rest.to_string());
    cache.baselines.get_or_try(key, || {
        let services = services(catalog, &spec.supply)?;
        let outcome = evaluate(&prepared, spec, services);
        Ok(finish(prepared.clone(), outcome, spec))
    })
}

/// Number of progress stages [`run`] reports.
pub const STAGES: u64 = 3;

fn finish(prepared: Arc<Prepared>, outcome: Outcome, spec: &AccessSpec) -> Run {
    let threshold = threshold_of(spec);
    let (total, areas) = summarize(&prepared, &outcome, &spec.bands, threshold);
    Run {
        prepared,
        outcome,
        total,
        areas,
    }
}

/// The threshold of `spec`: as given, else the last band break.
pub fn threshold_of(spec: &AccessSpec) -> f64 {
    spec.threshold
        .unwrap_or_else(|| spec.bands.breaks.last().copied().unwrap_or(0.0))
}

/// Changes to the service points of a scenario. Positions are WGS84 longitude/latitude, as
/// the web map gives them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    /// Ids (`LAYER/FEATURE_ID`) of services that close.
    #[serde(default)]
    pub remove: Vec<String>,
    /// New services.
    #[serde(default)]
    pub add: Vec<NewService>,
    /// Services that move.
    #[serde(default, rename = "move")]
    pub moves: Vec<MovedService>,
}

impl Changes {
    /// Checks that each list holds at most [`MAX_CHANGES`] entries.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        range::at_most("changes.remove", self.remove.len(), MAX_CHANGES, "services")?;
        range::at_most("changes.add", self.add.len(), MAX_CHANGES, "services")?;
        range::at_most("changes.move", self.moves.len(), MAX_CHANGES, "services")?;
        Ok(())
    }
}

/// A service added in a scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovedService {
    /// Its id (`LAYER/FEATURE_ID`).
    pub id: String,
    /// New longitude (EPSG:4326).
    pub lon: f64,
    /// New latitude (EPSG:4326).
    pub lat: f64,
}

/// The services after `changes`. Unknown ids are refused, so a typo never passes for a
/// scenario without effect. Added services get ids `new/1`, `new/2`, ….
pub fn apply(
    services: &[Service],
    changes: &Changes,
    analysis_crs: &str,
) -> Result<Vec<Service>, AnalysisError> {
    let known = |id: &str| {
        services
            .iter()
            .any(|s| s.id == id)
            .then_some(())
            .ok_or_else(|| AnalysisError::Invalid(format!("no service {id:?} in the supply set")))
    };
    for id in changes
        .remove
        .iter()
        .chain(changes.moves.iter().map(|m| &m.id))
    {
        known(id)?;
    }
    let lonlat: Vec<(f64, f64)> = changes
        .moves
        .iter()
        .map(|m| (m.lon, m.lat))
        .chain(changes.add.iter().map(|a| (a.lon, a.lat)))
        .collect();
    let points = crs::from_display(&lonlat, analysis_crs)?;
    let (moved, added) = points.split_at(changes.moves.len());
    let mut out: Vec<Service> = services
        .iter()
        .filter(|s| !changes.remove.contains(&s.id))
        .cloned()
        .collect();
    for (m, p) in changes.moves.iter().zip(moved) {
        if let Some(s) = out.iter_mut().find(|s| s.id == m.id) {
            s.point = *p;
        }
    }
    for (k, (a, p)) in changes.add.iter().zip(added).enumerate() {
        out.push(Service {
            id: format!("new/{}", k + 1),
            name: a.name.clone().unwrap_or_else(|| format!("new {}", k + 1)),
            point: *p,
        });
    }
    if out.is_empty() {
        return Err(AnalysisError::EmptySupply(
            "the scenario removes every service".into(),
        ));
    }
    Ok(out)
}

/// How one unit's access changes in a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct UnitChange {
    /// Feature id of the unit.
    pub id: u64,
    /// Its population.
    pub population: f64,
    /// Its area's code.
    pub area_code: Option<String>,
    /// Its area's name.
    pub area: Option<String>,
    /// Value before (minutes or km), absent when unreachable.
    pub before: Option<f64>,
    /// Value after.
    pub after: Option<f64>,
    /// After minus before; absent when either is unreachable.
    pub change: Option<f64>,
    /// Nearest service before.
    pub before_service: Option<String>,
    /// Nearest service after.
    pub after_service: Option<String>,
}

/// How an area's access changes in a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct AreaChange {
    /// Area code.
    pub code: Option<String>,
    /// Area name.
    pub name: String,
    /// Population whose nearest service gets farther.
    pub population_farther: f64,
    /// Population whose nearest service gets nearer.
    pub population_closer: f64,
    /// Population that had a reachable service and has none after.
    pub population_lost_access: f64,
    /// Population-weighted mean of the increase over those who get farther.
    pub mean_increase: Option<f64>,
    /// The largest increase.
    pub max_increase: Option<f64>,
    /// Aggregates before.
    pub before: Summary,
    /// Aggregates after.
    pub after: Summary,
}

/// A scenario compared with the baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The run without changes.
    pub before: Run,
    /// The run with changes.
    pub after: Run,
    /// The whole.
    pub total: AreaChange,
    /// Per area, in the order of [`Run::areas`].
    pub areas: Vec<AreaChange>,
    /// Units whose result changed, those losing most first (lost access before all).
    pub units: Vec<UnitChange>,
}

/// Runs the baseline and the scenario with `changes` and compares them. Only the service
/// search is repeated: the network and units come from the cache.
pub fn scenario(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
    changes: &Changes,
    analysis_crs: &str,
) -> Result<Comparison, AnalysisError> {
    changes.validate()?;
    let prepared = prepare(cache, catalog, spec)?;
    let before = Run::clone(&*baseline(cache, catalog, spec, prepared.clone())?);
    let changed = apply(&before.outcome.services, changes, analysis_crs)?;
    let after = finish(prepared.clone(), evaluate(&prepared, spec, changed), spec);
    let service_id = |run: &Run, i: usize| {
        run.outcome.units[i]
            .service
            .map(|s| run.outcome.services[s as usize].id.clone())
    };
    let mut units = Vec::new();
    for (i, u) in prepared.units.iter().enumerate() {
        let (b, a) = (before.outcome.value(i), after.outcome.value(i));
        let same = match (b, a) {
            (Some(b), Some(a)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        };
        if same && service_id(&before, i) == service_id(&after, i) {
            continue;
        }
        units.push(UnitChange {
            id: u.id,
            population: u.population,
            area_code: u.area.and_then(|a| prepared.areas[a as usize].code.clone()),
            area: u.area.map(|a| prepared.areas[a as usize].name.clone()),
            before: b,
            after: a,
            change: b.zip(a).map(|(b, a)| a - b),
            before_service: service_id(&before, i),
            after_service: service_id(&after, i),
        });
    }
    let rank = |c: &UnitChange| match (c.before, c.change) {
        (Some(_), None) => f64::INFINITY,
        (_, Some(d)) => d,
        (None, None) => f64::NEG_INFINITY,
    };
    units.sort_by(|x, y| rank(y).total_cmp(&rank(x)));
    let change_of = |members: &dyn Fn(&UnitChange) -> bool, b: &Summary, a: &Summary| {
        let picked: Vec<&UnitChange> = units.iter().filter(|c| members(c)).collect();
        let farther: Vec<(f64, f64)> = picked
            .iter()
            .filter_map(|c| c.change.filter(|d| *d > 0.0).map(|d| (d, c.population)))
            .collect();
        let weight = sum(farther.iter().map(|(_, p)| *p));
        AreaChange {
            code: b.code.clone(),
            name: b.name.clone(),
            population_farther: weight,
            population_closer: sum(picked
                .iter()
                .filter(|c| {
                    c.change.is_some_and(|d| d < 0.0) || (c.before.is_none() && c.after.is_some())
                })
                .map(|c| c.population)),
            population_lost_access: sum(picked
                .iter()
                .filter(|c| c.before.is_some() && c.after.is_none())
                .map(|c| c.population)),
            mean_increase: (weight > 0.0)
                .then(|| farther.iter().map(|(d, p)| d * p).sum::<f64>() / weight),
            max_increase: farther.iter().map(|(d, _)| *d).reduce(f64::max),
            before: b.clone(),
            after: a.clone(),
        }
    };
    let total = change_of(&|_| true, &before.total, &after.total);
    let areas = before
        .areas
        .iter()
        .zip(&after.areas)
        .map(|(b, a)| {
            let in_area = |c: &UnitChange| {
                c.area_code == b.code && c.area.as_deref().unwrap_or(OUTSIDE) == b.name
            };
            change_of(&in_area, b, a)
        })
        .collect();
    Ok(Comparison {
        before,
        after,
        total,
        areas,
        units,
    })
}

/// The per-unit results as a layer with the demand units' geometries, for the map and tiles.
/// With `baseline`, a `change` field holds the difference to it.
pub fn result_layer(
    run: &Run,
    bands: &Bands,
    id: &str,
    title: &str,
    baseline: Option<&Run>,
) -> Layer {
    let mut names: Vec<(&str, FieldKind)> = vec![
        ("unit_id", FieldKind::Integer),
        ("population", FieldKind::Real),
        ("status", FieldKind::String),
        ("value", FieldKind::Real),
        ("time_min", FieldKind::Real),
        ("distance_km", FieldKind::Real),
        ("band", FieldKind::String),
        ("service_id", FieldKind::String),
        ("service_name", FieldKind::String),
        ("snap_m", FieldKind::Real),
        ("area_code", FieldKind::String),
        ("area_name", FieldKind::String),
    ];
    if baseline.is_some() {
        names.push(("change", FieldKind::Real));
    }
    let fields = names
        .iter()
        .map(|(name, kind)| Field {
            name: name.to_string(),
            kind: *kind,
        })
        .collect();
    let labels = bands.labels();
    let prepared = &run.prepared;
    let real = |v: Option<f64>| v.map_or(Value::Null, Value::Real);
    let text = |v: Option<String>| v.map_or(Value::Null, Value::Str);
    let features = prepared
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let r = &run.outcome.units[i];
            let value = run.outcome.value(i);
            let service = r.service.map(|s| &run.outcome.services[s as usize]);
            let area = u.area.map(|a| &prepared.areas[a as usize]);
            let mut properties = vec![
                Value::Int(u.id as i64),
                Value::Real(u.population),
                Value::Str(r.status.as_str().into()),
                real(value),
                real(r.time_s.map(|t| t / 60.0)),
                real(r.length_m.map(|l| l / 1000.0)),
                text(value.map(|v| labels[bands.band_of(v)].clone())),
                text(service.map(|s| s.id.clone())),
                text(service.map(|s| s.name.clone())),
                real(u.location.map(|l| l.connector_m)),
                text(area.and_then(|a| a.code.clone())),
                text(area.map(|a| a.name.clone())),
            ];
            if let Some(base) = baseline {
                properties.push(real(base.outcome.value(i).zip(value).map(|(b, a)| a - b)));
            }
            let source = &prepared.demand.features[u.feature];
            Feature {
                id: i as u64 + 1,
                geometry: source.geometry.clone(),
                display: source.display.clone(),
                properties,
            }
        })
        .collect();
    let meta = LayerMeta {
        title: title.to_string(),
        description: format!(
            "Service access of {} ({}), derived by kartrum",
            prepared.demand.meta.id,
            match prepared.network_layer.as_deref() {
                Some(n) => format!("along {}", n.meta.id),
                None => "straight line".into(),
            }
        ),
        source: RESULT_SOURCE.into(),
        ..LayerMeta::new(id, fields)
    };
    Layer::new(meta, features)
}

/// One unit's result as JSON, for API responses.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    /// Feature id in the demand layer.
    pub id: u64,
    /// Population.
    pub population: f64,
    /// Whether a service was reached.
    pub status: Status,
    /// Minutes or km, per the band unit.
    pub value: Option<f64>,
    /// Travel time in minutes (network mode).
    pub time_min: Option<f64>,
    /// Distance in km.
    pub distance_km: Option<f64>,
    /// Nearest service id.
    pub service_id: Option<String>,
    /// Nearest service name.
    pub service_name: Option<String>,
    /// Connector length to the network (metres).
    pub snap_m: Option<f64>,
    /// Area code.
    pub area_code: Option<String>,
    /// Area name.
    pub area_name: Option<String>,
}

impl Run {
    /// Per-unit rows.
    pub fn unit_rows(&self) -> Vec<UnitRow> {
        let p = &self.prepared;
        p.units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let r = &self.outcome.units[i];
                let service = r.service.map(|s| &self.outcome.services[s as usize]);
                let area = u.area.map(|a| &p.areas[a as usize]);
                UnitRow {
                    id: u.id,
                    population: u.population,
                    status: r.status,
                    value: self.outcome.value(i),
                    time_min: r.time_s.map(|t| t / 60.0),
                    distance_km: r.length_m.map(|l| l / 1000.0),
                    service_id: service.map(|s| s.id.clone()),
                    service_name: service.map(|s| s.name.clone()),
                    snap_m: u.location.map(|l| l.connector_m),
                    area_code: area.and_then(|a| a.code.clone()),
                    area_name: area.map(|a| a.name.clone()),
                }
            })
            .collect()
    }

    /// Units and population per status (`beyond_snap`, `no_route`, `reached`).
    pub fn status_counts(&self) -> BTreeMap<&'static str, (usize, f64)> {
        let mut out = BTreeMap::new();
        for (u, r) in self.prepared.units.iter().zip(&self.outcome.units) {
            let entry = out.entry(r.status.as_str()).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += u.population;
        }
        out
    }

    /// The per-area table as CSV: code, name, units, population, one column per band,
    /// unreachable, mean, median, beyond threshold; the total last.
    pub fn areas_csv(&self) -> String {
        let mut out = String::new();
        let labels: Vec<String> = self.total.bands.iter().map(|b| b.label.clone()).collect();
        let mut header = vec![
            "code".to_string(),
            "name".into(),
            "units".into(),
            "population".into(),
        ];
        header.extend(labels);
        header.extend(["unreachable", "mean", "median", "beyond_threshold"].map(String::from));
        csv_line(&mut out, &header);
        for s in self.areas.iter().chain([&self.total]) {
            let mut row = vec![
                s.code.clone().unwrap_or_default(),
                s.name.clone(),
                s.units.to_string(),
                number(Some(s.population)),
            ];
            row.extend(s.bands.iter().map(|b| number(Some(b.population))));
            row.extend([
                number(Some(s.unreachable)),
                number(s.mean),
                number(s.median),
                number(Some(s.beyond_threshold)),
            ]);
            csv_line(&mut out, &row);
        }
        out
    }

    /// The per-unit table as CSV.
    pub fn units_csv(&self) -> String {
        let mut out = String::new();
        let header = [
            "unit_id",
            "population",
            "status",
            "value",
            "time_min",
            "distance_km",
            "service_id",
            "service_name",
            "snap_m",
            "area_code",
            "area_name",
        ]
        .map(String::from);
        csv_line(&mut out, &header);
        for r in self.unit_rows() {
            csv_line(
                &mut out,
                &[
                    r.id.to_string(),
                    number(Some(r.population)),
                    r.status.as_str().to_string(),
                    number(r.value),
                    number(r.time_min),
                    number(r.distance_km),
                    r.service_id.unwrap_or_default(),
                    r.service_name.unwrap_or_default(),
                    number(r.snap_m),
                    r.area_code.unwrap_or_default(),
                    r.area_name.unwrap_or_default(),
                ],
            );
        }
        out
    }
}

/// A sum that is +0 when empty (`Iterator::sum` gives -0 for no floats).
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

fn number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{v}"),
        Some(v) => format!("{v:.3}"),
        None => String::new(),
    }
}

fn csv_line(out: &mut String, cells: &[String]) {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    out.push_str(&quoted.join(","));
    out.push('\n');
}

/// The `source` of result layers, telling them from ingested ones.
pub const RESULT_SOURCE: &str = "analysis/service-access";

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Geometry;

    #[test]
    fn bands_labels_and_lookup() {
        let b = Bands::default();
        assert_eq!(b.labels().first().unwrap(), "0–5 min");
        assert_eq!(b.labels().last().unwrap(), ">30 min");
        assert_eq!(b.band_of(0.0), 0);
        assert_eq!(b.band_of(5.0), 1);
        assert_eq!(b.band_of(29.9), 3);
        assert_eq!(b.band_of(31.0), 4);
        for bad in [vec![], vec![5.0, 5.0], vec![-1.0], vec![f64::NAN]] {
            assert!(
                Bands {
                    unit: Unit::Min,
                    breaks: bad
                }
                .validate()
                .is_err()
            );
        }
    }

    fn layer_of(id: &str, fields: &[&str], features: Vec<(Geometry<f64>, Vec<Value>)>) -> Layer {
        let fields = fields
            .iter()
            .map(|n| Field {
                name: n.to_string(),
                kind: FieldKind::String,
            })
            .collect();
        let meta = LayerMeta::new(id, fields);
        let features = features
            .into_iter()
            .enumerate()
            .map(|(i, (geometry, properties))| Feature {
                id: i as u64 + 1,
                display: geometry.clone(),
                geometry,
                properties,
            })
            .collect();
        Layer::new(meta, features)
    }

    #[test]
    fn units_join_the_area_of_their_code_else_where_they_lie() {
        let square = |x: f64| -> Geometry<f64> {
            geo::Rect::new(
                Coord { x, y: 0.0 },
                Coord {
                    x: x + 10.0,
                    y: 10.0,
                },
            )
            .to_polygon()
            .into()
        };
        let text = |s: &str| Value::Str(s.into());
        let areas = Arc::new(layer_of(
            "areas",
            &["code", "name"],
            vec![
                (square(0.0), vec![text("2021"), text("West")]),
                (square(10.0), vec![text("2023"), text("East")]),
            ],
        ));
        // All units lie in West (x = 5); their codes say otherwise or nothing.
        let at_west = Coord { x: 5.0, y: 5.0 };
        let demand = layer_of(
            "units",
            &["kommunkod"],
            ["2023", "9999", "", "2021"]
                .iter()
                .map(|c| (geo::Point(at_west).into(), vec![text(c)]))
                .collect(),
        );
        let spec = |unit_code_field: Option<&str>| AreaSpec {
            layer: "areas".into(),
            name_field: None,
            code_field: None,
            unit_code_field: unit_code_field.map(String::from),
        };
        let places = |lookup: &AreaLookup| -> Vec<Option<u32>> {
            demand
                .features
                .iter()
                .map(|f| lookup.area_of_unit(f, Some(at_west)))
                .collect()
        };
        // Default: `kommunkod` is found; a code matching no area (9999) or no code at all
        // falls back to the location.
        let auto = AreaLookup::of_layer(areas.clone(), &spec(None), &demand).unwrap();
        assert_eq!(places(&auto), vec![Some(1), Some(0), Some(0), Some(0)]);
        let named = AreaLookup::of_layer(areas.clone(), &spec(Some("kommunkod")), &demand).unwrap();
        assert_eq!(places(&named), places(&auto));
        assert_ne!(
            auto.key(),
            AreaLookup::of_layer(areas.clone(), &spec(Some("")), &demand)
                .unwrap()
                .key()
        );
        // A code, but no point: the code alone places it; neither places nothing.
        assert_eq!(auto.area_of_unit(&demand.features[0], None), Some(1));
        assert_eq!(auto.area_of_unit(&demand.features[1], None), None);
        // `""`: by location only.
        let located = AreaLookup::of_layer(areas.clone(), &spec(Some("")), &demand).unwrap();
        assert_eq!(places(&located), vec![Some(0); 4]);
        let units: Vec<DemandUnit> = demand
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| DemandUnit {
                feature: i,
                id: f.id,
                population: 1.0,
                point: Some(at_west),
                location: None,
                area: auto.area_of_unit(f, Some(at_west)),
            })
            .collect();
        assert_eq!(
            auto.report(&demand, &units),
            AreaJoin {
                unit_code_field: Some("kommunkod".into()),
                by_code: 2,
                by_location: 2,
                outside: 0,
            }
        );
        // A demand layer without a code field joins by location.
        let uncoded = layer_of(
            "uncoded",
            &["rutid"],
            vec![(geo::Point(at_west).into(), vec![text("1")])],
        );
        let by_place = AreaLookup::of_layer(areas.clone(), &spec(None), &uncoded).unwrap();
        assert_eq!(by_place.unit_code, None);
        assert_eq!(
            by_place.area_of_unit(&uncoded.features[0], Some(at_west)),
            Some(0)
        );
        // A named field the demand layer lacks is refused as unknown.
        assert!(matches!(
            AreaLookup::of_layer(areas, &spec(Some("kommun")), &demand),
            Err(AnalysisError::NoSuchField { .. })
        ));
    }

    #[test]
    fn spec_reads_from_json_with_defaults() {
        let spec: AccessSpec = serde_json::from_str(
            r#"{"network":"n","demand":{"layer":"d","population":"p"},
                "supply":[{"layer":"s","filter":{"category":"grocery"}}]}"#,
        )
        .unwrap();
        assert_eq!(spec.mode, Mode::Network);
        assert_eq!(spec.bands, Bands::default());
        assert_eq!(threshold_of(&spec), 30.0);
        assert!(spec.validate().is_ok());
        let straight = AccessSpec {
            mode: Mode::StraightLine,
            ..spec
        };
        assert!(matches!(
            straight.validate(),
            Err(AnalysisError::Invalid(_))
        ));
    }
}
