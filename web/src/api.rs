//! The only place that calls the server: the `amps-openapi` client bound to this origin and
//! the session's access token, with one transparent refresh when the token has expired.

use amps_openapi::{Client, ClientError, FieldError};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;
use url::Url;

/// The signed-in state shared by every page.
#[derive(Clone, Copy)]
pub struct Session {
    /// The access token, if signed in.
    pub token: RwSignal<Option<String>>,
    /// Whether a token is held; changes only on signing in and out, not on a renewal, so
    /// pages that draw themselves from it keep their state (a form half filled, recovery
    /// codes shown once) when the token is renewed.
    pub signed: Memo<bool>,
    /// The signed-in user's User ID and name, for the header.
    pub who: RwSignal<Option<(String, String)>>,
    /// False until the start-up refresh has answered.
    pub ready: RwSignal<bool>,
    /// Open approvals waiting on the user (the badge).
    pub open_approvals: RwSignal<i64>,
    /// AMPS administrative roles the user holds (what the navigation shows).
    pub admin_roles: RwSignal<Vec<String>>,
    /// Why this sign-in must set up (or confirm) a second factor before anything else.
    pub second_factor_needed: RwSignal<Option<String>>,
}

impl Session {
    /// The session from context.
    pub fn get() -> Self {
        expect_context::<Session>()
    }

    /// Whether the user holds one of these AMPS administrative roles (what the navigation
    /// shows; the server decides what they may do).
    pub fn has_any(&self, roles: &[&str]) -> bool {
        self.admin_roles
            .with(|held| held.iter().any(|r| roles.contains(&r.as_str())))
    }

    /// Whether someone is signed in.
    pub fn signed_in(&self) -> bool {
        self.signed.get()
    }
}

fn origin() -> Url {
    let href = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    Url::parse(&format!("{href}/"))
        .unwrap_or_else(|_| Url::parse("http://127.0.0.1:8080/").unwrap_or_else(|_| unreachable!()))
}

/// A client without a token.
pub fn anonymous() -> Client {
    Client::new(origin())
}

/// A client carrying the session's token.
pub fn client(session: Session) -> Client {
    let mut c = anonymous();
    c.set_token(session.token.get_untracked());
    c
}

/// Restores a session from the refresh cookie, if any.
pub async fn restore(session: Session) {
    let mut c = anonymous();
    if let Ok(t) = c.refresh().await {
        session.token.set(Some(t.access_token));
        if let Ok(me) = c.me().await {
            session
                .who
                .set(Some((me.user_id, format!("{} {}", me.first_name, me.last_name))));
            session.admin_roles.set(me.admin_roles);
            session.second_factor_needed.set(me.second_factor_needed);
        }
        refresh_badge(session).await;
    }
    session.ready.set(true);
}

/// Reloads the open-approvals count.
pub async fn refresh_badge(session: Session) {
    if session.second_factor_needed.with_untracked(Option::is_some) {
        return;
    }
    if let Ok(n) = call(session, |c| async move { c.approvals_count().await }).await {
        session.open_approvals.set(n.open + n.revalidations);
    }
}

/// Calls `f` with the session's client; on 401 refreshes once and retries.
pub async fn call<T, F, Fut>(session: Session, f: F) -> Result<T, ClientError>
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    match f(client(session)).await {
        Err(e) if e.status() == Some(401) && session.token.get_untracked().is_some() => {
            if renew(session).await {
                f(client(session)).await
            } else {
                Err(e)
            }
        }
        other => other,
    }
}

thread_local! {
    /// The renewal under way, if any: every call that finds its token expired waits for this
    /// one instead of presenting the same refresh cookie again (a second use of a rotated
    /// refresh token ends the whole sign-in, as reuse of a stolen one would).
    static RENEWING: std::cell::RefCell<Option<Shared<LocalBoxFuture<'static, bool>>>> =
        const { std::cell::RefCell::new(None) };
}

/// Trades the refresh cookie for a new access token, once for all the calls that need it at
/// the same moment; on failure the session ends. Kept out of the generic [`call`], so it
/// exists once in the program.
pub async fn renew(session: Session) -> bool {
    let renewal = RENEWING.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(|| {
                async move {
                    let ok = renew_once(session).await;
                    RENEWING.with(|r| r.borrow_mut().take());
                    ok
                }
                .boxed_local()
                .shared()
            })
            .clone()
    });
    renewal.await
}

async fn renew_once(session: Session) -> bool {
    match anonymous().refresh().await {
        Ok(t) => {
            session.token.set(Some(t.access_token));
            true
        }
        Err(_) => {
            session.token.set(None);
            session.who.set(None);
            false
        }
    }
}

/// A message for the top of a form, in words a user understands.
pub fn message(e: &ClientError) -> String {
    match e {
        ClientError::Api(p) => p.detail.clone().unwrap_or_else(|| p.title.clone()),
        ClientError::Transport(_) => {
            "The server could not be reached. Check your connection and try again.".into()
        }
        ClientError::Decode { status, .. } => {
            format!("The server gave an unexpected answer (HTTP {status}). Try again later.")
        }
    }
}

/// The field errors of a problem, if any.
pub fn fields(e: &ClientError) -> Vec<FieldError> {
    e.problem().map(|p| p.errors.clone()).unwrap_or_default()
}

/// Offers `bytes` to the user as a file download named `name`. False if the browser refused.
pub fn save_file(bytes: &[u8], name: &str, content_type: &str) -> bool {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return false;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return false;
    };
    let saved = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .map(|a| {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        })
        .is_some();
    let _ = web_sys::Url::revoke_object_url(&url);
    saved
}
