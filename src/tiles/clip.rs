//! Clipping to the buffered tile rectangle.
//!
//! Lines are cut with Liang–Barsky per segment. Polygon rings are first cut with
//! Sutherland–Hodgman in floating point (which keeps coordinates small enough for integers but
//! may leave zero-width slivers along the border), then, once quantised, put through an integer
//! overlay (`i_overlay`, the engine behind geo's boolean operations) intersecting them with the
//! rectangle under the even–odd rule with OGC-valid output. That last step is what makes every
//! polygon in a tile valid whatever simplification and rounding did to it.

use geo::Coord;
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;

/// An axis-aligned rectangle in tile coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipRect {
    /// Smallest x.
    pub min_x: f64,
    /// Smallest y.
    pub min_y: f64,
    /// Largest x.
    pub max_x: f64,
    /// Largest y.
    pub max_y: f64,
}

impl ClipRect {
    /// The tile `0..extent` grown by `buffer` units on every side.
    ///
    /// ```
    /// use kartrummet::tiles::clip::ClipRect;
    /// let r = ClipRect::tile(4096, 64);
    /// assert_eq!((r.min_x, r.max_y), (-64.0, 4160.0));
    /// ```
    pub fn tile(extent: u32, buffer: u32) -> Self {
        let (lo, hi) = (-f64::from(buffer), f64::from(extent + buffer));
        Self {
            min_x: lo,
            min_y: lo,
            max_x: hi,
            max_y: hi,
        }
    }

    /// Whether the box `[min_x, min_y, max_x, max_y]` lies completely inside.
    pub fn contains_box(&self, b: [f64; 4]) -> bool {
        b[0] >= self.min_x && b[1] >= self.min_y && b[2] <= self.max_x && b[3] <= self.max_y
    }

    /// Whether the box `[min_x, min_y, max_x, max_y]` meets the rectangle.
    pub fn meets_box(&self, b: [f64; 4]) -> bool {
        b[0] <= self.max_x && b[2] >= self.min_x && b[1] <= self.max_y && b[3] >= self.min_y
    }

    /// Whether the point lies inside or on the border.
    pub fn contains(&self, [x, y]: [f64; 2]) -> bool {
        x >= self.min_x && x <= self.max_x && y >= self.min_y && y <= self.max_y
    }
}

/// Bounding box `[min_x, min_y, max_x, max_y]` of some points (`None` when empty).
pub fn bbox(points: &[[f64; 2]]) -> Option<[f64; 4]> {
    let first = points.first()?;
    Some(
        points
            .iter()
            .fold([first[0], first[1], first[0], first[1]], |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            }),
    )
}

/// Cuts a polyline to `rect`; each stretch inside becomes its own polyline.
///
/// ```
/// use kartrummet::tiles::clip::{ClipRect, clip_line};
/// let rect = ClipRect { min_x: 0.0, min_y: 0.0, max_x: 10.0, max_y: 10.0 };
/// let parts = clip_line(&[[-5.0, 5.0], [15.0, 5.0]], &rect);
/// assert_eq!(parts, vec![vec![[0.0, 5.0], [10.0, 5.0]]]);
/// ```
pub fn clip_line(line: &[[f64; 2]], rect: &ClipRect) -> Vec<Vec<[f64; 2]>> {
    if bbox(line).is_some_and(|b| rect.contains_box(b)) {
        return vec![line.to_vec()];
    }
    let mut parts = Vec::new();
    let mut current: Vec<[f64; 2]> = Vec::new();
    for pair in line.windows(2) {
        match clip_segment(pair[0], pair[1], rect) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() >= 2 {
                        parts.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                current.push(b);
                // The segment left the rectangle: the stretch ends here.
                if b != pair[1] {
                    parts.push(std::mem::take(&mut current));
                }
            }
            None => {
                if current.len() >= 2 {
                    parts.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        parts.push(current);
    }
    parts
}

/// The stretches of a line whose segments have a box meeting `b` (`[min x, min y, max x,
/// max y]`), each from the last point before it comes near to the first point after it
/// leaves. Clipping the stretches gives the same pieces as clipping the whole line, so a long
/// line (a bus route across the region) costs a deep tile only the points near it; works in
/// any coordinates that keep boxes, e.g. longitude/latitude before Web Mercator.
///
/// ```
/// use geo::coord;
/// use kartrummet::tiles::clip::runs_near;
/// let line: Vec<_> = (0..5).map(|i| coord! { x: f64::from(i), y: 0.0 }).collect();
/// let runs: Vec<_> = runs_near(&line, [1.5, -1.0, 2.5, 1.0]).collect();
/// assert_eq!(runs, [&line[1..4]]);
/// ```
pub fn runs_near(line: &[Coord<f64>], b: [f64; 4]) -> impl Iterator<Item = &[Coord<f64>]> {
    let meets = move |p: Coord<f64>, q: Coord<f64>| {
        p.x.min(q.x) <= b[2] && p.x.max(q.x) >= b[0] && p.y.min(q.y) <= b[3] && p.y.max(q.y) >= b[1]
    };
    let mut next = 0;
    std::iter::from_fn(move || {
        let segments = line.len().saturating_sub(1);
        let start = (next..segments).find(|&i| meets(line[i], line[i + 1]))?;
        let end = (start + 1..segments)
            .find(|&i| !meets(line[i], line[i + 1]))
            .unwrap_or(segments);
        next = end;
        Some(&line[start..=end])
    })
}

/// Liang–Barsky: the part of segment `a`–`b` inside `rect`.
fn clip_segment(a: [f64; 2], b: [f64; 2], rect: &ClipRect) -> Option<([f64; 2], [f64; 2])> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - rect.min_x),
        (dx, rect.max_x - a[0]),
        (-dy, a[1] - rect.min_y),
        (dy, rect.max_y - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            [a[0] + t * dx, a[1] + t * dy]
        }
    };
    Some((at(t0), at(t1)))
}

