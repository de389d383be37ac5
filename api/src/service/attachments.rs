//! SAAR attachments: up to 10 MB each, of allowed types checked by their content (not their
//! name), with a SHA-256 kept; read only by the requester, the subject and the approvers.

use super::load_saar;
use super::principal::UserPrincipal;
use super::workflow::is_approver_of;
use super::{Ctx, Error, Result, field};
use crate::domain::saar::SaarStatus;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{attachment, saar};
use amps_openapi::AttachmentResponse;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Largest attachment accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most attachments on one SAAR.
pub const MAX_PER_SAAR: u64 = 10;

/// The content type of an allowed file, detected from its bytes.
pub fn detect(bytes: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(bytes) {
        return match kind.mime_type() {
            "application/pdf" => Some("application/pdf"),
            "image/png" => Some("image/png"),
            "image/jpeg" => Some("image/jpeg"),
            "image/gif" => Some("image/gif"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            }
            _ => None,
        };
    }
    std::str::from_utf8(bytes)
        .ok()
        .filter(|t| {
            !t.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        })
        .map(|_| "text/plain; charset=utf-8")
}

fn view(a: &attachment::Model) -> AttachmentResponse {
    AttachmentResponse {
        id: a.id,
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
        uploaded_at: a.created_at,
    }
}

async fn may_read(ctx: &Ctx, p: &UserPrincipal, s: &saar::Model) -> Result<()> {
    if s.requester_id == p.id || s.subject_id == p.id || is_approver_of(&ctx.read, p, s.id).await? {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only the requester and the approvers of this request may read its attachments.".into(),
        ))
    }
}

/// Adds an attachment to a pending or returned SAAR.
pub async fn upload(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    saar_id: Uuid,
    filename: &str,
    bytes: &[u8],
) -> Result<AttachmentResponse> {
    let now = ctx.clock.now();
    let s = load_saar(&ctx.db, saar_id).await?;
    if s.requester_id != p.id && s.subject_id != p.id {
        return Err(Error::Forbidden("Only the requester may add attachments.".into()));
    }
    if !matches!(s.status, SaarStatus::Pending | SaarStatus::Returned) {
        return Err(Error::Conflict(format!(
            "{} is {}; attachments can be added only while it is pending or returned.",
            s.number, s.status
        )));
    }
    if bytes.is_empty() {
        return Err(Error::Validation(field("file", "empty", "is empty")));
    }
    let content_type = detect(bytes).ok_or_else(|| {
        Error::Validation(field(
            "file",
            "type_not_allowed",
            "must be a PDF, PNG, JPEG or GIF image, Word (.docx) or Excel (.xlsx) document, or plain text",
        ))
    })?;
    let count = store::attachments::count_of(&ctx.db, s.id).await?;
    if count >= MAX_PER_SAAR {
        return Err(Error::Validation(field(
            "file",
            "too_many",
            "a request has at most 10 attachments",
        )));
    }
    let sha = hex::encode(Sha256::digest(bytes));
    let txn = crate::store::begin(&ctx.db).await?;
    let a = store::attachments::insert(
        &txn,
        attachment::Model {
            id: Uuid::now_v7(),
            saar_id: s.id,
            filename: filename.trim().into(),
            content_type: content_type.into(),
            size: bytes.len() as i64,
            sha256: sha.clone(),
            data: bytes.to_vec(),
            uploaded_by: p.id,
            created_at: now,
        },
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "saar.attachment_added",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "filename": a.filename, "size": a.size, "sha256": sha, "type": content_type}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(view(&a))
}

/// The attachments of a SAAR (metadata).
pub async fn list(ctx: &Ctx, p: &UserPrincipal, saar_id: Uuid) -> Result<Vec<AttachmentResponse>> {
    let s = load_saar(&ctx.read, saar_id).await?;
    may_read(ctx, p, &s).await?;
    Ok(store::attachments::list_of(&ctx.read, s.id)
        .await?
        .into_iter()
        .map(|m| AttachmentResponse {
            id: m.id,
            filename: m.filename,
            content_type: m.content_type,
            size: m.size,
            sha256: m.sha256,
            uploaded_at: m.created_at,
        })
        .collect())
}

/// One attachment with its content.
pub async fn download(ctx: &Ctx, p: &UserPrincipal, saar_id: Uuid, id: Uuid) -> Result<attachment::Model> {
    let s = load_saar(&ctx.read, saar_id).await?;
    may_read(ctx, p, &s).await?;
    store::attachments::find(&ctx.read, id)
        .await?
        .filter(|a| a.saar_id == s.id)
        .ok_or_else(|| Error::NotFound("No such attachment.".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_detected_from_content_not_names() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            detect(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]),
            Some("image/png")
        );
        assert_eq!(
            detect("Shipping manifest\nline two\n".as_bytes()),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            detect(b"MZ\x90\x00\x03\x00\x00\x00"),
            None,
            "executables are refused"
        );
        assert_eq!(detect(&[0x00, 0x01, 0x02, 0xff]), None);
    }
}
