//! Revalidation through the API (issue #13): an administrator's campaign over an application's
//! holders, a user's review (keep, remove with a reason, submit), the supervisor's decision
//! with its deprovisioning, a review nobody finishes (reminded, overdue, lapsed once with two
//! replicas running the job), the campaign's progress and review figures, a reviewer who
//! rejects, and a review opened at once when a user's supervisor changes.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use chrono::Duration;
use uuid::Uuid;

both_dbs!(
    a_campaign_is_reviewed_by_users_and_supervisors_and_lapses_for_the_silent,
    a_rejected_review_removes_every_role_and_disables_the_account,
    a_new_supervisor_reviews_the_roles_at_once,
    the_annual_campaign_starts_by_itself_once,
    a_supervisors_deputy_decides_reviews_while_they_are_away,
    a_lapsed_ia_training_opens_a_review,
    a_reviewer_removes_roles_and_corrects_decisions_until_the_campaign_closes,
    a_user_without_a_supervisor_is_reviewed_by_their_organizations_administrators,
);

const JANE: &str = "jane.requester@dla.example";
const SAM: &str = "sam.supervisor@dla.example";
const DAN: &str = "dan.dataowner@dla.example";

fn campaign_of(app: &TestApp, application: Uuid, days: i64) -> CreateCampaignRequest {
    CreateCampaignRequest {
        name: "EBS annual review".into(),
        scope: CampaignScope::Application,
        organization_id: None,
        application_id: Some(application),
        due_on: app.now().date_naive() + Duration::days(days),
    }
}

fn decide(assignment: Uuid, keep: bool, reason: Option<&str>) -> ItemDecisionRequest {
    ItemDecisionRequest {
        assignment_id: assignment,
        keep,
        reason: reason.map(str::to_string),
    }
}

async fn ebs_application(admin: &Client) -> Uuid {
    admin
        .applications()
        .await
        .expect("applications")
        .into_iter()
        .find(|a| a.code == "EBS")
        .expect("EBS")
        .id
}

