//! Text: the bundled DejaVu fonts, measuring, shortening with "…", and
//! drawing glyph outlines filled by tiny-skia, optionally with a halo.

use std::borrow::Cow;
use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve, Point};
use tiny_skia::{ColorU8, Path, PathBuilder};

use super::canvas::Canvas;

/// DejaVu Sans, regular.
const REGULAR_TTF: &[u8] = include_bytes!("../../../data/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
const BOLD_TTF: &[u8] = include_bytes!("../../../data/fonts/DejaVuSans-Bold.ttf");

/// The two fonts, parsed once: regular, bold.
static FONTS: LazyLock<[FontRef<'static>; 2]> = LazyLock::new(|| {
    let parse = |ttf| FontRef::try_from_slice(ttf).expect("the bundled DejaVu font parses");
    [parse(REGULAR_TTF), parse(BOLD_TTF)]
});

/// Shortens text that does not fit.
pub(super) const ELLIPSIS: &str = "…";

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Weight {
    Regular,
    Bold,
}

/// A halo stroked around text so it reads on any background.
#[derive(Debug, Clone, Copy)]
pub(super) struct Halo {
    pub colour: ColorU8,
    /// How far the halo reaches beyond the glyphs, CSS px.
    pub width: f32,
}

impl Halo {
    /// The white halo of the web map (alpha 0.92), `width` CSS px wide.
    pub const fn white(width: f32) -> Self {
        Halo {
            colour: ColorU8::from_rgba(255, 255, 255, 235),
            width,
        }
    }
}

/// How a piece of text looks.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextStyle {
    /// Font size (em), CSS px.
    pub size: f32,
    pub weight: Weight,
    pub colour: ColorU8,
    pub halo: Option<Halo>,
}

impl TextStyle {
    /// Plain text without a halo.
    pub const fn plain(size: f32, weight: Weight, colour: ColorU8) -> Self {
        TextStyle {
            size,
            weight,
            colour,
            halo: None,
        }
    }

    fn font(&self) -> &'static FontRef<'static> {
        match self.weight {
            Weight::Regular => &FONTS[0],
            Weight::Bold => &FONTS[1],
        }
    }

    /// CSS px per font unit.
    fn scale(&self) -> f32 {
        self.size / self.font().units_per_em().unwrap_or(2048.0)
    }

    /// Height above the baseline, CSS px.
    pub fn ascent(&self) -> f32 {
        self.font().ascent_unscaled() * self.scale()
    }

    /// Height of a line: ascent plus descent, CSS px.
    pub fn line_height(&self) -> f32 {
        (self.font().ascent_unscaled() - self.font().descent_unscaled()) * self.scale()
    }

    /// The baseline that centres a line vertically on `middle`, CSS px.
    pub fn baseline_for_middle(&self, middle: f32) -> f32 {
        middle - self.line_height() / 2.0 + self.ascent()
    }

    /// Advance width of `text`, CSS px.
    pub fn width(&self, text: &str) -> f32 {
        layout(self.font(), text).last().map_or(0.0, |g| g.end) * self.scale()
    }

