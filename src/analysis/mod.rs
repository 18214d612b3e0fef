//! Analyses over the layers in the store. Each knows nothing of HTTP.

pub mod corridor;
