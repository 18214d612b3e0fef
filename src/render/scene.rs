//! A layer as maplibre-rs can draw it: *passes* of filled polygons in device pixels.
//!
//! maplibre-rs 0.0.3 fills polygons, opaquely, and nothing else: no line widths, no circles,
//! no opacity. So lines and outlines are stroked here to their width (`i_overlay`'s stroker,
//! round joins and caps), dots become discs on a white ring, and what the web map draws
//! translucent becomes a pass: groups of one colour each, drawn opaque in order, then laid
//! over the map at the pass's opacity ([`super::compose`]).

use std::collections::HashMap;

use geo::{Coord, Geometry, LineString, MapCoords, Polygon, Simplify};
use i_overlay::mesh::stroke::offset::StrokeOffset;
use i_overlay::mesh::style::{LineCap, LineJoin, StrokeStyle};

use super::frame::Frame;
use super::palette::Rgb;
use super::style::{Kind, Look};
use crate::layer::Layer;

/// A polygon in device pixels: its rings, the exterior first.
pub type Shape = Vec<Vec<[f64; 2]>>;

/// Shapes of one colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Their colour.
    pub colour: Rgb,
    /// The polygons.
    pub shapes: Vec<Shape>,
}

/// Groups drawn opaque in order, later over earlier, then laid over the map at `opacity`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    /// Opacity of the whole pass, 0–1.
    pub opacity: f32,
    /// The groups, bottom first.
    pub groups: Vec<Group>,
}

/// Douglas–Peucker tolerance in device pixels: what an eye cannot see.
const TOLERANCE: f64 = 0.25;
/// Sides of a disc per device pixel of radius (at least 8).
const DISC_SIDES_PER_PX: f64 = 2.0;

