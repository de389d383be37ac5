//! Registration, email verification, recovery and My Information.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;
use serde_json::json;

both_dbs!(
    register_verify_sign_in_and_see_my_information,
    unverified_account_cannot_sign_in,
    verification_link_is_single_use_and_expires,
    registration_refuses_bad_input_and_changes_nothing,
    password_rules_name_the_rule_that_failed,
    forgot_password_resets_once_and_ends_sessions,
    forgot_username_emails_the_user_id_without_revealing_accounts,
    my_information_updates_and_email_change_needs_reverification,
    last_ten_passwords_cannot_be_reused,
    audit_chain_records_account_changes_and_detects_tampering,
    nobody_can_have_hundreds_of_mails_sent_to_someone,
    registering_a_known_email_answers_as_any_registration_and_tells_its_owner,
    unverified_registrations_and_email_changes_end_and_free_the_address,
);

async fn nobody_can_have_hundreds_of_mails_sent_to_someone(db: Db) {
    let app = spawn_app(db).await;
    app.active_user("inundated").await;
    let forgot = |who: &'static str| {
        let c = app.client();
        async move {
            c.forgot_password(&ForgotPasswordRequest { user_id: who.into() })
                .await
                .map_or_else(|e| e.status().unwrap_or_default(), |_| 202)
        }
    };
    // Three at once and the one that starts the delay, then refused, whether or not the
    // account exists (the answers are the same).
    for who in ["inundated", "nobody-at-all"] {
        let mut answers = Vec::new();
        for _ in 0..6 {
            answers.push(forgot(who).await);
        }
        assert_eq!(answers, [202, 202, 202, 202, 429, 429], "{who}");
    }
    let refused = app
        .http()
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&ForgotPasswordRequest {
            user_id: "inundated".into(),
        })
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().get("retry-after").is_some());
    eventually("four reset mails, no more", || async {
        mails_about(&app, "inundated@acme.example", "reset your password").await == 4
    })
    .await;
    // Mail to an address is counted for that address: the registration's verification mail
    // was the first.
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(
            app.client()
                .forgot_username(&ForgotUsernameRequest {
                    email: "inundated@acme.example".into(),
                })
                .await
                .map_or_else(|e| e.status().unwrap_or_default(), |_| 202),
        );
    }
    assert_eq!(answers, [202, 202, 202, 429, 429]);
    // A minute later the owner can ask again.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(forgot("inundated").await, 202);
}

