//! Selecting a layer's features: by a box in either of its CRSs and by attribute equality,
//! in source order. Shared by the features API and OGC API — Features.

use geo::{Geometry, Intersects, Rect};
use serde_json::{Map, Value as Json};

use super::Layer;

/// Features in a page when the client names no limit.
pub const DEFAULT_PAGE: usize = 100;
/// The most features one page may hold.
pub const MAX_PAGE: usize = 10_000;

/// Which of a layer's two geometries a box is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// The analysis CRS ([`super::Feature::geometry`]).
    Analysis,
    /// WGS84 longitude/latitude ([`super::Feature::display`]).
    Display,
}

/// A filter names a field the layer does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown parameter or field {name:?}; fields: {fields}")]
pub struct UnknownField {
    /// The name asked for.
    pub name: String,
    /// The layer's field names, comma-separated.
    pub fields: String,
}

impl Layer {
    /// Attribute filters from `name=value` pairs, as `(field position, text)`.
    pub fn filters(
        &self,
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Vec<(usize, String)>, UnknownField> {
        pairs
            .into_iter()
            .map(|(name, value)| {
                self.field_index(&name)
                    .map(|i| (i, value))
                    .ok_or_else(|| UnknownField {
                        name,
                        fields: self.field_names(),
                    })
            })
            .collect()
    }

    /// Positions of the features that meet `bbox` (`[min x, min y, max x, max y]` in `space`,
    /// in traditional GIS order) and equal every filter's text ([`super::Value::matches_text`]),
    /// ascending.
    pub fn select(
        &self,
        bbox: Option<(Space, [f64; 4])>,
        filters: &[(usize, String)],
    ) -> Vec<usize> {
        let positions: Vec<usize> = match bbox {
            Some((space, b)) => {
                let rect = Rect::new((b[0], b[1]), (b[2], b[3]));
                let geometry = |i: usize| -> &Geometry<f64> {
                    match space {
                        Space::Analysis => &self.features[i].geometry,
                        Space::Display => &self.features[i].display,
                    }
                };
                let candidates = match space {
                    Space::Analysis => self.analysis_candidates(b),
                    Space::Display => self.display_candidates(b),
                };
                candidates
                    .into_iter()
                    .filter(|&i| geometry(i).intersects(&rect))
                    .collect()
            }
            None => (0..self.features.len()).collect(),
        };
        positions
            .into_iter()
            .filter(|&i| {
                let props = &self.features[i].properties;
                filters.iter().all(|(f, v)| props[*f].matches_text(v))
            })
            .collect()
    }

    /// The attributes of the feature at `position` as a JSON object keyed by field name.
    pub fn properties_json(&self, position: usize) -> Map<String, Json> {
        self.meta
            .fields
            .iter()
            .zip(&self.features[position].properties)
            .map(|(field, value)| (field.name.clone(), value.to_json()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Feature, Field, FieldKind, LayerMeta, Value};

    fn layer() -> Layer {
        let fields = vec![Field {
            name: "namn".into(),
            kind: FieldKind::String,
        }];
        let feature = |id: u64, x: f64, name: &str| Feature {
            id,
            geometry: geo::point!(x: x * 1000.0, y: 0.0).into(),
            display: geo::point!(x: x, y: 0.0).into(),
            properties: vec![Value::Str(name.into())],
        };
        Layer::new(
            LayerMeta::new("t", fields),
            vec![
                feature(1, 1.0, "a"),
                feature(2, 2.0, "b"),
                feature(3, 3.0, "a"),
            ],
        )
    }

    #[test]
    fn selects_by_box_in_either_space_and_by_field() {
        let l = layer();
        assert_eq!(l.select(None, &[]), vec![0, 1, 2]);
        let a = l.filters([("namn".to_string(), "a".to_string())]).unwrap();
        assert_eq!(l.select(None, &a), vec![0, 2]);
        let display = Some((Space::Display, [1.5, -1.0, 3.5, 1.0]));
        assert_eq!(l.select(display, &a), vec![2]);
        let analysis = Some((Space::Analysis, [500.0, -1.0, 2500.0, 1.0]));
        assert_eq!(l.select(analysis, &[]), vec![0, 1]);
        assert!(l.filters([("x".to_string(), "1".to_string())]).is_err());
        assert_eq!(l.properties_json(1)["namn"], "b");
    }
}
