//! Email: message texts, and the SMTP delivery of the outbox.

pub mod mailer;
pub mod outbound;
pub mod templates;
pub mod webhook;
