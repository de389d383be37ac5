//! FIDO2 / WebAuthn security keys as a second factor (webauthn-rs, user verification
//! required: the key's PIN or fingerprint and a touch). A person adds several named keys from
//! My Information and removes them; with a key, a right password alone does not sign in (the
//! second step is in `service::mfa`). Each ceremony's state stays on the server
//! (`webauthn_challenges`), is answered once, and lasts 5 minutes.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::security_key;
use crate::store::outbox;
use amps_openapi::{AddSecurityKeyRequest, SecurityKeyOptionsResponse, SecurityKeyResponse};
use chrono::Duration;
use serde_json::json;
use uuid::Uuid;
use validator::Validate;
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Webauthn};

/// How long a ceremony may wait for the key.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);
/// The most keys one account keeps.
const MAX_KEYS: usize = 10;
pub(super) const PURPOSE_REGISTER: &str = "register";
pub(super) const PURPOSE_SIGN_IN: &str = "sign_in";

/// The relying party, or a 404 when the public URL has no host name (WebAuthn does not work on
/// an IP address).
pub(super) fn relying_party(ctx: &Ctx) -> Result<&Webauthn> {
    ctx.webauthn.as_deref().ok_or_else(|| {
        Error::NotFound(
            "Security keys need AMPS to be reached at a host name (AMPS_PUBLIC_URL), not an IP address."
                .into(),
        )
    })
}

/// The relying party of AMPS at `public_url`: its host name, its origin.
pub fn relying_party_for(public_url: &url::Url) -> Option<Webauthn> {
    let host = public_url.domain()?;
    let origin = url::Url::parse(&public_url.origin().ascii_serialization()).ok()?;
    webauthn_rs::prelude::WebauthnBuilder::new(host, &origin)
        .ok()?
        .rp_name("AMPS")
        .build()
        .ok()
}

/// A stored key's credential.
pub(super) fn passkey_of(k: &security_key::Model) -> Result<Passkey> {
    serde_json::from_str(&k.passkey)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored security key {}: {e}", k.id)))
}

/// The credential id as stored (base64url, as WebAuthn's JSON has it).
pub(super) fn credential_id(p: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(p.cred_id())
}

pub(super) fn view(k: &security_key::Model) -> SecurityKeyResponse {
    SecurityKeyResponse {
        id: k.id,
        name: k.name.clone(),
        created_at: k.created_at,
        last_used_at: k.last_used_at,
    }
}

/// Adding a key to an account that signs in with a second factor needs a sign-in that used
/// one (a password alone must not add a way in).
async fn fresh_enough(ctx: &Ctx, p: &UserPrincipal) -> Result<bool> {
    let has = !store::mfa::second_factors(&ctx.read, p.id).await?.is_empty();
    if has && !p.second_factor {
        return Err(Error::Forbidden(
            "Your account signs in with a second step: sign out and sign in with your code or key before adding a key."
                .into(),
        ));
    }
    Ok(has)
}

