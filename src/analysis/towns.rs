//! Tätorter as the analyses read them: the layer, its population, name and code fields, each
//! tätort's position and (for points) the circle of its land area. Rural classes, place
//! profiles and corridors all read tätorter through [`TownSpec::read`].

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::{Contains, Intersects};
use serde::{Deserialize, Serialize};

use super::AnalysisError;
use super::engine::{
    Prepared, Service, field, layer, numeric_field, representative_point, text_of,
};
use crate::layer::Layer;
use crate::store::Catalog;

/// The tätort layer: points (SCB's tätort points) or polygons (Lantmäteriet's tätort areas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownSpec {
    /// Layer id.
    pub layer: String,
    /// Numeric population field; default `pop`, `BEF`, `folkmangd` or `befolkning`.
    #[serde(default)]
    pub population: Option<String>,
    /// Name field; default `name`, `NAMN1` or `namn`.
    #[serde(default)]
    pub name_field: Option<String>,
    /// Code field (the place id); default `code`, `TATNR` or `kod`, else the feature id.
    #[serde(default)]
    pub code_field: Option<String>,
    /// For tätort points: field with the tätort's land area in hectares (default `area`, as
    /// in SCB's file). A unit within the circle of that area around the point is inside.
    #[serde(default)]
    pub area_field: Option<String>,
}

impl TownSpec {
    /// The tätorter of the layer given (else of `profile`'s), with the population field
    /// given (else the one the spec names): what a command line or query string overrides.
    pub fn overridden(
        layer: Option<String>,
        population: Option<String>,
        profile: Option<&TownSpec>,
    ) -> Option<TownSpec> {
        let spec = match layer {
            Some(layer) => Self::of_layer(layer),
            None => profile?.clone(),
        };
        Some(TownSpec {
            population: population.or(spec.population.clone()),
            ..spec
        })
    }

    /// The tätorter of `layer`, with the usual fields.
    pub fn of_layer(layer: impl Into<String>) -> Self {
        Self {
            layer: layer.into(),
            population: None,
            name_field: None,
            code_field: None,
            area_field: None,
        }
    }
}

/// One tätort.
#[derive(Debug, Clone, Serialize)]
pub struct Town {
    /// Its code (place id).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Inhabitants.
    pub population: f64,
    /// Position of the feature in the tätort layer.
    #[serde(skip)]
    pub feature: usize,
    /// For points with an area: the radius of a circle of that area (metres).
    #[serde(skip)]
    pub radius_m: Option<f64>,
    /// `LAYER/FEATURE_ID`.
    #[serde(skip)]
    pub service_id: String,
}

/// The tätorter of a layer with their positions, read as [`TownSpec`] says.
#[derive(Debug, Clone)]
pub struct Towns {
    /// The layer.
    pub layer: Arc<Layer>,
    /// The population field's name.
    pub population_field: String,
    /// Every tätort of the layer, in layer order.
    pub towns: Vec<Town>,
}

impl TownSpec {
    /// Reads the tätorter. Errors when the layer or a named field is missing or the
    /// population is not numeric.
    pub fn read(&self, catalog: &Catalog) -> Result<Towns, AnalysisError> {
        let l = layer(catalog, &self.layer)?;
        let pick = |given: &Option<String>, usual: &[&str]| match given {
            Some(name) => field(&l, name).map(|i| Some((i, name.clone()))),
            None => Ok(usual
                .iter()
                .find_map(|n| l.field_index(n).map(|i| (i, n.to_string())))),
        };
        let usual = ["pop", "BEF", "folkmangd", "befolkning"];
        let (_, population_field) = pick(&self.population, &usual)?.ok_or_else(|| {
            AnalysisError::Invalid(format!(
                "layer {:?} has none of the usual population fields {usual:?}; name one",
                l.meta.id
            ))
        })?;
        let population = numeric_field(&l, &population_field)?;
        let name = pick(&self.name_field, &["name", "NAMN1", "namn"])?.map(|f| f.0);
        let code = pick(&self.code_field, &["code", "TATNR", "kod"])?.map(|f| f.0);
        let area = match &self.area_field {
            Some(name) => Some(numeric_field(&l, name)?),
            None if l.meta.geometry_type.is_point() => l.field_index("area"),
            None => None,
        };
        let towns = l
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| Town {
                code: code.map_or_else(|| f.id.to_string(), |c| text_of(&f.properties[c])),
                name: name.map_or_else(String::new, |n| text_of(&f.properties[n])),
                population: f.properties[population].as_f64().unwrap_or(0.0),
                feature: i,
                radius_m: area
                    .and_then(|a| f.properties[a].as_f64())
                    .filter(|ha| *ha > 0.0)
                    .map(|ha| (ha * 1e4 / std::f64::consts::PI).sqrt()),
                service_id: format!("{}/{}", l.meta.id, f.id),
            })
            .collect();
        Ok(Towns {
            layer: l,
            population_field,
            towns,
        })
    }
}

impl Towns {
    /// The tätorter of at least `n` inhabitants as service points (at their representative
    /// points), with their positions in [`Towns::towns`].
    pub fn at_least(&self, n: f64) -> (Vec<Service>, Vec<usize>) {
        self.towns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.population >= n)
            .filter_map(|(i, t)| {
                let point = representative_point(&self.layer.features[t.feature].geometry)?;
                Some((
                    Service {
                        id: t.service_id.clone(),
                        name: t.name.clone(),
                        point,
                    },
                    i,
                ))
            })
            .unzip()
    }

    /// For every unit of `prepared`, the most populous tätort it lies inside: its point in a
    /// tätort polygon, or (tätort points) its point within the circle of the tätort's area
    /// around the tätort point, or the tätort point inside the unit's polygon.
    pub fn inside(&self, prepared: &Prepared) -> Vec<Option<usize>> {
        let mut inside: Vec<Option<usize>> = vec![None; prepared.units.len()];
        let bigger = |slot: &mut Option<usize>, t: usize| {
            if slot.is_none_or(|s| self.towns[s].population < self.towns[t].population) {
                *slot = Some(t);
            }
        };
        if self.layer.meta.geometry_type.is_polygon() {
            let by_feature: BTreeMap<usize, usize> = self
                .towns
                .iter()
                .enumerate()
                .map(|(i, t)| (t.feature, i))
                .collect();
            for (slot, u) in inside.iter_mut().zip(&prepared.units) {
                let Some(p) = u.point else { continue };
                for f in self.layer.analysis_candidates([p.x, p.y, p.x, p.y]) {
                    if self.layer.features[f].geometry.intersects(&geo::Point(p)) {
                        bigger(slot, by_feature[&f]);
                    }
                }
            }
        } else {
            let demand = &prepared.demand;
            let unit_of: BTreeMap<usize, usize> = prepared
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| (u.feature, i))
                .collect();
            for (t, town) in self.towns.iter().enumerate() {
                let Some(p) = representative_point(&self.layer.features[town.feature].geometry)
                else {
                    continue;
                };
                let r = town.radius_m.unwrap_or(0.0);
                for f in demand.analysis_candidates([p.x - r, p.y - r, p.x + r, p.y + r]) {
                    let Some(&u) = unit_of.get(&f) else { continue };
                    let near = prepared.units[u]
                        .point
                        .is_some_and(|q| (q.x - p.x).hypot(q.y - p.y) <= r);
                    if near || demand.features[f].geometry.contains(&geo::Point(p)) {
                        bigger(&mut inside[u], t);
                    }
                }
            }
        }
        inside
    }
}
