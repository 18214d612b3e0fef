//! Export of layers as one PMTiles v3 archive (gzip-compressed MVT tiles, TileJSON metadata),
//! written with the `pmtiles` crate's writer.
//!
//! Only tiles that can hold features are visited: a tile's four children are looked at only
//! when some layer has a feature box meeting the tile, so sparse data stays cheap at high zoom.
//! Tiles are rendered on every core, one zoom level at a time, and written in tile-id order
//! (PMTiles ids grow with the zoom, so level by level is globally ascending).

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use ::pmtiles::{PmTilesWriter, TileCoord, TileType};

use super::{TileError, TileId, TileLayer, has_candidates, render_tile, tilejson};

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    /// Tiles looked at.
    pub visited: u64,
    /// Tiles with features, written to the archive.
    pub written: u64,
    /// Bytes of MVT data written, before compression.
    pub mvt_bytes: u64,
}

/// Progress of an export: tiles done of the tiles known so far (the total grows as deeper
/// levels are discovered).
#[derive(Debug, Clone, Copy)]
pub struct ExportProgress {
    /// Zoom level being rendered.
    pub zoom: u8,
    /// Tiles rendered so far.
    pub done: u64,
    /// Tiles known to be visited so far.
    pub known: u64,
}

/// Writes tiles `minzoom..=maxzoom` of `layers` to a PMTiles archive at `out`.
pub fn export(
    layers: &[TileLayer<'_>],
    minzoom: u8,
    maxzoom: u8,
    out: &Path,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<ExportReport, TileError> {
    if maxzoom > super::MAX_ZOOM {
        return Err(TileError::ZoomOutOfRange { z: maxzoom });
    }
    if minzoom > maxzoom {
        return Err(TileError::ZoomOutOfRange { z: minzoom });
    }
    let write_error = |source: ::pmtiles::PmtError| TileError::Write {
        path: out.to_path_buf(),
        source,
    };
    let file = File::create(out).map_err(|e| write_error(e.into()))?;
    let metadata = tilejson::metadata(layers);
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(minzoom)
        .max_zoom(maxzoom)
        .metadata(metadata.to_string());
    if let Some(b) = tilejson::union_bounds(layers) {
        let c = tilejson::center(b, minzoom, maxzoom);
        writer = writer
            .bounds(b[0], b[1], b[2], b[3])
            .center(c[0], c[1])
            .center_zoom(c[2] as u8);
    }
    let mut writer = writer.create(file).map_err(write_error)?;

    let mut report = ExportReport {
        visited: 0,
        written: 0,
        mvt_bytes: 0,
    };
    let mut level: Vec<TileId> = match tilejson::union_bounds(layers) {
        Some(b) => TileId::covering(b, minzoom)?,
        None => Vec::new(),
    };
    let mut known = level.len() as u64;
    for zoom in minzoom..=maxzoom {
        let rendered = render_level(layers, &level, zoom < maxzoom, &mut |done| {
            progress(ExportProgress {
                zoom,
                done: report.visited + done,
                known,
            })
        });
        report.visited += level.len() as u64;
        let mut next = Vec::new();
        let mut tiles: Vec<(u64, TileId, Vec<u8>)> = Vec::new();
        for (tile, mvt, deeper) in rendered {
            if deeper {
                next.extend(tile.children());
            }
            if !mvt.is_empty() {
                let coord = coord(tile).map_err(write_error)?;
                tiles.push((::pmtiles::TileId::from(coord).value(), tile, mvt));
            }
        }
        tiles.sort_unstable_by_key(|t| t.0);
        for (_, tile, mvt) in tiles {
            report.written += 1;
            report.mvt_bytes += mvt.len() as u64;
            writer
                .add_tile(coord(tile).map_err(write_error)?, &mvt)
                .map_err(write_error)?;
        }
        known += next.len() as u64;
        level = next;
    }
    writer.finalize().map_err(write_error)?;
    Ok(report)
}

fn coord(tile: TileId) -> Result<TileCoord, ::pmtiles::PmtError> {
    TileCoord::new(tile.z, tile.x, tile.y)
}

/// Renders `tiles` on every core; for each: the tile, its MVT bytes and whether its children
/// should be visited.
fn render_level(
    layers: &[TileLayer<'_>],
    tiles: &[TileId],
    look_deeper: bool,
    progress: &mut dyn FnMut(u64),
) -> Vec<(TileId, Vec<u8>, bool)> {
    const CHUNK: usize = 16;
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(tiles.len()));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (done_tx, done_rx) = mpsc::channel::<usize>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (next, results) = (&next, &results);
            scope.spawn(move || {
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= tiles.len() {
                        break;
                    }
                    let chunk = &tiles[start..(start + CHUNK).min(tiles.len())];
                    let rendered: Vec<_> = chunk
                        .iter()
                        .map(|&t| {
                            let deeper = look_deeper && has_candidates(layers, t);
                            (t, render_tile(layers, t), deeper)
                        })
                        .collect();
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(rendered);
                    // The receiver lives until every worker is done.
                    let _ = done_tx.send(chunk.len());
                }
            });
        }
        drop(done_tx);
        let mut done = 0u64;
        for n in done_rx {
            done += n as u64;
            progress(done);
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Feature, Layer, LayerMeta};
    use crate::tiles::TileSettings;

    #[test]
    fn writes_a_v3_archive_with_only_tiles_near_data() {
        let meta = LayerMeta::new("p", vec![]);
        let point: geo::Geometry<f64> = geo::point!(x: 15.63, y: 60.61).into();
        let layer = Layer::new(
            meta,
            vec![Feature {
                id: 1,
                geometry: point.clone(),
                display: point,
                properties: vec![],
            }],
        );
        let settings = TileSettings::for_layer(&layer.meta, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("p.pmtiles");
        let layers = [TileLayer {
            layer: &layer,
            settings: &settings,
        }];
        let report = export(&layers, 0, 8, &out, &mut |_| {}).unwrap();
        // One tile per zoom holds the point (two where it lies in a neighbour's buffer).
        assert!((9..=18).contains(&report.written), "{report:?}");
        assert!(report.visited < 100, "{report:?}");
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..7], b"PMTiles");
        assert_eq!(bytes[7], 3);
    }
}
