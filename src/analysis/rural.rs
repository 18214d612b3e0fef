//! Rural distance classes (landsbygdsavstånd): for every demand unit the travel time along the
//! network and the straight-line distance to the nearest tätort of at least N inhabitants, for
//! a list of N; a class per unit (tätort, tätortsnära landsbygd, glesbygd) and, per
//! municipality, population and land area per class and population-weighted mean times.
//!
//! The nearest-tätort search is the engine's nearest search with tätorter as the services:
//! [`engine::prepare`] attaches the units to the network (cached), and [`engine::evaluate`]
//! runs one multi-source Dijkstra per threshold. A unit inside a
//! tätort (its representative point in a tätort polygon, or a tätort point inside the unit's
//! polygon) is 0 minutes from it.
//!
//! The class rule is the common Swedish one (Tillväxtverket): *tätort* = inside a tätort of
//! 3,000+, *tätortsnära landsbygd* = at most 45 minutes by car to one, *glesbygd* = farther.
//! Units that cannot reach any such tätort over the network count as glesbygd and are
//! reported as unreachable.
//!
//! With [`Changes`], the units are the scenario's ([`engine::prepare_scenario`]): new homes
//! are new demand and the network has its roads closed, slowed or added. Service changes
//! (`remove`, `add`, `move`) do not concern the classification (its destinations are the
//! tätorter) and are ignored; [`RuralSpec::ignored_changes`] names them for the answer.

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::Area;
use serde::{Deserialize, Serialize};

use super::engine::changes::Changes;
use super::engine::derived::{AREA_FIELDS, area_values, real, text};
use super::engine::spec::{NetworkChoice, areas_or_profile, null_or};
use super::engine::{
    self, AnalysisCache, AreaSpec, Bands, DemandSpec, Naming, Outcome, Prepared, Status, Summary,
    TOTAL, Unit, UnitResult, UnitsSpec, group_by_area, sum, unit_layer, weighted_mean,
};
use super::towns::{TownSpec, Towns};
use super::{AnalysisError, detour};
use crate::layer::{FieldKind, Layer, Value};
use crate::network::{NetworkSettings, SnapSettings};
use crate::profile::{AnalysisProfile, pick};
use crate::range::Range;
use crate::store::Catalog;

/// The class rule: inside a tätort of `town_population`+ is tätort, at most `minutes` to one
/// is tätortsnära landsbygd, farther is glesbygd.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassRule {
    /// Size of the tätort that counts (inhabitants).
    pub town_population: f64,
    /// Travel time limit of tätortsnära landsbygd (minutes).
    pub minutes: f64,
}

impl Default for ClassRule {
    fn default() -> Self {
        Self {
            town_population: 3_000.0,
            minutes: 45.0,
        }
    }
}

/// The rule for a very sparsely populated municipality: a population-weighted mean time to a
/// tätort of `town_population`+ of at least `minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SparseRule {
    /// Size of the tätort (inhabitants).
    pub town_population: f64,
    /// Mean time from which a municipality is very sparsely populated (minutes).
    pub minutes: f64,
}

impl Default for SparseRule {
    fn default() -> Self {
        Self {
            town_population: 50_000.0,
            minutes: 90.0,
        }
    }
}

/// The request of `POST /api/analysis/rural` and `kartrum analyze rural`. Every layer may
/// be left out for the region profile's (`{}` classifies the profile's demand by its towns);
/// `"areas": null` gives totals only.
///
/// ```json
/// {
///   "network": "vagar",
///   "demand": { "layer": "rutor", "population": "bef" },
///   "towns": { "layer": "orter", "population": "pop" },
///   "areas": { "layer": "kommungranser" },
///   "thresholds": [200, 1000, 3000, 50000],
///   "classes": { "town_population": 3000, "minutes": 45 }
/// }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RuralRequest {
    /// Line layer of the network; default the profile's.
    pub network: Option<String>,
    /// How to read the network layer; default the profile's.
    #[schema(value_type = Option<Object>)]
    pub network_settings: Option<NetworkSettings>,
    /// How units and tätorter attach to the network; default the profile's.
    #[schema(value_type = Option<Object>)]
    pub snap: Option<SnapSettings>,
    /// Where people live; default the profile's.
    #[schema(value_type = Option<Object>)]
    pub demand: Option<DemandSpec>,
    /// The tätorter; default the profile's.
    #[schema(value_type = Option<Object>)]
    pub towns: Option<TownSpec>,
    /// Areas to aggregate per; default the profile's; `null` for totals only.
    #[serde(deserialize_with = "null_or", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub areas: Option<Option<AreaSpec>>,
    /// The same as `areas.unit_code_field`, kept for requests written before it existed.
    pub area_code_field: Option<String>,
    /// Tätort sizes N to measure the nearest of.
    pub thresholds: Vec<f64>,
    /// The class rule.
    #[schema(value_type = Object)]
    pub classes: ClassRule,
    /// The very-sparse-municipality rule.
    #[schema(value_type = Object)]
    pub sparse: SparseRule,
    /// A scenario: new homes and network changes apply, service changes are ignored.
    #[serde(skip_serializing_if = "Changes::is_empty")]
    #[schema(value_type = Object)]
    pub changes: Changes,
}

