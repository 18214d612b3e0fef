//! One store per region, shared by the tests of one test binary: the layers a binary needs,
//! picked by their ids in the region's manifest (`data/demo.toml` for Dalarna,
//! `data/stockholm.toml` for inner Stockholm) and ingested once into a fresh temporary folder,
//! so no test ever runs on data an older build ingested. Each manifest carries its region
//! profile, and a server over a fixture is started with it (`--profile`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kartrummet::demo::Manifest;
use kartrummet::layer::Layer;
use kartrummet::store::Store;

use super::{Server, data, open_store};

/// Which layers of a manifest a test binary needs.
#[derive(Clone, Copy, Debug)]
pub enum Layers<'a> {
    /// Every layer the manifest lists.
    Every,
    /// These ids of the manifest, and no others.
    Only(&'a [&'a str]),
}

/// A region's store in a temporary folder, removed when the test binary ends.
pub struct Region {
    manifest: PathBuf,
    ids: BTreeSet<String>,
    dir: tempfile::TempDir,
    store: Store,
}

impl Region {
    /// The region's manifest, which also holds its profile.
    pub fn manifest(&self) -> &Path {
        &self.manifest
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The store the layers were ingested into.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A layer of the store; panics when the fixture does not hold it.
    pub fn layer(&self, id: &str) -> Arc<Layer> {
        self.store
            .layer(id)
            .unwrap_or_else(|| panic!("the {} fixture has no layer {id:?}", self.name()))
    }

    /// Starts `kartrum serve` over the store with the region's profile, `token` and `extra`
    /// arguments.
    pub fn serve(&self, token: Option<&str>, extra: &[&str]) -> Server {
        let profile = self.manifest.to_str().expect("a UTF-8 path");
        let mut args = vec!["--profile", profile];
        args.extend_from_slice(extra);
        Server::start(self.dir(), token, &args)
    }

    fn name(&self) -> String {
        self.manifest
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }
}

/// The Dalarna demo (`data/demo.toml`) with `layers`, ingested on the first call.
pub fn dalarna(layers: Layers) -> &'static Region {
    static REGION: OnceLock<Region> = OnceLock::new();
    region(&REGION, "demo.toml", layers)
}

/// Inner Stockholm (`data/stockholm.toml`) with `layers`, ingested on the first call.
pub fn stockholm(layers: Layers) -> &'static Region {
    static REGION: OnceLock<Region> = OnceLock::new();
    region(&REGION, "stockholm.toml", layers)
}

/// The region of `manifest` in `cell`; every call of one test binary must ask for the same
/// layers, so that no test depends on which one ran first.
fn region(cell: &'static OnceLock<Region>, manifest: &str, layers: Layers) -> &'static Region {
    let manifest = data(manifest);
    let wanted = wanted_ids(&manifest, layers);
    let region = cell.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = open_store(dir.path());
        ingest_manifest(&store, &manifest, layers);
        Region {
            manifest,
            ids: wanted.clone(),
            dir,
            store,
        }
    });
    assert_eq!(
        region.ids,
        wanted,
        "every test of a binary asks for the same {} layers",
        region.name()
    );
    region
}

/// The ids `layers` picks from the manifest at `path`.
fn wanted_ids(path: &Path, layers: Layers) -> BTreeSet<String> {
    match layers {
        Layers::Every => read(path).layer.into_iter().map(|l| l.id).collect(),
        Layers::Only(ids) => ids.iter().map(|id| id.to_string()).collect(),
    }
}

fn read(path: &Path) -> Manifest {
    Manifest::read(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Ingests `layers` of the manifest at `path` into `store` the way the demo does
/// ([`kartrummet::demo::load_missing`]), through a copy of the manifest that lists only them;
/// an id the manifest does not list fails the test. Also for a test that needs a store of its
/// own.
pub fn ingest_manifest(store: &Store, path: &Path, layers: Layers) {
    let wanted = wanted_ids(path, layers);
    let listed = wanted_ids(path, Layers::Every);
    let unknown: Vec<&String> = wanted.difference(&listed).collect();
    assert!(
        unknown.is_empty(),
        "{} lists no {unknown:?}",
        path.display()
    );
    let text = std::fs::read_to_string(path).expect("reading the manifest");
    let mut manifest: toml::Table = toml::from_str(&text).expect("a TOML manifest");
    let base = path.parent().expect("the manifest's folder");
    let entries = manifest
        .get_mut("layer")
        .and_then(toml::Value::as_array_mut)
        .expect("a [[layer]] list");
    entries.retain(|entry| {
        entry
            .get("id")
            .and_then(toml::Value::as_str)
            .is_some_and(|id| wanted.contains(id))
    });
    for entry in entries.iter_mut() {
        let file = entry
            .get("file")
            .and_then(toml::Value::as_str)
            .expect("a file");
        let absolute = base.join(file).to_string_lossy().into_owned();
        entry
            .as_table_mut()
            .expect("a table")
            .insert("file".into(), absolute.into());
    }
    let copy = tempfile::NamedTempFile::new().expect("a temporary manifest");
    std::fs::write(copy.path(), manifest.to_string()).expect("writing the manifest copy");
    kartrummet::demo::load_missing(store, copy.path(), &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
}
