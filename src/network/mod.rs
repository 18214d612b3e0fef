//! Routable road networks built from any line layer, snapping onto them and nearest-source
//! searches over them.
//!
//! - [`build`]: nodes and edges from a line layer, speeds, one-way streets.
//! - [`components`]: connected pieces of the network.
//! - [`snap`]: attaching points to the nearest edge, with a straight connector.
//! - [`dijkstra`]: multi-source shortest paths, nearest source per node and per location.
//! - [`cache`]: built networks kept in memory, keyed by layer version and settings.
//! - [`edit`]: scenario edits on a copy: roads closed, given a new speed, or added.
//!
//! Everything is in the analysis CRS (EPSG:3006, metres); times are seconds.

pub mod build;
pub mod cache;
pub mod components;
pub mod dijkstra;
pub mod edit;
pub mod snap;

use geo::{Coord, LineString};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};
use serde::Serialize;

use crate::analysis::budget::BudgetError;
use crate::range::OutOfRange;

pub use build::{NetworkSettings, SpeedSource};
pub use cache::NetworkCache;
pub use components::Components;
pub use dijkstra::{Cost, Direction, Nearest, Reached, Seed, Weight};
pub use edit::{EditReport, Edits, Link, Selection};
pub use snap::{Location, SnapSettings};

/// Errors building a network.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The layer holds no lines.
    #[error("layer {layer:?} has {kind} features, not lines; a network needs a line layer")]
    NotLines {
        /// Layer id.
        layer: String,
        /// Its geometry kind.
        kind: String,
    },
    /// A field named in the settings does not exist.
    #[error("layer {layer:?} has no field {field:?} (asked for as the {role} field)")]
    NoSuchField {
        /// Layer id.
        layer: String,
        /// The missing field.
        field: String,
        /// What it was meant for.
        role: &'static str,
    },
    /// A speed in the settings is out of range.
    #[error(transparent)]
    BadSpeed(OutOfRange),
    /// The join tolerance is out of range.
    #[error(transparent)]
    BadJoinTolerance(OutOfRange),
    /// Snap settings out of range.
    #[error(transparent)]
    BadSnap(OutOfRange),
    /// Building ran out of the analysis's work budget.
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// Nothing routable came out of the layer.
    #[error("layer {0:?} gives no routable edges")]
    Empty(String),
}

/// One edge between two nodes: a road piece with its geometry from `from` to `to`.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Node at the start of the geometry.
    pub from: u32,
    /// Node at the end of the geometry.
    pub to: u32,
    /// Geometry in the analysis CRS, from `from` to `to`.
    pub geometry: LineString<f64>,
    /// Length in metres.
    pub length_m: f64,
    /// Travel time in seconds over the whole edge.
    pub time_s: f64,
    /// Whether it may be travelled from `from` to `to`.
    pub forward: bool,
    /// Whether it may be travelled from `to` to `from`.
    pub backward: bool,
}

/// One arc of the adjacency: travel from a node over `edge` to `node`.
#[derive(Debug, Clone, Copy)]
struct Arc {
    node: u32,
    edge: u32,
}

/// Adjacency in compressed-row form: arcs of node `n` are `arcs[offsets[n]..offsets[n + 1]]`.
#[derive(Debug, Default)]
struct Adjacency {
    offsets: Vec<u32>,
    arcs: Vec<Arc>,
}

impl Adjacency {
    fn new(node_count: usize, arcs: impl Iterator<Item = (u32, Arc)> + Clone) -> Self {
        let mut offsets = vec![0u32; node_count + 1];
        for (from, _) in arcs.clone() {
            offsets[from as usize + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut out = vec![Arc { node: 0, edge: 0 }; offsets[node_count] as usize];
        for (from, arc) in arcs {
            out[fill[from as usize] as usize] = arc;
            fill[from as usize] += 1;
        }
        Self { offsets, arcs: out }
    }

    fn of(&self, node: u32) -> &[Arc] {
        let n = node as usize;
        &self.arcs[self.offsets[n] as usize..self.offsets[n + 1] as usize]
    }
}

/// A segment of an edge in the snapping index: the edge and the distance along it where the
/// segment starts.
type Segment = GeomWithData<Line<[f64; 2]>, (u32, f64)>;

/// Figures about a built network, for reports and API responses.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkSummary {
    /// Number of nodes.
    pub nodes: usize,
    /// Number of edges (a two-way road piece counts once).
    pub edges: usize,
    /// Edges that may be travelled in one direction only.
    pub oneway_edges: usize,
    /// Total length in kilometres.
    pub length_km: f64,
    /// Number of connected pieces (ignoring direction).
    pub components: usize,
    /// Nodes in each piece, largest first (at most 20 listed).
    pub component_sizes: Vec<usize>,
    /// Features of the layer that gave no edge (no line geometry or missing node ids).
    pub skipped_features: usize,
    /// Where edge speeds came from: edges per source.
    pub speed_sources: std::collections::BTreeMap<SpeedSource, usize>,
    /// What scenario edits did, for an edited network ([`Network::edited`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edits: Option<EditReport>,
}

/// A routable network: nodes, edges, adjacency in both directions and a segment index.
#[derive(Debug)]
pub struct Network {
    /// Node positions in the analysis CRS.
    pub nodes: Vec<Coord<f64>>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// Connected pieces.
    pub components: Components,
    /// The id of the layer feature each edge came from (none for joins and added links);
    /// empty when no edge has one.
    features: Vec<Option<u64>>,
    outgoing: Adjacency,
    incoming: Adjacency,
    segments: RTree<Segment>,
    summary: NetworkSummary,
}

impl Network {
    /// Builds adjacency, components and the snapping index from nodes and edges. Edges that
    /// may be travelled in neither direction are kept for geometry but never routed over.
    ///
    /// ```
    /// use geo::{Coord, LineString};
    /// use kartrummet::network::{Edge, Network};
    ///
    /// let nodes = vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 100.0, y: 0.0 }];
    /// let edge = Edge {
    ///     from: 0,
    ///     to: 1,
    ///     geometry: LineString::from(nodes.clone()),
    ///     length_m: 100.0,
    ///     time_s: 10.0,
    ///     forward: true,
    ///     backward: false,
    /// };
    /// let network = Network::new(nodes, vec![edge]);
    /// assert_eq!(network.summary().oneway_edges, 1);
    /// assert_eq!(network.summary().components, 1);
    /// ```
    pub fn new(nodes: Vec<Coord<f64>>, edges: Vec<Edge>) -> Self {
        Self::with_details(nodes, edges, Vec::new(), 0, Default::default())
    }

