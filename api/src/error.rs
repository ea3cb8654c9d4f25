//! The edge's one error enum. Each variant maps to a status and a stable
//! problem `type` in one `match`; internal errors are logged with their detail
//! and leave as a bare "internal error" (no SQL, paths or foreign ids).

use ancre_commands::CommandError;
use ancre_domain::{Rejection, RejectionKind};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    RequestTimeout(String),
    /// Too many of something open at once (not a plan's quota).
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unavailable(String),
    /// A plan's limit: 402 for what is stored (free some or upgrade), 429
    /// with `Retry-After` for what resets with the month.
    #[error("{}", .0.detail())]
    OverQuota(crate::quota::OverQuota),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// RFC 9457 problem details, as every error leaves the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem (a URI).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// On a quota error: which quota, its limit, what is used, when it resets.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub quota: Option<crate::quota::QuotaDetails>,
}

const PROBLEM_BASE: &str = "https://ancre.dev/problems/";

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid input",
            ),
            Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Not authenticated",
            ),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
            NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            RequestTimeout(_) => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request timeout",
            ),
            TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            OverQuota(over) if over.is_monthly() => (
                StatusCode::TOO_MANY_REQUESTS,
                "quota-exceeded",
                "Monthly quota reached",
            ),
            OverQuota(_) => (
                StatusCode::PAYMENT_REQUIRED,
                "quota-exceeded",
                "Plan limit reached",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let detail = match self {
            ApiError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                "Something went wrong on our side; it has been logged.".to_owned()
            }
            ApiError::NotFound => "No such resource.".to_owned(),
            ApiError::MethodNotAllowed => "This method is not allowed on this resource.".to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            quota: match self {
                ApiError::OverQuota(over) => Some(over.details()),
                _ => None,
            },
        }
    }
}

impl ApiError {
    /// Seconds until a monthly quota resets.
    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::OverQuota(over) if over.is_monthly() => over.seconds_until_reset(),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(error).context("database"))
    }
}

/// Commands refused by an aggregate are the caller's problem: 404, 409 or 422
/// by the refusal's kind; a lost race is a 409 the client may retry; a store
/// failure is ours.
impl<E: std::error::Error + Rejection> From<CommandError<E>> for ApiError {
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Rejected(rule) => match rule.kind() {
                RejectionKind::NotFound => ApiError::NotFound,
                RejectionKind::Conflict => ApiError::Conflict(rule.to_string()),
                RejectionKind::Invalid => ApiError::Validation(rule.to_string()),
            },
            CommandError::Conflict { .. } => ApiError::Conflict(error.to_string()),
            CommandError::Store(detail) => ApiError::Internal(anyhow::anyhow!(detail)),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
