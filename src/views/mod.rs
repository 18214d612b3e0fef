//! Saved map views: the "slides" of a meeting. A view is a title, a camera, the visible layers
//! with their opacity and style, and the analysis parameters as an opaque JSON object. Views are
//! kept in order in one JSON file (`views.json` in the data directory), rewritten atomically
//! (temporary file and rename) on every change.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file name of the views in the data directory.
pub const VIEWS_FILE: &str = "views.json";

/// Longest accepted title, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// Errors of the saved views.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// No view has this id.
    #[error("no saved view {0:?}")]
    NotFound(String),
    /// The view sent by the user is not acceptable.
    #[error("invalid view: {0}")]
    Invalid(String),
    /// Reading or writing the file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file exists but is not a views file.
    #[error("{path} is not a valid views file: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Where the map looks: WGS84 centre, zoom, bearing and pitch as in MapLibre.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// Longitude and latitude of the centre.
    pub center: [f64; 2],
    /// Zoom level (0–24).
    pub zoom: f64,
    /// Rotation in degrees clockwise from north.
    #[serde(default)]
    pub bearing: f64,
    /// Tilt in degrees (0–85).
    #[serde(default)]
    pub pitch: f64,
}

/// One visible layer of a view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewLayer {
    /// Layer id in the catalog.
    pub id: String,
    /// Opacity 0–1.
    #[serde(default = "full_opacity")]
    pub opacity: f64,
    /// The layer's style as the web app describes it (opaque to the server).
    #[serde(default)]
    pub style: Value,
}

fn full_opacity() -> f64 {
    1.0
}

/// What a client sends to create or replace a view.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    /// Title shown on the slide.
    pub title: String,
    /// The camera.
    pub camera: Camera,
    /// Visible layers, bottom to top.
    #[serde(default)]
    pub layers: Vec<ViewLayer>,
    /// Analysis parameters (a JSON object, opaque to the server).
    #[serde(default)]
    pub analysis: Value,
    /// Position in the list (0 = first); absent appends on create and keeps the place on replace.
    #[serde(default)]
    pub order: Option<usize>,
}

/// A saved view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Server-assigned id, never reused.
    pub id: String,
    /// Position in the list, 0 = first.
    pub order: usize,
    /// Title shown on the slide.
    pub title: String,
    /// The camera.
    pub camera: Camera,
    /// Visible layers, bottom to top.
    pub layers: Vec<ViewLayer>,
    /// Analysis parameters (a JSON object).
    pub analysis: Value,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ViewsFile {
    next_id: u64,
    views: Vec<View>,
}

/// The saved views of one data directory.
#[derive(Debug)]
pub struct Views {
    path: PathBuf,
    state: Mutex<ViewsFile>,
}

