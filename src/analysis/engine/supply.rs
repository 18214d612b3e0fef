//! Supply: the service points of one or more layers, filtered by field values.

use std::sync::Arc;

use geo::Coord;
use serde::Serialize;

use super::super::AnalysisError;
use super::lookup::{field, layer, representative_point, text_of};
use super::spec::SupplySpec;
use crate::layer::{FieldKind, Layer};
use crate::store::Catalog;

/// A service point.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// `LAYER/FEATURE_ID`, or `new/N` for points added in a scenario.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Position in the analysis CRS.
    #[serde(skip)]
    pub point: Coord<f64>,
}

/// The service points of `supply`, filtered. Errors when a layer or filter field does not
/// exist, or when nothing matches.
pub fn services(catalog: &Catalog, supply: &[SupplySpec]) -> Result<Vec<Service>, AnalysisError> {
    let mut out = Vec::new();
    for s in supply {
        out.extend(
            layer_services(catalog, s)?
                .1
                .into_iter()
                .map(|(_, service)| service),
        );
    }
    if out.is_empty() {
        let wanted: Vec<String> = supply
            .iter()
            .map(|s| format!("{} {:?}", s.layer, s.filter))
            .collect();
        return Err(AnalysisError::EmptySupply(format!(
            "nothing matches {}",
            wanted.join(", ")
        )));
    }
    Ok(out)
}

/// The service points of one layer, each with the position of its feature in the layer.
pub type LayerServices = (Arc<Layer>, Vec<(usize, Service)>);

/// The service points of one supply layer with the positions of their features in it
/// (possibly none). Errors when the layer or a filter or name field does not exist.
pub fn layer_services(catalog: &Catalog, s: &SupplySpec) -> Result<LayerServices, AnalysisError> {
    let l = layer(catalog, &s.layer)?;
    let filters = s
        .filter
        .iter()
        .map(|(name, value)| Ok((field(&l, name)?, value.as_str())))
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    let name = match &s.name_field {
        Some(n) => Some(field(&l, n)?),
        None => ["name", "namn", "Populärnamn", "title"]
            .iter()
            .find_map(|n| l.field_index(n))
            .or_else(|| {
                l.meta
                    .fields
                    .iter()
                    .position(|f| f.kind == FieldKind::String)
            }),
    };
    let found = l
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            filters
                .iter()
                .all(|(i, v)| f.properties[*i].matches_text(v))
        })
        .filter_map(|(i, f)| {
            let point = representative_point(&f.geometry)?;
            Some((
                i,
                Service {
                    id: format!("{}/{}", l.meta.id, f.id),
                    name: name.map(|n| text_of(&f.properties[n])).unwrap_or_default(),
                    point,
                },
            ))
        })
        .collect();
    Ok((l, found))
}
