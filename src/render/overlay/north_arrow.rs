//! The north arrow, top right: the map is always north-up, so a dark arrow
//! pointing up with an "N" above it, both haloed in white.

use tiny_skia::PathBuilder;

use super::canvas::{Area, Canvas, INK, MARGIN};
use super::text::{Halo, TextStyle, Weight};

const HALO: Halo = Halo::white(1.5);
/// The arrow's width and height, CSS px.
const WIDTH: f32 = 14.0;
const HEIGHT: f32 = 22.0;
/// How far the notch in the arrow's base reaches up, CSS px.
const NOTCH: f32 = 6.0;

/// Draws the north arrow and returns its box.
pub(super) fn draw(canvas: &mut Canvas) -> Area {
    let style = TextStyle {
        size: 13.0,
        weight: Weight::Bold,
        colour: INK,
        halo: Some(HALO),
    };
    let middle = canvas.width - MARGIN - WIDTH / 2.0;
    let top = MARGIN;
    style.draw(
        canvas,
        "N",
        middle - style.width("N") / 2.0,
        top + style.ascent(),
    );

    let (tip, base) = (
        top + style.line_height(),
        top + style.line_height() + HEIGHT,
    );
    let mut arrow = PathBuilder::new();
    arrow.move_to(middle, tip);
    arrow.line_to(middle + WIDTH / 2.0, base);
    arrow.line_to(middle, base - NOTCH);
    arrow.line_to(middle - WIDTH / 2.0, base);
    arrow.close();
    if let Some(arrow) = arrow.finish() {
        canvas.stroke(&arrow, HALO.colour, 2.0 * HALO.width);
        canvas.fill(&arrow, INK);
    }
    Area::new(middle - WIDTH / 2.0, top, WIDTH, base - top).outset(HALO.width)
}
