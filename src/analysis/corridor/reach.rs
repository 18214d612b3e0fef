//! The network parts of a corridor, over the network module's graph: the catchment of the
//! stops on the line (what they reach within N minutes), and travel between two places with
//! its detour factor.

use geo::{Coord, MultiPolygon};
use serde::{Deserialize, Serialize};

use super::CorridorError;
use crate::analysis::budget::BudgetError;
use crate::analysis::isochrone::{self, reached_pieces};
use crate::network::{Direction, Location, Network, NetworkSettings, SnapSettings, Weight};
use crate::profile::{AnalysisProfile, pick};
use crate::range::Range;

/// Which line layer is the network, and how to read it. Each part left out comes from the
/// region profile (`network`, `network_settings`, `snap`), else the network module's defaults;
/// a layer neither gives is a missing setting when a corridor needs the network.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Line layer of the network.
    #[serde(default)]
    pub layer: Option<String>,
    /// How to read it (speeds, one-way).
    #[serde(default)]
    pub settings: Option<NetworkSettings>,
    /// How stops and places attach to it.
    #[serde(default)]
    pub snap: Option<SnapSettings>,
}

impl NetworkSpec {
    /// The network layer, settings and snap settings: the request's, else the profile's, else
    /// (settings) the defaults. Errors with [`ProfileError::Missing`] when neither names the
    /// layer, and when the settings are out of range.
    ///
    /// ```
    /// use kartrummet::analysis::corridor::reach::NetworkSpec;
    /// use kartrummet::profile::AnalysisProfile;
    /// let profile = AnalysisProfile { network: Some("vagar".into()), ..Default::default() };
    /// assert_eq!(NetworkSpec::default().resolve(&profile).unwrap().0, "vagar");
    /// let missing = NetworkSpec::default().resolve(&AnalysisProfile::default()).unwrap_err();
    /// assert!(missing.to_string().contains("`network`"));
    /// ```
    pub fn resolve(
        &self,
        profile: &AnalysisProfile,
    ) -> Result<(String, NetworkSettings, SnapSettings), CorridorError> {
        let layer = pick("network", self.layer.clone(), profile.network.as_ref())?;
        let settings = (self.settings.as_ref())
            .or(profile.network_settings.as_ref())
            .cloned()
            .unwrap_or_default();
        let snap = (self.snap.as_ref())
            .or(profile.snap.as_ref())
            .cloned()
            .unwrap_or_default();
        settings.validate()?;
        snap.validate()?;
        Ok((layer, settings, snap))
    }
}

/// The catchment of a corridor's stops: the roads of the network they reach within `minutes`,
/// widened by `band_m`, join the corridor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatchmentSpec {
    /// Travel time from the stops, minutes (0 to 120).
    pub minutes: f64,
    /// Stops this close to the line (metres) are the corridor's stops.
    #[serde(default = "default_stop_distance")]
    pub stop_distance_m: f64,
    /// Half-width of the band around reached roads, metres.
    #[serde(default = "default_band")]
    pub band_m: f64,
}

fn default_stop_distance() -> f64 {
    400.0
}

fn default_band() -> f64 {
    isochrone::DEFAULT_BUFFER_M
}

/// Range of [`CatchmentSpec::minutes`].
pub const CATCHMENT_MINUTES: Range = Range::new("catchment.minutes", 0.1, 120.0, "minutes");

/// Range of [`CatchmentSpec::stop_distance_m`].
pub const STOP_DISTANCE_M: Range = Range::new("catchment.stop_distance_m", 1.0, 5_000.0, "m");

/// Range of [`CatchmentSpec::band_m`] (as an isochrone's `buffer_m`).
pub const BAND_M: Range = Range::new(
    "catchment.band_m",
    isochrone::BUFFER_M.min,
    isochrone::BUFFER_M.max,
    "m",
);

impl CatchmentSpec {
    /// Checks the ranges [`CATCHMENT_MINUTES`], [`STOP_DISTANCE_M`] and [`BAND_M`].
    pub fn validate(&self) -> Result<(), CorridorError> {
        CATCHMENT_MINUTES.check(self.minutes)?;
        STOP_DISTANCE_M.check(self.stop_distance_m)?;
        BAND_M.check(self.band_m)?;
        Ok(())
    }
}

