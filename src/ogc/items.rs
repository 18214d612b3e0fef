//! `/collections/{id}/items` and `/items/{featureId}`: features in the CRS asked for, selected
//! by `bbox` (in `bbox-crs`) and property equality, in pages of `limit` from `offset`, with
//! `next`/`prev` links.

use serde_json::{Value as Json, json};

use super::crs::{CrsList, OgcCrs};
use super::{Base, Link, OgcError, encode, media};
use crate::layer::{DEFAULT_PAGE, Layer, MAX_PAGE};

/// A parsed items request.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    /// Features per page, 1 to [`MAX_PAGE`].
    pub limit: usize,
    /// Matching features skipped before the page.
    pub offset: usize,
    /// The box as given, in `bbox_crs` axis order.
    pub bbox: Option<[f64; 4]>,
    /// The CRS of `bbox`.
    pub bbox_crs: OgcCrs,
    /// The CRS of the answer.
    pub crs: OgcCrs,
    /// `field=value` equalities, in the order given.
    pub filters: Vec<(String, String)>,
    /// `datetime` as given: the collections have no temporal extent, so every feature meets it.
    pub datetime: Option<String>,
}

/// Parameter names the items request knows; any other name is a property filter.
const KNOWN: [&str; 6] = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime"];

impl ItemsQuery {
    /// Parses the query pairs (without `f`). A known parameter given twice, a value out of its
    /// form or range, or a CRS not in `crs` is an error; other names are property filters,
    /// checked against the collection's fields by [`items`].
    pub fn parse(pairs: Vec<(String, String)>, crs: &CrsList) -> Result<Self, OgcError> {
        let mut filters = Vec::new();
        let mut known: Vec<(&'static str, String)> = Vec::new();
        for (name, value) in pairs {
            match KNOWN.iter().find(|k| **k == name) {
                Some(&k) if known.iter().any(|(n, _)| *n == k) => {
                    return Err(bad(k, "given more than once"));
                }
                Some(&k) => known.push((k, value)),
                None => filters.push((name, value)),
            }
        }
        let take = |name: &str| known.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        let limit = match take("limit") {
            None => DEFAULT_PAGE,
            Some(text) => text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    bad(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_PAGE}, not {text:?}"),
                    )
                })?,
        };
        let offset = match take("offset") {
            None => 0,
            Some(text) => text.trim().parse::<usize>().map_err(|_| {
                bad(
                    "offset",
                    format!("must be a whole number ≥ 0, not {text:?}"),
                )
            })?,
        };
        let pick = |name: &str| take(name).map(|uri| crs.parse(uri)).transpose();
        let crs_out = pick("crs")?.unwrap_or(OgcCrs::Crs84);
        let bbox_crs = pick("bbox-crs")?.unwrap_or(OgcCrs::Crs84);
        let bbox = take("bbox").map(|b| parse_bbox(b, bbox_crs)).transpose()?;
        Ok(Self {
            limit,
            offset,
            bbox,
            bbox_crs,
            crs: crs_out,
            filters,
            datetime: take("datetime").cloned(),
        })
    }

    /// The query string of the same request at another offset (for `next`/`prev` links).
    fn at_offset(&self, offset: usize, format: &str) -> String {
        let mut parts = vec![
            format!("f={format}"),
            format!("limit={}", self.limit),
            format!("offset={offset}"),
        ];
        if let Some(b) = self.bbox {
            let text = b.map(|v| v.to_string()).join(",");
            parts.push(format!("bbox={}", encode(&text)));
            if self.bbox_crs != OgcCrs::Crs84 {
                parts.push(format!("bbox-crs={}", encode(&self.bbox_crs.uri())));
            }
        }
        if self.crs != OgcCrs::Crs84 {
            parts.push(format!("crs={}", encode(&self.crs.uri())));
        }
        if let Some(d) = &self.datetime {
            parts.push(format!("datetime={}", encode(d)));
        }
        for (name, value) in &self.filters {
            parts.push(format!("{}={}", encode(name), encode(value)));
        }
        parts.join("&")
    }
}

fn bad(name: &'static str, detail: impl Into<String>) -> OgcError {
    OgcError::BadParameter {
        name,
        detail: detail.into(),
    }
}

