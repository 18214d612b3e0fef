//! The scale bar, bottom left: the longest round length (1, 2 or 5 × 10ⁿ
//! metres) that is at most 100 CSS px on the map, as MapLibre's scale control.

use super::canvas::{Area, BACKING, Canvas, INK, MARGIN};
use super::text::{TextStyle, Weight};

/// The longest the bar may be, CSS px.
const MAX_LENGTH: f64 = 100.0;
const PADDING: f32 = 4.0;
const TEXT_SIZE: f32 = 11.0;
/// Bar thickness and end tick height, CSS px.
const THICKNESS: f32 = 2.0;
const TICK: f32 = 6.0;

/// Draws the scale bar for `metres_per_pixel` ground metres per CSS px and
/// returns its box; nothing is drawn unless `metres_per_pixel` is positive.
pub(super) fn draw(canvas: &mut Canvas, metres_per_pixel: f64) -> Option<Area> {
    let (metres, text) = round_length(MAX_LENGTH * metres_per_pixel)?;
    let length = (metres / metres_per_pixel) as f32;
    let style = TextStyle::plain(TEXT_SIZE, Weight::Regular, INK);
    let width = length.max(style.width(&text)) + 2.0 * PADDING;
    let height = PADDING + style.line_height() + TICK + PADDING;
    let (left, top) = (MARGIN, canvas.height - MARGIN - height);
    canvas.fill_box(left, top, width, height, BACKING);

    let x = left + PADDING;
    style.draw(canvas, &text, x, top + PADDING + style.ascent());
    let bottom = top + height - PADDING;
    canvas.fill_box(x, bottom - THICKNESS, length, THICKNESS, INK);
    for tick_x in [x, x + length - THICKNESS] {
        canvas.fill_box(tick_x, bottom - TICK, THICKNESS, TICK, INK);
    }
    Some(Area::new(left, top, width, height))
}

/// The longest round length not over `max_metres`, and how it is written,
/// e.g. "500 m", "2 km", "0,5 m"; `None` unless `max_metres` is positive.
fn round_length(max_metres: f64) -> Option<(f64, String)> {
    if !(max_metres.is_finite() && max_metres > 0.0) {
        return None;
    }
    // Start one decade up: log10 may round 1000 down to 2.999….
    let top = max_metres.log10().floor() as i32 + 1;
    let (mantissa, exponent) = (top - 2..=top)
        .rev()
        .flat_map(|exponent| [5.0, 2.0, 1.0].map(|mantissa| (mantissa, exponent)))
        .find(|&(m, e)| m * 10f64.powi(e) <= max_metres * (1.0 + 1e-9))?;
    let (exponent_in_unit, unit) = if exponent >= 3 {
        (exponent - 3, "km")
    } else {
        (exponent, "m")
    };
    let decimals = (-exponent_in_unit).max(0) as usize;
    let value = mantissa * 10f64.powi(exponent_in_unit);
    let text = format!("{value:.decimals$} {unit}").replace('.', ",");
    Some((mantissa * 10f64.powi(exponent), text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiny_skia::{Color, Pixmap};

    #[test]
    fn round_lengths_and_their_text() {
        let text = |max| round_length(max).map(|(_, text)| text);
        assert_eq!(text(1000.0).as_deref(), Some("1 km"));
        assert_eq!(text(999.0).as_deref(), Some("500 m"));
        assert_eq!(text(2600.0).as_deref(), Some("2 km"));
        assert_eq!(text(23_000.0).as_deref(), Some("20 km"));
        assert_eq!(text(7.0).as_deref(), Some("5 m"));
        assert_eq!(text(0.6).as_deref(), Some("0,5 m"));
        assert_eq!(text(0.011).as_deref(), Some("0,01 m"));
        assert_eq!(round_length(150.0).map(|(m, _)| m), Some(100.0));
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert_eq!(round_length(bad), None);
        }
    }

    /// The longest run of dark pixels in any row.
    fn longest_dark_run(pixmap: &Pixmap) -> u32 {
        let width = pixmap.width() as usize;
        pixmap
            .pixels()
            .chunks(width)
            .map(|row| {
                row.split(|p| p.alpha() < 200 || p.red() > 100)
                    .map(|run| run.len() as u32)
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn bar_spans_the_round_length() {
        // 30 m per CSS px: 100 px = 3 km, so 2 km = 66.7 px.
        for dpr in [1.0, 2.0] {
            let mut pixmap = Pixmap::new((400.0 * dpr) as u32, (300.0 * dpr) as u32).unwrap();
            pixmap.fill(Color::WHITE);
            let area = draw(&mut Canvas::new(&mut pixmap, dpr), 30.0);
            assert!(area.is_some_and(|a| a.right > MARGIN + 66.0), "{area:?}");
            let expected = 2000.0 / 30.0 * dpr;
            let run = longest_dark_run(&pixmap) as f32;
            assert!(
                (run - expected).abs() <= 2.0,
                "dpr {dpr}: {run} vs {expected}"
            );
        }
    }
}
