//! Small polygons merged into blocks below `maxzoom`, so a grid or a scatter of small areas is
//! drawn generalised instead of vanishing.
//!
//! A polygon feature smaller than the minimum size both ways is not drawn as itself: it joins
//! the block of a square grid in tile space (side twice the minimum size, aligned with the tile
//! edges) that holds the centre of its box. Each block is drawn as its square, once, in the tile
//! that holds it, with attributes merged field by field by a [`MergeRule`] and two of its own:
//! `merged` (true) and `cells` (how many features it stands for).

use std::collections::HashMap;

use geo::Area;
use serde::Deserialize;

use super::encode::{TileGeometry, TileValue};
use super::settings::TileSettings;
use super::tile_value;
use crate::layer::{Field, FieldKind, Layer, Value};

/// Attribute of a block: always `true`.
pub const MERGED: &str = "merged";
/// Attribute of a block: the number of features it stands for.
pub const CELLS: &str = "cells";
/// Attribute of a block of several features: the fields that hold sums, as `,a,b,`, so a map
/// can show a per-feature value (sum ÷ `cells`) on the scale of the unmerged features.
pub const SUMS: &str = "sums";

/// How the values of one field in the features of a block become the block's value. Nulls are
/// left out of sums; means and majorities leave the value out when the features without one
/// weigh more than those with one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeRule {
    /// Added up: counts and amounts (population, number of things, areas).
    Sum,
    /// Mean weighted by the layer's population field (by area when it has none): times,
    /// distances, shares, other rates.
    Mean,
    /// Mean weighted by area: densities (per km²).
    AreaMean,
    /// The value with the largest weight (population, else area): classes, codes, names, texts.
    Majority,
    /// Kept only in blocks of one feature: identifiers of single features.
    Key,
}

impl MergeRule {
    /// The rule of a field, from its type and name: identifiers are keys (`id`, `fid`,
    /// `objectid`, `rutid`, `…_id`, `…nr`, `…identitet`); texts, dates, booleans, codes and
    /// classes (`kod`, `code`, `typ`, `klass`, `kategori`, `status`, `år`, `year`) majorities;
    /// densities (`per_km2`, `täthet`) area means; rates (`per`, `andel`, `share`, `rate`,
    /// `pct`, `medel`, `mean`, `min`, `max`) means; counts and amounts (`bef`, `pop`, `folk`,
    /// `inv`, `antal`, `count`, `area`, `km2`, `total`) sums; any other number a mean.
    ///
    /// ```
    /// use kartrummet::layer::{Field, FieldKind};
    /// use kartrummet::tiles::merge::MergeRule;
    /// let rule = |name: &str, kind| MergeRule::for_field(&Field { name: name.into(), kind });
    /// assert_eq!(rule("befolkning_2025", FieldKind::Integer), MergeRule::Sum);
    /// assert_eq!(rule("befolkning_per_km2_2024", FieldKind::Real), MergeRule::AreaMean);
    /// assert_eq!(rule("time_min", FieldKind::Real), MergeRule::Mean);
    /// assert_eq!(rule("band", FieldKind::String), MergeRule::Majority);
    /// assert_eq!(rule("KKOD", FieldKind::Integer), MergeRule::Majority);
    /// assert_eq!(rule("rutid", FieldKind::String), MergeRule::Key);
    /// ```
    pub fn for_field(field: &Field) -> Self {
        let name = field.name.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
        let key = matches!(
            name.as_str(),
            "id" | "fid" | "objectid" | "ogc_fid" | "rutid"
        ) || name.ends_with("_id")
            || name.ends_with("nr")
            || name.contains("identitet");
        let numeric = matches!(field.kind, FieldKind::Integer | FieldKind::Real);
        if key {
            Self::Key
        } else if !numeric
            || has(&[
                "kod", "code", "typ", "type", "klass", "class", "kategori", "categ", "status",
                "year", "år",
            ])
        {
            Self::Majority
        } else if has(&["per_km2", "densit", "täthet", "tathet"]) {
            Self::AreaMean
        } else if has(&[
            "per", "andel", "share", "rate", "ratio", "pct", "procent", "percent", "medel", "mean",
            "avg", "median", "min", "max",
        ]) {
            Self::Mean
        } else if has(&[
            "bef", "pop", "folk", "inv", "antal", "count", "area", "km2", "total", "sum",
        ]) {
            Self::Sum
        } else {
            Self::Mean
        }
    }
}