    /// `text` if it fits in `max_width` CSS px, else its longest start that
    /// fits with "…" added; empty if not even "…" fits.
    pub fn fit<'t>(&self, text: &'t str, max_width: f32) -> Cow<'t, str> {
        let k = self.scale();
        let room = max_width - self.width(ELLIPSIS);
        // Where to cut: the text before a glyph is as wide as its start.
        let mut cut = None;
        for glyph in layout(self.font(), text) {
            if glyph.start * k <= room {
                cut = Some(glyph.index);
            }
            if glyph.end * k > max_width {
                return match cut {
                    Some(cut) => Cow::Owned(format!("{}{ELLIPSIS}", text[..cut].trim_end())),
                    None => Cow::Borrowed(""),
                };
            }
        }
        Cow::Borrowed(text)
    }

    /// Draws `text` starting at `x` on the baseline `baseline`, CSS px.
    pub fn draw(&self, canvas: &mut Canvas, text: &str, x: f32, baseline: f32) {
        let Some(path) = self.outline(text, x, baseline) else {
            return; // nothing visible, e.g. only spaces
        };
        if let Some(halo) = self.halo {
            canvas.stroke(&path, halo.colour, 2.0 * halo.width);
        }
        canvas.fill(&path, self.colour);
    }

    /// The glyph outlines of `text` as one path, CSS px.
    fn outline(&self, text: &str, x: f32, baseline: f32) -> Option<Path> {
        let font = self.font();
        let k = self.scale();
        let mut builder = PathBuilder::new();
        for Glyph { id, start, .. } in layout(font, text) {
            let Some(outline) = font.outline(id) else {
                continue;
            };
            let at = |p: Point| (x + (start + p.x) * k, baseline - p.y * k);
            let mut end: Option<Point> = None;
            for curve in &outline.curves {
                let (start, last) = match *curve {
                    OutlineCurve::Line(a, b) => (a, b),
                    OutlineCurve::Quad(a, _, b) => (a, b),
                    OutlineCurve::Cubic(a, _, _, b) => (a, b),
                };
                if end != Some(start) {
                    if end.is_some() {
                        builder.close();
                    }
                    let (sx, sy) = at(start);
                    builder.move_to(sx, sy);
                }
                match *curve {
                    OutlineCurve::Line(_, b) => {
                        let (bx, by) = at(b);
                        builder.line_to(bx, by);
                    }
                    OutlineCurve::Quad(_, c, b) => {
                        let ((cx, cy), (bx, by)) = (at(c), at(b));
                        builder.quad_to(cx, cy, bx, by);
                    }
                    OutlineCurve::Cubic(_, c1, c2, b) => {
                        let ((c1x, c1y), (c2x, c2y), (bx, by)) = (at(c1), at(c2), at(b));
                        builder.cubic_to(c1x, c1y, c2x, c2y, bx, by);
                    }
                }
                end = Some(last);
            }
            if end.is_some() {
                builder.close();
            }
        }
        builder.finish()
    }
}

/// A glyph placed on a line.
struct Glyph {
    id: GlyphId,
    /// Byte index of its character in the text.
    index: usize,
    /// Pen positions where it starts and ends, font units.
    start: f32,
    end: f32,
}

/// The glyphs of `text` in order, kerned; control characters are left out.
fn layout<'a>(font: &'a FontRef, text: &'a str) -> impl Iterator<Item = Glyph> + 'a {
    let mut previous: Option<GlyphId> = None;
    let mut pen = 0.0;
    text.char_indices()
        .filter(|(_, c)| !c.is_control())
        .map(move |(index, c)| {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                pen += font.kern_unscaled(previous, id);
            }
            previous = Some(id);
            let start = pen;
            pen += font.h_advance_unscaled(id);
            Glyph {
                id,
                index,
                start,
                end: pen,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(size: f32, weight: Weight) -> TextStyle {
        TextStyle::plain(size, weight, ColorU8::from_rgba(0, 0, 0, 255))
    }

    #[test]
    fn widths_scale_with_size_and_weight() {
        let regular = style(10.0, Weight::Regular);
        assert_eq!(regular.width(""), 0.0);
        let w = regular.width("Malmö");
        assert!(w > 20.0 && w < 40.0, "{w}");
        assert!((style(20.0, Weight::Regular).width("Malmö") - 2.0 * w).abs() < 1e-3);
        assert!(style(10.0, Weight::Bold).width("Malmö") > w);
        // Control characters take no room.
        assert_eq!(regular.width("Malmö\n"), w);
    }

    #[test]
    fn fit_shortens_with_ellipsis() {
        let s = style(10.0, Weight::Regular);
        let text = "© Lantmäteriet, SCB, OpenStreetMap-bidragsgivare";
        assert_eq!(s.fit(text, 1000.0), text);
        let short = s.fit(text, 80.0);
        assert!(short.ends_with('…') && short.len() < text.len(), "{short}");
        assert!(s.width(&short) <= 80.0);
        assert_eq!(s.fit(text, 1.0), "");
        assert_eq!(s.fit("", 0.0), "");
    }

    #[test]
    fn outline_exists_for_letters_not_spaces() {
        let s = style(12.0, Weight::Bold);
        assert!(s.outline("Å", 0.0, 12.0).is_some());
        assert!(s.outline("   ", 0.0, 12.0).is_none());
        assert!(s.outline("", 0.0, 12.0).is_none());
    }
}
