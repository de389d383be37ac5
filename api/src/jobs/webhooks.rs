//! Automatic provisioning: AMPS POSTs each due task to its application's webhook, signed with
//! HMAC-SHA256 and carrying an idempotency key; failures are retried with exponential
//! backoff, and after `MAX_ATTEMPTS` the task becomes a manual one for the provisioners.
//! Each delivery is claimed with a compare-and-set, so replicas never deliver it twice at once.

use crate::domain::provisioning::{ProvisioningMode, ProvisioningStatus};
use crate::service::provisioning::finish;
use crate::service::views::name_of;
use crate::service::{Ctx, Result};
use crate::service::{load_saar, load_user};
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{application, provisioning_task, role};
use amps_openapi::CompleteProvisioningRequest;
use chrono::Duration;
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use serde_json::json;
use sha2::Sha256;

/// Deliveries tried before a task falls back to manual provisioning.
pub const MAX_ATTEMPTS: i32 = 5;

/// The `X-AMPS-Signature` of `body` sent at `timestamp`: `t=<unix>,v1=<hex HMAC-SHA256 of
/// "<unix>.<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub failed: usize,
    pub fell_back: usize,
}

/// Delivers the due automatic provisioning tasks.
pub async fn tick(ctx: &Ctx, http: &reqwest::Client) -> Result<Round> {
    let now = ctx.clock.now();
    let mut round = Round::default();
    let due = provisioning_task::Entity::find()
        .filter(provisioning_task::Column::Mode.eq(ProvisioningMode::Automatic))
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .filter(provisioning_task::Column::NextAttemptAt.lte(now))
        .order_by_asc(provisioning_task::Column::NextAttemptAt)
        .limit(50)
        .all(&ctx.db)
        .await?;
    for t in due {
        // Claim: push the next attempt out by a lease; only one replica wins.
        let claimed = provisioning_task::Entity::update_many()
            .col_expr(
                provisioning_task::Column::NextAttemptAt,
                Expr::value(now + Duration::minutes(2)),
            )
            .filter(provisioning_task::Column::Id.eq(t.id))
            .filter(provisioning_task::Column::Mode.eq(ProvisioningMode::Automatic))
            .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
            .filter(provisioning_task::Column::NextAttemptAt.eq(t.next_attempt_at))
            .exec(&ctx.db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let app = application::Entity::find_by_id(t.application_id)
            .one(&ctx.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("application missing"))?;
        let r = role::Entity::find_by_id(t.role_id)
            .one(&ctx.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("role missing"))?;
        let s = load_saar(&ctx.db, t.saar_id).await?;
        let u = load_user(&ctx.db, t.user_id).await?;
        let key = t.idempotency_key.clone().unwrap_or_else(|| t.id.to_string());
        let body = json!({
            "idempotency_key": key,
            "task_id": t.id,
            "action": t.kind.as_str(),
            "saar": s.number,
            "user": {"id": u.id, "user_id": u.login, "name": name_of(&u), "email": u.email},
            "role": {"id": r.id, "name": r.name, "environment": r.environment, "application": app.code},
        })
        .to_string();
        let ts = now.timestamp();
        let sig = signature(
            app.webhook_secret.as_deref().unwrap_or_default(),
            ts,
            body.as_bytes(),
        );
        let outcome = match app.webhook_url.as_deref() {
            None => Err("the application has no webhook URL".to_string()),
            Some(url) => match http
                .post(url)
                .header("content-type", "application/json")
                .header("idempotency-key", &key)
                .header("x-amps-signature", &sig)
                .body(body)
                .timeout(std::time::Duration::from_secs(15))
                .send()
                .await
            {
                Ok(resp) if resp.status().is_success() => Ok(()),
                Ok(resp) => Err(format!("the webhook answered HTTP {}", resp.status().as_u16())),
                Err(e) => Err(format!("the webhook could not be reached: {e}")),
            },
        };
        let txn = ctx.db.begin().await?;
        let system = Actor {
            id: None,
            label: format!("webhook:{}", app.code),
            ip: None,
        };
        match outcome {
            Ok(()) => {
                finish(
                    ctx,
                    &txn,
                    &system,
                    &t,
                    None,
                    &CompleteProvisioningRequest {
                        note: Some("Provisioned by the application's webhook".into()),
                    },
                )
                .await?;
                round.delivered += 1;
            }
            Err(error) => {
                let attempts = t.attempts + 1;
                let fall_back = attempts >= MAX_ATTEMPTS;
                let backoff = Duration::seconds(30 * 2_i64.pow(attempts.clamp(0, 12) as u32));
                provisioning_task::Entity::update_many()
                    .col_expr(provisioning_task::Column::Attempts, Expr::value(attempts))
                    .col_expr(provisioning_task::Column::LastError, Expr::value(error.clone()))
                    .col_expr(
                        provisioning_task::Column::Mode,
                        Expr::value(if fall_back {
                            ProvisioningMode::Manual
                        } else {
                            ProvisioningMode::Automatic
                        }),
                    )
                    .col_expr(
                        provisioning_task::Column::NextAttemptAt,
                        Expr::value(if fall_back { None } else { Some(now + backoff) }),
                    )
                    .filter(provisioning_task::Column::Id.eq(t.id))
                    .exec(&txn)
                    .await?;
                audit::append(
                    &txn,
                    now,
                    NewEvent {
                        actor: &system,
                        action: if fall_back {
                            "provisioning.webhook_gave_up"
                        } else {
                            "provisioning.webhook_failed"
                        },
                        target: Some(format!("saar:{}", s.id)),
                        details: json!({"number": s.number, "attempts": attempts, "error": error}),
                    },
                )
                .await?;
                if fall_back {
                    round.fell_back += 1;
                } else {
                    round.failed += 1;
                }
            }
        }
        txn.commit().await?;
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_and_body() {
        // Known answer, computed with Python's hmac: HMAC-SHA256("key", "1700000000.{}").
        let s = signature("key", 1_700_000_000, b"{}");
        assert_eq!(
            s,
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        assert_ne!(s, signature("other key", 1_700_000_000, b"{}"));
        assert_ne!(s, signature("key", 1_700_000_001, b"{}"));
    }
}
