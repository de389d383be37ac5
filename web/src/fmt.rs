//! Dates as the screens show them (`2026-11-25`, `2026-11-25 14:05`), in UTC. Written out
//! rather than with chrono's `format`, whose strftime machinery would ship in the download.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// `2026-11-25`.
pub fn date(d: &DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `2026-11-25 14:05`.
pub fn date_time(d: &DateTime<Utc>) -> String {
    format!("{} {:02}:{:02}", date(d), d.hour(), d.minute())
}

/// The start (UTC) of day `s` as a date input gives it (`YYYY-MM-DD`); `None` when empty or
/// not a date.
pub fn day_start(s: &str) -> Option<DateTime<Utc>> {
    let mut parts = s.trim().splitn(3, '-').map(str::parse::<u32>);
    let (y, m, d) = (parts.next()?.ok()?, parts.next()?.ok()?, parts.next()?.ok()?);
    Some(
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?
            .and_hms_opt(0, 0, 0)?
            .and_utc(),
    )
}
