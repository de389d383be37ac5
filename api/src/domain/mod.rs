//! Pure rules of AMPS: no I/O, no actix, no sea-orm. Everything here is unit-tested.

pub mod account;
pub mod password;
pub mod throttle;
