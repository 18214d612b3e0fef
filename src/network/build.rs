//! Building a [`Network`] from a line layer.
//!
//! Nodes come from explicit from/to node fields (OSM `u`/`v`) when the layer has them, else
//! from the vertices: every distinct vertex is a node, so lines that share a vertex meet
//! there, and every distinct segment between two vertices is one edge (a road piece that
//! several bus lines run over is one edge). Speeds come from a speed field, else from a
//! default per road class, else from a global default.

use std::collections::{BTreeMap, HashMap};

use geo::{Coord, Geometry, LineString};
use rstar::{RTree, primitives::GeomWithData};
use serde::{Deserialize, Serialize};

use super::{Edge, Network, NetworkError, length_of};
use crate::analysis::budget;
use crate::layer::{Layer, Value};
use crate::range::{self, Range};

/// Field names tried, in order, when the settings name no speed field (km/h).
const SPEED_FIELDS: &[&str] = &[
    "speed_kmh",
    "maxspeed_kmh",
    "maxspeed",
    "hastighet",
    "hastighetsgrans",
    "speed",
];
/// Field names tried for the road class.
const CLASS_FIELDS: &[&str] = &[
    "highway",
    "klass",
    "vagklass",
    "klassificering",
    "road_class",
    "fclass",
];
/// Field names tried for one-way flags.
const ONEWAY_FIELDS: &[&str] = &["oneway", "enkelriktad", "one_way"];
/// Field pairs tried for explicit from/to node ids.
const NODE_FIELDS: &[(&str, &str)] = &[
    ("u", "v"),
    ("from_node", "to_node"),
    ("source", "target"),
    ("fnode", "tnode"),
];

/// Default speeds in km/h per road class: OpenStreetMap `highway` values and Dalatrafik's line
/// classes (`klassificering`). Settings may add to or override them.
const CLASS_SPEEDS: &[(&str, f64)] = &[
    ("motorway", 110.0),
    ("motorway_link", 70.0),
    ("trunk", 90.0),
    ("trunk_link", 60.0),
    ("primary", 70.0),
    ("primary_link", 50.0),
    ("secondary", 60.0),
    ("secondary_link", 50.0),
    ("tertiary", 50.0),
    ("tertiary_link", 40.0),
    ("unclassified", 50.0),
    ("road", 40.0),
    ("residential", 30.0),
    ("living_street", 10.0),
    ("service", 20.0),
    ("busway", 40.0),
    ("stråktrafik", 80.0),
    ("landsbygdstrafik", 70.0),
    ("stadstrafik", 40.0),
    ("utomlänstrafik", 80.0),
];

/// Default of [`NetworkSettings::join_tolerance_m`].
pub const DEFAULT_JOIN_TOLERANCE_M: f64 = 25.0;

/// How to read a line layer as a network. Every field is optional; unnamed fields are
/// looked for under their usual names (`speed_kmh`, `maxspeed`, `hastighet`; `highway`,
/// `klass`, `klassificering`; `oneway`; `u`/`v`, `from_node`/`to_node`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSettings {
    /// Field with the speed in km/h (numbers, or text such as `"50"` or `"30 mph"`).
    pub speed_field: Option<String>,
    /// Field with the road class, looked up in the class speeds.
    pub class_field: Option<String>,
    /// Speeds per class in km/h, added to (and overriding) the built-in table.
    pub class_speeds: BTreeMap<String, f64>,
    /// Speed in km/h where neither field nor class gives one.
    pub default_speed_kmh: f64,
    /// Field with one-way flags: `true`/`yes`/`1` (along the geometry), `-1`/`reverse`
    /// (against it); anything else is two-way.
    pub oneway_field: Option<String>,
    /// Field with the id of the start node (with `to_field`).
    pub from_field: Option<String>,
    /// Field with the id of the end node (with `from_field`).
    pub to_field: Option<String>,
    /// Separate pieces of the network are joined wherever their nodes lie within this many
    /// metres of each other, by short two-way links at the default speed. Line layers drawn
    /// without shared vertices (e.g. a bus line that meets another 3 m off its vertex) then
    /// form one network. 0 joins only at shared vertices or node ids.
    pub join_tolerance_m: f64,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            speed_field: None,
            class_field: None,
            class_speeds: BTreeMap::new(),
            default_speed_kmh: 50.0,
            oneway_field: None,
            from_field: None,
            to_field: None,
            join_tolerance_m: DEFAULT_JOIN_TOLERANCE_M,
        }
    }
}

