//! The unit→area join: each demand unit joins the area its code names, else the area its
//! point lies in; results are grouped per area with the units in no area last.

use std::collections::HashMap;
use std::sync::Arc;

use geo::Coord;
use serde::Serialize;

use super::super::AnalysisError;
use super::lookup::{field, layer, pick_field, text_of};
use super::spec::{AreaSpec, UNIT_CODE_FIELDS};
use super::units::DemandUnit;
use crate::layer::{Feature, Layer};
use crate::network::cache::layer_key;
use crate::store::Catalog;

/// Fields of an areas layer tried for the area's name, in order.
pub const AREA_NAME_FIELDS: [&str; 3] = ["name", "namn", "kommunnamn"];

/// Name of the summary of the whole.
pub const TOTAL: &str = "Totalt";
/// Name of the summary of units in no area.
pub const OUTSIDE: &str = "Utanför områdena";

/// An area to aggregate per.
#[derive(Debug, Clone, Serialize)]
pub struct AreaInfo {
    /// Code, when the layer has one.
    pub code: Option<String>,
    /// Name.
    pub name: String,
}

/// How the demand units found their areas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AreaJoin {
    /// The demand field whose codes were matched against the areas' codes; absent when the
    /// units joined by location only.
    pub unit_code_field: Option<String>,
    /// Units whose code matched an area.
    pub by_code: usize,
    /// Units that joined the area their point lies in (no code field, or a code that matches
    /// no area).
    pub by_location: usize,
    /// Units in no area.
    pub outside: usize,
}

/// The areas layer read as an [`AreaSpec`] says, ready to place demand units: by the unit's
/// code field matched against the areas' codes, else by where the unit's point lies.
#[derive(Debug)]
pub struct AreaLookup {
    /// The areas layer.
    pub layer: Arc<Layer>,
    name: Option<usize>,
    code: Option<usize>,
    /// Field of the demand layer with the code of the unit's area.
    unit_code: Option<usize>,
    /// Area position per code (the first area with a code wins).
    by_code: HashMap<String, u32>,
}

impl AreaLookup {
    /// Reads the areas of `spec` for units of `demand`. Errors when a layer or a named field
    /// does not exist, the areas are not polygons, or a unit code field is named while the
    /// areas have no code to match it against.
    pub fn new(catalog: &Catalog, spec: &AreaSpec, demand: &Layer) -> Result<Self, AnalysisError> {
        Self::of_layer(layer(catalog, &spec.layer)?, spec, demand)
    }

    /// As [`AreaLookup::new`], with the areas layer given.
    pub fn of_layer(l: Arc<Layer>, spec: &AreaSpec, demand: &Layer) -> Result<Self, AnalysisError> {
        if !l.meta.geometry_type.is_polygon() {
            return Err(AnalysisError::WrongGeometry {
                layer: l.meta.id.clone(),
                found: format!("{:?}", l.meta.geometry_type),
                wanted: "areas must be polygons",
            });
        }
        let name = pick_field(&l, spec.name_field.as_deref(), &AREA_NAME_FIELDS)?;
        let code = pick_field(
            &l,
            spec.code_field.as_deref(),
            &["code", "kod", "kommunkod"],
        )?;
        let unit_code = match spec.unit_code_field.as_deref() {
            Some("") => None,
            Some(given) => {
                let i = field(demand, given)?;
                if code.is_none() {
                    return Err(AnalysisError::Invalid(format!(
                        "areas.unit_code_field {given:?} needs codes to match: layer {:?} has \
                         none of the usual code fields; name one in areas.code_field",
                        l.meta.id
                    )));
                }
                Some(i)
            }
            None => code.and_then(|_| UNIT_CODE_FIELDS.iter().find_map(|n| demand.field_index(n))),
        };
        let mut by_code = HashMap::new();
        if let Some(c) = code {
            for (i, f) in l.features.iter().enumerate() {
                let text = text_of(&f.properties[c]);
                if !text.is_empty() {
                    by_code.entry(text).or_insert(i as u32);
                }
            }
        }
        Ok(Self {
            layer: l,
            name,
            code,
            unit_code,
            by_code,
        })
    }

