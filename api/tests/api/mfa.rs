//! Second factors (issue #15): an authenticator app (TOTP, computed here with the same RFC 6238
//! algorithm an app uses) and recovery codes, through the API, on both databases.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;

both_dbs!(
    a_user_sets_up_an_authenticator_and_signs_in_with_a_code_or_a_recovery_code,
    administrators_and_organizations_that_require_it_sign_in_with_a_second_factor,
    a_role_marked_mfa_required_is_requested_and_decided_only_after_a_second_factor,
    the_help_desk_resets_a_lost_authenticator,
);

/// The code an authenticator app with `secret` shows for `user_id` at `now`.
fn code_at(secret: &str, user_id: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    totp_code(secret, user_id, now.timestamp() / 30)
}

fn password() -> LoginRequest {
    LoginRequest {
        user_id: "jrequester".into(),
        password: amps::seed::DEMO_PASSWORD.into(),
    }
}

/// Signs in with the password; the token of the second step.
async fn first_step(app: &TestApp) -> String {
    let e = app
        .client()
        .login(&password())
        .await
        .expect_err("a second factor is needed");
    let p = e.problem().expect("problem").clone();
    assert_eq!(
        (p.status, p.kind.as_str()),
        (401, "/problems/second-factor-required")
    );
    p.mfa_token.expect("token")
}

async fn second_step(app: &TestApp, token: &str, code: &str) -> Result<Client, ClientError> {
    let mut c = app.client();
    c.login_second_factor(&SecondFactorRequest {
        mfa_token: token.into(),
        code: code.into(),
    })
    .await?;
    Ok(c)
}

