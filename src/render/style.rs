//! How a layer looks on the map: the web map's styles (`web/js/styles.js`, `analysis.js`,
//! `basemap.js`) as data, for one layer at one zoom: its kind, the colour of each feature,
//! widths, opacities and its legend.

use serde_json::Value as Json;

use super::legend::{LegendItem, LegendSection, Swatch, format_number};
use super::palette::{self, PALETTE, Rgb, rgb};
use crate::analysis::service_access;
use crate::layer::{Feature, Layer, Value};

/// How features are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Filled areas with an outline.
    Fill,
    /// Lines of a width.
    Line,
    /// Dots with a white ring.
    Point,
}

/// Which colour each feature gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Colouring {
    /// All the same.
    One(Rgb),
    /// By a number field: below `breaks[0]` the first colour, and so on; no number: no-data.
    Steps {
        /// Position of the field.
        field: usize,
        /// Increasing thresholds, one fewer than the colours.
        breaks: Vec<f64>,
        /// The class colours.
        colours: Vec<Rgb>,
    },
    /// By a text field's value (travel-time bands); other values: unreachable grey.
    Categories {
        /// Position of the field.
        field: usize,
        /// The values, in legend order.
        values: Vec<String>,
        /// Their colours.
        colours: Vec<Rgb>,
    },
}

impl Colouring {
    /// The colour of `feature`.
    pub fn of(&self, feature: &Feature) -> Rgb {
        match self {
            Self::One(c) => *c,
            Self::Steps {
                field,
                breaks,
                colours,
            } => match feature.properties.get(*field).and_then(|v| v.as_f64()) {
                Some(v) => {
                    colours[breaks
                        .iter()
                        .take_while(|b| v >= **b)
                        .count()
                        .min(colours.len() - 1)]
                }
                None => rgb(&PALETTE.no_data),
            },
            Self::Categories {
                field,
                values,
                colours,
            } => text(feature, *field)
                .and_then(|v| values.iter().position(|x| x == v))
                .map_or(rgb(&PALETTE.unreachable), |i| colours[i]),
        }
    }
}

/// An outline or line: colour, width in CSS pixels and opacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    /// Colour.
    pub colour: Rgb,
    /// Width in CSS pixels.
    pub width: f64,
    /// Opacity 0–1.
    pub opacity: f32,
}

/// The look of one layer at one zoom.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// Areas, lines or dots.
    pub kind: Kind,
    /// The colour of each feature.
    pub colouring: Colouring,
    /// Opacity of the fill, line or dot (0–1).
    pub opacity: f32,
    /// Line width, or dot radius, in CSS pixels.
    pub size: f64,
    /// Outline of areas, or the white ring of dots (its width is the ring's).
    pub outline: Option<Stroke>,
    /// What the legend says of it.
    pub legend: LegendSection,
}

/// `value` at `zoom` on a linear ramp through `stops` (zoom, value), flat beyond the ends.
///
/// ```
/// use kartrummet::render::style::ramp;
/// assert_eq!(ramp(8.5, &[(5.0, 1.0), (12.0, 8.0)]), 4.5);
/// assert_eq!(ramp(2.0, &[(5.0, 1.0), (12.0, 8.0)]), 1.0);
/// ```
pub fn ramp(zoom: f64, stops: &[(f64, f64)]) -> f64 {
    let Some(&(z0, v0)) = stops.first() else {
        return 0.0;
    };
    if zoom <= z0 {
        return v0;
    }
    for pair in stops.windows(2) {
        let ((a, va), (b, vb)) = (pair[0], pair[1]);
        if zoom <= b {
            return va + (vb - va) * (zoom - a) / (b - a);
        }
    }
    stops.last().map_or(v0, |s| s.1)
}

