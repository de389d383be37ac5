//! `/`: sends people to My Information or to sign-in.

use crate::api::Session;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Home.
#[component]
pub fn Home() -> impl IntoView {
    let session = Session::get();
    move || {
        if session.signed_in() {
            view! { <Redirect path="/me"/> }.into_any()
        } else {
            view! { <Redirect path="/sign-in"/> }.into_any()
        }
    }
}
