//! Place profiles (ortsanalys): for each tätort of the region its population, the nearest
//! grocery store, pharmacy, health centre and parcel point (time along the network and
//! distance), the health centres of its municipality, bus departures nearby, the population
//! within 10 and 30 minutes, and a place class by transparent rules.
//!
//! The tätorter are treated as demand units of the engine ([`engine::prepare`] and
//! [`engine::evaluate`]), so the nearest services come from the same network, snapping and
//! multi-source search as service access. The region is the set of municipalities where the
//! demand layer (the population grid) has people (every tätort when there are no areas).
//!
//! Services, health centres and stops come from the region profile: its service kinds, the
//! points of its `health` kind lying in the tätort's municipality, its stops layer.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use geo::{Distance, Euclidean};
use serde::{Deserialize, Serialize};

use super::AnalysisError;
use super::engine::areas::AREA_NAME_FIELDS;
use super::engine::spec::{NetworkChoice, areas_or_profile, null_or};
use super::engine::{
    self, AnalysisCache, AreaInfo, AreaLookup, AreaSpec, DemandSpec, Outcome, Prepared, Status,
    SupplySpec, Unit, UnitResult, UnitsSpec, layer, network_note, numeric_field, pick_field,
};
use super::towns::{TownSpec, Towns};
use crate::network::{Direction, NetworkSettings, SnapSettings, Weight};
use crate::profile::{AnalysisProfile, ProfileError, pick};
use crate::range::{self, Range};
use crate::store::Catalog;

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

/// Bus stops counted near a tätort.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopSpec {
    /// Layer id.
    pub layer: String,
    /// Numeric field with departures per weekday; without it each stop counts once.
    #[serde(default)]
    pub departures_field: Option<String>,
    /// Stops within this distance of the tätort (its point, or its polygon) count (metres).
    #[serde(default = "default_radius")]
    pub radius_m: f64,
}

fn default_radius() -> f64 {
    500.0
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
    /// Key of the grocery service in [`PlaceSpec::services`]; default `grocery` when there
    /// is such a service, else the first.
    pub grocery: Option<String>,
}

