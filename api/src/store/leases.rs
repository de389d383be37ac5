//! Named leases in the database, so that with several replicas one at a time runs a job.

use super::entities::job_lease;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};

/// Takes or renews the lease `name` for `holder` until `now + ttl`; true when held.
pub async fn acquire(
    conn: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool, DbErr> {
    let res = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::Holder, Expr::value(holder))
        .col_expr(job_lease::Column::LeaseUntil, Expr::value(now + ttl))
        .filter(job_lease::Column::Name.eq(name))
        .filter(
            job_lease::Column::Holder
                .eq(holder)
                .or(job_lease::Column::LeaseUntil.lt(now)),
        )
        .exec(conn)
        .await?;
    if res.rows_affected == 1 {
        return Ok(true);
    }
    if job_lease::Entity::find_by_id(name.to_string())
        .one(conn)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    // First use of this lease: the primary key makes a concurrent insert fail, not double.
    let inserted = job_lease::ActiveModel {
        name: Set(name.to_string()),
        holder: Set(holder.to_string()),
        lease_until: Set(now + ttl),
    }
    .insert(conn)
    .await;
    Ok(inserted.is_ok())
}
