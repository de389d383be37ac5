//! Accounts: status, user type, IT level, and what each status allows.

use std::fmt;
use std::str::FromStr;

/// The life-cycle status of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Registered, email not yet verified: cannot sign in.
    PendingVerification,
    Active,
    /// Disabled by the help desk or for inactivity: cannot sign in.
    Disabled,
    /// Locked by an administrator: cannot sign in.
    Locked,
    /// Deleted: the record is kept, but the owner must register again.
    Deleted,
}

impl AccountStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingVerification => "pending_verification",
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Locked => "locked",
            Self::Deleted => "deleted",
        }
    }

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

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending_verification" => Self::PendingVerification,
            "active" => Self::Active,
            "disabled" => Self::Disabled,
            "locked" => Self::Locked,
            "deleted" => Self::Deleted,
            other => return Err(format!("unknown account status {other:?}")),
        })
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
