//! Reading an OGR layer into features, with geometry hygiene.

use std::collections::BTreeMap;

use gdal::cpl::CslStringList;
use gdal::vector::{FieldValue, LayerAccess, OGRFieldType};
use geo::{CoordsIter, Geometry, MultiPolygon};
use serde::Serialize;

use super::OgrError;
use crate::crs::Reprojection;
use crate::layer::{Feature, Field, FieldKind, Value};

/// Whether to check and repair geometries while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hygiene {
    /// Check validity, repair invalid polygons, skip what cannot be used (user files).
    Check,
    /// Trust the geometries (the store's own files, already checked at ingest).
    Trust,
}

/// Why a feature was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The feature has no geometry at all.
    NoGeometry,
    /// The geometry has no coordinates.
    EmptyGeometry,
    /// A coordinate is NaN or infinite.
    NonFiniteCoordinates,
    /// The geometry could not be transformed into the analysis CRS.
    OutsideCrs,
    /// An invalid polygon that repair could not turn into a polygon.
    UnrepairablePolygon,
    /// A geometry type we cannot hold (curves, surfaces).
    UnsupportedGeometry,
}

impl SkipReason {
    /// The reason in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::NoGeometry => "no geometry",
            Self::EmptyGeometry => "empty geometry",
            Self::NonFiniteCoordinates => "non-finite coordinates (NaN or infinity)",
            Self::OutsideCrs => "coordinates cannot be transformed into the analysis CRS",
            Self::UnrepairablePolygon => "invalid polygon that could not be repaired",
            Self::UnsupportedGeometry => "unsupported geometry type",
        }
    }
}

/// Counts of what happened to the features of one layer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Features read from the source.
    pub read: u64,
    /// Features kept.
    pub stored: u64,
    /// Kept features whose geometry was repaired.
    pub repaired: u64,
    /// Features skipped, per reason.
    pub skipped: BTreeMap<SkipReason, u64>,
}

