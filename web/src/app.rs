//! The shell (skip link, header, navigation, sign-out) and the router. Adding a screen is one
//! file in `pages/` and one `<Route>` here (plus a block in `lazy.rs` when it loads on demand).

use crate::api::{self, Session};
use crate::{lazy, pages};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{Lazy, path};

/// The application.
#[component]
pub fn App() -> impl IntoView {
    let token = RwSignal::new(None::<String>);
    let session = Session {
        token,
        // A memo: a renewed token (one string for another) does not redraw the pages.
        signed: Memo::new(move |_| token.with(Option::is_some)),
        who: RwSignal::new(None),
        ready: RwSignal::new(false),
        open_approvals: RwSignal::new(0),
        admin_roles: RwSignal::new(vec![]),
        second_factor_needed: RwSignal::new(None),
    };
    provide_context(session);
    spawn_local(api::restore(session));
    view! {
        <Router>
            <a class="skip" href="#main">"Skip to main content"</a>
            <Header/>
            <main id="main">
                <Show when=move || session.ready.get() fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                    // A sign-in that must prove a second factor first sees only where to set one up.
                    {move || session.second_factor_needed.get().map(|why| view! {
                        <crate::components::two_step::SecondFactorGate why=why/>
                    })}
                    <Show when=move || session.second_factor_needed.with(Option::is_none)>
                    <Routes fallback=pages::not_found::NotFound>
                        <Route path=path!("/") view=pages::home::Home/>
                        <Route path=path!("/sign-in") view=pages::sign_in::SignIn/>
                        <Route path=path!("/sign-in/certificate") view=pages::sign_in::CertificateReturn/>
                        <Route path=path!("/sign-in/network") view=pages::sign_in::NetworkReturn/>
                        <Route path=path!("/register") view=pages::register::Register/>
                        <Route path=path!("/verify-email") view=pages::verify_email::VerifyEmail/>
                        <Route path=path!("/forgot-password") view=pages::forgot::ForgotPassword/>
                        <Route path=path!("/forgot-user-id") view=pages::forgot::ForgotUserId/>
                        <Route path=path!("/reset-password") view=pages::forgot::ResetPassword/>
                        <Route path=path!("/invitation") view=pages::forgot::Invitation/>
                        <Route path=path!("/profile-status") view=pages::forgot::ProfileStatus/>
                        <Route path=path!("/me") view={Lazy::<lazy::MyInformation>::new()}/>
                        <Route path=path!("/mailbox") view={Lazy::<lazy::Mailbox>::new()}/>
                        <Route path=path!("/approvals") view={Lazy::<lazy::Approvals>::new()}/>
                        <Route path=path!("/request") view={Lazy::<lazy::RequestWizard>::new()}/>
                        <Route path=path!("/approval-link") view={Lazy::<lazy::ApprovalLink>::new()}/>
                        <Route path=path!("/approver-change") view={Lazy::<lazy::ApproverChangeLink>::new()}/>
                        <Route path=path!("/provisioning") view={Lazy::<lazy::Provisioning>::new()}/>
                        <Route path=path!("/catalog") view={Lazy::<lazy::CatalogAdmin>::new()}/>
                        <Route path=path!("/users") view={Lazy::<lazy::Users>::new()}/>
                        <Route path=path!("/enrollment") view={Lazy::<lazy::Enrollment>::new()}/>
                        <Route path=path!("/help") view={Lazy::<lazy::Help>::new()}/>
                        <Route path=path!("/revalidation") view={Lazy::<lazy::MyReview>::new()}/>
                        <Route path=path!("/revalidation-campaigns") view={Lazy::<lazy::Campaigns>::new()}/>
                        <Route path=path!("/audit") view={Lazy::<lazy::AuditTrail>::new()}/>
                        <Route path=path!("/reports") view={Lazy::<lazy::MyReports>::new()}/>
                    </Routes>
                    </Show>
                </Show>
            </main>
            <footer>
                <p>"AMPS: Account Management and Provisioning System · "<a href="/help">"Help"</a>" · "<a href="/docs/">"API documentation"</a></p>
            </footer>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let mut c = api::client(session);
            let _ = c.logout().await;
            session.token.set(None);
            session.who.set(None);
            session.admin_roles.set(vec![]);
            session.second_factor_needed.set(None);
            session.open_approvals.set(0);
            navigate("/sign-in", Default::default());
        });
    };
    // The development mailbox is a server switch: show its link only when the server has it.
    let mailbox_on = RwSignal::new(false);
    spawn_local(async move {
        mailbox_on.set(api::anonymous().mailbox().await.is_ok());
    });
    view! {
        <header class="top">
            <a class="brand" href="/">"AMPS"</a>
            <nav aria-label="Main">
                <ul>
                    <Show
                        when=move || session.signed_in() && session.second_factor_needed.with(Option::is_none)
                        fallback=move || (!session.signed_in()).then(|| view! {
                            <li><A href="/sign-in">"Sign in"</A></li>
                            <li><A href="/register">"Register"</A></li>
                        })
                    >
                        <li><A href="/" exact=true>"Home"</A></li>
                        <li><A href="/me">"My Information"</A></li>
                        <li><A href="/request">"Request a role"</A></li>
                        <Show when=move || session.has_any(&["New IT User Requestor"])>
                            <li><A href="/enrollment">"New IT User Enrollment"</A></li>
                        </Show>
                        <li>
                            <A href="/approvals">
                                "Approvals"
                                " "
                                <span class="badge">{move || session.open_approvals.get()}</span>
                                <span class="sr-only">" waiting"</span>
                            </A>
                        </li>
                        <Show when=move || session.has_any(&["Provisioner"])>
                            <li><A href="/provisioning">"Provisioning"</A></li>
                        </Show>
                        <Show when=move || session.has_any(&["Administrator", "Role Catalog Owner"])>
                            <li><A href="/catalog">"Catalog"</A></li>
                        </Show>
                        <Show when=move || session.has_any(&["Administrator", "Help Desk"])>
                            <li><A href="/users">"Users"</A></li>
                        </Show>
                        <Show when=move || session.has_any(&["Administrator"])>
                            <li><A href="/revalidation-campaigns">"Campaigns"</A></li>
                        </Show>
                        <Show when=move || session.has_any(&["Administrator", "Auditor"])>
                            <li><A href="/audit">"Audit trail"</A></li>
                        </Show>
                        <Show when=move || session.has_any(&["Reports"])>
                            <li><A href="/reports">"My Reports"</A></li>
                        </Show>
                    </Show>
                    <Show when=move || mailbox_on.get()>
                        <li><A href="/mailbox">"Mailbox (development)"</A></li>
                    </Show>
                </ul>
            </nav>
            <Show when=move || session.signed_in()>
                <div class="who">
                    <span>{move || session.who.get().map(|(id, name)| format!("{name} ({id})")).unwrap_or_default()}</span>
                    <button type="button" on:click=sign_out.clone()>"Sign out"</button>
                </div>
            </Show>
        </header>
    }
}
