//! Service access (serviceanalys): for every demand unit (population grid cell, DeSO, tätort)
//! the nearest service point of a kind (grocery store, pharmacy, health centre), the travel
//! time and network distance to it, and per area (e.g. municipality) the population per
//! distance band, the population-weighted mean and median and the population beyond a
//! threshold. What-if scenarios ([`changes`]) remove, add or move service points and compare.
//!
//! Like Tillväxtverket's Pipos Serviceanalys, distances are measured along the network: units
//! and services attach to the nearest edge by a straight connector ([`SnapSettings`]), and one
//! multi-source Dijkstra from all services finds every unit's nearest (the
//! [engine](crate::analysis::engine)'s search). A straight-line mode measures plain distance instead.
//!
//! A request ([`AccessRequest`]) may leave out what the region profile gives: network,
//! demand, areas and the services (`kind`: one of the profile's service kinds).

pub mod changes;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::AnalysisError;
use super::engine::derived::{AREA_FIELDS, area_values, real, text};
use super::engine::spec::{NetworkChoice, areas_or_profile, null_or};
use super::engine::{
    AnalysisCache, Naming, Outcome, Prepared, Summary, UnitsSpec, evaluate, layer, prepare,
    services, summarize, unit_layer,
};
pub use super::engine::{AreaSpec, Bands, DemandSpec, Mode, Status, SupplySpec, Unit};
use crate::layer::{FieldKind, Layer};
use crate::network::cache::layer_key;
use crate::network::{NetworkSettings, SnapSettings};
use crate::profile::{AnalysisProfile, ProfileError, pick};
use crate::range;
use crate::store::Catalog;
pub use changes::{Changes, Comparison, MovedService, NewService, apply, scenario};

/// A request of `POST /api/analysis/service-access` and of `kartrum analyze
/// service-access`: every layer may be left out for the region profile's.
///
/// ```json
/// { "kind": "grocery", "bands": { "unit": "min", "breaks": [5, 10, 20, 30] } }
/// ```
///
/// or with every layer named:
///
/// ```json
/// {
///   "network": "vagar",
///   "demand": { "layer": "rutor", "population": "bef" },
///   "supply": [{ "layer": "butiker", "filter": { "category": "grocery" } }],
///   "areas": { "layer": "kommungranser", "name_field": "name", "code_field": "code" },
///   "threshold": 30
/// }
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    /// Line layer of the network (network mode); default the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// How to read the network layer; default the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub network_settings: Option<NetworkSettings>,
    /// How units and services attach to the network; default the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub snap: Option<SnapSettings>,
    /// Where people live; default the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub demand: Option<DemandSpec>,
    /// A service kind of the profile (e.g. `grocery`) whose points are the supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The service points: one or more layers, each with an optional filter (instead of
    /// `kind`). Without either, the profile's first service kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub supply: Option<Vec<SupplySpec>>,
    /// Polygons to aggregate per; default the profile's; `null` for totals only.
    #[serde(
        default,
        deserialize_with = "null_or",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub areas: Option<Option<AreaSpec>>,
    /// Along the network or as the crow flies.
    #[serde(default)]
    pub mode: Mode,
    /// Distance bands.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub bands: Bands,
    /// Population beyond this many minutes (or km) is reported; default the last break.
    #[serde(default)]
    pub threshold: Option<f64>,
}

impl AccessRequest {
    /// The analysis this request asks for, what it leaves out taken from `profile`.
    /// Errors name the missing setting (`network`, `demand`, `supply`) or the unknown kind.
    pub fn resolve(self, profile: &AnalysisProfile) -> Result<AccessSpec, AnalysisError> {
        let supply = match (self.supply, self.kind) {
            (Some(_), Some(_)) => {
                return Err(AnalysisError::Invalid(
                    "give either \"kind\" (a service kind of the region profile) or \"supply\", \
                     not both"
                        .into(),
                ));
            }
            (Some(supply), None) => supply,
            (None, Some(kind)) => vec![profile.service(&kind)?.supply()],
            (None, None) => vec![
                profile
                    .services
                    .first()
                    .ok_or(ProfileError::Missing("supply"))?
                    .supply(),
            ],
        };
        let network = match self.mode {
            Mode::Network => Some(pick("network", self.network, profile.network.as_ref())?),
            Mode::StraightLine => self.network,
        };
        Ok(AccessSpec {
            network,
            network_settings: NetworkChoice::settings(profile, self.network_settings),
            snap: NetworkChoice::snap(profile, self.snap),
            demand: pick("demand", self.demand, profile.demand.as_ref())?,
            supply,
            areas: areas_or_profile(self.areas, profile.areas.as_ref()),
            mode: self.mode,
            bands: self.bands,
            threshold: self.threshold,
        })
    }
}

