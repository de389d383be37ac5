//! Provisioning and role removal through the API: removal asked by the user or done by the supervisor, and automatic provisioning by signed webhook with its fallback to manual.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;
use uuid::Uuid;

both_dbs!(
    roles_are_removed_by_the_user_with_approval_and_by_the_supervisor,
    automatic_provisioning_calls_a_signed_webhook_and_falls_back_to_manual,
    a_removal_request_is_refused_for_a_role_not_held,
    a_webhook_whose_name_resolves_to_a_private_address_is_never_called,
    the_last_administrators_role_is_never_removed,
);

async fn the_last_administrators_role_is_never_removed(db: Db) {
    let app = seeded(db).await;
    // Alex and Jane are AMPS's administrators; their supervisor, Sam, removes both roles at
    // once, and the provisioner completes both removals at once.
    grant_admin_role(
        &app,
        "jrequester",
        amps::domain::permission::AdminRole::Administrator,
    )
    .await;
    let sam = as_user(&app, "ssupervisor").await;
    let reason = RemovalRequest {
        reason: "Administration moves to headquarters.".into(),
    };
    let mut numbers = vec![];
    for report in sam.direct_reports().await.expect("reports") {
        if !["aadmin", "jrequester"].contains(&report.user_id.as_str()) {
            continue;
        }
        let admin_role = report
            .roles
            .iter()
            .find(|r| r.role.name == "Administrator")
            .unwrap_or_else(|| panic!("{} is an administrator", report.user_id));
        let v = sam
            .remove_direct_report_role(report.id, admin_role.assignment_id, &reason)
            .await
            .expect("removal");
        numbers.push(v.number);
    }
    assert_eq!(numbers.len(), 2);
    let prov = as_user(&app, "pprovisioner").await;
    let tasks: Vec<_> = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .filter(|t| numbers.contains(&t.saar_number))
        .collect();
    assert_eq!(tasks.len(), 2);
    let done = CompleteProvisioningRequest { note: None };
    let (a, b) = tokio::join!(
        prov.complete_provisioning(tasks[0].id, &done),
        prov.complete_provisioning(tasks[1].id, &done)
    );
    let statuses = [&a, &b].map(|r| r.as_ref().err().and_then(|e| e.status()).unwrap_or(200));
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "one removal, one refusal: {statuses:?}"
    );
    let refused = if a.is_err() { a } else { b };
    assert!(
        refused
            .expect_err("refused")
            .problem()
            .and_then(|p| p.detail.clone())
            .unwrap_or_default()
            .contains("last administrator")
    );
    // One of them still administers AMPS.
    let left = amps::store::users::administrators(&app.ctx.db, app.now())
        .await
        .expect("administrators");
    assert_eq!(left.len(), 1, "{left:?}");
}

async fn roles_are_removed_by_the_user_with_approval_and_by_the_supervisor(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    grant(&app, &requester, vec![ebs, pop]).await;
    let roles = requester.my_roles().await.expect("roles");
    assert_eq!(roles.len(), 2);
    let ebs_assignment = roles
        .iter()
        .find(|r| r.role.id == ebs)
        .expect("ebs")
        .assignment_id;
    let pop_assignment = roles
        .iter()
        .find(|r| r.role.id == pop)
        .expect("pop")
        .assignment_id;

    // The user asks; the supervisor approves; the provisioner removes.
    let reason = RemovalRequest {
        reason: "Moved to another depot.".into(),
    };
    let v = requester
        .request_role_removal(ebs_assignment, &reason)
        .await
        .expect("ask");
    assert_eq!(v.request_type, RequestType::Deactivate);
    assert_eq!(v.waiting_on.expect("supervisor").kind, "supervisor");
    assert_eq!(
        requester
            .request_role_removal(ebs_assignment, &reason)
            .await
            .expect_err("already asked")
            .status(),
        Some(409)
    );
    let vendor = as_user(&app, "vvendor").await;
    assert_eq!(
        vendor
            .request_role_removal(pop_assignment, &reason)
            .await
            .expect_err("not theirs")
            .status(),
        Some(404)
    );
    approve_chain(&app, v.id, &[("ssupervisor", None)]).await;
    let prov = as_user(&app, "pprovisioner").await;
    let t = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == v.number)
        .expect("revoke task");
    assert_eq!(t.kind, "revoke");
    prov.complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("revoked");
    let left: Vec<Uuid> = requester
        .my_roles()
        .await
        .expect("roles")
        .into_iter()
        .map(|r| r.role.id)
        .collect();
    assert_eq!(left, vec![pop]);

    // The supervisor removes a direct report's role at once.
    let sup = as_user(&app, "ssupervisor").await;
    let reports = sup.direct_reports().await.expect("reports");
    let me = reports
        .iter()
        .find(|r| r.user_id == "jrequester")
        .expect("jrequester reports to ssupervisor");
    assert_eq!(me.roles.len(), 1);
    let other = as_user(&app, "iiao").await;
    assert!(other.direct_reports().await.expect("none").is_empty());
    assert_eq!(
        other
            .remove_direct_report_role(me.id, pop_assignment, &reason)
            .await
            .expect_err("not their supervisor")
            .status(),
        Some(403)
    );
    let v = sup
        .remove_direct_report_role(me.id, pop_assignment, &reason)
        .await
        .expect("remove");
    assert_eq!(v.status, SaarStatus::Provisioning);
    let t = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == v.number)
        .expect("revoke task");
    prov.complete_provisioning(
        t.id,
        &CompleteProvisioningRequest {
            note: Some("Removed in HMMS-POP".into()),
        },
    )
    .await
    .expect("revoked");
    assert!(requester.my_roles().await.expect("roles").is_empty());
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(mail.subject.contains("removed"), "{}", mail.subject);
    assert_eq!(
        amps::store::audit::verify_chain(&app.ctx.db)
            .await
            .expect("chain"),
        None
    );
}

