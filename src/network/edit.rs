//! Scenario edits of a network, applied to a copy: roads closed (gone for snapping and
//! routing), given a new speed, or added as new links noded to the network. Geometry is in
//! the analysis CRS; this module knows nothing of requests or WGS84.
//!
//! A new link is noded where it crosses an edge (the edge is split there, at a new node) and
//! at each end that lies within [`LINK_END_TOLERANCE_M`] of the network (the nearest edge is
//! split at the nearest point, and the link reaches it by a straight piece); an end farther
//! away starts a new node. Links are noded to the network, not to each other.

use std::collections::{BTreeSet, HashMap, HashSet};

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{BoundingRect, Coord, Intersects, Line, LineString, MultiPolygon};
use rstar::AABB;
use serde::Serialize;

use super::{Edge, Network, NetworkError, SnapSettings, length_of};
use crate::analysis::budget;

/// An end of a new link within this many metres of an edge is joined to it.
pub const LINK_END_TOLERANCE_M: f64 = 50.0;

/// Cut points closer than this along an edge are one node (metres).
const SAME_POINT_M: f64 = 0.01;

/// Memory estimate of one edge of an edited copy: the edge with a short geometry, its arcs
/// and segments (bytes).
const EDGE_BYTES: u64 = 240;

/// Which edges an edit affects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Every edge whose geometry intersects the area.
    Within(MultiPolygon<f64>),
    /// Every edge that came from one of these features of the network layer
    /// ([`Network::feature_of`]).
    Features(HashSet<u64>),
}

/// A new road.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Its line, drawn from its start to its end.
    pub line: LineString<f64>,
    /// Its speed in km/h (positive).
    pub speed_kmh: f64,
    /// Travelled only in the direction it is drawn.
    pub oneway: bool,
}

/// The edits of one scenario. Speeds are set first, then roads close (a closed road stays
/// closed whatever its speed), then links are added to what remains.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edits {
    /// Roads that close.
    pub close: Vec<Selection>,
    /// Roads given a new speed in km/h (positive).
    pub speed: Vec<(Selection, f64)>,
    /// New roads.
    pub links: Vec<Link>,
}

/// What the edits of a network did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EditReport {
    /// Edges of the baseline removed.
    pub edges_closed: usize,
    /// Edges of the baseline given a new speed (closed ones included).
    pub edges_speed_changed: usize,
    /// Links added.
    pub links_added: usize,
    /// Edges split where a link crosses them or ends on them.
    pub edges_split: usize,
}