async fn register_verify_sign_in_and_see_my_information(db: Db) {
    let app = spawn_app(db).await;
    let reg = app.registration("vendor1");
    let out = app.client().register(&reg).await.expect("register");
    assert_eq!(out.status, AccountStatus::PendingVerification);
    let mail = app.last_mail_to("vendor1@acme.example").await;
    assert!(mail.subject.contains("verify"), "{}", mail.subject);
    let token = token_in(&mail.body, "/verify-email?token=");
    app.client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect("verify");
    let mut c = app.client();
    let t = c
        .login(&LoginRequest {
            user_id: "VENDOR1".into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("login");
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_in, 900);
    let me = c.me().await.expect("me");
    assert_eq!(me.user_id, "vendor1");
    assert_eq!(me.email, "vendor1@acme.example");
    assert_eq!(me.organization.code, "External");
    assert_eq!(me.company.as_deref(), Some("Acme Hazmat Logistics"));
    assert_eq!(me.status, AccountStatus::Active);
    assert_eq!(me.middle_initial.as_deref(), Some("Q"));
}

async fn unverified_account_cannot_sign_in(db: Db) {
    let app = spawn_app(db).await;
    app.client()
        .register(&app.registration("vendor2"))
        .await
        .expect("register");
    let err = app
        .client()
        .login(&LoginRequest {
            user_id: "vendor2".into(),
            password: PASSWORD.into(),
        })
        .await
        .expect_err("must be refused");
    assert_eq!(err.status(), Some(403));
    assert!(
        err.problem()
            .and_then(|p| p.detail.clone())
            .unwrap_or_default()
            .contains("Verify your email")
    );
}

async fn verification_link_is_single_use_and_expires(db: Db) {
    let app = spawn_app(db).await;
    app.client()
        .register(&app.registration("vendor3"))
        .await
        .expect("register");
    let token = token_in(
        &app.last_mail_to("vendor3@acme.example").await.body,
        "/verify-email?token=",
    );
    app.client()
        .verify_email(&VerifyEmailRequest { token: token.clone() })
        .await
        .expect("first use");
    let again = app
        .client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect_err("second use");
    assert_eq!(again.status(), Some(400));
    assert_eq!(
        again.problem().map(|p| p.kind.as_str()),
        Some("/problems/invalid-token")
    );

    app.client()
        .register(&app.registration("vendor4"))
        .await
        .expect("register");
    let token = token_in(
        &app.last_mail_to("vendor4@acme.example").await.body,
        "/verify-email?token=",
    );
    app.clock.advance(Duration::hours(25));
    let late = app
        .client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect_err("expired");
    assert_eq!(late.status(), Some(400));
    let bogus = app
        .client()
        .verify_email(&VerifyEmailRequest {
            token: "not-a-real-token-at-all".into(),
        })
        .await
        .expect_err("unknown");
    assert_eq!(bogus.status(), Some(400));
}

async fn post_raw(app: &TestApp, path: &str, body: String) -> (u16, serde_json::Value, String) {
    let resp = app
        .http()
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let v = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, v, ct)
}

async fn registration_refuses_bad_input_and_changes_nothing(db: Db) {
    let app = spawn_app(db).await;
    app.client()
        .register(&app.registration("taken1"))
        .await
        .expect("first registration");
    let users = app.count("users").await;
    let mails = app.count("outbox").await;
    let good = serde_json::to_value(app.registration("fresh1")).expect("json");
    let with = |k: &str, v: serde_json::Value| {
        let mut x = good.clone();
        x[k] = v;
        x.to_string()
    };
    let cases: Vec<(String, u16, Option<&str>)> = vec![
        ("{\"user_id\": ".into(), 400, None),
        ("[]".into(), 400, None),
        (with("unexpected", json!(1)), 400, None),
        (
            with("first_name", json!("x".repeat(101))),
            422,
            Some("first_name"),
        ),
        (with("last_name", json!("Bell\u{0007}")), 422, Some("last_name")),
        (with("first_name", json!("new\nline")), 422, Some("first_name")),
        (with("email", json!("not-an-email")), 422, Some("email")),
        (with("eao_email", json!("nobody")), 422, Some("eao_email")),
        (with("user_id", json!("a b")), 422, Some("user_id")),
        (with("phone", json!("call me")), 422, Some("phone")),
        (with("organization", json!("DLA")), 422, Some("organization")),
        (with("organization", json!("Nowhere")), 422, Some("organization")),
        (with("user_id", json!("TAKEN1")), 409, Some("user_id")),
        (with("password", json!("short")), 422, Some("password")),
    ];
    for (body, status, field) in cases {
        let (got, problem, ct) = post_raw(&app, "/api/v1/auth/register", body.clone()).await;
        assert_eq!(got, status, "{body} -> {problem}");
        assert_eq!(ct, "application/problem+json", "{body}");
        assert_eq!(problem["status"], json!(status));
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/"))
        );
        if let Some(f) = field {
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert!(fields.contains(&f), "{body}: {fields:?}");
        }
    }
    assert_eq!(app.count("users").await, users, "bad input created a user");
    assert_eq!(app.count("outbox").await, mails, "bad input sent mail");
}

