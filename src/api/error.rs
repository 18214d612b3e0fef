//! Every error the API returns, as `application/problem+json` (RFC 9457). Library errors are
//! mapped to HTTP statuses here and nowhere else.

use axum::extract::Request;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::analysis::AnalysisError;
use crate::analysis::budget::BudgetError;
use crate::analysis::compare::CompareError;
use crate::analysis::corridor::CorridorError;
use crate::documents::DocumentError;
use crate::ingest::IngestError;
use crate::network::NetworkError;
use crate::ogc::OgcError;
use crate::store::StoreError;

/// An HTTP error with a human explanation.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the user.
    pub detail: String,
}

impl ApiError {
    /// An error with this status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404 Not Found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 500, logged; the user sees a generic message.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {error}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the server log has the details",
        )
    }
}

impl ApiError {
    /// The problem+json body. Absolute server paths in the detail are cut to their file
    /// names ([`without_server_paths`]).
    pub fn body(&self) -> serde_json::Value {
        json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": without_server_paths(&self.detail),
        })
    }
}

/// `detail` with every absolute path of this machine (a word starting with `/` whose first
/// folder exists here, e.g. `/tmp/…` or the data directory) replaced by its file name, so
/// that errors name the user's file but never reveal the server's layout. API paths such as
/// `/tiles/{layers}/…` are kept.
///
/// ```ignore
/// assert_eq!(without_server_paths("cannot read /tmp/x/a.zip: bad"), "cannot read a.zip: bad");
/// ```
fn without_server_paths(detail: &str) -> String {
    const ENDS: &[char] = &['"', '\'', '`', ')', '(', ',', ';', '<', '>', '[', ']'];
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail;
    while let Some(at) = rest.find('/') {
        let starts_word = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || ENDS.contains(&c) || c == '=');
        out.push_str(&rest[..at]);
        let word_len = rest[at..]
            .find(|c: char| c.is_whitespace() || ENDS.contains(&c))
            .unwrap_or(rest.len() - at);
        let word = &rest[at..at + word_len];
        let path = word.trim_end_matches([':', '.']);
        let first = path[1..].split('/').next().unwrap_or_default();
        let local = starts_word
            && !first.is_empty()
            && path.len() > first.len() + 1
            && std::path::Path::new("/").join(first).is_dir();
        if local {
            let name = path.rsplit('/').find(|p| !p.is_empty()).unwrap_or_default();
            out.push_str(name);
            out.push_str(&word[path.len()..]);
        } else {
            out.push_str(word);
        }
        rest = &rest[at + word_len..];
    }
    out.push_str(rest);
    out
}

/// Turns every error response that is not problem+json yet (axum's own rejections of paths,
/// queries and bodies, invalid UTF-8 in a path, 405 for a wrong method) into problem+json,
/// keeping its status and text. A middleware over the whole router.
pub async fn problem_json(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_string();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    if status.is_server_error() {
        return ApiError::internal(detail).into_response();
    }
    ApiError::new(status, detail).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body().to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
        }
        response
    }
}

