//! The bundled demo: a manifest of files in `data/` and how to ingest each.
//!
//! ```toml
//! [[layer]]
//! id = "rutor_1km"
//! file = "region/rutor_1km.csv"
//! title = "Befolkning 1 km-rutor 2025"
//! crs = "EPSG:3006"
//! x_field = "e"
//! y_field = "n"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ingest::{self, IngestError, IngestOptions, IngestReport, Progress};
use crate::store::Store;

/// Errors loading the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The manifest could not be read or parsed.
    #[error("demo manifest {path}: {detail}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A listed file failed to ingest.
    #[error("demo layer {id}: {source}")]
    Ingest {
        /// The layer.
        id: String,
        /// The cause.
        source: Box<IngestError>,
    },
}

/// The manifest file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The layers, in the order they are loaded.
    pub layer: Vec<DemoLayer>,
    /// The demo's region profile (read by [`crate::profile::RegionProfile::read`]).
    #[serde(default)]
    pub analysis: Option<toml::Table>,
    /// The demo's map profile (read by [`crate::profile::RegionProfile::read`]).
    #[serde(default)]
    pub map: Option<toml::Table>,
}

/// One layer of the demo.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoLayer {
    /// Layer id.
    pub id: String,
    /// File, relative to the manifest.
    pub file: PathBuf,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Layer within the file.
    #[serde(default)]
    pub source_layer: Option<String>,
    /// CRS of the coordinates.
    #[serde(default)]
    pub crs: Option<String>,
    /// CSV x column.
    #[serde(default)]
    pub x_field: Option<String>,
    /// CSV y column.
    #[serde(default)]
    pub y_field: Option<String>,
}

impl Manifest {
    /// Reads a manifest.
    pub fn read(path: &Path) -> Result<Self, DemoError> {
        let error = |detail: String| DemoError::Manifest {
            path: path.to_path_buf(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        toml::from_str(&text).map_err(|e| error(e.to_string()))
    }
}

/// Ingests every layer of the manifest at `path` that the store does not have yet, so the
/// first start loads the demo and later starts reuse the store.
pub fn load_missing(
    store: &Store,
    path: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<IngestReport>, DemoError> {
    let manifest = Manifest::read(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut reports = Vec::new();
    for layer in manifest.layer {
        if store.layer(&layer.id).is_some() {
            continue;
        }
        let options = IngestOptions {
            layer_id: Some(layer.id.clone()),
            title: Some(layer.title),
            description: layer.description,
            source_layer: layer.source_layer,
            crs: layer.crs,
            x_field: layer.x_field,
            y_field: layer.y_field,
        };
        let report = ingest::ingest(store, &base.join(&layer.file), &options, progress).map_err(
            |source| DemoError::Ingest {
                id: layer.id.clone(),
                source: Box::new(source),
            },
        )?;
        reports.push(report);
    }
    Ok(reports)
}
