//! Signing in with an organization's network credentials (OpenID Connect): the browser's
//! start and return (`/auth/network/*`), the code exchange, and the administrators' setting of
//! an organization's identity provider (`/organizations/{id}/network-sign-in`).

use super::extract::{Auth, JsonBody, client_ip, user_agent};
use super::problems::{BadRequest, Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized};
use crate::service::network::{self, Answer, BROWSER_COOKIE};
use crate::service::{Ctx, Error};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use amps_openapi::*;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers (the callback before the start, whose path it would match).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(network_callback)
        .service(network_sign_in)
        .service(network_token)
        .service(list_my_network_identities)
        .service(unlink_my_network_identity)
        .service(get_network_sign_in)
        .service(put_network_sign_in)
        .service(delete_network_sign_in);
}

fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::SeeOther();
    b.insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    b
}

/// The cookie binding a sign-in to the browser that started it: sent back on the provider's
/// top-level redirect (`SameSite=Lax`), to the network routes only.
fn browser_cookie(ctx: &Ctx, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build(BROWSER_COOKIE, value)
        .path("/api/v1/auth/network")
        .http_only(true)
        .secure(ctx.settings.is_tls())
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

/// The web app's `state`, echoed back to it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartQuery {
    /// Echoed back in the fragment of the return to the web app; 8 to 128 letters, digits,
    /// `-` or `_`.
    state: Option<String>,
}

/// Sign in with my organization's network credentials: sends the browser to the
/// organization's identity provider (303), with a PKCE challenge, a nonce and a state kept by
/// AMPS for 10 minutes, and a cookie that binds the sign-in to this browser. The provider
/// sends the browser back to `GET /auth/network/callback`.
///
/// **Permissions**: anyone (counted per address).
///
/// **Refusals**: 400: malformed `state`; 401: the provider cannot be reached or does not
/// answer discovery (`/problems/network-provider-failed`); 404: no such organization, or it
/// has no network sign-in; 429: too many requests from this address.
#[utoipa::path(
    tag = "auth",
    operation_id = "network_sign_in",
    params(("organization_id" = Uuid, Path, description = "Organization id"), StartQuery),
    responses(
        (status = 303, description = "To the organization's identity provider"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    ),
)]
#[get("/auth/network/{organization_id}")]
async fn network_sign_in(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    org: web::Path<Uuid>,
    q: web::Query<StartQuery>,
) -> Result<HttpResponse, Error> {
    let state = super::certificates::state_of(q.state.as_deref())?;
    let started = network::start(&ctx, client_ip(&req), *org, state).await?;
    Ok(see_other(&started.location)
        .cookie(browser_cookie(
            &ctx,
            started.browser,
            network::FLOW_TTL.num_seconds(),
        ))
        .finish())
}

/// What the identity provider sends the browser back with (OpenID Connect's authorization
/// response).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal (`access_denied`, …).
    error: Option<String>,
}

