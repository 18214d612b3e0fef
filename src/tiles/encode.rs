//! Mapbox Vector Tile 2.1 encoding: a small hand-written protobuf writer for the four messages
//! of `vector_tile.proto` (Tile, Layer, Feature, Value). Nothing else of protobuf is needed,
//! so no code generator or protobuf runtime is pulled in.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Geometry in integer tile coordinates, ready to encode.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeometry {
    /// One or more points.
    Points(Vec<[i32; 2]>),
    /// One or more polylines of at least two points.
    Lines(Vec<Vec<[i32; 2]>>),
    /// Open rings (no closing repeat): each exterior ring (positive area by the spec's formula)
    /// followed by its holes (negative area).
    Polygons(Vec<Vec<[i32; 2]>>),
}

/// An attribute value as MVT stores it.
#[derive(Debug, Clone)]
pub enum TileValue {
    /// Text.
    Str(String),
    /// A floating-point number.
    Double(f64),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl PartialEq for TileValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Str(a), Self::Str(b)) => a == b,
            (Self::Double(a), Self::Double(b)) => a.to_bits() == b.to_bits(),
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for TileValue {}

impl Hash for TileValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Self::Str(s) => s.hash(state),
            Self::Double(d) => d.to_bits().hash(state),
            Self::Int(i) => i.hash(state),
            Self::Bool(b) => b.hash(state),
        }
    }
}

/// Collects the features of one MVT layer, sharing keys and values between them.
///
/// ```
/// use kartrummet::tiles::encode::{LayerEncoder, TileGeometry, TileValue, encode_tile};
/// let mut layer = LayerEncoder::new("stops", 4096);
/// layer.add_feature(Some(1), &TileGeometry::Points(vec![[25, 17]]), [("name", TileValue::Str("Falun".into()))]);
/// let bytes = encode_tile(vec![layer]);
/// assert!(bytes.windows(5).any(|w| w == b"stops"));
/// ```
#[derive(Debug)]
pub struct LayerEncoder {
    name: String,
    extent: u32,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<TileValue>,
    value_index: HashMap<TileValue, u32>,
    features: Vec<u8>,
    feature_count: usize,
}

impl LayerEncoder {
    /// An empty layer called `name` with `extent` units per tile side.
    pub fn new(name: &str, extent: u32) -> Self {
        Self {
            name: name.to_string(),
            extent,
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
            feature_count: 0,
        }
    }

    /// Number of features added.
    pub fn len(&self) -> usize {
        self.feature_count
    }

    /// About the bytes the encoded layer will take: features, keys and values.
    pub fn byte_size(&self) -> usize {
        let keys: usize = self.keys.iter().map(|k| k.len() + 2).sum();
        let values: usize = self
            .values
            .iter()
            .map(|v| match v {
                TileValue::Str(s) => s.len() + 4,
                _ => 11,
            })
            .sum();
        self.features.len() + keys + values + self.name.len() + 8
    }

    /// Whether no feature was added.
    pub fn is_empty(&self) -> bool {
        self.feature_count == 0
    }

    /// Adds a feature, with an id when it stands for one source feature; geometries without
    /// any part are skipped.
    pub fn add_feature<'a>(
        &mut self,
        id: Option<u64>,
        geometry: &TileGeometry,
        attributes: impl IntoIterator<Item = (&'a str, TileValue)>,
    ) {
        let (kind, commands) = geometry_commands(geometry);
        if commands.is_empty() {
            return;
        }
        let mut tags = Vec::new();
        for (key, value) in attributes {
            let k = match self.key_index.get(key) {
                Some(&k) => k,
                None => {
                    let k = self.keys.len() as u32;
                    self.keys.push(key.to_string());
                    self.key_index.insert(key.to_string(), k);
                    k
                }
            };
            let v = match self.value_index.get(&value) {
                Some(&v) => v,
                None => {
                    let v = self.values.len() as u32;
                    self.values.push(value.clone());
                    self.value_index.insert(value, v);
                    v
                }
            };
            tags.push(k);
            tags.push(v);
        }
        let mut feature = Vec::with_capacity(16 + commands.len() * 2);
        if let Some(id) = id {
            put_varint_field(&mut feature, 1, id);
        }
        put_packed(&mut feature, 2, &tags);
        put_varint_field(&mut feature, 3, kind);
        put_packed(&mut feature, 4, &commands);
        put_bytes_field(&mut self.features, 2, &feature);
        self.feature_count += 1;
    }

