//! Vector tiles: layers cut into Mapbox Vector Tiles 2.1 on the Web Mercator XYZ grid.
//!
//! For each tile and layer, [`render_tile`] takes the features whose WGS84 box meets the tile
//! plus its buffer, maps them into tile coordinates (extent [`EXTENT`], y down) and generalises
//! them for the zoom, so that what is there is drawn at every zoom:
//!
//! - points outside the buffered tile are dropped; below the layer's `maxzoom` at most one
//!   point per cell of [`THIN_CELL`] units (two screen pixels) is drawn, the first in source
//!   order, and it counts the others of its cell ([`thin`]: `count`, `ids`);
//! - below `maxzoom`, polygon features smaller than a screen pixel in both directions are merged
//!   into blocks of a grid twice that size ([`merge`]: sums for counts, weighted means for
//!   rates and times, the heaviest class for categories; `merged`, `cells`), so a 1 km grid
//!   or a scatter of small towns stays visible and adds up at low zooms;
//! - lines below `maxzoom` smaller than a pixel in both directions are dropped, and lines and
//!   polygons simplified (Douglas–Peucker) with a tolerance of half a pixel (one tile unit at
//!   `maxzoom`); of a line only the stretches near the tile are projected and simplified, so
//!   a deep tile of a long bus route costs what is in it;
//! - below `maxzoom`, a layer that still takes more than [`LAYER_BUDGET`] bytes in a tile is
//!   cut again with every threshold doubled (tolerance, minimum size, block and thinning
//!   cell), until it fits;
//! - everything is clipped to the tile plus [`BUFFER`] units and rounded to integers;
//!   polygons then go through an integer overlay that makes them OGC-valid, and rings are
//!   oriented as the spec requires (exterior rings positive area by its formula, holes
//!   negative).
//!
//! Each layer becomes one MVT layer named with the layer id. The code here knows nothing of
//! HTTP: [`api::tiles`](crate::api) serves it, [`cache`] keeps rendered tiles, [`pmtiles`]
//! writes archives.

pub mod cache;
pub mod clip;
pub mod encode;
pub mod mercator;
pub mod merge;
pub mod pmtiles;
pub mod settings;
pub mod simplify;
pub mod thin;
pub mod tilejson;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use geo::{BoundingRect, Coord, CoordsIter, Geometry, LineString, Polygon, Rect};

pub use cache::{CachedTile, TileCache, TileKey};
pub use mercator::{MAX_ZOOM, TileId, TileTransform};
pub use settings::{TileOverrides, TileSettings};

use crate::layer::{Layer, Value};
use crate::store::Catalog;
use clip::{ClipRect, bbox, clip_line, clip_polygon, clip_ring, runs_near};
use encode::{LayerEncoder, TileGeometry, TileValue, encode_tile};
use merge::{Blocks, block_attributes};
use simplify::{open_ring, orient, quantize, simplify_line, simplify_rings};
use thin::Marks;

/// Units per tile side.
pub const EXTENT: u32 = 4096;
/// Units of geometry kept beyond each tile edge, so lines and outlines join across tiles.
pub const BUFFER: u32 = 64;
/// Default zoom of full detail.
pub const DEFAULT_MAX_ZOOM: u8 = 14;
/// Tile units per screen pixel when a tile is drawn 256 pixels wide.
pub const PIXEL: f64 = EXTENT as f64 / 256.0;
/// Side of the thinning cell for points below `maxzoom`, in tile units.
pub const THIN_CELL: f64 = 2.0 * PIXEL;
/// Bytes one layer of a tile may take below `maxzoom` before it is generalised further.
pub const LAYER_BUDGET: usize = 384 * 1024;

/// Errors of tiling.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// The zoom is above [`MAX_ZOOM`].
    #[error("zoom {z} is outside 0–{MAX_ZOOM}")]
    ZoomOutOfRange {
        /// The zoom asked for.
        z: u8,
    },
    /// x or y is outside the grid of the zoom.
    #[error("tile {z}/{x}/{y} is outside the grid (x and y must be below {})", 1u64 << z)]
    OutsideGrid {
        /// Zoom.
        z: u8,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
    /// No layer with this id.
    #[error("no layer {0:?}")]
    UnknownLayer(String),
    /// The list of layer ids is empty or names a layer twice.
    #[error("expected layer ids separated by commas, each once; got {0:?}")]
    BadLayerList(String),
    /// The tile settings of a layer do not fit it.
    #[error("tile settings of layer {layer}: {detail}")]
    Settings {
        /// The layer.
        layer: String,
        /// What is wrong.
        detail: String,
    },
    /// Writing an archive failed.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: ::pmtiles::PmtError,
    },
}

