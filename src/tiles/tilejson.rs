//! TileJSON 3.0 descriptions of tile sets, for the web map and the PMTiles metadata.

use serde_json::{Value as Json, json};

use super::TileLayer;
use super::merge::{CELLS, MERGED, SUMS};
use super::thin::{COUNT, IDS};
use crate::layer::{FieldKind, GeometryKind};

/// The TileJSON document for `layers` served under `tiles_url` (a URL template with `{z}`,
/// `{x}` and `{y}`).
///
/// ```
/// let doc = kartrummet::tiles::tilejson::tilejson(&[], "/tiles/x/{z}/{x}/{y}.mvt");
/// assert_eq!(doc["tilejson"], "3.0.0");
/// assert_eq!(doc["tiles"][0], "/tiles/x/{z}/{x}/{y}.mvt");
/// ```
pub fn tilejson(layers: &[TileLayer<'_>], tiles_url: &str) -> Json {
    let mut doc = metadata(layers);
    doc["tilejson"] = json!("3.0.0");
    doc["tiles"] = json!([tiles_url]);
    doc["scheme"] = json!("xyz");
    doc
}

/// Everything of the TileJSON document but the tile URLs: name, description, zooms, bounds,
/// center and `vector_layers` with their fields. Also the PMTiles archive metadata.
pub fn metadata(layers: &[TileLayer<'_>]) -> Json {
    let minzoom = layers.iter().map(|l| l.settings.minzoom).min().unwrap_or(0);
    let maxzoom = layers.iter().map(|l| l.settings.maxzoom).max().unwrap_or(0);
    let bounds = union_bounds(layers);
    let vector_layers: Vec<Json> = layers
        .iter()
        .map(|l| {
            let mut fields: serde_json::Map<String, Json> = l
                .settings
                .fields
                .iter()
                .map(|&i| {
                    let field = &l.layer.meta.fields[i];
                    (field.name.clone(), json!(field_type(field.kind)))
                })
                .collect();
            for (name, kind) in generalised_fields(l.layer.meta.geometry_type) {
                fields.insert(name.into(), json!(kind));
            }
            json!({
                "id": l.layer.meta.id,
                "description": l.layer.meta.description,
                "minzoom": l.settings.minzoom,
                "maxzoom": l.settings.maxzoom,
                "fields": fields,
            })
        })
        .collect();
    let join = |texts: Vec<&str>| texts.join(", ");
    let mut doc = json!({
        "name": join(layers.iter().map(|l| l.layer.meta.title.as_str()).collect()),
        "description": join(layers.iter().map(|l| l.layer.meta.description.as_str()).collect()),
        "version": layers
            .iter()
            .map(|l| l.layer.meta.version.to_string())
            .collect::<Vec<_>>()
            .join("."),
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "vector_layers": vector_layers,
    });
    if let Some(b) = bounds {
        doc["bounds"] = json!(b);
        doc["center"] = json!(center(b, minzoom, maxzoom));
    }
    doc
}

/// The WGS84 box around every layer's features.
pub fn union_bounds(layers: &[TileLayer<'_>]) -> Option<[f64; 4]> {
    layers
        .iter()
        .filter_map(|l| l.layer.meta.bbox)
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

/// `[lon, lat, zoom]`: the middle of `bounds` at the zoom where it fits one 256-pixel tile,
/// kept within the zoom range.
pub fn center(bounds: [f64; 4], minzoom: u8, maxzoom: u8) -> [f64; 3] {
    let (lon, lat) = ((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0);
    let [w, s, e, n] = bounds;
    let nw = super::mercator::lonlat_to_world(w, n);
    let se = super::mercator::lonlat_to_world(e, s);
    let span = (se.0 - nw.0).max(se.1 - nw.1).max(1e-9);
    let fit = (-span.log2())
        .floor()
        .clamp(0.0, f64::from(super::MAX_ZOOM)) as u8;
    let zoom = fit.clamp(minzoom, maxzoom.max(minzoom));
    [lon, lat, f64::from(zoom)]
}

/// The attributes generalisation adds below `maxzoom`: blocks of small polygons, and points
/// that stand for others.
fn generalised_fields(kind: GeometryKind) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if !kind.is_point() && !kind.is_line() {
        out.extend([(MERGED, "Boolean"), (CELLS, "Number"), (SUMS, "String")]);
    }
    if !kind.is_polygon() && !kind.is_line() {
        out.extend([(COUNT, "Number"), (IDS, "String")]);
    }
    out
}

/// The TileJSON field type of an attribute type.
fn field_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Integer | FieldKind::Real => "Number",
        FieldKind::Boolean => "Boolean",
        FieldKind::String | FieldKind::Date | FieldKind::DateTime => "String",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn center_of_dalarna_is_about_zoom_6() {
        let c = center([12.1, 59.8, 16.8, 62.3], 0, 14);
        assert!((c[0] - 14.45).abs() < 1e-9);
        assert!((5.0..=7.0).contains(&c[2]));
        assert_eq!(center([12.1, 59.8, 16.8, 62.3], 8, 14)[2], 8.0);
    }

    #[test]
    fn generalised_attributes_are_listed_by_geometry() {
        let names = |kind| -> Vec<&str> { generalised_fields(kind).iter().map(|f| f.0).collect() };
        assert_eq!(
            names(GeometryKind::MultiPolygon),
            ["merged", "cells", "sums"]
        );
        assert_eq!(names(GeometryKind::Point), ["count", "ids"]);
        assert!(names(GeometryKind::LineString).is_empty());
        assert_eq!(names(GeometryKind::Geometry).len(), 5);
    }
}
