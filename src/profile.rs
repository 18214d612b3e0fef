//! The region profile: the one place that names a region's layers.
//!
//! Every region loads its own layers under its own ids: its road network, its population grid
//! or DeSO, its service registers, its boundaries. The profile says which layer plays which
//! part. Analyses take what a request leaves out from the profile; what neither gives is a
//! [`ProfileError::Missing`] naming the setting. The web map reads the profile
//! (`GET /api/profile`) for its service kinds, its basemap and its corridor lines, so no code
//! names a layer of one region.
//!
//! It is read from the `[analysis]` and `[map]` sections of the configuration file, of a file
//! given with `--profile`, or of the demo manifest (`data/demo.toml`):
//!
//! ```toml
//! [analysis]
//! network = "vagar"                                   # a line layer
//! demand  = { layer = "rutor_250m", population = "bef" }
//! areas   = { layer = "kommungranser", name_field = "name", code_field = "code" }   # optional
//! towns   = { layer = "orter", population = "pop" }                             # optional
//! stops   = { layer = "stopp", departures_field = "avgangar" }                  # optional
//! [[analysis.services]]
//! kind = "grocery"
//! label = "Dagligvaror"
//! layer = "butiker"
//! filter = { typ = "livs" }
//!
//! [map.basemap]                                       # optional: layers the own basemap draws
//! land = "lan"
//! boundaries = "kommungranser"
//! places = "orter"
//!
//! [[map.corridor_lines]]                              # optional: lines the corridor panel offers
//! layer = "linjer"
//! label_field = "linjenummer"
//! filter = { klassificering = "Stråktrafik" }
//! ```
//!
//! ```
//! use kartrummet::profile::{RegionProfile, pick};
//! let profile = RegionProfile::from_toml(r#"
//!     [analysis]
//!     network = "vagar"
//!     demand = { layer = "rutor_250m", population = "bef" }
//!     [[analysis.services]]
//!     kind = "grocery"
//!     label = "Dagligvaror"
//!     layer = "butiker"
//! "#).unwrap();
//! assert_eq!(profile.analysis.network.as_deref(), Some("vagar"));
//! assert_eq!(profile.analysis.service("grocery").unwrap().supply().layer, "butiker");
//! let missing = pick("areas", None, profile.analysis.areas.as_ref()).unwrap_err();
//! assert!(missing.to_string().contains("`areas`"));
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::engine::{AreaSpec, DemandSpec, SupplySpec};
use crate::analysis::towns::TownSpec;
use crate::network::{NetworkSettings, SnapSettings};

/// Errors of the region profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A setting that neither the request nor the region profile gives (a 400 over HTTP).
    #[error(
        "missing setting `{0}`: give it in the request, or name the layer in the region \
         profile ([analysis] section of the configuration)"
    )]
    Missing(&'static str),
    /// A service kind the profile does not define.
    #[error("no service kind {kind:?} in the region profile; kinds: {known}")]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// The kinds the profile defines.
        known: String,
    },
    /// The profile file could not be read or parsed.
    #[error("region profile {path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The profile is inconsistent (a duplicate kind, an unknown basemap role).
    #[error("region profile: {0}")]
    Invalid(String),
}

/// A region profile: the `[analysis]` and `[map]` sections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionProfile {
    /// The layers analyses use when a request leaves them out.
    #[serde(default)]
    pub analysis: AnalysisProfile,
    /// The layers the web map draws as its basemap and offers in its panels.
    #[serde(default)]
    pub map: MapProfile,
}

/// `[analysis]`: the layers of a region's analyses. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisProfile {
    /// Line layer of the road (or bus) network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// How to read the network layer (speeds, one-way), when not the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_settings: Option<NetworkSettings>,
    /// How places attach to the network, when not the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snap: Option<SnapSettings>,
    /// Where people live: points or polygons with a population field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand: Option<DemandSpec>,
    /// Polygons results are tabled per (municipalities); without them only totals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub areas: Option<AreaSpec>,
    /// Tätorter (points or polygons) with a population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub towns: Option<TownSpec>,
    /// Public-transport stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stops: Option<StopsSource>,
    /// The kinds of service the panels offer, in the order they are shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceKind>,
}

