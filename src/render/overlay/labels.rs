//! Place labels of tätorter: sized by population like the web map, the most
//! populous placed first, and any label that would collide is left out.

use super::PlaceLabel;
use super::canvas::{Area, Canvas, INK};
use super::text::{Halo, TextStyle, Weight};

/// Font size (CSS px) by population, interpolated linearly between these stops.
const SIZE_BY_POPULATION: [(f64, f64); 4] = [
    (200.0, 12.0),
    (10_000.0, 14.0),
    (100_000.0, 18.0),
    (1_000_000.0, 22.0),
];
/// From this many inhabitants the label is bold.
const BOLD_FROM: f64 = 10_000.0;
/// Free space kept around each label, CSS px.
const PADDING: f32 = 4.0;
/// The white halo, as on the web map.
const HALO: Halo = Halo::white(1.8);

/// Draws the labels that fit, most populous first, clear of `taken` (the
/// other decorations' boxes).
pub(super) fn draw(canvas: &mut Canvas, labels: &[PlaceLabel], mut taken: Vec<Area>) {
    let mut order: Vec<&PlaceLabel> = labels
        .iter()
        .filter(|l| l.x.is_finite() && l.y.is_finite() && !l.text.trim().is_empty())
        .collect();
    order.sort_by(|a, b| population(b).total_cmp(&population(a)));

    for label in order {
        let style = style(label.population);
        let (width, height) = (style.width(&label.text), style.line_height());
        let left = label.x - width / 2.0;
        let text_box = Area::new(left, label.y - height / 2.0, width, height);
        let padded = text_box.outset(PADDING);
        if canvas.holds(&text_box.outset(HALO.width))
            && !taken.iter().any(|other| padded.overlaps(other))
        {
            style.draw(
                canvas,
                &label.text,
                left,
                style.baseline_for_middle(label.y),
            );
            taken.push(padded);
        }
    }
}

/// Population for ordering; unknown counts as none.
fn population(label: &PlaceLabel) -> f64 {
    if label.population.is_nan() {
        0.0
    } else {
        label.population
    }
}

/// How a label of a place with `population` inhabitants looks.
fn style(population: f64) -> TextStyle {
    let weight = if population >= BOLD_FROM {
        Weight::Bold
    } else {
        Weight::Regular
    };
    TextStyle {
        size: font_size(population),
        weight,
        colour: INK,
        halo: Some(HALO),
    }
}

/// Font size in CSS px for `population`, clamped to the outer stops; an
/// unknown population gets the smallest.
fn font_size(population: f64) -> f32 {
    let stops = SIZE_BY_POPULATION;
    let (first, last) = (stops[0], stops[stops.len() - 1]);
    let population = population.clamp(first.0, last.0);
    let size = stops
        .windows(2)
        .find(|pair| population <= pair[1].0)
        .map_or(first.1, |pair| {
            let ((p0, s0), (p1, s1)) = (pair[0], pair[1]);
            s0 + (population - p0) / (p1 - p0) * (s1 - s0)
        });
    size as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_follows_population_stops() {
        assert_eq!(font_size(0.0), 12.0);
        assert_eq!(font_size(200.0), 12.0);
        assert_eq!(font_size(5_100.0), 13.0);
        assert_eq!(font_size(10_000.0), 14.0);
        assert_eq!(font_size(55_000.0), 16.0);
        assert_eq!(font_size(1_000_000.0), 22.0);
        assert_eq!(font_size(1e9), 22.0);
        assert_eq!(font_size(f64::NAN), 12.0);
        assert_eq!(font_size(f64::NEG_INFINITY), 12.0);
        assert_eq!(style(9_999.0).weight, Weight::Regular);
        assert_eq!(style(10_000.0).weight, Weight::Bold);
    }
}
