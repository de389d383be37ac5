//! Any unknown page.

use crate::components::Page;
use leptos::prelude::*;

/// Not found.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Page title="Page not found">
            <p>"There is no such page. "<a href="/">"Go to the start page"</a>"."</p>
        </Page>
    }
}
