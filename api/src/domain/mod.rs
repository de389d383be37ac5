//! Pure rules of AMPS: no I/O, no actix, no sea-orm. Everything here is unit-tested.

pub mod account;
pub mod chain;
pub mod it_level;
pub mod password;
pub mod saar;
pub mod schedule;
pub mod sod;
pub mod throttle;