/// A layer with the settings to tile it by.
#[derive(Debug, Clone, Copy)]
pub struct TileLayer<'a> {
    /// The layer.
    pub layer: &'a Layer,
    /// How to tile it.
    pub settings: &'a TileSettings,
}

/// The layers named by `list`, ids separated by commas (`a,b,c`), from `catalog`, each with
/// its tile settings (defaults, then its section in `overrides`).
///
/// ```
/// use kartrummet::tiles::{TileError, resolve_layers};
/// let catalog = kartrummet::store::Catalog::default();
/// let none = resolve_layers(&catalog, "kommungranser", &Default::default());
/// assert!(matches!(none, Err(TileError::UnknownLayer(id)) if id == "kommungranser"));
/// assert!(matches!(resolve_layers(&catalog, "a,,b", &Default::default()), Err(TileError::BadLayerList(_))));
/// ```
pub fn resolve_layers(
    catalog: &Catalog,
    list: &str,
    overrides: &BTreeMap<String, TileOverrides>,
) -> Result<Vec<(Arc<Layer>, TileSettings)>, TileError> {
    let ids: Vec<&str> = list.split(',').collect();
    let duplicate = ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id));
    if duplicate || ids.iter().any(|id| id.is_empty()) {
        return Err(TileError::BadLayerList(list.to_string()));
    }
    ids.into_iter()
        .map(|id| {
            let layer = catalog
                .get(id)
                .cloned()
                .ok_or_else(|| TileError::UnknownLayer(id.to_string()))?;
            let settings = TileSettings::for_layer(&layer.meta, overrides.get(id))?;
            Ok((layer, settings))
        })
        .collect()
}

/// Borrows resolved layers as the list [`render_tile`] takes.
pub fn tile_layers(resolved: &[(Arc<Layer>, TileSettings)]) -> Vec<TileLayer<'_>> {
    resolved
        .iter()
        .map(|(layer, settings)| TileLayer { layer, settings })
        .collect()
}

