//! Sign-in, throttling, tokens, refresh rotation, sign-out, service clients, account status.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;

both_dbs!(
    wrong_password_and_unknown_user_get_the_same_answer,
    repeated_failures_are_throttled_then_locked_for_known_and_unknown_ids,
    fifty_parallel_wrong_guesses_get_five_tries_and_the_owner_still_gets_in,
    a_signed_in_session_is_no_password_oracle,
    refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family,
    logout_revokes_the_session,
    a_password_change_ends_every_other_session_and_reset_links,
    a_sign_in_ends_after_its_absolute_lifetime,
    a_flood_of_sign_ins_is_refused_with_retry_after_not_queued_without_bound,
    tampered_unsigned_and_expired_tokens_are_refused,
    disabled_or_deleted_accounts_are_refused_everywhere,
    service_clients_get_tokens_with_client_credentials,
    account_changes_reach_every_replica,
    a_person_sees_where_they_are_signed_in_and_ends_a_sign_in_at_once,
    the_help_desk_ends_a_persons_sign_in_and_the_person_is_told,
);

fn login(user: &str, pw: &str) -> LoginRequest {
    LoginRequest {
        user_id: user.into(),
        password: pw.into(),
    }
}

async fn wrong_password_and_unknown_user_get_the_same_answer(db: Db) {
    let app = spawn_app(db).await;
    app.active_user("realuser").await;
    let a = app
        .client()
        .login(&login("realuser", "wrong password here"))
        .await
        .expect_err("wrong password");
    let b = app
        .client()
        .login(&login("ghostuser", "wrong password here"))
        .await
        .expect_err("unknown user");
    assert_eq!(a.problem(), b.problem());
    assert_eq!(a.status(), Some(401));
}

async fn repeated_failures_are_throttled_then_locked_for_known_and_unknown_ids(db: Db) {
    let app = spawn_app(db).await;
    app.active_user("target").await;
    for user in ["target", "ghost"] {
        for i in 0..5 {
            let e = app
                .client()
                .login(&login(user, "bad guess"))
                .await
                .expect_err("bad");
            assert_eq!(e.status(), Some(401), "{user} attempt {i}");
        }
        let e = app
            .client()
            .login(&login(user, PASSWORD))
            .await
            .expect_err("throttled even with the right password");
        assert_eq!(e.status(), Some(429), "{user}");
    }
    // The answer for an existing and a non-existing User ID is the same.
    let resp = app
        .http()
        .post(app.url("/api/v1/auth/login"))
        .json(&login("target", PASSWORD))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    app.clock.advance(Duration::seconds(16));
    let mut c = app.client();
    c.login(&login("target", PASSWORD))
        .await
        .expect("allowed again after the delay");
    // A run of ten failures locks the User ID for 15 minutes.
    for _ in 0..10 {
        let _ = app.client().login(&login("target", "bad guess")).await;
        app.clock.advance(Duration::minutes(5));
    }
    let locked = app
        .client()
        .login(&login("target", PASSWORD))
        .await
        .expect_err("locked");
    assert_eq!(locked.status(), Some(429));
    app.clock.advance(Duration::minutes(16));
    app.client()
        .login(&login("target", PASSWORD))
        .await
        .expect("lock is temporary");
}

