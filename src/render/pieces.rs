//! A pass cut into square pieces of [`PIECE`] pixels, each given to maplibre-rs as one vector
//! tile (encoded by our own [`crate::tiles::encode`]) and put back together.

use super::RenderError;
use super::gpu::{Gpu, PIECE};
use super::scene::{Pass, Shape};
use crate::analysis::budget;
use crate::tiles::EXTENT;
use crate::tiles::clip::clip_polygon;
use crate::tiles::encode::{LayerEncoder, TileGeometry, encode_tile};
use crate::tiles::simplify::{open_ring, orient, quantize};

/// Tile units kept beyond a piece's edges, so no cut edge shows inside it.
const MARGIN: i32 = 256;

/// Draws `pass` on an image of `width` × `height` pixels: premultiplied RGBA, row by row,
/// transparent where the pass draws nothing. Stops between pieces when the work's budget
/// ([`budget`]: time, or the client gone) has run out.
pub fn draw(gpu: &Gpu, pass: &Pass, width: u32, height: u32) -> Result<Vec<u8>, RenderError> {
    let mut image = vec![0u8; width as usize * height as usize * 4];
    let boxes: Vec<Vec<[f64; 4]>> = pass
        .groups
        .iter()
        .map(|g| g.shapes.iter().map(bounds).collect())
        .collect();
    let side = f64::from(PIECE);
    for py in (0..height).step_by(PIECE as usize) {
        for px in (0..width).step_by(PIECE as usize) {
            budget::check()?;
            let origin = [f64::from(px), f64::from(py)];
            let window = [origin[0], origin[1], origin[0] + side, origin[1] + side];
            let mut layers = Vec::new();
            for (i, group) in pass.groups.iter().enumerate() {
                let mut layer = LayerEncoder::new(&i.to_string(), EXTENT);
                for (shape, b) in group.shapes.iter().zip(&boxes[i]) {
                    if meets(b, &window) {
                        for polygon in tile_polygons(shape, b, origin) {
                            layer.add_feature(None, &TileGeometry::Polygons(polygon), []);
                        }
                    }
                }
                layers.push(layer);
            }
            if layers.iter().all(LayerEncoder::is_empty) {
                continue;
            }
            let colours = pass.groups.iter().map(|g| g.colour).collect();
            let piece = gpu.draw(encode_tile(layers), colours)?;
            paste(&mut image, width, height, &piece, px, py);
        }
    }
    Ok(image)
}

/// `[x0, y0, x1, y1]` of a shape's exterior.
fn bounds(shape: &Shape) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in shape.first().into_iter().flatten() {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    b
}

fn meets(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1]
}

/// A shape in the tile units of the piece at `origin`: cut to the piece and its margin when
/// it reaches beyond, rings without area left out (a polygon without its exterior too), and
/// rings oriented as MVT wants them (one list of rings per polygon).
fn tile_polygons(shape: &Shape, b: &[f64; 4], origin: [f64; 2]) -> Vec<Vec<Vec<[i32; 2]>>> {
    let scale = f64::from(EXTENT) / f64::from(PIECE);
    let to_tile = |ring: &Vec<[f64; 2]>| {
        let points: Vec<[f64; 2]> = ring
            .iter()
            .map(|p| [(p[0] - origin[0]) * scale, (p[1] - origin[1]) * scale])
            .collect();
        quantize(&points)
    };
    let (lo, hi) = (-MARGIN, EXTENT as i32 + MARGIN);
    let at = |v: f64, o: f64| (v - o) * scale;
    let inside = at(b[0], origin[0]) >= f64::from(lo)
        && at(b[1], origin[1]) >= f64::from(lo)
        && at(b[2], origin[0]) <= f64::from(hi)
        && at(b[3], origin[1]) <= f64::from(hi);
    let rings: Vec<Vec<[i32; 2]>> = shape.iter().map(to_tile).collect();
    let polygons = if inside {
        vec![rings]
    } else {
        clip_polygon(&rings, [lo, lo, hi, hi])
    };
    polygons
        .into_iter()
        .filter_map(|rings| {
            let mut rings = rings.into_iter().map(open_ring);
            let exterior = orient(rings.next()??, true);
            Some(
                std::iter::once(exterior)
                    .chain(rings.flatten().map(|r| orient(r, false)))
                    .collect(),
            )
        })
        .collect()
}

/// Copies a piece into the image at (`px`, `py`), cut to the image.
fn paste(image: &mut [u8], width: u32, height: u32, piece: &[u8], px: u32, py: u32) {
    let cols = (width - px).min(PIECE) as usize * 4;
    for row in 0..(height - py).min(PIECE) as usize {
        let from = row * PIECE as usize * 4;
        let to = ((py as usize + row) * width as usize + px as usize) * 4;
        image[to..to + cols].copy_from_slice(&piece[from..from + cols]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::scene::Group;

    fn square(x0: f64, y0: f64, side: f64) -> Shape {
        vec![vec![
            [x0, y0],
            [x0 + side, y0],
            [x0 + side, y0 + side],
            [x0, y0 + side],
        ]]
    }

    /// Later groups cover earlier ones, shapes across piece borders are whole, an edge pixel
    /// is half covered, and shapes with no area left in tile units (a sliver, a line of
    /// points) are left out instead of failing the piece.
    #[test]
    fn pieces_join_and_slivers_are_left_out() {
        let gpu = Gpu::start();
        let side = f64::from(PIECE);
        let pass = Pass {
            opacity: 1.0,
            groups: vec![
                Group {
                    colour: [200, 0, 0],
                    shapes: vec![
                        square(side - 50.0, 10.0, 100.0),
                        vec![vec![[5.0, 5.0], [5.01, 5.0], [5.0, 5.01]]],
                        vec![vec![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]],
                    ],
                },
                Group {
                    colour: [0, 0, 200],
                    shapes: vec![square(side - 10.0, 30.0, 20.0)],
                },
                Group {
                    colour: [0, 150, 0],
                    shapes: vec![square(20.0, 200.0, 10.5)],
                },
            ],
        };
        let (width, height) = (PIECE * 2, 300);
        let image = draw(&gpu, &pass, width, height).unwrap();
        let at = |x: u32, y: u32| {
            let i = ((y * width + x) * 4) as usize;
            [image[i], image[i + 1], image[i + 2], image[i + 3]]
        };
        let x = PIECE;
        assert_eq!(at(x - 40, 20), [200, 0, 0, 255]);
        assert_eq!(at(x + 40, 100), [200, 0, 0, 255]);
        assert_eq!(
            at(x - 5, 40),
            [0, 0, 200, 255],
            "later over earlier, left of the border"
        );
        assert_eq!(at(x + 5, 40), [0, 0, 200, 255], "and right of it");
        assert_eq!(at(x + 60, 20), [0, 0, 0, 0]);
        assert_eq!(at(5, 5), [0, 0, 0, 0]);
        // The square's right edge runs through the middle of pixel 30.
        let edge = at(30, 205);
        assert!((100..=155).contains(&edge[3]), "half covered: {edge:?}");
        assert_eq!(at(25, 205), [0, 150, 0, 255]);

        // A budget that has run out (here: the client left) stops the drawing.
        let spent = std::sync::Arc::new(budget::Budget::new(&Default::default()));
        spent.cancel();
        let _ = budget::within(&spent, || {
            let stopped = draw(&gpu, &pass, width, height);
            assert!(matches!(
                stopped,
                Err(RenderError::Budget(budget::BudgetError::Cancelled))
            ));
        });
    }
}
