//! The busiest reads use indexes: the approvals inbox (both halves and their counts), Current
//! Roles, and role search with its held/pending flags. Each query, as the store builds it for
//! the server, is explained by the database itself: no per-user table (tasks, SAARs,
//! assignments, accounts) is ever read whole, so these reads stay as fast with 100k users as
//! with 100 (`just bench` measures them at scale). Role search does not read the catalog whole
//! either: part of a name is found through a trigram index (migration 15). The deadlines job's
//! retention rounds (registrations never verified, changes of email never confirmed, delivered
//! mail keeping its body, stale throttle rows) find their rows by index too (migration 34), and
//! so does the audit sealer its unsealed events (migration 35), a SAAR's history its events
//! (migration 37) and an audit search by actor (migration 38).
//!
//! SQLite: `EXPLAIN QUERY PLAN` must show no `SCAN` of those tables. PostgreSQL: with
//! sequential scans discouraged (`enable_seqscan = off`, so a small test table does not hide a
//! missing index), `EXPLAIN` must show no `Seq Scan` on them.

use crate::both_dbs;
use crate::helpers::*;
use amps::store;
use amps::store::entities::{approval_group_member, approval_task, organization};
use amps_openapi::{OrganizationOfficersRequest, SetDeputyRequest};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement,
    TransactionTrait,
};

both_dbs!(
    the_busiest_reads_never_read_a_per_user_table_whole,
    the_busiest_views_are_read_in_one_to_three_statements
);

/// The tables that grow with users and requests.
const PER_USER: [&str; 9] = [
    "approval_tasks",
    "saars",
    "role_assignments",
    "users",
    "approval_group_members",
    "provisioning_tasks",
    "audit_events",
    "outbox",
    "login_throttle",
];

/// The database's plan for `stmt`, one line per step.
async fn plan(app: &TestApp, stmt: Statement) -> Vec<String> {
    let backend = stmt.db_backend;
    let txn = app.ctx.read.begin().await.expect("begin");
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .expect("discourage scans");
    }
    let prefix = match backend {
        DbBackend::Postgres => "EXPLAIN ",
        _ => "EXPLAIN QUERY PLAN ",
    };
    let explained = Statement {
        sql: format!("{prefix}{}", stmt.sql),
        ..stmt
    };
    let rows = txn.query_all_raw(explained).await.expect("explain");
    let column = match backend {
        DbBackend::Postgres => "QUERY PLAN",
        _ => "detail",
    };
    let lines = rows
        .iter()
        .map(|r| r.try_get::<String>("", column).expect("plan line"))
        .collect();
    txn.rollback().await.expect("rollback");
    lines
}

/// The per-user tables `lines` read whole.
fn scans(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            let l = l.trim_start().trim_start_matches("->").trim_start();
            PER_USER.iter().any(|t| {
                l.starts_with(&format!("SCAN {t}"))
                    || l.starts_with(&format!("Seq Scan on {t}"))
                    || l.starts_with(&format!("Parallel Seq Scan on {t}"))
            })
        })
        .cloned()
        .collect()
}

async fn the_busiest_reads_never_read_a_per_user_table_whole(db: Db) {
    let app = seeded(db).await;
    let backend = app.ctx.read.get_database_backend();
    let supervisor = store::users::by_login(&app.ctx.read, "ssupervisor")
        .await
        .expect("read")
        .expect("demo supervisor");
    let requester = store::users::by_login(&app.ctx.read, "jrequester")
        .await
        .expect("read")
        .expect("demo requester");
    let org = organization::Entity::find_by_id(requester.organization_id)
        .one(&app.ctx.read)
        .await
        .expect("read")
        .expect("organization");
    let mut groups: Vec<uuid::Uuid> = approval_group_member::Entity::find()
        .filter(approval_group_member::Column::UserId.eq(supervisor.id))
        .all(&app.ctx.read)
        .await
        .expect("groups")
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    groups.push(amps::domain::routing::ADMINISTRATORS);
    let search = store::catalog_admin::RoleSearch {
        text: Some("pop"),
        application: None,
        visible_to: Some(&org),
        limit: 50,
    };
    // Each read, and the index searches (table, leading column) it must make.
    let reads = [
        (
            "inbox, own tasks",
            store::tasks::own_inbox(supervisor.id).build(backend),
            vec![("approval_tasks", "assignee_id")],
        ),
        (
            "inbox, group tasks",
            store::tasks::groups_inbox(supervisor.id, &groups).build(backend),
            vec![("approval_tasks", "group_id")],
        ),
        (
            "Current Roles",
            store::provisioning::active_assignments_of(requester.id, app.now()).build(backend),
            vec![("role_assignments", "user_id")],
        ),
        (
            "role search",
            store::catalog_admin::role_search(backend, &search).build(backend),
            vec![("roles", "id"), ("roles", "application_id")],
        ),
        (
            "registrations never verified",
            store::users::unverified_query(app.now()).build(backend),
            vec![("users", "status")],
        ),
        (
            "changes of email never confirmed",
            store::users::stale_pending_emails_query(app.now()).build(backend),
            vec![],
        ),
        (
            "delivered mail keeping its body",
            store::outbox::delivered_bodies_query(app.now()).build(backend),
            vec![("outbox", "status")],
        ),
        (
            "stale throttle rows",
            store::sessions::stale_throttle_query(app.now(), app.now()).build(backend),
            vec![],
        ),
        (
            "a SAAR's history",
            store::audit::of_target_query(&format!("saar:{}", uuid::Uuid::nil())).build(backend),
            vec![("audit_events", "target")],
        ),
        (
            "the audit trail of one actor, a page back from a cursor",
            store::audit::search_query(
                &store::audit::Search {
                    actor: Some("jrequester".into()),
                    action: Some("saar.".into()),
                    ..Default::default()
                },
                Some(1_000),
                100,
            )
            .build(backend),
            vec![("audit_events", "actor")],
        ),
        (
            "events the audit sealer has not chained",
            store::audit::unsealed_query(5_000).build(backend),
            vec![],
        ),
        (
            "role search, held and pending",
            backend.build(&store::catalog::held_and_pending_query(requester.id)),
            vec![("role_assignments", "user_id"), ("saars", "subject_id")],
        ),
    ];
    // The check sees a scan where there is one: no index serves a task's routing note.
    let unindexed = approval_task::Entity::find()
        .filter(approval_task::Column::RoutedNote.eq("x"))
        .build(backend);
    assert!(
        !scans(&plan(&app, unindexed).await).is_empty(),
        "a read by an unindexed column shows as a scan"
    );
    for (what, stmt, searches) in reads {
        let lines = plan(&app, stmt).await;
        assert!(!lines.is_empty(), "{what}: no plan");
        if what == "role search" {
            // The catalog is not read whole either: names through the trigram index, the
            // matching applications' roles through the application index.
            let roles_whole = lines.iter().any(|l| {
                let l = l.trim_start().trim_start_matches("->").trim_start();
                l.starts_with("SCAN roles") || l.starts_with("Seq Scan on roles")
            });
            assert!(
                !roles_whole,
                "role search reads every role:\n{}",
                lines.join("\n")
            );
            if backend == DbBackend::Postgres {
                assert!(
                    lines
                        .iter()
                        .any(|l| l.contains("Bitmap Index Scan on idx_roles_name_trigram")),
                    "role search does not use the trigram index:\n{}",
                    lines.join("\n")
                );
            }
        }
        let whole = scans(&lines);
        assert!(
            whole.is_empty(),
            "{what} reads a per-user table whole: {whole:?}\nplan:\n{}",
            lines.join("\n")
        );
        // SQLite chooses an index by its rules (the most equality columns); PostgreSQL by the
        // statistics a test database does not have, so there the scan check above is the test
        // and `just bench` at scale shows the choice.
        if backend == DbBackend::Sqlite {
            for (table, column) in searches {
                assert!(
                    lines
                        .iter()
                        .any(|l| l.starts_with(&format!("SEARCH {table} USING"))
                            && l.contains(&format!("({column}=?"))),
                    "{what}: {table} is not searched by {column}\nplan:\n{}",
                    lines.join("\n")
                );
            }
        }
    }
}