/// Renders one tile with every given layer that covers its zoom, as MVT bytes (uncompressed).
/// An empty vector means the tile has no features.
///
/// ```
/// use kartrummet::layer::{Feature, Layer, LayerMeta};
/// use kartrummet::tiles::{TileId, TileLayer, TileSettings, render_tile};
/// let meta = LayerMeta::new("falun", vec![]);
/// let point: geo::Geometry<f64> = geo::point!(x: 15.63, y: 60.61).into();
/// let feature = Feature { id: 1, geometry: point.clone(), display: point, properties: vec![] };
/// let layer = Layer::new(meta, vec![feature]);
/// let settings = TileSettings::for_layer(&layer.meta, None).unwrap();
/// let layers = [TileLayer { layer: &layer, settings: &settings }];
/// let here = TileId::containing(15.63, 60.61, 10).unwrap();
/// assert!(!render_tile(&layers, here).is_empty());
/// assert!(render_tile(&layers, TileId::new(10, 0, 0).unwrap()).is_empty());
/// ```
pub fn render_tile(layers: &[TileLayer<'_>], tile: TileId) -> Vec<u8> {
    let encoders = layers
        .iter()
        .filter(|l| l.settings.covers(tile.z))
        .map(|l| render_layer(l, tile))
        .collect();
    encode_tile(encoders)
}

/// Whether any of `layers` has a feature whose box meets `tile` plus its buffer, whatever the
/// zoom settings: deeper tiles can only have features where this holds.
pub fn has_candidates(layers: &[TileLayer<'_>], tile: TileId) -> bool {
    let bounds = tile.bounds(f64::from(BUFFER) / f64::from(EXTENT));
    layers
        .iter()
        .any(|l| !l.layer.display_candidates(bounds).is_empty())
}

/// What the generalisation of one tile needs to know.
struct Context {
    transform: TileTransform,
    rect: ClipRect,
    /// The buffered tile in longitude/latitude, to skip the parts of long lines far from it.
    near: [f64; 4],
    full_detail: bool,
    /// Douglas–Peucker tolerance, tile units.
    tolerance: f64,
    /// Lines smaller than this both ways are dropped, polygons merged (below `maxzoom`).
    min_size: f64,
    /// Points drawn below `maxzoom`, each counting those of its cell.
    marks: Marks,
    /// Small polygons below `maxzoom`, by block.
    blocks: Blocks,
}

impl Context {
    /// The context for `tile`; `coarseness` multiplies tolerance, minimum size, block and
    /// thinning cell below `maxzoom`.
    fn new(tile: TileId, full_detail: bool, coarseness: f64) -> Self {
        Self {
            transform: TileTransform::new(tile, EXTENT),
            rect: ClipRect::tile(EXTENT, BUFFER),
            near: tile.bounds(f64::from(BUFFER) / f64::from(EXTENT)),
            full_detail,
            tolerance: if full_detail {
                1.0
            } else {
                PIXEL / 2.0 * coarseness
            },
            min_size: PIXEL * coarseness,
            marks: Marks::new(THIN_CELL * coarseness),
            blocks: Blocks::new(2.0 * PIXEL * coarseness, EXTENT),
        }
    }
}

/// One layer of a tile. Below `maxzoom`, a layer over [`LAYER_BUDGET`] bytes is rendered
/// again with twice the tolerance, minimum size, block and thinning cell, until it fits (at
/// most six times): the densest places are generalised further.
fn render_layer(tile_layer: &TileLayer<'_>, tile: TileId) -> LayerEncoder {
    let full_detail = tile.z >= tile_layer.settings.maxzoom;
    let mut coarseness = 1.0;
    loop {
        let encoder = render_layer_with(
            tile_layer,
            tile,
            Context::new(tile, full_detail, coarseness),
        );
        if full_detail || encoder.byte_size() <= LAYER_BUDGET || coarseness >= 64.0 {
            return encoder;
        }
        coarseness *= 2.0;
    }
}

fn render_layer_with(
    tile_layer: &TileLayer<'_>,
    tile: TileId,
    mut context: Context,
) -> LayerEncoder {
    let TileLayer { layer, settings } = *tile_layer;
    let mut encoder = LayerEncoder::new(&layer.meta.id, EXTENT);
    let bounds = tile.bounds(f64::from(BUFFER) / f64::from(EXTENT));
    let mut geometries = Vec::new();
    for position in layer.display_candidates(bounds) {
        let feature = &layer.features[position];
        geometries.clear();
        if merges(&feature.display, &mut context, position) {
            continue;
        }
        tile_geometries(&feature.display, &mut context, position, &mut geometries);
        if geometries.is_empty() {
            continue;
        }
        let attributes = feature_attributes(tile_layer, position, &[]);
        for geometry in &geometries {
            encoder.add_feature(Some(feature.id), geometry, attributes.iter().cloned());
        }
    }
    for mark in context.marks.iter() {
        let counted = mark.attributes(|p| layer.features[p].id);
        let attributes = feature_attributes(tile_layer, mark.position, &counted);
        let point = TileGeometry::Points(vec![mark.at]);
        let id = layer.features[mark.position].id;
        encoder.add_feature(Some(id), &point, attributes);
    }
    for (square, members) in context.blocks.iter() {
        let id = match members {
            [one] => Some(layer.features[*one].id),
            _ => None,
        };
        encoder.add_feature(id, &square, block_attributes(layer, settings, members));
    }
    encoder
}

/// The tile attributes of the feature at `position`, then `extra`, which replace fields of the
/// same name.
fn feature_attributes<'a>(
    tile_layer: &TileLayer<'a>,
    position: usize,
    extra: &[(&'a str, TileValue)],
) -> Vec<(&'a str, TileValue)> {
    let TileLayer { layer, settings } = *tile_layer;
    let feature = &layer.features[position];
    settings
        .fields
        .iter()
        .filter_map(|&i| {
            let value = tile_value(feature.properties.get(i)?, settings.max_string_length)?;
            let name = layer.meta.fields[i].name.as_str();
            (!extra.iter().any(|(e, _)| *e == name)).then_some((name, value))
        })
        .chain(extra.iter().cloned())
        .collect()
}

/// An attribute as MVT stores it; `None` for nulls, which MVT leaves out.
pub(crate) fn tile_value(value: &Value, max_chars: usize) -> Option<TileValue> {
    let text = |s: String| TileValue::Str(truncate(s, max_chars));
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => TileValue::Bool(*b),
        Value::Int(i) => TileValue::Int(*i),
        Value::Real(r) => TileValue::Double(*r),
        Value::Str(s) => text(s.clone()),
        Value::Date(d) => text(d.to_string()),
        Value::DateTime(d) => text(d.to_rfc3339()),
    })
}

fn truncate(mut s: String, max_chars: usize) -> String {
    if let Some((cut, _)) = s.char_indices().nth(max_chars) {
        s.truncate(cut);
    }
    s
}

/// Whether `geometry` is a polygon feature small enough below `maxzoom` to be merged into a
/// block rather than drawn; if so it is put in the block holding the centre of its box.
fn merges(geometry: &Geometry<f64>, cx: &mut Context, position: usize) -> bool {
    let polygonal = matches!(
        geometry,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_)
    );
    if cx.full_detail || !polygonal {
        return false;
    }
    let Some(b) = geometry.bounding_rect().map(|r| tile_box(cx, r)) else {
        return false;
    };
    if !too_small(cx, b) {
        return false;
    }
    cx.blocks
        .add([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0], position);
    true
}

