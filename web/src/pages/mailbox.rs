//! `/mailbox`: the development mailbox (when the server has no SMTP relay).

use crate::api;
use crate::components::Page;
use amps_openapi::MailboxMessage;
use leptos::prelude::*;
use leptos::task::spawn_local;

fn links(body: &str) -> Vec<String> {
    body.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_string)
        .collect()
}

/// Local path of an AMPS link, so it opens inside this app.
fn local(link: &str) -> String {
    url::Url::parse(link)
        .map(|u| {
            format!(
                "{}{}",
                u.path(),
                u.query().map(|q| format!("?{q}")).unwrap_or_default()
            )
        })
        .unwrap_or_else(|_| link.to_string())
}

/// Development mailbox.
#[component]
pub fn Mailbox() -> impl IntoView {
    let messages = RwSignal::new(None::<Vec<MailboxMessage>>);
    let alert = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::anonymous().mailbox().await {
                Ok(m) => messages.set(Some(m.messages)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    load();
    view! {
        <Page title="Development mailbox" alert=alert>
            <p>"Mail AMPS would send, shown here because no SMTP relay is configured."</p>
            <button type="button" on:click=move |_| load()>"Refresh"</button>
            {move || messages.get().map(|list| {
                if list.is_empty() {
                    return view! { <p role="status">"No messages yet."</p> }.into_any();
                }
                view! {
                    <ul class="mail">
                        {list.into_iter().map(|m| {
                            let found = links(&m.body);
                            view! {
                                <li>
                                    <article aria-label=format!("{} to {}", m.subject, m.to)>
                                        <h2>{m.subject.clone()}</h2>
                                        <p class="meta">"To: "{m.to.clone()}" · "{crate::fmt::date_time(&m.created_at) + " UTC"}</p>
                                        <pre>{m.body.clone()}</pre>
                                        {found.into_iter().map(|l| view! { <p><a href=local(&l)>{format!("Open link: {}", local(&l).split('?').next().unwrap_or_default())}</a></p> }).collect_view()}
                                    </article>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </Page>
    }
}
