//! Isochrones: the area reachable from a point within given minutes along the network.
//!
//! One search from the point finds the time to every node; every edge is then covered as far
//! as the remaining time allows from either end it may be entered from. The reached pieces,
//! buffered by a set width and joined (geo's `Buffer`), make the polygon. The population
//! inside is that of demand units whose representative point lies within the buffer width
//! of a reached piece — the same area, measured without a point-in-polygon test.
//!
//! With [`Changes`], the network is the scenario's ([`scenario_network`]: roads closed, slowed
//! or added) and the population counted includes the new homes ([`demand_with`]); service
//! changes do not concern an isochrone and are ignored.

use std::sync::Arc;

use geo::{Area, BooleanOps, Buffer, Coord, Line, LineString, MultiLineString, MultiPolygon};
use rstar::primitives::Line as IndexLine;
use rstar::primitives::Rectangle;
use rstar::{AABB, PointDistance, RTree};

use super::AnalysisError;
use super::engine::budget::{self, BudgetError};
use super::engine::changes::{Changes, demand_with, scenario_network};
use super::engine::spec::NetworkChoice;
use super::engine::{AnalysisCache, DemandSpec, layer, numeric_field, representative_point};
use crate::crs;
use crate::layer::Layer;
use crate::network::{Direction, Location, Network, NetworkSettings, SnapSettings, Weight};
use crate::profile::AnalysisProfile;
use crate::range::Range;
use crate::store::Catalog;

/// Where to start and how far to go: the part of an isochrone request no profile gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// Longitude of the start (EPSG:4326).
    pub lon: f64,
    /// Latitude of the start (EPSG:4326).
    pub lat: f64,
    /// Time budgets in minutes, e.g. `[10, 20, 30]`.
    pub minutes: Vec<f64>,
    /// Half-width of the band drawn around reached roads (metres), default
    /// [`DEFAULT_BUFFER_M`].
    pub buffer_m: f64,
}

/// What to compute: the query of `GET /api/analysis/isochrone`. The network, its settings
/// and the population default to the region profile's.
#[derive(Debug, Clone)]
pub struct IsochroneRequest {
    /// Line layer of the network; default the profile's.
    pub network: Option<String>,
    /// How to read it; default the profile's.
    pub network_settings: Option<NetworkSettings>,
    /// How the point attaches to the network; default the profile's.
    pub snap: Option<SnapSettings>,
    /// Population to count inside; default the profile's demand, if any.
    pub population: Option<DemandSpec>,
    /// The start and the budgets.
    pub origin: Origin,
    /// The scenario's changes (network and new homes); default none.
    pub changes: Changes,
}

