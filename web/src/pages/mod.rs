//! One file per screen.

pub mod forgot;
pub mod home;
pub mod mailbox;
pub mod me;
pub mod not_found;
pub mod register;
pub mod sign_in;
pub mod verify_email;