async fn fifty_parallel_wrong_guesses_get_five_tries_and_the_owner_still_gets_in(db: Db) {
    let app = spawn_app(db).await;
    app.active_user("besieged").await;
    let http = app.http();
    let mut calls = Vec::new();
    for i in 0..50 {
        let (http, url) = (http.clone(), app.url("/api/v1/auth/login"));
        calls.push(tokio::spawn(async move {
            http.post(url)
                .json(&login("besieged", &format!("guess number {i}")))
                .send()
                .await
                .expect("login")
                .status()
                .as_u16()
        }));
    }
    let mut answers = std::collections::BTreeMap::new();
    for c in calls {
        *answers.entry(c.await.expect("call")).or_insert(0) += 1;
    }
    // Four free failures and the one that starts the delay; every other guess was refused
    // before its password was looked at.
    assert_eq!(
        answers,
        [(401, 5), (429, 45)].into_iter().collect(),
        "{answers:?}"
    );
    let evaluated = {
        use amps::store::entities::audit_event;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("auth.login_failed"))
            .count(&app.ctx.db)
            .await
            .expect("count")
    };
    assert_eq!(evaluated, 5, "each evaluated guess is audited once");
    // Slowed, not locked out for good: the owner resets the password and is in at once.
    app.client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "besieged".into(),
        })
        .await
        .expect("forgot");
    let token = token_in(
        &app.last_mail_to("besieged@acme.example").await.body,
        "/reset-password?token=",
    );
    let new_pw = "lantern orchard copper 42";
    app.client()
        .reset_password(&ResetPasswordRequest {
            token,
            new_password: new_pw.into(),
        })
        .await
        .expect("reset");
    app.client()
        .login(&login("besieged", new_pw))
        .await
        .expect("the owner signs in");
}

async fn a_signed_in_session_is_no_password_oracle(db: Db) {
    let app = spawn_app(db).await;
    let c = app.active_user("stolen").await;
    for i in 0..5 {
        let e = c
            .change_password(&ChangePasswordRequest {
                current_password: format!("guess {i}"),
                new_password: "quiet meadow lantern 9".into(),
            })
            .await
            .expect_err("wrong current password");
        assert_eq!(e.status(), Some(422), "guess {i}");
    }
    // The guesses count with sign-in's: the next is refused unchecked, even the right one,
    // and the password sign-in of the account is slowed the same way.
    let e = c
        .change_password(&ChangePasswordRequest {
            current_password: PASSWORD.into(),
            new_password: "quiet meadow lantern 9".into(),
        })
        .await
        .expect_err("throttled");
    assert_eq!(e.status(), Some(429));
    let e = app
        .client()
        .login(&login("stolen", PASSWORD))
        .await
        .expect_err("sign-in slowed too");
    assert_eq!(e.status(), Some(429));
    app.clock.advance(Duration::seconds(16));
    c.change_password(&ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: "quiet meadow lantern 9".into(),
    })
    .await
    .expect("the owner, after the delay");
}

async fn refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family(db: Db) {
    let app = spawn_app(db).await;
    app.active_user("rotating").await;
    let http = app.http();
    let resp = http
        .post(app.url("/api/v1/auth/login"))
        .json(&login("rotating", PASSWORD))
        .send()
        .await
        .expect("login");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("amps_refresh="))
        .expect("refresh cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let first = cookie.split(';').next().expect("pair").to_string();
    let refresh = |c: String| {
        let http = http.clone();
        let url = app.url("/api/v1/auth/refresh");
        async move { http.post(url).header("cookie", c).send().await.expect("refresh") }
    };
    let r1 = refresh(first.clone()).await;
    assert_eq!(r1.status().as_u16(), 200);
    let second = r1
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("amps_refresh="))
        .expect("rotated cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    assert_ne!(first, second);
    let token: TokenResponse = r1.json().await.expect("token");
    app.client()
        .with_token(token.access_token)
        .me()
        .await
        .expect("new access token works");
    // Replaying the first (rotated) token: refused, and the whole family is revoked.
    assert_eq!(refresh(first).await.status().as_u16(), 401);
    assert_eq!(refresh(second).await.status().as_u16(), 401);
    assert_eq!(
        refresh("amps_refresh=garbage".into()).await.status().as_u16(),
        401
    );
    assert_eq!(
        app.client().refresh().await.expect_err("no cookie").status(),
        Some(401)
    );
}

async fn logout_revokes_the_session(db: Db) {
    let app = spawn_app(db).await;
    let mut c = app.active_user("leaving").await;
    c.refresh().await.expect("refresh works before logout");
    c.logout().await.expect("logout");
    assert_eq!(c.refresh().await.expect_err("after logout").status(), Some(401));
}

