//! The SAAR state machine. Every move is a function that returns the next state or
//! `InvalidTransition`, so an illegal move cannot be written.

use std::fmt;
use std::str::FromStr;

/// The status of a SAAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaarStatus {
    /// Waiting on an approval level.
    Pending,
    /// Every level approved; a provisioning task is open.
    Provisioning,
    /// Provisioned: the role assignment is active.
    Completed,
    Rejected,
    /// Sent back to the requester for more information.
    Returned,
    Cancelled,
    /// A level was not acted on before its deadline.
    Expired,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} request cannot be {action}")]
pub struct InvalidTransition {
    pub from: SaarStatus,
    pub action: &'static str,
}

impl SaarStatus {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Provisioning => "provisioning",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
            Self::Returned => "returned",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Whether the SAAR still counts as "pending" for duplicate checks.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Provisioning | Self::Returned)
    }

    fn only_from(
        self,
        allowed: &[SaarStatus],
        action: &'static str,
        to: SaarStatus,
    ) -> Result<Self, InvalidTransition> {
        if allowed.contains(&self) {
            Ok(to)
        } else {
            Err(InvalidTransition { from: self, action })
        }
    }

    /// A level approves; `last` says whether it was the last level.
    pub fn approve(self, last: bool) -> Result<Self, InvalidTransition> {
        self.only_from(
            &[Self::Pending],
            "approved",
            if last { Self::Provisioning } else { Self::Pending },
        )
    }

    /// A level rejects.
    pub fn reject(self) -> Result<Self, InvalidTransition> {
        self.only_from(&[Self::Pending], "rejected", Self::Rejected)
    }

    /// A level returns the request for more information.
    pub fn send_back(self) -> Result<Self, InvalidTransition> {
        self.only_from(&[Self::Pending], "returned", Self::Returned)
    }

    /// The requester resubmits a returned request.
    pub fn resubmit(self) -> Result<Self, InvalidTransition> {
        self.only_from(&[Self::Returned], "resubmitted", Self::Pending)
    }

    /// The requester cancels.
    pub fn cancel(self) -> Result<Self, InvalidTransition> {
        self.only_from(&[Self::Pending, Self::Returned], "cancelled", Self::Cancelled)
    }

    /// A deadline passes.
    pub fn expire(self) -> Result<Self, InvalidTransition> {
        self.only_from(&[Self::Pending, Self::Returned], "expired", Self::Expired)
    }

    /// The provisioner completes the task.
    pub fn complete(self) -> Result<Self, InvalidTransition> {
        self.only_from(&[Self::Provisioning], "completed", Self::Completed)
    }
}

impl fmt::Display for SaarStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SaarStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => Self::Pending,
            "provisioning" => Self::Provisioning,
            "completed" => Self::Completed,
            "rejected" => Self::Rejected,
            "returned" => Self::Returned,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            other => return Err(format!("unknown SAAR status {other:?}")),
        })
    }
}

/// The readable number of a SAAR: `SAAR-2026-000123`.
pub fn number(year: i32, seq: i64) -> String {
    format!("SAAR-{year}-{seq:06}")
}

#[cfg(test)]
mod tests {
    use super::SaarStatus::*;
    use super::*;

    #[test]
    fn approval_walks_levels_then_provisions_then_completes() {
        assert_eq!(Pending.approve(false), Ok(Pending));
        assert_eq!(Pending.approve(true), Ok(Provisioning));
        assert_eq!(Provisioning.complete(), Ok(Completed));
    }

    #[test]
    fn decided_requests_cannot_be_decided_again() {
        for s in [Provisioning, Completed, Rejected, Cancelled, Expired, Returned] {
            assert!(s.approve(true).is_err(), "{s}");
            assert!(s.reject().is_err(), "{s}");
            assert!(s.send_back().is_err(), "{s}");
        }
        assert_eq!(
            Rejected.cancel(),
            Err(InvalidTransition {
                from: Rejected,
                action: "cancelled"
            })
        );
        assert_eq!(
            Rejected.cancel().map_err(|e| e.to_string()),
            Err("a rejected request cannot be cancelled".into())
        );
    }

    #[test]
    fn returned_requests_can_be_resubmitted_or_cancelled() {
        assert_eq!(Pending.send_back(), Ok(Returned));
        assert_eq!(Returned.resubmit(), Ok(Pending));
        assert_eq!(Returned.cancel(), Ok(Cancelled));
        assert!(Pending.resubmit().is_err());
        assert!(Completed.cancel().is_err());
    }

    #[test]
    fn names_round_trip_and_numbers_are_readable() {
        for s in [
            Pending,
            Provisioning,
            Completed,
            Rejected,
            Returned,
            Cancelled,
            Expired,
        ] {
            assert_eq!(s.as_str().parse::<SaarStatus>(), Ok(s));
        }
        assert_eq!(number(2026, 123), "SAAR-2026-000123");
    }
}
