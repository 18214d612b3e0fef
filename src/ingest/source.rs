//! Opening a user's file with the right GDAL driver: format by extension, zips through
//! `/vsizip/`, and coordinate columns found in CSV headers.

use std::path::{Path, PathBuf};

use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use super::limits::IngestLimits;
use super::{IngestError, IngestOptions};
use crate::ogr::offline;

/// The formats we read, each with the GDAL drivers allowed to open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON.
    GeoJson,
    /// OGC GeoPackage.
    GeoPackage,
    /// ESRI Shapefile (a `.shp`, a folder of them, or a zip).
    Shapefile,
    /// FlatGeobuf.
    FlatGeobuf,
    /// KML.
    Kml,
    /// CSV with coordinate columns.
    Csv,
    /// OpenStreetMap XML or PBF.
    Osm,
}

/// The formats as a user reads them in an error message.
pub const SUPPORTED: &str = "GeoJSON (.geojson, .json), GeoPackage (.gpkg), Shapefile (.shp, a folder, or a .zip), \
FlatGeobuf (.fgb), KML (.kml), CSV with coordinate columns (.csv), OpenStreetMap (.osm, .pbf)";

impl Format {
    fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Self::GeoJson,
            "gpkg" => Self::GeoPackage,
            "shp" => Self::Shapefile,
            "fgb" => Self::FlatGeobuf,
            "kml" => Self::Kml,
            "csv" => Self::Csv,
            "osm" | "pbf" => Self::Osm,
            _ => return None,
        })
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::GeoJson => "GeoJSON",
            Self::GeoPackage => "GeoPackage",
            Self::Shapefile => "Shapefile",
            Self::FlatGeobuf => "FlatGeobuf",
            Self::Kml => "KML",
            Self::Csv => "CSV",
            Self::Osm => "OpenStreetMap",
        }
    }

    /// Whether the format's feature count is part of its structure (the FlatGeobuf header), so
    /// that reading another number means a damaged file. Elsewhere the count is a cache
    /// (GeoPackage's `gpkg_ogr_contents`), a guess, or counts records a reader rightly skips (a
    /// Shapefile's index counts records marked deleted in the `.dbf`), and only progress uses
    /// it; a truncated Shapefile shows as read errors instead.
    pub fn count_is_structural(self) -> bool {
        self == Self::FlatGeobuf
    }

    fn drivers(self) -> &'static [&'static str] {
        match self {
            Self::GeoJson => &["GeoJSON"],
            Self::GeoPackage => &["GPKG"],
            Self::Shapefile => &["ESRI Shapefile"],
            Self::FlatGeobuf => &["FlatGeobuf"],
            Self::Kml => &["LIBKML", "KML"],
            Self::Csv => &["CSV"],
            Self::Osm => &["OSM"],
        }
    }
}

/// An opened source.
pub struct Source {
    /// The GDAL dataset.
    pub dataset: Dataset,
    /// Its format.
    pub format: Format,
    /// The CRS implied by the format when the file names none (lon/lat CSV columns).
    pub implied_crs: Option<&'static str>,
    /// Which columns gave the coordinates, for CSV.
    pub coordinates: Option<String>,
}

/// Opens `path` for reading; a zip only when what it holds stays under the decompression cap.
pub fn open(
    path: &Path,
    options: &IngestOptions,
    limits: &IngestLimits,
) -> Result<Source, IngestError> {
    let name = display_name(path);
    if offline::is_network_path(&path.to_string_lossy()) {
        return Err(IngestError::NetworkPath(path.display().to_string()));
    }
    if !path.exists() {
        return Err(IngestError::NotFound(path.to_path_buf()));
    }
    if path.is_dir() {
        return open_as(path.to_path_buf(), Format::Shapefile, &name, options);
    }
    let ext = extension(path);
    if ext == "zip" {
        let (inner, format) = inside_zip(path, &name, limits.max_decompressed_bytes())?;
        return open_as(inner, format, &name, options);
    }
    let format = Format::from_extension(&ext)
        .ok_or_else(|| IngestError::UnsupportedFormat { name: name.clone() })?;
    open_as(path.to_path_buf(), format, &name, options)
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn open_as(
    path: PathBuf,
    format: Format,
    name: &str,
    options: &IngestOptions,
) -> Result<Source, IngestError> {
    if format == Format::Csv {
        return open_csv(&path, name, options);
    }
    let dataset = open_with(&path, format, name, &[])?;
    Ok(Source {
        dataset,
        format,
        implied_crs: None,
        coordinates: None,
    })
}

fn open_with(
    path: &Path,
    format: Format,
    name: &str,
    open_options: &[&str],
) -> Result<Dataset, IngestError> {
    let result = Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            allowed_drivers: Some(format.drivers()),
            open_options: (!open_options.is_empty()).then_some(open_options),
            sibling_files: None,
        },
    );
    let unreadable = |detail: String| IngestError::Unreadable {
        name: name.to_string(),
        format: format.name(),
        detail,
    };
    let dataset = result.map_err(|e| unreadable(gdal_message(&e)))?;
    if dataset.layer_count() == 0 {
        return Err(unreadable("it holds no vector layer".into()));
    }
    Ok(dataset)
}

fn gdal_message(error: &gdal::errors::GdalError) -> String {
    match error {
        gdal::errors::GdalError::NullPointer { msg, .. } if !msg.is_empty() => msg.clone(),
        other => other.to_string(),
    }
}

