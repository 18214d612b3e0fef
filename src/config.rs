//! Server configuration: command-line flags and environment, over an optional TOML file.
//!
//! ```toml
//! # kartrum.toml
//! token = "secret"            # bearer token for writes (or env KARTRUM_TOKEN)
//! analysis_crs = "EPSG:3006"  # metric CRS of all analyses
//! max_upload_mb = 200         # largest accepted upload
//! basemap_url = "https://…"   # optional external basemap style for sites with internet
//! public_url = "https://kartor.example.se"  # optional: absolute URLs in TileJSON
//!
//! [tiles.LAYER]               # optional vector-tile settings per layer (see tiles::settings)
//! minzoom = 6
//!
//! [access]                    # internal layers (see access)
//! internal = ["plan_*"]
//! read_tokens = ["a-long-secret"]  # also env KARTRUM_READ_TOKENS, comma-separated
//!
//! [analysis]                  # the region profile (see profile)
//! network = "vagar"
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::access::{Access, AccessFile};
use crate::limits::Limits;
use crate::profile::{AnalysisProfile, MapProfile, RegionProfile};
use crate::tiles::TileOverrides;

/// Errors reading the configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("config file {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: toml::de::Error,
    },
}

/// The settings a configuration file may hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Bearer token required by write endpoints.
    pub token: Option<String>,
    /// Analysis CRS.
    pub analysis_crs: Option<String>,
    /// Upload size limit in MiB.
    pub max_upload_mb: Option<u64>,
    /// External basemap style URL for the web map.
    pub basemap_url: Option<String>,
    /// The server's public base URL (scheme and host, e.g. `https://kartor.example.se`) for
    /// absolute URLs in TileJSON; without it they are relative. Never taken from a request.
    pub public_url: Option<String>,
    /// Vector-tile settings by layer id (`[tiles.LAYER]` sections).
    #[serde(default)]
    pub tiles: BTreeMap<String, TileOverrides>,
    /// Budgets and caps (`[limits.*]` sections, see [`crate::limits`]).
    #[serde(default)]
    pub limits: Limits,
    /// The region profile's `[analysis]` section (see [`crate::profile`]).
    #[serde(default)]
    pub analysis: Option<AnalysisProfile>,
    /// The region profile's `[map]` section (see [`crate::profile`]).
    #[serde(default)]
    pub map: Option<MapProfile>,
    /// Internal layers and read tokens (`[access]`, see [`crate::access`]).
    #[serde(default)]
    pub access: AccessFile,
}

impl ConfigFile {
    /// Reads a configuration file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Everything the server needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// Bearer token for writes; without one, writes are refused.
    pub token: Option<String>,
    /// Largest accepted upload in bytes.
    pub max_upload_bytes: usize,
    /// External basemap style URL, if any.
    pub basemap_url: Option<String>,
    /// Public base URL for absolute TileJSON URLs, if configured.
    pub public_url: Option<String>,
    /// Folder of the web app.
    pub web_dir: PathBuf,
    /// Vector-tile settings by layer id.
    pub tiles: BTreeMap<String, TileOverrides>,
    /// Budgets and caps.
    pub limits: Limits,
    /// The region profile: which layer plays which part.
    pub profile: std::sync::Arc<RegionProfile>,
    /// Internal layers and read tokens.
    pub access: Access,
}

/// Default upload limit in MiB.
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 200;
