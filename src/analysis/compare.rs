//! Scenarios compared side by side: one analysis (service access, rural classes or corridors)
//! run for the baseline ("Nuläge") and one to [`MAX_SCENARIOS`] scenarios, answered as one
//! table per area (per corridor for the corridor analysis) and in total: each measure per
//! scenario and its difference from the baseline.
//!
//! The products apply the changes themselves: service access through
//! [`service_access::scenario`], rural and corridor through the `changes` field of their own
//! requests. The baseline is computed once, the scenarios one after another within the one
//! work budget of the comparison. Per unit, each scenario's value and its change against the
//! baseline can be made into a derived layer ([`Comparison::unit_layer`]) so the map can show
//! any scenario or its difference.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::corridor::{self, CorridorError, CorridorRequest, CorridorResponse};
use super::engine::derived::{AREA_FIELDS, area_values, real, text};
use super::engine::{Changes, Naming, Prepared, Summary, TOTAL, Unit, unit_layer};
use super::rural::{self, Class, Rural, RuralRequest, size_key};
use super::service_access::{self, AccessRequest, AccessSpec, Run};
use super::{AnalysisCache, AnalysisError, budget};
use crate::layer::{FieldKind, Layer, MAX_TITLE_CHARS};
use crate::profile::AnalysisProfile;
use crate::range::Range;
use crate::store::Catalog;

/// Most scenarios compared with the baseline in one request.
pub const MAX_SCENARIOS: usize = 6;
/// How many scenarios one comparison holds.
const SCENARIOS: Range = Range::new("scenarios", 1.0, MAX_SCENARIOS as f64, "scenarios");
/// The name of the baseline, the first column of every table.
pub const BASELINE: &str = "Nuläge";
/// The `source` of comparison result layers.
pub const RESULT_SOURCE: &str = "analysis/compare";
/// The id prefix of comparison result layers.
pub const LAYER_PREFIX: &str = "cmp_";

/// Errors of a comparison.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The comparison request is unusable (scenario count, names, the inner request).
    #[error("{0}")]
    Invalid(String),
    /// A scenario id that no saved scenario has.
    #[error("no saved scenario {0:?}; GET /api/scenarios lists them")]
    UnknownScenario(String),
    /// The analysis compared failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The corridor analysis compared failed.
    #[error(transparent)]
    Corridor(#[from] CorridorError),
}

impl From<budget::BudgetError> for CompareError {
    fn from(error: budget::BudgetError) -> Self {
        Self::Analysis(error.into())
    }
}

/// The analyses that can be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    /// Service access (`POST /api/analysis/service-access`).
    ServiceAccess,
    /// Rural distance classes (`POST /api/analysis/rural`).
    Rural,
    /// Corridors (`POST /api/analysis/corridor`); the rows are the corridors.
    Corridor,
}

/// `POST /api/analysis/compare`: one analysis, its request, and the scenarios to compare
/// with the baseline.
///
/// ```json
/// { "analysis": "service_access", "request": { "kind": "grocery" },
///   "scenarios": ["nya-bostader-marnas", { "name": "Butiken stänger", "changes": { "remove": ["butiker/7"] } }] }
/// ```
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// Which analysis.
    pub analysis: Analysis,
    /// That analysis's own request, without `changes` or `scenario` (default `{}`: all from
    /// the region profile).
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub request: Json,
    /// 1 to [`MAX_SCENARIOS`] scenarios: ids of saved scenarios or `{ "name", "changes" }`.
    #[schema(value_type = Vec<Object>)]
    pub scenarios: Vec<ScenarioRef>,
}

fn empty_object() -> Json {
    json!({})
}

/// A scenario of a comparison as the request names it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub enum ScenarioRef {
    /// The id of a saved scenario.
    Saved(String),
    /// A scenario given in the request.
    Inline(Scenario),
}

impl TryFrom<Json> for ScenarioRef {
    type Error = String;

    fn try_from(value: Json) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Inline {
            name: String,
            #[serde(default)]
            changes: Changes,
        }
        match value {
            Json::String(id) => Ok(Self::Saved(id)),
            Json::Object(_) => serde_json::from_value::<Inline>(value)
                .map(|i| {
                    Self::Inline(Scenario {
                        name: i.name,
                        id: None,
                        changes: i.changes,
                    })
                })
                .map_err(|e| format!("scenario: {e}")),
            _ => {
                Err("a scenario is the id of a saved scenario or { \"name\", \"changes\" }".into())
            }
        }
    }
}

