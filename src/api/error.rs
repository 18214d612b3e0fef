//! Every error the API returns, as `application/problem+json` (RFC 9457). Library errors are
//! mapped to HTTP statuses here and nowhere else.

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::analysis::AnalysisError;
use crate::analysis::corridor::CorridorError;
use crate::analysis::place_profile::PlaceError;
use crate::analysis::rural::RuralError;
use crate::ingest::IngestError;
use crate::network::NetworkError;
use crate::store::StoreError;
use crate::views::ViewError;

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
    /// The problem+json body.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        })
    }
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
            UnknownLayer(_) => StatusCode::NOT_FOUND,
            NoSuchField { .. } | Invalid(_) | Crs(_) => StatusCode::BAD_REQUEST,
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

impl From<RuralError> for ApiError {
    fn from(error: RuralError) -> Self {
        match error {
            RuralError::Analysis(e) => e.into(),
            RuralError::Invalid(_) => Self::bad_request(error.to_string()),
        }
    }
}

impl From<PlaceError> for ApiError {
    fn from(error: PlaceError) -> Self {
        match error {
            PlaceError::Analysis(e) => e.into(),
            PlaceError::UnknownPlace(_) => Self::not_found(error.to_string()),
            PlaceError::Invalid(_) => Self::bad_request(error.to_string()),
        }
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

impl From<ViewError> for ApiError {
    fn from(error: ViewError) -> Self {
        match &error {
            ViewError::NotFound(_) => Self::not_found(error.to_string()),
            ViewError::Invalid(_) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
            ViewError::Io { .. } | ViewError::Corrupt { .. } => Self::internal(error),
        }
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
        use CorridorError::*;
        let status = match &error {
            Crs(_) => return Self::internal(error),
            UnknownLayer(_) => StatusCode::NOT_FOUND,
            UnknownField { .. } => StatusCode::BAD_REQUEST,
            Network(
                NetworkError::NoSuchField { .. }
                | NetworkError::BadSpeed(_)
                | NetworkError::BadSnap(_)
                | NetworkError::BadJoinTolerance(_),
            ) => StatusCode::BAD_REQUEST,
            Geometry(_) | Invalid(_) | Layer { .. } | Network(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        };
        Self::new(status, error.to_string())
    }
}