/// The position of the field that weighs features in means and majorities: the first summed
/// field named like a population (`bef`, `pop`, `folk`, `inv`). Without one, area weighs.
pub fn population_field(fields: &[Field], rules: &[MergeRule]) -> Option<usize> {
    fields.iter().zip(rules).position(|(field, rule)| {
        let name = field.name.to_lowercase();
        *rule == MergeRule::Sum
            && ["bef", "pop", "folk", "inv"]
                .iter()
                .any(|w| name.contains(w))
    })
}

/// Small polygons of one tile gathered per block, in the order of their first member.
#[derive(Debug)]
pub struct Blocks {
    side: f64,
    extent: f64,
    index: HashMap<(i64, i64), usize>,
    blocks: Vec<((i64, i64), Vec<usize>)>,
}

impl Blocks {
    /// No blocks yet, on a grid of `side` tile units in a tile of `extent` units.
    pub fn new(side: f64, extent: u32) -> Self {
        Self {
            side,
            extent: f64::from(extent),
            index: HashMap::new(),
            blocks: Vec::new(),
        }
    }

    /// Puts the feature at `position` in the block holding `centre` (tile units). Features
    /// centred outside the tile are left to the tile that holds their centre, so each is merged
    /// in exactly one tile.
    ///
    /// ```
    /// use kartrummet::tiles::merge::Blocks;
    /// let mut blocks = Blocks::new(32.0, 4096);
    /// blocks.add([10.0, 10.0], 0);
    /// blocks.add([20.0, 5.0], 1);
    /// blocks.add([40.0, 5.0], 2);
    /// blocks.add([-3.0, 5.0], 3);
    /// let members: Vec<&[usize]> = blocks.iter().map(|(_, m)| m).collect();
    /// assert_eq!(members, [&[0, 1][..], &[2][..]]);
    /// ```
    pub fn add(&mut self, [x, y]: [f64; 2], position: usize) {
        if !(0.0..self.extent).contains(&x) || !(0.0..self.extent).contains(&y) {
            return;
        }
        let key = (
            (x / self.side).floor() as i64,
            (y / self.side).floor() as i64,
        );
        let next = self.blocks.len();
        let slot = *self.index.entry(key).or_insert(next);
        if slot == next {
            self.blocks.push((key, Vec::new()));
        }
        self.blocks[slot].1.push(position);
    }

    /// Each block's square (an exterior ring as MVT wants it) and its members.
    pub fn iter(&self) -> impl Iterator<Item = (TileGeometry, &[usize])> {
        self.blocks.iter().map(|&((kx, ky), ref members)| {
            let corner = |k: i64| (k as f64 * self.side).round() as i32;
            let (x0, y0, x1, y1) = (corner(kx), corner(ky), corner(kx + 1), corner(ky + 1));
            // Clockwise on screen (y down): positive area by the spec's formula.
            let square = vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
            (TileGeometry::Polygons(vec![square]), members.as_slice())
        })
    }
}

