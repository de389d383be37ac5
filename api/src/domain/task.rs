//! Approval tasks: one per SAAR level, open until someone decides it or it closes with its
//! SAAR.

use super::named;

named! {
    /// The status of an approval task.
    pub enum TaskStatus ("approval task status") {
        /// Waiting on its approver.
        Open = "open",
        Approved = "approved",
        Rejected = "rejected",
        /// Sent back to the requester for more information.
        Returned = "returned",
        /// Its deadline passed with no decision.
        Expired = "expired",
        /// Its SAAR was cancelled while it was open.
        Cancelled = "cancelled",
    }
}

impl TaskStatus {
    /// Whether the task still waits on a decision.
    pub fn is_open(self) -> bool {
        self == Self::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>(), Ok(*s));
        }
        assert!("done".parse::<TaskStatus>().is_err());
        assert!(TaskStatus::Open.is_open() && !TaskStatus::Approved.is_open());
    }
}
