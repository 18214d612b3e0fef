//! Stråk: corridor analysis along roads and railways.
//!
//! A corridor is a line (drawn, or features of a line layer) widened by a buffer. For each
//! corridor of a request the analysis returns its polygon, the population inside (units cut by
//! the edge count in proportion to their area inside), the tätorter, service points and stops
//! inside, their shares of the region's totals, and a profile of population and weekday
//! departures along the line. Several corridors in one request come back side by side with a
//! comparison table. Over the network, a corridor can also take in the catchment of its stops
//! within N minutes, and report the travel time between two tätorter with its detour factor.
//! Every layer a request leaves out (population, tätorter, services, stops, network) comes from
//! the region profile ([`crate::profile`]). All measuring happens in the store's metric
//! analysis CRS; geometry comes in and goes out in EPSG:4326. `docs/corridor.md` describes the
//! HTTP request and response.

pub mod area;
pub mod axis;
pub mod profile;
pub mod reach;
pub mod scenario;
pub mod tally;

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::algorithm::buffer::{BufferStyle, LineCap};
use geo::{
    BooleanOps, BoundingRect, Buffer, ConvexHull, Coord, CoordsIter, Distance, Euclidean, Geometry,
    Length, LineString, MultiLineString, MultiPoint, MultiPolygon,
};
use rstar::RTree;
use serde::{Deserialize, Serialize};

use crate::analysis::budget::{self, BudgetError};
use crate::analysis::engine::changes::Changes;
use crate::analysis::isochrone::widen_bytes;
use crate::analysis::service_access::DemandSpec;
use crate::analysis::towns::TownSpec;
use crate::analysis::{
    AnalysisCache, AnalysisError, detour, field, layer, numeric_field, representative_point,
};
use crate::crs::{self, CrsError};
use crate::layer::{Feature, GeometryKind, Layer};
use crate::network::cache::layer_key;
use crate::network::{Network, NetworkError, SnapSettings};
use crate::profile::{AnalysisProfile, ProfileError, ServiceKind, StopsSource};
use crate::range::{self, OutOfRange, Range};
use crate::store::Catalog;
use area::PreparedArea;
use axis::Chainage;
use profile::{Bin, Profile};
use reach::{BetweenSpec, Catchment, CatchmentSpec, NetworkSpec, Travel};
use scenario::Applied;
use tally::{Kind, Resolved, Services, StopFields, Tally, Zone};

/// Range of a corridor's `buffer_m`, metres: up to more than the length of Sweden (a wide
/// buffer of a simple line is cheap; the work budget bounds a wide one of a detailed line).
pub const BUFFER_M: Range = Range::new("buffer_m", 0.0, 2_000_000.0, "m");
/// Most corridors in one request.
pub const MAX_CORRIDORS: usize = 12;
/// How many corridors one request holds.
const CORRIDORS: Range = Range::new("corridors", 1.0, MAX_CORRIDORS as f64, "corridors");
/// Default profile bin, metres.
pub const DEFAULT_BIN_M: f64 = 1000.0;
/// Range of `profile_bin_m`.
pub const PROFILE_BIN_M: Range = Range::new("profile_bin_m", 10.0, 100_000.0, "m");
/// Most ids in one selection.
pub const MAX_SELECTED_IDS: usize = 10_000;
/// Most `where` entries in one selection, and most service layers or stop group fields.
pub const MAX_ENTRIES: usize = 20;
/// Most profile bins per corridor.
pub const MAX_BINS: usize = 20_000;
/// Points this close to the line (metres) lie on it, also at width 0.
const ON_LINE_M: f64 = 1e-3;

/// Errors of a corridor analysis.
#[derive(Debug, thiserror::Error)]
pub enum CorridorError {
    /// The drawn line is unusable.
    #[error("bad corridor line: {0}")]
    Geometry(String),
    /// A parameter is unusable (an unknown tätort, places off the network, …).
    #[error("{0}")]
    Invalid(String),
    /// A layer cannot serve its role (no lines to follow, no features chosen, …).
    #[error("layer {layer:?}: {why}")]
    Layer {
        /// The layer.
        layer: String,
        /// What is wrong.
        why: String,
    },
    /// A setting is outside its range.
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    /// What every analysis may meet: an unknown layer or field, a setting neither the request
    /// nor the region profile gives, the network, the work budget, the CRS.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// The errors every analysis may meet reach the corridor as [`CorridorError::Analysis`].
macro_rules! via_analysis {
    ($($error:ty),*) => {$(
        impl From<$error> for CorridorError {
            fn from(error: $error) -> Self {
                Self::Analysis(error.into())
            }
        }
    )*};
}
via_analysis!(ProfileError, BudgetError, NetworkError, CrsError);

/// `POST /api/analysis/corridor`: one or more corridors to compare.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorridorRequest {
    /// The corridors, compared side by side (1 to [`MAX_CORRIDORS`]).
    #[schema(value_type = Vec<Object>)]
    pub corridors: Vec<CorridorSpec>,
    /// The layers to count; each part left out comes from the region profile.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub sources: Sources,
    /// The region whose totals give the shares; default: the area of the population layer.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub region: Option<Selection>,
    /// Profile bin length along the line, metres (default 1000).
    #[serde(default = "default_bin")]
    pub profile_bin_m: f64,
    /// The network for `catchment` and `between` (default: the region profile's).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub network: NetworkSpec,
    /// A scenario: new homes join the population counted, services are removed, moved or
    /// added, roads change on the network travelled (see [`scenario`]). Default: none.
    #[serde(default, skip_serializing_if = "Changes::is_empty")]
    #[schema(value_type = Object)]
    pub changes: Changes,
}

fn default_bin() -> f64 {
    DEFAULT_BIN_M
}