/// `POST /me/mfa/security-keys/options`: starts adding a key.
pub async fn options(ctx: &Ctx, actor: &Actor, p: &UserPrincipal) -> Result<SecurityKeyOptionsResponse> {
    let rp = relying_party(ctx)?;
    fresh_enough(ctx, p).await?;
    let now = ctx.clock.now();
    let keys = store::security_keys::of_user(&ctx.read, p.id).await?;
    if keys.len() >= MAX_KEYS {
        return Err(Error::Conflict(format!(
            "You have {MAX_KEYS} security keys; remove one to add another."
        )));
    }
    let exclude = keys
        .iter()
        .map(|k| passkey_of(k).map(|pk| pk.cred_id().clone()))
        .collect::<Result<Vec<_>>>()?;
    let name = super::views::name_of(&p.user);
    let (challenge, state) = rp
        .start_passkey_registration(p.id, &p.login, &name, Some(exclude))
        .map_err(|e| Error::Internal(anyhow::anyhow!("WebAuthn registration: {e}")))?;
    let state = serde_json::to_string(&state).map_err(|e| Error::Internal(e.into()))?;
    let needs_mail = super::first_factor::needs_mail(ctx, p).await?;
    if needs_mail {
        super::first_factor::asked(ctx, p).await?;
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let id =
        store::security_keys::put_challenge(&txn, p.id, PURPOSE_REGISTER, &state, now + CEREMONY_TTL, now)
            .await?;
    let email_code_sent_to = if needs_mail {
        Some(super::first_factor::mail_code(ctx, &txn, p, now).await?)
    } else {
        None
    };
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.security_key_setup_started",
            target: Some(format!("user:{}", p.id)),
            details: json!({"challenge": id, "email_code_sent": needs_mail}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SecurityKeyOptionsResponse {
        challenge_id: id,
        options: serde_json::to_value(&challenge).map_err(|e| Error::Internal(e.into()))?,
        email_code_sent_to,
    })
}

/// `POST /me/mfa/security-keys`: adds the key the browser created for the options. The first
/// second factor of an account ends every other sign-in (as setting up the app does) and
/// counts for this one; the owner is mailed.
pub async fn add(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &AddSecurityKeyRequest,
) -> Result<SecurityKeyResponse> {
    req.validate()?;
    let rp = relying_party(ctx)?;
    let had_second_factor = fresh_enough(ctx, p).await?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(req.credential.clone()).map_err(|_| {
            Error::Validation(field(
                "credential",
                "format",
                "is not a WebAuthn public key credential",
            ))
        })?;
    let now = ctx.clock.now();
    let emailed = super::first_factor::check_code(ctx, p, req.email_code.as_deref(), now).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let Some(state) =
        store::security_keys::take_challenge(&txn, p.id, req.challenge_id, PURPOSE_REGISTER, now).await?
    else {
        return Err(Error::Conflict(
            "This key set-up has expired or was finished already; start again.".into(),
        ));
    };
    let state: PasskeyRegistration = serde_json::from_str(&state).map_err(|e| Error::Internal(e.into()))?;
    let passkey = match rp.finish_passkey_registration(&credential, &state) {
        Ok(pk) => pk,
        Err(e) => {
            // The challenge is spent either way.
            txn.commit().await?;
            tracing::info!(error = %e, "security key registration refused");
            return Err(Error::Validation(field(
                "credential",
                "rejected",
                "was not accepted: the key must verify you (PIN or fingerprint) and answer this page's challenge",
            )));
        }
    };
    let name = req.name.trim();
    let stored = serde_json::to_string(&passkey).map_err(|e| Error::Internal(e.into()))?;
    let Some(key) =
        store::security_keys::insert(&txn, p.id, name, &credential_id(&passkey), &stored, now).await?
    else {
        return Err(Error::Conflict("This security key is registered already.".into()));
    };
    super::first_factor::spend_code(&txn, emailed, now).await?;
    if !had_second_factor {
        if let Some(family) = p.session {
            store::sessions::mark_second_factor(
                &txn,
                family,
                crate::auth::jwt::Methods::PasswordKey.as_str(),
                now,
            )
            .await?;
        }
        store::sessions::end_sessions(&txn, p.id, p.session, super::accounts::PURPOSE_RESET, now).await?;
    }
    outbox::enqueue(
        &txn,
        now,
        &p.user.email,
        "AMPS: a security key was added to your account",
        &format!(
            "Hello {},\n\nThe security key \"{name}\" now signs in to your AMPS account {} after your password.{} If you did not do this, call {}.\n\n-- AMPS",
            p.user.first_name,
            p.login,
            if had_second_factor { "" } else { " Every other sign-in of your account has ended." },
            ctx.settings.help_desk
        ),
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.security_key_added",
            target: Some(format!("user:{}", p.id)),
            details: json!({"key": key.id, "name": name}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(view(&key))
}

/// `DELETE /me/mfa/security-keys/{id}`: from a sign-in that used a second factor; the owner is
/// mailed.
pub async fn remove(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<()> {
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let mine = store::security_keys::of_user(&txn, p.id).await?;
    if !mine.iter().any(|k| k.id == id) {
        return Err(Error::NotFound("You have no such security key.".into()));
    }
    if !p.second_factor {
        return Err(Error::Forbidden(
            "Removing a security key needs a sign-in that used your key or code.".into(),
        ));
    }
    if let Some(why) = p.must_use_second_factor()
        && mine.len() == 1
        && store::mfa::totp(&txn, p.id)
            .await?
            .is_none_or(|t| t.confirmed_at.is_none())
    {
        return Err(Error::Conflict(format!(
            "{why}: set up an authenticator app or add another key before removing your last one."
        )));
    }
    let key = store::security_keys::remove(&txn, p.id, id)
        .await?
        .ok_or_else(|| Error::NotFound("You have no such security key.".into()))?;
    outbox::enqueue(
        &txn,
        now,
        &p.user.email,
        "AMPS: a security key was removed from your account",
        &format!(
            "Hello {},\n\nThe security key \"{}\" no longer signs in to your AMPS account {}. If you did not do this, change your password and call {}.\n\n-- AMPS",
            p.user.first_name, key.name, p.login, ctx.settings.help_desk
        ),
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.security_key_removed",
            target: Some(format!("user:{}", p.id)),
            details: json!({"key": key.id, "name": key.name}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