async fn password_rules_name_the_rule_that_failed(db: Db) {
    let app = spawn_app(db).await;
    for (pw, code) in [
        ("fourteen chars", "too_short"),
        ("passwordpassword", "common_password"),
        ("Password12345678!", "common_password"),
        ("my login is pwuser9 ok", "contains_personal_info"),
        ("vendorson family secret", "contains_personal_info"),
    ] {
        let mut reg = app.registration("pwuser9");
        reg.password = pw.into();
        let err = app.client().register(&reg).await.expect_err(pw);
        let p = err.problem().expect("problem");
        assert_eq!(p.status, 422, "{pw}");
        assert_eq!(p.errors[0].field, "password");
        assert_eq!(p.errors[0].code, code, "{pw}");
    }
    let mut reg = app.registration("pwuser9");
    reg.password = "x".repeat(64) + "y";
    app.client()
        .register(&reg)
        .await
        .expect("a 65-character password is accepted");
}

async fn forgot_password_resets_once_and_ends_sessions(db: Db) {
    let app = spawn_app(db).await;
    let mut old_session = app.active_user("resetme").await;
    let known = app
        .client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "resetme".into(),
        })
        .await
        .expect("known");
    let unknown = app
        .client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "nobody-here".into(),
        })
        .await
        .expect("unknown");
    assert_eq!(
        known.message, unknown.message,
        "the answer must not reveal whether the account exists"
    );
    let mail = app.last_mail_to("resetme@acme.example").await;
    let token = token_in(&mail.body, "/reset-password?token=");
    // A second link asked for meanwhile (by the owner, or by whoever watches their mail).
    app.client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "resetme".into(),
        })
        .await
        .expect("again");
    let other_link = token_in(
        &app.last_mail_to("resetme@acme.example").await.body,
        "/reset-password?token=",
    );
    assert_ne!(other_link, token);
    let reused = app
        .client()
        .reset_password(&ResetPasswordRequest {
            token: token.clone(),
            new_password: PASSWORD.into(),
        })
        .await
        .expect_err("current password is in the history");
    assert_eq!(reused.problem().expect("problem").errors[0].code, "reused");
    let new_pw = "marble kettle horizon 77";
    app.client()
        .reset_password(&ResetPasswordRequest {
            token: token.clone(),
            new_password: new_pw.into(),
        })
        .await
        .expect("reset");
    let twice = app
        .client()
        .reset_password(&ResetPasswordRequest {
            token,
            new_password: "another fine passphrase".into(),
        })
        .await
        .expect_err("single use");
    assert_eq!(twice.status(), Some(400));
    assert_eq!(
        old_session
            .me()
            .await
            .expect_err("its access token ended too")
            .status(),
        Some(401)
    );
    assert_eq!(
        old_session.refresh().await.expect_err("sessions ended").status(),
        Some(401)
    );
    let stale = app
        .client()
        .reset_password(&ResetPasswordRequest {
            token: other_link,
            new_password: "another fine passphrase".into(),
        })
        .await
        .expect_err("the other outstanding link ended with the reset");
    assert_eq!(stale.status(), Some(400));
    let mut c = app.client();
    c.login(&LoginRequest {
        user_id: "resetme".into(),
        password: PASSWORD.into(),
    })
    .await
    .expect_err("old password");
    c.login(&LoginRequest {
        user_id: "resetme".into(),
        password: new_pw.into(),
    })
    .await
    .expect("new password");

    app.client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "resetme".into(),
        })
        .await
        .expect("again");
    let token = token_in(
        &app.last_mail_to("resetme@acme.example").await.body,
        "/reset-password?token=",
    );
    app.clock.advance(Duration::minutes(31));
    let late = app
        .client()
        .reset_password(&ResetPasswordRequest {
            token,
            new_password: "yet another fine passphrase".into(),
        })
        .await
        .expect_err("expired after 30 minutes");
    assert_eq!(late.status(), Some(400));
}

