//! Generalisation in tile space: Douglas–Peucker simplification, rounding to the integer grid,
//! degenerate-ring removal and the winding order MVT requires.

use geo::{Coord, LineString, Polygon, Simplify};

/// Douglas–Peucker simplification of a polyline with tolerance `epsilon` (tile units).
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
    let ls: LineString<f64> = line.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
    ls.simplify(epsilon)
        .0
        .into_iter()
        .map(|c| [c.x, c.y])
        .collect()
}

/// Douglas–Peucker simplification of a polygon's rings (exterior first); rings keep at least
/// four points, so none disappears here.
pub fn simplify_rings(rings: Vec<Vec<[f64; 2]>>, epsilon: f64) -> Vec<Vec<[f64; 2]>> {
    if epsilon <= 0.0 || rings.is_empty() {
        return rings;
    }
    let to_ls = |r: Vec<[f64; 2]>| -> LineString<f64> {
        r.into_iter().map(|p| Coord { x: p[0], y: p[1] }).collect()
    };
    let mut iter = rings.into_iter();
    let exterior = to_ls(iter.next().expect("not empty"));
    let polygon = Polygon::new(exterior, iter.map(to_ls).collect());
    let simplified = polygon.simplify(epsilon);
    let back = |ls: &LineString<f64>| ls.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    std::iter::once(back(simplified.exterior()))
        .chain(simplified.interiors().iter().map(back))
        .collect()
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
        let out = simplify_rings(vec![outer, hole], 2.0);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn degenerate_rings_vanish() {
        assert!(open_ring(vec![[1, 1], [1, 1], [1, 1]]).is_none());
        assert!(open_ring(vec![[0, 0], [1, 0]]).is_none());
    }
}
