//! Hardening (#19): the security headers of every answer, who reads `/metrics`, and bodies
//! sent to wear the server down (slow, deeply nested, huge).

use crate::both_dbs;
use crate::helpers::*;
use secrecy::SecretString;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_dbs!(
    every_answer_carries_the_security_headers_and_personal_data_is_never_cached,
    https_servers_ask_browsers_to_stay_on_https,
    metrics_are_for_loopback_and_the_token_holder_only,
    slow_nested_and_huge_bodies_are_refused_while_the_server_keeps_answering,
    one_address_cannot_list_accounts_or_flood_mail_through_the_public_operations,
    delivered_mail_loses_its_links_after_a_day_and_stale_throttle_rows_go,
);

const TOKEN: &str = "metrics-token-0123456789abcdef0123456789";

async fn every_answer_carries_the_security_headers_and_personal_data_is_never_cached(db: Db) {
    let app = seeded(db).await;
    let user = as_user(&app, "jrequester").await;
    let token = user.token().expect("token").to_string();
    let me = app.http().get(app.url("/api/v1/me")).bearer_auth(&token);
    for (what, r) in [
        ("a signed-in read", me.send().await.expect("me")),
        (
            "a problem",
            app.http()
                .get(app.url("/api/v1/nowhere"))
                .send()
                .await
                .expect("404"),
        ),
        (
            "Swagger UI",
            app.http().get(app.url("/docs/")).send().await.expect("docs"),
        ),
        (
            "the SPA",
            app.http().get(app.url("/sign-in")).send().await.expect("spa"),
        ),
    ] {
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{what}: {csp}");
        }
        assert!(!csp.contains("'unsafe-eval'"), "{what}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{what}: http has no HSTS"
        );
    }
    let r = app
        .http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    // The SPA's scripts come from its own origin (WebAssembly compiled by the browser), never
    // inline; Swagger UI alone gets inline styles and data: icons.
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let docs = app.http().get(app.url("/docs/")).send().await.expect("docs");
    let docs_csp = docs.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(
        docs_csp.contains("style-src 'self' 'unsafe-inline'"),
        "{docs_csp}"
    );
    // The signing keys may be cached by those who verify tokens.
    let jwks = app
        .http()
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .expect("jwks");
    assert_eq!(jwks.headers()["cache-control"], "public, max-age=60");
}

async fn https_servers_ask_browsers_to_stay_on_https(db: Db) {
    // Behind a TLS-terminating proxy the public URL is https while AMPS listens on http.
    let app = seeded_with(db, &|s| {
        s.public_url = "https://amps.example/".parse().expect("url");
    })
    .await;
    let r = app.http().get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
}

async fn metrics_are_for_loopback_and_the_token_holder_only(db: Db) {
    // Loopback is trusted as a proxy here, so X-Forwarded-For names the client.
    let app = seeded_with(db, &|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
        s.metrics_token = Some(SecretString::from(TOKEN.to_string()));
    })
    .await;
    let metrics = |from: &str| {
        app.http()
            .get(app.url("/metrics"))
            .header("X-Forwarded-For", from.to_string())
    };
    // A made-up method is counted, as one series for every such method.
    let odd = app
        .http()
        .request(
            reqwest::Method::from_bytes(b"BREW").expect("method"),
            app.url("/api/v1/me"),
        )
        .send()
        .await
        .expect("brew");
    assert_eq!(odd.status().as_u16(), 405);

    let local = metrics("127.0.0.1").send().await.expect("local");
    assert_eq!(local.status().as_u16(), 200);
    let text = local.text().await.expect("text");
    assert!(!text.contains("BREW"), "{text}");
    assert!(text.contains(r#"method="OTHER""#), "{text}");

    let stranger = metrics("203.0.113.9").send().await.expect("stranger");
    assert_eq!(stranger.status().as_u16(), 401);
    assert_eq!(stranger.headers()["content-type"], "application/problem+json");
    let body = stranger.text().await.expect("text");
    assert!(!body.contains("http_requests_total"), "{body}");
    let wrong = metrics("203.0.113.9")
        .bearer_auth("metrics-token-0123456789abcdef0123456788")
        .send()
        .await
        .expect("wrong");
    assert_eq!(wrong.status().as_u16(), 401);
    let right = metrics("203.0.113.9")
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("right");
    assert_eq!(right.status().as_u16(), 200);
    assert!(right.text().await.expect("text").contains("http_requests_total"));
}

async fn slow_nested_and_huge_bodies_are_refused_while_the_server_keeps_answering(db: Db) {
    let app = seeded_with(db, &|s| s.body_idle = Duration::from_secs(1)).await;
    let addr = format!(
        "{}:{}",
        app.base.host_str().expect("host"),
        app.base.port().expect("port")
    );
    // Clients that send the head and one byte of a 1,000-byte body, then nothing.
    let mut slow = Vec::new();
    for _ in 0..40 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        s.write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: amps\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .expect("send head");
        slow.push(s);
    }
    let health = app.http().get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(
        health.status().as_u16(),
        200,
        "the server answers while they wait"
    );
    for mut s in slow {
        let mut answer = Vec::new();
        // The server answers and closes the connection (read_to_end returns).
        tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut answer))
            .await
            .expect("closed by the server")
            .expect("read");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("/problems/body-too-slow"), "{answer}");
    }
    let login = |body: String| {
        app.http()
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // Nested 30,000 deep (within the 64 KB limit): refused as malformed, no stack overflow.
    let nested = format!(
        r#"{{"user_id":"jrequester","password":"x","extra":{}{}}}"#,
        "[".repeat(30_000),
        "]".repeat(30_000)
    );
    let r = login(nested).await.expect("nested");
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // A 10 MB string: 413, or the connection closed before all of it was read.
    let huge = format!(
        r#"{{"user_id":"{}","password":"x"}}"#,
        "a".repeat(10 * 1024 * 1024)
    );
    match login(huge).await {
        Ok(r) => assert_eq!(r.status().as_u16(), 413),
        Err(e) => assert!(e.is_request() || e.is_body() || e.is_connect(), "{e}"),
    }
    // A sign-in that is sent properly still works, and nothing of the above changed anything.
    as_user(&app, "jrequester").await;
    let health = app.http().get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
}

