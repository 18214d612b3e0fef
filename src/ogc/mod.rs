//! OGC API — Features (Part 1 core, Part 2 CRS) and OGC API — Tiles over the layers in memory,
//! knowing nothing of HTTP: the landing page, conformance, collection and tileset documents
//! ([`docs`], [`tilesets`]), items with paging, boxes and property filters ([`items`]),
//! coordinates in the CRS asked for with its axis order ([`crs`]), and a plain HTML page for
//! any of these documents ([`html`]). `api::ogc` serves them under `/ogc`.
//!
//! Every layer (analysis results too) is a collection. Every read of the catalog goes through
//! [`collections`] and [`collection`], the one place where what a caller may see is decided.

pub mod crs;
pub mod docs;
pub mod html;
pub mod items;
pub mod tilesets;

use std::sync::Arc;

pub use crs::OgcCrs;
pub use items::{ItemsPage, ItemsQuery};

use crate::layer::Layer;
use crate::store::Catalog;

/// Errors of the OGC API: what the client asked for does not exist or is malformed.
#[derive(Debug, thiserror::Error)]
pub enum OgcError {
    /// No collection with this id.
    #[error("no collection {0:?}; the list is at /ogc/collections")]
    UnknownCollection(String),
    /// No feature with this id in the collection.
    #[error("collection {collection:?} has no feature {feature:?}")]
    UnknownFeature {
        /// The collection.
        collection: String,
        /// The feature id asked for.
        feature: String,
    },
    /// A CRS this server does not offer.
    #[error("{given:?} is not a CRS this server offers; use one of {offered}")]
    UnknownCrs {
        /// The CRS asked for.
        given: String,
        /// The offered CRS URIs, comma-separated.
        offered: String,
    },
    /// A query parameter with a value out of its form or range.
    #[error("{name}: {detail}")]
    BadParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong, and what is accepted.
        detail: String,
    },
    /// A query parameter that is neither a known one nor a field of the collection.
    #[error(transparent)]
    UnknownParameter(#[from] crate::layer::UnknownField),
    /// No tile matrix set with this id.
    #[error("no tile matrix set {0:?}; this server offers WebMercatorQuad")]
    UnknownTileMatrixSet(String),
}

/// The layers offered as collections, ordered by id. Every catalog read of the OGC API goes
/// through here or [`collection`]: an access filter belongs in these two functions.
pub fn collections(catalog: &Catalog) -> Vec<&Arc<Layer>> {
    catalog.layers().collect()
}

/// The collection `id`, marked as used ([`Catalog::get`]).
pub fn collection(catalog: &Catalog, id: &str) -> Result<Arc<Layer>, OgcError> {
    catalog
        .get(id)
        .cloned()
        .ok_or_else(|| OgcError::UnknownCollection(id.to_string()))
}

/// A link of an OGC document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Link {
    /// Target (see [`Base`]).
    pub href: String,
    /// Relation (`self`, `alternate`, `data`, `next`, …).
    pub rel: String,
    /// Media type of the target.
    #[serde(rename = "type")]
    pub media_type: String,
    /// Human title.
    pub title: String,
}

/// How links are written: absolute, since clients (GDAL's OAPIF driver among them) resolve
/// root-relative links wrongly.
#[derive(Debug, Clone, Default)]
pub struct Base(String);

impl Base {
    /// Links under `public_url` when configured; else under `http://HOST` of the request's
    /// `Host` header when it is a plain `name[:port]` (a forged one only misleads the client
    /// that forged it: these documents are not cached); else root-relative (`/ogc/…`).
    ///
    /// ```
    /// use kartrummet::ogc::Base;
    /// let host = Some("127.0.0.1:8080");
    /// assert_eq!(Base::new(Some("https://k.se/"), host).href("/ogc"), "https://k.se/ogc");
    /// assert_eq!(Base::new(None, host).href("/ogc"), "http://127.0.0.1:8080/ogc");
    /// assert_eq!(Base::new(None, Some("x\"/><script>")).href("/ogc"), "/ogc");
    /// ```
    pub fn new(public_url: Option<&str>, host: Option<&str>) -> Self {
        let plain = |h: &&str| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
        };
        match (public_url, host.filter(plain)) {
            (Some(url), _) => Self(url.trim_end_matches('/').to_string()),
            (None, Some(host)) => Self(format!("http://{host}")),
            (None, None) => Self::default(),
        }
    }

    /// The href of a server path (starting with `/`).
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// A link to a server path.
    pub fn link(&self, path: &str, rel: &str, media_type: &str, title: &str) -> Link {
        Link {
            href: self.href(path),
            rel: rel.into(),
            media_type: media_type.into(),
            title: title.into(),
        }
    }
}

/// Media types of the documents.
pub mod media {
    /// JSON documents.
    pub const JSON: &str = "application/json";
    /// GeoJSON features.
    pub const GEOJSON: &str = "application/geo+json";
    /// HTML pages.
    pub const HTML: &str = "text/html";
    /// OpenAPI 3 documents.
    pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
    /// Mapbox vector tiles.
    pub const MVT: &str = "application/vnd.mapbox-vector-tile";
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
///
/// ```
/// assert_eq!(kartrummet::ogc::encode("a b/å"), "a%20b%2F%C3%A5");
/// ```
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
