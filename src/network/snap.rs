//! Attaching points to the network: the nearest point on the nearest edge (not only the
//! nearest node), reached by a straight connector at a set speed, within a maximum distance.

use geo::Coord;
use rstar::PointDistance;
use serde::{Deserialize, Serialize};

use super::{Network, NetworkError};
use crate::range::Range;

/// Range of [`SnapSettings::max_distance_m`]: farther than 50 km is not "near the network".
pub const SNAP_DISTANCE_M: Range = Range::new("max_distance_m", 0.0, 50_000.0, "m");

/// Range of [`SnapSettings::connector_speed_kmh`].
pub const CONNECTOR_SPEED_KMH: Range = Range::new("connector_speed_kmh", 1.0, 300.0, "km/h");

/// How points attach to the network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnapSettings {
    /// Points farther than this from every edge are not attached (metres).
    pub max_distance_m: f64,
    /// Speed on the straight connector between a point and the network (km/h).
    pub connector_speed_kmh: f64,
}

impl Default for SnapSettings {
    fn default() -> Self {
        Self {
            max_distance_m: 5_000.0,
            connector_speed_kmh: 30.0,
        }
    }
}

impl SnapSettings {
    /// Checks the distance against [`SNAP_DISTANCE_M`] and the speed against
    /// [`CONNECTOR_SPEED_KMH`].
    pub fn validate(&self) -> Result<(), NetworkError> {
        SNAP_DISTANCE_M
            .check(self.max_distance_m)
            .map_err(NetworkError::BadSnap)?;
        CONNECTOR_SPEED_KMH
            .check(self.connector_speed_kmh)
            .map_err(NetworkError::BadSnap)?;
        Ok(())
    }

    /// A canonical text form, for cache keys.
    pub fn key(&self) -> String {
        format!("{}:{}", self.max_distance_m, self.connector_speed_kmh)
    }
}

/// A point attached to an edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// The edge.
    pub edge: u32,
    /// Distance along the edge from its start to the attachment point (metres).
    pub offset_m: f64,
    /// Length of the connector from the point to the edge (metres).
    pub connector_m: f64,
    /// Time on the connector (seconds).
    pub connector_s: f64,
}

impl Network {
    /// Attaches `point` to the nearest edge, or `None` when every edge is farther than
    /// `settings.max_distance_m`.
    ///
    /// ```
    /// use geo::{Coord, LineString};
    /// use kartrummet::network::{Edge, Network, SnapSettings};
    ///
    /// let nodes = vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 100.0, y: 0.0 }];
    /// let edge = Edge { from: 0, to: 1, geometry: LineString::from(nodes.clone()),
    ///     length_m: 100.0, time_s: 10.0, forward: true, backward: true };
    /// let network = Network::new(nodes, vec![edge]);
    /// let settings = SnapSettings { max_distance_m: 50.0, connector_speed_kmh: 36.0 };
    /// let at = network.locate(Coord { x: 30.0, y: 20.0 }, &settings).unwrap();
    /// assert_eq!((at.edge, at.offset_m, at.connector_m, at.connector_s), (0, 30.0, 20.0, 2.0));
    /// assert!(network.locate(Coord { x: 30.0, y: 60.0 }, &settings).is_none());
    /// ```
    pub fn locate(&self, point: Coord<f64>, settings: &SnapSettings) -> Option<Location> {
        let query = [point.x, point.y];
        let nearest = self.segments.nearest_neighbor(&query)?;
        let distance = nearest.geom().distance_2(&query).sqrt();
        if distance > settings.max_distance_m {
            return None;
        }
        let [ax, ay] = nearest.geom().from;
        let [bx, by] = nearest.geom().to;
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((point.x - ax) * dx + (point.y - ay) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (edge, start) = nearest.data;
        let length = self.edges[edge as usize].length_m;
        Some(Location {
            edge,
            offset_m: (start + t * len2.sqrt()).min(length),
            connector_m: distance,
            connector_s: distance / (settings.connector_speed_kmh / 3.6),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Edge;
    use geo::LineString;

    #[test]
    fn snaps_to_the_nearest_edge_not_node() {
        // An L-shaped edge: (0,0) → (100,0) → (100,100); the point is closest to its middle.
        let nodes = vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 100.0, y: 100.0 }];
        let geometry = LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)]);
        let edge = Edge {
            from: 0,
            to: 1,
            geometry,
            length_m: 200.0,
            time_s: 20.0,
            forward: true,
            backward: true,
        };
        let n = Network::new(nodes, vec![edge]);
        let at = n
            .locate(Coord { x: 110.0, y: 40.0 }, &SnapSettings::default())
            .unwrap();
        assert_eq!(at.edge, 0);
        assert!((at.offset_m - 140.0).abs() < 1e-9);
        assert!((at.connector_m - 10.0).abs() < 1e-9);
    }

    #[test]
    fn validates() {
        let bad = SnapSettings {
            max_distance_m: -1.0,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        assert!(SnapSettings::default().validate().is_ok());
    }
}
