//! Saved map views: the "slides" of a meeting. A view is a title, a camera, the visible layers
//! with their opacity and style, the analysis parameters as an opaque JSON object, and
//! optionally the saved scenario it shows. Views are kept in order in one JSON file
//! (`views.json` in the data directory, a [`DocumentFile`]), rewritten atomically on every
//! change.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::documents::{Document, DocumentError, DocumentFile};

/// The file name of the views in the data directory.
pub const VIEWS_FILE: &str = "views.json";

/// Longest accepted title, in characters.
const MAX_TITLE_CHARS: usize = 200;

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
    /// Id of the saved scenario the view shows, if any; it must exist.
    #[serde(default)]
    pub scenario: Option<String>,
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
    /// Id of the saved scenario the view shows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl Document for View {
    const KIND: &'static str = "view";
    const LIST_KEY: &'static str = "views";

    fn id(&self) -> &str {
        &self.id
    }

    fn set_order(&mut self, order: usize) {
        self.order = order;
    }

    fn order(&self) -> usize {
        self.order
    }
}

/// The saved views of one data directory.
#[derive(Debug)]
pub struct Views {
    file: DocumentFile<View>,
}

impl Views {
    /// Opens the views file in `dir`; a missing file means no views yet.
    pub fn open(dir: &Path) -> Result<Self, DocumentError> {
        Ok(Self {
            file: DocumentFile::open(dir, VIEWS_FILE, usize::MAX)?,
        })
    }

    /// All views in order.
    pub fn list(&self) -> Vec<View> {
        self.file.list()
    }

    /// Every layer id the saved views refer to: their visible layers and any text in their
    /// analysis parameters (a result's id). Results named here are never evicted.
    pub fn layer_ids(&self) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        self.file.read(|views| {
            for view in views {
                ids.extend(view.layers.iter().map(|l| l.id.clone()));
                let mut texts = Vec::new();
                crate::store::results::json_strings(&view.analysis, &mut texts);
                ids.extend(texts.into_iter().map(str::to_string));
            }
        });
        ids
    }

    /// The first view that shows the saved scenario `scenario`, if any.
    pub fn naming_scenario(&self, scenario: &str) -> Option<View> {
        self.file.read(|views| {
            views
                .iter()
                .find(|v| v.scenario.as_deref() == Some(scenario))
                .cloned()
        })
    }

    /// One view.
    pub fn get(&self, id: &str) -> Result<View, DocumentError> {
        self.file.get(id)
    }

    /// Creates a view, at `input.order` or at the end, and saves the file. `scenario_exists`
    /// tells whether a saved scenario id exists (a view naming another is refused).
    pub fn create(
        &self,
        input: ViewInput,
        scenario_exists: impl Fn(&str) -> bool,
    ) -> Result<View, DocumentError> {
        let input = validate(input, scenario_exists)?;
        let now = Utc::now();
        self.file.create(input.order, |serial, _| {
            Ok(View {
                id: serial.to_string(),
                order: 0,
                title: input.title.trim().to_string(),
                camera: input.camera,
                layers: input.layers,
                analysis: input.analysis,
                scenario: input.scenario,
                created_at: now,
                updated_at: now,
            })
        })
    }

    /// Replaces a view's content (and moves it when `input.order` is given) and saves the
    /// file; `scenario_exists` as for [`Views::create`].
    pub fn replace(
        &self,
        id: &str,
        input: ViewInput,
        scenario_exists: impl Fn(&str) -> bool,
    ) -> Result<View, DocumentError> {
        let input = validate(input, scenario_exists)?;
        self.file.replace(id, input.order, |view, _| {
            view.title = input.title.trim().to_string();
            view.camera = input.camera;
            view.layers = input.layers;
            view.analysis = input.analysis;
            view.scenario = input.scenario;
            view.updated_at = Utc::now();
            Ok(())
        })
    }

    /// Deletes a view and saves the file.
    pub fn delete(&self, id: &str) -> Result<(), DocumentError> {
        self.file.delete(id, |_| Ok(()))
    }
}

/// Checks what a user sent; an absent or null `analysis` becomes `{}`.
fn validate(
    mut input: ViewInput,
    scenario_exists: impl Fn(&str) -> bool,
) -> Result<ViewInput, DocumentError> {
    let invalid = |m: &str| {
        Err(DocumentError::Invalid {
            kind: "view",
            reason: m.to_string(),
        })
    };
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
    if let Some(scenario) = input.scenario.as_deref().filter(|s| !scenario_exists(s)) {
        return Err(DocumentError::UnknownReference(format!(
            "the view names the scenario {scenario:?}, which is not saved"
        )));
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
        let a = views.create(input(" Dalarna "), |_| true).unwrap();
        let b = views.create(input("Falun"), |_| true).unwrap();
        assert_eq!(
            (a.id.as_str(), a.order, a.title.as_str()),
            ("1", 0, "Dalarna")
        );
        assert_eq!((b.id.as_str(), b.order), ("2", 1));
        assert_eq!(a.analysis, json!({}));
        assert_eq!(views.get("2").unwrap().layers[0].opacity, 0.8);

        let reopened = Views::open(dir.path()).unwrap();
        assert_eq!(reopened.list(), views.list());
    }

    #[test]
    fn reorder_replace_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let views = Views::open(dir.path()).unwrap();
        for title in ["A", "B", "C"] {
            views.create(input(title), |_| true).unwrap();
        }
        let mut first = input("C first");
        first.order = Some(0);
        let moved = views.replace("3", first, |_| true).unwrap();
        assert_eq!(moved.order, 0);
        assert_eq!(titles(&views), ["C first", "A", "B"]);

        // Without order a replaced view keeps its place.
        views.replace("1", input("A2"), |_| true).unwrap();
        assert_eq!(titles(&views), ["C first", "A2", "B"]);

        let mut inserted = input("Start");
        inserted.order = Some(0);
        views.create(inserted, |_| true).unwrap();
        assert_eq!(titles(&views), ["Start", "C first", "A2", "B"]);

        views.delete("1").unwrap();
        assert_eq!(titles(&views), ["Start", "C first", "B"]);
        let orders: Vec<_> = views.list().iter().map(|v| v.order).collect();
        assert_eq!(orders, [0, 1, 2]);
        // Ids are never reused.
        assert_eq!(views.create(input("D"), |_| true).unwrap().id, "5");
        assert!(matches!(
            views.delete("1"),
            Err(DocumentError::NotFound { .. })
        ));
        assert!(matches!(
            views.get("99"),
            Err(DocumentError::NotFound { .. })
        ));
        assert!(matches!(
            views.replace("99", input("x"), |_| true),
            Err(DocumentError::NotFound { .. })
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
            assert!(matches!(
                views.create(b, |_| true),
                Err(DocumentError::Invalid { .. })
            ));
        }
        assert!(views.list().is_empty());
        assert!(!dir.path().join(VIEWS_FILE).exists());
    }

    #[test]
    fn a_view_names_only_a_saved_scenario() {
        let dir = tempfile::tempdir().unwrap();
        let views = Views::open(dir.path()).unwrap();
        let mut showing = input("Nya bostäder");
        showing.scenario = Some("nya-bostader".into());
        let unknown = views.create(showing.clone(), |_| false);
        assert!(matches!(unknown, Err(DocumentError::UnknownReference(_))));
        let saved = views.create(showing, |s| s == "nya-bostader").unwrap();
        assert_eq!(saved.scenario.as_deref(), Some("nya-bostader"));
        assert_eq!(views.naming_scenario("nya-bostader").unwrap().id, saved.id);
        assert!(views.naming_scenario("other").is_none());
    }
}
