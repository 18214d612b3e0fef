//! Looking up what a request names: layers, fields, the point that stands for a feature, and
//! a value as text.

use std::sync::Arc;

use geo::{Centroid, Contains, Coord, Geometry, InteriorPoint};

use super::super::AnalysisError;
use crate::layer::{FieldKind, Layer, Value};
use crate::store::Catalog;

/// The layer `id` of `catalog`.
pub fn layer(catalog: &Catalog, id: &str) -> Result<Arc<Layer>, AnalysisError> {
    catalog
        .get(id)
        .cloned()
        .ok_or_else(|| AnalysisError::UnknownLayer(id.to_string()))
}

/// Position of field `name` of `layer`.
pub fn field(layer: &Layer, name: &str) -> Result<usize, AnalysisError> {
    layer
        .field_index(name)
        .ok_or_else(|| AnalysisError::NoSuchField {
            layer: layer.meta.id.clone(),
            field: name.to_string(),
            available: layer.field_names(),
        })
}

/// Position of the numeric field `name` of `layer`.
pub fn numeric_field(layer: &Layer, name: &str) -> Result<usize, AnalysisError> {
    let i = field(layer, name)?;
    let kind = layer.meta.fields[i].kind;
    if matches!(kind, FieldKind::Integer | FieldKind::Real) {
        Ok(i)
    } else {
        Err(AnalysisError::NotNumeric {
            layer: layer.meta.id.clone(),
            field: name.to_string(),
            kind,
        })
    }
}

/// The field `given` (an error when the layer lacks it), else the first of `usual` the layer
/// has, else none.
pub fn pick_field(
    layer: &Layer,
    given: Option<&str>,
    usual: &[&str],
) -> Result<Option<usize>, AnalysisError> {
    match given {
        Some(name) => field(layer, name).map(Some),
        None => Ok(usual.iter().find_map(|n| layer.field_index(n))),
    }
}

/// A value as display text: strings as they are, null as empty, numbers as JSON.
///
/// ```
/// use kartrummet::analysis::engine::text_of;
/// use kartrummet::layer::Value;
/// assert_eq!(text_of(&Value::Int(2021)), "2021");
/// assert_eq!(text_of(&Value::Null), "");
/// ```
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_json().to_string(),
    }
}

/// The point that stands for a feature: the point itself, the centroid of a polygon when it
/// lies inside it (else an interior point), the centroid of anything else.
///
/// ```
/// use geo::{Coord, Geometry, polygon};
/// use kartrummet::analysis::representative_point;
/// let square: Geometry<f64> = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)].into();
/// assert_eq!(representative_point(&square), Some(Coord { x: 1.0, y: 1.0 }));
/// ```
pub fn representative_point(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    match geometry {
        Geometry::Point(p) => Some(p.0),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => {
            match geometry.centroid() {
                Some(c) if geometry.contains(&c) => Some(c.0),
                _ => geometry.interior_point().map(|p| p.0),
            }
        }
        other => other.centroid().map(|p| p.0),
    }
}

/// Whether a network layer is a bus network (its id, title or description say so): then
/// travel times follow the roads buses run on, not all roads.
pub fn is_bus_network(layer: &Layer) -> bool {
    let m = &layer.meta;
    let text = format!("{} {} {}", m.id, m.title, m.description).to_lowercase();
    ["buss", "bus ", "linje", "kollektivtrafik", "route"]
        .iter()
        .any(|w| text.contains(w))
}

/// A sentence for responses saying what network the times follow. A layer that looks like
/// bus or public-transport lines is called the bus network, not all roads.
///
/// ```
/// # use kartrummet::layer::{Layer, LayerMeta};
/// # let meta = LayerMeta::new("linjer", vec![]);
/// let note = kartrummet::analysis::network_note(&Layer::new(meta, vec![]));
/// assert!(note.contains("bus network, not all roads"));
/// ```
pub fn network_note(layer: &Layer) -> String {
    let m = &layer.meta;
    if is_bus_network(layer) {
        format!(
            "Travel times follow the bus network, not all roads (layer {:?}: the roads that bus \
             lines run on). Places off it attach by a straight connector, so times away from \
             bus routes are estimates.",
            m.id
        )
    } else {
        format!(
            "Travel times follow the line layer {:?} as a road network; they are only as \
             complete as that layer.",
            m.id
        )
    }
}

/// A sum that is +0 when empty (`Iterator::sum` gives −0 for no floats, which JSON shows as
/// `-0.0`).
///
/// ```
/// assert!(kartrummet::analysis::engine::sum(std::iter::empty()).is_sign_positive());
/// ```
pub fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}
