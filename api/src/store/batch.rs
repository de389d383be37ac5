//! Inserts gathered while a change is worked out and written in one round trip. A submission
//! writes its SAARs, their approval tasks, the approvers' mail and the audit events; sent one
//! by one, each is a round trip to the database while the transaction holds the writer (SQLite)
//! or its locks (PostgreSQL), so the rows are collected here and written by one statement:
//!
//! - PostgreSQL: one `WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …`. A single statement is
//!   atomic, so a batch needs no transaction of its own; foreign keys between its rows are
//!   checked when the statement ends, after every insert ran.
//! - SQLite (which has no inserts or updates in `WITH`): the statements in one string with their values in
//!   order. sqlx's SQLite driver runs every statement of the string and binds each its own
//!   `?` values (sqlx marks this as deprecated, in favour of `raw_sql`, which cannot bind; the
//!   test `a_batch_writes_every_row_or_none` fails if a driver change stops it). Outside a
//!   transaction each statement commits on its own, so [`Writes::commit`] wraps it in one.

use sea_orm::sea_query::{
    Alias, CommonTableExpression, InsertStatement, SubQueryStatement, UpdateStatement, Values, WithClause,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryTrait,
    Statement,
};

/// Rows to write together, in the order they were added, and the audit events of the change
/// (written last, sealed on SQLite: [`super::audit`]).
#[derive(Debug, Default)]
pub struct Writes {
    writes: Vec<Write>,
    audit: Vec<super::entities::audit_event::Model>,
}

/// One statement of a batch.
#[derive(Debug)]
enum Write {
    Insert(InsertStatement),
    /// An update of rows no other statement of the batch writes (on PostgreSQL the parts of
    /// one statement do not see each other's changes).
    Update(UpdateStatement),
}

impl Write {
    fn build(&self, backend: DbBackend) -> Statement {
        match self {
            Write::Insert(s) => backend.build(s),
            Write::Update(s) => backend.build(s),
        }
    }
}

impl From<Write> for SubQueryStatement {
    fn from(w: Write) -> Self {
        match w {
            Write::Insert(s) => SubQueryStatement::InsertStatement(s),
            Write::Update(s) => SubQueryStatement::UpdateStatement(s),
        }
    }
}

impl Writes {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the insert of one row (the columns that are set).
    pub fn insert<A>(&mut self, row: A)
    where
        A: ActiveModelTrait,
    {
        self.writes.push(Write::Insert(
            <A::Entity as EntityTrait>::insert(row).into_query(),
        ));
    }

    /// Adds the insert of many rows of one table in one statement (a job's batch: a
    /// statement per row would be parsed and planned once per row). Every row sets the same
    /// columns; nothing is added for none.
    pub fn insert_many<A, I>(&mut self, rows: I)
    where
        A: ActiveModelTrait,
        I: IntoIterator<Item = A>,
    {
        let mut rows = rows.into_iter().peekable();
        if rows.peek().is_none() {
            return;
        }
        self.writes.push(Write::Insert(
            <A::Entity as EntityTrait>::insert_many(rows).into_query(),
        ));
    }

    /// Adds an audit event ([`super::audit::event`]).
    pub fn audit(&mut self, event: super::entities::audit_event::Model) {
        self.audit.push(event);
    }

    /// Adds audit events ([`super::audit::event`]).
    pub fn audit_many(&mut self, events: impl IntoIterator<Item = super::entities::audit_event::Model>) {
        self.audit.extend(events);
    }

    /// Adds an update of rows that no other statement of the batch writes.
    pub fn update(&mut self, update: UpdateStatement) {
        self.writes.push(Write::Update(update));
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.audit.is_empty()
    }

    /// Writes every row in one statement on `conn` (a transaction, or a PostgreSQL pool).
    pub async fn exec(mut self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = conn.get_database_backend();
        let mut events = std::mem::take(&mut self.audit);
        super::audit::seal_new(conn, &mut events).await?;
        self.insert_many(events.into_iter().map(super::audit::active));
        let Some(stmt) = self.build(backend) else {
            return Ok(());
        };
        conn.execute_raw(stmt).await?;
        Ok(())
    }

    /// Writes every row atomically: one statement on PostgreSQL, a transaction on SQLite.
    pub async fn commit(self, db: &DatabaseConnection) -> Result<(), DbErr> {
        // On SQLite, events are sealed after a read of the last seal: that read and the
        // inserts take the writer together.
        if (self.writes.len() <= 1 && self.audit.is_empty())
            || db.get_database_backend() == DbBackend::Postgres
        {
            return self.exec(db).await;
        }
        let txn = super::begin(db).await?;
        self.exec(&txn).await?;
        txn.commit().await
    }

    fn build(mut self, backend: DbBackend) -> Option<Statement> {
        let last = self.writes.pop()?;
        if self.writes.is_empty() {
            return Some(last.build(backend));
        }
        match backend {
            DbBackend::Postgres => {
                let mut with = WithClause::new();
                for (i, insert) in self.writes.into_iter().enumerate() {
                    with.cte(
                        CommonTableExpression::new()
                            .query(insert)
                            .table_name(Alias::new(format!("w{i}")))
                            .to_owned(),
                    );
                }
                Some(backend.build(&with.query(last)))
            }
            _ => {
                let mut sql = String::new();
                let mut values = Vec::new();
                for write in self.writes.iter().chain(std::iter::once(&last)) {
                    let s = write.build(backend);
                    sql.push_str(&s.sql);
                    sql.push_str(";\n");
                    values.extend(s.values.map(|v| v.0).unwrap_or_default());
                }
                Some(Statement::from_sql_and_values(backend, sql, Values(values)))
            }
        }
    }
}
