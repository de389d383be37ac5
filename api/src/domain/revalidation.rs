//! Revalidation: each person in a campaign's scope (or whose circumstances changed) reviews the
//! roles they hold, keeping some and giving up others with a reason; their supervisor (EAO for
//! external users, the administrators when there is none) approves or rejects the review.
//! Approved: the roles given up are deprovisioned, the kept ones are reviewed. Rejected: every
//! role is deprovisioned (and the account may be disabled). Not finished by the due date: it is
//! overdue, and a week later every role in it is deprovisioned, as none was confirmed. Pure
//! rules: states, what a submission
//! needs, reminders, and the figures that tell a real review from a rubber stamp.

use super::named;
use chrono::{DateTime, Duration, Utc};

named! {
    /// Where a revalidation stands.
    pub enum RevalidationStatus ("revalidation status") {
        /// Waiting on the user to review their roles.
        Open = "open",
        /// Waiting on the reviewer.
        Submitted = "submitted",
        /// The reviewer approved: the roles given up are removed, the rest kept.
        Approved = "approved",
        /// The reviewer rejected: every role is removed.
        Rejected = "rejected",
        /// Not finished a week after the due date: every role is removed.
        Lapsed = "lapsed",
    }
}

impl RevalidationStatus {
    /// Whether it still waits on someone.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::Submitted)
    }
}

named! {
    /// Why a revalidation opened.
    pub enum Trigger ("revalidation trigger") {
        /// An administrator's campaign.
        Campaign = "campaign",
        /// The user's IA training is more than a year old.
        IaTraining = "ia_training",
        /// The user has a new supervisor (or EAO), who reviews what they hold.
        SupervisorChange = "supervisor_change",
        /// The user moved to another organization.
        OrganizationChange = "organization_change",
    }
}

named! {
    /// Who a campaign reviews.
    pub enum Scope ("campaign scope") {
        /// Every active internal (DLA, DFAS) user holding a role.
        Internal = "internal",
        /// Every active user of one organization holding a role.
        Organization = "organization",
        /// Every active user holding a role of one application (only those roles).
        Application = "application",
    }
}

/// A user's decision on one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemDecision<'a> {
    pub keep: Option<bool>,
    pub reason: Option<&'a str>,
}

/// Why a review may not be submitted: the index of the item at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub index: usize,
    pub code: &'static str,
    pub message: &'static str,
}

