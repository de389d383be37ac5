//! `/help`: whom to call (the help desk contact, a server setting) and short guides: trouble
//! signing in, accessing AMPS, requesting a role, and registering as an external user. Linked
//! from every page's footer and from the sign-in page.

use crate::api;
use crate::components::Page;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The Help page.
#[component]
pub fn Help() -> impl IntoView {
    let contact = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(h) = api::anonymous().help().await {
            contact.set(Some(h.help_desk));
        }
    });
    view! {
        <Page title="Help">
            <section class="card" aria-labelledby="contact-h">
                <h2 id="contact-h">"Contact the help desk"</h2>
                <p>{move || contact.get().unwrap_or_else(|| "Loading the help desk contact…".into())}</p>
                <p>"Call them when your account is disabled, locked or suspended, when a link we mailed you does not work, or when a request waits on someone who cannot act."</p>
            </section>
            <section aria-labelledby="signin-h">
                <h2 id="signin-h">"Trouble signing in"</h2>
                <ul>
                    <li>"Forgot your User ID? "<a href="/forgot-user-id">"We mail it to your address"</a>"."</li>
                    <li>"Forgot your password? "<a href="/forgot-password">"Set a new one through a mailed link"</a>"."</li>
                    <li>"Not sure whether your account is active? "<a href="/profile-status">"Check your account's status"</a>": we mail it to the account's address."</li>
                    <li>"After several wrong passwords sign-in slows down for a while; wait a few minutes or reset the password."</li>
                    <li>"A disabled, locked or suspended account says why at sign-in. Only the help desk or an administrator can enable it."</li>
                </ul>
            </section>
            <section aria-labelledby="access-h">
                <h2 id="access-h">"Accessing AMPS"</h2>
                <ul>
                    <li>"DLA and DFAS civilians, military members and contractors do not register: an administrator, the help desk or your COR creates your account, and you get a mail with a link to set your password (it works for 7 days)."</li>
                    <li>"Vendors and other external users "<a href="/register">"register"</a>" themselves (see below)."</li>
                    <li>"Accounts that hold no role and are not used for a long time are disabled after a warning mail; sign in to keep yours."</li>
                </ul>
            </section>
            <section aria-labelledby="request-h">
                <h2 id="request-h">"Requesting a role"</h2>
                <ol>
                    <li>"Open "<a href="/request">"Request a role"</a>", search for the application's role, and pick it."</li>
                    <li>"Check your information and the IA training date, accept the Privacy Act Statement, and say why you need the role."</li>
                    <li>"Your request (a SAAR, the electronic DD Form 2875) goes to your supervisor (your External Authorizing Official if you are external), then to the security officer, the data owner and the IAO, as the role requires. Each has 20 days."</li>
                    <li>"Follow it in My Information, Applications & Roles: Pending Requests says whom it waits on. Once approved, the application's provisioner grants the role and we mail you."</li>
                </ol>
            </section>
            <section aria-labelledby="register-h">
                <h2 id="register-h">"Registering as an external user"</h2>
                <ol>
                    <li><a href="/register">"Register"</a>" with your official email address and the email of your External Authorizing Official (the government official who vouches for you)."</li>
                    <li>"Open the link we mail you to verify the address; then sign in."</li>
                    <li>"Your EAO approves your requests; if they have no AMPS account, they act through a link we mail them."</li>
                </ol>
            </section>
        </Page>
    }
}
