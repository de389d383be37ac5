//! Reference and demo data: the organizations, the AMPS administrative roles, the HMMS-POP
//! and EBS catalog of the seed procedure, and one demo account per kind of user. Every step
//! is idempotent: running it again changes nothing that is already there.

use crate::auth::password;
use crate::domain::account::AccountStatus;
use crate::domain::assignment::AssignmentStatus;
use crate::domain::chain::LevelKind;
use crate::domain::permission::AdminRole;
use crate::domain::request::{RenewalApprover, Requestable};
use crate::domain::routing::ADMINISTRATORS;
use crate::service::{Ctx, Error, Result, field};
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{
    application, approval_group, approval_group_member, organization, password_history, role,
    role_assignment, role_prerequisite, role_visibility, user,
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

/// The code of the application that holds AMPS's own administrative roles.
pub const AMPS_APP: &str = "AMPS";

/// The password of every demo account (meets the password rules).
pub const DEMO_PASSWORD: &str = "Demo password for AMPS 2026";

/// A demo account as printed for the user.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: &'static str,
    pub who: &'static str,
    pub password: &'static str,
}

async fn org(
    conn: &impl ConnectionTrait,
    code: &str,
    name: &str,
    external: bool,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    if let Some(o) = organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(conn)
        .await?
    {
        return Ok(o.id);
    }
    let id = Uuid::now_v7();
    organization::ActiveModel {
        id: Set(id),
        code: Set(code.into()),
        name: Set(name.into()),
        is_external: Set(external),
        allows_non_prod: Set(!external),
        mfa_required: Set(false),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

async fn app(conn: &impl ConnectionTrait, code: &str, name: &str, now: DateTime<Utc>) -> Result<Uuid> {
    if let Some(a) = application::Entity::find()
        .filter(application::Column::Code.eq(code))
        .one(conn)
        .await?
    {
        return Ok(a.id);
    }
    let id = Uuid::now_v7();
    application::ActiveModel {
        id: Set(id),
        code: Set(code.into()),
        name: Set(name.into()),
        provisioning_mode: Set(crate::domain::provisioning::ProvisioningMode::Manual),
        webhook_url: Set(None),
        provisioner_group_id: Set(None),
        webhook_secret: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

struct RoleSpec<'a> {
    app: Uuid,
    name: &'a str,
    env: &'a str,
    description: &'a str,
    hidden: bool,
    requestable_by: Requestable,
    min_it_level: &'a str,
    visible_to: &'a [Uuid],
    /// Set for AMPS's own administrative roles, which are found by it.
    admin_key: Option<AdminRole>,
}

async fn role(conn: &impl ConnectionTrait, r: RoleSpec<'_>, now: DateTime<Utc>) -> Result<Uuid> {
    let existing = match r.admin_key {
        Some(key) => role::Entity::find().filter(role::Column::AdminKey.eq(key)),
        None => role::Entity::find()
            .filter(role::Column::ApplicationId.eq(r.app))
            .filter(role::Column::Name.eq(r.name))
            .filter(role::Column::Environment.eq(r.env)),
    };
    if let Some(x) = existing.one(conn).await? {
        return Ok(x.id);
    }
    let id = Uuid::now_v7();
    role::ActiveModel {
        id: Set(id),
        application_id: Set(r.app),
        name: Set(r.name.into()),
        environment: Set(r.env.into()),
        description: Set(r.description.into()),
        hidden: Set(r.hidden),
        requestable_by: Set(r.requestable_by),
        min_it_level: Set(r.min_it_level.into()),
        default_expiration_days: Set(Some(365)),
        mfa_required: Set(false),
        data_owner_id: Set(None),
        iao_id: Set(None),
        admin_key: Set(r.admin_key),
        created_at: Set(now),
        renewal_approver: Set(RenewalApprover::Supervisor),
    }
    .insert(conn)
    .await?;
    for org in r.visible_to {
        role_visibility::ActiveModel {
            role_id: Set(id),
            organization_id: Set(*org),
        }
        .insert(conn)
        .await?;
    }
    Ok(id)
}

/// A new internal or external account, active, with a password already hashed.
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub org: Uuid,
    pub user_type: &'a str,
    pub company: Option<&'a str>,
    pub supervisor: Option<Uuid>,
    pub security_officer: Option<Uuid>,
    pub eao: Option<Uuid>,
    pub it_level: &'a str,
}

/// Inserts an active account unless the User ID exists; returns its id.
pub async fn account(
    conn: &impl ConnectionTrait,
    a: NewAccount<'_>,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Login.eq(a.login))
        .one(conn)
        .await?
    {
        return Ok(u.id);
    }
    let id = Uuid::now_v7();
    user::ActiveModel {
        id: Set(id),
        login: Set(a.login.into()),
        first_name: Set(a.first_name.into()),
        middle_initial: Set(None),
        last_name: Set(a.last_name.into()),
        email: Set(a.email.into()),
        pending_email: Set(None),
        phone: Set("+1 703 555 0100".into()),
        job_title: Set(None),
        organization_id: Set(a.org),
        user_type: Set(a.user_type.into()),
        company: Set(a.company.map(str::to_string)),
        contract_number: Set(None),
        contract_ends_on: Set(None),
        eao_email: Set(None),
        supervisor_id: Set(a.supervisor),
        security_officer_id: Set(a.security_officer),
        eao_id: Set(a.eao),
        it_level: Set(a.it_level.into()),
        ia_training_date: Set(Some(now.date_naive())),
        status: Set(AccountStatus::Active),
        password_hash: Set(hash.into()),
        password_changed_at: Set(now),
        last_activity_at: Set(None),
        inactivity_warned_at: Set(None),
        deletion_started_at: Set(None),
        deleted_email: Set(None),
        enrolled_by: Set(None),
        contract_warned_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        session_epoch: Set(0),
        kept_session: Set(None),
        ended_sessions: Set(None),
    }
    .insert(conn)
    .await?;
    password_history::ActiveModel {
        id: Default::default(),
        user_id: Set(id),
        hash: Set(hash.into()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Gives `user` the AMPS administrative role `admin` unless already held.
pub async fn grant_admin_role(
    conn: &impl ConnectionTrait,
    user: Uuid,
    admin: AdminRole,
    now: DateTime<Utc>,
) -> Result<()> {
    let role_id = role::Entity::find()
        .filter(role::Column::AdminKey.eq(admin))
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("reference data missing ({admin}): run migrations and seeding"))?
        .id;
    let held = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user))
        .filter(role_assignment::Column::RoleId.eq(role_id))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .one(conn)
        .await?;
    if held.is_none() {
        role_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user),
            role_id: Set(role_id),
            status: Set(AssignmentStatus::Active),
            since: Set(now),
            expires_at: Set(None),
            source_saar_id: Set(None),
            renewal_offered_at: Set(None),
            ended_at: Set(None),
            reviewed_at: Set(None),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Reference data every installation has: organizations and the AMPS administrative roles.
pub async fn reference(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<()> {
    let dla = org(conn, "DLA", "Defense Logistics Agency", false, now).await?;
    let dfas = org(conn, "DFAS", "Defense Finance and Accounting Service", false, now).await?;
    org(conn, "External", "External (vendors and the public)", true, now).await?;
    let amps = app(conn, AMPS_APP, "AMPS administration", now).await?;
    for admin in AdminRole::ALL {
        let id = role(
            conn,
            RoleSpec {
                app: amps,
                name: admin.display_name(),
                env: "PROD",
                description: "AMPS administrative role",
                hidden: *admin == AdminRole::Administrator,
                requestable_by: Requestable::Internal,
                min_it_level: "none",
                visible_to: &[dla, dfas],
                admin_key: Some(*admin),
            },
            now,
        )
        .await?;
        // Asked for by the supervisor; every AMPS administrative role's chain then ends at
        // the administrators (`domain::routing`), whatever the catalog says.
        if crate::store::catalog::chain_of(conn, id).await?.is_empty() {
            crate::store::catalog::set_chain(conn, id, &[LevelKind::Supervisor]).await?;
        }
    }
    if approval_group::Entity::find_by_id(ADMINISTRATORS)
        .one(conn)
        .await?
        .is_none()
    {
        approval_group::ActiveModel {
            id: Set(ADMINISTRATORS),
            name: Set("AMPS administrators".into()),
            description: Set(
                "Approvals whose named approver may not decide them (the subject, the requester, or the approver of another level), and the last level of every AMPS administrative role; its members are the holders of the Administrator role".into(),
            ),
            created_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The demo catalog and accounts; returns the accounts to print.
pub async fn demo(ctx: &Ctx) -> Result<Vec<DemoAccount>> {
    let now = ctx.clock.now();
    let hash = password::hash(DEMO_PASSWORD.into()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    reference(&txn, now).await?;
    let find_org = |code: &'static str| {
        let txn = &txn;
        async move {
            organization::Entity::find()
                .filter(organization::Column::Code.eq(code))
                .one(txn)
                .await?
                .map(|o| o.id)
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("organization {code} missing")))
        }
    };
    let (dla, dfas, ext) = (
        find_org("DLA").await?,
        find_org("DFAS").await?,
        find_org("External").await?,
    );
    let pop = app(
        &txn,
        "HMMS-POP",
        "Hazardous Material Management System - Performance Oriented Packaging",
        now,
    )
    .await?;
    let ebs = app(&txn, "EBS", "Enterprise Business System", now).await?;
    let all = [dla, dfas, ext];
    let ebs_role = role(
        &txn,
        RoleSpec {
            app: ebs,
            name: "EBS Inquiry User",
            env: "PROD",
            description: "Read access to EBS material and order data; required by HMMS-POP.",
            hidden: false,
            requestable_by: Requestable::Both,
            min_it_level: "III",
            visible_to: &all,
            admin_key: None,
        },
        now,
    )
    .await?;
    for env in ["PROD", "TEST"] {
        let pop_role = role(
            &txn,
            RoleSpec {
                app: pop,
                name: "Web User POP-001",
                env,
                description: "Process hazardous material shipments in HMMS-POP.",
                hidden: false,
                requestable_by: Requestable::Both,
                min_it_level: "III",
                visible_to: &all,
                admin_key: None,
            },
            now,
        )
        .await?;
        if role_prerequisite::Entity::find_by_id((pop_role, ebs_role))
            .one(&txn)
            .await?
            .is_none()
        {
            role_prerequisite::ActiveModel {
                role_id: Set(pop_role),
                prerequisite_role_id: Set(ebs_role),
            }
            .insert(&txn)
            .await?;
        }
    }
    let acct = |login, first, last, org, user_type, it| NewAccount {
        login,
        first_name: first,
        last_name: last,
        email: "",
        org,
        user_type,
        company: None,
        supervisor: None,
        security_officer: None,
        eao: None,
        it_level: it,
    };
    let mk = |a: NewAccount<'static>, email: &'static str| NewAccount { email, ..a };
    let so = account(
        &txn,
        mk(
            acct("ssecurity", "Sara", "Securityofficer", dla, "civilian", "I"),
            "sara.securityofficer@dla.example",
        ),
        &hash,
        now,
    )
    .await?;
    let sup = account(
        &txn,
        NewAccount {
            security_officer: Some(so),
            ..mk(
                acct("ssupervisor", "Sam", "Supervisor", dla, "civilian", "II"),
                "sam.supervisor@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            security_officer: Some(so),
            ..mk(
                acct("jrequester", "Jane", "Requester", dla, "civilian", "III"),
                "jane.requester@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            security_officer: Some(so),
            ..mk(
                acct("ddataowner", "Dan", "Dataowner", dla, "civilian", "II"),
                "dan.dataowner@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            security_officer: Some(so),
            ..mk(
                acct("iiao", "Ivy", "Assurance", dla, "civilian", "I"),
                "ivy.assurance@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    let eao = account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            security_officer: Some(so),
            ..mk(
                acct("eeao", "Erin", "Authorizer", dla, "civilian", "II"),
                "erin.authorizer@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    account(
        &txn,
        NewAccount {
            eao: Some(eao),
            security_officer: Some(so),
            company: Some("Acme Hazmat Logistics"),
            ..mk(
                acct("vvendor", "Victor", "Vendor", ext, "vendor", "none"),
                "victor.vendor@acme.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    let prov = account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            ..mk(
                acct("pprovisioner", "Pat", "Provisioner", dla, "civilian", "II"),
                "pat.provisioner@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    let hd = account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            ..mk(
                acct("hhelpdesk", "Hal", "Helpdesk", dla, "contractor", "III"),
                "hal.helpdesk@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    let adm = account(
        &txn,
        NewAccount {
            supervisor: Some(sup),
            ..mk(
                acct("aadmin", "Alex", "Administrator", dla, "civilian", "I"),
                "alex.administrator@dla.example",
            )
        },
        &hash,
        now,
    )
    .await?;
    let data_owner = user::Entity::find()
        .filter(user::Column::Login.eq("ddataowner"))
        .one(&txn)
        .await?
        .map(|u| u.id);
    let iao = user::Entity::find()
        .filter(user::Column::Login.eq("iiao"))
        .one(&txn)
        .await?
        .map(|u| u.id);
    for (app_id, group_name) in [(pop, "HMMS-POP Provisioners"), (ebs, "EBS Provisioners")] {
        let group = match approval_group::Entity::find()
            .filter(approval_group::Column::Name.eq(group_name))
            .one(&txn)
            .await?
        {
            Some(g) => g.id,
            None => {
                let id = Uuid::now_v7();
                approval_group::ActiveModel {
                    id: Set(id),
                    name: Set(group_name.into()),
                    description: Set("Provisioners of the application".into()),
                    created_at: Set(now),
                }
                .insert(&txn)
                .await?;
                approval_group_member::ActiveModel {
                    group_id: Set(id),
                    user_id: Set(prov),
                }
                .insert(&txn)
                .await?;
                id
            }
        };
        application::ActiveModel {
            id: Set(app_id),
            provisioner_group_id: Set(Some(group)),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        for r in role::Entity::find()
            .filter(role::Column::ApplicationId.eq(app_id))
            .all(&txn)
            .await?
        {
            role::ActiveModel {
                id: Set(r.id),
                data_owner_id: Set(data_owner),
                iao_id: Set(iao),
                ..Default::default()
            }
            .update(&txn)
            .await?;
            if crate::store::catalog::chain_of(&txn, r.id).await?.is_empty() {
                crate::store::catalog::set_chain(
                    &txn,
                    r.id,
                    &[
                        LevelKind::Supervisor,
                        LevelKind::SecurityOfficer,
                        LevelKind::DataOwner,
                        LevelKind::Iao,
                    ],
                )
                .await?;
            }
        }
    }
    grant_admin_role(&txn, prov, AdminRole::Provisioner, now).await?;
    // Sam is also a COR: he enrolls new contractors (New IT User Enrollment).
    grant_admin_role(&txn, sup, AdminRole::NewItUserRequestor, now).await?;
    grant_admin_role(&txn, hd, AdminRole::HelpDesk, now).await?;
    grant_admin_role(&txn, adm, AdminRole::Administrator, now).await?;
    grant_admin_role(&txn, so, AdminRole::SecurityOfficer, now).await?;
    // Dan, the data owner, follows the workflow in My Reports.
    if let Some(dan) = data_owner {
        grant_admin_role(&txn, dan, AdminRole::Reports, now).await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor::system(),
            action: "seed.demo",
            target: None,
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    let p = DEMO_PASSWORD;
    Ok(vec![
        DemoAccount {
            login: "jrequester",
            who: "Requester (DLA civilian)",
            password: p,
        },
        DemoAccount {
            login: "ssupervisor",
            who: "Supervisor and COR (New IT User Requestor)",
            password: p,
        },
        DemoAccount {
            login: "ssecurity",
            who: "Security Officer",
            password: p,
        },
        DemoAccount {
            login: "ddataowner",
            who: "Data Owner (HMMS-POP, EBS)",
            password: p,
        },
        DemoAccount {
            login: "iiao",
            who: "Information Assurance Officer",
            password: p,
        },
        DemoAccount {
            login: "vvendor",
            who: "External vendor (Acme Hazmat Logistics)",
            password: p,
        },
        DemoAccount {
            login: "eeao",
            who: "External Authorizing Official of vvendor",
            password: p,
        },
        DemoAccount {
            login: "pprovisioner",
            who: "Provisioner",
            password: p,
        },
        DemoAccount {
            login: "hhelpdesk",
            who: "Help Desk",
            password: p,
        },
        DemoAccount {
            login: "aadmin",
            who: "Administrator",
            password: p,
        },
    ])
}

/// `amps user create-admin`: an internal administrator with a generated password.
pub async fn create_admin(ctx: &Ctx, login: &str, first: &str, last: &str, email: &str) -> Result<String> {
    let now = ctx.clock.now();
    let login = crate::domain::account::normalize_login(login);
    let email = crate::domain::account::normalize_email(email);
    if user::Entity::find()
        .filter(user::Column::Login.eq(&login))
        .one(&ctx.db)
        .await?
        .is_some()
    {
        return Err(Error::Duplicate(field("user_id", "taken", "is already taken")));
    }
    // A generated passphrase: 24 random base64url characters (144 bits).
    let pw: String = crate::auth::tokens::generate().chars().take(24).collect();
    let hash = password::hash(pw.clone()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    reference(&txn, now).await?;
    let dla = organization::Entity::find()
        .filter(organization::Column::Code.eq("DLA"))
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("organization DLA missing"))?
        .id;
    let id = account(
        &txn,
        NewAccount {
            login: &login,
            first_name: first,
            last_name: last,
            email: &email,
            org: dla,
            user_type: "civilian",
            company: None,
            supervisor: None,
            security_officer: None,
            eao: None,
            it_level: "I",
        },
        &hash,
        now,
    )
    .await?;
    grant_admin_role(&txn, id, AdminRole::Administrator, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor::system(),
            action: "account.admin_created",
            target: Some(format!("user:{id}")),
            details: json!({"after": {"user_id": login, "email": email}}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(pw)
}
