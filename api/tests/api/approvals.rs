//! Approvals through the API: concurrent decisions, the Security Officer's IT level, segregation-of-duties exceptions, reminders and deadlines, supervisor changes, deputies, and the EAO's emailed link.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;

both_dbs!(
    two_approvers_acting_at_once_make_exactly_one_transition,
    security_officer_must_record_a_sufficient_it_level,
    sod_conflicts_warn_at_request_and_need_an_exception_to_approve,
    reminders_every_two_days_then_the_deadline_expires_the_request,
    a_supervisor_change_moves_open_tasks_to_the_new_supervisor,
    deputies_act_for_an_approver_during_the_period,
    a_delegation_ending_after_the_approver_left_hands_their_tasks_on,
    external_approvers_act_through_a_single_use_emailed_link,
);

async fn two_approvers_acting_at_once_make_exactly_one_transition(db: Db) {
    let app = seeded(db).await;
    let (role, _) = group_role(&app).await;
    let requester = as_user(&app, "jrequester").await;
    let saar = submit_one(&app, &requester, role).await;
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

async fn security_officer_must_record_a_sufficient_it_level(db: Db) {
    let app = seeded(db).await;
    let vendor = as_user(&app, "vvendor").await;
    let pop = role_id(&vendor, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &vendor, pop).await;
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
    let saar = submit_one(&app, &requester, pop).await;
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
    let mails_ending = |app: &TestApp, end: &'static str| {
        let db = app.ctx.db.clone();
        async move {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            amps::store::entities::outbox::Entity::find()
                .filter(amps::store::entities::outbox::Column::Subject.ends_with(end))
                .count(&db)
                .await
                .expect("count")
        }
    };
    a_few_rounds().await;
    assert_eq!(reminders(&app).await, 0, "nothing due yet");
    for step in 1..=3 {
        // Both replicas run the job: each reminder is sent once.
        app.clock.advance(Duration::days(2));
        replica.clock.advance(Duration::days(2));
        eventually("a reminder", || async { reminders(&app).await >= step }).await;
        a_few_rounds().await;
        assert_eq!(reminders(&app).await, step, "step {step}");
    }
    let mail = app.last_mail_to("sam.supervisor@dla.example").await;
    assert!(mail.subject.starts_with("AMPS: reminder: "), "{}", mail.subject);
    app.clock.advance(Duration::days(14));
    replica.clock.advance(Duration::days(14));
    eventually("the expiry", || async { mails_ending(&app, "expired").await > 0 }).await;
    a_few_rounds().await;
    assert_eq!(mails_ending(&app, "expired").await, 1, "expired once");
    // Weeks passed: the morning's access token has long expired; sign in again.
    let requester = as_user(&app, "jrequester").await;
    let v = requester.get_saar(saar.id).await.expect("saar");
    assert_eq!(v.status, SaarStatus::Expired);
    assert_eq!(v.steps[0].status, TaskStatus::Expired);
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(mail.subject.ends_with("expired"), "{}", mail.subject);
    app.clock.advance(Duration::days(2));
    replica.clock.advance(Duration::days(2));
    a_few_rounds().await;
    assert_eq!(
        reminders(&app).await,
        3,
        "an expired request gets no more reminders"
    );
}