/// Range of [`NetworkSettings::join_tolerance_m`]: wider joins link roads that do not meet.
pub const JOIN_TOLERANCE_M: Range = Range::new("join_tolerance_m", 0.0, 500.0, "m");

/// Range of [`NetworkSettings::default_speed_kmh`] and each of the class speeds.
pub const SPEED_KMH: Range = Range::new("default_speed_kmh", 1.0, 300.0, "km/h");

/// Most entries of [`NetworkSettings::class_speeds`].
pub const MAX_CLASS_SPEEDS: usize = 200;

/// Memory estimate of one link made when joining pieces: the pair, the edge with its
/// two-point geometry, two adjacency arcs and a segment in the snapping index (bytes).
const LINK_BYTES: u64 = 200;

impl NetworkSettings {
    /// Checks the join tolerance against [`JOIN_TOLERANCE_M`] and every speed against
    /// [`SPEED_KMH`].
    ///
    /// ```
    /// use kartrummet::network::NetworkSettings;
    /// let wide = NetworkSettings { join_tolerance_m: 1e9, ..Default::default() };
    /// assert_eq!(
    ///     wide.validate().unwrap_err().to_string(),
    ///     "join_tolerance_m must be between 0 and 500 m, not 1000000000"
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), NetworkError> {
        JOIN_TOLERANCE_M
            .check(self.join_tolerance_m)
            .map_err(NetworkError::BadJoinTolerance)?;
        SPEED_KMH
            .check(self.default_speed_kmh)
            .map_err(NetworkError::BadSpeed)?;
        range::at_most(
            "class_speeds",
            self.class_speeds.len(),
            MAX_CLASS_SPEEDS,
            "entries",
        )
        .map_err(NetworkError::BadSpeed)?;
        for (class, &speed) in &self.class_speeds {
            SPEED_KMH
                .check_as(&format!("class_speeds.{class}"), speed)
                .map_err(NetworkError::BadSpeed)?;
        }
        Ok(())
    }

    /// A canonical text form, for cache keys.
    pub fn key(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where an edge's speed came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedSource {
    /// The speed field.
    Field,
    /// The road class.
    Class,
    /// The global default.
    Default,
}

/// Resolved field positions and speed table for one layer.
struct Reader {
    speed: Option<usize>,
    class: Option<usize>,
    oneway: Option<usize>,
    nodes: Option<(usize, usize)>,
    class_speeds: HashMap<String, f64>,
    default_speed: f64,
}

impl Reader {
    fn new(layer: &Layer, s: &NetworkSettings) -> Result<Self, NetworkError> {
        s.validate()?;
        let find = |given: &Option<String>, role, candidates: &[&str]| match given {
            Some(name) => {
                layer
                    .field_index(name)
                    .map(Some)
                    .ok_or_else(|| NetworkError::NoSuchField {
                        layer: layer.meta.id.clone(),
                        field: name.clone(),
                        role,
                    })
            }
            None => Ok(candidates.iter().find_map(|c| field_like(layer, c))),
        };
        let nodes = match (&s.from_field, &s.to_field) {
            (None, None) => NODE_FIELDS
                .iter()
                .find_map(|(u, v)| Some((field_like(layer, u)?, field_like(layer, v)?))),
            (from, to) => Some((
                find(from, "from-node", &[])?.ok_or_else(|| missing(layer, "from-node"))?,
                find(to, "to-node", &[])?.ok_or_else(|| missing(layer, "to-node"))?,
            )),
        };
        let mut class_speeds: HashMap<String, f64> = CLASS_SPEEDS
            .iter()
            .map(|(c, v)| (c.to_string(), *v))
            .collect();
        class_speeds.extend(s.class_speeds.iter().map(|(c, v)| (c.to_lowercase(), *v)));
        Ok(Self {
            speed: find(&s.speed_field, "speed", SPEED_FIELDS)?,
            class: find(&s.class_field, "class", CLASS_FIELDS)?,
            oneway: find(&s.oneway_field, "one-way", ONEWAY_FIELDS)?,
            nodes,
            class_speeds,
            default_speed: s.default_speed_kmh,
        })
    }

