//! An ordered list of JSON documents kept in one file of the data directory (`views.json`,
//! `scenarios.json`), rewritten atomically (temporary file, sync, rename) on every change.
//! Saved views and saved scenarios both keep their entries here; each says what an entry is
//! ([`Document`]) and checks its own content.
//!
//! The file is `{"next_id": N, "<list key>": [ … ]}`: `next_id` is a serial number that only
//! grows, so an id made from it is never reused.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Errors of a document file.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// No entry has this id.
    #[error("no saved {kind} {id:?}")]
    NotFound {
        /// What the entries are ("view", "scenario").
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The entry sent by the user is not acceptable.
    #[error("invalid {kind}: {reason}")]
    Invalid {
        /// What the entries are.
        kind: &'static str,
        /// Why.
        reason: String,
    },
    /// The entry names something that does not exist (e.g. a view naming an unknown
    /// scenario).
    #[error("{0}")]
    UnknownReference(String),
    /// The change clashes with what is saved: an id taken, too many entries, or an entry
    /// still named by another.
    #[error("{0}")]
    Conflict(String),
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
    /// The file exists but is not such a file.
    #[error("{path} is not a valid {kind} file: {reason}")]
    Corrupt {
        /// What the entries are.
        kind: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
}

/// One entry of a [`DocumentFile`].
pub trait Document: Clone + Serialize + DeserializeOwned {
    /// What the entries are, for messages ("view").
    const KIND: &'static str;
    /// The key of the list in the file ("views").
    const LIST_KEY: &'static str;

    /// Its id, unique in the file.
    fn id(&self) -> &str;

    /// Told its position (0 = first) after every change; entries that keep an order field
    /// set it here.
    fn set_order(&mut self, _order: usize) {}

    /// Its order as stored, to sort the entries when the file is read.
    fn order(&self) -> usize {
        0
    }
}

#[derive(Debug)]
struct Entries<T> {
    next_id: u64,
    list: Vec<T>,
}

/// An ordered list of documents in one file, written atomically on every change.
#[derive(Debug)]
pub struct DocumentFile<T> {
    path: PathBuf,
    max_entries: usize,
    state: Mutex<Entries<T>>,
}

impl<T: Document> DocumentFile<T> {
    /// Opens `file_name` in `dir`; a missing file means no entries yet. At most `max_entries`
    /// entries may be created.
    pub fn open(dir: &Path, file_name: &str, max_entries: usize) -> Result<Self, DocumentError> {
        let path = dir.join(file_name);
        let entries = match fs::read(&path) {
            Ok(bytes) => read_entries(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Entries {
                next_id: 0,
                list: Vec::new(),
            },
            Err(source) => {
                return Err(DocumentError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        Ok(Self {
            path,
            max_entries,
            state: Mutex::new(entries),
        })
    }

    /// All entries in order.
    pub fn list(&self) -> Vec<T> {
        self.lock().list.clone()
    }

    /// Runs `f` over the entries while no change can happen to them (to check a reference
    /// against them and write elsewhere in one step).
    pub fn read<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        f(&self.lock().list)
    }

    /// One entry.
    pub fn get(&self, id: &str) -> Result<T, DocumentError> {
        let state = self.lock();
        let at = position(&state.list, id)?;
        Ok(state.list[at].clone())
    }

    /// Creates an entry made by `make` from the next serial number and the entries saved, at
    /// `at` or at the end, and saves the file. An id already taken is a
    /// [`DocumentError::Conflict`], and so is one entry over the maximum.
    pub fn create(
        &self,
        at: Option<usize>,
        make: impl FnOnce(u64, &[T]) -> Result<T, DocumentError>,
    ) -> Result<T, DocumentError> {
        let mut state = self.lock();
        if state.list.len() >= self.max_entries {
            return Err(DocumentError::Conflict(format!(
                "at most {} {}s may be saved; delete one first",
                self.max_entries,
                T::KIND
            )));
        }
        let entry = make(state.next_id + 1, &state.list)?;
        if position(&state.list, entry.id()).is_ok() {
            return Err(DocumentError::Conflict(format!(
                "a {} with the id {:?} exists already",
                T::KIND,
                entry.id()
            )));
        }
        state.next_id += 1;
        let at = at.unwrap_or(usize::MAX).min(state.list.len());
        state.list.insert(at, entry);
        self.commit(state, at)
    }

    /// Changes an entry with `change`, which also sees the other entries (and moves it to
    /// `at` when given), and saves the file. The id must stay the same; an error of `change`
    /// leaves everything as it was.
    pub fn replace(
        &self,
        id: &str,
        at: Option<usize>,
        change: impl FnOnce(&mut T, &[T]) -> Result<(), DocumentError>,
    ) -> Result<T, DocumentError> {
        let mut state = self.lock();
        let from = position(&state.list, id)?;
        let mut entry = state.list[from].clone();
        let others: Vec<T> = (state.list.iter().enumerate())
            .filter(|(i, _)| *i != from)
            .map(|(_, e)| e.clone())
            .collect();
        change(&mut entry, &others)?;
        state.list.remove(from);
        debug_assert_eq!(entry.id(), id, "a replaced entry keeps its id");
        let at = at.unwrap_or(from).min(state.list.len());
        state.list.insert(at, entry);
        self.commit(state, at)
    }

    /// Deletes an entry, unless `check` refuses it, and saves the file.
    pub fn delete(
        &self,
        id: &str,
        check: impl FnOnce(&T) -> Result<(), DocumentError>,
    ) -> Result<(), DocumentError> {
        let mut state = self.lock();
        let at = position(&state.list, id)?;
        check(&state.list[at])?;
        state.list.remove(at);
        renumber(&mut state.list);
        self.save(&state)
    }

    /// Renumbers, saves, and gives the entry at `at`. A failed save leaves memory ahead of
    /// the file until the next successful one; the caller is told.
    fn commit(&self, mut state: MutexGuard<'_, Entries<T>>, at: usize) -> Result<T, DocumentError> {
        renumber(&mut state.list);
        self.save(&state)?;
        Ok(state.list[at].clone())
    }

    fn lock(&self) -> MutexGuard<'_, Entries<T>> {
        // A panic while holding the lock leaves consistent data: every change is complete
        // before it is saved.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes the file atomically: a temporary file in the same folder, then a rename.
    fn save(&self, state: &Entries<T>) -> Result<(), DocumentError> {
        let io = |action| {
            let path = self.path.clone();
            move |source| DocumentError::Io {
                action,
                path,
                source,
            }
        };
        let mut file = Map::new();
        file.insert("next_id".into(), state.next_id.into());
        let list = serde_json::to_value(&state.list).expect("documents serialise to JSON");
        file.insert(T::LIST_KEY.into(), list);
        let bytes = serde_json::to_vec_pretty(&file).expect("documents serialise to JSON");
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(io("create a temporary file for"))?;
        tmp.write_all(&bytes).map_err(io("write"))?;
        tmp.as_file().sync_all().map_err(io("sync"))?;
        tmp.persist(&self.path)
            .map_err(|e| io("replace")(e.error))?;
        Ok(())
    }
}

fn read_entries<T: Document>(path: &Path, bytes: &[u8]) -> Result<Entries<T>, DocumentError> {
    let corrupt = |reason: String| DocumentError::Corrupt {
        kind: T::KIND,
        path: path.to_path_buf(),
        reason,
    };
    let mut file: Map<String, Value> =
        serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let next_id = file
        .get("next_id")
        .map(|n| {
            n.as_u64()
                .ok_or_else(|| corrupt("next_id is not a count".into()))
        })
        .transpose()?
        .unwrap_or(0);
    let list = file.remove(T::LIST_KEY).unwrap_or(Value::Array(Vec::new()));
    let mut list: Vec<T> = serde_json::from_value(list).map_err(|e| corrupt(e.to_string()))?;
    list.sort_by_key(T::order);
    renumber(&mut list);
    Ok(Entries { next_id, list })
}

fn position<T: Document>(list: &[T], id: &str) -> Result<usize, DocumentError> {
    list.iter()
        .position(|e| e.id() == id)
        .ok_or_else(|| DocumentError::NotFound {
            kind: T::KIND,
            id: id.to_string(),
        })
}

fn renumber<T: Document>(list: &mut [T]) {
    for (i, entry) in list.iter_mut().enumerate() {
        entry.set_order(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Note {
        id: String,
        order: usize,
    }

    impl Document for Note {
        const KIND: &'static str = "note";
        const LIST_KEY: &'static str = "notes";
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

    fn note(n: u64) -> Note {
        Note {
            id: n.to_string(),
            order: 0,
        }
    }

    #[test]
    fn entries_are_ordered_bounded_and_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let notes = DocumentFile::<Note>::open(dir.path(), "notes.json", 3).unwrap();
        notes.create(None, |n, _| Ok(note(n))).unwrap();
        notes.create(Some(0), |n, _| Ok(note(n))).unwrap();
        let ids = |f: &DocumentFile<Note>| f.list().into_iter().map(|n| n.id).collect::<Vec<_>>();
        assert_eq!(ids(&notes), ["2", "1"]);
        let clash = notes.create(None, |_, _| Ok(note(1)));
        assert!(matches!(clash, Err(DocumentError::Conflict(_))));
        notes.create(None, |n, _| Ok(note(n))).unwrap();
        let full = notes.create(None, |n, _| Ok(note(n)));
        assert!(matches!(full, Err(DocumentError::Conflict(_))));
        notes
            .replace("3", Some(0), |_, others| {
                assert_eq!(others.len(), 2);
                Ok(())
            })
            .unwrap();
        assert_eq!(ids(&notes), ["3", "2", "1"]);

        let refused = notes.delete("2", |_| Err(DocumentError::Conflict("kept".into())));
        assert!(matches!(refused, Err(DocumentError::Conflict(_))));
        notes.delete("2", |_| Ok(())).unwrap();
        assert!(matches!(
            notes.get("2"),
            Err(DocumentError::NotFound { .. })
        ));

        let reopened = DocumentFile::<Note>::open(dir.path(), "notes.json", 3).unwrap();
        assert_eq!(reopened.list(), notes.list());
        assert_eq!(reopened.list()[1].order, 1);
        // Serial numbers are never reused, also after a restart.
        reopened.delete("1", |_| Ok(())).unwrap();
        assert_eq!(reopened.create(None, |n, _| Ok(note(n))).unwrap().id, "4");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("notes.json")]);
    }

    #[test]
    fn corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.json"), "not json").unwrap();
        assert!(matches!(
            DocumentFile::<Note>::open(dir.path(), "notes.json", 3),
            Err(DocumentError::Corrupt { .. })
        ));
    }
}