    /// The encoded `Layer` message.
    fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.features.len() + 256);
        put_varint_field(&mut out, 15, 2);
        put_bytes_field(&mut out, 1, self.name.as_bytes());
        out.extend_from_slice(&self.features);
        for key in &self.keys {
            put_bytes_field(&mut out, 3, key.as_bytes());
        }
        for value in &self.values {
            let mut v = Vec::new();
            match value {
                TileValue::Str(s) => put_bytes_field(&mut v, 1, s.as_bytes()),
                TileValue::Double(d) => {
                    put_key(&mut v, 3, 1);
                    v.extend_from_slice(&d.to_le_bytes());
                }
                TileValue::Int(i) if *i >= 0 => put_varint_field(&mut v, 5, *i as u64),
                TileValue::Int(i) => put_varint_field(&mut v, 6, zigzag64(*i)),
                TileValue::Bool(b) => put_varint_field(&mut v, 7, u64::from(*b)),
            }
            put_bytes_field(&mut out, 4, &v);
        }
        put_varint_field(&mut out, 5, u64::from(self.extent));
        out
    }
}

/// The `Tile` message with the non-empty layers; empty when every layer is empty.
pub fn encode_tile(layers: Vec<LayerEncoder>) -> Vec<u8> {
    let mut out = Vec::new();
    for layer in layers.into_iter().filter(|l| !l.is_empty()) {
        put_bytes_field(&mut out, 3, &layer.finish());
    }
    out
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn command(id: u32, count: usize) -> u32 {
    (id & 0x7) | ((count as u32) << 3)
}

fn zigzag32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// The geometry type and the command integers of a geometry (§4.3).
fn geometry_commands(geometry: &TileGeometry) -> (u64, Vec<u32>) {
    let mut out = Vec::new();
    let mut cursor = [0i32, 0i32];
    let mut delta = |out: &mut Vec<u32>, p: [i32; 2]| {
        out.push(zigzag32(p[0].wrapping_sub(cursor[0])));
        out.push(zigzag32(p[1].wrapping_sub(cursor[1])));
        cursor = p;
    };
    match geometry {
        TileGeometry::Points(points) => {
            if !points.is_empty() {
                out.push(command(MOVE_TO, points.len()));
                for &p in points {
                    delta(&mut out, p);
                }
            }
            (1, out)
        }
        TileGeometry::Lines(lines) => {
            for line in lines.iter().filter(|l| l.len() >= 2) {
                out.push(command(MOVE_TO, 1));
                delta(&mut out, line[0]);
                out.push(command(LINE_TO, line.len() - 1));
                for &p in &line[1..] {
                    delta(&mut out, p);
                }
            }
            (2, out)
        }
        TileGeometry::Polygons(rings) => {
            for ring in rings.iter().filter(|r| r.len() >= 3) {
                out.push(command(MOVE_TO, 1));
                delta(&mut out, ring[0]);
                out.push(command(LINE_TO, ring.len() - 1));
                for &p in &ring[1..] {
                    delta(&mut out, p);
                }
                out.push(command(CLOSE_PATH, 1));
            }
            (3, out)
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_key(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    put_varint(out, u64::from((field << 3) | wire_type));
}

fn put_varint_field(out: &mut Vec<u8>, field: u32, n: u64) {
    put_key(out, field, 0);
    put_varint(out, n);
}

fn put_bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_packed(out: &mut Vec<u8>, field: u32, numbers: &[u32]) {
    if numbers.is_empty() {
        return;
    }
    let mut packed = Vec::with_capacity(numbers.len() * 2);
    for &n in numbers {
        put_varint(&mut packed, u64::from(n));
    }
    put_bytes_field(out, field, &packed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_commands() {
        // §4.3.5.1 of the spec: a point at (25, 17).
        let (_, c) = geometry_commands(&TileGeometry::Points(vec![[25, 17]]));
        assert_eq!(c, vec![9, 50, 34]);
        // §4.3.5.3: a linestring (2,2) (2,10) (10,10).
        let (_, c) = geometry_commands(&TileGeometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]]]));
        assert_eq!(c, vec![9, 4, 4, 18, 0, 16, 16, 0]);
        // §4.3.5.5: a polygon (3,6) (8,12) (20,34).
        let (_, c) = geometry_commands(&TileGeometry::Polygons(vec![vec![
            [3, 6],
            [8, 12],
            [20, 34],
        ]]));
        assert_eq!(c, vec![9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }

    #[test]
    fn varints_and_zigzag() {
        let mut v = Vec::new();
        put_varint(&mut v, 300);
        assert_eq!(v, vec![0xAC, 0x02]);
        assert_eq!(zigzag32(-1), 1);
        assert_eq!(zigzag32(1), 2);
        assert_eq!(zigzag64(-2), 3);
    }

    #[test]
    fn values_are_shared() {
        let mut layer = LayerEncoder::new("l", 4096);
        for id in 0..3 {
            layer.add_feature(
                Some(id),
                &TileGeometry::Points(vec![[1, 1]]),
                [("k", TileValue::Int(7))],
            );
        }
        assert_eq!(layer.values.len(), 1);
        assert_eq!(layer.keys.len(), 1);
        assert_eq!(layer.len(), 3);
    }

    #[test]
    fn empty_layers_are_left_out() {
        let empty = LayerEncoder::new("nothing", 4096);
        assert!(encode_tile(vec![empty]).is_empty());
    }
}
