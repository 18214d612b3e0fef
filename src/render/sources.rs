//! Where a map's data comes from, in the words its layers' descriptions use: the web map's
//! `attribution()` (`web/js/main.js`), for the image's corner and the report's sources.

use crate::layer::LayerMeta;

/// The sources named in parentheses at the end of the layers' descriptions, e.g. "Kommungränser
/// 2024 (SCB, generaliserade)" gives "SCB"; each once, sorted.
///
/// ```
/// use kartrummet::layer::LayerMeta;
/// use kartrummet::render::sources::attribution;
/// let mut a = LayerMeta::new("a", vec![]);
/// a.description = "Tätortsavgränsningar (Lantmäteriet GSD 1:1 milj)".into();
/// let mut b = LayerMeta::new("b", vec![]);
/// b.description = "Kommungränser 2024 (SCB, generaliserade)".into();
/// assert_eq!(attribution([&a, &b, &a]), ["Lantmäteriet", "SCB"]);
/// ```
pub fn attribution<'a>(layers: impl IntoIterator<Item = &'a LayerMeta>) -> Vec<String> {
    let mut names: Vec<String> = layers
        .into_iter()
        .filter_map(|meta| {
            let text = meta.description.trim_end();
            let inner = text.strip_suffix(')')?;
            let inner = &inner[inner.rfind('(')? + 1..];
            let first = inner.split(',').next().unwrap_or_default();
            let name = first
                .split_whitespace()
                .take_while(|w| {
                    !(w.starts_with("GSD")
                        || w.starts_with("1:")
                        || w.starts_with(|c: char| c.is_ascii_digit()))
                })
                .collect::<Vec<_>>()
                .join(" ");
            (!name.is_empty()).then_some(name)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}
