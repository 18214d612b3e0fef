//! What lies in a zone (a corridor or the region): population, tätorter, services and stops.
//! The same counting serves corridors and the region's totals, so shares compare like with like.

use std::collections::BTreeMap;

use geo::{BoundingRect, Coord, Geometry, InteriorPoint, Intersects};
use serde::Serialize;

use super::StopSource;
use super::profile::Profile;
use crate::layer::{Layer, Value};

/// An area things can lie in.
pub trait Zone {
    /// Analysis-CRS box `[minx, miny, maxx, maxy]` outside which nothing lies; `None` when the
    /// zone is empty.
    fn bbox(&self) -> Option<[f64; 4]>;
    /// The share of a feature inside, 0 to 1 (points and places are 0 or 1).
    fn share_of(&self, geometry: &Geometry<f64>) -> f64;
}

/// A zone made of the units of a layer: a feature lies in it when its representative point
/// lies in some unit. The default region: the area the demand layer covers.
pub struct Units<'a>(pub &'a Layer);

impl Zone for Units<'_> {
    fn bbox(&self) -> Option<[f64; 4]> {
        let boxes = self
            .0
            .features
            .iter()
            .filter_map(|f| f.geometry.bounding_rect());
        boxes
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    }

    fn share_of(&self, geometry: &Geometry<f64>) -> f64 {
        let Some(at) = representative(geometry) else {
            return 0.0;
        };
        let inside = self
            .0
            .analysis_candidates([at.x, at.y, at.x, at.y])
            .into_iter()
            .any(|i| self.0.features[i].geometry.intersects(&at));
        inside as u8 as f64
    }
}

/// A point that stands for a feature: the point itself, else an interior point.
pub fn representative(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    match geometry {
        Geometry::Point(p) => Some(p.0),
        Geometry::MultiPoint(m) => m.0.first().map(|p| p.0),
        other => other.interior_point().map(|p| p.0),
    }
}

/// Population in a zone.
#[derive(Debug, Clone, Serialize)]
pub struct Population {
    /// The demand layer.
    pub layer: String,
    /// People inside; units cut by the edge count in proportion to their area inside.
    pub total: f64,
    /// Units wholly inside.
    pub units_whole: usize,
    /// Units cut by the edge.
    pub units_cut: usize,
}

/// One tätort in a zone.
#[derive(Debug, Clone, Serialize)]
pub struct Tatort {
    /// Feature id in the tätort layer.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Population.
    pub population: f64,
    /// For tätort polygons, the share of the tätort's area inside (points: 1).
    pub area_share: f64,
}

/// Tätorter in a zone: a point inside, or a polygon that the zone meets. Their population
/// counts whole.
#[derive(Debug, Clone, Serialize)]
pub struct Tatorter {
    /// The tätort layer.
    pub layer: String,
    /// Number of tätorter.
    pub count: usize,
    /// Their population.
    pub population: f64,
    /// The tätorter, largest first.
    pub items: Vec<Tatort>,
}

/// Service points of one kind in a zone.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceCount {
    /// The service layer.
    pub layer: String,
    /// The kind (value of the kind field, or the layer id).
    pub kind: String,
    /// Number inside.
    pub count: usize,
}

/// One stop (its platforms together) in a zone.
#[derive(Debug, Clone, Serialize)]
pub struct Stop {
    /// The grouping key (parent station or stop area id).
    pub id: String,
    /// Name.
    pub name: String,
    /// Weekday departures, summed over its platforms inside.
    pub departures: f64,
    /// Platforms inside.
    pub platforms: usize,
    /// Position of its first platform, `[lon, lat]`.
    pub lon_lat: [f64; 2],
    /// Chainage along the corridor's axis, metres (absent for the region).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chainage_m: Option<f64>,
    /// Position of its first platform in the analysis CRS.
    #[serde(skip)]
    pub at: Option<Coord<f64>>,
}

/// Stops in a zone; each platform counts once, whatever the number of lines near it.
#[derive(Debug, Clone, Serialize)]
pub struct Stops {
    /// The stop layer.
    pub layer: String,
    /// Stops (platforms grouped).
    pub count: usize,
    /// Platforms.
    pub platforms: usize,
    /// Weekday departures, all stops.
    pub departures: f64,
    /// The stops, in order of chainage for a corridor.
    pub items: Vec<Stop>,
}

/// Everything counted in one zone; a part is `None` when its layer is not in the store.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    /// Population.
    pub population: Option<Population>,
    /// Tätorter.
    pub tatorter: Option<Tatorter>,
    /// Service points per layer and kind.
    pub services: Vec<ServiceCount>,
    /// Stops.
    pub stops: Option<Stops>,
}

