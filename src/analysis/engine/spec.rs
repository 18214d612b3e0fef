//! The parts of a request every analysis shares: which units (demand), services (supply) and
//! areas, how distance is measured and banded, and [`UnitsSpec`], what demand units are
//! prepared from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::AnalysisError;
use crate::network::{NetworkSettings, SnapSettings};
use crate::profile::{AnalysisProfile, ProfileError, pick};
use crate::range::Range;

/// The demand layer: points or polygons with a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    /// Layer id.
    pub layer: String,
    /// Numeric field with the population.
    pub population: String,
}

/// One layer of service points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplySpec {
    /// Layer id.
    pub layer: String,
    /// Keep only features whose fields equal these values (as typed in a query string).
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    /// Field naming the service; default `name`, `namn`, `Populärnamn` or the first text field.
    #[serde(default)]
    pub name_field: Option<String>,
}

/// The polygon layer to aggregate per.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    /// Layer id.
    pub layer: String,
    /// Field with the area's name; default `name`, `namn` or `kommunnamn`.
    #[serde(default)]
    pub name_field: Option<String>,
    /// Field with the area's code; default `code`, `kod` or `kommunkod` when present.
    #[serde(default)]
    pub code_field: Option<String>,
    /// Demand field holding the code of the unit's area (e.g. `kommunkod`), matched against
    /// the areas' code field; default one of [`UNIT_CODE_FIELDS`] when the demand layer has it.
    /// Units whose code matches no area, and every unit when there is no such field, join the
    /// area their point lies in. `""` joins by location only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code_field: Option<String>,
}

impl AreaSpec {
    /// Areas of `layer` with the usual name and code fields.
    pub fn of_layer(layer: impl Into<String>) -> Self {
        Self {
            layer: layer.into(),
            name_field: None,
            code_field: None,
            unit_code_field: None,
        }
    }
}

/// Demand fields that usually hold the code of a unit's municipality, in the order they are
/// looked for.
pub const UNIT_CODE_FIELDS: [&str; 3] = ["kommunkod", "mun_code", "KOMMUNKOD"];

/// How distance is measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Along the network: time (minute bands) or distance (km bands).
    #[default]
    Network,
    /// As the crow flies; needs km bands.
    StraightLine,
}

/// Unit of bands and thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Minutes of travel time.
    #[default]
    Min,
    /// Kilometres.
    Km,
}

/// Distance bands: `breaks` `[5, 10, 20, 30]` give 0–5, 5–10, 10–20, 20–30 and >30.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// Minutes or kilometres.
    #[serde(default)]
    pub unit: Unit,
    /// Upper bounds of the bands, increasing; one more open band follows the last.
    pub breaks: Vec<f64>,
}

/// Range of band breaks and thresholds in minutes.
pub const BREAK_MIN: Range = Range::new("breaks", 0.1, 600.0, "min");
/// Range of band breaks and thresholds in kilometres.
pub const BREAK_KM: Range = Range::new("breaks", 0.1, 1_000.0, "km");
/// How many breaks the bands may have.
pub const BREAK_COUNT: Range = Range::new("breaks", 1.0, 20.0, "values");

impl Unit {
    /// The range of values in this unit, for the setting `name`.
    pub fn range(self, name: &'static str) -> Range {
        let r = match self {
            Unit::Min => BREAK_MIN,
            Unit::Km => BREAK_KM,
        };
        Range::new(name, r.min, r.max, r.unit)
    }
}

impl Default for Bands {
    fn default() -> Self {
        Self {
            unit: Unit::Min,
            breaks: vec![5.0, 10.0, 20.0, 30.0],
        }
    }
}

impl Bands {
    /// Minute bands with these breaks.
    pub fn minutes(breaks: &[f64]) -> Self {
        Self {
            unit: Unit::Min,
            breaks: breaks.to_vec(),
        }
    }

