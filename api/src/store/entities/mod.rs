//! sea-orm entities, one per table, kept beside the migrations that create them.

pub mod application;
pub mod approval_group;
pub mod approval_group_member;
pub mod approval_task;
pub mod audit_event;
pub mod counter;
pub mod deputy;
pub mod job_lease;
pub mod login_throttle;
pub mod organization;
pub mod outbox;
pub mod password_history;
pub mod provisioning_task;
pub mod refresh_token;
pub mod role;
pub mod role_assignment;
pub mod role_chain_level;
pub mod role_prerequisite;
pub mod role_visibility;
pub mod saar;
pub mod service_client;
pub mod signing_key;
pub mod sod_rule;
pub mod sod_rule_role;
pub mod user;
pub mod user_token;
