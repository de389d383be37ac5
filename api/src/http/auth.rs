//! `/api/v1/auth/*`: registration, email verification, sign-in, refresh, sign-out, service
//! tokens, forgotten password and User ID. None of these need an access token.

use super::extract::{client_ip, user_agent};
use super::problems::{BadRequest, Busy, Conflict, Forbidden, Invalid, TooManyRequests, Unauthorized};
use crate::service::sessions::{self, REFRESH_COOKIE, REFRESH_TTL, Session};
use crate::service::{Ctx, Error, accounts};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(login)
        .service(login_second_factor)
        .service(refresh)
        .service(logout)
        .service(token)
        .service(forgot_password)
        .service(profile_status)
        .service(reset_password)
        .service(accept_invitation)
        .service(forgot_username)
        .service(help);
}

fn refresh_cookie(ctx: &Ctx, value: String) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .path("/api/v1/auth")
        .http_only(true)
        .secure(ctx.settings.is_tls())
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(REFRESH_TTL.num_seconds()))
        .finish()
}

pub(super) fn session_response(ctx: &Ctx, s: Session) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .cookie(refresh_cookie(ctx, s.refresh_token))
        .json(s.token)
}

/// Register an external account.
///
/// **Permissions**: anyone. Self-registration is open to the External organization; the
/// account stays `pending_verification` until the emailed link is used (within
/// `AMPS_UNVERIFIED_DAYS`, else the registration ends and frees the address). An email that
/// already belongs to an account gets the same answer as a new one (no account is made; its
/// owner is mailed), so nobody learns from this answer who has an account.
///
/// **Refusals**: 400: malformed body; 409: the User ID is taken; 422: invalid fields (including password rules); 429: too much mail asked for this address, or too many asks from the caller's address (see Retry-After).
#[utoipa::path(
    tag = "auth",
    operation_id = "register_account",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; a verification link was emailed", body = RegisterResponse),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 503, response = Busy),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/register")]
async fn register(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    let out = accounts::register(&ctx, client_ip(&req), &body).await?;
    Ok(HttpResponse::Created().json(out))
}

/// Verify an email address with the emailed single-use link.
///
/// **Permissions**: anyone holding the link.
///
/// **Refusals**: 400: link unknown, expired or already used.
#[utoipa::path(
    tag = "auth",
    operation_id = "verify_email",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Verified", body = Accepted),
        (status = 400, response = BadRequest),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/verify-email")]
async fn verify_email(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<VerifyEmailRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok().json(accounts::verify_email(&ctx, client_ip(&req), &body).await?))
}

/// Sign in with User ID and password.
///
/// **Permissions**: anyone. Returns an access token (EdDSA JWT, 15 minutes) and sets the
/// rotating refresh token as an httpOnly, SameSite=Strict cookie. Failed attempts are
/// throttled per User ID and per address; the answer never says whether a User ID exists.
/// Each attempt counts before its password is checked (and is taken back when right), so a
/// burst of parallel guesses gets no more tries than guesses one after another.
///
/// An account with a second factor (an authenticator app) gets 401
/// `/problems/second-factor-required` with an `mfa_token` instead: sign-in goes on at
/// `POST /auth/login/second-factor`.
///
/// **Refusals**: 401: user ID or password incorrect, or a second factor is required; 403: account not verified, disabled, locked, suspended or terminated (the answer says why and whom to call); 422: a User ID or password that cannot be one (empty, too long); 429: too many failed attempts (see Retry-After).
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Busy),
    ),
)]
#[post("/auth/login")]
async fn login(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    let s = sessions::login(&ctx, client_ip(&req), user_agent(&req), &body).await?;
    Ok(session_response(&ctx, s))
}

/// Exchange the refresh cookie for a new access token (and a new refresh cookie).
///
/// **Permissions**: the holder of a valid refresh cookie. Presenting a refresh token that was
/// already rotated revokes its whole family (all sessions descended from that sign-in).
///
/// **Refusals**: 401: no valid refresh cookie.
#[utoipa::path(
    tag = "auth",
    operation_id = "refresh_session",
    responses(
        (status = 200, description = "New access token", body = TokenResponse),
        (status = 401, response = Unauthorized),
    ),
)]
#[post("/auth/refresh")]
async fn refresh(ctx: web::Data<Ctx>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let cookie = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string());
    let s = sessions::refresh(&ctx, client_ip(&req), cookie.as_deref()).await?;
    Ok(session_response(&ctx, s))
}

