//! The data `just bench` loads at scale, shared by its stages (`http.rs`, `workflow.rs`):
//! rows written in batches of 1,000 in one transaction, then statistics refreshed.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, InsertStatement, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use uuid::Uuid;

/// Roles each user holds, at every scale.
pub const ROLES_PER_USER: usize = 10;
const BATCH: usize = 1_000;
/// The password of every loaded account (`bench000000`, `bench000001`, …).
pub const PASSWORD: &str = "benchmark passphrase for amps";

/// How much is loaded.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub users: usize,
    /// The first `supervisors` users supervise the others, about 50 each.
    pub supervisors: usize,
    pub roles: usize,
    /// One per user beyond the supervisors (round robin), each with an open supervisor task.
    pub open_saars: usize,
}

impl Sizes {
    /// Scale 1: 100k users, 2k supervisors, 2k roles, 1M assignments, 100k open SAARs; other
    /// scales multiply every count (each user keeps 10 roles, each supervisor ~50 tasks).
    pub fn at(scale: f64) -> Self {
        let n = |x: f64| ((x * scale).round() as usize).max(1);
        Self {
            users: n(100_000.0),
            supervisors: n(2_000.0),
            roles: n(2_000.0),
            open_saars: n(100_000.0),
        }
    }

    pub fn assignments(&self) -> usize {
        self.users * ROLES_PER_USER
    }
}

async fn insert_rows(
    conn: &impl ConnectionTrait,
    table: &str,
    cols: &[&str],
    rows: impl Iterator<Item = Vec<Expr>>,
) {
    let mut stmt: Option<InsertStatement> = None;
    let mut n = 0;
    let fresh = || {
        let mut s = Query::insert();
        s.into_table(Alias::new(table))
            .columns(cols.iter().map(|c| Alias::new(*c)));
        s
    };
    for row in rows {
        let s = stmt.get_or_insert_with(fresh);
        s.values_panic(row);
        n += 1;
        if n == BATCH {
            if let Some(s) = stmt.take() {
                conn.execute(&s).await.expect("insert batch");
            }
            n = 0;
        }
    }
    if let Some(s) = stmt.take() {
        conn.execute(&s).await.expect("insert batch");
    }
}

pub struct Loaded {
    pub roles: Vec<Uuid>,
    pub users: Vec<Uuid>,
}

