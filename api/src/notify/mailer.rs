//! SMTP delivery of the outbox (lettre). The sender job claims due messages with a lease, so
//! several replicas never send the same message twice while both are alive.

use crate::clock::Clock;
use crate::config::SmtpSettings;
use crate::store::{self, entities::outbox};
use chrono::Duration;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// Sends mail through one SMTP relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for the relay in `smtp`.
    pub fn new(smtp: &SmtpSettings, from: &str) -> anyhow::Result<Self> {
        let mut builder = if smtp.implicit_tls {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?
        } else if smtp.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?
        } else {
            // Plain SMTP: for a relay on loopback or a trusted network.
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        };
        builder = builder
            .port(smtp.port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.expose_secret().to_string()));
        }
        Ok(Self {
            transport: builder.build(),
            from: from.parse()?,
        })
    }

    async fn send(&self, msg: &outbox::Model) -> anyhow::Result<()> {
        let email = Message::builder()
            .from(self.from.clone())
            .to(msg.recipient.parse()?)
            .subject(&msg.subject)
            .message_id(Some(format!("<{}@amps>", msg.id)))
            .body(msg.body.clone())?;
        self.transport.send(email).await?;
        Ok(())
    }

    /// Delivers what is due, up to 50 messages; returns how many were sent. Each message is
    /// claimed (for `lease`) just before it is sent and marked sent just after, so a replica
    /// that dies holds back at most the one message it was sending, until its lease runs out
    /// (and sends it a second time only if it died between the relay's answer and the mark:
    /// the copies share their `Message-ID`).
    pub async fn deliver_due(
        &self,
        db: &DatabaseConnection,
        clock: &Arc<dyn Clock>,
        lease: Duration,
    ) -> anyhow::Result<usize> {
        let mut sent = 0;
        for _ in 0..50 {
            let Some(msg) = store::outbox::claim_next(db, clock.now(), lease).await? else {
                break;
            };
            match self.send(&msg).await {
                Ok(()) => {
                    store::outbox::mark_sent(db, msg.id, clock.now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(message_id = %msg.id, error = %e, "email delivery failed");
                    store::outbox::mark_failed(db, &msg, clock.now(), &e.to_string(), MAX_ATTEMPTS).await?;
                }
            }
        }
        Ok(sent)
    }
}