/// The catchment found.
#[derive(Debug, Clone, Serialize)]
pub struct Catchment {
    /// Travel time from the stops, minutes.
    pub minutes: f64,
    /// Stop platforms on the line the search started from.
    pub from_platforms: usize,
    /// Of these, the ones farther than the snap distance from the network (left out).
    pub unattached: usize,
    /// Area of the catchment alone, km².
    pub area_km2: f64,
}

/// The area reached from `stops` within `spec.minutes` over `network`, as polygons; errs
/// when the work budget runs out (see [`isochrone::widen`]).
pub fn catchment(
    network: &Network,
    stops: &[Coord<f64>],
    spec: &CatchmentSpec,
    snap: &SnapSettings,
) -> Result<(MultiPolygon<f64>, Catchment), BudgetError> {
    let located: Vec<Location> = stops
        .iter()
        .filter_map(|&s| network.locate(s, snap))
        .collect();
    let budget = spec.minutes * 60.0;
    let mut pieces = Vec::new();
    if let Some(first) = located.first() {
        let nearest = network.nearest(&located, Direction::FromSources, Weight::Time);
        pieces = reached_pieces(network, &nearest.reached.time_s, first, budget);
    }
    let area = isochrone::widen(&pieces, spec.band_m)?;
    let summary = Catchment {
        minutes: spec.minutes,
        from_platforms: stops.len(),
        unattached: stops.len() - located.len(),
        area_km2: geo::Area::unsigned_area(&area) / 1e6,
    };
    Ok((area, summary))
}

/// Two places to travel between along the corridor, by name in the tätort layer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BetweenSpec {
    /// Name of the first tätort.
    pub from: String,
    /// Name of the second tätort.
    pub to: String,
}

/// Travel between two places over the network.
#[derive(Debug, Clone, Serialize)]
pub struct Travel {
    /// From (name).
    pub from: String,
    /// To (name).
    pub to: String,
    /// Positions of the two places, `[[lon, lat], [lon, lat]]`.
    pub lon_lat: [[f64; 2]; 2],
    /// Straight-line distance, metres.
    pub straight_m: f64,
    /// Length of the fastest route over the network, connectors included, metres.
    pub network_m: f64,
    /// Travel time of the fastest route, minutes.
    pub minutes: f64,
    /// Network length over straight-line distance (1 = perfectly straight).
    pub detour_factor: f64,
}

/// The fastest route from `from` to `to` over `network`: `(minutes, metres)`, or why not.
///
/// ```
/// use geo::{Coord, LineString};
/// use kartrummet::analysis::corridor::reach::route;
/// use kartrummet::network::{Edge, Network, SnapSettings};
/// let nodes = vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 3000.0, y: 0.0 }];
/// let edge = Edge { from: 0, to: 1, geometry: LineString::from(nodes.clone()),
///     length_m: 3000.0, time_s: 180.0, forward: true, backward: true };
/// let network = Network::new(nodes, vec![edge]);
/// let (minutes, metres) = route(&network, Coord { x: 0.0, y: 0.0 }, Coord { x: 3000.0, y: 0.0 },
///     &SnapSettings::default()).unwrap();
/// assert_eq!((minutes, metres), (3.0, 3000.0));
/// ```
pub fn route(
    network: &Network,
    from: Coord<f64>,
    to: Coord<f64>,
    snap: &SnapSettings,
) -> Result<(f64, f64), String> {
    let locate = |at: Coord<f64>, which: &str| {
        network.locate(at, snap).ok_or_else(|| {
            format!(
                "{which} is farther than {} m from the network",
                snap.max_distance_m
            )
        })
    };
    let (a, b) = (locate(from, "the start")?, locate(to, "the end")?);
    let nearest = network.nearest(&[a], Direction::FromSources, Weight::Time);
    let cost = nearest
        .at(network, &b)
        .ok_or_else(|| "no route over the network joins them".to_string())?;
    Ok((cost.time_s / 60.0, cost.length_m))
}
