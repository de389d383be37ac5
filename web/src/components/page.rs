//! A page: one `<h1>` that receives focus when the page opens (so screen readers announce
//! it), the top-of-form message, and the content.

use crate::components::Alert;
use leptos::html::H1;
use leptos::prelude::*;

/// A page with a focused heading and an optional alert message.
#[component]
pub fn Page(
    /// The page title (also the document title).
    title: &'static str,
    /// An error or status message shown at the top.
    #[prop(optional)]
    alert: Option<RwSignal<Option<String>>>,
    children: Children,
) -> impl IntoView {
    let h1: NodeRef<H1> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = h1.get() {
            let _ = el.focus();
        }
    });
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{title} - AMPS"));
    }
    view! {
        <section class="page">
            <h1 tabindex="-1" node_ref=h1>{title}</h1>
            {alert.map(|a| view! {
                <Alert msg=a/>
            })}
            {children()}
        </section>
    }
}
