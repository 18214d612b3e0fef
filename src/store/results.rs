//! Analysis results kept as derived layers: how many, and which go first.

use serde::Deserialize;

/// How many analysis results are kept (`[limits.results]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResultLimits {}