/// A webhook receiver on loopback: records each call, answers with `status`.
struct Receiver {
    url: String,
    calls: std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>,
    status: std::sync::Arc<std::sync::atomic::AtomicU16>,
}

async fn receiver() -> Receiver {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::sync::{Arc, Mutex};
    let calls: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let (c, s) = (calls.clone(), status.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = HttpServer::new(move || {
        let (c, s) = (c.clone(), s.clone());
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (c, s) = (c.clone(), s.clone());
                async move {
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    c.lock().expect("lock").push((
                        h("x-amps-signature"),
                        h("idempotency-key"),
                        String::from_utf8_lossy(&body).into_owned(),
                    ));
                    let code =
                        actix_web::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).expect("status");
                    HttpResponse::build(code).finish()
                }
            }),
        )
    })
    .listen(listener)
    .expect("listen")
    .workers(1)
    .run();
    tokio::spawn(server);
    Receiver {
        url: format!("http://127.0.0.1:{port}/hook"),
        calls,
        status,
    }
}

async fn automatic_provisioning_calls_a_signed_webhook_and_falls_back_to_manual(db: Db) {
    // The receiver listens on loopback: allowed here, as for local development.
    let app = seeded_with(db, &|s| {
        s.webhook_networks = vec!["127.0.0.1/32".parse().expect("cidr")]
    })
    .await;
    let hook = receiver().await;
    let admin = as_user(&app, "aadmin").await;
    let application = admin
        .create_application(&CreateApplicationRequest {
            code: "AUTO".into(),
            name: "Automatic app".into(),
            provisioning_mode: ProvisioningMode::Automatic,
            webhook_url: Some(hook.url.clone()),
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let secret = application.webhook_secret.clone().expect("secret shown once");
    assert!(
        admin
            .applications()
            .await
            .expect("list")
            .iter()
            .all(|a| a.webhook_secret.is_none()),
        "never shown again"
    );
    let mut roles = Vec::new();
    for name in ["Auto Reader", "Auto Writer"] {
        roles.push(
            admin
                .create_role(&supervised_role(application.id, name))
                .await
                .expect("role")
                .id,
        );
    }
    let requester = as_user(&app, "jrequester").await;
    let out = requester
        .submit_saars(&submission(roles.clone(), &app))
        .await
        .expect("submit");
    // Approved (not with approve_chain: the webhook job may finish a request before a fresh
    // read could match the approval's answer).
    let sup = as_user(&app, "ssupervisor").await;
    for s in &out.saars {
        let t = task_for(&sup, s.id).await;
        sup.approve(t.id, &ApproveRequest::default())
            .await
            .expect("approved");
    }
    let prov = as_user(&app, "pprovisioner").await;
    assert!(
        prov.provisioning_tasks()
            .await
            .expect("queue")
            .iter()
            .all(|t| t.role.application != "AUTO"),
        "automatic tasks are not manual work"
    );
    // The first role: the server's job calls the webhook, which answers 200; the role is
    // granted.
    let calls_made = || hook.calls.lock().expect("lock").len();
    eventually("both deliveries", || async { calls_made() >= 2 }).await;
    eventually("both roles granted", || async {
        requester.my_roles().await.expect("roles").len() == 2
    })
    .await;
    a_few_rounds().await;
    let calls = hook.calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 2, "delivered once");
    for (sig, key, body) in &calls {
        let payload: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(payload["idempotency_key"].as_str(), Some(key.as_str()));
        assert_eq!(payload["action"], "grant");
        assert_eq!(payload["user"]["user_id"], "jrequester");
        let ts: i64 = sig
            .split(',')
            .next()
            .and_then(|t| t.strip_prefix("t="))
            .and_then(|t| t.parse().ok())
            .expect("timestamp");
        assert_eq!(
            sig,
            &amps::notify::webhook::signature(&secret, ts, body.as_bytes()),
            "signed with the application's secret"
        );
    }
    let held: Vec<Uuid> = requester
        .my_roles()
        .await
        .expect("roles")
        .into_iter()
        .map(|r| r.role.id)
        .collect();
    assert_eq!(held.len(), 2);

    // Removing one: the webhook fails every time, is retried with backoff, then becomes manual.
    hook.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let sup = as_user(&app, "ssupervisor").await;
    let me = sup
        .direct_reports()
        .await
        .expect("reports")
        .into_iter()
        .find(|r| r.user_id == "jrequester")
        .expect("report");
    let assignment = me
        .roles
        .iter()
        .find(|r| r.role.id == roles[0])
        .expect("assignment")
        .assignment_id;
    sup.remove_direct_report_role(
        me.id,
        assignment,
        &RemovalRequest {
            reason: "No longer needed.".into(),
        },
    )
    .await
    .expect("remove");
    for attempt in 1..=amps::notify::webhook::MAX_ATTEMPTS {
        let expected = 2 + attempt as usize;
        eventually("a delivery attempt", || async { calls_made() >= expected }).await;
        a_few_rounds().await;
        assert_eq!(calls_made(), expected, "attempt {attempt} waits for the backoff");
        app.clock.advance(Duration::hours(12));
    }
    a_few_rounds().await;
    assert_eq!(
        calls_made(),
        2 + amps::notify::webhook::MAX_ATTEMPTS as usize,
        "no attempt after the last"
    );
    let prov = as_user(&app, "pprovisioner").await;
    let t = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.role.application == "AUTO")
        .expect("now manual");
    assert_eq!(
        (t.kind.as_str(), t.mode.as_str(), t.attempts),
        ("revoke", "manual", 5)
    );
    assert!(
        t.last_error.as_deref().unwrap_or_default().contains("500"),
        "{:?}",
        t.last_error
    );
    prov.complete_provisioning(
        t.id,
        &CompleteProvisioningRequest {
            note: Some("Removed by hand".into()),
        },
    )
    .await
    .expect("manual");
    let requester = as_user(&app, "jrequester").await;
    assert_eq!(requester.my_roles().await.expect("roles").len(), 1);
}