async fn a_campaign_is_reviewed_by_users_and_supervisors_and_lapses_for_the_silent(db: Db) {
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    let pop = role_id(&jane, "Web User POP-001", "TEST").await;
    grant(&app, &jane, vec![ebs, pop]).await;
    // Sam holds EBS too and has no supervisor: the administrators review him.
    assign_role(&app, "ssupervisor", ebs).await;
    let admin = as_user(&app, "aadmin").await;
    let ebs_app = ebs_application(&admin).await;

    // Only administrators start campaigns; the due date and the scope are checked.
    let e = jane
        .create_campaign(&campaign_of(&app, ebs_app, 30))
        .await
        .expect_err("not admin");
    assert_eq!(e.status(), Some(403));
    let e = admin
        .create_campaign(&campaign_of(&app, ebs_app, 3))
        .await
        .expect_err("too soon");
    assert_eq!(e.problem().expect("problem").errors[0].field, "due_on");
    let e = admin
        .create_campaign(&CreateCampaignRequest {
            application_id: None,
            ..campaign_of(&app, ebs_app, 30)
        })
        .await
        .expect_err("no application");
    assert_eq!(e.problem().expect("problem").errors[0].field, "scope");

    let c = admin
        .create_campaign(&campaign_of(&app, ebs_app, 30))
        .await
        .expect("campaign");
    assert_eq!(c.progress.total, 2, "{:?}", c.by_organization);
    assert_eq!(c.progress.waiting_on_user, 2);
    assert_eq!(c.progress.without_reviewer, 1, "Sam has no supervisor");
    assert_eq!(
        mails_about(&app, JANE, "review your roles").await,
        1,
        "each user is told"
    );

    // Jane reviews: only the application's role, reviewed by her supervisor.
    let mine = jane.my_revalidation().await.expect("my review");
    assert_eq!(mine.reviewer, "Sam Supervisor");
    assert_eq!(mine.items.len(), 1, "only EBS roles are in this campaign");
    assert_eq!(mine.items[0].role.id, ebs);
    let held = mine.items[0].assignment_id;
    let e = jane
        .update_my_revalidation(&UpdateRevalidationRequest {
            items: vec![],
            submit: true,
            version: None,
        })
        .await
        .expect_err("undecided");
    assert_eq!(e.problem().expect("problem").errors[0].code, "undecided");
    let e = jane
        .update_my_revalidation(&UpdateRevalidationRequest {
            items: vec![decide(held, false, None)],
            submit: true,
            version: None,
        })
        .await
        .expect_err("no reason");
    assert_eq!(e.problem().expect("problem").errors[0].code, "reason_required");
    let e = jane
        .update_my_revalidation(&UpdateRevalidationRequest {
            items: vec![decide(Uuid::now_v7(), true, None)],
            submit: false,
            version: None,
        })
        .await
        .expect_err("not under review");
    assert_eq!(e.status(), Some(422));
    let e = jane
        .update_my_revalidation(&UpdateRevalidationRequest {
            items: vec![decide(held, true, None)],
            submit: false,
            version: Some(mine.version + 5),
        })
        .await
        .expect_err("stale");
    assert_eq!(e.status(), Some(412));
    let sent = jane
        .update_my_revalidation(&UpdateRevalidationRequest {
            items: vec![decide(held, false, Some("I moved to the warehouse team."))],
            submit: true,
            version: Some(mine.version),
        })
        .await
        .expect("submitted");
    assert_eq!(sent.status, RevalidationStatus::Submitted);
    assert_eq!(
        mails_about(&app, SAM, "reviewed their roles").await,
        1,
        "the reviewer is asked"
    );

    // Nobody else decides it, nor Jane herself.
    let security = as_user(&app, "ssecurity").await;
    let e = security
        .approve_revalidation(mine.id, &ApproveRevalidationRequest::default())
        .await
        .expect_err("not the reviewer");
    assert_eq!(e.status(), Some(404));
    let e = jane
        .approve_revalidation(mine.id, &ApproveRevalidationRequest::default())
        .await
        .expect_err("her own");
    assert_eq!(e.status(), Some(403));
    assert!(
        security
            .revalidations_to_review()
            .await
            .expect("queue")
            .is_empty()
    );
    let sam = as_user(&app, "ssupervisor").await;
    let queue = sam.revalidations_to_review().await.expect("queue");
    assert_eq!(
        queue.iter().map(|r| r.id).collect::<Vec<_>>(),
        [mine.id],
        "not his own"
    );
    assert_eq!(sam.approvals_count().await.expect("count").revalidations, 1);
    sam.revalidation(mine.id).await.expect("read");
    let done = sam
        .approve_revalidation(
            mine.id,
            &ApproveRevalidationRequest {
                comment: Some("Agreed.".into()),
                version: Some(sent.version),
                ..Default::default()
            },
        )
        .await
        .expect("approved");
    assert_eq!(done.status, RevalidationStatus::Approved);
    let e = sam
        .approve_revalidation(mine.id, &ApproveRevalidationRequest::default())
        .await
        .expect_err("twice");
    assert_eq!(e.status(), Some(409));

    // EBS is being removed; POP (outside the campaign) stays.
    let pending = jane.my_requests().await.expect("requests");
    let revoke = pending
        .pending
        .iter()
        .find(|s| s.role.id == ebs && s.request_type == RequestType::Deactivate)
        .expect("a deprovisioning request")
        .clone();
    assert!(
        revoke.justification.contains("warehouse"),
        "{}",
        revoke.justification
    );
    assert_eq!(pending.revalidations[0].status, RevalidationStatus::Approved);
    let c1 = admin.campaign(c.id).await.expect("campaign");
    assert_eq!(
        (
            c1.progress.done,
            c1.progress.removals_pending,
            c1.progress.roles_removed
        ),
        (1, 1, 0)
    );
    assert_eq!(c1.review.decisions, 1);
    assert_eq!(
        c1.review.rubber_stamp_share,
        Some(0.0),
        "a removal is no rubber stamp"
    );
    let prov = as_user(&app, "pprovisioner").await;
    let t = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == revoke.number)
        .expect("revoke task");
    prov.complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("revoked");
    let c2 = admin.campaign(c.id).await.expect("campaign");
    assert_eq!(
        (c2.progress.removals_pending, c2.progress.roles_removed),
        (0, 1),
        "counted once confirmed"
    );
    let roles: Vec<Uuid> = jane
        .my_roles()
        .await
        .expect("roles")
        .iter()
        .map(|r| r.role.id)
        .collect();
    assert_eq!(roles, [pop]);

    // Sam never answers: reminded a week and a day before, and on the due date; overdue for a
    // week; then his EBS role goes, once, though two replicas run the job.
    let until = c.due_at - Duration::days(7) + Duration::minutes(1) - app.now();
    advance_all(&[&app, &replica], until);
    eventually("the first reminder", || async {
        mails_about(&app, SAM, "reminder: review your roles").await == 1
    })
    .await;
    advance_all(&[&app, &replica], Duration::days(6));
    eventually("the second reminder", || async {
        mails_about(&app, SAM, "reminder: review your roles").await == 2
    })
    .await;
    advance_all(&[&app, &replica], Duration::days(1));
    eventually("the overdue notice", || async {
        mails_about(&app, SAM, "overdue: review your roles").await == 1
    })
    .await;
    let admin = as_user(&app, "aadmin").await;
    let c3 = admin.campaign(c.id).await.expect("campaign");
    assert_eq!(c3.progress.overdue, 1);
    assert_eq!(admin.remind_overdue(c.id).await.expect("remind").reminded, 1);
    assert_eq!(mails_about(&app, SAM, "overdue: review your roles").await, 2);
    advance_all(&[&app, &replica], Duration::days(7));
    eventually("the lapse", || async {
        mails_about(&app, SAM, "not finished in time").await > 0
    })
    .await;
    a_few_rounds().await;
    assert_eq!(
        mails_about(&app, SAM, "not finished in time").await,
        1,
        "lapsed once"
    );
    // Every review is finished and past its lapse date: the job closes the campaign.
    let admin = as_user(&app, "aadmin").await;
    eventually("the campaign closes", || async {
        admin.campaign(c.id).await.is_ok_and(|c| c.closed_at.is_some())
    })
    .await;
    assert_eq!(
        mails_about(&app, SAM, "review your roles").await,
        5,
        "no reminder after the lapse"
    );
    let admin = as_user(&app, "aadmin").await;
    let c4 = admin.campaign(c.id).await.expect("campaign");
    assert_eq!(
        (
            c4.progress.done,
            c4.progress.overdue,
            c4.progress.removals_pending
        ),
        (2, 0, 1)
    );
    // The provisioner confirms the revoke: only then is the role gone and counted removed.
    let prov = as_user(&app, "pprovisioner").await;
    let t = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.role.id == ebs && t.kind == "revoke")
        .expect("Sam's revoke task");
    prov.complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("revoked");
    let c5 = admin.campaign(c.id).await.expect("campaign");
    assert_eq!((c5.progress.removals_pending, c5.progress.roles_removed), (0, 2));
    let sam = as_user(&app, "ssupervisor").await;
    assert!(
        sam.my_roles()
            .await
            .expect("roles")
            .iter()
            .all(|r| r.role.id != ebs),
        "his EBS role ended"
    );
    let e = sam.my_revalidation().await.expect_err("nothing open");
    assert_eq!(e.status(), Some(404));
}

