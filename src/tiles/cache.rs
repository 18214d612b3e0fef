//! A bounded in-memory cache of rendered tiles.
//!
//! Keys hold each layer's id, version and ingest time, so a re-ingested layer (new version)
//! or a deleted and re-created one (new ingest time) can never hit an old entry: stale tiles
//! are unreachable at once and age out. Entries are evicted oldest first once the byte budget
//! is exceeded.

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::TileId;
use crate::layer::Layer;

/// Identifies one rendering: the layers at their current versions and the tile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    layers: Vec<(String, u64, i64)>,
    tile: TileId,
}

impl TileKey {
    /// The key for `layers` (in request order) and `tile`.
    pub fn new(layers: &[&Layer], tile: TileId) -> Self {
        Self {
            layers: layers
                .iter()
                .map(|l| {
                    let at = l.meta.ingested_at;
                    let nanos = at.timestamp_nanos_opt().unwrap_or(at.timestamp());
                    (l.meta.id.clone(), l.meta.version, nanos)
                })
                .collect(),
            tile,
        }
    }

    fn weight(&self) -> usize {
        self.layers.iter().map(|l| l.0.len() + 40).sum::<usize>() + 64
    }
}

/// A rendered tile as served: plain and gzip-compressed bytes and an entity tag.
#[derive(Debug)]
pub struct CachedTile {
    /// MVT bytes; empty when the tile has no features.
    pub mvt: Bytes,
    /// The same, gzip-compressed (empty when `mvt` is).
    pub gzip: Bytes,
    /// Strong entity tag (quoted), derived from the content.
    pub etag: String,
}

impl CachedTile {
    /// Wraps rendered MVT bytes, compressing them once.
    ///
    /// ```
    /// let tile = kartrummet::tiles::CachedTile::new(vec![1, 2, 3]);
    /// assert!(tile.etag.starts_with('"') && !tile.gzip.is_empty());
    /// ```
    pub fn new(mvt: Vec<u8>) -> Self {
        let gzip = if mvt.is_empty() {
            Vec::new()
        } else {
            let mut encoder =
                GzEncoder::new(Vec::with_capacity(mvt.len() / 2), Compression::fast());
            encoder.write_all(&mvt).expect("writing to memory");
            encoder.finish().expect("writing to memory")
        };
        let mut hasher = DefaultHasher::new();
        mvt.hash(&mut hasher);
        let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), mvt.len());
        Self {
            mvt: Bytes::from(mvt),
            gzip: Bytes::from(gzip),
            etag,
        }
    }

    fn weight(&self) -> usize {
        self.mvt.len() + self.gzip.len() + self.etag.len() + 96
    }
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<TileKey, Arc<CachedTile>>,
    order: VecDeque<TileKey>,
    bytes: usize,
}

/// Rendered tiles by [`TileKey`], within a byte budget.
///
/// ```
/// use kartrummet::tiles::{CachedTile, TileCache, TileId, TileKey};
/// let cache = TileCache::new(1 << 20);
/// let key = TileKey::new(&[], TileId::new(0, 0, 0).unwrap());
/// assert!(cache.get(&key).is_none());
/// cache.insert(key.clone(), CachedTile::new(vec![7; 100]));
/// assert!(cache.get(&key).is_some());
/// ```
#[derive(Debug)]
pub struct TileCache {
    budget: usize,
    inner: Mutex<Inner>,
}

impl TileCache {
    /// An empty cache holding at most about `budget` bytes.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The tile stored under `key`.
    pub fn get(&self, key: &TileKey) -> Option<Arc<CachedTile>> {
        self.lock().entries.get(key).cloned()
    }

    /// Stores a tile (replacing one under the same key) and returns it shared. A tile larger
    /// than the whole budget is returned without being stored.
    pub fn insert(&self, key: TileKey, tile: CachedTile) -> Arc<CachedTile> {
        let tile = Arc::new(tile);
        let weight = key.weight() + tile.weight();
        if weight > self.budget {
            return tile;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.entries.insert(key.clone(), tile.clone()) {
            inner.bytes -= key.weight() + old.weight();
            inner.order.retain(|k| k != &key);
        }
        inner.order.push_back(key);
        inner.bytes += weight;
        while inner.bytes > self.budget {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&oldest) {
                inner.bytes -= oldest.weight() + old.weight();
            }
        }
        tile
    }

    /// Bytes held now (approximately: content, tags and keys).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Number of tiles held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache holds no tile.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(x: u32) -> TileKey {
        TileKey::new(&[], TileId::new(10, x, 0).unwrap())
    }

    #[test]
    fn stays_within_budget_and_evicts_oldest() {
        let cache = TileCache::new(10_000);
        for x in 0..100 {
            cache.insert(key(x), CachedTile::new(vec![x as u8; 1000]));
            assert!(cache.bytes() <= 10_000);
        }
        assert!(cache.get(&key(99)).is_some());
        assert!(cache.get(&key(0)).is_none());
    }

    #[test]
    fn replacing_keeps_the_count_right() {
        let cache = TileCache::new(100_000);
        cache.insert(key(1), CachedTile::new(vec![1; 10]));
        let before = cache.bytes();
        cache.insert(key(1), CachedTile::new(vec![2; 10]));
        assert_eq!(cache.bytes(), before);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn etag_follows_content() {
        assert_eq!(
            CachedTile::new(vec![1, 2]).etag,
            CachedTile::new(vec![1, 2]).etag
        );
        assert_ne!(
            CachedTile::new(vec![1, 2]).etag,
            CachedTile::new(vec![2, 1]).etag
        );
    }
}
