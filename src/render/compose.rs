//! Passes laid over each other: the background colour, then each pass's premultiplied pixels
//! at the pass's opacity (source-over, with tiny-skia).

use tiny_skia::{IntSize, Pixmap, PixmapPaint, Transform};

use super::RenderError;
use super::palette::{PALETTE, rgb};

/// An image of this size filled with the map's background colour.
pub fn canvas(width: u32, height: u32) -> Result<Pixmap, RenderError> {
    let mut canvas = Pixmap::new(width, height)
        .ok_or_else(|| RenderError::Encode(format!("no {width}×{height} image")))?;
    let [r, g, b] = rgb(&PALETTE.background);
    canvas.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
    Ok(canvas)
}

/// Lays `pixels` (premultiplied RGBA of the canvas's size) over `canvas` at `opacity`.
///
/// ```
/// use kartrummet::render::compose::{canvas, lay};
/// let mut c = canvas(2, 1).unwrap();
/// // A black pixel and a transparent one, at half opacity.
/// lay(&mut c, vec![0, 0, 0, 255, 0, 0, 0, 0], 0.5).unwrap();
/// let px = c.pixel(0, 0).unwrap();
/// assert!((px.red() as i32 - 0xe2 / 2).abs() <= 1);
/// assert_eq!(c.pixel(1, 0).unwrap().red(), 0xe2);
/// ```
pub fn lay(canvas: &mut Pixmap, pixels: Vec<u8>, opacity: f32) -> Result<(), RenderError> {
    let size = IntSize::from_wh(canvas.width(), canvas.height())
        .ok_or_else(|| RenderError::Encode("empty image".into()))?;
    let layer = Pixmap::from_vec(pixels, size)
        .ok_or_else(|| RenderError::Encode("a pass of the wrong size".into()))?;
    let paint = PixmapPaint {
        opacity: opacity.clamp(0.0, 1.0),
        ..PixmapPaint::default()
    };
    canvas.draw_pixmap(0, 0, layer.as_ref(), &paint, Transform::identity(), None);
    Ok(())
}
