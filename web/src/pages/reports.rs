//! `/reports`: My Reports, for internal users holding the Reports role: pick a report, filter it
//! by organization, application and period, read it as a table (sorted by any column, more rows
//! on demand) with a chart where one reads better than numbers (workload, pending steps by
//! level and age, campaign progress, accounts), and download it as CSV.

use crate::api::{self, Session};
use crate::components::{Page, Status};
use amps_openapi::{ReportInfo, ReportQuery, ReportResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use std::collections::BTreeMap;

/// The bars a report is drawn as: (label, value), when it has a chart.
fn bars(r: &ReportResponse) -> Option<(String, Vec<(String, i64)>)> {
    let col = |key: &str| r.columns.iter().position(|c| c.key == key);
    let number = |s: &str| s.parse::<i64>().unwrap_or(0);
    match r.name.as_str() {
        "approver-workload" => {
            let (name, open) = (col("name")?, col("open")?);
            Some((
                "Open tasks per approver".into(),
                r.rows
                    .iter()
                    .map(|row| (row[name].clone(), number(&row[open])))
                    .collect(),
            ))
        }
        "pending-saars" => {
            let (kind, age) = (col("kind")?, col("age_days")?);
            let mut by: BTreeMap<String, i64> = BTreeMap::new();
            for row in &r.rows {
                let band = match number(&row[age]) {
                    0..=2 => "0-2 days",
                    3..=7 => "3-7 days",
                    _ => "over 7 days",
                };
                *by.entry(format!("{} ({band})", row[kind])).or_default() += 1;
            }
            Some((
                "Pending steps by level and age (rows shown)".into(),
                by.into_iter().collect(),
            ))
        }
        "revalidation-progress" => {
            let (campaign, status, n) = (col("campaign")?, col("status")?, col("reviews")?);
            Some((
                "Reviews per campaign and where they stand".into(),
                r.rows
                    .iter()
                    .map(|row| (format!("{}: {}", row[campaign], row[status]), number(&row[n])))
                    .collect(),
            ))
        }
        "accounts" => {
            let (org, status, n) = (col("organization")?, col("status")?, col("accounts")?);
            Some((
                "Accounts by organization and status".into(),
                r.rows
                    .iter()
                    .map(|row| (format!("{} {}", row[org], row[status]), number(&row[n])))
                    .collect(),
            ))
        }
        _ => None,
    }
}

/// My Reports.
#[component]
pub fn Reports() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<ReportInfo>::new());
    let chosen = RwSignal::new(String::new());
    let organization = RwSignal::new(String::new());
    let application = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let report = RwSignal::new(None::<ReportResponse>);
    let next = RwSignal::new(None::<String>);
    let sort = RwSignal::new(None::<(usize, bool)>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let query = move |cursor: Option<String>| {
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|t| !t.is_empty());
        ReportQuery {
            organization: text(organization),
            application: text(application),
            from: crate::fmt::day_start(&from.get_untracked()),
            to: crate::fmt::day_start(&to.get_untracked()).map(|d| d + chrono::Duration::days(1)),
            limit: Some(100),
            cursor,
        }
    };
    let fetch = move |cursor: Option<String>| {
        let name = chosen.get_untracked();
        if name.is_empty() {
            return;
        }
        let q = query(cursor.clone());
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let (name, q) = (name.clone(), q.clone());
                async move { c.report(&name, &q).await }
            })
            .await
            {
                Ok(page) => {
                    next.set(page.next_cursor.clone());
                    if cursor.is_some() {
                        report.update(|r| {
                            if let Some(r) = r {
                                r.rows.extend(page.rows);
                            }
                        });
                    } else {
                        sort.set(None);
                        report.set(Some(page));
                    }
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    if session.signed_in() {
        spawn_local(async move {
            match api::call(session, |c| async move { c.reports().await }).await {
                Ok(l) => {
                    if let Some(first) = l.first() {
                        chosen.set(first.name.clone());
                    }
                    list.set(l);
                    fetch(None);
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    }
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        fetch(None);
    };
    let download = move |_| {
        let name = chosen.get_untracked();
        let q = query(None);
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            let file = format!("amps-{name}.csv");
            // The rows so far, told as they arrive (a long report takes a while).
            status.set(Some("Downloading: 0 rows so far…".into()));
            let so_far = move |rows: usize| status.set(Some(format!("Downloading: {rows} rows so far…")));
            match api::call(session, move |c| {
                let (name, q) = (name.clone(), q.clone());
                async move { c.export_report_with_progress(&name, &q, so_far).await }
            })
            .await
            {
                Ok(csv) => {
                    let rows = csv.lines().count().saturating_sub(1);
                    if api::save_file(csv.as_bytes(), &file, "text/csv") {
                        status.set(Some(format!("Downloaded {rows} rows as CSV.")));
                    } else {
                        alert.set(Some("The browser refused the download.".into()));
                    }
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let description = move || {
        let name = chosen.get();
        list.get()
            .into_iter()
            .find(|r| r.name == name)
            .map(|r| r.description)
            .unwrap_or_default()
    };
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="My Reports" alert=alert>
                <Status msg=status/>
                <form class="filters" role="search" aria-label="Report" on:submit=run>
                    <div class="field">
                        <label for="r-name">"Report"</label>
                        <select id="r-name" on:change=move |ev| chosen.set(event_target_value(&ev)) prop:value=chosen>
                            {move || list.get().into_iter().map(|r| view! { <option value=r.name.clone()>{r.title}</option> }).collect_view()}
                        </select>
                        <p class="hint">{description}</p>
                    </div>
                    <div class="field">
                        <label for="r-org">"Organization code"</label>
                        <input id="r-org" type="text" bind:value=organization/>
                    </div>
                    <div class="field">
                        <label for="r-app">"Application code"</label>
                        <input id="r-app" type="text" bind:value=application/>
                    </div>
                    <div class="field">
                        <label for="r-from">"From"</label>
                        <input id="r-from" type="date" bind:value=from/>
                    </div>
                    <div class="field">
                        <label for="r-to">"To"</label>
                        <input id="r-to" type="date" bind:value=to/>
                    </div>
                    <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Working…" } else { "Run the report" }}</button>
                </form>
                <div class="actions">
                    <button type="button" class="secondary" disabled=move || busy.get() || report.get().is_none() on:click=download>"Download CSV"</button>
                </div>
                <p role="status" class="sr-only">{move || report.get().map(|r| format!("{} rows shown", r.rows.len())).unwrap_or_default()}</p>
                {move || report.get().and_then(|r| bars(&r)).filter(|(_, b)| !b.is_empty()).map(|(title, b)| {
                    let max = b.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
                    view! {
                        <figure class="chart">
                            <figcaption>{title}</figcaption>
                            <ul aria-hidden="true">
                                {b.into_iter().map(|(label, v)| view! {
                                    <li>
                                        <span class="bar-label">{label}</span>
                                        <meter min="0" max=max value=v></meter>
                                        <span class="bar-value">{v}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <p class="sr-only">"The table below holds the same figures."</p>
                        </figure>
                    }
                })}
                {move || report.get().map(|r| {
                    if r.rows.is_empty() {
                        return view! { <p>"No row matches."</p> }.into_any();
                    }
                    let mut rows = r.rows.clone();
                    let numeric: Vec<bool> = r.columns.iter().map(|c| c.kind == "number").collect();
                    if let Some((col, asc)) = sort.get() {
                        rows.sort_by(|a, b| {
                            let o = if numeric[col] {
                                a[col].parse::<i64>().unwrap_or(0).cmp(&b[col].parse::<i64>().unwrap_or(0))
                            } else {
                                a[col].cmp(&b[col])
                            };
                            if asc { o } else { o.reverse() }
                        });
                    }
                    view! {
                        <div class="scroll">
                            <table>
                                <caption class="sr-only">{r.title.clone()}</caption>
                                <thead><tr>
                                    {r.columns.iter().enumerate().map(|(i, c)| {
                                        let label = c.label.clone();
                                        let state = move || match sort.get() {
                                            Some((col, true)) if col == i => "ascending",
                                            Some((col, false)) if col == i => "descending",
                                            _ => "none",
                                        };
                                        view! {
                                            <th scope="col" aria-sort=state>
                                                <button type="button" class="link" on:click=move |_| sort.update(|s| {
                                                    *s = match *s {
                                                        Some((col, true)) if col == i => Some((i, false)),
                                                        _ => Some((i, true)),
                                                    };
                                                })>{label.clone()}<span class="sr-only">", sort"</span></button>
                                            </th>
                                        }
                                    }).collect_view()}
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                })}
                <Show when=move || next.get().is_some()>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| fetch(next.get_untracked())>"Show more rows"</button>
                </Show>
            </Page>
        }
        .into_any()
    }
}