impl CorridorRequest {
    /// Checks the ranges that need no layer: the number of corridors, the bin length, each
    /// corridor's width and catchment, the sizes of selections and source lists.
    pub fn validate(&self) -> Result<(), CorridorError> {
        CORRIDORS.check(self.corridors.len() as f64)?;
        PROFILE_BIN_M.check(self.profile_bin_m)?;
        self.changes.validate()?;
        if let Some(settings) = &self.network.settings {
            settings.validate()?;
        }
        if let Some(snap) = &self.network.snap {
            snap.validate()?;
        }
        let selections = self.corridors.iter().filter_map(|c| c.features.as_ref());
        for selection in selections.chain(&self.region) {
            range::at_most("where", selection.filter.len(), MAX_ENTRIES, "fields")?;
            let ids = selection.ids.as_ref().map_or(0, Vec::len);
            range::at_most("ids", ids, MAX_SELECTED_IDS, "ids")?;
        }
        self.sources.demand()?;
        self.sources.towns()?;
        let services = self.sources.services.as_deref().unwrap_or_default();
        range::at_most("sources.services", services.len(), MAX_ENTRIES, "layers")?;
        for service in services {
            let filter = service.filter.len();
            range::at_most("sources.services.filter", filter, MAX_ENTRIES, "fields")?;
        }
        let groups = self
            .sources
            .stops
            .as_ref()
            .map_or(0, |s| s.group_fields.len());
        range::at_most("sources.stops.group_fields", groups, MAX_ENTRIES, "fields")?;
        for (i, corridor) in self.corridors.iter().enumerate() {
            check_buffer(corridor.buffer_m).map_err(|e| prefix(i, e))?;
            if let Some(catchment) = &corridor.catchment {
                catchment.validate().map_err(|e| prefix(i, e))?;
            }
        }
        Ok(())
    }
}

/// One corridor: a line and a width.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorridorSpec {
    /// Name shown in the comparison (default "Korridor N").
    #[serde(default)]
    pub name: Option<String>,
    /// A drawn GeoJSON LineString or MultiLineString (or a Feature with one) in EPSG:4326.
    #[serde(default)]
    pub line: Option<serde_json::Value>,
    /// Or: features of a line layer.
    #[serde(default)]
    pub features: Option<Selection>,
    /// Distance from the line to the corridor edge, metres; the corridor is twice as wide.
    /// 0 keeps only what lies on the line.
    pub buffer_m: f64,
    /// How the corridor ends at the line's ends.
    #[serde(default)]
    pub ends: Ends,
    /// Also take in what the stops on the line reach over the network within N minutes.
    #[serde(default)]
    pub catchment: Option<CatchmentSpec>,
    /// Travel between two tätorter over the network, with the detour factor.
    #[serde(default)]
    pub between: Option<BetweenSpec>,
}

/// The shape of a corridor's ends.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Ends {
    /// Half circles around the line's ends (the usual buffer).
    #[default]
    Round,
    /// Cut square at the line's ends.
    Flat,
}

/// Features of a layer: those whose fields equal the `where` values and, when given, whose ids
/// are in `ids`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Layer id.
    pub layer: String,
    /// Field name → value (text or number), all must match.
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, serde_json::Value>,
    /// Feature ids.
    #[serde(default)]
    pub ids: Option<Vec<u64>>,
}

/// The layers counted, in the shapes of the region profile. Each part left out comes from the
/// profile; a part neither gives, or a profile's layer the store lacks, is left out with a note.
/// A layer named in the request must exist.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// Demand polygons (or points) with a population field (the profile's `demand`).
    #[serde(default)]
    pub demand: Option<DemandSpec>,
    /// The earlier name and shape of `demand`, as the web map sends it.
    #[serde(default)]
    pub population: Option<PopulationSource>,
    /// Tätorter, points or polygons (the profile's `towns`).
    #[serde(default)]
    pub towns: Option<TownSpec>,
    /// The earlier name and shape of `towns`, as the web map sends it.
    #[serde(default)]
    pub tatorter: Option<TatortSource>,
    /// Service points, counted per kind (default: the profile's service kinds).
    #[serde(default)]
    pub services: Option<Vec<ServiceSource>>,
    /// Public-transport stops (the profile's `stops`).
    #[serde(default)]
    pub stops: Option<StopsSource>,
}

/// `sources.population`: `demand` as it was named before the region profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSource {
    /// Layer id.
    pub layer: String,
    /// Population field.
    pub field: String,
}

/// `sources.tatorter`: `towns` as it was named before the region profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TatortSource {
    /// Layer id.
    pub layer: String,
    /// Name field.
    pub name_field: String,
    /// Population field.
    pub population_field: String,
}

impl Sources {
    /// `demand`, or the same given as `population`; both is an error.
    pub fn demand(&self) -> Result<Option<DemandSpec>, CorridorError> {
        let earlier = self.population.as_ref().map(|p| DemandSpec {
            layer: p.layer.clone(),
            population: p.field.clone(),
        });
        one_of(("demand", self.demand.clone()), ("population", earlier))
    }

    /// `towns`, or the same given as `tatorter`; both is an error.
    pub fn towns(&self) -> Result<Option<TownSpec>, CorridorError> {
        let earlier = self.tatorter.as_ref().map(|t| TownSpec {
            layer: t.layer.clone(),
            population: Some(t.population_field.clone()),
            name_field: Some(t.name_field.clone()),
            code_field: None,
            area_field: None,
        });
        one_of(("towns", self.towns.clone()), ("tatorter", earlier))
    }
}

/// The one of a setting given under its name or its earlier one.
fn one_of<T>(
    (name, now): (&str, Option<T>),
    (earlier_name, earlier): (&str, Option<T>),
) -> Result<Option<T>, CorridorError> {
    match (now, earlier) {
        (Some(_), Some(_)) => Err(CorridorError::Invalid(format!(
            "give sources.{name} or its earlier name sources.{earlier_name}, not both"
        ))),
        (now, earlier) => Ok(now.or(earlier)),
    }
}

