//! PIV / CAC sign-in: the routes of the certificate listener (`GET /auth/certificate`,
//! `POST /auth/certificate/binding`), which read the client certificate of the TLS
//! connection, and the main address's `GET /auth/methods`, `POST /auth/certificate/token` and
//! `/me/certificates`.

use super::extract::{Auth, client_ip, user_agent};
use super::problems::{BadRequest, Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized};
use crate::service::{Ctx, Error, certificates};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use amps_openapi::*;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers of the main address.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sign_in_methods)
        .service(certificate_sign_in)
        .service(certificate_token)
        .service(bind_certificate)
        .service(list_my_certificates)
        .service(start_certificate_binding)
        .service(remove_my_certificate)
        .service(list_user_certificates)
        .service(remove_user_certificate);
}

/// Registers the certificate listener's own routes (under `/api/v1`).
pub fn configure_listener(cfg: &mut web::ServiceConfig) {
    cfg.service(certificate_sign_in).service(bind_certificate);
}

/// The certificate chain a client presented on the certificate listener's TLS connection
/// (empty when it presented none); set for each connection by `HttpServer::on_connect`.
#[derive(Debug, Clone)]
pub struct PeerCertificates(pub Vec<CertificateDer<'static>>);

/// Reads the client's certificate chain off a connection of the certificate listener.
pub fn on_connect(conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions) {
    use actix_tls::accept::rustls_0_23::TlsStream;
    if let Some(tls) = conn.downcast_ref::<TlsStream<actix_web::rt::net::TcpStream>>() {
        let (_, session) = tls.get_ref();
        let chain = session
            .peer_certificates()
            .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default();
        ext.insert(PeerCertificates(chain));
    }
}

/// The presented chain: from this connection's TLS handshake on the certificate listener, or,
/// from a trusted proxy, from its client certificate header (URL-encoded PEM; none when the
/// header is absent). Elsewhere a 404 naming the certificate address.
fn presented(ctx: &Ctx, req: &HttpRequest) -> Result<Vec<CertificateDer<'static>>, Error> {
    if let Some(p) = req.conn_data::<PeerCertificates>() {
        return Ok(p.0.clone());
    }
    if ctx.certificates.is_some() && super::extract::from_trusted_proxy(req) {
        let Some(v) = req.headers().get(ctx.settings.client_cert_header.as_str()) else {
            return Ok(vec![]);
        };
        let pem = percent_encoding::percent_decode(v.as_bytes()).collect::<Vec<u8>>();
        return Ok(CertificateDer::pem_slice_iter(&pem)
            .filter_map(std::result::Result::ok)
            .collect());
    }
    Err(Error::NotFound(
        match certificates::methods(ctx).certificate_url {
            Some(url) => format!("Certificate sign-in is served at {url}, not here."),
            None => "Certificate sign-in is not set up on this server.".into(),
        },
    ))
}

/// Whether the client is a browser navigating (it gets redirects back to the web app, not
/// problem+json).
fn navigating(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The slug a browser is sent back with for `e`.
fn error_slug(e: &Error) -> &'static str {
    match e {
        Error::Certificate(why) => why.slug(),
        Error::TooManyRequests { .. } => "too-many-attempts",
        Error::Forbidden(_) => "account-cannot-sign-in",
        Error::InvalidToken(_) => "binding-expired",
        Error::Conflict(_) => "certificate-bound-elsewhere",
        _ => "certificate-failed",
    }
}

/// The `state` a web app sends and gets back (it checks the answer is for the sign-in it
/// started).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateQuery {
    /// Echoed back in the redirect's fragment; 8 to 128 letters, digits, `-` or `_`.
    state: Option<String>,
}

/// The web app's `state`, checked: 8 to 128 letters, digits, `-` or `_`.
pub(super) fn state_of(state: Option<&str>) -> Result<Option<&str>, Error> {
    match state {
        None => Ok(None),
        Some(s)
            if (8..=128).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(s))
        }
        Some(_) => Err(Error::BadRequest(
            "state must be 8 to 128 letters, digits, - or _.".into(),
        )),
    }
}

