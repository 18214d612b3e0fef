//! A corridor polygon prepared for many "how much of this lies inside" questions.
//!
//! The boundary segments go into an R-tree. A unit (grid cell, DeSO area) that no boundary
//! segment comes near is wholly inside or wholly outside, which one point decides; only units the
//! boundary crosses are intersected, and a convex unit (every grid cell) is clipped with
//! Sutherland–Hodgman instead of a general boolean operation.

use geo::{
    Area, BooleanOps, BoundingRect, Coord, Geometry, InteriorPoint, Line, MultiPolygon, Polygon,
    Rect,
};
use rstar::{AABB, RTree};

/// Points this close to the boundary (metres) count as inside: the corridor is a closed set.
const ON_BOUNDARY_M: f64 = 1e-3;

/// Shares closer than this to 0 or 1 are rounding noise (a unit touching the edge along a
/// shared side), and count as 0 or 1.
const SLIVER: f64 = 1e-9;

/// A polygon area with an index over its boundary.
#[derive(Debug)]
pub struct PreparedArea {
    polygons: MultiPolygon<f64>,
    boundary: RTree<Line<f64>>,
    bbox: Option<Rect<f64>>,
}

impl PreparedArea {
    /// Prepares `polygons` (non-overlapping, as a union or a buffer returns them).
    pub fn new(polygons: MultiPolygon<f64>) -> Self {
        let boundary = polygons
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.lines())
            .collect();
        Self {
            bbox: polygons.bounding_rect(),
            boundary: RTree::bulk_load(boundary),
            polygons,
        }
    }

    /// The polygons.
    pub fn polygons(&self) -> &MultiPolygon<f64> {
        &self.polygons
    }

    /// The bounding box, `None` when empty.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.bbox
    }

    /// Area in square units of the CRS.
    pub fn area(&self) -> f64 {
        self.polygons.unsigned_area()
    }

    /// Whether `point` lies inside or on the boundary.
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use kartrummet::analysis::corridor::area::PreparedArea;
    /// let square = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)];
    /// let area = PreparedArea::new(MultiPolygon::new(vec![square]));
    /// assert!(area.contains(coord! { x: 1.0, y: 1.0 }));
    /// assert!(area.contains(coord! { x: 2.0, y: 1.0 }));
    /// assert!(!area.contains(coord! { x: 3.0, y: 1.0 }));
    /// ```
    pub fn contains(&self, point: Coord<f64>) -> bool {
        let Some(bbox) = self.bbox else { return false };
        let (lo, hi) = (bbox.min(), bbox.max());
        let slack = ON_BOUNDARY_M;
        if point.x < lo.x - slack
            || point.y < lo.y - slack
            || point.x > hi.x + slack
            || point.y > hi.y + slack
        {
            return false;
        }
        let p = geo::Point::from(point);
        if self
            .boundary
            .locate_within_distance(p, ON_BOUNDARY_M * ON_BOUNDARY_M)
            .next()
            .is_some()
        {
            return true;
        }
        // Even-odd rule along a ray towards +x, over the segments the ray's box meets.
        let ray = AABB::from_corners(p, geo::Point::new(hi.x + 1.0, point.y));
        let crossings = self
            .boundary
            .locate_in_envelope_intersecting(&ray)
            .filter(|s| {
                (s.start.y > point.y) != (s.end.y > point.y) && {
                    let t = (point.y - s.start.y) / (s.end.y - s.start.y);
                    s.start.x + t * (s.end.x - s.start.x) > point.x
                }
            })
            .count();
        crossings % 2 == 1
    }

    /// The share of `unit` inside the area, from 0 to 1: for polygons the share of their area,
    /// for points 1 when inside, for lines whether their interior point is inside.
    ///
    /// ```
    /// use geo::{polygon, Geometry, MultiPolygon};
    /// use kartrummet::analysis::corridor::area::PreparedArea;
    /// let left_half = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 2.0), (x: 0.0, y: 2.0)];
    /// let area = PreparedArea::new(MultiPolygon::new(vec![left_half]));
    /// let cell = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)];
    /// assert!((area.share_of(&Geometry::Polygon(cell)) - 0.5).abs() < 1e-12);
    /// ```
    pub fn share_of(&self, unit: &Geometry<f64>) -> f64 {
        match unit {
            Geometry::Point(p) => self.contains(p.0) as u8 as f64,
            Geometry::Polygon(p) => self.share_of_polygons(std::slice::from_ref(p)),
            Geometry::MultiPolygon(mp) => self.share_of_polygons(&mp.0),
            Geometry::Rect(r) => self.share_of_polygons(&[r.to_polygon()]),
            other => other.interior_point().is_some_and(|p| self.contains(p.0)) as u8 as f64,
        }
    }

    fn share_of_polygons(&self, parts: &[Polygon<f64>]) -> f64 {
        let total: f64 = parts.iter().map(|p| p.unsigned_area()).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let inside: f64 = parts.iter().map(|p| self.overlap_area(p)).sum();
        match inside / total {
            share if share < SLIVER => 0.0,
            share if share > 1.0 - SLIVER => 1.0,
            share => share,
        }
    }

    /// The area of `unit` that lies inside.
    pub fn overlap_area(&self, unit: &Polygon<f64>) -> f64 {
        let (Some(bbox), Some(unit_box)) = (self.bbox, unit.bounding_rect()) else {
            return 0.0;
        };
        if !boxes_meet(&bbox, &unit_box) {
            return 0.0;
        }
        let envelope = AABB::from_corners(unit_box.min().into(), unit_box.max().into());
        if self
            .boundary
            .locate_in_envelope_intersecting(&envelope)
            .next()
            .is_none()
        {
            // The boundary stays clear of the unit: it is wholly inside or wholly outside.
            let inside = unit.exterior().0.first().is_some_and(|&c| self.contains(c));
            return if inside { unit.unsigned_area() } else { 0.0 };
        }
        match convex_ring(unit) {
            Some(clip) => self.clipped_area(&clip, &unit_box),
            None => unit.intersection(&self.polygons).unsigned_area(),
        }
    }

    /// Area of the polygons inside the convex counter-clockwise ring `clip`.
    fn clipped_area(&self, clip: &[Coord<f64>], clip_box: &Rect<f64>) -> f64 {
        let mut area = 0.0;
        for polygon in &self.polygons {
            if !polygon
                .bounding_rect()
                .is_some_and(|b| boxes_meet(&b, clip_box))
            {
                continue;
            }
            let rings = std::iter::once((polygon.exterior(), 1.0))
                .chain(polygon.interiors().iter().map(|r| (r, -1.0)));
            for (ring, role) in rings {
                let orientation = signed_area(&ring.0).signum();
                area += role * orientation * signed_area(&clip_ring(&ring.0, clip));
            }
        }
        area.max(0.0)
    }
}