async fn forgot_username_emails_the_user_id_without_revealing_accounts(db: Db) {
    let app = spawn_app(db).await;
    app.active_user("forgetful").await;
    let mails = app.count("outbox").await;
    let a = app
        .client()
        .forgot_username(&ForgotUsernameRequest {
            email: "FORGETFUL@acme.example".into(),
        })
        .await
        .expect("known");
    let b = app
        .client()
        .forgot_username(&ForgotUsernameRequest {
            email: "stranger@acme.example".into(),
        })
        .await
        .expect("unknown");
    assert_eq!(a.message, b.message);
    assert_eq!(
        app.count("outbox").await,
        mails + 1,
        "only the known address gets mail"
    );
    let mail = app.last_mail_to("forgetful@acme.example").await;
    assert!(mail.body.contains("forgetful"), "{}", mail.body);
}

async fn my_information_updates_and_email_change_needs_reverification(db: Db) {
    let app = spawn_app(db).await;
    let c = app.active_user("profiled").await;
    app.active_user("other1").await;
    let change = UpdateMeRequest {
        phone: Some("+1 571 555 0199".into()),
        job_title: Some("Logistics lead".into()),
        email: Some("profiled.new@acme.example".into()),
        ..Default::default()
    };
    // A new email needs the current password: a borrowed session cannot take the account.
    for (given, code) in [(None, "required"), (Some("not my password at all"), "wrong")] {
        let e = c
            .update_me(&UpdateMeRequest {
                current_password: given.map(str::to_string),
                ..change.clone()
            })
            .await
            .expect_err("no password, no new email");
        assert_eq!(e.status(), Some(422));
        let problem = e.problem().expect("problem");
        assert_eq!(
            (problem.errors[0].field.as_str(), problem.errors[0].code.as_str()),
            ("current_password", code)
        );
    }
    assert_eq!(
        c.me().await.expect("me").phone,
        "+1 703 555 0101",
        "nothing changed"
    );
    let me = c
        .update_me(&UpdateMeRequest {
            current_password: Some(PASSWORD.into()),
            ..change
        })
        .await
        .expect("update");
    assert_eq!(me.phone, "+1 571 555 0199");
    assert_eq!(me.job_title.as_deref(), Some("Logistics lead"));
    assert_eq!(
        me.email, "profiled@acme.example",
        "old email stays until verified"
    );
    assert_eq!(me.pending_email.as_deref(), Some("profiled.new@acme.example"));
    let token = token_in(
        &app.last_mail_to("profiled.new@acme.example").await.body,
        "/verify-email?token=",
    );
    app.client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect("confirm new email");
    let me = c.me().await.expect("me");
    assert_eq!(me.email, "profiled.new@acme.example");
    assert_eq!(me.pending_email, None);
    let notice = app.last_mail_to("profiled@acme.example").await;
    assert!(notice.subject.contains("changed"), "{}", notice.subject);

    let taken = c
        .update_me(&UpdateMeRequest {
            email: Some("other1@acme.example".into()),
            current_password: Some(PASSWORD.into()),
            ..Default::default()
        })
        .await
        .expect_err("email of another account");
    assert_eq!(taken.status(), Some(409));
    let bad = c
        .update_me(&UpdateMeRequest {
            first_name: Some("Tab\there".into()),
            ..Default::default()
        })
        .await
        .expect_err("control characters");
    assert_eq!(bad.status(), Some(422));
    let future = c
        .update_me(&UpdateMeRequest {
            ia_training_date: Some(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect("date")),
            ..Default::default()
        })
        .await
        .expect_err("future training date");
    assert_eq!(future.status(), Some(422));
    assert_eq!(
        c.me().await.expect("me").first_name,
        "Victoria",
        "refused updates change nothing"
    );

    let anonymous = app.client().me().await.expect_err("no token");
    assert_eq!(anonymous.status(), Some(401));
    let anonymous = app
        .client()
        .update_me(&UpdateMeRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(anonymous.status(), Some(401));
}

async fn last_ten_passwords_cannot_be_reused(db: Db) {
    let app = spawn_app(db).await;
    let c = app.active_user("rotator").await;
    let pw = |i: usize| format!("seasonal rotation phrase number {i}");
    let mut current = PASSWORD.to_string();
    for i in 0..3 {
        c.change_password(&ChangePasswordRequest {
            current_password: current.clone(),
            new_password: pw(i),
        })
        .await
        .expect("change");
        current = pw(i);
    }
    for old in [PASSWORD.to_string(), pw(0), pw(1), pw(2)] {
        let e = c
            .change_password(&ChangePasswordRequest {
                current_password: current.clone(),
                new_password: old.clone(),
            })
            .await
            .expect_err("reuse");
        assert_eq!(e.problem().expect("problem").errors[0].code, "reused", "{old}");
    }
    let wrong = c
        .change_password(&ChangePasswordRequest {
            current_password: "not my password at all".into(),
            new_password: pw(9),
        })
        .await
        .expect_err("wrong current password");
    assert_eq!(
        wrong.problem().expect("problem").errors[0].field,
        "current_password"
    );
}

async fn audit_chain_records_account_changes_and_detects_tampering(db: Db) {
    let app = spawn_app(db).await;
    let c = app.active_user("audited").await;
    c.update_me(&UpdateMeRequest {
        phone: Some("+1 571 555 0123".into()),
        ..Default::default()
    })
    .await
    .expect("update");
    let _ = app
        .client()
        .login(&LoginRequest {
            user_id: "audited".into(),
            password: "wrong wrong wrong wrong".into(),
        })
        .await;
    use amps::store::entities::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let actions: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::Actor.eq("audited"))
        .all(&app.ctx.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "account.registered",
        "account.email_verified",
        "auth.login",
        "account.profile_updated",
        "auth.login_failed",
    ] {
        assert!(actions.iter().any(|x| x == a), "missing {a} in {actions:?}");
    }
    assert_eq!(
        amps::store::audit::verify_chain(&app.ctx.db)
            .await
            .expect("verify"),
        None
    );
    use sea_orm::ConnectionTrait;
    app.ctx
        .db
        .execute_unprepared(
            "UPDATE audit_events SET details = '{\"forged\":true}' WHERE action = 'account.profile_updated'",
        )
        .await
        .expect("tamper");
    assert!(
        amps::store::audit::verify_chain(&app.ctx.db)
            .await
            .expect("verify")
            .is_some(),
        "tampering must be detected"
    );
    // Deleting a sealed event is detected too (the chain has a hole).
    let app = spawn_app(db).await;
    app.active_user("audited2").await;
    assert_eq!(
        amps::store::audit::verify_chain(&app.ctx.db)
            .await
            .expect("verify"),
        None
    );
    app.ctx
        .db
        .execute_unprepared("DELETE FROM audit_events WHERE action = 'account.email_verified'")
        .await
        .expect("delete");
    assert!(
        amps::store::audit::verify_chain(&app.ctx.db)
            .await
            .expect("verify")
            .is_some(),
        "deletion must be detected"
    );
}

