//! The durable layer store and the in-memory catalog readers work from.
//!
//! On disk, under the data directory:
//!
//! ```text
//! layers/<id>.gpkg   one GeoPackage per layer, in the analysis CRS, with its catalog
//!                    information as layer metadata (open it in QGIS or ogrinfo)
//! tmp/<pid>-<rand>/  each process's own work files of ingests and uploads; a process
//!                    that opens the store removes, under the lock, only those of
//!                    processes that are gone
//! .lock              taken while a layer is written, so two processes never interleave
//! ```
//!
//! A layer file is written completely under `tmp/`, synced, then renamed over the old one: a
//! failed or killed ingest leaves the previous version intact. In memory the catalog is an
//! `ArcSwap`: readers take a snapshot without locking and a commit swaps in a new catalog.
//!
//! Other processes (a `kartrum ingest` beside a running server) write the same files under the
//! same lock; [`Store::refresh`] picks their layers up by comparing each file's identity
//! (inode, size, modification time) with the one loaded.

pub mod results;

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use gdal::vector::LayerAccess;

use crate::crs::{self, Reprojection};
use crate::layer::{Layer, LayerMeta};
use crate::ogr::{self, Hygiene, ReadBounds};

const LAYERS_DIR: &str = "layers";
const TMP_DIR: &str = "tmp";
const LOCK_FILE: &str = ".lock";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing or reading a layer file through GDAL failed.
    #[error("layer file {path}: {source}")]
    LayerFile {
        /// The layer file.
        path: PathBuf,
        /// What GDAL said.
        source: ogr::OgrError,
    },
    /// The analysis CRS is not usable.
    #[error(transparent)]
    Crs(#[from] crs::CrsError),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// An immutable set of layers: what one reader sees.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    layers: BTreeMap<String, Arc<Layer>>,
    /// The identity of each layer file as loaded, by file stem.
    files: BTreeMap<String, FileStamp>,
}