    /// Checks that there are 1–20 breaks ([`BREAK_COUNT`]), each within [`BREAK_MIN`] or
    /// [`BREAK_KM`], increasing.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        self.unit
            .range("breaks")
            .check_all(&self.breaks, BREAK_COUNT)?;
        if self.breaks.windows(2).all(|w| w[0] < w[1]) {
            Ok(())
        } else {
            Err(AnalysisError::Invalid(format!(
                "bands: the breaks must increase, not {:?}",
                self.breaks
            )))
        }
    }

    /// Band labels, e.g. `0–5 min`, …, `>30 min`.
    pub fn labels(&self) -> Vec<String> {
        let unit = match self.unit {
            Unit::Min => "min",
            Unit::Km => "km",
        };
        let mut from = 0.0;
        let mut labels: Vec<String> = self
            .breaks
            .iter()
            .map(|&to| {
                let label = format!("{from}–{to} {unit}");
                from = to;
                label
            })
            .collect();
        labels.push(format!(">{from} {unit}"));
        labels
    }

    /// The band of a value: the first whose upper bound exceeds it.
    pub fn band_of(&self, value: f64) -> usize {
        self.breaks
            .iter()
            .position(|&b| value < b)
            .unwrap_or(self.breaks.len())
    }
}

/// What demand units are prepared from ([`super::prepare`]): the network (none: straight
/// line), how to read it and attach to it, the demand layer and the areas.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitsSpec {
    /// Line layer of the network; `None` measures as the crow flies.
    pub network: Option<String>,
    /// How to read the network layer.
    pub network_settings: NetworkSettings,
    /// How units (and later services) attach to the network.
    pub snap: SnapSettings,
    /// Where people live.
    pub demand: DemandSpec,
    /// Areas to join units to; none gives totals only.
    pub areas: Option<AreaSpec>,
}

impl UnitsSpec {
    /// Checks the network and snap settings.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        self.network_settings.validate()?;
        self.snap.validate()?;
        Ok(())
    }
}

/// The network of a request resolved against the region profile: the layer (a request
/// without one and a profile without one: [`ProfileError::Missing`]`("network")`), how to
/// read it and how places attach to it (the request's, else the profile's, else the
/// defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkChoice {
    /// Line layer.
    pub network: String,
    /// How to read it.
    pub network_settings: NetworkSettings,
    /// How places attach to it.
    pub snap: SnapSettings,
}

impl NetworkChoice {
    /// The request's network parts, what it leaves out taken from `profile`.
    pub fn resolve(
        profile: &AnalysisProfile,
        network: Option<String>,
        network_settings: Option<NetworkSettings>,
        snap: Option<SnapSettings>,
    ) -> Result<Self, ProfileError> {
        Ok(Self {
            network: pick("network", network, profile.network.as_ref())?,
            network_settings: Self::settings(profile, network_settings),
            snap: Self::snap(profile, snap),
        })
    }

    /// The network settings given, else the profile's, else the defaults.
    pub fn settings(profile: &AnalysisProfile, given: Option<NetworkSettings>) -> NetworkSettings {
        given
            .or_else(|| profile.network_settings.clone())
            .unwrap_or_default()
    }

    /// The snap settings given, else the profile's, else the defaults.
    pub fn snap(profile: &AnalysisProfile, given: Option<SnapSettings>) -> SnapSettings {
        given.or(profile.snap).unwrap_or_default()
    }
}

/// The areas of a request: absent gives the profile's (or none), `null` gives none.
///
/// ```
/// use kartrummet::analysis::engine::spec::{areas_or_profile, AreaSpec};
/// let profile = Some(AreaSpec::of_layer("kommungranser"));
/// assert_eq!(areas_or_profile(None, profile.as_ref()), profile);
/// assert_eq!(areas_or_profile(Some(None), profile.as_ref()), None);
/// ```
pub fn areas_or_profile(
    given: Option<Option<AreaSpec>>,
    profile: Option<&AreaSpec>,
) -> Option<AreaSpec> {
    given.unwrap_or_else(|| profile.cloned())
}

/// Deserializes a field that may be absent (`None`, with `#[serde(default)]`), `null`
/// (`Some(None)`) or a value (`Some(Some(v))`), so that `"areas": null` can mean "none" while
/// a left-out `areas` means "the profile's".
pub fn null_or<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_labels_and_lookup() {
        let b = Bands::default();
        assert_eq!(b.labels().first().unwrap(), "0–5 min");
        assert_eq!(b.labels().last().unwrap(), ">30 min");
        assert_eq!(b.band_of(0.0), 0);
        assert_eq!(b.band_of(5.0), 1);
        assert_eq!(b.band_of(29.9), 3);
        assert_eq!(b.band_of(31.0), 4);
        for bad in [vec![], vec![5.0, 5.0], vec![-1.0], vec![f64::NAN]] {
            assert!(Bands::minutes(&bad).validate().is_err());
        }
    }
}
