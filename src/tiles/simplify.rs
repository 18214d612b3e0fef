//! Generalisation in tile space: Douglas–Peucker simplification, rounding to the integer grid,
//! degenerate-ring removal and the winding order MVT requires.

use geo::{Coord, LineString, Polygon, Simplify};

/// Douglas–Peucker simplification of a polyline with tolerance `epsilon` (tile units), after
/// a pass that drops points within `epsilon` of the last one kept: at low zoom a long line has
/// thousands of points per pixel, and the linear pass spares Douglas–Peucker most of them.
///
/// ```
/// use kartrummet::tiles::simplify::simplify_line;
/// let line = [[0.0, 0.0], [5.0, 0.2], [10.0, 0.0]];
/// assert_eq!(simplify_line(&line, 1.0), vec![[0.0, 0.0], [10.0, 0.0]]);
/// ```
pub fn simplify_line(line: &[[f64; 2]], epsilon: f64) -> Vec<[f64; 2]> {
    if line.len() <= 2 || epsilon <= 0.0 {
        return line.to_vec();
    }
    let ls: LineString<f64> = drop_close(line, epsilon)
        .map(|p| Coord { x: p[0], y: p[1] })
        .collect();
    ls.simplify(epsilon)
        .0
        .into_iter()
        .map(|c| [c.x, c.y])
        .collect()
}

/// The points of `line` without those within `epsilon` of the previous point kept; the first
/// and last points always stay.
fn drop_close(line: &[[f64; 2]], epsilon: f64) -> impl Iterator<Item = [f64; 2]> + '_ {
    let limit = epsilon * epsilon;
    let last = line.len() - 1;
    let mut kept: Option<[f64; 2]> = None;
    line.iter().enumerate().filter_map(move |(i, &p)| {
        let far = kept.is_none_or(|k| (p[0] - k[0]).powi(2) + (p[1] - k[1]).powi(2) > limit);
        (far || i == last).then(|| {
            kept = Some(p);
            p
        })
    })
}

/// Share of its exterior's area a simplified polygon keeps at least: when Douglas–Peucker
/// cuts more (a small, round polygon loses much to a half-pixel tolerance), the tolerance is
/// quartered, then simplification given up.
pub const KEEP_AREA: f64 = 0.95;

/// Douglas–Peucker simplification of a polygon's rings (exterior first), after the same
/// close-point pass as [`simplify_line`]; rings keep at least four points, so none disappears
/// here, and the exterior keeps [`KEEP_AREA`] of its area.
///
/// ```
/// use kartrummet::tiles::simplify::simplify_rings;
/// // A round polygon 40 units across, simplified with a tolerance of 8: the exterior keeps
/// // most of its area.
/// let circle: Vec<[f64; 2]> = (0..=64)
///     .map(|i| f64::from(i) * std::f64::consts::TAU / 64.0)
///     .map(|a| [20.0 * a.cos(), 20.0 * a.sin()])
///     .collect();
/// let simplified = simplify_rings(&[circle], 8.0);
/// let area: f64 = simplified[0].windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum();
/// assert!(area.abs() / 2.0 >= 0.95 * std::f64::consts::PI * 400.0 * 0.99);
/// ```
pub fn simplify_rings(rings: &[Vec<[f64; 2]>], epsilon: f64) -> Vec<Vec<[f64; 2]>> {
    let Some(exterior) = rings.first() else {
        return Vec::new();
    };
    let original = ring_area(exterior);
    let mut epsilon = epsilon;
    while epsilon > 0.25 {
        let simplified = simplify_rings_with(rings, epsilon);
        if ring_area(&simplified[0]) >= KEEP_AREA * original {
            return simplified;
        }
        epsilon /= 4.0;
    }
    rings.to_vec()
}

fn simplify_rings_with(rings: &[Vec<[f64; 2]>], epsilon: f64) -> Vec<Vec<[f64; 2]>> {
    let to_ls = |r: &Vec<[f64; 2]>| -> LineString<f64> {
        let thinned: Vec<[f64; 2]> = if r.len() > 4 {
            drop_close(r, epsilon).collect()
        } else {
            Vec::new()
        };
        let points = if thinned.len() >= 4 { &thinned } else { r };
        points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect()
    };
    let polygon = Polygon::new(to_ls(&rings[0]), rings[1..].iter().map(to_ls).collect());
    let simplified = polygon.simplify(epsilon);
    let back = |ls: &LineString<f64>| ls.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    std::iter::once(back(simplified.exterior()))
        .chain(simplified.interiors().iter().map(back))
        .collect()
}