async fn a_user_sets_up_an_authenticator_and_signs_in_with_a_code_or_a_recovery_code(db: Db) {
    const JANE: &str = "jane.requester@dla.example";
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    assert!(!jane.mfa().await.expect("status").totp);
    let e = jane
        .confirm_totp(&ConfirmTotpRequest {
            code: "123456".into(),
            email_code: None,
        })
        .await
        .expect_err("nothing being set up");
    assert_eq!(e.status(), Some(409));

    let setup = jane.start_totp().await.expect("started");
    assert!(
        setup.otpauth_url.starts_with("otpauth://totp/AMPS:jrequester?")
            && setup.otpauth_url.contains(&format!("secret={}", setup.secret))
            && setup.otpauth_url.contains("issuer=AMPS"),
        "{}",
        setup.otpauth_url
    );
    // Not on yet: the password alone still signs in.
    let mut elsewhere = app.client();
    elsewhere
        .login(&password())
        .await
        .expect("password alone, until confirmed");
    // Jane's sign-in proved only her password: whoever holds it must also read her mail to
    // tie her account to a phone.
    assert_eq!(setup.email_code_sent_to.as_deref(), Some(JANE));
    let emailed = emailed_code(&app, JANE).await;
    let right = code_at(&setup.secret, "jrequester", app.now());
    let wrong = format!("{:06}", (right.parse::<u32>().expect("digits") + 1) % 1_000_000);
    let other = format!("{:06}", (emailed.parse::<u32>().expect("digits") + 1) % 1_000_000);
    for (code, email_code, field) in [
        (wrong.as_str(), Some(emailed.as_str()), "code"),
        ("12ab56", Some(emailed.as_str()), "code"),
        (right.as_str(), None, "email_code"),
        (right.as_str(), Some(other.as_str()), "email_code"),
        (right.as_str(), Some("12ab56"), "email_code"),
    ] {
        let e = jane
            .confirm_totp(&ConfirmTotpRequest {
                code: code.into(),
                email_code: email_code.map(Into::into),
            })
            .await
            .expect_err(code);
        let p = e.problem().expect("problem");
        assert_eq!(p.status, 422, "{code} {email_code:?}");
        assert!(p.errors.iter().any(|f| f.field == field), "{p:?}");
    }
    elsewhere.me().await.expect("nothing was set up");
    let codes = jane
        .confirm_totp(&ConfirmTotpRequest {
            code: right.clone(),
            email_code: Some(emailed.clone()),
        })
        .await
        .expect("confirmed")
        .recovery_codes;
    assert_eq!(codes.len(), 10);
    // The sign-in made with the password alone has ended; this one goes on.
    assert_eq!(elsewhere.me().await.expect_err("ended").status(), Some(401));
    jane.me().await.expect("this sign-in goes on");
    assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
    assert_eq!(
        jane.start_totp().await.expect_err("set up already").status(),
        Some(409)
    );
    mail_about(&app, JANE, "now asks for your authenticator code").await;
    let status = jane.mfa().await.expect("status");
    assert!(status.totp);
    assert_eq!(status.recovery_codes_left, 10);

    // Sign-in now takes two steps. The code used to confirm does not work again.
    let token = first_step(&app).await;
    let e = second_step(&app, &token, &right).await.expect_err("used");
    assert_eq!(e.status(), Some(401));
    app.clock.advance(Duration::seconds(30));
    let code = code_at(&setup.secret, "jrequester", app.now());
    let signed_in = second_step(&app, &token, &code).await.expect("second step");
    assert_eq!(signed_in.me().await.expect("me").user_id, "jrequester");
    // The token was spent, and the code cannot be replayed with a new one.
    assert_eq!(
        second_step(&app, &token, &code)
            .await
            .expect_err("spent")
            .status(),
        Some(401)
    );
    let token = first_step(&app).await;
    assert_eq!(
        second_step(&app, &token, &code)
            .await
            .expect_err("replayed")
            .status(),
        Some(401)
    );

    // A recovery code, typed loosely, works once; the owner is told.
    let typed = codes[3].to_lowercase().replace('-', " ");
    second_step(&app, &token, &typed).await.expect("recovery code");
    assert!(
        mail_about(&app, JANE, "a recovery code was used")
            .await
            .body
            .contains("9 are left")
    );
    let token = first_step(&app).await;
    assert_eq!(
        second_step(&app, &token, &codes[3])
            .await
            .expect_err("used")
            .status(),
        Some(401)
    );
    // A second step waits at most 5 minutes.
    app.clock.advance(Duration::minutes(6));
    let code = code_at(&setup.secret, "jrequester", app.now());
    assert_eq!(
        second_step(&app, &token, &code)
            .await
            .expect_err("expired")
            .status(),
        Some(401)
    );

    // Turning it off needs the password again.
    let jane = {
        let token = first_step(&app).await;
        second_step(&app, &token, &codes[0]).await.expect("signed in")
    };
    let e = jane
        .remove_totp(&RemoveTotpRequest {
            password: "not my password".into(),
        })
        .await
        .expect_err("wrong password");
    assert_eq!(e.status(), Some(422));
    jane.remove_totp(&RemoveTotpRequest {
        password: amps::seed::DEMO_PASSWORD.into(),
    })
    .await
    .expect("off");
    app.client()
        .login(&password())
        .await
        .expect("the password alone again");
    assert_eq!(jane.mfa().await.expect("status").recovery_codes_left, 0);
}

/// Sets up an authenticator for `login` (signed in as `c`); returns its secret.
pub(crate) async fn with_authenticator(app: &TestApp, c: &Client, login: &str) -> String {
    let setup = c.start_totp().await.expect("started");
    let email_code = match &setup.email_code_sent_to {
        Some(to) => Some(emailed_code(app, to).await),
        None => None,
    };
    c.confirm_totp(&ConfirmTotpRequest {
        code: code_at(&setup.secret, login, app.now()),
        email_code,
    })
    .await
    .expect("confirmed");
    setup.secret
}