    /// What the joined units depend on, for cache keys.
    pub fn key(&self) -> String {
        format!(
            "{}:{:?}:{:?}:{:?}",
            layer_key(&self.layer),
            self.name,
            self.code,
            self.unit_code
        )
    }

    /// Code and name of every area, in layer order.
    pub fn infos(&self) -> Vec<AreaInfo> {
        self.layer
            .features
            .iter()
            .map(|f| AreaInfo {
                code: self.code.map(|c| text_of(&f.properties[c])),
                name: self
                    .name
                    .map(|n| text_of(&f.properties[n]))
                    .unwrap_or_else(|| f.id.to_string()),
            })
            .collect()
    }

    /// The area whose code the unit's code field holds, else the area its point lies in.
    pub fn area_of_unit(&self, unit: &Feature, point: Option<Coord<f64>>) -> Option<u32> {
        self.by_code_of(unit)
            .or_else(|| point.and_then(|p| area_of(&self.layer, p)))
    }

    fn by_code_of(&self, unit: &Feature) -> Option<u32> {
        let code = text_of(&unit.properties[self.unit_code?]);
        self.by_code.get(&code).copied()
    }

    /// How `units` of `demand` found their areas.
    pub fn report(&self, demand: &Layer, units: &[DemandUnit]) -> AreaJoin {
        let mut join = AreaJoin {
            unit_code_field: self.unit_code.map(|i| demand.meta.fields[i].name.clone()),
            ..AreaJoin::default()
        };
        for u in units {
            if u.area.is_none() {
                join.outside += 1;
            } else if self.by_code_of(&demand.features[u.feature]).is_some() {
                join.by_code += 1;
            } else {
                join.by_location += 1;
            }
        }
        join
    }
}

/// The first area of `areas` that `p` lies in.
pub fn area_of(areas: &Layer, p: Coord<f64>) -> Option<u32> {
    use geo::Intersects;
    areas
        .analysis_candidates([p.x, p.y, p.x, p.y])
        .into_iter()
        .find(|&i| areas.features[i].geometry.intersects(&geo::Point(p)))
        .map(|i| i as u32)
}

/// One group of units for a per-area table: its position in the areas (none for the units in
/// no area), its code and name, and its members (positions in the unit list).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaGroup {
    /// Position in the areas; `None` for units in no area.
    pub area: Option<usize>,
    /// Area code.
    pub code: Option<String>,
    /// Area name, or [`OUTSIDE`].
    pub name: String,
    /// Positions of the member units.
    pub members: Vec<usize>,
}

