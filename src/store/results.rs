//! Analysis results kept as derived layers: how many, which go first, and what they are called.
//!
//! Anyone may run an analysis and keep its result as a layer, so results are bounded
//! (`[limits.results]`): at most [`ResultLimits::max_layers`] result layers and
//! [`ResultLimits::max_mb`] MiB of their files. Past that, the least recently used result that no
//! saved view refers to is removed first (a read of the layer through tiles, features or the
//! catalog counts as use, see [`crate::layer::Layer::touch`]).
//!
//! A result's default id comes from the request *and the versions of the layers it names*
//! ([`derived_id`]): the same question over the same data gives the same id, any other
//! question or a new version of an input a different one. So a result never changes under a
//! view that holds its id, and re-sending an evicted result's request recreates it.

use serde::Deserialize;
use serde_json::Value;

use super::Catalog;
use crate::layer::LayerMeta;

/// The `source` of every analysis result layer starts with this.
pub const RESULT_SOURCE_PREFIX: &str = "analysis/";

/// Id prefixes of result layers that may be written without the token (service access and
/// scenarios `sa_`, rural classes `rural_`, scenario comparisons `cmp_`).
pub const ANONYMOUS_PREFIXES: [&str; 3] = ["sa_", "rural_", "cmp_"];

/// How many analysis results are kept (`[limits.results]`).
///
/// ```
/// let limits: kartrummet::store::results::ResultLimits = toml::from_str("max_layers = 5").unwrap();
/// assert_eq!((limits.max_layers, limits.max_mb), (5, 500));
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResultLimits {
    /// Most result layers kept at once (default 50).
    pub max_layers: usize,
    /// Most MiB of result layer files kept at once (default 500).
    pub max_mb: u64,
}

impl Default for ResultLimits {
    fn default() -> Self {
        Self {
            max_layers: 50,
            max_mb: 500,
        }
    }
}

impl ResultLimits {
    /// The byte bound.
    pub fn max_bytes(&self) -> u64 {
        self.max_mb.saturating_mul(1024 * 1024)
    }
}

/// Whether a layer is an evictable analysis result: written by an analysis under an id that
/// needs no token. Ingested layers and results stored with the token under other ids are not.
pub fn is_result(meta: &LayerMeta) -> bool {
    meta.source.starts_with(RESULT_SOURCE_PREFIX) && is_anonymous_id(&meta.id)
}

/// Whether `id` starts with one of the [`ANONYMOUS_PREFIXES`].
///
/// ```
/// use kartrummet::store::results::is_anonymous_id;
/// assert!(is_anonymous_id("sa_grocery") && is_anonymous_id("rural_x"));
/// assert!(!is_anonymous_id("kommungranser"));
/// ```
pub fn is_anonymous_id(id: &str) -> bool {
    after_anonymous_prefix(id).is_some()
}

/// The rest of `id` after its anonymous prefix, if it has one.
fn after_anonymous_prefix(id: &str) -> Option<&str> {
    ANONYMOUS_PREFIXES.iter().find_map(|p| id.strip_prefix(p))
}

/// The default id of a result: `prefix` and a hash of the request (as normalised JSON, keys
/// sorted) and of the id, version and ingest time of every catalog layer the request names
/// anywhere (network, demand, supply, areas, …).
///
/// ```
/// use kartrummet::store::{Catalog, results::derived_id};
/// let request = serde_json::json!({ "network": "roads", "bands": [5, 10] });
/// let id = derived_id("sa_", &request, &Catalog::default());
/// assert!(id.starts_with("sa_") && id.len() == 19);
/// assert_eq!(id, derived_id("sa_", &request, &Catalog::default()));
/// ```
pub fn derived_id(prefix: &str, request: &Value, catalog: &Catalog) -> String {
    let mut text = request.to_string();
    let mut named = Vec::new();
    json_strings(request, &mut named);
    named.sort_unstable();
    named.dedup();
    for id in named {
        if let Some(layer) = catalog.get(id) {
            let at = layer.meta.ingested_at;
            let nanos = at.timestamp_nanos_opt().unwrap_or(at.timestamp());
            text.push_str(&format!("|{id}@{}@{nanos}", layer.meta.version));
        }
    }
    format!("{prefix}{:016x}", fnv1a(text.as_bytes()))
}

/// The default id of an internal result whose public twin would be `id`: the same prefix and
/// another hash, so a public caller asking the same question never lands on it.
///
/// ```
/// use kartrummet::store::results::{internal_id, is_derived_form};
/// let id = internal_id("sa_0123456789abcdef");
/// assert!(is_derived_form(&id) && id != "sa_0123456789abcdef");
/// ```
pub fn internal_id(id: &str) -> String {
    let prefix = ANONYMOUS_PREFIXES
        .iter()
        .find(|p| id.starts_with(*p))
        .copied()
        .unwrap_or_default();
    format!(
        "{prefix}{:016x}",
        fnv1a(format!("internal|{id}").as_bytes())
    )
}

/// Whether `id` has the form of a derived id (an anonymous prefix and 16 hex digits). Such
/// ids are reserved for [`derived_id`]: were a request allowed to name one, it could store
/// another question's result where the same question's answer is looked for.
///
/// ```
/// use kartrummet::store::results::is_derived_form;
/// assert!(is_derived_form("sa_0123456789abcdef"));
/// assert!(!is_derived_form("sa_grocery"));
/// ```
pub fn is_derived_form(id: &str) -> bool {
    after_anonymous_prefix(id)
        .is_some_and(|rest| rest.len() == 16 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Collects every string in a JSON value (at any depth) into `out`.
pub fn json_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

/// 64-bit FNV-1a: stable across builds and Rust versions, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Layer, LayerMeta};
    use serde_json::json;

    fn catalog_with(id: &str, version: u64) -> Catalog {
        let mut meta = LayerMeta::new(id, vec![]);
        meta.version = version;
        let mut catalog = Catalog::default();
        catalog.layers.insert(
            id.to_string(),
            std::sync::Arc::new(Layer::new(meta, vec![])),
        );
        catalog
    }

    #[test]
    fn same_request_same_id_new_version_new_id() {
        let request = json!({ "demand": { "layer": "befolkning" }, "bands": [5, 10] });
        let v1 = catalog_with("befolkning", 1);
        let a = derived_id("sa_", &request, &v1);
        assert_eq!(a, derived_id("sa_", &request, &v1));
        assert_ne!(
            a,
            derived_id("sa_", &request, &catalog_with("befolkning", 2))
        );
        let other = json!({ "demand": { "layer": "befolkning" }, "bands": [5, 15] });
        assert_ne!(a, derived_id("sa_", &other, &v1));
        // Stable across builds: the hash is FNV-1a, not the std hasher.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn only_anonymous_analysis_layers_are_results() {
        let mut meta = LayerMeta::new("sa_x", vec![]);
        assert!(!is_result(&meta), "an ingested sa_ layer");
        meta.source = "analysis/service-access".into();
        assert!(is_result(&meta));
        meta.id = "grocery".into();
        assert!(!is_result(&meta), "stored with the token under its own id");
    }
}