/// The parts of `geometry` that belong in the tile, one MVT geometry per family; points below
/// `maxzoom` go to the context's marks instead.
fn tile_geometries(
    geometry: &Geometry<f64>,
    cx: &mut Context,
    position: usize,
    out: &mut Vec<TileGeometry>,
) {
    let mut points_of = |lonlats: &mut dyn Iterator<Item = (f64, f64)>, cx: &mut Context| {
        points(lonlats, cx, position, out)
    };
    match geometry {
        Geometry::Point(p) => points_of(&mut std::iter::once((p.x(), p.y())), cx),
        Geometry::MultiPoint(mp) => points_of(&mut mp.iter().map(|p| (p.x(), p.y())), cx),
        Geometry::Line(l) => lines(&[LineString::from(vec![l.start, l.end])], cx, out),
        Geometry::LineString(ls) => lines(std::slice::from_ref(ls), cx, out),
        Geometry::MultiLineString(ml) => lines(&ml.0, cx, out),
        Geometry::Polygon(p) => polygons(std::slice::from_ref(p), cx, out),
        Geometry::MultiPolygon(mp) => polygons(&mp.0, cx, out),
        Geometry::Rect(r) => polygons(&[r.to_polygon()], cx, out),
        Geometry::Triangle(t) => polygons(&[t.to_polygon()], cx, out),
        Geometry::GeometryCollection(gc) => {
            for member in gc.iter() {
                tile_geometries(member, cx, position, out);
            }
        }
    }
}

/// Points inside the buffered tile: all at `maxzoom`, else counted in the context's marks.
fn points(
    lonlats: &mut dyn Iterator<Item = (f64, f64)>,
    cx: &mut Context,
    position: usize,
    out: &mut Vec<TileGeometry>,
) {
    let mut kept = Vec::new();
    for (lon, lat) in lonlats {
        let (x, y) = cx.transform.apply(lon, lat);
        if !cx.rect.contains([x, y]) {
            continue;
        }
        if cx.full_detail {
            kept.push([x.round() as i32, y.round() as i32]);
        } else {
            cx.marks.add([x, y], position);
        }
    }
    if !kept.is_empty() {
        out.push(TileGeometry::Points(kept));
    }
}

fn project(cx: &Context, line: &[Coord<f64>]) -> Vec<[f64; 2]> {
    line.iter()
        .map(|c| {
            let (x, y) = cx.transform.apply(c.x, c.y);
            [x, y]
        })
        .collect()
}

