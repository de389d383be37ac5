//! How a form that sends one change reports it: checks the shared field rules first, shows
//! progress while the change is sent, then the confirmation or the reason for a refusal.

use crate::api::{self, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use validator::Validate;

/// Where a form reports: `busy` while its change is sent, the confirmation in
/// `status`, the reason for a refusal in `alert`.
#[derive(Clone, Copy)]
pub struct Report {
    pub session: Session,
    pub busy: RwSignal<bool>,
    pub status: RwSignal<Option<String>>,
    pub alert: RwSignal<Option<String>>,
}

impl Report {
    /// False (with the reasons in `alert`) when `req` breaks the shared field rules.
    pub fn valid(&self, req: &impl Validate) -> bool {
        match req.validate() {
            Ok(()) => true,
            Err(e) => {
                self.alert
                    .set(Some(describe(&amps_openapi::rules::field_errors(&e))));
                false
            }
        }
    }

    /// Sends one change with `call`; on success `done` turns the answer into the confirmation
    /// (and does what follows, such as reloading); on failure the alert says why, after
    /// `what` when given.
    pub fn send<T, F, Fut>(self, what: Option<String>, call: F, done: impl FnOnce(T) -> String + 'static)
    where
        T: 'static,
        F: Fn(amps_openapi::Client) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<T, amps_openapi::ClientError>> + 'static,
    {
        self.busy.set(true);
        spawn_local(async move {
            let r = api::call(self.session, call).await;
            self.busy.set(false);
            match r {
                Ok(x) => {
                    self.alert.set(None);
                    self.status.set(Some(done(x)));
                }
                Err(e) => {
                    let why = api::message(&e) + &fields_text(&e);
                    self.alert.set(Some(match &what {
                        Some(w) => format!("{w}: {why}"),
                        None => why,
                    }));
                }
            }
        });
    }
}

fn describe(errors: &[amps_openapi::FieldError]) -> String {
    errors
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn fields_text(e: &amps_openapi::ClientError) -> String {
    let f = api::fields(e);
    if f.is_empty() {
        String::new()
    } else {
        format!(" ({})", describe(&f))
    }
}
