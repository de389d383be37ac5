//! The problem+json responses every endpoint shares, as named OpenAPI response components
//! (`#/components/responses/NotFound`, …): a handler lists `(status = 404, response =
//! NotFound)` and says in its doc comment, under **Refusals**, what each means for it.

use amps_openapi::Problem;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{PartialSchema, ToResponse, ToSchema};

/// The media type of every error AMPS returns.
pub const PROBLEM_JSON: &str = "application/problem+json";

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(Problem::name())))
                .build(),
        )
        .build()
        .into()
}

macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $description:literal,)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl<'a> ToResponse<'a> for $name {
                fn response() -> (&'a str, RefOr<Response>) {
                    (stringify!($name), problem($description))
                }
            }
        )+

        /// Registers every shared problem response, and the `Problem` schema they name, in
        /// the document's components.
        pub fn register(openapi: &mut utoipa::openapi::OpenApi) {
            let components = openapi.components.get_or_insert_with(Default::default);
            components.schemas.insert(Problem::name().into_owned(), Problem::schema());
            let mut nested = Vec::new();
            Problem::schemas(&mut nested);
            components.schemas.extend(nested.into_iter().map(|(n, s)| (n, s)));
            $(
                let (name, response) = <$name as ToResponse>::response();
                components.responses.insert(name.to_string(), response);
            )+
        }
    };
}

problem_responses! {
    /// 400: a malformed request no field error describes, or an unusable link.
    BadRequest => "The request is malformed, or the link is unknown, expired or used",
    /// 401: not signed in, or the credentials are wrong.
    Unauthorized => "Not signed in, or the credentials are wrong",
    /// 403: signed in, but not allowed.
    Forbidden => "Signed in, but not allowed",
    /// 404: nothing there (or nothing the caller may know of).
    NotFound => "No such record",
    /// 409: the state changed meanwhile or collides with existing records.
    Conflict => "The record's state does not allow this, or it collides with an existing one",
    /// 412: the `If-Match` version is not the current one.
    PreconditionFailed => "The If-Match version is stale: reload and try again",
    /// 408: the body stopped arriving (`AMPS_BODY_IDLE_SECONDS`); the connection is closed.
    BodyTooSlow => "The request body stopped arriving; send it again",
    /// 413: the body is larger than the endpoint accepts.
    PayloadTooLarge => "The body is too large",
    /// 415: the body is not of the media type the endpoint takes.
    UnsupportedMediaType => "The body is not of the media type this operation takes",
    /// 422: fields break rules; `errors` names each.
    Invalid => "Fields break rules; `errors` names each field",
    /// 429: too many attempts; `Retry-After` says when to try again.
    TooManyRequests => "Too many attempts; see Retry-After",
    /// 503: the server cannot answer now.
    Unavailable => "The database is unreachable",
    /// 503: too many password checks at once; `Retry-After` says when to try again.
    Busy => "Too many sign-ins and password checks at once; see Retry-After",
}

/// Adds to every operation the answers any request can get before its handler runs, so the
/// document lists every status the server sends: a body that is not the operation's media type
/// (415), too large (413), too slow to arrive (408) or not its JSON (400); a path or query parameter that is not of its
/// type (400), a path naming nothing (404); a missing or bad token (401), and a sign-in that
/// must prove a second factor before anything else (403 `/problems/step-up-required`). Answers
/// a handler lists itself are kept.
pub fn add_transport_responses(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    let shared = |name: &str| RefOr::Ref(Ref::from_response_name(name));
    for (path, item) in openapi.paths.paths.iter_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let params = |op: &utoipa::openapi::path::Operation, kind: ParameterIn| {
                op.parameters.iter().flatten().any(|p| match p {
                    RefOr::T(p) => p.parameter_in == kind,
                    RefOr::Ref(_) => false,
                })
            };
            let (has_body, has_query, secured) = (
                op.request_body.is_some(),
                params(op, ParameterIn::Query),
                op.security.as_ref().is_some_and(|s| !s.is_empty()),
            );
            let mut add = |status: &str, name: &str| {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| shared(name));
            };
            if has_body {
                add("400", "BadRequest");
                add("408", "BodyTooSlow");
                add("413", "PayloadTooLarge");
                add("415", "UnsupportedMediaType");
            }
            if has_query {
                add("400", "BadRequest");
            }
            if path.contains('{') {
                add("400", "BadRequest");
                add("404", "NotFound");
            }
            if secured {
                add("401", "Unauthorized");
                add("403", "Forbidden");
            }
        }
    }
}