impl Default for RuralRequest {
    fn default() -> Self {
        Self {
            network: None,
            network_settings: None,
            snap: None,
            demand: None,
            towns: None,
            areas: None,
            area_code_field: None,
            thresholds: vec![200.0, 1_000.0, 3_000.0, 50_000.0],
            classes: ClassRule::default(),
            sparse: SparseRule::default(),
            changes: Changes::default(),
        }
    }
}

impl RuralRequest {
    /// The classification this request asks for, what it leaves out taken from `profile`.
    /// Errors name the missing setting (`network`, `demand`, `towns`).
    pub fn resolve(self, profile: &AnalysisProfile) -> Result<RuralSpec, AnalysisError> {
        let network =
            NetworkChoice::resolve(profile, self.network, self.network_settings, self.snap)?;
        let spec = RuralSpec {
            network: network.network,
            network_settings: network.network_settings,
            snap: network.snap,
            demand: pick("demand", self.demand, profile.demand.as_ref())?,
            towns: pick("towns", self.towns, profile.towns.as_ref())?,
            areas: areas_or_profile(self.areas, profile.areas.as_ref()),
            area_code_field: self.area_code_field,
            thresholds: self.thresholds,
            classes: self.classes,
            sparse: self.sparse,
            ignored_changes: ignored_changes(&self.changes),
            changes: Changes {
                population: self.changes.population,
                network: self.changes.network,
                ..Changes::default()
            },
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// A rural classification with every layer named: a [`RuralRequest`] resolved against the
/// region profile. Its JSON is what derived result ids are made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuralSpec {
    /// Line layer of the network.
    pub network: String,
    /// How to read the network layer.
    pub network_settings: NetworkSettings,
    /// How units and tätorter attach to the network.
    pub snap: SnapSettings,
    /// Where people live.
    pub demand: DemandSpec,
    /// The tätorter.
    pub towns: TownSpec,
    /// Municipalities (or other areas) to aggregate per, none for totals only; units join
    /// them as in service access (by their `kommunkod` when the demand layer has one, see
    /// [`AreaSpec::unit_code_field`]).
    pub areas: Option<AreaSpec>,
    /// The same as `areas.unit_code_field`, kept for requests written before it existed;
    /// give one or the other.
    pub area_code_field: Option<String>,
    /// Tätort sizes N to measure the nearest of.
    pub thresholds: Vec<f64>,
    /// The class rule.
    pub classes: ClassRule,
    /// The very-sparse-municipality rule.
    pub sparse: SparseRule,
    /// The changes that apply: new homes and the network's (empty for the baseline).
    #[serde(default, skip_serializing_if = "Changes::is_empty")]
    pub changes: Changes,
    /// The kinds of the request's changes that were ignored (`remove`, `add`, `move`: services
    /// are not what the classification measures). Not part of the spec's JSON, so they do not
    /// change a result's id.
    #[serde(skip)]
    pub ignored_changes: Vec<&'static str>,
}

/// The service changes of `changes` (which a rural classification ignores), by their keys.
fn ignored_changes(changes: &Changes) -> Vec<&'static str> {
    [
        ("remove", changes.remove.is_empty()),
        ("add", changes.add.is_empty()),
        ("move", changes.moves.is_empty()),
    ]
    .into_iter()
    .filter_map(|(key, empty)| (!empty).then_some(key))
    .collect()
}

/// Range of tätort sizes (thresholds and the rules' sizes), inhabitants.
pub const TOWN_POPULATION: Range = Range::new("thresholds", 1.0, 10_000_000.0, "inhabitants");
/// How many thresholds one request may hold.
pub const THRESHOLD_COUNT: Range = Range::new("thresholds", 1.0, 10.0, "values");
/// Range of the rules' minutes.
pub const RULE_MINUTES: Range = Range::new("minutes", 1.0, 600.0, "minutes");

/// Time bands of the per-threshold summaries (minutes).
const BANDS: [f64; 6] = [15.0, 30.0, 45.0, 60.0, 90.0, 120.0];

impl RuralSpec {
    /// Checks thresholds and rules, and that `area_code_field` and `areas.unit_code_field`
    /// do not disagree.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        let given = self.areas.as_ref().and_then(|a| a.unit_code_field.as_ref());
        if let (Some(a), Some(b)) = (&self.area_code_field, given)
            && a != b
        {
            return Err(AnalysisError::Invalid(format!(
                "area_code_field {a:?} and areas.unit_code_field {b:?} disagree; give one"
            )));
        }
        TOWN_POPULATION.check_all(&self.thresholds, THRESHOLD_COUNT)?;
        TOWN_POPULATION.check_as("classes.town_population", self.classes.town_population)?;
        RULE_MINUTES.check_as("classes.minutes", self.classes.minutes)?;
        TOWN_POPULATION.check_as("sparse.town_population", self.sparse.town_population)?;
        RULE_MINUTES.check_as("sparse.minutes", self.sparse.minutes)?;
        self.network_settings.validate()?;
        self.snap.validate()?;
        self.changes.validate()?;
        Ok(())
    }

