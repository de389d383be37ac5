//! The names a view shows beside ids, read in one round trip: people (User ID and name), roles
//! (name, application code, environment), approval groups, who provisions a SAAR waiting for
//! it, and SAAR numbers. Four reads of one shape (what, id, three texts, a time) in one `UNION ALL`, each by
//! primary key or by an indexed SAAR id.

use super::entities::{application, approval_group, provisioning_task, role, saar, user};
use crate::domain::provisioning::ProvisioningStatus;
use amps_openapi::RoleRef;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What to name.
#[derive(Debug, Default)]
pub struct Wanted {
    pub people: HashSet<Uuid>,
    pub roles: HashSet<Uuid>,
    pub groups: HashSet<Uuid>,
    /// SAARs whose open provisioning task (since when, which application) is wanted.
    pub provisioning: HashSet<Uuid>,
    /// SAARs whose number is wanted.
    pub numbers: HashSet<Uuid>,
}

/// A person's User ID, first and last name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
}

/// The names found; ids that no longer exist are absent.
#[derive(Debug, Default)]
pub struct Labels {
    pub people: HashMap<Uuid, PersonName>,
    pub roles: HashMap<Uuid, RoleRef>,
    pub groups: HashMap<Uuid, String>,
    /// SAAR id → (open provisioning task opened at, application code).
    pub provisioning: HashMap<Uuid, (DateTime<Utc>, String)>,
    /// SAAR id → its number.
    pub numbers: HashMap<Uuid, String>,
}

/// The names of what `wanted` lists (no statement when it lists nothing).
pub async fn read(conn: &impl ConnectionTrait, wanted: Wanted) -> Result<Labels, DbErr> {
    let no_text = || Expr::val(Option::<String>::None);
    let no_time = || Expr::val(Option::<DateTime<Utc>>::None);
    let mut parts: Vec<SelectStatement> = Vec::new();
    if !wanted.people.is_empty() {
        parts.push(
            Query::select()
                .expr(Expr::val("person"))
                .column((user::Entity, user::Column::Id))
                .column((user::Entity, user::Column::Login))
                .column((user::Entity, user::Column::FirstName))
                .column((user::Entity, user::Column::LastName))
                .expr(no_time())
                .from(user::Entity)
                .and_where(Expr::col((user::Entity, user::Column::Id)).is_in(wanted.people))
                .to_owned(),
        );
    }
    if !wanted.roles.is_empty() {
        parts.push(
            Query::select()
                .expr(Expr::val("role"))
                .column((role::Entity, role::Column::Id))
                .column((role::Entity, role::Column::Name))
                .column((application::Entity, application::Column::Code))
                .column((role::Entity, role::Column::Environment))
                .expr(no_time())
                .from(role::Entity)
                .inner_join(
                    application::Entity,
                    Expr::col((application::Entity, application::Column::Id))
                        .equals((role::Entity, role::Column::ApplicationId)),
                )
                .and_where(Expr::col((role::Entity, role::Column::Id)).is_in(wanted.roles))
                .to_owned(),
        );
    }
    if !wanted.groups.is_empty() {
        parts.push(
            Query::select()
                .expr(Expr::val("group"))
                .column((approval_group::Entity, approval_group::Column::Id))
                .column((approval_group::Entity, approval_group::Column::Name))
                .expr(no_text())
                .expr(no_text())
                .expr(no_time())
                .from(approval_group::Entity)
                .and_where(
                    Expr::col((approval_group::Entity, approval_group::Column::Id)).is_in(wanted.groups),
                )
                .to_owned(),
        );
    }
    if !wanted.provisioning.is_empty() {
        parts.push(
            Query::select()
                .expr(Expr::val("provisioning"))
                .column((provisioning_task::Entity, provisioning_task::Column::SaarId))
                .column((application::Entity, application::Column::Code))
                .expr(no_text())
                .expr(no_text())
                .column((provisioning_task::Entity, provisioning_task::Column::CreatedAt))
                .from(provisioning_task::Entity)
                .inner_join(
                    application::Entity,
                    Expr::col((application::Entity, application::Column::Id)).equals((
                        provisioning_task::Entity,
                        provisioning_task::Column::ApplicationId,
                    )),
                )
                .and_where(
                    Expr::col((provisioning_task::Entity, provisioning_task::Column::SaarId))
                        .is_in(wanted.provisioning),
                )
                .and_where(
                    Expr::col((provisioning_task::Entity, provisioning_task::Column::Status))
                        .eq(ProvisioningStatus::Open.as_str()),
                )
                .to_owned(),
        );
    }
    if !wanted.numbers.is_empty() {
        parts.push(
            Query::select()
                .expr(Expr::val("number"))
                .column((saar::Entity, saar::Column::Id))
                .column((saar::Entity, saar::Column::Number))
                .expr(no_text())
                .expr(no_text())
                .expr(no_time())
                .from(saar::Entity)
                .and_where(Expr::col((saar::Entity, saar::Column::Id)).is_in(wanted.numbers))
                .to_owned(),
        );
    }
    let mut labels = Labels::default();
    let mut parts = parts.into_iter();
    let Some(mut q) = parts.next() else {
        return Ok(labels);
    };
    for p in parts {
        q.union(UnionType::All, p);
    }
    for row in conn.query_all(&q).await? {
        let what: String = row.try_get_by_index(0)?;
        let id: Uuid = row.try_get_by_index(1)?;
        let a: String = row.try_get_by_index(2)?;
        let b: Option<String> = row.try_get_by_index(3)?;
        let c: Option<String> = row.try_get_by_index(4)?;
        match what.as_str() {
            "person" => {
                labels.people.insert(
                    id,
                    PersonName {
                        login: a,
                        first_name: b.unwrap_or_default(),
                        last_name: c.unwrap_or_default(),
                    },
                );
            }
            "role" => {
                labels.roles.insert(
                    id,
                    RoleRef {
                        id,
                        name: a,
                        application: b.unwrap_or_default(),
                        environment: c.unwrap_or_default(),
                    },
                );
            }
            "group" => {
                labels.groups.insert(id, a);
            }
            "number" => {
                labels.numbers.insert(id, a);
            }
            "provisioning" => {
                let since: Option<DateTime<Utc>> = row.try_get_by_index(5)?;
                if let Some(since) = since {
                    labels.provisioning.insert(id, (since, a));
                }
            }
            _ => return Err(DbErr::Custom(format!("unexpected label row {what}"))),
        }
    }
    Ok(labels)
}