/// The layers a tally reads, resolved and checked.
pub struct Resolved<'a> {
    /// Demand layer and its population field.
    pub population: Option<(&'a Layer, usize)>,
    /// Tätort layer, name field, population field.
    pub tatorter: Option<(&'a Layer, usize, usize)>,
    /// Service layers with their kind field.
    pub services: Vec<(&'a Layer, Option<usize>)>,
    /// Stop layer, its fields and the spec.
    pub stops: Option<(&'a Layer, StopFields)>,
}

/// Field positions of the stop layer.
pub struct StopFields {
    /// Stop name.
    pub name: usize,
    /// Weekday departures.
    pub departures: usize,
    /// Fields tried in order for the key that groups platforms into one stop.
    pub group: Vec<usize>,
}

impl StopFields {
    /// Resolves `spec`'s fields on `layer`.
    pub fn resolve(
        layer: &Layer,
        spec: &StopSource,
        field: impl Fn(&Layer, &str) -> Result<usize, super::CorridorError>,
    ) -> Result<Self, super::CorridorError> {
        Ok(Self {
            name: field(layer, &spec.name_field)?,
            departures: field(layer, &spec.departures_field)?,
            group: spec
                .group_fields
                .iter()
                .map(|f| field(layer, f))
                .collect::<Result<_, _>>()?,
        })
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_json().to_string(),
    }
}

fn number(value: &Value) -> f64 {
    value.as_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

/// Positions of features of `layer` that may lie in `zone`.
fn candidates(layer: &Layer, zone: &dyn Zone) -> Vec<usize> {
    zone.bbox()
        .map(|b| layer.analysis_candidates(b))
        .unwrap_or_default()
}

/// Counts what of `sources` lies in `zone`, adding to `profile` when given.
pub fn tally(
    sources: &Resolved,
    zone: &dyn Zone,
    mut profile: Option<&mut Profile>,
    chainage: Option<&super::axis::Chainage>,
    display: &dyn Fn(&Geometry<f64>) -> [f64; 2],
) -> Tally {
    let population = sources.population.map(|(layer, field)| {
        let mut tally = Population {
            layer: layer.meta.id.clone(),
            total: 0.0,
            units_whole: 0,
            units_cut: 0,
        };
        for i in candidates(layer, zone) {
            let feature = &layer.features[i];
            let share = zone.share_of(&feature.geometry);
            if share <= 0.0 {
                continue;
            }
            if share >= 1.0 {
                tally.units_whole += 1;
            } else {
                tally.units_cut += 1;
            }
            let people = number(&feature.properties[field]) * share;
            tally.total += people;
            if let (Some(profile), Some(at)) =
                (profile.as_deref_mut(), representative(&feature.geometry))
            {
                profile.add_population(at, people);
            }
        }
        tally
    });

    let tatorter = sources.tatorter.map(|(layer, name, pop)| {
        let mut items: Vec<Tatort> = candidates(layer, zone)
            .into_iter()
            .filter_map(|i| {
                let feature = &layer.features[i];
                let share = zone.share_of(&feature.geometry);
                (share > 0.0).then(|| Tatort {
                    id: feature.id,
                    name: text(&feature.properties[name]),
                    population: number(&feature.properties[pop]),
                    area_share: share,
                })
            })
            .collect();
        items.sort_by(|a, b| b.population.total_cmp(&a.population).then(a.id.cmp(&b.id)));
        Tatorter {
            layer: layer.meta.id.clone(),
            count: items.len(),
            population: items.iter().map(|t| t.population).sum(),
            items,
        }
    });

    let mut services = Vec::new();
    for &(layer, kind_field) in &sources.services {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for i in candidates(layer, zone) {
            let feature = &layer.features[i];
            if zone.share_of(&feature.geometry) > 0.0 {
                let kind = kind_field
                    .map_or_else(|| layer.meta.id.clone(), |f| text(&feature.properties[f]));
                *counts.entry(kind).or_default() += 1;
            }
        }
        services.extend(counts.into_iter().map(|(kind, count)| ServiceCount {
            layer: layer.meta.id.clone(),
            kind,
            count,
        }));
    }

    let stops = sources.stops.as_ref().map(|(layer, fields)| {
        let mut groups: BTreeMap<String, Stop> = BTreeMap::new();
        let mut platforms = 0;
        for i in candidates(layer, zone) {
            let feature = &layer.features[i];
            if zone.share_of(&feature.geometry) <= 0.0 {
                continue;
            }
            platforms += 1;
            let props = &feature.properties;
            let key = fields
                .group
                .iter()
                .map(|&f| text(&props[f]))
                .find(|k| !k.is_empty())
                .unwrap_or_else(|| format!("feature {}", feature.id));
            let departures = number(&props[fields.departures]);
            let stop = groups.entry(key.clone()).or_insert_with(|| Stop {
                id: key,
                name: text(&props[fields.name]),
                departures: 0.0,
                platforms: 0,
                lon_lat: display(&feature.display),
                chainage_m: None,
                at: representative(&feature.geometry),
            });
            stop.departures += departures;
            stop.platforms += 1;
        }
        let mut items: Vec<Stop> = groups.into_values().collect();
        for stop in &mut items {
            if let (Some(axis), Some(at)) = (chainage, stop.at) {
                stop.chainage_m = axis.at(at);
            }
            if let (Some(profile), Some(at)) = (profile.as_deref_mut(), stop.at) {
                profile.add_stop(at, stop.departures);
            }
        }
        items.sort_by(|a, b| {
            a.chainage_m
                .unwrap_or(0.0)
                .total_cmp(&b.chainage_m.unwrap_or(0.0))
                .then_with(|| a.id.cmp(&b.id))
        });
        Stops {
            layer: layer.meta.id.clone(),
            count: items.len(),
            platforms,
            departures: items.iter().map(|s| s.departures).sum(),
            items,
        }
    });

    Tally {
        population,
        tatorter,
        services,
        stops,
    }
}
