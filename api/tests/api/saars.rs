//! Requests (SAARs) through the API: the HMMS-POP journey, submission and its refusals, role search, return / resubmit / cancel, who may read a request and its history, attachments, a supervisor asking for a report.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;
use uuid::Uuid;

both_dbs!(
    hmms_pop_journey_from_registration_to_current_roles,
    submission_refuses_what_cannot_be_requested_and_changes_nothing,
    a_modification_is_not_a_request_type,
    search_lists_only_roles_the_caller_may_see,
    reject_return_resubmit_and_cancel,
    callers_who_must_be_refused_are_refused,
    attachments_are_checked_by_content_and_read_only_by_requester_and_approvers,
    a_supervisor_requests_for_a_direct_report_and_has_approved_by_asking,
    strangers_are_refused_before_the_version_is_checked,
    a_saars_history_is_its_audit_trail_for_those_who_may_see_it,
);

async fn hmms_pop_journey_from_registration_to_current_roles(db: Db) {
    let app = seeded(db).await;
    let mut reg = app.registration("hazmat1");
    reg.eao_email = "erin.authorizer@dla.example".into();
    app.client().register(&reg).await.expect("register");
    let token = token_in(
        &app.last_mail_to("hazmat1@acme.example").await.body,
        "/verify-email?token=",
    );
    app.client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect("verify");
    let mut vendor = app.client();
    vendor
        .login(&LoginRequest {
            user_id: "hazmat1".into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("login");

    let found = vendor
        .search_roles("Web User POP-001", None)
        .await
        .expect("search");
    let pop = found
        .iter()
        .find(|r| r.environment == "PROD")
        .expect("PROD role listed");
    assert_eq!(pop.application, "HMMS-POP");
    let out = vendor
        .submit_saars(&submission(vec![pop.id], &app))
        .await
        .expect("submit");
    assert_eq!(out.saars.len(), 1);
    let saar = &out.saars[0];
    same_as_read(&vendor, saar).await;
    assert!(saar.number.starts_with("SAAR-2026-"), "{}", saar.number);
    assert_eq!(saar.justification, JUSTIFICATION);
    assert_eq!(
        out.missing_prerequisites
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["EBS Inquiry User"]
    );
    assert!(saar.warnings.iter().any(|w| w.kind == "missing_prerequisite"));

    let mine = vendor.my_requests().await.expect("requests");
    assert_eq!(mine.pending.len(), 1);
    let waiting = mine.pending[0].waiting_on.clone().expect("waits on someone");
    assert_eq!(waiting.who, "Erin Authorizer");
    assert_eq!(waiting.kind, "eao");
    assert_eq!(waiting.seconds_left, Some(20 * 24 * 3600));

    let eao = as_user(&app, "eeao").await;
    assert_eq!(eao.approvals_count().await.expect("count").open, 1);
    let approval_mail = app.last_mail_to("erin.authorizer@dla.example").await;
    assert!(
        approval_mail.subject.contains(&saar.number),
        "{}",
        approval_mail.subject
    );
    approve_chain(
        &app,
        saar.id,
        &[
            ("eeao", None),
            ("ssecurity", Some("III")),
            ("ddataowner", None),
            ("iiao", None),
        ],
    )
    .await;
    assert_eq!(eao.approvals_count().await.expect("count").open, 0);

    let view = vendor.get_saar(saar.id).await.expect("saar");
    assert_eq!(view.status, SaarStatus::Provisioning);
    assert_eq!(view.waiting_on.expect("provisioner").kind, "provisioning");
    assert_eq!(
        view.steps.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        ["eao", "security_officer", "data_owner", "iao"]
    );
    assert!(
        view.steps
            .iter()
            .all(|s| s.status == TaskStatus::Approved && s.decided_by.is_some())
    );

    let prov = as_user(&app, "pprovisioner").await;
    let task = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == saar.number)
        .expect("task");
    prov.complete_provisioning(
        task.id,
        &CompleteProvisioningRequest {
            note: Some("Account created in HMMS-POP".into()),
        },
    )
    .await
    .expect("complete");

    let granted = app.last_mail_to("hazmat1@acme.example").await;
    assert!(granted.subject.contains("is granted"), "{}", granted.subject);
    let roles = vendor.my_roles().await.expect("current roles");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role.name, "Web User POP-001");
    assert_eq!(roles[0].source_saar.as_deref(), Some(saar.number.as_str()));
    assert_eq!(roles[0].expires_at, Some(roles[0].since + Duration::days(365)));
    let mine = vendor.my_requests().await.expect("requests");
    assert!(mine.pending.is_empty());
    assert_eq!(mine.history[0].status, SaarStatus::Completed);
    assert_eq!(
        vendor.me().await.expect("me").it_level,
        "III",
        "the security officer recorded the IT level"
    );
    assert_eq!(
        amps::store::audit::verify_chain(&app.ctx.db)
            .await
            .expect("chain"),
        None
    );
}

