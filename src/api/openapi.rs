//! The OpenAPI 3 document of every route (`GET /api/openapi.json`), generated from the
//! handlers' `#[utoipa::path]` annotations and the request types' schemas. Every operation
//! answers its errors as `application/problem+json` with the one shared `Problem` schema.

use axum::Json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::analysis::compare::{Analysis, CompareRequest};
use crate::analysis::corridor::CorridorRequest;
use crate::analysis::engine::spec::Mode;
use crate::analysis::rural::RuralRequest;
use crate::analysis::service_access::AccessRequest;
use crate::scenarios::ScenarioInput;

/// The document: every handler of the router, the analysis request schemas and `Problem`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kartrummet", description = "Planning data of the region: layers, vector tiles, analyses, OGC API — Features and Tiles."),
    paths(
        super::health,
        super::client_config,
        super::region_profile,
        document,
        super::layers::list,
        super::layers::upload,
        super::layers::get,
        super::layers::delete,
        super::layers::features,
        super::jobs::get,
        super::views::list,
        super::views::create,
        super::views::get,
        super::views::replace,
        super::views::delete,
        super::render::view_map,
        super::render::view_report,
        super::render::render,
        super::render::status,
        super::scenarios::list,
        super::scenarios::create,
        super::scenarios::get,
        super::scenarios::replace,
        super::scenarios::delete,
        super::analysis::service_access::service_access,
        super::analysis::service_access::scenario,
        super::analysis::isochrone::isochrone,
        super::analysis::rural::analyze,
        super::corridor::analyse,
        super::analysis::compare::compare,
        super::analysis::places::list,
        super::analysis::places::profile,
        super::tiles::tile_json,
        super::tiles::tile,
        super::ogc::landing,
        super::ogc::conformance,
        super::ogc::collections,
        super::ogc::collection,
        super::ogc::items,
        super::ogc::feature,
        super::ogc::tileset_list,
        super::ogc::tileset,
        super::ogc::tile,
        super::ogc::matrix_sets,
        super::ogc::matrix_set,
    ),
    components(schemas(AccessRequest, RuralRequest, CorridorRequest, CompareRequest, Analysis, Mode, ScenarioInput)),
    modifiers(&Problems)
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`: this document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "server", responses((status = 200, description = "the OpenAPI 3 document of this API", body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Adds the `Problem` schema, a `4XX` and `5XX` problem+json answer to every operation, and
/// the bearer token that writes need.
struct Problems;

impl Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert("Problem".into(), problem_schema());
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    operation.operation_id = Some(operation_id(method, path));
                    add_problems(operation);
                }
            }
        }
    }
}

/// An RFC 9457 problem, as `api/error.rs` writes it.
fn problem_schema() -> RefOr<Schema> {
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    };
    ObjectBuilder::new()
        .description(Some("An error (RFC 9457 problem details)."))
        .property("type", text("always `about:blank`"))
        .property("title", text("the HTTP status text"))
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("the HTTP status")),
        )
        .property("detail", text("what was wrong, for a person"))
        .required("title")
        .required("status")
        .required("detail")
        .into()
}

/// A unique operation id from the method and path: `get_api_layers_id`. (utoipa's default,
/// the handler's name, repeats across modules: `layers::get`, `views::get`.)
fn operation_id(method: &str, path: &str) -> String {
    let words = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    std::iter::once(method)
        .chain(words)
        .collect::<Vec<_>>()
        .join("_")
}

/// Adds the `4XX` and `5XX` problem+json answers to `operation`.
fn add_problems(operation: &mut Operation) {
    for (status, description) in [
        (
            "4XX",
            "refused; the detail says why (429 when busy, with Retry-After)",
        ),
        ("5XX", "an internal error"),
    ] {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/problem+json", content)
            .build();
        operation
            .responses
            .responses
            .insert(status.into(), response.into());
    }
}
