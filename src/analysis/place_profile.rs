//! Place profiles (ortsanalys): for each tätort of the region its population, the nearest
//! grocery store, pharmacy, health centre and parcel point (time along the network and
//! distance), the health centres of its municipality, bus departures nearby, the population
//! within 10 and 30 minutes, and a place class by transparent rules.
//!
//! The tätorter are treated as demand units of the service-access analysis
//! ([`service_access::prepare`] and [`service_access::evaluate`]), so the nearest services come
//! from the same network, snapping and multi-source search. The region is the set of
//! municipalities where the demand layer (the population grid) has people.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use geo::{Distance, Euclidean};
use serde::{Deserialize, Serialize};

use super::service_access::{
    self, AccessSpec, AreaInfo, AreaSpec, Bands, DemandSpec, Mode, Outcome, Prepared, Status,
    SupplySpec, Unit, UnitResult, text_of,
};
use super::towns::{TownSpec, Towns};
use super::{AnalysisCache, AnalysisError, field, layer, network_note, numeric_field};
use crate::network::{Direction, NetworkSettings, SnapSettings, Weight};
use crate::range::{self, OutOfRange, Range};
use crate::store::Catalog;

/// Errors of place profiles.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// A layer, field, network or store problem.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// No tätort of the region has this id.
    #[error("no tätort {0:?} in the region; GET /api/places lists them")]
    UnknownPlace(String),
    /// Parameters out of range.
    #[error("{0}")]
    Invalid(String),
}

/// One kind of service in a profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileService {
    /// Key, e.g. `grocery`.
    pub key: String,
    /// Label, e.g. `Dagligvarubutik`.
    pub label: String,
    /// Where the service points are.
    pub supply: SupplySpec,
}

/// Health centres listed per municipality.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthSpec {
    /// Layer id.
    pub layer: String,
    /// Field with the municipality name.
    pub municipality_field: String,
    /// Field with the name.
    pub name_field: String,
    /// Field with the kind (vårdcentral, sjukhus).
    pub kind_field: String,
}

impl Default for HealthSpec {
    fn default() -> Self {
        Self {
            layer: "vardcentraler".into(),
            municipality_field: "Kommun".into(),
            name_field: "Populärnamn".into(),
            kind_field: "FghKlass".into(),
        }
    }
}

/// Bus stops counted near a tätort.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StopSpec {
    /// Layer id.
    pub layer: String,
    /// Numeric field with departures per weekday.
    pub departures_field: String,
    /// Stops within this distance of the tätort (its point, or its polygon) count (metres).
    pub radius_m: f64,
}

impl Default for StopSpec {
    fn default() -> Self {
        Self {
            layer: "hallplatser".into(),
            departures_field: "genomsnitt_veckodag_avgangar".into(),
            radius_m: 500.0,
        }
    }
}

/// The place class rules: the most populous tätort of its municipality is the *huvudort*; a
/// tätort of at least `serviceort_min_population` with a grocery store within
/// `serviceort_grocery_km` (straight line) is a *serviceort*; every other is a
/// *landsbygdsort*.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaceRules {
    /// Minimum population of a serviceort.
    pub serviceort_min_population: f64,
    /// The grocery store of a serviceort lies within this many km (straight line).
    pub serviceort_grocery_km: f64,
    /// Key of the grocery service in [`PlaceSpec::services`].
    pub grocery: String,
}

impl Default for PlaceRules {
    fn default() -> Self {
        Self {
            serviceort_min_population: 1_000.0,
            serviceort_grocery_km: 2.0,
            grocery: "grocery".into(),
        }
    }
}

impl PlaceRules {
    /// The class of a tätort that is not the most populous of its municipality: a serviceort
    /// when it has at least the minimum population and its nearest grocery store (straight
    /// line, `grocery_km`; `None` when there is none) lies within the distance, else a
    /// landsbygdsort. The reason carries the numbers.
    pub fn classify(&self, population: f64, grocery_km: Option<f64>) -> Classified {
        let met = population >= self.serviceort_min_population
            && grocery_km.is_some_and(|km| km <= self.serviceort_grocery_km);
        Classified {
            class: if met {
                PlaceClass::Serviceort
            } else {
                PlaceClass::Landsbygdsort
            },
            reason: ClassReason::ServiceortRule {
                met,
                population,
                min_population: self.serviceort_min_population,
                grocery_km,
                max_grocery_km: self.serviceort_grocery_km,
            },
        }
    }
}

