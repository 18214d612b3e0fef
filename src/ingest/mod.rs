//! Ingest: read a user's file through GDAL, reproject, clean the geometries and commit the
//! layers to the store.
//!
//! Everything is read and checked before anything is written, so a file that fails half-way
//! changes nothing. Nothing a file claims about itself is trusted: counts in headers only
//! feed progress and the check for truncation, reading stops at the caps of
//! [`limits::IngestLimits`], and GDAL is kept off the network ([`ogr::offline`]).

pub mod limits;
pub mod names;
mod source;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use gdal::vector::LayerAccess;
use serde::Serialize;

pub use source::{Format, SUPPORTED};

use crate::crs::{self, CrsError, Reprojection};
use crate::layer::{self, InvalidLayerId, Layer, LayerMeta};
use crate::ogr::{self, Hygiene, OgrError, ReadBounds, Tally};
use crate::store::{Store, StoreError};
use limits::IngestLimits;
use names::FieldRename;

/// What the user said about the file.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Layer id; default the file's stem. With several source layers, each gets `ID_NAME`.
    pub layer_id: Option<String>,
    /// Title; default the id (or the source layer's name).
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Only this layer of a multi-layer source (GeoPackage, OSM, a folder of shapefiles).
    pub source_layer: Option<String>,
    /// The CRS of the coordinates, overriding what the file says (needed when it says nothing).
    pub crs: Option<String>,
    /// CSV column holding x (east or longitude).
    pub x_field: Option<String>,
    /// CSV column holding y (north or latitude).
    pub y_field: Option<String>,
}

/// Errors of an ingest. All but `Store` are the user's to fix.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The layer id is not allowed.
    #[error(transparent)]
    InvalidId(#[from] InvalidLayerId),
    /// The path does not exist.
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    /// The path names a network file system (`/vsicurl/…`); ingest reads local files only.
    #[error("{0}: ingest reads local files only, not GDAL network paths")]
    NetworkPath(String),
    /// A zip holds more, read out, than the decompression cap.
    #[error(
        "the zip {name} holds more than {max_mb} MiB when decompressed (limits.ingest.max_decompressed_mb)"
    )]
    TooLarge {
        /// File name.
        name: String,
        /// The cap in MiB.
        max_mb: u64,
    },
    /// More features than the cap.
    #[error("{name} holds more than {max} features (limits.ingest.max_features)")]
    TooManyFeatures {
        /// File name.
        name: String,
        /// The cap.
        max: u64,
    },
    /// A file with more layers than the cap.
    #[error(
        "{name} has {count} layers, more than the {max} allowed (limits.ingest.max_layers); choose one with source_layer"
    )]
    TooManyLayers {
        /// File name.
        name: String,
        /// Its layers.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// A layer with more fields than the cap.
    #[error(
        "layer {layer:?} of {name} has {count} fields, more than the {max} allowed (limits.ingest.max_fields)"
    )]
    TooManyFields {
        /// File name.
        name: String,
        /// Source layer.
        layer: String,
        /// Its fields.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// The file's extension is not a format we read.
    #[error("unsupported format: {name}. Supported: {SUPPORTED}")]
    UnsupportedFormat {
        /// File name.
        name: String,
    },
    /// GDAL could not open the file as the format its name says.
    #[error("cannot read {name} as {format}: {detail}")]
    Unreadable {
        /// File name.
        name: String,
        /// Expected format.
        format: &'static str,
        /// What GDAL said.
        detail: String,
    },
    /// A zip with no file in a supported format.
    #[error(
        "the zip {name} holds no file in a supported format (it holds: {}). Supported: {SUPPORTED}",
        list(entries)
    )]
    EmptyArchive {
        /// File name.
        name: String,
        /// What it holds.
        entries: Vec<String>,
    },
    /// A zip with several datasets of different kinds.
    #[error(
        "the zip {name} holds several datasets ({}); send them one at a time",
        list(candidates)
    )]
    AmbiguousArchive {
        /// File name.
        name: String,
        /// The datasets found.
        candidates: Vec<String>,
    },
    /// The named source layer does not exist.
    #[error("{name} has no layer {wanted:?}; its layers are: {}", list(available))]
    NoSuchSourceLayer {
        /// File name.
        name: String,
        /// The layer asked for.
        wanted: String,
        /// The layers it has.
        available: Vec<String>,
    },
    /// Neither the file nor the user named a CRS.
    #[error(
        "layer {layer:?} of {name} has no coordinate reference system: give it with the crs option (CLI: --crs EPSG:3006)"
    )]
    NoCrs {
        /// File name.
        name: String,
        /// Source layer.
        layer: String,
    },
    /// The CRS given is unknown, or cannot be transformed.
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// A CSV without recognisable coordinate columns.
    #[error(
        "the CSV {name} has no coordinate columns (looked for lon/lat, longitude/latitude, x/y, e/n, easting/northing; it has: {}): name them with x_field and y_field (CLI: --x-field, --y-field)",
        list(columns)
    )]
    CsvNoCoordinates {
        /// File name.
        name: String,
        /// Its columns.
        columns: Vec<String>,
    },
    /// A coordinate column named by the user is missing.
    #[error("the CSV {name} has no column {column:?}; it has: {}", list(columns))]
    CsvNoSuchColumn {
        /// File name.
        name: String,
        /// The column asked for.
        column: String,
        /// Its columns.
        columns: Vec<String>,
    },
    /// Only one of x and y field was given.
    #[error("x_field and y_field go together: give both or neither")]
    CsvHalfPair,
    /// Nothing in the file could be stored.
    #[error("no feature of {name} could be stored: {summary}")]
    NoFeatures {
        /// File name.
        name: String,
        /// What happened to the features.
        summary: String,
    },
    /// Reading failed part-way.
    #[error("reading {name}: {source}")]
    Read {
        /// File name.
        name: String,
        /// The cause.
        source: ogr::OgrError,
    },
    /// Storing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

