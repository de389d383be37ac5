//! My Reports (#17): internal holders of the Reports role read pending requests by level and
//! age, approver workload, role holders and accounts by status and organization, filtered and
//! paged, and export them as CSV; everyone else (administrators included, and an external user
//! even holding Reports) is refused; bad filters are 422 and unknown reports 404.

use crate::both_dbs;
use crate::helpers::*;
use amps::domain::permission::AdminRole;
use amps_openapi::*;

both_dbs!(internal_holders_of_reports_read_and_export_my_reports);

fn q() -> ReportQuery {
    ReportQuery::default()
}

/// The cells of column `key` of `r`.
fn column(r: &ReportResponse, key: &str) -> Vec<String> {
    let i = r.columns.iter().position(|c| c.key == key).expect("column");
    r.rows.iter().map(|row| row[i].clone()).collect()
}

async fn internal_holders_of_reports_read_and_export_my_reports(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    let saar = submit_one(&app, &requester, ebs).await;
    grant_admin_role(&app, "ssecurity", AdminRole::Reports).await;
    grant_admin_role(&app, "vvendor", AdminRole::Reports).await;
    let reader = as_user(&app, "ssecurity").await;

    let names: Vec<String> = reader
        .reports()
        .await
        .expect("reports")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        names,
        [
            "pending-saars",
            "approver-workload",
            "role-holders",
            "time-to-access",
            "sod-conflicts",
            "revalidation-progress",
            "accounts",
            "provisioning-backlog"
        ]
    );

    // Pending requests: the new SAAR waits at level 1 on the supervisor.
    let pending = reader.report("pending-saars", &q()).await.expect("pending");
    let i = column(&pending, "number")
        .iter()
        .position(|n| *n == saar.number)
        .expect("the new request");
    let row = &pending.rows[i];
    let cell = |key: &str| row[pending.columns.iter().position(|c| c.key == key).expect(key)].clone();
    assert_eq!(cell("level"), "1");
    assert_eq!(cell("kind"), "supervisor");
    assert_eq!(cell("organization"), "DLA");
    assert_eq!(cell("application"), "EBS");
    assert_eq!(cell("age_days"), "0");
    for (filter, kept) in [
        (
            ReportQuery {
                application: Some("EBS".into()),
                ..q()
            },
            true,
        ),
        (
            ReportQuery {
                application: Some("HMMS-POP".into()),
                ..q()
            },
            false,
        ),
        (
            ReportQuery {
                organization: Some("External".into()),
                ..q()
            },
            false,
        ),
        (
            ReportQuery {
                from: Some(app.now() + chrono::Duration::hours(1)),
                ..q()
            },
            false,
        ),
    ] {
        let r = reader.report("pending-saars", &filter).await.expect("filtered");
        assert_eq!(column(&r, "number").contains(&saar.number), kept, "{filter:?}");
    }

    // Workload: the supervisor has the task, not yet overdue.
    let workload = reader.report("approver-workload", &q()).await.expect("workload");
    let i = column(&workload, "user_id")
        .iter()
        .position(|u| u == "ssupervisor")
        .expect("the supervisor");
    assert!(column(&workload, "open")[i].parse::<i64>().expect("count") >= 1);
    assert_eq!(column(&workload, "overdue")[i], "0");

    // Approved at every level: it waits in the provisioning backlog, then is granted, and
    // the time to access counts it.
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
    let backlog = reader
        .report("provisioning-backlog", &q())
        .await
        .expect("backlog");
    let i = column(&backlog, "number")
        .iter()
        .position(|n| *n == saar.number)
        .expect("waiting for provisioning");
    assert_eq!(column(&backlog, "kind")[i], "grant");
    assert_eq!(column(&backlog, "user_id")[i], "jrequester");
    let prov = as_user(&app, "pprovisioner").await;
    let task = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == saar.number)
        .expect("task");
    prov.complete_provisioning(task.id, &CompleteProvisioningRequest { note: None })
        .await
        .expect("complete");
    let times = reader
        .report(
            "time-to-access",
            &ReportQuery {
                application: Some("EBS".into()),
                ..q()
            },
        )
        .await
        .expect("time to access");
    let row = |measure: &str, of: &str| {
        times
            .rows
            .iter()
            .find(|r| r[0] == measure && r[1] == of)
            .cloned()
            .unwrap_or_else(|| panic!("{measure} {of}: {times:?}"))
    };
    assert_eq!(row("application", "EBS")[2], "1");
    assert_eq!(row("application", "EBS")[3], "0", "granted the day it was asked");
    assert_eq!(row("approval level", "security officer")[2], "1");
    let later = reader
        .report("provisioning-backlog", &q())
        .await
        .expect("backlog");
    assert!(!column(&later, "number").contains(&saar.number));

    // Two roles one rule keeps apart, both held: a conflict.
    let admin = as_user(&app, "aadmin").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    admin
        .create_sod_rule(&CreateSodRuleRequest {
            name: "Buy or ship, not both".into(),
            description: String::new(),
            role_ids: vec![pop, ebs],
        })
        .await
        .expect("rule");
    assign_role(&app, "jrequester", pop).await;
    let conflicts = reader.report("sod-conflicts", &q()).await.expect("conflicts");
    assert!(
        conflicts
            .rows
            .iter()
            .any(|r| r[0] == "jrequester" && r[3] == "Buy or ship, not both"),
        "{conflicts:?}"
    );

    // An approval group's open tasks are its workload (any member may take them); groups
    // belong to no organization, so an organization's workload leaves them out.
    let group = admin
        .create_approval_group(&CreateApprovalGroupRequest {
            name: "Shipping approvers".into(),
            description: String::new(),
            members: vec![
                requester
                    .me()
                    .await
                    .expect("me")
                    .supervisor
                    .expect("supervisor")
                    .id,
            ],
        })
        .await
        .expect("group");
    let pop_test = role_id(&requester, "Web User POP-001", "TEST").await;
    admin
        .update_role(
            pop_test,
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
    submit_one(&app, &requester, pop_test).await;
    let workload = reader.report("approver-workload", &q()).await.expect("workload");
    let i = column(&workload, "name")
        .iter()
        .position(|n| n == "Shipping approvers")
        .unwrap_or_else(|| panic!("the group's row: {workload:?}"));
    assert_eq!(column(&workload, "kind")[i], "approval group");
    assert_eq!(column(&workload, "user_id")[i], "");
    assert_eq!(column(&workload, "open")[i], "1");
    assert_eq!(column(&workload, "overdue")[i], "0");
    let dla = reader
        .report(
            "approver-workload",
            &ReportQuery {
                organization: Some("DLA".into()),
                ..q()
            },
        )
        .await
        .expect("workload of DLA");
    assert!(column(&dla, "kind").iter().all(|k| k == "person"), "{dla:?}");
    for (app_code, has_group) in [("HMMS-POP", true), ("EBS", false)] {
        let r = reader
            .report(
                "approver-workload",
                &ReportQuery {
                    application: Some(app_code.into()),
                    ..q()
                },
            )
            .await
            .expect("workload of an application");
        assert_eq!(
            column(&r, "name").contains(&"Shipping approvers".to_string()),
            has_group,
            "{app_code}: {r:?}"
        );
    }

    // A campaign's reviews by where they stand.
    admin
        .create_campaign(&CreateCampaignRequest {
            name: "Annual review 2026".into(),
            scope: CampaignScope::Internal,
            organization_id: None,
            application_id: None,
            due_on: (app.now() + chrono::Duration::days(30)).date_naive(),
        })
        .await
        .expect("campaign");
    let progress = reader
        .report("revalidation-progress", &q())
        .await
        .expect("progress");
    assert!(
        progress
            .rows
            .iter()
            .any(|r| r[0] == "Annual review 2026" && r[1] == "open"),
        "{progress:?}"
    );

    // Role holders, a page at a time: the administrators hold AMPS's roles.
    let all = reader
        .report(
            "role-holders",
            &ReportQuery {
                application: Some("AMPS".into()),
                ..q()
            },
        )
        .await
        .expect("holders");
    assert!(
        all.rows
            .iter()
            .any(|r| r[0] == "aadmin" && r[4] == "Administrator"),
        "{all:?}"
    );
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let p = reader
            .report(
                "role-holders",
                &ReportQuery {
                    application: Some("AMPS".into()),
                    limit: Some(2),
                    cursor,
                    ..q()
                },
            )
            .await
            .expect("page");
        assert!(p.rows.len() <= 2);
        paged.extend(p.rows);
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, all.rows);

    // Accounts by status and organization: they add up to every account.
    let accounts = reader.report("accounts", &q()).await.expect("accounts");
    let total: i64 = column(&accounts, "accounts")
        .iter()
        .map(|n| n.parse::<i64>().expect("n"))
        .sum();
    assert_eq!(total, app.count("users").await);
    assert!(accounts.rows.iter().any(|r| r[0] == "DLA" && r[1] == "active"));

    // CSV: the same rows, the labels first.
    let csv = reader
        .export_report(
            "role-holders",
            &ReportQuery {
                application: Some("AMPS".into()),
                ..q()
            },
        )
        .await
        .expect("export");
    let mut reader_csv = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader_csv.headers().expect("header").iter().collect::<Vec<_>>(),
        [
            "User ID",
            "Name",
            "Organization",
            "Application",
            "Role",
            "Environment",
            "Since",
            "Ends"
        ]
    );
    let rows: Vec<Vec<String>> = reader_csv
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows, all.rows);

    // Refused: people without Reports (administrators too), an external holder of it, nobody.
    for who in ["jrequester", "aadmin", "hhelpdesk", "vvendor"] {
        let c = as_user(&app, who).await;
        assert_eq!(c.reports().await.expect_err(who).status(), Some(403), "{who}");
        let e = c.report("accounts", &q()).await.expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
        let e = c.export_report("accounts", &q()).await.expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
    }
    let e = app.client().report("accounts", &q()).await.expect_err("nobody");
    assert_eq!(e.status(), Some(401));

    // Bad input: a clear problem.
    let e = reader
        .report("everything", &q())
        .await
        .expect_err("no such report");
    assert_eq!(e.status(), Some(404));
    for (bad, field) in [
        (
            ReportQuery {
                organization: Some("NOPE".into()),
                ..q()
            },
            "organization",
        ),
        (
            ReportQuery {
                application: Some("NOPE".into()),
                ..q()
            },
            "application",
        ),
        (
            ReportQuery {
                limit: Some(0),
                ..q()
            },
            "limit",
        ),
        (
            ReportQuery {
                limit: Some(501),
                ..q()
            },
            "limit",
        ),
        (
            ReportQuery {
                cursor: Some("x".into()),
                ..q()
            },
            "cursor",
        ),
        (
            ReportQuery {
                from: Some(app.now()),
                to: Some(app.now() - chrono::Duration::days(1)),
                ..q()
            },
            "to",
        ),
    ] {
        let e = reader.report("role-holders", &bad).await.expect_err(field);
        assert_eq!(e.status(), Some(422), "{field}");
        assert!(
            e.problem()
                .expect("problem")
                .errors
                .iter()
                .any(|f| f.field == field),
            "{field}"
        );
    }
}