/// Service points to count: a layer, optionally filtered, of one kind or of the kinds a field
/// names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSource {
    /// Layer id.
    pub layer: String,
    /// The kind every point counted is of; default: the layer id.
    #[serde(default)]
    pub kind: Option<String>,
    /// Or: the field whose value is a point's kind (e.g. `category`).
    #[serde(default)]
    pub kind_field: Option<String>,
    /// Keep only features whose fields equal these values.
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
}

impl From<&ServiceKind> for ServiceSource {
    fn from(kind: &ServiceKind) -> Self {
        Self {
            layer: kind.layer.clone(),
            kind: Some(kind.kind.clone()),
            kind_field: None,
            filter: kind.filter.clone(),
        }
    }
}

/// The answer: one result per corridor, the region's totals and a comparison table.
#[derive(Debug, Clone, Serialize)]
pub struct CorridorResponse {
    /// CRS of every geometry and position in the answer: `EPSG:4326`.
    pub crs: &'static str,
    /// CRS the measuring was done in.
    pub analysis_crs: String,
    /// What the shares are of.
    pub region: RegionTotals,
    /// One result per requested corridor, in request order.
    pub corridors: Vec<CorridorResult>,
    /// One row per corridor, for a side-by-side table.
    pub comparison: Vec<ComparisonRow>,
    /// The network used for catchments and travel times, when any corridor asked for them.
    pub network: Option<NetworkInfo>,
    /// Remarks: parts left out (no layer named, or the profile's layer not in the store),
    /// suspect detours, changes of the scenario that do not apply.
    pub notes: Vec<String>,
    /// Which of the request's `changes` the answer reflects; absent without changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Applied>,
}

/// Which network the travel times follow.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkInfo {
    /// Its line layer.
    pub layer: String,
    /// What it is, e.g. that it is the bus network, not all roads.
    pub note: String,
}

/// The region's totals.
#[derive(Debug, Clone, Serialize)]
pub struct RegionTotals {
    /// How the region is defined.
    pub source: String,
    /// Everything counted in it (item lists left out).
    #[serde(flatten)]
    pub tally: Tally,
}

/// The result for one corridor.
#[derive(Debug, Clone, Serialize)]
pub struct CorridorResult {
    /// Name.
    pub name: String,
    /// Buffer, metres each side.
    pub buffer_m: f64,
    /// Length of the line (all parts), metres.
    pub length_m: f64,
    /// Area of the corridor, km².
    pub area_km2: f64,
    /// The corridor polygon, GeoJSON MultiPolygon (empty at width 0).
    pub geometry: geojson::Geometry,
    /// The line the profile is measured along (the longest connected part), GeoJSON LineString.
    pub axis: geojson::Geometry,
    /// Length of the profile axis, metres.
    pub axis_length_m: f64,
    /// What lies inside.
    #[serde(flatten)]
    pub tally: Tally,
    /// Shares of the region's totals, 0 to 1.
    pub shares: Shares,
    /// Population and departures per bin of chainage along the axis.
    pub profile: ProfileResult,
    /// The catchment of the stops on the line, when asked for.
    pub catchment: Option<Catchment>,
    /// Travel between two tätorter, when asked for.
    pub between: Option<Travel>,
}

/// A corridor's shares of the region's totals (`null` when the region total is 0 or the part
/// is missing).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Shares {
    /// Of the population.
    pub population: Option<f64>,
    /// Of the tätorter's population.
    pub tatort_population: Option<f64>,
    /// Of the service points (all kinds).
    pub services: Option<f64>,
    /// Per service layer and kind.
    pub services_by_kind: Vec<KindShare>,
    /// Of the stops.
    pub stops: Option<f64>,
    /// Of the weekday departures.
    pub departures: Option<f64>,
}

/// Share of one kind of service.
#[derive(Debug, Clone, Serialize)]
pub struct KindShare {
    /// Service layer.
    pub layer: String,
    /// Kind.
    pub kind: String,
    /// Share of the region's points of this kind.
    pub share: Option<f64>,
}

/// The profile along the axis.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileResult {
    /// Bin length, metres.
    pub bin_m: f64,
    /// The bins from the start of the axis.
    pub bins: Vec<Bin>,
}

/// One corridor in the comparison table.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// Corridor name.
    pub name: String,
    /// Length of the profile axis (the longest connected part of the line), km.
    pub length_km: f64,
    /// Buffer, metres each side.
    pub buffer_m: f64,
    /// Area, km².
    pub area_km2: f64,
    /// Population inside.
    pub population: Option<f64>,
    /// Share of the region's population.
    pub population_share: Option<f64>,
    /// Population per km of the axis.
    pub population_per_km: Option<f64>,
    /// Tätorter inside.
    pub tatorter: Option<usize>,
    /// Their population.
    pub tatort_population: Option<f64>,
    /// Service points inside, all kinds.
    pub services: usize,
    /// Stops inside.
    pub stops: Option<usize>,
    /// Weekday departures at them.
    pub departures: Option<f64>,
    /// Share of the region's weekday departures.
    pub departures_share: Option<f64>,
    /// Travel time between the `between` places, minutes.
    pub travel_minutes: Option<f64>,
    /// Detour factor between them.
    pub detour_factor: Option<f64>,
}

/// A corridor built in the analysis CRS.
pub struct Corridor {
    /// The buffered polygon.
    pub area: PreparedArea,
    /// The line parts.
    pub lines: MultiLineString<f64>,
    /// The longest connected part, for the profile.
    pub axis: Chainage,
    /// The catchment of its stops, when joined.
    pub catchment: Option<Catchment>,
    segments: RTree<geo::Line<f64>>,
}