/// What to profile, with defaults for the Dalarna demo.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaceSpec {
    /// Line layer of the network.
    pub network: String,
    /// How to read the network layer.
    pub network_settings: NetworkSettings,
    /// How places and services attach to the network.
    pub snap: SnapSettings,
    /// The tätorter.
    pub towns: TownSpec,
    /// The population grid (for the region and the population within reach).
    pub demand: DemandSpec,
    /// Municipalities. Tätorter and grid cells join them as in service access, by their code
    /// field when they have one (default `mun_code` for SCB's tätort points, `kommunkod` for
    /// the grid); `areas.unit_code_field` applies to both layers.
    pub areas: AreaSpec,
    /// Services whose nearest point is given.
    pub services: Vec<ProfileService>,
    /// Health centres listed per municipality.
    pub health: HealthSpec,
    /// Bus stops.
    pub stops: StopSpec,
    /// Minutes for the population within reach.
    pub reach_minutes: Vec<f64>,
    /// Place class rules.
    pub rules: PlaceRules,
}

impl Default for PlaceSpec {
    fn default() -> Self {
        let supply = |layer: &str, category: Option<&str>, name: Option<&str>| SupplySpec {
            layer: layer.into(),
            filter: category
                .map(|c| [("category".to_string(), c.to_string())].into())
                .unwrap_or_default(),
            name_field: name.map(String::from),
        };
        let service = |key: &str, label: &str, supply| ProfileService {
            key: key.into(),
            label: label.into(),
            supply,
        };
        Self {
            network: "busslinjer".into(),
            network_settings: NetworkSettings::default(),
            snap: SnapSettings::default(),
            towns: TownSpec::default(),
            demand: DemandSpec {
                layer: "befolkning_1km".into(),
                population: "befolkning_2025".into(),
            },
            areas: AreaSpec {
                layer: "kommuner".into(),
                name_field: None,
                code_field: None,
                unit_code_field: None,
            },
            services: vec![
                service(
                    "grocery",
                    "Dagligvarubutik",
                    supply("servicepunkter", Some("grocery"), None),
                ),
                service(
                    "pharmacy",
                    "Apotek",
                    supply("servicepunkter", Some("pharmacy"), None),
                ),
                service(
                    "health_centre",
                    "Vårdcentral",
                    supply("vardcentraler", None, Some("Populärnamn")),
                ),
                service(
                    "parcel",
                    "Paketombud",
                    supply("paketombud", None, Some("nodnamn")),
                ),
            ],
            health: HealthSpec::default(),
            stops: StopSpec::default(),
            reach_minutes: vec![10.0, 30.0],
            rules: PlaceRules::default(),
        }
    }
}

impl PlaceSpec {
    fn access(&self, demand: DemandSpec) -> AccessSpec {
        AccessSpec {
            network: Some(self.network.clone()),
            network_settings: self.network_settings.clone(),
            snap: self.snap,
            demand,
            supply: self.services.iter().map(|s| s.supply.clone()).collect(),
            areas: Some(self.areas.clone()),
            mode: Mode::Network,
            bands: Bands {
                unit: Unit::Min,
                breaks: vec![10.0, 30.0],
            },
            threshold: None,
        }
    }

    fn validate(&self) -> Result<(), PlaceError> {
        if self.services.is_empty() {
            return Err(PlaceError::Invalid("give at least one service".into()));
        }
        range::at_most("services", self.services.len(), MAX_SERVICES, "services")?;
        STOP_RADIUS_M.check(self.stops.radius_m)?;
        REACH_MINUTES.check_all(&self.reach_minutes, REACH_COUNT)?;
        SERVICEORT_POPULATION.check(self.rules.serviceort_min_population)?;
        SERVICEORT_GROCERY_KM.check(self.rules.serviceort_grocery_km)?;
        self.network_settings
            .validate()
            .map_err(AnalysisError::from)?;
        self.snap.validate().map_err(AnalysisError::from)?;
        Ok(())
    }
}

