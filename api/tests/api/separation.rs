//! Nobody approves their own access (issue #11, items 2 and 4): the subject and the requester of
//! a SAAR decide none of its tasks, one person decides one level, excluded approvers' tasks go
//! up the line or to the administrators with the reason shown, excluded group members do not see
//! the task, a provisioner never completes their own access, and AMPS's own administrative roles
//! are changed by administrators only and always end at an administrator level.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use uuid::Uuid;

both_dbs!(
    nobody_decides_a_request_for_their_own_access,
    one_person_decides_one_level_and_the_next_goes_up_the_line,
    excluded_group_members_do_not_see_the_task,
    a_provisioner_never_completes_their_own_access,
    administrative_roles_are_changed_by_administrators_and_end_at_one,
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
    let saar = owner
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars
        .remove(0);
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
    let mail = app.last_mail_to("alex.administrator@dla.example").await;
    assert!(mail.subject.contains(&saar.number), "{}", mail.subject);
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
    let above = as_user(&app, "eeao").await;
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
    let saar = owner
        .submit_saars(&submission(vec![role], &app))
        .await
        .expect("submit")
        .saars
        .remove(0);
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
    let other = requester
        .submit_saars(&submission(vec![role], &app))
        .await
        .expect("submit")
        .saars
        .remove(0);
    task_for(&sup, other.id).await;
    let t = task_for(&owner, other.id).await;
    owner
        .approve(t.id, &ApproveRequest::default())
        .await
        .expect("a member decides a request of someone else");
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
    let saar = prov
        .submit_saars(&submission(vec![pop], &app))
        .await
        .expect("submit")
        .saars
        .remove(0);
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