/// A box of 4 numbers (or 6, the heights ignored) in `crs` axis order, lower corner first.
fn parse_bbox(text: &str, crs: OgcCrs) -> Result<[f64; 4], OgcError> {
    let wrong = || {
        bad(
            "bbox",
            format!(
                "must be 4 (or 6) numbers, the lower corner then the upper one in the axis order of {} (bbox-crs), not {:?}",
                crs.uri(),
                text.chars().take(200).collect::<String>()
            ),
        )
    };
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| wrong())?;
    let b = match numbers[..] {
        [a, b, c, d] => [a, b, c, d],
        [a, b, _, d, e, _] => [a, b, d, e],
        _ => return Err(wrong()),
    };
    if b.iter().any(|v| !v.is_finite()) || b[0] > b[2] || b[1] > b[3] {
        return Err(wrong());
    }
    Ok(b)
}

/// A page of items as a GeoJSON FeatureCollection with `numberMatched`, `numberReturned`,
/// `timeStamp` and links; coordinates in `query.crs`.
#[derive(Debug)]
pub struct ItemsPage {
    /// The document.
    pub body: Json,
    /// The CRS of its coordinates (for `Content-Crs`).
    pub crs: OgcCrs,
}

/// The page of `layer`'s features that `query` asks for.
pub fn items(layer: &Layer, query: &ItemsQuery, base: &Base) -> Result<ItemsPage, OgcError> {
    let filters = layer.filters(query.filters.iter().cloned())?;
    let bbox = query
        .bbox
        .map(|b| (query.bbox_crs.space(), query.bbox_crs.to_east_north(b)));
    let matched = layer.select(bbox, &filters);
    let features: Vec<Json> = matched
        .iter()
        .skip(query.offset)
        .take(query.limit)
        .map(|&i| feature_json(layer, i, query.crs))
        .collect();
    let path = format!("/ogc/collections/{}/items", layer.meta.id);
    let page = |offset: usize, format: &str| format!("{path}?{}", query.at_offset(offset, format));
    let mut links = vec![
        base.link(
            &page(query.offset, "json"),
            "self",
            media::GEOJSON,
            "this page",
        ),
        base.link(
            &page(query.offset, "html"),
            "alternate",
            media::HTML,
            "this page as HTML",
        ),
        base.link(
            &format!("/ogc/collections/{}", layer.meta.id),
            "collection",
            media::JSON,
            &layer.meta.title,
        ),
    ];
    let end = query.offset.saturating_add(features.len());
    if end < matched.len() {
        links.push(base.link(&page(end, "json"), "next", media::GEOJSON, "next page"));
    }
    if query.offset > 0 && !matched.is_empty() {
        let previous = query
            .offset
            .saturating_sub(query.limit)
            .min(matched.len() - 1);
        links.push(base.link(
            &page(previous, "json"),
            "prev",
            media::GEOJSON,
            "previous page",
        ));
    }
    let body = json!({
        "type": "FeatureCollection",
        "title": layer.meta.title,
        "numberMatched": matched.len(),
        "numberReturned": features.len(),
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
        "features": features,
    });
    Ok(ItemsPage {
        body,
        crs: query.crs,
    })
}

/// The feature `id` of `layer` with its links, coordinates in `crs`.
pub fn feature(layer: &Layer, id: &str, crs: OgcCrs, base: &Base) -> Result<ItemsPage, OgcError> {
    let missing = || OgcError::UnknownFeature {
        collection: layer.meta.id.clone(),
        feature: id.chars().take(100).collect(),
    };
    let wanted: u64 = id.parse().map_err(|_| missing())?;
    // Ids are 1-based positions in source order; look further only if that does not hold.
    let position = usize::try_from(wanted)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|&p| layer.features.get(p).is_some_and(|f| f.id == wanted))
        .or_else(|| layer.features.iter().position(|f| f.id == wanted))
        .ok_or_else(missing)?;
    let mut body = feature_json(layer, position, crs);
    let path = format!("/ogc/collections/{}/items/{wanted}", layer.meta.id);
    let crs_query = if crs == OgcCrs::Crs84 {
        String::new()
    } else {
        format!("&crs={}", encode(&crs.uri()))
    };
    let links: Vec<Link> = vec![
        base.link(
            &format!("{path}?f=json{crs_query}"),
            "self",
            media::GEOJSON,
            "this feature",
        ),
        base.link(
            &format!("{path}?f=html{crs_query}"),
            "alternate",
            media::HTML,
            "this feature as HTML",
        ),
        base.link(
            &format!("/ogc/collections/{}", layer.meta.id),
            "collection",
            media::JSON,
            &layer.meta.title,
        ),
    ];
    body["links"] = json!(links);
    Ok(ItemsPage { body, crs })
}

