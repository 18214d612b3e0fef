//! Multi-source Dijkstra: from every source at once, the nearest source of every node, and
//! from that of every located point, in one pass.
//!
//! The search runs over nodes; sources and targets sit anywhere on edges ([`Location`]), so
//! the pieces of edge between a location and the edge's ends are added at the start and at
//! the end, and a source and target on the same edge are also compared directly.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use super::{Location, Network};
use crate::analysis::budget;

/// What a search minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    /// Travel time.
    Time,
    /// Network distance.
    Length,
}

impl Weight {
    fn of(self, time_s: f64, length_m: f64) -> f64 {
        match self {
            Weight::Time => time_s,
            Weight::Length => length_m,
        }
    }
}

/// Which way travel goes relative to the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the sources outwards (what can be reached from a point: isochrones).
    FromSources,
    /// Towards the sources (how far each place is from its nearest service).
    ToSources,
}

/// A starting point of a search: a node, the cost already spent reaching it, and which source
/// it stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    /// The node.
    pub node: u32,
    /// Time already spent (seconds).
    pub time_s: f64,
    /// Distance already covered (metres).
    pub length_m: f64,
    /// The source it belongs to (caller's numbering).
    pub source: u32,
}

/// The cost of the best path to or from a source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Travel time (seconds).
    pub time_s: f64,
    /// Network distance, connectors included (metres).
    pub length_m: f64,
    /// The nearest source (caller's numbering).
    pub source: u32,
}

/// Per-node result of a search. Unreached nodes have infinite cost and no source.
#[derive(Debug, Clone)]
pub struct Reached {
    /// Time to (or from) the nearest source, per node.
    pub time_s: Vec<f64>,
    /// Distance along the path found, per node.
    pub length_m: Vec<f64>,
    /// The nearest source per node, `u32::MAX` when unreached.
    pub source: Vec<u32>,
    /// The edge over which each node was reached, `u32::MAX` for seeds and unreached nodes.
    pub via: Vec<u32>,
    /// What was minimised.
    pub weight: Weight,
}

impl Reached {
    /// The cost at `node`, when reached.
    pub fn at(&self, node: u32) -> Option<Cost> {
        let n = node as usize;
        (self.source[n] != u32::MAX).then(|| Cost {
            time_s: self.time_s[n],
            length_m: self.length_m[n],
            source: self.source[n],
        })
    }

    /// The edges of the best path between `node` and its source's seed node, starting at
    /// `node`.
    pub fn path(&self, network: &Network, node: u32) -> Vec<u32> {
        let mut edges = Vec::new();
        let mut at = node;
        while let Some(&edge) = self.via.get(at as usize).filter(|e| **e != u32::MAX) {
            edges.push(edge);
            let e = &network.edges[edge as usize];
            at = if e.to == at { e.from } else { e.to };
        }
        edges
    }

    /// The minimised quantity at `node` (infinite when unreached).
    pub fn weight_at(&self, node: u32) -> f64 {
        let n = node as usize;
        self.weight.of(self.time_s[n], self.length_m[n])
    }
}

/// The nearest of a set of located sources, for every node and for any located point.
#[derive(Debug, Clone)]
pub struct Nearest {
    /// Per-node result.
    pub reached: Reached,
    direction: Direction,
    /// Sources by the edge they sit on, for same-edge comparisons.
    on_edge: HashMap<u32, Vec<(u32, Location)>>,
}