async fn a_password_change_ends_every_other_session_and_reset_links(db: Db) {
    let app = spawn_app(db).await;
    let mut here = app.active_user("changer").await;
    // Another sign-in (a forgotten device, or a stolen token) and an outstanding reset link.
    let mut elsewhere = app.client();
    elsewhere.login(&login("changer", PASSWORD)).await.expect("login");
    app.client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "changer".into(),
        })
        .await
        .expect("reset asked");
    let link = token_in(
        &app.last_mail_to("changer@acme.example").await.body,
        "/reset-password?token=",
    );
    let new_pw = "juniper lantern cobalt 61";
    here.change_password(&ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: new_pw.into(),
    })
    .await
    .expect("changed");
    // This sign-in goes on: its access token and its refresh both work.
    here.me().await.expect("this session's token still works");
    here.refresh().await.expect("and it refreshes");
    here.me().await.expect("with the new token too");
    // Every other one ended: access token and refresh token.
    assert_eq!(
        elsewhere.me().await.expect_err("access token ended").status(),
        Some(401)
    );
    assert_eq!(
        elsewhere.refresh().await.expect_err("refresh ended").status(),
        Some(401)
    );
    // The reset link no longer sets a password.
    let stale = app
        .client()
        .reset_password(&ResetPasswordRequest {
            token: link,
            new_password: "another fine passphrase".into(),
        })
        .await
        .expect_err("link ended");
    assert_eq!(stale.status(), Some(400));
    // Signing in again with the new password works at once.
    let mut again = app.client();
    again.login(&login("changer", new_pw)).await.expect("login");
    again.me().await.expect("a new sign-in works");
}

async fn a_sign_in_ends_after_its_absolute_lifetime(db: Db) {
    let app = spawn_app(db).await;
    let mut c = app.active_user("longday").await;
    // Refreshed every ten minutes, as the SPA does, the sign-in lasts twelve hours, not more.
    for _ in 0..(12 * 6 - 1) {
        app.clock.advance(Duration::minutes(10));
        c.refresh().await.expect("within twelve hours");
    }
    app.clock.advance(Duration::minutes(10));
    assert_eq!(
        c.refresh().await.expect_err("twelve hours passed").status(),
        Some(401)
    );
    // Signing in again starts a new one.
    let mut c = app.client();
    c.login(&login("longday", PASSWORD)).await.expect("login");
    c.refresh().await.expect("a new sign-in refreshes");
}

async fn a_flood_of_sign_ins_is_refused_with_retry_after_not_queued_without_bound(db: Db) {
    // Loopback counts as a proxy, so the accounts can register from addresses of their own
    // (one address may register only so many an hour).
    let app = seeded_with(db, &|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")]
    })
    .await;
    // Far more at once than the hashing pool admits (five per core): each hash holds 19 MiB.
    // Different people: one account's attempts in flight count against it (four free).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let burst = cores * 5 * 3;
    for i in 0..burst {
        app.active_user_from(&format!("popular{i}"), &format!("10.0.0.{}", i + 1))
            .await;
    }
    let http = app.http();
    let mut calls = Vec::new();
    for i in 0..burst {
        let (http, url) = (http.clone(), app.url("/api/v1/auth/login"));
        calls.push(tokio::spawn(async move {
            http.post(url)
                .json(&login(&format!("popular{i}"), PASSWORD))
                .send()
                .await
                .expect("login")
        }));
    }
    let (mut signed_in, mut busy) = (0, 0);
    for c in calls {
        let r = c.await.expect("call");
        match r.status().as_u16() {
            200 => signed_in += 1,
            // The address's attempts in flight count against it until they are checked.
            429 => assert!(r.headers().get("retry-after").is_some()),
            503 => {
                busy += 1;
                assert_eq!(
                    r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
                    Some("1")
                );
                let p: Problem = r.json().await.expect("problem");
                assert_eq!(p.kind, "/problems/busy");
            }
            other => panic!("a sign-in answered {other}"),
        }
    }
    assert!(signed_in > 0, "some get through");
    assert!(busy > 0, "{burst} at once: the rest are refused, not queued");
    // The server answers meanwhile and afterwards; a sign-in works again.
    let health = http.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    // Attempts refused as busy were never tried, and right ones are taken back: nothing
    // counts against the address afterwards.
    let mut c = app.client();
    c.login(&login("popular0", PASSWORD))
        .await
        .expect("after the flood");
    let throttled: i64 = {
        use amps::store::entities::login_throttle;
        use sea_orm::EntityTrait;
        login_throttle::Entity::find()
            .all(&app.ctx.db)
            .await
            .expect("throttles")
            .iter()
            // Sign-in's keys (registering counted the mail to each address under `mail:`).
            .filter(|t| t.key.starts_with("login:") || t.key.starts_with("ip:"))
            .map(|t| i64::from(t.failures))
            .sum()
    };
    assert_eq!(throttled, 0);
}