impl Tally {
    /// Total skipped features.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Features and schema read from one OGR layer.
pub struct ReadLayer {
    /// Attribute columns.
    pub fields: Vec<Field>,
    /// Features kept, with ids 1..n in source order.
    pub features: Vec<Feature>,
    /// What happened to each feature.
    pub tally: Tally,
}

/// What a read may trust and how much it may take.
#[derive(Debug, Clone, Copy)]
pub struct ReadBounds {
    /// Features the source is known to hold (a count that is part of the format's structure,
    /// such as a Shapefile's index); reading fewer is an error. Never used to allocate.
    pub expected: Option<u64>,
    /// Most features to read; reading stops with an error at the first one beyond.
    pub max_features: u64,
}

/// Features reserved before reading, whatever the source claims; the rest grows as read.
const INITIAL_CAPACITY: usize = 1024;

/// Reads every feature of `layer`, reprojecting into the analysis and display CRSs.
///
/// A GDAL error while fetching a feature (a short read in a truncated file) fails the whole
/// read rather than losing features quietly. `progress` is called with the number of
/// features read so far, every 1,000 features and at the end.
pub fn read_layer(
    layer: &mut gdal::vector::Layer,
    reprojection: &Reprojection,
    hygiene: Hygiene,
    bounds: ReadBounds,
    progress: &mut dyn FnMut(u64),
) -> Result<ReadLayer, OgrError> {
    let fields = fields_of(layer);
    let mut tally = Tally::default();
    let mut features = Vec::with_capacity(INITIAL_CAPACITY);
    let mut sources = layer.features();
    loop {
        unsafe { gdal_sys::CPLErrorReset() };
        let next = sources.next();
        fetch_error()?;
        let Some(source) = next else { break };
        tally.read += 1;
        if tally.read > bounds.max_features {
            return Err(OgrError::TooManyFeatures {
                max: bounds.max_features,
            });
        }
        if tally.read.is_multiple_of(1000) {
            progress(tally.read);
        }
        match prepare(source.geometry(), reprojection, hygiene) {
            Ok((geometry, display, repaired)) => {
                tally.repaired += u64::from(repaired);
                let properties = fields
                    .iter()
                    .enumerate()
                    .map(|(i, field)| value_of(source.field(i).ok().flatten(), field.kind))
                    .collect();
                let id = match hygiene {
                    Hygiene::Trust => source.fid().unwrap_or(features.len() as u64 + 1),
                    Hygiene::Check => features.len() as u64 + 1,
                };
                features.push(Feature {
                    id,
                    geometry,
                    display,
                    properties,
                });
            }
            Err(reason) => *tally.skipped.entry(reason).or_default() += 1,
        }
    }
    progress(tally.read);
    if let Some(expected) = bounds.expected.filter(|&n| n != tally.read) {
        return Err(OgrError::Truncated {
            read: tally.read,
            expected,
        });
    }
    tally.stored = features.len() as u64;
    Ok(ReadLayer {
        fields,
        features,
        tally,
    })
}

/// The error GDAL raised while fetching the last feature, if any.
fn fetch_error() -> Result<(), OgrError> {
    if unsafe { gdal_sys::CPLGetLastErrorType() } < gdal_sys::CPLErr::CE_Failure {
        return Ok(());
    }
    let message = unsafe { std::ffi::CStr::from_ptr(gdal_sys::CPLGetLastErrorMsg()) };
    Err(OgrError::FetchFailed(
        message.to_string_lossy().into_owned(),
    ))
}

/// Geometry hygiene and reprojection of one feature: (analysis, display, repaired).
fn prepare(
    source: Option<&gdal::vector::Geometry>,
    reprojection: &Reprojection,
    hygiene: Hygiene,
) -> Result<(Geometry<f64>, Geometry<f64>, bool), SkipReason> {
    let source = source
        // A feature without geometry hands out a wrapper around a null pointer.
        .filter(|g| !unsafe { g.c_geometry() }.is_null())
        .ok_or(SkipReason::NoGeometry)?;
    if source.is_empty() {
        return Err(SkipReason::EmptyGeometry);
    }
    let mut geometry = source.clone();
    geometry.flatten_to_2d();
    if geometry
        .transform_inplace(&reprojection.to_analysis)
        .is_err()
    {
        return Err(match source.to_geo() {
            Ok(g) if !is_finite(&g) => SkipReason::NonFiniteCoordinates,
            _ => SkipReason::OutsideCrs,
        });
    }
    let mut repaired = false;
    if hygiene == Hygiene::Check && is_polygonal(&geometry) && !geometry.is_valid() {
        let fixed = geometry
            .make_valid(&CslStringList::new())
            .map_err(|_| SkipReason::UnrepairablePolygon)?;
        geometry = fixed;
        repaired = true;
    }
    let mut analysis = geometry
        .to_geo()
        .map_err(|_| SkipReason::UnsupportedGeometry)?;
    if repaired {
        analysis = polygonal_part(analysis).ok_or(SkipReason::UnrepairablePolygon)?;
        geometry = gdal::vector::ToGdal::to_gdal(&analysis)
            .map_err(|_| SkipReason::UnrepairablePolygon)?;
    }
    if !is_finite(&analysis) {
        return Err(SkipReason::NonFiniteCoordinates);
    }
    if analysis.coords_count() == 0 {
        return Err(SkipReason::EmptyGeometry);
    }
    let display = geometry
        .transform(&reprojection.to_display)
        .and_then(|g| g.to_geo())
        .map_err(|_| SkipReason::OutsideCrs)?;
    if !is_finite(&display) {
        return Err(SkipReason::OutsideCrs);
    }
    Ok((analysis, display, repaired))
}

fn is_polygonal(geometry: &gdal::vector::Geometry) -> bool {
    let flat = gdal::vector::geometry_type_flatten(geometry.geometry_type());
    flat == gdal_sys::OGRwkbGeometryType::wkbPolygon
        || flat == gdal_sys::OGRwkbGeometryType::wkbMultiPolygon
}

fn is_finite(geometry: &Geometry<f64>) -> bool {
    geometry
        .coords_iter()
        .all(|c| c.x.is_finite() && c.y.is_finite())
}

/// The polygons of a repaired geometry: `make_valid` may return a collection with stray lines.
fn polygonal_part(geometry: Geometry<f64>) -> Option<Geometry<f64>> {
    match geometry {
        Geometry::Polygon(p) => Some(p.into()),
        Geometry::MultiPolygon(mp) if !mp.0.is_empty() => Some(mp.into()),
        Geometry::GeometryCollection(gc) => {
            let polygons: Vec<_> = gc
                .into_iter()
                .filter_map(|g| match polygonal_part(g)? {
                    Geometry::Polygon(p) => Some(vec![p]),
                    Geometry::MultiPolygon(mp) => Some(mp.0),
                    _ => None,
                })
                .flatten()
                .collect();
            (!polygons.is_empty()).then(|| MultiPolygon(polygons).into())
        }
        _ => None,
    }
}

fn fields_of(layer: &gdal::vector::Layer) -> Vec<Field> {
    // The gdal crate does not expose field subtypes; booleans are integers with a subtype.
    let defn = unsafe { gdal_sys::OGR_L_GetLayerDefn(layer.c_layer()) };
    layer
        .defn()
        .fields()
        .enumerate()
        .map(|(i, field)| {
            let subtype = unsafe {
                gdal_sys::OGR_Fld_GetSubType(gdal_sys::OGR_FD_GetFieldDefn(defn, i as i32))
            };
            Field {
                name: field.name(),
                kind: kind_of(field.field_type(), subtype),
            }
        })
        .collect()
}

/// Our field kind for an OGR field type and subtype.
pub(super) fn kind_of(
    ty: OGRFieldType::Type,
    subtype: gdal_sys::OGRFieldSubType::Type,
) -> FieldKind {
    match ty {
        OGRFieldType::OFTInteger if subtype == gdal_sys::OGRFieldSubType::OFSTBoolean => {
            FieldKind::Boolean
        }
        OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => FieldKind::Integer,
        OGRFieldType::OFTReal => FieldKind::Real,
        OGRFieldType::OFTDate => FieldKind::Date,
        OGRFieldType::OFTDateTime => FieldKind::DateTime,
        _ => FieldKind::String,
    }
}

fn value_of(value: Option<FieldValue>, kind: FieldKind) -> Value {
    let Some(value) = value else {
        return Value::Null;
    };
    match value {
        FieldValue::IntegerValue(i) if kind == FieldKind::Boolean => Value::Bool(i != 0),
        FieldValue::IntegerValue(i) => Value::Int(i.into()),
        FieldValue::Integer64Value(i) => Value::Int(i),
        FieldValue::RealValue(r) => Value::Real(r),
        FieldValue::StringValue(s) => Value::Str(s),
        FieldValue::DateValue(d) => Value::Date(d),
        FieldValue::DateTimeValue(d) => Value::DateTime(d),
        FieldValue::IntegerListValue(l) => list(l),
        FieldValue::Integer64ListValue(l) => list(l),
        FieldValue::RealListValue(l) => list(l),
        FieldValue::StringListValue(l) => list(l),
    }
}

fn list<T: Serialize>(items: Vec<T>) -> Value {
    Value::Str(serde_json::to_string(&items).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Polygon, line_string, polygon};

    #[test]
    fn polygonal_part_drops_lines_from_collections() {
        let square: Polygon<f64> =
            polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)];
        let line: Geometry<f64> = line_string![(x: 0., y: 0.), (x: 5., y: 5.)].into();
        let collection = geo::GeometryCollection(vec![square.clone().into(), line.clone()]);
        match polygonal_part(Geometry::GeometryCollection(collection)) {
            Some(Geometry::MultiPolygon(mp)) => assert_eq!(mp.0, vec![square]),
            other => panic!("expected polygons, got {other:?}"),
        }
        assert!(polygonal_part(line).is_none());
    }

    #[test]
    fn finite_check() {
        let bad: Geometry<f64> = geo::point!(x: f64::NAN, y: 1.0).into();
        assert!(!is_finite(&bad));
        assert!(is_finite(&geo::point!(x: 1.0, y: 1.0).into()));
    }
}
