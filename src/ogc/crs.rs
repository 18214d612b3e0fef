//! The CRSs of OGC API — Features Part 2: which are offered, their URIs, and coordinates in
//! each one's axis order. CRS84 is longitude/latitude; `EPSG/0/4326` is latitude/longitude and
//! `EPSG/0/3006` northing/easting, as the EPSG registry orders their axes.

use gdal::spatial_ref::SpatialRef;
use geo::{Coord, Geometry, MapCoords};

use super::OgcError;
use crate::layer::{Feature, Space};

/// CRS84: WGS84 longitude/latitude, the default of OGC API — Features.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The prefix of EPSG CRS URIs; the code follows.
pub const EPSG_URI: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// A CRS features can be answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OgcCrs {
    /// WGS84 longitude/latitude (the default).
    Crs84,
    /// WGS84 as EPSG:4326 orders it: latitude, longitude.
    Epsg4326,
    /// The analysis CRS, by EPSG code; `north_first` when its first axis points north
    /// (EPSG:3006: northing, easting).
    Analysis {
        /// The EPSG code.
        code: u32,
        /// Whether the EPSG axis order is north first.
        north_first: bool,
    },
}

impl OgcCrs {
    /// The CRS's URI.
    ///
    /// ```
    /// use kartrummet::ogc::OgcCrs;
    /// let sweref = OgcCrs::Analysis { code: 3006, north_first: true };
    /// assert_eq!(sweref.uri(), "http://www.opengis.net/def/crs/EPSG/0/3006");
    /// ```
    pub fn uri(&self) -> String {
        match self {
            Self::Crs84 => CRS84.to_string(),
            Self::Epsg4326 => format!("{EPSG_URI}4326"),
            Self::Analysis { code, .. } => format!("{EPSG_URI}{code}"),
        }
    }

    /// Which of a feature's geometries holds coordinates in this CRS.
    pub fn space(&self) -> Space {
        match self {
            Self::Crs84 | Self::Epsg4326 => Space::Display,
            Self::Analysis { .. } => Space::Analysis,
        }
    }

    /// Whether the CRS's axis order is the reverse of (x, y) = (east, north).
    pub fn swapped(&self) -> bool {
        match self {
            Self::Crs84 => false,
            Self::Epsg4326 => true,
            Self::Analysis { north_first, .. } => *north_first,
        }
    }

    /// A feature's geometry in this CRS, in its axis order.
    pub fn geometry(&self, feature: &Feature) -> Geometry<f64> {
        let geometry = match self.space() {
            Space::Analysis => &feature.geometry,
            Space::Display => &feature.display,
        };
        if self.swapped() {
            geometry.map_coords(|c| Coord { x: c.y, y: c.x })
        } else {
            geometry.clone()
        }
    }

    /// A box given in this CRS's axis order (`[min a1, min a2, max a1, max a2]`) as
    /// `[min x, min y, max x, max y]` with x east.
    pub fn to_east_north(&self, b: [f64; 4]) -> [f64; 4] {
        if self.swapped() {
            [b[1], b[0], b[3], b[2]]
        } else {
            b
        }
    }
}

/// The CRSs this server offers: CRS84, EPSG:4326 and the analysis CRS (when it has an EPSG
/// code), which is also the storage CRS.
#[derive(Debug, Clone)]
pub struct CrsList {
    analysis: Option<OgcCrs>,
}

