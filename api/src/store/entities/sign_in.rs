//! The `sign_ins` table: one row per sign-in (a refresh-token family, same id).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_ins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub started_at: DateTimeUtc,
    /// When it last got a new access token.
    pub last_used_at: DateTimeUtc,
    /// When it ends unless used again (its refresh token's expiry).
    pub expires_at: DateTimeUtc,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// What it proved, RFC 8176 values separated by spaces (`pwd`, `pwd otp`).
    pub methods: String,
    /// When it was signed out or ended (password change, account disabled, ended by its owner
    /// or an administrator).
    pub ended_at: Option<DateTimeUtc>,
    /// When it last proved a second factor (or a certificate): at its start, on setting one
    /// up, or on a step-up.
    pub factor_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
