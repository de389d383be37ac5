//! Automatic provisioning: AMPS POSTs each due task to its application's webhook, signed with
//! HMAC-SHA256 (`notify::webhook`) and carrying an idempotency key; failures are retried with
//! exponential backoff, and after `MAX_ATTEMPTS` the task becomes a manual one for the
//! provisioners. The job does the HTTP; claiming a delivery and recording its outcome are use
//! cases (`service::provisioning`), and the claim is a compare-and-set, so replicas never
//! deliver a task twice at once.

use crate::service::provisioning::{self, Delivered};
use crate::service::{Ctx, Result};

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub failed: usize,
    pub fell_back: usize,
}

/// `e` and its causes, as one line (the cause says why: e.g. a name that resolves only to
/// private addresses).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Delivers the due automatic provisioning tasks.
pub async fn tick(ctx: &Ctx, http: &reqwest::Client) -> Result<Round> {
    let mut round = Round::default();
    for t in provisioning::webhooks_due(ctx, 50).await? {
        let Some(d) = provisioning::claim_webhook(ctx, &t).await? else {
            continue;
        };
        let allowed = &ctx.settings.webhook_networks;
        let outcome = match d.url.as_deref() {
            None => Err("the application has no webhook URL".to_string()),
            Some(url) => match crate::notify::outbound::check_url(url, allowed) {
                Err(why) => Err(format!("the webhook URL {why}")),
                Ok(()) => match http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", &d.key)
                    .header("x-amps-signature", &d.signature)
                    .body(d.body.clone())
                    .timeout(std::time::Duration::from_secs(15))
                    .send()
                    .await
                {
                    Ok(resp) if resp.status().is_success() => Ok(()),
                    Ok(resp) => Err(format!("the webhook answered HTTP {}", resp.status().as_u16())),
                    Err(e) => Err(format!("the webhook could not be reached: {}", chain(&e))),
                },
            },
        };
        match provisioning::record_webhook(ctx, &d, outcome).await? {
            Delivered::Done => round.delivered += 1,
            Delivered::Failed => round.failed += 1,
            Delivered::FellBack => round.fell_back += 1,
        }
    }
    Ok(round)
}