async fn a_supervisor_change_moves_open_tasks_to_the_new_supervisor(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
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
        .expect("change asked");
    // Asked, not made: the new supervisor accepts first (a requester cannot pick their own).
    assert_eq!(me.supervisor.expect("supervisor").user_id, "ssupervisor");
    assert_eq!(me.pending_approver_changes.len(), 1);
    task_for(&old, saar.id).await;
    let asked = app.last_mail_to("dan.dataowner@dla.example").await;
    assert!(
        asked.subject.contains("asks you to be their supervisor"),
        "{}",
        asked.subject
    );
    let change = new.approver_changes().await.expect("asked")[0].clone();
    new.decide_approver_change(change.id, true)
        .await
        .expect("accepted");
    let me = requester.me().await.expect("me");
    assert_eq!(me.supervisor.expect("supervisor").user_id, "ddataowner");
    assert!(me.pending_approver_changes.is_empty());
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
    let first = submit_one(&app, &requester, pop).await;
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
    // A day passed: sign in again. The period began: the job moves the task to the deputy.
    let (sup, requester) = (
        as_user(&app, "ssupervisor").await,
        as_user(&app, "jrequester").await,
    );
    eventually("the task moves to the deputy", || async {
        sup.approvals_count().await.expect("count").open == 0
    })
    .await;
    let deputy = as_user(&app, "iiao").await;
    task_for(&deputy, first.id).await;
    let second = submit_one(&app, &requester, ebs).await;
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
    let third = submit_one(&app, &requester, test).await;
    task_for(&sup, third.id).await;
    // The period ended: what the deputy held comes back, and they can no longer decide it.
    eventually("the task returns to the approver", || async {
        sup.approvals()
            .await
            .expect("inbox")
            .iter()
            .any(|t| t.saar.id == first.id)
    })
    .await;
    let held = task_for(&sup, first.id).await;
    let deputy = as_user(&app, "iiao").await;
    let refused = deputy
        .approve(held.id, &ApproveRequest::default())
        .await
        .expect_err("the delegation ended");
    assert_eq!(refused.status(), Some(403));
    // Named again from now, the deputy takes the tasks at once and gives them back at once.
    sup.set_deputy(&SetDeputyRequest {
        deputy: "iiao".into(),
        starts_at: app.now(),
        ends_at: app.now() + Duration::days(3),
    })
    .await
    .expect("deputy from now");
    task_for(&deputy, first.id).await;
    assert_eq!(
        requester
            .get_saar(first.id)
            .await
            .expect("saar")
            .waiting_on
            .expect("waiting")
            .reason
            .as_deref(),
        Some("Deputy acting for Sam Supervisor.")
    );
    sup.clear_deputy().await.expect("clear");
    assert_eq!(
        deputy
            .approve(held.id, &ApproveRequest::default())
            .await
            .expect_err("cleared")
            .status(),
        Some(403)
    );
    task_for(&sup, first.id).await;
    assert_eq!(
        sup.clear_deputy().await.expect_err("none left").status(),
        Some(404)
    );
}

async fn a_delegation_ending_after_the_approver_left_hands_their_tasks_on(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let sup = as_user(&app, "ssupervisor").await;
    sup.set_deputy(&SetDeputyRequest {
        deputy: "iiao".into(),
        starts_at: app.now(),
        ends_at: app.now() + Duration::days(2),
    })
    .await
    .expect("deputy from now");
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let deputy = as_user(&app, "iiao").await;
    task_for(&deputy, saar.id).await;
    // Sam leaves while Ivy acts for him.
    let admin = as_user(&app, "aadmin").await;
    admin
        .set_user_status(
            app.user_id("ssupervisor").await,
            &SetUserStatusRequest {
                status: SettableStatus::Disabled,
                reason: "Left the agency.".into(),
            },
        )
        .await
        .expect("disabled");
    // The delegation ends: the task does not go back to Sam, who cannot act on it, but where
    // his own tasks went when he left (he has no supervisor: the administrators' queue).
    app.clock.advance(Duration::days(2) + Duration::minutes(1));
    let admin = as_user(&app, "aadmin").await;
    eventually("the task reaches the administrators", || async {
        admin
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .any(|t| t.saar.id == saar.id)
    })
    .await;
    let waiting = requester_view(&app, saar.id).await;
    assert_ne!(waiting, "Sam Supervisor");
    assert_ne!(waiting, "Ivy Assurance");
}

/// Who the requester sees the SAAR waiting on.
async fn requester_view(app: &TestApp, saar: uuid::Uuid) -> String {
    as_user(app, "jrequester")
        .await
        .get_saar(saar)
        .await
        .expect("saar")
        .waiting_on
        .expect("waiting")
        .who
}

async fn external_approvers_act_through_a_single_use_emailed_link(db: Db) {
    let app = seeded(db).await;
    let vendor = as_user(&app, "vvendor").await;
    let pop = role_id(&vendor, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &vendor, pop).await;
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
    let reminded = || async {
        token_in(
            &app.last_mail_to("erin.authorizer@dla.example").await.body,
            "/approval-link?token=",
        )
    };
    eventually("the reminder", || async { reminded().await != first }).await;
    let token = reminded().await;
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
