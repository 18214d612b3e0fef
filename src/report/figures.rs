//! A saved view's analysis, run again on the server: the web map's service-access request
//! (`web/js/analysis.js`, `scenario.js`) rebuilt from the view's `analysis.service`
//! parameters, its result as a layer to draw and its table per municipality.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::analysis::AnalysisError;
use crate::analysis::service_access::{self, AccessRequest, Changes, Run};
use crate::analysis::{AnalysisCache, is_bus_network};
use crate::layer::Layer;
use crate::profile::AnalysisProfile;
use crate::render::legend::format_number;
use crate::report::pdf::FigureTable;
use crate::store::Catalog;

/// A view's analysis, computed.
pub struct Figures {
    /// The result per demand unit, as a layer (not stored).
    pub layer: Arc<Layer>,
    /// Population per band and municipality, the whole last.
    pub table: FigureTable,
    /// What the network is (or that distances are straight lines).
    pub network_note: String,
}

/// Runs the service access a view shows (`analysis.service` = `{kind, breaks, inputs?,
/// remove?}`), with the closed service of a what-if when it names one. `None` when the view
/// shows no service access.
pub fn service_access(
    cache: &AnalysisCache,
    catalog: &Catalog,
    profile: &AnalysisProfile,
    analysis: &Json,
    analysis_crs: &str,
) -> Result<Option<Figures>, AnalysisError> {
    let params = &analysis["service"];
    if !params.is_object() {
        return Ok(None);
    }
    let request: AccessRequest = serde_json::from_value(request_body(params))
        .map_err(|e| AnalysisError::Invalid(format!("the view's analysis: {e}")))?;
    let spec = request.resolve(profile)?;
    spec.validate()?;
    let removed = params["remove"].as_str();
    let run = match removed {
        Some(reference) => {
            let changes: Changes = serde_json::from_value(json!({ "remove": [reference] }))
                .map_err(|e| AnalysisError::Invalid(format!("the view's closed service: {e}")))?;
            service_access::scenario(cache, catalog, &spec, &changes, analysis_crs)?.after
        }
        None => service_access::run(cache, catalog, &spec, &mut |_| {})?,
    };
    let title = match removed {
        Some(_) => "Restid till service, om den stänger",
        None => "Restid till service",
    };
    let layer = Arc::new(service_access::result_layer(
        &run,
        &spec.bands,
        "analys",
        title,
        None,
    ));
    let network_note = match run.prepared.network_layer.as_deref() {
        // The web's Swedish notes (`saNetworkNote`, `saNetworkNoteLayer` in web/js/i18n.js).
        Some(l) if is_bus_network(l) => format!(
            "Restiderna följer bussnätet, inte alla vägar (lagret ”{}”: vägarna som busslinjerna trafikerar). Platser utanför nätet ansluts med en rak linje, så restider långt från busslinjerna är uppskattningar.",
            l.meta.id
        ),
        Some(l) => format!(
            "Restiderna följer linjelagret ”{}” som vägnät; de är aldrig fullständigare än det lagret.",
            l.meta.id
        ),
        None => "Avstånd fågelvägen, inte längs vägar.".into(),
    };
    Ok(Some(Figures {
        layer,
        table: table(&run),
        network_note,
    }))
}

/// The web's request body for service parameters: the kind (or own supply), the bands and
/// the inputs the user picked; what it leaves out comes from the profile.
fn request_body(params: &Json) -> Json {
    let breaks = params["breaks"]
        .as_array()
        .filter(|b| !b.is_empty())
        .cloned();
    let breaks = breaks.unwrap_or_else(|| vec![json!(5), json!(10), json!(20), json!(30)]);
    let mut body = json!({
        "mode": "network",
        "bands": { "unit": "min", "breaks": breaks },
        "threshold": breaks.last(),
    });
    let inputs = &params["inputs"];
    match inputs["supply"]["layer"].as_str() {
        Some(_) => body["supply"] = json!([inputs["supply"]]),
        None => body["kind"] = params["kind"].clone(),
    }
    if let Some(network) = inputs["network"].as_str() {
        body["network"] = json!(network);
    }
    if inputs["demand"]["layer"].is_string() {
        body["demand"] = inputs["demand"].clone();
    }
    if let Some(areas) = inputs.get("areas") {
        body["areas"] = areas.clone();
    }
    body
}

/// Population per band and area, the whole last: the table the web's panel shows.
fn table(run: &Run) -> FigureTable {
    let bands: Vec<String> = run.total.bands.iter().map(|b| b.label.clone()).collect();
    let mut columns = vec!["Område".to_string(), "Invånare".to_string()];
    columns.extend(bands);
    columns.push("Når ingen".into());
    let rows = run
        .areas
        .iter()
        .chain(std::iter::once(&run.total))
        .map(|s| {
            let mut row = vec![s.name.clone(), format_number(s.population.round())];
            row.extend(s.bands.iter().map(|b| format_number(b.population.round())));
            row.push(format_number(s.unreachable.round()));
            row
        })
        .collect();
    FigureTable {
        caption: "Invånare per restid och område".into(),
        columns,
        rows,
    }
}
