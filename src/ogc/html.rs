//! A plain HTML page for any OGC document, so a person can browse the API: its title and
//! description, its links, a table of collections or features, and the rest as JSON. Every
//! text from the data is escaped.

use serde_json::Value as Json;

/// The page for `doc` under the heading `heading`.
///
/// ```
/// let doc = serde_json::json!({ "title": "<b>", "links": [] });
/// let page = kartrummet::ogc::html::page("Kommuner", &doc);
/// assert!(page.contains("&lt;b&gt;") && !page.contains("<b>"));
/// ```
pub fn page(heading: &str, doc: &Json) -> String {
    let mut body = format!("<h1>{}</h1>\n", escape(heading));
    if let Some(title) = doc["title"].as_str().filter(|t| *t != heading) {
        body.push_str(&format!("<p><strong>{}</strong></p>\n", escape(title)));
    }
    if let Some(text) = doc["description"].as_str().filter(|t| !t.is_empty()) {
        body.push_str(&format!("<p>{}</p>\n", escape(text)));
    }
    if let (Some(matched), Some(returned)) = (
        doc["numberMatched"].as_u64(),
        doc["numberReturned"].as_u64(),
    ) {
        body.push_str(&format!("<p>{returned} of {matched} features.</p>\n"));
    }
    body.push_str(&links(&doc["links"]));
    if let Some(collections) = doc["collections"].as_array() {
        body.push_str(&collections_table(collections));
    } else if let Some(features) = doc["features"].as_array() {
        body.push_str(&features_table(features));
    } else if doc["type"] == "Feature" {
        body.push_str(&features_table(std::slice::from_ref(doc)));
    } else {
        let mut rest = doc.clone();
        if let Some(map) = rest.as_object_mut() {
            for key in ["title", "description", "links"] {
                map.remove(key);
            }
        }
        if rest.as_object().is_some_and(|m| !m.is_empty()) {
            let pretty = serde_json::to_string_pretty(&rest).unwrap_or_default();
            body.push_str(&format!("<pre>{}</pre>\n", escape(&pretty)));
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{} — Kartrummet</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}}</style>\n\
         </head><body>\n{body}</body></html>\n",
        escape(heading)
    )
}

/// The links of a document as a list: each to its HTML page where it has one (`f=html`), with
/// the JSON beside it, so a person can browse on (next page, collection, items).
fn links(links: &Json) -> String {
    let rows: String = links
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["templated"] != true && l["rel"] != "self" && l["rel"] != "alternate")
        .filter(|l| l["type"] != "text/html")
        .map(|l| {
            let text = |key: &str| escape(l[key].as_str().unwrap_or_default());
            let href = l["href"].as_str().unwrap_or_default();
            let page = href.replace("f=json", "f=html");
            let json = if page == href {
                String::new()
            } else {
                format!(", <a href=\"{}\">JSON</a>", escape(href))
            };
            format!(
                "<li><a href=\"{}\">{}</a> <small>({}{json})</small></li>\n",
                escape(&page),
                text("title"),
                text("rel"),
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!("<h2>Links</h2>\n<ul>\n{rows}</ul>\n")
}

fn collections_table(collections: &[Json]) -> String {
    let rows: String = collections
        .iter()
        .map(|c| {
            let html = c["links"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["rel"] == "alternate")
                .and_then(|l| l["href"].as_str())
                .unwrap_or_default();
            format!(
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(html),
                escape(c["id"].as_str().unwrap_or_default()),
                escape(c["title"].as_str().unwrap_or_default()),
                c["numberOfFeatures"],
                escape(c["description"].as_str().unwrap_or_default()),
            )
        })
        .collect();
    format!(
        "<h2>Collections</h2>\n<table><tr><th>id</th><th>title</th><th>features</th><th>description</th></tr>\n{rows}</table>\n"
    )
}

fn features_table(features: &[Json]) -> String {
    let names: Vec<&String> = features
        .first()
        .and_then(|f| f["properties"].as_object())
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let header: String = names
        .iter()
        .map(|n| format!("<th>{}</th>", escape(n)))
        .collect();
    let rows: String = features
        .iter()
        .map(|f| {
            let cells: String = names
                .iter()
                .map(|n| {
                    let value = match &f["properties"][n.as_str()] {
                        Json::String(s) => s.clone(),
                        Json::Null => String::new(),
                        other => other.to_string(),
                    };
                    format!("<td>{}</td>", escape(&value))
                })
                .collect();
            let kind = escape(f["geometry"]["type"].as_str().unwrap_or_default());
            format!("<tr><td>{}</td><td>{kind}</td>{cells}</tr>\n", f["id"])
        })
        .collect();
    format!(
        "<h2>Features</h2>\n<table><tr><th>id</th><th>geometry</th>{header}</tr>\n{rows}</table>\n"
    )
}

/// Text safe inside HTML elements and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn features_become_a_table_with_escaped_values() {
        let doc = json!({
            "type": "FeatureCollection", "numberMatched": 2, "numberReturned": 1, "links": [],
            "features": [{ "id": 7, "geometry": { "type": "Point" },
                           "properties": { "namn": "<script>x</script>", "n": 3 } }],
        });
        let html = page("Butiker", &doc);
        assert!(html.contains("1 of 2 features"));
        assert!(html.contains("<td>&lt;script&gt;x&lt;/script&gt;</td>"));
        assert!(!html.contains("<script>"));
        let next = json!({ "links": [{ "href": "/ogc/x/items?f=json&offset=10", "rel": "next",
                                       "type": "application/geo+json", "title": "next page" }] });
        let html = page("x", &next);
        assert!(
            html.contains("<a href=\"/ogc/x/items?f=html&amp;offset=10\">next page</a>"),
            "{html}"
        );
    }
}
