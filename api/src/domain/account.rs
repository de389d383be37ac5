//! Accounts: status, user type, IT level, and what each status allows.

use super::named;

named! {
    /// The life-cycle status of an account.
    pub enum AccountStatus ("account status") {
        /// Registered, email not yet verified: cannot sign in.
        PendingVerification = "pending_verification",
        Active = "active",
        /// Disabled by the help desk or for inactivity: cannot sign in.
        Disabled = "disabled",
        /// Locked by an administrator: cannot sign in.
        Locked = "locked",
        /// Suspended by an administrator (an investigation, a security incident): cannot sign
        /// in until an administrator restores it.
        Suspended = "suspended",
        /// Terminated by an administrator (the person left): cannot sign in.
        Terminated = "terminated",
        /// Deleted: the record is kept, but the owner must register again.
        Deleted = "deleted",
    }
}

impl AccountStatus {
    /// Whether an account in this status may sign in and use its tokens.
    pub fn can_sign_in(self) -> bool {
        self == Self::Active
    }

    /// Why sign-in is refused, in words for the user that say whom to call (`help`, the help
    /// desk contact) and, when one was recorded, why (`reason`); `None` when it is allowed.
    pub fn sign_in_refusal(self, help: &str, reason: Option<&str>) -> Option<String> {
        let why = reason.map(|r| format!(" Reason given: {r}")).unwrap_or_default();
        Some(match self {
            Self::Active => return None,
            Self::PendingVerification => {
                "Verify your email address (or accept your invitation) first: use the link we sent you."
                    .into()
            }
            Self::Disabled => format!("This account is disabled.{why} Contact {help} to enable it."),
            Self::Locked => format!("This account is locked.{why} Contact {help}."),
            Self::Suspended => format!("This account is suspended.{why} Contact {help}."),
            Self::Terminated => {
                format!("This account is terminated.{why} If you need access again, contact {help}.")
            }
            // A deleted account is answered like an unknown one.
            Self::Deleted => "User ID or password is incorrect.".into(),
        })
    }

    /// Whether people of `by` may move an account from this status to `to` (always with a
    /// reason): the help desk disables and enables accounts (the seed's help desk), an
    /// administrator sets any status but deleted (Delete User) and pending verification;
    /// nobody sets the status it has.
    pub fn may_change(self, to: Self, by: StatusChanger) -> Result<(), &'static str> {
        if self == to {
            return Err("the account has that status already");
        }
        if matches!(self, Self::Deleted) {
            return Err("a deleted account keeps its status (the person registers again)");
        }
        if matches!(to, Self::Deleted | Self::PendingVerification) {
            return Err("only Delete User deletes an account, and only registration asks to verify an email");
        }
        match by {
            StatusChanger::Administrator => Ok(()),
            StatusChanger::HelpDesk => match (self, to) {
                (Self::Active, Self::Disabled) => Ok(()),
                (Self::Disabled, Self::Active) => Ok(()),
                _ => Err(
                    "the help desk disables accounts and enables disabled ones; an administrator sets the others",
                ),
            },
        }
    }
}

/// Who changes an account's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChanger {
    Administrator,
    HelpDesk,
}

/// Normalises a User ID for lookup and uniqueness (User IDs are case-insensitive).
pub fn normalize_login(login: &str) -> String {
    login.trim().to_ascii_lowercase()
}

/// Normalises an email address for lookup and uniqueness.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_accounts_sign_in() {
        for s in AccountStatus::ALL
            .iter()
            .copied()
            .filter(|s| *s != AccountStatus::Active)
        {
            assert!(!s.can_sign_in(), "{s}");
            assert!(s.sign_in_refusal("the help desk", None).is_some());
        }
        assert!(AccountStatus::Active.can_sign_in());
        assert_eq!(AccountStatus::Active.sign_in_refusal("x", None), None);
        let why = AccountStatus::Suspended
            .sign_in_refusal(
                "the Enterprise Help Desk (1-855-352-0001)",
                Some("Security review."),
            )
            .unwrap_or_default();
        assert!(
            why.contains("Security review.") && why.contains("1-855-352-0001"),
            "{why}"
        );
        // A stranger learns nothing from a deleted account.
        assert_eq!(
            AccountStatus::Deleted
                .sign_in_refusal("x", Some("secret"))
                .as_deref(),
            Some("User ID or password is incorrect.")
        );
    }

    #[test]
    fn the_help_desk_disables_and_enables_and_administrators_set_the_rest() {
        use AccountStatus::*;
        use StatusChanger::*;
        assert!(Active.may_change(Disabled, HelpDesk).is_ok());
        assert!(Disabled.may_change(Active, HelpDesk).is_ok());
        // An administrator's lock is theirs to lift.
        assert!(Locked.may_change(Active, HelpDesk).is_err());
        for to in [Locked, Suspended, Terminated] {
            assert!(Active.may_change(to, HelpDesk).is_err(), "{to}");
            assert!(Active.may_change(to, Administrator).is_ok(), "{to}");
        }
        assert!(Suspended.may_change(Active, HelpDesk).is_err());
        assert!(Suspended.may_change(Active, Administrator).is_ok());
        assert!(Active.may_change(Active, Administrator).is_err());
        assert!(Active.may_change(Deleted, Administrator).is_err());
        assert!(Deleted.may_change(Active, Administrator).is_err());
        assert!(Active.may_change(PendingVerification, Administrator).is_err());
    }

    #[test]
    fn status_round_trips_through_its_name() {
        for s in AccountStatus::ALL.iter().copied() {
            assert_eq!(s.as_str().parse::<AccountStatus>(), Ok(s));
        }
        assert!("nope".parse::<AccountStatus>().is_err());
    }

    #[test]
    fn logins_and_emails_compare_case_insensitively() {
        assert_eq!(normalize_login(" JDoe "), "jdoe");
        assert_eq!(normalize_email("Jane.Doe@DLA.MIL"), "jane.doe@dla.mil");
    }
}
