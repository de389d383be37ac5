//! Deadlines and reminders of approval tasks: due a number of days after opening, a reminder
//! every few days while open. Days are calendar days, or business days (Monday to Friday,
//! skipping listed holidays).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use std::collections::HashSet;

/// The schedule settings.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub due_days: i64,
    pub reminder_days: i64,
    pub business_days: bool,
    pub holidays: HashSet<NaiveDate>,
    /// How many calendar days before a role expires its holder may renew it (and is told so).
    pub renewal_days: i64,
    /// After how many days without a sign-in an external account holding no role is
    /// disabled (its person is warned a week before).
    pub inactivity_days: i64,
    /// After how many days a registration whose email was never verified, or a change of
    /// email never confirmed, ends and frees the address.
    pub unverified_days: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            due_days: 20,
            reminder_days: 2,
            business_days: false,
            holidays: HashSet::new(),
            renewal_days: 30,
            inactivity_days: 90,
            unverified_days: 7,
        }
    }
}

impl Schedule {
    fn is_working(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// `from` plus `days` days of this schedule's kind.
    pub fn add_days(&self, from: DateTime<Utc>, days: i64) -> DateTime<Utc> {
        if !self.business_days {
            return from + Duration::days(days);
        }
        let mut t = from;
        let mut left = days;
        while left > 0 {
            t += Duration::days(1);
            if self.is_working(t.date_naive()) {
                left -= 1;
            }
        }
        t
    }

    /// When a task opened at `opened` is due.
    pub fn due(&self, opened: DateTime<Utc>) -> DateTime<Utc> {
        self.add_days(opened, self.due_days)
    }

    /// The first reminder after `from`.
    pub fn next_reminder(&self, from: DateTime<Utc>) -> DateTime<Utc> {
        self.add_days(from, self.reminder_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().expect("time")
    }

    #[test]
    fn calendar_days_by_default() {
        let s = Schedule::default();
        assert_eq!(s.due(at(2026, 11, 24)), at(2026, 12, 14));
        assert_eq!(s.next_reminder(at(2026, 11, 24)), at(2026, 11, 26));
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let s = Schedule {
            due_days: 3,
            reminder_days: 1,
            business_days: true,
            holidays: [NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")].into(),
            ..Schedule::default()
        };
        // Tue 24 Nov + 3 business days, skipping Thanksgiving (Thu 26) → Mon 30 Nov.
        assert_eq!(s.due(at(2026, 11, 24)), at(2026, 11, 30));
        // Fri 27 Nov + 1 business day → Mon 30 Nov.
        assert_eq!(s.next_reminder(at(2026, 11, 27)), at(2026, 11, 30));
    }
}