/// A service-access analysis with every layer named: a request resolved against the region
/// profile ([`AccessRequest::resolve`]). Its JSON is what derived result ids are made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSpec {
    /// Line layer of the network (required in network mode).
    #[serde(default)]
    pub network: Option<String>,
    /// How to read the network layer.
    #[serde(default)]
    pub network_settings: NetworkSettings,
    /// How units and services attach to the network.
    #[serde(default)]
    pub snap: SnapSettings,
    /// Where people live.
    pub demand: DemandSpec,
    /// The service points: one or more layers, each with an optional filter.
    pub supply: Vec<SupplySpec>,
    /// Polygons to aggregate per (e.g. municipalities); without it only the total is given.
    #[serde(default)]
    pub areas: Option<AreaSpec>,
    /// Along the network or as the crow flies.
    #[serde(default)]
    pub mode: Mode,
    /// Distance bands.
    #[serde(default)]
    pub bands: Bands,
    /// Population beyond this many minutes (or km) is reported; default the last break.
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// Most supply layers of one analysis.
pub const MAX_SUPPLY: usize = 20;
/// Most `filter` entries of one supply layer.
pub const MAX_FILTER: usize = 20;

/// A complete run: the prepared units, the outcome and its aggregates.
#[derive(Debug, Clone)]
pub struct Run {
    /// Network, units and areas.
    pub prepared: Arc<Prepared>,
    /// Per-unit results.
    pub outcome: Outcome,
    /// The whole.
    pub total: Summary,
    /// Per area, in the area layer's order; units in no area last.
    pub areas: Vec<Summary>,
}

impl AccessSpec {
    /// Checks the ranges and combinations of the settings (bands, threshold, snap and network
    /// settings, numbers of supply layers and filters) before any layer is read.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        let spec = self;
        spec.bands.validate()?;
        spec.snap.validate()?;
        if spec.mode == Mode::StraightLine && spec.bands.unit == Unit::Min {
            return Err(AnalysisError::Invalid(
                "straight-line mode measures kilometres: use bands with \"unit\": \"km\"".into(),
            ));
        }
        if spec.mode == Mode::Network && spec.network.is_none() {
            return Err(ProfileError::Missing("network").into());
        }
        if let Some(t) = spec.threshold {
            spec.bands.unit.range("threshold").check(t)?;
        }
        spec.network_settings.validate()?;
        range::at_most("supply", spec.supply.len(), MAX_SUPPLY, "layers")?;
        for supply in &spec.supply {
            range::at_most("supply.filter", supply.filter.len(), MAX_FILTER, "fields")?;
        }
        if spec.supply.is_empty() {
            return Err(AnalysisError::EmptySupply(
                "\"supply\" lists no layer".into(),
            ));
        }
        Ok(())
    }

    /// What the demand units are prepared from.
    pub fn units(&self) -> UnitsSpec {
        UnitsSpec {
            network: match self.mode {
                Mode::Network => self.network.clone(),
                Mode::StraightLine => None,
            },
            network_settings: self.network_settings.clone(),
            snap: self.snap,
            demand: self.demand.clone(),
            areas: self.areas.clone(),
        }
    }
}

