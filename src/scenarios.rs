//! Saved scenarios: a set of [`Changes`] under a name, with a description, so that a meeting
//! can name "Nya bostäder Marnäs" instead of sending the changes again. Kept in order in
//! `scenarios.json` in the data directory (a [`DocumentFile`], as the saved views). The id is
//! the slug of the name when the scenario is created ([`slug`]) and never changes; no two
//! scenarios share a name's slug or an id.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::analysis::engine::changes::Changes;
use crate::documents::{Document, DocumentError, DocumentFile};

/// The file name of the scenarios in the data directory.
pub const SCENARIOS_FILE: &str = "scenarios.json";

/// Longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest accepted description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// Most scenarios saved at once.
pub const MAX_SCENARIOS: usize = 200;

/// What a client sends to create or replace a scenario.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInput {
    /// Its name, e.g. "Nya bostäder Marnäs" (at most [`MAX_NAME_CHARS`] characters).
    pub name: String,
    /// What it is about (at most [`MAX_DESCRIPTION_CHARS`] characters).
    #[serde(default)]
    pub description: String,
    /// The changes (`Changes` of the analyses), checked before saving.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub changes: Changes,
}

/// A saved scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The slug of its first name, never changed.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is about.
    pub description: String,
    /// The changes.
    pub changes: Changes,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was last changed.
    pub updated: DateTime<Utc>,
}

impl Document for Scenario {
    const KIND: &'static str = "scenario";
    const LIST_KEY: &'static str = "scenarios";

    fn id(&self) -> &str {
        &self.id
    }
}

/// `name` as an id: lower case ASCII letters and digits, Swedish and other accented letters
/// folded (å, ä → a; ö → o; é → e), every other run of characters one `-`.
///
/// ```
/// assert_eq!(kartrummet::scenarios::slug("Nya bostäder Marnäs"), "nya-bostader-marnas");
/// assert_eq!(kartrummet::scenarios::slug("  Ny länk: RV 50! "), "ny-lank-rv-50");
/// ```
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' | 'æ' => 'a',
            'ö' | 'ø' | 'ò' | 'ó' | 'ô' | 'õ' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The saved scenarios of one data directory.
#[derive(Debug)]
pub struct Scenarios {
    file: DocumentFile<Scenario>,
}

impl Scenarios {
    /// Opens the scenarios file in `dir`; a missing file means no scenarios yet.
    pub fn open(dir: &Path) -> Result<Self, DocumentError> {
        Ok(Self {
            file: DocumentFile::open(dir, SCENARIOS_FILE, MAX_SCENARIOS)?,
        })
    }

    /// All scenarios in the order they were created.
    pub fn list(&self) -> Vec<Scenario> {
        self.file.list()
    }

    /// The scenario with this id, or whose name has this slug (so `"Nya bostäder"` and
    /// `"nya-bostader"` both find it).
    pub fn find(&self, id_or_name: &str) -> Result<Scenario, DocumentError> {
        let key = slug(id_or_name);
        self.file
            .read(|list| {
                let by_id = list.iter().find(|s| s.id == key);
                by_id
                    .or_else(|| list.iter().find(|s| slug(&s.name) == key))
                    .cloned()
            })
            .ok_or_else(|| DocumentError::NotFound {
                kind: Scenario::KIND,
                id: id_or_name.to_string(),
            })
    }

    /// Runs `f` with a test of whether a scenario id is saved, while no scenario can be
    /// deleted (a view naming one is saved in the same step).
    pub fn while_kept<R>(&self, f: impl FnOnce(&dyn Fn(&str) -> bool) -> R) -> R {
        self.file
            .read(|list| f(&|id: &str| list.iter().any(|s| s.id == id)))
    }

    /// Saves a new scenario under the slug of its name; a name whose slug another scenario
    /// has (as id or name) is a [`DocumentError::Conflict`].
    pub fn create(&self, input: ScenarioInput) -> Result<Scenario, DocumentError> {
        let input = validate(input)?;
        let now = Utc::now();
        self.file.create(None, |_, saved| {
            let id = slug(&input.name);
            unique(&id, saved)?;
            Ok(Scenario {
                id,
                name: input.name,
                description: input.description,
                changes: input.changes,
                created: now,
                updated: now,
            })
        })
    }

    /// Replaces a scenario's name, description and changes; its id stays.
    pub fn replace(&self, id: &str, input: ScenarioInput) -> Result<Scenario, DocumentError> {
        let input = validate(input)?;
        self.file.replace(id, None, |scenario, others| {
            unique(&slug(&input.name), others)?;
            scenario.name = input.name;
            scenario.description = input.description;
            scenario.changes = input.changes;
            scenario.updated = Utc::now();
            Ok(())
        })
    }

