//! Coordinate reference systems: the analysis CRS, the display CRS and transforms between them.
//!
//! GDAL 3 follows each authority's axis order (north/east for EPSG:3006, lat/lon for
//! EPSG:4326). Every spatial reference made here is set to the traditional GIS order instead,
//! so coordinates are always (x, y) = (east, north) or (lon, lat).

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

/// The display CRS of tiles and GeoJSON.
pub const DISPLAY_CRS: &str = "EPSG:4326";

/// The default analysis CRS: SWEREF 99 TM.
pub const DEFAULT_ANALYSIS_CRS: &str = "EPSG:3006";

/// Errors about coordinate reference systems.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    /// The definition is not a CRS GDAL knows.
    #[error("unknown coordinate reference system {0:?}")]
    Unknown(String),
    /// The definition is not one of the accepted forms (a URL, a file name, …).
    #[error(
        "{0:?} is not accepted as a coordinate reference system: give EPSG:N, a WKT definition or a PROJ string (+proj=…); URLs, file names and other forms are refused"
    )]
    NotAllowed(String),
    /// No transform exists between two CRSs.
    #[error("cannot transform from {from} to {to}")]
    NoTransform {
        /// Source CRS.
        from: String,
        /// Target CRS.
        to: String,
    },
}

/// WKT keywords a CRS definition may start with (WKT 1 and WKT 2).
const WKT_KEYWORDS: [&str; 17] = [
    "PROJCS",
    "GEOGCS",
    "GEOCCS",
    "COMPD_CS",
    "VERT_CS",
    "LOCAL_CS",
    "PROJCRS",
    "PROJECTEDCRS",
    "GEOGCRS",
    "GEOGRAPHICCRS",
    "GEODCRS",
    "GEODETICCRS",
    "BOUNDCRS",
    "COMPOUNDCRS",
    "VERTCRS",
    "VERTICALCRS",
    "ENGCRS",
];

/// PROJ parameters that name files PROJ would open (init files, grids).
const PROJ_FILE_KEYS: [&str; 6] = ["init", "nadgrids", "geoidgrids", "grids", "file", "catalog"];

/// Parses a CRS definition in traditional GIS order. Accepted: `EPSG:N` (or just `N`), a WKT
/// definition, a PROJ string (`+proj=…`, without parameters naming files). Nothing else:
/// GDAL's general parser would also fetch URLs and read files named as a CRS.
///
/// ```
/// use kartrummet::crs::{spatial_ref, CrsError};
/// assert!(spatial_ref("EPSG:3006").is_ok());
/// assert!(spatial_ref("+proj=longlat +datum=WGS84").is_ok());
/// assert!(matches!(spatial_ref("http://example.org/3006.prj"), Err(CrsError::NotAllowed(_))));
/// assert!(matches!(spatial_ref("/etc/sweref.prj"), Err(CrsError::NotAllowed(_))));
/// ```
pub fn spatial_ref(definition: &str) -> Result<SpatialRef, CrsError> {
    let definition = definition.trim();
    let not_allowed = || CrsError::NotAllowed(definition.chars().take(200).collect());
    let code = definition
        .get(..5)
        .filter(|prefix| prefix.eq_ignore_ascii_case("EPSG:"))
        .map_or(definition, |_| &definition[5..]);
    let parsed = if let Ok(code) = code.parse::<u32>() {
        SpatialRef::from_epsg(code)
    } else if is_wkt(definition) {
        SpatialRef::from_wkt(definition)
    } else if definition.starts_with("+proj=") {
        if names_files(definition) {
            return Err(not_allowed());
        }
        SpatialRef::from_proj4(definition)
    } else {
        return Err(not_allowed());
    };
    let mut srs = parsed.map_err(|_| CrsError::Unknown(definition.to_string()))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

fn is_wkt(definition: &str) -> bool {
    let keyword_end = definition
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(definition.len());
    let (keyword, rest) = definition.split_at(keyword_end);
    WKT_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(keyword))
        && rest.trim_start().starts_with(['[', '('])
}

fn names_files(proj: &str) -> bool {
    proj.split_whitespace().any(|parameter| {
        let key = parameter.trim_start_matches('+');
        let key = key.split('=').next().unwrap_or(key);
        PROJ_FILE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
    })
}

/// A short name for a spatial reference: `EPSG:N` when it has an authority code, else its name.
pub fn describe(srs: &SpatialRef) -> String {
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => format!("{name}:{code}"),
        _ => srs.name().unwrap_or_else(|| "unnamed CRS".to_string()),
    }
}

/// Transforms from one source CRS into the analysis and display CRSs.
pub struct Reprojection {
    /// Source → analysis CRS.
    pub to_analysis: CoordTransform,
    /// Analysis → display CRS (EPSG:4326).
    pub to_display: CoordTransform,
}