/// Runs the analysis: prepares (or reuses) the network and units, finds the services and
/// every unit's nearest, and aggregates; a repeated request is answered from the cache.
/// `progress` hears each of the [`STAGES`] stages' names.
pub fn run(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
    progress: &mut dyn FnMut(&'static str),
) -> Result<Run, AnalysisError> {
    spec.validate()?;
    progress("network and units");
    let prepared = prepare(cache, catalog, &spec.units())?;
    progress("nearest service");
    let run = baseline(cache, catalog, spec, prepared)?;
    progress("aggregates");
    Ok(run)
}

/// The run with the unchanged services. Its outcome is cached by the prepared key, the supply
/// layers' versions and the rest of the spec: a scenario after an analysis only searches once.
fn baseline(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
    prepared: Arc<Prepared>,
) -> Result<Run, AnalysisError> {
    let mut key = prepared.key.clone();
    for s in &spec.supply {
        key.push('|');
        let supply = layer(catalog, &s.layer)?;
        key.push_str(&layer_key(&supply));
    }
    let rest = serde_json::json!([spec.supply, spec.mode, spec.bands.unit]);
    key.push_str(&rest.to_string());
    let outcome = cache.outcomes.get_or_try(key, || {
        let services = services(catalog, &spec.supply)?;
        Ok::<_, AnalysisError>(evaluate(&prepared, &spec.snap, spec.bands.unit, services))
    })?;
    Ok(finish(prepared, Outcome::clone(&outcome), spec))
}

/// Number of progress stages [`run`] reports.
pub const STAGES: u64 = 3;

fn finish(prepared: Arc<Prepared>, outcome: Outcome, spec: &AccessSpec) -> Run {
    let threshold = threshold_of(spec);
    let (total, areas) = summarize(&prepared, &outcome, &spec.bands, threshold);
    Run {
        prepared,
        outcome,
        total,
        areas,
    }
}

/// The threshold of `spec`: as given, else the last band break.
pub fn threshold_of(spec: &AccessSpec) -> f64 {
    spec.threshold
        .unwrap_or_else(|| spec.bands.breaks.last().copied().unwrap_or(0.0))
}

/// The per-unit results as a layer with the demand units' geometries, for the map and tiles.
/// With `baseline`, a `change` field holds the difference to it.
pub fn result_layer(
    run: &Run,
    bands: &Bands,
    id: &str,
    title: &str,
    baseline: Option<&Run>,
) -> Layer {
    let mut fields: Vec<(&str, FieldKind)> = vec![
        ("status", FieldKind::String),
        ("value", FieldKind::Real),
        ("time_min", FieldKind::Real),
        ("distance_km", FieldKind::Real),
        ("band", FieldKind::String),
        ("service_id", FieldKind::String),
        ("service_name", FieldKind::String),
        ("snap_m", FieldKind::Real),
    ];
    fields.extend(AREA_FIELDS);
    if baseline.is_some() {
        fields.push(("change", FieldKind::Real));
    }
    let labels = bands.labels();
    let prepared = &run.prepared;
    let description = format!(
        "Service access of {} ({}), derived by kartrum",
        prepared.demand.meta.id,
        match prepared.network_layer.as_deref() {
            Some(n) => format!("along {}", n.meta.id),
            None => "straight line".into(),
        }
    );
    let naming = Naming {
        id,
        title,
        description: &description,
        source: RESULT_SOURCE,
    };
    unit_layer(prepared, &naming, &fields, |i, u| {
        let r = &run.outcome.units[i];
        let value = run.outcome.value(i);
        let service = r.service.map(|s| &run.outcome.services[s as usize]);
        let mut properties = vec![
            text(Some(r.status.as_str().into())),
            real(value),
            real(r.time_s.map(|t| t / 60.0)),
            real(r.length_m.map(|l| l / 1000.0)),
            text(value.map(|v| labels[bands.band_of(v)].clone())),
            text(service.map(|s| s.id.clone())),
            text(service.map(|s| s.name.clone())),
            real(u.location.map(|l| l.connector_m)),
        ];
        properties.extend(area_values(prepared, u));
        if let Some(base) = baseline {
            // Units a scenario adds (after the baseline's) have no baseline value.
            let before = (i < base.outcome.units.len())
                .then(|| base.outcome.value(i))
                .flatten();
            properties.push(real(before.zip(value).map(|(b, a)| a - b)));
        }
        properties
    })
}

/// One unit's result as JSON, for API responses.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    /// Feature id in the demand layer.
    pub id: u64,
    /// Population.
    pub population: f64,
    /// Whether a service was reached.
    pub status: Status,
    /// Minutes or km, per the band unit.
    pub value: Option<f64>,
    /// Travel time in minutes (network mode).
    pub time_min: Option<f64>,
    /// Distance in km.
    pub distance_km: Option<f64>,
    /// Nearest service id.
    pub service_id: Option<String>,
    /// Nearest service name.
    pub service_name: Option<String>,
    /// Connector length to the network (metres).
    pub snap_m: Option<f64>,
    /// Area code.
    pub area_code: Option<String>,
    /// Area name.
    pub area_name: Option<String>,
}

