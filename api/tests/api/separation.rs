//! Nobody approves their own access (issue #11, items 2 and 4): the subject and the requester of
//! a SAAR decide none of its tasks, one person decides one level, excluded approvers' tasks go
//! up the line or to the administrators with the reason shown, excluded group members do not see
//! the task, a provisioner never completes their own access, and AMPS's own administrative roles
//! are changed by administrators only and always end at an administrator level. Item 3: a
//! requester does not pick their own approvers.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use uuid::Uuid;

both_dbs!(
    nobody_decides_a_request_for_their_own_access,
    one_person_decides_one_level_and_the_next_goes_up_the_line,
    excluded_group_members_do_not_see_the_task,
    a_deputy_is_held_to_the_same_limits,
    a_provisioner_never_completes_their_own_access,
    administrative_roles_are_changed_by_administrators_and_end_at_one,
    requesters_ask_for_new_approvers_and_the_person_named_accepts,
    supervisors_hand_reports_over_and_the_help_desk_and_administrators_set_approvers_at_once,
);

/// The demo application `code`.
async fn application(admin: &Client, code: &str) -> Uuid {
    admin
        .applications()
        .await
        .expect("applications")
        .into_iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("no application {code}"))
        .id
}

async fn user_id(app: &TestApp, login: &str) -> Uuid {
    as_user(app, login).await.me().await.expect("me").id
}

async fn nobody_decides_a_request_for_their_own_access(db: Db) {
    let app = seeded(db).await;
    // The demo's data owner of every role asks for one of them.
    let owner = as_user(&app, "ddataowner").await;
    let pop = role_id(&owner, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &owner, pop).await;
    approve_chain(&app, saar.id, &[("ssupervisor", None), ("ssecurity", None)]).await;
    // The data-owner level is not theirs to decide: it goes to the administrators.
    assert!(
        owner
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != saar.id),
        "their own request is not in their inbox"
    );
    assert_eq!(owner.approvals_count().await.expect("count").open, 0);
    let waiting = owner
        .get_saar(saar.id)
        .await
        .expect("saar")
        .waiting_on
        .expect("waiting");
    assert_eq!(waiting.who, "AMPS administrators");
    assert_eq!(waiting.kind, "data_owner");
    assert_eq!(
        waiting.reason.as_deref(),
        Some("Dan Dataowner is the person this request is for; sent to the AMPS administrators.")
    );
    let admin = as_user(&app, "aadmin").await;
    let task = task_for(&admin, saar.id).await;
    let refused = owner
        .approve(task.id, &ApproveRequest::default())
        .await
        .expect_err("their own access");
    assert_eq!(refused.status(), Some(403));
    mail_about(&app, "alex.administrator@dla.example", &saar.number).await;
    admin
        .approve(task.id, &ApproveRequest::default())
        .await
        .expect("an administrator decides it");
    approve_chain(&app, saar.id, &[("iiao", None)]).await;
    assert_eq!(
        owner.get_saar(saar.id).await.expect("saar").status,
        SaarStatus::Provisioning
    );
}

async fn one_person_decides_one_level_and_the_next_goes_up_the_line(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let sup_id = user_id(&app, "ssupervisor").await;
    // A role whose data owner is also the requester's supervisor, asked of first.
    let role = admin
        .create_role(&CreateRoleRequest {
            data_owner_id: Some(sup_id),
            ..role_request(
                application(&admin, "HMMS-POP").await,
                "Two Hats",
                vec![
                    ChainLevel {
                        kind: "data_owner".into(),
                        group_id: None,
                    },
                    ChainLevel {
                        kind: "supervisor".into(),
                        group_id: None,
                    },
                ],
            )
        })
        .await
        .expect("role");
    let sup = as_user(&app, "ssupervisor").await;
    sup.update_me(&UpdateMeRequest {
        supervisor: Some("eeao".into()),
        ..Default::default()
    })
    .await
    .expect("the supervisor's own supervisor");
    let above = as_user(&app, "eeao").await;
    let asked = above.approver_changes().await.expect("asked")[0].id;
    above.decide_approver_change(asked, true).await.expect("accepted");
    let requester = as_user(&app, "jrequester").await;
    let saar = requester
        .submit_saars(&submission(vec![role.id], &app))
        .await
        .expect("submit")
        .saars
        .remove(0);
    let first = task_for(&sup, saar.id).await;
    assert_eq!(first.kind, "data_owner");
    sup.approve(first.id, &ApproveRequest::default())
        .await
        .expect("level 1");
    // Level 2 would be theirs again: it goes to their own supervisor, saying why.
    let waiting = requester
        .get_saar(saar.id)
        .await
        .expect("saar")
        .waiting_on
        .expect("waiting");
    assert_eq!(waiting.who, "Erin Authorizer");
    assert_eq!(
        waiting.reason.as_deref(),
        Some(
            "Sam Supervisor is the approver of level 1 of this request; sent to their supervisor, Erin Authorizer."
        )
    );
    assert!(
        sup.approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != saar.id)
    );
    let second = task_for(&above, saar.id).await;
    let refused = sup
        .approve(second.id, &ApproveRequest::default())
        .await
        .expect_err("a second level");
    assert_eq!(refused.status(), Some(403));
    let v = above
        .approve(second.id, &ApproveRequest::default())
        .await
        .expect("level 2");
    assert_eq!(v.status, SaarStatus::Provisioning);
    same_as_read(&above, &v).await;
}