impl IsochroneRequest {
    /// The isochrones this request asks for, what it leaves out taken from `profile`; a
    /// missing network is named.
    pub fn resolve(self, profile: &AnalysisProfile) -> Result<IsochroneSpec, AnalysisError> {
        let spec = IsochroneSpec {
            network: NetworkChoice::resolve(
                profile,
                self.network,
                self.network_settings,
                self.snap,
            )?,
            population: self.population.or_else(|| profile.demand.clone()),
            origin: self.origin,
            changes: self.changes,
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// Isochrones with every layer named: an [`IsochroneRequest`] resolved against the region
/// profile.
#[derive(Debug, Clone)]
pub struct IsochroneSpec {
    /// The network, how to read it and how the start attaches to it.
    pub network: NetworkChoice,
    /// Population to count inside, optional.
    pub population: Option<DemandSpec>,
    /// The start and the budgets.
    pub origin: Origin,
    /// The scenario's changes; only the network and population parts apply.
    pub changes: Changes,
}

/// Default half-width of the band around reached roads (metres).
pub const DEFAULT_BUFFER_M: f64 = 250.0;

/// Range of each of [`Origin::minutes`].
pub const MINUTES: Range = Range::new("minutes", 0.1, 180.0, "minutes");

/// How many time budgets one request may hold.
pub const MINUTES_COUNT: Range = Range::new("minutes", 1.0, 10.0, "values");

/// Range of [`Origin::buffer_m`] (and of a corridor catchment's `band_m`).
pub const BUFFER_M: Range = Range::new("buffer_m", 1.0, 2_000.0, "m");

impl IsochroneSpec {
    /// Checks the ranges: [`MINUTES`] (at most [`MINUTES_COUNT`] of them), [`BUFFER_M`], the
    /// network and snap settings.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        MINUTES.check_all(&self.origin.minutes, MINUTES_COUNT)?;
        BUFFER_M.check(self.origin.buffer_m)?;
        self.network.network_settings.validate()?;
        self.network.snap.validate()?;
        self.changes.validate()?;
        Ok(())
    }
}

/// One isochrone.
#[derive(Debug, Clone)]
pub struct Isochrone {
    /// The time budget.
    pub minutes: f64,
    /// The reachable area in the analysis CRS.
    pub area: MultiPolygon<f64>,
    /// Its area in km².
    pub area_km2: f64,
    /// Population of units inside, when a population layer was given.
    pub population: Option<f64>,
    /// Network nodes reached within the budget.
    pub reached_nodes: usize,
}

/// Isochrones from one point.
#[derive(Debug, Clone)]
pub struct Isochrones {
    /// The network layer used.
    pub network_layer: Arc<Layer>,
    /// The start in the analysis CRS.
    pub origin: Coord<f64>,
    /// Length of the connector from the start to the network (metres).
    pub snap_m: f64,
    /// One per budget, in the order asked.
    pub bands: Vec<Isochrone>,
}

/// Computes the isochrones of `spec`.
pub fn isochrones(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &IsochroneSpec,
    analysis_crs: &str,
) -> Result<Isochrones, AnalysisError> {
    spec.validate()?;
    let network_layer = layer(catalog, &spec.network.network)?;
    let population = match &spec.population {
        Some(d) => {
            let l = layer(catalog, &d.layer)?;
            let i = numeric_field(&l, &d.population)?;
            Some((
                demand_with(&l, i, &spec.changes.population, analysis_crs)?,
                i,
            ))
        }
        None => None,
    };
    let network = scenario_network(
        cache,
        &network_layer,
        &spec.network.network_settings,
        &spec.changes.network,
        analysis_crs,
    )?;
    let origin = crs::from_display(&[(spec.origin.lon, spec.origin.lat)], analysis_crs)?[0];
    let start = network.locate(origin, &spec.network.snap).ok_or_else(|| {
        AnalysisError::Invalid(format!(
            "the point is farther than {} m from the network {:?}",
            spec.network.snap.max_distance_m, spec.network.network
        ))
    })?;
    let nearest = network.nearest(&[start], Direction::FromSources, Weight::Time);
    let units: Vec<(Coord<f64>, f64)> = population
        .iter()
        .flat_map(|(l, i)| {
            l.features.iter().filter_map(|f| {
                Some((
                    representative_point(&f.geometry)?,
                    f.properties[*i].as_f64().unwrap_or(0.0),
                ))
            })
        })
        .collect();
    let bands = spec
        .origin
        .minutes
        .iter()
        .map(|&minutes| {
            budget::check()?;
            let budget = minutes * 60.0;
            let mut pieces = reached_pieces(&network, &nearest.reached.time_s, &start, budget);
            if start.connector_s < budget && start.connector_m > 0.0 {
                let on = point_at(&network.edges[start.edge as usize].geometry, start.offset_m);
                pieces.push(LineString::from(vec![origin, on]));
            }
            let area = widen(&pieces, spec.origin.buffer_m)?;
            Ok(Isochrone {
                minutes,
                area_km2: area.unsigned_area() / 1e6,
                population: population
                    .as_ref()
                    .map(|_| population_near(&pieces, &units, spec.origin.buffer_m)),
                reached_nodes: nearest
                    .reached
                    .time_s
                    .iter()
                    .filter(|t| **t <= budget)
                    .count(),
                area,
            })
        })
        .collect::<Result<_, BudgetError>>()?;
    Ok(Isochrones {
        network_layer,
        origin,
        snap_m: start.connector_m,
        bands,
    })
}

/// The parts of every edge reachable within `budget` seconds, given the time to each node.
pub(crate) fn reached_pieces(
    network: &Network,
    time: &[f64],
    start: &Location,
    budget: f64,
) -> Vec<LineString<f64>> {
    let mut pieces = Vec::new();
    let reach = |remaining: f64, time_s: f64, length_m: f64| {
        if time_s > 0.0 {
            (remaining / time_s * length_m).min(length_m)
        } else {
            length_m
        }
    };
    for (i, e) in network.edges.iter().enumerate() {
        let (t_from, t_to) = (time[e.from as usize], time[e.to as usize]);
        let mut spans = Vec::new();
        if e.forward && t_from < budget {
            spans.push((0.0, reach(budget - t_from, e.time_s, e.length_m)));
        }
        if e.backward && t_to < budget {
            spans.push((
                e.length_m - reach(budget - t_to, e.time_s, e.length_m),
                e.length_m,
            ));
        }
        if i as u32 == start.edge && start.connector_s < budget {
            let d = reach(budget - start.connector_s, e.time_s, e.length_m);
            let from = if e.backward {
                (start.offset_m - d).max(0.0)
            } else {
                start.offset_m
            };
            let to = if e.forward {
                (start.offset_m + d).min(e.length_m)
            } else {
                start.offset_m
            };
            spans.push((from, to));
        }
        // Join overlapping spans, so each stretch of road is drawn once.
        spans.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut joined: Vec<(f64, f64)> = Vec::new();
        for (a, b) in spans {
            match joined.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => joined.push((a, b)),
            }
        }
        for (a, b) in joined {
            if b - a > 0.01 {
                pieces.push(substring(&e.geometry, a, b));
            }
        }
    }
    pieces
}

/// The point `at` metres along `line`.
fn point_at(line: &LineString<f64>, at: f64) -> Coord<f64> {
    substring(line, at, at).0[0]
}

/// The part of `line` between `from` and `to` metres along it.
fn substring(line: &LineString<f64>, from: f64, to: f64) -> LineString<f64> {
    let mut out: Vec<Coord<f64>> = Vec::new();
    let mut along = 0.0;
    for seg in line.lines() {
        let len = (seg.end.x - seg.start.x).hypot(seg.end.y - seg.start.y);
        let (s, e) = (along, along + len);
        if e >= from && s <= to {
            let at = |d: f64| {
                let t = if len > 0.0 {
                    ((d - s) / len).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                seg.start + (seg.end - seg.start) * t
            };
            if out.is_empty() {
                out.push(at(from.max(s)));
            }
            out.push(at(to.min(e)));
        }
        along = e;
    }
    if out.is_empty() {
        out.push(line.0.last().copied().unwrap_or(Coord { x: 0.0, y: 0.0 }));
    }
    if out.len() == 1 {
        out.push(out[0]);
    }
    LineString::from(out)
}

/// Bytes the overlay of geo's `Buffer` is estimated to need per outline edge or crossing.
const OVERLAY_BYTES: u64 = 128;
/// Outline edges per segment: its two sides and a round join (the default join angle of
/// 0.2 rad gives a few points per bend).
const OUTLINE_EDGES: u64 = 8;
/// Outline edges of the two round caps of a piece.
const CAP_EDGES: u64 = 64;
/// Segments sampled to estimate how many outlines overlap.
const SAMPLE: usize = 256;

/// `pieces` widened by `width` metres into polygons (geo's `Buffer`, round joins and caps).
///
/// Its memory is charged to the work budget first: the overlay handles every segment's
/// outline and every crossing between outlines that overlap. Crossings are estimated from a
/// sample of segments, each counting the segments that come within twice the width; wide
/// bands over dense roads overlap hundreds of times over. The pieces are then widened in
/// chunks of [`CHUNK_SEGMENTS`] and the chunks' polygons joined pairwise, with a budget check
/// between any two steps, so a stopped analysis stops within one small step.
pub(crate) fn widen(
    pieces: &[LineString<f64>],
    width: f64,
) -> Result<MultiPolygon<f64>, BudgetError> {
    budget::charge(
        "the polygon of the reached roads",
        widen_bytes(pieces, width),
    )?;
    let mut parts = Vec::new();
    let mut chunk = Vec::new();
    let mut segments = 0;
    for piece in pieces {
        segments += piece.0.len();
        chunk.push(piece.clone());
        if segments >= CHUNK_SEGMENTS {
            budget::check()?;
            parts.push(MultiLineString(std::mem::take(&mut chunk)).buffer(width));
            segments = 0;
        }
    }
    if !chunk.is_empty() {
        parts.push(MultiLineString(chunk).buffer(width));
    }
    while parts.len() > 1 {
        let mut joined = Vec::with_capacity(parts.len().div_ceil(2));
        let mut pairs = parts.into_iter();
        while let Some(a) = pairs.next() {
            budget::check()?;
            joined.push(match pairs.next() {
                Some(b) => a.union(&b),
                None => a,
            });
        }
        parts = joined;
    }
    Ok(parts.pop().unwrap_or_else(|| MultiPolygon::new(vec![])))
}

/// Segments widened in one uninterruptible step of [`widen`].
const CHUNK_SEGMENTS: usize = 2_000;

/// The memory estimate of [`widen`] (and of any round buffer of `pieces`), bytes.
pub(crate) fn widen_bytes(pieces: &[LineString<f64>], width: f64) -> u64 {
    let boxes: Vec<Rectangle<[f64; 2]>> = pieces
        .iter()
        .flat_map(|p| p.lines())
        .map(|l| Rectangle::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]))
        .collect();
    if boxes.is_empty() {
        return 0;
    }
    let segments = boxes.len() as u64;
    let step = boxes.len().div_ceil(SAMPLE);
    let reach = 2.0 * width;
    let tree = RTree::bulk_load(boxes.clone());
    let (mut sampled, mut overlaps) = (0u64, 0u64);
    for b in boxes.iter().step_by(step) {
        let (lo, hi) = (b.lower(), b.upper());
        let near = AABB::from_corners(
            [lo[0] - reach, lo[1] - reach],
            [hi[0] + reach, hi[1] + reach],
        );
        overlaps += tree.locate_in_envelope_intersecting(&near).count() as u64;
        sampled += 1;
    }
    let crossings = segments
        .saturating_mul(overlaps / sampled.max(1))
        .saturating_mul(2);
    let outline = segments * OUTLINE_EDGES + pieces.len() as u64 * CAP_EDGES;
    outline
        .saturating_add(crossings)
        .saturating_mul(OVERLAY_BYTES)
}

