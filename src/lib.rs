//! Kartrummet — geospatial planning data for Swedish regions and municipalities.
//!
//! The pipeline: [`ingest`] reads files through GDAL into [`layer`]s, the [`store`] keeps them on
//! disk and in memory, and [`api`] serves them over HTTP. See `ARCHITECTURE.md`.

pub mod access;
pub mod analysis;
pub mod api;
pub mod cli;
pub mod config;
pub mod crs;
pub mod demo;
pub mod documents;
pub mod ingest;
pub mod layer;
pub mod limits;
pub mod memory;
pub mod network;
pub mod ogc;
pub mod ogr;
pub mod profile;
pub mod range;
pub mod render;
pub mod report;
pub mod scenarios;
pub mod store;
pub mod tiles;
pub mod views;
