//! Role assignments (Current Roles): a role a user holds, until it is removed or expires.

use super::named;

named! {
    /// The status of a role assignment.
    pub enum AssignmentStatus ("role assignment status") {
        /// The user holds the role.
        Active = "active",
        /// Removed through a deprovisioning task.
        Removed = "removed",
        /// Its expiration date passed.
        Expired = "expired",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in AssignmentStatus::ALL {
            assert_eq!(s.as_str().parse::<AssignmentStatus>(), Ok(*s));
        }
        assert!("held".parse::<AssignmentStatus>().is_err());
    }
}