/// A scenario with its changes: given inline, or a saved one (`id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Its name, the column heading.
    pub name: String,
    /// The id of a saved scenario; none for the baseline and inline scenarios.
    pub id: Option<String>,
    /// Its changes.
    #[serde(skip)]
    pub changes: Changes,
}

impl CompareRequest {
    /// Checks what needs no layer: 1 to [`MAX_SCENARIOS`] scenarios, an inner request that
    /// is an object without `changes` or `scenario`, and each inline scenario's changes.
    pub fn validate(&self) -> Result<(), CompareError> {
        SCENARIOS
            .check(self.scenarios.len() as f64)
            .map_err(AnalysisError::from)?;
        let Json::Object(request) = &self.request else {
            return Err(CompareError::Invalid(
                "\"request\" must be a JSON object: the analysis's own request".into(),
            ));
        };
        for key in ["changes", "scenario"] {
            if request.contains_key(key) {
                return Err(CompareError::Invalid(format!(
                    "\"request\" may not hold {key:?}: each scenario brings its changes"
                )));
            }
        }
        for s in &self.scenarios {
            if let ScenarioRef::Inline(s) = s {
                s.changes.validate()?;
            }
        }
        Ok(())
    }

    /// The scenarios, saved ids read through `saved`; refuses an unknown id (404), an empty
    /// or overlong name and a name given twice (or the baseline's).
    pub fn scenarios(
        &self,
        saved: impl Fn(&str) -> Option<Scenario>,
    ) -> Result<Vec<Scenario>, CompareError> {
        let mut out: Vec<Scenario> = Vec::new();
        for s in &self.scenarios {
            let scenario = match s {
                ScenarioRef::Saved(id) => {
                    saved(id).ok_or_else(|| CompareError::UnknownScenario(id.clone()))?
                }
                ScenarioRef::Inline(s) => s.clone(),
            };
            let name = scenario.name.trim();
            if name.is_empty() || name.chars().count() > MAX_TITLE_CHARS {
                return Err(CompareError::Invalid(format!(
                    "a scenario's name must have 1 to {MAX_TITLE_CHARS} characters"
                )));
            }
            if name == BASELINE || out.iter().any(|o| o.name.trim() == name) {
                return Err(CompareError::Invalid(format!(
                    "two scenarios are named {name:?} (the baseline is {BASELINE:?}); give each \
                     its own name"
                )));
            }
            out.push(scenario);
        }
        Ok(out)
    }
}

/// One measure of the table: its key in `values` and `difference`, a label and its unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Key, e.g. `population_beyond`.
    pub key: String,
    /// Label for the table heading, e.g. "Invånare bortom 30 min".
    pub label: String,
    /// Unit: `inv`, `min`, `km`, `st` or `kvot`.
    pub unit: &'static str,
}

impl Measure {
    fn new(key: impl Into<String>, label: impl Into<String>, unit: &'static str) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            unit,
        }
    }
}

/// Measures of one row in one scenario, by key; none where there is no value (no route).
pub type Values = BTreeMap<String, Option<f64>>;

/// One row of the table: an area (or corridor), or the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Area code.
    pub code: Option<String>,
    /// Area or corridor name; `Totalt` for the total.
    pub name: String,
    /// Per scenario, baseline first.
    pub values: Vec<Values>,
    /// Per scenario, its values minus the baseline's (none for the baseline itself).
    pub difference: Vec<Option<Values>>,
}

/// Every scenario's per-unit values, for its result layer.
#[derive(Debug, Clone)]
pub struct UnitValues {
    /// The units (the baseline's first, in the same positions; added units after).
    pub prepared: Arc<Prepared>,
    /// The value of each unit (minutes or km), none when unreached.
    pub values: Vec<Option<f64>>,
    /// A word on each unit: its band or class.
    pub labels: Vec<Option<String>>,
}

/// One scenario's run: the total, each row by its key, the units.
struct Outcome {
    total: Values,
    rows: Vec<(String, Option<String>, String, Values)>,
    units: Option<UnitValues>,
}

