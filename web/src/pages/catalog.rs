//! `/catalog`: catalog administration for administrators and role-catalog owners:
//! applications (list, add), roles (add; search the whole catalog; change visibility, who may
//! request, IT level, chain, prerequisites, expiration), approval groups (members; add), and
//! segregation-of-duties rules (list, add).

use super::catalog_groups::ApprovalGroups;
use crate::api::{self, Session};
use crate::components::{Page, PersonPicker, Report, Status};
use amps_openapi::{
    ApplicationResponse, ApprovalGroupResponse, ChainLevel, CreateApplicationRequest, CreateRoleRequest,
    CreateSodRuleRequest, OrganizationResponse, ProvisioningMode, RenewalApprover, Requestable, RoleResponse,
    SodRuleResponse, UpdateRoleRequest, UserSummaryResponse,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

#[derive(Clone, Default)]
struct Catalog {
    apps: Vec<ApplicationResponse>,
    roles: Vec<RoleResponse>,
    groups: Vec<ApprovalGroupResponse>,
    rules: Vec<SodRuleResponse>,
    orgs: Vec<OrganizationResponse>,
}

fn role_label(r: &RoleResponse) -> String {
    format!("{} ({}, {})", r.name, r.application, r.environment)
}

/// The chain as the form shows it: `supervisor, security_officer, group:Name`.
fn chain_text(chain: &[ChainLevel], groups: &[ApprovalGroupResponse]) -> String {
    chain
        .iter()
        .map(|l| match l.group_id {
            Some(g) => format!(
                "group:{}",
                groups
                    .iter()
                    .find(|x| x.id == g)
                    .map(|x| x.name.clone())
                    .unwrap_or_default()
            ),
            None => l.kind.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_chain(text: &str, groups: &[ApprovalGroupResponse]) -> Result<Vec<ChainLevel>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix("group:") {
            Some(name) => groups
                .iter()
                .find(|g| g.name == name.trim())
                .map(|g| ChainLevel {
                    kind: "group".into(),
                    group_id: Some(g.id),
                })
                .ok_or_else(|| format!("There is no approval group named {}.", name.trim())),
            None => Ok(ChainLevel {
                kind: s.into(),
                group_id: None,
            }),
        })
        .collect()
}

/// Catalog administration.
#[component]
pub fn CatalogAdmin() -> impl IntoView {
    let session = Session::get();
    let data = RwSignal::new(None::<Catalog>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let role_q = RwSignal::new(String::new());
    let load = move || {
        let q = role_q.get_untracked();
        spawn_local(async move {
            let r = async {
                // The first call refreshes an expired session; the others use its token.
                let roles = api::call(session, move |c| {
                    let q = q.clone();
                    async move { c.catalog_roles(&q).await }
                })
                .await?;
                let c = api::client(session);
                Ok::<_, amps_openapi::ClientError>(Catalog {
                    apps: c.applications().await?,
                    roles,
                    groups: c.approval_groups().await?,
                    rules: c.sod_rules().await?,
                    orgs: c.organizations().await?,
                })
            }
            .await;
            match r {
                Ok(c) => data.set(Some(c)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    if session.signed_in() {
        load();
    }
    // New application.
    let app_code = RwSignal::new(String::new());
    let app_name = RwSignal::new(String::new());
    let app_mode = RwSignal::new("manual".to_string());
    let app_hook = RwSignal::new(String::new());
    let app_busy = RwSignal::new(false);
    let add_app = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let automatic = app_mode.get_untracked() == "automatic";
        let req = CreateApplicationRequest {
            code: app_code.get_untracked().trim().into(),
            name: app_name.get_untracked().trim().into(),
            provisioning_mode: if automatic {
                ProvisioningMode::Automatic
            } else {
                ProvisioningMode::Manual
            },
            webhook_url: Some(app_hook.get_untracked().trim().to_string()).filter(|u| !u.is_empty()),
            provisioner_group_id: None,
        };
        let report = Report {
            session,
            busy: app_busy,
            status,
            alert,
        };
        if !report.valid(&req) {
            return;
        }
        report.send(
            None,
            move |c| {
                let req = req.clone();
                async move { c.create_application(&req).await }
            },
            move |a| {
                app_code.set(String::new());
                app_name.set(String::new());
                load();
                match a.webhook_secret {
                    Some(s) => format!(
                        "Application {} added. Its webhook signing key, shown only now: {s}",
                        a.code
                    ),
                    None => format!("Application {} added.", a.code),
                }
            },
        );
    };
    // New SoD rule.
    let rule_name = RwSignal::new(String::new());
    let rule_roles = RwSignal::new(Vec::<uuid::Uuid>::new());
    let rule_busy = RwSignal::new(false);
    let add_rule = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateSodRuleRequest {
            name: rule_name.get_untracked().trim().into(),
            description: String::new(),
            role_ids: rule_roles.get_untracked(),
        };
        let report = Report {
            session,
            busy: rule_busy,
            status,
            alert,
        };
        if !report.valid(&req) {
            return;
        }
        report.send(
            None,
            move |c| {
                let req = req.clone();
                async move { c.create_sod_rule(&req).await }
            },
            move |r| {
                rule_name.set(String::new());
                load();
                format!("Rule {} added.", r.name)
            },
        );
    };
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Catalog" alert=alert>
                <Status msg=status/>
                <Show when=move || data.get().is_some() fallback=|| view! { <p role="status">"Loading the catalog…"</p> }>
                    <section aria-labelledby="apps-h">
                        <h2 id="apps-h">"Applications"</h2>
                        <table>
                            <caption class="sr-only">"Applications"</caption>
                            <thead><tr><th scope="col">"Code"</th><th scope="col">"Name"</th><th scope="col">"Provisioning"</th></tr></thead>
                            <tbody>
                                {move || data.get().unwrap_or_default().apps.into_iter().map(|a| view! {
                                    <tr><td>{a.code}</td><td>{a.name}</td><td>{a.provisioning_mode.label()}{a.webhook_url.map(|u| format!(" ({u})"))}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <details>
                            <summary>"Add an application"</summary>
                            <form on:submit=add_app novalidate>
                                <div class="field"><label for="a-code">"Code"</label><input id="a-code" bind:value=app_code required/></div>
                                <div class="field"><label for="a-name">"Name"</label><input id="a-name" bind:value=app_name required/></div>
                                <div class="field">
                                    <label for="a-mode">"Provisioning"</label>
                                    <select id="a-mode" on:change=move |ev| app_mode.set(event_target_value(&ev)) prop:value=app_mode>
                                        <option value="manual">"Manual (a provisioner does it)"</option>
                                        <option value="automatic">"Automatic (signed webhook)"</option>
                                    </select>
                                </div>
                                <div class="field"><label for="a-hook">"Webhook URL (automatic only)"</label><input id="a-hook" type="url" bind:value=app_hook/></div>
                                <button type="submit" disabled=move || app_busy.get()>{move || if app_busy.get() { "Adding…" } else { "Add application" }}</button>
                            </form>
                        </details>
                    </section>
                    <section aria-labelledby="roles-h">
                        <h2 id="roles-h">"Roles"</h2>
                        <form class="filters" role="search" aria-label="Catalog roles" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
                            <div class="field"><label for="r-q">"Role or application"</label><input id="r-q" type="search" bind:value=role_q/></div>
                            <button type="submit">"Search roles"</button>
                        </form>
                        {move || data.get().map(|c| view! { <NewRole catalog=c status=status alert=alert on_saved=Callback::new(move |_| load())/> })}
                        <ul class="cards">
                            // Keyed by the role as it is: a reload that brings the same role keeps
                            // its card (and an editor the user has open), a changed one is redrawn.
                            <For
                                each=move || data.get().map(|c| c.roles.iter().map(|r| (r.clone(), c.clone())).collect::<Vec<_>>()).unwrap_or_default()
                                key=|(r, _)| serde_json::to_string(r).unwrap_or_default()
                                children=move |(r, c)| view! { <li><RoleEditor role=r catalog=c status=status alert=alert on_saved=Callback::new(move |_| load())/></li> }
                            />
                        </ul>
                    </section>
                    <ApprovalGroups
                        groups=Signal::derive(move || data.get().map(|c| c.groups).unwrap_or_default())
                        status=status alert=alert on_saved=Callback::new(move |_| load())/>
                    <Show when=move || session.has_any(&["Administrator"])>
                        <super::catalog_orgs::Organizations
                            orgs=Signal::derive(move || data.get().map(|c| c.orgs).unwrap_or_default())
                            status=status alert=alert on_saved=Callback::new(move |_| load())/>
                    </Show>
                    <section aria-labelledby="sod-h">
                        <h2 id="sod-h">"Segregation-of-duties rules"</h2>
                        {move || {
                            let c = data.get().unwrap_or_default();
                            let name_of = |id: &uuid::Uuid| c.roles.iter().find(|r| r.id == *id).map(role_label).unwrap_or_else(|| id.to_string());
                            if c.rules.is_empty() {
                                return view! { <p>"No rules."</p> }.into_any();
                            }
                            view! {
                                <ul class="plain">
                                    {c.rules.iter().map(|r| view! { <li>{format!("{}: no one holds two of {}", r.name, r.role_ids.iter().map(name_of).collect::<Vec<_>>().join(", "))}</li> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <details>
                            <summary>"Add a rule"</summary>
                            <form on:submit=add_rule novalidate>
                                <div class="field"><label for="s-name">"Rule name"</label><input id="s-name" bind:value=rule_name required/></div>
                                <div class="field">
                                    <label for="s-roles">"Roles no one may hold two of (choose two or more)"</label>
                                    <select id="s-roles" multiple size="6" on:change=move |ev| rule_roles.set(selected_values(&ev))>
                                        {move || data.get().unwrap_or_default().roles.into_iter().map(|r| view! { <option value=r.id.to_string()>{role_label(&r)}</option> }).collect_view()}
                                    </select>
                                </div>
                                <button type="submit" disabled=move || rule_busy.get()>{move || if rule_busy.get() { "Adding…" } else { "Add rule" }}</button>
                            </form>
                        </details>
                    </section>
                </Show>
            </Page>
        }
        .into_any()
    }
}

/// One role with its settings form.
#[component]
fn RoleEditor(
    role: RoleResponse,
    catalog: Catalog,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let facts = role.catalog.clone().unwrap_or(amps_openapi::RoleCatalogFacts {
        hidden: false,
        visible_to: vec![],
        mfa_required: false,
        data_owner_id: None,
        iao_id: None,
    });
    let id = role.id;
    let p = format!("role-{id}");
    let description = RwSignal::new(role.description.clone());
    let hidden = RwSignal::new(facts.hidden);
    let visible = RwSignal::new(facts.visible_to.clone());
    let requestable = RwSignal::new(
        match role.requestable_by {
            Requestable::Internal => "internal",
            Requestable::External => "external",
            Requestable::Both => "both",
        }
        .to_string(),
    );
    let it_level = RwSignal::new(role.min_it_level.clone());
    let expiration = RwSignal::new(
        role.default_expiration_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let chain = RwSignal::new(chain_text(&role.chain, &catalog.groups));
    let renewal = RwSignal::new(renewal_value(role.renewal_approver).to_string());
    let prereqs = RwSignal::new(role.prerequisites.iter().map(|r| r.id).collect::<Vec<_>>());
    // A newly chosen data owner or IAO (None keeps the current one).
    let new_owner = RwSignal::new(None::<UserSummaryResponse>);
    let new_iao = RwSignal::new(None::<UserSummaryResponse>);
    let groups = catalog.groups.clone();
    let label = role_label(&role);
    let busy = RwSignal::new(false);
    let save = {
        let label = label.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chain = match parse_chain(&chain.get_untracked(), &groups) {
                Ok(c) => c,
                Err(e) => {
                    alert.set(Some(e));
                    return;
                }
            };
            let days = expiration.get_untracked().trim().to_string();
            let days = if days.is_empty() {
                Some(0)
            } else {
                match days.parse::<i32>() {
                    Ok(d) => Some(d),
                    Err(_) => {
                        alert.set(Some("Expiration must be a number of days (empty: never).".into()));
                        return;
                    }
                }
            };
            let req = UpdateRoleRequest {
                description: Some(description.get_untracked()),
                hidden: Some(hidden.get_untracked()),
                visible_to: Some(visible.get_untracked()),
                requestable_by: Some(match requestable.get_untracked().as_str() {
                    "internal" => Requestable::Internal,
                    "external" => Requestable::External,
                    _ => Requestable::Both,
                }),
                min_it_level: Some(it_level.get_untracked()),
                prerequisites: Some(prereqs.get_untracked()),
                chain: Some(chain),
                default_expiration_days: days,
                data_owner_id: new_owner.get_untracked().map(|u| u.id),
                iao_id: new_iao.get_untracked().map(|u| u.id),
                renewal_approver: Some(renewal_of(&renewal.get_untracked())),
                ..Default::default()
            };
            let report = Report {
                session,
                busy,
                status,
                alert,
            };
            if !report.valid(&req) {
                return;
            }
            let saved = format!("{label} saved.");
            report.send(
                Some(label.clone()),
                move |c| {
                    let req = req.clone();
                    async move { c.update_role(id, &req).await }
                },
                move |_| {
                    on_saved.run(());
                    saved
                },
            );
        }
    };
    let (has_owner, has_iao) = (facts.data_owner_id.is_some(), facts.iao_id.is_some());
    let orgs = catalog.orgs.clone();
    let others: Vec<RoleResponse> = catalog.roles.iter().filter(|r| r.id != id).cloned().collect();
    view! {
        <article class="card" aria-labelledby=format!("{p}-h")>
            <h3 id=format!("{p}-h")>{label.clone()}</h3>
            <p class="meta">{format!(
                "{} · IT level {} · chain: {} · {}",
                if facts.hidden { "hidden".to_string() } else if facts.visible_to.is_empty() { "visible to every organization".to_string() } else { format!("visible to {}", facts.visible_to.join(", ")) },
                role.min_it_level,
                chain_text(&role.chain, &catalog.groups),
                role.default_expiration_days.map(|d| format!("expires after {d} days")).unwrap_or_else(|| "does not expire".into()),
            )}</p>
            <details>
                <summary>{format!("Change {}", role.name)}</summary>
                <form on:submit=save novalidate>
                    <div class="field"><label for=format!("{p}-desc")>"Description"</label><textarea id=format!("{p}-desc") rows="2" bind:value=description></textarea></div>
                    <div class="field check"><input type="checkbox" id=format!("{p}-hidden") bind:checked=hidden/><label for=format!("{p}-hidden")>"Hidden (never listed in searches)"</label></div>
                    <fieldset>
                        <legend>"Visible to (none checked: every organization)"</legend>
                        {orgs.into_iter().map(|o| {
                            let code = o.code.clone();
                            let code2 = o.code.clone();
                            view! {
                                <div class="check">
                                    <input type="checkbox" id=format!("{p}-org-{}", o.code)
                                        prop:checked=move || visible.get().contains(&code)
                                        on:change=move |ev| { let on = event_target_checked(&ev); let c = code2.clone(); visible.update(|v| { v.retain(|x| *x != c); if on { v.push(c); } }); }/>
                                    <label for=format!("{p}-org-{}", o.code)>{format!("{} ({})", o.name, o.code)}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for=format!("{p}-who")>"Who may request it"</label>
                        <select id=format!("{p}-who") on:change=move |ev| requestable.set(event_target_value(&ev)) prop:value=requestable>
                            <option value="both">"Internal and external users"</option>
                            <option value="internal">"Internal users"</option>
                            <option value="external">"External users"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("{p}-it")>"Minimum IT level"</label>
                        <select id=format!("{p}-it") on:change=move |ev| it_level.set(event_target_value(&ev)) prop:value=it_level>
                            <option value="none">"None"</option>
                            <option value="III">"IT-III"</option>
                            <option value="II">"IT-II"</option>
                            <option value="I">"IT-I"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("{p}-chain")>"Approval chain"</label>
                        <p class="hint" id=format!("{p}-chain-hint")>"Levels in order, separated by commas: supervisor, eao, security_officer, data_owner, iao, or group:Group name."</p>
                        <input id=format!("{p}-chain") aria-describedby=format!("{p}-chain-hint") bind:value=chain/>
                    </div>
                    <div class="field">
                        <label for=format!("{p}-pre")>"Prerequisite roles"</label>
                        <select id=format!("{p}-pre") multiple size="4" on:change=move |ev| prereqs.set(selected_values(&ev))>
                            {others.into_iter().map(|o| { let oid = o.id; view! { <option value=o.id.to_string() selected=move || prereqs.get().contains(&oid)>{role_label(&o)}</option> } }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("{p}-exp")>"Expires after (days; empty: never)"</label>
                        <input id=format!("{p}-exp") inputmode="numeric" bind:value=expiration/>
                    </div>
                    <RenewalSelect id=format!("{p}-renewal") value=renewal/>
                    <fieldset>
                        <legend>"Data owner and IAO"</legend>
                        <p role="status">{move || format!(
                            "Data owner: {} · IAO: {}",
                            new_owner.get().map(|u| format!("{} ({}), saved with the role", u.name, u.user_id)).unwrap_or_else(|| if has_owner { "set".into() } else { "none".into() }),
                            new_iao.get().map(|u| format!("{} ({}), saved with the role", u.name, u.user_id)).unwrap_or_else(|| if has_iao { "set".into() } else { "none".into() }),
                        )}</p>
                        <PersonPicker id=format!("{p}-owner") purpose=format!("a data owner for {}", role.name) on_pick=Callback::new(move |u| new_owner.set(Some(u)))/>
                        <PersonPicker id=format!("{p}-iao") purpose=format!("an IAO for {}", role.name) on_pick=Callback::new(move |u| new_iao.set(Some(u)))/>
                    </fieldset>
                    <button type="submit" disabled=move || busy.get()>{let name = role.name.clone(); move || if busy.get() { "Saving…".to_string() } else { format!("Save {name}") }}</button>
                </form>
            </details>
        </article>
    }
}

/// The form value of who approves a renewal.
fn renewal_value(r: RenewalApprover) -> &'static str {
    match r {
        RenewalApprover::Supervisor => "supervisor",
        RenewalApprover::DataOwner => "data_owner",
        RenewalApprover::Chain => "chain",
    }
}

/// Who approves a renewal, from its form value.
fn renewal_of(v: &str) -> RenewalApprover {
    match v {
        "data_owner" => RenewalApprover::DataOwner,
        "chain" => RenewalApprover::Chain,
        _ => RenewalApprover::Supervisor,
    }
}

/// The select of who approves a renewal.
#[component]
fn RenewalSelect(id: String, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>"Renewals approved by"</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev)) prop:value=value>
                <option value="supervisor">"The holder's supervisor (or EAO)"</option>
                <option value="data_owner">"The role's data owner"</option>
                <option value="chain">"The whole approval chain, as for a new request"</option>
            </select>
        </div>
    }
}

/// The values of the selected options of a `<select multiple>`.
fn selected_values(ev: &leptos::ev::Event) -> Vec<uuid::Uuid> {
    use wasm_bindgen::JsCast;
    let Some(select) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
    else {
        return vec![];
    };
    let options = select.selected_options();
    (0..options.length())
        .filter_map(|i| options.item(i))
        .filter_map(|o| o.get_attribute("value"))
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// The "Add a role" form.
#[component]
fn NewRole(
    catalog: Catalog,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let app = RwSignal::new(catalog.apps.first().map(|a| a.id.to_string()).unwrap_or_default());
    let name = RwSignal::new(String::new());
    let environment = RwSignal::new("PROD".to_string());
    let description = RwSignal::new(String::new());
    let requestable = RwSignal::new("both".to_string());
    let it_level = RwSignal::new("none".to_string());
    let chain = RwSignal::new("supervisor, security_officer, data_owner, iao".to_string());
    let prereqs = RwSignal::new(Vec::<uuid::Uuid>::new());
    let expiration = RwSignal::new(String::new());
    let hidden = RwSignal::new(false);
    let mfa = RwSignal::new(false);
    let renewal = RwSignal::new("supervisor".to_string());
    let data_owner = RwSignal::new(None::<UserSummaryResponse>);
    let iao = RwSignal::new(None::<UserSummaryResponse>);
    let busy = RwSignal::new(false);
    let groups = catalog.groups.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(application_id) = app.get_untracked().parse() else {
            alert.set(Some(
                "Choose the role's application (add the application first).".into(),
            ));
            return;
        };
        let chain = match parse_chain(&chain.get_untracked(), &groups) {
            Ok(c) => c,
            Err(e) => {
                alert.set(Some(e));
                return;
            }
        };
        let days = expiration.get_untracked().trim().to_string();
        let default_expiration_days = if days.is_empty() {
            None
        } else if let Ok(d) = days.parse::<i32>() {
            Some(d)
        } else {
            alert.set(Some("Expiration must be a number of days (empty: never).".into()));
            return;
        };
        let req = CreateRoleRequest {
            application_id,
            name: name.get_untracked().trim().into(),
            environment: environment.get_untracked().trim().to_uppercase(),
            description: description.get_untracked().trim().into(),
            hidden: hidden.get_untracked(),
            visible_to: vec![],
            requestable_by: match requestable.get_untracked().as_str() {
                "internal" => Requestable::Internal,
                "external" => Requestable::External,
                _ => Requestable::Both,
            },
            min_it_level: it_level.get_untracked(),
            prerequisites: prereqs.get_untracked(),
            chain,
            default_expiration_days,
            mfa_required: mfa.get_untracked(),
            data_owner_id: data_owner.get_untracked().map(|u| u.id),
            iao_id: iao.get_untracked().map(|u| u.id),
            renewal_approver: renewal_of(&renewal.get_untracked()),
        };
        let report = Report {
            session,
            busy,
            status,
            alert,
        };
        if !report.valid(&req) {
            return;
        }
        report.send(
            None,
            move |c| {
                let req = req.clone();
                async move { c.create_role(&req).await }
            },
            move |r| {
                on_saved.run(());
                format!("Role {} added.", role_label(&r))
            },
        );
    };
    let chosen = |who: RwSignal<Option<UserSummaryResponse>>| {
        move || {
            who.get()
                .map(|u| format!("{} ({})", u.name, u.user_id))
                .unwrap_or_else(|| "nobody yet".into())
        }
    };
    view! {
        <details>
            <summary>"Add a role"</summary>
            <form aria-label="New role" on:submit=submit novalidate>
                <div class="field">
                    <label for="n-app">"Application"</label>
                    <select id="n-app" on:change=move |ev| app.set(event_target_value(&ev)) prop:value=app>
                        {catalog.apps.iter().map(|a| view! { <option value=a.id.to_string()>{format!("{} ({})", a.name, a.code)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field"><label for="n-name">"Role name"</label><input id="n-name" bind:value=name required/></div>
                <div class="field"><label for="n-env">"Environment (PROD, TEST…)"</label><input id="n-env" bind:value=environment required/></div>
                <div class="field"><label for="n-desc">"Description"</label><textarea id="n-desc" rows="2" bind:value=description></textarea></div>
                <div class="field">
                    <label for="n-who">"Who may request it"</label>
                    <select id="n-who" on:change=move |ev| requestable.set(event_target_value(&ev)) prop:value=requestable>
                        <option value="both">"Internal and external users"</option>
                        <option value="internal">"Internal users"</option>
                        <option value="external">"External users"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="n-it">"Minimum IT level"</label>
                    <select id="n-it" on:change=move |ev| it_level.set(event_target_value(&ev)) prop:value=it_level>
                        <option value="none">"None"</option>
                        <option value="III">"IT-III"</option>
                        <option value="II">"IT-II"</option>
                        <option value="I">"IT-I"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="n-chain">"Approval chain"</label>
                    <p class="hint" id="n-chain-hint">"Levels in order, separated by commas: supervisor, eao, security_officer, data_owner, iao, or group:Group name."</p>
                    <input id="n-chain" aria-describedby="n-chain-hint" bind:value=chain/>
                </div>
                <fieldset>
                    <legend>"Data owner (needed when the chain has data_owner)"</legend>
                    <p role="status">"Chosen: "{chosen(data_owner)}</p>
                    <PersonPicker id="n-owner".to_string() purpose="the data owner".to_string() on_pick=Callback::new(move |u| data_owner.set(Some(u)))/>
                </fieldset>
                <fieldset>
                    <legend>"IAO (needed when the chain has iao)"</legend>
                    <p role="status">"Chosen: "{chosen(iao)}</p>
                    <PersonPicker id="n-iao".to_string() purpose="the IAO".to_string() on_pick=Callback::new(move |u| iao.set(Some(u)))/>
                </fieldset>
                <div class="field">
                    <label for="n-pre">"Prerequisite roles"</label>
                    <select id="n-pre" multiple size="4" on:change=move |ev| prereqs.set(selected_values(&ev))>
                        {catalog.roles.iter().map(|r| view! { <option value=r.id.to_string()>{role_label(r)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field"><label for="n-exp">"Expires after (days; empty: never)"</label><input id="n-exp" inputmode="numeric" bind:value=expiration/></div>
                <RenewalSelect id="n-renewal".to_string() value=renewal/>
                <div class="field check"><input type="checkbox" id="n-hidden" bind:checked=hidden/><label for="n-hidden">"Hidden (never listed in searches)"</label></div>
                <div class="field check"><input type="checkbox" id="n-mfa" bind:checked=mfa/><label for="n-mfa">"Multi-factor sign-in required"</label></div>
                <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Adding…" } else { "Add role" }}</button>
            </form>
        </details>
    }
}
