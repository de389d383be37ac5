//! The SAAR workflow through the API: catalog, requests, approvals, provisioning, deadlines.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;
use uuid::Uuid;

both_dbs!(
    hmms_pop_journey_from_registration_to_current_roles,
    submission_refuses_what_cannot_be_requested_and_changes_nothing,
    search_lists_only_roles_the_caller_may_see,
    two_approvers_acting_at_once_make_exactly_one_transition,
    reject_return_resubmit_and_cancel,
    callers_who_must_be_refused_are_refused,
    security_officer_must_record_a_sufficient_it_level,
    sod_conflicts_warn_at_request_and_need_an_exception_to_approve,
    reminders_every_two_days_then_the_deadline_expires_the_request,
    roles_are_removed_by_the_user_with_approval_and_by_the_supervisor,
    a_supervisor_change_moves_open_tasks_to_the_new_supervisor,
    deputies_act_for_an_approver_during_the_period,
    external_approvers_act_through_a_single_use_emailed_link,
    attachments_are_checked_by_content_and_read_only_by_requester_and_approvers,
    automatic_provisioning_calls_a_signed_webhook_and_falls_back_to_manual,
    catalog_writes_are_for_catalog_managers_and_refuse_bad_input,
    a_supervisor_requests_for_a_direct_report_and_has_approved_by_asking,
);

const JUSTIFICATION: &str = "Need access to HMMS-POP in order to process hazardous material shipments.";

fn submission(roles: Vec<Uuid>, app: &TestApp) -> SubmitSaarsRequest {
    SubmitSaarsRequest {
        privacy_act_accepted: true,
        role_ids: roles,
        justification: JUSTIFICATION.into(),
        request_type: RequestType::Initial,
        user_info: SaarUserInfo {
            ia_training_date: app.now().date_naive() - Duration::days(30),
            job_title: None,
            phone: None,
        },
        on_behalf_of: None,
    }
}

async fn role_id(c: &Client, name: &str, env: &str) -> Uuid {
    c.search_roles(name, None)
        .await
        .expect("search")
        .into_iter()
        .find(|r| r.name == name && r.environment == env)
        .unwrap_or_else(|| panic!("{name} {env} not found"))
        .id
}

/// The one open task of `saar` in `approver`'s inbox.
async fn task_for(approver: &Client, saar: Uuid) -> ApprovalTaskResponse {
    approver
        .approvals()
        .await
        .expect("inbox")
        .into_iter()
        .find(|t| t.saar.id == saar)
        .expect("task in the approver's inbox")
}

/// The view a change answers with (built from the rows it wrote) is the one a fresh read
/// shows.
async fn same_as_read(c: &Client, view: &SaarResponse) {
    let read = c.get_saar(view.id).await.expect("read back");
    assert_eq!(
        serde_json::to_value(view).expect("json"),
        serde_json::to_value(&read).expect("json"),
        "the answer of a change differs from a fresh read"
    );
}

async fn approve_chain(app: &TestApp, saar: Uuid, approvers: &[(&str, Option<&str>)]) {
    for (login, it_level) in approvers {
        let c = as_user(app, login).await;
        let t = task_for(&c, saar).await;
        let v = c
            .approve(
                t.id,
                &ApproveRequest {
                    it_level: it_level.map(str::to_string),
                    ..Default::default()
                },
            )
            .await
            .expect(login);
        same_as_read(&c, &v).await;
    }
}

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