/// What tells one written layer file from another: a commit renames a new file into place,
/// so a new version has a new inode, and in practice a new size or modification time too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileStamp {
    fn of(path: &Path) -> Result<Self, StoreError> {
        let meta = fs::metadata(path).map_err(io("inspect", path))?;
        Ok(Self {
            inode: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

impl Catalog {
    /// A catalog of these layers, not backed by files: for tests of the analyses on layers
    /// they build themselves.
    #[cfg(test)]
    pub(crate) fn of_layers(layers: Vec<Layer>) -> Self {
        Self {
            layers: layers
                .into_iter()
                .map(|l| (l.meta.id.clone(), Arc::new(l)))
                .collect(),
            files: BTreeMap::new(),
        }
    }

    /// The layer with this id, marked as used now (see [`Layer::touch`]): every read of a
    /// layer (tiles, features, catalog entry, an analysis input) keeps a result alive.
    pub fn get(&self, id: &str) -> Option<&Arc<Layer>> {
        let layer = self.layers.get(id)?;
        layer.touch();
        Some(layer)
    }

    /// The layers whose catalog entry satisfies `keep` (a view for one caller, not backed by
    /// files: never committed or refreshed).
    pub fn retain(&self, keep: impl Fn(&LayerMeta) -> bool) -> Self {
        Self {
            layers: self
                .layers
                .iter()
                .filter(|(_, l)| keep(&l.meta))
                .map(|(id, l)| (id.clone(), l.clone()))
                .collect(),
            files: BTreeMap::new(),
        }
    }

    /// All layers, ordered by id.
    pub fn layers(&self) -> impl Iterator<Item = &Arc<Layer>> {
        self.layers.values()
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

/// The store: a data directory on disk and the catalog in memory.
pub struct Store {
    dir: PathBuf,
    analysis_crs: String,
    catalog: ArcSwap<Catalog>,
    write_lock: Mutex<()>,
    /// This process's work folder under `tmp/`, removed on drop.
    tmp: tempfile::TempDir,
}

impl Store {
    /// Opens (creating if needed) the store in `dir` and loads every layer into memory.
    /// Work folders of processes that are gone are removed (under the lock, so never those of
    /// a running neighbour); a layer file that cannot be read is reported and left out rather
    /// than stopping the start.
    pub fn open(dir: impl Into<PathBuf>, analysis_crs: &str) -> Result<Self, StoreError> {
        let dir = dir.into();
        crs::spatial_ref(analysis_crs)?;
        for sub in [LAYERS_DIR, TMP_DIR] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(io("create", &path))?;
        }
        let tmp = {
            let _file_lock = lock_file(&dir)?;
            remove_stale_work(&dir.join(TMP_DIR));
            tempfile::Builder::new()
                .prefix(&format!("{}-", std::process::id()))
                .tempdir_in(dir.join(TMP_DIR))
                .map_err(io("create a work folder in", &dir.join(TMP_DIR)))?
        };
        let store = Self {
            dir,
            analysis_crs: analysis_crs.to_string(),
            catalog: ArcSwap::from_pointee(Catalog::default()),
            write_lock: Mutex::new(()),
            tmp,
        };
        store.reload(true)?;
        Ok(store)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The analysis CRS definition, e.g. `EPSG:3006`.
    pub fn analysis_crs(&self) -> &str {
        &self.analysis_crs
    }

    /// This process's own folder for work files (`tmp/<pid>-<random>/`): removed when the
    /// store is dropped, or by the next process to open the store once this one is gone.
    pub fn tmp_dir(&self) -> PathBuf {
        self.tmp.path().to_path_buf()
    }

    /// The current catalog. Never blocks, whatever is being written.
    pub fn snapshot(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Brings the catalog up to date with the layer files on disk: loads files that are new or
    /// were replaced since they were loaded and drops layers whose file is gone, in one swap.
    /// A file that cannot be read is reported and skipped (a layer loaded before stays).
    /// Returns the ids of the layers that changed; none while another process holds the lock
    /// (it is writing; the next call sees the whole of what it wrote).
    pub fn refresh(&self) -> Result<Vec<String>, StoreError> {
        self.reload(false)
    }

    /// [`Store::refresh`], waiting for a writing process to finish when `wait` (at start).
    fn reload(&self, wait: bool) -> Result<Vec<String>, StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let _file_lock = if wait {
            lock_file(&self.dir)?
        } else {
            let path = self.dir.join(LOCK_FILE);
            let lock = File::create(&path).map_err(io("create", &path))?;
            match lock.try_lock() {
                Ok(()) => lock,
                Err(TryLockError::WouldBlock) => return Ok(Vec::new()),
                Err(TryLockError::Error(e)) => return Err(io("lock", &path)(e)),
            }
        };
        self.reload_locked()
    }

    /// The body of [`Store::reload`]; the caller holds both locks.
    fn reload_locked(&self) -> Result<Vec<String>, StoreError> {
        let current = self.catalog.load_full();
        let mut on_disk = BTreeMap::new();
        for path in self.layer_files()? {
            let stem = file_stem(&path);
            match FileStamp::of(&path) {
                Ok(stamp) => {
                    on_disk.insert(stem, (path, stamp));
                }
                // Deleted between listing and inspecting: treated as gone.
                Err(StoreError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
        let mut next = Catalog::clone(&current);
        let mut changed = Vec::new();
        for stem in current.files.keys() {
            if !on_disk.contains_key(stem) {
                next.files.remove(stem);
                next.layers.remove(stem);
                changed.push(stem.clone());
            }
        }
        for (stem, (path, stamp)) in on_disk {
            if current.files.get(&stem) == Some(&stamp) {
                continue;
            }
            // Remembered even when unreadable, so a broken file is reported once, not on
            // every call.
            next.files.insert(stem, stamp);
            match self.load(&path) {
                Ok(layer) => {
                    changed.push(layer.meta.id.clone());
                    next.layers.insert(layer.meta.id.clone(), Arc::new(layer));
                }
                Err(error) => tracing::error!("skipping unreadable layer file: {error}"),
            }
        }
        if !changed.is_empty() {
            self.catalog.store(Arc::new(next));
            crate::memory::release_freed();
        }
        Ok(changed)
    }

    /// The current version of one layer.
    pub fn layer(&self, id: &str) -> Option<Arc<Layer>> {
        self.catalog.load().get(id).cloned()
    }

    /// Stores new versions of `layers` and makes them visible to readers in one swap.
    /// Each layer's version becomes one more than the stored one (1 for a new id) and its
    /// `ingested_at` is set to now. Returns the stored catalog entries.
    pub fn commit(&self, layers: Vec<Layer>) -> Result<Vec<LayerMeta>, StoreError> {
        let _locks = self.lock()?;
        self.commit_locked(layers)
    }

    /// Stores an analysis result as [`Store::commit`] does, deciding under the store lock,
    /// with the catalog brought up to date from disk first (so a neighbour process's layer
    /// counts too):
    ///
    /// - `allow` sees the layer the store holds under the result's id (if any) and may refuse
    ///   with its own error, e.g. when that layer is an ingested one;
    /// - when `reuse` and the stored layer is already this result (same id, an analysis
    ///   result), it is kept as it is and only marked as used;
    /// - then results past `limits` are removed, least recently used first, except the new
    ///   one and those `keep` names (e.g. referred to by saved views).
    pub fn commit_result<E: From<StoreError>>(
        &self,
        layer: Layer,
        reuse: bool,
        allow: impl FnOnce(Option<&Layer>) -> Result<(), E>,
        limits: &results::ResultLimits,
        keep: impl Fn(&str) -> bool,
    ) -> Result<CommittedResult, E> {
        let _locks = self.lock()?;
        self.reload_locked()?;
        let existing = self.layer(&layer.meta.id);
        allow(existing.as_deref())?;
        let meta = match existing.filter(|l| reuse && results::is_result(&l.meta)) {
            Some(same) => {
                same.touch();
                same.meta.clone()
            }
            None => {
                let mut stored = self.commit_locked(vec![layer])?;
                stored.pop().expect("one layer committed")
            }
        };
        let evicted = self.evict_locked(limits, &|id| id == meta.id || keep(id))?;
        Ok(CommittedResult { meta, evicted })
    }

    /// Writes and swaps in `layers`; the caller holds both locks.
    fn commit_locked(&self, layers: Vec<Layer>) -> Result<Vec<LayerMeta>, StoreError> {
        let srs = crs::spatial_ref(&self.analysis_crs)?;
        let ingested_at = Utc::now();
        let mut staged = Vec::with_capacity(layers.len());
        for mut layer in layers {
            let target = self.layer_path(&layer.meta.id);
            layer.meta.version = self.stored_version(&layer.meta.id, &target) + 1;
            layer.meta.ingested_at = ingested_at;
            layer.touch();
            let work = tempfile::Builder::new()
                .prefix(&layer.meta.id)
                .suffix(".gpkg")
                .tempfile_in(self.tmp.path())
                .map_err(io("create a work file in", self.tmp.path()))?
                .into_temp_path();
            // GDAL creates the file itself.
            fs::remove_file(&work).map_err(io("prepare", &work))?;
            ogr::write_geopackage(&work, &layer, &srs, &metadata_of(&layer.meta)).map_err(
                |source| StoreError::LayerFile {
                    path: work.to_path_buf(),
                    source,
                },
            )?;
            File::open(&work)
                .and_then(|f| f.sync_all())
                .map_err(io("sync", &work))?;
            staged.push((work, target, layer));
        }
        let mut next = Catalog::clone(&self.catalog.load());
        let mut stored = Vec::with_capacity(staged.len());
        for (work, target, layer) in staged {
            work.persist(&target).map_err(|e| StoreError::Io {
                action: "move into place",
                path: target.clone(),
                source: e.error,
            })?;
            stored.push(layer.meta.clone());
            next.files
                .insert(layer.meta.id.clone(), FileStamp::of(&target)?);
            next.layers.insert(layer.meta.id.clone(), Arc::new(layer));
        }
        self.sync_dir()?;
        self.catalog.store(Arc::new(next));
        Ok(stored)
    }

    /// Removes results past `limits`, least recently used first, never one `keep` names.
    /// Returns the removed ids. The caller holds both locks.
    fn evict_locked(
        &self,
        limits: &results::ResultLimits,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, StoreError> {
        let catalog = self.catalog.load_full();
        let results: Vec<(&Arc<Layer>, u64)> = catalog
            .layers()
            .filter(|l| results::is_result(&l.meta))
            .map(|l| (l, catalog.files.get(&l.meta.id).map_or(0, |f| f.len)))
            .collect();
        let mut count = results.len();
        let mut bytes: u64 = results.iter().map(|(_, len)| len).sum();
        let mut candidates: Vec<_> = results
            .into_iter()
            .filter(|(l, _)| !keep(&l.meta.id))
            .collect();
        candidates.sort_by_key(|(l, _)| (l.last_used(), l.meta.id.clone()));
        let mut evicted = Vec::new();
        for (layer, len) in candidates {
            if count <= limits.max_layers && bytes <= limits.max_bytes() {
                break;
            }
            self.delete_locked(&layer.meta.id)?;
            evicted.push(layer.meta.id.clone());
            count -= 1;
            bytes = bytes.saturating_sub(len);
        }
        if !evicted.is_empty() {
            tracing::info!(
                "results evicted past [limits.results]: {}",
                evicted.join(", ")
            );
        }
        Ok(evicted)
    }

    /// Removes a layer from disk and memory. Returns whether it existed.
    pub fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let _locks = self.lock()?;
        self.delete_locked(id)
    }

    /// [`Store::delete`]; the caller holds both locks. The memory the layer held is given
    /// back to the system once no reader holds it any more.
    fn delete_locked(&self, id: &str) -> Result<bool, StoreError> {
        let path = self.layer_path(id);
        let existed = path.exists();
        if existed {
            fs::remove_file(&path).map_err(io("remove", &path))?;
            self.sync_dir()?;
        }
        let mut next = Catalog::clone(&self.catalog.load());
        next.files.remove(id);
        let removed = next.layers.remove(id);
        self.catalog.store(Arc::new(next));
        let in_memory = removed.is_some();
        drop(removed);
        crate::memory::release_freed();
        Ok(existed || in_memory)
    }

    /// Takes the in-process and the file lock, in that order.
    fn lock(&self) -> Result<(MutexGuard<'_, ()>, File), StoreError> {
        let guard = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        Ok((guard, lock_file(&self.dir)?))
    }

    fn layer_path(&self, id: &str) -> PathBuf {
        self.dir.join(LAYERS_DIR).join(format!("{id}.gpkg"))
    }

    fn layer_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let dir = self.dir.join(LAYERS_DIR);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(io("list", &dir))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "gpkg"))
            .collect();
        files.sort();
        Ok(files)
    }

    fn sync_dir(&self) -> Result<(), StoreError> {
        let dir = self.dir.join(LAYERS_DIR);
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io("sync", &dir))
    }

    /// The version on disk, which another process may have advanced.
    fn stored_version(&self, id: &str, path: &Path) -> u64 {
        let in_memory = self.layer(id).map_or(0, |l| l.meta.version);
        let on_disk = gdal::Dataset::open(path)
            .ok()
            .and_then(|ds| {
                let layer = ds.layer(0).ok()?;
                ogr::read_metadata(&layer).get(keys::VERSION)?.parse().ok()
            })
            .unwrap_or(0);
        in_memory.max(on_disk)
    }

    /// Reads one layer file of the store.
    fn load(&self, path: &Path) -> Result<Layer, StoreError> {
        let layer_error = |source: ogr::OgrError| StoreError::LayerFile {
            path: path.to_path_buf(),
            source,
        };
        let gdal_error = |e: gdal::errors::GdalError| layer_error(e.into());
        let dataset = gdal::Dataset::open(path).map_err(gdal_error)?;
        let mut source = dataset.layer(0).map_err(gdal_error)?;
        let stored_srs = source.spatial_ref().ok_or_else(|| {
            layer_error(
                gdal::errors::GdalError::NullPointer {
                    method_name: "OGR_L_GetSpatialRef",
                    msg: "stored layer has no CRS".into(),
                }
                .into(),
            )
        })?;
        let mut stored_srs = stored_srs;
        stored_srs
            .set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
        let analysis = crs::spatial_ref(&self.analysis_crs)?;
        let reprojection = Reprojection::new(&stored_srs, &analysis)?;
        let metadata = ogr::read_metadata(&source);
        let bounds = ReadBounds {
            expected: source.try_feature_count(),
            max_features: u64::MAX,
        };
        let read = ogr::read_layer(
            &mut source,
            &reprojection,
            Hygiene::Trust,
            bounds,
            &mut |_| {},
        )
        .map_err(layer_error)?;
        let meta = meta_from(&metadata, file_stem(path), read.fields);
        Ok(Layer::new(meta, read.features))
    }
}

/// What [`Store::commit_result`] stored and removed.
#[derive(Debug)]
pub struct CommittedResult {
    /// The result layer as stored.
    pub meta: LayerMeta,
    /// Results removed to stay within the limits.
    pub evicted: Vec<String>,
}

/// Takes the store's file lock (`.lock`), waiting for another process to release it.
fn lock_file(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_FILE);
    let file = File::create(&path).map_err(io("create", &path))?;
    file.lock().map_err(io("lock", &path))?;
    Ok(file)
}

/// Removes what is left under `tmp/` by processes that are gone: work folders named
/// `<pid>-…` whose process no longer runs, and loose files of older versions. Called under the
/// file lock; a failure is logged, never fatal.
fn remove_stale_work(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owner = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if owner.is_some_and(process_runs) {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        if let Err(error) = removed {
            tracing::warn!("cannot remove stale work file {name}: {error}");
        }
    }
}

/// Whether a process with this id runs on this machine.
fn process_runs(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Metadata keys of a stored layer.
mod keys {
    pub const ID: &str = "KARTRUM_ID";
    pub const TITLE: &str = "KARTRUM_TITLE";
    pub const DESCRIPTION: &str = "KARTRUM_DESCRIPTION";
    pub const SOURCE: &str = "KARTRUM_SOURCE";
    pub const INGESTED_AT: &str = "KARTRUM_INGESTED_AT";
    pub const VERSION: &str = "KARTRUM_VERSION";
}

fn metadata_of(meta: &LayerMeta) -> BTreeMap<String, String> {
    [
        (keys::ID, meta.id.clone()),
        (keys::TITLE, meta.title.clone()),
        (keys::DESCRIPTION, meta.description.clone()),
        (keys::SOURCE, meta.source.clone()),
        (keys::INGESTED_AT, meta.ingested_at.to_rfc3339()),
        (keys::VERSION, meta.version.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn meta_from(
    metadata: &BTreeMap<String, String>,
    file_id: String,
    fields: Vec<crate::layer::Field>,
) -> LayerMeta {
    let text = |key: &str| metadata.get(key).cloned().unwrap_or_default();
    // The file name is the id (`layers/<id>.gpkg`), whatever a copied file's metadata says.
    let id = file_id;
    LayerMeta {
        title: metadata
            .get(keys::TITLE)
            .cloned()
            .unwrap_or_else(|| id.clone()),
        id,
        description: text(keys::DESCRIPTION),
        geometry_type: crate::layer::GeometryKind::Geometry,
        feature_count: 0,
        bbox: None,
        fields,
        source: text(keys::SOURCE),
        ingested_at: metadata
            .get(keys::INGESTED_AT)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc)),
        version: metadata
            .get(keys::VERSION)
            .and_then(|v| v.parse().ok())
            .unwrap_or(1),
    }
}
