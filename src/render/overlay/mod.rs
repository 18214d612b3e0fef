//! Map decorations drawn over a rendered map image, as the web map shows them
//! with MapLibre: place labels, scale bar, north arrow, legend, attribution and
//! title. Everything is laid out in CSS px and drawn at `dpr` device pixels
//! per CSS px, so a dpr-2 image looks the same, only sharper.
//!
//! ```
//! # use kartrummet::render::overlay::{Decorations, PlaceLabel, draw};
//! let mut pixmap = tiny_skia::Pixmap::new(800, 600).unwrap();
//! let labels = [PlaceLabel { text: "Växjö".into(), x: 200.0, y: 150.0, population: 70_000.0 }];
//! let decorations = Decorations {
//!     labels: &labels,
//!     attribution: "© Lantmäteriet, SCB",
//!     metres_per_pixel: Some(25.0),
//!     ..Decorations::default()
//! };
//! draw(&mut pixmap, 2.0, &decorations);
//! ```

mod canvas;
mod corner;
mod labels;
mod legend;
mod north_arrow;
mod scale_bar;
mod text;

use tiny_skia::Pixmap;

use crate::render::legend::LegendSection;
use canvas::Canvas;

/// What is drawn over a map image.
#[derive(Debug, Clone, Copy, Default)]
pub struct Decorations<'a> {
    /// The map's title, top left.
    pub title: Option<&'a str>,
    /// Place names; those that would collide with a more populous one, or with
    /// any other decoration, are left out.
    pub labels: &'a [PlaceLabel],
    /// The legend, bottom right.
    pub legend: &'a [LegendSection],
    /// Data sources, bottom right corner; empty: none drawn.
    pub attribution: &'a str,
    /// Ground metres per CSS px at the map's centre; `None`: no scale bar.
    pub metres_per_pixel: Option<f64>,
    /// Whether to draw a north arrow, top right (the map is north-up).
    pub north_arrow: bool,
}

/// A place name to write at a point.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceLabel {
    /// The name, e.g. "Jönköping".
    pub text: String,
    /// Where the label is centred, CSS px from the image's left edge; NaN: skipped.
    pub x: f32,
    /// Where the label is centred, CSS px from the image's top edge; NaN: skipped.
    pub y: f32,
    /// Inhabitants: sets the label's size and weight and who wins a collision.
    pub population: f64,
}