/// The attributes of a block of the features at `members` of `layer`: each tile field merged by
/// its rule, then `merged`, `cells` and (for several members) `sums`.
pub fn block_attributes<'a>(
    layer: &'a Layer,
    settings: &TileSettings,
    members: &[usize],
) -> Vec<(&'a str, TileValue)> {
    let features: Vec<_> = members.iter().map(|&i| &layer.features[i]).collect();
    let areas: Vec<f64> = features
        .iter()
        .map(|f| f.geometry.unsigned_area())
        .collect();
    let population: Option<Vec<f64>> = settings.population.map(|p| {
        features
            .iter()
            .map(|f| {
                f.properties
                    .get(p)
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
                    .max(0.0)
            })
            .collect()
    });
    let weights = match population {
        Some(w) if w.iter().sum::<f64>() > 0.0 => w,
        _ => areas.clone(),
    };
    let mut out: Vec<(&str, TileValue)> = Vec::new();
    let mut sums = String::from(",");
    for &i in &settings.fields {
        let values: Vec<&Value> = features
            .iter()
            .map(|f| f.properties.get(i).unwrap_or(&Value::Null))
            .collect();
        let merged = match settings.merge[i] {
            MergeRule::Sum => sum(&values),
            MergeRule::Mean => mean(&values, &weights),
            MergeRule::AreaMean => mean(&values, &areas),
            MergeRule::Majority => majority(&values, &weights, settings.max_string_length),
            MergeRule::Key if values.len() == 1 => {
                tile_value(values[0], settings.max_string_length)
            }
            MergeRule::Key => None,
        };
        let name = layer.meta.fields[i].name.as_str();
        if let Some(value) = merged.filter(|_| ![MERGED, CELLS, SUMS].contains(&name)) {
            if settings.merge[i] == MergeRule::Sum {
                sums.push_str(name);
                sums.push(',');
            }
            out.push((name, value));
        }
    }
    out.push((MERGED, TileValue::Bool(true)));
    out.push((CELLS, TileValue::Int(members.len() as i64)));
    if members.len() > 1 && sums.len() > 1 {
        out.push((SUMS, TileValue::Str(sums)));
    }
    out
}