/// Jane holds EBS, an administrator's campaign over EBS holders opens her review, and she
/// submits it keeping the role: (her client, the role, the review).
async fn kept_and_submitted(app: &TestApp) -> (Client, Uuid, RevalidationResponse) {
    let jane = as_user(app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(app, &jane, vec![ebs]).await;
    let admin = as_user(app, "aadmin").await;
    let ebs_app = ebs_application(&admin).await;
    admin
        .create_campaign(&campaign_of(app, ebs_app, 14))
        .await
        .expect("campaign");
    let mine = jane.my_revalidation().await.expect("review");
    jane.update_my_revalidation(&UpdateRevalidationRequest {
        items: vec![decide(mine.items[0].assignment_id, true, None)],
        submit: true,
        version: None,
    })
    .await
    .expect("submitted");
    (jane, ebs, mine)
}

async fn a_rejected_review_removes_every_role_and_disables_the_account(db: Db) {
    let app = seeded(db).await;
    let (jane, ebs, mine) = kept_and_submitted(&app).await;
    let sam = as_user(&app, "ssupervisor").await;
    let e = sam
        .reject_revalidation(
            mine.id,
            &RejectRevalidationRequest {
                reason: "".into(),
                version: None,
            },
        )
        .await
        .expect_err("a reason is needed");
    assert_eq!(e.status(), Some(422));
    let v = sam
        .reject_revalidation(
            mine.id,
            &RejectRevalidationRequest {
                reason: "Jane left DLA last month.".into(),
                version: None,
            },
        )
        .await
        .expect("rejected");
    assert_eq!(v.status, RevalidationStatus::Rejected);
    let e = jane.my_roles().await.expect_err("disabled at once");
    assert_eq!(e.status(), Some(401));
    let mail = mail_about(&app, JANE, "was rejected").await;
    assert!(
        mail.body.contains("Jane left DLA") && mail.body.contains("disabled"),
        "{}",
        mail.body
    );
    let prov = as_user(&app, "pprovisioner").await;
    assert!(
        prov.provisioning_tasks()
            .await
            .expect("queue")
            .iter()
            .any(|t| t.role.id == ebs && t.kind == "revoke"),
        "every role is deprovisioned"
    );
}

async fn a_new_supervisor_reviews_the_roles_at_once(db: Db) {
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![ebs]).await;
    assert_eq!(
        jane.my_revalidation().await.expect_err("none yet").status(),
        Some(404)
    );
    // Jane names Dan (the data owner) her supervisor; Dan accepts.
    jane.update_me(&UpdateMeRequest {
        supervisor: Some("ddataowner".into()),
        ..Default::default()
    })
    .await
    .expect("asked");
    let dana = as_user(&app, "ddataowner").await;
    let change = dana.approver_changes().await.expect("changes").remove(0);
    dana.decide_approver_change(change.id, true)
        .await
        .expect("accepted");
    let review = jane.my_revalidation().await.expect("a review opened");
    assert_eq!(review.trigger, "supervisor_change");
    assert_eq!(review.reviewer, "Dan Dataowner");
    assert_eq!(review.items.len(), 1);
    assert_eq!(review.due_at, app.now() + Duration::days(30));
    assert!(
        mail_about(&app, JANE, "review your roles")
            .await
            .body
            .contains("new supervisor")
    );
    jane.update_my_revalidation(&UpdateRevalidationRequest {
        items: vec![decide(review.items[0].assignment_id, true, None)],
        submit: true,
        version: None,
    })
    .await
    .expect("submitted");
    let queue = dana.revalidations_to_review().await.expect("queue");
    assert_eq!(queue.len(), 1);
    let old = as_user(&app, "ssupervisor").await;
    assert!(
        old.revalidations_to_review().await.expect("queue").is_empty(),
        "not the old supervisor's"
    );
    dana.approve_revalidation(review.id, &ApproveRevalidationRequest::default())
        .await
        .expect("kept");
    assert!(
        jane.my_roles()
            .await
            .expect("roles")
            .iter()
            .any(|r| r.role.id == ebs)
    );
}