impl Reprojection {
    /// Builds both transforms from `source` via `analysis` into EPSG:4326.
    pub fn new(source: &SpatialRef, analysis: &SpatialRef) -> Result<Self, CrsError> {
        let display = spatial_ref(DISPLAY_CRS)?;
        let transform = |from: &SpatialRef, to: &SpatialRef| {
            CoordTransform::new(from, to).map_err(|_| CrsError::NoTransform {
                from: describe(from),
                to: describe(to),
            })
        };
        Ok(Self {
            to_analysis: transform(source, analysis)?,
            to_display: transform(analysis, &display)?,
        })
    }
}

/// Transforms WGS84 longitude/latitude pairs into the `analysis` CRS.
pub fn from_display(
    points: &[(f64, f64)],
    analysis: &str,
) -> Result<Vec<geo::Coord<f64>>, CrsError> {
    if points.is_empty() {
        return Ok(Vec::new());
    }
    let (from, to) = (spatial_ref(DISPLAY_CRS)?, spatial_ref(analysis)?);
    let failed = || CrsError::NoTransform {
        from: DISPLAY_CRS.to_string(),
        to: analysis.to_string(),
    };
    let t = CoordTransform::new(&from, &to).map_err(|_| failed())?;
    let mut xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let mut ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let mut zs = vec![0.0; points.len()];
    t.transform_coords(&mut xs, &mut ys, &mut zs)
        .map_err(|_| failed())?;
    Ok(xs
        .into_iter()
        .zip(ys)
        .map(|(x, y)| geo::Coord { x, y })
        .collect())
}

/// Transforms a geometry from the `analysis` CRS into WGS84 longitude/latitude.
pub fn to_display(
    geometry: &geo::Geometry<f64>,
    analysis: &str,
) -> Result<geo::Geometry<f64>, CrsError> {
    use gdal::vector::ToGdal;
    let failed = || CrsError::NoTransform {
        from: analysis.to_string(),
        to: DISPLAY_CRS.to_string(),
    };
    let t = CoordTransform::new(&spatial_ref(analysis)?, &spatial_ref(DISPLAY_CRS)?)
        .map_err(|_| failed())?;
    let g = geometry.to_gdal().map_err(|_| failed())?;
    g.transform(&t)
        .and_then(|g| g.to_geo())
        .map_err(|_| failed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweref_to_wgs84_keeps_lon_lat_order() {
        let sweref = spatial_ref("EPSG:3006").unwrap();
        let wgs84 = spatial_ref("4326").unwrap();
        let t = CoordTransform::new(&sweref, &wgs84).unwrap();
        // Falun's Stora Torget, roughly.
        let (mut x, mut y, mut z) = ([536_000.0], [6_722_000.0], [0.0]);
        t.transform_coords(&mut x, &mut y, &mut z).unwrap();
        assert!((15.0..16.0).contains(&x[0]), "lon {}", x[0]);
        assert!((60.0..61.0).contains(&y[0]), "lat {}", y[0]);
    }

    #[test]
    fn round_trip_through_display() {
        let p = from_display(&[(15.63, 60.6)], "EPSG:3006").unwrap()[0];
        let back = to_display(&geo::Point(p).into(), "EPSG:3006").unwrap();
        let geo::Geometry::Point(q) = back else {
            panic!("a point stays a point")
        };
        assert!((q.x() - 15.63).abs() < 1e-9 && (q.y() - 60.6).abs() < 1e-9);
    }

    #[test]
    fn rejects_nonsense() {
        assert!(matches!(
            spatial_ref("EPSG:999999"),
            Err(CrsError::Unknown(_))
        ));
        assert!(spatial_ref("not a crs").is_err());
    }

    #[test]
    fn accepts_only_codes_wkt_and_proj_strings() {
        let wkt = spatial_ref("EPSG:3006").unwrap().to_wkt().unwrap();
        assert_eq!(describe(&spatial_ref(&wkt).unwrap()), "EPSG:3006");
        assert!(spatial_ref("epsg:4326").is_ok());
        assert!(spatial_ref("+proj=utm +zone=33 +ellps=GRS80 +units=m").is_ok());
        for refused in [
            "http://127.0.0.1:9/x.prj",
            "/vsicurl/http://127.0.0.1:9/x",
            "/etc/passwd",
            "data/x.prj",
            "urn:ogc:def:crs:EPSG::3006",
            "ESRI:102100",
            "WGS84",
            "+proj=longlat +nadgrids=/etc/passwd",
            "+init=epsg:3006",
            "PROJCS",
        ] {
            assert!(
                matches!(spatial_ref(refused), Err(CrsError::NotAllowed(_))),
                "{refused} must be refused"
            );
        }
    }

    #[test]
    fn describes_epsg() {
        assert_eq!(describe(&spatial_ref("EPSG:3006").unwrap()), "EPSG:3006");
    }
}