/// Most services in one profile.
pub const MAX_SERVICES: usize = 20;
/// Range of [`StopSpec::radius_m`].
pub const STOP_RADIUS_M: Range = Range::new("stops.radius_m", 0.0, 50_000.0, "m");
/// Range of each of [`PlaceSpec::reach_minutes`].
pub const REACH_MINUTES: Range = Range::new("reach_minutes", 0.1, 180.0, "minutes");
/// How many reach minutes a profile may hold.
pub const REACH_COUNT: Range = Range::new("reach_minutes", 0.0, 10.0, "values");
/// Range of [`PlaceRules::serviceort_min_population`].
pub const SERVICEORT_POPULATION: Range = Range::new(
    "rules.serviceort_min_population",
    0.0,
    10_000_000.0,
    "inhabitants",
);
/// Range of [`PlaceRules::serviceort_grocery_km`].
pub const SERVICEORT_GROCERY_KM: Range =
    Range::new("rules.serviceort_grocery_km", 0.0, 1_000.0, "km");

impl From<OutOfRange> for PlaceError {
    fn from(error: OutOfRange) -> Self {
        Self::Invalid(error.to_string())
    }
}

/// A place class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceClass {
    /// The most populous tätort of its municipality.
    Huvudort,
    /// Large enough and with a grocery store.
    Serviceort,
    /// Every other.
    Landsbygdsort,
}

/// Why a tätort has its class: the rule that decided, with its numbers. It is data, not words:
/// clients say it in their language (the web map's profile panel in Swedish or English).
///
/// JSON: `{"kind": "most_populous", "municipality": "Ludvika"}` or `{"kind":
/// "serviceort_rule", "met": true, "population": 4969, "min_population": 1000, "grocery_km":
/// 0.4, "max_grocery_km": 2}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassReason {
    /// Huvudort: the most populous tätort of its municipality.
    MostPopulous {
        /// The municipality's name (absent when the tätort lies in none).
        municipality: Option<String>,
    },
    /// Serviceort when `met`, landsbygdsort when not: the population and grocery distance
    /// against the rule's limits.
    ServiceortRule {
        /// Whether both limits are met.
        met: bool,
        /// Inhabitants of the tätort.
        population: f64,
        /// The rule's minimum population.
        min_population: f64,
        /// Straight-line distance to the nearest grocery store (km); absent when there is none.
        grocery_km: Option<f64>,
        /// The rule's largest grocery distance (km).
        max_grocery_km: f64,
    },
}

/// A place class with the reason it was given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classified {
    /// The class.
    pub class: PlaceClass,
    /// Why.
    pub reason: ClassReason,
}

/// One tätort of the region, as `GET /api/places` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceRow {
    /// Place id: the tätort code.
    pub id: String,
    /// Name.
    pub name: String,
    /// Inhabitants.
    pub population: f64,
    /// Municipality.
    pub municipality: Option<AreaInfo>,
    /// Place class.
    pub class: PlaceClass,
}

/// The tätorter of the region with their nearest services and classes.
#[derive(Debug)]
pub struct Places {
    /// The request.
    pub spec: PlaceSpec,
    /// The tätorter.
    pub towns: Towns,
    /// Every tätort attached to the network (units in layer order) with its municipality
    /// ([`service_access::DemandUnit::area`]).
    pub prepared: Arc<Prepared>,
    /// The population grid attached to the network.
    pub demand: Arc<Prepared>,
    /// Positions in [`Towns::towns`] of the region's tätorter, most populous first.
    pub region: Vec<usize>,
    /// Per service kind: nearest along the network and as the crow flies, for every tätort.
    pub nearest: Vec<(Outcome, Vec<UnitResult>)>,
    /// Class per region tätort, in the order of [`Places::region`].
    pub classes: Vec<Classified>,
}