async fn submission_refuses_what_cannot_be_requested_and_changes_nothing(db: Db) {
    let app = seeded(db).await;
    let vendor = as_user(&app, "vvendor").await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&vendor, "Web User POP-001", "PROD").await;
    let pop_test = role_id(&requester, "Web User POP-001", "TEST").await;
    let help_desk = role_id(&requester, "Help Desk", "PROD").await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let admin_role = amps::store::entities::role::Entity::find()
        .filter(amps::store::entities::role::Column::Name.eq("Administrator"))
        .one(&app.ctx.db)
        .await
        .expect("q")
        .expect("hidden admin role")
        .id;
    vendor
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("first request");
    let saars = app.count("saars").await;
    let tasks = app.count("approval_tasks").await;
    let cases: Vec<(SubmitSaarsRequest, &str, &str)> = vec![
        (
            submission(vec![pop], &app),
            "role_ids[0]",
            "already have a pending request",
        ),
        (submission(vec![pop_test], &app), "role_ids[0]", "PROD roles only"),
        (submission(vec![help_desk], &app), "role_ids[0]", "internal"),
        (submission(vec![admin_role], &app), "role_ids[0]", "not available"),
        (
            submission(vec![Uuid::new_v4()], &app),
            "role_ids[0]",
            "not available",
        ),
        (
            SubmitSaarsRequest {
                privacy_act_accepted: false,
                ..submission(vec![pop_test], &app)
            },
            "privacy_act_accepted",
            "Privacy Act",
        ),
        (
            SubmitSaarsRequest {
                user_info: SaarUserInfo {
                    ia_training_date: app.now().date_naive() - Duration::days(400),
                    job_title: None,
                    phone: None,
                },
                ..submission(vec![pop_test], &app)
            },
            "user_info.ia_training_date",
            "within the last year",
        ),
        (
            SubmitSaarsRequest {
                justification: "short".into(),
                ..submission(vec![pop_test], &app)
            },
            "justification",
            "",
        ),
    ];
    for (req, field, words) in cases {
        let e = vendor.submit_saars(&req).await.expect_err(field);
        let p = e.problem().expect("problem");
        assert_eq!(p.status, 422, "{field}: {p:?}");
        let f = p
            .errors
            .iter()
            .find(|x| x.field == field)
            .unwrap_or_else(|| panic!("{field} in {p:?}"));
        assert!(f.message.contains(words), "{field}: {}", f.message);
    }
    assert_eq!(
        app.count("saars").await,
        saars,
        "refused submissions create nothing"
    );
    assert_eq!(app.count("approval_tasks").await, tasks);

    // A role already held is refused too.
    let ebs = role_id(&vendor, "EBS Inquiry User", "PROD").await;
    let out = vendor
        .submit_saars(&submission(vec![ebs], &app))
        .await
        .expect("ebs");
    approve_chain(
        &app,
        out.saars[0].id,
        &[
            ("eeao", None),
            ("ssecurity", Some("III")),
            ("ddataowner", None),
            ("iiao", None),
        ],
    )
    .await;
    let prov = as_user(&app, "pprovisioner").await;
    let t = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == out.saars[0].number)
        .expect("task");
    prov.complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("complete");
    let e = vendor
        .submit_saars(&submission(vec![ebs], &app))
        .await
        .expect_err("held");
    assert!(
        e.problem().expect("problem").errors[0]
            .message
            .contains("already hold"),
        "{e}"
    );
}

async fn a_modification_is_not_a_request_type(db: Db) {
    // "modification" was accepted and treated as a first request; it is not a type AMPS has.
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let mut body = serde_json::to_value(submission(vec![pop], &app)).expect("json");
    body["request_type"] = "modification".into();
    let resp = app
        .http()
        .post(app.url("/api/v1/saars"))
        .bearer_auth(requester.token().expect("token"))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(app.count("saars").await, 0, "nothing opened");
}

