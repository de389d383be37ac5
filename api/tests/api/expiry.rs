//! Roles that end on time (issue #13): the renewal offer, a renewal the supervisor approves,
//! a role that lapses (once, with two replicas running the job) and is revoked, an approver's
//! end date, expired roles that grant nothing before the job has run, and returned requests
//! that expire when they are not resubmitted.

use crate::both_dbs;
use crate::helpers::*;
use amps::domain::permission::AdminRole;
use amps_openapi::*;
use chrono::{Duration, NaiveDate};
use uuid::Uuid;

both_dbs!(
    a_role_about_to_expire_is_offered_once_and_renewed_by_the_supervisor,
    a_role_may_send_its_renewals_to_its_data_owner,
    a_role_not_renewed_expires_once_and_is_revoked,
    an_expired_role_grants_nothing_even_before_the_job_runs,
    a_returned_request_expires_when_it_is_not_resubmitted,
);

const JANE: &str = "jane.requester@dla.example";

fn renewal() -> RenewalRequest {
    RenewalRequest {
        justification: "Still processing hazardous material shipments every week.".into(),
    }
}

async fn held(c: &Client, role: Uuid) -> Option<CurrentRoleResponse> {
    c.my_roles()
        .await
        .expect("roles")
        .into_iter()
        .find(|r| r.role.id == role)
}

async fn a_role_about_to_expire_is_offered_once_and_renewed_by_the_supervisor(db: Db) {
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![ebs]).await;
    let role = held(&jane, ebs).await.expect("granted");
    let ends = role.expires_at.expect("the demo roles last 365 days");
    assert_eq!(ends, app.now() + Duration::days(365));
    assert_eq!(role.renewable_from, Some(ends - Duration::days(30)));

    // Too early: the answer says from when.
    let e = jane
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect_err("early");
    assert_eq!(e.status(), Some(409));
    let from = (ends - Duration::days(30)).format("%Y-%m-%d").to_string();
    assert!(e.to_string().contains(&from), "{e}");
    a_few_rounds().await;
    assert_eq!(mails_about(&app, JANE, "expires on").await, 0, "not offered yet");

    // Inside the window: offered once, though both replicas run the job.
    advance_all(&[&app, &replica], Duration::days(340));
    eventually("the renewal offer", || async {
        mails_about(&app, JANE, "expires on").await > 0
    })
    .await;
    a_few_rounds().await;
    assert_eq!(mails_about(&app, JANE, "expires on").await, 1, "offered once");
    let jane = as_user(&app, "jrequester").await;

    // Only the holder renews their role; a renewal needs a justification.
    let other = as_user(&app, "ddataowner").await;
    let e = other
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect_err("not theirs");
    assert_eq!(e.status(), Some(404));
    let e = jane
        .request_role_renewal(
            role.assignment_id,
            &RenewalRequest {
                justification: "short".into(),
            },
        )
        .await
        .expect_err("too short");
    assert_eq!(e.status(), Some(422));

    let s = jane
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect("renew");
    same_as_read(&jane, &s).await;
    assert_eq!(
        (s.request_type, s.status),
        (RequestType::Renewal, SaarStatus::Pending)
    );
    assert_eq!(s.steps.len(), 1, "the supervisor alone approves");
    assert_eq!(s.waiting_on.as_ref().map(|w| w.kind.as_str()), Some("supervisor"));
    let e = jane
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect_err("twice");
    assert_eq!(e.status(), Some(409));
    assert!(e.to_string().contains(&s.number), "{e}");

    // Nobody but the supervisor decides it.
    let security = as_user(&app, "ssecurity").await;
    assert!(
        security
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != s.id)
    );
    let sup = as_user(&app, "ssupervisor").await;
    let t = task_for(&sup, s.id).await;
    let e = security
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect_err("not theirs");
    assert!(matches!(e.status(), Some(403 | 404)), "{e}");
    let v = sup
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect("approve");
    same_as_read(&sup, &v).await;
    assert_eq!(v.status, SaarStatus::Completed, "nothing to provision");

    let renewed = held(&jane, ebs).await.expect("still held");
    assert_eq!(renewed.assignment_id, role.assignment_id);
    assert_eq!(renewed.expires_at, Some(ends + Duration::days(365)));
    assert!(
        app.last_mail_to(JANE).await.subject.ends_with("is renewed"),
        "the holder is told"
    );
    let e = jane
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect_err("renewed");
    assert_eq!(
        e.status(),
        Some(409),
        "the window starts again before the new end"
    );
    // The next offer comes before the new end, not now.
    a_few_rounds().await;
    assert_eq!(mails_about(&app, JANE, "expires on").await, 1);
}