/// Finds the region's tätorter, their nearest services and classes.
///
/// ```no_run
/// # use kartrummet::analysis::{AnalysisCache, place_profile::{self, PlaceSpec}};
/// # let store = kartrummet::store::Store::open("data", "EPSG:3006").unwrap();
/// let places = place_profile::places(&AnalysisCache::default(), &store.snapshot(),
///     &PlaceSpec::default()).unwrap();
/// for row in places.rows() { println!("{} {:?}", row.name, row.class); }
/// ```
pub fn places(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &PlaceSpec,
) -> Result<Places, PlaceError> {
    spec.validate()?;
    let towns = spec.towns.read(catalog)?;
    let town_demand = DemandSpec {
        layer: spec.towns.layer.clone(),
        population: towns.population_field.clone(),
    };
    let access = spec.access(town_demand);
    let prepared = service_access::prepare(cache, catalog, &access)?;
    let demand = service_access::prepare(cache, catalog, &spec.access(spec.demand.clone()))?;
    let peopled: BTreeSet<u32> = demand
        .units
        .iter()
        .filter(|u| u.population > 0.0)
        .filter_map(|u| u.area)
        .collect();
    let mut region: Vec<usize> = (0..prepared.units.len())
        .filter(|&t| prepared.units[t].area.is_some_and(|a| peopled.contains(&a)))
        .collect();
    region.sort_by(|&a, &b| {
        towns.towns[b]
            .population
            .total_cmp(&towns.towns[a].population)
    });
    let mut nearest = Vec::new();
    for s in &spec.services {
        let services = service_access::services(catalog, std::slice::from_ref(&s.supply))?;
        let straight = service_access::nearest_straight(&prepared.units, &services);
        nearest.push((
            service_access::evaluate(&prepared, &access, services),
            straight,
        ));
    }
    let grocery = spec
        .services
        .iter()
        .position(|s| s.key == spec.rules.grocery)
        .ok_or_else(|| {
            PlaceError::Invalid(format!(
                "rules.grocery {:?} names no service of the request",
                spec.rules.grocery
            ))
        })?;
    let mut seen_area = BTreeSet::new();
    let classes = region
        .iter()
        .map(|&t| {
            let area = prepared.units[t].area;
            if seen_area.insert(area) {
                return Classified {
                    class: PlaceClass::Huvudort,
                    reason: ClassReason::MostPopulous {
                        municipality: area.map(|a| prepared.areas[a as usize].name.clone()),
                    },
                };
            }
            let grocery_km = nearest[grocery].1[t].length_m.map(|l| l / 1000.0);
            spec.rules.classify(towns.towns[t].population, grocery_km)
        })
        .collect();
    Ok(Places {
        spec: spec.clone(),
        towns,
        prepared,
        demand,
        region,
        nearest,
        classes,
    })
}

/// The nearest service of one kind from a tätort.
#[derive(Debug, Clone, Serialize)]
pub struct NearestService {
    /// Service kind key.
    pub kind: String,
    /// Its label.
    pub label: String,
    /// Nearest along the network: `LAYER/FEATURE_ID`.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Travel time (minutes).
    pub minutes: Option<f64>,
    /// Network distance (km).
    pub network_km: Option<f64>,
    /// Whether it was reached over the network.
    pub status: Status,
    /// The nearest as the crow flies, which may be another one.
    pub straight_name: Option<String>,
    /// Its distance (km).
    pub straight_km: Option<f64>,
}

/// A health centre or hospital of the tätort's municipality.
#[derive(Debug, Clone, Serialize)]
pub struct HealthCentre {
    /// `LAYER/FEATURE_ID`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind (e.g. Vårdcentral, Sjukhus).
    pub kind: String,
}

/// Bus service near a tätort.
#[derive(Debug, Clone, Serialize)]
pub struct BusService {
    /// The radius used (metres).
    pub radius_m: f64,
    /// Stops within it.
    pub stops: usize,
    /// Sum of their departures per weekday.
    pub weekday_departures: f64,
}

/// Population that reaches the tätort within some minutes.
#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    /// Minutes.
    pub minutes: f64,
    /// Inhabitants (of the demand layer) within them, along the network.
    pub population: f64,
}