    /// As [`Network::new`], with the source feature of each edge (or none at all), the
    /// features that gave no edge and where speeds came from.
    fn with_details(
        nodes: Vec<Coord<f64>>,
        edges: Vec<Edge>,
        features: Vec<Option<u64>>,
        skipped_features: usize,
        speed_sources: std::collections::BTreeMap<SpeedSource, usize>,
    ) -> Self {
        let n = nodes.len();
        let forward = edges.iter().enumerate().flat_map(|(i, e)| {
            let i = i as u32;
            let ahead = e.forward.then_some((
                e.from,
                Arc {
                    node: e.to,
                    edge: i,
                },
            ));
            let back = e.backward.then_some((
                e.to,
                Arc {
                    node: e.from,
                    edge: i,
                },
            ));
            ahead.into_iter().chain(back)
        });
        let outgoing = Adjacency::new(n, forward.clone());
        let incoming = Adjacency::new(
            n,
            forward.map(|(from, arc)| {
                (
                    arc.node,
                    Arc {
                        node: from,
                        edge: arc.edge,
                    },
                )
            }),
        );
        let mut segments = Vec::new();
        for (i, e) in edges.iter().enumerate() {
            let mut along = 0.0;
            for line in e.geometry.lines() {
                let seg = Line::new([line.start.x, line.start.y], [line.end.x, line.end.y]);
                segments.push(GeomWithData::new(seg, (i as u32, along)));
                along += (line.end - line.start).x.hypot((line.end - line.start).y);
            }
        }
        let components = Components::of(n, edges.iter().map(|e| (e.from, e.to)));
        let summary = NetworkSummary {
            nodes: n,
            edges: edges.len(),
            oneway_edges: edges.iter().filter(|e| e.forward != e.backward).count(),
            length_km: edges.iter().map(|e| e.length_m).sum::<f64>() / 1000.0,
            components: components.count(),
            component_sizes: components.sizes().iter().take(20).copied().collect(),
            skipped_features,
            speed_sources,
            edits: None,
        };
        let features = if features.iter().any(Option::is_some) {
            features
        } else {
            Vec::new()
        };
        Self {
            nodes,
            edges,
            components,
            features,
            outgoing,
            incoming,
            segments: RTree::bulk_load(segments),
            summary,
        }
    }

    /// Figures about the network.
    pub fn summary(&self) -> &NetworkSummary {
        &self.summary
    }

    /// The id of the layer feature `edge` came from; none for the links joining pieces, for
    /// added links and in networks not built from a layer. Where several features share a
    /// road piece (vertex mode), the first of them.
    pub fn feature_of(&self, edge: u32) -> Option<u64> {
        self.features.get(edge as usize).copied().flatten()
    }

    /// Time and length of travelling along `edge` from `from_m` to `to_m` metres after its
    /// start, when the edge may be travelled that way. A piece shorter than a micrometre may
    /// always be travelled: a point located a rounding error from a node of a one-way edge
    /// stands on that node.
    pub fn along(&self, edge: u32, from_m: f64, to_m: f64) -> Option<(f64, f64)> {
        let e = &self.edges[edge as usize];
        let allowed = if to_m >= from_m {
            e.forward
        } else {
            e.backward
        } || (to_m - from_m).abs() < 1e-6;
        if !allowed {
            return None;
        }
        let length = (to_m - from_m).abs();
        let time = if e.length_m > 0.0 {
            e.time_s * length / e.length_m
        } else {
            0.0
        };
        Some((time, length))
    }
}

/// Euclidean length of a line string.
pub(crate) fn length_of(line: &LineString<f64>) -> f64 {
    line.lines()
        .map(|l| (l.end.x - l.start.x).hypot(l.end.y - l.start.y))
        .sum()
}
