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
        /// Deleted: the record is kept, but the owner must register again.
        Deleted = "deleted",
    }
}

impl AccountStatus {
    /// Whether an account in this status may sign in and use its tokens.
    pub fn can_sign_in(self) -> bool {
        self == Self::Active
    }

    /// Why sign-in is refused, in words for the user; `None` when it is allowed.
    pub fn sign_in_refusal(self) -> Option<&'static str> {
        match self {
            Self::Active => None,
            Self::PendingVerification => Some("Verify your email address first: use the link we sent you."),
            Self::Disabled => Some("This account is disabled. Contact the help desk to enable it."),
            Self::Locked => Some("This account is locked. Contact the help desk."),
            // A deleted account is answered like an unknown one.
            Self::Deleted => Some("User ID or password is incorrect."),
        }
    }
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
        for s in [
            AccountStatus::PendingVerification,
            AccountStatus::Disabled,
            AccountStatus::Locked,
            AccountStatus::Deleted,
        ] {
            assert!(!s.can_sign_in(), "{s}");
            assert!(s.sign_in_refusal().is_some());
        }
        assert!(AccountStatus::Active.can_sign_in());
    }

    #[test]
    fn status_round_trips_through_its_name() {
        for s in [
            AccountStatus::PendingVerification,
            AccountStatus::Active,
            AccountStatus::Disabled,
            AccountStatus::Locked,
            AccountStatus::Deleted,
        ] {
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
