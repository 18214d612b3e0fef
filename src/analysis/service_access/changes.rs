//! What-if scenarios of service access: the [`Changes`] of a scenario (services removed,
//! added or moved; new homes; roads closed, given a new speed or added) run against the
//! units prepared on the changed network ([`prepare_scenario`]) and compared with the
//! baseline, per unit and per area. Added homes are units without a `before`.

use serde::Serialize;

use super::{AccessSpec, Run, baseline, finish, threshold_of};
use crate::analysis::AnalysisError;
pub use crate::analysis::engine::changes::{Changes, MAX_CHANGES, MovedService, NewService};
use crate::analysis::engine::{
    AnalysisCache, OUTSIDE, Service, Summary, evaluate, prepare, prepare_scenario, sum,
    summarize_members, weighted_mean,
};
use crate::crs;
use crate::network::EditReport;
use crate::store::Catalog;

/// The services after `changes`. Unknown ids are refused, so a typo never passes for a
/// scenario without effect. Added services get ids `new/1`, `new/2`, ….
pub fn apply(
    services: &[Service],
    changes: &Changes,
    analysis_crs: &str,
) -> Result<Vec<Service>, AnalysisError> {
    let known = |id: &str| {
        services
            .iter()
            .any(|s| s.id == id)
            .then_some(())
            .ok_or_else(|| AnalysisError::Invalid(format!("no service {id:?} in the supply set")))
    };
    for id in changes
        .remove
        .iter()
        .chain(changes.moves.iter().map(|m| &m.id))
    {
        known(id)?;
    }
    let lonlat: Vec<(f64, f64)> = changes
        .moves
        .iter()
        .map(|m| (m.lon, m.lat))
        .chain(changes.add.iter().map(|a| (a.lon, a.lat)))
        .collect();
    let points = crs::from_display(&lonlat, analysis_crs)?;
    let (moved, added) = points.split_at(changes.moves.len());
    let mut out: Vec<Service> = services
        .iter()
        .filter(|s| !changes.remove.contains(&s.id))
        .cloned()
        .collect();
    for (m, p) in changes.moves.iter().zip(moved) {
        if let Some(s) = out.iter_mut().find(|s| s.id == m.id) {
            s.point = *p;
        }
    }
    for (k, (a, p)) in changes.add.iter().zip(added).enumerate() {
        out.push(Service {
            id: format!("new/{}", k + 1),
            name: a.name.clone().unwrap_or_else(|| format!("new {}", k + 1)),
            point: *p,
        });
    }
    if out.is_empty() {
        return Err(AnalysisError::EmptySupply(
            "the scenario removes every service".into(),
        ));
    }
    Ok(out)
}

/// How one unit's access changes in a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct UnitChange {
    /// Feature id of the unit.
    pub id: u64,
    /// Its population.
    pub population: f64,
    /// Its area's code.
    pub area_code: Option<String>,
    /// Its area's name.
    pub area: Option<String>,
    /// Value before (minutes or km), absent when unreachable.
    pub before: Option<f64>,
    /// Value after.
    pub after: Option<f64>,
    /// After minus before; absent when either is unreachable.
    pub change: Option<f64>,
    /// Nearest service before.
    pub before_service: Option<String>,
    /// Nearest service after.
    pub after_service: Option<String>,
}

/// How an area's access changes in a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct AreaChange {
    /// Area code.
    pub code: Option<String>,
    /// Area name.
    pub name: String,
    /// Population whose nearest service gets farther.
    pub population_farther: f64,
    /// Population whose nearest service gets nearer.
    pub population_closer: f64,
    /// Population that had a reachable service and has none after.
    pub population_lost_access: f64,
    /// Population-weighted mean of the increase over those who get farther.
    pub mean_increase: Option<f64>,
    /// The largest increase.
    pub max_increase: Option<f64>,
    /// Aggregates before.
    pub before: Summary,
    /// Aggregates after.
    pub after: Summary,
}

/// A scenario compared with the baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The run without changes.
    pub before: Run,
    /// The run with changes.
    pub after: Run,
    /// The whole.
    pub total: AreaChange,
    /// Per area, in the order of [`Run::areas`].
    pub areas: Vec<AreaChange>,
    /// Units whose result or population changed and added units, those losing most first
    /// (lost access before all).
    pub units: Vec<UnitChange>,
    /// What the road changes did (edges closed, given a new speed, split; links added).
    pub network: Option<EditReport>,
    /// Residents the scenario adds.
    pub population_added: f64,
}

