//! Every bound a deployment may tune, read from the `[limits]` section of the configuration
//! file. Each analysis, ingest and result store owns its part:
//!
//! ```toml
//! [limits.analysis]   # analysis::budget::AnalysisLimits
//! [limits.ingest]     # ingest::limits::IngestLimits
//! [limits.results]    # store::results::ResultLimits
//! ```
//!
//! Every key is optional; the defaults keep a 2-core, 24 GB machine responsive.

use serde::Deserialize;

use crate::analysis::budget::AnalysisLimits;
use crate::ingest::limits::IngestLimits;
use crate::store::results::ResultLimits;

/// All limits of a server or command.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Budgets and pools of the analyses.
    pub analysis: AnalysisLimits,
    /// Caps on what an ingested file may hold.
    pub ingest: IngestLimits,
    /// How many analysis results are kept.
    pub results: ResultLimits,
}