impl Network {
    /// A copy of the network with `edits` applied; `self` is untouched. Node numbers of the
    /// baseline stay (a closed road leaves its nodes unconnected); new nodes follow them.
    ///
    /// ```
    /// use geo::{Coord, LineString};
    /// use kartrummet::network::{Edge, Edits, Link, Network, Selection};
    ///
    /// // A straight road 0 → 1 → 2, 100 m per edge, 10 s each.
    /// let nodes: Vec<Coord<f64>> = (0..3).map(|i| Coord { x: i as f64 * 100.0, y: 0.0 }).collect();
    /// let edge = |a: usize, b: usize| Edge { from: a as u32, to: b as u32,
    ///     geometry: LineString::from(vec![nodes[a], nodes[b]]),
    ///     length_m: 100.0, time_s: 10.0, forward: true, backward: true };
    /// let road = Network::new(nodes.clone(), vec![edge(0, 1), edge(1, 2)]);
    /// // Close the first edge, and add a link crossing the second at x = 150.
    /// let area = geo::Rect::new(Coord { x: 10.0, y: -5.0 }, Coord { x: 20.0, y: 5.0 }).to_polygon();
    /// let edits = Edits {
    ///     close: vec![Selection::Within(area.into())],
    ///     links: vec![Link { line: LineString::from(vec![(150.0, -500.0), (150.0, 500.0)]),
    ///         speed_kmh: 36.0, oneway: false }],
    ///     ..Edits::default()
    /// };
    /// let edited = road.edited(&edits)?;
    /// let report = edited.summary().edits.unwrap();
    /// assert_eq!((report.edges_closed, report.links_added, report.edges_split), (1, 1, 1));
    /// // Edge 1–2 split in two, and the link in two pieces at the new node (150, 0).
    /// assert_eq!(edited.edges.len(), 4);
    /// assert_eq!(edited.nodes[3], Coord { x: 150.0, y: 0.0 });
    /// assert_eq!(road.edges.len(), 2, "the baseline is untouched");
    /// # Ok::<(), kartrummet::network::NetworkError>(())
    /// ```
    pub fn edited(&self, edits: &Edits) -> Result<Network, NetworkError> {
        budget::charge("editing the network", self.edges.len() as u64 * EDGE_BYTES)?;
        let mut report = EditReport::default();
        let mut edges = self.edges.clone();
        let mut changed = BTreeSet::new();
        for (selection, speed_kmh) in &edits.speed {
            for e in self.select(selection)? {
                let edge = &mut edges[e as usize];
                edge.time_s = edge.length_m / (speed_kmh / 3.6);
                changed.insert(e);
            }
        }
        let mut closed = BTreeSet::new();
        for selection in &edits.close {
            closed.extend(self.select(selection)?);
        }
        report.edges_speed_changed = changed.len();
        report.edges_closed = closed.len();
        let mut features = Vec::with_capacity(edges.len());
        let kept: Vec<Edge> = edges
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !closed.contains(&(*i as u32)))
            .map(|(i, e)| {
                features.push(self.feature_of(i as u32));
                e
            })
            .collect();
        let open = self.like(self.nodes.clone(), kept, features);
        let mut edited = if edits.links.is_empty() {
            open
        } else {
            open.with_links(&edits.links, &mut report)?
        };
        edited.summary.edits = Some(report);
        Ok(edited)
    }

    /// A network of these nodes and edges with this network's build details.
    fn like(&self, nodes: Vec<Coord<f64>>, edges: Vec<Edge>, features: Vec<Option<u64>>) -> Self {
        Network::with_details(
            nodes,
            edges,
            features,
            self.summary.skipped_features,
            self.summary.speed_sources.clone(),
        )
    }

    /// The edges `selection` picks, in order.
    fn select(&self, selection: &Selection) -> Result<BTreeSet<u32>, NetworkError> {
        let mut out = BTreeSet::new();
        match selection {
            Selection::Within(area) => {
                let Some(rect) = area.bounding_rect() else {
                    return Ok(out);
                };
                let envelope =
                    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                for segment in self.segments.locate_in_envelope_intersecting(&envelope) {
                    budget::tick()?;
                    let (edge, _) = segment.data;
                    if !out.contains(&edge) && area.intersects(&line_of(segment.geom())) {
                        out.insert(edge);
                    }
                }
            }
            Selection::Features(ids) => {
                for (i, feature) in self.features.iter().enumerate() {
                    if feature.is_some_and(|f| ids.contains(&f)) {
                        out.insert(i as u32);
                    }
                }
            }
        }
        Ok(out)
    }

    /// This network with `links` added, noded where they cross edges or end near them.
    fn with_links(self, links: &[Link], report: &mut EditReport) -> Result<Network, NetworkError> {
        let mut nodes = self.nodes.clone();
        let mut cuts = Cuts::default();
        let mut pieces: Vec<(Vec<(f64, u32)>, &Link)> = Vec::with_capacity(links.len());
        let near = SnapSettings {
            max_distance_m: LINK_END_TOLERANCE_M,
            connector_speed_kmh: 1.0,
        };
        for link in links {
            let line = &link.line;
            let (Some(&first), Some(&last)) = (line.0.first(), line.0.last()) else {
                continue;
            };
            let mut on_link = Vec::new();
            let mut along = 0.0;
            for segment in line.lines() {
                let envelope = AABB::from_corners(
                    [segment.start.x, segment.start.y],
                    [segment.end.x, segment.end.y],
                );
                for crossed in self.segments.locate_in_envelope_intersecting(&envelope) {
                    budget::tick()?;
                    let (edge, start) = crossed.data;
                    let other = line_of(crossed.geom());
                    let points = match line_intersection(segment, other) {
                        None => continue,
                        Some(LineIntersection::SinglePoint { intersection, .. }) => {
                            vec![intersection]
                        }
                        Some(LineIntersection::Collinear { intersection }) => {
                            vec![intersection.start, intersection.end]
                        }
                    };
                    for p in points {
                        let node =
                            cuts.node(&self, &mut nodes, edge, start + distance(other.start, p), p);
                        on_link.push((along + distance(segment.start, p), node));
                    }
                }
                along += distance(segment.start, segment.end);
            }
            for (end, offset) in [(first, 0.0), (last, along)] {
                let node = match self.locate(end, &near) {
                    Some(at) => {
                        let p = point_at(&self.edges[at.edge as usize].geometry, at.offset_m);
                        cuts.node(&self, &mut nodes, at.edge, at.offset_m, p)
                    }
                    None => {
                        nodes.push(end);
                        (nodes.len() - 1) as u32
                    }
                };
                on_link.push((offset, node));
            }
            budget::charge("adding links", on_link.len() as u64 * EDGE_BYTES)?;
            on_link.sort_by(|a, b| a.0.total_cmp(&b.0));
            pieces.push((on_link, link));
        }
        let mut edges = Vec::with_capacity(self.edges.len() + cuts.0.len() * 2);
        let mut features = Vec::with_capacity(edges.capacity());
        for (i, e) in self.edges.iter().enumerate() {
            let feature = self.feature_of(i as u32);
            let Some(at) = cuts.0.get_mut(&(i as u32)) else {
                edges.push(e.clone());
                features.push(feature);
                continue;
            };
            report.edges_split += 1;
            at.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut stops = vec![(0.0, e.from)];
            stops.extend(at.iter().copied());
            stops.push((e.length_m, e.to));
            for w in stops.windows(2) {
                let ((a, from), (b, to)) = (w[0], w[1]);
                let geometry = piece(&e.geometry, a, b, nodes[from as usize], nodes[to as usize]);
                let length_m = length_of(&geometry);
                let time_s = if e.length_m > 0.0 {
                    e.time_s * (b - a) / e.length_m
                } else {
                    0.0
                };
                edges.push(Edge {
                    from,
                    to,
                    geometry,
                    length_m,
                    time_s,
                    ..e.clone()
                });
                features.push(feature);
            }
        }
        for (stops, link) in pieces {
            report.links_added += 1;
            for w in stops.windows(2) {
                let ((a, from), (b, to)) = (w[0], w[1]);
                if from == to {
                    continue;
                }
                let geometry = piece(&link.line, a, b, nodes[from as usize], nodes[to as usize]);
                let length_m = length_of(&geometry);
                edges.push(Edge {
                    from,
                    to,
                    geometry,
                    length_m,
                    time_s: length_m / (link.speed_kmh / 3.6),
                    forward: true,
                    backward: !link.oneway,
                });
                features.push(None);
            }
        }
        Ok(self.like(nodes, edges, features))
    }
}

