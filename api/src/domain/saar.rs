//! The SAAR state machine. Every move returns a [`Transition`] (or `InvalidTransition`), and
//! the only writer of a SAAR's state (`store::saars::apply`) takes that value: a state the
//! machine did not produce cannot be written.

use super::named;

named! {
    /// The status of a SAAR.
    pub enum SaarStatus ("SAAR status") {
        /// Waiting on an approval level.
        Pending = "pending",
        /// Every level approved; a provisioning task is open.
        Provisioning = "provisioning",
        /// Provisioned: the role assignment is active (or, for a removal, ended).
        Completed = "completed",
        Rejected = "rejected",
        /// Sent back to the requester for more information.
        Returned = "returned",
        Cancelled = "cancelled",
        /// A level was not acted on before its deadline.
        Expired = "expired",
    }
}

named! {
    /// What a SAAR asks for (the DD 2875's type of request).
    pub enum RequestType ("request type") {
        /// A role the user does not hold yet.
        Initial = "initial",
        /// The removal of a role the user holds: only the supervisor (or EAO) approves.
        Deactivate = "deactivate",
        /// More time for a role that is about to expire: only the supervisor (or EAO)
        /// approves, and approval moves the end date (nothing to provision).
        Renewal = "renewal",
    }
}

impl RequestType {
    /// Whether approval opens a provisioning task (a renewal changes only the end date).
    pub fn provisions(self) -> bool {
        self != Self::Renewal
    }

    /// Whether the supervisor (or EAO) alone approves it, whatever the role's chain.
    pub fn supervisor_only(self) -> bool {
        matches!(self, Self::Deactivate | Self::Renewal)
    }
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} request cannot be {action}")]
pub struct InvalidTransition {
    pub from: SaarStatus,
    pub action: &'static str,
}

/// A move of a SAAR from one state to the next, with the approval level it then waits on.
/// Only this module makes one, so whoever writes it writes what the rules decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    from: Option<SaarStatus>,
    to: SaarStatus,
    level: Option<i32>,
}

impl Transition {
    /// The state moved from; `None` for a new SAAR.
    pub fn from(self) -> Option<SaarStatus> {
        self.from
    }

    /// The state moved to.
    pub fn to(self) -> SaarStatus {
        self.to
    }

    /// The approval level (1-based) the SAAR waits on after the move, if any.
    pub fn level(self) -> Option<i32> {
        self.level
    }

    /// Whether the move ends the SAAR (it then records when it closed).
    pub fn closes(self) -> bool {
        self.to.is_closed()
    }
}

/// The first state of a new SAAR whose chain has `chain_len` levels. `endorsed`: the
/// requester is the subject's supervisor and the first level is theirs, so asking counts as
/// that level's approval and the chain goes on from the next one (or to provisioning).
/// `None` for an empty chain: nobody approved, so nothing may start (fail closed).
pub fn start(chain_len: usize, endorsed: bool) -> Option<Transition> {
    let first = if endorsed { 2 } else { 1 };
    if chain_len == 0 {
        None
    } else if first as usize > chain_len {
        Some(Transition {
            from: None,
            to: SaarStatus::Provisioning,
            level: None,
        })
    } else {
        Some(Transition {
            from: None,
            to: SaarStatus::Pending,
            level: Some(first),
        })
    }
}

/// The first state of a SAAR that needs no approval: the system records a role's expiry, and
/// the removal goes straight to deprovisioning.
pub fn start_deprovisioning() -> Transition {
    Transition {
        from: None,
        to: SaarStatus::Provisioning,
        level: None,
    }
}

