//! Platform behaviour: the OpenAPI contract, problem+json for every error, health, metrics,
//! SMTP delivery.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;

both_dbs!(
    served_openapi_matches_the_committed_snapshot,
    unknown_routes_methods_and_oversize_bodies_get_problem_json,
    health_readiness_and_metrics_answer,
    mail_is_delivered_over_smtp_and_the_dev_mailbox_is_off,
);

async fn served_openapi_matches_the_committed_snapshot(db: Db) {
    let app = spawn_app(db).await;
    let served: serde_json::Value = app
        .http()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let committed: serde_json::Value =
        serde_json::from_str(amps_openapi::OPENAPI_JSON).expect("committed json");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `just openapi` and commit the result"
    );
    let paths = served["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/me",
        "/api/v1/auth/token",
        "/healthz",
        "/.well-known/jwks.json",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the document");
    }
    let docs = app.http().get(app.url("/docs/")).send().await.expect("docs");
    assert_eq!(docs.status().as_u16(), 200);
    assert!(
        docs.text().await.expect("html").contains("swagger"),
        "Swagger UI page"
    );
    let css = app
        .http()
        .get(app.url("/docs/swagger-ui.css"))
        .send()
        .await
        .expect("css");
    assert_eq!(css.status().as_u16(), 200, "Swagger UI assets are served locally");
}

async fn unknown_routes_methods_and_oversize_bodies_get_problem_json(db: Db) {
    let app = spawn_app(db).await;
    let http = app.http();
    let r = http
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = http.delete(app.url("/api/v1/me")).send().await.expect("405");
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET, PATCH");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let big = format!("{{\"user_id\":\"{}\",\"password\":\"x\"}}", "a".repeat(70 * 1024));
    let r = http
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("413");
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = http
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .expect("415");
    assert_eq!(r.status().as_u16(), 415);
    let p: Problem = r.json().await.expect("problem body");
    assert_eq!(p.status, 415);
}

async fn health_readiness_and_metrics_answer(db: Db) {
    let app = spawn_app(db).await;
    let http = app.http();
    let h: HealthResponse = http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(h.status, "ok");
    let r: HealthResponse = http
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert_eq!(r.status, "ready");
    let _ = app
        .client()
        .login(&LoginRequest {
            user_id: "nobody".into(),
            password: "nothing at all here".into(),
        })
        .await;
    let text = http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(r#"http_requests_total{method="POST",route="/api/v1/auth/login",status="401"} 1"#),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"db_pool_connections{state="open"}"#), "{text}");
}

async fn mail_is_delivered_over_smtp_and_the_dev_mailbox_is_off(db: Db) {
    let app = spawn_app_with_smtp(db).await;
    app.client()
        .register(&app.registration("mailed"))
        .await
        .expect("register");
    let sink = app.smtp.as_ref().expect("sink");
    let msg = sink.wait_for("mailed@acme.example").await;
    assert!(msg.contains("Subject: AMPS: verify your email address"), "{msg}");
    let token = token_in(&msg, "/verify-email?token=");
    app.client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect("the emailed link works");
    assert_eq!(
        app.client()
            .mailbox()
            .await
            .expect_err("no dev mailbox with SMTP")
            .status(),
        Some(404)
    );
}
