//! AMPS schema migrations. Every migration uses sea-query's portable schema builder so the
//! same code runs on SQLite (the embedded default) and PostgreSQL.
#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

/// Runs the statements written for this database, in order: for what the portable schema
/// builder has no words for (triggers, full-text tables, extensions).
pub(crate) async fn run_for_backend(
    m: &SchemaManager<'_>,
    sqlite: &[&str],
    postgres: &[&str],
) -> Result<(), DbErr> {
    let statements = match m.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    let db = m.get_connection();
    for s in statements {
        db.execute_unprepared(s).await?;
    }
    Ok(())
}

mod m20261124_000001_platform;
mod m20261124_000002_saars;
mod m20261124_000003_deputies;
mod m20261124_000004_approval_links;
mod m20261124_000005_attachments;
mod m20261124_000006_webhooks;
mod m20261124_000007_audit_seal;
mod m20261127_000008_provisioning_by_saar;
mod m20261130_000009_admin_role_keys;
mod m20261130_000010_task_routing;
mod m20261130_000011_session_ends;
mod m20261130_000012_no_modification;
mod m20261130_000013_approver_changes;
mod m20261130_000014_principal_changes;
mod m20261130_000015_role_search_index;
mod m20261130_000016_role_expiry;
mod m20261130_000017_revalidations;
mod m20261130_000018_renewal_approver;
mod m20261130_000019_campaign_close;
mod m20261130_000020_account_status_changes;
mod m20261130_000021_renewal_offer_index;
mod m20261130_000022_contracts;
mod m20261130_000023_inactivity_warning;
mod m20261130_000024_outbox_recipient;
mod m20261130_000025_deletion;
mod m20261130_000026_enrollments;
mod m20261130_000027_organization_officers;
mod m20261130_000028_totp;
mod m20261130_000029_session_second_factor;
mod m20261201_000030_sign_ins;
mod m20261201_000031_principal_trigger_columns;
mod m20261201_000032_certificates;
mod m20261201_000033_security_keys;
mod m20261201_000034_retention;
mod m20261201_000035_unsealed_audit;
mod m20261201_000036_one_open_request;
mod m20261201_000037_audit_target;
mod m20261201_000038_audit_actor;
mod m20261201_000039_signing_key_changes;
mod m20261201_000040_organization_mfa;
mod m20261202_000041_network_sign_in;

/// The ordered list of AMPS migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_platform::Migration),
            Box::new(m20261124_000002_saars::Migration),
            Box::new(m20261124_000003_deputies::Migration),
            Box::new(m20261124_000004_approval_links::Migration),
            Box::new(m20261124_000005_attachments::Migration),
            Box::new(m20261124_000006_webhooks::Migration),
            Box::new(m20261124_000007_audit_seal::Migration),
            Box::new(m20261127_000008_provisioning_by_saar::Migration),
            Box::new(m20261130_000009_admin_role_keys::Migration),
            Box::new(m20261130_000010_task_routing::Migration),
            Box::new(m20261130_000011_session_ends::Migration),
            Box::new(m20261130_000012_no_modification::Migration),
            Box::new(m20261130_000013_approver_changes::Migration),
            Box::new(m20261130_000014_principal_changes::Migration),
            Box::new(m20261130_000015_role_search_index::Migration),
            Box::new(m20261130_000016_role_expiry::Migration),
            Box::new(m20261130_000017_revalidations::Migration),
            Box::new(m20261130_000018_renewal_approver::Migration),
            Box::new(m20261130_000019_campaign_close::Migration),
            Box::new(m20261130_000020_account_status_changes::Migration),
            Box::new(m20261130_000021_renewal_offer_index::Migration),
            Box::new(m20261130_000022_contracts::Migration),
            Box::new(m20261130_000023_inactivity_warning::Migration),
            Box::new(m20261130_000024_outbox_recipient::Migration),
            Box::new(m20261130_000025_deletion::Migration),
            Box::new(m20261130_000026_enrollments::Migration),
            Box::new(m20261130_000027_organization_officers::Migration),
            Box::new(m20261130_000028_totp::Migration),
            Box::new(m20261130_000029_session_second_factor::Migration),
            Box::new(m20261201_000030_sign_ins::Migration),
            Box::new(m20261201_000031_principal_trigger_columns::Migration),
            Box::new(m20261201_000032_certificates::Migration),
            Box::new(m20261201_000033_security_keys::Migration),
            Box::new(m20261201_000034_retention::Migration),
            Box::new(m20261201_000035_unsealed_audit::Migration),
            Box::new(m20261201_000036_one_open_request::Migration),
            Box::new(m20261201_000037_audit_target::Migration),
            Box::new(m20261201_000038_audit_actor::Migration),
            Box::new(m20261201_000039_signing_key_changes::Migration),
            Box::new(m20261201_000040_organization_mfa::Migration),
            Box::new(m20261202_000041_network_sign_in::Migration),
        ]
    }
}
