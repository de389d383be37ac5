//! Who may do what beyond their own records: AMPS's administrative roles and the
//! permissions each grants, as one table ([`GRANTS`]). Record-level rules (a requester sees
//! their own SAAR, an approver their task) stay with their use cases; what an administrative
//! role allows is decided here and nowhere else.

use super::named;

named! {
    /// An AMPS administrative role, recognised by this stable key (the role's display name,
    /// application and environment may change; a role of another application named
    /// "Administrator" grants nothing).
    pub enum AdminRole ("administrative role") {
        Administrator = "administrator",
        HelpDesk = "help_desk",
        Provisioner = "provisioner",
        Reports = "reports",
        NewItUserRequestor = "new_it_user_requestor",
        RoleCatalogOwner = "role_catalog_owner",
        SecurityOfficer = "security_officer",
        /// Reads the audit trail and checks its hash chain (assessors, internal audit).
        Auditor = "auditor",
    }
}

impl AdminRole {
    /// The role's name in the catalog and on the wire (`GET /me`'s `admin_roles`).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Administrator => "Administrator",
            Self::HelpDesk => "Help Desk",
            Self::Provisioner => "Provisioner",
            Self::Reports => "Reports",
            Self::NewItUserRequestor => "New IT User Requestor",
            Self::RoleCatalogOwner => "Role Catalog Owner",
            Self::SecurityOfficer => "Security Officer",
            Self::Auditor => "Auditor",
        }
    }
}

named! {
    /// Something only holders of certain administrative roles may do.
    pub enum Permission ("permission") {
        /// Add and change applications, roles, approval groups and SoD rules.
        ManageCatalog = "manage_catalog",
        /// See approval groups and who is in them.
        ReadApprovalGroups = "read_approval_groups",
        /// List and look up accounts.
        ListUsers = "list_users",
        /// Add organizations.
        ManageOrganizations = "manage_organizations",
        /// Read any SAAR (support and oversight).
        ReadAnySaar = "read_any_saar",
        /// Provision applications that have no provisioner group of their own.
        ProvisionUngrouped = "provision_ungrouped",
        /// Decide approvals sent to the administrators because the approver the chain names
        /// may not decide them (they are the subject, the requester, or approved another level).
        DecideReassigned = "decide_reassigned",
        /// Change AMPS's own administrative roles in the catalog (their chain, visibility,
        /// description): nobody else may make a path to administrative power.
        ManageAmpsRoles = "manage_amps_roles",
        /// Be named as a user's security officer and act at the Security Officer level.
        ActAsSecurityOfficer = "act_as_security_officer",
        /// Set anyone's supervisor, security officer or EAO at once (no acceptance asked).
        SetApprovers = "set_approvers",
        /// Start revalidation campaigns, follow their progress and remind the overdue.
        ManageRevalidation = "manage_revalidation",
        /// Disable and enable accounts, with a reason (the help desk; administrators set every
        /// status: `domain::account::AccountStatus::may_change`).
        ChangeAccountStatus = "change_account_status",
        /// Change an account's organization and set any status.
        ManageAccounts = "manage_accounts",
        /// Create internal accounts (the person gets an invitation) and send a waiting account
        /// its link again.
        CreateAccounts = "create_accounts",
        /// Enroll new contractors (New IT User Enrollment) and extend their contracts: a COR.
        EnrollContractors = "enroll_contractors",
        /// Mail a SAAR's waiting approvers its approval request again (a fresh link for an
        /// external approver): the help desk, when an approver says the mail never came.
        ResendApprovalMail = "resend_approval_mail",
        /// Search and export the audit trail and check its hash chain.
        ReadAuditTrail = "read_audit_trail",
        /// Read My Reports (internal users only, whatever roles an external user holds).
        ReadReports = "read_reports",
    }
}