async fn tampered_unsigned_and_expired_tokens_are_refused(db: Db) {
    let app = spawn_app(db).await;
    let c = app.active_user("tokens").await;
    let token = c.token().expect("token").to_string();
    let parts: Vec<&str> = token.split('.').collect();
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
    assert_eq!(header["alg"], "EdDSA");
    let kid = header["kid"].as_str().expect("kid").to_string();
    let jwks = app.client().jwks().await.expect("jwks");
    assert!(
        jwks.keys
            .iter()
            .any(|k| k.kid == kid && k.kty == "OKP" && k.crv == "Ed25519")
    );

    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    assert_eq!(claims["aud"], "amps");
    claims["sub"] = serde_json::Value::String(uuid::Uuid::new_v4().to_string());
    let forged_claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
    let none_header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
    let alg_none = format!("{none_header}.{}.", parts[1]);
    let hs_header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#));
    let alg_hs = format!("{hs_header}.{}.{}", parts[1], parts[2]);
    for bad in [tampered, alg_none, alg_hs, "not.a.jwt".into(), String::new()] {
        let e = app
            .client()
            .with_token(bad.clone())
            .me()
            .await
            .expect_err("refused");
        assert_eq!(e.status(), Some(401), "{bad}");
    }
    c.me().await.expect("the genuine token still works");
    app.clock.advance(Duration::minutes(16));
    assert_eq!(c.me().await.expect_err("expired").status(), Some(401));
}

async fn disabled_or_deleted_accounts_are_refused_everywhere(db: Db) {
    let app = spawn_app(db).await;
    let c = app.active_user("statusy").await;
    use sea_orm::ConnectionTrait;
    for status in ["disabled", "locked", "deleted"] {
        app.ctx
            .db
            .execute_unprepared(&format!(
                "UPDATE users SET status = '{status}' WHERE login = 'statusy'"
            ))
            .await
            .expect("set status");
        // Made in the database, not through AMPS: every replica's cached callers learn it from
        // the principal feed (within a second).
        eventually(&format!("{status}: the token is refused"), || {
            let c = c.clone();
            async move { c.me().await.is_err_and(|e| e.status() == Some(401)) }
        })
        .await;
        let e = app
            .client()
            .login(&login("statusy", PASSWORD))
            .await
            .expect_err("login refused");
        let expected = if status == "deleted" { 401 } else { 403 };
        assert_eq!(e.status(), Some(expected), "{status}");
    }
}