async fn search_lists_only_roles_the_caller_may_see(db: Db) {
    let app = seeded(db).await;
    let vendor = as_user(&app, "vvendor").await;
    let internal = as_user(&app, "jrequester").await;
    assert!(
        vendor
            .search_roles("Help Desk", None)
            .await
            .expect("search")
            .is_empty(),
        "internal-only role hidden from externals"
    );
    assert!(
        vendor
            .search_roles("Administrator", None)
            .await
            .expect("search")
            .is_empty()
    );
    assert!(
        internal
            .search_roles("Administrator", None)
            .await
            .expect("search")
            .is_empty(),
        "hidden roles are never listed"
    );
    assert_eq!(
        internal
            .search_roles("help desk", None)
            .await
            .expect("search")
            .len(),
        1,
        "search ignores case"
    );
    // Any part of a name, through the search index (three characters or more) or without it.
    for part in ["ser POP-00", "pop-001", "P-"] {
        assert!(
            internal
                .search_roles(part, None)
                .await
                .expect("search")
                .iter()
                .any(|r| r.name == "Web User POP-001"),
            "{part:?} finds Web User POP-001"
        );
    }
    let by_app = internal
        .search_roles("", Some("HMMS-POP"))
        .await
        .expect("by application");
    assert_eq!(by_app.len(), 2);
    assert!(by_app.iter().all(|r| r.application == "HMMS-POP"));
    let by_app_name = vendor
        .search_roles("hazardous", None)
        .await
        .expect("by application name");
    assert!(by_app_name.iter().any(|r| r.name == "Web User POP-001"));
    let pop = &by_app_name[0];
    assert_eq!(pop.prerequisites[0].name, "EBS Inquiry User");
    assert!(!pop.held && !pop.pending);
    assert!(
        vendor.search_roles("%", None).await.expect("literal").is_empty(),
        "wildcards are matched literally"
    );
    let vendor_pop = vendor
        .search_roles("Web User POP-001", None)
        .await
        .expect("search");
    assert_eq!(
        vendor_pop.len(),
        1,
        "External may request PROD roles only, so TEST roles are not offered"
    );
    assert!(
        vendor
            .search_roles("Web_User", None)
            .await
            .expect("literal")
            .is_empty()
    );
}

async fn reject_return_resubmit_and_cancel(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let sup = as_user(&app, "ssupervisor").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let test = role_id(&requester, "Web User POP-001", "TEST").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    let out = requester
        .submit_saars(&submission(vec![pop, test, ebs], &app))
        .await
        .expect("submit three");
    assert_eq!(out.saars.len(), 3);
    let numbers: std::collections::HashSet<_> = out.saars.iter().map(|s| s.number.clone()).collect();
    assert_eq!(numbers.len(), 3, "each SAAR has its own number");
    let (s_pop, s_test, s_ebs) = (out.saars[0].id, out.saars[1].id, out.saars[2].id);

    let t = task_for(&sup, s_pop).await;
    let e = sup
        .reject(
            t.id,
            &RejectRequest {
                reason: RejectReason::Other,
                comment: None,
            },
        )
        .await
        .expect_err("other needs a comment");
    assert_eq!(e.status(), Some(422));
    let v = sup
        .reject(
            t.id,
            &RejectRequest {
                reason: RejectReason::NotNeeded,
                comment: Some("Use the TEST role first.".into()),
            },
        )
        .await
        .expect("reject");
    same_as_read(&sup, &v).await;
    assert_eq!(v.status, SaarStatus::Rejected);
    assert_eq!(v.steps[0].reason_code.as_deref(), Some("not_needed"));
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(
        mail.subject.contains("rejected") && mail.body.contains("not needed"),
        "{}",
        mail.body
    );
    assert_eq!(
        sup.approve(t.id, &ApproveRequest::default())
            .await
            .expect_err("decided")
            .status(),
        Some(409)
    );

    let t = task_for(&sup, s_test).await;
    let v = sup
        .return_to_requester(
            t.id,
            &ReturnRequest {
                comment: "Which shipments will you process?".into(),
            },
        )
        .await
        .expect("return");
    same_as_read(&sup, &v).await;
    assert_eq!(v.status, SaarStatus::Returned);
    assert_eq!(v.waiting_on.expect("requester").kind, "requester");
    let v = requester
        .resubmit_saar(
            s_test,
            &ResubmitSaarRequest {
                justification: "Test shipments for the Richmond depot before go-live.".into(),
            },
        )
        .await
        .expect("resubmit");
    same_as_read(&requester, &v).await;
    assert_eq!(v.status, SaarStatus::Pending);
    assert_eq!(
        v.justification,
        "Test shipments for the Richmond depot before go-live."
    );
    assert_eq!(v.waiting_on.expect("supervisor again").kind, "supervisor");
    assert_eq!(
        requester
            .resubmit_saar(
                s_test,
                &ResubmitSaarRequest {
                    justification: "again and again".into()
                }
            )
            .await
            .expect_err("not returned")
            .status(),
        Some(409)
    );

    let v = requester.cancel_saar(s_ebs).await.expect("cancel");
    assert_eq!(v.status, SaarStatus::Cancelled);
    assert!(v.steps.iter().all(|s| s.status != TaskStatus::Open));
    assert_eq!(
        sup.approvals_count().await.expect("count").open,
        1,
        "only the resubmitted one waits"
    );
    assert_eq!(
        requester
            .cancel_saar(s_ebs)
            .await
            .expect_err("already cancelled")
            .status(),
        Some(409)
    );
    let mine = requester.my_requests().await.expect("mine");
    assert_eq!(mine.pending.len(), 1);
    assert_eq!(mine.history.len(), 2);
}