/// Which administrative role grants which permissions: the whole policy.
pub const GRANTS: &[(AdminRole, &[Permission])] = &[
    (
        AdminRole::Administrator,
        &[
            Permission::ManageCatalog,
            Permission::ReadApprovalGroups,
            Permission::ListUsers,
            Permission::ManageOrganizations,
            Permission::ReadAnySaar,
            Permission::DecideReassigned,
            Permission::ManageAmpsRoles,
            Permission::SetApprovers,
            Permission::ManageRevalidation,
            Permission::ChangeAccountStatus,
            Permission::ManageAccounts,
            Permission::CreateAccounts,
            Permission::ResendApprovalMail,
            Permission::ReadAuditTrail,
        ],
    ),
    (
        AdminRole::RoleCatalogOwner,
        &[
            Permission::ManageCatalog,
            Permission::ReadApprovalGroups,
            // They staff approval groups, so they pick people.
            Permission::ListUsers,
        ],
    ),
    (
        AdminRole::HelpDesk,
        &[
            Permission::ReadApprovalGroups,
            Permission::ListUsers,
            Permission::ReadAnySaar,
            Permission::SetApprovers,
            Permission::ChangeAccountStatus,
            Permission::CreateAccounts,
            Permission::ResendApprovalMail,
        ],
    ),
    (AdminRole::Provisioner, &[Permission::ProvisionUngrouped]),
    (AdminRole::Reports, &[Permission::ReadReports]),
    (AdminRole::NewItUserRequestor, &[Permission::EnrollContractors]),
    (AdminRole::SecurityOfficer, &[Permission::ActAsSecurityOfficer]),
    (AdminRole::Auditor, &[Permission::ReadAuditTrail]),
];

/// Whether holding `roles` grants `p`.
pub fn allows(roles: &[AdminRole], p: Permission) -> bool {
    GRANTS
        .iter()
        .any(|(role, perms)| roles.contains(role) && perms.contains(&p))
}

impl Permission {
    /// Why a caller without this permission is refused, in their words.
    pub fn refusal(self) -> &'static str {
        match self {
            Self::ManageCatalog => "Only administrators and role-catalog owners manage the catalog.",
            Self::ReadApprovalGroups => {
                "Only administrators, role-catalog owners and the help desk see approval groups."
            }
            Self::ListUsers => "Only administrators, the help desk and role-catalog owners list users.",
            Self::ManageOrganizations => "Only administrators add organizations.",
            Self::ReadAnySaar => "You may not see this request.",
            Self::ProvisionUngrouped => "Only provisioners see provisioning tasks.",
            Self::DecideReassigned => "This approval is not assigned to you or your groups.",
            Self::ManageAmpsRoles => "Only administrators change AMPS's own administrative roles.",
            Self::ActAsSecurityOfficer => "does not hold the Security Officer role",
            Self::SetApprovers => {
                "Only the user's supervisor, the help desk and administrators set a user's approvers."
            }
            Self::ManageRevalidation => "Only administrators run revalidation campaigns.",
            Self::ChangeAccountStatus => {
                "Only administrators and the help desk change the status of accounts."
            }
            Self::ManageAccounts => "Only administrators change accounts' organizations.",
            Self::CreateAccounts => "Only administrators and the help desk create accounts.",
            Self::ResendApprovalMail => "Only administrators and the help desk send approval mail again.",
            Self::EnrollContractors => {
                "Only a COR holding the New IT User Requestor role enrolls contractors."
            }
            Self::ReadAuditTrail => "Only administrators and auditors read the audit trail.",
            Self::ReadReports => "Only internal users holding the Reports role read My Reports.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_in_the_table_once() {
        for r in AdminRole::ALL {
            assert_eq!(GRANTS.iter().filter(|(g, _)| g == r).count(), 1, "{r}");
        }
    }

    #[test]
    fn no_role_grants_nothing_by_accident_and_nobody_without_roles_is_allowed() {
        for p in Permission::ALL {
            assert!(!allows(&[], *p), "{p}");
            assert!(
                AdminRole::ALL.iter().any(|r| allows(&[*r], *p)),
                "no role grants {p}"
            );
        }
    }

    #[test]
    fn the_policy_reads_as_the_seeds_say() {
        use AdminRole::*;
        use Permission::*;
        assert!(allows(&[Administrator], ManageOrganizations));
        assert!(!allows(&[RoleCatalogOwner], ManageOrganizations));
        assert!(!allows(&[HelpDesk], ManageCatalog));
        assert!(allows(&[HelpDesk], ReadAnySaar));
        assert!(!allows(&[Provisioner], ReadAnySaar));
        assert!(!allows(&[Reports, NewItUserRequestor], ListUsers));
        assert!(allows(&[Provisioner], ProvisionUngrouped));
        assert!(allows(&[Auditor], ReadAuditTrail));
        assert!(allows(&[Administrator], ReadAuditTrail));
        assert!(!allows(&[HelpDesk, Reports, SecurityOfficer], ReadAuditTrail));
        assert!(!allows(&[Auditor], ReadAnySaar));
        assert!(allows(&[Reports], ReadReports));
        assert!(!allows(&[Administrator, HelpDesk, Auditor], ReadReports));
    }
}
