//! Account lifecycle (issue #14): statuses set by administrators and the help desk with a
//! reason (mailed, audited, kept in the account's history, explained at sign-in), sessions that
//! end at once, and an administrator moving an account to another organization, which opens a
//! review of its roles.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use uuid::Uuid;

both_dbs!(
    an_administrator_suspends_an_account_with_a_reason_and_every_session_ends,
    the_help_desk_disables_and_enables_accounts_but_not_administrators,
    an_administrator_moves_an_account_and_its_roles_are_reviewed_at_once,
    a_person_checks_their_status_before_signing_in_and_strangers_learn_nothing,
    an_administrator_creates_an_internal_account_and_its_person_sets_the_password,
    the_help_desk_creates_a_contractor_and_sends_the_invitation_again,
    an_idle_external_account_is_warned_then_disabled_once,
    the_help_desk_finds_a_person_by_saar_number_and_sees_why_their_mail_failed,
    a_vendors_eao_is_linked_when_the_eao_gets_an_account_later,
    a_supervisor_deletes_a_report_whose_roles_are_removed_before_the_account_is_deleted,
    an_administrator_deletes_an_account_without_roles_and_its_person_registers_again,
    a_cor_enrolls_a_contractor_whose_account_ends_with_the_contract_unless_extended,
    the_help_desk_reads_a_persons_requests_and_sends_the_approval_mail_again,
    an_organization_names_its_security_officers_and_iaos_and_my_information_shows_them,
    an_approver_who_can_no_longer_sign_in_hands_their_open_tasks_over,
);

/// An approver whose account stops signing in leaves no request waiting on them: an EAO's
/// task goes to the EAO's own supervisor; a supervisor with none above them hands theirs to
/// the AMPS administrators, who decide it; each request says why, and the status change says
/// how many tasks moved.
async fn an_approver_who_can_no_longer_sign_in_hands_their_open_tasks_over(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let jane = as_user(&app, "jrequester").await;
    let victor = as_user(&app, "vvendor").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    let janes = submit_one(&app, &jane, ebs).await;
    let victors = submit_one(&app, &victor, ebs).await;
    let reason = |s: &SaarResponse| {
        s.waiting_on
            .as_ref()
            .and_then(|w| w.reason.clone())
            .unwrap_or_default()
    };
    let erin = as_user(&app, "eeao").await.me().await.expect("me").id;
    let sam = as_user(&app, "ssupervisor").await;
    let sam_id = sam.me().await.expect("me").id;
    assert!(
        sam.approvals()
            .await
            .expect("inbox")
            .iter()
            .all(|t| t.saar.id != victors.id)
    );

    // The EAO leaves: Victor's request goes to the EAO's supervisor.
    admin
        .set_user_status(erin, &set(SettableStatus::Disabled, "Erin left the agency."))
        .await
        .expect("disable the EAO");
    assert!(
        sam.approvals()
            .await
            .expect("inbox")
            .iter()
            .any(|t| t.saar.id == victors.id)
    );
    let view = victor.get_saar(victors.id).await.expect("Victor's request");
    assert_eq!(
        reason(&view),
        "Erin Authorizer can no longer sign in; sent to their supervisor, Sam Supervisor."
    );

    // The supervisor is suspended and has nobody above: both requests go to the administrators.
    admin
        .set_user_status(
            sam_id,
            &set(SettableStatus::Suspended, "Sam is on extended leave."),
        )
        .await
        .expect("suspend the supervisor");
    let inbox = admin.approvals().await.expect("administrators' inbox");
    for s in [&janes, &victors] {
        assert!(
            inbox.iter().any(|t| t.saar.id == s.id),
            "{} reached the administrators",
            s.number
        );
    }
    let view = jane.get_saar(janes.id).await.expect("Jane's request");
    assert_eq!(
        reason(&view),
        "Sam Supervisor can no longer sign in; sent to the AMPS administrators."
    );
    let details: Vec<serde_json::Value> = app
        .audit_details("account.status_changed")
        .await
        .into_iter()
        .filter(|d| d["user"] == "ssupervisor")
        .collect();
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["tasks_handed_over"], 2);
    // And they decide it.
    let task = inbox.iter().find(|t| t.saar.id == janes.id).expect("Jane's task");
    admin
        .approve(task.id, &ApproveRequest::default())
        .await
        .expect("an administrator decides the handed-over task");
    // A request made while Sam is away from AMPS skips him from the start.
    let reports = role_id(
        &jane,
        amps::domain::permission::AdminRole::Reports.display_name(),
        "PROD",
    )
    .await;
    let later = submit_one(&app, &jane, reports).await;
    assert_eq!(
        reason(&jane.get_saar(later.id).await.expect("the new request")),
        "Sam Supervisor can no longer sign in; sent to the AMPS administrators."
    );
    assert!(
        admin
            .approvals()
            .await
            .expect("inbox")
            .iter()
            .any(|t| t.saar.id == later.id)
    );
}

const JANE: &str = "jane.requester@dla.example";

fn set(status: SettableStatus, reason: &str) -> SetUserStatusRequest {
    SetUserStatusRequest {
        status,
        reason: reason.into(),
    }
}

