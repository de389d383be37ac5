//! FIDO2 / WebAuthn security keys (issue #15) through the API, with a software authenticator
//! that signs as a key does (webauthn-authenticator-rs): a person adds keys, signs in with one,
//! and a replayed answer, an answer for another origin and a password-only sign-in are refused.

use crate::both_dbs;
use crate::helpers::*;
use crate::mfa::{aal, amr};
use amps_openapi::*;
use webauthn_authenticator_rs::prelude::{Url, WebauthnAuthenticator};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

both_dbs!(a_person_adds_security_keys_and_signs_in_with_one_and_replays_and_other_origins_are_refused);

fn jane() -> LoginRequest {
    LoginRequest {
        user_id: "jrequester".into(),
        password: amps::seed::DEMO_PASSWORD.into(),
    }
}

/// The password step: the sign-in's token and the second factors it names.
async fn password_step(app: &TestApp) -> (String, Vec<String>) {
    let e = app.client().login(&jane()).await.expect_err("second step");
    let p = e.problem().expect("problem").clone();
    assert_eq!(p.kind, "/problems/second-factor-required");
    (p.mfa_token.expect("token"), p.second_factors)
}

/// Adds a key made by `key` as `c` (with the code emailed for a first second factor).
async fn add_key(
    app: &TestApp,
    c: &Client,
    key: &mut SoftPasskey,
    origin: &Url,
    name: &str,
) -> Result<SecurityKeyResponse, ClientError> {
    let opts = c.security_key_options().await?;
    let created = key
        .do_registration(
            origin.clone(),
            serde_json::from_value(opts.options).expect("creation options"),
        )
        .expect("the key creates a credential");
    let email_code = match &opts.email_code_sent_to {
        Some(to) => Some(emailed_code(app, to).await),
        None => None,
    };
    c.add_security_key(&AddSecurityKeyRequest {
        challenge_id: opts.challenge_id,
        name: name.into(),
        credential: serde_json::to_value(created).expect("json"),
        email_code,
    })
    .await
}

/// How many audit events of `action` there are.
async fn events(app: &TestApp, action: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let backend = app.ctx.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT COUNT(*) AS n FROM audit_events WHERE action = $1",
        _ => "SELECT COUNT(*) AS n FROM audit_events WHERE action = ?",
    };
    app.ctx
        .db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [action.into()],
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
}