async fn a_role_may_send_its_renewals_to_its_data_owner(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    let change = UpdateRoleRequest {
        renewal_approver: Some(RenewalApprover::DataOwner),
        ..Default::default()
    };
    // Only a catalog manager says who approves renewals.
    let e = jane
        .update_role(ebs, &change)
        .await
        .expect_err("not a catalog manager");
    assert_eq!(e.status(), Some(403));
    let r = admin.update_role(ebs, &change).await.expect("changed");
    assert_eq!(r.renewal_approver, RenewalApprover::DataOwner);
    grant(&app, &jane, vec![ebs]).await;
    let role = held(&jane, ebs).await.expect("granted");
    app.clock.advance(Duration::days(340));
    eventually("the renewal offer", || async {
        mails_about(&app, JANE, "expires on").await > 0
    })
    .await;
    assert!(
        mail_about(&app, JANE, "expires on")
            .await
            .body
            .contains("the role's data owner approves it"),
        "the offer says who decides"
    );
    let jane = as_user(&app, "jrequester").await;
    let s = jane
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect("renew");
    assert_eq!(s.steps.len(), 1, "the data owner alone approves");
    assert_eq!(s.waiting_on.as_ref().map(|w| w.kind.as_str()), Some("data_owner"));
    let sup = as_user(&app, "ssupervisor").await;
    assert!(
        sup.approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != s.id),
        "not the supervisor's"
    );
    let dan = as_user(&app, "ddataowner").await;
    let t = task_for(&dan, s.id).await;
    let v = dan
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect("approve");
    assert_eq!(v.status, SaarStatus::Completed);
    let renewed = held(&jane, ebs).await.expect("still held");
    assert_eq!(
        renewed.expires_at,
        role.expires_at.map(|e| e + Duration::days(365))
    );
}

async fn a_role_not_renewed_expires_once_and_is_revoked(db: Db) {
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![ebs]).await;
    let role = held(&jane, ebs).await.expect("granted");
    advance_all(&[&app, &replica], Duration::days(350));
    let jane = as_user(&app, "jrequester").await;
    let renewal = jane
        .request_role_renewal(role.assignment_id, &renewal())
        .await
        .expect("renew");

    // Nobody approves it before the role's end: the role expires, once, and the renewal
    // closes with it.
    advance_all(&[&app, &replica], Duration::days(16));
    eventually("the expiry mail", || async {
        mails_about(&app, JANE, "records that the role expired").await > 0
    })
    .await;
    a_few_rounds().await;
    assert_eq!(
        mails_about(&app, JANE, "records that the role expired").await,
        1,
        "expired once"
    );
    let jane = as_user(&app, "jrequester").await;
    assert!(held(&jane, ebs).await.is_none(), "gone from Current Roles");
    let r = jane.get_saar(renewal.id).await.expect("renewal");
    assert_eq!(r.status, SaarStatus::Expired);
    assert_eq!(r.steps[0].status, TaskStatus::Expired);
    let e = jane
        .request_role_renewal(role.assignment_id, &renewal_body())
        .await
        .expect_err("gone");
    assert_eq!(e.status(), Some(404));

    // One deprovisioning request, waiting on the provisioner's revoke task.
    let mine = jane.my_requests().await.expect("requests");
    let revokes: Vec<&SaarResponse> = mine
        .pending
        .iter()
        .filter(|s| s.role.id == ebs && s.request_type == RequestType::Deactivate)
        .collect();
    assert_eq!(revokes.len(), 1, "{:?}", mine.pending);
    let revoke = revokes[0].clone();
    assert_eq!(revoke.status, SaarStatus::Provisioning);
    assert!(
        revoke.justification.contains("expired"),
        "{}",
        revoke.justification
    );
    let prov = as_user(&app, "pprovisioner").await;
    let tasks: Vec<ProvisioningTaskResponse> = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .filter(|t| t.saar_number == revoke.number)
        .collect();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, "revoke");
    prov.complete_provisioning(tasks[0].id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("revoked");
    let history = jane.my_requests().await.expect("requests").history;
    assert!(
        history
            .iter()
            .any(|s| s.id == revoke.id && s.status == SaarStatus::Completed)
    );
    assert!(
        history
            .iter()
            .any(|s| s.id == renewal.id && s.status == SaarStatus::Expired)
    );
    // The role may be asked for again.
    let again = submit_one(&app, &jane, ebs).await;
    assert_eq!(again.status, SaarStatus::Pending);
}

fn renewal_body() -> RenewalRequest {
    renewal()
}

