//! Per-layer access: which layers are internal, and who may see them.
//!
//! Knows nothing of HTTP. An internal layer does not exist for a caller without a read or the
//! write token: [`Access::visible`] gives the catalog such a caller sees.
//!
//! ```toml
//! [access]
//! internal = ["vardcentraler", "plan_*"]   # layer ids or `*` patterns
//! read_tokens = ["a-long-secret"]          # also env KARTRUM_READ_TOKENS, comma-separated
//! ```

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::layer::LayerMeta;
use crate::store::Catalog;

/// Ends the `source` of an analysis result computed by a caller who could see internal layers:
/// such a result is itself internal.
pub const INTERNAL_MARK: &str = " (internal)";

/// Errors in the `[access]` section.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A pattern is empty or holds characters no layer id has.
    #[error(
        "[access] internal: {0:?} is not a layer id pattern (lower-case letters, digits, `_`, `-` and the wildcard `*`)"
    )]
    Pattern(String),
    /// A read token is empty or equals the write token.
    #[error("[access] read_tokens: {0}")]
    Token(&'static str),
}

/// The `[access]` section as written in the configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessFile {
    /// Ids or `*` patterns of internal layers.
    pub internal: Vec<String>,
    /// Tokens that may read internal layers but not write.
    pub read_tokens: Vec<String>,
}

/// Who a caller is, by the token it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No token, or one that is not valid: sees public layers only.
    Public,
    /// A read token: sees every layer, may not write.
    Reader,
    /// The write token: sees every layer and may write.
    Writer,
}

impl Role {
    /// Whether this caller sees internal layers.
    pub fn sees_internal(self) -> bool {
        self != Role::Public
    }
}

/// The validated access rules.
#[derive(Debug, Clone, Default)]
pub struct Access {
    internal: Vec<String>,
    read_tokens: Vec<String>,
}

impl Access {
    /// Validates the file's section; `env_tokens` (from `KARTRUM_READ_TOKENS`, comma-separated)
    /// are added to its read tokens.
    ///
    /// ```
    /// use kartrummet::access::{Access, AccessFile};
    /// let file = AccessFile { internal: vec!["plan_*".into()], read_tokens: vec![] };
    /// let access = Access::new(file.clone(), Some("r1, r2"), Some("w")).unwrap();
    /// assert!(access.is_internal_id("plan_detalj") && !access.is_internal_id("vagar"));
    /// let bad = AccessFile { internal: vec!["Plan?".into()], ..file };
    /// assert!(Access::new(bad, None, None).is_err());
    /// ```
    pub fn new(
        file: AccessFile,
        env_tokens: Option<&str>,
        write_token: Option<&str>,
    ) -> Result<Self, AccessError> {
        for pattern in &file.internal {
            let valid = !pattern.is_empty()
                && pattern
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*".contains(&b));
            if !valid {
                return Err(AccessError::Pattern(pattern.clone()));
            }
        }
        let mut read_tokens = file.read_tokens;
        read_tokens.extend(
            env_tokens
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from),
        );
        if read_tokens.iter().any(|t| t.trim().is_empty()) {
            return Err(AccessError::Token("a token is empty"));
        }
        if read_tokens.iter().any(|t| Some(t.as_str()) == write_token) {
            return Err(AccessError::Token("a read token equals the write token"));
        }
        Ok(Self {
            internal: file.internal,
            read_tokens,
        })
    }

    /// The role of a caller that sent `given` (the bearer token, if any).
    pub fn role(&self, given: Option<&str>, write_token: Option<&str>) -> Role {
        let Some(given) = given.map(str::trim) else {
            return Role::Public;
        };
        if write_token.is_some_and(|w| constant_time_eq(given.as_bytes(), w.as_bytes())) {
            return Role::Writer;
        }
        // Every token is compared, so the time taken does not tell which one matched.
        let reader = self.read_tokens.iter().fold(false, |hit, t| {
            constant_time_eq(given.as_bytes(), t.as_bytes()) | hit
        });
        if reader { Role::Reader } else { Role::Public }
    }

    /// Whether a layer id matches one of the internal patterns.
    pub fn is_internal_id(&self, id: &str) -> bool {
        self.internal.iter().any(|p| wildcard_match(p, id))
    }

    /// Whether a layer is internal: by its id, or as a result marked internal.
    pub fn is_internal(&self, meta: &LayerMeta) -> bool {
        self.is_internal_id(&meta.id) || meta.source.ends_with(INTERNAL_MARK)
    }

    /// Whether any layer of `catalog` is internal.
    pub fn any_internal(&self, catalog: &Catalog) -> bool {
        catalog.layers().any(|l| self.is_internal(&l.meta))
    }

    /// The catalog `role` sees: all of it, or without its internal layers.
    pub fn visible(&self, catalog: Arc<Catalog>, role: Role) -> Arc<Catalog> {
        if role.sees_internal() || !self.any_internal(&catalog) {
            return catalog;
        }
        Arc::new(catalog.retain(|meta| !self.is_internal(meta)))
    }
}

/// Takes every string that `hidden` says names a hidden layer out of `value` (at any depth):
/// from arrays it is removed, elsewhere it becomes `null`. For the opaque JSON a client saved
/// (a view's analysis parameters).
///
/// ```
/// let mut v = serde_json::json!({ "supply": "plan_x", "layers": ["a", "plan_x"] });
/// kartrummet::access::redact(&mut v, &|s| s.starts_with("plan_"));
/// assert_eq!(v, serde_json::json!({ "supply": null, "layers": ["a"] }));
/// ```
pub fn redact(value: &mut Value, hidden: &dyn Fn(&str) -> bool) {
    match value {
        Value::String(s) if hidden(s) => *value = Value::Null,
        Value::Array(items) => {
            items.retain(|v| !v.as_str().is_some_and(hidden));
            items.iter_mut().for_each(|v| redact(v, hidden));
        }
        Value::Object(map) => map.values_mut().for_each(|v| redact(v, hidden)),
        _ => {}
    }
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("plan_*", "plan_"));
        assert!(wildcard_match("plan_*", "plan_x"));
        assert!(!wildcard_match("plan_*", "xplan_x"));
        assert!(wildcard_match("*_int", "a_int"));
        assert!(!wildcard_match("*_int", "a_int2"));
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxc"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exact2"));
        assert!(!wildcard_match("ab*ba", "aba"));
    }

    #[test]
    fn roles() {
        let file = AccessFile {
            internal: vec![],
            read_tokens: vec!["reader".into()],
        };
        let access = Access::new(file, Some("other"), Some("writer")).unwrap();
        assert_eq!(access.role(None, Some("writer")), Role::Public);
        assert_eq!(access.role(Some("nope"), Some("writer")), Role::Public);
        assert_eq!(access.role(Some("reader"), Some("writer")), Role::Reader);
        assert_eq!(access.role(Some("other"), Some("writer")), Role::Reader);
        assert_eq!(access.role(Some("writer"), Some("writer")), Role::Writer);
        assert_eq!(access.role(Some("writer"), None), Role::Public);
    }

    #[test]
    fn read_token_must_differ_from_write_token() {
        let file = AccessFile {
            internal: vec![],
            read_tokens: vec!["same".into()],
        };
        assert!(Access::new(file, None, Some("same")).is_err());
    }
}