    fn speed(&self, props: &[Value]) -> (f64, SpeedSource) {
        if let Some(v) = self.speed.and_then(|i| parse_speed(&props[i])) {
            return (v, SpeedSource::Field);
        }
        let class = self.class.and_then(|i| match &props[i] {
            Value::Str(text) => text
                .to_lowercase()
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .find_map(|token| self.class_speeds.get(token).copied()),
            _ => None,
        });
        match class {
            Some(v) => (v, SpeedSource::Class),
            None => (self.default_speed, SpeedSource::Default),
        }
    }

    /// (forward, backward) allowed.
    fn directions(&self, props: &[Value]) -> (bool, bool) {
        let Some(i) = self.oneway else {
            return (true, true);
        };
        let flag = match &props[i] {
            Value::Bool(b) => i64::from(*b),
            Value::Int(n) => *n,
            Value::Real(r) => *r as i64,
            Value::Str(s) => match s.trim().to_lowercase().as_str() {
                "yes" | "true" | "1" | "ja" | "y" => 1,
                "-1" | "reverse" => -1,
                _ => 0,
            },
            _ => 0,
        };
        match flag {
            1 => (true, false),
            -1 => (false, true),
            _ => (true, true),
        }
    }
}

fn missing(layer: &Layer, role: &'static str) -> NetworkError {
    NetworkError::NoSuchField {
        layer: layer.meta.id.clone(),
        field: String::new(),
        role,
    }
}

/// Position of a field whose name equals `name` ignoring case.
fn field_like(layer: &Layer, name: &str) -> Option<usize> {
    layer
        .meta
        .fields
        .iter()
        .position(|f| f.name.eq_ignore_ascii_case(name))
}

/// A speed in km/h from a number or text like `"50"`, `"50 km/h"`, `"30 mph"`.
fn parse_speed(value: &Value) -> Option<f64> {
    let speed = match value {
        Value::Str(text) => {
            let text = text.trim();
            let digits: String = text
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let number: f64 = digits.parse().ok()?;
            if text.contains("mph") {
                number * 1.609_344
            } else {
                number
            }
        }
        other => other.as_f64()?,
    };
    (speed.is_finite() && speed > 0.0 && speed < 400.0).then_some(speed)
}

/// Node identity while building.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// An explicit node id from the from/to fields.
    Id(String),
    /// A vertex, by the bits of its coordinates.
    At(u64, u64),
}

fn vertex_key(c: Coord<f64>) -> Key {
    // +0.0 so that -0.0 and 0.0 are one vertex.
    Key::At((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits())
}

fn id_key(value: &Value) -> Option<Key> {
    match value {
        Value::Null => None,
        Value::Str(s) => Some(Key::Id(s.clone())),
        other => Some(Key::Id(other.to_json().to_string())),
    }
}

/// An edge being built, with its speed; the time is set at the end.
struct Draft {
    edge: Edge,
    feature: Option<u64>,
    speed: f64,
    source: SpeedSource,
}

#[derive(Default)]
struct Builder {
    keys: HashMap<Key, u32>,
    nodes: Vec<Coord<f64>>,
    drafts: Vec<Draft>,
    /// Vertex-mode segments by (lower node, higher node), to merge duplicates.
    segments: HashMap<(u32, u32), usize>,
}

impl Builder {
    fn node(&mut self, key: Key, at: Coord<f64>) -> u32 {
        let next = self.nodes.len() as u32;
        *self.keys.entry(key).or_insert_with(|| {
            self.nodes.push(at);
            next
        })
    }

    fn push(&mut self, from: u32, to: u32, geometry: LineString<f64>, props: Props) {
        let length_m = length_of(&geometry);
        self.drafts.push(Draft {
            edge: Edge {
                from,
                to,
                geometry,
                length_m,
                time_s: 0.0,
                forward: props.forward,
                backward: props.backward,
            },
            feature: props.feature,
            speed: props.speed,
            source: props.source,
        });
    }

    /// Adds one vertex-to-vertex segment, merging it with an identical one: directions are
    /// joined and the faster speed kept.
    fn segment(&mut self, a: Coord<f64>, b: Coord<f64>, props: Props) {
        let from = self.node(vertex_key(a), a);
        let to = self.node(vertex_key(b), b);
        if from == to {
            return;
        }
        let pair = (from.min(to), from.max(to));
        match self.segments.get(&pair) {
            Some(&i) => {
                let draft = &mut self.drafts[i];
                let same_way = draft.edge.from == from;
                let (f, b) = if same_way {
                    (props.forward, props.backward)
                } else {
                    (props.backward, props.forward)
                };
                draft.edge.forward |= f;
                draft.edge.backward |= b;
                if props.speed > draft.speed {
                    draft.speed = props.speed;
                    draft.source = props.source;
                }
            }
            None => {
                self.segments.insert(pair, self.drafts.len());
                self.push(from, to, LineString::from(vec![a, b]), props);
            }
        }
    }
}

impl Builder {
    /// Links every pair of nodes that lie within `tolerance` metres of each other but in
    /// different connected pieces, with a two-way straight link at `speed` km/h. Every such
    /// pair is linked, not only the nearest, so pieces that run side by side connect all
    /// along, as the roads they stand for do.
    ///
    /// Each link is charged to the work budget as it is found, and the search stops when the
    /// budget runs out.
    fn join_pieces(&mut self, tolerance: f64, speed: f64) -> Result<(), NetworkError> {
        if tolerance <= 0.0 {
            return Ok(());
        }
        let mut pieces = UnionFind::new(self.nodes.len());
        for draft in &self.drafts {
            pieces.union(draft.edge.from, draft.edge.to);
        }
        let piece: Vec<u32> = (0..self.nodes.len() as u32)
            .map(|n| pieces.find(n))
            .collect();
        let points: Vec<GeomWithData<[f64; 2], u32>> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, c)| GeomWithData::new([c.x, c.y], i as u32))
            .collect();
        let tree = RTree::bulk_load(points);
        let mut links = Vec::new();
        for (i, c) in self.nodes.iter().enumerate() {
            for near in tree.locate_within_distance([c.x, c.y], tolerance * tolerance) {
                let j = near.data;
                if (i as u32) < j && piece[i] != piece[j as usize] {
                    budget::charge("joining network pieces", LINK_BYTES)?;
                    links.push((i as u32, j));
                }
            }
            budget::tick()?;
        }
        let props = Props {
            speed,
            source: SpeedSource::Default,
            forward: true,
            backward: true,
            feature: None,
        };
        for (a, b) in links {
            let geometry = LineString::from(vec![self.nodes[a as usize], self.nodes[b as usize]]);
            self.push(a, b, geometry, props);
        }
        Ok(())
    }
}

