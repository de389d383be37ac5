//! The `network_flows` table: network sign-ins in progress (single use, 10 minutes).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "network_flows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the OAuth `state` sent to the provider.
    #[sea_orm(unique)]
    pub state_hash: String,
    /// SHA-256 of the value of the cookie given to the browser that started it.
    pub browser_hash: String,
    pub organization_id: Uuid,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The web app's own `state`, echoed back to it.
    pub app_state: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
