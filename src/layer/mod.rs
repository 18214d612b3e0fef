//! The in-memory layer: features as `geo` geometries in two CRSs, typed attributes and R-trees.
//!
//! A [`Layer`] is immutable once built. The store swaps whole layers, so a reader holding an
//! `Arc<Layer>` always sees one consistent version.

mod id;
mod query;
mod value;

pub use id::{
    InvalidLayerId, MAX_DESCRIPTION_CHARS, MAX_ID_LEN, MAX_TITLE_CHARS, TextTooLong, slug,
    validate_id, validate_text,
};
pub use query::{DEFAULT_PAGE, MAX_PAGE, Space, UnknownField};
pub use value::{FieldKind, Value};

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use geo::{BoundingRect, Geometry, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
use serde::Serialize;

/// One attribute column of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// Column name as in the source.
    pub name: String,
    /// Value type of the column.
    #[serde(rename = "type")]
    pub kind: FieldKind,
}

/// The broad geometry type of a layer, as GIS clients name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GeometryKind {
    /// Single points.
    Point,
    /// Points, some features with several.
    MultiPoint,
    /// Single lines.
    LineString,
    /// Lines, some features with several parts.
    MultiLineString,
    /// Single polygons.
    Polygon,
    /// Polygons, some features with several parts.
    MultiPolygon,
    /// A mix of the above, or no features at all.
    Geometry,
}

impl GeometryKind {
    /// The kind of one geometry (collections count as `Geometry`).
    pub fn of(geometry: &Geometry<f64>) -> Self {
        match geometry {
            Geometry::Point(_) => Self::Point,
            Geometry::MultiPoint(_) => Self::MultiPoint,
            Geometry::Line(_) | Geometry::LineString(_) => Self::LineString,
            Geometry::MultiLineString(_) => Self::MultiLineString,
            Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => Self::Polygon,
            Geometry::MultiPolygon(_) => Self::MultiPolygon,
            Geometry::GeometryCollection(_) => Self::Geometry,
        }
    }

    /// The kind that covers every geometry in `geometries`: single and multi of one family give
    /// the multi kind, different families give `Geometry`.
    pub fn common<'a>(geometries: impl IntoIterator<Item = &'a Geometry<f64>>) -> Self {
        geometries
            .into_iter()
            .map(Self::of)
            .reduce(Self::join)
            .unwrap_or(Self::Geometry)
    }

    fn join(self, other: Self) -> Self {
        use GeometryKind::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Point | MultiPoint, Point | MultiPoint) => MultiPoint,
            (LineString | MultiLineString, LineString | MultiLineString) => MultiLineString,
            (Polygon | MultiPolygon, Polygon | MultiPolygon) => MultiPolygon,
            _ => Geometry,
        }
    }

    /// Whether features of this kind are points.
    pub fn is_point(self) -> bool {
        matches!(self, Self::Point | Self::MultiPoint)
    }

    /// Whether features of this kind are lines.
    pub fn is_line(self) -> bool {
        matches!(self, Self::LineString | Self::MultiLineString)
    }

    /// Whether features of this kind are polygons.
    pub fn is_polygon(self) -> bool {
        matches!(self, Self::Polygon | Self::MultiPolygon)
    }
}

/// One feature: its geometry in the analysis CRS and in WGS84, and its attribute values in the
/// order of the layer's fields.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Stable feature id within a layer version (1-based, in source order).
    pub id: u64,
    /// Geometry in the analysis CRS (metric, EPSG:3006 by default).
    pub geometry: Geometry<f64>,
    /// Geometry in WGS84 longitude/latitude (EPSG:4326), for tiles and GeoJSON.
    pub display: Geometry<f64>,
    /// Attribute values, one per field of the layer.
    pub properties: Vec<Value>,
}

/// What the catalog tells about a layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerMeta {
    /// Identifier used in URLs: lower-case letters, digits, `_` and `-`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Longer description, may be empty.
    pub description: String,
    /// Geometry type of the features.
    pub geometry_type: GeometryKind,
    /// Number of features stored.
    pub feature_count: usize,
    /// Bounding box in EPSG:4326 as `[min_lon, min_lat, max_lon, max_lat]`, absent when empty.
    pub bbox: Option<[f64; 4]>,
    /// Attribute columns with their types.
    pub fields: Vec<Field>,
    /// File name the layer was ingested from.
    pub source: String,
    /// When this version was ingested.
    pub ingested_at: DateTime<Utc>,
    /// Version, starting at 1 and bumped by every re-ingest.
    pub version: u64,
}

impl LayerMeta {
    /// Catalog information for a layer made in memory (analysis results, tests): titled by
    /// its id, no description or source, version 0 until the store gives it one. Geometry
    /// type, count and box are filled in by [`Layer::new`].
    ///
    /// ```
    /// use kartrummet::layer::LayerMeta;
    /// let meta = LayerMeta::new("probe", vec![]);
    /// assert_eq!((meta.title.as_str(), meta.version), ("probe", 0));
    /// ```
    pub fn new(id: impl Into<String>, fields: Vec<Field>) -> Self {
        let id = id.into();
        Self {
            title: id.clone(),
            id,
            description: String::new(),
            geometry_type: GeometryKind::Geometry,
            feature_count: 0,
            bbox: None,
            fields,
            source: String::new(),
            ingested_at: Utc::now(),
            version: 0,
        }
    }
}

