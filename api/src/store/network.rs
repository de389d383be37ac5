//! Sign-in with an organization's network credentials (OpenID Connect): the organizations'
//! providers (`network_providers`), sign-ins in progress (`network_flows`), and the provider
//! subjects linked to accounts (`network_identities`).

use super::entities::{network_flow, network_identity, network_provider, organization};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// The identity provider of `org`, if it has one.
pub async fn provider(
    conn: &impl ConnectionTrait,
    org: Uuid,
) -> Result<Option<network_provider::Model>, DbErr> {
    network_provider::Entity::find_by_id(org).one(conn).await
}

/// Every organization with an identity provider, by name.
pub async fn organizations_with_provider(
    conn: &impl ConnectionTrait,
) -> Result<Vec<organization::Model>, DbErr> {
    let ids: Vec<Uuid> = network_provider::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.organization_id)
        .collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .order_by_asc(organization::Column::Name)
        .all(conn)
        .await
}

/// Sets the identity provider of `org` (a new secret, or the one it had).
pub async fn put_provider(
    conn: &impl ConnectionTrait,
    org: Uuid,
    issuer: &str,
    client_id: &str,
    client_secret: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    network_provider::Entity::insert(network_provider::ActiveModel {
        organization_id: Set(org),
        issuer: Set(issuer.to_string()),
        client_id: Set(client_id.to_string()),
        client_secret: Set(client_secret.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(network_provider::Column::OrganizationId)
            .update_columns([
                network_provider::Column::Issuer,
                network_provider::Column::ClientId,
                network_provider::Column::ClientSecret,
                network_provider::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// Removes the identity provider of `org`; false when it had none.
pub async fn delete_provider(conn: &impl ConnectionTrait, org: Uuid) -> Result<bool, DbErr> {
    Ok(network_provider::Entity::delete_by_id(org)
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

/// Records a sign-in in progress (and forgets the ones that expired).
pub async fn insert_flow(
    conn: &impl ConnectionTrait,
    flow: network_flow::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    network_flow::Entity::delete_many()
        .filter(network_flow::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?;
    network_flow::Entity::insert(network_flow::ActiveModel::from(flow))
        .exec(conn)
        .await?;
    Ok(())
}

/// Takes the sign-in in progress whose `state` hashes to `state_hash`, once: `None` when it is
/// unknown, used or expired (of two callbacks with the same state, one gets it).
pub async fn take_flow(
    conn: &impl ConnectionTrait,
    state_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<network_flow::Model>, DbErr> {
    let Some(flow) = network_flow::Entity::find()
        .filter(network_flow::Column::StateHash.eq(state_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let taken = network_flow::Entity::update_many()
        .col_expr(network_flow::Column::UsedAt, Expr::value(now))
        .filter(network_flow::Column::Id.eq(flow.id))
        .filter(network_flow::Column::UsedAt.is_null())
        .filter(network_flow::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    Ok((taken.rows_affected == 1).then_some(flow))
}

/// The account linked to `subject` of `issuer`.
pub async fn identity(
    conn: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> Result<Option<network_identity::Model>, DbErr> {
    network_identity::Entity::find()
        .filter(network_identity::Column::Issuer.eq(issuer))
        .filter(network_identity::Column::Subject.eq(subject))
        .one(conn)
        .await
}

/// The subjects of `issuer` linked to `user`.
pub async fn identities_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    issuer: &str,
) -> Result<Vec<network_identity::Model>, DbErr> {
    network_identity::Entity::find()
        .filter(network_identity::Column::UserId.eq(user))
        .filter(network_identity::Column::Issuer.eq(issuer))
        .all(conn)
        .await
}

/// Links `subject` of `issuer` to `user`; false when the subject is linked already.
pub async fn link(
    conn: &impl ConnectionTrait,
    user: Uuid,
    issuer: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let inserted = network_identity::Entity::insert(network_identity::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        issuer: Set(issuer.to_string()),
        subject: Set(subject.to_string()),
        created_at: Set(now),
        last_used_at: Set(Some(now)),
    })
    .on_conflict(
        OnConflict::columns([
            network_identity::Column::Issuer,
            network_identity::Column::Subject,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted == 1)
}

/// Records that `id` signed in.
pub async fn used(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    network_identity::Entity::update_many()
        .col_expr(network_identity::Column::LastUsedAt, Expr::value(now))
        .filter(network_identity::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The subjects linked to `user`, oldest first.
pub async fn identities_of_user(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<network_identity::Model>, DbErr> {
    network_identity::Entity::find()
        .filter(network_identity::Column::UserId.eq(user))
        .order_by_asc(network_identity::Column::CreatedAt)
        .all(conn)
        .await
}

/// Unlinks `id` from `user`; false when it is not theirs (or gone).
pub async fn unlink(conn: &impl ConnectionTrait, user: Uuid, id: Uuid) -> Result<bool, DbErr> {
    Ok(network_identity::Entity::delete_many()
        .filter(network_identity::Column::Id.eq(id))
        .filter(network_identity::Column::UserId.eq(user))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}