/// Disjoint sets of nodes, for joining pieces.
struct UnionFind(Vec<u32>);

impl UnionFind {
    fn new(n: usize) -> Self {
        Self((0..n as u32).collect())
    }

    fn find(&mut self, mut a: u32) -> u32 {
        while self.0[a as usize] != a {
            let parent = self.0[self.0[a as usize] as usize];
            self.0[a as usize] = parent;
            a = parent;
        }
        a
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        self.0[ra as usize] = rb;
    }
}

#[derive(Clone, Copy)]
struct Props {
    speed: f64,
    source: SpeedSource,
    forward: bool,
    backward: bool,
    /// The feature the piece comes from (none for joins).
    feature: Option<u64>,
}

fn lines_of(geometry: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match geometry {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => Vec::new(),
    }
}

impl Network {
    /// Builds the network of a line layer.
    ///
    /// ```
    /// use kartrummet::network::{Network, NetworkSettings};
    /// # use kartrummet::layer::{Feature, Layer, LayerMeta};
    /// # let line = |c: Vec<(f64, f64)>| -> geo::Geometry<f64> { geo::LineString::from(c).into() };
    /// # let feature = |id, g: geo::Geometry<f64>| Feature { id, geometry: g.clone(), display: g, properties: vec![] };
    /// # let meta = LayerMeta::new("roads", vec![]);
    /// // Two lines sharing the vertex (100, 0): three nodes, two edges, one piece.
    /// let layer = Layer::new(meta, vec![
    ///     feature(1, line(vec![(0.0, 0.0), (100.0, 0.0)])),
    ///     feature(2, line(vec![(100.0, 0.0), (100.0, 100.0)])),
    /// ]);
    /// let network = Network::from_layer(&layer, &NetworkSettings::default())?;
    /// assert_eq!((network.nodes.len(), network.edges.len()), (3, 2));
    /// assert_eq!(network.components.count(), 1);
    /// // 100 m at the default 50 km/h.
    /// assert!((network.edges[0].time_s - 7.2).abs() < 1e-9);
    /// # Ok::<(), kartrummet::network::NetworkError>(())
    /// ```
    pub fn from_layer(layer: &Layer, settings: &NetworkSettings) -> Result<Self, NetworkError> {
        if !layer.meta.geometry_type.is_line() {
            return Err(NetworkError::NotLines {
                layer: layer.meta.id.clone(),
                kind: format!("{:?}", layer.meta.geometry_type),
            });
        }
        let reader = Reader::new(layer, settings)?;
        let mut builder = Builder::default();
        let mut skipped = 0;
        for feature in &layer.features {
            let lines = lines_of(&feature.geometry);
            if lines.is_empty() {
                skipped += 1;
                continue;
            }
            let props = &feature.properties;
            let (speed, source) = reader.speed(props);
            let (forward, backward) = reader.directions(props);
            let p = Props {
                speed,
                source,
                forward,
                backward,
                feature: Some(feature.id),
            };
            let ids = reader
                .nodes
                .map(|(u, v)| (id_key(&props[u]), id_key(&props[v])));
            match ids {
                Some((Some(u), Some(v))) if lines.len() == 1 => {
                    let line = lines[0];
                    let (Some(first), Some(last)) = (line.0.first(), line.0.last()) else {
                        skipped += 1;
                        continue;
                    };
                    // Loops (u = v) are kept: they never shorten a path, and edges then
                    // match the features one to one.
                    let from = builder.node(u, *first);
                    let to = builder.node(v, *last);
                    builder.push(from, to, line.clone(), p);
                }
                Some(_) => skipped += 1,
                None => {
                    for line in lines {
                        for pair in line.0.windows(2) {
                            builder.segment(pair[0], pair[1], p);
                        }
                    }
                }
            }
        }
        if builder.drafts.is_empty() {
            return Err(NetworkError::Empty(layer.meta.id.clone()));
        }
        builder.join_pieces(settings.join_tolerance_m, reader.default_speed)?;
        let mut sources = BTreeMap::new();
        let features = builder.drafts.iter().map(|d| d.feature).collect();
        let edges = builder
            .drafts
            .into_iter()
            .map(|mut d| {
                *sources.entry(d.source).or_insert(0) += 1;
                d.edge.time_s = d.edge.length_m / (d.speed / 3.6);
                d.edge
            })
            .collect();
        Ok(Network::with_details(
            builder.nodes,
            edges,
            features,
            skipped,
            sources,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Feature, Field, FieldKind, GeometryKind, LayerMeta};

    /// A line's vertices and its attribute values.
    type Row = (Vec<(f64, f64)>, Vec<Value>);

    fn layer(fields: &[(&str, FieldKind)], rows: Vec<Row>) -> Layer {
        let fields = fields
            .iter()
            .map(|(name, kind)| Field {
                name: name.to_string(),
                kind: *kind,
            })
            .collect();
        let meta = LayerMeta::new("roads", fields);
        let features = rows
            .into_iter()
            .enumerate()
            .map(|(i, (coords, properties))| {
                let g: Geometry<f64> = LineString::from(coords).into();
                Feature {
                    id: i as u64 + 1,
                    geometry: g.clone(),
                    display: g,
                    properties,
                }
            })
            .collect();
        Layer::new(meta, features)
    }

    #[test]
    fn joining_dense_pieces_stops_at_the_memory_budget() {
        use crate::analysis::budget::{self, AnalysisLimits, Budget, BudgetError};
        // 300 separate 10 m lines, 1 m apart: at 500 m every node pair of two lines links.
        let rows = (0..300)
            .map(|i| (vec![(0.0, i as f64), (10.0, i as f64)], vec![]))
            .collect();
        let roads = layer(&[], rows);
        let wide = NetworkSettings {
            join_tolerance_m: 500.0,
            ..NetworkSettings::default()
        };
        let limits = AnalysisLimits {
            memory_mib: 1,
            ..Default::default()
        };
        let budget = std::sync::Arc::new(Budget::new(&limits));
        let built = budget::within(&budget, || Network::from_layer(&roads, &wide));
        assert!(matches!(
            built,
            Err(BudgetError::Memory { limit_mib: 1, .. })
        ));
        // Without a budget the same network builds: ~180,000 links.
        let n = Network::from_layer(&roads, &wide).unwrap();
        assert!(n.edges.len() > 150_000, "{}", n.edges.len());
    }

    #[test]
    fn nearby_pieces_are_joined_within_the_tolerance_only() {
        // Two lines whose ends are 10 m apart, and a third 100 m away from both.
        let roads = layer(
            &[],
            vec![
                (vec![(0.0, 0.0), (1000.0, 0.0)], vec![]),
                (vec![(1010.0, 0.0), (2000.0, 0.0)], vec![]),
                (vec![(1000.0, 100.0), (1000.0, 900.0)], vec![]),
            ],
        );
        let with = |join_tolerance_m| NetworkSettings {
            join_tolerance_m,
            ..NetworkSettings::default()
        };
        let apart = Network::from_layer(&roads, &with(0.0)).unwrap();
        assert_eq!((apart.edges.len(), apart.components.count()), (3, 3));
        let joined = Network::from_layer(&roads, &with(25.0)).unwrap();
        assert_eq!((joined.edges.len(), joined.components.count()), (4, 2));
        let link = &joined.edges[3];
        assert!((link.length_m - 10.0).abs() < 1e-9);
        assert!(link.forward && link.backward);
        assert!(Network::from_layer(&roads, &with(f64::NAN)).is_err());
    }

    #[test]
    fn shared_segments_merge_and_join_directions() {
        let l = layer(
            &[
                ("oneway", FieldKind::String),
                ("speed_kmh", FieldKind::Real),
            ],
            vec![
                (
                    vec![(0.0, 0.0), (100.0, 0.0), (200.0, 0.0)],
                    vec![Value::Str("yes".into()), Value::Real(36.0)],
                ),
                // The same first segment, drawn the other way, one-way too: both directions.
                (
                    vec![(100.0, 0.0), (0.0, 0.0)],
                    vec![Value::Str("yes".into()), Value::Real(72.0)],
                ),
            ],
        );
        let n = Network::from_layer(&l, &NetworkSettings::default()).unwrap();
        assert_eq!(n.nodes.len(), 3);
        assert_eq!(n.edges.len(), 2);
        let first = &n.edges[0];
        assert!(first.forward && first.backward);
        assert!((first.time_s - 5.0).abs() < 1e-9, "faster speed kept");
        assert!(n.edges[1].forward && !n.edges[1].backward);
        assert_eq!(n.summary().oneway_edges, 1);
    }

    #[test]
    fn explicit_node_ids_and_reverse_oneway() {
        let l = layer(
            &[
                ("u", FieldKind::Integer),
                ("v", FieldKind::Integer),
                ("oneway", FieldKind::Integer),
                ("highway", FieldKind::String),
            ],
            vec![
                (
                    vec![(0.0, 0.0), (50.0, 50.0), (100.0, 0.0)],
                    vec![
                        Value::Int(7),
                        Value::Int(9),
                        Value::Int(-1),
                        Value::Str("['residential', 'primary']".into()),
                    ],
                ),
                (
                    vec![(100.0, 0.0), (200.0, 0.0)],
                    vec![Value::Int(9), Value::Int(11), Value::Int(0), Value::Null],
                ),
            ],
        );
        let n = Network::from_layer(&l, &NetworkSettings::default()).unwrap();
        assert_eq!((n.nodes.len(), n.edges.len()), (3, 2));
        assert!(!n.edges[0].forward && n.edges[0].backward);
        // First class token with a speed: residential, 30 km/h.
        let expected = 2.0 * 50f64.hypot(50.0) / (30.0 / 3.6);
        assert!((n.edges[0].time_s - expected).abs() < 1e-9);
        assert_eq!(n.summary().speed_sources[&SpeedSource::Default], 1);
    }

    #[test]
    fn refuses_non_lines_and_missing_fields() {
        let mut l = layer(&[], vec![(vec![(0.0, 0.0), (1.0, 0.0)], vec![])]);
        let settings = NetworkSettings {
            speed_field: Some("nope".into()),
            ..Default::default()
        };
        assert!(matches!(
            Network::from_layer(&l, &settings),
            Err(NetworkError::NoSuchField { .. })
        ));
        l.meta.geometry_type = GeometryKind::Point;
        assert!(matches!(
            Network::from_layer(&l, &NetworkSettings::default()),
            Err(NetworkError::NotLines { .. })
        ));
    }

    #[test]
    fn parses_speed_texts() {
        assert_eq!(parse_speed(&Value::Str("50".into())), Some(50.0));
        assert!((parse_speed(&Value::Str("30 mph".into())).unwrap() - 48.28).abs() < 0.01);
        assert_eq!(parse_speed(&Value::Str("signals".into())), None);
        assert_eq!(parse_speed(&Value::Int(0)), None);
    }
}
