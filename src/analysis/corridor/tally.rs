//! What lies in a zone (a corridor or the region): population, tätorter, services and stops.
//! The same counting serves corridors and the region's totals, so shares compare like with like.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use geo::{BoundingRect, Coord, Geometry, Intersects};
use serde::Serialize;

use super::profile::Profile;
use super::scenario::{ADDED_KIND, ADDED_LAYER};
use super::{CorridorError, Filter};
use crate::analysis::engine::text_of;
use crate::analysis::towns::Towns;
use crate::analysis::{field, numeric_field, representative_point};
use crate::layer::{Layer, Value};
use crate::profile::StopsSource;

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
        let Some(at) = representative_point(geometry) else {
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

/// Everything counted in one zone; a part is `None` when no layer for it was named or found.
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
#[derive(Default)]
pub struct Resolved {
    /// Demand layer and its population field.
    pub population: Option<(Arc<Layer>, usize)>,
    /// Tätorter.
    pub towns: Option<Towns>,
    /// Service points, each source counted on its own.
    pub services: Vec<Services>,
    /// Stop layer and its fields.
    pub stops: Option<(Arc<Layer>, StopFields)>,
    /// Services a scenario adds, counted in a row of their own (analysis CRS).
    pub added: Vec<Coord<f64>>,
}

/// One source of service points: a layer, the features a filter keeps, and their kind.
pub struct Services {
    /// The layer.
    pub layer: Arc<Layer>,
    /// Keep only the features this matches.
    pub filter: Filter,
    /// What kind a point is.
    pub kind: Kind,
    /// Positions of features a scenario removes or moves: not counted where they lie.
    pub gone: HashSet<usize>,
    /// Where a scenario moves features of this source to, with their kinds.
    pub moved: Vec<(String, Coord<f64>)>,
}

impl Services {
    /// The points of `layer` that `filter` keeps, of `kind`, unchanged by any scenario.
    pub fn new(layer: Arc<Layer>, filter: Filter, kind: Kind) -> Self {
        Self {
            layer,
            filter,
            kind,
            gone: HashSet::new(),
            moved: Vec::new(),
        }
    }
}

/// How a service point's kind is named.
pub enum Kind {
    /// Every point of the source is of this kind (a profile's service kind).
    Named(String),
    /// The value of this field is the kind (e.g. `category`).
    Field(usize),
}

/// Field positions of the stop layer.
pub struct StopFields {
    /// Stop name, when the layer has one.
    pub name: Option<usize>,
    /// Weekday departures; without it no departures are counted.
    pub departures: Option<usize>,
    /// Fields tried in order for the key that groups platforms into one stop.
    pub group: Vec<usize>,
}

/// Names a stop layer's name field usually has.
const STOP_NAMES: [&str; 3] = ["name", "stop_name", "namn"];

impl StopFields {
    /// Resolves `spec`'s fields on `layer`: named fields must exist (departures numeric);
    /// without a name field the first of `name`, `stop_name`, `namn` the layer has.
    pub fn resolve(layer: &Layer, spec: &StopsSource) -> Result<Self, CorridorError> {
        let name = match &spec.name_field {
            Some(name) => Some(field(layer, name)?),
            None => STOP_NAMES.iter().find_map(|n| layer.field_index(n)),
        };
        Ok(Self {
            name,
            departures: (spec.departures_field.as_deref())
                .map(|f| numeric_field(layer, f))
                .transpose()?,
            group: (spec.group_fields.iter())
                .map(|f| field(layer, f))
                .collect::<Result<_, _>>()?,
        })
    }
}

fn number(value: &Value) -> f64 {
    value.as_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

/// Whether the point `at` lies in `zone`.
fn holds(zone: &dyn Zone, at: Coord<f64>) -> bool {
    zone.share_of(&Geometry::Point(at.into())) > 0.0
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
    let population = sources.population.as_ref().map(|(layer, field)| {
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
            let people = number(&feature.properties[*field]) * share;
            tally.total += people;
            if let (Some(profile), Some(at)) = (
                profile.as_deref_mut(),
                representative_point(&feature.geometry),
            ) {
                profile.add_population(at, people);
            }
        }
        tally
    });

    let tatorter = sources.towns.as_ref().map(|towns| {
        let layer = &towns.layer;
        // `Towns::towns` holds every feature of the layer, in layer order.
        let mut items: Vec<Tatort> = candidates(layer, zone)
            .into_iter()
            .filter_map(|i| {
                let share = zone.share_of(&layer.features[i].geometry);
                (share > 0.0).then(|| Tatort {
                    id: layer.features[i].id,
                    name: towns.towns[i].name.clone(),
                    population: towns.towns[i].population,
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
    for source in &sources.services {
        let layer = &source.layer;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for i in candidates(layer, zone) {
            let feature = &layer.features[i];
            if source.gone.contains(&i) {
                continue;
            }
            if source.filter.matches(feature) && zone.share_of(&feature.geometry) > 0.0 {
                let kind = match &source.kind {
                    Kind::Named(kind) => kind.clone(),
                    Kind::Field(f) => text_of(&feature.properties[*f]),
                };
                *counts.entry(kind).or_default() += 1;
            }
        }
        for (kind, at) in &source.moved {
            if holds(zone, *at) {
                *counts.entry(kind.clone()).or_default() += 1;
            }
        }
        if let Kind::Named(kind) = &source.kind {
            // A kind of the profile is listed also where none lies inside.
            counts.entry(kind.clone()).or_default();
        }
        services.extend(counts.into_iter().map(|(kind, count)| ServiceCount {
            layer: layer.meta.id.clone(),
            kind,
            count,
        }));
    }

    if !sources.added.is_empty() {
        services.push(ServiceCount {
            layer: ADDED_LAYER.into(),
            kind: ADDED_KIND.into(),
            count: sources.added.iter().filter(|&&at| holds(zone, at)).count(),
        });
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
                .map(|&f| text_of(&props[f]))
                .find(|k| !k.is_empty())
                .unwrap_or_else(|| format!("feature {}", feature.id));
            let departures = fields.departures.map_or(0.0, |f| number(&props[f]));
            let stop = groups.entry(key.clone()).or_insert_with(|| Stop {
                id: key,
                name: fields.name.map_or_else(String::new, |f| text_of(&props[f])),
                departures: 0.0,
                platforms: 0,
                lon_lat: display(&feature.display),
                chainage_m: None,
                at: representative_point(&feature.geometry),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::corridor::Filter;
    use crate::analysis::corridor::area::PreparedArea;
    use crate::layer::{Feature, Field, FieldKind, LayerMeta};
    use geo::{MultiPolygon, polygon};

    /// A point layer with one text field `category` and one text field `stop_name`.
    fn points(id: &str, rows: &[((f64, f64), &str)]) -> Arc<Layer> {
        let text = |name: &str| Field {
            name: name.into(),
            kind: FieldKind::String,
        };
        let features = rows
            .iter()
            .enumerate()
            .map(|(i, &((x, y), category))| {
                let g = Geometry::Point(geo::Point::new(x, y));
                Feature {
                    id: i as u64 + 1,
                    geometry: g.clone(),
                    display: g,
                    properties: vec![Value::Str(category.into()), Value::Str(format!("s{i}"))],
                }
            })
            .collect();
        let meta = LayerMeta::new(id, vec![text("category"), text("stop_name")]);
        Arc::new(Layer::new(meta, features))
    }

    fn square() -> PreparedArea {
        let p =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        PreparedArea::new(MultiPolygon::new(vec![p]))
    }

    #[test]
    fn services_count_per_kind_of_the_profile_or_per_field_value() {
        let shops = points(
            "butiker",
            &[
                ((1.0, 1.0), "grocery"),
                ((2.0, 2.0), "grocery"),
                ((3.0, 3.0), "pharmacy"),
                ((50.0, 50.0), "grocery"),
            ],
        );
        let category = |v: &str| [("category", v.to_string())];
        let kind = |kind: &str, value: &str| {
            let filter = Filter::new(&shops, category(value)).unwrap();
            Services::new(Arc::clone(&shops), filter, Kind::Named(kind.into()))
        };
        let sources = Resolved {
            services: vec![
                kind("livs", "grocery"),
                kind("apotek", "pharmacy"),
                kind("post", "parcel"),
                Services::new(
                    Arc::clone(&shops),
                    Filter::new(&shops, []).unwrap(),
                    Kind::Field(0),
                ),
            ],
            ..Resolved::default()
        };
        let counted = tally(&sources, &square(), None, None, &|_| [0.0, 0.0]).services;
        let rows: Vec<(&str, usize)> = counted.iter().map(|s| (s.kind.as_str(), s.count)).collect();
        // A kind of the profile is listed with 0; a field's values only where they occur.
        assert_eq!(
            rows,
            [
                ("livs", 2),
                ("apotek", 1),
                ("post", 0),
                ("grocery", 2),
                ("pharmacy", 1)
            ]
        );
    }

    #[test]
    fn stops_without_a_departures_field_count_once_under_their_usual_name() {
        let stops = points("stops", &[((1.0, 1.0), "a"), ((2.0, 1.0), "a")]);
        let spec = StopsSource {
            layer: "stops".into(),
            departures_field: None,
            name_field: None,
            group_fields: vec!["category".into()],
        };
        let fields = StopFields::resolve(&stops, &spec).unwrap();
        assert_eq!((fields.name, fields.departures), (Some(1), None));
        let sources = Resolved {
            stops: Some((Arc::clone(&stops), fields)),
            ..Resolved::default()
        };
        let counted = tally(&sources, &square(), None, None, &|_| [0.0, 0.0]);
        let counted = counted.stops.unwrap();
        assert_eq!((counted.count, counted.platforms), (1, 2));
        assert_eq!(
            (counted.departures, counted.items[0].name.as_str()),
            (0.0, "s0")
        );

        let named = |field: &str| StopsSource {
            departures_field: Some(field.into()),
            ..spec.clone()
        };
        assert!(StopFields::resolve(&stops, &named("avgangar")).is_err());
        assert!(
            StopFields::resolve(&stops, &named("category"))
                .is_err_and(|e| e.to_string().contains("not numeric"))
        );
    }
}