/// The public-transport stops of a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopsSource {
    /// Layer id.
    pub layer: String,
    /// Numeric field with departures per weekday; without it each stop counts once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departures_field: Option<String>,
    /// Stop name field; default `name`, `stop_name` or `namn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_field: Option<String>,
    /// Fields tried in order for the key that groups platforms into one stop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_fields: Vec<String>,
}

/// One kind of service: a key, a label and where its points are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceKind {
    /// Key used in requests and URLs, e.g. `grocery`.
    pub kind: String,
    /// Label shown to people, e.g. `Dagligvaror`.
    pub label: String,
    /// Point layer of the services.
    pub layer: String,
    /// Keep only features whose fields equal these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, String>,
    /// Field naming a service point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_field: Option<String>,
}

impl ServiceKind {
    /// The supply of an analysis for this kind.
    pub fn supply(&self) -> SupplySpec {
        SupplySpec {
            layer: self.layer.clone(),
            filter: self.filter.clone(),
            name_field: self.name_field.clone(),
        }
    }
}

/// `given` if the request gave it, else the profile's `fallback`, else
/// [`ProfileError::Missing`] naming `setting`.
pub fn pick<T: Clone>(
    setting: &'static str,
    given: Option<T>,
    fallback: Option<&T>,
) -> Result<T, ProfileError> {
    given
        .or_else(|| fallback.cloned())
        .ok_or(ProfileError::Missing(setting))
}