/// A comparison: the table and what the result layers are made of.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The analysis compared.
    pub analysis: Analysis,
    /// The measures, in table order.
    pub measures: Vec<Measure>,
    /// The baseline and the scenarios.
    pub scenarios: Vec<Scenario>,
    /// The whole region.
    pub total: Row,
    /// Per area (per corridor for the corridor analysis).
    pub areas: Vec<Row>,
    /// The analysis request resolved (what result ids are made from).
    #[serde(skip)]
    pub spec: Json,
    /// Per scenario, its units (none for the corridor).
    #[serde(skip)]
    pub units: Vec<Option<UnitValues>>,
}

/// Runs `request`'s analysis for the baseline and each of `scenarios` and tabulates them.
/// What the inner request leaves out comes from `profile`; networks and units are cached in
/// `cache`, so the baseline of a repeated comparison is not computed again.
pub fn compare(
    cache: &AnalysisCache,
    catalog: &Catalog,
    analysis_crs: &str,
    profile: &AnalysisProfile,
    request: &CompareRequest,
    scenarios: Vec<Scenario>,
) -> Result<Comparison, CompareError> {
    request.validate()?;
    let products = Products {
        cache,
        catalog,
        analysis_crs,
        profile,
        request: &request.request,
    };
    let (spec, measures, outcomes) = match request.analysis {
        Analysis::ServiceAccess => products.service_access(&scenarios)?,
        Analysis::Rural => products.rural(&scenarios)?,
        Analysis::Corridor => products.corridor(&scenarios)?,
    };
    let keys: Vec<&str> = measures.iter().map(|m| m.key.as_str()).collect();
    let total = row(
        None,
        TOTAL.into(),
        outcomes.iter().map(|o| Some(&o.total)).collect(),
        &keys,
    );
    let mut order: Vec<(&String, &Option<String>, &String)> = Vec::new();
    for o in &outcomes {
        for (key, code, name, _) in &o.rows {
            if !order.iter().any(|(k, _, _)| *k == key) {
                order.push((key, code, name));
            }
        }
    }
    let areas = order
        .into_iter()
        .map(|(key, code, name)| {
            let values = outcomes
                .iter()
                .map(|o| o.rows.iter().find(|r| &r.0 == key).map(|r| &r.3))
                .collect();
            row(code.clone(), name.clone(), values, &keys)
        })
        .collect();
    let mut all = vec![Scenario {
        name: BASELINE.into(),
        id: None,
        changes: Changes::default(),
    }];
    all.extend(scenarios);
    Ok(Comparison {
        analysis: request.analysis,
        measures,
        scenarios: all,
        total,
        areas,
        spec,
        units: outcomes.into_iter().map(|o| o.units).collect(),
    })
}

/// A row from each scenario's values (none: the row is not in that scenario).
fn row(code: Option<String>, name: String, values: Vec<Option<&Values>>, keys: &[&str]) -> Row {
    let values: Vec<Values> = values
        .into_iter()
        .map(|v| {
            keys.iter()
                .map(|k| (k.to_string(), v.and_then(|v| v.get(*k).copied().flatten())))
                .collect()
        })
        .collect();
    let difference = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i > 0).then(|| difference(&values[0], v)))
        .collect();
    Row {
        code,
        name,
        values,
        difference,
    }
}

/// `after` minus `before`, per measure; none where either has no value.
fn difference(before: &Values, after: &Values) -> Values {
    after
        .iter()
        .map(|(k, a)| {
            let b = before.get(k).copied().flatten();
            (k.clone(), b.zip(*a).map(|(b, a)| a - b))
        })
        .collect()
}

impl Comparison {
    /// What the result layer of scenario `i` is derived from: the analysis, its resolved
    /// request and the scenario's changes (so an id never changes meaning).
    pub fn layer_request(&self, i: usize) -> Json {
        json!({
            "compare": self.analysis,
            "request": self.spec,
            "changes": self.scenarios[i].changes,
        })
    }