impl Look {
    /// The look of a catalog layer as the web map draws it: a service-access result by its
    /// travel-time bands; otherwise `style` as a view saves it (`{kind: "simple", color}` or
    /// `{kind: "choropleth", field, palette, method, classes}`), by default the `index`th
    /// calm colour. `opacity` is the layer's (0–1).
    pub fn of(layer: &Layer, style: &Json, opacity: f64, index: usize, zoom: f64) -> Self {
        let meta = &layer.meta;
        let opacity = opacity.clamp(0.0, 1.0) as f32;
        let kind = kind_of(layer);
        if let Some(look) = Self::bands(layer, kind, zoom) {
            return look;
        }
        let colour = style["color"]
            .as_str()
            .filter(|c| c.len() == 7)
            .map_or(palette::qualitative(index), rgb);
        let choropleth = (style["kind"] == "choropleth")
            .then(|| style["field"].as_str())
            .flatten()
            .and_then(|f| Some((f, layer.field_index(f)?)));
        let (colouring, legend) = match choropleth {
            Some((name, field)) => {
                let classes = style["classes"].as_u64().unwrap_or(5).clamp(3, 7) as usize;
                let method = style["method"].as_str().unwrap_or("quantile");
                let palette_name = style["palette"].as_str().unwrap_or("YlGnBu");
                let values: Vec<f64> = layer
                    .features
                    .iter()
                    .filter_map(|f| f.properties.get(field)?.as_f64())
                    .filter(|v| v.is_finite())
                    .collect();
                let breaks = classify(&values, method, classes);
                let colours = palette::class_colours(palette_name, breaks.len() + 1);
                let legend = steps_legend(
                    &format!("{}: {name}", meta.title),
                    kind,
                    &values,
                    &breaks,
                    &colours,
                );
                (
                    Colouring::Steps {
                        field,
                        breaks,
                        colours,
                    },
                    legend,
                )
            }
            None => (
                Colouring::One(colour),
                section(&meta.title, kind, vec![(colour, meta.title.clone())]),
            ),
        };
        let is_choropleth = matches!(colouring, Colouring::Steps { .. });
        let (size, outline, fill_opacity) = match kind {
            Kind::Fill => {
                let stroke = Stroke {
                    colour: if is_choropleth {
                        rgb(&PALETTE.choropleth_outline)
                    } else {
                        palette::darker(colour)
                    },
                    width: if is_choropleth {
                        ramp(zoom, &[(5.0, 0.2), (12.0, 0.8)])
                    } else {
                        ramp(zoom, &[(5.0, 0.8), (12.0, 2.0)])
                    },
                    opacity: opacity * if is_choropleth { 0.45 } else { 0.9 },
                };
                (0.0, Some(stroke), if is_choropleth { 0.85 } else { 0.2 })
            }
            Kind::Line => {
                let width = if is_choropleth {
                    ramp(zoom, &[(5.0, 1.6), (12.0, 4.0)])
                } else {
                    ramp(zoom, &[(5.0, 1.2), (12.0, 3.0)])
                };
                (width, None, 1.0)
            }
            Kind::Point => (
                ramp(zoom, &[(4.0, 2.2), (8.0, 4.0), (13.0, 7.0)]),
                Some(Stroke {
                    colour: [255, 255, 255],
                    width: ramp(zoom, &[(4.0, 0.4), (10.0, 1.2)]),
                    opacity,
                }),
                1.0,
            ),
        };
        Self {
            kind,
            colouring,
            opacity: opacity * fill_opacity,
            size,
            outline,
            legend,
        }
    }

    /// A service-access result (`analysis.js`): cells by band at 0.78, dots at 0.95.
    fn bands(layer: &Layer, kind: Kind, zoom: f64) -> Option<Self> {
        if layer.meta.source != service_access::RESULT_SOURCE {
            return None;
        }
        let field = layer.field_index("band")?;
        let value = layer.field_index("value");
        // The bands in order of their least value.
        let mut seen: Vec<(f64, String)> = Vec::new();
        for f in &layer.features {
            let Some(label) = text(f, field).filter(|l| !l.is_empty()) else {
                continue;
            };
            let v = value
                .and_then(|i| f.properties.get(i)?.as_f64())
                .unwrap_or(f64::MAX);
            match seen.iter_mut().find(|(_, l)| l == label) {
                Some(entry) => entry.0 = entry.0.min(v),
                None => seen.push((v, label.to_string())),
            }
        }
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        let values: Vec<String> = seen.into_iter().map(|(_, l)| l).collect();
        let colours = palette::band_colours(values.len());
        let mut items: Vec<(Rgb, String)> = colours
            .iter()
            .copied()
            .zip(values.iter().cloned())
            .collect();
        items.push((rgb(&PALETTE.unreachable), "Når ingen service".into()));
        let point = kind == Kind::Point;
        // A result stored under its id alone is titled by what it shows.
        let meta = &layer.meta;
        let title = if meta.title == meta.id {
            "Restid till närmaste service"
        } else {
            &meta.title
        };
        Some(Self {
            kind,
            colouring: Colouring::Categories {
                field,
                values,
                colours,
            },
            opacity: if point { 0.95 } else { 0.78 },
            size: ramp(zoom, &[(6.0, 3.0), (12.0, 7.0)]),
            outline: point.then_some(Stroke {
                colour: [255, 255, 255],
                width: 1.0,
                opacity: 0.95,
            }),
            legend: section(title, kind, items),
        })
    }