async fn one_address_cannot_list_accounts_or_flood_mail_through_the_public_operations(db: Db) {
    let app = seeded_with(db, &|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    })
    .await;
    let ask = |from: &'static str, path: &'static str, body: serde_json::Value| {
        app.http()
            .post(app.url(path))
            .header("X-Forwarded-For", from)
            .json(&body)
            .send()
    };
    // Thirty asks an hour from one address are free, and the next is answered too but starts
    // a wait, whatever they ask (a different address each time, so no single target's own
    // limit is what stops them)...
    for i in 0..31 {
        let r = ask(
            "198.51.100.7",
            "/api/v1/auth/forgot-username",
            serde_json::json!({"email": format!("someone{i}@example.com")}),
        )
        .await
        .expect("ask");
        assert_eq!(r.status().as_u16(), 202, "ask {i}");
    }
    // ...then that address waits, on every public operation: a taken User ID is not told.
    let taken = serde_json::json!({
        "user_id": "jrequester", "first_name": "J", "last_name": "R", "email": "new.person@acme.example",
        "phone": "+1 703 555 0100", "organization": "External", "company": "Acme",
        "eao_email": "erin.authorizer@dla.example", "password": "a long enough passphrase 77",
    });
    for (path, body) in [
        (
            "/api/v1/auth/forgot-username",
            serde_json::json!({"email": "one.more@example.com"}),
        ),
        ("/api/v1/auth/register", taken.clone()),
        (
            "/api/v1/auth/forgot-password",
            serde_json::json!({"user_id": "jrequester"}),
        ),
        (
            "/api/v1/auth/reset-password",
            serde_json::json!({"token": "x".repeat(43), "new_password": "a long enough passphrase 77"}),
        ),
    ] {
        let r = ask("198.51.100.7", path, body).await.expect("ask");
        assert_eq!(r.status().as_u16(), 429, "{path}");
        assert!(r.headers().contains_key("retry-after"), "{path}");
        let p: amps_openapi::Problem = r.json().await.expect("problem");
        assert!(p.errors.is_empty(), "{path}: nothing about the body: {p:?}");
    }
    // Another address is not held up by it.
    let r = ask("198.51.100.8", "/api/v1/auth/register", taken)
        .await
        .expect("ask");
    assert_eq!(r.status().as_u16(), 409);
}

async fn delivered_mail_loses_its_links_after_a_day_and_stale_throttle_rows_go(db: Db) {
    let app = spawn_app_with_smtp(db).await;
    app.client()
        .register(&app.registration("kept1"))
        .await
        .expect("register");
    let sink = app.smtp.as_ref().expect("sink");
    let msg = sink.wait_for("kept1@acme.example").await;
    let token = token_in(&msg, "/verify-email?token=");
    let body_of = |to: &'static str| {
        let db = app.ctx.db.clone();
        async move {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            amps::store::entities::outbox::Entity::find()
                .filter(amps::store::entities::outbox::Column::Recipient.eq(to))
                .one(&db)
                .await
                .expect("outbox")
                .expect("mail")
        }
    };
    eventually("the mail is marked delivered", || async {
        body_of("kept1@acme.example").await.status == "sent"
    })
    .await;
    // A wrong password leaves a throttle row.
    let _ = app
        .client()
        .login(&amps_openapi::LoginRequest {
            user_id: "kept1".into(),
            password: "not the password at all".into(),
        })
        .await;
    assert!(app.count("login_throttle").await > 0);
    // Within the day the mail still holds its link.
    app.clock.advance(chrono::Duration::hours(23));
    a_few_rounds().await;
    assert!(body_of("kept1@acme.example").await.body.contains(&token));
    // A day after delivery it does not, and the throttle rows are gone.
    app.clock.advance(chrono::Duration::hours(2));
    eventually("the body is removed", || async {
        let m = body_of("kept1@acme.example").await;
        m.body_removed_at.is_some() && !m.body.contains(&token)
    })
    .await;
    eventually("the throttle rows are pruned", || async {
        app.count("login_throttle").await == 0
    })
    .await;
    // The mail's subject and delivery stay on record.
    let m = body_of("kept1@acme.example").await;
    assert_eq!(m.subject, "AMPS: verify your email address");
    assert!(m.sent_at.is_some());
}