async fn excluded_group_members_do_not_see_the_task(db: Db) {
    let app = seeded(db).await;
    // A role approved by a group of ssupervisor and ddataowner; ddataowner asks for it.
    let (role, _) = group_role(&app).await;
    let owner = as_user(&app, "ddataowner").await;
    let sup = as_user(&app, "ssupervisor").await;
    let saar = submit_one(&app, &owner, role).await;
    // Only the other member sees it.
    assert_eq!(owner.approvals_count().await.expect("count").open, 0);
    assert!(
        owner
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != saar.id)
    );
    let t = task_for(&sup, saar.id).await;
    let refused = owner
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect_err("their own access, even with the task's id");
    assert_eq!(refused.status(), Some(403));
    assert_eq!(
        owner.get_saar(saar.id).await.expect("saar").status,
        SaarStatus::Pending,
        "nothing changed"
    );
    sup.approve(t.id, &ApproveRequest::default())
        .await
        .expect("the other member decides it");
    // Asked for someone else, both members see it and either decides it.
    let requester = as_user(&app, "jrequester").await;
    let other = submit_one(&app, &requester, role).await;
    task_for(&sup, other.id).await;
    let t = task_for(&owner, other.id).await;
    owner
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect("a member decides a request of someone else");
}

async fn a_deputy_is_held_to_the_same_limits(db: Db) {
    let app = seeded(db).await;
    // The supervisor's deputy asks for a role: the supervisor level would go to the deputy,
    // who is the requester; it stays with the supervisor.
    let sup = as_user(&app, "ssupervisor").await;
    sup.set_deputy(&SetDeputyRequest {
        deputy: "jrequester".into(),
        starts_at: app.now(),
        ends_at: app.now() + chrono::Duration::days(5),
    })
    .await
    .expect("deputy");
    let deputy = as_user(&app, "jrequester").await;
    let pop = role_id(&deputy, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &deputy, pop).await;
    let t = task_for(&sup, saar.id).await;
    assert_eq!(deputy.approvals_count().await.expect("count").open, 0);
    assert_eq!(
        deputy
            .approve(t.id, &ApproveRequest::default())
            .await
            .expect_err("their own request")
            .status(),
        Some(403)
    );
    // Someone else's request goes to the deputy as usual.
    let other = as_user(&app, "ddataowner").await;
    let theirs = submit_one(&app, &other, pop).await;
    task_for(&deputy, theirs.id).await;
    a_few_rounds().await;
    task_for(&sup, saar.id).await;
}

