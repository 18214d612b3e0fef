//! The line a corridor follows: drawn in the request or taken from a layer's features, checked,
//! and measured along (chainage).

use std::collections::HashMap;

use geo::{Coord, Euclidean, Geometry, Length, Line, LineLocatePoint, LineString, MultiLineString};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::CorridorError;

/// Most positions in one drawn line (all its parts together).
pub const MAX_POSITIONS: usize = 10_000;

/// Line ends closer than this (metres) are joined into one chain.
const JOIN_M: f64 = 1.0;

/// Checks a drawn GeoJSON geometry (or Feature) in EPSG:4326 and returns its lines.
///
/// ```
/// use kartrummet::analysis::corridor::axis::lines_from_geojson;
/// let ok = serde_json::json!({"type": "LineString", "coordinates": [[15.6, 60.6], [15.4, 60.5]]});
/// assert_eq!(lines_from_geojson(&ok).unwrap().0.len(), 1);
/// let point = serde_json::json!({"type": "Point", "coordinates": [15.6, 60.6]});
/// assert!(lines_from_geojson(&point).is_err());
/// ```
pub fn lines_from_geojson(
    value: &serde_json::Value,
) -> Result<MultiLineString<f64>, CorridorError> {
    let bad = |why: String| CorridorError::Geometry(why);
    let parsed = serde_json::from_value::<geojson::GeoJson>(value.clone())
        .map_err(|e| bad(format!("not GeoJSON: {e}")))?;
    let geometry = match parsed {
        geojson::GeoJson::Geometry(g) => g,
        geojson::GeoJson::Feature(f) => f
            .geometry
            .ok_or_else(|| bad("the feature has no geometry".into()))?,
        geojson::GeoJson::FeatureCollection(_) => {
            return Err(bad(
                "send one LineString or MultiLineString, not a FeatureCollection".into(),
            ));
        }
    };
    let geometry: Geometry<f64> = geometry
        .try_into()
        .map_err(|e| bad(format!("unreadable geometry: {e}")))?;
    let lines = match geometry {
        Geometry::LineString(l) => MultiLineString::new(vec![l]),
        Geometry::MultiLineString(m) => m,
        Geometry::Line(l) => MultiLineString::new(vec![l.into()]),
        other => {
            return Err(bad(format!(
                "expected a LineString or MultiLineString, got a {:?}",
                crate::layer::GeometryKind::of(&other)
            )));
        }
    };
    let positions = lines.iter().map(|l| l.0.len()).sum();
    crate::range::at_most("line", positions, MAX_POSITIONS, "positions")?;
    for c in lines.iter().flat_map(|l| l.coords()) {
        if !(c.x.is_finite() && c.y.is_finite()) {
            return Err(bad("coordinates must be finite numbers".into()));
        }
        if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
            return Err(bad(format!(
                "coordinate ({}, {}) is not longitude, latitude in EPSG:4326",
                c.x, c.y
            )));
        }
    }
    if lines.iter().any(|l| l.0.len() < 2) {
        return Err(bad("every line needs at least two positions".into()));
    }
    if lines.0.is_empty() {
        return Err(bad("the geometry is empty".into()));
    }
    Ok(lines)
}

/// The line parts of features, split into line strings.
pub fn lines_of<'a>(
    geometries: impl IntoIterator<Item = &'a Geometry<f64>>,
) -> MultiLineString<f64> {
    let mut lines = Vec::new();
    for g in geometries {
        match g {
            Geometry::LineString(l) => lines.push(l.clone()),
            Geometry::MultiLineString(m) => lines.extend(m.0.iter().cloned()),
            Geometry::Line(l) => lines.push((*l).into()),
            _ => {}
        }
    }
    MultiLineString::new(lines)
}

/// Joins line parts that meet end to end (either direction) into longer chains, greedily in
/// input order; parts that retrace another (a bus line's two directions) stay separate chains.
///
/// ```
/// use geo::{LineString, MultiLineString};
/// use kartrummet::analysis::corridor::axis::chains;
/// let parts = MultiLineString::new(vec![
///     LineString::from(vec![(10.0, 0.0), (20.0, 0.0)]),
///     LineString::from(vec![(10.0, 0.0), (0.0, 0.0)]),
/// ]);
/// let joined = chains(&parts);
/// assert_eq!(joined.len(), 1);
/// assert_eq!(joined[0].0.len(), 3);
/// ```
pub fn chains(parts: &MultiLineString<f64>) -> Vec<LineString<f64>> {
    let key = |c: Coord<f64>| ((c.x / JOIN_M).round() as i64, (c.y / JOIN_M).round() as i64);
    let mut ends: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (part.0.first(), part.0.last()) {
            ends.entry(key(a)).or_default().push(i);
            ends.entry(key(b)).or_default().push(i);
        }
    }
    let mut used = vec![false; parts.0.len()];
    let next_at = |at: Coord<f64>, used: &mut Vec<bool>| -> Option<LineString<f64>> {
        let i = *ends.get(&key(at))?.iter().find(|&&i| !used[i])?;
        used[i] = true;
        let mut part = parts.0[i].clone();
        if key(part.0[0]) != key(at) {
            part.0.reverse();
        }
        Some(part)
    };
    let mut chains = Vec::new();
    for start in 0..parts.0.len() {
        if used[start] || parts.0[start].0.is_empty() {
            continue;
        }
        used[start] = true;
        let mut chain = parts.0[start].0.clone();
        while let Some(part) = next_at(*chain.last().expect("not empty"), &mut used) {
            chain.extend_from_slice(&part.0[1..]);
        }
        while let Some(part) = next_at(chain[0], &mut used) {
            let mut ahead: Vec<Coord<f64>> = part.0.into_iter().rev().collect();
            ahead.pop();
            ahead.extend(chain);
            chain = ahead;
        }
        chains.push(LineString::new(chain));
    }
    chains
}