async fn an_expired_role_grants_nothing_even_before_the_job_runs(db: Db) {
    let app = seeded_between_deadline_rounds(db).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    let pop = role_id(&jane, "Web User POP-001", "PROD").await;

    // The supervisor limits the access to five days; a day in the past is refused.
    let s = submit_one(&app, &jane, ebs).await;
    let sup = as_user(&app, "ssupervisor").await;
    let t = task_for(&sup, s.id).await;
    let today = app.now().date_naive();
    let e = sup
        .approve(
            t.id,
            &ApproveRequest {
                access_ends_on: Some(today),
                ..Default::default()
            },
        )
        .await
        .expect_err("today is not after today");
    let p = e.problem().expect("problem");
    assert_eq!(p.status, 422);
    assert!(p.errors.iter().any(|f| f.field == "access_ends_on"), "{p:?}");
    let last_day: NaiveDate = today + Duration::days(5);
    let v = sup
        .approve(
            t.id,
            &ApproveRequest {
                access_ends_on: Some(last_day),
                ..Default::default()
            },
        )
        .await
        .expect("approve");
    let end = (last_day + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc();
    assert_eq!(v.access_ends_at, Some(end));
    approve_chain(
        &app,
        s.id,
        &[("ssecurity", None), ("ddataowner", None), ("iiao", None)],
    )
    .await;
    let prov = as_user(&app, "pprovisioner").await;
    let task = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == s.number)
        .expect("task");
    prov.complete_provisioning(task.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("provisioned");
    assert_eq!(
        held(&jane, ebs).await.expect("held").expires_at,
        Some(end),
        "the approver's end date"
    );

    // An administrative role that ends tomorrow works today.
    grant_admin_role(&app, "jrequester", AdminRole::Administrator).await;
    // An administrator signs in with a second factor (and sets one up at once).
    app.settle_principals().await;
    let jane = as_user(&app, "jrequester").await;
    {
        use amps::store::entities::{role as r, role_assignment as ra};
        use sea_orm::sea_query::{Expr, Query};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let me = jane.me().await.expect("me").id;
        let ended = ra::Entity::update_many()
            .col_expr(ra::Column::ExpiresAt, Expr::value(app.now() + Duration::days(1)))
            .filter(ra::Column::UserId.eq(me))
            .filter(
                ra::Column::RoleId.in_subquery(
                    Query::select()
                        .column(r::Column::Id)
                        .from(r::Entity)
                        .and_where(r::Column::AdminKey.eq(AdminRole::Administrator))
                        .to_owned(),
                ),
            )
            .exec(&app.ctx.db)
            .await
            .expect("the administrator role ends tomorrow");
        assert_eq!(ended.rows_affected, 1);
    }
    app.settle_principals().await;
    assert!(
        jane.users(&ListUsersQuery::default()).await.is_ok(),
        "an administrator today"
    );

    // A week later the job has not run again, yet both roles are over.
    app.clock.advance(Duration::days(7));
    let jane = as_user(&app, "jrequester").await;
    let e = jane
        .users(&ListUsersQuery::default())
        .await
        .expect_err("no longer an administrator");
    assert_eq!(e.status(), Some(403));
    assert!(held(&jane, ebs).await.is_none(), "not a current role");
    let out = jane
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit");
    assert_eq!(
        out.missing_prerequisites
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["EBS Inquiry User"],
        "an expired role is no prerequisite"
    );
    // Nor can it be asked for twice before the job has ended it.
    let e = jane
        .submit_saars(&submission(vec![ebs], &app))
        .await
        .expect_err("still on record");
    assert_eq!(e.status(), Some(422));
}

async fn a_returned_request_expires_when_it_is_not_resubmitted(db: Db) {
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    let s = submit_one(&app, &jane, ebs).await;
    let sup = as_user(&app, "ssupervisor").await;
    let t = task_for(&sup, s.id).await;
    sup.return_to_requester(
        t.id,
        &ReturnRequest {
            comment: "Which depot do you work at?".into(),
        },
    )
    .await
    .expect("returned");
    advance_all(&[&app, &replica], Duration::days(19));
    a_few_rounds().await;
    let jane = as_user(&app, "jrequester").await;
    assert_eq!(
        jane.get_saar(s.id).await.expect("saar").status,
        SaarStatus::Returned,
        "not yet"
    );
    advance_all(&[&app, &replica], Duration::days(1));
    eventually("the expiry", || async {
        mails_about(&app, JANE, "expired").await > 0
    })
    .await;
    a_few_rounds().await;
    assert_eq!(mails_about(&app, JANE, "expired").await, 1, "once");
    let jane = as_user(&app, "jrequester").await;
    assert_eq!(
        jane.get_saar(s.id).await.expect("saar").status,
        SaarStatus::Expired
    );
    assert!(app.last_mail_to(JANE).await.body.contains("not resubmitted"));
    let e = jane
        .resubmit_saar(
            s.id,
            &ResubmitSaarRequest {
                justification: "I work at the Susquehanna depot.".into(),
            },
        )
        .await
        .expect_err("too late");
    assert_eq!(e.status(), Some(409));
    // The role is no longer blocked by it.
    assert_eq!(submit_one(&app, &jane, ebs).await.status, SaarStatus::Pending);
}