    /// The thresholds measured: those asked for plus the class and sparse rules' sizes,
    /// increasing.
    pub fn sizes(&self) -> Vec<f64> {
        let mut sizes = self.thresholds.clone();
        sizes.extend([self.classes.town_population, self.sparse.town_population]);
        sizes.sort_by(f64::total_cmp);
        sizes.dedup();
        sizes
    }

    /// The demand units, network and areas classified.
    pub fn units(&self) -> UnitsSpec {
        UnitsSpec {
            network: Some(self.network.clone()),
            network_settings: self.network_settings.clone(),
            snap: self.snap,
            demand: self.demand.clone(),
            areas: self.areas.clone().map(|a| AreaSpec {
                unit_code_field: a
                    .unit_code_field
                    .clone()
                    .or_else(|| self.area_code_field.clone()),
                ..a
            }),
        }
    }
}

/// The class of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Inside a tätort of the rule's size.
    Tatort,
    /// Within the rule's minutes of one.
    TatortsnaraLandsbygd,
    /// Farther, or no route to one.
    Glesbygd,
}

impl Class {
    /// All classes, in order.
    pub const ALL: [Class; 3] = [Class::Tatort, Class::TatortsnaraLandsbygd, Class::Glesbygd];

    /// The key, e.g. `tatortsnara_landsbygd`.
    pub fn key(self) -> &'static str {
        match self {
            Class::Tatort => "tatort",
            Class::TatortsnaraLandsbygd => "tatortsnara_landsbygd",
            Class::Glesbygd => "glesbygd",
        }
    }

    /// The Swedish label.
    pub fn label(self) -> &'static str {
        match self {
            Class::Tatort => "Tätort",
            Class::TatortsnaraLandsbygd => "Tätortsnära landsbygd",
            Class::Glesbygd => "Glesbygd",
        }
    }

    /// The rule in words, for legends and responses.
    pub fn rule(self, rule: &ClassRule) -> String {
        let (n, m) = (rule.town_population, rule.minutes);
        match self {
            Class::Tatort => format!("inside a tätort of {n}+ inhabitants"),
            Class::TatortsnaraLandsbygd => {
                format!("outside, at most {m} min by car to a tätort of {n}+")
            }
            Class::Glesbygd => {
                format!("more than {m} min by car to a tätort of {n}+, or no route to one")
            }
        }
    }
}