/// A line prepared for chainage: distance along it of the point nearest to any position.
#[derive(Debug)]
pub struct Chainage {
    line: LineString<f64>,
    length: f64,
    /// Each segment with the chainage at its start.
    segments: RTree<GeomWithData<Line<f64>, f64>>,
}

impl Chainage {
    /// Prepares `line`.
    pub fn new(line: LineString<f64>) -> Self {
        let mut at = 0.0;
        let segments = line
            .lines()
            .map(|segment| {
                let entry = GeomWithData::new(segment, at);
                at += Euclidean.length(&segment);
                entry
            })
            .collect();
        Self {
            length: at,
            segments: RTree::bulk_load(segments),
            line,
        }
    }

    /// The line.
    pub fn line(&self) -> &LineString<f64> {
        &self.line
    }

    /// Length in metres.
    pub fn length(&self) -> f64 {
        self.length
    }

    /// Chainage (metres from the start) of the point of the line nearest to `point`.
    ///
    /// ```
    /// use geo::{coord, LineString};
    /// use kartrummet::analysis::corridor::axis::Chainage;
    /// let line = Chainage::new(LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 50.0)]));
    /// assert_eq!(line.at(coord! { x: 40.0, y: 7.0 }), Some(40.0));
    /// assert_eq!(line.at(coord! { x: 130.0, y: 20.0 }), Some(120.0));
    /// ```
    pub fn at(&self, point: Coord<f64>) -> Option<f64> {
        let p = geo::Point::from(point);
        let nearest = self.segments.nearest_neighbor(&p)?;
        let fraction = nearest.geom().line_locate_point(&p)?;
        Some(nearest.data + fraction * Euclidean.length(nearest.geom()))
    }

    /// Distance from `point` to the line.
    pub fn distance(&self, point: Coord<f64>) -> f64 {
        use rstar::PointDistance;
        self.segments
            .nearest_neighbor(&geo::Point::from(point))
            .map_or(f64::INFINITY, |s| {
                s.geom().distance_2(&geo::Point::from(point)).sqrt()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_geometry() {
        let cases = [
            serde_json::json!({"type": "Point", "coordinates": [15.0, 60.0]}),
            serde_json::json!({"type": "LineString", "coordinates": []}),
            serde_json::json!({"type": "LineString", "coordinates": [[15.0, 60.0]]}),
            serde_json::json!({"type": "LineString", "coordinates": [[15.0, 600.0], [15.0, 60.0]]}),
            serde_json::json!({"type": "MultiLineString", "coordinates": []}),
            serde_json::json!("LINESTRING (1 2, 3 4)"),
            serde_json::json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
        ];
        for case in cases {
            assert!(
                matches!(lines_from_geojson(&case), Err(CorridorError::Geometry(_))),
                "{case}"
            );
        }
    }

    #[test]
    fn accepts_a_feature() {
        let feature = serde_json::json!({"type": "Feature", "properties": {},
            "geometry": {"type": "MultiLineString", "coordinates": [[[15.0, 60.0], [15.1, 60.1]]]}});
        assert_eq!(lines_from_geojson(&feature).unwrap().0.len(), 1);
    }

    #[test]
    fn chains_keep_unconnected_parts_apart() {
        let parts = MultiLineString::new(vec![
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]),
            LineString::from(vec![(5.0, 5.0), (6.0, 5.0)]),
            LineString::from(vec![(1.0, 0.0), (2.0, 0.0)]),
        ]);
        let joined = chains(&parts);
        assert_eq!(joined.len(), 2);
        assert_eq!(joined[0].0.len(), 3);
    }

    #[test]
    fn chainage_and_distance() {
        let line = Chainage::new(LineString::from(vec![(0.0, 0.0), (0.0, 1000.0)]));
        assert_eq!(line.length(), 1000.0);
        assert_eq!(line.at(Coord { x: 30.0, y: 250.0 }), Some(250.0));
        assert_eq!(line.distance(Coord { x: 30.0, y: 250.0 }), 30.0);
    }
}