    /// A layer of the own basemap in the part `role` (`basemap.js`), one calm colour.
    pub fn basemap(layer: &Layer, role: &str, zoom: f64) -> Option<Self> {
        let (kind, part, width) = match role {
            "land" => (Kind::Fill, "land", 0.0),
            "urban" => (Kind::Fill, "urban", 0.0),
            "water" => (
                Kind::Line,
                "water",
                ramp(zoom, &[(5.0, 0.75), (10.0, 1.8), (14.0, 3.6)]),
            ),
            "rail" => (
                Kind::Line,
                "rail",
                ramp(zoom, &[(5.0, 0.8), (10.0, 2.2), (14.0, 3.5)]),
            ),
            "borders" => (
                Kind::Line,
                "borderKommun",
                ramp(zoom, &[(6.0, 0.6), (12.0, 1.5)]),
            ),
            _ => return None,
        };
        let colour = palette::basemap(part);
        Some(Self {
            kind,
            colouring: Colouring::One(colour),
            opacity: 1.0,
            size: width,
            outline: None,
            legend: section(
                &layer.meta.title,
                kind,
                vec![(colour, layer.meta.title.clone())],
            ),
        })
    }
}

/// The text of a feature's field, when it has one.
fn text(feature: &Feature, field: usize) -> Option<&str> {
    match feature.properties.get(field)? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// Fill for polygon layers, line for line layers, dots for the rest.
fn kind_of(layer: &Layer) -> Kind {
    let g = layer.meta.geometry_type;
    if g.is_polygon() {
        Kind::Fill
    } else if g.is_line() {
        Kind::Line
    } else {
        Kind::Point
    }
}

fn section(title: &str, kind: Kind, items: Vec<(Rgb, String)>) -> LegendSection {
    LegendSection {
        title: title.to_string(),
        swatch: match kind {
            Kind::Fill => Swatch::Fill,
            Kind::Line => Swatch::Line,
            Kind::Point => Swatch::Point,
        },
        items: items
            .into_iter()
            .map(|(colour, label)| LegendItem { colour, label })
            .collect(),
    }
}

/// The legend of a choropleth: one row per class, "from – to".
fn steps_legend(
    title: &str,
    kind: Kind,
    values: &[f64],
    breaks: &[f64],
    colours: &[Rgb],
) -> LegendSection {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut bounds = vec![if min.is_finite() { min } else { 0.0 }];
    bounds.extend_from_slice(breaks);
    bounds.push(if max.is_finite() { max } else { 0.0 });
    let items = colours
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                *c,
                format!(
                    "{} – {}",
                    format_number(bounds[i]),
                    format_number(bounds[i + 1])
                ),
            )
        })
        .collect();
    section(title, kind, items)
}

/// Class breaks (at most `n − 1` increasing thresholds) of `values` by `"equal"` interval or
/// quantile, rounded to three significant digits: the web's `classify`.
///
/// ```
/// use kartrummet::render::style::classify;
/// let values: Vec<f64> = (1..=100).map(f64::from).collect();
/// assert_eq!(classify(&values, "quantile", 4), vec![26.0, 51.0, 76.0]);
/// assert_eq!(classify(&values, "equal", 3), vec![34.0, 67.0]);
/// assert!(classify(&[], "equal", 3).is_empty());
/// ```
pub fn classify(values: &[f64], method: &str, n: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    let raw: Vec<f64> = (1..n)
        .map(|i| {
            let b = if method == "equal" {
                min + (max - min) * i as f64 / n as f64
            } else {
                sorted[(sorted.len() * i / n).min(sorted.len() - 1)]
            };
            nice(b)
        })
        .collect();
    raw.iter()
        .enumerate()
        .filter(|&(i, b)| *b > min && (i == 0 || *b > raw[i - 1]))
        .map(|(_, b)| *b)
        .collect()
}

/// Rounds to three significant digits so legends read well.
fn nice(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let magnitude = 10f64.powf(v.abs().log10().floor() - 2.0);
    (v / magnitude).round() * magnitude
}