/// The nearest tätort of at least `n` inhabitants for every unit.
#[derive(Debug, Clone)]
pub struct Nearest {
    /// The size N.
    pub n: f64,
    /// Along the network: time and network distance (units inside such a tätort are 0).
    pub network: Outcome,
    /// As the crow flies.
    pub straight: Vec<UnitResult>,
    /// Positions in [`Towns::towns`] of the services of both outcomes.
    pub towns: Vec<usize>,
    /// Aggregates of the network times, whole region.
    pub total: Summary,
}

/// Population reaching one tätort as its nearest.
#[derive(Debug, Clone, Serialize)]
pub struct TownShare {
    /// The tätort's name.
    pub name: String,
    /// Inhabitants for whom it is the nearest along the network.
    pub population: f64,
}

/// How network distances compare with straight-line ones, to spot a network that does not
/// connect to the nearest tätorter.
#[derive(Debug, Clone, Serialize)]
pub struct Detour {
    /// Population-weighted mean network distance (km), over units reached.
    pub mean_network_km: f64,
    /// Population-weighted mean straight-line distance (km), over the same units.
    pub mean_straight_km: f64,
    /// Their ratio.
    pub factor: f64,
    /// A warning when the factor exceeds [`detour::WARNING`].
    pub warning: Option<String>,
}

impl Nearest {
    /// The tätorter that are nearest along the network, with the population for which each
    /// is, most first.
    pub fn population_by_town(&self, prepared: &Prepared) -> Vec<TownShare> {
        let mut by: BTreeMap<u32, f64> = BTreeMap::new();
        for (u, r) in prepared.units.iter().zip(&self.network.units) {
            if let Some(s) = r.service {
                *by.entry(s).or_insert(0.0) += u.population;
            }
        }
        let mut out: Vec<TownShare> = by
            .into_iter()
            .map(|(s, population)| TownShare {
                name: self.network.services[s as usize].name.clone(),
                population,
            })
            .collect();
        out.sort_by(|a, b| b.population.total_cmp(&a.population));
        out
    }

    /// Network against straight-line distance over the units that have both.
    pub fn detour(&self, prepared: &Prepared) -> Option<Detour> {
        let (mut weight, mut network, mut straight) = (0.0, 0.0, 0.0);
        for (i, u) in prepared.units.iter().enumerate() {
            if let (Some(n), Some(s)) = (self.network.units[i].length_m, self.straight[i].length_m)
            {
                weight += u.population;
                network += n * u.population;
                straight += s * u.population;
            }
        }
        let factor = detour::factor(network, straight).filter(|_| weight > 0.0)?;
        Some(Detour {
            mean_network_km: network / weight / 1000.0,
            mean_straight_km: straight / weight / 1000.0,
            factor,
            warning: detour::is_suspect(factor).then(|| {
                format!(
                    "network distances to the nearest tätort of {}+ average {factor:.1} times \
                         the straight-line distance: the network probably does not connect to \
                         the nearest such tätorter (see which tätorter are reached)",
                    size_key(self.n)
                )
            }),
        })
    }
}

/// Population, units and land area of one class in one area.
#[derive(Debug, Clone, Serialize)]
pub struct ClassCount {
    /// Class key.
    pub class: Class,
    /// Swedish label.
    pub label: &'static str,
    /// Demand units.
    pub units: usize,
    /// Inhabitants.
    pub population: f64,
    /// Share of the area's population (0–1).
    pub share: f64,
    /// Land area of the units (km²): the grid cells' own area.
    pub land_km2: f64,
}

/// Classes and mean times of one area (or the whole).
#[derive(Debug, Clone, Serialize)]
pub struct AreaClasses {
    /// Area code.
    pub code: Option<String>,
    /// Area name.
    pub name: String,
    /// Inhabitants (the class populations sum to it).
    pub population: f64,
    /// Area of the area polygon (km²), when an area.
    pub area_km2: Option<f64>,
    /// Per class.
    pub classes: Vec<ClassCount>,
    /// Population-weighted mean minutes to the nearest tätort of N+, per N (reached units).
    pub mean_minutes: BTreeMap<String, Option<f64>>,
    /// Population that cannot reach a tätort of N+ over the network, per N.
    pub unreachable: BTreeMap<String, f64>,
    /// Whether the mean time to a tätort of the sparse rule's size reaches its minutes.
    pub very_sparse: Option<bool>,
}

