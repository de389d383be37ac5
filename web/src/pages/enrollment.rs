//! `/enrollment`: New IT User Enrollment. A COR (holding New IT User Requestor) enrolls a new
//! contractor, who is mailed an invitation to set a password; the contractors the COR enrolled
//! are listed with their status and contract, and the COR extends a contract before (or after)
//! it ends.

use crate::api::{self, Session};
use crate::components::{Field, FormErrors, Page, Status};
use amps_openapi::{EnrollContractorRequest, ExtendContractRequest, FieldError, UserDetailResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use validator::Validate;

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

fn date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The New IT User Enrollment screen.
#[component]
pub fn Enrollment() -> impl IntoView {
    let session = Session::get();
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let enrolled = RwSignal::new(None::<Vec<UserDetailResponse>>);
    let reload = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.enrollments().await }).await {
                Ok(list) => enrolled.set(Some(list)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    if session.signed_in() {
        reload();
    }
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="New IT User Enrollment" alert=alert>
                <Status msg=status/>
                <EnrollForm alert=alert status=status on_done=Callback::new(move |_| reload())/>
                <section aria-labelledby="enrolled-h">
                    <h2 id="enrolled-h">"Contractors you enrolled"</h2>
                    {move || enrolled.get().map(|list| {
                        if list.is_empty() {
                            return view! { <p>"Nobody yet."</p> }.into_any();
                        }
                        view! {
                            <table>
                                <caption class="sr-only">"Contractors you enrolled"</caption>
                                <thead><tr>
                                    <th scope="col">"Contractor"</th><th scope="col">"Status"</th><th scope="col">"Contract"</th>
                                    <th scope="col">"Last day"</th><th scope="col">"Extend"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|d| view! { <Enrolled d=d alert=alert status=status on_done=Callback::new(move |_| reload())/> }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    })}
                </section>
            </Page>
        }
        .into_any()
    }
}

/// One enrolled contractor's row, with Extend (a later last day).
#[component]
fn Enrolled(
    d: UserDetailResponse,
    alert: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let id = d.user.id;
    let name = d.user.name.clone();
    let until = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let extend = {
        let name = name.clone();
        move |_| {
            let Some(ends) = date(&until.get_untracked()) else {
                alert.set(Some(format!("Give the new last day of {name}'s contract.")));
                return;
            };
            let body = ExtendContractRequest {
                contract_ends_on: ends,
                contract_number: None,
            };
            busy.set(true);
            alert.set(None);
            let name = name.clone();
            spawn_local(async move {
                match api::call(session, move |c| {
                    let b = body.clone();
                    async move { c.extend_contract(id, &b).await }
                })
                .await
                {
                    Ok(_) => {
                        status.set(Some(format!("The contract of {name} now ends on {ends}.")));
                        on_done.run(());
                    }
                    Err(e) => alert.set(Some(api::message(&e))),
                }
                busy.set(false);
            });
        }
    };
    let field_id = format!("ext-{id}");
    view! {
        <tr>
            <td>{format!("{} ({}) · {}", d.user.name, d.user.user_id, d.supervisor.clone().map(|s| format!("supervisor {s}")).unwrap_or_default())}</td>
            <td>{d.user.status.replace('_', " ")}</td>
            <td>{[d.company.clone(), d.contract_number.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ")}</td>
            <td>{d.contract_ends_on.map(|e| e.to_string()).unwrap_or_default()}</td>
            <td>
                <label class="sr-only" for=field_id.clone()>{format!("New last day of {name}'s contract")}</label>
                <input id=field_id type="date" bind:value=until/>
                <button type="button" class="secondary" disabled=move || busy.get() on:click=extend>{format!("Extend {name}'s contract")}</button>
            </td>
        </tr>
    }
}

/// The enrollment form: the contractor, their contract and their supervisor.
#[component]
fn EnrollForm(
    alert: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let user_id = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let middle = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let job = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let contract = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let supervisor = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(ends_on) = date(&ends.get_untracked()) else {
            errors.set(vec![FieldError {
                field: "contract_ends_on".into(),
                code: "date".into(),
                message: "is required: the contract's last day".into(),
            }]);
            alert.set(Some("Correct the 1 field(s) marked below.".into()));
            return;
        };
        let req = EnrollContractorRequest {
            user_id: user_id.get_untracked().trim().into(),
            first_name: first.get_untracked().trim().into(),
            middle_initial: opt(middle.get_untracked()),
            last_name: last.get_untracked().trim().into(),
            email: email.get_untracked().trim().into(),
            phone: phone.get_untracked(),
            job_title: opt(job.get_untracked()),
            company: company.get_untracked().trim().into(),
            contract_number: contract.get_untracked().trim().into(),
            contract_ends_on: ends_on,
            supervisor: supervisor.get_untracked().trim().into(),
        };
        if let Err(e) = req.validate() {
            let errs = amps_openapi::rules::field_errors(&e);
            crate::components::mark_invalid(alert, errors, errs);
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let r = req.clone();
                async move { c.enroll_contractor(&r).await }
            })
            .await
            {
                Ok(d) => {
                    status.set(Some(format!(
                        "{} is enrolled; we mailed {} a link to set a password.",
                        d.user.user_id, d.user.email
                    )));
                    for f in [
                        user_id, first, middle, last, email, phone, job, company, contract, ends, supervisor,
                    ] {
                        f.set(String::new());
                    }
                    on_done.run(());
                }
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="enroll-h">
            <h2 id="enroll-h">"Enroll a new contractor"</h2>
            <p>"The contractor is mailed a link to set a password and finish their profile (it works for 7 days). Their account ends with the contract: you, the contractor and the supervisor are warned two weeks before the last day, and you can extend it here."</p>
            <form aria-label="Enroll a new contractor" on:submit=submit novalidate>
                <Field label="User ID" name="user_id" value=user_id errors=errors required=true hint="3 to 64 letters, digits, dots, dashes or underscores."/>
                <Field label="First name" name="first_name" value=first errors=errors required=true/>
                <Field label="Middle initial" name="middle_initial" value=middle errors=errors/>
                <Field label="Last name" name="last_name" value=last errors=errors required=true/>
                <Field label="Official email" name="email" value=email errors=errors kind="email" required=true hint="The invitation goes here."/>
                <Field label="Phone" name="phone" value=phone errors=errors kind="tel" required=true/>
                <Field label="Job title" name="job_title" value=job errors=errors/>
                <fieldset>
                    <legend>"Contract"</legend>
                    <Field label="Company" name="company" value=company errors=errors required=true/>
                    <Field label="Contract number" name="contract_number" value=contract errors=errors required=true/>
                    <Field label="Contract end date" name="contract_ends_on" value=ends errors=errors kind="date" required=true hint="The last day: the account is disabled after it unless you extend the contract."/>
                </fieldset>
                <Field label="Supervisor's User ID" name="supervisor" value=supervisor errors=errors required=true hint="Their supervisor approves their requests first."/>
                <button type="submit" disabled=move || busy.get()>"Enroll and send the invitation"</button>
            </form>
        </section>
    }
}
