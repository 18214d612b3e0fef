//! Sane ranges of user settings, checked one way everywhere: each setting's range is a
//! [`Range`] constant beside the setting (in the library, so the HTTP API and the CLI refuse
//! the same values), and an out-of-range value gives an [`OutOfRange`] that names the range.
//!
//! ```
//! use kartrummet::range::Range;
//! const SPEED: Range = Range::new("default_speed_kmh", 1.0, 300.0, "km/h");
//! assert_eq!(SPEED.check(50.0).unwrap(), 50.0);
//! let error = SPEED.check(1e9).unwrap_err();
//! assert_eq!(error.to_string(), "default_speed_kmh must be between 1 and 300 km/h, not 1000000000");
//! assert!(SPEED.check(f64::NAN).is_err());
//! ```

/// A value outside its setting's range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{name} must be between {min} and {max}{unit}, not {value}")]
pub struct OutOfRange {
    /// The setting.
    pub name: String,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Unit with a leading space (` m`, ` km/h`), or empty.
    pub unit: String,
    /// The value given (a count for lists).
    pub value: f64,
}

/// The closed range `min..=max` of one numeric setting, with its name and unit for messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Name of the setting as the user writes it.
    pub name: &'static str,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Unit, e.g. `"m"`, `"km/h"`, `"minutes"`, or `""`.
    pub unit: &'static str,
}

impl Range {
    /// The range `min..=max` of the setting `name`, measured in `unit`.
    pub const fn new(name: &'static str, min: f64, max: f64, unit: &'static str) -> Self {
        Self {
            name,
            min,
            max,
            unit,
        }
    }

    /// `value` when it is a number within the range; NaN and infinities never are.
    pub fn check(&self, value: f64) -> Result<f64, OutOfRange> {
        if value.is_finite() && (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(self.refuse(self.name, value))
        }
    }

    /// Like [`Range::check`], naming the setting `name` (e.g. `class_speeds.stadstrafik`).
    pub fn check_as(&self, name: &str, value: f64) -> Result<f64, OutOfRange> {
        self.check(value).map_err(|_| self.refuse(name, value))
    }

    /// Checks every value of a list, and that the list holds a number of entries within
    /// `count` (whose name and unit then describe the list).
    ///
    /// ```
    /// use kartrummet::range::Range;
    /// const MINUTES: Range = Range::new("minutes", 0.1, 180.0, " minutes");
    /// const COUNT: Range = Range::new("minutes", 1.0, 10.0, " values");
    /// assert!(MINUTES.check_all(&[10.0, 20.0], COUNT).is_ok());
    /// assert!(MINUTES.check_all(&[], COUNT).is_err());
    /// assert!(MINUTES.check_all(&[10.0, 600.0], COUNT).is_err());
    /// ```
    pub fn check_all(&self, values: &[f64], count: Range) -> Result<(), OutOfRange> {
        count.check(values.len() as f64)?;
        values.iter().try_for_each(|&v| self.check(v).map(drop))
    }

    /// The error for `value` of the setting `name`.
    fn refuse(&self, name: &str, value: f64) -> OutOfRange {
        OutOfRange {
            name: name.to_string(),
            min: self.min,
            max: self.max,
            unit: if self.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", self.unit.trim_start())
            },
            value,
        }
    }
}

/// Checks that a list has at most `max` entries: `name` must hold between 0 and `max` `what`.
///
/// ```
/// assert!(kartrummet::range::at_most("supply", 3, 20, "layers").is_ok());
/// let e = kartrummet::range::at_most("supply", 30, 20, "layers").unwrap_err();
/// assert_eq!(e.to_string(), "supply must be between 0 and 20 layers, not 30");
/// ```
pub fn at_most(
    name: &'static str,
    len: usize,
    max: usize,
    what: &'static str,
) -> Result<(), OutOfRange> {
    Range::new(name, 0.0, max as f64, what)
        .check(len as f64)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_non_numbers_refused() {
        let r = Range::new("join_tolerance_m", 0.0, 500.0, "m");
        assert_eq!(r.check(0.0), Ok(0.0));
        assert_eq!(r.check(500.0), Ok(500.0));
        for bad in [-0.1, 500.1, 1e9, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = r.check(bad).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("join_tolerance_m must be between 0 and 500 m, not"),
                "{e}"
            );
        }
    }

    #[test]
    fn check_as_names_the_entry() {
        let r = Range::new("class_speeds", 1.0, 300.0, "km/h");
        let e = r.check_as("class_speeds.motorway", 0.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "class_speeds.motorway must be between 1 and 300 km/h, not 0"
        );
    }
}
