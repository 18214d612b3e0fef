//! Bearer-token check for write endpoints. Reads are open.

use axum::http::{HeaderMap, StatusCode, header};

use super::ApiError;
use crate::access::constant_time_eq;

/// Accepts the request when it carries `Authorization: Bearer <token>` with the configured
/// token. Without a configured token every write is refused.
pub fn require_token(expected: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "writes are disabled: no token is configured (set KARTRUM_TOKEN or `token` in the config file)",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(token) if constant_time_eq(token.trim().as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the bearer token is not valid",
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this endpoint needs `Authorization: Bearer <token>`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn token_rules() {
        assert!(require_token(Some("s3cret"), &headers("Bearer s3cret")).is_ok());
        let wrong = require_token(Some("s3cret"), &headers("Bearer nope")).unwrap_err();
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let missing = require_token(Some("s3cret"), &HeaderMap::new()).unwrap_err();
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        let unset = require_token(None, &headers("Bearer s3cret")).unwrap_err();
        assert_eq!(unset.status, StatusCode::FORBIDDEN);
    }
}