    /// Scenario `i`'s per-unit result as a layer: `value` (minutes or km), `label` (band or
    /// class), `change` (the value minus the baseline's; none for added units and where
    /// either is unreached) and the unit's area. None for the corridor, which has no units.
    pub fn unit_layer(&self, i: usize, id: &str, title: &str) -> Option<Layer> {
        let units = self.units.get(i)?.as_ref()?;
        let base = self.units.first()?.as_ref()?;
        let mut fields = vec![
            ("value", FieldKind::Real),
            ("change", FieldKind::Real),
            ("label", FieldKind::String),
        ];
        fields.extend(AREA_FIELDS);
        let description = format!(
            "{} of {}, scenario {:?} against {BASELINE}, derived by kartrum",
            match self.analysis {
                Analysis::ServiceAccess => "Service access",
                Analysis::Rural => "Rural classes",
                Analysis::Corridor => "Corridors",
            },
            units.prepared.demand.meta.id,
            self.scenarios[i].name,
        );
        let naming = Naming {
            id,
            title,
            description: &description,
            source: RESULT_SOURCE,
        };
        Some(unit_layer(&units.prepared, &naming, &fields, |k, u| {
            let value = units.values[k];
            let before = base.values.get(k).copied().flatten();
            let mut properties = vec![
                real(value),
                real(before.zip(value).map(|(b, a)| a - b)),
                text(units.labels[k].clone()),
            ];
            properties.extend(area_values(&units.prepared, u));
            properties
        }))
    }
}

/// What every product's run needs.
struct Products<'a> {
    cache: &'a AnalysisCache,
    catalog: &'a Catalog,
    analysis_crs: &'a str,
    profile: &'a AnalysisProfile,
    request: &'a Json,
}

type Runs = (Json, Vec<Measure>, Vec<Outcome>);

impl Products<'_> {
    /// The product's request with `changes` in it (left out when empty, as the products
    /// serialise it).
    fn request_with<T: serde::de::DeserializeOwned>(
        &self,
        changes: &Changes,
    ) -> Result<T, CompareError> {
        let mut request = self.request.clone();
        if !changes.is_empty() {
            request["changes"] = json!(changes);
        }
        serde_json::from_value(request)
            .map_err(|e| CompareError::Invalid(format!("invalid request: {e}")))
    }

    fn service_access(&self, scenarios: &[Scenario]) -> Result<Runs, CompareError> {
        let spec = self
            .request_with::<AccessRequest>(&Changes::default())?
            .resolve(self.profile)?;
        spec.validate()?;
        let base = service_access::run(self.cache, self.catalog, &spec, &mut |_| {})?;
        let mut outcomes = vec![access_outcome(&base, &spec)];
        for s in scenarios {
            budget::check()?;
            let c = service_access::scenario(
                self.cache,
                self.catalog,
                &spec,
                &s.changes,
                self.analysis_crs,
            )?;
            outcomes.push(access_outcome(&c.after, &spec));
        }
        Ok((json!(spec), access_measures(&spec), outcomes))
    }

    fn rural(&self, scenarios: &[Scenario]) -> Result<Runs, CompareError> {
        let run = |changes: &Changes| -> Result<Rural, CompareError> {
            budget::check()?;
            let spec = self
                .request_with::<RuralRequest>(changes)?
                .resolve(self.profile)?;
            Ok(rural::classify(
                self.cache,
                self.catalog,
                &spec,
                self.analysis_crs,
                &mut |_| {},
            )?)
        };
        let base = run(&Changes::default())?;
        let mut outcomes = vec![rural_outcome(&base)];
        for s in scenarios {
            outcomes.push(rural_outcome(&run(&s.changes)?));
        }
        let n = size_key(base.spec.classes.town_population);
        let mut measures = vec![Measure::new("population", "Invånare", "inv")];
        measures.extend(
            Class::ALL
                .iter()
                .map(|c| Measure::new(c.key(), c.label(), "inv")),
        );
        measures.push(Measure::new(
            "mean_minutes",
            format!("Medeltid till tätort {n}+"),
            "min",
        ));
        Ok((json!(base.spec), measures, outcomes))
    }

    fn corridor(&self, scenarios: &[Scenario]) -> Result<Runs, CompareError> {
        let run = |changes: &Changes| -> Result<CorridorResponse, CompareError> {
            budget::check()?;
            let request: CorridorRequest = self.request_with(changes)?;
            Ok(corridor::analyse(
                self.catalog,
                self.analysis_crs,
                self.profile,
                &request,
                self.cache,
            )?)
        };
        let mut outcomes = vec![corridor_outcome(&run(&Changes::default())?)];
        for s in scenarios {
            outcomes.push(corridor_outcome(&run(&s.changes)?));
        }
        let measures = vec![
            Measure::new("population", "Invånare", "inv"),
            Measure::new("services", "Service", "st"),
            Measure::new("stops", "Hållplatser", "st"),
            Measure::new("travel_minutes", "Restid", "min"),
            Measure::new("detour_factor", "Omvägsfaktor", "kvot"),
        ];
        Ok((self.request.clone(), measures, outcomes))
    }
}

