//! A pixmap seen in CSS px: every shape is given in CSS px and scaled by the
//! device pixel ratio when it is drawn, so layouts do not depend on `dpr`.

use tiny_skia::{
    ColorU8, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Rect, Stroke, Transform,
};

/// Dark text and lines, as on the web map.
pub(super) const INK: ColorU8 = ColorU8::from_rgba(0x2f, 0x2a, 0x26, 255);
/// The white translucent backing behind scale bar, legend, title and attribution.
pub(super) const BACKING: ColorU8 = ColorU8::from_rgba(255, 255, 255, 204);

/// Distance of the scale bar, north arrow, legend and title from the image's
/// edges, CSS px.
pub(super) const MARGIN: f32 = 10.0;

/// A box taken on the canvas, CSS px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Area {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl Area {
    /// The box at (`left`, `top`) of `width` × `height`.
    pub fn new(left: f32, top: f32, width: f32, height: f32) -> Self {
        Area {
            left,
            top,
            right: left + width,
            bottom: top + height,
        }
    }

    /// This box grown by `by` on every side.
    pub fn outset(self, by: f32) -> Self {
        Area::new(
            self.left - by,
            self.top - by,
            self.right - self.left + 2.0 * by,
            self.bottom - self.top + 2.0 * by,
        )
    }

    /// Whether the two boxes share some area (touching is not overlapping).
    pub fn overlaps(&self, other: &Area) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

/// A pixmap to draw on in CSS px.
pub(super) struct Canvas<'p> {
    pixmap: &'p mut Pixmap,
    transform: Transform,
    /// Width in CSS px.
    pub width: f32,
    /// Height in CSS px.
    pub height: f32,
}

impl<'p> Canvas<'p> {
    /// Wraps `pixmap`, whose pixels are `dpr` device pixels per CSS px.
    pub fn new(pixmap: &'p mut Pixmap, dpr: f32) -> Self {
        let (width, height) = (pixmap.width() as f32 / dpr, pixmap.height() as f32 / dpr);
        Canvas {
            pixmap,
            transform: Transform::from_scale(dpr, dpr),
            width,
            height,
        }
    }

    /// Fills `path` (non-zero winding, as fonts need).
    pub fn fill(&mut self, path: &Path, colour: ColorU8) {
        self.pixmap.fill_path(
            path,
            &paint(colour),
            FillRule::Winding,
            self.transform,
            None,
        );
    }

    /// Strokes `path` with round joins and caps, `width` CSS px wide.
    pub fn stroke(&mut self, path: &Path, colour: ColorU8, width: f32) {
        let stroke = Stroke {
            width,
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        self.pixmap
            .stroke_path(path, &paint(colour), &stroke, self.transform, None);
    }

    /// Whether `area` lies wholly on the canvas.
    pub fn holds(&self, area: &Area) -> bool {
        area.left >= 0.0
            && area.top >= 0.0
            && area.right <= self.width
            && area.bottom <= self.height
    }

    /// Fills the box at (`x`, `y`) of `width` × `height`; skipped if degenerate.
    pub fn fill_box(&mut self, x: f32, y: f32, width: f32, height: f32, colour: ColorU8) {
        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
            self.pixmap
                .fill_rect(rect, &paint(colour), self.transform, None);
        }
    }
}

/// A straight line from `from` to `to`.
pub(super) fn line(from: (f32, f32), to: (f32, f32)) -> Option<Path> {
    let mut builder = PathBuilder::new();
    builder.move_to(from.0, from.1);
    builder.line_to(to.0, to.1);
    builder.finish()
}

fn paint(colour: ColorU8) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(colour.red(), colour.green(), colour.blue(), colour.alpha());
    paint.anti_alias = true;
    paint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_overlap_only_when_they_share_area() {
        let a = Area::new(0.0, 0.0, 10.0, 10.0);
        assert!(a.overlaps(&Area::new(5.0, 5.0, 10.0, 10.0)));
        assert!(!a.overlaps(&Area::new(10.0, 0.0, 10.0, 10.0)));
        assert!(!a.overlaps(&Area::new(0.0, 11.0, 10.0, 10.0)));
        assert!(a.outset(1.0).overlaps(&Area::new(10.5, 0.0, 10.0, 10.0)));
    }
}