/// Progress of an ingest: features read so far in one source layer.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Source layer being read.
    pub layer: &'a str,
    /// Features read so far.
    pub read: u64,
    /// Features in the layer, when the format knows.
    pub total: Option<u64>,
}

/// What an ingest did, per layer.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// The file name.
    pub file: String,
    /// Its format.
    pub format: &'static str,
    /// One entry per source layer.
    pub layers: Vec<LayerReport>,
}

/// What an ingest did with one source layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    /// Stored layer id.
    pub id: String,
    /// Layer name in the source.
    pub source_layer: String,
    /// CRS of the source coordinates.
    pub source_crs: String,
    /// CSV columns that gave the coordinates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<String>,
    /// Features read.
    pub read: u64,
    /// Features stored.
    pub stored: u64,
    /// Stored features whose geometry was repaired.
    pub repaired: u64,
    /// Features skipped.
    pub skipped: u64,
    /// Skipped features per reason.
    pub skip_reasons: BTreeMap<String, u64>,
    /// Stored version; absent when the source layer was empty and not stored.
    pub version: Option<u64>,
    /// The source layer that kept the plain id this layer would have had (`_2` was added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_taken_by: Option<String>,
    /// Fields stored under another name, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renamed_fields: Vec<FieldRename>,
}

impl fmt::Display for IngestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({})", self.file, self.format)?;
        for l in &self.layers {
            write!(
                f,
                "  {}: {} read, {} stored, {} repaired, {} skipped",
                l.id, l.read, l.stored, l.repaired, l.skipped
            )?;
            match l.version {
                Some(v) => writeln!(f, " — version {v}, from {}", l.source_crs)?,
                None => writeln!(f, " — empty, not stored")?,
            }
            if let Some(other) = &l.id_taken_by {
                writeln!(
                    f,
                    "    stored as {} because layer {other:?} has the id it folds to",
                    l.id
                )?;
            }
            for rename in &l.renamed_fields {
                writeln!(
                    f,
                    "    field {:?} stored as {:?}: {}",
                    rename.from, rename.to, rename.reason
                )?;
            }
            for (reason, n) in &l.skip_reasons {
                writeln!(f, "    skipped {n}: {reason}")?;
            }
        }
        Ok(())
    }
}