fn boxes_meet(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// The exterior of `polygon` as a counter-clockwise ring without the closing point, when the
/// polygon is convex and has no holes.
fn convex_ring(polygon: &Polygon<f64>) -> Option<Vec<Coord<f64>>> {
    if !polygon.interiors().is_empty() {
        return None;
    }
    let mut ring: Vec<Coord<f64>> = polygon.exterior().0.clone();
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return None;
    }
    if signed_area(&ring) < 0.0 {
        ring.reverse();
    }
    let n = ring.len();
    let convex = (0..n).all(|i| {
        let (a, b, c) = (ring[i], ring[(i + 1) % n], ring[(i + 2) % n]);
        cross(b - a, c - b) >= 0.0
    });
    convex.then_some(ring)
}

fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

/// Shoelace area of a ring, positive when counter-clockwise; closed or not.
fn signed_area(ring: &[Coord<f64>]) -> f64 {
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    let origin = ring[0];
    (0..n)
        .map(|i| cross(ring[i] - origin, ring[(i + 1) % n] - origin))
        .sum::<f64>()
        / 2.0
}

/// Sutherland–Hodgman: `subject` clipped to the convex counter-clockwise `clip`. The subject
/// may be non-convex; the result may then hold zero-width bridges along the clip edges, which
/// leave its signed area exact.
fn clip_ring(subject: &[Coord<f64>], clip: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut output: Vec<Coord<f64>> = subject.to_vec();
    if output.len() > 1 && output.first() == output.last() {
        output.pop();
    }
    let mut input = Vec::with_capacity(output.len());
    for i in 0..clip.len() {
        if output.is_empty() {
            break;
        }
        let (a, b) = (clip[i], clip[(i + 1) % clip.len()]);
        let side = |p: Coord<f64>| cross(b - a, p - a);
        std::mem::swap(&mut input, &mut output);
        output.clear();
        let mut previous = *input.last().expect("not empty");
        let mut previous_side = side(previous);
        for &current in &input {
            let current_side = side(current);
            if current_side >= 0.0 {
                if previous_side < 0.0 {
                    output.push(crossing(previous, current, previous_side, current_side));
                }
                output.push(current);
            } else if previous_side >= 0.0 {
                output.push(crossing(previous, current, previous_side, current_side));
            }
            previous = current;
            previous_side = current_side;
        }
    }
    output
}