/// Where edges are cut: per edge, the offsets along it and the new node at each.
#[derive(Default)]
struct Cuts(HashMap<u32, Vec<(f64, u32)>>);

impl Cuts {
    /// The node at `offset_m` along `edge` (at `p`): an end of the edge when the offset is at
    /// one, a cut made there before, else a new node.
    fn node(
        &mut self,
        network: &Network,
        nodes: &mut Vec<Coord<f64>>,
        edge: u32,
        offset_m: f64,
        p: Coord<f64>,
    ) -> u32 {
        let e = &network.edges[edge as usize];
        if offset_m <= SAME_POINT_M {
            return e.from;
        }
        if offset_m >= e.length_m - SAME_POINT_M {
            return e.to;
        }
        let at = self.0.entry(edge).or_default();
        if let Some(&(_, node)) = at
            .iter()
            .find(|(o, _)| (o - offset_m).abs() <= SAME_POINT_M)
        {
            return node;
        }
        nodes.push(p);
        let node = (nodes.len() - 1) as u32;
        at.push((offset_m, node));
        node
    }
}

fn line_of(segment: &rstar::primitives::Line<[f64; 2]>) -> Line<f64> {
    let ([ax, ay], [bx, by]) = (segment.from, segment.to);
    Line::new(Coord { x: ax, y: ay }, Coord { x: bx, y: by })
}

fn distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (b.x - a.x).hypot(b.y - a.y)
}

