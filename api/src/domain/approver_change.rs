//! Changing who approves a user's requests. Whoever picks their own approvers controls their
//! access, so a user who names a new supervisor or External Authorizing Official gets them only
//! when that person accepts; the same change made by the user's current supervisor, the help
//! desk or an administrator takes effect at once.

use super::named;

named! {
    /// Which approver of a user changes.
    pub enum ApproverKind ("approver kind") {
        Supervisor = "supervisor",
        /// External Authorizing Official (external users).
        Eao = "eao",
    }
}

named! {
    /// Where a requested approver change stands.
    pub enum ApproverChangeStatus ("approver change status") {
        /// Waiting for the new approver to accept.
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
        /// The user asked for someone else meanwhile, or someone allowed to changed it.
        Replaced = "replaced",
    }
}

/// Who is making a change to a user's approvers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    /// The user themselves: the new approver must accept.
    TheUser,
    /// Their current supervisor, the help desk or an administrator: at once.
    Authority,
    /// Anyone else: refused.
    Stranger,
}

/// Who `actor` is to the user whose approvers change: the user (nobody picks their own
/// approver, administrators included), someone whose word sets it (their current supervisor,
/// or a holder of the help desk or administrator capability), or a stranger.
pub fn changed_by(is_user: bool, is_current_supervisor: bool, manages_accounts: bool) -> ChangedBy {
    if is_user {
        ChangedBy::TheUser
    } else if is_current_supervisor || manages_accounts {
        ChangedBy::Authority
    } else {
        ChangedBy::Stranger
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_user_needs_acceptance_and_strangers_are_refused() {
        assert_eq!(changed_by(true, false, false), ChangedBy::TheUser);
        assert_eq!(changed_by(false, true, false), ChangedBy::Authority);
        assert_eq!(changed_by(false, false, true), ChangedBy::Authority);
        assert_eq!(changed_by(false, false, false), ChangedBy::Stranger);
        // An administrator changing their own supervisor is the user like anyone else.
        assert_eq!(changed_by(true, false, true), ChangedBy::TheUser);
    }
}
