//! Dates as the screens show them (`2026-11-25`, `2026-11-25 14:05`), in UTC. Written out
//! rather than with chrono's `format`, whose strftime machinery would ship in the download.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `2026-11-25`.
pub fn date(d: &DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `2026-11-25 14:05`.
pub fn date_time(d: &DateTime<Utc>) -> String {
    format!("{} {:02}:{:02}", date(d), d.hour(), d.minute())
}