/// A place profile (ortsanalys) of one tätort.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Place id (tätort code).
    pub id: String,
    /// Name.
    pub name: String,
    /// Inhabitants.
    pub population: f64,
    /// Municipality.
    pub municipality: Option<AreaInfo>,
    /// Place class with its reason.
    pub class: Classified,
    /// The class rules' parameters, as applied.
    pub rules: PlaceRules,
    /// Nearest service per kind.
    pub nearest: Vec<NearestService>,
    /// Health centres and hospitals in the municipality.
    pub health_centres_in_municipality: Vec<HealthCentre>,
    /// Bus departures nearby.
    pub bus: BusService,
    /// Population within reach.
    pub population_within: Vec<Reach>,
    /// Distance from the tätort's point to the network (metres); absent when too far.
    pub snap_m: Option<f64>,
    /// What the travel times follow.
    pub network_note: String,
}

impl Places {
    /// The region's tätorter, most populous first.
    pub fn rows(&self) -> Vec<PlaceRow> {
        self.region
            .iter()
            .zip(&self.classes)
            .map(|(&t, c)| {
                let town = &self.towns.towns[t];
                PlaceRow {
                    id: town.code.clone(),
                    name: town.name.clone(),
                    population: town.population,
                    municipality: self.municipality(t),
                    class: c.class,
                }
            })
            .collect()
    }

    fn municipality(&self, t: usize) -> Option<AreaInfo> {
        self.prepared.units[t]
            .area
            .map(|a| self.prepared.areas[a as usize].clone())
    }

    /// The profile of the region's tätort with code `id`.
    pub fn profile(&self, catalog: &Catalog, id: &str) -> Result<Profile, PlaceError> {
        let (k, &t) = self
            .region
            .iter()
            .enumerate()
            .find(|(_, t)| self.towns.towns[**t].code == id)
            .ok_or_else(|| PlaceError::UnknownPlace(id.to_string()))?;
        let town = &self.towns.towns[t];
        let spec = &self.spec;
        let nearest = spec
            .services
            .iter()
            .zip(&self.nearest)
            .map(|(s, (network, straight))| {
                let r = &network.units[t];
                let name = |o: Option<u32>| o.map(|i| network.services[i as usize].name.clone());
                NearestService {
                    kind: s.key.clone(),
                    label: s.label.clone(),
                    id: r.service.map(|i| network.services[i as usize].id.clone()),
                    name: name(r.service),
                    minutes: r.time_s.map(|s| s / 60.0),
                    network_km: r.length_m.map(|l| l / 1000.0),
                    status: r.status,
                    straight_name: name(straight[t].service),
                    straight_km: straight[t].length_m.map(|l| l / 1000.0),
                }
            })
            .collect();
        let municipality = self.municipality(t);
        let health = self.health_centres(catalog, municipality.as_ref())?;
        let bus = self.bus(catalog, t)?;
        let population_within = self.reach(t);
        let network_layer = layer(catalog, &spec.network)?;
        Ok(Profile {
            id: town.code.clone(),
            name: town.name.clone(),
            population: town.population,
            municipality,
            class: self.classes[k].clone(),
            rules: spec.rules.clone(),
            nearest,
            health_centres_in_municipality: health,
            bus,
            population_within,
            snap_m: self.prepared.units[t].location.map(|l| l.connector_m),
            network_note: network_note(&network_layer),
        })
    }

    fn health_centres(
        &self,
        catalog: &Catalog,
        municipality: Option<&AreaInfo>,
    ) -> Result<Vec<HealthCentre>, PlaceError> {
        let h = &self.spec.health;
        let l = layer(catalog, &h.layer)?;
        let (m, n, k) = (
            field(&l, &h.municipality_field)?,
            field(&l, &h.name_field)?,
            field(&l, &h.kind_field)?,
        );
        let Some(mun) = municipality else {
            return Ok(Vec::new());
        };
        Ok(l.features
            .iter()
            .filter(|f| text_of(&f.properties[m]).eq_ignore_ascii_case(mun.name.trim()))
            .map(|f| HealthCentre {
                id: format!("{}/{}", l.meta.id, f.id),
                name: text_of(&f.properties[n]),
                kind: text_of(&f.properties[k]),
            })
            .collect())
    }

