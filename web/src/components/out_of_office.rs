//! Out of office in My Information: name a deputy who acts on my approvals for a period (from
//! the first day's start to the last day's end, UTC), see the arrangement, and end it early.
//! While the period runs, my open approval tasks are the deputy's; they come back when it ends.

use crate::api::{self, Session};
use crate::components::{Alert, Field, FormErrors, Status};
use crate::fmt;
use amps_openapi::{DeputyResponse, FieldError, SetDeputyRequest};
use chrono::Duration;
use leptos::prelude::*;
use leptos::task::spawn_local;
use validator::Validate;

fn invalid(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: "invalid".into(),
        message: message.into(),
    }
}

/// The API's field names as this form's.
fn ours(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "starts_at" => "deputy_from".into(),
                "ends_at" => "deputy_to".into(),
                other => other.into(),
            };
            e
        })
        .collect()
}

/// The Out of office section.
#[component]
pub fn OutOfOffice() -> impl IntoView {
    let session = Session::get();
    let current = RwSignal::new(None::<Option<DeputyResponse>>);
    let deputy = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        match api::call(session, |c| async move { c.me().await }).await {
            Ok(m) => current.set(Some(m.deputy)),
            Err(e) => alert.set(Some(api::message(&e))),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(None);
        let mut errs = Vec::new();
        let starts = crate::fmt::day_start(&from.get_untracked());
        let ends = crate::fmt::day_start(&to.get_untracked()).map(|d| d + Duration::days(1));
        if starts.is_none() {
            errs.push(invalid("deputy_from", "enter the first day"));
        }
        if ends.is_none() {
            errs.push(invalid("deputy_to", "enter the last day"));
        }
        let (Some(starts_at), Some(ends_at)) = (starts, ends) else {
            crate::components::mark_invalid(alert, errors, errs);
            return;
        };
        let req = SetDeputyRequest {
            deputy: deputy.get_untracked().trim().to_string(),
            starts_at,
            ends_at,
        };
        if let Err(e) = req.validate() {
            let errs = ours(amps_openapi::rules::field_errors(&e));
            crate::components::mark_invalid(alert, errors, errs);
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let r = req.clone();
                async move { c.set_deputy(&r).await }
            })
            .await
            {
                Ok(d) => {
                    status.set(Some(format!(
                        "{} acts on your approvals from {} to {}.",
                        d.deputy.name,
                        fmt::date(&d.starts_at),
                        fmt::date(&(d.ends_at - Duration::seconds(1)))
                    )));
                    current.set(Some(Some(d)));
                    for f in [deputy, from, to] {
                        f.set(String::new());
                    }
                }
                Err(e) => {
                    errors.set(ours(api::fields(&e)));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    let end = move |_| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            match api::call(session, |c| async move { c.clear_deputy().await }).await {
                Ok(()) => {
                    current.set(Some(None));
                    status.set(Some(
                        "Your deputy arrangement has ended; your approvals are yours again.".into(),
                    ));
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="ooo-h">
            <h2 id="ooo-h">"Out of office"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            {move || match current.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(None) => view! { <p>"No deputy is named: your approvals wait for you."</p> }.into_any(),
                Some(Some(d)) => view! {
                    <p>{format!(
                        "{} ({}) acts on your approvals from {} to {} (UTC).",
                        d.deputy.name,
                        d.deputy.user_id,
                        fmt::date(&d.starts_at),
                        fmt::date(&(d.ends_at - Duration::seconds(1)))
                    )}</p>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=end>"End the deputy arrangement"</button>
                }.into_any(),
            }}
            <form aria-label="Name a deputy" on:submit=submit novalidate>
                <Field label="Deputy's User ID" name="deputy" value=deputy errors=errors required=true hint="Someone who may approve in your place; naming a new deputy replaces the current one."/>
                <Field label="First day away" name="deputy_from" value=from errors=errors kind="date" required=true/>
                <Field label="Last day away" name="deputy_to" value=to errors=errors kind="date" required=true/>
                <button type="submit" disabled=move || busy.get()>"Name the deputy"</button>
            </form>
        </section>
    }
}