async fn callers_who_must_be_refused_are_refused(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let sup = as_user(&app, "ssupervisor").await;
    let task = task_for(&sup, saar.id).await;

    let other = as_user(&app, "hhelpdesk").await;
    let vendor = as_user(&app, "vvendor").await;
    let so = as_user(&app, "ssecurity").await;
    // Another requester, an external user, an approver of a later level.
    assert_eq!(
        vendor
            .get_saar(saar.id)
            .await
            .expect_err("external on internal data")
            .status(),
        Some(403)
    );
    assert_eq!(
        vendor
            .cancel_saar(saar.id)
            .await
            .expect_err("not theirs")
            .status(),
        Some(403)
    );
    assert_eq!(
        so.approve(task.id, &ApproveRequest::default())
            .await
            .expect_err("later level")
            .status(),
        Some(403)
    );
    assert_eq!(
        vendor
            .approve(task.id, &ApproveRequest::default())
            .await
            .expect_err("not an approver")
            .status(),
        Some(403)
    );
    assert_eq!(
        vendor
            .reject(
                task.id,
                &RejectRequest {
                    reason: RejectReason::NotNeeded,
                    comment: None
                }
            )
            .await
            .expect_err("reject")
            .status(),
        Some(403)
    );
    assert_eq!(
        vendor
            .provisioning_tasks()
            .await
            .expect_err("not a provisioner")
            .status(),
        Some(403)
    );
    let role = supervised_role(Uuid::new_v4(), "Sneaky");
    assert_eq!(
        requester
            .create_role(&role)
            .await
            .expect_err("not a catalog manager")
            .status(),
        Some(403)
    );
    assert_eq!(
        app.client().approvals().await.expect_err("anonymous").status(),
        Some(401)
    );
    let hd = other
        .get_saar(saar.id)
        .await
        .expect("the help desk may read requests");
    assert_eq!(hd.number, saar.number);
    assert!(
        vendor.approvals().await.expect("empty inbox").is_empty(),
        "others' tasks never show"
    );
    let on_behalf = SubmitSaarsRequest {
        on_behalf_of: Some(saar.subject_id),
        ..submission(vec![pop], &app)
    };
    assert_eq!(
        vendor
            .submit_saars(&on_behalf)
            .await
            .expect_err("not a direct report")
            .status(),
        Some(403)
    );
    assert_eq!(app.count("saars").await, 1);
}