    fn bus(&self, catalog: &Catalog, t: usize) -> Result<BusService, PlaceError> {
        let s = &self.spec.stops;
        let l = layer(catalog, &s.layer)?;
        let departures = numeric_field(&l, &s.departures_field)?;
        let geometry = &self.towns.layer.features[self.towns.towns[t].feature].geometry;
        let (mut stops, mut total) = (0, 0.0);
        if let Some(r) = geo::BoundingRect::bounding_rect(geometry) {
            let r_m = s.radius_m;
            let bbox = [
                r.min().x - r_m,
                r.min().y - r_m,
                r.max().x + r_m,
                r.max().y + r_m,
            ];
            for i in l.analysis_candidates(bbox) {
                let f = &l.features[i];
                if Euclidean.distance(geometry, &f.geometry) <= r_m {
                    stops += 1;
                    total += f.properties[departures].as_f64().unwrap_or(0.0);
                }
            }
        }
        Ok(BusService {
            radius_m: s.radius_m,
            stops,
            weekday_departures: total,
        })
    }

    fn reach(&self, t: usize) -> Vec<Reach> {
        let (Some(network), Some(at)) = (&self.prepared.network, self.prepared.units[t].location)
        else {
            return Vec::new();
        };
        let nearest = network.nearest(&[at], Direction::ToSources, Weight::Time);
        let times: Vec<(f64, f64)> = self
            .demand
            .units
            .iter()
            .filter_map(|u| {
                let c = nearest.at(network, &u.location?)?;
                Some((c.time_s, u.population))
            })
            .collect();
        self.spec
            .reach_minutes
            .iter()
            .map(|&m| Reach {
                minutes: m,
                population: times
                    .iter()
                    .filter(|(s, _)| *s <= m * 60.0)
                    .map(|(_, p)| p)
                    .sum(),
            })
            .collect()
    }
}

/// Groups of a list of rows by class, for summaries.
pub fn class_counts(rows: &[PlaceRow]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for r in rows {
        let key = match r.class {
            PlaceClass::Huvudort => "huvudort",
            PlaceClass::Serviceort => "serviceort",
            PlaceClass::Landsbygdsort => "landsbygdsort",
        };
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serviceort_rule_includes_its_limits_and_needs_a_grocery_store() {
        let rules = PlaceRules::default();
        let class = |population, km| rules.classify(population, km).class;
        assert_eq!(class(1_000.0, Some(2.0)), PlaceClass::Serviceort);
        assert_eq!(class(999.0, Some(0.1)), PlaceClass::Landsbygdsort);
        assert_eq!(class(5_000.0, Some(2.01)), PlaceClass::Landsbygdsort);
        assert_eq!(class(5_000.0, None), PlaceClass::Landsbygdsort);
    }

    #[test]
    fn reasons_and_rules_are_numbers_for_the_client_to_word() {
        let json = |c: Classified| serde_json::to_value(c).unwrap();
        assert_eq!(
            json(PlaceRules::default().classify(1_400.0, Some(1.4))),
            serde_json::json!({"class": "serviceort", "reason": {
                "kind": "serviceort_rule", "met": true, "population": 1400.0,
                "min_population": 1000.0, "grocery_km": 1.4, "max_grocery_km": 2.0}})
        );
        assert_eq!(
            json(PlaceRules::default().classify(300.0, None))["reason"]["grocery_km"],
            serde_json::Value::Null
        );
        let huvudort = Classified {
            class: PlaceClass::Huvudort,
            reason: ClassReason::MostPopulous {
                municipality: Some("Ludvika".into()),
            },
        };
        assert_eq!(
            json(huvudort)["reason"],
            serde_json::json!({"kind": "most_populous", "municipality": "Ludvika"})
        );
        assert_eq!(
            serde_json::to_value(PlaceRules::default()).unwrap(),
            serde_json::json!({"serviceort_min_population": 1000.0,
                "serviceort_grocery_km": 2.0, "grocery": "grocery"})
        );
    }
}
