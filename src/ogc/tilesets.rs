//! OGC API — Tiles documents for the vector tiles of `crate::tiles`: a collection's tileset
//! list, its WebMercatorQuad tileset metadata, and the TileMatrixSet definition. The tiles
//! themselves are the MVT bytes of `/tiles/`.

use serde_json::{Value as Json, json};

use super::crs::CRS84;
use super::{Base, OgcError, media};
use crate::tiles::{MAX_ZOOM, TileId, TileLayer, tilejson};

/// The one tile matrix set offered.
pub const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
/// Its URI in the OGC definitions register.
pub const WEB_MERCATOR_QUAD_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// Half the side of the Web Mercator square, in metres.
const ORIGIN: f64 = 20_037_508.342_789_244;
/// Scale denominator of zoom 0 (0.28 mm pixels, 256-pixel tiles).
const SCALE_0: f64 = 559_082_264.028_717_8;

/// Checks that `id` names the offered tile matrix set.
pub fn check_matrix_set(id: &str) -> Result<(), OgcError> {
    if id == WEB_MERCATOR_QUAD {
        Ok(())
    } else {
        Err(OgcError::UnknownTileMatrixSet(
            id.chars().take(100).collect(),
        ))
    }
}

/// `/ogc/collections/{id}/tiles`: the collection's tilesets (one, WebMercatorQuad).
pub fn tileset_list(layer: &TileLayer<'_>, base: &Base) -> Json {
    let id = &layer.layer.meta.id;
    json!({
        "links": [
            base.link(&format!("/ogc/collections/{id}/tiles?f=json"), "self", media::JSON, "this document"),
            base.link(&format!("/ogc/collections/{id}?f=json"), "collection", media::JSON, &layer.layer.meta.title),
        ],
        "tilesets": [{
            "title": layer.layer.meta.title,
            "dataType": "vector",
            "crs": EPSG_3857,
            "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
            "links": [
                base.link(&tileset_path(id), "self", media::JSON, "tileset metadata"),
                base.link(
                    &format!("/ogc/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
                    "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                    media::JSON,
                    "the tile matrix set",
                ),
            ],
        }],
    })
}

fn tileset_path(id: &str) -> String {
    format!("/ogc/collections/{id}/tiles/{WEB_MERCATOR_QUAD}")
}

/// `/ogc/collections/{id}/tiles/WebMercatorQuad`: the tileset metadata, with the tile URL
/// template, the zooms and tile ranges where the layer has features, and its fields.
pub fn tileset(layer: &TileLayer<'_>, base: &Base) -> Json {
    let meta = &layer.layer.meta;
    let path = tileset_path(&meta.id);
    let (minzoom, maxzoom) = (layer.settings.minzoom, layer.settings.maxzoom);
    let vector_layers = tilejson::metadata(std::slice::from_ref(layer))["vector_layers"].clone();
    let layers: Vec<Json> = vector_layers
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let properties: serde_json::Map<String, Json> = l["fields"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, kind)| {
                    let kind = kind.as_str().unwrap_or("string").to_ascii_lowercase();
                    (name.clone(), json!({ "type": kind }))
                })
                .collect();
            json!({
                "id": l["id"],
                "description": l["description"],
                "dataType": "vector",
                "minTileMatrix": l["minzoom"].to_string(),
                "maxTileMatrix": l["maxzoom"].to_string(),
                "propertiesSchema": { "type": "object", "properties": properties },
            })
        })
        .collect();
    let mut doc = json!({
        "title": meta.title,
        "description": meta.description,
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "links": [
            base.link(&format!("{path}?f=json"), "self", media::JSON, "this tileset"),
            base.link(
                &format!("/ogc/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                media::JSON,
                "the tile matrix set",
            ),
            base.link(&format!("/ogc/collections/{}?f=json", meta.id), "collection", media::JSON, &meta.title),
        ],
        "layers": layers,
    });
    doc["links"].as_array_mut().expect("links").push(json!({
        "href": base.href(&format!("{path}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")),
        "rel": "item",
        "type": media::MVT,
        "templated": true,
        "title": "a tile",
    }));
    if let Some([w, s, e, n]) = meta.bbox {
        doc["boundingBox"] = json!({ "lowerLeft": [w, s], "upperRight": [e, n], "crs": CRS84 });
        let limits: Vec<Json> = (minzoom..=maxzoom)
            .filter_map(|z| {
                let low = TileId::containing(w, n, z).ok()?;
                let high = TileId::containing(e, s, z).ok()?;
                Some(json!({
                    "tileMatrix": z.to_string(),
                    "minTileRow": low.y,
                    "maxTileRow": high.y,
                    "minTileCol": low.x,
                    "maxTileCol": high.x,
                }))
            })
            .collect();
        doc["tileMatrixSetLimits"] = json!(limits);
    }
    doc
}

/// `/ogc/tileMatrixSets`: the tile matrix sets offered.
pub fn matrix_sets(base: &Base) -> Json {
    json!({
        "tileMatrixSets": [{
            "id": WEB_MERCATOR_QUAD,
            "title": "Google Maps Compatible for the World",
            "uri": WEB_MERCATOR_QUAD_URI,
            "links": [base.link(&format!("/ogc/tileMatrixSets/{WEB_MERCATOR_QUAD}"), "self", media::JSON, WEB_MERCATOR_QUAD)],
        }],
        "links": [base.link("/ogc/tileMatrixSets?f=json", "self", media::JSON, "this document")],
    })
}

/// `/ogc/tileMatrixSets/WebMercatorQuad`: the definition (OGC TMS 2.0 JSON), zooms 0 to
/// [`MAX_ZOOM`].
pub fn web_mercator_quad() -> Json {
    let matrices: Vec<Json> = (0..=MAX_ZOOM)
        .map(|z| {
            let scale = f64::from(1u32 << z);
            json!({
                "id": z.to_string(),
                "scaleDenominator": SCALE_0 / scale,
                "cellSize": 2.0 * ORIGIN / 256.0 / scale,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 1u32 << z,
                "matrixHeight": 1u32 << z,
            })
        })
        .collect();
    json!({
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_set_halves_each_zoom() {
        let doc = web_mercator_quad();
        let m = doc["tileMatrices"].as_array().unwrap();
        assert_eq!(m.len(), usize::from(MAX_ZOOM) + 1);
        assert!((m[0]["cellSize"].as_f64().unwrap() - 156_543.033_928_041).abs() < 1e-6);
        assert_eq!(m[3]["matrixWidth"], 8);
        assert!(check_matrix_set("WebMercatorQuad").is_ok());
        assert!(check_matrix_set("WorldCRS84Quad").is_err());
    }
}
