//! The bridge between GDAL/OGR layers and our [`Layer`](crate::layer::Layer) model.
//!
//! [`read`] turns any OGR layer into features in the analysis and display CRSs, applying the
//! geometry hygiene rules; [`write`] stores a layer as a GeoPackage. Ingest reads user files with
//! the first; the store writes with the second and reads its own files back with the first.
//! [`offline`] keeps GDAL off the network.

pub mod offline;
pub mod read;
pub mod write;

pub use read::{Hygiene, ReadBounds, ReadLayer, SkipReason, Tally, read_layer};
pub use write::{read_metadata, write_geopackage};

/// Errors from GDAL while reading or writing features.
#[derive(Debug, thiserror::Error)]
pub enum OgrError {
    /// GDAL reported an error.
    #[error("GDAL: {0}")]
    Gdal(#[from] gdal::errors::GdalError),
    /// A CRS problem.
    #[error(transparent)]
    Crs(#[from] crate::crs::CrsError),
    /// A layer held another number of features than its structure says.
    #[error(
        "{read} features could be read but the file says it holds {expected}; it may be truncated or corrupt"
    )]
    Truncated {
        /// Features read.
        read: u64,
        /// Features the file announced.
        expected: u64,
    },
    /// GDAL failed part-way through the features.
    #[error("the file is damaged part-way: {0}")]
    FetchFailed(String),
    /// More features than the configured cap.
    #[error("more than {max} features (limits.ingest.max_features)")]
    TooManyFeatures {
        /// The cap.
        max: u64,
    },
}