async fn registering_a_known_email_answers_as_any_registration_and_tells_its_owner(db: Db) {
    let app = spawn_app(db).await;
    let owner = app.active_user("owner1").await;
    let users = app.count("users").await;
    // A stranger registers with the owner's address (another case): the same answer a new
    // address gets, no second account, and the owner is mailed instead.
    let mut reg = app.registration("stranger1");
    reg.email = "Owner1@Acme.Example".into();
    let known = app
        .client()
        .register(&reg)
        .await
        .expect("answered as a registration");
    let fresh = app
        .client()
        .register(&app.registration("newcomer1"))
        .await
        .expect("a new address");
    assert_eq!(known.status, fresh.status);
    assert_eq!(
        known
            .message
            .replace("Owner1@Acme.Example".to_lowercase().as_str(), "ADDRESS"),
        fresh.message.replace("newcomer1@acme.example", "ADDRESS")
    );
    assert_eq!(
        app.count("users").await,
        users + 1,
        "only the newcomer's account was made"
    );
    let told = app.last_mail_to("owner1@acme.example").await;
    assert!(told.subject.contains("used to register"), "{}", told.subject);
    assert!(told.body.contains("/forgot-user-id"), "{}", told.body);
    assert_eq!(
        mails_about(&app, "owner1@acme.example", "verify your email").await,
        1,
        "only the owner's own verification mail"
    );
    assert_eq!(
        app.count("audit_events WHERE action = 'account.registration_refused'")
            .await,
        1
    );
    // The answer's id names no account: the stranger cannot sign in.
    let err = app
        .client()
        .login(&LoginRequest {
            user_id: "stranger1".into(),
            password: PASSWORD.into(),
        })
        .await
        .expect_err("no such account");
    assert_eq!(err.status(), Some(401));
    // A taken User ID is still said (the person must choose another).
    let err = app
        .client()
        .register(&app.registration("owner1"))
        .await
        .expect_err("taken User ID");
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.problem().expect("problem").errors[0].field, "user_id");
    // Signed in, a person is told an address is taken, but can ask only a few times an hour.
    let mut answers = Vec::new();
    for _ in 0..6 {
        let r = owner
            .update_me(&UpdateMeRequest {
                email: Some("newcomer1@acme.example".into()),
                current_password: Some(PASSWORD.into()),
                ..Default::default()
            })
            .await;
        answers.push(r.map_or_else(|e| e.status().unwrap_or_default(), |_| 200));
    }
    assert_eq!(answers, [409, 409, 409, 409, 429, 429]);
}