/// Reads `path` within the default [`IngestLimits`] and commits its layers to `store`.
pub fn ingest(
    store: &Store,
    path: &Path,
    options: &IngestOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<IngestReport, IngestError> {
    ingest_within(store, path, options, &IngestLimits::default(), progress)
}

/// Reads `path` within `limits` (a server's or command's `[limits.ingest]`) and commits its
/// layers to `store`.
pub fn ingest_within(
    store: &Store,
    path: &Path,
    options: &IngestOptions,
    limits: &IngestLimits,
    progress: &mut dyn FnMut(Progress),
) -> Result<IngestReport, IngestError> {
    ogr::offline::forbid_network();
    if let Some(id) = &options.layer_id {
        layer::validate_id(id)?;
    }
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let source = source::open(path, options, limits)?;
    let layer_names = source_layers(&source, &file, options)?;
    let analysis = crs::spatial_ref(store.analysis_crs())?;
    let base_id = match &options.layer_id {
        Some(id) => id.clone(),
        None => layer::slug(
            path.file_stem()
                .map_or("layer".into(), |s| s.to_string_lossy())
                .as_ref(),
        ),
    };

    if layer_names.len() > limits.max_layers {
        return Err(IngestError::TooManyLayers {
            name: file,
            count: layer_names.len(),
            max: limits.max_layers,
        });
    }
    let ids = names::layer_ids(&base_id, &layer_names);
    let mut features_read = 0;
    let mut reports = Vec::new();
    let mut layers = Vec::new();
    for (name, (id, id_taken_by)) in layer_names.iter().zip(ids) {
        let mut gdal_layer = source
            .dataset
            .layer_by_name(name)
            .map_err(|e| IngestError::Read {
                name: file.clone(),
                source: e.into(),
            })?;
        let source_srs = match (&options.crs, gdal_layer.spatial_ref(), source.implied_crs) {
            (Some(given), _, _) => crs::spatial_ref(given)?,
            (None, Some(mut srs), _) => {
                srs.set_axis_mapping_strategy(
                    gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder,
                );
                srs
            }
            (None, None, Some(implied)) => crs::spatial_ref(implied)?,
            (None, None, None) => {
                return Err(IngestError::NoCrs {
                    name: file.clone(),
                    layer: name.clone(),
                });
            }
        };
        let reprojection = Reprojection::new(&source_srs, &analysis)?;
        let field_count = gdal_layer.defn().fields().count();
        if field_count > limits.max_fields {
            return Err(IngestError::TooManyFields {
                name: file.clone(),
                layer: name.clone(),
                count: field_count,
                max: limits.max_fields,
            });
        }
        let total = gdal_layer.try_feature_count();
        let bounds = ReadBounds {
            expected: total.filter(|_| source.format.count_is_structural()),
            max_features: limits.max_features.saturating_sub(features_read),
        };
        let mut read = ogr::read_layer(
            &mut gdal_layer,
            &reprojection,
            Hygiene::Check,
            bounds,
            &mut |read| {
                progress(Progress {
                    layer: name,
                    read,
                    total,
                })
            },
        )
        .map_err(|source| match source {
            OgrError::TooManyFeatures { .. } => IngestError::TooManyFeatures {
                name: file.clone(),
                max: limits.max_features,
            },
            source => IngestError::Read {
                name: file.clone(),
                source,
            },
        })?;
        features_read += read.tally.read;
        let source_names: Vec<String> = read.fields.iter().map(|f| f.name.clone()).collect();
        let (stored_names, renamed_fields) =
            names::field_names(&source_names, limits.max_field_name_chars);
        for (field, stored) in read.fields.iter_mut().zip(stored_names) {
            field.name = stored;
        }
        let mut report = LayerReport {
            id: id.clone(),
            source_layer: name.clone(),
            source_crs: crs::describe(&source_srs),
            coordinates: source.coordinates.clone(),
            read: read.tally.read,
            stored: read.tally.stored,
            repaired: read.tally.repaired,
            skipped: read.tally.skipped_total(),
            skip_reasons: read
                .tally
                .skipped
                .iter()
                .map(|(reason, n)| (reason.describe().to_string(), *n))
                .collect(),
            version: None,
            id_taken_by,
            renamed_fields,
        };
        if read.features.is_empty() {
            if layer_names.len() == 1 || read.tally.read > 0 {
                return Err(IngestError::NoFeatures {
                    name: file.clone(),
                    summary: summary(&read.tally),
                });
            }
            reports.push(report);
            continue;
        }
        let title = match (&options.title, layer_names.len()) {
            (Some(title), 1) => title.clone(),
            (Some(title), _) => format!("{title} ({name})"),
            (None, 1) => id.clone(),
            (None, _) => name.clone(),
        };
        let meta = LayerMeta {
            title,
            description: options.description.clone().unwrap_or_default(),
            source: file.clone(),
            ..LayerMeta::new(id, read.fields)
        };
        report.stored = read.features.len() as u64;
        layers.push(Layer::new(meta, read.features));
        reports.push(report);
    }
    if layers.is_empty() {
        return Err(IngestError::NoFeatures {
            name: file,
            summary: "every layer is empty".into(),
        });
    }
    for meta in store.commit(layers)? {
        if let Some(report) = reports.iter_mut().find(|r| r.id == meta.id) {
            report.version = Some(meta.version);
        }
    }
    Ok(IngestReport {
        file,
        format: source.format.name(),
        layers: reports,
    })
}

fn source_layers(
    source: &source::Source,
    file: &str,
    options: &IngestOptions,
) -> Result<Vec<String>, IngestError> {
    let available: Vec<String> = source.dataset.layers().map(|l| l.name()).collect();
    match &options.source_layer {
        Some(wanted) if available.contains(wanted) => Ok(vec![wanted.clone()]),
        Some(wanted) => Err(IngestError::NoSuchSourceLayer {
            name: file.to_string(),
            wanted: wanted.clone(),
            available,
        }),
        None => Ok(available),
    }
}

fn summary(tally: &Tally) -> String {
    if tally.read == 0 {
        return "it has no features".into();
    }
    let reasons: Vec<String> = tally
        .skipped
        .iter()
        .map(|(reason, n)| format!("{n} {}", reason.describe()))
        .collect();
    format!("{} read, all skipped ({})", tally.read, reasons.join(", "))
}