async fn the_annual_campaign_starts_by_itself_once(db: Db) {
    // The test clock stands at 2026-11-24 12:00; the campaign is set for 1 December.
    let (app, replica) = seeded_pair_with(db, &|s| s.revalidation_annual = Some((12, 1))).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![ebs]).await;
    a_few_rounds().await;
    let admin = as_user(&app, "aadmin").await;
    assert!(
        admin.campaigns().await.expect("campaigns").is_empty(),
        "not before its day"
    );
    advance_all(&[&app, &replica], Duration::days(7));
    let admin = as_user(&app, "aadmin").await;
    eventually("the annual campaign", || async {
        !admin.campaigns().await.expect("campaigns").is_empty()
    })
    .await;
    a_few_rounds().await;
    let all = admin.campaigns().await.expect("campaigns");
    assert_eq!(all.len(), 1, "started once by two replicas");
    let c = &all[0];
    assert_eq!(c.name, "Annual review of roles 2026");
    assert_eq!(
        (c.scope, c.created_by.as_str()),
        (CampaignScope::Internal, "system")
    );
    assert_eq!(c.due_at.date_naive().to_string(), "2026-12-31");
    assert!(c.progress.total >= 1, "every internal holder reviews");
    let jane = as_user(&app, "jrequester").await;
    assert_eq!(
        jane.my_revalidation().await.expect("review").campaign.as_deref(),
        Some(c.name.as_str())
    );
}