async fn attachments_are_checked_by_content_and_read_only_by_requester_and_approvers(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let a = requester
        .upload_attachment(saar.id, "training-certificate.pdf", pdf.clone())
        .await
        .expect("pdf");
    assert_eq!(a.content_type, "application/pdf");
    assert_eq!(a.size, pdf.len() as i64);
    use sha2::Digest;
    assert_eq!(a.sha256, hex::encode(sha2::Sha256::digest(&pdf)));
    let t = requester
        .upload_attachment(saar.id, "note.pdf", b"Plain words, named like a PDF.".to_vec())
        .await
        .expect("text");
    assert_eq!(
        t.content_type, "text/plain; charset=utf-8",
        "the type comes from the content"
    );
    let exe = requester
        .upload_attachment(
            saar.id,
            "report.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(),
        )
        .await
        .expect_err("exe");
    assert_eq!(exe.problem().expect("problem").errors[0].code, "type_not_allowed");
    let big = requester
        .upload_attachment(saar.id, "big.txt", vec![b'a'; 10 * 1024 * 1024 + 1])
        .await
        .expect_err("too big");
    assert_eq!(big.status(), Some(413));
    let empty = requester
        .upload_attachment(saar.id, "empty.txt", vec![])
        .await
        .expect_err("empty");
    assert_eq!(empty.status(), Some(422));

    let sup = as_user(&app, "ssupervisor").await;
    let listed = sup.attachments(saar.id).await.expect("the approver reads");
    assert_eq!(listed.len(), 2);
    let resp = app
        .http()
        .get(app.url(&format!("/api/v1/saars/{}/attachments/{}", saar.id, a.id)))
        .bearer_auth(sup.token().expect("token"))
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), pdf);
    assert_eq!(
        sup.download_attachment(saar.id, a.id)
            .await
            .expect("client download"),
        pdf
    );
    let vendor = as_user(&app, "vvendor").await;
    assert_eq!(
        vendor
            .download_attachment(saar.id, a.id)
            .await
            .expect_err("outsider")
            .status(),
        Some(403)
    );
    assert_eq!(
        vendor.attachments(saar.id).await.expect_err("outsider").status(),
        Some(403)
    );
    assert_eq!(
        vendor
            .upload_attachment(saar.id, "x.txt", b"hello".to_vec())
            .await
            .expect_err("outsider")
            .status(),
        Some(403)
    );
    let so = as_user(&app, "ssecurity").await;
    assert_eq!(
        so.attachments(saar.id)
            .await
            .expect_err("a later level has not acted yet")
            .status(),
        Some(403)
    );

    let task = task_for(&sup, saar.id).await;
    sup.reject(
        task.id,
        &RejectRequest {
            reason: RejectReason::NotNeeded,
            comment: None,
        },
    )
    .await
    .expect("reject");
    let late = requester
        .upload_attachment(saar.id, "late.txt", b"too late".to_vec())
        .await
        .expect_err("closed");
    assert_eq!(late.status(), Some(409));
    assert_eq!(app.count("attachments").await, 2, "refused uploads store nothing");
}

async fn a_supervisor_requests_for_a_direct_report_and_has_approved_by_asking(db: Db) {
    let app = seeded(db).await;
    let sup = as_user(&app, "ssupervisor").await;
    let report = sup
        .direct_reports()
        .await
        .expect("reports")
        .into_iter()
        .find(|r| r.user_id == "jrequester")
        .expect("report");
    // The report's DD 2875 information on file is what the request starts from.
    assert_eq!(report.phone, "+1 703 555 0100");
    let on_file = report.ia_training_date.expect("training on file");
    let pop = role_id(&sup, "Web User POP-001", "PROD").await;
    let out = sup
        .submit_saars(&SubmitSaarsRequest {
            on_behalf_of: Some(report.id),
            user_info: SaarUserInfo {
                ia_training_date: on_file,
                job_title: Some("Hazmat clerk".into()),
                phone: Some("+1 703 555 0177".into()),
            },
            ..submission(vec![pop], &app)
        })
        .await
        .expect("on behalf");
    let s = &out.saars[0];
    assert_eq!(s.user_info["job_title"], "Hazmat clerk");
    assert_eq!(s.user_info["phone"], "+1 703 555 0177");
    // Recorded on the SAAR only: the report's account is theirs, not their supervisor's.
    let subject_now = as_user(&app, "jrequester").await.me().await.expect("me");
    assert_eq!(subject_now.phone, "+1 703 555 0100");
    assert_eq!(subject_now.job_title, None);
    assert_eq!(subject_now.ia_training_date, Some(on_file));
    same_as_read(&sup, s).await;
    assert_eq!(s.subject_id, report.id);
    assert!(s.requester.contains("ssupervisor"), "{}", s.requester);
    assert_eq!(s.steps[0].status, TaskStatus::Approved);
    assert_eq!(s.steps[0].decided_by.as_deref(), Some("Sam Supervisor"));
    assert_eq!(
        s.waiting_on.as_ref().expect("next level").kind,
        "security_officer"
    );
    assert_eq!(sup.approvals_count().await.expect("count").open, 0);
    let requester = as_user(&app, "jrequester").await;
    let mine = requester.my_requests().await.expect("mine");
    assert_eq!(
        mine.pending[0].number, s.number,
        "the subject sees it under Pending Requests"
    );
    assert!(
        app.last_mail_to("sara.securityofficer@dla.example")
            .await
            .subject
            .contains(&s.number)
    );
}

