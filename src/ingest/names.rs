//! Names the store can hold: field names that clash with its columns or with each other are
//! renamed, and source layers whose ids would coincide are told apart.
//!
//! A stored layer is a GeoPackage table with the columns `fid` and `geom` and column names
//! compared without regard to case, so a field `fid`, `geom`, or `NAME` beside `name` cannot be
//! stored as it is. Renames are deterministic (the same file gives the same names) and listed
//! in the ingest report.

use std::collections::HashSet;

use serde::Serialize;

use crate::layer;

/// Column names of the store's own (see `ogr::write`).
const RESERVED: [&str; 2] = ["fid", "geom"];

/// Prefix of a field renamed because the store uses its name.
const RESERVED_PREFIX: &str = "src_";

/// Shortest name length honoured, so that a suffix always fits.
const MIN_NAME_CHARS: usize = 12;

/// Longest source name repeated in a report; a file's field names may be megabytes long.
const REPORTED_NAME_CHARS: usize = 200;

/// One field stored under another name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRename {
    /// Name in the source (its first 200 characters and `…` when longer).
    pub from: String,
    /// Name in the store.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// Store-safe names for `names`, in order, with the renames made.
///
/// ```
/// use kartrummet::ingest::names::field_names;
/// let source = ["fid", "name", "NAME", "", "geom"].map(String::from);
/// let (stored, renames) = field_names(&source, 64);
/// assert_eq!(stored, ["src_fid", "name", "NAME_2", "field_4", "src_geom"]);
/// assert_eq!(renames.len(), 4);
/// ```
pub fn field_names(names: &[String], max_chars: usize) -> (Vec<String>, Vec<FieldRename>) {
    let max_chars = max_chars.max(MIN_NAME_CHARS);
    let mut taken: HashSet<String> = RESERVED.iter().map(|r| r.to_string()).collect();
    let mut stored = Vec::with_capacity(names.len());
    let mut renames = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let (mut base, mut reason) = if name.trim().is_empty() {
            (format!("field_{}", i + 1), Some("empty name".to_string()))
        } else if RESERVED.contains(&name.to_lowercase().as_str()) {
            (
                format!("{RESERVED_PREFIX}{name}"),
                Some(format!("{name:?} is a column of the store")),
            )
        } else {
            (name.clone(), None)
        };
        if base.chars().count() > max_chars {
            base = base.chars().take(max_chars).collect();
            reason.get_or_insert(format!("longer than {max_chars} characters"));
        }
        let to = unique(&base, max_chars, |candidate| {
            !taken.contains(&candidate.to_lowercase())
        });
        if to != base {
            reason.get_or_insert("same name as another field, ignoring case".to_string());
        }
        taken.insert(to.to_lowercase());
        if let Some(reason) = reason {
            renames.push(FieldRename {
                from: shortened(name),
                to: to.clone(),
                reason,
            });
        }
        stored.push(to);
    }
    (stored, renames)
}

fn shortened(name: &str) -> String {
    match name.char_indices().nth(REPORTED_NAME_CHARS) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_string(),
    }
}

/// `base`, or `base_2`, `base_3`, … (shortened to fit `max_chars`): the first that is `free`.
fn unique(base: &str, max_chars: usize, free: impl Fn(&str) -> bool) -> String {
    if free(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            let head: String = base
                .chars()
                .take(max_chars.saturating_sub(suffix.len()))
                .collect();
            head + &suffix
        })
        .find(|candidate| free(candidate))
        .expect("some suffix is free")
}

/// A layer id for each source layer: `base` for a single layer, else `base_NAME` folded. When
/// two fold to the same id (`Väg` and `vag`), the later one gets `_2`, `_3`, …; the second
/// value is then the source layer that kept the plain id.
pub fn layer_ids(base: &str, source_layers: &[String]) -> Vec<(String, Option<String>)> {
    if let [_] = source_layers {
        return vec![(base.to_string(), None)];
    }
    let mut first_with: Vec<(String, String)> = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    source_layers
        .iter()
        .map(|name| {
            let plain = layer::slug(&format!("{base}_{name}"));
            let id = unique(&plain, layer::MAX_ID_LEN, |c| !taken.contains(c));
            taken.insert(id.clone());
            let clash = if id == plain {
                first_with.push((plain, name.clone()));
                None
            } else {
                first_with
                    .iter()
                    .find(|(p, _)| *p == plain)
                    .map(|(_, n)| n.clone())
            };
            (id, clash)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_twins_and_repeats_get_numbers() {
        let (stored, renames) = field_names(&strings(&["name", "NAME", "Name", "NAME_2"]), 64);
        assert_eq!(stored, ["name", "NAME_2", "Name_3", "NAME_2_2"]);
        assert_eq!(renames.len(), 3);
        assert!(renames[0].reason.contains("ignoring case"));
    }

    #[test]
    fn reserved_and_long_names() {
        let long = "å".repeat(80);
        let (stored, renames) = field_names(&strings(&["FID", &long, &long]), 20);
        assert_eq!(stored[0], "src_FID");
        assert_eq!(stored[1], "å".repeat(20));
        assert_eq!(stored[2], format!("{}_2", "å".repeat(18)));
        assert!(renames[1].reason.contains("longer than 20"));
        assert_eq!(renames[1].from.chars().count(), 80);
        let (_, renames) = field_names(&strings(&[&"x".repeat(10_000)]), 64);
        assert_eq!(renames[0].from, format!("{}…", "x".repeat(200)));
        let (stored, renames) = field_names(&strings(&["a", "b"]), 64);
        assert_eq!(stored, ["a", "b"]);
        assert!(renames.is_empty());
    }

    #[test]
    fn colliding_layer_ids_are_numbered() {
        let ids = layer_ids("vagar", &strings(&["Väg", "vag", "VÄG", "bro"]));
        let got: Vec<(&str, Option<&str>)> = ids
            .iter()
            .map(|(id, clash)| (id.as_str(), clash.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("vagar_vag", None),
                ("vagar_vag_2", Some("Väg")),
                ("vagar_vag_3", Some("Väg")),
                ("vagar_bro", None)
            ]
        );
        assert_eq!(layer_ids("one", &strings(&["x"])), [("one".into(), None)]);
    }
}
