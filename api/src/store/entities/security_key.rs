//! The `security_keys` table: FIDO2 / WebAuthn keys registered as a second factor.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "security_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The name its owner gave it ("Blue YubiKey").
    pub name: String,
    /// The credential id, base64url: unique across every account.
    #[sea_orm(unique)]
    pub credential_id: String,
    /// The credential (public key, counter) as webauthn-rs keeps it, JSON.
    pub passkey: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