/// Population of units within `distance` of any piece.
fn population_near(pieces: &[LineString<f64>], units: &[(Coord<f64>, f64)], distance: f64) -> f64 {
    let segments: Vec<IndexLine<[f64; 2]>> = pieces
        .iter()
        .flat_map(|p| p.lines())
        .map(|l: Line<f64>| IndexLine::new([l.start.x, l.start.y], [l.end.x, l.end.y]))
        .collect();
    let tree = RTree::bulk_load(segments);
    units
        .iter()
        .filter(|(p, _)| {
            tree.nearest_neighbor(&[p.x, p.y])
                .is_some_and(|s| s.distance_2(&[p.x, p.y]) <= distance * distance)
        })
        .map(|(_, pop)| pop)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_cuts_inside_segments() {
        let line = LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)]);
        let part = substring(&line, 50.0, 150.0);
        assert_eq!(
            part.0,
            vec![
                Coord { x: 50.0, y: 0.0 },
                Coord { x: 100.0, y: 0.0 },
                Coord { x: 100.0, y: 50.0 }
            ]
        );
        assert_eq!(point_at(&line, 200.0), Coord { x: 100.0, y: 100.0 });
    }

    #[test]
    fn pieces_grow_with_the_budget_and_respect_one_way() {
        let net = crate::network::dijkstra::tests::grid(6);
        let snap = SnapSettings::default();
        let start = net.locate(Coord { x: 250.0, y: 250.0 }, &snap).unwrap();
        let nearest = net.nearest(&[start], Direction::FromSources, Weight::Time);
        let length = |b: f64| -> f64 {
            reached_pieces(&net, &nearest.reached.time_s, &start, b)
                .iter()
                .map(crate::network::length_of)
                .sum()
        };
        assert!(length(30.0) < length(60.0));
        assert!(length(60.0) < length(600.0));
        // Every stretch is covered once, and edges nobody can enter are never covered.
        let all: f64 = net
            .edges
            .iter()
            .filter(|e| {
                (e.forward && nearest.reached.time_s[e.from as usize].is_finite())
                    || (e.backward && nearest.reached.time_s[e.to as usize].is_finite())
            })
            .map(|e| e.length_m)
            .sum();
        assert!(length(1e6) <= all + net.edges[start.edge as usize].length_m + 1e-6);
    }
}
