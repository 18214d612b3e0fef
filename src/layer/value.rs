//! Typed attribute values.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Serialize, Serializer};

/// The type of an attribute column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Whole numbers (64-bit).
    Integer,
    /// Floating-point numbers.
    Real,
    /// Text.
    String,
    /// Calendar dates.
    Date,
    /// Dates with time of day.
    DateTime,
    /// True or false.
    Boolean,
}

/// One attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real number.
    Real(f64),
    /// Text.
    Str(String),
    /// A date.
    Date(NaiveDate),
    /// A date and time with offset.
    DateTime(DateTime<FixedOffset>),
}

impl Value {
    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// Whether this value equals `text` as a user would type it in a query string: numbers
    /// compare numerically, booleans as `true`/`false`, dates in ISO form.
    pub fn matches_text(&self, text: &str) -> bool {
        match self {
            Value::Null => text.is_empty() || text == "null",
            Value::Bool(b) => text.parse::<bool>().is_ok_and(|t| t == *b),
            Value::Int(i) => text.parse::<i64>().is_ok_and(|t| t == *i),
            Value::Real(r) => text.parse::<f64>().is_ok_and(|t| t == *r),
            Value::Str(s) => s == text,
            Value::Date(d) => d.to_string() == text,
            Value::DateTime(d) => d.to_rfc3339() == text,
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Real(r) => serde_json::Number::from_f64(*r)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => s.clone().into(),
            Value::Date(d) => d.to_string().into(),
            Value::DateTime(d) => d.to_rfc3339().into(),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_text_matching() {
        assert!(Value::Int(2080).matches_text("2080"));
        assert!(!Value::Int(2080).matches_text("2081"));
        assert!(Value::Real(1.5).matches_text("1.5"));
        assert!(Value::Str("Falun".into()).matches_text("Falun"));
        assert!(Value::Bool(true).matches_text("true"));
        let d = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        assert!(Value::Date(d).matches_text("2024-01-31"));
    }

    #[test]
    fn json_forms() {
        assert_eq!(Value::Real(f64::NAN).to_json(), serde_json::Value::Null);
        assert_eq!(Value::Int(3).to_json(), serde_json::json!(3));
    }
}