/// The identity provider's return (the redirect URI registered with it). A state AMPS gave
/// (once, within 10 minutes), from the browser that started, with a code the provider
/// exchanges for an ID token that passes every check (the provider's signature, issuer,
/// audience, expiry, nonce), for the account linked to its subject or (the first time) the
/// organization's account with its verified email: 303 to the web app's `/sign-in/network`
/// with `#code=…&state=…` (the code is single use, for 2 minutes, at
/// `POST /auth/network/token`). Otherwise 303 there with `#error=<slug>&state=…`. Every
/// refusal is audited (`auth.login_failed` with its reason) and counts against the address
/// like a wrong password; the binding cookie is cleared either way.
///
/// **Permissions**: the browser that started the sign-in.
///
/// **Refusals**: 400: no `state` (not an answer from a provider).
#[utoipa::path(
    tag = "auth",
    operation_id = "network_callback",
    params(CallbackQuery),
    responses(
        (status = 303, description = "Back to the web app with a code or an error"),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/auth/network/callback")]
async fn network_callback(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, Error> {
    if q.state.is_none() {
        // Never from a provider (AMPS always sends a state, and providers echo it, refusals
        // included): nothing to count or go back to.
        return Err(Error::BadRequest(
            "This address is where your organization's sign-in sends you back, and this request came without its state. Start again from the sign-in page.".into(),
        ));
    }
    let cookie = req.cookie(BROWSER_COOKIE);
    let done = network::finish(
        &ctx,
        client_ip(&req),
        Answer {
            state: q.state.as_deref(),
            code: q.code.as_deref(),
            error: q.error.as_deref(),
            browser: cookie.as_ref().map(Cookie::value),
        },
    )
    .await;
    let mut fragment = url::form_urlencoded::Serializer::new(String::new());
    match done.result {
        Ok(code) => {
            fragment.append_pair("code", &code);
        }
        Err(Error::Internal(e)) => return Err(Error::Internal(e)),
        Err(e) => {
            let slug = match &e {
                Error::Network(why) => why.slug(),
                Error::TooManyRequests { .. } => "too-many-attempts",
                Error::Forbidden(_) => "account-cannot-sign-in",
                _ => "network-failed",
            };
            fragment.append_pair("error", slug);
        }
    }
    if let Some(s) = done.app_state.as_deref() {
        fragment.append_pair("state", s);
    }
    let location = ctx
        .settings
        .link(&format!("/sign-in/network#{}", fragment.finish()));
    Ok(see_other(&location)
        .cookie(browser_cookie(&ctx, String::new(), 0))
        .finish())
}

/// Tokens for the code a network sign-in came back with: signs in as `POST /auth/login` does
/// (the access token's `amr` is `fed`, with `mfa` when the provider said it used more than one
/// factor: only then does the sign-in count as two-step). The code works once.
///
/// **Permissions**: the holder of a code (2 minutes, single use).
///
/// **Refusals**: 401: unknown, used or expired code; 422: malformed code.
#[utoipa::path(
    tag = "auth",
    operation_id = "network_token",
    request_body = NetworkTokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 422, response = Invalid),
    ),
)]
#[post("/auth/network/token")]
async fn network_token(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<NetworkTokenRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    let s = network::exchange(&ctx, client_ip(&req), user_agent(&req), &body.code).await?;
    Ok(super::auth::session_response(&ctx, s))
}

/// An organization's sign-in with network credentials: its identity provider's issuer and
/// AMPS's client id there, and the redirect URI to register (the secret is never shown).
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 404: no such organization, or none set.
#[utoipa::path(
    tag = "catalog",
    operation_id = "get_network_sign_in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    responses(
        (status = 200, body = NetworkSignInResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/organizations/{id}/network-sign-in")]
async fn get_network_sign_in(
    ctx: web::Data<Ctx>,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(network::get(&ctx, p, *id).await?))
}

/// Set an organization's identity provider, so its people can sign in with their network
/// credentials (OpenID Connect). The provider must answer discovery as the issuer given (AMPS
/// calls it now); the secret, once set, may be left out to keep it. Audited
/// (`catalog.network_sign_in_set`, without the secret).
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 404: no such organization; 422: a bad issuer
/// URL, one that does not answer discovery as itself, or no secret the first time.
#[utoipa::path(
    tag = "catalog",
    operation_id = "put_network_sign_in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = NetworkSignInRequest,
    responses(
        (status = 200, body = NetworkSignInResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[put("/organizations/{id}/network-sign-in")]
async fn put_network_sign_in(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<NetworkSignInRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(crate::domain::permission::Permission::ManageOrganizations)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(network::put(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// Stop an organization's sign-in with network credentials. Audited.
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 404: no such organization, or none set.
#[utoipa::path(
    tag = "catalog",
    operation_id = "delete_network_sign_in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/organizations/{id}/network-sign-in")]
async fn delete_network_sign_in(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    network::remove(&ctx, &auth.actor(&req), p, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My network identities: the subjects at my organization's provider that sign me in (linked
/// at my first sign-in with it).
///
/// **Permissions**: any signed-in person, for their own.
#[utoipa::path(
    tag = "me",
    operation_id = "list_my_network_identities",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<NetworkIdentityResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/me/network-identities")]
async fn list_my_network_identities(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(network::mine(&ctx, u).await?))
}

/// Unlink one of my network identities: it no longer signs me in (a later sign-in with it links
/// it again by my verified address). I am mailed; audited.
///
/// **Permissions**: any signed-in person, for their own.
///
/// **Refusals**: 404: no such network identity of mine.
#[utoipa::path(
    tag = "me",
    operation_id = "unlink_my_network_identity",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The network identity's id")),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/me/network-identities/{id}")]
async fn unlink_my_network_identity(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    network::unlink(&ctx, &auth.actor(&req), u, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