async fn a_supervisors_deputy_decides_reviews_while_they_are_away(db: Db) {
    let app = seeded(db).await;
    let (_, ebs, mine) = kept_and_submitted(&app).await;
    // Before Sam names him, Dan may not decide it.
    let dan = as_user(&app, "ddataowner").await;
    assert!(dan.revalidations_to_review().await.expect("queue").is_empty());
    let sam = as_user(&app, "ssupervisor").await;
    sam.set_deputy(&SetDeputyRequest {
        deputy: "ddataowner".into(),
        starts_at: app.now() - Duration::minutes(1),
        ends_at: app.now() + Duration::days(10),
    })
    .await
    .expect("deputy");
    let queue = dan.revalidations_to_review().await.expect("queue");
    assert_eq!(queue.iter().map(|r| r.id).collect::<Vec<_>>(), [mine.id]);
    assert_eq!(dan.approvals_count().await.expect("count").revalidations, 1);
    // A week before the due date the reminder reaches Sam and, while he is away, Dan.
    app.clock.advance(Duration::days(8));
    let reminder = "approve Jane Requester's review";
    for who in [SAM, DAN] {
        eventually("the reviewer and the deputy are reminded", || async {
            mails_about(&app, who, reminder).await == 1
        })
        .await;
    }
    let dan = as_user(&app, "ddataowner").await;
    let v = dan
        .approve_revalidation(mine.id, &ApproveRevalidationRequest::default())
        .await
        .expect("the deputy approves");
    assert_eq!(v.decided_by.as_deref(), Some("Dan Dataowner"));
    let jane = as_user(&app, "jrequester").await;
    let kept = jane
        .my_roles()
        .await
        .expect("roles")
        .into_iter()
        .find(|r| r.role.id == ebs)
        .expect("kept");
    assert_eq!(
        kept.reviewed_at,
        Some(app.now()),
        "the kept role records its review"
    );
}

async fn a_lapsed_ia_training_opens_a_review(db: Db) {
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    // A role that does not expire (the demo roles' period is 365 days).
    assign_role(&app, "jrequester", ebs).await;
    a_few_rounds().await;
    assert_eq!(
        jane.my_revalidation().await.expect_err("trained today").status(),
        Some(404)
    );
    // The demo accounts were trained on the day they were made.
    app.clock.advance(Duration::days(367));
    let jane = as_user(&app, "jrequester").await;
    eventually("a review for the lapsed training", || async {
        jane.my_revalidation().await.is_ok()
    })
    .await;
    let review = jane.my_revalidation().await.expect("review");
    assert_eq!(
        (review.trigger.as_str(), review.reviewer.as_str()),
        ("ia_training", "Sam Supervisor")
    );
    assert!(
        mail_about(&app, JANE, "review your roles")
            .await
            .body
            .contains("IA (cyber awareness) training"),
        "she is told why"
    );
    a_few_rounds().await;
    assert_eq!(
        mails_about(&app, JANE, "review your roles").await,
        1,
        "opened once"
    );
}

async fn a_reviewer_removes_roles_and_corrects_decisions_until_the_campaign_closes(db: Db) {
    let app = seeded(db).await;
    let (jane, ebs, mine) = kept_and_submitted(&app).await;
    let admin = as_user(&app, "aadmin").await;
    let campaign = admin.campaigns().await.expect("campaigns")[0].id;
    let e = admin.close_campaign(campaign).await.expect_err("a review waits");
    assert_eq!(e.status(), Some(409));
    let sam = as_user(&app, "ssupervisor").await;
    let assignment = mine.items[0].assignment_id;
    let removal = |reason: &str| ApproveRevalidationRequest {
        remove: vec![ReviewerRemoval {
            assignment_id: assignment,
            reason: reason.into(),
        }],
        ..Default::default()
    };
    // A role that is not in the review, or a reason too short, is refused and changes nothing.
    let e = sam
        .approve_revalidation(
            mine.id,
            &ApproveRevalidationRequest {
                remove: vec![ReviewerRemoval {
                    assignment_id: Uuid::now_v7(),
                    reason: "Not on the EBS team.".into(),
                }],
                ..Default::default()
            },
        )
        .await
        .expect_err("unknown role");
    assert_eq!(e.status(), Some(422));
    assert_eq!(
        sam.approve_revalidation(mine.id, &removal("no"))
            .await
            .expect_err("short")
            .status(),
        Some(422)
    );
    let v = sam
        .approve_revalidation(mine.id, &ApproveRevalidationRequest::default())
        .await
        .expect("approved");
    assert_eq!(v.status, RevalidationStatus::Approved);
    let e = sam
        .approve_revalidation(mine.id, &ApproveRevalidationRequest::default())
        .await
        .expect_err("nothing to correct");
    assert_eq!(e.status(), Some(409));
    // Only the reviewer corrects.
    let dan = as_user(&app, "ddataowner").await;
    let e = dan
        .approve_revalidation(mine.id, &removal("Jane moved to the warehouse team."))
        .await
        .expect_err("not the reviewer");
    assert_eq!(e.status(), Some(404));
    // Sam corrects it: the role Jane kept goes after all.
    let v = sam
        .approve_revalidation(mine.id, &removal("Jane moved to the warehouse team."))
        .await
        .expect("corrected");
    assert_eq!(v.items[0].keep, Some(false));
    assert!(
        v.items[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("warehouse")),
        "{:?}",
        v.items[0].reason
    );
    let pending = jane.my_requests().await.expect("requests").pending;
    let out = pending
        .iter()
        .find(|s| s.role.id == ebs && s.request_type == RequestType::Deactivate)
        .expect("the role is being removed");
    assert!(out.justification.contains("warehouse"), "{}", out.justification);
    assert!(
        mail_about(&app, JANE, "(corrected)")
            .await
            .body
            .contains("warehouse"),
        "Jane is told why"
    );
    let e = sam
        .approve_revalidation(mine.id, &removal("Jane moved to the warehouse team."))
        .await
        .expect_err("given up already");
    assert_eq!(e.status(), Some(422));
    // Closed, the decisions stand.
    let closed = admin.close_campaign(campaign).await.expect("closed");
    assert!(closed.closed_at.is_some());
    assert_eq!(
        admin.close_campaign(campaign).await.expect_err("twice").status(),
        Some(409)
    );
    let e = sam
        .reject_revalidation(
            mine.id,
            &RejectRevalidationRequest {
                reason: "Jane left DLA last month.".into(),
                version: None,
            },
        )
        .await
        .expect_err("closed");
    assert_eq!(e.status(), Some(409));
    assert!(e.to_string().contains("closed"), "{e}");
    let e = jane
        .close_campaign(campaign)
        .await
        .expect_err("not an administrator");
    assert_eq!(e.status(), Some(403));
}