/// Sign in with a PIV / CAC certificate. **Served only at the certificate address**
/// (`certificate_url` of `GET /auth/methods`), which asks the browser for the card's
/// certificate; elsewhere it answers 404.
///
/// A certificate issued by a configured authority, within its validity, not revoked and
/// bound to an account that may sign in: 303 to the web app's `/sign-in/certificate` with
/// `#code=…&state=…` (the code is single use, for 2 minutes, at `POST /auth/certificate/token`).
/// Otherwise, a browser (`Accept: text/html`) is sent there with `#error=<slug>&state=…`, and
/// a program gets the problem. Every refusal is audited (`auth.login_failed` with its reason)
/// and counts against the address like a wrong password.
///
/// **Permissions**: anyone presenting a certificate.
///
/// **Refusals**: 400: malformed `state`; 401: no certificate, or one that is untrusted,
/// expired, not yet valid, revoked, of unknown revocation status, unusable, or bound to no
/// account (`/problems/certificate-*`); 403: the account cannot sign in (disabled, locked);
/// 404: not the certificate address, or certificate sign-in not set up; 429: too many failed
/// attempts from this address.
#[utoipa::path(
    tag = "auth",
    operation_id = "certificate_sign_in",
    params(StateQuery),
    responses(
        (status = 303, description = "Back to the web app with a code (or, for a browser, an error)"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    ),
)]
#[get("/auth/certificate")]
async fn certificate_sign_in(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    q: web::Query<StateQuery>,
) -> Result<HttpResponse, Error> {
    let chain = presented(&ctx, &req)?;
    let state = state_of(q.state.as_deref())?;
    let back = |pairs: &[(&str, &str)]| {
        let mut fragment = url::form_urlencoded::Serializer::new(String::new());
        fragment.extend_pairs(pairs);
        if let Some(s) = state {
            fragment.append_pair("state", s);
        }
        ctx.settings
            .link(&format!("/sign-in/certificate#{}", fragment.finish()))
    };
    match certificates::sign_in(&ctx, client_ip(&req), &chain).await {
        Ok(code) => Ok(see_other(back(&[("code", &code)]))),
        Err(e) if navigating(&req) && !matches!(e, Error::Internal(_)) => {
            Ok(see_other(back(&[("error", error_slug(&e))])))
        }
        Err(e) => Err(e),
    }
}

/// The ticket of `POST /me/certificates/binding`, as a form field.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BindingForm {
    ticket: String,
}

/// Bind the presented PIV / CAC certificate to the account the ticket was given to. **Served
/// only at the certificate address**, which asks the browser for the card's certificate;
/// elsewhere it answers 404. The ticket works once, for 5 minutes. The owner is mailed;
/// audited (`auth.certificate_bound`).
///
/// A browser (`Accept: text/html`) is sent back to My Information with
/// `#certificate=bound` or `#certificate-error=<slug>`; a program gets the binding (201) or
/// the problem.
///
/// **Permissions**: the holder of a ticket (given only to a sign-in with a second factor).
///
/// **Refusals**: 400: unknown, used or expired ticket; 401: no certificate, or one that is
/// untrusted, expired, revoked or unusable; 404: not the certificate address; 409: the
/// certificate is bound already (to this or another account).
#[utoipa::path(
    tag = "me",
    operation_id = "bind_certificate",
    request_body(content = BindingForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "Bound", body = CertificateResponse),
        (status = 303, description = "A browser, back to My Information"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/auth/certificate/binding")]
async fn bind_certificate(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    form: web::Form<BindingForm>,
) -> Result<HttpResponse, Error> {
    let chain = presented(&ctx, &req)?;
    let result = certificates::bind(&ctx, client_ip(&req), &form.ticket, &chain).await;
    if navigating(&req) {
        return match result {
            Ok(_) => Ok(see_other(ctx.settings.link("/me#certificate=bound"))),
            Err(Error::Internal(e)) => Err(Error::Internal(e)),
            Err(e) => Ok(see_other(
                ctx.settings
                    .link(&format!("/me#certificate-error={}", error_slug(&e))),
            )),
        };
    }
    Ok(HttpResponse::Created().json(result?))
}

/// The sign-in methods this server offers besides a User ID and password (the sign-in page
/// shows "Sign in with PIV/CAC" when `certificate_url` is set, and "Sign in with network
/// credentials" for the organizations in `network`).
///
/// **Permissions**: anyone.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_sign_in_methods",
    responses((status = 200, body = SignInMethodsResponse)),
)]
#[get("/auth/methods")]
async fn sign_in_methods(ctx: web::Data<Ctx>) -> Result<HttpResponse, Error> {
    let mut methods = certificates::methods(&ctx);
    methods.network = crate::service::network::options(&ctx).await?;
    Ok(HttpResponse::Ok().json(methods))
}