async fn a_provisioner_never_completes_their_own_access(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    // The HMMS-POP provisioners: pprovisioner and, from now, the help desk's hhelpdesk.
    let group = admin
        .approval_groups()
        .await
        .expect("groups")
        .into_iter()
        .find(|g| g.name == "HMMS-POP Provisioners")
        .expect("group");
    let members = vec![
        user_id(&app, "pprovisioner").await,
        user_id(&app, "hhelpdesk").await,
    ];
    admin
        .update_approval_group(
            group.id,
            &UpdateApprovalGroupRequest {
                members: Some(members),
                ..Default::default()
            },
        )
        .await
        .expect("members");
    let prov = as_user(&app, "pprovisioner").await;
    prov.update_me(&UpdateMeRequest {
        security_officer: Some("ssecurity".into()),
        ..Default::default()
    })
    .await
    .expect("a security officer on file");
    let pop = role_id(&prov, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &prov, pop).await;
    approve_chain(
        &app,
        saar.id,
        &[
            ("ssupervisor", None),
            ("ssecurity", None),
            ("ddataowner", None),
            ("iiao", None),
        ],
    )
    .await;
    assert!(
        prov.provisioning_tasks()
            .await
            .expect("queue")
            .iter()
            .all(|t| t.saar_number != saar.number),
        "their own access is not in their queue"
    );
    let other = as_user(&app, "hhelpdesk").await;
    let t = other
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == saar.number)
        .expect("in the other provisioner's queue");
    let refused = prov
        .complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect_err("their own access");
    assert_eq!(refused.status(), Some(403));
    assert_eq!(
        prov.get_saar(saar.id).await.expect("saar").status,
        SaarStatus::Provisioning,
        "nothing changed"
    );
    other
        .complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("another provisioner completes it");
    assert_eq!(
        prov.get_saar(saar.id).await.expect("saar").status,
        SaarStatus::Completed
    );
}

async fn administrative_roles_are_changed_by_administrators_and_end_at_one(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let administrator = admin
        .catalog_roles("Administrator")
        .await
        .expect("catalog")
        .into_iter()
        .find(|r| r.name == "Administrator")
        .expect("the Administrator role");
    let amps = application(&admin, "AMPS").await;
    // A role-catalog owner, with a group of their own and a friend in it.
    let owner_login = "catalogowner";
    let catalog_owner = app.active_user(owner_login).await;
    grant_admin_role(
        &app,
        owner_login,
        amps::domain::permission::AdminRole::RoleCatalogOwner,
    )
    .await;
    let friend = user_id(&app, "iiao").await;
    let group = catalog_owner
        .create_approval_group(&CreateApprovalGroupRequest {
            name: "Friends".into(),
            description: String::new(),
            members: vec![friend],
        })
        .await
        .expect("a group of their own");
    let escalate = UpdateRoleRequest {
        hidden: Some(false),
        chain: Some(vec![ChainLevel {
            kind: "group".into(),
            group_id: Some(group.id),
        }]),
        ..Default::default()
    };
    let refused = catalog_owner
        .update_role(administrator.id, &escalate)
        .await
        .expect_err("administrators only");
    assert_eq!(refused.status(), Some(403));
    let refused = catalog_owner
        .create_role(&role_request(
            amps,
            "Root",
            vec![ChainLevel {
                kind: "group".into(),
                group_id: Some(group.id),
            }],
        ))
        .await
        .expect_err("AMPS's own application");
    assert_eq!(refused.status(), Some(403));
    let after = admin
        .catalog_roles("Administrator")
        .await
        .expect("catalog")
        .into_iter()
        .find(|r| r.id == administrator.id)
        .expect("role");
    assert_eq!(
        serde_json::to_value(&after).expect("json"),
        serde_json::to_value(&administrator).expect("json"),
        "nothing changed"
    );
    // Even when an administrator gives it that chain, a request ends at the administrators.
    admin
        .update_role(administrator.id, &escalate)
        .await
        .expect("an administrator changes it");
    let requester = as_user(&app, "iiao").await;
    let saar = requester
        .submit_saars(&submission(vec![administrator.id], &app))
        .await
        .expect("submit")
        .saars
        .remove(0);
    // Their friend is iiao themselves here: excluded, so the group level goes nowhere but to
    // the administrators; the last level is the administrators' in any case.
    let steps = |s: &SaarResponse| s.steps.iter().map(|x| x.kind.clone()).collect::<Vec<_>>();
    assert_eq!(steps(&saar), vec!["group".to_string()]);
    let member = as_user(&app, "jrequester").await;
    admin
        .update_approval_group(
            group.id,
            &UpdateApprovalGroupRequest {
                members: Some(vec![member.me().await.expect("me").id]),
                ..Default::default()
            },
        )
        .await
        .expect("members");
    let t = task_for(&member, saar.id).await;
    let v = member
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect("the group approves");
    assert_eq!(v.status, SaarStatus::Pending, "not granted by the group alone");
    let last = v.waiting_on.expect("waiting");
    assert_eq!(last.who, "AMPS administrators");
    let t = task_for(&admin, saar.id).await;
    assert_eq!(t.level, 2);
    // The administrators' queue is not a group anyone staffs.
    let refused = admin
        .update_approval_group(
            amps::domain::routing::ADMINISTRATORS,
            &UpdateApprovalGroupRequest {
                members: Some(vec![friend]),
                ..Default::default()
            },
        )
        .await
        .expect_err("reserved");
    assert_eq!(refused.status(), Some(409));
}

