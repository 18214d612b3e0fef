//! Writing a layer to a GeoPackage through GDAL, so that QGIS and `ogrinfo` can open the store.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{FieldValue, LayerAccess, LayerOptions, ToGdal};
use gdal::{DriverManager, Metadata};
use gdal_sys::{OGRFieldSubType, OGRFieldType, OGRwkbGeometryType};
use geo::{Geometry, MultiLineString, MultiPoint, MultiPolygon};

use super::OgrError;
use crate::layer::{FieldKind, GeometryKind, Layer, Value};

/// Writes `layer`'s analysis geometries and attributes to a new GeoPackage at `path`, in one
/// transaction, with `metadata` as layer metadata items.
pub fn write_geopackage(
    path: &Path,
    layer: &Layer,
    srs: &SpatialRef,
    metadata: &BTreeMap<String, String>,
) -> Result<(), OgrError> {
    let mut dataset = DriverManager::get_driver_by_name("GPKG")?.create_vector_only(path)?;
    let identifier = format!("IDENTIFIER={}", layer.meta.title);
    let description = format!("DESCRIPTION={}", layer.meta.description);
    let options = [
        "FID=fid",
        "GEOMETRY_NAME=geom",
        identifier.as_str(),
        description.as_str(),
    ];
    let kind = layer.meta.geometry_type;
    {
        let mut out = dataset.create_layer(LayerOptions {
            name: &layer.meta.id,
            srs: Some(srs),
            ty: wkb_type(kind),
            options: Some(&options),
        })?;
        for field in &layer.meta.fields {
            create_field(&out, &field.name, field.kind)?;
        }
        for (key, value) in metadata {
            out.set_metadata_item(key, value, "")?;
        }
    }
    let transaction = dataset.start_transaction()?;
    {
        let out = transaction.layer_by_name(&layer.meta.id)?;
        for feature in &layer.features {
            let mut row = gdal::vector::Feature::new(out.defn())?;
            row.set_geometry(promote(&feature.geometry, kind).to_gdal()?)?;
            for (i, value) in feature.properties.iter().enumerate() {
                match field_value(value) {
                    Some(v) => row.set_field(i, &v)?,
                    None => row.set_field_null(i)?,
                }
            }
            row.create(&out)?;
        }
    }
    transaction.commit()?;
    Ok(())
}

/// Layer metadata items in the default domain.
pub fn read_metadata(layer: &gdal::vector::Layer) -> BTreeMap<String, String> {
    layer
        .metadata()
        .filter(|entry| entry.is_default_domain())
        .map(|entry| (entry.key, entry.value))
        .collect()
}

fn wkb_type(kind: GeometryKind) -> OGRwkbGeometryType::Type {
    match kind {
        GeometryKind::Point => OGRwkbGeometryType::wkbPoint,
        GeometryKind::MultiPoint => OGRwkbGeometryType::wkbMultiPoint,
        GeometryKind::LineString => OGRwkbGeometryType::wkbLineString,
        GeometryKind::MultiLineString => OGRwkbGeometryType::wkbMultiLineString,
        GeometryKind::Polygon => OGRwkbGeometryType::wkbPolygon,
        GeometryKind::MultiPolygon => OGRwkbGeometryType::wkbMultiPolygon,
        GeometryKind::Geometry => OGRwkbGeometryType::wkbUnknown,
    }
}

/// A single geometry wrapped in its multi type when the layer is of that type, as the
/// GeoPackage specification wants.
fn promote(geometry: &Geometry<f64>, kind: GeometryKind) -> Geometry<f64> {
    match (geometry, kind) {
        (Geometry::Point(p), GeometryKind::MultiPoint) => MultiPoint(vec![*p]).into(),
        (Geometry::LineString(l), GeometryKind::MultiLineString) => {
            MultiLineString(vec![l.clone()]).into()
        }
        (Geometry::Polygon(p), GeometryKind::MultiPolygon) => MultiPolygon(vec![p.clone()]).into(),
        _ => geometry.clone(),
    }
}

fn create_field(layer: &gdal::vector::Layer, name: &str, kind: FieldKind) -> Result<(), OgrError> {
    let (ty, subtype) = match kind {
        FieldKind::Integer => (OGRFieldType::OFTInteger64, OGRFieldSubType::OFSTNone),
        FieldKind::Real => (OGRFieldType::OFTReal, OGRFieldSubType::OFSTNone),
        FieldKind::String => (OGRFieldType::OFTString, OGRFieldSubType::OFSTNone),
        FieldKind::Date => (OGRFieldType::OFTDate, OGRFieldSubType::OFSTNone),
        FieldKind::DateTime => (OGRFieldType::OFTDateTime, OGRFieldSubType::OFSTNone),
        FieldKind::Boolean => (OGRFieldType::OFTInteger, OGRFieldSubType::OFSTBoolean),
    };
    let c_name = CString::new(name).map_err(gdal::errors::GdalError::from)?;
    // The gdal crate cannot set field subtypes, so booleans need the C API.
    let rv = unsafe {
        let defn = gdal_sys::OGR_Fld_Create(c_name.as_ptr(), ty);
        gdal_sys::OGR_Fld_SetSubType(defn, subtype);
        let rv = gdal_sys::OGR_L_CreateField(layer.c_layer(), defn, 1);
        gdal_sys::OGR_Fld_Destroy(defn);
        rv
    };
    if rv != gdal_sys::OGRErr::OGRERR_NONE {
        return Err(gdal::errors::GdalError::OgrError {
            err: rv,
            method_name: "OGR_L_CreateField",
        }
        .into());
    }
    Ok(())
}

fn field_value(value: &Value) -> Option<FieldValue> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => FieldValue::IntegerValue(i32::from(*b)),
        Value::Int(i) => FieldValue::Integer64Value(*i),
        Value::Real(r) => FieldValue::RealValue(*r),
        Value::Str(s) => FieldValue::StringValue(s.clone()),
        Value::Date(d) => FieldValue::DateValue(*d),
        Value::DateTime(d) => FieldValue::DateTimeValue(*d),
    })
}
