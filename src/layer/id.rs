//! Layer identifiers: safe in URLs and file names.

/// Why a layer id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid layer id {0:?}: use 1 to 64 lower-case letters a-z, digits, '_' or '-', starting with a letter or digit"
)]
pub struct InvalidLayerId(pub String);

/// The longest layer id.
pub const MAX_ID_LEN: usize = 64;

/// Longest accepted layer title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest accepted layer description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// Why a title or description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {what} is {chars} characters long; at most {max} are accepted")]
pub struct TextTooLong {
    /// `title` or `description`.
    pub what: &'static str,
    /// Its length in characters.
    pub chars: usize,
    /// The bound.
    pub max: usize,
}

/// Checks that a layer's title and description (when given) are within
/// [`MAX_TITLE_CHARS`] and [`MAX_DESCRIPTION_CHARS`].
///
/// ```
/// use kartrummet::layer::validate_text;
/// assert!(validate_text(Some("Kommuner"), None).is_ok());
/// assert!(validate_text(Some(&"x".repeat(201)), None).is_err());
/// ```
pub fn validate_text(title: Option<&str>, description: Option<&str>) -> Result<(), TextTooLong> {
    for (what, text, max) in [
        ("title", title, MAX_TITLE_CHARS),
        ("description", description, MAX_DESCRIPTION_CHARS),
    ] {
        let chars = text.map_or(0, |t| t.chars().count());
        if chars > max {
            return Err(TextTooLong { what, chars, max });
        }
    }
    Ok(())
}

/// Checks that `id` is 1–64 characters of `a-z`, `0-9`, `_`, `-`, starting with a letter or
/// digit, so it can never name a path outside the store.
///
/// ```
/// use kartrummet::layer::validate_id;
/// assert!(validate_id("befolkning_250m").is_ok());
/// assert!(validate_id("../x").is_err());
/// ```
pub fn validate_id(id: &str) -> Result<(), InvalidLayerId> {
    let ok = (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(InvalidLayerId(id.to_string()))
    }
}

/// Turns a file or layer name into a valid id: lower case, Swedish letters folded
/// (å, ä → a, ö → o), anything else → `_`.
///
/// ```
/// use kartrummet::layer::slug;
/// assert_eq!(slug("Tätorter 2020.geojson"), "tatorter_2020_geojson");
/// ```
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'å' | 'ä' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            c if c.is_ascii_alphanumeric() || c == '-' => c,
            _ => '_',
        };
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c);
        }
    }
    let mut out: String = out.trim_end_matches('_').chars().take(MAX_ID_LEN).collect();
    if out.is_empty() || !out.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        out.insert_str(0, "layer");
        out.truncate(MAX_ID_LEN);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_path_characters() {
        for bad in ["../x", "a/b", "", "X", "_x", "a b", "a.b", &"a".repeat(65)] {
            assert!(validate_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_valid_ids() {
        for name in [
            "Ålön",
            "...",
            "mb_riks",
            "Kollektivtrafik (linjer)",
            &"ö".repeat(99),
        ] {
            let s = slug(name);
            assert!(validate_id(&s).is_ok(), "{name:?} -> {s:?}");
        }
        assert_eq!(slug("Ålön"), "alon");
    }
}
