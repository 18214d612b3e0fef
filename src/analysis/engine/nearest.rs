//! The nearest search: every demand unit's nearest service, along the network (one
//! multi-source Dijkstra from all services) or as the crow flies. Units too far from the
//! network, or on a piece of it with no service, are counted as unreachable, never dropped.

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use super::spec::Unit;
use super::supply::Service;
use super::units::{DemandUnit, Prepared};
use crate::network::{Direction, SnapSettings, Weight};

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
    /// The key, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reached => "reached",
            Status::BeyondSnap => "beyond_snap",
            Status::NoRoute => "no_route",
        }
    }
}

/// The result of one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
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

impl UnitResult {
    /// No service: `status` says why.
    pub const fn none(status: Status) -> Self {
        Self {
            status,
            service: None,
            time_s: None,
            length_m: None,
        }
    }
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

    /// The id of a unit's nearest service.
    pub fn service_id(&self, unit: usize) -> Option<&str> {
        self.units[unit]
            .service
            .map(|s| self.services[s as usize].id.as_str())
    }
}

/// Every unit's nearest service among `services`: along the prepared network (services
/// attach as `snap` says; minutes search by time, kilometres by length), or as the crow flies
/// when the units were prepared without a network.
pub fn evaluate(
    prepared: &Prepared,
    snap: &SnapSettings,
    unit: Unit,
    services: Vec<Service>,
) -> Outcome {
    let mut beyond = Vec::new();
    let units = match &prepared.network {
        Some(network) => {
            let mut located = Vec::with_capacity(services.len());
            let mut index = Vec::with_capacity(services.len());
            for (i, s) in services.iter().enumerate() {
                match network.locate(s.point, snap) {
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
                    None => UnitResult::none(Status::BeyondSnap),
                    Some(at) => match nearest.at(network, &at) {
                        Some(c) => UnitResult {
                            status: Status::Reached,
                            service: Some(index[c.source as usize]),
                            time_s: Some(c.time_s),
                            length_m: Some(c.length_m),
                        },
                        None => UnitResult::none(Status::NoRoute),
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
/// use kartrummet::analysis::engine::{nearest_straight, DemandUnit, Service};
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
                None => UnitResult::none(Status::BeyondSnap),
            }
        })
        .collect()
}
