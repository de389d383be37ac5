//! `/saars`: submit, read, cancel, resubmit.

use super::extract::{Auth, JsonBody, if_match};
use super::problems::{
    Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
};
use crate::service::{Ctx, Error, attachments, saars};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use futures_util::StreamExt;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_saars)
        .service(get_saar)
        .service(saar_history)
        .service(saar_dd2875)
        .service(cancel_saar)
        .service(resubmit_saar)
        .service(resend_approval_mail)
        .service(upload_attachment)
        .service(list_attachments)
        .service(download_attachment);
}

/// Submit a request for roles: one SAAR per role, in one transaction. Refused (with the role
/// and the reason) for a role already held or pending, hidden or not visible, non-PROD where
/// the organization forbids it, not open to the user's type, or a stale IA training date.
/// Accepted with recorded warnings for segregation-of-duties conflicts and missing
/// prerequisite roles (named in `missing_prerequisites`).
///
/// **Permissions**: any signed-in user, for themselves or (supervisors) a direct report.
///
/// **Refusals**: 403: not your direct report, or a role marked "MFA required" asked for from a
/// sign-in without a second factor; 422: A role cannot be requested, or invalid fields.
#[utoipa::path(
    tag = "saars",
    operation_id = "submit_saars",
    security(("bearer" = [])),
    request_body = SubmitSaarsRequest,
    responses(
        (status = 201, body = SubmitSaarsResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[post("/saars")]
async fn submit_saars(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: web::Json<SubmitSaarsRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    body.validate()?;
    Ok(HttpResponse::Created().json(saars::submit(&ctx, &auth.actor(&req), p, &body).await?))
}

/// A SAAR with whom it waits on, since when and the time left, and every step.
///
/// **Permissions**: its requester and subject, its approvers, its provisioners,
/// administrators and the help desk.
#[utoipa::path(
    tag = "saars",
    operation_id = "get_saar",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
    ),
    responses(
        (status = 200, body = SaarResponse),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/saars/{id}")]
async fn get_saar(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let s = saars::get(&ctx, p, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", s.version)))
        .json(s))
}

/// A SAAR's history: every event the audit log holds about it, oldest first, each with who
/// acted, when, what was recorded and, once sealed, its place and hash in the audit chain.
///
/// **Permissions**: whoever may see the SAAR (its requester and subject, its approvers, its
/// role's provisioners, the help desk and administrators).
#[utoipa::path(
    tag = "saars",
    operation_id = "get_saar_history",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
    ),
    responses(
        (status = 200, body = Vec<SaarHistoryEntry>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/saars/{id}/history")]
async fn saar_history(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::history(&ctx, p, *id).await?))
}

/// A SAAR as a DD Form 2875 (PDF): Part I the user's information and the request, Part II
/// the supervisor's, data owner's, IAO's and groups' endorsements, Part III the security
/// manager's with the IT level, Part IV provisioning and the access's end; each step with the
/// seal (sequence number and SHA-256 hash) of its audit event, which `amps audit verify
/// --saar NUMBER --hash HASH` checks against the log.
///
/// **Permissions**: whoever may see the SAAR (its requester and subject, its approvers, its
/// role's provisioners, the help desk and administrators).
#[utoipa::path(
    tag = "saars",
    operation_id = "get_saar_dd2875",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
    ),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/saars/{id}/dd2875")]
async fn saar_dd2875(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let (number, pdf) = saars::dd2875_pdf(&ctx, p, *id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"DD2875-{number}.pdf\""),
        ))
        .body(pdf))
}

/// Cancel a pending or returned SAAR.
///
/// **Permissions**: its requester (or subject).
///
/// **Refusals**: 412: stale If-Match version; 409: not cancellable in its state.
#[utoipa::path(
    tag = "saars",
    operation_id = "cancel_saar",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
        ("If-Match" = Option<String>, Header, description = "The SAAR version you loaded (its ETag); a stale one gets 412"),
    ),
    responses(
        (status = 200, body = SaarResponse),
        (status = 412, response = PreconditionFailed),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/saars/{id}/cancel")]
async fn cancel_saar(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::cancel(&ctx, &auth.actor(&req), p, *id, if_match(&req)?).await?))
}