/// Sutherland–Hodgman: ring `ring` (open or closed) cut to `rect`. The result is open and may
/// run along the border where the ring left and re-entered; [`clip_polygon`] cleans that up.
///
/// ```
/// use kartrummet::tiles::clip::{ClipRect, clip_ring};
/// let rect = ClipRect { min_x: 0.0, min_y: 0.0, max_x: 10.0, max_y: 10.0 };
/// let ring = clip_ring(&[[-5.0, -5.0], [5.0, -5.0], [5.0, 5.0], [-5.0, 5.0]], &rect);
/// assert_eq!(ring.len(), 4);
/// ```
pub fn clip_ring(ring: &[[f64; 2]], rect: &ClipRect) -> Vec<[f64; 2]> {
    let mut points: Vec<[f64; 2]> = ring.to_vec();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    type Edge = (
        fn(&ClipRect, [f64; 2]) -> bool,
        fn(&ClipRect, [f64; 2], [f64; 2]) -> [f64; 2],
    );
    let edges: [Edge; 4] = [
        (|r, p| p[0] >= r.min_x, |r, a, b| at_x(a, b, r.min_x)),
        (|r, p| p[0] <= r.max_x, |r, a, b| at_x(a, b, r.max_x)),
        (|r, p| p[1] >= r.min_y, |r, a, b| at_y(a, b, r.min_y)),
        (|r, p| p[1] <= r.max_y, |r, a, b| at_y(a, b, r.max_y)),
    ];
    for (inside, cross) in edges {
        if points.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(points.len() + 4);
        let mut previous = *points.last().expect("not empty");
        for &point in &points {
            match (inside(rect, previous), inside(rect, point)) {
                (true, true) => out.push(point),
                (true, false) => out.push(cross(rect, previous, point)),
                (false, true) => {
                    out.push(cross(rect, previous, point));
                    out.push(point);
                }
                (false, false) => {}
            }
            previous = point;
        }
        points = out;
    }
    points
}

fn at_x(a: [f64; 2], b: [f64; 2], x: f64) -> [f64; 2] {
    let t = (x - a[0]) / (b[0] - a[0]);
    [x, a[1] + t * (b[1] - a[1])]
}

fn at_y(a: [f64; 2], b: [f64; 2], y: f64) -> [f64; 2] {
    let t = (y - a[1]) / (b[1] - a[1]);
    [a[0] + t * (b[0] - a[0]), y]
}