/// The area of a ring, whichever way it turns.
fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let twice: f64 = ring
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    let closing = match (ring.first(), ring.last()) {
        (Some(a), Some(b)) => b[0] * a[1] - a[0] * b[1],
        _ => 0.0,
    };
    (twice + closing).abs() / 2.0
}

/// Rounds points to the integer grid, dropping repeats of the previous point.
///
/// ```
/// use kartrummet::tiles::simplify::quantize;
/// assert_eq!(quantize(&[[0.2, 0.1], [0.4, -0.3], [2.6, 1.0]]), vec![[0, 0], [3, 1]]);
/// ```
pub fn quantize(points: &[[f64; 2]]) -> Vec<[i32; 2]> {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(points.len());
    for p in points {
        let q = [p[0].round() as i32, p[1].round() as i32];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    out
}

/// A quantised ring made open (no closing repeat of the first point), or `None` when fewer
/// than three distinct points or no area remain.
///
/// ```
/// use kartrummet::tiles::simplify::open_ring;
/// assert_eq!(open_ring(vec![[0, 0], [4, 0], [4, 4], [0, 0]]).unwrap().len(), 3);
/// assert!(open_ring(vec![[0, 0], [4, 0], [8, 0], [0, 0]]).is_none());
/// ```
pub fn open_ring(mut ring: Vec<[i32; 2]>) -> Option<Vec<[i32; 2]>> {
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    (ring.len() >= 3 && signed_area2(&ring) != 0).then_some(ring)
}

/// Twice the signed area of an open ring by the formula of the MVT specification (§4.3.4.4):
/// positive for exterior rings, which look clockwise with y pointing down.
///
/// ```
/// use kartrummet::tiles::simplify::signed_area2;
/// // Clockwise on screen (y down): right, down, left.
/// assert!(signed_area2(&[[0, 0], [10, 0], [10, 10], [0, 10]]) > 0);
/// ```
pub fn signed_area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

/// Orients a ring: positive area for an exterior ring, negative for a hole.
pub fn orient(mut ring: Vec<[i32; 2]>, exterior: bool) -> Vec<[i32; 2]> {
    if (signed_area2(&ring) > 0) != exterior {
        ring.reverse();
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_is_enforced() {
        let ccw_on_screen = vec![[0, 0], [0, 10], [10, 10], [10, 0]];
        assert!(signed_area2(&ccw_on_screen) < 0);
        assert!(signed_area2(&orient(ccw_on_screen.clone(), true)) > 0);
        assert!(signed_area2(&orient(ccw_on_screen, false)) < 0);
    }

    #[test]
    fn rings_keep_their_holes() {
        let outer = vec![
            [0.0, 0.0],
            [100.0, 0.0],
            [100.0, 100.0],
            [0.0, 100.0],
            [0.0, 0.0],
        ];
        let hole = vec![
            [40.0, 40.0],
            [60.0, 40.0],
            [60.0, 60.0],
            [40.0, 60.0],
            [40.0, 40.0],
        ];
        let out = simplify_rings(&[outer, hole], 2.0);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn close_points_go_but_the_ends_stay() {
        let line = [[0.0, 0.0], [0.3, 0.0], [0.6, 0.0], [2.0, 0.0], [2.1, 0.0]];
        let kept: Vec<_> = drop_close(&line, 1.0).collect();
        assert_eq!(kept, [[0.0, 0.0], [2.0, 0.0], [2.1, 0.0]]);
        // A dense wiggle within the tolerance straightens; a real bend stays.
        let wiggle: Vec<[f64; 2]> = (0..=1000)
            .map(|i| [f64::from(i) * 0.01, if i % 2 == 0 { 0.0 } else { 0.2 }])
            .chain([[10.0, 10.0]])
            .collect();
        let simplified = simplify_line(&wiggle, 1.0);
        assert_eq!(simplified.first(), Some(&[0.0, 0.0]));
        assert_eq!(simplified.last(), Some(&[10.0, 10.0]));
        assert!(simplified.len() <= 3, "{simplified:?}");
        assert!(
            simplified
                .iter()
                .any(|p| (p[0] - 10.0).abs() < 0.5 && p[1] < 0.5)
        );
    }

    #[test]
    fn degenerate_rings_vanish() {
        assert!(open_ring(vec![[1, 1], [1, 1], [1, 1]]).is_none());
        assert!(open_ring(vec![[0, 0], [1, 0]]).is_none());
    }
}