/// Loads `n` into the migrated database `db` (the demo data first: it has DLA).
pub async fn load(db: &DatabaseConnection, n: Sizes) -> Loaded {
    let now = Utc::now();
    let hash = amps::auth::password::hash(PASSWORD.into()).await.expect("hash");
    let txn = db.begin().await.expect("begin");
    let dla: Uuid = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        amps::store::entities::organization::Entity::find()
            .filter(amps::store::entities::organization::Column::Code.eq("DLA"))
            .one(&txn)
            .await
            .expect("q")
            .expect("DLA")
            .id
    };
    let apps: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    insert_rows(
        &txn,
        "applications",
        &["id", "code", "name", "provisioning_mode", "created_at"],
        apps.iter().enumerate().map(|(i, id)| {
            vec![
                Expr::val(*id),
                Expr::val(format!("BENCH-{i:02}")),
                Expr::val(format!("Bench application {i}")),
                Expr::val("manual"),
                Expr::val(now),
            ]
        }),
    )
    .await;
    let roles: Vec<Uuid> = (0..n.roles).map(|_| Uuid::now_v7()).collect();
    insert_rows(
        &txn,
        "roles",
        &[
            "id",
            "application_id",
            "name",
            "environment",
            "description",
            "hidden",
            "requestable_by",
            "min_it_level",
            "mfa_required",
            "created_at",
        ],
        roles.iter().enumerate().map(|(i, id)| {
            vec![
                Expr::val(*id),
                Expr::val(apps[i % apps.len()]),
                Expr::val(format!("Bench Role {i:04}")),
                Expr::val("PROD"),
                Expr::val(""),
                Expr::val(false),
                Expr::val("both"),
                Expr::val("none"),
                Expr::val(false),
                Expr::val(now),
            ]
        }),
    )
    .await;
    insert_rows(
        &txn,
        "role_chain_levels",
        &["role_id", "position", "kind"],
        roles
            .iter()
            .map(|id| vec![Expr::val(*id), Expr::val(1), Expr::val("supervisor")]),
    )
    .await;
    let users: Vec<Uuid> = (0..n.users).map(|_| Uuid::now_v7()).collect();
    insert_rows(
        &txn,
        "users",
        &[
            "id",
            "login",
            "first_name",
            "last_name",
            "email",
            "phone",
            "organization_id",
            "user_type",
            "supervisor_id",
            "it_level",
            "status",
            "password_hash",
            "password_changed_at",
            "created_at",
            "updated_at",
        ],
        users.iter().enumerate().map(|(i, id)| {
            let sup: Option<Uuid> = (i >= n.supervisors).then(|| users[i % n.supervisors]);
            vec![
                Expr::val(*id),
                Expr::val(format!("bench{i:06}")),
                Expr::val("Bench"),
                Expr::val(format!("User{i}")),
                Expr::val(format!("bench{i:06}@dla.example")),
                Expr::val("+1 703 555 0100"),
                Expr::val(dla),
                Expr::val("civilian"),
                Expr::val(sup),
                Expr::val("III"),
                Expr::val("active"),
                Expr::val(hash.clone()),
                Expr::val(now),
                Expr::val(now),
                Expr::val(now),
            ]
        }),
    )
    .await;
    // 10 roles per user: role (i * 7 + k) % n.roles.
    insert_rows(
        &txn,
        "role_assignments",
        &["id", "user_id", "role_id", "status", "since"],
        (0..n.users)
            .flat_map(|i| (0..ROLES_PER_USER).map(move |k| (i, k)))
            .map(|(i, k)| {
                vec![
                    Expr::val(Uuid::now_v7()),
                    Expr::val(users[i]),
                    Expr::val(roles[(i * 7 + k) % n.roles]),
                    Expr::val("active"),
                    Expr::val(now),
                ]
            }),
    )
    .await;
    // One open SAAR per user (beyond the supervisors), for a role they do not hold, with an
    // open supervisor task; the SAARs past one per user go round again for another role each
    // (one open first request per person and role: migration 36).
    let saar_ids: Vec<Uuid> = (0..n.open_saars).map(|_| Uuid::now_v7()).collect();
    let requesters = n.users - n.supervisors;
    let subject = |j: usize| n.supervisors + (j % requesters);
    let role_of = |j: usize| roles[(subject(j) * 7 + ROLES_PER_USER + 1 + j / requesters) % n.roles];
    insert_rows(
        &txn,
        "saars",
        &[
            "id",
            "number",
            "requester_id",
            "subject_id",
            "role_id",
            "request_type",
            "status",
            "justification",
            "privacy_act_accepted_at",
            "snapshot",
            "warnings",
            "current_level",
            "version",
            "created_at",
            "updated_at",
        ],
        saar_ids.iter().enumerate().map(|(j, id)| {
            let u = users[subject(j)];
            vec![
                Expr::val(*id),
                Expr::val(format!("SAAR-2026-{:06}", j + 1)),
                Expr::val(u),
                Expr::val(u),
                Expr::val(role_of(j)),
                Expr::val("initial"),
                Expr::val("pending"),
                Expr::val("Benchmark request justification"),
                Expr::val(now),
                Expr::val("{}"),
                Expr::val("[]"),
                Expr::val(1),
                Expr::val(1),
                Expr::val(now),
                Expr::val(now),
            ]
        }),
    )
    .await;
    insert_rows(
        &txn,
        "approval_tasks",
        &[
            "id",
            "saar_id",
            "level",
            "kind",
            "assignee_id",
            "status",
            "opened_at",
            "due_at",
            "next_reminder_at",
        ],
        saar_ids.iter().enumerate().map(|(j, id)| {
            vec![
                Expr::val(Uuid::now_v7()),
                Expr::val(*id),
                Expr::val(1),
                Expr::val("supervisor"),
                Expr::val(users[subject(j) % n.supervisors]),
                Expr::val("open"),
                Expr::val(now),
                Expr::val(now + chrono::Duration::days(20)),
                Expr::val(now + chrono::Duration::days(2)),
            ]
        }),
    )
    .await;
    insert_rows(
        &txn,
        "counters",
        &["name", "value"],
        std::iter::once(vec![Expr::val("saar-2026"), Expr::val(n.open_saars as i64)]),
    )
    .await;
    txn.commit().await.expect("commit");
    // Measure the steady state, not the bulk load's aftermath: fresh statistics, so both
    // planners see the data as it is; on PostgreSQL a vacuum (visibility map for index-only
    // scans) and a checkpoint (the load's dirty pages written now, not during the timings); on
    // SQLite the write-ahead log folded back into the database.
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await.expect("vacuum");
        db.execute_unprepared("CHECKPOINT").await.expect("checkpoint");
    } else {
        db.execute_unprepared("ANALYZE").await.expect("analyze");
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .expect("checkpoint");
    }
    Loaded { roles, users }
}
