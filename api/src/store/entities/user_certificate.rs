//! The `user_certificates` table: PIV / CAC certificates bound to accounts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// What sign-in looks the certificate up by: `upn:…`, `edipi:…` or `sha256:…`.
    #[sea_orm(unique)]
    pub identity: String,
    pub subject: String,
    pub issuer: String,
    /// Hexadecimal.
    pub serial: String,
    /// SHA-256 of the DER certificate bound, hexadecimal.
    pub fingerprint: String,
    pub not_after: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