fn crossing(p: Coord<f64>, q: Coord<f64>, side_p: f64, side_q: f64) -> Coord<f64> {
    let t = side_p / (side_p - side_q);
    p + (q - p) * t
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Buffer, Contains, LineString, coord, polygon};

    fn square(x0: f64, y0: f64, size: f64) -> Polygon<f64> {
        polygon![
            (x: x0, y: y0),
            (x: x0 + size, y: y0),
            (x: x0 + size, y: y0 + size),
            (x: x0, y: y0 + size)
        ]
    }

    #[test]
    fn holes_are_outside() {
        let ring = Polygon::new(
            square(0.0, 0.0, 10.0).exterior().clone(),
            vec![square(4.0, 4.0, 2.0).exterior().clone()],
        );
        let area = PreparedArea::new(MultiPolygon::new(vec![ring]));
        assert!(area.contains(coord! { x: 1.0, y: 1.0 }));
        assert!(!area.contains(coord! { x: 5.0, y: 5.0 }));
        assert!(
            area.contains(coord! { x: 4.0, y: 5.0 }),
            "hole edge is boundary"
        );
        let cell = Geometry::Polygon(square(3.0, 3.0, 4.0));
        assert!((area.share_of(&cell) - 12.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn whole_units_inside_and_outside() {
        let area = PreparedArea::new(MultiPolygon::new(vec![square(0.0, 0.0, 100.0)]));
        assert_eq!(
            area.share_of(&Geometry::Polygon(square(10.0, 10.0, 1.0))),
            1.0
        );
        assert_eq!(
            area.share_of(&Geometry::Polygon(square(200.0, 10.0, 1.0))),
            0.0
        );
        assert_eq!(
            area.share_of(&Geometry::Point(geo::point!(x: 5.0, y: 5.0))),
            1.0
        );
    }

    #[test]
    fn clipping_agrees_with_boolean_ops_on_a_buffer() {
        let line = LineString::from(vec![(0.0, 0.0), (3000.0, 1200.0), (5200.0, -800.0)]);
        let corridor = line.buffer(700.0);
        let area = PreparedArea::new(corridor.clone());
        for (x, y) in [
            (0.0, 0.0),
            (2500.0, 400.0),
            (4000.0, -1000.0),
            (-900.0, 300.0),
        ] {
            let cell = square(x, y, 1000.0);
            let exact = cell.intersection(&corridor).unsigned_area();
            let clipped = area.overlap_area(&cell);
            assert!((exact - clipped).abs() < 1e-6 * 1e6, "{exact} vs {clipped}");
        }
    }

    #[test]
    fn empty_area_holds_nothing() {
        let area = PreparedArea::new(MultiPolygon::new(vec![]));
        assert!(!area.contains(coord! { x: 0.0, y: 0.0 }));
        assert_eq!(
            area.share_of(&Geometry::Polygon(square(0.0, 0.0, 1.0))),
            0.0
        );
    }

    #[test]
    fn contains_agrees_with_geo() {
        let corridor = LineString::from(vec![(0.0, 0.0), (50.0, 80.0), (120.0, 10.0)]).buffer(15.0);
        let area = PreparedArea::new(corridor.clone());
        for i in 0..40 {
            for j in 0..30 {
                let c = coord! { x: i as f64 * 3.7 - 10.0, y: j as f64 * 3.3 - 15.0 };
                if corridor.contains(&c) {
                    assert!(area.contains(c), "{c:?}");
                } else if !geo::Intersects::intersects(&corridor, &c) {
                    assert!(!area.contains(c), "{c:?}");
                }
            }
        }
    }
}