/// The point `offset_m` metres along `line` (its end when beyond it).
fn point_at(line: &LineString<f64>, offset_m: f64) -> Coord<f64> {
    let mut along = 0.0;
    for segment in line.lines() {
        let length = distance(segment.start, segment.end);
        if along + length >= offset_m && length > 0.0 {
            let t = ((offset_m - along) / length).clamp(0.0, 1.0);
            return segment.start + (segment.end - segment.start) * t;
        }
        along += length;
    }
    line.0.last().copied().unwrap_or(Coord { x: 0.0, y: 0.0 })
}

/// The piece of `line` between `from_m` and `to_m` metres along it, starting at `start` and
/// ending at `end` (the nodes there) with the line's vertices in between.
fn piece(
    line: &LineString<f64>,
    from_m: f64,
    to_m: f64,
    start: Coord<f64>,
    end: Coord<f64>,
) -> LineString<f64> {
    let mut coords = vec![start];
    let mut along = 0.0;
    for pair in line.0.windows(2) {
        along += distance(pair[0], pair[1]);
        if along > from_m + SAME_POINT_M && along < to_m - SAME_POINT_M {
            coords.push(pair[1]);
        }
    }
    coords.push(end);
    LineString::from(coords)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Direction, Seed, Weight};

    /// A 3 × 3 grid of nodes 100 m apart, two-way edges of 10 s, each its own feature
    /// (ids 1, 2, … in edge order).
    fn grid() -> Network {
        let nodes: Vec<Coord<f64>> = (0..9)
            .map(|i| Coord {
                x: f64::from(i % 3) * 100.0,
                y: f64::from(i / 3) * 100.0,
            })
            .collect();
        let mut edges = Vec::new();
        for i in 0..9u32 {
            for j in [i + 1, i + 3] {
                if j < 9 && (j == i + 3 || i % 3 != 2) {
                    edges.push(Edge {
                        from: i,
                        to: j,
                        geometry: LineString::from(vec![nodes[i as usize], nodes[j as usize]]),
                        length_m: 100.0,
                        time_s: 10.0,
                        forward: true,
                        backward: true,
                    });
                }
            }
        }
        let features = (1..=edges.len() as u64).map(Some).collect();
        Network::with_details(nodes, edges, features, 0, Default::default())
    }

    fn time(n: &Network, from: u32, to: u32) -> f64 {
        let seeds = [Seed {
            node: from,
            time_s: 0.0,
            length_m: 0.0,
            source: 0,
        }];
        n.nearest_from(&seeds, Direction::FromSources, Weight::Time, None)
            .time_s[to as usize]
    }

    fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
        geo::Rect::new(
            Coord { x, y },
            Coord {
                x: x + side,
                y: y + side,
            },
        )
        .to_polygon()
        .into()
    }

    #[test]
    fn closing_by_area_and_by_feature_removes_edges_for_routing_and_snapping() {
        let g = grid();
        assert_eq!(time(&g, 0, 8), 40.0);
        // The centre node's four edges touch the small square around it.
        let closed = g
            .edited(&Edits {
                close: vec![Selection::Within(square(95.0, 95.0, 10.0))],
                ..Edits::default()
            })
            .unwrap();
        assert_eq!(closed.summary().edits.unwrap().edges_closed, 4);
        assert_eq!(closed.edges.len(), g.edges.len() - 4);
        assert_eq!(time(&closed, 0, 8), 40.0, "around the centre");
        assert!(time(&closed, 0, 4).is_infinite(), "the centre is cut off");
        // Snapping: a point at the centre now attaches to an edge of the border.
        let at = closed
            .locate(Coord { x: 100.0, y: 110.0 }, &SnapSettings::default())
            .unwrap();
        assert!((at.connector_m - 90.0).abs() < 1e-9);
        // By feature: edge 0–1 is feature 1; the way round from 0 to 1 takes 30 s.
        let one = g
            .edited(&Edits {
                close: vec![Selection::Features(HashSet::from([1]))],
                ..Edits::default()
            })
            .unwrap();
        assert_eq!(time(&one, 0, 1), 30.0);
        assert_eq!(one.feature_of(0), Some(2), "features follow the kept edges");
        assert_eq!(time(&g, 0, 1), 10.0, "baseline untouched");
    }

    #[test]
    fn speed_changes_set_time_from_length() {
        let g = grid();
        let bottom = Selection::Within(
            geo::Rect::new(Coord { x: -1.0, y: -1.0 }, Coord { x: 201.0, y: 1.0 })
                .to_polygon()
                .into(),
        );
        let row = g
            .edited(&Edits {
                speed: vec![(bottom.clone(), 72.0)],
                close: vec![],
                links: vec![],
            })
            .unwrap();
        // A thin box around the bottom row touches it and the verticals starting on it; the
        // bottom row at 72 km/h: 100 m in 5 s.
        assert_eq!(row.summary().edits.unwrap().edges_speed_changed, 5);
        assert_eq!(time(&row, 0, 2), 10.0);
        // Closed beats speed.
        let both = g
            .edited(&Edits {
                speed: vec![(bottom.clone(), 72.0)],
                close: vec![bottom],
                links: vec![],
            })
            .unwrap();
        assert!(time(&both, 0, 2) > 10.0);
    }

    #[test]
    fn links_node_at_crossings_and_near_ends() {
        let g = grid();
        // A one-way diagonal shortcut from 5 m off node 0 through node 4 to node 8: it meets
        // the network at nodes only.
        let diagonal = Link {
            line: LineString::from(vec![(-3.0, -4.0), (0.0, 0.0), (200.0, 200.0)]),
            speed_kmh: 36.0,
            oneway: true,
        };
        let n = g
            .edited(&Edits {
                links: vec![diagonal],
                ..Edits::default()
            })
            .unwrap();
        let report = n.summary().edits.unwrap();
        assert_eq!(report.links_added, 1);
        // The start is 5 m from node 0 and joins it: no split anywhere.
        assert_eq!((n.nodes.len(), report.edges_split), (9, 0));
        // 0 → 8 along the diagonal: 2 × 141.4 m at 10 m/s.
        let expected = 2.0 * 100f64.hypot(100.0) / 10.0;
        assert!(
            (time(&n, 0, 8) - expected).abs() < 1e-6,
            "{}",
            time(&n, 0, 8)
        );
        // One-way: back the old way.
        assert_eq!(time(&n, 8, 0), 40.0);

        // A link crossing the edge 0–1 at x = 50 and ending far from the network.
        let spur = Link {
            line: LineString::from(vec![(50.0, 40.0), (50.0, -1000.0)]),
            speed_kmh: 36.0,
            oneway: false,
        };
        let n = g
            .edited(&Edits {
                links: vec![spur],
                ..Edits::default()
            })
            .unwrap();
        let report = n.summary().edits.unwrap();
        assert_eq!(report.edges_split, 1);
        // Start: 40 m from edge 0–1, within the tolerance: split at (50, 0) — the same point
        // as the crossing; end: a new node far away.
        assert_eq!(n.nodes.len(), 11);
        assert_eq!(n.nodes[9], Coord { x: 50.0, y: 0.0 });
        assert_eq!(
            n.nodes[10],
            Coord {
                x: 50.0,
                y: -1000.0
            }
        );
        assert!((time(&n, 0, 10) - (5.0 + 100.0)).abs() < 1e-9);
        // The split halves keep the feature of the edge they split.
        let halves: Vec<u32> = (0..n.edges.len() as u32)
            .filter(|&e| n.feature_of(e) == Some(1))
            .collect();
        assert_eq!(halves.len(), 2);
        assert!(
            halves
                .iter()
                .all(|&e| (n.edges[e as usize].time_s - 5.0).abs() < 1e-9)
        );
    }

    #[test]
    fn degenerate_links_do_not_panic() {
        let g = grid();
        for line in [
            LineString::from(Vec::<Coord<f64>>::new()),
            LineString::from(vec![(50.0, 0.0)]),
            LineString::from(vec![(50.0, 0.0), (50.0, 0.0)]),
            LineString::from(vec![(0.0, 0.0), (200.0, 0.0)]),
        ] {
            let n = g
                .edited(&Edits {
                    links: vec![Link {
                        line,
                        speed_kmh: 50.0,
                        oneway: false,
                    }],
                    ..Edits::default()
                })
                .unwrap();
            assert!(n.edges.len() >= g.edges.len());
        }
    }
}