/// Whether a box is too small to keep: below the minimum size in both directions, when not
/// at full detail.
fn too_small(cx: &Context, b: [f64; 4]) -> bool {
    !cx.full_detail && b[2] - b[0] < cx.min_size && b[3] - b[1] < cx.min_size
}

/// A longitude/latitude box in tile units: Web Mercator keeps boxes, so the corners give it.
fn tile_box(cx: &Context, lonlat: Rect<f64>) -> [f64; 4] {
    let (x0, y0) = cx.transform.apply(lonlat.min().x, lonlat.max().y);
    let (x1, y1) = cx.transform.apply(lonlat.max().x, lonlat.min().y);
    [x0, y0, x1, y1]
}

fn lines(parts: &[LineString<f64>], cx: &mut Context, out: &mut Vec<TileGeometry>) {
    let mut kept = Vec::new();
    for part in parts {
        let Some(lonlat) = part.bounding_rect() else {
            continue;
        };
        if too_small(cx, tile_box(cx, lonlat)) {
            continue;
        }
        // Only the stretches near the tile are projected, simplified and clipped.
        for run in runs_near(&part.0, cx.near) {
            let simplified = simplify_line(&project(cx, run), cx.tolerance);
            for piece in clip_line(&simplified, &cx.rect) {
                let q = quantize(&piece);
                if q.len() >= 2 {
                    kept.push(q);
                }
            }
        }
    }
    if !kept.is_empty() {
        out.push(TileGeometry::Lines(kept));
    }
}