impl Default for PlaceRules {
    fn default() -> Self {
        Self {
            serviceort_min_population: 1_000.0,
            serviceort_grocery_km: 2.0,
            grocery: None,
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

/// What to profile: the query of `GET /api/places`. Every layer may be left out for the
/// region profile's; `"areas": null` treats every tätort as one region.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaceRequest {
    /// Line layer of the network; default the profile's.
    pub network: Option<String>,
    /// How to read the network layer; default the profile's.
    pub network_settings: Option<NetworkSettings>,
    /// How places and services attach to the network; default the profile's.
    pub snap: Option<SnapSettings>,
    /// The tätorter; default the profile's.
    pub towns: Option<TownSpec>,
    /// The population grid (for the region and the population within reach); default the
    /// profile's.
    pub demand: Option<DemandSpec>,
    /// Municipalities; default the profile's; `null` for none.
    #[serde(deserialize_with = "null_or", skip_serializing_if = "Option::is_none")]
    pub areas: Option<Option<AreaSpec>>,
    /// Services whose nearest point is given; default the profile's service kinds.
    pub services: Option<Vec<ProfileService>>,
    /// Key of the service whose points are listed per municipality; default `health` when
    /// there is such a service; `""` lists none.
    pub health: Option<String>,
    /// Bus stops; default the profile's stops, else none.
    pub stops: Option<StopSpec>,
    /// Minutes for the population within reach.
    pub reach_minutes: Vec<f64>,
    /// Place class rules.
    pub rules: PlaceRules,
}

impl Default for PlaceRequest {
    fn default() -> Self {
        Self {
            network: None,
            network_settings: None,
            snap: None,
            towns: None,
            demand: None,
            areas: None,
            services: None,
            health: None,
            stops: None,
            reach_minutes: vec![10.0, 30.0],
            rules: PlaceRules::default(),
        }
    }
}

/// Service key of the health centres listed per municipality, when a profile has it.
pub const HEALTH: &str = "health";
/// Fields of a service layer naming the municipality a point belongs to, looked for in this
/// order; matched against the areas' names before the point's location.
pub const MUNICIPALITY_FIELDS: [&str; 3] = ["Kommun", "kommun", "kommunnamn"];

/// Service key of the grocery rule, when a profile has it.
pub const GROCERY: &str = "grocery";

impl PlaceRequest {
    /// The profiles this request asks for, what it leaves out taken from `profile`. Errors
    /// name the missing setting (`network`, `towns`, `demand`, `services`).
    pub fn resolve(self, profile: &AnalysisProfile) -> Result<PlaceSpec, AnalysisError> {
        let network =
            NetworkChoice::resolve(profile, self.network, self.network_settings, self.snap)?;
        let services = match self.services {
            Some(s) => s,
            None if profile.services.is_empty() => {
                return Err(ProfileError::Missing("services").into());
            }
            None => profile
                .services
                .iter()
                .map(|k| ProfileService {
                    key: k.kind.clone(),
                    label: k.label.clone(),
                    supply: k.supply(),
                })
                .collect(),
        };
        let has = |key: &str| services.iter().any(|s| s.key == key);
        let grocery = match self.rules.grocery.clone() {
            Some(g) => g,
            None if has(GROCERY) => GROCERY.into(),
            None => services.first().map(|s| s.key.clone()).unwrap_or_default(),
        };
        let health = match self.health {
            Some(h) if h.is_empty() => None,
            Some(h) => Some(h),
            None => has(HEALTH).then(|| HEALTH.to_string()),
        };
        let stops = self.stops.or_else(|| {
            profile.stops.as_ref().map(|s| StopSpec {
                layer: s.layer.clone(),
                departures_field: s.departures_field.clone(),
                radius_m: default_radius(),
            })
        });
        let spec = PlaceSpec {
            network: network.network,
            network_settings: network.network_settings,
            snap: network.snap,
            towns: pick("towns", self.towns, profile.towns.as_ref())?,
            demand: pick("demand", self.demand, profile.demand.as_ref())?,
            areas: areas_or_profile(self.areas, profile.areas.as_ref()),
            services,
            health,
            stops,
            reach_minutes: self.reach_minutes,
            rules: PlaceRules {
                grocery: Some(grocery),
                ..self.rules
            },
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// Place profiles with every layer named: a [`PlaceRequest`] resolved against the region
/// profile.
#[derive(Debug, Clone, Serialize)]
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
    /// Municipalities, none for one region. Tätorter and grid cells join them as in service
    /// access, by their code field when they have one (default `mun_code` for SCB's tätort
    /// points, `kommunkod` for the grid); `areas.unit_code_field` applies to both layers.
    pub areas: Option<AreaSpec>,
    /// Services whose nearest point is given.
    pub services: Vec<ProfileService>,
    /// Key of the service listed per municipality, if any.
    pub health: Option<String>,
    /// Bus stops, if any.
    pub stops: Option<StopSpec>,
    /// Minutes for the population within reach.
    pub reach_minutes: Vec<f64>,
    /// Place class rules (`grocery` resolved).
    pub rules: PlaceRules,
}

impl PlaceSpec {
    fn units(&self, demand: DemandSpec) -> UnitsSpec {
        UnitsSpec {
            network: Some(self.network.clone()),
            network_settings: self.network_settings.clone(),
            snap: self.snap,
            demand,
            areas: self.areas.clone(),
        }
    }

    fn validate(&self) -> Result<(), AnalysisError> {
        if self.services.is_empty() {
            return Err(AnalysisError::Invalid("give at least one service".into()));
        }
        range::at_most("services", self.services.len(), MAX_SERVICES, "services")?;
        if let Some(stops) = &self.stops {
            STOP_RADIUS_M.check(stops.radius_m)?;
        }
        REACH_MINUTES.check_all(&self.reach_minutes, REACH_COUNT)?;
        SERVICEORT_POPULATION.check(self.rules.serviceort_min_population)?;
        SERVICEORT_GROCERY_KM.check(self.rules.serviceort_grocery_km)?;
        let known = |key: &Option<String>| {
            key.as_ref()
                .is_none_or(|k| self.services.iter().any(|s| &s.key == k))
        };
        if !known(&self.rules.grocery) {
            return Err(AnalysisError::Invalid(format!(
                "rules.grocery {:?} names no service of the request",
                self.rules.grocery
            )));
        }
        if !known(&self.health) {
            return Err(AnalysisError::Invalid(format!(
                "health {:?} names no service of the request",
                self.health
            )));
        }
        self.network_settings.validate()?;
        self.snap.validate()?;
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
    /// ([`engine::DemandUnit::area`]).
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
/// # use kartrummet::analysis::{AnalysisCache, place_profile::{self, PlaceRequest}};
/// # let store = kartrummet::store::Store::open("data", "EPSG:3006").unwrap();
/// # let profile = kartrummet::profile::RegionProfile::read("data/stockholm.toml".as_ref()).unwrap();
/// let spec = PlaceRequest::default().resolve(&profile.analysis).unwrap();
/// let places = place_profile::places(&AnalysisCache::default(), &store.snapshot(), &spec).unwrap();
/// for row in places.rows() { println!("{} {:?}", row.name, row.class); }
/// ```
pub fn places(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &PlaceSpec,
) -> Result<Places, AnalysisError> {
    spec.validate()?;
    let towns = spec.towns.read(catalog)?;
    let town_demand = DemandSpec {
        layer: spec.towns.layer.clone(),
        population: towns.population_field.clone(),
    };
    let prepared = engine::prepare(cache, catalog, &spec.units(town_demand))?;
    let demand = engine::prepare(cache, catalog, &spec.units(spec.demand.clone()))?;
    let peopled: BTreeSet<u32> = demand
        .units
        .iter()
        .filter(|u| u.population > 0.0)
        .filter_map(|u| u.area)
        .collect();
    let mut region: Vec<usize> = (0..prepared.units.len())
        .filter(|&t| {
            spec.areas.is_none() || prepared.units[t].area.is_some_and(|a| peopled.contains(&a))
        })
        .collect();
    region.sort_by(|&a, &b| {
        towns.towns[b]
            .population
            .total_cmp(&towns.towns[a].population)
    });
    let mut nearest = Vec::new();
    for s in &spec.services {
        let services = engine::services(catalog, std::slice::from_ref(&s.supply))?;
        let straight = engine::nearest_straight(&prepared.units, &services);
        nearest.push((
            engine::evaluate(&prepared, &spec.snap, Unit::Min, services),
            straight,
        ));
    }
    let grocery = spec
        .services
        .iter()
        .position(|s| Some(&s.key) == spec.rules.grocery.as_ref())
        .unwrap_or(0);
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

/// A point of the health service kind in the tätort's municipality.
#[derive(Debug, Clone, Serialize)]
pub struct HealthCentre {
    /// `LAYER/FEATURE_ID`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The service kind's label (e.g. Vårdcentral).
    pub kind: String,
}

/// Bus service near a tätort.
#[derive(Debug, Clone, Serialize)]
pub struct BusService {
    /// The radius used (metres).
    pub radius_m: f64,
    /// Stops within it.
    pub stops: usize,
    /// Sum of their departures per weekday (each stop once when the layer has none).
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
    /// Bus departures nearby (when the region has stops).
    pub bus: Option<BusService>,
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
    pub fn profile(&self, catalog: &Catalog, id: &str) -> Result<Profile, AnalysisError> {
        let (k, &t) = self
            .region
            .iter()
            .enumerate()
            .find(|(_, t)| self.towns.towns[**t].code == id)
            .ok_or_else(|| AnalysisError::UnknownPlace(id.to_string()))?;
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
        let health = self.health_centres(catalog, t)?;
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

    /// The points of the health service in the tätort's municipality: joined to the
    /// municipalities as demand units are ([`engine::AreaLookup`]), by a municipality-name
    /// field of the service layer ([`MUNICIPALITY_FIELDS`]) matched against the areas' names,
    /// else by where the point lies.
    fn health_centres(
        &self,
        catalog: &Catalog,
        t: usize,
    ) -> Result<Vec<HealthCentre>, AnalysisError> {
        let (Some(key), Some(area), Some(areas), Some(spec)) = (
            &self.spec.health,
            self.prepared.units[t].area,
            self.prepared.area_layer.as_ref(),
            self.spec.areas.as_ref(),
        ) else {
            return Ok(Vec::new());
        };
        let Some(service) = self.spec.services.iter().find(|s| &s.key == key) else {
            return Ok(Vec::new());
        };
        let (l, found) = engine::layer_services(catalog, &service.supply)?;
        let area_name = pick_field(areas, spec.name_field.as_deref(), &AREA_NAME_FIELDS)?
            .map(|i| areas.meta.fields[i].name.clone());
        let by_name = MUNICIPALITY_FIELDS
            .iter()
            .find(|f| l.field_index(f).is_some());
        let join = AreaSpec {
            code_field: area_name.clone(),
            unit_code_field: Some(match (by_name, &area_name) {
                (Some(f), Some(_)) => f.to_string(),
                _ => String::new(),
            }),
            ..AreaSpec::of_layer(areas.meta.id.clone())
        };
        let lookup = AreaLookup::of_layer(areas.clone(), &join, &l)?;
        Ok(found
            .into_iter()
            .filter(|(i, s)| lookup.area_of_unit(&l.features[*i], Some(s.point)) == Some(area))
            .map(|(_, s)| HealthCentre {
                id: s.id,
                name: s.name,
                kind: service.label.clone(),
            })
            .collect())
    }

    fn bus(&self, catalog: &Catalog, t: usize) -> Result<Option<BusService>, AnalysisError> {
        let Some(s) = &self.spec.stops else {
            return Ok(None);
        };
        let l = layer(catalog, &s.layer)?;
        let departures = s
            .departures_field
            .as_deref()
            .map(|f| numeric_field(&l, f))
            .transpose()?;
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
                    total += departures.map_or(1.0, |d| f.properties[d].as_f64().unwrap_or(0.0));
                }
            }
        }
        Ok(Some(BusService {
            radius_m: s.radius_m,
            stops,
            weekday_departures: total,
        }))
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
                "serviceort_grocery_km": 2.0, "grocery": null})
        );
    }
}