impl Run {
    /// Per-unit rows.
    pub fn unit_rows(&self) -> Vec<UnitRow> {
        let p = &self.prepared;
        p.units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let r = &self.outcome.units[i];
                let service = r.service.map(|s| &self.outcome.services[s as usize]);
                let area = u.area.map(|a| &p.areas[a as usize]);
                UnitRow {
                    id: u.id,
                    population: u.population,
                    status: r.status,
                    value: self.outcome.value(i),
                    time_min: r.time_s.map(|t| t / 60.0),
                    distance_km: r.length_m.map(|l| l / 1000.0),
                    service_id: service.map(|s| s.id.clone()),
                    service_name: service.map(|s| s.name.clone()),
                    snap_m: u.location.map(|l| l.connector_m),
                    area_code: area.and_then(|a| a.code.clone()),
                    area_name: area.map(|a| a.name.clone()),
                }
            })
            .collect()
    }

    /// Units and population per status (`beyond_snap`, `no_route`, `reached`).
    pub fn status_counts(&self) -> BTreeMap<&'static str, (usize, f64)> {
        let mut out = BTreeMap::new();
        for (u, r) in self.prepared.units.iter().zip(&self.outcome.units) {
            let entry = out.entry(r.status.as_str()).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += u.population;
        }
        out
    }

    /// The per-area table as CSV: code, name, units, population, one column per band,
    /// unreachable, mean, median, beyond threshold; the total last.
    pub fn areas_csv(&self) -> String {
        let mut out = String::new();
        let labels: Vec<String> = self.total.bands.iter().map(|b| b.label.clone()).collect();
        let mut header = vec![
            "code".to_string(),
            "name".into(),
            "units".into(),
            "population".into(),
        ];
        header.extend(labels);
        header.extend(["unreachable", "mean", "median", "beyond_threshold"].map(String::from));
        csv_line(&mut out, &header);
        for s in self.areas.iter().chain([&self.total]) {
            let mut row = vec![
                s.code.clone().unwrap_or_default(),
                s.name.clone(),
                s.units.to_string(),
                number(Some(s.population)),
            ];
            row.extend(s.bands.iter().map(|b| number(Some(b.population))));
            row.extend([
                number(Some(s.unreachable)),
                number(s.mean),
                number(s.median),
                number(Some(s.beyond_threshold)),
            ]);
            csv_line(&mut out, &row);
        }
        out
    }

    /// The per-unit table as CSV.
    pub fn units_csv(&self) -> String {
        let mut out = String::new();
        let header = [
            "unit_id",
            "population",
            "status",
            "value",
            "time_min",
            "distance_km",
            "service_id",
            "service_name",
            "snap_m",
            "area_code",
            "area_name",
        ]
        .map(String::from);
        csv_line(&mut out, &header);
        for r in self.unit_rows() {
            csv_line(
                &mut out,
                &[
                    r.id.to_string(),
                    number(Some(r.population)),
                    r.status.as_str().to_string(),
                    number(r.value),
                    number(r.time_min),
                    number(r.distance_km),
                    r.service_id.unwrap_or_default(),
                    r.service_name.unwrap_or_default(),
                    number(r.snap_m),
                    r.area_code.unwrap_or_default(),
                    r.area_name.unwrap_or_default(),
                ],
            );
        }
        out
    }
}

fn number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{v}"),
        Some(v) => format!("{v:.3}"),
        None => String::new(),
    }
}

fn csv_line(out: &mut String, cells: &[String]) {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    out.push_str(&quoted.join(","));
    out.push('\n');
}

/// The `source` of result layers, telling them from ingested ones.
pub const RESULT_SOURCE: &str = "analysis/service-access";

#[cfg(test)]
mod tests;