/// SELECT statements the server has run so far (its `/metrics`).
async fn selects(app: &TestApp) -> u64 {
    let text = app
        .http()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .filter(|l| l.starts_with(r#"db_statement_duration_seconds_count{kind="select""#))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// The fewest SELECTs one `call` took, trying until it took `expected` or fewer, at most 40
/// times over about two seconds: the jobs' rounds may run beside a call, and while this
/// replica's cache of callers is not confirmed by its feed (a heartbeat late on a loaded
/// machine) each call reads its caller too.
async fn fewest<T, E: std::fmt::Debug, F, Fut>(app: &TestApp, expected: u64, call: F) -> u64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut least = u64::MAX;
    for _ in 0..40 {
        let before = selects(app).await;
        call().await.expect("the view");
        least = least.min(selects(app).await - before);
        if least <= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    least
}

/// Views are built from few statements, each by an index (above): the statement count is what
/// a read costs (`just bench` prints it per request). My Information, with its people, the
/// organization's officers and a deputy, is one statement after the (cached) caller; the
/// inbox count one however many approval groups the caller is in; a SAAR the SAAR, its steps
/// and every name they show.
async fn the_busiest_views_are_read_in_one_to_three_statements(db: Db) {
    // The jobs at `amps serve`'s own periods, so their rounds rarely run beside a view.
    let app = seeded_with(db, &|s| s.jobs = amps::config::JobPeriods::default()).await;
    let requester = as_user(&app, "jrequester").await;
    let sup = as_user(&app, "ssupervisor").await;
    sup.set_deputy(&SetDeputyRequest {
        deputy: "iiao".into(),
        starts_at: app.now() + chrono::Duration::days(1),
        ends_at: app.now() + chrono::Duration::days(8),
    })
    .await
    .expect("deputy");
    let admin = as_user(&app, "aadmin").await;
    let orgs = admin.organizations().await.expect("organizations");
    let dla = orgs.iter().find(|o| o.code == "DLA").expect("DLA").id;
    admin
        .set_organization_officers(
            dla,
            &OrganizationOfficersRequest {
                security_officers: vec!["ssecurity".into()],
                iaos: vec!["iiao".into()],
            },
        )
        .await
        .expect("officers");
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let me = sup.me().await.expect("me");
    assert_eq!(me.deputy.expect("deputy").deputy.user_id, "iiao");
    assert_eq!(fewest(&app, 1, || sup.me()).await, 1, "My Information");
    let me = requester.me().await.expect("me");
    assert_eq!(me.supervisor.expect("supervisor").user_id, "ssupervisor");
    assert_eq!(me.iaos[0].user_id, "iiao");
    assert_eq!(me.organization_security_officers[0].user_id, "ssecurity");
    assert_eq!(fewest(&app, 1, || requester.me()).await, 1, "My Information");
    assert_eq!(
        fewest(&app, 1, || sup.approvals_count()).await,
        1,
        "the inbox count"
    );
    let viewed = requester.get_saar(saar.id).await.expect("saar");
    assert_eq!(viewed.steps.len(), 1);
    assert_eq!(viewed.role.id, pop);
    assert!(viewed.requester.contains("(jrequester)"), "{}", viewed.requester);
    assert_eq!(fewest(&app, 3, || requester.get_saar(saar.id)).await, 3, "a SAAR");
}