async fn requesters_ask_for_new_approvers_and_the_person_named_accepts(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let old = as_user(&app, "ssupervisor").await;
    let colluder = as_user(&app, "ddataowner").await;
    // A security officer must hold the Security Officer role.
    let e = requester
        .update_me(&UpdateMeRequest {
            security_officer: Some("ddataowner".into()),
            ..Default::default()
        })
        .await
        .expect_err("not a security officer");
    assert_eq!(
        e.problem().expect("problem").errors[0].code,
        "not_security_officer"
    );
    // A supervisor must be someone else.
    let e = requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("jrequester".into()),
            ..Default::default()
        })
        .await
        .expect_err("oneself");
    assert_eq!(e.problem().expect("problem").errors[0].code, "self");
    // Naming a supervisor only asks them; nothing moves yet.
    requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("ddataowner".into()),
            ..Default::default()
        })
        .await
        .expect("asked");
    let me = requester.me().await.expect("me");
    assert_eq!(me.supervisor.as_ref().expect("sup").user_id, "ssupervisor");
    let pending = &me.pending_approver_changes[0];
    assert_eq!(pending.kind, "supervisor");
    assert_eq!(
        pending.new_approver.as_ref().expect("named").user_id,
        "ddataowner"
    );
    task_for(&old, saar.id).await;
    // Only the person named decides: not the requester, not anyone else.
    let change = colluder.approver_changes().await.expect("asked")[0].clone();
    assert_eq!(change.user.user_id, "jrequester");
    for other in [&requester, &as_user(&app, "iiao").await] {
        assert_eq!(
            other
                .decide_approver_change(change.id, true)
                .await
                .expect_err("not theirs")
                .status(),
            Some(404)
        );
    }
    // Declined: the supervisor stays, the requester is told.
    colluder
        .decide_approver_change(change.id, false)
        .await
        .expect("declined");
    let me = requester.me().await.expect("me");
    assert_eq!(me.supervisor.as_ref().expect("sup").user_id, "ssupervisor");
    assert!(me.pending_approver_changes.is_empty());
    let told = app.last_mail_to("jane.requester@dla.example").await;
    assert!(told.subject.contains("declined"), "{}", told.subject);
    // Asked again and accepted: it takes effect, the open task moves, the audit says who.
    requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("ddataowner".into()),
            ..Default::default()
        })
        .await
        .expect("asked again");
    let change = colluder.approver_changes().await.expect("asked")[0].clone();
    colluder
        .decide_approver_change(change.id, true)
        .await
        .expect("accepted");
    assert_eq!(
        colluder
            .decide_approver_change(change.id, true)
            .await
            .expect_err("once")
            .status(),
        Some(409)
    );
    assert_eq!(
        requester.me().await.expect("me").supervisor.expect("sup").user_id,
        "ddataowner"
    );
    task_for(&colluder, saar.id).await;
    assert_eq!(old.approvals_count().await.expect("count").open, 0);
    let event = audit_event(&app, "account.approver_changed").await;
    assert_eq!(event.actor, "ddataowner");

    // A vendor's EAO: never an external account (a second account of their own).
    let vendor = as_user(&app, "vvendor").await;
    app.active_user("myotherself").await;
    let e = vendor
        .update_me(&UpdateMeRequest {
            eao_email: Some("myotherself@acme.example".into()),
            ..Default::default()
        })
        .await
        .expect_err("external");
    assert_eq!(e.problem().expect("problem").errors[0].code, "external");
    // An EAO without an account accepts through a single-use emailed link.
    vendor
        .update_me(&UpdateMeRequest {
            eao_email: Some("new.authorizer@dla.example".into()),
            ..Default::default()
        })
        .await
        .expect("asked");
    let token = token_in(
        &app.last_mail_to("new.authorizer@dla.example").await.body,
        "/approver-change?token=",
    );
    let anonymous = app.client();
    let seen = anonymous.approver_change_link(&token).await.expect("view");
    assert_eq!(seen.user.user_id, "vvendor");
    assert_eq!(seen.new_eao_email.as_deref(), Some("new.authorizer@dla.example"));
    anonymous
        .decide_approver_change_by_link(&token, true)
        .await
        .expect("accepted by link");
    assert_eq!(
        anonymous
            .decide_approver_change_by_link(&token, true)
            .await
            .expect_err("single use")
            .status(),
        Some(400)
    );
    let me = vendor.me().await.expect("me");
    assert_eq!(me.eao_email.as_deref(), Some("new.authorizer@dla.example"));
    assert_eq!(me.eao, None, "no account yet");
}