impl Corridor {
    /// Widens `lines` (analysis CRS) by `buffer_m` on each side.
    ///
    /// ```
    /// use geo::{coord, LineString, MultiLineString};
    /// use kartrummet::analysis::corridor::{Corridor, Ends};
    /// use kartrummet::analysis::corridor::tally::Zone;
    /// let line = MultiLineString::new(vec![LineString::from(vec![(0.0, 0.0), (1000.0, 0.0)])]);
    /// let corridor = Corridor::new(line, 100.0, Ends::Flat).unwrap();
    /// assert!((corridor.area.area() - 200_000.0).abs() < 1.0);
    /// let at = |x, y| geo::Geometry::Point(geo::Point::new(x, y));
    /// assert_eq!(corridor.share_of(&at(500.0, 99.0)), 1.0);
    /// assert_eq!(corridor.share_of(&at(500.0, 101.0)), 0.0);
    /// ```
    pub fn new(
        lines: MultiLineString<f64>,
        buffer_m: f64,
        ends: Ends,
    ) -> Result<Self, CorridorError> {
        check_buffer(buffer_m)?;
        if lines.0.is_empty() || Euclidean.length(&lines) <= 0.0 {
            return Err(CorridorError::Geometry("the line has no length".into()));
        }
        let polygons = if buffer_m > 0.0 {
            budget::charge("the corridor polygon", widen_bytes(&lines.0, buffer_m))?;
            let style = BufferStyle::new(buffer_m);
            lines.buffer_with_style(match ends {
                Ends::Round => style,
                Ends::Flat => style.line_cap(LineCap::Butt),
            })
        } else {
            MultiPolygon::new(vec![])
        };
        let axis = axis::chains(&lines)
            .into_iter()
            .max_by(|a, b| Euclidean.length(a).total_cmp(&Euclidean.length(b)))
            .unwrap_or_else(|| LineString::new(vec![]));
        Ok(Self {
            area: PreparedArea::new(polygons),
            segments: RTree::bulk_load(lines.iter().flat_map(|l| l.lines()).collect()),
            axis: Chainage::new(axis),
            lines,
            catchment: None,
        })
    }

    fn on_line(&self, at: Coord<f64>) -> bool {
        self.distance_to_line(at) <= ON_LINE_M
    }

    /// Distance from `at` to the nearest part of the line, metres.
    pub fn distance_to_line(&self, at: Coord<f64>) -> f64 {
        use rstar::PointDistance;
        let p = geo::Point::from(at);
        self.segments
            .nearest_neighbor(&p)
            .map_or(f64::INFINITY, |s| s.distance_2(&p).sqrt())
    }

    /// Adds a catchment to the corridor's area.
    pub fn join(self, polygons: &MultiPolygon<f64>, catchment: Catchment) -> Self {
        let area = PreparedArea::new(self.area.polygons().union(polygons));
        Self {
            area,
            catchment: Some(catchment),
            ..self
        }
    }
}

impl Zone for Corridor {
    fn bbox(&self) -> Option<[f64; 4]> {
        let lines = self.lines.bounding_rect()?;
        let r = match self.area.bbox() {
            Some(area) => geo::Rect::new(
                (
                    area.min().x.min(lines.min().x),
                    area.min().y.min(lines.min().y),
                ),
                (
                    area.max().x.max(lines.max().x),
                    area.max().y.max(lines.max().y),
                ),
            ),
            None => lines,
        };
        let slack = ON_LINE_M;
        Some([
            r.min().x - slack,
            r.min().y - slack,
            r.max().x + slack,
            r.max().y + slack,
        ])
    }

    fn share_of(&self, geometry: &Geometry<f64>) -> f64 {
        match geometry {
            Geometry::Point(_) | Geometry::MultiPoint(_) => {
                let at = representative_point(geometry);
                at.is_some_and(|c| self.area.contains(c) || self.on_line(c)) as u8 as f64
            }
            other => self.area.share_of(other),
        }
    }
}

impl Zone for PreparedArea {
    fn bbox(&self) -> Option<[f64; 4]> {
        PreparedArea::bbox(self).map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
    }

    fn share_of(&self, geometry: &Geometry<f64>) -> f64 {
        PreparedArea::share_of(self, geometry)
    }
}

fn check_buffer(buffer_m: f64) -> Result<(), CorridorError> {
    BUFFER_M.check(buffer_m)?;
    Ok(())
}

/// Field = value conditions on a layer's features, all of which must hold.
pub struct Filter(Vec<(usize, String)>);

impl Filter {
    /// The conditions `pairs` (field name, value as text) on `layer`; errs on an unknown field.
    pub fn new<'a>(
        layer: &Layer,
        pairs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<Self, CorridorError> {
        let conditions = pairs
            .into_iter()
            .map(|(name, value)| Ok((field(layer, name)?, value)))
            .collect::<Result<_, CorridorError>>()?;
        Ok(Self(conditions))
    }

    /// Whether `feature` meets every condition.
    pub fn matches(&self, feature: &Feature) -> bool {
        (self.0.iter()).all(|(i, v)| feature.properties[*i].matches_text(v))
    }
}

/// Positions of the features of `selection`'s layer it picks.
fn select(layer: &Layer, selection: &Selection) -> Result<Vec<usize>, CorridorError> {
    let pairs = selection
        .filter
        .iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(s) => Ok((name.as_str(), s.clone())),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                Ok((name.as_str(), value.to_string()))
            }
            _ => Err(CorridorError::Invalid(format!(
                "where.{name} must be a text, number or boolean"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = Filter::new(layer, pairs)?;
    let positions: Vec<usize> = layer
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            selection.ids.as_ref().is_none_or(|ids| ids.contains(&f.id)) && filter.matches(f)
        })
        .map(|(i, _)| i)
        .collect();
    if positions.is_empty() {
        return Err(CorridorError::Layer {
            layer: layer.meta.id.clone(),
            why: "no feature matches the selection".into(),
        });
    }
    Ok(positions)
}

