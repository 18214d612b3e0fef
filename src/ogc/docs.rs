//! The landing page, conformance declaration and collection documents.

use serde_json::{Value as Json, json};

use super::crs::{CRS84, CrsList, OgcCrs};
use super::{Base, media};
use crate::layer::Layer;

/// Where the OpenAPI document of the whole API is (`service-desc`).
pub const SERVICE_DESC: &str = "/api/openapi.json";

/// The relation of a collection's vector tilesets.
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";

/// The conformance classes this server implements.
pub const CONFORMANCE: [&str; 15] = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

/// `/ogc`: the landing page with links to the API description, conformance and data.
pub fn landing(base: &Base) -> Json {
    json!({
        "title": "Kartrummet",
        "description": "Planning data of the region as OGC API — Features and Tiles: every layer is a collection.",
        "links": [
            base.link("/ogc?f=json", "self", media::JSON, "this document"),
            base.link("/ogc?f=html", "alternate", media::HTML, "this document as HTML"),
            base.link(SERVICE_DESC, "service-desc", media::OPENAPI, "the API definition"),
            base.link("/ogc/conformance?f=json", "conformance", media::JSON, "conformance classes"),
            base.link("/ogc/collections?f=json", "data", media::JSON, "the collections"),
            base.link(
                "/ogc/tileMatrixSets?f=json",
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                media::JSON,
                "tile matrix sets",
            ),
        ],
    })
}

/// `/ogc/conformance`.
pub fn conformance(base: &Base) -> Json {
    json!({
        "conformsTo": CONFORMANCE,
        "links": [
            base.link("/ogc/conformance?f=json", "self", media::JSON, "this document"),
            base.link("/ogc/conformance?f=html", "alternate", media::HTML, "this document as HTML"),
        ],
    })
}

/// `/ogc/collections`: every collection.
pub fn collections<'a>(
    layers: impl IntoIterator<Item = &'a Layer>,
    crs: &CrsList,
    base: &Base,
) -> Json {
    let collections: Vec<Json> = layers
        .into_iter()
        .map(|l| collection(l, crs, base))
        .collect();
    json!({
        "links": [
            base.link("/ogc/collections?f=json", "self", media::JSON, "this document"),
            base.link("/ogc/collections?f=html", "alternate", media::HTML, "this document as HTML"),
        ],
        "crs": crs.offered().iter().map(OgcCrs::uri).collect::<Vec<_>>(),
        "collections": collections,
    })
}

/// `/ogc/collections/{id}`: one collection with its extent (CRS84), CRSs and links.
pub fn collection(layer: &Layer, crs: &CrsList, base: &Base) -> Json {
    let meta = &layer.meta;
    let path = format!("/ogc/collections/{}", meta.id);
    let mut doc = json!({
        "id": meta.id,
        "title": meta.title,
        "description": meta.description,
        "itemType": "feature",
        "crs": crs.offered().iter().map(OgcCrs::uri).collect::<Vec<_>>(),
        "storageCrs": crs.storage().uri(),
        "numberOfFeatures": meta.feature_count,
        "geometryType": meta.geometry_type,
        "links": [
            base.link(&format!("{path}?f=json"), "self", media::JSON, "this collection"),
            base.link(&format!("{path}?f=html"), "alternate", media::HTML, "this collection as HTML"),
            base.link(&format!("{path}/items?f=json"), "items", media::GEOJSON, "the features"),
            base.link(&format!("{path}/items?f=html"), "items", media::HTML, "the features as HTML"),
            base.link(&format!("{path}/tiles?f=json"), REL_TILESETS_VECTOR, media::JSON, "vector tiles"),
        ],
    });
    if let Some(bbox) = meta.bbox {
        doc["extent"] = json!({ "spatial": { "bbox": [bbox], "crs": CRS84 } });
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::LayerMeta;

    #[test]
    fn collection_offers_sweref_as_storage() {
        let layer = Layer::new(LayerMeta::new("kommungranser", vec![]), vec![]);
        let doc = collection(&layer, &CrsList::new("EPSG:3006"), &Base::default());
        assert_eq!(
            doc["storageCrs"],
            "http://www.opengis.net/def/crs/EPSG/0/3006"
        );
        assert_eq!(doc["crs"][0], CRS84);
        assert!(
            doc["links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["rel"] == "items")
        );
        let landing = landing(&Base::new(Some("https://k.se"), None));
        let rels: Vec<_> = landing["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].clone())
            .collect();
        for rel in ["self", "service-desc", "conformance", "data"] {
            assert!(rels.contains(&json!(rel)), "{rel}");
        }
        assert_eq!(landing["links"][0]["href"], "https://k.se/ogc?f=json");
    }
}
