//! Web Mercator tile grid (XYZ, y down) and the transform from WGS84 into tile coordinates.

use super::TileError;

/// Highest zoom level served.
pub const MAX_ZOOM: u8 = 22;

/// Latitude limit of Web Mercator: the grid is square at ±85.0511°.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// One tile of the XYZ grid: zoom `z`, column `x` from the west, row `y` from the north.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom level, 0–22.
    pub z: u8,
    /// Column, 0 at 180° W.
    pub x: u32,
    /// Row, 0 at the north edge of the grid.
    pub y: u32,
}

impl TileId {
    /// A tile, checked against the grid.
    ///
    /// ```
    /// use kartrummet::tiles::TileId;
    /// assert!(TileId::new(1, 1, 1).is_ok());
    /// assert!(TileId::new(1, 2, 0).is_err());
    /// assert!(TileId::new(23, 0, 0).is_err());
    /// ```
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::ZoomOutOfRange { z });
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(TileError::OutsideGrid { z, x, y });
        }
        Ok(Self { z, x, y })
    }

    /// Number of tiles along one side of the grid at this tile's zoom.
    pub fn grid_size(&self) -> u32 {
        1 << self.z
    }

    /// The tile's bounds in WGS84 as `[west, south, east, north]`, grown on every side by
    /// `buffer` as a fraction of the tile size (clamped to the grid).
    ///
    /// ```
    /// use kartrummet::tiles::TileId;
    /// let [w, s, e, n] = TileId::new(0, 0, 0).unwrap().bounds(0.0);
    /// assert_eq!((w, e), (-180.0, 180.0));
    /// assert!((n - 85.0511).abs() < 1e-4 && (s + 85.0511).abs() < 1e-4);
    /// ```
    pub fn bounds(&self, buffer: f64) -> [f64; 4] {
        let n = f64::from(self.grid_size());
        let x0 = ((f64::from(self.x) - buffer) / n).max(0.0);
        let x1 = ((f64::from(self.x) + 1.0 + buffer) / n).min(1.0);
        let y0 = ((f64::from(self.y) - buffer) / n).max(0.0);
        let y1 = ((f64::from(self.y) + 1.0 + buffer) / n).min(1.0);
        let (w, n_lat) = world_to_lonlat(x0, y0);
        let (e, s_lat) = world_to_lonlat(x1, y1);
        [w, s_lat, e, n_lat]
    }

    /// The four tiles one zoom deeper that cover this one.
    pub fn children(&self) -> [TileId; 4] {
        let (z, x, y) = (self.z + 1, self.x * 2, self.y * 2);
        [
            TileId { z, x, y },
            TileId { z, x: x + 1, y },
            TileId { z, x, y: y + 1 },
            TileId {
                z,
                x: x + 1,
                y: y + 1,
            },
        ]
    }

    /// The tile at zoom `z` that contains the point `lon`, `lat`.
    ///
    /// ```
    /// use kartrummet::tiles::TileId;
    /// let falun = TileId::containing(15.63, 60.61, 10).unwrap();
    /// assert_eq!((falun.x, falun.y), (556, 293));
    /// ```
    pub fn containing(lon: f64, lat: f64, z: u8) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::ZoomOutOfRange { z });
        }
        let (wx, wy) = lonlat_to_world(lon, lat);
        let n = f64::from(1u32 << z);
        let last = (1u32 << z) - 1;
        let x = ((wx * n).floor().max(0.0) as u32).min(last);
        let y = ((wy * n).floor().max(0.0) as u32).min(last);
        Ok(Self { z, x, y })
    }

    /// The tiles at zoom `z` that meet the WGS84 box `[w, s, e, n]`, row by row.
    pub fn covering(bbox: [f64; 4], z: u8) -> Result<Vec<TileId>, TileError> {
        let nw = Self::containing(bbox[0], bbox[3], z)?;
        let se = Self::containing(bbox[2], bbox[1], z)?;
        Ok((nw.y..=se.y)
            .flat_map(|y| (nw.x..=se.x).map(move |x| TileId { z, x, y }))
            .collect())
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// WGS84 to Web Mercator "world" coordinates: x and y in 0–1, y growing southwards.
pub fn lonlat_to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    (x, y)
}

/// Web Mercator world coordinates (0–1, y down) back to WGS84.
pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

/// Maps WGS84 coordinates into one tile's coordinate space: 0–`extent` across the tile,
/// y down, unbounded outside it.
#[derive(Debug, Clone, Copy)]
pub struct TileTransform {
    scale: f64,
    origin_x: f64,
    origin_y: f64,
}

impl TileTransform {
    /// The transform for `tile` with `extent` units per tile side.
    pub fn new(tile: TileId, extent: u32) -> Self {
        let extent = f64::from(extent);
        Self {
            scale: f64::from(tile.grid_size()) * extent,
            origin_x: f64::from(tile.x) * extent,
            origin_y: f64::from(tile.y) * extent,
        }
    }

    /// Tile coordinates of a WGS84 point.
    ///
    /// ```
    /// use kartrummet::tiles::{TileId, TileTransform};
    /// let t = TileTransform::new(TileId::new(1, 1, 0).unwrap(), 4096);
    /// let (x, y) = t.apply(0.0, 0.0);
    /// assert!(x.abs() < 1e-9 && (y - 4096.0).abs() < 1e-9);
    /// ```
    pub fn apply(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (wx, wy) = lonlat_to_world(lon, lat);
        (
            wx * self.scale - self.origin_x,
            wy * self.scale - self.origin_y,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_round_trip() {
        for (lon, lat) in [(15.63, 60.61), (-70.0, -33.0), (0.0, 0.0), (179.9, 85.0)] {
            let (x, y) = lonlat_to_world(lon, lat);
            let (lon2, lat2) = world_to_lonlat(x, y);
            assert!((lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9);
        }
    }

    #[test]
    fn grid_checks() {
        assert!(matches!(
            TileId::new(23, 0, 0),
            Err(TileError::ZoomOutOfRange { z: 23 })
        ));
        assert!(matches!(
            TileId::new(3, 8, 0),
            Err(TileError::OutsideGrid { .. })
        ));
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
    }

    #[test]
    fn covering_spans_the_box() {
        let tiles = TileId::covering([-180.0, -85.0, 180.0, 85.0], 2).unwrap();
        assert_eq!(tiles.len(), 16);
        let one = TileId::covering([15.6, 60.6, 15.61, 60.61], 12).unwrap();
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn children_nest_in_the_parent() {
        let parent = TileId::new(5, 17, 9).unwrap();
        let [w, s, e, n] = parent.bounds(0.0);
        for child in parent.children() {
            let [cw, cs, ce, cn] = child.bounds(0.0);
            assert!(cw >= w - 1e-12 && cs >= s - 1e-12 && ce <= e + 1e-12 && cn <= n + 1e-12);
        }
    }
}