async fn a_removal_request_is_refused_for_a_role_not_held(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    grant(&app, &requester, vec![ebs]).await;
    let saars_before = app.count("saars").await;
    // Asking to remove a role never held: refused, nothing opened (it used to open a SAAR that
    // the first approver closed and a revoke task for a role nobody held).
    let e = requester
        .submit_saars(&SubmitSaarsRequest {
            request_type: RequestType::Deactivate,
            ..submission(vec![pop], &app)
        })
        .await
        .expect_err("not held");
    assert_eq!(e.status(), Some(422));
    let problem = e.problem().expect("problem");
    assert_eq!(problem.errors[0].field, "role_ids[0]");
    assert_eq!(problem.errors[0].code, "not_held");
    assert_eq!(app.count("saars").await, saars_before, "nothing opened");
    // Removing a role that is held goes to the supervisor.
    let out = requester
        .submit_saars(&SubmitSaarsRequest {
            request_type: RequestType::Deactivate,
            ..submission(vec![ebs], &app)
        })
        .await
        .expect("a held role may be removed");
    assert_eq!(out.saars[0].request_type, RequestType::Deactivate);
    assert_eq!(
        out.saars[0].waiting_on.as_ref().expect("supervisor").kind,
        "supervisor"
    );
}

async fn a_webhook_whose_name_resolves_to_a_private_address_is_never_called(db: Db) {
    // No network allowed: a name for loopback (as a name that later resolves to the cloud
    // metadata address or an internal host would be) is refused when the call is made.
    let app = seeded(db).await;
    let hook = receiver().await;
    let port = hook
        .url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .expect("port");
    let admin = as_user(&app, "aadmin").await;
    let application = admin
        .create_application(&CreateApplicationRequest {
            code: "SNEAKY".into(),
            name: "Resolves inward".into(),
            provisioning_mode: ProvisioningMode::Automatic,
            webhook_url: Some(format!("https://localhost:{port}/hook")),
            provisioner_group_id: None,
        })
        .await
        .expect("a name is checked when it is called");
    let role = admin
        .create_role(&supervised_role(application.id, "Sneaky Reader"))
        .await
        .expect("role")
        .id;
    let requester = as_user(&app, "jrequester").await;
    let saar = submit_one(&app, &requester, role).await;
    let sup = as_user(&app, "ssupervisor").await;
    let t = task_for(&sup, saar.id).await;
    sup.approve(t.id, &ApproveRequest::default())
        .await
        .expect("approved");
    eventually("the delivery is refused", || async {
        app.count(
            "provisioning_tasks WHERE last_error LIKE '%resolves only to private, loopback or reserved addresses%'",
        )
        .await
            == 1
    })
    .await;
    assert!(
        hook.calls.lock().expect("lock").is_empty(),
        "nothing reached the address"
    );
    assert!(requester.my_roles().await.expect("roles").is_empty());
}