async fn strangers_are_refused_before_the_version_is_checked(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let stranger = as_user(&app, "vvendor").await;
    // A stale If-Match on someone else's request: refused as a stranger (403), and the answer
    // names neither the request's number nor its version.
    for (path, body) in [
        ("cancel", serde_json::json!({})),
        (
            "resubmit",
            serde_json::json!({"justification": "Let me in, I need this role now."}),
        ),
    ] {
        let resp = app
            .http()
            .post(app.url(&format!("/api/v1/saars/{}/{path}", saar.id)))
            .bearer_auth(stranger.token().expect("token"))
            .header("If-Match", "\"99\"")
            .json(&body)
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status().as_u16(), 403, "{path}");
        let text = resp.text().await.expect("body");
        assert!(!text.contains(&saar.number), "{path}: {text}");
        assert!(!text.contains("version"), "{path}: {text}");
    }
    // The requester with the same stale version gets the 412.
    let resp = app
        .http()
        .post(app.url(&format!("/api/v1/saars/{}/cancel", saar.id)))
        .bearer_auth(requester.token().expect("token"))
        .header("If-Match", "\"99\"")
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 412);
    assert_eq!(
        requester.get_saar(saar.id).await.expect("saar").status,
        SaarStatus::Pending,
        "nothing changed"
    );
}

async fn a_saars_history_is_its_audit_trail_for_those_who_may_see_it(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let sup = as_user(&app, "ssupervisor").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let t = task_for(&sup, saar.id).await;
    sup.return_to_requester(
        t.id,
        &ReturnRequest {
            comment: "Which shipments will you process?".into(),
        },
    )
    .await
    .expect("return");
    requester
        .resubmit_saar(
            saar.id,
            &ResubmitSaarRequest {
                justification: format!("{JUSTIFICATION} The DLA Troop Support shipments."),
            },
        )
        .await
        .expect("resubmit");
    let t = task_for(&sup, saar.id).await;
    sup.approve(t.id, &ApproveRequest::default())
        .await
        .expect("approve level 1");

    // Everyone who may see the SAAR reads the same trail, in the order it happened.
    let mine = requester
        .saar_history(saar.id)
        .await
        .expect("the requester's view");
    let actions: Vec<(&str, &str)> = mine
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("saar.submitted", "jrequester"),
            ("saar.returned", "ssupervisor"),
            ("saar.resubmitted", "jrequester"),
            ("saar.level_approved", "ssupervisor"),
        ],
        "{mine:#?}"
    );
    assert!(mine.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        mine[1].details["comment"].as_str(),
        Some("Which shipments will you process?"),
        "{:#?}",
        mine[1]
    );
    let help_desk = as_user(&app, "hhelpdesk").await;
    assert_eq!(help_desk.saar_history(saar.id).await.expect("help desk").len(), 4);
    // Sealed by the running server: each event gets its place and hash in the chain.
    eventually("the trail is sealed", || async {
        requester
            .saar_history(saar.id)
            .await
            .expect("history")
            .iter()
            .all(|e| e.seq.is_some() && e.hash.as_ref().is_some_and(|h| h.len() == 64))
    })
    .await;

    // Those who may not see the SAAR learn nothing of it.
    let vendor = as_user(&app, "vvendor").await;
    assert_eq!(
        vendor
            .saar_history(saar.id)
            .await
            .expect_err("a stranger")
            .status(),
        Some(403)
    );
    assert_eq!(
        app.client()
            .saar_history(saar.id)
            .await
            .expect_err("nobody signed in")
            .status(),
        Some(401)
    );
    assert_eq!(
        requester
            .saar_history(Uuid::now_v7())
            .await
            .expect_err("no such SAAR")
            .status(),
        Some(404)
    );
}