/// Resubmit a returned SAAR with a new justification.
///
/// **Permissions**: its requester.
///
/// **Refusals**: 412: stale If-Match version; 409: not returned.
#[utoipa::path(
    tag = "saars",
    operation_id = "resubmit_saar",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
        ("If-Match" = Option<String>, Header, description = "The SAAR version you loaded (its ETag); a stale one gets 412"),
    ),
    request_body = ResubmitSaarRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 412, response = PreconditionFailed),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/saars/{id}/resubmit")]
async fn resubmit_saar(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<ResubmitSaarRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    saars::authorize_resubmit(&ctx, p, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok()
        .json(saars::resubmit(&ctx, &auth.actor(&req), p, *id, &body, if_match(&req)?).await?))
}

/// Attach a file to a pending or returned SAAR: the raw bytes as the body, the name in
/// `?filename=`. At most 10 MB; PDF, PNG, JPEG, GIF, .docx, .xlsx or plain text, checked by
/// content. The SHA-256 is kept.
///
/// **Permissions**: the requester.
///
/// **Refusals**: 409: the request is not pending or returned; 413: larger than 10 MB; 422: empty, or a type not allowed.
#[utoipa::path(
    tag = "saars",
    operation_id = "upload_attachment",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
        UploadQuery,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = AttachmentResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid),
    ),
)]
#[post("/saars/{id}/attachments")]
async fn upload_attachment(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    q: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let p = auth.0.user()?;
    q.validate().map_err(Error::from)?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > attachments::MAX_BYTES {
            return Ok(super::error::problem(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Attachment too large",
                Some("An attachment may be at most 10 MB.".into()),
                vec![],
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let out = attachments::upload(&ctx, &auth.actor(&req), p, *id, &q.filename, &body).await?;
    Ok(HttpResponse::Created().json(out))
}

/// The attachments of a SAAR.
///
/// **Permissions**: its requester, its subject and its approvers.
#[utoipa::path(
    tag = "saars",
    operation_id = "list_attachments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
    ),
    responses(
        (status = 200, body = Vec<AttachmentResponse>),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/saars/{id}/attachments")]
async fn list_attachments(
    ctx: web::Data<Ctx>,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(attachments::list(&ctx, p, *id).await?))
}

/// Download an attachment.
///
/// **Permissions**: its SAAR's requester, subject and approvers.
#[utoipa::path(
    tag = "saars",
    operation_id = "download_attachment",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "SAAR id"),
        ("aid" = Uuid, Path, description = "Attachment id"),
    ),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/saars/{id}/attachments/{aid}")]
async fn download_attachment(
    ctx: web::Data<Ctx>,
    auth: Auth,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let (saar, aid) = path.into_inner();
    let a = attachments::download(&ctx, p, saar, aid).await?;
    let safe: String = a
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(a.content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{safe}\"")))
        .insert_header(("X-Checksum-SHA256", a.sha256))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(a.data))
}

/// Mail the approvers a pending SAAR waits on its approval request again (an External
/// Authorizing Official gets a fresh single-use link; the earlier one stops working), when an
/// approver says the mail never came. Audited.
///
/// **Permissions**: Administrator or Help Desk.
///
/// **Refusals**: 403: neither; 404: no such SAAR; 409: the SAAR waits on no approver (not
/// pending), or on nobody who may decide it.
#[utoipa::path(
    tag = "saars",
    operation_id = "resend_approval_mail",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "SAAR id")),
    responses(
        (status = 202, body = Accepted),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/saars/{id}/approval-mail")]
async fn resend_approval_mail(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Accepted().json(saars::resend_approval_mail(&ctx, &auth.actor(&req), p, *id).await?))
}
