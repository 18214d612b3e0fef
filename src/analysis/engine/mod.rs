//! The analysis engine every product runs on: layer and field lookup, representative points,
//! demand units attached to the network ([`prepare`]), supply ([`services`]), the nearest
//! search ([`evaluate`], [`nearest_straight`]), bands and summaries ([`summarize`], weighted
//! means and medians), the unit→area join ([`AreaLookup`], [`group_by_area`], [`TOTAL`],
//! [`OUTSIDE`]), result layers ([`unit_layer`]), the [`AnalysisCache`], the work
//! [`budget`] and the [`changes`] of a scenario (services, population, network).
//!
//! Products (`service_access`, `isochrone`, `rural`, `place_profile`, `corridor`) take
//! their layers from the request or the region profile, call the engine, and shape the
//! answer; none reaches into another product.

pub mod areas;
pub mod budget;
pub mod changes;
pub mod derived;
pub mod lookup;
pub mod nearest;
pub mod spec;
pub mod summary;
pub mod supply;
pub mod units;

pub use areas::{
    AreaGroup, AreaInfo, AreaJoin, AreaLookup, OUTSIDE, TOTAL, area_of, group_by_area,
};
pub use changes::{
    Changes, NetworkChanges, NewHomes, NewLink, RoadSelection, SpeedChange, demand_with,
    prepare_scenario, scenario_network,
};
pub use derived::{Naming, unit_layer};
pub use lookup::{
    field, is_bus_network, layer, network_note, numeric_field, pick_field, representative_point,
    sum, text_of,
};
pub use nearest::{Outcome, Status, UnitResult, evaluate, nearest_straight};
pub use spec::{AreaSpec, Bands, DemandSpec, Mode, SupplySpec, Unit, UnitsSpec};
pub use summary::{
    BandCount, Summary, summarize, summarize_members, weighted_mean, weighted_median,
};
pub use supply::{Service, layer_services, services};
pub use units::{DemandUnit, Prepared, prepare};

use crate::network::NetworkCache;
use crate::network::cache::Memo;

/// What analyses keep between requests: built networks, prepared demand units and the
/// outcomes of unchanged services, keyed by layer versions and settings. One per server.
#[derive(Debug)]
pub struct AnalysisCache {
    /// Built networks.
    pub networks: NetworkCache,
    /// Networks with a scenario's changes applied, keyed by the baseline's key and the
    /// changes.
    scenario_networks: Memo<crate::network::Network>,
    demand: Memo<Prepared>,
    /// Nearest-service outcomes of unchanged supply (service access baselines).
    pub outcomes: Memo<Outcome>,
    /// Region totals of corridor analyses.
    pub corridor_regions: Memo<super::corridor::RegionTotals>,
}

impl Default for AnalysisCache {
    fn default() -> Self {
        Self {
            networks: NetworkCache::default(),
            scenario_networks: Memo::new(6),
            demand: Memo::new(8),
            outcomes: Memo::new(8),
            corridor_regions: Memo::new(8),
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Small layers and networks built in tests.

    use geo::{Coord, Geometry, LineString};

    use crate::layer::{Feature, Field, FieldKind, Layer, LayerMeta, Value};
    use crate::profile::{AnalysisProfile, RegionProfile};

    /// A region profile naming layers of a small test region: network `vagar`, demand
    /// `rutor` (`bef`), areas `kommungranser`, towns `orter` and one service kind `livs`.
    pub fn profile() -> AnalysisProfile {
        RegionProfile::from_toml(
            r#"[analysis]
            network = "vagar"
            demand = { layer = "rutor", population = "bef" }
            areas = { layer = "kommungranser" }
            towns = { layer = "orter" }
            [[analysis.services]]
            kind = "livs"
            label = "Livsmedel"
            layer = "butiker"
            filter = { category = "grocery" }"#,
        )
        .unwrap()
        .analysis
    }

    /// A text value.
    pub fn text(s: &str) -> Value {
        Value::Str(s.into())
    }

    /// A square polygon with its lower left corner at (`x`, `y`).
    pub fn square(x: f64, y: f64, side: f64) -> Geometry<f64> {
        geo::Rect::new(
            Coord { x, y },
            Coord {
                x: x + side,
                y: y + side,
            },
        )
        .to_polygon()
        .into()
    }

    /// A point.
    pub fn point(x: f64, y: f64) -> Geometry<f64> {
        geo::Point::new(x, y).into()
    }

    /// A straight line.
    pub fn line(from: (f64, f64), to: (f64, f64)) -> Geometry<f64> {
        LineString::from(vec![from, to]).into()
    }

    /// A layer of these features; fields are text unless their first value is a number.
    pub fn layer_of(
        id: &str,
        fields: &[&str],
        features: Vec<(Geometry<f64>, Vec<Value>)>,
    ) -> Layer {
        let fields = fields
            .iter()
            .enumerate()
            .map(|(i, n)| Field {
                name: n.to_string(),
                kind: match features.first().map(|f| &f.1[i]) {
                    Some(Value::Real(_)) => FieldKind::Real,
                    Some(Value::Int(_)) => FieldKind::Integer,
                    _ => FieldKind::String,
                },
            })
            .collect();
        let meta = LayerMeta::new(id, fields);
        let features = features
            .into_iter()
            .enumerate()
            .map(|(i, (geometry, properties))| Feature {
                id: i as u64 + 1,
                display: geometry.clone(),
                geometry,
                properties,
            })
            .collect();
        Layer::new(meta, features)
    }
}
