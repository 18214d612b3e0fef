//! The work budget of an analysis: how long and how much memory it may take, and how many run
//! at once.

use serde::Deserialize;

/// Budgets and pools of the analyses (`[limits.analysis]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisLimits {}
