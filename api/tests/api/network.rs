//! Signing in with an organization's network credentials (issue #15) against a real OpenID
//! provider on loopback: panva's `oidc-provider` (OpenID Certified), started by the test from
//! `e2e/browser/oidc-provider.mjs`. The "browser" is a reqwest client with a cookie jar that
//! follows each redirect itself, as a browser would, and types into the provider's form.

use crate::both_dbs;
use crate::helpers::*;
use crate::mfa::{aal, amr};
use amps_openapi::*;
use reqwest::header::{ACCEPT, LOCATION};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use uuid::Uuid;

both_dbs!(people_sign_in_with_their_organizations_network_credentials_and_bad_answers_are_refused);

const CLIENT_ID: &str = "amps";
const CLIENT_SECRET: &str = "a client secret the provider and AMPS share";

/// The test provider, killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
    port: u16,
}

impl Provider {
    fn start(redirect_uri: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e/browser");
        let mut child = Command::new("node")
            .current_dir(&dir)
            .args([
                "oidc-provider.mjs",
                &port.to_string(),
                CLIENT_ID,
                CLIENT_SECRET,
                redirect_uri,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs e2e/browser/oidc-provider.mjs (`just _npm` installs oidc-provider)");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("the provider starts");
        assert!(line.starts_with("ready "), "the provider said {line:?}");
        // It writes notices later: read them, so that its writes never fail.
        std::thread::spawn(move || {
            let mut rest = String::new();
            while out.read_line(&mut rest).is_ok_and(|n| n > 0) {
                rest.clear();
            }
        });
        Provider {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            port,
        }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: its own cookies, redirects followed one by one by the test.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn location(from: &str, r: &reqwest::Response) -> String {
    let to = r
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("{from} answered {} without a Location", r.status()))
        .to_str()
        .expect("location");
    url::Url::parse(from)
        .and_then(|base| base.join(to))
        .expect("a location")
        .to_string()
}

/// Who signs in at the provider, and how.
#[derive(Clone, Copy, Default)]
struct At<'a> {
    email: &'a str,
    unverified: bool,
    mfa: bool,
}

/// Starts a network sign-in of `org` in browser `b` and signs in at the provider as `at`;
/// answers the URL the provider sends the browser back to (AMPS's callback), not yet visited.
async fn to_provider_and_back(app: &TestApp, b: &reqwest::Client, org: Uuid, at: At<'_>) -> String {
    let start = app.url(&format!("/api/v1/auth/network/{org}?state=web-app-state-1"));
    let r = b
        .get(&start)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("start");
    assert_eq!(r.status().as_u16(), 303, "{start}");
    let mut at_url = location(&start, &r);
    for _ in 0..12 {
        if at_url.starts_with(&app.url("/api/v1/auth/network/callback")) {
            return at_url;
        }
        let r = b.get(&at_url).send().await.expect("provider");
        if r.status().as_u16() == 200 {
            // The provider's sign-in form.
            let action = format!("{}/login", at_url.split('?').next().expect("url"));
            let mut form = vec![("email", at.email)];
            if at.unverified {
                form.push(("unverified", "on"));
            }
            if at.mfa {
                form.push(("mfa", "on"));
            }
            let r = b.post(&action).form(&form).send().await.expect("sign in");
            assert!(r.status().is_redirection(), "{action}: {}", r.status());
            at_url = location(&action, &r);
            continue;
        }
        assert!(r.status().is_redirection(), "{at_url}: {}", r.status());
        at_url = location(&at_url, &r);
    }
    panic!("the provider never sent the browser back");
}

/// Visits AMPS's callback in browser `b`; answers the fragment the web app is sent back with.
async fn callback(app: &TestApp, b: &reqwest::Client, url: &str) -> HashMap<String, String> {
    let r = b.get(url).send().await.expect("callback");
    assert_eq!(r.status().as_u16(), 303);
    let to = location(url, &r);
    assert!(to.starts_with(&app.url("/sign-in/network#")), "{to}");
    let to = url::Url::parse(&to).expect("url");
    url::form_urlencoded::parse(to.fragment().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// A whole network sign-in as `at`: the code (or the error) the web app gets.
async fn sign_in(app: &TestApp, org: Uuid, at: At<'_>) -> HashMap<String, String> {
    let b = browser();
    let back = to_provider_and_back(app, &b, org, at).await;
    callback(app, &b, &back).await
}

/// The web app's exchange of the code for tokens.
async fn tokens_for(app: &TestApp, code: &str) -> (Client, String) {
    let mut c = app.client();
    let t = c
        .network_sign_in(&NetworkTokenRequest { code: code.into() })
        .await
        .expect("the code signs in");
    (c, t.access_token)
}

async fn sql(app: &TestApp, statement: &str) {
    app.ctx
        .db
        .execute_raw(Statement::from_string(
            app.ctx.db.get_database_backend(),
            statement.to_string(),
        ))
        .await
        .expect(statement);
}

fn reasons(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .filter_map(|d| d["reason"].as_str().map(str::to_string))
        .collect()
}

async fn people_sign_in_with_their_organizations_network_credentials_and_bad_answers_are_refused(db: Db) {
    let app = seeded(db).await;
    let provider = Provider::start(&app.url("/api/v1/auth/network/callback"));
    let admin = as_user(&app, "aadmin").await;
    let orgs = admin.organizations().await.expect("organizations");
    let org = |code: &str| {
        orgs.iter()
            .find(|o| o.code == code)
            .unwrap_or_else(|| panic!("no {code}"))
            .id
    };
    let (dla, ext) = (org("DLA"), org("External"));
    let settings = |issuer: &str, secret: Option<&str>| NetworkSignInRequest {
        issuer: issuer.into(),
        client_id: CLIENT_ID.into(),
        client_secret: secret.map(Into::into),
    };

    // Only administrators set it; a typing error in the issuer, or a provider that says it is
    // another issuer, is caught now; the secret is needed the first time, and never shown.
    let jane = as_user(&app, "jrequester").await;
    let e = jane
        .set_network_sign_in(dla, &settings(&provider.issuer, Some(CLIENT_SECRET)))
        .await
        .expect_err("not an administrator");
    assert_eq!(e.status(), Some(403));
    for (s, field) in [
        (
            settings(
                &format!("http://localhost:{}", provider.port),
                Some(CLIENT_SECRET),
            ),
            "issuer",
        ),
        (settings("not a url", Some(CLIENT_SECRET)), "issuer"),
        (settings(&provider.issuer, None), "client_secret"),
    ] {
        let e = admin.set_network_sign_in(dla, &s).await.expect_err(field);
        let p = e.problem().expect("problem");
        assert_eq!(p.status, 422);
        assert!(p.errors.iter().any(|f| f.field == field), "{p:?}");
    }
    assert_eq!(
        admin
            .network_sign_in_settings(dla)
            .await
            .expect_err("none yet")
            .status(),
        Some(404)
    );
    let set = admin
        .set_network_sign_in(dla, &settings(&provider.issuer, Some(CLIENT_SECRET)))
        .await
        .expect("set");
    assert_eq!(set.redirect_uri, app.url("/api/v1/auth/network/callback"));
    let raw = app
        .http()
        .get(app.url(&format!("/api/v1/organizations/{dla}/network-sign-in")))
        .bearer_auth(admin.token().expect("token"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        raw.contains(&provider.issuer) && !raw.contains(CLIENT_SECRET),
        "{raw}"
    );
    let audited = app.audit_details("catalog.network_sign_in_set").await;
    assert_eq!(audited.len(), 1);
    assert!(!audited[0].to_string().contains(CLIENT_SECRET));
    let methods = app.client().sign_in_methods().await.expect("methods");
    assert_eq!(methods.network.len(), 1);
    assert_eq!(methods.network[0].organization_id, dla);
    assert_eq!(
        methods.network[0].url,
        app.url(&format!("/api/v1/auth/network/{dla}"))
    );

    // Jane signs in at DLA's provider: the first time by her verified address, which links her
    // account to her subject there. The session says `fed`, a single factor.
    let jane_at = At {
        email: "jane.requester@dla.example",
        ..At::default()
    };
    let back = sign_in(&app, dla, jane_at).await;
    assert_eq!(back.get("state").map(String::as_str), Some("web-app-state-1"));
    let code = back.get("code").unwrap_or_else(|| panic!("{back:?}")).clone();
    let (c, token) = tokens_for(&app, &code).await;
    assert_eq!(c.me().await.expect("me").user_id, "jrequester");
    assert_eq!((amr(&token), aal(&token)), (vec!["fed".to_string()], 1));
    let e = app
        .client()
        .network_sign_in(&NetworkTokenRequest { code })
        .await
        .expect_err("a code works once");
    assert_eq!(e.status(), Some(401));
    let accepted = app.audit_details("auth.network_accepted").await;
    assert_eq!(accepted.last().expect("audited")["linked"], true);
    // The next time, by the subject linked.
    let code = sign_in(&app, dla, jane_at).await["code"].clone();
    tokens_for(&app, &code).await;
    assert_eq!(
        app.audit_details("auth.network_accepted")
            .await
            .last()
            .expect("audited")["linked"],
        false
    );
    // Jane sees the identity among her sign-in methods and unlinks it (nobody else can); her
    // next sign-in there links it again by her verified address.
    let (jane_network, _) = tokens_for(&app, &sign_in(&app, dla, jane_at).await["code"]).await;
    let linked = jane_network.my_network_identities().await.expect("mine");
    assert_eq!(linked.len(), 1);
    assert_eq!(
        (linked[0].issuer.as_str(), linked[0].subject.as_str()),
        (provider.issuer.as_str(), "sub-jane.requester@dla.example")
    );
    assert_eq!(
        as_user(&app, "ssupervisor")
            .await
            .unlink_network_identity(linked[0].id)
            .await
            .expect_err("not Sam's")
            .status(),
        Some(404)
    );
    jane_network
        .unlink_network_identity(linked[0].id)
        .await
        .expect("unlinked");
    assert!(
        jane_network
            .my_network_identities()
            .await
            .expect("mine")
            .is_empty()
    );
    mail_about(&app, "jane.requester@dla.example", "network sign-in was unlinked").await;
    tokens_for(&app, &sign_in(&app, dla, jane_at).await["code"]).await;
    assert_eq!(
        app.audit_details("auth.network_accepted")
            .await
            .last()
            .expect("audited")["linked"],
        true
    );

    // An administrator must use a second factor: the provider's one counts (its amr says
    // so); without one, the sign-in only sets one up.
    let alex = At {
        email: "alex.administrator@dla.example",
        ..At::default()
    };
    let (c, token) = tokens_for(&app, &sign_in(&app, dla, alex).await["code"]).await;
    assert_eq!(amr(&token), ["fed"]);
    assert!(c.me().await.expect("me").second_factor_needed.is_some());
    assert_eq!(c.organizations().await.expect_err("gated").status(), Some(403));
    let (c, token) = tokens_for(&app, &sign_in(&app, dla, At { mfa: true, ..alex }).await["code"]).await;
    assert_eq!(
        (amr(&token), aal(&token)),
        (vec!["fed".to_string(), "mfa".to_string()], 2)
    );
    assert!(c.me().await.expect("me").second_factor_needed.is_none());

    // Refused, each with its reason, audited, and no session:
    // an address the provider does not vouch for (and nothing is linked by it);
    let sam = At {
        email: "sam.supervisor@dla.example",
        unverified: true,
        ..At::default()
    };
    assert_eq!(sign_in(&app, dla, sam).await["error"], "network-email-unverified");
    // an account of another organization;
    let victor = At {
        email: "victor.vendor@acme.example",
        ..At::default()
    };
    assert_eq!(sign_in(&app, dla, victor).await["error"], "network-not-linked");
    // a return in another browser than the one that started (a forged sign-in link);
    let b = browser();
    let back = to_provider_and_back(&app, &b, dla, jane_at).await;
    assert_eq!(
        callback(&app, &browser(), &back).await["error"],
        "network-other-browser"
    );
    // a return replayed, or with a state AMPS never gave;
    assert_eq!(callback(&app, &b, &back).await["error"], "network-state-unknown");
    let forged = app.url("/api/v1/auth/network/callback?code=abc&state=not-ours");
    assert_eq!(
        callback(&app, &b, &forged).await["error"],
        "network-state-unknown"
    );
    // an ID token whose nonce is not the one this sign-in holds (one minted for another);
    let b = browser();
    let back = to_provider_and_back(&app, &b, dla, jane_at).await;
    sql(
        &app,
        "UPDATE network_flows SET nonce = 'another sign-in' WHERE used_at IS NULL",
    )
    .await;
    assert_eq!(callback(&app, &b, &back).await["error"], "network-token-invalid");
    // the provider's refusal;
    let b = browser();
    let start = app.url(&format!("/api/v1/auth/network/{dla}"));
    let r = b.get(&start).send().await.expect("start");
    let authorize = url::Url::parse(&location(&start, &r)).expect("url");
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("state")
        .1
        .into_owned();
    let refused = app.url(&format!(
        "/api/v1/auth/network/callback?error=access_denied&state={state}"
    ));
    assert_eq!(callback(&app, &b, &refused).await["error"], "network-declined");
    // and a provider that now answers as another issuer.
    let b = browser();
    let back = to_provider_and_back(&app, &b, dla, jane_at).await;
    sql(
        &app,
        &format!(
            "UPDATE network_providers SET issuer = 'http://localhost:{}'",
            provider.port
        ),
    )
    .await;
    assert_eq!(
        callback(&app, &b, &back).await["error"],
        "network-provider-failed"
    );
    let failed = reasons(&app.audit_details("auth.login_failed").await);
    for reason in [
        "network-email-unverified",
        "network-not-linked",
        "network-other-browser",
        "network-state-unknown",
        "network-token-invalid",
        "network-declined",
        "network-provider-failed",
    ] {
        assert!(failed.iter().any(|r| r == reason), "{reason} in {failed:?}");
    }
    // Each refusal counted against the address, as a wrong password does.
    let counted = amps::store::entities::login_throttle::Entity::find_by_id("ip:127.0.0.1")
        .one(&app.ctx.db)
        .await
        .expect("throttle")
        .expect("the address's count");
    assert_eq!(counted.failures, 8, "{counted:?}");
    // Nothing was linked by the refused ones: Sam, with a verified address, links now.
    sql(
        &app,
        &format!("UPDATE network_providers SET issuer = '{}'", provider.issuer),
    )
    .await;
    let code = sign_in(
        &app,
        dla,
        At {
            unverified: false,
            ..sam
        },
    )
    .await["code"]
        .clone();
    assert_eq!(
        tokens_for(&app, &code).await.0.me().await.expect("me").user_id,
        "ssupervisor"
    );
    // A disabled account is not opened by its organization's provider either.
    sql(
        &app,
        "UPDATE users SET status = 'disabled' WHERE login = 'ddataowner'",
    )
    .await;
    let dan = At {
        email: "dan.dataowner@dla.example",
        ..At::default()
    };
    assert_eq!(sign_in(&app, dla, dan).await["error"], "account-cannot-sign-in");
    assert!(
        app.audit_details("auth.login_refused")
            .await
            .iter()
            .any(|d| d["method"] == "network" && d["status"] == "disabled")
    );

    // An organization without a provider has no network sign-in; removing DLA's ends it.
    let r = browser()
        .get(app.url(&format!("/api/v1/auth/network/{ext}")))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(
        jane.remove_network_sign_in(dla)
            .await
            .expect_err("not an administrator")
            .status(),
        Some(403)
    );
    admin.remove_network_sign_in(dla).await.expect("removed");
    assert!(
        app.client()
            .sign_in_methods()
            .await
            .expect("methods")
            .network
            .is_empty()
    );
    assert_eq!(
        app.audit_details("catalog.network_sign_in_removed").await.len(),
        1
    );
}