impl From<IngestError> for ApiError {
    fn from(error: IngestError) -> Self {
        use IngestError::*;
        let status = match &error {
            Store(_) => return Self::internal(error),
            UnsupportedFormat { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InvalidId(_)
            | NotFound(_)
            | NetworkPath(_)
            | NoSuchSourceLayer { .. }
            | CsvHalfPair
            | Crs(_) => StatusCode::BAD_REQUEST,
            TooLarge { .. } | TooManyFeatures { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            TooManyFields { .. }
            | TooManyLayers { .. }
            | Unreadable { .. }
            | EmptyArchive { .. }
            | AmbiguousArchive { .. }
            | NoCrs { .. }
            | CsvNoCoordinates { .. }
            | CsvNoSuchColumn { .. }
            | NoFeatures { .. }
            | Read { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, error.to_string())
    }
}

impl From<AnalysisError> for ApiError {
    fn from(error: AnalysisError) -> Self {
        use AnalysisError::*;
        let status = match &error {
            Store(_) => return Self::internal(error),
            Budget(e) => return e.clone().into(),
            UnknownLayer(_) | UnknownPlace(_) => StatusCode::NOT_FOUND,
            NoSuchField { .. } | Invalid(_) | Crs(_) | Profile(_) => StatusCode::BAD_REQUEST,
            Network(
                NetworkError::NoSuchField { .. }
                | NetworkError::BadSpeed(_)
                | NetworkError::BadSnap(_)
                | NetworkError::BadJoinTolerance(_),
            ) => StatusCode::BAD_REQUEST,
            NotNumeric { .. } | WrongGeometry { .. } | EmptySupply(_) | Network(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        };
        Self::new(status, error.to_string())
    }
}

impl From<crate::crs::CrsError> for ApiError {
    fn from(error: crate::crs::CrsError) -> Self {
        Self::internal(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::internal(error)
    }
}

impl From<MultipartError> for ApiError {
    fn from(error: MultipartError) -> Self {
        let status = error.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the upload is larger than the configured limit (max_upload_mb)".to_string()
        } else {
            format!("could not read the multipart upload: {}", error.body_text())
        };
        Self::new(status, detail)
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(rejection: MultipartRejection) -> Self {
        Self::new(
            rejection.status(),
            format!(
                "expected a multipart/form-data upload with a field `file`: {}",
                rejection.body_text()
            ),
        )
    }
}

impl From<DocumentError> for ApiError {
    fn from(error: DocumentError) -> Self {
        use DocumentError::*;
        let status = match &error {
            NotFound { .. } => StatusCode::NOT_FOUND,
            Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            UnknownReference(_) => StatusCode::BAD_REQUEST,
            Conflict(_) => StatusCode::CONFLICT,
            Io { .. } | Corrupt { .. } => return Self::internal(error),
        };
        Self::new(status, error.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::new(
            rejection.status(),
            format!("expected a JSON body: {}", rejection.body_text()),
        )
    }
}

impl From<CorridorError> for ApiError {
    fn from(error: CorridorError) -> Self {
        match error {
            CorridorError::Analysis(e) => e.into(),
            CorridorError::OutOfRange(_) => Self::bad_request(error.to_string()),
            CorridorError::Geometry(_)
            | CorridorError::Invalid(_)
            | CorridorError::Layer { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string())
            }
        }
    }
}

impl From<CompareError> for ApiError {
    fn from(error: CompareError) -> Self {
        match error {
            CompareError::Analysis(e) => e.into(),
            CompareError::Corridor(e) => e.into(),
            CompareError::Invalid(_) => Self::bad_request(error.to_string()),
            CompareError::UnknownScenario(_) => Self::not_found(error.to_string()),
        }
    }
}

impl From<OgcError> for ApiError {
    fn from(error: OgcError) -> Self {
        use OgcError::*;
        let status = match &error {
            UnknownCollection(_) | UnknownFeature { .. } | UnknownTileMatrixSet(_) => {
                StatusCode::NOT_FOUND
            }
            UnknownCrs { .. } | BadParameter { .. } | UnknownParameter(_) => {
                StatusCode::BAD_REQUEST
            }
        };
        Self::new(status, error.to_string())
    }
}

/// Seconds a client refused for a busy server (429) should wait before trying again.
pub const RETRY_AFTER_S: u64 = 5;

impl ApiError {
    /// 429 Too Many Requests with `Retry-After`: every slot for heavy work is taken.
    pub fn busy(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, detail)
    }
}

impl From<BudgetError> for ApiError {
    fn from(error: BudgetError) -> Self {
        let status = match &error {
            BudgetError::Time { .. } | BudgetError::Cancelled => StatusCode::SERVICE_UNAVAILABLE,
            BudgetError::Memory { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_become_file_names() {
        let tmp = std::env::temp_dir().join("kartrum-x/upload/bad.zip");
        let detail = format!("cannot read \"{}\": broken", tmp.display());
        assert_eq!(
            without_server_paths(&detail),
            "cannot read \"bad.zip\": broken"
        );
        assert_eq!(
            without_server_paths(&format!("file {}: no CRS", tmp.display())),
            "file bad.zip: no CRS"
        );
        let api = "tiles are at /tiles/{layers}/{z}/{x}/{y}.mvt and /api/jobs/1";
        assert_eq!(without_server_paths(api), api);
        assert_eq!(without_server_paths("a/b and 1/2"), "a/b and 1/2");
    }
}
