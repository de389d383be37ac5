//! One file per screen.

pub mod approval_link;
pub mod approvals;
pub mod approver_change;
pub mod audit;
pub mod catalog;
mod catalog_groups;
mod catalog_orgs;
pub mod enrollment;
pub mod forgot;
pub mod help;
pub mod home;
pub mod mailbox;
pub mod me;
pub mod not_found;
pub mod provisioning;
pub mod register;
pub mod reports;
pub mod request;
pub mod revalidation;
pub mod sign_in;
pub mod users;
pub mod verify_email;