impl Views {
    /// Opens the views file in `dir`; a missing file means no views yet.
    pub fn open(dir: &Path) -> Result<Self, ViewError> {
        let path = dir.join(VIEWS_FILE);
        let state = match fs::read(&path) {
            Ok(bytes) => {
                let mut file: ViewsFile =
                    serde_json::from_slice(&bytes).map_err(|source| ViewError::Corrupt {
                        path: path.clone(),
                        source,
                    })?;
                file.views.sort_by_key(|v| v.order);
                renumber(&mut file.views);
                file
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ViewsFile::default(),
            Err(source) => {
                return Err(ViewError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        Ok(Self {
            path,
            state: Mutex::new(state),
        })
    }

    /// All views in order.
    pub fn list(&self) -> Vec<View> {
        self.lock().views.clone()
    }

    /// Every layer id the saved views refer to: their visible layers and any text in their
    /// analysis parameters (a result's id). Results named here are never evicted.
    pub fn layer_ids(&self) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for view in &self.lock().views {
            ids.extend(view.layers.iter().map(|l| l.id.clone()));
            let mut texts = Vec::new();
            crate::store::results::json_strings(&view.analysis, &mut texts);
            ids.extend(texts.into_iter().map(str::to_string));
        }
        ids
    }

    /// One view.
    pub fn get(&self, id: &str) -> Result<View, ViewError> {
        let state = self.lock();
        let view = state.views.iter().find(|v| v.id == id);
        view.cloned()
            .ok_or_else(|| ViewError::NotFound(id.to_string()))
    }

    /// Creates a view, at `input.order` or at the end, and saves the file.
    pub fn create(&self, input: ViewInput) -> Result<View, ViewError> {
        let input = validate(input)?;
        let mut state = self.lock();
        let now = Utc::now();
        state.next_id += 1;
        let view = View {
            id: state.next_id.to_string(),
            order: 0,
            title: input.title.trim().to_string(),
            camera: input.camera,
            layers: input.layers,
            analysis: input.analysis,
            created_at: now,
            updated_at: now,
        };
        let at = input.order.unwrap_or(usize::MAX).min(state.views.len());
        state.views.insert(at, view);
        renumber(&mut state.views);
        let created = state.views[at].clone();
        self.save(&state)?;
        Ok(created)
    }

    /// Replaces a view's content (and moves it when `input.order` is given) and saves the file.
    pub fn replace(&self, id: &str, input: ViewInput) -> Result<View, ViewError> {
        let input = validate(input)?;
        let mut state = self.lock();
        let from = position(&state.views, id)?;
        let mut view = state.views.remove(from);
        view.title = input.title.trim().to_string();
        view.camera = input.camera;
        view.layers = input.layers;
        view.analysis = input.analysis;
        view.updated_at = Utc::now();
        let at = input.order.unwrap_or(from).min(state.views.len());
        state.views.insert(at, view);
        renumber(&mut state.views);
        let replaced = state.views[at].clone();
        self.save(&state)?;
        Ok(replaced)
    }

    /// Deletes a view and saves the file.
    pub fn delete(&self, id: &str) -> Result<(), ViewError> {
        let mut state = self.lock();
        let at = position(&state.views, id)?;
        state.views.remove(at);
        renumber(&mut state.views);
        self.save(&state)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ViewsFile> {
        // A panic while holding the lock leaves consistent data: every change is complete
        // before it is saved.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes the file atomically: a temporary file in the same folder, then a rename.
    fn save(&self, state: &ViewsFile) -> Result<(), ViewError> {
        let io = |action| {
            let path = self.path.clone();
            move |source| ViewError::Io {
                action,
                path,
                source,
            }
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(io("create a temporary file for"))?;
        let bytes = serde_json::to_vec_pretty(state).expect("views serialise to JSON");
        tmp.write_all(&bytes).map_err(io("write"))?;
        tmp.as_file().sync_all().map_err(io("sync"))?;
        tmp.persist(&self.path)
            .map_err(|e| io("replace")(e.error))?;
        Ok(())
    }
}

fn position(views: &[View], id: &str) -> Result<usize, ViewError> {
    views
        .iter()
        .position(|v| v.id == id)
        .ok_or_else(|| ViewError::NotFound(id.to_string()))
}

fn renumber(views: &mut [View]) {
    for (i, view) in views.iter_mut().enumerate() {
        view.order = i;
    }
}

/// Checks what a user sent; an absent or null `analysis` becomes `{}`.
fn validate(mut input: ViewInput) -> Result<ViewInput, ViewError> {
    let invalid = |m: &str| Err(ViewError::Invalid(m.to_string()));
    let title = input.title.trim();
    if title.is_empty() {
        return invalid("the title is empty");
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return invalid("the title is longer than 200 characters");
    }
    let c = &input.camera;
    let [lon, lat] = c.center;
    if ![lon, lat, c.zoom, c.bearing, c.pitch]
        .iter()
        .all(|v| v.is_finite())
    {
        return invalid("the camera has a number that is not finite");
    }
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return invalid("camera.center must be [longitude, latitude] in degrees");
    }
    if !(0.0..=24.0).contains(&c.zoom) {
        return invalid("camera.zoom must be between 0 and 24");
    }
    if !(0.0..=85.0).contains(&c.pitch) {
        return invalid("camera.pitch must be between 0 and 85");
    }
    for layer in &input.layers {
        if layer.id.trim().is_empty() {
            return invalid("a layer has an empty id");
        }
        if !(0.0..=1.0).contains(&layer.opacity) {
            return invalid("layer opacity must be between 0 and 1");
        }
    }
    match input.analysis {
        Value::Null => input.analysis = Value::Object(Default::default()),
        Value::Object(_) => {}
        _ => return invalid("analysis must be a JSON object"),
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(title: &str) -> ViewInput {
        serde_json::from_value(json!({
            "title": title,
            "camera": { "center": [15.0, 60.7], "zoom": 7.5 },
            "layers": [{ "id": "kommungranser", "opacity": 0.8, "style": { "kind": "fill" } }],
        }))
        .unwrap()
    }

    fn titles(views: &Views) -> Vec<String> {
        views.list().into_iter().map(|v| v.title).collect()
    }

    #[test]
    fn create_get_list_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let views = Views::open(dir.path()).unwrap();
        assert!(views.list().is_empty());
        let a = views.create(input(" Dalarna ")).unwrap();
        let b = views.create(input("Falun")).unwrap();
        assert_eq!(
            (a.id.as_str(), a.order, a.title.as_str()),
            ("1", 0, "Dalarna")
        );
        assert_eq!((b.id.as_str(), b.order), ("2", 1));
        assert_eq!(a.analysis, json!({}));
        assert_eq!(views.get("2").unwrap().layers[0].opacity, 0.8);

        let reopened = Views::open(dir.path()).unwrap();
        assert_eq!(reopened.list(), views.list());
        // No temporary files are left beside the views file.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(VIEWS_FILE)]);
    }

    #[test]
    fn reorder_replace_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let views = Views::open(dir.path()).unwrap();
        for title in ["A", "B", "C"] {
            views.create(input(title)).unwrap();
        }
        let mut first = input("C first");
        first.order = Some(0);
        let moved = views.replace("3", first).unwrap();
        assert_eq!(moved.order, 0);
        assert_eq!(titles(&views), ["C first", "A", "B"]);

        // Without order a replaced view keeps its place.
        views.replace("1", input("A2")).unwrap();
        assert_eq!(titles(&views), ["C first", "A2", "B"]);

        let mut inserted = input("Start");
        inserted.order = Some(0);
        views.create(inserted).unwrap();
        assert_eq!(titles(&views), ["Start", "C first", "A2", "B"]);

        views.delete("1").unwrap();
        assert_eq!(titles(&views), ["Start", "C first", "B"]);
        let orders: Vec<_> = views.list().iter().map(|v| v.order).collect();
        assert_eq!(orders, [0, 1, 2]);
        // Ids are never reused.
        assert_eq!(views.create(input("D")).unwrap().id, "5");
        assert!(matches!(views.delete("1"), Err(ViewError::NotFound(_))));
        assert!(matches!(views.get("99"), Err(ViewError::NotFound(_))));
        assert!(matches!(
            views.replace("99", input("x")),
            Err(ViewError::NotFound(_))
        ));
    }

    #[test]
    fn invalid_views_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let views = Views::open(dir.path()).unwrap();
        let mut bad = vec![input("  ")];
        let mut far = input("x");
        far.camera.center = [200.0, 0.0];
        bad.push(far);
        let mut deep = input("x");
        deep.camera.zoom = 30.0;
        bad.push(deep);
        let mut nan = input("x");
        nan.camera.bearing = f64::NAN;
        bad.push(nan);
        let mut opaque = input("x");
        opaque.layers[0].opacity = 1.5;
        bad.push(opaque);
        let mut list = input("x");
        list.analysis = json!([1, 2]);
        bad.push(list);
        for b in bad {
            assert!(matches!(views.create(b), Err(ViewError::Invalid(_))));
        }
        assert!(views.list().is_empty());
        assert!(!dir.path().join(VIEWS_FILE).exists());
    }

    #[test]
    fn corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(VIEWS_FILE), "not json").unwrap();
        assert!(matches!(
            Views::open(dir.path()),
            Err(ViewError::Corrupt { .. })
        ));
    }
}