/// Everything the request needs resolved once: the layers and the network.
struct Context<'a> {
    analysis_crs: &'a str,
    catalog: &'a Catalog,
    sources: Resolved,
    /// What the region's totals depend on besides the region: the sources' layer versions
    /// and settings, and the scenario's population and service changes.
    sources_key: String,
    /// The network and how places attach to it, when a corridor needs them.
    network: Option<(Arc<Network>, SnapSettings)>,
    notes: Vec<String>,
}

/// Runs the analysis of `request` over `catalog`, whose analysis CRS is `analysis_crs`. What
/// the request leaves out comes from the region `profile`. Networks and the region's totals
/// come from (and stay in) `cache`.
pub fn analyse(
    catalog: &Catalog,
    analysis_crs: &str,
    profile: &AnalysisProfile,
    request: &CorridorRequest,
    cache: &AnalysisCache,
) -> Result<CorridorResponse, CorridorError> {
    request.validate()?;
    let bin_m = request.profile_bin_m;
    let mut context = Context {
        analysis_crs,
        catalog,
        sources: Resolved::default(),
        sources_key: String::new(),
        network: None,
        notes: vec![],
    };
    let needs = Needs {
        towns: request.corridors.iter().any(|c| c.between.is_some()),
        stops: request.corridors.iter().any(|c| c.catchment.is_some()),
    };
    let network = (needs.towns || needs.stops)
        .then(|| request.network.resolve(profile))
        .transpose()?;
    resolve_sources(&mut context, &request.sources, profile, needs)?;
    let changes = &request.changes;
    let mut applied = scenario::apply(
        &mut context.sources,
        catalog,
        changes,
        analysis_crs,
        &mut context.notes,
    )?;
    context.sources_key += &scenario::totals_key(changes);
    let mut network_info = None;
    if let Some((id, settings, snap)) = network {
        let layer = layer(catalog, &id)?;
        let built = scenario::network(
            cache,
            &layer,
            &settings,
            changes,
            analysis_crs,
            &mut applied,
        )?;
        context.network = Some((built, snap));
        network_info = Some(NetworkInfo {
            note: crate::analysis::network_note(&layer),
            layer: id,
        });
    }

    if network_info.is_none() && !changes.network.is_empty() {
        context.notes.push(
            "the scenario's road changes do not apply: no corridor travels over the network \
             (between, catchment)"
                .into(),
        );
    }

    let corridors = request
        .corridors
        .iter()
        .enumerate()
        .map(|(i, spec)| build(&context, spec).map_err(|e| prefix(i, e)))
        .collect::<Result<Vec<_>, _>>()?;

    let region = cache
        .corridor_regions
        .get_or_try(region_key(&context, request.region.as_ref()), || {
            region_totals(&context, request.region.as_ref())
        })?;

    let mut results = Vec::with_capacity(corridors.len());
    for (i, (spec, corridor)) in request.corridors.iter().zip(&corridors).enumerate() {
        if corridor.axis.length() / bin_m > MAX_BINS as f64 {
            return Err(prefix(
                i,
                CorridorError::Invalid(format!(
                    "the profile would have more than {MAX_BINS} bins; raise profile_bin_m"
                )),
            ));
        }
        let result = measure(&context, spec, i, corridor, bin_m, &region.tally)?;
        if let Some(travel) = &result.between
            && detour::is_suspect(travel.detour_factor)
        {
            context.notes.push(format!(
                "{}: the route between {} and {} over the network is {:.1} times the \
                 straight line; the network probably does not join them directly",
                result.name, travel.from, travel.to, travel.detour_factor
            ));
        }
        results.push(result);
    }
    let comparison = results.iter().map(ComparisonRow::of).collect();
    Ok(CorridorResponse {
        crs: crs::DISPLAY_CRS,
        analysis_crs: analysis_crs.to_string(),
        region: RegionTotals::clone(&region),
        corridors: results,
        comparison,
        network: network_info,
        notes: context.notes,
        changes: (!changes.is_empty()).then_some(applied),
    })
}

fn prefix(index: usize, error: CorridorError) -> CorridorError {
    match error {
        CorridorError::Geometry(why) => {
            CorridorError::Geometry(format!("corridor {}: {why}", index + 1))
        }
        CorridorError::Invalid(why) => {
            CorridorError::Invalid(format!("corridor {}: {why}", index + 1))
        }
        CorridorError::OutOfRange(mut range) => {
            range.name = format!("corridor {}: {}", index + 1, range.name);
            CorridorError::OutOfRange(range)
        }
        other => other,
    }
}

/// The sources a request cannot do without: tätorter to travel `between`, stops for a
/// `catchment`.
#[derive(Debug, Clone, Copy)]
struct Needs {
    towns: bool,
    stops: bool,
}

