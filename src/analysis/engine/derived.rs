//! Derived layers: an analysis's per-unit results as a layer with the demand units'
//! geometries, for the map, tiles and the features API. Every product builds its result
//! layer here.

use crate::layer::{Feature, Field, FieldKind, Layer, LayerMeta, Value};

use super::units::{DemandUnit, Prepared};

/// The fields every unit layer starts with: `unit_id`, `population`.
const UNIT_FIELDS: [(&str, FieldKind); 2] = [
    ("unit_id", FieldKind::Integer),
    ("population", FieldKind::Real),
];

/// The fields of the unit's area, where a product places them: `area_code`, `area_name`.
pub const AREA_FIELDS: [(&str, FieldKind); 2] = [
    ("area_code", FieldKind::String),
    ("area_name", FieldKind::String),
];

/// A nullable real.
pub fn real(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::Real)
}

/// A nullable text.
pub fn text(v: Option<String>) -> Value {
    v.map_or(Value::Null, Value::Str)
}

/// The area code and name of a unit, as values for [`AREA_FIELDS`].
pub fn area_values(prepared: &Prepared, unit: &DemandUnit) -> [Value; 2] {
    let area = unit.area.map(|a| &prepared.areas[a as usize]);
    [
        text(area.and_then(|a| a.code.clone())),
        text(area.map(|a| a.name.clone())),
    ]
}

/// Names and metadata of a result layer.
#[derive(Debug, Clone, Copy)]
pub struct Naming<'a> {
    /// Layer id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Description.
    pub description: &'a str,
    /// The `source` telling the product's results from ingested layers.
    pub source: &'a str,
}

/// A layer with one feature per unit of `prepared` (its geometry, ids 1, 2, …): `unit_id`,
/// `population`, then `fields` with the values `row` gives for each unit (its position and
/// the unit).
///
/// ```
/// # use std::sync::Arc;
/// # use kartrummet::analysis::engine::{unit_layer, Naming, Prepared, DemandUnit};
/// # use kartrummet::layer::{FieldKind, Layer, LayerMeta, Value};
/// # let demand = Arc::new(Layer::new(LayerMeta::new("d", vec![]), vec![]));
/// # let prepared = Prepared { network: None, network_layer: None, demand, units: vec![],
/// #     areas: vec![], area_layer: None, area_join: None, key: String::new() };
/// let naming = Naming { id: "sa_x", title: "X", description: "", source: "analysis/x" };
/// let layer = unit_layer(&prepared, &naming, &[("band", FieldKind::String)], |_, _| vec![Value::Null]);
/// assert_eq!(layer.field_names(), "unit_id, population, band");
/// ```
pub fn unit_layer(
    prepared: &Prepared,
    naming: &Naming,
    fields: &[(&str, FieldKind)],
    mut row: impl FnMut(usize, &DemandUnit) -> Vec<Value>,
) -> Layer {
    let fields = UNIT_FIELDS
        .iter()
        .chain(fields)
        .map(|(name, kind)| Field {
            name: name.to_string(),
            kind: *kind,
        })
        .collect();
    let features = prepared
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut properties = vec![Value::Int(u.id as i64), Value::Real(u.population)];
            properties.extend(row(i, u));
            let source = &prepared.demand.features[u.feature];
            Feature {
                id: i as u64 + 1,
                geometry: source.geometry.clone(),
                display: source.display.clone(),
                properties,
            }
        })
        .collect();
    let meta = LayerMeta {
        title: naming.title.to_string(),
        description: naming.description.to_string(),
        source: naming.source.into(),
        ..LayerMeta::new(naming.id, fields)
    };
    Layer::new(meta, features)
}