/// The passes that draw `layer` with `look` in `frame`: for areas the fill, then the outline;
/// for lines one pass; for dots one pass of white rings under coloured discs.
pub fn passes(frame: &Frame, layer: &Layer, look: &Look) -> Vec<Pass> {
    let [w, s, e, n] = frame.bbox();
    // A little beyond the edges, so outlines and dots cut by them are drawn whole.
    let (dx, dy) = ((e - w) * 0.02, (n - s) * 0.02);
    let features: Vec<_> = layer
        .display_candidates([w - dx, s - dy, e + dx, n + dy])
        .into_iter()
        .map(|i| &layer.features[i])
        .collect();
    let dpr = frame.dpr;
    let project = |g: &Geometry<f64>| {
        g.map_coords(|c| {
            let (x, y) = frame.project(c.x, c.y);
            Coord { x, y }
        })
    };
    let mut fills = Grouping::default();
    let mut lines: Vec<(Rgb, LineString<f64>)> = Vec::new();
    let mut dots: Vec<(Rgb, [f64; 2])> = Vec::new();
    for feature in features {
        let colour = look.colouring.of(feature);
        match project(&feature.display) {
            Geometry::Polygon(p) => fills.add(colour, polygon_shape(&p)),
            Geometry::MultiPolygon(mp) => {
                mp.iter().for_each(|p| fills.add(colour, polygon_shape(p)))
            }
            Geometry::LineString(l) => lines.push((colour, l)),
            Geometry::MultiLineString(ml) => lines.extend(ml.0.into_iter().map(|l| (colour, l))),
            Geometry::Point(p) => dots.push((colour, [p.x(), p.y()])),
            Geometry::MultiPoint(mp) => dots.extend(mp.iter().map(|p| (colour, [p.x(), p.y()]))),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match look.kind {
        Kind::Fill => {
            let outlines: Vec<Vec<[f64; 2]>> = fills
                .groups
                .iter()
                .flat_map(|g| g.shapes.iter().flatten().cloned())
                .collect();
            out.push(Pass {
                opacity: look.opacity,
                groups: fills.groups,
            });
            if let Some(o) = look.outline.filter(|o| o.opacity > 0.0 && o.width > 0.0) {
                let shapes = stroke(&outlines, o.width * dpr, true);
                out.push(Pass {
                    opacity: o.opacity,
                    groups: vec![Group {
                        colour: o.colour,
                        shapes,
                    }],
                });
            }
        }
        Kind::Line => {
            let mut by_colour = Grouping::default();
            for (colour, line) in lines {
                let line = line.simplify(TOLERANCE);
                by_colour.add_many(colour, stroke(&[points(&line)], look.size * dpr, false));
            }
            out.push(Pass {
                opacity: look.opacity,
                groups: by_colour.groups,
            });
        }
        Kind::Point => {
            let radius = look.size * dpr;
            let ring = look.outline.map_or(0.0, |o| o.width * dpr);
            let mut groups = Grouping::default();
            if ring > 0.0 {
                groups.add_many(
                    [255, 255, 255],
                    dots.iter()
                        .map(|(_, at)| disc(*at, radius + ring))
                        .collect(),
                );
            }
            for (colour, at) in &dots {
                groups.add(*colour, disc(*at, radius));
            }
            out.push(Pass {
                opacity: look.opacity,
                groups: groups.groups,
            });
        }
    }
    out.retain(|p| p.groups.iter().any(|g| !g.shapes.is_empty()));
    out
}

/// Groups by colour, in the order colours first appear.
#[derive(Default)]
struct Grouping {
    groups: Vec<Group>,
    index: HashMap<Rgb, usize>,
}

impl Grouping {
    fn add(&mut self, colour: Rgb, shape: Shape) {
        if shape.is_empty() {
            return;
        }
        self.add_many(colour, vec![shape]);
    }

    fn add_many(&mut self, colour: Rgb, shapes: Vec<Shape>) {
        let i = *self.index.entry(colour).or_insert_with(|| {
            self.groups.push(Group {
                colour,
                shapes: Vec::new(),
            });
            self.groups.len() - 1
        });
        self.groups[i].shapes.extend(shapes);
    }
}

/// A polygon in pixels, simplified to what shows; empty when it has no area left.
fn polygon_shape(p: &Polygon<f64>) -> Shape {
    let p = p.simplify(TOLERANCE);
    if p.exterior().0.len() < 4 {
        return Vec::new();
    }
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .filter(|r| r.0.len() >= 4)
        .map(points)
        .collect()
}

fn points(line: &LineString<f64>) -> Vec<[f64; 2]> {
    line.0.iter().map(|c| [c.x, c.y]).collect()
}

/// The area a line of `width` pixels covers along each path (closed paths: rings).
///
/// ```
/// use kartrummet::render::scene::stroke;
/// let shapes = stroke(&[vec![[0.0, 0.0], [10.0, 0.0]]], 2.0, false);
/// let (xs, ys): (Vec<f64>, Vec<f64>) = shapes[0][0].iter().map(|p| (p[0], p[1])).unzip();
/// assert!(ys.iter().all(|y| y.abs() <= 1.0 + 1e-6));
/// assert!(xs.iter().any(|x| *x < -0.9) && xs.iter().any(|x| *x > 10.9));
/// ```
pub fn stroke(paths: &[Vec<[f64; 2]>], width: f64, closed: bool) -> Vec<Shape> {
    let paths: Vec<Vec<[f64; 2]>> = paths.iter().filter(|p| p.len() >= 2).cloned().collect();
    if paths.is_empty() || width.is_nan() || width <= 0.0 {
        return Vec::new();
    }
    let style = StrokeStyle::new(width)
        .line_join(LineJoin::Round(0.5))
        .start_cap(LineCap::Round(0.5))
        .end_cap(LineCap::Round(0.5));
    paths.stroke(style, closed)
}

/// A disc of `radius` pixels around `at`.
fn disc(at: [f64; 2], radius: f64) -> Shape {
    if radius.is_nan() || radius <= 0.0 || !at.iter().all(|v| v.is_finite()) {
        return Vec::new();
    }
    let sides = (radius * DISC_SIDES_PER_PX).clamp(8.0, 96.0) as usize;
    let ring = (0..sides)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / sides as f64;
            [at[0] + radius * a.cos(), at[1] + radius * a.sin()]
        })
        .collect();
    vec![ring]
}
