//! Administration through the API: organizations, changes to roles and approval groups, and
//! the users list.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use uuid::Uuid;

both_dbs!(
    catalog_managers_change_roles_and_searches_follow,
    role_changes_refuse_bad_input_and_change_nothing,
    organizations_are_listed_and_added_by_administrators,
    approval_group_members_change_and_new_members_see_open_tasks,
    users_list_searches_and_pages_for_administrators_and_the_help_desk,
    role_catalog_owners_manage_the_catalog_and_look_up_group_members,
    the_policy_table_is_what_the_api_enforces,
    administrative_roles_are_recognised_by_their_key_not_their_name,
);

async fn catalog_role(admin: &Client, name: &str, env: &str) -> RoleResponse {
    admin
        .catalog_roles(name)
        .await
        .expect("catalog view")
        .into_iter()
        .find(|r| r.name == name && r.environment == env)
        .unwrap_or_else(|| panic!("{name} {env} not in the catalog"))
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    amps::store::entities::audit_event::Entity::find()
        .filter(amps::store::entities::audit_event::Column::Action.eq(action))
        .count(&app.ctx.db)
        .await
        .expect("count")
}

fn listed(roles: &[RoleResponse], name: &str) -> bool {
    roles.iter().any(|r| r.name == name && r.environment == "PROD")
}