/// Tokens for the code a certificate sign-in came back with: signs in as `POST /auth/login`
/// does (the access token's `amr` is `sc`, `hwk`: more than a password, so MFA-required roles
/// can be requested and decided). The code works once.
///
/// **Permissions**: the holder of a code (2 minutes, single use).
///
/// **Refusals**: 401: unknown, used or expired code; 404: certificate sign-in not set up;
/// 422: malformed code.
#[utoipa::path(
    tag = "auth",
    operation_id = "certificate_token",
    request_body = CertificateSignInRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[post("/auth/certificate/token")]
async fn certificate_token(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Json<CertificateSignInRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    let s = certificates::exchange(&ctx, client_ip(&req), user_agent(&req), &body.code).await?;
    Ok(super::auth::session_response(&ctx, s))
}

/// My PIV / CAC certificates: the ones that sign me in.
///
/// **Permissions**: any signed-in person, for their own.
#[utoipa::path(
    tag = "me",
    operation_id = "list_my_certificates",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<CertificateResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/me/certificates")]
async fn list_my_certificates(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(certificates::mine(&ctx, u).await?))
}

/// Start binding my card: a ticket the browser holding the card posts to the certificate
/// address (`url`). Audited.
///
/// **Permissions**: a signed-in person whose sign-in proved a second factor (an
/// authenticator code, or a certificate).
///
/// **Refusals**: 403: a sign-in with a password only, or a service client; 404: certificate
/// sign-in not set up.
#[utoipa::path(
    tag = "me",
    operation_id = "start_certificate_binding",
    security(("bearer" = [])),
    responses(
        (status = 200, body = CertificateBindingResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/me/certificates/binding")]
async fn start_certificate_binding(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let r = certificates::start_binding(&ctx, &auth.actor(&req), u).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(r))
}

/// Remove one of my certificates: it no longer signs me in. I am mailed; audited.
///
/// **Permissions**: any signed-in person, for their own.
///
/// **Refusals**: 404: no such certificate of mine.
#[utoipa::path(
    tag = "me",
    operation_id = "remove_my_certificate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The certificate's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/me/certificates/{id}")]
async fn remove_my_certificate(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    certificates::remove(&ctx, &auth.actor(&req), u, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A person's PIV / CAC certificates (the ones that sign them in).
///
/// **Permissions**: Administrator; Help Desk (not for an account holding an AMPS administrative
/// role).
///
/// **Refusals**: 403: neither, or the help desk for an administrative account; 404: no such
/// account.
#[utoipa::path(
    tag = "users",
    operation_id = "list_user_certificates",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, body = Vec<CertificateResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/users/{id}/certificates")]
async fn list_user_certificates(
    ctx: web::Data<Ctx>,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(certificates::of_user(&ctx, p, *id).await?))
}

/// Remove a person's certificate (a lost or stolen card): it no longer signs them in; the
/// person is mailed who removed it. Audited.
///
/// **Permissions**: Administrator; Help Desk (not for an account holding an AMPS administrative
/// role).
///
/// **Refusals**: 403: neither, or the help desk for an administrative account; 404: no such
/// account, or no such certificate of it.
#[utoipa::path(
    tag = "users",
    operation_id = "remove_user_certificate",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Account id"),
        ("certificate" = Uuid, Path, description = "Certificate id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/users/{id}/certificates/{certificate}")]
async fn remove_user_certificate(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let (user, certificate) = path.into_inner();
    certificates::remove_for(&ctx, &auth.actor(&req), p, user, certificate).await?;
    Ok(HttpResponse::NoContent().finish())
}