/// One feature as GeoJSON, coordinates in `crs` and its axis order.
fn feature_json(layer: &Layer, position: usize, crs: OgcCrs) -> Json {
    let feature = &layer.features[position];
    json!({
        "type": "Feature",
        "id": feature.id,
        "geometry": geojson::Geometry::from(&crs.geometry(feature)),
        "properties": layer.properties_json(position),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Feature, Field, FieldKind, LayerMeta, Value};

    fn layer(n: u64) -> Layer {
        let fields = vec![Field {
            name: "typ".into(),
            kind: FieldKind::String,
        }];
        let features = (1..=n)
            .map(|id| Feature {
                id,
                geometry: geo::point!(x: 500_000.0 + id as f64, y: 6_700_000.0).into(),
                display: geo::point!(x: 15.0 + id as f64 / 1000.0, y: 60.0).into(),
                properties: vec![Value::Str(if id % 2 == 0 { "jamn" } else { "udda" }.into())],
            })
            .collect();
        Layer::new(LayerMeta::new("punkter", fields), features)
    }

    fn query(pairs: &[(&str, &str)]) -> Result<ItemsQuery, OgcError> {
        let pairs = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        ItemsQuery::parse(pairs, &CrsList::new("EPSG:3006"))
    }

    fn link<'a>(page: &'a Json, rel: &str) -> Option<&'a str> {
        page["links"]
            .as_array()?
            .iter()
            .find(|l| l["rel"] == rel)
            .and_then(|l| l["href"].as_str())
    }

    #[test]
    fn pages_follow_next_links_to_the_end() {
        let layer = layer(25);
        let page = items(
            &layer,
            &query(&[("limit", "10"), ("offset", "20")]).unwrap(),
            &Base::default(),
        )
        .unwrap();
        assert_eq!(page.body["numberMatched"], 25);
        assert_eq!(page.body["numberReturned"], 5);
        assert!(link(&page.body, "next").is_none());
        assert!(link(&page.body, "prev").unwrap().contains("offset=10"));
        let first = items(
            &layer,
            &query(&[("limit", "10")]).unwrap(),
            &Base::default(),
        )
        .unwrap();
        assert!(link(&first.body, "next").unwrap().contains("offset=10"));
        assert!(link(&first.body, "prev").is_none());
    }

    #[test]
    fn filters_and_boxes_in_sweref() {
        let layer = layer(10);
        let q = query(&[
            ("typ", "jamn"),
            ("bbox", "6699999,500002.5,6700001,500006.5"),
            ("bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/3006"),
            ("crs", "http://www.opengis.net/def/crs/EPSG/0/3006"),
        ])
        .unwrap();
        let page = items(&layer, &q, &Base::default()).unwrap();
        let ids: Vec<_> = page.body["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(4), json!(6)]);
        assert_eq!(
            page.body["features"][0]["geometry"]["coordinates"],
            json!([6_700_000.0, 500_004.0])
        );
        let next = link(&page.body, "self").unwrap();
        assert!(next.contains("typ=jamn") && next.contains("bbox-crs=http%3A%2F%2F"));
    }

    #[test]
    fn bad_requests_are_refused() {
        for pairs in [
            vec![("limit", "0")],
            vec![("limit", "10001")],
            vec![("limit", "-1")],
            vec![("offset", "x")],
            vec![("bbox", "1,2,3")],
            vec![("bbox", "3,2,1,4")],
            vec![("bbox", "NaN,1,2,3")],
            vec![("crs", "http://www.opengis.net/def/crs/EPSG/0/3857")],
            vec![("limit", "1"), ("limit", "2")],
        ] {
            assert!(query(&pairs).is_err(), "{pairs:?}");
        }
        let unknown_field = query(&[("nope", "1")]).unwrap();
        assert!(matches!(
            items(&layer(1), &unknown_field, &Base::default()),
            Err(OgcError::UnknownParameter(_))
        ));
    }

    #[test]
    fn one_feature_by_id() {
        let layer = layer(3);
        let f = feature(&layer, "2", OgcCrs::Crs84, &Base::default()).unwrap();
        assert_eq!(f.body["id"], 2);
        assert_eq!(f.body["properties"]["typ"], "jamn");
        for missing in ["0", "4", "x", "-1", "99999999999999999999"] {
            assert!(matches!(
                feature(&layer, missing, OgcCrs::Crs84, &Base::default()),
                Err(OgcError::UnknownFeature { .. })
            ));
        }
    }
}