async fn catalog_managers_change_roles_and_searches_follow(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let requester = as_user(&app, "jrequester").await; // DLA
    let vendor = as_user(&app, "vvendor").await; // External
    let pop = catalog_role(&admin, "Web User POP-001", "PROD").await;
    let facts = pop
        .catalog
        .clone()
        .expect("the catalog view carries the settings");
    assert!(!facts.hidden);
    assert!(
        requester
            .search_roles("Web User POP-001", None)
            .await
            .expect("search")
            .iter()
            .all(|r| r.catalog.is_none()),
        "requesters never see the catalog settings"
    );

    // Hidden: no one finds it, the catalog view still lists it.
    let changed = admin
        .update_role(
            pop.id,
            &UpdateRoleRequest {
                hidden: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("hide");
    assert!(changed.catalog.as_ref().expect("facts").hidden);
    assert_eq!(audit_count(&app, "catalog.role_updated").await, 1);
    for c in [&requester, &vendor] {
        assert!(!listed(
            &c.search_roles("Web User POP-001", None).await.expect("search"),
            "Web User POP-001"
        ));
    }
    assert!(
        catalog_role(&admin, "Web User POP-001", "PROD")
            .await
            .catalog
            .expect("facts")
            .hidden
    );

    // Visible to External only: the vendor finds it, the DLA requester does not.
    let changed = admin
        .update_role(
            pop.id,
            &UpdateRoleRequest {
                hidden: Some(false),
                visible_to: Some(vec!["External".into()]),
                min_it_level: Some("II".into()),
                default_expiration_days: Some(0),
                description: Some("Processes hazardous material shipments".into()),
                ..Default::default()
            },
        )
        .await
        .expect("visible to External");
    assert_eq!(
        changed.catalog.as_ref().expect("facts").visible_to,
        vec!["External"]
    );
    assert_eq!(changed.min_it_level, "II");
    assert_eq!(changed.default_expiration_days, None, "0 removes the expiration");
    assert_eq!(changed.chain, pop.chain, "fields left out keep their value");
    assert_eq!(changed.prerequisites, pop.prerequisites);
    assert!(listed(
        &vendor
            .search_roles("Web User POP-001", None)
            .await
            .expect("search"),
        "Web User POP-001"
    ));
    assert!(!listed(
        &requester
            .search_roles("Web User POP-001", None)
            .await
            .expect("search"),
        "Web User POP-001"
    ));

    // A new chain and prerequisites; the role's search result shows them.
    let inquiry = catalog_role(&admin, "EBS Inquiry User", "PROD").await;
    let changed = admin
        .update_role(
            inquiry.id,
            &UpdateRoleRequest {
                chain: Some(vec![ChainLevel {
                    kind: "supervisor".into(),
                    group_id: None,
                }]),
                prerequisites: Some(vec![]),
                ..Default::default()
            },
        )
        .await
        .expect("short chain");
    assert_eq!(changed.chain.len(), 1);
    assert_eq!(audit_count(&app, "catalog.role_updated").await, 3);

    // Who must be refused: a requester, a provisioner, the help desk, an external user; the
    // catalog view too.
    for login in ["jrequester", "pprovisioner", "hhelpdesk", "vvendor"] {
        let c = as_user(&app, login).await;
        let e = c
            .update_role(
                pop.id,
                &UpdateRoleRequest {
                    hidden: Some(true),
                    ..Default::default()
                },
            )
            .await
            .expect_err(login);
        assert_eq!(e.status(), Some(403), "{login}");
        assert_eq!(c.catalog_roles("").await.expect_err(login).status(), Some(403));
    }
    assert_eq!(audit_count(&app, "catalog.role_updated").await, 3);
}

async fn role_changes_refuse_bad_input_and_change_nothing(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let pop = catalog_role(&admin, "Web User POP-001", "PROD").await;
    let bad = [
        (
            UpdateRoleRequest {
                visible_to: Some(vec!["Nowhere".into()]),
                ..Default::default()
            },
            "visible_to[0]",
        ),
        (
            UpdateRoleRequest {
                prerequisites: Some(vec![pop.id]),
                ..Default::default()
            },
            "prerequisites[0]",
        ),
        (
            UpdateRoleRequest {
                chain: Some(vec![ChainLevel {
                    kind: "group".into(),
                    group_id: Some(Uuid::new_v4()),
                }]),
                ..Default::default()
            },
            "chain[0].group_id",
        ),
        (
            UpdateRoleRequest {
                min_it_level: Some("IV".into()),
                ..Default::default()
            },
            "min_it_level",
        ),
        (
            UpdateRoleRequest {
                default_expiration_days: Some(-1),
                ..Default::default()
            },
            "default_expiration_days",
        ),
        (
            UpdateRoleRequest {
                chain: Some(vec![]),
                ..Default::default()
            },
            "chain",
        ),
        (UpdateRoleRequest::default(), "body"),
    ];
    for (body, field) in bad {
        let e = admin.update_role(pop.id, &body).await.expect_err(field);
        assert_eq!(e.status(), Some(422), "{field}");
        let p = e.problem().expect("problem+json");
        assert!(
            p.errors.iter().any(|f| f.field == field),
            "{field} in {:?}",
            p.errors
        );
    }
    assert_eq!(
        admin
            .update_role(
                Uuid::new_v4(),
                &UpdateRoleRequest {
                    hidden: Some(true),
                    ..Default::default()
                }
            )
            .await
            .expect_err("unknown role")
            .status(),
        Some(404)
    );
    let after = catalog_role(&admin, "Web User POP-001", "PROD").await;
    assert_eq!(
        serde_json::to_value(&after).ok(),
        serde_json::to_value(&pop).ok(),
        "nothing changed"
    );
    assert_eq!(audit_count(&app, "catalog.role_updated").await, 0);
}

async fn organizations_are_listed_and_added_by_administrators(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let requester = as_user(&app, "jrequester").await;
    assert_eq!(
        requester
            .organizations()
            .await
            .expect_err("the catalog screens' list")
            .status(),
        Some(403)
    );
    let codes: Vec<String> = admin
        .organizations()
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.code)
        .collect();
    for code in ["DFAS", "DLA", "External"] {
        assert!(codes.iter().any(|c| c == code), "{code} in {codes:?}");
    }
    let body = CreateOrganizationRequest {
        code: "NAVSUP".into(),
        name: "Naval Supply Systems Command".into(),
        is_external: false,
        allows_non_prod: true,
        mfa_required: false,
    };
    for login in ["jrequester", "hhelpdesk", "vvendor"] {
        let c = as_user(&app, login).await;
        assert_eq!(
            c.create_organization(&body).await.expect_err(login).status(),
            Some(403)
        );
    }
    let before = app.count("organizations").await;
    for (bad, field) in [
        (
            CreateOrganizationRequest {
                code: "nav sup".into(),
                ..body.clone()
            },
            "code",
        ),
        (
            CreateOrganizationRequest {
                name: "Bad\u{7}name".into(),
                ..body.clone()
            },
            "name",
        ),
    ] {
        let e = admin.create_organization(&bad).await.expect_err(field);
        assert_eq!(e.status(), Some(422));
        assert_eq!(e.problem().expect("problem").errors[0].field, field);
    }
    assert_eq!(
        app.count("organizations").await,
        before,
        "refused writes change nothing"
    );
    let made = admin.create_organization(&body).await.expect("create");
    assert_eq!(made.code, "NAVSUP");
    assert!(made.allows_non_prod);
    assert_eq!(
        admin
            .create_organization(&body)
            .await
            .expect_err("taken")
            .status(),
        Some(409)
    );
    assert_eq!(audit_count(&app, "catalog.organization_created").await, 1);
    // A role can now be made visible to it.
    let pop = catalog_role(&admin, "Web User POP-001", "PROD").await;
    admin
        .update_role(
            pop.id,
            &UpdateRoleRequest {
                visible_to: Some(vec!["NAVSUP".into(), "DLA".into()]),
                ..Default::default()
            },
        )
        .await
        .expect("visible to the new organization");
}

async fn approval_group_members_change_and_new_members_see_open_tasks(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let id_of = |login: &'static str| {
        let app = &app;
        async move { as_user(app, login).await.me().await.expect("me").id }
    };
    let (sup, owner, iao) = (
        id_of("ssupervisor").await,
        id_of("ddataowner").await,
        id_of("iiao").await,
    );
    let group = admin
        .create_approval_group(&CreateApprovalGroupRequest {
            name: "Shipping approvers".into(),
            description: String::new(),
            members: vec![sup],
        })
        .await
        .expect("group");
    let other = admin
        .create_approval_group(&CreateApprovalGroupRequest {
            name: "Other approvers".into(),
            description: String::new(),
            members: vec![],
        })
        .await
        .expect("other group");
    // A role approved by the group; a request waits on it.
    let inquiry = catalog_role(&admin, "EBS Inquiry User", "PROD").await;
    admin
        .update_role(
            inquiry.id,
            &UpdateRoleRequest {
                chain: Some(vec![ChainLevel {
                    kind: "group".into(),
                    group_id: Some(group.id),
                }]),
                ..Default::default()
            },
        )
        .await
        .expect("group chain");
    let requester = as_user(&app, "jrequester").await;
    let saar = requester
        .submit_saars(&SubmitSaarsRequest {
            privacy_act_accepted: true,
            role_ids: vec![inquiry.id],
            justification: "Need to look up shipment invoices.".into(),
            request_type: RequestType::Initial,
            user_info: SaarUserInfo {
                ia_training_date: app.now().date_naive(),
                job_title: None,
                phone: None,
            },
            on_behalf_of: None,
        })
        .await
        .expect("submit")
        .saars[0]
        .clone();
    let owner_client = as_user(&app, "ddataowner").await;
    assert!(
        owner_client
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != saar.id)
    );

    // Refused: not a catalog manager, unknown member, a taken name, nothing to change.
    let requester_try = requester
        .update_approval_group(
            group.id,
            &UpdateApprovalGroupRequest {
                members: Some(vec![owner]),
                ..Default::default()
            },
        )
        .await
        .expect_err("requester");
    assert_eq!(requester_try.status(), Some(403));
    let e = admin
        .update_approval_group(
            group.id,
            &UpdateApprovalGroupRequest {
                members: Some(vec![owner, Uuid::new_v4()]),
                ..Default::default()
            },
        )
        .await
        .expect_err("unknown member");
    assert_eq!(e.problem().expect("problem").errors[0].field, "members[1]");
    let e = admin
        .update_approval_group(
            group.id,
            &UpdateApprovalGroupRequest {
                name: Some(other.name.clone()),
                ..Default::default()
            },
        )
        .await
        .expect_err("taken");
    assert_eq!(e.status(), Some(409));
    let e = admin
        .update_approval_group(group.id, &UpdateApprovalGroupRequest::default())
        .await
        .expect_err("empty");
    assert_eq!(e.status(), Some(422));
    assert_eq!(
        admin
            .update_approval_group(
                Uuid::new_v4(),
                &UpdateApprovalGroupRequest {
                    description: Some("x".into()),
                    ..Default::default()
                }
            )
            .await
            .expect_err("unknown group")
            .status(),
        Some(404)
    );
    assert_eq!(audit_count(&app, "catalog.approval_group_updated").await, 0);

    // New members: the data owner and the IAO see the open task; the supervisor no longer does.
    let changed = admin
        .update_approval_group(
            group.id,
            &UpdateApprovalGroupRequest {
                members: Some(vec![owner, iao, owner]),
                description: Some("Approve shipping roles".into()),
                ..Default::default()
            },
        )
        .await
        .expect("members");
    assert_eq!(changed.members.len(), 2, "duplicates collapse");
    assert_eq!(audit_count(&app, "catalog.approval_group_updated").await, 1);
    assert!(
        owner_client
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .any(|t| t.saar.id == saar.id)
    );
    let sup_client = as_user(&app, "ssupervisor").await;
    assert!(
        sup_client
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != saar.id)
    );
    let listed = admin.approval_groups().await.expect("groups");
    let g = listed.iter().find(|g| g.id == group.id).expect("listed");
    assert_eq!(g.description, "Approve shipping roles");
    assert_eq!(g.members.len(), 2);
    let mut people: Vec<&str> = g.people.iter().map(|p| p.user_id.as_str()).collect();
    people.sort();
    assert_eq!(people, ["ddataowner", "iiao"], "members are shown as people");
    assert!(g.people.iter().all(|p| g.members.contains(&p.id)));
    // Groups and their members are for those who staff them and the help desk.
    assert!(as_user(&app, "hhelpdesk").await.approval_groups().await.is_ok());
    for login in ["jrequester", "ssupervisor", "vvendor"] {
        let e = as_user(&app, login)
            .await
            .approval_groups()
            .await
            .expect_err(login);
        assert_eq!(e.status(), Some(403), "{login}");
    }
}

