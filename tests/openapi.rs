//! The OpenAPI document (`GET /api/openapi.json`) against the router it describes: it
//! validates with a standard validator, names every route of the router and no other, and
//! carries the analyses' request schemas and the shared problem+json errors.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Server, client};
use serde_json::Value;

/// The pinned validator, installed into a venv under the target directory.
const VALIDATOR: [&str; 1] = ["openapi-spec-validator==0.7.1"];

/// The route paths of the router, read from the `.route("…")` and `.nest("…", m::routes(…))`
/// calls it is built of in `src/api/`, with axum's `{param}` templates as OpenAPI writes them.
fn router_paths() -> BTreeSet<String> {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let source = std::fs::read_to_string(api.join("mod.rs")).unwrap();
    // `router()` builds the `/api` router first, then the outer one that nests it.
    let (inner, outer) = source
        .split_once("\n    Router::new()")
        .expect("router() in src/api/mod.rs builds the /api router, then the outer one");
    let mut paths = BTreeSet::new();
    let mut read = vec![api.join("mod.rs")];
    collect(&api, inner, "/api", &mut paths, &mut read);
    collect(&api, outer, "", &mut paths, &mut read);
    // Every file of src/api that adds routes must have been reached, or a route is missed.
    for file in rust_files(&api) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(".route(") || read.contains(&file),
            "{} adds routes this test does not reach through a .nest(\"…\", module::routes(…))",
            file.display()
        );
    }
    paths
}

fn collect(
    dir: &Path,
    text: &str,
    prefix: &str,
    paths: &mut BTreeSet<String>,
    read: &mut Vec<PathBuf>,
) {
    for (path, _) in calls(text, ".route(") {
        paths.insert(if path == "/" {
            prefix.to_string()
        } else {
            format!("{prefix}{path}")
        });
    }
    for (nested, rest) in calls(text, ".nest(") {
        // `.nest("/x", module::routes(…))`; `.nest("/api", api)` is the router built above.
        let argument = rest.trim_start_matches([',', ' ', '\n']);
        let call = argument.split_once('(').map_or("", |(call, _)| call);
        let Some(module) = call.strip_suffix("::routes") else {
            continue;
        };
        let (folder, file) = (dir.join(module), dir.join(format!("{module}.rs")));
        let (dir, file) = if file.exists() {
            (dir.to_path_buf(), file)
        } else {
            (folder.clone(), folder.join("mod.rs"))
        };
        let text = std::fs::read_to_string(&file).unwrap();
        read.push(file);
        collect(&dir, &text, &format!("{prefix}{nested}"), paths, read);
    }
}

/// The string first arguments of every `call` (e.g. `.route(`) in `text`, each with the text
/// after it.
fn calls<'a>(text: &'a str, call: &str) -> Vec<(String, &'a str)> {
    text.match_indices(call)
        .filter_map(|(at, _)| {
            let rest = text[at + call.len()..].trim_start().strip_prefix('"')?;
            let (argument, rest) = rest.split_once('"')?;
            Some((argument.to_string(), rest))
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_openapi_document_describes_every_route_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None, &[]);
    let http = client();

    // The OGC landing page links the document as its service-desc.
    let landing: Value = http
        .get(server.at("/ogc?f=json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let desc = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "service-desc")
        .expect("a service-desc link on /ogc");
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    let response = http.get(desc["href"].as_str().unwrap()).send().unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();

    // (a) A standard validator accepts it.
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let python = common::python_venv("openapi-venv", &VALIDATOR);
    let checked = Command::new(python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("running openapi-spec-validator");
    assert!(
        checked.status.success(),
        "the document does not validate: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );

    // (b) Every route of the router is in it, and nothing else.
    let documented: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let routes = router_paths();
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "documented paths the router lacks: {extra:?}"
    );
    assert!(routes.contains("/api/openapi.json") && routes.contains("/ogc") && routes.len() >= 30);

    // Every operation answers its errors as problem+json with the one Problem schema.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let problem = &operation["responses"]["4XX"]["content"]["application/problem+json"];
            assert_eq!(
                problem["schema"]["$ref"], "#/components/schemas/Problem",
                "{method} {path} has no problem+json error"
            );
        }
    }
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["Problem"]["required"],
        serde_json::json!(["title", "status", "detail"])
    );

    // (c) The analyses' request schemas: service access takes `kind` (and needs nothing),
    // a corridor request needs its corridors.
    let body = |path: &str| {
        document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].clone()
    };
    assert_eq!(
        body("/api/analysis/service-access"),
        "#/components/schemas/AccessRequest"
    );
    assert_eq!(
        body("/api/analysis/corridor"),
        "#/components/schemas/CorridorRequest"
    );
    assert_eq!(
        body("/api/analysis/rural"),
        "#/components/schemas/RuralRequest"
    );
    let access = &schemas["AccessRequest"];
    assert_eq!(
        access["properties"]["kind"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert!(
        access["required"].as_array().is_none_or(Vec::is_empty),
        "{access}"
    );
    assert_eq!(access["additionalProperties"], false);
    assert_eq!(
        schemas["CorridorRequest"]["required"],
        serde_json::json!(["corridors"])
    );
}