impl Network {
    /// Multi-source Dijkstra from `seeds`, minimising `weight`, travelling as `direction` says,
    /// stopping at nodes whose cost exceeds `limit` (in seconds or metres). When this thread's
    /// work budget runs out the search stops early (see [`crate::analysis::budget`]).
    ///
    /// ```
    /// use geo::{Coord, LineString};
    /// use kartrummet::network::{Direction, Edge, Network, Seed, Weight};
    ///
    /// // 0 → 1 → 2, one-way, 10 s per edge.
    /// let nodes: Vec<Coord<f64>> = (0..3).map(|i| Coord { x: i as f64 * 100.0, y: 0.0 }).collect();
    /// let edge = |a: u32, b: u32| Edge { from: a, to: b,
    ///     geometry: LineString::from(vec![nodes[a as usize], nodes[b as usize]]),
    ///     length_m: 100.0, time_s: 10.0, forward: true, backward: false };
    /// let network = Network::new(nodes.clone(), vec![edge(0, 1), edge(1, 2)]);
    /// let seeds = [Seed { node: 2, time_s: 0.0, length_m: 0.0, source: 0 }];
    /// // Towards the source at node 2: node 0 is 20 s away.
    /// let to = network.nearest_from(&seeds, Direction::ToSources, Weight::Time, None);
    /// assert_eq!(to.at(0).unwrap().time_s, 20.0);
    /// // From node 2 nothing else can be reached: the street is one-way.
    /// let from = network.nearest_from(&seeds, Direction::FromSources, Weight::Time, None);
    /// assert!(from.at(0).is_none());
    /// ```
    pub fn nearest_from(
        &self,
        seeds: &[Seed],
        direction: Direction,
        weight: Weight,
        limit: Option<f64>,
    ) -> Reached {
        let n = self.nodes.len();
        let mut time = vec![f64::INFINITY; n];
        let mut length = vec![f64::INFINITY; n];
        let mut source = vec![u32::MAX; n];
        let mut via = vec![u32::MAX; n];
        let mut best = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::new();
        let limit = limit.unwrap_or(f64::INFINITY);
        for s in seeds {
            let w = weight.of(s.time_s, s.length_m);
            let i = s.node as usize;
            if w < best[i] && w <= limit {
                best[i] = w;
                time[i] = s.time_s;
                length[i] = s.length_m;
                source[i] = s.source;
                heap.push(Reverse((w.to_bits(), s.node)));
            }
        }
        let adjacency = match direction {
            Direction::FromSources => &self.outgoing,
            Direction::ToSources => &self.incoming,
        };
        while let Some(Reverse((bits, node))) = heap.pop() {
            if budget::tick().is_err() {
                // Out of budget: the caller's `budget::within` discards this partial result.
                break;
            }
            let w = f64::from_bits(bits);
            let i = node as usize;
            if w > best[i] {
                continue;
            }
            for arc in adjacency.of(node) {
                let e = &self.edges[arc.edge as usize];
                let (t, l) = (time[i] + e.time_s, length[i] + e.length_m);
                let next = weight.of(t, l);
                let j = arc.node as usize;
                if next < best[j] && next <= limit {
                    best[j] = next;
                    time[j] = t;
                    length[j] = l;
                    source[j] = source[i];
                    via[j] = arc.edge;
                    heap.push(Reverse((next.to_bits(), arc.node)));
                }
            }
        }
        Reached {
            time_s: time,
            length_m: length,
            source,
            via,
            weight,
        }
    }

    /// Cost of the piece of `edge` between offsets, going from the source's side to the
    /// target's side in `direction`.
    fn leg(
        &self,
        edge: u32,
        direction: Direction,
        source_m: f64,
        target_m: f64,
    ) -> Option<(f64, f64)> {
        match direction {
            Direction::FromSources => self.along(edge, source_m, target_m),
            Direction::ToSources => self.along(edge, target_m, source_m),
        }
    }

    /// The nearest of `sources` (numbered by their position) for every node and, through
    /// [`Nearest::at`], for any located point. Connector times count on both sides.
    ///
    /// ```
    /// use geo::{Coord, LineString};
    /// use kartrummet::network::{Direction, Edge, Network, SnapSettings, Weight};
    ///
    /// let nodes = vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 1000.0, y: 0.0 }];
    /// let edge = Edge { from: 0, to: 1, geometry: LineString::from(nodes.clone()),
    ///     length_m: 1000.0, time_s: 100.0, forward: true, backward: true };
    /// let network = Network::new(nodes, vec![edge]);
    /// let snap = SnapSettings::default();
    /// let shop = network.locate(Coord { x: 900.0, y: 0.0 }, &snap).unwrap();
    /// let home = network.locate(Coord { x: 100.0, y: 0.0 }, &snap).unwrap();
    /// let nearest = network.nearest(&[shop], Direction::ToSources, Weight::Time);
    /// let cost = nearest.at(&network, &home).unwrap();
    /// assert!((cost.time_s - 80.0).abs() < 1e-9);
    /// assert_eq!(cost.source, 0);
    /// ```
    pub fn nearest(&self, sources: &[Location], direction: Direction, weight: Weight) -> Nearest {
        let mut seeds = Vec::with_capacity(sources.len() * 2);
        let mut on_edge: HashMap<u32, Vec<(u32, Location)>> = HashMap::new();
        for (k, s) in sources.iter().enumerate() {
            let e = &self.edges[s.edge as usize];
            for (node, at) in [(e.from, 0.0), (e.to, e.length_m)] {
                if let Some((t, l)) = self.leg(s.edge, direction, s.offset_m, at) {
                    seeds.push(Seed {
                        node,
                        time_s: s.connector_s + t,
                        length_m: s.connector_m + l,
                        source: k as u32,
                    });
                }
            }
            on_edge.entry(s.edge).or_default().push((k as u32, *s));
        }
        Nearest {
            reached: self.nearest_from(&seeds, direction, weight, None),
            direction,
            on_edge,
        }
    }
}