async fn supervisors_hand_reports_over_and_the_help_desk_and_administrators_set_approvers_at_once(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let me_id = requester.me().await.expect("me").id;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let to_owner = SetApproversRequest {
        supervisor: Some("ddataowner".into()),
        ..Default::default()
    };
    // Not the user themselves, not a stranger: and a stranger learns nothing from validation.
    for (who, login) in [(&requester, "jrequester"), (&as_user(&app, "iiao").await, "iiao")] {
        let e = who.set_approvers(me_id, &to_owner).await.expect_err(login);
        assert_eq!(e.status(), Some(403), "{login}");
        let e = who
            .set_approvers(
                me_id,
                &SetApproversRequest {
                    supervisor: Some(String::new()),
                    ..Default::default()
                },
            )
            .await
            .expect_err(login);
        assert_eq!(e.status(), Some(403), "{login}: authorization before validation");
    }
    // The current supervisor hands the report over: the new supervisor accepts first, then the
    // open task follows; both the report and Sam hear the answer.
    let sup = as_user(&app, "ssupervisor").await;
    let set = sup.set_approvers(me_id, &to_owner).await.expect("handed over");
    assert_eq!(
        set.supervisor.expect("sup").user_id,
        "ssupervisor",
        "until accepted"
    );
    assert_eq!(set.pending_supervisor.expect("asked").user_id, "ddataowner");
    assert_eq!(
        audit_event(&app, "account.approvers_set").await.actor,
        "ssupervisor"
    );
    task_for(&sup, saar.id).await;
    assert!(
        mail_about(
            &app,
            "dan.dataowner@dla.example",
            "hands Jane Requester over to you"
        )
        .await
        .body
        .contains("Sam Supervisor")
    );
    let dan = as_user(&app, "ddataowner").await;
    let asked = dan.approver_changes().await.expect("asked");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].user.user_id, "jrequester");
    dan.decide_approver_change(asked[0].id, true)
        .await
        .expect("accepted");
    task_for(&dan, saar.id).await;
    assert_eq!(
        requester.me().await.expect("me").supervisor.expect("sup").user_id,
        "ddataowner"
    );
    mail_about(
        &app,
        "sam.supervisor@dla.example",
        "accepted to supervise Jane Requester",
    )
    .await;
    // The help desk sets it back; the former supervisor can no longer.
    let e = sup
        .set_approvers(me_id, &to_owner)
        .await
        .expect_err("no longer theirs");
    assert_eq!(e.status(), Some(403));
    let desk = as_user(&app, "hhelpdesk").await;
    desk.set_approvers(
        me_id,
        &SetApproversRequest {
            supervisor: Some("ssupervisor".into()),
            security_officer: Some("ssecurity".into()),
            ..Default::default()
        },
    )
    .await
    .expect("help desk");
    task_for(&sup, saar.id).await;
    // Still checked: an external supervisor is refused, nothing changes.
    let e = desk
        .set_approvers(
            me_id,
            &SetApproversRequest {
                supervisor: Some("vvendor".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("external");
    assert_eq!(e.status(), Some(422));
    assert_eq!(
        requester.me().await.expect("me").supervisor.expect("sup").user_id,
        "ssupervisor"
    );
}

/// The newest audit event of `action`.
async fn audit_event(app: &TestApp, action: &str) -> amps::store::entities::audit_event::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    amps::store::entities::audit_event::Entity::find()
        .filter(amps::store::entities::audit_event::Column::Action.eq(action))
        .order_by_desc(amps::store::entities::audit_event::Column::Id)
        .one(&app.ctx.db)
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no {action} event"))
}