fn polygons(parts: &[Polygon<f64>], cx: &mut Context, out: &mut Vec<TileGeometry>) {
    let mut rings: Vec<Vec<[i32; 2]>> = Vec::new();
    for part in parts {
        let exterior = project(cx, &part.exterior().0);
        let Some(b) = bbox(&exterior) else { continue };
        if !cx.rect.meets_box(b) || too_small(cx, b) {
            continue;
        }
        let mut projected = vec![exterior];
        for hole in part.interiors() {
            if hole.coords_count() < 4 {
                continue;
            }
            let hole = project(cx, &hole.0);
            let keep = bbox(&hole).is_some_and(|b| cx.rect.meets_box(b) && !too_small(cx, b));
            if keep {
                projected.push(hole);
            }
        }
        for ring in simplify_rings(&projected, cx.tolerance) {
            let inside = bbox(&ring).is_some_and(|b| cx.rect.contains_box(b));
            let ring = if inside {
                ring
            } else {
                clip_ring(&ring, &cx.rect)
            };
            if let Some(q) = open_ring(quantize(&ring)) {
                rings.push(q);
            }
        }
    }
    if rings.is_empty() {
        return;
    }
    let (lo, hi) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
    let mut oriented = Vec::with_capacity(rings.len());
    for polygon in clip_polygon(&rings, [lo, lo, hi, hi]) {
        let mut polygon = polygon.into_iter().filter_map(open_ring);
        let Some(exterior) = polygon.next() else {
            continue;
        };
        oriented.push(orient(exterior, true));
        oriented.extend(polygon.map(|hole| orient(hole, false)));
    }
    if !oriented.is_empty() {
        out.push(TileGeometry::Polygons(oriented));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Feature, Field, FieldKind, LayerMeta};
    use geo::polygon;
    use simplify::signed_area2;

    fn layer(features: Vec<(Geometry<f64>, Vec<Value>)>, fields: Vec<Field>) -> Layer {
        let meta = LayerMeta::new("t", fields);
        let features = features
            .into_iter()
            .enumerate()
            .map(|(i, (g, properties))| Feature {
                id: i as u64 + 1,
                geometry: g.clone(),
                display: g,
                properties,
            })
            .collect();
        Layer::new(meta, features)
    }

    fn context(tile: TileId, full_detail: bool) -> Context {
        Context::new(tile, full_detail, 1.0)
    }

    #[test]
    fn polygon_rings_are_wound_for_mvt() {
        // A square with a hole around Falun, counter-clockwise in lon/lat as GeoJSON has it.
        let square = polygon!(
            exterior: [(x: 15.0, y: 60.0), (x: 16.0, y: 60.0), (x: 16.0, y: 61.0), (x: 15.0, y: 61.0)],
            interiors: [[(x: 15.4, y: 60.4), (x: 15.4, y: 60.6), (x: 15.6, y: 60.6), (x: 15.6, y: 60.4)]],
        );
        let tile = TileId::containing(15.5, 60.5, 6).unwrap();
        let mut out = Vec::new();
        polygons(&[square], &mut context(tile, false), &mut out);
        let TileGeometry::Polygons(rings) = &out[0] else {
            panic!("not polygons")
        };
        assert_eq!(rings.len(), 2);
        assert!(signed_area2(&rings[0]) > 0);
        assert!(signed_area2(&rings[1]) < 0);
    }

    #[test]
    fn long_line_through_a_deep_tile_crosses_it_in_each_visit() {
        // 20,000 points west to east through Falun, then back east to west further north
        // through the same tile: two visits, each crossing the buffered tile edge to edge.
        let tile = TileId::containing(15.6355, 60.607, 14).unwrap();
        let [_, s, _, n] = tile.bounds(0.0);
        let (mid, north) = ((s + n) / 2.0, n - (n - s) / 4.0);
        let step = 4.0 / 10_000.0;
        let out_and_back: Vec<Coord<f64>> = (0..10_000)
            .map(|i| Coord {
                x: 13.6 + f64::from(i) * step,
                y: mid,
            })
            .chain((0..10_000).map(|i| Coord {
                x: 17.6 - f64::from(i) * step,
                y: north,
            }))
            .collect();
        let mut out = Vec::new();
        lines(
            &[LineString(out_and_back)],
            &mut context(tile, true),
            &mut out,
        );
        let TileGeometry::Lines(pieces) = &out[0] else {
            panic!("not lines")
        };
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        let (lo, hi) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
        for piece in pieces {
            let xs: Vec<i32> = piece.iter().map(|p| p[0]).collect();
            assert_eq!(
                (*xs.iter().min().unwrap(), *xs.iter().max().unwrap()),
                (lo, hi)
            );
        }
    }

    #[test]
    fn big_polygon_is_clipped_to_the_buffer() {
        let big = polygon![(x: 10.0, y: 55.0), (x: 25.0, y: 55.0), (x: 25.0, y: 70.0), (x: 10.0, y: 70.0)];
        let tile = TileId::containing(15.5, 60.5, 12).unwrap();
        let mut out = Vec::new();
        polygons(&[big], &mut context(tile, false), &mut out);
        let TileGeometry::Polygons(rings) = &out[0] else {
            panic!("not polygons")
        };
        assert_eq!(rings.len(), 1);
        let (lo, hi) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
        assert!(
            rings[0]
                .iter()
                .all(|p| (lo..=hi).contains(&p[0]) && (lo..=hi).contains(&p[1]))
        );
    }

    #[test]
    fn dense_points_are_thinned_below_maxzoom() {
        let tile = TileId::containing(15.63, 60.61, 8).unwrap();
        let many: Vec<(f64, f64)> = (0..100).map(|i| (15.63 + i as f64 * 1e-5, 60.61)).collect();
        let mut out = Vec::new();
        let mut thinned = context(tile, false);
        points(&mut many.iter().copied(), &mut thinned, 0, &mut out);
        assert!(out.is_empty(), "below maxzoom points go to the marks");
        let marks: Vec<_> = thinned.marks.iter().collect();
        assert_eq!((marks.len(), marks[0].count), (1, 100));
        points(
            &mut many.iter().copied(),
            &mut context(tile, true),
            0,
            &mut out,
        );
        assert!(matches!(&out[0], TileGeometry::Points(p) if p.len() == 100));
    }

    #[test]
    fn tiny_lines_vanish_at_low_zoom_only() {
        let short: LineString<f64> = vec![(15.63, 60.61), (15.6301, 60.6101)].into();
        let low = TileId::containing(15.63, 60.61, 5).unwrap();
        let mut out = Vec::new();
        lines(
            std::slice::from_ref(&short),
            &mut context(low, false),
            &mut out,
        );
        assert!(out.is_empty());
        let high = TileId::containing(15.63, 60.61, 18).unwrap();
        lines(
            std::slice::from_ref(&short),
            &mut context(high, true),
            &mut out,
        );
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn small_polygons_are_merged_at_low_zoom_and_themselves_at_maxzoom() {
        // Two 100 m squares in Falun, side by side: far below a pixel at zoom 5.
        let square = |x: f64| -> Geometry<f64> {
            polygon![(x: x, y: 60.61), (x: x + 0.002, y: 60.61), (x: x + 0.002, y: 60.611), (x: x, y: 60.611)].into()
        };
        let fields = vec![Field {
            name: "bef".into(),
            kind: FieldKind::Integer,
        }];
        let l = layer(
            vec![
                (square(15.63), vec![Value::Int(7)]),
                (square(15.632), vec![Value::Int(5)]),
            ],
            fields,
        );
        let settings = TileSettings::for_layer(&l.meta, None).unwrap();
        let tile_layer = TileLayer {
            layer: &l,
            settings: &settings,
        };
        let low = TileId::containing(15.63, 60.61, 5).unwrap();
        let merged = render_layer_with(&tile_layer, low, Context::new(low, false, 1.0));
        assert_eq!(merged.len(), 1, "one block for both");
        let bytes = encode_tile(vec![merged]);
        for key in [&b"merged"[..], b"cells"] {
            assert!(bytes.windows(key.len()).any(|w| w == key));
        }
        let deep = TileId::containing(15.63, 60.61, 14).unwrap();
        let whole = render_layer_with(&tile_layer, deep, Context::new(deep, true, 1.0));
        assert_eq!(whole.len(), 2);
    }

    #[test]
    fn attributes_follow_settings() {
        let fields = vec![
            Field {
                name: "name".into(),
                kind: FieldKind::String,
            },
            Field {
                name: "n".into(),
                kind: FieldKind::Integer,
            },
        ];
        let pt: Geometry<f64> = geo::point!(x: 15.63, y: 60.61).into();
        let l = layer(
            vec![(pt, vec![Value::Str("Fa".repeat(300)), Value::Null])],
            fields,
        );
        let mut settings = TileSettings::for_layer(&l.meta, None).unwrap();
        settings.max_string_length = 10;
        let tile = TileId::containing(15.63, 60.61, 14).unwrap();
        let bytes = render_tile(
            &[TileLayer {
                layer: &l,
                settings: &settings,
            }],
            tile,
        );
        assert!(bytes.windows(10).any(|w| w == b"FaFaFaFaFa"));
        assert!(!bytes.windows(11).any(|w| w == b"FaFaFaFaFaF"));
        settings.minzoom = 15;
        settings.maxzoom = 16;
        assert!(
            render_tile(
                &[TileLayer {
                    layer: &l,
                    settings: &settings
                }],
                tile
            )
            .is_empty()
        );
    }

    #[test]
    fn heavy_layers_are_generalised_until_they_fit() {
        let fields = vec![Field {
            name: "label".into(),
            kind: FieldKind::String,
        }];
        let tile = TileId::containing(15.63, 60.61, 10).unwrap();
        let [w, s, e, n] = tile.bounds(0.0);
        let features = (0..40_000)
            .map(|i| {
                let (fx, fy) = ((i % 200) as f64 / 200.0, (i / 200) as f64 / 200.0);
                let pt: Geometry<f64> =
                    geo::point!(x: w + fx * (e - w), y: s + fy * (n - s)).into();
                (pt, vec![Value::Str(format!("a long unique label {i:08}"))])
            })
            .collect();
        let l = layer(features, fields);
        let settings = TileSettings::for_layer(&l.meta, None).unwrap();
        let layers = [TileLayer {
            layer: &l,
            settings: &settings,
        }];
        let heavy = render_layer_with(&layers[0], tile, Context::new(tile, false, 1.0));
        assert!(heavy.byte_size() > LAYER_BUDGET);
        let fitted = render_layer(&layers[0], tile);
        assert!(fitted.byte_size() <= LAYER_BUDGET && !fitted.is_empty());
        assert!(render_tile(&layers, tile).len() <= LAYER_BUDGET + 1024);
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("åäö".into(), 2), "åä");
        assert_eq!(truncate("ab".into(), 5), "ab");
    }
}