/// Sign out: revoke the refresh cookie's session and clear the cookie.
///
/// **Permissions**: anyone; without a cookie it does nothing.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    responses(
        (status = 204, description = "Signed out"),
    ),
)]
#[post("/auth/logout")]
async fn logout(ctx: web::Data<Ctx>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let cookie = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string());
    sessions::logout(&ctx, client_ip(&req), cookie.as_deref()).await?;
    let mut gone = refresh_cookie(&ctx, String::new());
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// OAuth2 client-credentials token for service clients (form-encoded).
///
/// **Permissions**: registered service clients.
///
/// **Refusals**: 401: unknown client or wrong secret; 403: scope not granted to the client; 422: unsupported grant type.
#[utoipa::path(
    tag = "auth",
    operation_id = "issue_client_token",
    request_body(content = ClientCredentialsRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Access token", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
        (status = 503, response = Busy),
    ),
)]
#[post("/auth/token")]
async fn token(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Form<ClientCredentialsRequest>,
) -> Result<HttpResponse, Error> {
    let t = sessions::client_credentials(&ctx, client_ip(&req), &body).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(t))
}

/// Email a password-reset link (single use, 30 minutes).
///
/// **Permissions**: anyone. The answer is the same whether or not the User ID exists.
///
/// **Refusals**: 422: invalid fields; 429: asked too often for this User ID (three at once,
/// then a minute doubling, then an hour; the same whether or not it exists).
#[utoipa::path(
    tag = "auth",
    operation_id = "forgot_password",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "If the account exists, a link was emailed", body = Accepted),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/forgot-password")]
async fn forgot_password(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Accepted().json(accounts::forgot_password(&ctx, client_ip(&req), &body).await?))
}

/// Check an account's status before signing in: the status, what it means and whom to call are
/// emailed to the account's own address.
///
/// **Permissions**: anyone. The answer is the same whether or not the User ID exists.
///
/// **Refusals**: 422: invalid fields; 429: asked too often for this User ID.
#[utoipa::path(
    tag = "auth",
    operation_id = "profile_status",
    request_body = ProfileStatusRequest,
    responses(
        (status = 202, description = "If the account exists, its status was emailed", body = Accepted),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/profile-status")]
async fn profile_status(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<ProfileStatusRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Accepted().json(accounts::profile_status(&ctx, client_ip(&req), &body).await?))
}

/// Set a new password with an emailed reset link; signs out every session.
///
/// **Permissions**: anyone holding the link.
///
/// **Refusals**: 400: link unknown, expired or already used; 422: password rules not met (the field error names the rule).
#[utoipa::path(
    tag = "auth",
    operation_id = "reset_password",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "Password changed", body = Accepted),
        (status = 400, response = BadRequest),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Busy),
    ),
)]
#[post("/auth/reset-password")]
async fn reset_password(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok().json(accounts::reset_password(&ctx, client_ip(&req), &body).await?))
}

/// Accept the invitation to an account an administrator or the help desk created: set its
/// password with the emailed single-use link; the account becomes active and its person signs
/// in with their User ID.
///
/// **Permissions**: anyone holding the link.
///
/// **Refusals**: 400: link unknown, expired, already used or replaced by a newer one; 422:
/// password rules not met (the field error names the rule).
#[utoipa::path(
    tag = "auth",
    operation_id = "accept_invitation",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, description = "Account active", body = Accepted),
        (status = 400, response = BadRequest),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Busy),
    ),
)]
#[post("/auth/invitation")]
async fn accept_invitation(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<AcceptInvitationRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok().json(crate::service::invitations::accept(&ctx, client_ip(&req), &body).await?))
}

/// Email the User ID registered to an address.
///
/// **Permissions**: anyone. The answer is the same whether or not the address is known.
///
/// **Refusals**: 422: invalid fields; 429: too much mail asked for this address.
#[utoipa::path(
    tag = "auth",
    operation_id = "forgot_username",
    request_body = ForgotUsernameRequest,
    responses(
        (status = 202, description = "If an account matches, its User ID was emailed", body = Accepted),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/forgot-username")]
async fn forgot_username(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<ForgotUsernameRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Accepted().json(accounts::forgot_username(&ctx, client_ip(&req), &body).await?))
}

/// Whom to call for help: the help desk contact, for the Help page and the messages a user
/// cannot act on alone (no sign-in needed).
///
/// **Permissions**: anyone.
#[utoipa::path(
    tag = "help",
    operation_id = "get_help",
    responses(
        (status = 200, body = HelpResponse),
    ),
)]
#[get("/help")]
async fn help(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(HelpResponse {
        help_desk: ctx.settings.help_desk.clone(),
    })
}

/// The second step of a sign-in: the `mfa_token` of the `/problems/second-factor-required`
/// answer with a code from the authenticator app (each code works once) or one of the
/// recovery codes (each works once; the owner is mailed). Signs in as `POST /auth/login` does.
///
/// **Permissions**: anyone holding a token from a right password (5 minutes, single use).
///
/// **Refusals**: 401: wrong or used code, or an expired token; 422: malformed fields; 429: too
/// many failed attempts (wrong codes count with wrong passwords; see Retry-After).
#[utoipa::path(
    tag = "auth",
    operation_id = "login_second_factor",
    request_body = SecondFactorRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/login/second-factor")]
async fn login_second_factor(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<SecondFactorRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    let s = sessions::login_second_factor(&ctx, client_ip(&req), user_agent(&req), &body).await?;
    Ok(session_response(&ctx, s))
}