async fn service_clients_get_tokens_with_client_credentials(db: Db) {
    let app = spawn_app(db).await;
    let (id, secret) = amps::service::sessions::create_service_client(
        &app.ctx,
        &amps::store::audit::Actor::system(),
        "HMMS-POP",
        "roles:read",
    )
    .await
    .expect("create client");
    let mut c = app.client();
    let t = c
        .client_credentials(&ClientCredentialsRequest {
            grant_type: "client_credentials".into(),
            client_id: id.clone(),
            client_secret: secret.clone(),
            scope: None,
        })
        .await
        .expect("token");
    assert_eq!(t.expires_in, 900);
    assert_eq!(
        c.me().await.expect_err("a service has no profile").status(),
        Some(403)
    );
    let mut bad = app.client();
    let wrong = bad
        .client_credentials(&ClientCredentialsRequest {
            grant_type: "client_credentials".into(),
            client_id: id.clone(),
            client_secret: "wrong".into(),
            scope: None,
        })
        .await
        .expect_err("wrong secret");
    assert_eq!(wrong.status(), Some(401));
    let scope = bad
        .client_credentials(&ClientCredentialsRequest {
            grant_type: "client_credentials".into(),
            client_id: id.clone(),
            client_secret: secret.clone(),
            scope: Some("admin".into()),
        })
        .await
        .expect_err("scope not granted");
    assert_eq!(scope.status(), Some(403));
    let grant = bad
        .client_credentials(&ClientCredentialsRequest {
            grant_type: "password".into(),
            client_id: id.clone(),
            client_secret: secret.clone(),
            scope: None,
        })
        .await
        .expect_err("grant type");
    assert_eq!(grant.status(), Some(422));

    // A client whose secret was stored as an argon2id hash (before secrets were digested)
    // still gets tokens, and its stored form becomes the digest on the first success.
    use amps::store::entities::service_client;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (old_id, old_secret) = amps::service::sessions::create_service_client(
        &app.ctx,
        &amps::store::audit::Actor::system(),
        "legacy",
        "roles:read",
    )
    .await
    .expect("create client");
    let argon = amps::auth::password::hash(old_secret.clone())
        .await
        .expect("hash");
    service_client::Entity::update_many()
        .col_expr(
            service_client::Column::SecretHash,
            sea_orm::sea_query::Expr::value(argon),
        )
        .filter(service_client::Column::ClientId.eq(old_id.clone()))
        .exec(&app.ctx.db)
        .await
        .expect("legacy");
    let stored = || async {
        service_client::Entity::find()
            .filter(service_client::Column::ClientId.eq(old_id.clone()))
            .one(&app.ctx.db)
            .await
            .expect("read")
            .expect("client")
            .secret_hash
    };
    assert!(stored().await.starts_with("$argon2"));
    for _ in 0..2 {
        app.client()
            .client_credentials(&ClientCredentialsRequest {
                grant_type: "client_credentials".into(),
                client_id: old_id.clone(),
                client_secret: old_secret.clone(),
                scope: None,
            })
            .await
            .expect("a legacy secret still works");
    }
    assert_eq!(stored().await, amps::auth::tokens::digest(&old_secret));

    // A client disabled in the database loses its tokens and gets no new one: each replica
    // learns it from the principal feed (the client was cached by the requests above).
    service_client::Entity::update_many()
        .col_expr(
            service_client::Column::Disabled,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(service_client::Column::ClientId.eq(id.clone()))
        .exec(&app.ctx.db)
        .await
        .expect("disable");
    eventually("the disabled client's token is refused", || {
        let c = c.clone();
        async move { c.me().await.is_err_and(|e| e.status() == Some(401)) }
    })
    .await;
    let refused = app
        .client()
        .client_credentials(&ClientCredentialsRequest {
            grant_type: "client_credentials".into(),
            client_id: id,
            client_secret: secret,
            scope: None,
        })
        .await
        .expect_err("a disabled client gets no token");
    assert_eq!(refused.status(), Some(401));
}

/// Each replica keeps the callers it has read. A change made through one replica is seen by
/// the next request there at once, and by every other replica through the principal feed.
async fn account_changes_reach_every_replica(db: Db) {
    let a = spawn_app(db).await;
    let b = spawn_replica(&a).await;
    let on_a = a.active_user("twice").await;
    let mut on_b = b.client();
    on_b.login(&login("twice", PASSWORD)).await.expect("sign-in on B");
    // Both replicas have read (and keep) the caller.
    assert_ne!(on_a.me().await.expect("me on A").phone, "555-0100");
    assert_ne!(on_b.me().await.expect("me on B").phone, "555-0100");
    on_a.update_me(&UpdateMeRequest {
        phone: Some("555-0100".into()),
        ..Default::default()
    })
    .await
    .expect("update on A");
    assert_eq!(
        on_a.me().await.expect("me on A").phone,
        "555-0100",
        "the replica that made the change sees it at once"
    );
    eventually("replica B sees the new phone", || {
        let on_b = on_b.clone();
        async move { on_b.me().await.is_ok_and(|m| m.phone == "555-0100") }
    })
    .await;
    // An administrative role granted in the database reaches both replicas' cached callers.
    let help_desk = amps::domain::permission::AdminRole::HelpDesk;
    grant_admin_role(&a, "twice", help_desk).await;
    let name = help_desk.display_name().to_string();
    assert!(on_a.me().await.expect("me on A").admin_roles.contains(&name));
    eventually("replica B sees the new role", || {
        let (on_b, name) = (on_b.clone(), name.clone());
        async move { on_b.me().await.is_ok_and(|m| m.admin_roles.contains(&name)) }
    })
    .await;
    // A password change through B (which keeps B's own sign-in) ends the sign-in on A.
    on_b.change_password(&ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: "a brand new passphrase 2026".into(),
    })
    .await
    .expect("password changed on B");
    on_b.me().await.expect("B's own sign-in is kept");
    eventually("the first session ends on A too", || {
        let on_a = on_a.clone();
        async move { on_a.me().await.is_err_and(|e| e.status() == Some(401)) }
    })
    .await;
}