fn sum(values: &[&Value]) -> Option<TileValue> {
    let numbers: Vec<&&Value> = values.iter().filter(|v| v.as_f64().is_some()).collect();
    if numbers.is_empty() {
        None
    } else if numbers.iter().all(|v| matches!(v, Value::Int(_))) {
        Some(TileValue::Int(
            numbers
                .iter()
                .filter_map(|v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .fold(0i64, i64::saturating_add),
        ))
    } else {
        Some(TileValue::Double(
            numbers.iter().filter_map(|v| v.as_f64()).sum(),
        ))
    }
}

/// Whether the features without a value weigh more than those with one.
fn mostly_missing(values: &[&Value], weights: &[f64], has: impl Fn(&Value) -> bool) -> bool {
    let (with, without) =
        values.iter().zip(weights).fold(
            (0.0, 0.0),
            |(a, b), (v, w)| {
                if has(v) { (a + w, b) } else { (a, b + w) }
            },
        );
    without > with || !values.iter().any(|v| has(v))
}

fn mean(values: &[&Value], weights: &[f64]) -> Option<TileValue> {
    if mostly_missing(values, weights, |v| v.as_f64().is_some()) {
        return None;
    }
    let pairs: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter_map(|(v, w)| Some((v.as_f64()?, *w)))
        .collect();
    let total: f64 = pairs.iter().map(|(_, w)| w).sum();
    let mean = if total > 0.0 {
        pairs.iter().map(|(v, w)| v * w).sum::<f64>() / total
    } else {
        pairs.iter().map(|(v, _)| v).sum::<f64>() / pairs.len() as f64
    };
    mean.is_finite().then_some(TileValue::Double(mean))
}

fn majority(values: &[&Value], weights: &[f64], max_chars: usize) -> Option<TileValue> {
    // Nulls are a class of their own: when they weigh most, the block has no value.
    let mut classes: Vec<(Option<TileValue>, f64)> = Vec::new();
    for (value, &w) in values.iter().zip(weights) {
        let value = tile_value(value, max_chars);
        match classes.iter_mut().find(|(v, _)| *v == value) {
            Some((_, total)) => *total += w,
            None => classes.push((value, w)),
        }
    }
    // The first of the heaviest, so ties go to the first feature in source order.
    let mut best: Option<&(Option<TileValue>, f64)> = None;
    for class in &classes {
        if best.is_none_or(|b| class.1 > b.1) {
            best = Some(class);
        }
    }
    best.and_then(|(v, _)| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Feature, LayerMeta};
    use geo::{Geometry, polygon};

    fn field(name: &str, kind: FieldKind) -> Field {
        Field {
            name: name.into(),
            kind,
        }
    }

    /// Three 1 km cells: populations 10, 30 and 0, times 5, 9 and none, bands and ids.
    fn grid() -> Layer {
        let fields = vec![
            field("rutid", FieldKind::String),
            field("population", FieldKind::Integer),
            field("time_min", FieldKind::Real),
            field("band", FieldKind::String),
        ];
        let rows = [
            (10, Value::Real(5.0), "0–5"),
            (30, Value::Real(9.0), "5–10"),
            (0, Value::Null, "0–5"),
        ];
        let features = rows
            .into_iter()
            .enumerate()
            .map(|(i, (pop, time, band))| {
                let x = 500_000.0 + 1000.0 * i as f64;
                let cell: Geometry<f64> =
                    polygon![(x: x, y: 6_700_000.0), (x: x + 1000.0, y: 6_700_000.0),
                    (x: x + 1000.0, y: 6_701_000.0), (x: x, y: 6_701_000.0)]
                    .into();
                Feature {
                    id: i as u64 + 1,
                    geometry: cell.clone(),
                    display: cell,
                    properties: vec![
                        Value::Str(format!("cell{i}")),
                        Value::Int(pop),
                        time,
                        Value::Str(band.into()),
                    ],
                }
            })
            .collect();
        Layer::new(LayerMeta::new("grid", fields), features)
    }

    fn attributes(members: &[usize]) -> HashMap<String, TileValue> {
        let layer = grid();
        let settings = TileSettings::for_layer(&layer.meta, None).unwrap();
        block_attributes(&layer, &settings, members)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    #[test]
    fn blocks_sum_counts_weigh_times_and_classes_by_population() {
        let a = attributes(&[0, 1, 2]);
        assert_eq!(a["population"], TileValue::Int(40));
        assert_eq!(
            a["time_min"],
            TileValue::Double((10.0 * 5.0 + 30.0 * 9.0) / 40.0)
        );
        // 30 people in 5–10, 10 in 0–5 (the empty cell weighs nothing).
        assert_eq!(a["band"], TileValue::Str("5–10".into()));
        assert_eq!(a["merged"], TileValue::Bool(true));
        assert_eq!(a["cells"], TileValue::Int(3));
        assert_eq!(a["sums"], TileValue::Str(",population,".into()));
        assert!(
            !a.contains_key("rutid"),
            "a key names one cell, not a block"
        );
    }

    #[test]
    fn a_block_of_one_keeps_its_own_values() {
        let a = attributes(&[1]);
        assert_eq!(a["rutid"], TileValue::Str("cell1".into()));
        assert_eq!(a["population"], TileValue::Int(30));
        assert_eq!(a["time_min"], TileValue::Double(9.0));
        assert_eq!(a["cells"], TileValue::Int(1));
        assert!(!a.contains_key("sums"), "one cell's values are its own");
    }

    #[test]
    fn values_missing_for_most_are_left_out() {
        let weights = [1.0, 5.0];
        let values = [&Value::Real(3.0), &Value::Null];
        assert_eq!(mean(&values, &weights), None);
        assert_eq!(majority(&values, &weights, 10), None);
        assert_eq!(mean(&values, &[5.0, 1.0]), Some(TileValue::Double(3.0)));
        assert_eq!(sum(&[&Value::Null]), None);
        assert_eq!(
            sum(&[&Value::Int(2), &Value::Real(0.5)]),
            Some(TileValue::Double(2.5))
        );
    }

    #[test]
    fn block_squares_tile_the_grid() {
        let mut blocks = Blocks::new(32.0, 4096);
        blocks.add([4095.0, 0.0], 7);
        let (square, members) = blocks.iter().next().unwrap();
        assert_eq!(members, [7]);
        assert_eq!(
            square,
            TileGeometry::Polygons(vec![vec![[4064, 0], [4096, 0], [4096, 32], [4064, 32]]])
        );
        blocks.add([4096.0, 0.0], 8);
        assert_eq!(
            blocks.iter().count(),
            1,
            "the next tile's block is not this tile's"
        );
    }

    #[test]
    fn population_weighs() {
        let fields = [
            field("BEF", FieldKind::Integer),
            field("NAMN1", FieldKind::String),
        ];
        let rules: Vec<_> = fields.iter().map(MergeRule::for_field).collect();
        assert_eq!(population_field(&fields, &rules), Some(0));
        assert_eq!(population_field(&fields[1..], &rules[1..]), None);
    }
}
