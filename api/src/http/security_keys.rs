//! FIDO2 / WebAuthn security keys: adding and removing mine (`/me/mfa/security-keys`), and the
//! second step of a sign-in with one (`/auth/login/security-key`).

use super::auth::session_response;
use super::extract::{Auth, JsonBody, SettingUp, client_ip, user_agent};
use super::problems::{Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized};
use crate::service::{Ctx, Error, mfa, security_keys, sessions};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(security_key_options)
        .service(add_security_key)
        .service(remove_security_key)
        .service(security_key_challenge)
        .service(login_security_key);
}

/// Start adding a security key: WebAuthn creation options (user verification required) for
/// `navigator.credentials.create`, excluding my keys already added. Audited. The account's
/// first second factor, added from a sign-in that proved only its password, also needs a
/// six-digit code emailed now (`email_code_sent_to`), as for an authenticator app.
///
/// **Permissions**: a signed-in person; if the account already signs in with a second factor,
/// only from a sign-in that used one.
///
/// **Refusals**: 403: a password-only sign-in of an account with a second factor, or a
/// service client; 404: AMPS is not reached at a host name (WebAuthn needs one); 409: ten keys
/// already; 429: too many codes mailed.
#[utoipa::path(
    tag = "me",
    operation_id = "security_key_options",
    security(("bearer" = [])),
    responses(
        (status = 200, body = SecurityKeyOptionsResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/me/mfa/security-keys/options")]
async fn security_key_options(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: SettingUp,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let r = security_keys::options(&ctx, &auth.actor(&req), u).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(r))
}

/// Add the security key the browser created for the options, with a name. From then on a
/// password alone does not sign in; the first second factor of an account ends its other
/// sign-ins. I am mailed; audited.
///
/// **Permissions**: as for the options.
///
/// **Refusals**: 403: as for the options; 404: no host name; 409: the set-up expired or was
/// finished, or the key is registered already; 422: a name that is empty or too long, or a
/// credential that is not WebAuthn's or not accepted (no user verification, another page's
/// challenge), or the emailed code missing, wrong or expired (when the options said one was
/// sent); 429: too many wrong emailed codes.
#[utoipa::path(
    tag = "me",
    operation_id = "add_security_key",
    security(("bearer" = [])),
    request_body = AddSecurityKeyRequest,
    responses(
        (status = 201, body = SecurityKeyResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        (status = 422, response = Invalid),
    ),
)]
#[post("/me/mfa/security-keys")]
async fn add_security_key(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: SettingUp,
    body: JsonBody<AddSecurityKeyRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let body = body.parse()?;
    let k = security_keys::add(&ctx, &auth.actor(&req), u, &body).await?;
    Ok(HttpResponse::Created().json(k))
}

/// Remove one of my security keys. I am mailed; audited.
///
/// **Permissions**: a signed-in person, from a sign-in that used a second factor.
///
/// **Refusals**: 403: a password-only sign-in, or a service client; 404: no such key of mine;
/// 409: the only second factor of an account that must use one.
#[utoipa::path(
    tag = "me",
    operation_id = "remove_security_key",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[delete("/me/mfa/security-keys/{id}")]
async fn remove_security_key(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    security_keys::remove(&ctx, &auth.actor(&req), u, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The second step of a sign-in with a security key, first half: WebAuthn request options
/// (the account's keys, user verification required) for `navigator.credentials.get`.
///
/// **Permissions**: anyone holding the `mfa_token` of a right password (5 minutes).
///
/// **Refusals**: 401: unknown, used or expired token; 404: no host name; 409: the account has
/// no security key; 422: malformed fields.
#[utoipa::path(
    tag = "auth",
    operation_id = "security_key_challenge",
    request_body = SecurityKeyChallengeRequest,
    responses(
        (status = 200, body = SecurityKeyOptionsResponse),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/auth/login/security-key/options")]
async fn security_key_challenge(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<SecurityKeyChallengeRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(mfa::key_challenge(&ctx, client_ip(&req), &body).await?))
}

/// The second step of a sign-in with a security key: the key's answer to the challenge (each
/// challenge is answered once; the key must verify the person). Signs in as `POST
/// /auth/login` does; the access token's `amr` is `pwd`, `hwk`. A refused answer counts with
/// wrong passwords and is audited.
///
/// **Permissions**: anyone holding the `mfa_token` of a right password.
///
/// **Refusals**: 401: a refused or replayed answer, or an expired sign-in; 404: no host name;
/// 422: malformed fields; 429: too many failed attempts (see Retry-After).
#[utoipa::path(
    tag = "auth",
    operation_id = "login_security_key",
    request_body = SecurityKeySignInRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/login/security-key")]
async fn login_security_key(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<SecurityKeySignInRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    let s = sessions::login_security_key(&ctx, client_ip(&req), user_agent(&req), &body).await?;
    Ok(session_response(&ctx, s))
}
