//! Bands and summaries: population per band, population-weighted mean and median, the
//! population beyond a threshold, for the whole and per area.

use serde::Serialize;

use super::areas::{TOTAL, group_by_area};
use super::lookup::sum;
use super::nearest::Outcome;
use super::spec::Bands;
use super::units::Prepared;

/// Population in one band.
#[derive(Debug, Clone, Serialize)]
pub struct BandCount {
    /// Label, e.g. `5–10 min`.
    pub label: String,
    /// Lower bound (inclusive).
    pub from: f64,
    /// Upper bound (exclusive), absent for the last band.
    pub to: Option<f64>,
    /// Population in the band.
    pub population: f64,
    /// Share of the area's total population (0–1).
    pub share: f64,
}

/// Aggregates for one area or the whole.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Area code.
    pub code: Option<String>,
    /// Area name (`Totalt` for the whole, `Utanför områdena` for units in no area).
    pub name: String,
    /// Demand units.
    pub units: usize,
    /// Total population. Equals the band sums plus `unreachable`.
    pub population: f64,
    /// Population per band (reached units only).
    pub bands: Vec<BandCount>,
    /// Population of units with no reachable service (beyond snap or no route).
    pub unreachable: f64,
    /// Population-weighted mean over reached units, in the band unit.
    pub mean: Option<f64>,
    /// Population-weighted median over reached units, in the band unit.
    pub median: Option<f64>,
    /// The threshold, in the band unit.
    pub threshold: f64,
    /// Population beyond the threshold, unreachable included.
    pub beyond_threshold: f64,
}

/// The population-weighted mean of `(value, weight)` pairs; none when the weights sum to 0.
///
/// ```
/// use kartrummet::analysis::engine::weighted_mean;
/// assert_eq!(weighted_mean(&[(10.0, 1.0), (40.0, 2.0)]), Some(30.0));
/// assert_eq!(weighted_mean(&[(10.0, 0.0)]), None);
/// ```
pub fn weighted_mean(pairs: &[(f64, f64)]) -> Option<f64> {
    let weight = sum(pairs.iter().map(|(_, w)| *w));
    (weight > 0.0).then(|| sum(pairs.iter().map(|(v, w)| v * w)) / weight)
}

/// The population-weighted median of `(value, weight)` pairs: the smallest value at which
/// half the weight is reached; none when the weights sum to 0.
///
/// ```
/// use kartrummet::analysis::engine::weighted_median;
/// assert_eq!(weighted_median(vec![(30.0, 1.0), (5.0, 3.0), (60.0, 1.0)]), Some(5.0));
/// assert_eq!(weighted_median(vec![(30.0, 1.0), (5.0, 1.0)]), Some(5.0));
/// assert_eq!(weighted_median(vec![]), None);
/// ```
pub fn weighted_median(mut pairs: Vec<(f64, f64)>) -> Option<f64> {
    let weight = sum(pairs.iter().map(|(_, w)| *w));
    if weight <= 0.0 {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut acc = 0.0;
    pairs
        .iter()
        .find(|(_, w)| {
            acc += w;
            acc >= weight / 2.0
        })
        .map(|(v, _)| *v)
}

/// Aggregates of the units in `members` (positions in the unit list), named `code`, `name`.
pub fn summarize_members(
    prepared: &Prepared,
    outcome: &Outcome,
    members: &[usize],
    bands: &Bands,
    threshold: f64,
    (code, name): (Option<String>, String),
) -> Summary {
    let mut per_band = vec![0.0; bands.breaks.len() + 1];
    let mut unreachable = 0.0;
    let mut beyond = 0.0;
    let mut reached: Vec<(f64, f64)> = Vec::new();
    for &i in members {
        let pop = prepared.units[i].population;
        match outcome.value(i) {
            Some(v) => {
                per_band[bands.band_of(v)] += pop;
                reached.push((v, pop));
                if v > threshold {
                    beyond += pop;
                }
            }
            None => {
                unreachable += pop;
                beyond += pop;
            }
        }
    }
    let population = sum(members.iter().map(|&i| prepared.units[i].population));
    let labels = bands.labels();
    let band_counts = per_band
        .iter()
        .enumerate()
        .map(|(i, &pop)| BandCount {
            label: labels[i].clone(),
            from: if i == 0 { 0.0 } else { bands.breaks[i - 1] },
            to: bands.breaks.get(i).copied(),
            population: pop,
            share: if population > 0.0 {
                pop / population
            } else {
                0.0
            },
        })
        .collect();
    Summary {
        code,
        name,
        units: members.len(),
        population,
        bands: band_counts,
        unreachable,
        mean: weighted_mean(&reached),
        median: weighted_median(reached),
        threshold,
        beyond_threshold: beyond,
    }
}

/// The total and per-area aggregates of an outcome (per area in the areas' order, units in
/// no area last; none without areas).
pub fn summarize(
    prepared: &Prepared,
    outcome: &Outcome,
    bands: &Bands,
    threshold: f64,
) -> (Summary, Vec<Summary>) {
    let all: Vec<usize> = (0..prepared.units.len()).collect();
    let total = summarize_members(
        prepared,
        outcome,
        &all,
        bands,
        threshold,
        (None, TOTAL.into()),
    );
    let areas = group_by_area(&prepared.areas, prepared.units.iter().map(|u| u.area))
        .into_iter()
        .map(|g| {
            summarize_members(
                prepared,
                outcome,
                &g.members,
                bands,
                threshold,
                (g.code, g.name),
            )
        })
        .collect();
    (total, areas)
}