/// Integer rings (open, any orientation, holes among them) intersected with the integer
/// rectangle under the even–odd rule. Returns polygons as ring lists, exterior first, each
/// ring open; the output is OGC-valid (no self-intersections, connected interiors).
///
/// ```
/// use kartrummet::tiles::clip::clip_polygon;
/// // A bow tie: invalid as one ring, two valid triangles after.
/// let bow_tie = vec![vec![[0, 0], [10, 10], [10, 0], [0, 10]]];
/// let polygons = clip_polygon(&bow_tie, [-64, -64, 4160, 4160]);
/// assert_eq!(polygons.len(), 2);
/// ```
pub fn clip_polygon(rings: &[Vec<[i32; 2]>], rect: [i32; 4]) -> Vec<Vec<Vec<[i32; 2]>>> {
    let subject: Vec<Vec<IntPoint>> = rings
        .iter()
        .map(|r| r.iter().map(|p| IntPoint::new(p[0], p[1])).collect())
        .collect();
    let [x0, y0, x1, y1] = rect;
    let clip = vec![vec![
        IntPoint::new(x0, y0),
        IntPoint::new(x1, y0),
        IntPoint::new(x1, y1),
        IntPoint::new(x0, y1),
    ]];
    let capacity = subject.iter().map(Vec::len).sum::<usize>() + 4;
    let mut overlay = Overlay::new_custom(capacity, IntOverlayOptions::ogc(), Default::default());
    overlay.add_contours(&subject, i_overlay::core::overlay::ShapeType::Subject);
    overlay.add_contours(&clip, i_overlay::core::overlay::ShapeType::Clip);
    overlay
        .overlay(OverlayRule::Intersect, FillRule::EvenOdd)
        .into_iter()
        .map(|shape| {
            shape
                .into_iter()
                .map(|contour| contour.into_iter().map(|p| [p.x, p.y]).collect())
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn runs_near_keep_the_points_around_each_visit() {
        // Out, through the box, out, back in at the end.
        let line: Vec<_> = [
            [-5.0, 0.0],
            [-4.0, 0.0],
            [0.5, 0.5],
            [5.0, 5.0],
            [6.0, 6.0],
            [0.5, 0.9],
        ]
        .iter()
        .map(|p| coord! { x: p[0], y: p[1] })
        .collect();
        let runs: Vec<_> = runs_near(&line, [0.0, 0.0, 1.0, 1.0]).collect();
        assert_eq!(runs, [&line[1..4], &line[4..6]]);
        assert_eq!(runs_near(&line[..2], [0.0, 0.0, 1.0, 1.0]).count(), 0);
        assert_eq!(runs_near(&line[..1], [-9.0, -9.0, 9.0, 9.0]).count(), 0);
    }

    fn rect() -> ClipRect {
        ClipRect {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 10.0,
            max_y: 10.0,
        }
    }

    #[test]
    fn line_leaving_and_reentering_gives_two_parts() {
        let line = [[1.0, 1.0], [1.0, 20.0], [5.0, 20.0], [5.0, 5.0]];
        let parts = clip_line(&line, &rect());
        assert_eq!(
            parts,
            vec![vec![[1.0, 1.0], [1.0, 10.0]], vec![[5.0, 10.0], [5.0, 5.0]]]
        );
    }

    #[test]
    fn line_fully_outside_is_gone() {
        assert!(clip_line(&[[20.0, 20.0], [30.0, 30.0]], &rect()).is_empty());
    }

    #[test]
    fn line_inside_is_untouched() {
        let line = [[1.0, 1.0], [2.0, 2.0], [3.0, 1.0]];
        assert_eq!(clip_line(&line, &rect()), vec![line.to_vec()]);
    }

    #[test]
    fn ring_around_rect_becomes_rect() {
        let ring = [
            [-5.0, -5.0],
            [15.0, -5.0],
            [15.0, 15.0],
            [-5.0, 15.0],
            [-5.0, -5.0],
        ];
        let clipped = clip_ring(&ring, &rect());
        assert_eq!(clipped.len(), 4);
        assert!(clipped.iter().all(|p| rect().contains(*p)));
    }

    #[test]
    fn polygon_with_hole_keeps_the_hole() {
        let outer = vec![[0, 0], [100, 0], [100, 100], [0, 100]];
        let hole = vec![[40, 40], [60, 40], [60, 60], [40, 60]];
        let polygons = clip_polygon(&[outer, hole], [-64, -64, 4160, 4160]);
        assert_eq!(polygons.len(), 1);
        assert_eq!(polygons[0].len(), 2);
    }

    #[test]
    fn polygon_is_cut_at_the_rect() {
        let outer = vec![[-100, -100], [100, -100], [100, 100], [-100, 100]];
        let polygons = clip_polygon(&[outer], [0, 0, 50, 50]);
        assert_eq!(polygons.len(), 1);
        let ring = &polygons[0][0];
        assert!(
            ring.iter()
                .all(|p| (0..=50).contains(&p[0]) && (0..=50).contains(&p[1]))
        );
    }
}