/// PostgreSQL: a replica whose notification connection is cut forgets what it kept, listens
/// again, and misses no change made meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_loses_its_feed_listens_again_and_misses_nothing() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(Db::Postgres).await;
    let c = app.active_user("feedy").await;
    c.me().await.expect("the caller is kept");
    let listeners = "SELECT count(*) AS n FROM pg_stat_activity \
        WHERE datname = current_database() AND query ILIKE 'LISTEN%'";
    let count = || async {
        let row = app
            .ctx
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                listeners,
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    };
    eventually("the replica listens", || async { count().await == 1 }).await;
    app.ctx
        .db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .await
        .expect("cut the feed");
    app.ctx
        .db
        .execute_unprepared("UPDATE users SET status = 'disabled' WHERE login = 'feedy'")
        .await
        .expect("disable meanwhile");
    eventually("the disabled account is refused", || {
        let c = c.clone();
        async move { c.me().await.is_err_and(|e| e.status() == Some(401)) }
    })
    .await;
    eventually("the replica listens again", || async { count().await == 1 }).await;
}

const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

/// A browser that signs `user` in: its cookie jar (the refresh cookie) and its access token.
async fn browser_sign_in(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    let browser = reqwest::Client::builder()
        .user_agent(FIREFOX)
        .cookie_store(true)
        .build()
        .expect("browser");
    let r = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&login(user, amps::seed::DEMO_PASSWORD))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let t: TokenResponse = r.json().await.expect("token");
    (browser, t.access_token)
}