    /// Deletes a scenario unless `named_by` gives a view that names it (then a
    /// [`DocumentError::Conflict`] naming that view).
    pub fn delete(
        &self,
        id: &str,
        named_by: impl FnOnce(&str) -> Option<String>,
    ) -> Result<(), DocumentError> {
        self.file.delete(id, |scenario| match named_by(&scenario.id) {
            Some(view) => Err(DocumentError::Conflict(format!(
                "the saved view {view} shows the scenario {:?}; change or delete the view first",
                scenario.id
            ))),
            None => Ok(()),
        })
    }
}

/// Refuses `key` when a scenario in `saved` has it as id or as the slug of its name.
fn unique(key: &str, saved: &[Scenario]) -> Result<(), DocumentError> {
    match saved.iter().find(|s| s.id == key || slug(&s.name) == key) {
        Some(other) => Err(DocumentError::Conflict(format!(
            "a scenario named {:?} (id {:?}) exists already; choose another name",
            other.name, other.id
        ))),
        None => Ok(()),
    }
}

/// Checks the name, the description and the changes; trims the name.
fn validate(mut input: ScenarioInput) -> Result<ScenarioInput, DocumentError> {
    let invalid = |reason: String| {
        Err(DocumentError::Invalid {
            kind: Scenario::KIND,
            reason,
        })
    };
    input.name = input.name.trim().to_string();
    if input.name.chars().count() > MAX_NAME_CHARS {
        return invalid(format!(
            "the name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if slug(&input.name).is_empty() {
        return invalid("the name needs at least one letter or digit".into());
    }
    if input.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return invalid(format!(
            "the description is longer than {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    if let Err(e) = input.changes.validate() {
        return invalid(e.to_string());
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(name: &str) -> ScenarioInput {
        serde_json::from_value(json!({
            "name": name,
            "description": "290 hus och 320 lägenheter",
            "changes": { "remove": ["vardcentraler/3"] },
        }))
        .unwrap()
    }

    #[test]
    fn ids_are_slugs_that_stay() {
        let dir = tempfile::tempdir().unwrap();
        let scenarios = Scenarios::open(dir.path()).unwrap();
        let created = scenarios.create(input(" Nya bostäder Marnäs ")).unwrap();
        assert_eq!(created.id, "nya-bostader-marnas");
        assert_eq!(created.name, "Nya bostäder Marnäs");
        let same = scenarios.create(input("nya bostader marnas"));
        assert!(matches!(same, Err(DocumentError::Conflict(_))));

        let renamed = scenarios
            .replace(&created.id, input("Marnäs etapp 2"))
            .unwrap();
        assert_eq!(renamed.id, created.id);
        assert_eq!(renamed.created, created.created);
        assert_eq!(scenarios.find("Marnäs etapp 2").unwrap().id, created.id);
        assert_eq!(
            scenarios.find("nya-bostader-marnas").unwrap().id,
            created.id
        );
        assert!(matches!(
            scenarios.find("Okänd"),
            Err(DocumentError::NotFound { .. })
        ));
        // The old name's slug is still the id, so no other scenario may take it.
        let old = scenarios.create(input("Nya bostäder Marnäs"));
        assert!(matches!(old, Err(DocumentError::Conflict(_))));

        let reopened = Scenarios::open(dir.path()).unwrap();
        assert_eq!(reopened.list(), scenarios.list());
    }

    #[test]
    fn bounds_are_checked_before_saving() {
        let dir = tempfile::tempdir().unwrap();
        let scenarios = Scenarios::open(dir.path()).unwrap();
        let mut long_name = input(&"a".repeat(MAX_NAME_CHARS + 1));
        let mut long_text = input("Text");
        long_text.description = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        let mut many = input("Många");
        many.changes.remove = vec!["a/1".into(); 1_001];
        for bad in [input(" !? "), long_name.clone(), long_text, many] {
            assert!(matches!(
                scenarios.create(bad),
                Err(DocumentError::Invalid { .. })
            ));
        }
        long_name.name = "a".repeat(MAX_NAME_CHARS);
        scenarios.create(long_name).unwrap();
        assert!(!scenarios.list().is_empty());
        for i in 1..MAX_SCENARIOS {
            scenarios.create(input(&format!("S {i}"))).unwrap();
        }
        let over = scenarios.create(input("One too many"));
        assert!(matches!(over, Err(DocumentError::Conflict(_))));
    }

    #[test]
    fn a_scenario_a_view_shows_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let scenarios = Scenarios::open(dir.path()).unwrap();
        let s = scenarios.create(input("Ny länk")).unwrap();
        let named = scenarios.delete(&s.id, |_| Some("\"Bild 3\" (id 3)".into()));
        let Err(DocumentError::Conflict(message)) = named else {
            panic!("expected a conflict, got {named:?}");
        };
        assert!(message.contains("Bild 3"), "{message}");
        scenarios.delete(&s.id, |_| None).unwrap();
        assert!(scenarios.list().is_empty());
        assert!(scenarios.while_kept(|exists| !exists("ny-lank")));
    }
}