/// Runs the baseline and the scenario with `changes` and compares them. Service changes
/// only repeat the service search on the cached units; new homes and road changes run it on
/// units prepared on the changed network (cached too). Units of the baseline keep their
/// positions; added units follow, without a `before`.
pub fn scenario(
    cache: &AnalysisCache,
    catalog: &Catalog,
    spec: &AccessSpec,
    changes: &Changes,
    analysis_crs: &str,
) -> Result<Comparison, AnalysisError> {
    changes.validate()?;
    let units_spec = spec.units();
    let before = baseline(cache, catalog, spec, prepare(cache, catalog, &units_spec)?)?;
    let changed = apply(&before.outcome.services, changes, analysis_crs)?;
    let prepared = prepare_scenario(cache, catalog, &units_spec, changes, analysis_crs)?;
    let outcome = evaluate(&prepared, &spec.snap, spec.bands.unit, changed);
    let after = finish(prepared.clone(), outcome, spec);
    let service_id = |run: &Run, i: usize| run.outcome.service_id(i).map(String::from);
    let known = before.prepared.units.len();
    let mut units = Vec::new();
    for (i, u) in prepared.units.iter().enumerate() {
        let added = i >= known;
        let (b, a) = (
            if added { None } else { before.outcome.value(i) },
            after.outcome.value(i),
        );
        let same = match (b, a) {
            (Some(b), Some(a)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        };
        let more = !added && before.prepared.units[i].population != u.population;
        if !added && !more && same && service_id(&before, i) == service_id(&after, i) {
            continue;
        }
        units.push(UnitChange {
            id: u.id,
            population: u.population,
            area_code: u.area.and_then(|a| prepared.areas[a as usize].code.clone()),
            area: u.area.map(|a| prepared.areas[a as usize].name.clone()),
            before: b,
            after: a,
            change: b.zip(a).map(|(b, a)| a - b),
            before_service: if added { None } else { service_id(&before, i) },
            after_service: service_id(&after, i),
        });
    }
    let rank = |c: &UnitChange| match (c.before, c.change) {
        (Some(_), None) => f64::INFINITY,
        (_, Some(d)) => d,
        (None, None) => f64::NEG_INFINITY,
    };
    units.sort_by(|x, y| rank(y).total_cmp(&rank(x)));
    let change_of = |members: &dyn Fn(&UnitChange) -> bool, b: &Summary, a: &Summary| {
        let picked: Vec<&UnitChange> = units.iter().filter(|c| members(c)).collect();
        let farther: Vec<(f64, f64)> = picked
            .iter()
            .filter_map(|c| c.change.filter(|d| *d > 0.0).map(|d| (d, c.population)))
            .collect();
        let weight = sum(farther.iter().map(|(_, p)| *p));
        AreaChange {
            code: b.code.clone(),
            name: b.name.clone(),
            population_farther: weight,
            population_closer: sum(picked
                .iter()
                .filter(|c| {
                    c.change.is_some_and(|d| d < 0.0) || (c.before.is_none() && c.after.is_some())
                })
                .map(|c| c.population)),
            population_lost_access: sum(picked
                .iter()
                .filter(|c| c.before.is_some() && c.after.is_none())
                .map(|c| c.population)),
            mean_increase: weighted_mean(&farther),
            max_increase: farther.iter().map(|(d, _)| *d).reduce(f64::max),
            before: b.clone(),
            after: a.clone(),
        }
    };
    let total = change_of(&|_| true, &before.total, &after.total);
    // Added homes may populate an area that had no units: it is empty before.
    let none_before = |a: &Summary| {
        summarize_members(
            &before.prepared,
            &before.outcome,
            &[],
            &spec.bands,
            threshold_of(spec),
            (a.code.clone(), a.name.clone()),
        )
    };
    let areas = after
        .areas
        .iter()
        .map(|a| {
            let b = before
                .areas
                .iter()
                .find(|b| b.code == a.code && b.name == a.name)
                .cloned()
                .unwrap_or_else(|| none_before(a));
            let in_area = |c: &UnitChange| {
                c.area_code == a.code && c.area.as_deref().unwrap_or(OUTSIDE) == a.name
            };
            change_of(&in_area, &b, a)
        })
        .collect();
    Ok(Comparison {
        network: prepared.network.as_ref().and_then(|n| n.summary().edits),
        population_added: sum(changes.population.iter().map(|h| h.population)),
        before,
        after,
        total,
        areas,
        units,
    })
}