/// Draws `decorations` over `pixmap`, whose pixels are `dpr` device pixels per
/// CSS px (clamped to 0.5..=4; 1 if not a number).
pub fn draw(pixmap: &mut Pixmap, dpr: f32, decorations: &Decorations) {
    let dpr = if dpr.is_nan() {
        1.0
    } else {
        dpr.clamp(0.5, 4.0)
    };
    let mut canvas = Canvas::new(pixmap, dpr);
    let scale_bar = decorations
        .metres_per_pixel
        .and_then(|metres| scale_bar::draw(&mut canvas, metres));
    let north_arrow = decorations
        .north_arrow
        .then(|| north_arrow::draw(&mut canvas));
    let attribution_left = scale_bar.map_or(0.0, |area| area.right);
    let attribution = corner::attribution(&mut canvas, decorations.attribution, attribution_left);
    let legend_bottom = attribution.map_or(canvas.height, |area| area.top) - canvas::MARGIN;
    let legend = legend::draw(&mut canvas, decorations.legend, legend_bottom);
    let title_right = north_arrow.map_or(canvas.width, |area| area.left);
    let title = decorations
        .title
        .and_then(|title| corner::title(&mut canvas, title, title_right));
    // Labels last, clear of all the boxes above.
    let taken = [scale_bar, north_arrow, attribution, legend, title];
    labels::draw(
        &mut canvas,
        decorations.labels,
        taken.into_iter().flatten().collect(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::legend::{LegendItem, Swatch};
    use tiny_skia::{Color, PremultipliedColorU8};

    const GROUND: [u8; 3] = [0xe8, 0xe4, 0xd8];

    fn blank(width: u32, height: u32) -> Pixmap {
        let mut pixmap = Pixmap::new(width, height).expect("test sizes are valid");
        let [r, g, b] = GROUND;
        pixmap.fill(Color::from_rgba8(r, g, b, 255));
        pixmap
    }

    fn label(text: &str, x: f32, y: f32, population: f64) -> PlaceLabel {
        PlaceLabel {
            text: text.to_owned(),
            x,
            y,
            population,
        }
    }

    fn labels_only(labels: &[PlaceLabel]) -> Pixmap {
        let mut pixmap = blank(300, 200);
        let decorations = Decorations {
            labels,
            ..Decorations::default()
        };
        draw(&mut pixmap, 1.0, &decorations);
        pixmap
    }

    fn brightness(p: &PremultipliedColorU8) -> u32 {
        (u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue())) / 3
    }

    /// Pixels in the box from (x0, y0) to (x1, y1) for which `test` holds.
    fn count(
        pixmap: &Pixmap,
        (x0, y0, x1, y1): (u32, u32, u32, u32),
        test: impl Fn(&PremultipliedColorU8) -> bool,
    ) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter_map(|(x, y)| pixmap.pixel(x, y))
            .filter(|p| test(p))
            .count()
    }

    fn is_dark(p: &PremultipliedColorU8) -> bool {
        brightness(p) < 90
    }

    fn sections() -> Vec<LegendSection> {
        let item = |colour, label: &str| LegendItem {
            colour,
            label: label.to_owned(),
        };
        vec![
            LegendSection {
                title: "Restid till livsmedelsbutik".to_owned(),
                swatch: Swatch::Fill,
                items: vec![
                    item([26, 152, 80], "0–10 min"),
                    item([254, 224, 139], "10–20 min"),
                    item([215, 48, 39], "över 20 min"),
                ],
            },
            LegendSection {
                title: "Vägar".to_owned(),
                swatch: Swatch::Line,
                items: vec![item([230, 120, 20], "Europaväg")],
            },
            LegendSection {
                title: "Service".to_owned(),
                swatch: Swatch::Point,
                items: vec![item([40, 60, 220], "Vårdcentraler")],
            },
        ]
    }

    fn sample_labels() -> Vec<PlaceLabel> {
        vec![
            label("Växjö", 150.0, 175.0, 70_000.0),
            label("Alvesta", 70.0, 130.0, 8_000.0),
            label("Lammhult", 130.0, 75.0, 3_200.0),
            label("Rottne", 185.0, 115.0, 2_400.0),
            label("Braås", 250.0, 80.0, 1_600.0),
            label("Gemla", 125.0, 185.0, 1_300.0),
        ]
    }

    /// The sample drawn at `dpr` on a plain 400 × 300 CSS px map with water.
    fn sample(dpr: f32) -> Pixmap {
        let mut pixmap = blank((400.0 * dpr) as u32, (300.0 * dpr) as u32);
        let water = Color::from_rgba8(0xa8, 0xc8, 0xe8, 255);
        let mut paint = tiny_skia::Paint::default();
        paint.set_color(water);
        if let Some(lake) =
            tiny_skia::Rect::from_xywh(100.0 * dpr, 160.0 * dpr, 130.0 * dpr, 30.0 * dpr)
        {
            pixmap.fill_rect(lake, &paint, tiny_skia::Transform::identity(), None);
        }
        let labels = sample_labels();
        let legend = sections();
        let decorations = Decorations {
            title: Some("Restid till livsmedelsbutik, Kronobergs län"),
            labels: &labels,
            legend: &legend,
            attribution: "© Lantmäteriet, SCB, OpenStreetMap-bidragsgivare",
            metres_per_pixel: Some(120.0),
            north_arrow: true,
        };
        draw(&mut pixmap, dpr, &decorations);
        pixmap
    }

    #[test]
    fn label_is_dark_text_with_white_halo() {
        let pixmap = labels_only(&[label("Uppsala", 150.0, 100.0, 150_000.0)]);
        let around = (100, 85, 200, 115);
        let dark = count(&pixmap, around, is_dark);
        let white = count(&pixmap, around, |p| brightness(p) > 245);
        assert!(dark > 100, "{dark} dark pixels");
        assert!(white > dark, "{white} white pixels");
        // Every dark pixel has a white-ish pixel within 3 px: the halo.
        for y in 85..115 {
            for x in 100..200 {
                if pixmap.pixel(x, y).is_some_and(|p| is_dark(&p)) {
                    let near = (x - 3, y - 3, x + 4, y + 4);
                    assert!(
                        count(&pixmap, near, |p| brightness(p) > 245) > 0,
                        "({x}, {y})"
                    );
                }
            }
        }
        // Nothing far from the point.
        assert_eq!(
            count(&pixmap, (0, 0, 300, 70), |p| brightness(p)
                != brightness(&pixmap.pixels()[0])),
            0
        );
    }

    #[test]
    fn only_the_more_populous_of_overlapping_labels() {
        let big = label("Stockholm", 150.0, 100.0, 900_000.0);
        let small = label("Solna", 165.0, 106.0, 80_000.0);
        let alone = labels_only(std::slice::from_ref(&big));
        assert_eq!(labels_only(&[small.clone(), big.clone()]), alone);
        assert_eq!(labels_only(&[big.clone(), small.clone()]), alone);
        // Apart, both are drawn.
        let apart = label("Solna", 150.0, 160.0, 80_000.0);
        let both = labels_only(&[big, apart]);
        assert!(count(&both, (120, 150, 180, 170), is_dark) > 50);
    }

    #[test]
    fn labels_off_image_or_without_position_are_skipped() {
        let empty = labels_only(&[]);
        let skipped = [
            label("Kanten", 2.0, 2.0, 5_000.0),
            label("Utanför", -500.0, 100.0, 5_000.0),
            label("Okänd", f32::NAN, 100.0, 5_000.0),
            label("Oändlig", f32::INFINITY, 100.0, 5_000.0),
            label("", 150.0, 100.0, 5_000.0),
            label("   ", 150.0, 100.0, 5_000.0),
        ];
        assert_eq!(labels_only(&skipped), empty);
    }

    #[test]
    fn legend_swatch_colours_appear() {
        let pixmap = sample(1.0);
        let has = |[r, g, b]: [u8; 3]| {
            pixmap
                .pixels()
                .iter()
                .any(|p| p.alpha() == 255 && [p.red(), p.green(), p.blue()] == [r, g, b])
        };
        for section in sections() {
            for item in &section.items {
                assert!(has(item.colour), "{} {:?}", item.label, item.colour);
            }
        }
    }

    #[test]
    fn dpr_two_is_the_same_layout_twice_as_large() {
        let one = sample(1.0);
        let two = sample(2.0);
        let mut total_difference = 0u64;
        for y in 0..one.height() {
            for x in 0..one.width() {
                let quad: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .iter()
                    .filter_map(|(dx, dy)| two.pixel(2 * x + dx, 2 * y + dy))
                    .map(|p| brightness(&p))
                    .sum();
                let small = one.pixel(x, y).map_or(0, |p| brightness(&p));
                total_difference += u64::from((quad / 4).abs_diff(small));
            }
        }
        let mean = total_difference as f64 / f64::from(one.width() * one.height());
        assert!(mean < 2.0, "mean brightness difference {mean}");
    }

    #[test]
    fn no_panic_on_odd_input() {
        let labels = [
            label("Ö", f32::NAN, f32::NAN, f64::NAN),
            label("Långt namn ".repeat(200).as_str(), 1.0, 1.0, f64::INFINITY),
            label("", 0.0, 0.0, -1.0),
            label("\u{0}\n\t", 5.0, 5.0, 100.0),
        ];
        let long = "ä".repeat(5_000);
        let legend = [
            LegendSection {
                title: String::new(),
                swatch: Swatch::Point,
                items: Vec::new(),
            },
            LegendSection {
                title: long.clone(),
                swatch: Swatch::Fill,
                items: vec![
                    LegendItem {
                        colour: [0, 0, 0],
                        label: long.clone()
                    };
                    500
                ],
            },
        ];
        let scales = [
            Some(f64::NAN),
            Some(0.0),
            Some(-3.0),
            Some(1e-9),
            Some(1e12),
            None,
        ];
        let sizes = [(1, 1), (16, 16), (16, 4000), (4000, 16)];
        let dprs = [0.5, 1.0, 4.0, 0.0, -1.0, f32::NAN, f32::INFINITY];
        for (i, (&(width, height), &dpr)) in sizes
            .iter()
            .flat_map(|s| dprs.iter().map(move |d| (s, d)))
            .enumerate()
        {
            let mut pixmap = blank(width, height);
            let decorations = Decorations {
                title: Some(&long),
                labels: &labels,
                legend: &legend,
                attribution: &long,
                metres_per_pixel: scales[i % scales.len()],
                north_arrow: true,
            };
            draw(&mut pixmap, dpr, &decorations);
            draw(
                &mut pixmap,
                dpr,
                &Decorations {
                    title: Some(""),
                    ..Decorations::default()
                },
            );
        }
    }

    #[test]
    fn no_panic_on_the_largest_image() {
        let mut pixmap = Pixmap::new(8192, 8192).expect("valid size");
        let labels = sample_labels();
        let legend = sections();
        let decorations = Decorations {
            title: Some("Stor karta"),
            labels: &labels,
            legend: &legend,
            attribution: "© Lantmäteriet",
            metres_per_pixel: Some(3.0),
            north_arrow: true,
        };
        draw(&mut pixmap, 4.0, &decorations);
        draw(&mut pixmap, 0.5, &decorations);
    }
}