impl SaarStatus {
    /// Whether the SAAR still counts as "pending" for duplicate checks.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Provisioning | Self::Returned)
    }

    /// Whether the SAAR is over: nothing moves it any more.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Rejected | Self::Cancelled | Self::Expired
        )
    }

    fn only_from(
        self,
        allowed: &[SaarStatus],
        action: &'static str,
        to: SaarStatus,
        level: Option<i32>,
    ) -> Result<Transition, InvalidTransition> {
        if allowed.contains(&self) {
            Ok(Transition {
                from: Some(self),
                to,
                level,
            })
        } else {
            Err(InvalidTransition { from: self, action })
        }
    }

    /// Level `level` of a chain of `chain_len` levels approves: the next level acts, or, after
    /// the last, the role is provisioned.
    pub fn approve(self, level: i32, chain_len: usize) -> Result<Transition, InvalidTransition> {
        self.approve_of(RequestType::Initial, level, chain_len)
    }

    /// As [`SaarStatus::approve`] for a request of `kind`: after the last level a request
    /// that provisions nothing (a renewal) is completed at once.
    pub fn approve_of(
        self,
        kind: RequestType,
        level: i32,
        chain_len: usize,
    ) -> Result<Transition, InvalidTransition> {
        let last = level.max(0) as usize >= chain_len;
        let (to, next) = if last && !kind.provisions() {
            (Self::Completed, None)
        } else if last {
            (Self::Provisioning, None)
        } else {
            (Self::Pending, Some(level + 1))
        };
        self.only_from(&[Self::Pending], "approved", to, next)
    }

    /// A level rejects.
    pub fn reject(self) -> Result<Transition, InvalidTransition> {
        self.only_from(&[Self::Pending], "rejected", Self::Rejected, None)
    }

    /// Level `level` returns the request for more information; it acts again on resubmission.
    pub fn send_back(self, level: Option<i32>) -> Result<Transition, InvalidTransition> {
        self.only_from(&[Self::Pending], "returned", Self::Returned, level)
    }

    /// The requester resubmits a returned request; `level`, the one that returned it (the
    /// first when unknown), acts again.
    pub fn resubmit(self, level: Option<i32>) -> Result<Transition, InvalidTransition> {
        self.only_from(
            &[Self::Returned],
            "resubmitted",
            Self::Pending,
            Some(level.unwrap_or(1)),
        )
    }

    /// The requester cancels.
    pub fn cancel(self) -> Result<Transition, InvalidTransition> {
        self.only_from(
            &[Self::Pending, Self::Returned],
            "cancelled",
            Self::Cancelled,
            None,
        )
    }

    /// A deadline passes.
    pub fn expire(self) -> Result<Transition, InvalidTransition> {
        self.only_from(&[Self::Pending, Self::Returned], "expired", Self::Expired, None)
    }

    /// The provisioning task is done.
    pub fn complete(self) -> Result<Transition, InvalidTransition> {
        self.only_from(&[Self::Provisioning], "completed", Self::Completed, None)
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

    fn to(t: Result<Transition, InvalidTransition>) -> Option<(SaarStatus, Option<i32>)> {
        t.ok().map(|t| (t.to(), t.level()))
    }

    #[test]
    fn approval_walks_levels_then_provisions_then_completes() {
        assert_eq!(to(Pending.approve(1, 3)), Some((Pending, Some(2))));
        assert_eq!(to(Pending.approve(2, 3)), Some((Pending, Some(3))));
        assert_eq!(to(Pending.approve(3, 3)), Some((Provisioning, None)));
        assert_eq!(to(Provisioning.complete()), Some((Completed, None)));
        let t = Pending.approve(1, 2).expect("allowed");
        assert_eq!(t.from(), Some(Pending));
        assert!(!t.closes());
        assert!(Provisioning.complete().expect("allowed").closes());
    }

    #[test]
    fn an_approved_renewal_is_complete_without_provisioning() {
        let renew = |level, len| to(Pending.approve_of(RequestType::Renewal, level, len));
        assert_eq!(renew(1, 1), Some((Completed, None)));
        assert!(
            Pending
                .approve_of(RequestType::Renewal, 1, 1)
                .expect("allowed")
                .closes()
        );
        assert_eq!(renew(1, 2), Some((Pending, Some(2))));
        assert_eq!(
            to(Pending.approve_of(RequestType::Deactivate, 1, 1)),
            Some((Provisioning, None))
        );
        assert!(Completed.approve_of(RequestType::Renewal, 1, 1).is_err());
        assert!(RequestType::Renewal.supervisor_only() && RequestType::Deactivate.supervisor_only());
        assert!(!RequestType::Initial.supervisor_only());
    }

    #[test]
    fn a_new_saar_starts_at_its_first_level_or_after_the_endorsing_supervisor() {
        let first = |n, e| start(n, e).map(|t| (t.from(), t.to(), t.level()));
        assert_eq!(first(3, false), Some((None, Pending, Some(1))));
        assert_eq!(first(3, true), Some((None, Pending, Some(2))));
        // A supervisor asking for a removal (a chain of one: their own level) provisions at once.
        assert_eq!(first(1, true), Some((None, Provisioning, None)));
        assert_eq!(first(1, false), Some((None, Pending, Some(1))));
        // Without a chain nobody approved: nothing starts, endorsed or not.
        assert_eq!(first(0, false), None);
        assert_eq!(first(0, true), None);
    }

    #[test]
    fn decided_requests_cannot_be_decided_again() {
        for s in [Provisioning, Completed, Rejected, Cancelled, Expired, Returned] {
            assert!(s.approve(1, 1).is_err(), "{s}");
            assert!(s.reject().is_err(), "{s}");
            assert!(s.send_back(Some(1)).is_err(), "{s}");
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
        assert_eq!(to(Pending.send_back(Some(2))), Some((Returned, Some(2))));
        assert_eq!(to(Returned.resubmit(Some(2))), Some((Pending, Some(2))));
        assert_eq!(to(Returned.resubmit(None)), Some((Pending, Some(1))));
        assert_eq!(to(Returned.cancel()), Some((Cancelled, None)));
        assert_eq!(to(Returned.expire()), Some((Expired, None)));
        assert!(Pending.resubmit(Some(1)).is_err());
        assert!(Completed.cancel().is_err());
        assert!(Completed.expire().is_err());
    }

    #[test]
    fn closed_states_are_the_ends_of_the_machine() {
        for s in SaarStatus::ALL {
            assert_eq!(s.is_closed(), !s.is_open(), "{s}");
            if s.is_closed() {
                assert!(s.approve(1, 1).is_err() && s.cancel().is_err() && s.complete().is_err());
            }
        }
    }

    #[test]
    fn names_round_trip_and_numbers_are_readable() {
        for s in SaarStatus::ALL {
            assert_eq!(s.as_str().parse::<SaarStatus>(), Ok(*s));
        }
        for t in RequestType::ALL {
            assert_eq!(t.as_str().parse::<RequestType>(), Ok(*t));
        }
        assert!("approved".parse::<SaarStatus>().is_err());
        assert_eq!(number(2026, 123), "SAAR-2026-000123");
    }
}