/// Sam has no supervisor: his review goes to the administrators of his own organization
/// (Dan, once an administrator of DFAS, where Sam moves), not to those of another (Alex, DLA),
/// and the campaign's progress counts him as without a reviewer.
async fn a_user_without_a_supervisor_is_reviewed_by_their_organizations_administrators(db: Db) {
    const ALEX: &str = "alex.administrator@dla.example";
    let app = seeded(db).await;
    let sam = as_user(&app, "ssupervisor").await;
    let ebs = role_id(&sam, "EBS Inquiry User", "PROD").await;
    assign_role(&app, "ssupervisor", ebs).await;
    grant_admin_role(
        &app,
        "ddataowner",
        amps::domain::permission::AdminRole::Administrator,
    )
    .await;
    // Dan signs in as an administrator does, with a second factor.
    app.settle_principals().await;
    let admin = as_user(&app, "aadmin").await;
    let dfas = || UpdateUserRequest {
        organization: Some("DFAS".into()),
    };
    let dan_id = as_user(&app, "ddataowner").await.me().await.expect("me").id;
    admin.update_user(dan_id, &dfas()).await.expect("Dan moves");
    let sam_id = sam.me().await.expect("me").id;
    admin.update_user(sam_id, &dfas()).await.expect("Sam moves");

    let review = sam.my_revalidation().await.expect("a review opened at once");
    assert_eq!(review.trigger, "organization_change");
    // He keeps every role he holds (EBS, and New IT User Requestor of the demo's COR).
    sam.update_my_revalidation(&UpdateRevalidationRequest {
        items: review
            .items
            .iter()
            .map(|i| decide(i.assignment_id, true, None))
            .collect(),
        submit: true,
        version: Some(review.version),
    })
    .await
    .expect("submitted");
    assert_eq!(
        mails_about(&app, DAN, "reviewed their roles").await,
        1,
        "his organization's administrator is asked"
    );
    assert_eq!(
        mails_about(&app, ALEX, "reviewed their roles").await,
        0,
        "not another organization's"
    );
    // Both administrators may still decide (any administrator backs the queue up); Sam not.
    let e = sam
        .approve_revalidation(review.id, &ApproveRevalidationRequest::default())
        .await
        .expect_err("his own");
    assert_eq!(e.status(), Some(403));
    let dan = as_user(&app, "ddataowner").await;
    assert_eq!(
        dan.revalidations_to_review()
            .await
            .expect("queue")
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [review.id]
    );
    dan.approve_revalidation(review.id, &ApproveRevalidationRequest::default())
        .await
        .expect("approved by his organization's administrator");
}