/// The unit word of a service-access spec.
fn unit_of(spec: &AccessSpec) -> &'static str {
    match spec.bands.unit {
        Unit::Min => "min",
        Unit::Km => "km",
    }
}

fn access_measures(spec: &AccessSpec) -> Vec<Measure> {
    let unit = unit_of(spec);
    let threshold = service_access::threshold_of(spec);
    let (mean, median) = match spec.bands.unit {
        Unit::Min => ("Medeltid", "Mediantid"),
        Unit::Km => ("Medelavstånd", "Medianavstånd"),
    };
    let mut measures = vec![
        Measure::new("population", "Invånare", "inv"),
        Measure::new(
            "population_beyond",
            format!("Invånare bortom {threshold} {unit}"),
            "inv",
        ),
        Measure::new("mean", mean, unit),
        Measure::new("median", median, unit),
        Measure::new("unreachable", "Invånare utan väg", "inv"),
    ];
    measures.extend(
        spec.bands
            .labels()
            .into_iter()
            .enumerate()
            .map(|(j, label)| Measure::new(format!("band_{j}"), label, "inv")),
    );
    measures
}

fn access_values(s: &Summary) -> Values {
    let mut values: Values = [
        ("population", Some(s.population)),
        ("population_beyond", Some(s.beyond_threshold)),
        ("mean", s.mean),
        ("median", s.median),
        ("unreachable", Some(s.unreachable)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (j, band) in s.bands.iter().enumerate() {
        values.insert(format!("band_{j}"), Some(band.population));
    }
    values
}

/// The key of an area row: its code and name.
fn area_key(code: &Option<String>, name: &str) -> String {
    format!("{}|{name}", code.as_deref().unwrap_or_default())
}

fn access_outcome(run: &Run, spec: &AccessSpec) -> Outcome {
    let labels = spec.bands.labels();
    let values: Vec<Option<f64>> = (0..run.outcome.units.len())
        .map(|i| run.outcome.value(i))
        .collect();
    Outcome {
        total: access_values(&run.total),
        rows: run
            .areas
            .iter()
            .map(|a| {
                let key = area_key(&a.code, &a.name);
                (key, a.code.clone(), a.name.clone(), access_values(a))
            })
            .collect(),
        units: Some(UnitValues {
            prepared: run.prepared.clone(),
            labels: values
                .iter()
                .map(|v| v.map(|v| labels[spec.bands.band_of(v)].clone()))
                .collect(),
            values,
        }),
    }
}

fn rural_values(a: &rural::AreaClasses, n: &str) -> Values {
    let mut values = Values::new();
    values.insert("population".into(), Some(a.population));
    for c in &a.classes {
        values.insert(c.class.key().into(), Some(c.population));
    }
    values.insert(
        "mean_minutes".into(),
        a.mean_minutes.get(n).copied().flatten(),
    );
    values
}

fn rural_outcome(r: &Rural) -> Outcome {
    let n = r.spec.classes.town_population;
    let key = size_key(n);
    let by_rule = r.nearest.iter().find(|x| x.n == n);
    Outcome {
        total: rural_values(&r.total, &key),
        rows: r
            .areas
            .iter()
            .map(|a| {
                let k = area_key(&a.code, &a.name);
                (k, a.code.clone(), a.name.clone(), rural_values(a, &key))
            })
            .collect(),
        units: Some(UnitValues {
            prepared: r.prepared.clone(),
            values: (0..r.classes.len())
                .map(|i| by_rule.and_then(|x| x.network.value(i)))
                .collect(),
            labels: r.classes.iter().map(|c| Some(c.label().into())).collect(),
        }),
    }
}

fn corridor_outcome(r: &CorridorResponse) -> Outcome {
    let tally = &r.region.tally;
    let total = [
        ("population", tally.population.as_ref().map(|p| p.total)),
        (
            "services",
            Some(tally.services.iter().map(|s| s.count as f64).sum()),
        ),
        ("stops", tally.stops.as_ref().map(|s| s.count as f64)),
        ("travel_minutes", None),
        ("detour_factor", None),
    ];
    Outcome {
        total: total.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        rows: r
            .comparison
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let values = [
                    ("population", c.population),
                    ("services", Some(c.services as f64)),
                    ("stops", c.stops.map(|s| s as f64)),
                    ("travel_minutes", c.travel_minutes),
                    ("detour_factor", c.detour_factor),
                ];
                let values = values.into_iter().map(|(k, v)| (k.to_string(), v));
                (i.to_string(), None, c.name.clone(), values.collect())
            })
            .collect(),
        units: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Json) -> Result<CompareRequest, serde_json::Error> {
        serde_json::from_value(body)
    }

    fn inline(name: &str) -> Json {
        json!({ "name": name, "changes": { "remove": ["butiker/1"] } })
    }

    #[test]
    fn scenarios_are_saved_ids_or_inline_and_bounded() {
        let r = request(json!({
            "analysis": "service_access",
            "scenarios": ["nya-bostader", inline("Butiken stänger")],
        }))
        .unwrap();
        r.validate().unwrap();
        assert_eq!(r.request, json!({}));
        let saved = |id: &str| {
            (id == "nya-bostader").then(|| Scenario {
                name: "Nya bostäder".into(),
                id: Some(id.into()),
                changes: Changes::default(),
            })
        };
        let names: Vec<String> = r
            .scenarios(saved)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["Nya bostäder", "Butiken stänger"]);
        assert!(matches!(
            r.scenarios(|_| None),
            Err(CompareError::UnknownScenario(id)) if id == "nya-bostader"
        ));

        let count = |n: usize| {
            let list: Vec<Json> = (0..n).map(|i| inline(&format!("S{i}"))).collect();
            request(json!({ "analysis": "rural", "scenarios": list }))
                .unwrap()
                .validate()
        };
        assert!(count(1).is_ok() && count(MAX_SCENARIOS).is_ok());
        for n in [0, MAX_SCENARIOS + 1] {
            let text = count(n).unwrap_err().to_string();
            assert!(text.contains("between 1 and 6"), "{text}");
        }
    }

    #[test]
    fn bad_requests_name_what_is_wrong() {
        let unknown = request(json!({ "analysis": "isochrone", "scenarios": [] }));
        let text = unknown.unwrap_err().to_string();
        assert!(
            text.contains("service_access") && text.contains("corridor"),
            "{text}"
        );
        assert!(request(json!({ "analysis": "rural", "scenarios": [5] })).is_err());
        let inside = request(json!({
            "analysis": "rural",
            "request": { "changes": {} },
            "scenarios": [inline("A")],
        }))
        .unwrap();
        assert!(
            inside
                .validate()
                .unwrap_err()
                .to_string()
                .contains("changes")
        );
        let twice = request(json!({
            "analysis": "rural",
            "scenarios": [inline("A"), inline(" A ")],
        }))
        .unwrap();
        assert!(matches!(
            twice.scenarios(|_| None),
            Err(CompareError::Invalid(_))
        ));
        let baseline = request(json!({ "analysis": "rural", "scenarios": [inline(BASELINE)] }));
        assert!(baseline.unwrap().scenarios(|_| None).is_err());
    }

    #[test]
    fn rows_follow_the_scenarios_and_differ_from_the_baseline() {
        let v = |x: Option<f64>| Values::from([("mean".to_string(), x)]);
        let (base, after) = (v(Some(10.0)), v(Some(12.5)));
        let r = row(
            None,
            "Falun".into(),
            vec![Some(&base), Some(&after), None],
            &["mean"],
        );
        assert_eq!(r.values[2]["mean"], None, "a row missing in a scenario");
        assert_eq!(r.difference[0], None);
        assert_eq!(r.difference[1].as_ref().unwrap()["mean"], Some(2.5));
        assert_eq!(r.difference[2].as_ref().unwrap()["mean"], None);
    }
}