impl Nearest {
    /// The cost between a located point and its nearest source, connectors included, or
    /// `None` when no source can be reached.
    pub fn at(&self, network: &Network, target: &Location) -> Option<Cost> {
        let weight = self.reached.weight;
        let e = &network.edges[target.edge as usize];
        let mut best: Option<Cost> = None;
        let mut consider = |time_s: f64, length_m: f64, source: u32| {
            let better =
                best.is_none_or(|b| weight.of(time_s, length_m) < weight.of(b.time_s, b.length_m));
            if better {
                best = Some(Cost {
                    time_s,
                    length_m,
                    source,
                });
            }
        };
        for (node, at) in [(e.from, 0.0), (e.to, e.length_m)] {
            let (Some(c), Some((t, l))) = (
                self.reached.at(node),
                network.leg(target.edge, self.direction, at, target.offset_m),
            ) else {
                continue;
            };
            consider(c.time_s + t, c.length_m + l, c.source);
        }
        for (k, s) in self.on_edge.get(&target.edge).into_iter().flatten() {
            if let Some((t, l)) =
                network.leg(target.edge, self.direction, s.offset_m, target.offset_m)
            {
                consider(s.connector_s + t, s.connector_m + l, *k);
            }
        }
        best.map(|c| Cost {
            time_s: c.time_s + target.connector_s,
            length_m: c.length_m + target.connector_m,
            source: c.source,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::network::{Edge, SnapSettings};
    use geo::{Coord, LineString};

    /// A grid of `size × size` nodes 100 m apart with pseudo-random speeds and some one-way
    /// edges.
    pub(crate) fn grid(size: u32) -> Network {
        let mut nodes = Vec::new();
        for y in 0..size {
            for x in 0..size {
                nodes.push(Coord {
                    x: f64::from(x) * 100.0,
                    y: f64::from(y) * 100.0,
                });
            }
        }
        let mut edges = Vec::new();
        let mut state = 12345u32;
        let mut next = || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) % 100
        };
        for y in 0..size {
            for x in 0..size {
                let a = y * size + x;
                for b in [
                    (x + 1 < size).then_some(a + 1),
                    (y + 1 < size).then_some(a + size),
                ]
                .into_iter()
                .flatten()
                {
                    let r = next();
                    let speed = 20.0 + f64::from(r % 7) * 10.0;
                    edges.push(Edge {
                        from: a,
                        to: b,
                        geometry: LineString::from(vec![nodes[a as usize], nodes[b as usize]]),
                        length_m: 100.0,
                        time_s: 100.0 / (speed / 3.6),
                        forward: r % 5 != 0,
                        backward: r % 5 != 1,
                    });
                }
            }
        }
        Network::new(nodes, edges)
    }

    /// Brute force: plain single-source Dijkstra over an explicit arc list, from one node.
    pub(crate) fn single_source(
        arcs: &[(usize, usize, f64)],
        nodes: usize,
        from: usize,
    ) -> Vec<f64> {
        let mut dist = vec![f64::INFINITY; nodes];
        let mut done = vec![false; nodes];
        dist[from] = 0.0;
        for _ in 0..nodes {
            let Some(u) = (0..nodes)
                .filter(|&i| !done[i] && dist[i].is_finite())
                .min_by(|&a, &b| dist[a].total_cmp(&dist[b]))
            else {
                break;
            };
            done[u] = true;
            for &(a, b, w) in arcs.iter().filter(|(a, _, _)| *a == u) {
                if dist[a] + w < dist[b] {
                    dist[b] = dist[a] + w;
                }
            }
        }
        dist
    }

    #[test]
    fn a_point_a_rounding_error_off_a_one_way_node_stands_on_it() {
        // One-way streets 1 → 0 and 1 → 2; a shop at node 0, a home 2 nm after node 1 on
        // the street to 2 (a rounding error): it reaches the shop through node 1.
        let nodes: Vec<Coord<f64>> = (0..3)
            .map(|i| Coord {
                x: f64::from(i) * 100.0,
                y: 0.0,
            })
            .collect();
        let edge = |a: u32, b: u32| Edge {
            from: a,
            to: b,
            geometry: LineString::from(vec![nodes[a as usize], nodes[b as usize]]),
            length_m: 100.0,
            time_s: 10.0,
            forward: true,
            backward: false,
        };
        let n = Network::new(nodes.clone(), vec![edge(1, 0), edge(1, 2)]);
        let shop = n
            .locate(Coord { x: 0.0, y: 0.0 }, &SnapSettings::default())
            .unwrap();
        let home = Location {
            edge: 1,
            offset_m: 2e-9,
            connector_m: 0.0,
            connector_s: 0.0,
        };
        let nearest = n.nearest(&[shop], Direction::ToSources, Weight::Time);
        let cost = nearest.at(&n, &home).expect("through node 1, not around");
        assert!((cost.time_s - 10.0).abs() < 1e-6);
    }

    #[test]
    fn multi_source_equals_brute_force_per_node() {
        let net = grid(7);
        let arcs: Vec<(usize, usize, f64)> = net
            .edges
            .iter()
            .flat_map(|e| {
                let (a, b) = (e.from as usize, e.to as usize);
                let f = e.forward.then_some((a, b, e.time_s));
                let r = e.backward.then_some((b, a, e.time_s));
                f.into_iter().chain(r)
            })
            .collect();
        let sources = [3u32, 20, 44];
        let seeds: Vec<Seed> = sources
            .iter()
            .enumerate()
            .map(|(k, &node)| Seed {
                node,
                time_s: 0.0,
                length_m: 0.0,
                source: k as u32,
            })
            .collect();
        let reached = net.nearest_from(&seeds, Direction::ToSources, Weight::Time, None);
        for node in 0..net.nodes.len() {
            let brute = sources
                .iter()
                .map(|&s| single_source(&arcs, net.nodes.len(), node)[s as usize])
                .fold(f64::INFINITY, f64::min);
            let got = reached.weight_at(node as u32);
            assert!(
                (brute.is_infinite() && got.is_infinite()) || (brute - got).abs() < 1e-9,
                "node {node}: brute {brute}, multi {got}"
            );
        }
    }

    #[test]
    fn same_edge_source_and_one_way() {
        // One edge 0 → 1, one-way, 1000 m in 100 s.
        let nodes = vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 1000.0, y: 0.0 }];
        let edge = Edge {
            from: 0,
            to: 1,
            geometry: LineString::from(nodes.clone()),
            length_m: 1000.0,
            time_s: 100.0,
            forward: true,
            backward: false,
        };
        let net = Network::new(nodes, vec![edge]);
        let snap = SnapSettings {
            max_distance_m: 10.0,
            connector_speed_kmh: 36.0,
        };
        let shop = net.locate(Coord { x: 700.0, y: 0.0 }, &snap).unwrap();
        let before = net.locate(Coord { x: 200.0, y: 10.0 }, &snap).unwrap();
        let after = net.locate(Coord { x: 900.0, y: 0.0 }, &snap).unwrap();
        let nearest = net.nearest(&[shop], Direction::ToSources, Weight::Time);
        let c = nearest.at(&net, &before).unwrap();
        // 500 m along the edge (50 s) plus a 10 m connector at 10 m/s.
        assert!((c.time_s - 51.0).abs() < 1e-9, "{c:?}");
        assert!((c.length_m - 510.0).abs() < 1e-9);
        assert!(
            nearest.at(&net, &after).is_none(),
            "cannot drive back on a one-way edge"
        );
        // From the shop outwards it is the other way round.
        let out = net.nearest(&[shop], Direction::FromSources, Weight::Time);
        assert!(out.at(&net, &before).is_none());
        assert!((out.at(&net, &after).unwrap().time_s - 20.0).abs() < 1e-9);
    }

    #[test]
    fn limit_stops_the_search() {
        let net = grid(5);
        let seeds = [Seed {
            node: 0,
            time_s: 0.0,
            length_m: 0.0,
            source: 0,
        }];
        let all = net.nearest_from(&seeds, Direction::FromSources, Weight::Length, None);
        let some = net.nearest_from(&seeds, Direction::FromSources, Weight::Length, Some(250.0));
        for n in 0..25u32 {
            match some.at(n) {
                Some(c) => assert_eq!(c.length_m, all.at(n).unwrap().length_m),
                None => assert!(all.at(n).is_none_or(|c| c.length_m > 250.0)),
            }
        }
    }
}
