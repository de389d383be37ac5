//! The time source. Services ask the injected clock, so tests advance time instead of
//! sleeping.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, truncated to microseconds (what both databases keep).
    fn now(&self) -> DateTime<Utc>;

    /// Moves the clock forward by `by` if it is one that may be moved (the development clock
    /// of browser journeys, a test's manual clock); answers the new now, or `None` for the
    /// system clock.
    fn travel(&self, by: Duration) -> Option<DateTime<Utc>> {
        let _ = by;
        None
    }
}

fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        micros(Utc::now())
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(micros(start)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn travel(&self, by: Duration) -> Option<DateTime<Utc>> {
        self.advance(by);
        Some(self.now())
    }
}

/// The system clock plus an offset that only grows: the development clock
/// (`AMPS_DEV_CLOCK`, loopback only) that browser journeys move forward through
/// `POST /api/v1/dev/clock`, so that deadlines, reminders and expiry happen as they would
/// weeks later while the server and its jobs run as `amps serve` runs them.
#[derive(Debug, Default)]
pub struct DevClock {
    offset_micros: std::sync::atomic::AtomicI64,
}

impl Clock for DevClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_micros.load(std::sync::atomic::Ordering::SeqCst);
        micros(Utc::now()) + Duration::microseconds(offset)
    }

    fn travel(&self, by: Duration) -> Option<DateTime<Utc>> {
        let by = by.num_microseconds()?;
        self.offset_micros
            .fetch_add(by, std::sync::atomic::Ordering::SeqCst);
        Some(self.now())
    }
}
