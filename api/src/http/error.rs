//! RFC 9457 problem+json for every error: service errors, malformed or oversized bodies,
//! bad query strings and paths, unknown routes and methods. 5xx log their cause and show a
//! generic detail.

use crate::service::Error;
use actix_web::error::{InternalError, JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use amps_openapi::{FieldError, Problem};
use validator::ValidationErrors;

/// The problem+json media type.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem response.
pub fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: Option<String>,
    errors: Vec<FieldError>,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(Problem {
            kind: format!("/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
            mfa_token: None,
            second_factors: vec![],
        })
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Duplicate(_) | Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Error::BadRequest(_) | Error::Malformed(_) => StatusCode::BAD_REQUEST,
            Error::InvalidToken(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_)
            | Error::SecondFactorRequired(..)
            | Error::Certificate(_)
            | Error::Network(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) | Error::StepUpRequired(..) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut resp = match self {
            Error::Validation(f) => problem(
                status,
                "validation",
                "Some fields are not valid",
                Some(summary(f)),
                f.clone(),
            ),
            Error::Duplicate(f) => {
                problem(status, "duplicate", "Already in use", Some(summary(f)), f.clone())
            }
            Error::InvalidToken(d) => {
                problem(status, "invalid-token", "Link not valid", Some(d.clone()), vec![])
            }
            Error::Unauthorized(d) => {
                problem(status, "unauthorized", "Not signed in", Some(d.clone()), vec![])
            }
            Error::SecondFactorRequired(token, factors) => HttpResponse::build(status)
                .content_type(PROBLEM_JSON)
                .json(Problem {
                    kind: "/problems/second-factor-required".into(),
                    title: "Second factor required".into(),
                    status: status.as_u16(),
                    detail: Some(
                        match (factors.contains(&"security_key"), factors.contains(&"totp")) {
                            (true, true) => "Use your security key, or enter the code your authenticator app shows (or one of your recovery codes).",
                            (true, false) => "Use your security key.",
                            _ => "Enter the code your authenticator app shows, or one of your recovery codes.",
                        }
                        .into(),
                    ),
                    errors: vec![],
                    mfa_token: Some(token.clone()),
                    second_factors: factors.iter().map(|f| f.to_string()).collect(),
                }),
            Error::Certificate(why) => problem(
                status,
                why.slug(),
                "Certificate not accepted",
                Some(why.message().into()),
                vec![],
            ),
            Error::Network(why) => problem(
                status,
                why.slug(),
                "Network sign-in not accepted",
                Some(why.message().into()),
                vec![],
            ),
            Error::Forbidden(d) => problem(status, "forbidden", "Not allowed", Some(d.clone()), vec![]),
            Error::StepUpRequired(d, factors) => HttpResponse::build(status)
                .content_type(PROBLEM_JSON)
                .json(Problem {
                    kind: "/problems/step-up-required".into(),
                    title: "Two-step sign-in needed".into(),
                    status: status.as_u16(),
                    detail: Some(d.clone()),
                    errors: vec![],
                    mfa_token: None,
                    second_factors: factors.iter().map(|f| f.to_string()).collect(),
                }),
            Error::NotFound(d) => problem(status, "not-found", "Not found", Some(d.clone()), vec![]),
            Error::Conflict(d) => problem(status, "conflict", "Changed meanwhile", Some(d.clone()), vec![]),
            Error::PreconditionFailed(d) => {
                problem(status, "stale-version", "Stale version", Some(d.clone()), vec![])
            }
            Error::BadRequest(d) => problem(status, "bad-request", "Bad request", Some(d.clone()), vec![]),
            Error::Malformed(d) => problem(
                status,
                "malformed-body",
                "Malformed request body",
                Some(d.clone()),
                vec![],
            ),
            Error::TooManyRequests { retry_after_secs } => {
                let mut r = problem(
                    status,
                    "too-many-attempts",
                    "Too many attempts",
                    Some(format!(
                        "Too many failed attempts. Try again in {retry_after_secs} seconds."
                    )),
                    vec![],
                );
                if let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Error::Busy(d) => {
                let mut r = problem(status, "busy", "Busy", Some(d.clone()), vec![]);
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                r
            }
            Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                problem(
                    status,
                    "internal",
                    "Internal error",
                    Some("Something went wrong on our side; it has been logged.".into()),
                    vec![],
                )
            }
        };
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

fn summary(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{} {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Flattens validator errors into field errors (shared with the SPA).
pub fn field_errors(e: &ValidationErrors) -> Vec<FieldError> {
    amps_openapi::rules::field_errors(e)
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Validation(field_errors(&e))
    }
}

/// Problem for a JSON body that cannot be read.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let resp = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Request body too large",
                Some(format!(
                    "The request body is larger than the {limit} bytes allowed."
                )),
                vec![],
            )
        }
        JsonPayloadError::ContentType => problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            Some("Send the body as application/json.".into()),
            vec![],
        ),
        JsonPayloadError::Deserialize(e) => problem(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            "Malformed request body",
            Some(format!("The JSON body could not be read: {e}.")),
            vec![],
        ),
        other => problem(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            "Malformed request body",
            Some(other.to_string()),
            vec![],
        ),
    };
    InternalError::from_response(err, resp).into()
}

/// Problem for a form body that cannot be read.
pub fn form_error(err: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    let resp = match &err {
        UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            Some(err.to_string()),
            vec![],
        ),
        _ => problem(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            "Malformed request body",
            Some(err.to_string()),
            vec![],
        ),
    };
    InternalError::from_response(err, resp).into()
}

/// Problem for a query string that cannot be read.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let resp = problem(
        StatusCode::BAD_REQUEST,
        "malformed-query",
        "Malformed query string",
        Some(err.to_string()),
        vec![],
    );
    InternalError::from_response(err, resp).into()
}

/// Problem for a path parameter that cannot be read.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let resp = problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        Some(format!("Bad path parameter: {err}")),
        vec![],
    );
    InternalError::from_response(err, resp).into()
}
