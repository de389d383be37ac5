//! Brute-force protection: how long sign-in stays blocked after a run of failures. The same
//! schedule applies to a User ID (whether or not it exists, so the answer reveals nothing)
//! and, with a higher allowance, to a client address.

use chrono::{DateTime, Duration, Utc};

/// A throttling schedule.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: i32,
    /// The first delay; each further failure doubles it.
    pub base_delay: Duration,
    /// Failures after which the key is locked for `lock_for`.
    pub lock_after: i32,
    /// The temporary lock.
    pub lock_for: Duration,
    /// A run of failures is forgotten after this long without one.
    pub forget_after: Duration,
}

impl ThrottlePolicy {
    /// Per User ID: 4 free failures, then 15 s, 30 s, 1 min, 2 min, 4 min, then a 15-minute lock.
    pub const ACCOUNT: Self = Self {
        free_failures: 4,
        base_delay: Duration::seconds(15),
        lock_after: 10,
        lock_for: Duration::minutes(15),
        forget_after: Duration::hours(1),
    };

    /// Per client address (several people may share one): four times the allowance.
    pub const ADDRESS: Self = Self {
        free_failures: 16,
        base_delay: Duration::seconds(15),
        lock_after: 40,
        lock_for: Duration::minutes(15),
        forget_after: Duration::hours(1),
    };

    /// Mail asked for about one account or address by someone not signed in (a reset link, a
    /// User ID reminder, a profile status, a verification link): three at once, then a minute
    /// doubling, then an hour's lock after eight, so a stranger cannot send anyone more than a
    /// handful an hour, never hundreds. Every request counts, answered or not.
    pub const MAIL: Self = Self {
        free_failures: 3,
        base_delay: Duration::minutes(1),
        lock_after: 8,
        lock_for: Duration::hours(1),
        forget_after: Duration::hours(1),
    };

    /// Requests from one client address to the operations anyone may call without signing in
    /// (register, verify an email, forgot password or User ID, profile status, reset password,
    /// accept an invitation), answered or not: 30 an hour free (a busy office behind one
    /// address), then 10 s doubling, then an hour's lock after 60, so nobody lists accounts or
    /// floods the mail queue from one address.
    pub const PUBLIC: Self = Self {
        free_failures: 30,
        base_delay: Duration::seconds(10),
        lock_after: 60,
        lock_for: Duration::hours(1),
        forget_after: Duration::hours(1),
    };

    /// The failure count after one more failure at `now`, given the previous count and time.
    pub fn next_failures(&self, previous: i32, last_failure: DateTime<Utc>, now: DateTime<Utc>) -> i32 {
        if now - last_failure > self.forget_after {
            1
        } else {
            previous.saturating_add(1)
        }
    }

    /// Until when sign-in is blocked after `failures` consecutive failures, the last at `at`.
    pub fn blocked_until(&self, failures: i32, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if failures >= self.lock_after {
            return Some(at + self.lock_for);
        }
        if failures <= self.free_failures {
            return None;
        }
        let doublings = (failures - self.free_failures - 1).clamp(0, 16) as u32;
        let delay = self.base_delay * 2_i32.pow(doublings);
        Some(at + delay.min(self.lock_for))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("valid time")
    }

    #[test]
    fn mail_about_one_account_is_a_handful_an_hour() {
        let p = ThrottlePolicy::MAIL;
        assert_eq!(p.blocked_until(3, t0()), None);
        assert_eq!(p.blocked_until(4, t0()), Some(t0() + Duration::minutes(1)));
        assert_eq!(p.blocked_until(5, t0()), Some(t0() + Duration::minutes(2)));
        assert_eq!(p.blocked_until(8, t0()), Some(t0() + Duration::hours(1)));
    }

    #[test]
    fn delays_grow_then_lock() {
        let p = ThrottlePolicy::ACCOUNT;
        assert_eq!(p.blocked_until(4, t0()), None);
        assert_eq!(p.blocked_until(5, t0()), Some(t0() + Duration::seconds(15)));
        assert_eq!(p.blocked_until(6, t0()), Some(t0() + Duration::seconds(30)));
        assert_eq!(p.blocked_until(8, t0()), Some(t0() + Duration::minutes(2)));
        assert_eq!(p.blocked_until(10, t0()), Some(t0() + Duration::minutes(15)));
        assert_eq!(p.blocked_until(25, t0()), Some(t0() + Duration::minutes(15)));
    }

    #[test]
    fn a_quiet_hour_forgets_the_run() {
        let p = ThrottlePolicy::ACCOUNT;
        assert_eq!(p.next_failures(7, t0(), t0() + Duration::minutes(5)), 8);
        assert_eq!(p.next_failures(7, t0(), t0() + Duration::hours(2)), 1);
    }

    #[test]
    fn addresses_get_a_larger_allowance() {
        let p = ThrottlePolicy::ADDRESS;
        assert_eq!(p.blocked_until(10, t0()), None);
        assert!(p.blocked_until(17, t0()).is_some());
    }
}