/// The units grouped per area, in the areas' order, units in no area last; areas without
/// units are left out. No areas give no groups (totals only).
///
/// ```
/// use kartrummet::analysis::engine::{AreaInfo, group_by_area, OUTSIDE};
/// let areas = [AreaInfo { code: Some("1".into()), name: "A".into() },
///              AreaInfo { code: None, name: "B".into() }];
/// let groups = group_by_area(&areas, [Some(0), None, Some(0)].into_iter());
/// assert_eq!(groups.len(), 2);
/// assert_eq!((groups[0].name.as_str(), groups[0].members.clone()), ("A", vec![0, 2]));
/// assert_eq!((groups[1].name.as_str(), groups[1].area), (OUTSIDE, None));
/// ```
pub fn group_by_area(
    areas: &[AreaInfo],
    unit_areas: impl Iterator<Item = Option<u32>>,
) -> Vec<AreaGroup> {
    if areas.is_empty() {
        return Vec::new();
    }
    let mut members = vec![Vec::new(); areas.len() + 1];
    for (i, a) in unit_areas.enumerate() {
        members[a.map_or(areas.len(), |a| a as usize)].push(i);
    }
    members
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(a, members)| match areas.get(a) {
            Some(info) => AreaGroup {
                area: Some(a),
                code: info.code.clone(),
                name: info.name.clone(),
                members,
            },
            None => AreaGroup {
                area: None,
                code: None,
                name: OUTSIDE.to_string(),
                members,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{layer_of, point, square, text};
    use super::*;

    #[test]
    fn units_join_the_area_of_their_code_else_where_they_lie() {
        let areas = Arc::new(layer_of(
            "areas",
            &["code", "name"],
            vec![
                (square(0.0, 0.0, 10.0), vec![text("2021"), text("West")]),
                (square(10.0, 0.0, 10.0), vec![text("2023"), text("East")]),
            ],
        ));
        // All units lie in West (x = 5); their codes say otherwise or nothing.
        let at_west = Coord { x: 5.0, y: 5.0 };
        let demand = layer_of(
            "units",
            &["kommunkod"],
            ["2023", "9999", "", "2021"]
                .iter()
                .map(|c| (geo::Point(at_west).into(), vec![text(c)]))
                .collect(),
        );
        let spec = |unit_code_field: Option<&str>| AreaSpec {
            unit_code_field: unit_code_field.map(String::from),
            ..AreaSpec::of_layer("areas")
        };
        let places = |lookup: &AreaLookup| -> Vec<Option<u32>> {
            demand
                .features
                .iter()
                .map(|f| lookup.area_of_unit(f, Some(at_west)))
                .collect()
        };
        // Default: `kommunkod` is found; a code matching no area (9999) or no code at all
        // falls back to the location.
        let auto = AreaLookup::of_layer(areas.clone(), &spec(None), &demand).unwrap();
        assert_eq!(places(&auto), vec![Some(1), Some(0), Some(0), Some(0)]);
        let named = AreaLookup::of_layer(areas.clone(), &spec(Some("kommunkod")), &demand).unwrap();
        assert_eq!(places(&named), places(&auto));
        assert_ne!(
            auto.key(),
            AreaLookup::of_layer(areas.clone(), &spec(Some("")), &demand)
                .unwrap()
                .key()
        );
        // A code, but no point: the code alone places it; neither places nothing.
        assert_eq!(auto.area_of_unit(&demand.features[0], None), Some(1));
        assert_eq!(auto.area_of_unit(&demand.features[1], None), None);
        // `""`: by location only.
        let located = AreaLookup::of_layer(areas.clone(), &spec(Some("")), &demand).unwrap();
        assert_eq!(places(&located), vec![Some(0); 4]);
        let units: Vec<DemandUnit> = demand
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| DemandUnit {
                feature: i,
                id: f.id,
                population: 1.0,
                point: Some(at_west),
                location: None,
                area: auto.area_of_unit(f, Some(at_west)),
            })
            .collect();
        assert_eq!(
            auto.report(&demand, &units),
            AreaJoin {
                unit_code_field: Some("kommunkod".into()),
                by_code: 2,
                by_location: 2,
                outside: 0,
            }
        );
        // A demand layer without a code field joins by location.
        let uncoded = layer_of(
            "uncoded",
            &["rutid"],
            vec![(geo::Point(at_west).into(), vec![text("1")])],
        );
        let by_place = AreaLookup::of_layer(areas.clone(), &spec(None), &uncoded).unwrap();
        assert_eq!(by_place.unit_code, None);
        assert_eq!(
            by_place.area_of_unit(&uncoded.features[0], Some(at_west)),
            Some(0)
        );
        // A named field the demand layer lacks is refused as unknown.
        assert!(matches!(
            AreaLookup::of_layer(areas.clone(), &spec(Some("kommun")), &demand),
            Err(AnalysisError::NoSuchField { .. })
        ));
        // Points are no areas.
        assert!(matches!(
            AreaLookup::of_layer(
                Arc::new(layer_of(
                    "pts",
                    &["x"],
                    vec![(point(1.0, 1.0), vec![text("a")])]
                )),
                &spec(None),
                &demand
            ),
            Err(AnalysisError::WrongGeometry { .. })
        ));
    }
}