async fn unverified_registrations_and_email_changes_end_and_free_the_address(db: Db) {
    let app = spawn_app(db).await;
    app.client()
        .register(&app.registration("forgetful1"))
        .await
        .expect("registered, never verified");
    let c = app.active_user("mover1").await;
    c.update_me(&UpdateMeRequest {
        email: Some("moving.to@acme.example".into()),
        current_password: Some(PASSWORD.into()),
        ..Default::default()
    })
    .await
    .expect("asks for a new address");
    assert_eq!(
        c.me().await.expect("me").pending_email.as_deref(),
        Some("moving.to@acme.example")
    );
    // Six days on nothing has changed; past the seventh the deadlines job gives both back.
    app.clock.advance(Duration::days(6));
    a_few_rounds().await;
    assert_eq!(
        app.count("audit_events WHERE action = 'account.registration_expired'")
            .await,
        0
    );
    app.clock.advance(Duration::days(2));
    eventually("the registration ends", || async {
        app.count("audit_events WHERE action = 'account.registration_expired'")
            .await
            == 1
            && app
                .count("audit_events WHERE action = 'account.email_change_expired'")
                .await
                == 1
    })
    .await;
    // A week later the old sign-in has lapsed: sign in again.
    let mut c = app.client();
    c.login(&LoginRequest {
        user_id: "mover1".into(),
        password: PASSWORD.into(),
    })
    .await
    .expect("sign in");
    let me = c.me().await.expect("me");
    assert_eq!(me.pending_email, None);
    assert_eq!(me.email, "mover1@acme.example");
    // Both addresses register again as new ones: a verification mail, not "in use".
    let users = app.count("users").await;
    let mut again = app.registration("forgetful2");
    again.email = "forgetful1@acme.example".into();
    app.client().register(&again).await.expect("the address is free");
    let mut other = app.registration("mover2");
    other.email = "moving.to@acme.example".into();
    app.client().register(&other).await.expect("the address is free");
    assert_eq!(app.count("users").await, users + 2);
    assert!(
        app.last_mail_to("forgetful1@acme.example")
            .await
            .subject
            .contains("verify your email")
    );
    assert!(
        app.last_mail_to("moving.to@acme.example")
            .await
            .subject
            .contains("verify your email")
    );
}
