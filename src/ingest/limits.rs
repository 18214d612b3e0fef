//! Caps on what one ingested file may hold, whatever its header claims.

use serde::Deserialize;

/// Caps of an ingest (`[limits.ingest]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestLimits {}
