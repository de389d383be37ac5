//! Role assignments (Current Roles): a role a user holds, until it is removed or expires;
//! when a role that expires may be renewed, and until when a renewal extends it.

use super::named;
use chrono::{DateTime, Duration, Utc};

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

/// From when the holder of a role ending at `expires_at` may renew it: `window_days` before.
pub fn renewable_from(expires_at: DateTime<Utc>, window_days: i64) -> DateTime<Utc> {
    expires_at - Duration::days(window_days)
}

/// Why a role may not be renewed now, in the holder's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRenewal {
    /// The role does not expire.
    DoesNotExpire,
    /// Too early: renewal opens on this day.
    NotYet(DateTime<Utc>),
}

impl std::fmt::Display for NoRenewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DoesNotExpire => f.write_str("This role does not expire, so there is nothing to renew."),
            Self::NotYet(from) => write!(
                f,
                "This role can be renewed from {}, shortly before it expires.",
                from.format("%Y-%m-%d")
            ),
        }
    }
}

/// Whether a role in force that ends at `expires_at` may be renewed at `now`.
pub fn may_renew(
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    window_days: i64,
) -> Result<(), NoRenewal> {
    let Some(end) = expires_at else {
        return Err(NoRenewal::DoesNotExpire);
    };
    let from = renewable_from(end, window_days);
    if now < from {
        return Err(NoRenewal::NotYet(from));
    }
    Ok(())
}

/// The new end of a role held since `since` and ending at `expires_at`, renewed at `now`: one
/// more period (the role's `role_days`, or else the length the assignment had) from its end,
/// or from now if that is later; never past `approver_end`, an end date an approver set.
pub fn renewed_until(
    now: DateTime<Utc>,
    since: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    role_days: Option<i32>,
    approver_end: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let period = role_days
        .map(|d| Duration::days(i64::from(d)))
        .unwrap_or(expires_at - since)
        .max(Duration::days(1));
    let until = expires_at.max(now) + period;
    approver_end.map_or(until, |e| until.min(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, 12, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn a_role_is_renewable_within_its_window_only() {
        assert_eq!(may_renew(day(1), None, 30), Err(NoRenewal::DoesNotExpire));
        let end = day(31);
        assert_eq!(may_renew(day(1), Some(end), 10), Err(NoRenewal::NotYet(day(21))));
        assert_eq!(may_renew(day(21), Some(end), 10), Ok(()));
        assert_eq!(may_renew(day(30), Some(end), 10), Ok(()));
        assert!(NoRenewal::NotYet(day(21)).to_string().contains("2026-12-21"));
    }

    #[test]
    fn a_renewal_adds_one_period_from_the_end_capped_by_an_approver() {
        let (since, end) = (day(1), day(11));
        // The role's period.
        assert_eq!(
            renewed_until(day(5), since, end, Some(30), None),
            end + Duration::days(30)
        );
        // Without one, the length the assignment had (10 days).
        assert_eq!(renewed_until(day(5), since, end, None, None), day(21));
        // Renewed late (after its end): from now.
        assert_eq!(renewed_until(day(15), since, end, None, None), day(25));
        // An approver's end date holds.
        assert_eq!(
            renewed_until(day(5), since, end, Some(30), Some(day(20))),
            day(20)
        );
    }

    #[test]
    fn names_round_trip() {
        for s in AssignmentStatus::ALL {
            assert_eq!(s.as_str().parse::<AssignmentStatus>(), Ok(*s));
        }
        assert!("held".parse::<AssignmentStatus>().is_err());
    }
}
