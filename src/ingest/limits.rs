//! Caps on what one ingested file may hold, whatever its header claims.
//!
//! ```toml
//! [limits.ingest]
//! max_decompressed_mb = 2048    # bytes read out of a zip, summed over its entries
//! max_features = 5000000        # features read from one file, all its layers together
//! max_layers = 200              # layers stored from one file (each is a file in the store)
//! max_fields = 500              # attribute columns of one layer
//! max_field_name_chars = 64     # longer field names are shortened (and reported)
//! ```
//!
//! The defaults are sized for a 2-core, 24 GB server: 5 M features is about 3 GB in memory
//! for simple polygons and more than any Swedish regional data set (Sweden has about 9 M
//! buildings in all); 2 GiB is ten times the default upload limit, beyond the ratio real
//! GIS data compresses to; 200 layers is far more than an OpenStreetMap extract (5) or a
//! municipal GeoPackage holds, while a file of 100,000 one-feature layers would flood the
//! store with files; 500 columns is four times the widest SCB table exports and well
//! under SQLite's 2,000-column limit; 64 characters is as long as a readable column name gets.

use serde::Deserialize;

/// Caps of an ingest (`[limits.ingest]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestLimits {
    /// Most bytes read out of a zip (MiB), counted as decompressed, not as the zip claims.
    pub max_decompressed_mb: u64,
    /// Most features read from one file, all layers together.
    pub max_features: u64,
    /// Most layers stored from one file.
    pub max_layers: usize,
    /// Most attribute fields in one layer.
    pub max_fields: usize,
    /// Longest field name kept as is (characters); longer names are shortened.
    pub max_field_name_chars: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self {
            max_decompressed_mb: 2048,
            max_features: 5_000_000,
            max_layers: 200,
            max_fields: 500,
            max_field_name_chars: 64,
        }
    }
}

impl IngestLimits {
    /// [`Self::max_decompressed_mb`] in bytes.
    pub fn max_decompressed_bytes(&self) -> u64 {
        self.max_decompressed_mb.saturating_mul(1024 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_section_keeps_other_defaults() {
        let limits: IngestLimits = toml::from_str("max_features = 10").unwrap();
        assert_eq!(limits.max_features, 10);
        assert_eq!(limits.max_fields, IngestLimits::default().max_fields);
        assert!(toml::from_str::<IngestLimits>("max_rows = 1").is_err());
    }
}