async fn sign_in(app: &TestApp, login: &str) -> Result<TokenResponse, ClientError> {
    app.client()
        .login(&LoginRequest {
            user_id: login.into(),
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
}

async fn an_administrator_suspends_an_account_with_a_reason_and_every_session_ends(db: Db) {
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    let jane_id = jane.me().await.expect("me").id;
    let admin = as_user(&app, "aadmin").await;
    let admin_id = admin.me().await.expect("me").id;

    // Refused: a reason too short, someone who is neither administrator nor help desk, one's
    // own account, an account that does not exist. None of it changes anything.
    let e = admin
        .set_user_status(jane_id, &set(SettableStatus::Suspended, "no"))
        .await
        .expect_err("short reason");
    assert_eq!(e.status(), Some(422));
    let e = jane
        .set_user_status(jane_id, &set(SettableStatus::Active, "I am fine, thank you."))
        .await
        .expect_err("not theirs to set");
    assert_eq!(e.status(), Some(403));
    let sam = as_user(&app, "ssupervisor").await;
    let e = sam
        .set_user_status(jane_id, &set(SettableStatus::Disabled, "Jane is on leave."))
        .await
        .expect_err("a supervisor is not the help desk");
    assert_eq!(e.status(), Some(403));
    let e = admin
        .set_user_status(admin_id, &set(SettableStatus::Locked, "Locking myself out."))
        .await
        .expect_err("own account");
    assert_eq!(e.status(), Some(403));
    let e = admin
        .set_user_status(Uuid::now_v7(), &set(SettableStatus::Locked, "Nobody at all."))
        .await
        .expect_err("unknown");
    assert_eq!(e.status(), Some(404));
    let e = admin
        .set_user_status(jane_id, &set(SettableStatus::Active, "Already active, surely."))
        .await
        .expect_err("same status");
    assert_eq!(e.status(), Some(409));
    jane.me().await.expect("Jane is still signed in");

    let reason = "Security review of the EBS account after an incident.";
    let d = admin
        .set_user_status(jane_id, &set(SettableStatus::Suspended, reason))
        .await
        .expect("suspended");
    assert_eq!(d.user.status, "suspended");
    assert_eq!(
        (
            d.status_history[0].from.as_str(),
            d.status_history[0].to.as_str(),
            d.status_history[0].reason.as_str(),
            d.status_history[0].by.as_deref()
        ),
        ("active", "suspended", reason, Some("Alex Administrator"))
    );
    // Her session ended at once, and sign-in says why and whom to call.
    let e = jane.me().await.expect_err("session ended");
    assert_eq!(e.status(), Some(401));
    let e = sign_in(&app, "jrequester").await.expect_err("suspended");
    assert_eq!(e.status(), Some(403));
    let said = e.to_string();
    assert!(said.contains("suspended") && said.contains(reason), "{said}");
    assert!(said.contains("the AMPS help desk"), "{said}");
    let mail = mail_about(&app, JANE, "your account is suspended").await;
    assert!(mail.body.contains(reason), "{}", mail.body);
    // The help desk cannot undo an administrator's suspension.
    let hal = as_user(&app, "hhelpdesk").await;
    let e = hal
        .set_user_status(jane_id, &set(SettableStatus::Active, "She called; all is well."))
        .await
        .expect_err("an administrator's change");
    assert_eq!(e.status(), Some(403));
    // The help desk and administrators read the account and its history.
    let seen = hal.user(jane_id).await.expect("read");
    assert_eq!(seen.status_history.len(), 1);
    assert_eq!(
        jane_login_refused_by_status(&app).await,
        "suspended",
        "the list filters by the new status"
    );

    admin
        .set_user_status(jane_id, &set(SettableStatus::Active, "The review found nothing."))
        .await
        .expect("restored");
    sign_in(&app, "jrequester").await.expect("Jane signs in again");
    assert!(
        mail_about(&app, JANE, "your account is active")
            .await
            .body
            .contains("The review found nothing."),
        "she is told"
    );
}

/// Jane's status as the users list filtered by `suspended` shows it.
async fn jane_login_refused_by_status(app: &TestApp) -> String {
    let admin = as_user(app, "aadmin").await;
    admin
        .users(&ListUsersQuery {
            status: Some("suspended".into()),
            ..Default::default()
        })
        .await
        .expect("list")
        .users
        .into_iter()
        .find(|u| u.user_id == "jrequester")
        .map(|u| u.status)
        .unwrap_or_default()
}

async fn the_help_desk_disables_and_enables_accounts_but_not_administrators(db: Db) {
    let app = seeded(db).await;
    let hal = as_user(&app, "hhelpdesk").await;
    let jane_id = as_user(&app, "jrequester").await.me().await.expect("me").id;
    let admin_id = as_user(&app, "aadmin").await.me().await.expect("me").id;
    let e = hal
        .set_user_status(jane_id, &set(SettableStatus::Locked, "Too many calls today."))
        .await
        .expect_err("only administrators lock");
    assert_eq!(e.status(), Some(403));
    let e = hal
        .set_user_status(
            admin_id,
            &set(SettableStatus::Disabled, "Disabling the administrator."),
        )
        .await
        .expect_err("an administrator's account");
    assert_eq!(e.status(), Some(403));
    let reason = "Jane left for a six-month detail; her manager asked.";
    hal.set_user_status(jane_id, &set(SettableStatus::Disabled, reason))
        .await
        .expect("disabled");
    let said = sign_in(&app, "jrequester")
        .await
        .expect_err("disabled")
        .to_string();
    assert!(said.contains("disabled") && said.contains(reason), "{said}");
    hal.set_user_status(
        jane_id,
        &set(SettableStatus::Active, "Jane is back from her detail."),
    )
    .await
    .expect("enabled");
    sign_in(&app, "jrequester").await.expect("Jane signs in again");
}

async fn an_administrator_moves_an_account_and_its_roles_are_reviewed_at_once(db: Db) {
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    let jane_id = jane.me().await.expect("me").id;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![ebs]).await;
    let admin = as_user(&app, "aadmin").await;
    let to = |code: &str| UpdateUserRequest {
        organization: Some(code.into()),
    };
    let hal = as_user(&app, "hhelpdesk").await;
    let e = hal
        .update_user(jane_id, &to("DFAS"))
        .await
        .expect_err("the help desk");
    assert_eq!(e.status(), Some(403));
    for (bad, status) in [("NOPE", 422), ("DLA", 409), ("External", 422)] {
        let e = admin.update_user(jane_id, &to(bad)).await.expect_err(bad);
        assert_eq!(e.status(), Some(status), "{bad}: {e}");
    }
    let e = admin
        .update_user(jane_id, &UpdateUserRequest::default())
        .await
        .expect_err("nothing to change");
    assert_eq!(e.status(), Some(422));
    assert_eq!(
        jane.my_revalidation().await.expect_err("no review yet").status(),
        Some(404)
    );

    let d = admin.update_user(jane_id, &to("DFAS")).await.expect("moved");
    assert_eq!(d.user.organization, "DFAS");
    assert_eq!(jane.me().await.expect("me").organization.code, "DFAS");
    let review = jane.my_revalidation().await.expect("a review opened at once");
    assert_eq!(
        (review.trigger.as_str(), review.reviewer.as_str()),
        ("organization_change", "Sam Supervisor")
    );
    assert_eq!(review.items.len(), 1);
    assert!(
        mail_about(&app, JANE, "review your roles")
            .await
            .body
            .contains("you moved to another organization"),
        "she is told why"
    );
    mail_about(&app, JANE, "moved to").await;
}

async fn a_person_checks_their_status_before_signing_in_and_strangers_learn_nothing(db: Db) {
    let app = seeded(db).await;
    // Whom to call is public: the Help page and sign-in problems show it.
    let help = app.client().help().await.expect("help");
    assert_eq!(help.help_desk, app.ctx.settings.help_desk);
    assert!(!help.help_desk.is_empty());
    let jane_id = as_user(&app, "jrequester").await.me().await.expect("me").id;
    as_user(&app, "aadmin")
        .await
        .set_user_status(
            jane_id,
            &set(SettableStatus::Disabled, "Badge expired last week."),
        )
        .await
        .expect("disabled");
    let anyone = app.client();
    let ask = |login: &str| ProfileStatusRequest {
        user_id: login.into(),
    };
    let known = anyone.profile_status(&ask("JRequester")).await.expect("asked");
    let unknown = anyone.profile_status(&ask("nobody-at-all")).await.expect("asked");
    assert_eq!(known.message, unknown.message, "the same answer either way");
    let e = anyone.profile_status(&ask("")).await.expect_err("empty");
    assert_eq!(e.status(), Some(422));
    let mail = mail_about(&app, JANE, "the status of your account").await;
    assert!(
        mail.body.contains("it is disabled")
            && mail.body.contains("Badge expired last week.")
            && mail.body.contains("the AMPS help desk"),
        "{}",
        mail.body
    );
}

fn new_person(login: &str, user_type: InternalUserType) -> CreateUserRequest {
    CreateUserRequest {
        user_id: login.into(),
        first_name: "Nora".into(),
        middle_initial: Some("k".into()),
        last_name: "Newcomb".into(),
        email: format!("{login}@dla.example"),
        phone: "+1 703 555 0142".into(),
        job_title: Some("Inventory Specialist".into()),
        organization: "DLA".into(),
        user_type,
        company: None,
        contract_number: None,
        contract_ends_on: None,
        supervisor: Some("ssupervisor".into()),
    }
}

async fn signed_in(app: &TestApp, login: &str, password: &str) -> Client {
    let mut c = app.client();
    c.login(&LoginRequest {
        user_id: login.into(),
        password: password.into(),
    })
    .await
    .expect(login);
    c
}

fn invitation_in(body: &str) -> String {
    token_in(body, "/invitation?token=")
}

async fn an_administrator_creates_an_internal_account_and_its_person_sets_the_password(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let nora = new_person("nnewcomb", InternalUserType::Civilian);

    // Only administrators and the help desk create accounts.
    let jane = as_user(&app, "jrequester").await;
    let e = jane.create_user(&nora).await.expect_err("a requester");
    assert_eq!(e.status(), Some(403));
    // The help desk may not name itself the new account's supervisor (it would approve the
    // requests of an account it made).
    let helpdesk = as_user(&app, "hhelpdesk").await;
    let e = helpdesk
        .create_user(&CreateUserRequest {
            supervisor: Some("hhelpdesk".into()),
            ..nora.clone()
        })
        .await
        .expect_err("itself as supervisor");
    assert_eq!(e.status(), Some(422));
    assert!(
        e.problem()
            .expect("problem")
            .errors
            .iter()
            .any(|f| f.field == "supervisor" && f.code == "self")
    );
    // Bad input is refused field by field, and nothing is created.
    let refused = [
        (
            CreateUserRequest {
                organization: "External".into(),
                ..nora.clone()
            },
            422,
            "organization",
        ),
        (
            CreateUserRequest {
                organization: "NOPE".into(),
                ..nora.clone()
            },
            422,
            "organization",
        ),
        (
            CreateUserRequest {
                supervisor: Some("nobody".into()),
                ..nora.clone()
            },
            422,
            "supervisor",
        ),
        (
            CreateUserRequest {
                company: Some("Acme".into()),
                ..nora.clone()
            },
            422,
            "company",
        ),
        (
            CreateUserRequest {
                user_type: InternalUserType::Contractor,
                ..nora.clone()
            },
            422,
            "company",
        ),
        (
            CreateUserRequest {
                email: "not an email".into(),
                ..nora.clone()
            },
            422,
            "email",
        ),
        (
            CreateUserRequest {
                user_id: "jrequester".into(),
                ..nora.clone()
            },
            409,
            "user_id",
        ),
        (
            CreateUserRequest {
                email: JANE.to_uppercase(),
                ..nora.clone()
            },
            409,
            "email",
        ),
    ];
    for (body, status, field) in refused {
        let e = admin.create_user(&body).await.expect_err(field);
        assert_eq!(e.status(), Some(status), "{field}: {e}");
        let problem = e.problem().expect("problem");
        assert!(
            problem.errors.iter().any(|f| f.field == field),
            "{field}: {problem:?}"
        );
    }
    let none = admin
        .users(&ListUsersQuery {
            q: Some("Newcomb".into()),
            ..Default::default()
        })
        .await
        .expect("users");
    assert!(none.users.is_empty(), "nothing was created");

    let created = admin.create_user(&nora).await.expect("created");
    assert_eq!(created.user.status, "pending_verification");
    assert_eq!(created.user.user_type, "civilian");
    assert_eq!(created.supervisor.as_deref(), Some("Sam Supervisor"));
    let e = admin.create_user(&nora).await.expect_err("twice");
    assert_eq!(e.status(), Some(409));
    // Until Nora sets a password, nobody signs in as her.
    let e = app
        .client()
        .login(&LoginRequest {
            user_id: "nnewcomb".into(),
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
        .expect_err("no password yet");
    assert_eq!(e.status(), Some(401));

    let mail = mail_about(&app, "nnewcomb@dla.example", "set your password").await;
    assert!(mail.body.contains("Your User ID is nnewcomb"), "{}", mail.body);
    assert!(
        mail.body.contains("Alex Administrator created your AMPS account"),
        "{}",
        mail.body
    );
    let token = invitation_in(&mail.body);
    let anyone = app.client();
    let e = anyone
        .accept_invitation(&AcceptInvitationRequest {
            token: token.clone(),
            password: "nnewcomb".into(),
        })
        .await
        .expect_err("a weak password");
    assert_eq!(e.status(), Some(422));
    let e = anyone
        .accept_invitation(&AcceptInvitationRequest {
            token: "x".repeat(43),
            password: "Wintergreen-Harbor-2026!".into(),
        })
        .await
        .expect_err("no such link");
    assert_eq!(e.status(), Some(400));
    anyone
        .accept_invitation(&AcceptInvitationRequest {
            token: token.clone(),
            password: "Wintergreen-Harbor-2026!".into(),
        })
        .await
        .expect("the weak try did not spend the link");
    let e = anyone
        .accept_invitation(&AcceptInvitationRequest {
            token,
            password: "Another-Harbor-2026!".into(),
        })
        .await
        .expect_err("single use");
    assert_eq!(e.status(), Some(400));

    let nora_client = signed_in(&app, "nnewcomb", "Wintergreen-Harbor-2026!").await;
    let me = nora_client.me().await.expect("me");
    assert_eq!(
        (me.user_type.as_str(), me.organization.code.as_str()),
        ("civilian", "DLA")
    );
    assert_eq!(me.middle_initial.as_deref(), Some("K"));
    assert_eq!(me.supervisor.expect("supervisor").name, "Sam Supervisor");
    let detail = admin.user(me.id).await.expect("detail");
    assert_eq!(detail.user.status, "active");
    assert_eq!(
        (
            detail.status_history[0].from.as_str(),
            detail.status_history[0].to.as_str()
        ),
        ("pending_verification", "active")
    );
    // An active account gets no invitation again.
    let e = admin.resend_user_link(me.id).await.expect_err("active");
    assert_eq!(e.status(), Some(409));
}

async fn the_help_desk_creates_a_contractor_and_sends_the_invitation_again(db: Db) {
    let app = seeded(db).await;
    let hal = as_user(&app, "hhelpdesk").await;
    let ends = app.now().date_naive() + chrono::Duration::days(200);
    let carl = CreateUserRequest {
        company: Some("Acme Logistics".into()),
        contract_number: Some("SP4701-26-D-0042".into()),
        contract_ends_on: Some(ends),
        ..new_person("ccontractor", InternalUserType::Contractor)
    };
    let e = hal
        .create_user(&CreateUserRequest {
            contract_ends_on: Some(app.now().date_naive()),
            ..carl.clone()
        })
        .await
        .expect_err("a contract that ends today");
    assert_eq!(e.problem().expect("problem").errors[0].field, "contract_ends_on");
    let created = hal.create_user(&carl).await.expect("created");
    assert_eq!(
        (
            created.user.user_type.as_str(),
            created.company.as_deref(),
            created.contract_number.as_deref(),
            created.contract_ends_on
        ),
        (
            "contractor",
            Some("Acme Logistics"),
            Some("SP4701-26-D-0042"),
            Some(ends)
        )
    );
    let first = invitation_in(
        &mail_about(&app, "ccontractor@dla.example", "set your password")
            .await
            .body,
    );
    let jane = as_user(&app, "jrequester").await;
    let e = jane
        .resend_user_link(created.user.id)
        .await
        .expect_err("a requester");
    assert_eq!(e.status(), Some(403));
    hal.resend_user_link(created.user.id).await.expect("sent again");
    eventually("the second invitation", || async {
        mails_about(&app, "ccontractor@dla.example", "set your password").await == 2
    })
    .await;
    let e = app
        .client()
        .accept_invitation(&AcceptInvitationRequest {
            token: first,
            password: "Wintergreen-Harbor-2026!".into(),
        })
        .await
        .expect_err("the first link was replaced");
    assert_eq!(e.status(), Some(400));
    let second = mail_about(&app, "ccontractor@dla.example", "set your password").await;
    app.client()
        .accept_invitation(&AcceptInvitationRequest {
            token: invitation_in(&second.body),
            password: "Wintergreen-Harbor-2026!".into(),
        })
        .await
        .expect("accepted");
    let me = signed_in(&app, "ccontractor", "Wintergreen-Harbor-2026!")
        .await
        .me()
        .await
        .expect("me");
    assert_eq!(me.company.as_deref(), Some("Acme Logistics"));
}

/// Victor (external, no role) stops signing in: after 83 days he is warned, once, though two
/// replicas run the job; a week later his account is disabled, once, with the reason in its
/// history and at sign-in. Jane (internal) never is, however long she stays away.
async fn an_idle_external_account_is_warned_then_disabled_once(db: Db) {
    const VICTOR: &str = "victor.vendor@acme.example";
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    let victor = as_user(&app, "vvendor").await;
    assert!(victor.my_roles().await.expect("roles").is_empty(), "no role");
    let victor_id = victor.me().await.expect("me").id;
    as_user(&app, "jrequester").await;

    advance_all(&[&app, &replica], chrono::Duration::days(82));
    a_few_rounds().await;
    assert_eq!(
        mails_about(&app, VICTOR, "sign in to keep your account").await,
        0,
        "not yet"
    );
    advance_all(
        &[&app, &replica],
        chrono::Duration::days(1) + chrono::Duration::minutes(1),
    );
    eventually("the warning", || async {
        mails_about(&app, VICTOR, "sign in to keep your account").await == 1
    })
    .await;
    a_few_rounds().await;
    assert_eq!(
        mails_about(&app, VICTOR, "sign in to keep your account").await,
        1,
        "warned once"
    );
    assert_eq!(
        mails_about(&app, JANE, "sign in to keep your account").await,
        0,
        "internal"
    );

    advance_all(&[&app, &replica], chrono::Duration::days(7));
    eventually("the disabling", || async {
        mails_about(&app, VICTOR, "your account is disabled").await == 1
    })
    .await;
    a_few_rounds().await;
    assert_eq!(
        mails_about(&app, VICTOR, "your account is disabled").await,
        1,
        "once"
    );
    let e = victor.me().await.expect_err("his session ended");
    assert_eq!(e.status(), Some(401));
    let refusal = sign_in(&app, "vvendor").await.expect_err("disabled");
    assert!(
        refusal.to_string().contains("No sign-in for 90 days"),
        "{refusal}"
    );
    let admin = as_user(&app, "aadmin").await;
    let history = admin.user(victor_id).await.expect("detail").status_history;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (history[0].to.as_str(), history[0].by.as_deref()),
        ("disabled", None)
    );
    assert!(
        sign_in(&app, "jrequester").await.is_ok(),
        "Jane is never disabled for inactivity"
    );
}

/// The SMTP relay refuses connections: the help desk finds Jane by her request's number and
/// sees the delivery error of the approval mail AMPS could not send her supervisor; nobody
/// else sees his mail (not even he: he asks the help desk).
async fn the_help_desk_finds_a_person_by_saar_number_and_sees_why_their_mail_failed(db: Db) {
    let app = spawn_app_with_dead_smtp(db).await;
    amps::seed::demo(&app.ctx).await.expect("seed");
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    let saar = submit_one(&app, &jane, ebs).await;
    let hal = as_user(&app, "hhelpdesk").await;
    let found = hal
        .users(&ListUsersQuery {
            q: Some(saar.number.to_lowercase()),
            ..Default::default()
        })
        .await
        .expect("users")
        .users;
    assert_eq!(
        found.iter().map(|u| u.user_id.as_str()).collect::<Vec<_>>(),
        ["jrequester"]
    );
    // Sam, her supervisor, was mailed the approval request: it could not be delivered.
    let sam_id = hal
        .users(&ListUsersQuery {
            q: Some("ssupervisor".into()),
            ..Default::default()
        })
        .await
        .expect("users")
        .users[0]
        .id;
    let mut failed = None;
    for _ in 0..100 {
        let mail = hal.user_mail(sam_id).await.expect("mail");
        if let Some(m) = mail.into_iter().find(|m| m.last_error.is_some()) {
            failed = Some(m);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let failed = failed.expect("a delivery error is shown");
    assert!(failed.subject.contains(&saar.number), "{}", failed.subject);
    assert_eq!((failed.status.as_str(), failed.sent_at), ("pending", None));
    assert!(failed.attempts >= 1);
    for login in ["jrequester", "ssupervisor", "ddataowner"] {
        let e = as_user(&app, login)
            .await
            .user_mail(sam_id)
            .await
            .expect_err(login);
        assert_eq!(e.status(), Some(403), "{login}");
    }
}

/// Valerie registers naming an EAO who has no account yet; when an administrator creates the
/// EAO's account and the EAO accepts the invitation, Valerie's EAO is set at once (she does not
/// retype the address).
async fn a_vendors_eao_is_linked_when_the_eao_gets_an_account_later(db: Db) {
    let app = seeded(db).await;
    let anyone = app.client();
    anyone
        .register(&RegisterRequest {
            eao_email: "olga.official@dla.example".into(),
            ..app.registration("valerie")
        })
        .await
        .expect("registered");
    let verify = app.last_mail_to("valerie@acme.example").await;
    anyone
        .verify_email(&VerifyEmailRequest {
            token: token_in(&verify.body, "/verify-email?token="),
        })
        .await
        .expect("verified");
    let valerie = signed_in(&app, "valerie", PASSWORD).await;
    assert!(valerie.me().await.expect("me").eao.is_none(), "no such EAO yet");

    let admin = as_user(&app, "aadmin").await;
    admin
        .create_user(&CreateUserRequest {
            email: "olga.official@dla.example".into(),
            supervisor: None,
            ..new_person("oofficial", InternalUserType::Civilian)
        })
        .await
        .expect("created");
    let invitation = mail_about(&app, "olga.official@dla.example", "set your password").await;
    anyone
        .accept_invitation(&AcceptInvitationRequest {
            token: invitation_in(&invitation.body),
            password: "Wintergreen-Harbor-2026!".into(),
        })
        .await
        .expect("accepted");
    let eao = valerie.me().await.expect("me").eao.expect("her EAO is linked");
    assert_eq!(eao.user_id, "oofficial");
}

fn deletion(reason: &str) -> DeleteUserRequest {
    DeleteUserRequest {
        reason: reason.into(),
    }
}

async fn a_supervisor_deletes_a_report_whose_roles_are_removed_before_the_account_is_deleted(db: Db) {
    let app = seeded(db).await;
    let jane = as_user(&app, "jrequester").await;
    let jane_id = jane.me().await.expect("me").id;
    let pop = role_id(&jane, "Web User POP-001", "PROD").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![pop, ebs]).await;
    let waiting = submit_one(&app, &jane, role_id(&jane, "Web User POP-001", "TEST").await).await;
    let sam = as_user(&app, "ssupervisor").await;
    let pat_id = as_user(&app, "pprovisioner").await.me().await.expect("me").id;
    let reason = "Jane left the agency on Friday.";

    // Refused, changing nothing: the help desk, someone who is not her supervisor, Jane herself,
    // a supervisor deleting a report who holds an AMPS administrative role, a stranger's
    // account (the same 403 as a non-report), a short reason.
    for who in ["hhelpdesk", "iiao"] {
        let e = as_user(&app, who)
            .await
            .delete_user(jane_id, &deletion(reason))
            .await
            .expect_err("not hers to delete");
        assert_eq!(e.status(), Some(403), "{who}");
    }
    let e = jane
        .delete_user(jane_id, &deletion(reason))
        .await
        .expect_err("own");
    assert_eq!(e.status(), Some(403));
    let victor_id = as_user(&app, "vvendor").await.me().await.expect("me").id;
    let e = sam
        .delete_user(victor_id, &deletion(reason))
        .await
        .expect_err("not his report");
    assert_eq!(e.status(), Some(403));
    let e = sam
        .delete_user(pat_id, &deletion(reason))
        .await
        .expect_err("administrative");
    assert_eq!(e.status(), Some(403));
    assert!(e.to_string().contains("administrator"), "{e}");
    let e = sam
        .delete_user(Uuid::now_v7(), &deletion(reason))
        .await
        .expect_err("unknown");
    assert_eq!(e.status(), Some(403));
    let e = sam
        .delete_user(jane_id, &deletion("no"))
        .await
        .expect_err("short");
    assert_eq!(e.status(), Some(422));
    assert_eq!(jane.my_roles().await.expect("still hers").len(), 2);

    // Sam sees the requests about Jane that are still open, whoever asked.
    let report = |list: Vec<DirectReportResponse>| {
        list.into_iter()
            .find(|r| r.id == jane_id)
            .expect("Jane is Sam's report")
    };
    let before = report(sam.direct_reports().await.expect("reports"));
    assert_eq!(before.status, AccountStatus::Active);
    assert_eq!(
        before
            .pending
            .iter()
            .map(|s| s.number.clone())
            .collect::<Vec<_>>(),
        vec![waiting.number.clone()]
    );
    let started = sam
        .delete_user(jane_id, &deletion(reason))
        .await
        .expect("started");
    assert_eq!(started.status, "disabled");
    assert_eq!(started.removals.len(), 2, "one removal per role");
    assert_eq!(started.cancelled, vec![waiting.number.clone()]);
    let during = report(sam.direct_reports().await.expect("reports"));
    assert_eq!(during.status, AccountStatus::Disabled);
    let mut open: Vec<String> = during.pending.iter().map(|s| s.number.clone()).collect();
    open.sort();
    let mut removals = started.removals.clone();
    removals.sort();
    assert_eq!(open, removals, "the removals, being provisioned");
    // At once: her session ends, she cannot sign in, the waiting request is cancelled.
    assert_eq!(jane.me().await.expect_err("session ended").status(), Some(401));
    let e = sign_in(&app, "jrequester").await.expect_err("disabled");
    assert!(e.to_string().contains("disabled"), "{e}");
    let admin = as_user(&app, "aadmin").await;
    assert_eq!(
        admin.get_saar(waiting.id).await.expect("saar").status,
        SaarStatus::Cancelled
    );
    assert!(
        mail_about(&app, JANE, "your account is being deleted")
            .await
            .body
            .contains(reason)
    );
    // Nobody starts it twice, and nobody enables the account meanwhile.
    let e = admin
        .delete_user(jane_id, &deletion(reason))
        .await
        .expect_err("twice");
    assert_eq!(e.status(), Some(409));
    let e = admin
        .set_user_status(jane_id, &set(SettableStatus::Active, "Changed my mind."))
        .await
        .expect_err("being deleted");
    assert_eq!(e.status(), Some(409));

    // The provisioner removes the roles; after the last one the account is deleted.
    let prov = as_user(&app, "pprovisioner").await;
    let tasks: Vec<_> = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .filter(|t| started.removals.contains(&t.saar_number))
        .collect();
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t.kind == "revoke"));
    prov.complete_provisioning(tasks[0].id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("first removed");
    assert_eq!(
        admin.user(jane_id).await.expect("still there").user.status,
        "disabled"
    );
    prov.complete_provisioning(tasks[1].id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("last removed");
    assert_eq!(
        admin.user(jane_id).await.expect_err("deleted").status(),
        Some(404)
    );
    assert!(
        mail_about(&app, JANE, "your account is deleted")
            .await
            .body
            .contains("register")
    );
    // A deleted account answers sign-in like an unknown one.
    let e = sign_in(&app, "jrequester").await.expect_err("deleted");
    assert!(e.to_string().contains("User ID or password is incorrect"), "{e}");
    // Its history stays: the removals are in SAAR history, the status changes are kept.
    let history = app.count("account_status_changes").await;
    assert!(history >= 2, "{history}");
}

async fn an_administrator_deletes_an_account_without_roles_and_its_person_registers_again(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let victor_id = as_user(&app, "vvendor").await.me().await.expect("me").id;
    let e = admin
        .delete_user(Uuid::now_v7(), &deletion("Nobody at all."))
        .await
        .expect_err("unknown");
    assert_eq!(e.status(), Some(404));
    let done = admin
        .delete_user(victor_id, &deletion("The contract with Acme ended."))
        .await
        .expect("deleted");
    assert_eq!((done.status.as_str(), done.removals.len()), ("deleted", 0));
    assert_eq!(admin.user(victor_id).await.expect_err("gone").status(), Some(404));
    let e = admin
        .delete_user(victor_id, &deletion("Once more, please."))
        .await
        .expect_err("gone");
    assert_eq!(e.status(), Some(404));
    // The same person registers again with the same address (a new User ID: the old one stays
    // with the history).
    let again = RegisterRequest {
        email: "victor.vendor@acme.example".into(),
        ..app.registration("vvendor2")
    };
    let r = app.client().register(&again).await.expect("registered again");
    assert_eq!(r.status, AccountStatus::PendingVerification);
    let e = app
        .client()
        .register(&RegisterRequest {
            email: "someone.else@acme.example".into(),
            ..app.registration("vvendor")
        })
        .await
        .expect_err("the User ID stays taken");
    assert_eq!(e.status(), Some(409));
}

fn cora(ends: chrono::NaiveDate) -> EnrollContractorRequest {
    EnrollContractorRequest {
        user_id: "ccora".into(),
        first_name: "Cora".into(),
        middle_initial: None,
        last_name: "Contractor".into(),
        email: "cora.contractor@dla.example".into(),
        phone: "+1 703 555 0177".into(),
        job_title: Some("Hazmat analyst".into()),
        company: "Acme Logistics".into(),
        contract_number: "SP4701-26-D-0042".into(),
        contract_ends_on: ends,
        supervisor: "ssupervisor".into(),
    }
}

/// Dan (data owner) is a COR: he enrolls Cora, who sets a password; Cora's contract ends on
/// 2026-12-31. Two replicas run the jobs: two weeks before, Cora, her supervisor and Dana are
/// warned once each; after the last day the account is disabled once. Dan extends the
/// contract and Cora signs in again.
async fn a_cor_enrolls_a_contractor_whose_account_ends_with_the_contract_unless_extended(db: Db) {
    const CORA: &str = "cora.contractor@dla.example";
    const SAM: &str = "sam.supervisor@dla.example";
    const DANA: &str = "dan.dataowner@dla.example";
    let app = seeded(db).await;
    let replica = spawn_replica(&app).await;
    grant_admin_role(
        &app,
        "ddataowner",
        amps::domain::permission::AdminRole::NewItUserRequestor,
    )
    .await;
    let dana = as_user(&app, "ddataowner").await;
    let last_day = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");

    // Refused: people who are not a COR (a vendor, the help desk, a requester), bad input.
    for who in ["vvendor", "hhelpdesk", "jrequester"] {
        let e = as_user(&app, who)
            .await
            .enroll_contractor(&cora(last_day))
            .await
            .expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
        let e = as_user(&app, who).await.enrollments().await.expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
    }
    let refused = [
        (
            EnrollContractorRequest {
                supervisor: "nobody".into(),
                ..cora(last_day)
            },
            422,
        ),
        (
            EnrollContractorRequest {
                supervisor: "vvendor".into(),
                ..cora(last_day)
            },
            422,
        ),
        (cora(app.now().date_naive()), 422),
        (
            EnrollContractorRequest {
                email: JANE.into(),
                ..cora(last_day)
            },
            409,
        ),
        (
            EnrollContractorRequest {
                user_id: "jrequester".into(),
                ..cora(last_day)
            },
            409,
        ),
    ];
    for (req, status) in refused {
        let e = dana.enroll_contractor(&req).await.expect_err("refused");
        assert_eq!(e.status(), Some(status), "{e}");
    }
    assert!(dana.enrollments().await.expect("list").is_empty());

    let enrolled = dana.enroll_contractor(&cora(last_day)).await.expect("enrolled");
    assert_eq!(
        (
            enrolled.user.status.as_str(),
            enrolled.user.organization.as_str(),
            enrolled.user.user_type.as_str()
        ),
        ("pending_verification", "DLA", "contractor")
    );
    assert_eq!(enrolled.contract_ends_on, Some(last_day));
    assert_eq!(enrolled.supervisor.as_deref(), Some("Sam Supervisor"));
    let cora_id = enrolled.user.id;
    assert!(
        mail_about(&app, SAM, "joins as your report")
            .await
            .body
            .contains("Dan Dataowner")
    );
    let token = invitation_in(&mail_about(&app, CORA, "set your password").await.body);
    app.client()
        .accept_invitation(&AcceptInvitationRequest {
            token,
            password: "Harbor lights over the depot".into(),
        })
        .await
        .expect("accepted");
    signed_in(&app, "ccora", "Harbor lights over the depot").await;
    let listed = dana.enrollments().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].user.status, "active");

    // Only Dana (or an administrator) extends it, and only to a later day.
    let later = ExtendContractRequest {
        contract_ends_on: chrono::NaiveDate::from_ymd_opt(2027, 6, 30).expect("date"),
        contract_number: None,
    };
    for who in ["ssupervisor", "jrequester", "hhelpdesk"] {
        let e = as_user(&app, who)
            .await
            .extend_contract(cora_id, &later)
            .await
            .expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
    }
    let e = dana
        .extend_contract(
            cora_id,
            &ExtendContractRequest {
                contract_ends_on: last_day,
                ..later.clone()
            },
        )
        .await
        .expect_err("not later");
    assert_eq!(e.status(), Some(422));

    // 2026-12-17: two weeks before the last day, each person is warned once.
    advance_all(&[&app, &replica], chrono::Duration::days(22));
    a_few_rounds().await;
    assert_eq!(mails_about(&app, CORA, "ends on 2026-12-31").await, 0, "not yet");
    advance_all(&[&app, &replica], chrono::Duration::days(1));
    eventually("the warnings", || async {
        mails_about(&app, DANA, "ends on 2026-12-31").await == 1
    })
    .await;
    a_few_rounds().await;
    for to in [CORA, SAM, DANA] {
        assert_eq!(mails_about(&app, to, "ends on 2026-12-31").await, 1, "{to}");
    }
    // Her account works on her last days.
    let cora_client = signed_in(&app, "ccora", "Harbor lights over the depot").await;

    // 2027-01-01: the account is disabled, once, and sign-in says why.
    advance_all(&[&app, &replica], chrono::Duration::days(15));
    eventually("the disabling", || async {
        mails_about(&app, CORA, "its contract ended").await == 1
    })
    .await;
    a_few_rounds().await;
    for to in [CORA, SAM, DANA] {
        assert_eq!(mails_about(&app, to, "its contract ended").await, 1, "{to}");
    }
    assert_eq!(cora_client.me().await.expect_err("ended").status(), Some(401));
    let refusal = sign_in_as(&app, "ccora", "Harbor lights over the depot").await;
    assert!(
        refusal.contains("SP4701-26-D-0042 ended on 2026-12-31"),
        "{refusal}"
    );

    // Dana extends the contract: the account is active again, and Cora signs in.
    let dana = as_user(&app, "ddataowner").await;
    let extended = dana.extend_contract(cora_id, &later).await.expect("extended");
    assert_eq!(extended.user.status, "active");
    assert_eq!(extended.contract_ends_on, Some(later.contract_ends_on));
    assert_eq!(extended.status_history[0].by.as_deref(), Some("Dan Dataowner"));
    signed_in(&app, "ccora", "Harbor lights over the depot").await;
    assert!(
        mail_about(&app, CORA, "your contract is extended")
            .await
            .body
            .contains("2027-06-30")
    );
}

/// Why sign-in as `login` is refused.
async fn sign_in_as(app: &TestApp, login: &str, password: &str) -> String {
    app.client()
        .login(&LoginRequest {
            user_id: login.into(),
            password: password.into(),
        })
        .await
        .expect_err("refused")
        .to_string()
}

/// Victor's EAO says the approval mail never came: the help desk finds Victor's request among
/// his requests and mails it again; the fresh link works and the old one no longer does.
async fn the_help_desk_reads_a_persons_requests_and_sends_the_approval_mail_again(db: Db) {
    const ERIN: &str = "erin.authorizer@dla.example";
    let app = seeded(db).await;
    let victor = as_user(&app, "vvendor").await;
    let victor_id = victor.me().await.expect("me").id;
    let saar = submit_one(&app, &victor, role_id(&victor, "Web User POP-001", "PROD").await).await;
    let first = token_in(&app.last_mail_to(ERIN).await.body, "/approval-link?token=");

    // Refused: the person, an approver, a supervisor; the help desk and administrators read.
    for who in ["vvendor", "eeao", "ssupervisor"] {
        let c = as_user(&app, who).await;
        assert_eq!(
            c.user_requests(victor_id).await.expect_err(who).status(),
            Some(403),
            "{who}"
        );
        assert_eq!(
            c.resend_approval_mail(saar.id).await.expect_err(who).status(),
            Some(403),
            "{who}"
        );
    }
    let hal = as_user(&app, "hhelpdesk").await;
    let seen = hal.user_requests(victor_id).await.expect("requests");
    assert_eq!(
        seen.pending.iter().map(|s| s.number.as_str()).collect::<Vec<_>>(),
        vec![saar.number.as_str()]
    );
    assert!(seen.history.is_empty());
    assert_eq!(
        hal.user_requests(Uuid::now_v7())
            .await
            .expect_err("unknown")
            .status(),
        Some(404)
    );

    let sent = hal.resend_approval_mail(saar.id).await.expect("sent again");
    assert!(sent.message.contains("1 approver"), "{}", sent.message);
    assert_eq!(mails_about(&app, ERIN, &saar.number).await, 2);
    let fresh = token_in(&app.last_mail_to(ERIN).await.body, "/approval-link?token=");
    assert_ne!(fresh, first);
    let anyone = app.client();
    assert_eq!(
        anyone.approval_link(&first).await.expect_err("replaced").status(),
        Some(400)
    );
    anyone.approval_link(&fresh).await.expect("the new link opens");

    // A request no longer waiting on anyone is not mailed.
    victor.cancel_saar(saar.id).await.expect("cancelled");
    let e = hal.resend_approval_mail(saar.id).await.expect_err("cancelled");
    assert_eq!(e.status(), Some(409));
    assert_eq!(mails_about(&app, ERIN, &saar.number).await, 2);
}

fn officers(sos: &[&str], iaos: &[&str]) -> OrganizationOfficersRequest {
    OrganizationOfficersRequest {
        security_officers: sos.iter().map(|s| s.to_string()).collect(),
        iaos: iaos.iter().map(|s| s.to_string()).collect(),
    }
}

async fn an_organization_names_its_security_officers_and_iaos_and_my_information_shows_them(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let orgs = admin.organizations().await.expect("organizations");
    let id_of = |code: &str| orgs.iter().find(|o| o.code == code).expect("org").id;
    let (dla, external) = (id_of("DLA"), id_of("External"));
    grant_admin_role(
        &app,
        "ddataowner",
        amps::domain::permission::AdminRole::SecurityOfficer,
    )
    .await;

    // Refused: not an administrator; an unknown account, a security officer without the role,
    // an external IAO, an external organization, an unknown one. Nothing changes.
    for who in ["jrequester", "hhelpdesk"] {
        let e = as_user(&app, who)
            .await
            .set_organization_officers(dla, &officers(&["ssecurity"], &[]))
            .await
            .expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
    }
    for (org, req, status) in [
        (dla, officers(&["nobody"], &[]), 422),
        (dla, officers(&["jrequester"], &[]), 422),
        (dla, officers(&[], &["vvendor"]), 422),
        (external, officers(&[], &["iiao"]), 422),
        (Uuid::now_v7(), officers(&[], &["iiao"]), 404),
    ] {
        let e = admin
            .set_organization_officers(org, &req)
            .await
            .expect_err("refused");
        assert_eq!(e.status(), Some(status), "{e}");
    }
    let jane = as_user(&app, "jrequester").await;
    let me = jane.me().await.expect("me");
    assert!(me.organization_security_officers.is_empty() && me.iaos.is_empty());

    let set = admin
        .set_organization_officers(dla, &officers(&["ssecurity"], &["iiao"]))
        .await
        .expect("named");
    assert_eq!(set.security_officers.len(), 1);
    let me = jane.me().await.expect("me");
    let ids = |l: &[PersonRef]| l.iter().map(|p| p.user_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&me.organization_security_officers), vec!["ssecurity"]);
    assert_eq!(ids(&me.iaos), vec!["iiao"]);
    assert!(
        as_user(&app, "vvendor")
            .await
            .me()
            .await
            .expect("me")
            .iaos
            .is_empty(),
        "external"
    );

    // Jane's own security officer is one of her organization's.
    let to_dan = UpdateMeRequest {
        security_officer: Some("ddataowner".into()),
        ..Default::default()
    };
    let e = jane.update_me(&to_dan).await.expect_err("not DLA's");
    assert_eq!(e.status(), Some(422));
    assert!(e.to_string().contains("your organization names"), "{e}");
    admin
        .set_organization_officers(dla, &officers(&["ssecurity", "ddataowner"], &["iiao"]))
        .await
        .expect("two security officers");
    assert_eq!(
        ids(&jane.me().await.expect("me").organization_security_officers),
        vec!["ddataowner", "ssecurity"],
        "Security Officer(s), by last name"
    );
    let me = jane.update_me(&to_dan).await.expect("now one of them");
    assert_eq!(me.security_officer.expect("so").user_id, "ddataowner");
}