/// The request's part, else the profile's, with whether it must be there (`needed`, or named
/// in the request). Neither: [`ProfileError::Missing`] naming `setting` when `needed`, else a
/// note that the part `what` is left out.
fn choose<T>(
    given: Option<T>,
    profile: Option<T>,
    (setting, what, needed): (&'static str, &str, bool),
    notes: &mut Vec<String>,
) -> Result<Option<(T, bool)>, CorridorError> {
    match (given, profile) {
        (Some(given), _) => Ok(Some((given, true))),
        (None, Some(profile)) => Ok(Some((profile, needed))),
        (None, None) if needed => Err(ProfileError::Missing(setting).into()),
        (None, None) => {
            notes.push(format!(
                "{what} left out: neither the request (sources.{setting}) nor the region \
                 profile names a layer"
            ));
            Ok(None)
        }
    }
}

/// The layer `id`: one that must be there must exist; one of the profile that the store
/// lacks is left out with a note.
fn present(
    catalog: &Catalog,
    id: &str,
    must: bool,
    notes: &mut Vec<String>,
) -> Result<Option<Arc<Layer>>, CorridorError> {
    match catalog.get(id) {
        Some(l) => Ok(Some(Arc::clone(l))),
        None if must => Err(AnalysisError::UnknownLayer(id.to_string()).into()),
        None => {
            notes.push(format!(
                "layer {id:?} of the region profile is not in the store; left out"
            ));
            Ok(None)
        }
    }
}

/// Resolves each source from the request, else the profile, and notes what is left out.
fn resolve_sources(
    context: &mut Context,
    sources: &Sources,
    profile: &AnalysisProfile,
    needs: Needs,
) -> Result<(), CorridorError> {
    let catalog = context.catalog;
    let (notes, resolved, key) = (
        &mut context.notes,
        &mut context.sources,
        &mut context.sources_key,
    );
    let mut keyed = |l: &Layer, spec: &dyn std::fmt::Debug| {
        *key += &format!("{}:{spec:?};", layer_key(l));
    };

    let (demand, setting) = (sources.demand()?, ("demand", "population", false));
    if let Some((spec, must)) = choose(demand, profile.demand.clone(), setting, notes)?
        && let Some(l) = present(catalog, &spec.layer, must, notes)?
    {
        keyed(&l, &spec);
        resolved.population = Some((Arc::clone(&l), numeric_field(&l, &spec.population)?));
    }
    let (towns, setting) = (sources.towns()?, ("towns", "tätorter", needs.towns));
    if let Some((spec, must)) = choose(towns, profile.towns.clone(), setting, notes)?
        && let Some(l) = present(catalog, &spec.layer, must, notes)?
    {
        keyed(&l, &spec);
        resolved.towns = Some(spec.read(catalog)?);
    }
    let kinds = || profile.services.iter().map(ServiceSource::from).collect();
    let given = sources.services.clone();
    let wanted = (given.is_some() || !profile.services.is_empty()).then(kinds);
    let setting = ("services", "service points", false);
    if let Some((specs, must)) = choose(given, wanted, setting, notes)? {
        for spec in specs {
            let Some(l) = present(catalog, &spec.layer, must, notes)? else {
                continue;
            };
            keyed(&l, &spec);
            let kind = match (&spec.kind, &spec.kind_field) {
                (Some(_), Some(_)) => {
                    return Err(CorridorError::Invalid(format!(
                        "sources.services: give `kind` or `kind_field` for layer {:?}, not both",
                        spec.layer
                    )));
                }
                (Some(kind), None) => Kind::Named(kind.clone()),
                (None, Some(f)) => Kind::Field(field(&l, f)?),
                (None, None) => Kind::Named(spec.layer.clone()),
            };
            let filter = Filter::new(&l, spec.filter.iter().map(|(k, v)| (k.as_str(), v.clone())))?;
            resolved.services.push(Services::new(l, filter, kind));
        }
    }
    let (stops, setting) = (sources.stops.as_ref(), ("stops", "stops", needs.stops));
    if let Some((spec, must)) = choose(stops, profile.stops.as_ref(), setting, notes)?
        && let Some(l) = present(catalog, &spec.layer, must, notes)?
    {
        keyed(&l, spec);
        let fields = StopFields::resolve(&l, spec)?;
        if fields.departures.is_none() {
            notes.push(format!(
                "stops of layer {:?} are counted without departures (no departures_field)",
                spec.layer
            ));
        }
        resolved.stops = Some((l, fields));
    }
    Ok(())
}

/// Builds one corridor in the analysis CRS.
fn build(context: &Context, spec: &CorridorSpec) -> Result<Corridor, CorridorError> {
    check_buffer(spec.buffer_m)?;
    let lines = match (&spec.line, &spec.features) {
        (Some(drawn), None) => to_analysis(axis::lines_from_geojson(drawn)?, context.analysis_crs)?,
        (None, Some(selection)) => {
            let layer = layer(context.catalog, &selection.layer)?;
            let positions = select(&layer, selection)?;
            let lines = axis::lines_of(positions.iter().map(|&i| &layer.features[i].geometry));
            if lines.0.is_empty() {
                return Err(CorridorError::Layer {
                    layer: layer.meta.id.clone(),
                    why: format!(
                        "the chosen features are {:?}, not lines",
                        GeometryKind::common(
                            positions.iter().map(|&i| &layer.features[i].geometry)
                        )
                    ),
                });
            }
            lines
        }
        _ => {
            return Err(CorridorError::Invalid(
                "give either `line` (drawn GeoJSON) or `features` (a layer selection)".into(),
            ));
        }
    };
    let corridor = Corridor::new(lines, spec.buffer_m, spec.ends)?;
    match &spec.catchment {
        Some(catchment) => {
            let (polygons, summary) = stop_catchment(context, &corridor, catchment)?;
            Ok(corridor.join(&polygons, summary))
        }
        None => Ok(corridor),
    }
}

/// A drawn line (EPSG:4326) in the analysis CRS.
fn to_analysis(
    mut lines: MultiLineString<f64>,
    analysis_crs: &str,
) -> Result<MultiLineString<f64>, CorridorError> {
    let lon_lat: Vec<(f64, f64)> = lines.coords_iter().map(|c| (c.x, c.y)).collect();
    let mut projected = crs::from_display(&lon_lat, analysis_crs)
        .map_err(|e| CorridorError::Geometry(format!("cannot transform the line: {e}")))?
        .into_iter();
    for c in lines.iter_mut().flat_map(|l| l.0.iter_mut()) {
        *c = projected.next().expect("one position each");
    }
    Ok(lines)
}

/// The catchment of the stops within `spec.stop_distance_m` of the corridor's line.
fn stop_catchment(
    context: &Context,
    corridor: &Corridor,
    spec: &CatchmentSpec,
) -> Result<(MultiPolygon<f64>, Catchment), CorridorError> {
    spec.validate()?;
    let (network, snap) = context.network.as_ref().expect("resolved when asked for");
    let (stops, _) = (context.sources.stops.as_ref()).expect("resolved when asked for");
    let d = spec.stop_distance_m;
    let near = corridor.lines.bounding_rect().map_or(vec![], |r| {
        stops.analysis_candidates([r.min().x - d, r.min().y - d, r.max().x + d, r.max().y + d])
    });
    let on_line: Vec<Coord<f64>> = near
        .into_iter()
        .filter_map(|i| representative_point(&stops.features[i].geometry))
        .filter(|&at| corridor.distance_to_line(at) <= d)
        .collect();
    Ok(reach::catchment(network, &on_line, spec, snap)?)
}

/// Travel between the two tätorter of `spec` over the network.
fn travel(
    context: &Context,
    corridor: &Corridor,
    spec: &BetweenSpec,
) -> Result<Travel, CorridorError> {
    let (network, snap) = context.network.as_ref().expect("resolved when asked for");
    let towns = (context.sources.towns.as_ref()).expect("resolved when asked for");
    let layer = &towns.layer;
    // By name; of several with one name, the one nearest the line.
    let find = |wanted: &str| {
        (towns.towns.iter())
            .filter(|t| t.name == wanted)
            .map(|t| &layer.features[t.feature])
            .filter_map(|f| Some((representative_point(&f.geometry)?, f)))
            .min_by(|a, b| {
                corridor
                    .distance_to_line(a.0)
                    .total_cmp(&corridor.distance_to_line(b.0))
            })
            .ok_or_else(|| {
                CorridorError::Invalid(format!(
                    "between: no tätort named {wanted:?} in layer {:?}",
                    layer.meta.id
                ))
            })
    };
    let ((a, fa), (b, fb)) = (find(&spec.from)?, find(&spec.to)?);
    let (minutes, network_m) = reach::route(network, a, b, snap).map_err(|why| {
        CorridorError::Invalid(format!("between {} and {}: {why}", spec.from, spec.to))
    })?;
    let straight_m = Euclidean.distance(a, b);
    Ok(Travel {
        from: spec.from.clone(),
        to: spec.to.clone(),
        lon_lat: [lon_lat(&fa.display), lon_lat(&fb.display)],
        straight_m,
        network_m,
        minutes,
        // One place to itself is no detour.
        detour_factor: detour::factor(network_m, straight_m).unwrap_or(1.0),
    })
}

/// What the region's totals depend on: the versions of every layer read, the sources'
/// settings and the region's selection.
fn region_key(context: &Context, region: Option<&Selection>) -> String {
    let mut key = context.sources_key.clone();
    if let Some(region) = region {
        let version = (context.catalog.get(&region.layer))
            .map(|l| layer_key(l))
            .unwrap_or_default();
        key += &format!("region:{version}:{:?}:{:?}", region.filter, region.ids);
    }
    key
}

/// The region's totals, and how the region was defined.
fn region_totals(
    context: &Context,
    region: Option<&Selection>,
) -> Result<RegionTotals, CorridorError> {
    let display = |g: &Geometry<f64>| lon_lat(g);
    let count = |zone: &dyn Zone| tally::tally(&context.sources, zone, None, None, &display);
    let (source, mut tally) = match (region, &context.sources.population) {
        (Some(selection), _) => {
            let layer = layer(context.catalog, &selection.layer)?;
            let positions = select(&layer, selection)?;
            let polygons: Vec<MultiPolygon<f64>> = positions
                .iter()
                .filter_map(|&i| polygons_of(&layer.features[i].geometry))
                .collect();
            if polygons.is_empty() {
                return Err(CorridorError::Layer {
                    layer: layer.meta.id.clone(),
                    why: "the region must be polygons".into(),
                });
            }
            let union = if polygons.len() == 1 {
                polygons.into_iter().next().expect("one")
            } else {
                geo::unary_union(polygons.iter())
            };
            let source = format!(
                "{} features of layer {:?}{}",
                positions.len(),
                layer.meta.id,
                describe_filter(selection)
            );
            (source, count(&PreparedArea::new(union)))
        }
        (None, Some((demand, _))) if demand.meta.geometry_type.is_point() => {
            // Points cover no area: the region is their convex hull.
            let points: MultiPoint<f64> = (demand.features.iter())
                .filter_map(|f| representative_point(&f.geometry))
                .map(geo::Point::from)
                .collect();
            let hull = MultiPolygon::new(vec![points.convex_hull()]);
            let source = format!(
                "the convex hull of the points of the population layer {:?}",
                demand.meta.id
            );
            (source, count(&PreparedArea::new(hull)))
        }
        (None, Some((demand, _))) => {
            let source = format!("the units of the population layer {:?}", demand.meta.id);
            (source, count(&tally::Units(demand)))
        }
        (None, None) => {
            return Err(CorridorError::Invalid(
                "without a population layer (sources.demand or the region profile's demand), \
                 give a `region`"
                    .into(),
            ));
        }
    };
    if let Some(t) = tally.tatorter.as_mut() {
        t.items.clear();
    }
    if let Some(s) = tally.stops.as_mut() {
        s.items.clear();
    }
    Ok(RegionTotals { source, tally })
}

fn describe_filter(selection: &Selection) -> String {
    if selection.filter.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = selection
        .filter
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    format!(" where {}", parts.join(" and "))
}

fn polygons_of(geometry: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match geometry {
        Geometry::Polygon(p) => Some(MultiPolygon::new(vec![p.clone()])),
        Geometry::MultiPolygon(m) => Some(m.clone()),
        _ => None,
    }
}

/// `[lon, lat]` of a display geometry's representative point.
fn lon_lat(display: &Geometry<f64>) -> [f64; 2] {
    representative_point(display).map_or([f64::NAN, f64::NAN], |c| [c.x, c.y])
}

fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// Measures one corridor.
fn measure(
    context: &Context,
    spec: &CorridorSpec,
    index: usize,
    corridor: &Corridor,
    bin_m: f64,
    region: &Tally,
) -> Result<CorridorResult, CorridorError> {
    let mut profile = Profile::new(&corridor.axis, bin_m);
    let display = |g: &Geometry<f64>| lon_lat(g);
    let tally = tally::tally(
        &context.sources,
        corridor,
        Some(&mut profile),
        Some(&corridor.axis),
        &display,
    );
    let shares = shares(&tally, region);
    let between = spec
        .between
        .as_ref()
        .map(|b| travel(context, corridor, b))
        .transpose()?;
    let geometry = to_display(
        corridor.area.polygons().clone().into(),
        context.analysis_crs,
    )?;
    let axis = to_display(corridor.axis.line().clone().into(), context.analysis_crs)?;
    Ok(CorridorResult {
        name: spec
            .name
            .clone()
            .unwrap_or_else(|| format!("Korridor {}", index + 1)),
        buffer_m: spec.buffer_m,
        length_m: Euclidean.length(&corridor.lines),
        area_km2: corridor.area.area() / 1e6,
        geometry,
        axis,
        axis_length_m: corridor.axis.length(),
        tally,
        shares,
        profile: ProfileResult {
            bin_m,
            bins: profile.into_bins(),
        },
        catchment: corridor.catchment.clone(),
        between,
    })
}

fn shares(tally: &Tally, region: &Tally) -> Shares {
    let services = |t: &Tally| t.services.iter().map(|s| s.count).sum::<usize>() as f64;
    Shares {
        population: tally
            .population
            .as_ref()
            .zip(region.population.as_ref())
            .and_then(|(a, b)| share(a.total, b.total)),
        tatort_population: tally
            .tatorter
            .as_ref()
            .zip(region.tatorter.as_ref())
            .and_then(|(a, b)| share(a.population, b.population)),
        services: share(services(tally), services(region)),
        services_by_kind: region
            .services
            .iter()
            .map(|whole| {
                let part = tally
                    .services
                    .iter()
                    .find(|s| s.layer == whole.layer && s.kind == whole.kind)
                    .map_or(0, |s| s.count);
                KindShare {
                    layer: whole.layer.clone(),
                    kind: whole.kind.clone(),
                    share: share(part as f64, whole.count as f64),
                }
            })
            .collect(),
        stops: tally
            .stops
            .as_ref()
            .zip(region.stops.as_ref())
            .and_then(|(a, b)| share(a.count as f64, b.count as f64)),
        departures: tally
            .stops
            .as_ref()
            .zip(region.stops.as_ref())
            .and_then(|(a, b)| share(a.departures, b.departures)),
    }
}

impl ComparisonRow {
    fn of(result: &CorridorResult) -> Self {
        let length_km = result.axis_length_m / 1000.0;
        let population = result.tally.population.as_ref().map(|p| p.total);
        Self {
            name: result.name.clone(),
            length_km,
            buffer_m: result.buffer_m,
            area_km2: result.area_km2,
            population,
            population_share: result.shares.population,
            population_per_km: population.and_then(|p| share(p, length_km)),
            tatorter: result.tally.tatorter.as_ref().map(|t| t.count),
            tatort_population: result.tally.tatorter.as_ref().map(|t| t.population),
            services: result.tally.services.iter().map(|s| s.count).sum(),
            stops: result.tally.stops.as_ref().map(|s| s.count),
            departures: result.tally.stops.as_ref().map(|s| s.departures),
            departures_share: result.shares.departures,
            travel_minutes: result.between.as_ref().map(|t| t.minutes),
            detour_factor: result.between.as_ref().map(|t| t.detour_factor),
        }
    }
}

/// An analysis-CRS geometry as EPSG:4326 GeoJSON.
fn to_display(
    geometry: Geometry<f64>,
    analysis_crs: &str,
) -> Result<geojson::Geometry, CorridorError> {
    Ok(geojson::Geometry::from(&crs::to_display(
        &geometry,
        analysis_crs,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_source_names_read_as_the_profile_shapes() {
        let earlier: Sources = serde_json::from_value(serde_json::json!({
            "population": {"layer": "omraden", "field": "befolkning_2024"},
            "tatorter": {"layer": "ortsytor", "name_field": "NAMN1", "population_field": "BEF"}
        }))
        .unwrap();
        let demand = earlier.demand().unwrap().unwrap();
        assert_eq!(
            (demand.layer.as_str(), demand.population.as_str()),
            ("omraden", "befolkning_2024")
        );
        let towns = earlier.towns().unwrap().unwrap();
        assert_eq!(towns.layer, "ortsytor");
        assert_eq!(towns.population.as_deref(), Some("BEF"));
        assert_eq!(towns.name_field.as_deref(), Some("NAMN1"));

        let both: Sources = serde_json::from_value(serde_json::json!({
            "towns": {"layer": "orter"},
            "tatorter": {"layer": "orter", "name_field": "name", "population_field": "pop"}
        }))
        .unwrap();
        assert!(
            both.towns()
                .is_err_and(|e| e.to_string().contains("not both"))
        );
        assert!(Sources::default().demand().unwrap().is_none());
    }
}