/// A role approved by a two-member group, created through the catalog API.
async fn group_role(app: &TestApp) -> (Uuid, Uuid) {
    let admin = as_user(app, "aadmin").await;
    let users = |login: &'static str| async move { as_user(app, login).await.me().await.expect("me").id };
    let (a, b) = (users("ssupervisor").await, users("ddataowner").await);
    let group = admin
        .create_approval_group(&CreateApprovalGroupRequest {
            name: "Reports approvers".into(),
            description: String::new(),
            members: vec![a, b],
        })
        .await
        .expect("group");
    let application = admin
        .create_application(&CreateApplicationRequest {
            code: "RPT".into(),
            name: "Reports".into(),
            provisioning_mode: ProvisioningMode::Manual,
            webhook_url: None,
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let role = admin
        .create_role(&CreateRoleRequest {
            application_id: application.id,
            name: "Report Reader".into(),
            environment: "PROD".into(),
            description: "Reads reports".into(),
            hidden: false,
            visible_to: vec![],
            requestable_by: Requestable::Both,
            min_it_level: "none".into(),
            prerequisites: vec![],
            chain: vec![ChainLevel {
                kind: "group".into(),
                group_id: Some(group.id),
            }],
            default_expiration_days: Some(90),
            mfa_required: false,
            data_owner_id: None,
            iao_id: None,
        })
        .await
        .expect("role");
    (role.id, group.id)
}

async fn two_approvers_acting_at_once_make_exactly_one_transition(db: Db) {
    let app = seeded(db).await;
    let (role, _) = group_role(&app).await;
    let requester = as_user(&app, "jrequester").await;
    let saar = requester
        .submit_saars(&submission(vec![role], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    assert_eq!(saar.waiting_on.as_ref().expect("group").who, "Reports approvers");
    let a = as_user(&app, "ssupervisor").await;
    let b = as_user(&app, "ddataowner").await;
    let task = task_for(&a, saar.id).await;
    assert_eq!(
        task_for(&b, saar.id).await.id,
        task.id,
        "both group members see the task"
    );
    let body = ApproveRequest::default();
    let (ra, rb) = tokio::join!(a.approve(task.id, &body), b.approve(task.id, &body));
    let statuses: Vec<Option<u16>> = [&ra, &rb]
        .iter()
        .map(|r| match r {
            Ok(_) => Some(200),
            Err(e) => e.status(),
        })
        .collect();
    assert!(
        statuses.contains(&Some(200)) && statuses.contains(&Some(409)),
        "{statuses:?}"
    );
    let view = requester.get_saar(saar.id).await.expect("saar");
    assert_eq!(view.status, SaarStatus::Provisioning);
    assert_eq!(view.version, saar.version + 1, "exactly one transition");
    let events = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        amps::store::entities::audit_event::Entity::find()
            .filter(amps::store::entities::audit_event::Column::Action.eq("saar.approved"))
            .count(&app.ctx.db)
            .await
            .expect("count")
    };
    assert_eq!(events, 1);
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
    let saar = requester
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
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
    let role = CreateRoleRequest {
        application_id: Uuid::new_v4(),
        name: "Sneaky".into(),
        environment: "PROD".into(),
        description: String::new(),
        hidden: false,
        visible_to: vec![],
        requestable_by: Requestable::Both,
        min_it_level: "none".into(),
        prerequisites: vec![],
        chain: vec![ChainLevel {
            kind: "supervisor".into(),
            group_id: None,
        }],
        default_expiration_days: None,
        mfa_required: false,
        data_owner_id: None,
        iao_id: None,
    };
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

async fn security_officer_must_record_a_sufficient_it_level(db: Db) {
    let app = seeded(db).await;
    let vendor = as_user(&app, "vvendor").await;
    let pop = role_id(&vendor, "Web User POP-001", "PROD").await;
    let saar = vendor
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    approve_chain(&app, saar.id, &[("eeao", None)]).await;
    let so = as_user(&app, "ssecurity").await;
    let t = task_for(&so, saar.id).await;
    let e = so
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect_err("vendor has no IT level");
    let p = e.problem().expect("problem");
    assert_eq!(p.errors[0].field, "it_level");
    assert!(
        p.errors[0].message.contains("at least III"),
        "{}",
        p.errors[0].message
    );
    let e = so
        .approve(
            t.id,
            &ApproveRequest {
                it_level: Some("IV".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("bad level");
    assert_eq!(e.status(), Some(422));
    let v = so
        .approve(
            t.id,
            &ApproveRequest {
                it_level: Some("II".into()),
                ..Default::default()
            },
        )
        .await
        .expect("II meets III");
    assert_eq!(v.waiting_on.expect("data owner").kind, "data_owner");
    let dob = as_user(&app, "ddataowner").await;
    let t = task_for(&dob, saar.id).await;
    let e = dob
        .approve(
            t.id,
            &ApproveRequest {
                it_level: Some("I".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("only the SO");
    assert_eq!(e.status(), Some(422));
}

async fn sod_conflicts_warn_at_request_and_need_an_exception_to_approve(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    admin
        .create_sod_rule(&CreateSodRuleRequest {
            name: "Order entry vs shipment".into(),
            description: String::new(),
            role_ids: vec![pop, ebs],
        })
        .await
        .expect("rule");
    let out = requester
        .submit_saars(&submission(vec![pop, ebs], &app))
        .await
        .expect("accepted with warnings");
    for s in &out.saars {
        assert!(
            s.warnings
                .iter()
                .any(|w| w.kind == "sod_conflict" && w.message.contains("Order entry vs shipment")),
            "{:?}",
            s.warnings
        );
        same_as_read(&requester, s).await;
    }
    let sup = as_user(&app, "ssupervisor").await;
    let t = task_for(&sup, out.saars[0].id).await;
    let e = sup
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect_err("exception needed");
    assert_eq!(
        e.problem().expect("problem").errors[0].field,
        "sod_exception_reason"
    );
    let v = sup
        .approve(
            t.id,
            &ApproveRequest {
                sod_exception_reason: Some("Small depot: one clerk covers both duties.".into()),
                ..Default::default()
            },
        )
        .await
        .expect("approved with an exception");
    same_as_read(&sup, &v).await;
    assert!(v.sod_exception.expect("recorded").contains("Small depot"));
}

async fn reminders_every_two_days_then_the_deadline_expires_the_request(db: Db) {
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = requester
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    let reminders = |app: &TestApp| {
        let db = app.ctx.db.clone();
        async move {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            amps::store::entities::outbox::Entity::find()
                .filter(amps::store::entities::outbox::Column::Subject.contains("reminder"))
                .count(&db)
                .await
                .expect("count")
        }
    };
    let r = amps::jobs::approvals::tick(&app.ctx).await.expect("tick");
    assert_eq!(r, amps::jobs::approvals::Round::default(), "nothing due yet");
    for step in 1..=3 {
        app.clock.advance(Duration::days(2));
        replica.clock.advance(Duration::days(2));
        // Two replicas run the job at the same moment: each reminder is sent once.
        let (a, b) = tokio::join!(
            amps::jobs::approvals::tick(&app.ctx),
            amps::jobs::approvals::tick(&replica.ctx)
        );
        assert_eq!(
            a.expect("a").reminders + b.expect("b").reminders,
            1,
            "step {step}"
        );
        assert_eq!(reminders(&app).await, step);
    }
    let mail = app.last_mail_to("sam.supervisor@dla.example").await;
    assert!(mail.subject.starts_with("AMPS: reminder: "), "{}", mail.subject);
    app.clock.advance(Duration::days(14));
    replica.clock.advance(Duration::days(14));
    let (a, b) = tokio::join!(
        amps::jobs::approvals::tick(&app.ctx),
        amps::jobs::approvals::tick(&replica.ctx)
    );
    assert_eq!(a.expect("a").expired + b.expect("b").expired, 1);
    // Weeks passed: the morning's access token has long expired; sign in again.
    let requester = as_user(&app, "jrequester").await;
    let v = requester.get_saar(saar.id).await.expect("saar");
    assert_eq!(v.status, SaarStatus::Expired);
    assert_eq!(v.steps[0].status, TaskStatus::Expired);
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(mail.subject.ends_with("expired"), "{}", mail.subject);
    let r = amps::jobs::approvals::tick(&app.ctx).await.expect("tick");
    assert_eq!(
        r,
        amps::jobs::approvals::Round::default(),
        "an expired request gets no more reminders"
    );
}

async fn grant(app: &TestApp, c: &Client, roles: Vec<Uuid>) {
    let out = c.submit_saars(&submission(roles, app)).await.expect("submit");
    let prov = as_user(app, "pprovisioner").await;
    for s in &out.saars {
        approve_chain(
            app,
            s.id,
            &[
                ("ssupervisor", None),
                ("ssecurity", None),
                ("ddataowner", None),
                ("iiao", None),
            ],
        )
        .await;
        let t = prov
            .provisioning_tasks()
            .await
            .expect("queue")
            .into_iter()
            .find(|t| t.saar_number == s.number)
            .expect("task");
        prov.complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
            .await
            .expect("complete");
    }
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

async fn a_supervisor_change_moves_open_tasks_to_the_new_supervisor(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = requester
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    let old = as_user(&app, "ssupervisor").await;
    let new = as_user(&app, "ddataowner").await;
    let bad = requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("vvendor".into()),
            ..Default::default()
        })
        .await
        .expect_err("an external user cannot supervise");
    assert_eq!(bad.problem().expect("problem").errors[0].field, "supervisor");
    let bad = requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("nobody-like-this".into()),
            ..Default::default()
        })
        .await
        .expect_err("unknown");
    assert_eq!(bad.status(), Some(422));
    let me = requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("ddataowner".into()),
            ..Default::default()
        })
        .await
        .expect("change");
    assert_eq!(me.supervisor.expect("supervisor").user_id, "ddataowner");
    assert_eq!(
        old.approvals_count().await.expect("count").open,
        0,
        "the old supervisor's task moved"
    );
    let t = task_for(&new, saar.id).await;
    assert_eq!(t.kind, "supervisor");
    assert_eq!(
        requester
            .get_saar(saar.id)
            .await
            .expect("saar")
            .waiting_on
            .expect("new")
            .who,
        "Dan Dataowner"
    );
    let mail = app.last_mail_to("dan.dataowner@dla.example").await;
    assert!(mail.subject.contains(&saar.number), "{}", mail.subject);
}

async fn deputies_act_for_an_approver_during_the_period(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let sup = as_user(&app, "ssupervisor").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    let first = requester
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    let bad = sup
        .set_deputy(&SetDeputyRequest {
            deputy: "iiao".into(),
            starts_at: app.now() + Duration::days(3),
            ends_at: app.now() + Duration::days(1),
        })
        .await
        .expect_err("ends before it starts");
    assert_eq!(bad.status(), Some(422));
    let d = sup
        .set_deputy(&SetDeputyRequest {
            deputy: "iiao".into(),
            starts_at: app.now() + Duration::days(1),
            ends_at: app.now() + Duration::days(8),
        })
        .await
        .expect("deputy from tomorrow");
    assert_eq!(d.deputy.user_id, "iiao");
    assert_eq!(
        sup.me().await.expect("me").deputy.expect("deputy").deputy.user_id,
        "iiao"
    );
    assert_eq!(sup.approvals_count().await.expect("count").open, 1, "not yet");
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    let r = amps::jobs::approvals::tick(&app.ctx).await.expect("tick");
    assert_eq!(r.delegated, 1);
    // A day passed: sign in again.
    let (sup, requester) = (
        as_user(&app, "ssupervisor").await,
        as_user(&app, "jrequester").await,
    );
    assert_eq!(sup.approvals_count().await.expect("count").open, 0);
    let deputy = as_user(&app, "iiao").await;
    task_for(&deputy, first.id).await;
    let second = requester
        .submit_saars(&submission(vec![ebs], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    let t = task_for(&deputy, second.id).await;
    deputy
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect("the deputy approves");
    app.clock.advance(Duration::days(8));
    sup.clear_deputy().await.expect_err("token expired meanwhile");
    let sup = as_user(&app, "ssupervisor").await;
    let requester = as_user(&app, "jrequester").await;
    let test = role_id(&requester, "Web User POP-001", "TEST").await;
    let third = requester
        .submit_saars(&submission(vec![test], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    task_for(&sup, third.id).await;
    sup.clear_deputy().await.expect("clear");
    assert_eq!(
        sup.clear_deputy().await.expect_err("none left").status(),
        Some(404)
    );
}

async fn external_approvers_act_through_a_single_use_emailed_link(db: Db) {
    let app = seeded(db).await;
    let vendor = as_user(&app, "vvendor").await;
    let pop = role_id(&vendor, "Web User POP-001", "PROD").await;
    let saar = vendor
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
    // The EAO first returns it for more information through the link; the vendor resubmits,
    // and a fresh link goes out.
    let returning = token_in(
        &app.last_mail_to("erin.authorizer@dla.example").await.body,
        "/approval-link?token=",
    );
    let anonymous = app.client();
    let returned = anonymous
        .return_by_link(
            &returning,
            &ReturnRequest {
                comment: "Name the shipments you will process.".into(),
            },
        )
        .await
        .expect("returned by link");
    assert_eq!(returned.status, SaarStatus::Returned);
    assert_eq!(
        anonymous
            .approve_by_link(&returning, &ApproveRequest::default())
            .await
            .expect_err("the link ended with the task")
            .status(),
        Some(400)
    );
    vendor
        .resubmit_saar(
            saar.id,
            &ResubmitSaarRequest {
                justification: "Hazardous material shipments for the Richmond depot.".into(),
            },
        )
        .await
        .expect("resubmit");
    let first = token_in(
        &app.last_mail_to("erin.authorizer@dla.example").await.body,
        "/approval-link?token=",
    );
    assert_ne!(first, returning);
    // A reminder mails a fresh link; the first one stops working.
    app.clock.advance(Duration::days(2));
    amps::jobs::approvals::tick(&app.ctx).await.expect("tick");
    let token = token_in(
        &app.last_mail_to("erin.authorizer@dla.example").await.body,
        "/approval-link?token=",
    );
    assert_ne!(first, token);
    assert_eq!(
        anonymous
            .approval_link(&first)
            .await
            .expect_err("replaced")
            .status(),
        Some(400)
    );
    let view = anonymous
        .approval_link(&token)
        .await
        .expect("the link opens without a session");
    assert_eq!(view.saar.id, saar.id);
    assert_eq!(view.kind, "eao");
    let forged = format!("{}x", &token[..token.len() - 1]);
    assert_eq!(
        anonymous
            .approve_by_link(&forged, &ApproveRequest::default())
            .await
            .expect_err("forged")
            .status(),
        Some(400)
    );
    let v = anonymous
        .approve_by_link(&token, &ApproveRequest::default())
        .await
        .expect("approved by link");
    // The history keeps both EAO steps: the return with its comment, then the approval.
    let eao: Vec<_> = v.steps.iter().filter(|s| s.kind == "eao").collect();
    assert_eq!(eao.len(), 2);
    assert_eq!(eao[0].status, TaskStatus::Returned);
    assert_eq!(
        eao[0].comment.as_deref(),
        Some("Name the shipments you will process.")
    );
    assert_eq!(eao[1].status, TaskStatus::Approved);
    assert_eq!(eao[1].decided_by.as_deref(), Some("Erin Authorizer"));
    assert_eq!(v.waiting_on.expect("next").kind, "security_officer");
    let again = anonymous
        .approve_by_link(&token, &ApproveRequest::default())
        .await
        .expect_err("single use");
    assert_eq!(again.status(), Some(400));
    assert!(
        !app.last_mail_to("sara.securityofficer@dla.example")
            .await
            .body
            .contains("approval-link"),
        "internal levels use the inbox"
    );
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ev = amps::store::entities::audit_event::Entity::find()
        .filter(amps::store::entities::audit_event::Column::Action.eq("saar.level_approved"))
        .one(&app.ctx.db)
        .await
        .expect("q")
        .expect("event");
    assert_eq!(ev.actor, "eeao (emailed link)");
}

async fn attachments_are_checked_by_content_and_read_only_by_requester_and_approvers(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = requester
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars[0]
        .clone();
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
    let app = seeded(db).await;
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
                .create_role(&CreateRoleRequest {
                    application_id: application.id,
                    name: name.into(),
                    environment: "PROD".into(),
                    description: String::new(),
                    hidden: false,
                    visible_to: vec![],
                    requestable_by: Requestable::Both,
                    min_it_level: "none".into(),
                    prerequisites: vec![],
                    chain: vec![ChainLevel {
                        kind: "supervisor".into(),
                        group_id: None,
                    }],
                    default_expiration_days: None,
                    mfa_required: false,
                    data_owner_id: None,
                    iao_id: None,
                })
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
    for s in &out.saars {
        approve_chain(&app, s.id, &[("ssupervisor", None)]).await;
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
    let http = reqwest::Client::new();

    // The first role: the webhook answers 200 and the role is granted.
    let r = amps::jobs::webhooks::tick(&app.ctx, &http).await.expect("tick");
    assert_eq!(r.delivered, 2);
    let calls = hook.calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 2);
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
    assert_eq!(
        amps::jobs::webhooks::tick(&app.ctx, &http).await.expect("tick"),
        amps::jobs::webhooks::Round::default(),
        "delivered once"
    );

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
    let mut fell_back = 0;
    for attempt in 1..=amps::notify::webhook::MAX_ATTEMPTS {
        let r = amps::jobs::webhooks::tick(&app.ctx, &http).await.expect("tick");
        fell_back += r.fell_back;
        assert_eq!(r.failed + r.fell_back, 1, "attempt {attempt}");
        assert_eq!(
            amps::jobs::webhooks::tick(&app.ctx, &http)
                .await
                .expect("tick")
                .failed,
            0,
            "waits for the backoff"
        );
        app.clock.advance(Duration::hours(12));
    }
    assert_eq!(fell_back, 1);
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

async fn catalog_writes_are_for_catalog_managers_and_refuse_bad_input(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let requester = as_user(&app, "jrequester").await;
    let app_req = |code: &str, mode: ProvisioningMode, hook: Option<&str>| CreateApplicationRequest {
        code: code.into(),
        name: "Some application".into(),
        provisioning_mode: mode,
        webhook_url: hook.map(str::to_string),
        provisioner_group_id: None,
    };
    let group = CreateApprovalGroupRequest {
        name: "Some group".into(),
        description: String::new(),
        members: vec![],
    };
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    let rule = CreateSodRuleRequest {
        name: "Some rule".into(),
        description: String::new(),
        role_ids: vec![pop, ebs],
    };
    // Who must be refused: an ordinary user, a provisioner, an external user.
    for login in ["jrequester", "pprovisioner", "vvendor"] {
        let c = as_user(&app, login).await;
        assert_eq!(
            c.create_application(&app_req("NOPE", ProvisioningMode::Manual, None))
                .await
                .expect_err(login)
                .status(),
            Some(403)
        );
        assert_eq!(
            c.create_approval_group(&group).await.expect_err(login).status(),
            Some(403)
        );
        assert_eq!(
            c.create_sod_rule(&rule).await.expect_err(login).status(),
            Some(403)
        );
    }
    let apps = app.count("applications").await;
    let e = admin
        .create_application(&app_req("AUTO2", ProvisioningMode::Automatic, None))
        .await
        .expect_err("no webhook");
    assert_eq!(e.problem().expect("problem").errors[0].field, "webhook_url");
    let e = admin
        .create_application(&app_req("AUTO3", ProvisioningMode::Automatic, Some("not a url")))
        .await
        .expect_err("bad url");
    assert_eq!(e.status(), Some(422));
    let e = admin
        .create_application(&app_req("HMMS-POP", ProvisioningMode::Manual, None))
        .await
        .expect_err("taken");
    assert_eq!(e.status(), Some(409));
    assert_eq!(
        app.count("applications").await,
        apps,
        "refused writes change nothing"
    );
    let hmms = admin
        .applications()
        .await
        .expect("apps")
        .into_iter()
        .find(|a| a.code == "HMMS-POP")
        .expect("HMMS-POP");
    let role = |chain: Vec<ChainLevel>| CreateRoleRequest {
        application_id: hmms.id,
        name: "New role".into(),
        environment: "PROD".into(),
        description: String::new(),
        hidden: false,
        visible_to: vec!["Nowhere".into()],
        requestable_by: Requestable::Both,
        min_it_level: "IV".into(),
        prerequisites: vec![Uuid::new_v4()],
        chain,
        default_expiration_days: None,
        mfa_required: false,
        data_owner_id: None,
        iao_id: None,
    };
    let e = admin
        .create_role(&role(vec![
            ChainLevel {
                kind: "data_owner".into(),
                group_id: None,
            },
            ChainLevel {
                kind: "group".into(),
                group_id: Some(Uuid::new_v4()),
            },
            ChainLevel {
                kind: "boss".into(),
                group_id: None,
            },
        ]))
        .await
        .expect_err("many problems");
    let fields: Vec<String> = e
        .problem()
        .expect("problem")
        .errors
        .iter()
        .map(|f| f.field.clone())
        .collect();
    for f in [
        "min_it_level",
        "chain[1].group_id",
        "chain[2].kind",
        "data_owner_id",
        "visible_to[0]",
        "prerequisites[0]",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let e = admin
        .create_role(&CreateRoleRequest {
            chain: vec![],
            ..role(vec![])
        })
        .await
        .expect_err("empty chain");
    assert_eq!(e.status(), Some(422));
    let e = admin
        .create_sod_rule(&CreateSodRuleRequest {
            role_ids: vec![pop, pop],
            ..rule.clone()
        })
        .await
        .expect_err("one role");
    assert_eq!(e.status(), Some(422));
    admin.create_sod_rule(&rule).await.expect("rule");
    assert_eq!(
        admin
            .create_sod_rule(&rule)
            .await
            .expect_err("name taken")
            .status(),
        Some(409)
    );
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
    let pop = role_id(&sup, "Web User POP-001", "PROD").await;
    let out = sup
        .submit_saars(&SubmitSaarsRequest {
            on_behalf_of: Some(report.id),
            ..submission(vec![pop], &app)
        })
        .await
        .expect("on behalf");
    let s = &out.saars[0];
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