async fn a_person_adds_security_keys_and_signs_in_with_one_and_replays_and_other_origins_are_refused(db: Db) {
    // WebAuthn needs a host name: AMPS is reached at localhost.
    let app = seeded_with(db, &|s| {
        let port = s.bind.port();
        s.public_url = format!("http://localhost:{port}/").parse().expect("url");
    })
    .await;
    let origin = Url::parse(&format!("http://localhost:{}", app.base.port().expect("port"))).expect("origin");
    let password_only = as_user(&app, "jrequester").await;
    let mut blue = SoftPasskey::new(true);
    // A sign-in that proved only the password adds the account's first key only with the code
    // mailed to its owner: a stolen password cannot tie the account to a thief's key.
    let opts = password_only.security_key_options().await.expect("options");
    assert_eq!(
        opts.email_code_sent_to.as_deref(),
        Some("jane.requester@dla.example")
    );
    let created = blue
        .do_registration(
            origin.clone(),
            serde_json::from_value(opts.options).expect("creation options"),
        )
        .expect("the key creates a credential");
    let e = password_only
        .add_security_key(&AddSecurityKeyRequest {
            challenge_id: opts.challenge_id,
            name: "Thief's key".into(),
            credential: serde_json::to_value(created).expect("json"),
            email_code: None,
        })
        .await
        .expect_err("no emailed code");
    assert_eq!(e.status(), Some(422));
    assert!(password_only.mfa().await.expect("mfa").security_keys.is_empty());
    let added = add_key(&app, &password_only, &mut blue, &origin, "Blue key")
        .await
        .expect("added");
    assert_eq!(added.name, "Blue key");
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(
        mail.subject.contains("security key was added"),
        "{}",
        mail.subject
    );
    assert_eq!(password_only.mfa().await.expect("mfa").security_keys.len(), 1);

    // The password alone no longer signs in; the key does, as more than a password.
    let (token, factors) = password_step(&app).await;
    assert_eq!(factors, ["security_key"]);
    let challenge = app
        .client()
        .security_key_challenge(&SecurityKeyChallengeRequest {
            mfa_token: token.clone(),
        })
        .await
        .expect("challenge");
    let answer = blue
        .do_authentication(
            origin.clone(),
            serde_json::from_value(challenge.options).expect("request options"),
        )
        .expect("the key answers");
    let answer = serde_json::to_value(answer).expect("json");
    let mut c = app.client();
    let t = c
        .login_security_key(&SecurityKeySignInRequest {
            mfa_token: token,
            challenge_id: challenge.challenge_id,
            credential: answer.clone(),
        })
        .await
        .expect("signed in");
    assert_eq!(amr(&t.access_token), ["pwd", "hwk"]);
    assert_eq!(aal(&t.access_token), 3);
    // Each ceremony started is audited (the one refused for want of the emailed code too),
    // with the key's adding and the sign-in.
    for (action, n) in [
        ("auth.security_key_setup_started", 2),
        ("auth.security_key_added", 1),
        ("auth.security_key_asked", 1),
    ] {
        assert_eq!(events(&app, action).await, n, "{action}");
    }
    assert_eq!(c.me().await.expect("me").user_id, "jrequester");

    // A replayed answer does not sign in again, under a new challenge or the old one.
    let (token, _) = password_step(&app).await;
    let fresh = app
        .client()
        .security_key_challenge(&SecurityKeyChallengeRequest {
            mfa_token: token.clone(),
        })
        .await
        .expect("challenge");
    for challenge_id in [challenge.challenge_id, fresh.challenge_id] {
        let e = app
            .client()
            .login_security_key(&SecurityKeySignInRequest {
                mfa_token: token.clone(),
                challenge_id,
                credential: answer.clone(),
            })
            .await
            .expect_err("replayed");
        assert_eq!(e.problem().expect("problem").status, 401);
    }
    // An answer made for another site (a phishing page's origin) is refused.
    let phishing = app
        .client()
        .security_key_challenge(&SecurityKeyChallengeRequest {
            mfa_token: token.clone(),
        })
        .await
        .expect("challenge");
    let other_origin = Url::parse("http://localhost:9").expect("origin");
    let forged = blue
        .do_authentication(
            other_origin,
            serde_json::from_value(phishing.options).expect("options"),
        )
        .expect("the key answers whoever asks");
    let e = app
        .client()
        .login_security_key(&SecurityKeySignInRequest {
            mfa_token: token.clone(),
            challenge_id: phishing.challenge_id,
            credential: serde_json::to_value(forged).expect("json"),
        })
        .await
        .expect_err("another origin");
    assert_eq!(e.problem().expect("problem").status, 401);

    // A sign-in with the password alone cannot add or remove keys; one with the key can.
    let mut green = SoftPasskey::new(true);
    let e = add_key(&app, &password_only, &mut green, &origin, "Green key")
        .await
        .expect_err("password-only sign-in");
    assert_eq!(e.problem().expect("problem").status, 403);
    let e = password_only
        .remove_security_key(added.id)
        .await
        .expect_err("password-only sign-in");
    assert_eq!(e.problem().expect("problem").status, 403);
    add_key(&app, &c, &mut green, &origin, "Green key")
        .await
        .expect("second key");
    assert_eq!(c.mfa().await.expect("mfa").security_keys.len(), 2);
    c.remove_security_key(added.id).await.expect("removed");
    let e = c.remove_security_key(added.id).await.expect_err("gone");
    assert_eq!(e.problem().expect("problem").status, 404);
    let names: Vec<String> = c
        .mfa()
        .await
        .expect("mfa")
        .security_keys
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, ["Green key"]);

    // Later, the same sign-in proves its key again (step-up): a new token that says so, when
    // (`auth_time`), audited; once recent, it is not asked again.
    app.clock.advance(chrono::Duration::minutes(16));
    c.refresh().await.expect("refreshed");
    let opts = c.step_up_security_key_options().await.expect("step-up challenge");
    let answer = green
        .do_authentication(
            origin.clone(),
            serde_json::from_value(opts.options).expect("request options"),
        )
        .expect("the key answers");
    let t = c
        .step_up_security_key(&StepUpSecurityKeyRequest {
            challenge_id: opts.challenge_id,
            credential: serde_json::to_value(answer).expect("json"),
        })
        .await
        .expect("stepped up");
    assert_eq!(amr(&t.access_token), ["pwd", "hwk"]);
    assert_eq!(
        app.audit_details("auth.step_up").await[0]["second_factor"],
        "security_key"
    );
    let e = c
        .step_up_security_key_options()
        .await
        .expect_err("recent already");
    assert_eq!(e.status(), Some(409));

    // The help desk resets the lost keys: the password signs in alone again.
    let jane_id = c.me().await.expect("me").id;
    as_user(&app, "hhelpdesk")
        .await
        .reset_second_factor(
            jane_id,
            &ResetSecondFactorRequest {
                reason: "Lost her keys on travel".into(),
            },
        )
        .await
        .expect("reset");
    app.client().login(&jane()).await.expect("password alone");
}