/// Whether a review whose items stand as `items` may be submitted: every role kept, or given
/// up with a reason.
pub fn check_submission(items: &[ItemDecision<'_>]) -> Result<(), Vec<Unfinished>> {
    let problems: Vec<Unfinished> = items
        .iter()
        .enumerate()
        .filter_map(|(index, d)| match d.keep {
            None => Some(Unfinished {
                index,
                code: "undecided",
                message: "keep or remove this role before submitting",
            }),
            Some(false) if d.reason.is_none_or(|r| r.trim().len() < 5) => Some(Unfinished {
                index,
                code: "reason_required",
                message: "say why the role is no longer needed (at least 5 characters)",
            }),
            _ => None,
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Days after the due date before an unfinished review lapses (its roles removed): the review
/// is overdue meanwhile, and administrators can remind everyone overdue.
pub const GRACE_DAYS: i64 = 7;

/// When a review due at `due` lapses if it is not finished.
pub fn lapses_at(due: DateTime<Utc>) -> DateTime<Utc> {
    due + Duration::days(GRACE_DAYS)
}

/// The reminders of a review: a week before the due date, the day before, and on it (the
/// user, or the reviewer once submitted, is mailed three times before roles are removed).
pub fn next_reminder(now: DateTime<Utc>, due: DateTime<Utc>) -> Option<DateTime<Utc>> {
    [due - Duration::days(7), due - Duration::days(1), due]
        .into_iter()
        .find(|t| *t > now)
}

/// The first reminder of a revalidation opened at `opened`, due at `due`: a week before the
/// due date, or at once when that has passed.
pub fn first_reminder(opened: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    (due - Duration::days(7)).max(opened)
}

/// A reviewer's decision, for the quality figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Review {
    /// Seconds from the reviewer opening the review to deciding it.
    pub seconds: f64,
    /// Roles in the review.
    pub roles: usize,
    /// Whether every role was kept.
    pub kept_all: bool,
}

impl Review {
    /// Kept every role in under three seconds per role: a rubber stamp.
    pub fn is_rubber_stamp(&self) -> bool {
        self.kept_all && self.seconds < 3.0 * self.roles.max(1) as f64
    }
}

/// Median seconds per decision and the share of rubber stamps among `reviews` (none: no
/// decision yet).
pub fn quality(reviews: &[Review]) -> Option<(f64, f64)> {
    if reviews.is_empty() {
        return None;
    }
    let mut secs: Vec<f64> = reviews.iter().map(|r| r.seconds).collect();
    secs.sort_by(f64::total_cmp);
    let n = secs.len();
    let median = if n % 2 == 1 {
        secs[n / 2]
    } else {
        (secs[n / 2 - 1] + secs[n / 2]) / 2.0
    };
    let stamps = reviews.iter().filter(|r| r.is_rubber_stamp()).count();
    Some((median, stamps as f64 / n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_review_is_submitted_only_when_every_role_is_decided() {
        let keep = ItemDecision {
            keep: Some(true),
            reason: None,
        };
        let drop = |r| ItemDecision {
            keep: Some(false),
            reason: r,
        };
        assert_eq!(check_submission(&[keep, drop(Some("left the project"))]), Ok(()));
        let e = check_submission(&[
            keep,
            ItemDecision {
                keep: None,
                reason: None,
            },
            drop(None),
            drop(Some("no")),
        ])
        .expect_err("unfinished");
        let codes: Vec<(usize, &str)> = e.iter().map(|u| (u.index, u.code)).collect();
        assert_eq!(
            codes,
            [(1, "undecided"), (2, "reason_required"), (3, "reason_required")]
        );
    }

    #[test]
    fn reminders_come_a_week_and_a_day_before_the_due_date() {
        let due = Utc
            .with_ymd_and_hms(2026, 12, 31, 0, 0, 0)
            .single()
            .expect("time");
        let opened = due - Duration::days(30);
        assert_eq!(first_reminder(opened, due), due - Duration::days(7));
        assert_eq!(
            first_reminder(due - Duration::days(3), due),
            due - Duration::days(3)
        );
        assert_eq!(
            next_reminder(due - Duration::days(7), due),
            Some(due - Duration::days(1))
        );
        assert_eq!(next_reminder(due - Duration::days(1), due), Some(due));
        assert_eq!(next_reminder(due, due), None);
        assert_eq!(lapses_at(due), due + Duration::days(GRACE_DAYS));
    }

    #[test]
    fn rubber_stamps_keep_everything_in_under_three_seconds_a_role() {
        let r = |seconds, roles, kept_all| Review {
            seconds,
            roles,
            kept_all,
        };
        assert!(r(5.0, 2, true).is_rubber_stamp());
        assert!(!r(6.0, 2, true).is_rubber_stamp());
        assert!(
            !r(1.0, 2, false).is_rubber_stamp(),
            "removing a role is a real decision"
        );
        assert_eq!(quality(&[]), None);
        let q = quality(&[
            r(1.0, 1, true),
            r(100.0, 1, true),
            r(30.0, 3, false),
            r(40.0, 1, true),
        ]);
        assert_eq!(q, Some((35.0, 0.25)));
    }

    #[test]
    fn names_round_trip() {
        for s in RevalidationStatus::ALL {
            assert_eq!(s.as_str().parse::<RevalidationStatus>(), Ok(*s));
        }
        for t in Trigger::ALL {
            assert_eq!(t.as_str().parse::<Trigger>(), Ok(*t));
        }
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(*s));
        }
        assert!(RevalidationStatus::Submitted.is_open() && !RevalidationStatus::Lapsed.is_open());
    }
}