/// A complete classification.
#[derive(Debug, Clone)]
pub struct Rural {
    /// The request.
    pub spec: RuralSpec,
    /// Network, units and areas.
    pub prepared: Arc<Prepared>,
    /// The tätorter.
    pub towns: Towns,
    /// The tätort each unit lies inside.
    pub inside: Vec<Option<usize>>,
    /// Per size N, increasing.
    pub nearest: Vec<Nearest>,
    /// Per unit.
    pub classes: Vec<Class>,
    /// The whole region.
    pub total: AreaClasses,
    /// Per area, in the area layer's order, units in no area last.
    pub areas: Vec<AreaClasses>,
}

/// `3000` for 3000.0: the key of a size in tables and field names.
pub fn size_key(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

/// Classifies every unit: nearest tätort per size, class, aggregates, on the scenario of
/// `spec.changes` (positions in `analysis_crs`, the store's). `progress` hears each stage's
/// name.
///
/// ```no_run
/// # use kartrummet::analysis::{AnalysisCache, rural::{self, RuralRequest}};
/// # let store = kartrummet::store::Store::open("data", "EPSG:3006").unwrap();
/// # let profile = kartrummet::profile::RegionProfile::read("data/stockholm.toml".as_ref()).unwrap();
/// let spec = RuralRequest::default().resolve(&profile.analysis).unwrap();
/// let rural = rural::classify(&AnalysisCache::default(), &store.snapshot(),
///     &spec, store.analysis_crs(), &mut |_| {}).unwrap();
/// println!("{} live in glesbygd", rural.total.classes[2].population);
/// ```
pub fn classify(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &RuralSpec,
    analysis_crs: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Rural, AnalysisError> {
    spec.validate()?;
    progress("network and units");
    let prepared =
        engine::prepare_scenario(cache, catalog, &spec.units(), &spec.changes, analysis_crs)?;
    progress("tätorter");
    let towns = spec.towns.read(catalog)?;
    let inside = towns.inside(&prepared);
    let bands = Bands::minutes(&BANDS);
    let mut nearest = Vec::new();
    for n in spec.sizes() {
        progress(&format!("nearest tätort of {}+", size_key(n)));
        let (services, town_of) = towns.at_least(n);
        let service_of: BTreeMap<usize, u32> = town_of
            .iter()
            .enumerate()
            .map(|(s, &t)| (t, s as u32))
            .collect();
        let mut straight = engine::nearest_straight(&prepared.units, &services);
        let mut network = engine::evaluate(&prepared, &spec.snap, Unit::Min, services);
        for (i, t) in inside.iter().enumerate() {
            if let Some(s) = t.and_then(|t| service_of.get(&t)) {
                let zero = UnitResult {
                    status: Status::Reached,
                    service: Some(*s),
                    time_s: Some(0.0),
                    length_m: Some(0.0),
                };
                network.units[i] = zero;
                straight[i] = UnitResult {
                    time_s: None,
                    ..zero
                };
            }
        }
        let (total, _) = engine::summarize(&prepared, &network, &bands, spec.classes.minutes);
        nearest.push(Nearest {
            n,
            network,
            straight,
            towns: town_of,
            total,
        });
    }
    progress("classes and aggregates");
    let rule = &spec.classes;
    let by_rule = nearest
        .iter()
        .find(|x| x.n == rule.town_population)
        .expect("the class size is measured");
    let classes: Vec<Class> = (0..prepared.units.len())
        .map(|i| {
            let is_inside =
                inside[i].is_some_and(|t| towns.towns[t].population >= rule.town_population);
            match by_rule.network.units[i].time_s {
                _ if is_inside => Class::Tatort,
                Some(t) if t <= rule.minutes * 60.0 => Class::TatortsnaraLandsbygd,
                _ => Class::Glesbygd,
            }
        })
        .collect();
    let rural = aggregate(
        spec,
        Measured {
            prepared,
            towns,
            inside,
            nearest,
            classes,
        },
    );
    Ok(rural)
}

/// Everything measured per unit, before aggregation.
struct Measured {
    prepared: Arc<Prepared>,
    towns: Towns,
    inside: Vec<Option<usize>>,
    nearest: Vec<Nearest>,
    classes: Vec<Class>,
}

fn aggregate(spec: &RuralSpec, m: Measured) -> Rural {
    let Measured {
        prepared,
        towns,
        inside,
        nearest,
        classes,
    } = m;
    let land: Vec<f64> = prepared
        .units
        .iter()
        .map(|u| land_km2(&prepared, u.feature))
        .collect();
    let summarize = |members: &[usize], area: Option<usize>, code, name| {
        let population = sum(members.iter().map(|&i| prepared.units[i].population));
        let classes = Class::ALL
            .iter()
            .map(|&c| {
                let of: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&i| classes[i] == c)
                    .collect();
                let pop = sum(of.iter().map(|&i| prepared.units[i].population));
                ClassCount {
                    class: c,
                    label: c.label(),
                    units: of.len(),
                    population: pop,
                    share: if population > 0.0 {
                        pop / population
                    } else {
                        0.0
                    },
                    land_km2: sum(of.iter().map(|&i| land[i])),
                }
            })
            .collect();
        // Population-weighted mean minutes over reached units, and the unreached population.
        let times = |x: &Nearest| {
            let (mut reached, mut unreached) = (Vec::new(), 0.0);
            for &i in members {
                let pop = prepared.units[i].population;
                match x.network.value(i) {
                    Some(v) => reached.push((v, pop)),
                    None => unreached += pop,
                }
            }
            (weighted_mean(&reached), unreached)
        };
        let mean_minutes = nearest
            .iter()
            .map(|x| (size_key(x.n), times(x).0))
            .collect();
        let unreachable = nearest
            .iter()
            .map(|x| (size_key(x.n), times(x).1))
            .collect();
        let very_sparse = nearest
            .iter()
            .find(|x| x.n == spec.sparse.town_population)
            .and_then(|x| times(x).0)
            .map(|m| m >= spec.sparse.minutes);
        AreaClasses {
            code,
            name,
            population,
            area_km2: area
                .zip(prepared.area_layer.as_deref())
                .and_then(|(a, l)| l.features.get(a))
                .map(|f| f.geometry.unsigned_area() / 1e6),
            classes,
            mean_minutes,
            unreachable,
            very_sparse,
        }
    };
    let all: Vec<usize> = (0..prepared.units.len()).collect();
    let total = summarize(&all, None, None, TOTAL.to_string());
    let areas = group_by_area(&prepared.areas, prepared.units.iter().map(|u| u.area))
        .into_iter()
        .map(|g| summarize(&g.members, g.area, g.code, g.name))
        .collect();
    Rural {
        spec: spec.clone(),
        prepared,
        towns,
        inside,
        nearest,
        classes,
        total,
        areas,
    }
}

/// Land area of a unit's feature (km²): the grid cell's own area.
fn land_km2(prepared: &Prepared, feature: usize) -> f64 {
    prepared.demand.features[feature].geometry.unsigned_area() / 1e6
}

/// The `source` of rural result layers.
pub const RESULT_SOURCE: &str = "analysis/rural";

impl Rural {
    /// The per-unit results as a layer with the units' geometries: class, the tätort the unit
    /// lies in, and per size N the minutes (`min_N`), network km (`km_N`), straight-line km
    /// (`line_km_N`) and name (`town_N`) of the nearest tätort of N+.
    pub fn result_layer(&self, id: &str, title: &str) -> Layer {
        let mut fields: Vec<(String, FieldKind)> = vec![
            ("class".into(), FieldKind::String),
            ("class_label".into(), FieldKind::String),
            ("inside_tatort".into(), FieldKind::String),
        ];
        fields.extend(AREA_FIELDS.map(|(n, k)| (n.to_string(), k)));
        fields.push(("land_km2".into(), FieldKind::Real));
        for x in &self.nearest {
            let key = size_key(x.n);
            for (prefix, kind) in [
                ("min_", FieldKind::Real),
                ("km_", FieldKind::Real),
                ("line_km_", FieldKind::Real),
                ("town_", FieldKind::String),
            ] {
                fields.push((format!("{prefix}{key}"), kind));
            }
        }
        let fields: Vec<(&str, FieldKind)> = fields.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        let p = &self.prepared;
        let description = format!(
            "Landsbygdsavstånd of {} to tätorter of {} along {}, derived by kartrum",
            p.demand.meta.id, self.towns.layer.meta.id, self.spec.network
        );
        let naming = Naming {
            id,
            title,
            description: &description,
            source: RESULT_SOURCE,
        };
        unit_layer(p, &naming, &fields, |i, u| {
            let mut properties = vec![
                Value::Str(self.classes[i].key().into()),
                Value::Str(self.classes[i].label().into()),
                text(self.inside[i].map(|t| self.towns.towns[t].name.clone())),
            ];
            properties.extend(area_values(p, u));
            properties.push(Value::Real(land_km2(p, u.feature)));
            for x in &self.nearest {
                let r = &x.network.units[i];
                let s = &x.straight[i];
                properties.extend([
                    real(r.time_s.map(|t| t / 60.0)),
                    real(r.length_m.map(|l| l / 1000.0)),
                    real(s.length_m.map(|l| l / 1000.0)),
                    text(
                        r.service
                            .map(|k| x.network.services[k as usize].name.clone()),
                    ),
                ]);
            }
            properties
        })
    }

    /// The class rules in words, per class key.
    pub fn rules(&self) -> BTreeMap<&'static str, String> {
        Class::ALL
            .iter()
            .map(|c| (c.key(), c.rule(&self.spec.classes)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::engine::test_support::profile;
    use crate::profile::ProfileError;

    #[test]
    fn sizes_include_the_rules_and_validation_refuses_nonsense() {
        let spec = RuralRequest {
            thresholds: vec![1000.0, 200.0],
            ..Default::default()
        }
        .resolve(&profile())
        .unwrap();
        assert_eq!(spec.sizes(), vec![200.0, 1000.0, 3000.0, 50000.0]);
        for bad in [vec![], vec![-5.0], vec![f64::NAN]] {
            let s = RuralRequest {
                thresholds: bad,
                ..Default::default()
            };
            assert!(matches!(
                s.resolve(&profile()),
                Err(AnalysisError::Invalid(_))
            ));
        }
        assert_eq!(size_key(3000.0), "3000");
    }

    #[test]
    fn what_the_request_leaves_out_comes_from_the_profile_or_is_named_missing() {
        let spec = RuralRequest::default().resolve(&profile()).unwrap();
        assert_eq!(spec.network, "vagar");
        assert_eq!(spec.towns.layer, "orter");
        assert_eq!(spec.areas.unwrap().layer, "kommungranser");
        let none: RuralRequest = serde_json::from_str(r#"{"areas": null}"#).unwrap();
        assert_eq!(none.resolve(&profile()).unwrap().areas, None);
        let missing = |request: RuralRequest| match request.resolve(&AnalysisProfile::default()) {
            Err(AnalysisError::Profile(ProfileError::Missing(setting))) => setting,
            other => panic!("{other:?}"),
        };
        assert_eq!(missing(RuralRequest::default()), "network");
        let with_network = RuralRequest {
            network: Some("vagar".into()),
            ..Default::default()
        };
        assert_eq!(missing(with_network.clone()), "demand");
        assert_eq!(
            missing(RuralRequest {
                demand: Some(DemandSpec {
                    layer: "rutor".into(),
                    population: "bef".into()
                }),
                ..with_network
            }),
            "towns"
        );
    }

    #[test]
    fn area_code_field_is_the_areas_unit_code_field() {
        let old_style = RuralRequest {
            area_code_field: Some("kommunkod".into()),
            ..Default::default()
        }
        .resolve(&profile())
        .unwrap();
        let areas = old_style.units().areas.unwrap();
        assert_eq!(areas.unit_code_field.as_deref(), Some("kommunkod"));
        let plain = RuralRequest::default().resolve(&profile()).unwrap();
        assert_eq!(plain.units().areas.unwrap().unit_code_field, None);
        let mut both = old_style.clone();
        both.areas.as_mut().unwrap().unit_code_field = Some("kommunkod".into());
        assert!(both.validate().is_ok());
        both.areas.as_mut().unwrap().unit_code_field = Some(String::new());
        assert!(matches!(both.validate(), Err(AnalysisError::Invalid(_))));
    }
}