async fn me_status(app: &TestApp, browser: &reqwest::Client, token: &str) -> (u16, String) {
    let r = browser
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn a_person_sees_where_they_are_signed_in_and_ends_a_sign_in_at_once(db: Db) {
    let app = seeded(db).await;
    let (laptop, laptop_token) = browser_sign_in(&app, "jrequester").await;
    let phone = as_user(&app, "jrequester").await;
    let list = phone.my_sign_ins().await.expect("my sign-ins");
    assert_eq!(list.len(), 2, "{list:?}");
    let here = list.iter().find(|s| s.current).expect("this sign-in is marked");
    assert_eq!(here.device, "API client");
    let there = list.iter().find(|s| !s.current).expect("the laptop");
    assert_eq!(there.device, "Firefox on Windows");
    assert_eq!(there.methods, ["pwd"]);
    assert_eq!(there.ip.as_deref(), Some("127.0.0.1"));
    assert!(there.active && there.ended_at.is_none());
    // Nobody else can see or end it: another person's sign-in is not found.
    let other = as_user(&app, "ssupervisor").await;
    assert!(
        other
            .my_sign_ins()
            .await
            .expect("theirs")
            .iter()
            .all(|s| s.id != there.id)
    );
    assert_eq!(
        other
            .end_my_sign_in(there.id)
            .await
            .expect_err("not theirs")
            .status(),
        Some(404)
    );
    assert_eq!(me_status(&app, &laptop, &laptop_token).await.0, 200);
    // Signed out from the phone: the laptop's access token is refused at once, and its
    // refresh cookie gets no new one.
    phone.end_my_sign_in(there.id).await.expect("ended");
    let (status, body) = me_status(&app, &laptop, &laptop_token).await;
    assert_eq!(status, 401);
    assert!(body.contains("This sign-in was ended"), "{body}");
    let refreshed = laptop
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), 401);
    let list = phone.my_sign_ins().await.expect("my sign-ins");
    let ended = list.iter().find(|s| s.id == there.id).expect("still listed");
    assert!(!ended.active && ended.ended_at.is_some());
    // The phone goes on; ending the laptop again changes nothing and records nothing more.
    phone.me().await.expect("this sign-in still works");
    let events = app
        .count("audit_events WHERE action = 'auth.session_ended'")
        .await;
    assert_eq!(events, 1);
    phone
        .end_my_sign_in(there.id)
        .await
        .expect("already ended: nothing to do");
    assert_eq!(
        app.count("audit_events WHERE action = 'auth.session_ended'")
            .await,
        1
    );
    // A new sign-in on the laptop works as before.
    let (laptop, token) = browser_sign_in(&app, "jrequester").await;
    assert_eq!(me_status(&app, &laptop, &token).await.0, 200);
}

async fn the_help_desk_ends_a_persons_sign_in_and_the_person_is_told(db: Db) {
    let app = seeded(db).await;
    let (laptop, token) = browser_sign_in(&app, "jrequester").await;
    let jane = as_user(&app, "jrequester").await.me().await.expect("me");
    let helpdesk = as_user(&app, "hhelpdesk").await;
    let theirs = helpdesk
        .user_sign_ins(jane.id)
        .await
        .expect("the help desk sees them");
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|s| !s.current));
    let laptop_sign_in = theirs
        .iter()
        .find(|s| s.device == "Firefox on Windows")
        .expect("the laptop");
    // A plain user sees nobody's; the help desk not an administrator's.
    let plain = as_user(&app, "ssupervisor").await;
    assert_eq!(
        plain.user_sign_ins(jane.id).await.expect_err("refused").status(),
        Some(403)
    );
    assert_eq!(
        plain
            .end_user_sign_in(jane.id, laptop_sign_in.id)
            .await
            .expect_err("refused")
            .status(),
        Some(403)
    );
    let admin = as_user(&app, "aadmin").await.me().await.expect("admin");
    assert_eq!(
        helpdesk
            .user_sign_ins(admin.id)
            .await
            .expect_err("an administrator's")
            .status(),
        Some(403)
    );
    // A sign-in of someone else is not found under Jane.
    let admin_sign_in = as_user(&app, "aadmin")
        .await
        .my_sign_ins()
        .await
        .expect("admin's")
        .into_iter()
        .next()
        .expect("one");
    assert_eq!(
        helpdesk
            .end_user_sign_in(jane.id, admin_sign_in.id)
            .await
            .expect_err("not Jane's")
            .status(),
        Some(404)
    );
    assert_eq!(me_status(&app, &laptop, &token).await.0, 200);
    helpdesk
        .end_user_sign_in(jane.id, laptop_sign_in.id)
        .await
        .expect("ended");
    assert_eq!(me_status(&app, &laptop, &token).await.0, 401);
    let mail = mail_about(&app, &jane.email, "one of your sign-ins was ended").await;
    assert!(
        mail.body.contains("hhelpdesk") && mail.body.contains("Firefox on Windows"),
        "{}",
        mail.body
    );
}