/// Signs `login` in with the password and the authenticator code; the client and its token.
pub(crate) async fn two_step(app: &TestApp, login: &str, secret: &str) -> (Client, TokenResponse) {
    let e = app
        .client()
        .login(&LoginRequest {
            user_id: login.into(),
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
        .expect_err("second factor");
    let token = e.problem().and_then(|p| p.mfa_token.clone()).expect("token");
    // The next step's code: the one that confirmed the app was spent.
    app.clock.advance(Duration::seconds(30));
    let mut c = app.client();
    let t = c
        .login_second_factor(&SecondFactorRequest {
            mfa_token: token,
            code: code_at(secret, login, app.now()),
        })
        .await
        .expect("signed in");
    (c, t)
}

/// The claims of an access token.
fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

/// The `amr` claim of an access token.
pub(crate) fn amr(token: &str) -> Vec<String> {
    serde_json::from_value(claims(token)["amr"].clone()).expect("amr")
}

/// The authenticator assurance level (`acr`) of an access token: 1, 2 or 3.
pub(crate) fn aal(token: &str) -> u8 {
    let acr = claims(token)["acr"].as_str().expect("acr").to_string();
    acr.strip_prefix("http://idmanagement.gov/ns/assurance/aal/")
        .and_then(|l| l.parse().ok())
        .expect("an idmanagement.gov AAL")
}

async fn a_role_marked_mfa_required_is_requested_and_decided_only_after_a_second_factor(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let ebs = admin
        .applications()
        .await
        .expect("apps")
        .into_iter()
        .find(|a| a.code == "EBS")
        .expect("EBS");
    let role = admin
        .create_role(&CreateRoleRequest {
            mfa_required: true,
            ..role_request(
                ebs.id,
                "Payment Certifier",
                vec![ChainLevel {
                    kind: "supervisor".into(),
                    group_id: None,
                }],
            )
        })
        .await
        .expect("role");

    // Jane, signed in with her password alone, is refused and told what to do.
    let jane = as_user(&app, "jrequester").await;
    let e = jane
        .submit_saars(&submission(vec![role.id], &app))
        .await
        .expect_err("password only");
    assert_eq!(e.status(), Some(403));
    assert!(e.to_string().contains("requires two-step sign-in"), "{e}");
    // With an authenticator and a two-step sign-in, she may; her token says so.
    let plain = app
        .client()
        .login(&LoginRequest {
            user_id: "jrequester".into(),
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
        .expect("password");
    assert_eq!(amr(&plain.access_token), ["pwd"]);
    assert_eq!(aal(&plain.access_token), 1);
    let secret = with_authenticator(&app, &jane, "jrequester").await;
    // The sign-in that set the app up proved it too: refreshed, its token says so.
    let mut setter = as_user(&app, "pprovisioner").await;
    with_authenticator(&app, &setter, "pprovisioner").await;
    assert_eq!(
        amr(&setter.refresh().await.expect("refreshed").access_token),
        ["pwd", "otp"]
    );
    let (mut jane, t) = two_step(&app, "jrequester", &secret).await;
    assert_eq!(amr(&t.access_token), ["pwd", "otp"]);
    assert_eq!(aal(&t.access_token), 2);
    // A refreshed token keeps what the sign-in proved.
    let t = jane.refresh().await.expect("refreshed");
    assert_eq!(amr(&t.access_token), ["pwd", "otp"]);
    let saar = submit_one(&app, &jane, role.id).await;

    // Sam decides it only from a two-step sign-in too.
    let sam = as_user(&app, "ssupervisor").await;
    let task = task_for(&sam, saar.id).await;
    let e = sam
        .approve(task.id, &ApproveRequest::default())
        .await
        .expect_err("password only");
    assert_eq!(e.status(), Some(403));
    assert!(e.to_string().contains("set up an authenticator app"), "{e}");
    assert_eq!(
        e.problem()
            .map(|p| (p.kind.as_str(), p.second_factors.is_empty())),
        Some(("/problems/step-up-required", true)),
        "no second factor to confirm yet: set one up"
    );
    let sam_secret = with_authenticator(&app, &sam, "ssupervisor").await;
    let (mut sam, _) = two_step(&app, "ssupervisor", &sam_secret).await;
    // A sign-in of the morning: its second factor is no longer recent. Refreshed, its token
    // still says when it was proved, and the decision asks for it again (step-up).
    app.clock.advance(Duration::minutes(16));
    sam.refresh().await.expect("refreshed");
    let e = sam
        .approve(task.id, &ApproveRequest::default())
        .await
        .expect_err("not recent");
    assert_eq!(e.status(), Some(403));
    let p = e.problem().expect("problem");
    assert_eq!(
        (p.kind.as_str(), p.second_factors.clone()),
        ("/problems/step-up-required", vec!["totp".to_string()])
    );
    assert!(e.to_string().contains("requires a recent second factor"), "{e}");
    // A wrong code is refused (and changes nothing); the right one gives a token that says so.
    let e = sam
        .step_up(&StepUpRequest {
            code: "000000".into(),
        })
        .await
        .expect_err("wrong code");
    assert_eq!(e.status(), Some(422));
    assert_eq!(app.audit_details("auth.step_up_failed").await.len(), 1);
    let t = sam
        .step_up(&StepUpRequest {
            code: code_at(&sam_secret, "ssupervisor", app.now()),
        })
        .await
        .expect("stepped up");
    assert_eq!(amr(&t.access_token), ["pwd", "otp"]);
    assert_eq!(claims(&t.access_token)["auth_time"], app.now().timestamp());
    // Once is enough.
    let e = sam
        .step_up(&StepUpRequest {
            code: code_at(&sam_secret, "ssupervisor", app.now()),
        })
        .await
        .expect_err("recent already");
    assert_eq!(e.status(), Some(409));
    sam.approve(task.id, &ApproveRequest::default())
        .await
        .expect("approved");
    assert_eq!(
        app.audit_details("auth.step_up").await[0]["second_factor"],
        "totp"
    );
}

async fn administrators_and_organizations_that_require_it_sign_in_with_a_second_factor(db: Db) {
    let app = seeded(db).await;
    // An administrator signed in with the password alone may only set up a second factor.
    let mut alex = app.client();
    alex.login(&LoginRequest {
        user_id: "aadmin".into(),
        password: amps::seed::DEMO_PASSWORD.into(),
    })
    .await
    .expect("password");
    let me = alex.me().await.expect("My Information");
    assert!(
        me.second_factor_needed
            .as_deref()
            .is_some_and(|w| w.starts_with("Administrators sign in with a second factor")),
        "{me:?}"
    );
    let e = alex.users(&ListUsersQuery::default()).await.expect_err("gated");
    assert_eq!(e.status(), Some(403));
    assert_eq!(
        e.problem().map(|p| (p.kind.as_str(), p.second_factors.len())),
        Some(("/problems/step-up-required", 0))
    );
    let e = alex
        .step_up(&StepUpRequest {
            code: "123456".into(),
        })
        .await
        .expect_err("nothing to confirm");
    assert_eq!(e.status(), Some(409));
    // Setting one up proves it for this sign-in.
    set_up_authenticator(&app, &mut alex, "aadmin").await;
    assert!(alex.me().await.expect("me").second_factor_needed.is_none());
    // An administrator keeps a second factor: the only one cannot be turned off.
    let e = alex
        .remove_totp(&RemoveTotpRequest {
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
        .expect_err("the only second factor");
    assert_eq!(e.status(), Some(409));
    assert!(
        e.to_string()
            .contains("Administrators sign in with a second factor"),
        "{e}"
    );
    let dla = alex
        .organizations()
        .await
        .expect("organizations")
        .into_iter()
        .find(|o| o.code == "DLA")
        .expect("DLA");
    assert!(!dla.mfa_required);
    // From then on the password alone does not sign in.
    let e = app
        .client()
        .login(&LoginRequest {
            user_id: "aadmin".into(),
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
        .expect_err("second step");
    assert_eq!(e.status(), Some(401));

    // DLA requires a second factor of its users: Jane's password-only sign-in is gated at its
    // next request.
    let mut jane = as_user(&app, "jrequester").await;
    jane.my_roles().await.expect("not yet");
    let e = jane
        .update_organization(
            dla.id,
            &UpdateOrganizationRequest {
                mfa_required: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect_err("not an administrator");
    assert_eq!(e.status(), Some(403));
    for (body, status) in [(
        UpdateOrganizationRequest {
            name: Some(String::new()),
            ..Default::default()
        },
        422,
    )] {
        let e = alex
            .update_organization(dla.id, &body)
            .await
            .expect_err("invalid");
        assert_eq!(e.status(), Some(status));
    }
    let e = alex
        .update_organization(uuid::Uuid::nil(), &UpdateOrganizationRequest::default())
        .await
        .expect_err("no such organization");
    assert_eq!(e.status(), Some(404));
    let changed = alex
        .update_organization(
            dla.id,
            &UpdateOrganizationRequest {
                mfa_required: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("required");
    assert!(changed.mfa_required && changed.allows_non_prod);
    let audit = app.audit_details("catalog.organization_updated").await;
    assert_eq!(
        (
            audit.len(),
            &audit[0]["before"]["mfa_required"],
            &audit[0]["after"]["mfa_required"]
        ),
        (1, &serde_json::json!(false), &serde_json::json!(true))
    );
    let e = jane.my_roles().await.expect_err("gated now");
    assert_eq!(e.status(), Some(403));
    assert!(
        e.to_string().contains("DLA") || e.to_string().contains("Defense Logistics"),
        "{e}"
    );
    let me = jane.me().await.expect("My Information stays open");
    assert!(me.second_factor_needed.is_some());
    // Vince, of another organization, is not asked.
    as_user(&app, "vvendor").await.my_roles().await.expect("not DLA");
    set_up_authenticator(&app, &mut jane, "jrequester").await;
    jane.my_roles().await.expect("with a second factor");
}

async fn the_help_desk_resets_a_lost_authenticator(db: Db) {
    const JANE: &str = "jane.requester@dla.example";
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    let jane_id = jane.me().await.expect("me").id;
    with_authenticator(&app, &jane, "jrequester").await;
    let why = |r: &str| ResetSecondFactorRequest { reason: r.into() };
    let reason = "Jane lost her phone and her recovery codes; identity checked by callback.";
    // Refused: the person, a supervisor, one's own, the help desk for an administrator, no reason.
    let sam = as_user(&app, "ssupervisor").await;
    for (who, c) in [("jrequester", &jane), ("ssupervisor", &sam)] {
        let e = c.reset_second_factor(jane_id, &why(reason)).await.expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
    }
    let hal = as_user(&app, "hhelpdesk").await;
    let hal_id = hal.me().await.expect("me").id;
    let admin_id = as_user(&app, "aadmin").await.me().await.expect("me").id;
    for (id, status) in [(hal_id, 403), (admin_id, 403)] {
        let e = hal
            .reset_second_factor(id, &why(reason))
            .await
            .expect_err("refused");
        assert_eq!(e.status(), Some(status));
    }
    assert_eq!(
        hal.reset_second_factor(jane_id, &why("no"))
            .await
            .expect_err("short")
            .status(),
        Some(422)
    );
    first_step(&app).await;

    hal.reset_second_factor(jane_id, &why(reason))
        .await
        .expect("reset");
    assert!(
        mail_about(&app, JANE, "two-step sign-in was reset")
            .await
            .body
            .contains(reason)
    );
    app.client()
        .login(&password())
        .await
        .expect("the password alone again");
    assert_eq!(
        hal.reset_second_factor(jane_id, &why(reason))
            .await
            .expect_err("nothing left")
            .status(),
        Some(409)
    );
}
