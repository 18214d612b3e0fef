//! Per-layer tile settings: defaults from the layer, overridable in the configuration file.
//!
//! ```toml
//! [tiles.rutor_1km]
//! minzoom = 6                  # no tiles of this layer below zoom 6
//! maxzoom = 13                 # full detail from 13; clients overzoom beyond it
//! fields = ["beftotalt"]       # attributes in tiles (default: all)
//! max_string_length = 64       # longer texts are cut (default 256 characters)
//! merge = { beftotalt = "sum", medelinkomst = "mean" }   # how blocks merge a field
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::merge::{MergeRule, population_field};
use super::{DEFAULT_MAX_ZOOM, TileError, mercator::MAX_ZOOM};
use crate::layer::{Field, LayerMeta};

/// Default cap on the characters of a text attribute in a tile.
pub const DEFAULT_MAX_STRING_LENGTH: usize = 256;

/// One `[tiles.LAYER]` section of the configuration file. Every key is optional.
///
/// ```
/// let o: kartrummet::tiles::TileOverrides = toml::from_str("maxzoom = 12").unwrap();
/// assert_eq!(o.maxzoom, Some(12));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileOverrides {
    /// Lowest zoom with this layer in tiles.
    pub minzoom: Option<u8>,
    /// Zoom of full detail; no tiles of the layer above it (clients overzoom).
    pub maxzoom: Option<u8>,
    /// Attributes to put in tiles, in this order.
    pub fields: Option<Vec<String>>,
    /// Characters a text attribute keeps.
    pub max_string_length: Option<usize>,
    /// How merged blocks combine a field, by field name, where the rule guessed from its name
    /// and type ([`MergeRule::for_field`]) is wrong.
    pub merge: Option<BTreeMap<String, MergeRule>>,
}

/// How one layer is cut into tiles.
#[derive(Debug, Clone, PartialEq)]
pub struct TileSettings {
    /// Lowest zoom with this layer in tiles.
    pub minzoom: u8,
    /// Zoom of full detail (no thinning, finest simplification); no tiles above it.
    pub maxzoom: u8,
    /// Positions in the layer's fields of the attributes put in tiles.
    pub fields: Vec<usize>,
    /// Characters a text attribute keeps.
    pub max_string_length: usize,
    /// How merged blocks combine each field of the layer (one rule per field, in its order).
    pub merge: Vec<MergeRule>,
    /// Position of the field that weighs features in merged means and majorities (area when
    /// absent).
    pub population: Option<usize>,
}

impl TileSettings {
    /// The settings of a layer: every attribute, zooms 0 to 14, then `overrides`.
    /// Generalisation follows from the geometry type: points are thinned and lines and
    /// polygons simplified below `maxzoom`, small polygons merged into blocks (see
    /// [`super::render_tile`]). Listed fields the layer lacks (it may have been re-ingested
    /// with other columns) are skipped with a warning.
    pub fn for_layer(
        meta: &LayerMeta,
        overrides: Option<&TileOverrides>,
    ) -> Result<Self, TileError> {
        let o = overrides.cloned().unwrap_or_default();
        let invalid = |detail: String| TileError::Settings {
            layer: meta.id.clone(),
            detail,
        };
        let minzoom = o.minzoom.unwrap_or(0);
        let maxzoom = o.maxzoom.unwrap_or(DEFAULT_MAX_ZOOM);
        if minzoom > maxzoom || maxzoom > MAX_ZOOM {
            return Err(invalid(format!(
                "need minzoom ≤ maxzoom ≤ {MAX_ZOOM}, got {minzoom} and {maxzoom}"
            )));
        }
        let fields = match &o.fields {
            None => (0..meta.fields.len()).collect(),
            Some(names) => names
                .iter()
                .filter_map(|name| {
                    let found = position(&meta.fields, name);
                    if found.is_none() {
                        tracing::warn!("[tiles.{}]: the layer has no field {name:?}", meta.id);
                    }
                    found
                })
                .collect(),
        };
        let configured = o.merge.unwrap_or_default();
        for name in configured.keys() {
            if position(&meta.fields, name).is_none() {
                tracing::warn!("[tiles.{}.merge]: the layer has no field {name:?}", meta.id);
            }
        }
        let merge: Vec<MergeRule> = meta
            .fields
            .iter()
            .map(|f| {
                configured
                    .get(&f.name)
                    .copied()
                    .unwrap_or_else(|| MergeRule::for_field(f))
            })
            .collect();
        Ok(Self {
            minzoom,
            maxzoom,
            fields,
            max_string_length: o.max_string_length.unwrap_or(DEFAULT_MAX_STRING_LENGTH),
            population: population_field(&meta.fields, &merge),
            merge,
        })
    }

    /// Whether tiles at zoom `z` carry the layer.
    pub fn covers(&self, z: u8) -> bool {
        (self.minzoom..=self.maxzoom).contains(&z)
    }
}

fn position(fields: &[Field], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{FieldKind, GeometryKind};

    fn meta() -> LayerMeta {
        let fields = vec![
            Field {
                name: "a".into(),
                kind: FieldKind::String,
            },
            Field {
                name: "b".into(),
                kind: FieldKind::Integer,
            },
        ];
        LayerMeta {
            geometry_type: GeometryKind::Point,
            ..LayerMeta::new("t", fields)
        }
    }

    #[test]
    fn defaults_take_every_field() {
        let s = TileSettings::for_layer(&meta(), None).unwrap();
        assert_eq!(s.fields, vec![0, 1]);
        assert_eq!((s.minzoom, s.maxzoom), (0, DEFAULT_MAX_ZOOM));
    }

    #[test]
    fn overrides_apply_and_are_checked() {
        let o: TileOverrides = toml::from_str("minzoom = 3\nfields = [\"b\"]").unwrap();
        let s = TileSettings::for_layer(&meta(), Some(&o)).unwrap();
        assert_eq!((s.minzoom, s.fields), (3, vec![1]));
        let missing: TileOverrides = toml::from_str("fields = [\"zz\", \"a\"]").unwrap();
        assert_eq!(
            TileSettings::for_layer(&meta(), Some(&missing))
                .unwrap()
                .fields,
            vec![0]
        );
        let merge: TileOverrides = toml::from_str("merge = { b = \"majority\" }").unwrap();
        let s = TileSettings::for_layer(&meta(), Some(&merge)).unwrap();
        assert_eq!(s.merge, vec![MergeRule::Majority, MergeRule::Majority]);
        assert!(toml::from_str::<TileOverrides>("merge = { b = \"median\" }").is_err());
        let bad: TileOverrides = toml::from_str("minzoom = 9\nmaxzoom = 4").unwrap();
        assert!(TileSettings::for_layer(&meta(), Some(&bad)).is_err());
        assert!(toml::from_str::<TileOverrides>("colour = 1").is_err());
    }
}
