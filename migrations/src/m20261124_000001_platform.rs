//! The platform: organizations, accounts and their credentials and tokens, the email outbox,
//! the audit chain, signing keys, service clients, job leases, and the minimal role catalog
//! (applications, roles, assignments) that the administrative roles and demo data need.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(pk_uuid(Organizations::Id))
                .col(string_len_uniq(Organizations::Code, 32))
                .col(string_len(Organizations::Name, 200))
                .col(boolean(Organizations::IsExternal))
                .col(boolean(Organizations::AllowsNonProd))
                .col(timestamp_with_time_zone(Organizations::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_len_uniq(Users::Login, 64))
                .col(string_len(Users::FirstName, 100))
                .col(string_len_null(Users::MiddleInitial, 1))
                .col(string_len(Users::LastName, 100))
                .col(string_len_uniq(Users::Email, 254))
                .col(string_len_null(Users::PendingEmail, 254))
                .col(string_len(Users::Phone, 32))
                .col(string_len_null(Users::JobTitle, 100))
                .col(uuid(Users::OrganizationId))
                .col(string_len(Users::UserType, 16))
                .col(string_len_null(Users::Company, 200))
                .col(string_len_null(Users::EaoEmail, 254))
                .col(uuid_null(Users::SupervisorId))
                .col(uuid_null(Users::SecurityOfficerId))
                .col(uuid_null(Users::EaoId))
                .col(string_len(Users::ItLevel, 8))
                .col(date_null(Users::IaTrainingDate))
                .col(string_len(Users::Status, 24))
                .col(text(Users::PasswordHash))
                .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                .col(timestamp_with_time_zone_null(Users::LastActivityAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_users_supervisor", Users::SupervisorId),
            ("idx_users_org", Users::OrganizationId),
        ] {
            m.create_index(Index::create().name(name).table(Users::Table).col(col).to_owned())
                .await?;
        }

        m.create_table(
            Table::create()
                .table(PasswordHistory::Table)
                .col(pk_auto(PasswordHistory::Id).big_integer())
                .col(uuid(PasswordHistory::UserId))
                .col(text(PasswordHistory::Hash))
                .col(timestamp_with_time_zone(PasswordHistory::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordHistory::Table, PasswordHistory::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_password_history_user")
                .table(PasswordHistory::Table)
                .col(PasswordHistory::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserTokens::Table)
                .col(pk_uuid(UserTokens::Id))
                .col(uuid(UserTokens::UserId))
                .col(string_len(UserTokens::Purpose, 32))
                .col(string_len_uniq(UserTokens::TokenHash, 64))
                .col(string_len_null(UserTokens::Email, 254))
                .col(timestamp_with_time_zone(UserTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(UserTokens::UsedAt))
                .col(timestamp_with_time_zone(UserTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserTokens::Table, UserTokens::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(pk_uuid(RefreshTokens::Id))
                .col(uuid(RefreshTokens::UserId))
                .col(uuid(RefreshTokens::FamilyId))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RotatedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(string_len(LoginThrottle::Key, 320).primary_key())
                .col(integer(LoginThrottle::Failures))
                .col(timestamp_with_time_zone(LoginThrottle::LastFailureAt))
                .col(timestamp_with_time_zone_null(LoginThrottle::BlockedUntil))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(string_len(SigningKeys::Kid, 64).primary_key())
                .col(text(SigningKeys::PrivatePkcs8))
                .col(string_len(SigningKeys::PublicX, 64))
                .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ServiceClients::Table)
                .col(pk_uuid(ServiceClients::Id))
                .col(string_len_uniq(ServiceClients::ClientId, 64))
                .col(string_len(ServiceClients::Name, 200))
                .col(text(ServiceClients::SecretHash))
                .col(string_len(ServiceClients::Scopes, 500))
                .col(boolean(ServiceClients::Disabled))
                .col(timestamp_with_time_zone(ServiceClients::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(pk_uuid(Outbox::Id))
                .col(string_len(Outbox::Recipient, 254))
                .col(string_len(Outbox::Subject, 300))
                .col(text(Outbox::Body))
                .col(string_len(Outbox::Status, 16))
                .col(integer(Outbox::Attempts))
                .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                .col(timestamp_with_time_zone_null(Outbox::SentAt))
                .col(text_null(Outbox::LastError))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_due")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::NextAttemptAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(pk_auto(AuditEvents::Id).big_integer())
                .col(timestamp_with_time_zone(AuditEvents::At))
                .col(uuid_null(AuditEvents::ActorId))
                .col(string_len(AuditEvents::Actor, 100))
                .col(string_len(AuditEvents::Action, 64))
                .col(string_len_null(AuditEvents::Target, 200))
                .col(string_len_null(AuditEvents::Ip, 64))
                .col(text(AuditEvents::Details))
                .col(string_len(AuditEvents::PrevHash, 64))
                .col(string_len(AuditEvents::Hash, 64))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(JobLeases::Table)
                .col(string_len(JobLeases::Name, 64).primary_key())
                .col(string_len(JobLeases::Holder, 64))
                .col(timestamp_with_time_zone(JobLeases::LeaseUntil))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Applications::Table)
                .col(pk_uuid(Applications::Id))
                .col(string_len_uniq(Applications::Code, 64))
                .col(string_len(Applications::Name, 200))
                .col(string_len(Applications::ProvisioningMode, 16))
                .col(string_len_null(Applications::WebhookUrl, 500))
                .col(timestamp_with_time_zone(Applications::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Roles::Table)
                .col(pk_uuid(Roles::Id))
                .col(uuid(Roles::ApplicationId))
                .col(string_len(Roles::Name, 200))
                .col(string_len(Roles::Environment, 16))
                .col(text(Roles::Description))
                .col(boolean(Roles::Hidden))
                .col(string_len(Roles::RequestableBy, 16))
                .col(string_len(Roles::MinItLevel, 8))
                .col(integer_null(Roles::DefaultExpirationDays))
                .col(boolean(Roles::MfaRequired))
                .col(timestamp_with_time_zone(Roles::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Roles::Table, Roles::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_roles_app_name_env")
                .table(Roles::Table)
                .col(Roles::ApplicationId)
                .col(Roles::Name)
                .col(Roles::Environment)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RolePrerequisites::Table)
                .col(uuid(RolePrerequisites::RoleId))
                .col(uuid(RolePrerequisites::PrerequisiteRoleId))
                .primary_key(
                    Index::create()
                        .col(RolePrerequisites::RoleId)
                        .col(RolePrerequisites::PrerequisiteRoleId),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RoleVisibility::Table)
                .col(uuid(RoleVisibility::RoleId))
                .col(uuid(RoleVisibility::OrganizationId))
                .primary_key(
                    Index::create()
                        .col(RoleVisibility::RoleId)
                        .col(RoleVisibility::OrganizationId),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RoleAssignments::Table)
                .col(pk_uuid(RoleAssignments::Id))
                .col(uuid(RoleAssignments::UserId))
                .col(uuid(RoleAssignments::RoleId))
                .col(string_len(RoleAssignments::Status, 16))
                .col(timestamp_with_time_zone(RoleAssignments::Since))
                .col(timestamp_with_time_zone_null(RoleAssignments::ExpiresAt))
                .col(uuid_null(RoleAssignments::SourceSaarId))
                .foreign_key(
                    ForeignKey::create()
                        .from(RoleAssignments::Table, RoleAssignments::UserId)
                        .to(Users::Table, Users::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(RoleAssignments::Table, RoleAssignments::RoleId)
                        .to(Roles::Table, Roles::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_role_assignments_user")
                .table(RoleAssignments::Table)
                .col(RoleAssignments::UserId)
                .col(RoleAssignments::Status)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RoleAssignments::Table.into_iden(),
            RoleVisibility::Table.into_iden(),
            RolePrerequisites::Table.into_iden(),
            Roles::Table.into_iden(),
            Applications::Table.into_iden(),
            JobLeases::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            Outbox::Table.into_iden(),
            ServiceClients::Table.into_iden(),
            SigningKeys::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            UserTokens::Table.into_iden(),
            PasswordHistory::Table.into_iden(),
            Users::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Code,
    Name,
    IsExternal,
    AllowsNonProd,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Login,
    FirstName,
    MiddleInitial,
    LastName,
    Email,
    PendingEmail,
    Phone,
    JobTitle,
    OrganizationId,
    UserType,
    Company,
    EaoEmail,
    SupervisorId,
    SecurityOfficerId,
    EaoId,
    ItLevel,
    IaTrainingDate,
    Status,
    PasswordHash,
    PasswordChangedAt,
    LastActivityAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PasswordHistory {
    Table,
    Id,
    UserId,
    Hash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Email,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    LastFailureAt,
    BlockedUntil,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    PrivatePkcs8,
    PublicX,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum ServiceClients {
    Table,
    Id,
    ClientId,
    Name,
    SecretHash,
    Scopes,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Recipient,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    SentAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    Action,
    Target,
    Ip,
    Details,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    Code,
    Name,
    ProvisioningMode,
    WebhookUrl,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    ApplicationId,
    Name,
    Environment,
    Description,
    Hidden,
    RequestableBy,
    MinItLevel,
    DefaultExpirationDays,
    MfaRequired,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RolePrerequisites {
    Table,
    RoleId,
    PrerequisiteRoleId,
}

#[derive(DeriveIden)]
enum RoleVisibility {
    Table,
    RoleId,
    OrganizationId,
}

#[derive(DeriveIden)]
enum RoleAssignments {
    Table,
    Id,
    UserId,
    RoleId,
    Status,
    Since,
    ExpiresAt,
    SourceSaarId,
}