impl AnalysisProfile {
    /// The service kind `kind`.
    pub fn service(&self, kind: &str) -> Result<&ServiceKind, ProfileError> {
        self.services
            .iter()
            .find(|s| s.kind == kind)
            .ok_or_else(|| ProfileError::UnknownKind {
                kind: kind.to_string(),
                known: self
                    .services
                    .iter()
                    .map(|s| s.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// `[map]`: what the web map draws from the region's own layers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapProfile {
    /// The own basemap's layers by role (see [`BASEMAP_ROLES`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub basemap: BTreeMap<String, String>,
    /// Line layers the corridor panel offers to pick a corridor from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corridor_lines: Vec<CorridorLines>,
}

/// Roles a layer may play in the own basemap: `land` (fill below everything), `urban`
/// (built-up areas), `water`, `rail`, `borders` (national borders), `boundaries`
/// (municipal boundaries, labelled when there are no places) and `places` (labelled towns).
pub const BASEMAP_ROLES: [&str; 7] = [
    "land",
    "urban",
    "water",
    "rail",
    "borders",
    "boundaries",
    "places",
];

/// A line layer offered as corridors, each feature (or group by `label_field`) one corridor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorridorLines {
    /// Layer id.
    pub layer: String,
    /// Field naming a line (e.g. a line number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_field: Option<String>,
    /// Keep only features whose fields equal these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, String>,
}

/// The sections of any TOML file that may carry a profile; other keys are ignored here (they
/// belong to the configuration or the demo manifest).
#[derive(Deserialize)]
struct Sections {
    #[serde(default)]
    analysis: Option<AnalysisProfile>,
    #[serde(default)]
    map: Option<MapProfile>,
}

impl RegionProfile {
    /// The profile in TOML text (its `[analysis]` and `[map]` sections; other keys ignored).
    pub fn from_toml(text: &str) -> Result<Self, ProfileError> {
        let sections: Sections =
            toml::from_str(text).map_err(|e| ProfileError::Invalid(e.to_string()))?;
        let profile = Self {
            analysis: sections.analysis.unwrap_or_default(),
            map: sections.map.unwrap_or_default(),
        };
        profile.validate()?;
        Ok(profile)
    }

    /// The profile in a TOML file: a configuration file, a `--profile` file or a demo
    /// manifest.
    pub fn read(path: &Path) -> Result<Self, ProfileError> {
        let error = |detail: String| ProfileError::File {
            path: path.to_path_buf(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        Self::from_toml(&text).map_err(|e| error(e.to_string()))
    }

    /// The profile without every part that names a layer `hidden` says the caller may not know
    /// of (internal layers, for a caller without a token): such a part is as if not given.
    ///
    /// ```
    /// # use kartrummet::profile::RegionProfile;
    /// let profile = RegionProfile::from_toml(
    ///     "[analysis]\nnetwork = 'vagar'\n[[analysis.services]]\nkind = 'health'\nlabel = 'Vård'\nlayer = 'vard'\n",
    /// ).unwrap();
    /// let public = profile.without(&|id| id == "vard");
    /// assert!(public.analysis.services.is_empty());
    /// assert_eq!(public.analysis.network.as_deref(), Some("vagar"));
    /// ```
    pub fn without(&self, hidden: &dyn Fn(&str) -> bool) -> Self {
        let mut p = self.clone();
        let a = &mut p.analysis;
        if a.network.as_deref().is_some_and(hidden) {
            (a.network, a.network_settings, a.snap) = (None, None, None);
        }
        a.demand = a.demand.take().filter(|d| !hidden(&d.layer));
        a.areas = a.areas.take().filter(|d| !hidden(&d.layer));
        a.towns = a.towns.take().filter(|d| !hidden(&d.layer));
        a.stops = a.stops.take().filter(|d| !hidden(&d.layer));
        a.services.retain(|s| !hidden(&s.layer));
        p.map.basemap.retain(|_, id| !hidden(id));
        p.map.corridor_lines.retain(|c| !hidden(&c.layer));
        p
    }

    /// Whether the profile names nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Refuses duplicate service kinds and unknown basemap roles.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let mut kinds = std::collections::BTreeSet::new();
        for s in &self.analysis.services {
            if s.kind.is_empty() || !kinds.insert(s.kind.as_str()) {
                return Err(ProfileError::Invalid(format!(
                    "service kind {:?} is empty or given twice",
                    s.kind
                )));
            }
        }
        if let Some(role) = self
            .map
            .basemap
            .keys()
            .find(|r| !BASEMAP_ROLES.contains(&r.as_str()))
        {
            return Err(ProfileError::Invalid(format!(
                "unknown basemap role {role:?}; roles: {}",
                BASEMAP_ROLES.join(", ")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_manifest_carries_a_profile_naming_only_its_own_layers() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo.toml");
        let profile = RegionProfile::read(&path).unwrap();
        let manifest = crate::demo::Manifest::read(&path).unwrap();
        let ids: Vec<&str> = manifest.layer.iter().map(|l| l.id.as_str()).collect();
        let a = &profile.analysis;
        let mut named = vec![a.network.clone().unwrap()];
        named.push(a.demand.as_ref().unwrap().layer.clone());
        named.push(a.areas.as_ref().unwrap().layer.clone());
        named.push(a.towns.as_ref().unwrap().layer.clone());
        named.push(a.stops.as_ref().unwrap().layer.clone());
        named.extend(a.services.iter().map(|s| s.layer.clone()));
        named.extend(profile.map.basemap.values().cloned());
        named.extend(profile.map.corridor_lines.iter().map(|c| c.layer.clone()));
        for id in named {
            assert!(ids.contains(&id.as_str()), "{id} is not a demo layer");
        }
        assert_eq!(
            a.services
                .iter()
                .map(|s| s.kind.as_str())
                .collect::<Vec<_>>(),
            ["grocery", "pharmacy", "health"],
            "share links name these kinds"
        );
    }

    #[test]
    fn duplicate_kinds_and_unknown_roles_are_refused() {
        let twice = "[[analysis.services]]\nkind='a'\nlabel='A'\nlayer='x'\n\
                     [[analysis.services]]\nkind='a'\nlabel='B'\nlayer='y'\n";
        assert!(RegionProfile::from_toml(twice).is_err());
        assert!(RegionProfile::from_toml("[map.basemap]\nsea = 'hav'\n").is_err());
        assert!(RegionProfile::from_toml("[analysis]\nnetwrok = 'v'\n").is_err());
        assert!(
            RegionProfile::from_toml("token = 'x'\n")
                .unwrap()
                .is_empty()
        );
    }
}