/// Index entry: a feature's bounding box and its position in [`Layer::features`].
pub type IndexEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An immutable layer version with spatial indexes in both CRSs.
#[derive(Debug)]
pub struct Layer {
    /// Catalog information.
    pub meta: LayerMeta,
    /// The features in source order.
    pub features: Vec<Feature>,
    analysis_index: RTree<IndexEntry>,
    display_index: RTree<IndexEntry>,
    /// When the layer was last read (milliseconds since the epoch), for keeping recently
    /// used analysis results (see [`crate::store::results`]).
    last_used: AtomicI64,
}

impl Layer {
    /// Builds a layer and its indexes; `meta.feature_count`, `meta.bbox` and
    /// `meta.geometry_type` are derived from the features.
    pub fn new(mut meta: LayerMeta, features: Vec<Feature>) -> Self {
        meta.feature_count = features.len();
        meta.geometry_type = GeometryKind::common(features.iter().map(|f| &f.geometry));
        let display_bbox = features
            .iter()
            .filter_map(|f| f.display.bounding_rect())
            .reduce(|a, b| {
                Rect::new(
                    (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                    (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
                )
            });
        meta.bbox = display_bbox.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        let analysis_index = build_index(features.iter().map(|f| &f.geometry));
        let display_index = build_index(features.iter().map(|f| &f.display));
        let last_used = AtomicI64::new(meta.ingested_at.timestamp_millis());
        Self {
            meta,
            features,
            analysis_index,
            display_index,
            last_used,
        }
    }

    /// Marks the layer as used now (a read through tiles, features or the catalog). Cheap: one
    /// atomic store.
    pub fn touch(&self) {
        self.last_used
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// When the layer was last used (or ingested), in milliseconds since the epoch.
    pub fn last_used(&self) -> i64 {
        self.last_used.load(Ordering::Relaxed)
    }

    /// Positions of features whose WGS84 bounding box meets `bbox` (`[w, s, e, n]`), ascending.
    pub fn display_candidates(&self, bbox: [f64; 4]) -> Vec<usize> {
        candidates(&self.display_index, bbox)
    }

    /// Positions of features whose analysis-CRS bounding box meets `bbox`, ascending.
    pub fn analysis_candidates(&self, bbox: [f64; 4]) -> Vec<usize> {
        candidates(&self.analysis_index, bbox)
    }

    /// The R-tree over analysis-CRS bounding boxes, for nearest-neighbour searches.
    pub fn analysis_index(&self) -> &RTree<IndexEntry> {
        &self.analysis_index
    }

    /// Position of the field called `name`.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.meta.fields.iter().position(|f| f.name == name)
    }

    /// The field names, comma-separated: what error messages offer when a field is unknown.
    pub fn field_names(&self) -> String {
        self.meta
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn build_index<'a>(geometries: impl Iterator<Item = &'a Geometry<f64>>) -> RTree<IndexEntry> {
    let entries = geometries
        .enumerate()
        .filter_map(|(i, g)| {
            let r = g.bounding_rect()?;
            let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            Some(GeomWithData::new(rect, i))
        })
        .collect();
    RTree::bulk_load(entries)
}

fn candidates(index: &RTree<IndexEntry>, [w, s, e, n]: [f64; 4]) -> Vec<usize> {
    let envelope = AABB::from_corners([w, s], [e, n]);
    let mut found: Vec<usize> = index
        .locate_in_envelope_intersecting(&envelope)
        .map(|entry| entry.data)
        .collect();
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point};

    fn feature(id: u64, g: Geometry<f64>) -> Feature {
        Feature {
            id,
            geometry: g.clone(),
            display: g,
            properties: vec![],
        }
    }

    fn meta() -> LayerMeta {
        LayerMeta::new("t", vec![])
    }

    #[test]
    fn derives_kind_bbox_and_count() {
        let layer = Layer::new(
            meta(),
            vec![
                feature(1, point!(x: 1.0, y: 2.0).into()),
                feature(2, geo::MultiPoint::from(vec![(5.0, -1.0)]).into()),
            ],
        );
        assert_eq!(layer.meta.feature_count, 2);
        assert_eq!(layer.meta.geometry_type, GeometryKind::MultiPoint);
        assert_eq!(layer.meta.bbox, Some([1.0, -1.0, 5.0, 2.0]));
    }

    #[test]
    fn mixed_families_are_geometry() {
        let line: Geometry<f64> = line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        let pt: Geometry<f64> = point!(x: 0.0, y: 0.0).into();
        assert_eq!(GeometryKind::common([&line, &pt]), GeometryKind::Geometry);
    }

    #[test]
    fn bbox_query_finds_only_intersecting() {
        let layer = Layer::new(
            meta(),
            vec![
                feature(1, point!(x: 1.0, y: 1.0).into()),
                feature(2, point!(x: 10.0, y: 10.0).into()),
            ],
        );
        assert_eq!(layer.display_candidates([0.0, 0.0, 2.0, 2.0]), vec![0]);
        assert_eq!(layer.analysis_candidates([9.0, 9.0, 11.0, 11.0]), vec![1]);
    }
}
