//! Text in a corner on a white translucent backing: the map's title top left
//! and the attribution flush in the bottom right corner; shortened with "…"
//! when too wide.

use tiny_skia::ColorU8;

use super::canvas::{Area, BACKING, Canvas, INK, MARGIN};
use super::text::{TextStyle, Weight};

const TITLE: TextStyle = TextStyle::plain(17.0, Weight::Bold, INK);
const TITLE_PADDING: f32 = 6.0;
const ATTRIBUTION: TextStyle = TextStyle::plain(
    10.0,
    Weight::Regular,
    ColorU8::from_rgba(0x55, 0x55, 0x55, 255),
);
const ATTRIBUTION_PADDING: f32 = 3.0;

/// Draws `title` top left, ending a margin before `right` (CSS px), and
/// returns its box unless nothing fits.
pub(super) fn title(canvas: &mut Canvas, title: &str, right: f32) -> Option<Area> {
    let max_width = right - 2.0 * MARGIN;
    text_box(canvas, title, TITLE, TITLE_PADDING, max_width, |_, _| {
        (MARGIN, MARGIN)
    })
}

/// Draws `attribution` in the bottom right corner, no further left than
/// `left` plus a margin (CSS px), and returns its box unless nothing fits.
pub(super) fn attribution(canvas: &mut Canvas, attribution: &str, left: f32) -> Option<Area> {
    let (right, bottom) = (canvas.width, canvas.height);
    let max_width = right - left - MARGIN;
    text_box(
        canvas,
        attribution,
        ATTRIBUTION,
        ATTRIBUTION_PADDING,
        max_width,
        |width, height| (right - width, bottom - height),
    )
}

/// Draws `text`, shortened to fit `max_width` with its padding, on a backing
/// whose top left `place` gives from its width and height. Returns its box,
/// or `None` if nothing fits.
fn text_box(
    canvas: &mut Canvas,
    text: &str,
    style: TextStyle,
    padding: f32,
    max_width: f32,
    place: impl FnOnce(f32, f32) -> (f32, f32),
) -> Option<Area> {
    let text = style.fit(text.trim(), max_width - 2.0 * padding);
    if text.is_empty() {
        return None;
    }
    let width = style.width(&text) + 2.0 * padding;
    let height = style.line_height() + 2.0 * padding;
    let (left, top) = place(width, height);
    canvas.fill_box(left, top, width, height, BACKING);
    style.draw(
        canvas,
        &text,
        left + padding,
        top + padding + style.ascent(),
    );
    Some(Area::new(left, top, width, height))
}
