//! Built networks (and other costly derived data) kept in memory, so that repeated analyses
//! and what-ifs on the same layer version skip the build.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::{Network, NetworkError, NetworkSettings};
use crate::analysis::budget;
use crate::layer::Layer;

/// A small cache of the most recently used values by text key. Values are built outside the
/// lock, so a slow build never blocks readers of other entries.
#[derive(Debug)]
pub struct Memo<V> {
    capacity: usize,
    entries: Mutex<VecDeque<(String, Arc<V>)>>,
}

impl<V> Memo<V> {
    /// A cache holding at most `capacity` values.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// The value for `key`, built by `build` when missing; the oldest entry is dropped when
    /// the cache is full. A value built after this thread's work budget ran out may be
    /// partial and is returned but not kept.
    ///
    /// ```
    /// use kartrummet::network::cache::Memo;
    /// let memo = Memo::new(2);
    /// let a = memo.get_or_try(String::from("a"), || Ok::<_, ()>(1)).unwrap();
    /// let again = memo.get_or_try(String::from("a"), || Ok::<_, ()>(2)).unwrap();
    /// assert_eq!((*a, *again), (1, 1));
    /// ```
    pub fn get_or_try<E>(
        &self,
        key: String,
        build: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(found) = self.get(&key) {
            return Ok(found);
        }
        let value = Arc::new(build()?);
        if budget::stopped() {
            // Built while the analysis ran out of its budget: possibly partial, never kept.
            return Ok(value);
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|(k, _)| *k != key);
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back((key, value.clone()));
        Ok(value)
    }

    fn get(&self, key: &str) -> Option<Arc<V>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let at = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(at)?;
        let value = entry.1.clone();
        entries.push_back(entry);
        Some(value)
    }
}

/// The identity of one layer version: id, version and ingest time (a deleted and re-created
/// layer starts again at version 1).
pub fn layer_key(layer: &Layer) -> String {
    format!(
        "{}@{}@{}",
        layer.meta.id,
        layer.meta.version,
        layer.meta.ingested_at.timestamp_micros()
    )
}

/// Built networks keyed by (layer id, version, settings).
#[derive(Debug)]
pub struct NetworkCache(Memo<Network>);

impl Default for NetworkCache {
    fn default() -> Self {
        Self(Memo::new(4))
    }
}

impl NetworkCache {
    /// The network of this layer version with these settings, built on first use.
    pub fn get(
        &self,
        layer: &Layer,
        settings: &NetworkSettings,
    ) -> Result<Arc<Network>, NetworkError> {
        settings.validate()?;
        let key = format!("{}|{}", layer_key(layer), settings.key());
        self.0
            .get_or_try(key, || Network::from_layer(layer, settings))
    }
}