impl CrsList {
    /// The list for a store whose analysis CRS is `analysis_crs` (`EPSG:N`, or a definition
    /// with an EPSG authority code). Its axis order is read from the EPSG registry.
    ///
    /// ```
    /// use kartrummet::ogc::{OgcCrs, crs::CrsList};
    /// let list = CrsList::new("EPSG:3006");
    /// assert_eq!(list.storage(), OgcCrs::Analysis { code: 3006, north_first: true });
    /// assert_eq!(list.offered().len(), 3);
    /// ```
    pub fn new(analysis_crs: &str) -> Self {
        let code = crate::crs::spatial_ref(analysis_crs).ok().and_then(|srs| {
            let epsg = srs
                .auth_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("EPSG"));
            srs.auth_code()
                .ok()
                .filter(|_| epsg)
                .and_then(|c| u32::try_from(c).ok())
        });
        let analysis = code.filter(|&c| c != 4326).and_then(|code| {
            let srs = SpatialRef::from_epsg(code).ok()?;
            let key = if srs.is_projected() {
                "PROJCS"
            } else {
                "GEOGCS"
            };
            let first = srs.axis_orientation(key, 0).ok()?;
            let north_first = first == gdal_sys::OGRAxisOrientation::OAO_North
                || first == gdal_sys::OGRAxisOrientation::OAO_South;
            Some(OgcCrs::Analysis { code, north_first })
        });
        Self { analysis }
    }

    /// Every CRS offered, the default (CRS84) first.
    pub fn offered(&self) -> Vec<OgcCrs> {
        [Some(OgcCrs::Crs84), Some(OgcCrs::Epsg4326), self.analysis]
            .into_iter()
            .flatten()
            .collect()
    }

    /// The CRS the features are stored in: the analysis CRS, else CRS84.
    pub fn storage(&self) -> OgcCrs {
        self.analysis.unwrap_or(OgcCrs::Crs84)
    }

    /// The offered CRS named by `uri` (`http://www.opengis.net/def/crs/…`, `https` too, or
    /// the safe CURIE `[EPSG:3006]`).
    pub fn parse(&self, uri: &str) -> Result<OgcCrs, OgcError> {
        let wanted = normalise(uri);
        self.offered()
            .into_iter()
            .find(|c| normalise(&c.uri()) == wanted)
            .ok_or_else(|| OgcError::UnknownCrs {
                given: uri.chars().take(200).collect(),
                offered: self
                    .offered()
                    .iter()
                    .map(OgcCrs::uri)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// A CRS URI or CURIE in one comparable form: `epsg/0/3006`, `ogc/1.3/crs84`.
fn normalise(uri: &str) -> String {
    let uri = uri.trim().to_ascii_lowercase();
    if let Some(curie) = uri.strip_prefix('[').and_then(|u| u.strip_suffix(']')) {
        return match curie.split_once(':') {
            Some(("epsg", code)) => format!("epsg/0/{code}"),
            Some(("ogc", "crs84")) => "ogc/1.3/crs84".to_string(),
            _ => curie.to_string(),
        };
    }
    uri.trim_start_matches("http://")
        .trim_start_matches("https://")
        .trim_start_matches("www.opengis.net/def/crs/")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature() -> Feature {
        Feature {
            id: 1,
            geometry: geo::point!(x: 536_000.0, y: 6_722_000.0).into(),
            display: geo::point!(x: 15.63, y: 60.6).into(),
            properties: vec![],
        }
    }

    #[test]
    fn axis_order_follows_the_registry() {
        let list = CrsList::new("EPSG:3006");
        let at = |crs: &str| {
            let crs = list.parse(crs).unwrap();
            let geo::Geometry::Point(p) = crs.geometry(&feature()) else {
                panic!("a point")
            };
            (p.x(), p.y())
        };
        assert_eq!(at(CRS84), (15.63, 60.6));
        assert_eq!(
            at("http://www.opengis.net/def/crs/EPSG/0/4326"),
            (60.6, 15.63)
        );
        assert_eq!(
            at("https://www.opengis.net/def/crs/EPSG/0/3006"),
            (6_722_000.0, 536_000.0)
        );
        assert_eq!(at("[EPSG:3006]"), (6_722_000.0, 536_000.0));
    }

    #[test]
    fn east_first_analysis_crs_is_not_swapped() {
        // ETRS89 / UTM 33N: easting, northing in the EPSG registry.
        let list = CrsList::new("EPSG:25833");
        assert_eq!(
            list.storage(),
            OgcCrs::Analysis {
                code: 25833,
                north_first: false
            }
        );
    }

    #[test]
    fn unknown_crs_names_the_offered_ones() {
        let list = CrsList::new("EPSG:3006");
        let error = list.parse("http://www.opengis.net/def/crs/EPSG/0/3857");
        let Err(OgcError::UnknownCrs { offered, .. }) = error else {
            panic!("refused")
        };
        assert!(offered.contains("EPSG/0/3006") && offered.contains("CRS84"));
        assert!(list.parse("EPSG:3006").is_err(), "a bare code is not a URI");
    }

    #[test]
    fn boxes_turn_to_east_north() {
        let sweref = OgcCrs::Analysis {
            code: 3006,
            north_first: true,
        };
        assert_eq!(
            sweref.to_east_north([1.0, 2.0, 3.0, 4.0]),
            [2.0, 1.0, 4.0, 3.0]
        );
        assert_eq!(
            OgcCrs::Crs84.to_east_north([1.0, 2.0, 3.0, 4.0]),
            [1.0, 2.0, 3.0, 4.0]
        );
    }
}
