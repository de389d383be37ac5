//! Tabs (WAI-ARIA tabs pattern): a tablist whose arrow, Home and End keys move between tabs,
//! one tab in the tab order, and the selected tab kept in the URL (`?tab=`) so links and
//! reloads open the same tab.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::JsCast;

/// The selected tab's key, from `?tab=` (the first key when absent or unknown).
pub fn selected_tab(keys: Signal<Vec<(&'static str, &'static str)>>) -> Memo<&'static str> {
    let query = use_query_map();
    Memo::new(move |_| {
        let want = query.with(|q| q.get("tab")).unwrap_or_default();
        let keys = keys.get();
        keys.iter()
            .find(|(k, _)| *k == want)
            .or(keys.first())
            .map(|(k, _)| *k)
            .unwrap_or("")
    })
}

/// A tablist. `tabs` are (key, label); panels use `tab_ids(key)` for their ids.
#[component]
pub fn TabList(
    /// Accessible name of the tablist.
    label: &'static str,
    /// The page's path (the tab goes in its query).
    path: &'static str,
    /// (key, label) of each tab.
    tabs: Signal<Vec<(&'static str, &'static str)>>,
    /// The selected key.
    selected: Memo<&'static str>,
) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |key: &str, focus: bool| {
        navigate(&format!("{path}?tab={key}"), Default::default());
        if focus
            && let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&tab_ids(key).0))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    };
    let keydown = {
        let go = go.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let keys: Vec<&str> = tabs.get_untracked().iter().map(|(k, _)| *k).collect();
            let Some(i) = keys.iter().position(|k| *k == selected.get_untracked()) else {
                return;
            };
            let n = keys.len();
            let next = match ev.key().as_str() {
                "ArrowRight" => (i + 1) % n,
                "ArrowLeft" => (i + n - 1) % n,
                "Home" => 0,
                "End" => n - 1,
                _ => return,
            };
            ev.prevent_default();
            go(keys[next], true);
        }
    };
    view! {
        <div class="tabs" role="tablist" aria-label=label on:keydown=keydown>
            {move || tabs.get().into_iter().map(|(key, text)| {
                let go = go.clone();
                let (tab_id, panel_id) = tab_ids(key);
                view! {
                    <button
                        type="button"
                        role="tab"
                        id=tab_id
                        aria-controls=panel_id
                        aria-selected=move || if selected.get() == key { "true" } else { "false" }
                        tabindex=move || if selected.get() == key { "0" } else { "-1" }
                        on:click=move |_| go(key, false)
                    >
                        {text}
                    </button>
                }
            }).collect_view()}
        </div>
    }
}

/// The ids of a tab and its panel.
pub fn tab_ids(key: &str) -> (String, String) {
    (format!("tab-{key}"), format!("panel-{key}"))
}