async fn users_list_searches_and_pages_for_administrators_and_the_help_desk(db: Db) {
    let app = seeded(db).await;
    let help = as_user(&app, "hhelpdesk").await;
    let admin = as_user(&app, "aadmin").await;
    let found = help
        .users(&ListUsersQuery {
            q: Some("REQUESTER".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert!(
        found.users.iter().any(|u| u.user_id == "jrequester"),
        "{:?}",
        found.users
    );
    assert!(found.users.iter().all(|u| u.user_id != "ssupervisor"));
    let by_email = admin
        .users(&ListUsersQuery {
            q: Some(found.users[0].email.clone()),
            ..Default::default()
        })
        .await
        .expect("by email");
    assert_eq!(by_email.users.len(), 1);
    // LIKE wildcards are taken literally.
    assert!(
        admin
            .users(&ListUsersQuery {
                q: Some("%".into()),
                ..Default::default()
            })
            .await
            .expect("literal")
            .users
            .is_empty()
    );

    // Pages of 3 walk every user once, in User ID order.
    let all = admin
        .users(&ListUsersQuery {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .expect("all");
    assert!(all.next_cursor.is_none());
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let page = help
            .users(&ListUsersQuery {
                limit: Some(3),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .expect("page");
        assert!(page.users.len() <= 3);
        walked.extend(page.users.into_iter().map(|u| u.user_id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = all.users.iter().map(|u| u.user_id.clone()).collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(walked, expected);
    assert_eq!(expected, sorted);
    assert!(expected.len() >= 10);

    let active = admin
        .users(&ListUsersQuery {
            status: Some("active".into()),
            limit: Some(100),
            ..Default::default()
        })
        .await
        .expect("active");
    assert!(active.users.iter().all(|u| u.status == "active"));
    let vendor = all.users.iter().find(|u| u.user_id == "vvendor").expect("vendor");
    assert_eq!(vendor.organization, "External");

    for (q, field) in [
        (
            ListUsersQuery {
                status: Some("asleep".into()),
                ..Default::default()
            },
            "status",
        ),
        (
            ListUsersQuery {
                limit: Some(0),
                ..Default::default()
            },
            "limit",
        ),
    ] {
        let e = admin.users(&q).await.expect_err(field);
        assert_eq!(e.status(), Some(422));
        assert_eq!(e.problem().expect("problem").errors[0].field, field);
    }
    for login in ["jrequester", "pprovisioner", "ssupervisor", "vvendor"] {
        let c = as_user(&app, login).await;
        assert_eq!(
            c.users(&ListUsersQuery::default())
                .await
                .expect_err(login)
                .status(),
            Some(403),
            "{login}"
        );
    }
}

async fn role_catalog_owners_manage_the_catalog_and_look_up_group_members(db: Db) {
    let app = seeded(db).await;
    let owner = as_user(&app, "ddataowner").await;
    let group = CreateApprovalGroupRequest {
        name: "Hazmat data owners".into(),
        description: String::new(),
        members: vec![],
    };
    // Before: a data owner is not a catalog owner.
    assert_eq!(
        owner
            .create_approval_group(&group)
            .await
            .expect_err("not yet")
            .status(),
        Some(403)
    );
    assert_eq!(
        owner
            .users(&ListUsersQuery::default())
            .await
            .expect_err("not yet")
            .status(),
        Some(403)
    );
    grant_admin_role(
        &app,
        "ddataowner",
        amps::domain::permission::AdminRole::RoleCatalogOwner,
    )
    .await;
    let owner = as_user(&app, "ddataowner").await;
    // Finds the people to staff a group with, and staffs it.
    let found = owner
        .users(&ListUsersQuery {
            q: Some("ssecurity".into()),
            ..Default::default()
        })
        .await
        .expect("catalog owners look people up");
    assert_eq!(found.users.len(), 1);
    // An unknown member is named and nothing is created.
    let created_before = audit_count(&app, "catalog.approval_group_created").await;
    let bad = owner
        .create_approval_group(&CreateApprovalGroupRequest {
            members: vec![found.users[0].id, Uuid::new_v4(), found.users[0].id],
            ..group.clone()
        })
        .await
        .expect_err("unknown member");
    assert_eq!(bad.status(), Some(422));
    let fields: Vec<String> = bad
        .problem()
        .expect("problem")
        .errors
        .iter()
        .map(|e| e.field.clone())
        .collect();
    assert_eq!(fields, ["members[1]"]);
    assert!(
        owner
            .approval_groups()
            .await
            .expect("groups")
            .iter()
            .all(|g| g.name != group.name)
    );
    assert_eq!(
        audit_count(&app, "catalog.approval_group_created").await,
        created_before
    );
    let created = owner.create_approval_group(&group).await.expect("group");
    assert_eq!(
        audit_count(&app, "catalog.approval_group_created").await,
        created_before + 1
    );
    let staffed = owner
        .update_approval_group(
            created.id,
            &UpdateApprovalGroupRequest {
                members: Some(vec![found.users[0].id]),
                ..Default::default()
            },
        )
        .await
        .expect("members");
    assert_eq!(staffed.members, vec![found.users[0].id]);
    // Changes roles.
    let inquiry = catalog_role(&owner, "EBS Inquiry User", "PROD").await;
    let changed = owner
        .update_role(
            inquiry.id,
            &UpdateRoleRequest {
                description: Some("Read-only EBS inquiries.".into()),
                ..Default::default()
            },
        )
        .await
        .expect("role change");
    assert_eq!(changed.description, "Read-only EBS inquiries.");
    // Still not an administrator: organizations stay with administrators.
    let org = owner
        .create_organization(&CreateOrganizationRequest {
            code: "DCMA".into(),
            name: "Defense Contract Management Agency".into(),
            is_external: false,
            allows_non_prod: false,
            mfa_required: false,
        })
        .await
        .expect_err("organizations are the administrators'");
    assert_eq!(org.status(), Some(403));
}

/// What the policy test calls the API about: a request none of the callers is part of, a
/// request waiting in the administrators' queue, an AMPS administrative role, and a person who
/// names the caller as their security officer.
struct Scene<'a> {
    saar: Uuid,
    queued: Uuid,
    amps_role: Uuid,
    names_security_officer: &'a Client,
    /// A user none of the callers supervises.
    someone: Uuid,
}

/// What each permission of `domain::permission` lets its holder `login` do, through the API:
/// `true` when the call was allowed, `false` when refused (anything else fails the test).
async fn allowed(
    c: &Client,
    login: &str,
    p: amps::domain::permission::Permission,
    scene: &Scene<'_>,
    n: usize,
) -> bool {
    use amps::domain::permission::Permission::*;
    let outcome = match p {
        ManageCatalog => c.catalog_roles("EBS").await.map(drop),
        ReadApprovalGroups => c.approval_groups().await.map(drop),
        ListUsers => c.users(&ListUsersQuery::default()).await.map(drop),
        ManageOrganizations => c
            .create_organization(&CreateOrganizationRequest {
                code: format!("ORG{n}"),
                name: format!("Organization {n}"),
                is_external: false,
                allows_non_prod: false,
                mfa_required: false,
            })
            .await
            .map(drop),
        ReadAnySaar => c.get_saar(scene.saar).await.map(drop),
        ManageRevalidation => c.campaigns().await.map(drop),
        ReadReports => c.reports().await.map(drop),
        ReadAuditTrail => c
            .audit_events(&AuditFilter::default(), &AuditPageQuery::default())
            .await
            .map(drop),
        ChangeAccountStatus => {
            // No reason: allowed callers get 422, and nothing changes.
            let e = c
                .set_user_status(
                    scene.someone,
                    &SetUserStatusRequest {
                        status: SettableStatus::Disabled,
                        reason: String::new(),
                    },
                )
                .await
                .expect_err("no reason");
            return match e.status() {
                Some(422) => true,
                Some(403) => false,
                _ => panic!("{p}: {e}"),
            };
        }
        ManageAccounts => {
            let e = c
                .update_user(
                    scene.someone,
                    &UpdateUserRequest {
                        organization: Some(format!("NOPE{n}")),
                    },
                )
                .await
                .expect_err("no such organization");
            return match e.status() {
                Some(422) => true,
                Some(403) => false,
                _ => panic!("{p}: {e}"),
            };
        }
        CreateAccounts => {
            // An external organization: allowed callers get 422, and nothing is created.
            let e = c
                .create_user(&CreateUserRequest {
                    user_id: format!("newperson{n}"),
                    first_name: "New".into(),
                    middle_initial: None,
                    last_name: "Person".into(),
                    email: format!("new.person{n}@dla.example"),
                    phone: "+1 703 555 0199".into(),
                    job_title: None,
                    organization: "External".into(),
                    user_type: InternalUserType::Civilian,
                    company: None,
                    contract_number: None,
                    contract_ends_on: None,
                    supervisor: None,
                })
                .await
                .expect_err("an external organization");
            return match e.status() {
                Some(422) => true,
                Some(403) => false,
                _ => panic!("{p}: {e}"),
            };
        }
        EnrollContractors => {
            // A last day that has passed: allowed callers get 422, and nobody is enrolled.
            let e = c
                .enroll_contractor(&EnrollContractorRequest {
                    user_id: format!("contractor{n}"),
                    first_name: "New".into(),
                    middle_initial: None,
                    last_name: "Contractor".into(),
                    email: format!("new.contractor{n}@dla.example"),
                    phone: "+1 703 555 0199".into(),
                    job_title: None,
                    company: "Acme".into(),
                    contract_number: "C-1".into(),
                    contract_ends_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
                    supervisor: "ssupervisor".into(),
                })
                .await
                .expect_err("a contract that ended");
            return match e.status() {
                Some(422) => true,
                Some(403) => false,
                _ => panic!("{p}: {e}"),
            };
        }
        ResendApprovalMail => c.resend_approval_mail(scene.saar).await.map(drop),
        ProvisionUngrouped => c.provisioning_tasks().await.map(drop),
        DecideReassigned => {
            let inbox = c.approvals().await.expect("inbox");
            return inbox.iter().any(|t| t.saar.id == scene.queued);
        }
        ManageAmpsRoles => c
            .update_role(
                scene.amps_role,
                &UpdateRoleRequest {
                    description: Some(format!("AMPS administrative role ({n})")),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        SetApprovers => c
            .set_approvers(
                scene.someone,
                &SetApproversRequest {
                    security_officer: Some("ssecurity".into()),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        ActAsSecurityOfficer => {
            let named = scene
                .names_security_officer
                .update_me(&UpdateMeRequest {
                    security_officer: Some(login.into()),
                    ..Default::default()
                })
                .await;
            return match named {
                Ok(_) => true,
                Err(e) if e.status() == Some(422) => false,
                Err(e) => panic!("{p}: {e}"),
            };
        }
    };
    match outcome {
        Ok(()) => true,
        Err(e) if e.status() == Some(403) => false,
        Err(e) => panic!("{p}: {e}"),
    }
}

async fn the_policy_table_is_what_the_api_enforces(db: Db) {
    use amps::domain::permission::{AdminRole, GRANTS, Permission, allows};
    let app = seeded(db).await;
    // A request none of the people below asks for, approves or provisions.
    let requester = as_user(&app, "jrequester").await;
    let admin = as_user(&app, "aadmin").await;
    let ebs = catalog_role(&admin, "EBS Inquiry User", "PROD").await;
    let saar = requester
        .submit_saars(&submission(vec![ebs.id], &app))
        .await
        .expect("submitted")
        .saars
        .remove(0);
    // A request for an AMPS administrative role: its chain ends at the administrators.
    let reports = catalog_role(&admin, "Reports", "PROD").await;
    let queued = as_user(&app, "iiao")
        .await
        .submit_saars(&submission(vec![reports.id], &app))
        .await
        .expect("submitted")
        .saars
        .remove(0);
    approve_chain(&app, queued.id, &[("ssupervisor", None)]).await;
    let scene = Scene {
        saar: saar.id,
        queued: queued.id,
        amps_role: reports.id,
        names_security_officer: &requester,
        someone: requester.me().await.expect("me").id,
    };
    // Someone holding no administrative role may do none of it.
    let nobody = app.active_user("policy0").await;
    for p in Permission::ALL {
        assert!(
            !allowed(&nobody, "policy0", *p, &scene, 0).await,
            "{p} without a role"
        );
    }
    // Each role, held alone, allows exactly what the table says.
    for (i, (role, _)) in GRANTS.iter().enumerate() {
        let login = format!("policy{}", i + 1);
        // Internal: some permissions are for internal people only (enrolling contractors).
        let mut c = app.internal_user(&login).await;
        grant_admin_role(&app, &login, *role).await;
        if *role == AdminRole::Administrator {
            // An administrator signs in with a second factor (set up at once).
            app.settle_principals().await;
            c = signed_in_as(&app, &login, PASSWORD).await;
        }
        for p in Permission::ALL {
            assert_eq!(
                allowed(&c, &login, *p, &scene, i + 1).await,
                allows(&[*role], *p),
                "{role} and {p}"
            );
        }
    }
    assert_eq!(GRANTS.len(), AdminRole::ALL.len());
}

async fn administrative_roles_are_recognised_by_their_key_not_their_name(db: Db) {
    use amps::store::entities::role;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    // A role of another application that calls itself "Administrator" grants nothing.
    let ebs = admin
        .applications()
        .await
        .expect("applications")
        .into_iter()
        .find(|a| a.code == "EBS")
        .expect("EBS");
    let impostor = admin
        .create_role(&role_request(
            ebs.id,
            "Administrator",
            vec![ChainLevel {
                kind: "supervisor".into(),
                group_id: None,
            }],
        ))
        .await
        .expect("a role named Administrator in EBS");
    assign_role(&app, "jrequester", impostor.id).await;
    let requester = as_user(&app, "jrequester").await;
    assert!(requester.me().await.expect("me").admin_roles.is_empty());
    let refused = requester
        .users(&ListUsersQuery::default())
        .await
        .expect_err("not an AMPS administrator");
    assert_eq!(refused.status(), Some(403));
    // The help desk's role renamed in the catalog keeps what it grants.
    role::Entity::update_many()
        .col_expr(role::Column::Name, Expr::value("Service Desk"))
        .filter(role::Column::Name.eq("Help Desk"))
        .exec(&app.ctx.db)
        .await
        .expect("renamed");
    let help_desk = as_user(&app, "hhelpdesk").await;
    help_desk
        .users(&ListUsersQuery::default())
        .await
        .expect("the renamed role still lets the help desk look up accounts");
}