/// Finds the dataset inside a zip: one file in a supported format, or a folder of shapefiles.
/// Refuses the zip when its entries, read out, hold more than `max_bytes`.
fn inside_zip(path: &Path, name: &str, max_bytes: u64) -> Result<(PathBuf, Format), IngestError> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = PathBuf::from(format!("/vsizip/{}", absolute.display()));
    let entries = gdal::vsi::read_dir(&root, true).map_err(|e| IngestError::Unreadable {
        name: name.to_string(),
        format: "zip",
        detail: gdal_message(&e),
    })?;
    let mut total = 0;
    for entry in &entries {
        total =
            read_out(&root.join(entry), total, max_bytes).ok_or_else(|| IngestError::TooLarge {
                name: name.to_string(),
                max_mb: max_bytes / (1024 * 1024),
            })?;
    }
    let candidates: Vec<(PathBuf, Format)> = entries
        .iter()
        .filter(|p| !p.starts_with("__MACOSX"))
        .filter_map(|p| Format::from_extension(&extension(p)).map(|f| (p.clone(), f)))
        .collect();
    match candidates.as_slice() {
        [] => Err(IngestError::EmptyArchive {
            name: name.to_string(),
            entries: entries.iter().map(|p| p.display().to_string()).collect(),
        }),
        [(inner, format)] => Ok((root.join(inner), *format)),
        [(first, _), ..]
            if candidates
                .iter()
                .all(|(p, f)| *f == Format::Shapefile && p.parent() == first.parent()) =>
        {
            Ok((
                root.join(first.parent().unwrap_or(Path::new(""))),
                Format::Shapefile,
            ))
        }
        _ => Err(IngestError::AmbiguousArchive {
            name: name.to_string(),
            candidates: candidates
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect(),
        }),
    }
}

/// Reads a zip entry to its end, counting from `total`: the new total, or `None` as soon as it
/// passes `max_bytes`. Entries that do not open (folders) count nothing.
fn read_out(entry: &Path, mut total: u64, max_bytes: u64) -> Option<u64> {
    let Ok(c_path) = std::ffi::CString::new(entry.to_string_lossy().as_bytes()) else {
        return Some(total);
    };
    let file = unsafe { gdal_sys::VSIFOpenL(c_path.as_ptr(), c"rb".as_ptr()) };
    if file.is_null() {
        return Some(total);
    }
    let mut buffer = vec![0u8; 1 << 20];
    let within = loop {
        let n = unsafe { gdal_sys::VSIFReadL(buffer.as_mut_ptr().cast(), 1, buffer.len(), file) };
        total += n as u64;
        if total > max_bytes {
            break false;
        }
        if n < buffer.len() {
            break true;
        }
    };
    unsafe { gdal_sys::VSIFCloseL(file) };
    within.then_some(total)
}

/// Coordinate column pairs recognised in CSV headers, in order of preference; the first four
/// are longitude/latitude in WGS84.
const COORDINATE_PAIRS: [(&str, &str); 9] = [
    ("lon", "lat"),
    ("longitude", "latitude"),
    ("lng", "lat"),
    ("long", "lat"),
    ("x", "y"),
    ("e", "n"),
    ("easting", "northing"),
    ("east", "north"),
    ("ost", "nord"),
];
const GEOGRAPHIC_PAIRS: usize = 4;

fn open_csv(path: &Path, name: &str, options: &IngestOptions) -> Result<Source, IngestError> {
    let header = open_with(path, Format::Csv, name, &[])?;
    let columns: Vec<String> = header
        .layer(0)
        .map(|l| l.defn().fields().map(|f| f.name()).collect())
        .unwrap_or_default();
    drop(header);
    let find = |wanted: &str| {
        columns
            .iter()
            .find(|c| c.eq_ignore_ascii_case(wanted))
            .cloned()
    };
    let (x, y, geographic) = match (&options.x_field, &options.y_field) {
        (Some(x), Some(y)) => {
            let column = |wanted: &String| {
                find(wanted).ok_or_else(|| IngestError::CsvNoSuchColumn {
                    name: name.to_string(),
                    column: wanted.clone(),
                    columns: columns.clone(),
                })
            };
            (column(x)?, column(y)?, false)
        }
        (None, None) => COORDINATE_PAIRS
            .iter()
            .enumerate()
            .find_map(|(i, (x, y))| Some((find(x)?, find(y)?, i < GEOGRAPHIC_PAIRS)))
            .ok_or_else(|| IngestError::CsvNoCoordinates {
                name: name.to_string(),
                columns: columns.clone(),
            })?,
        _ => return Err(IngestError::CsvHalfPair),
    };
    let x_option = format!("X_POSSIBLE_NAMES={x}");
    let y_option = format!("Y_POSSIBLE_NAMES={y}");
    let open_options = [
        x_option.as_str(),
        y_option.as_str(),
        "KEEP_GEOM_COLUMNS=YES",
        "AUTODETECT_TYPE=YES",
        "EMPTY_STRING_AS_NULL=YES",
    ];
    let dataset = open_with(path, Format::Csv, name, &open_options)?;
    Ok(Source {
        dataset,
        format: Format::Csv,
        implied_crs: geographic.then_some(crate::crs::DISPLAY_CRS),
        coordinates: Some(format!("{x}/{y}")),
    })
}
