//! Files attached to SAARs: their metadata for lists (without the content) and one file with
//! its content for download.

use super::entities::attachment;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// An attachment without its content.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Meta {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// How many files SAAR `saar` has.
pub async fn count_of(conn: &impl ConnectionTrait, saar: Uuid) -> Result<u64, DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::SaarId.eq(saar))
        .count(conn)
        .await
}

/// Stores the file `a`.
pub async fn insert(conn: &impl ConnectionTrait, a: attachment::Model) -> Result<attachment::Model, DbErr> {
    attachment::ActiveModel::from(a).insert(conn).await
}

/// The files of SAAR `saar`, oldest first, without their content.
pub async fn list_of(conn: &impl ConnectionTrait, saar: Uuid) -> Result<Vec<Meta>, DbErr> {
    attachment::Entity::find()
        .select_only()
        .columns([
            attachment::Column::Id,
            attachment::Column::Filename,
            attachment::Column::ContentType,
            attachment::Column::Size,
            attachment::Column::Sha256,
            attachment::Column::CreatedAt,
        ])
        .filter(attachment::Column::SaarId.eq(saar))
        .order_by_asc(attachment::Column::CreatedAt)
        .into_model::<Meta>()
        .all(conn)
        .await
}

/// The file `id` with its content.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<attachment::Model>, DbErr> {
    attachment::Entity::find_by_id(id).one(conn).await
}
