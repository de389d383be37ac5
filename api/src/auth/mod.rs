//! Credentials: password hashing, access tokens (EdDSA JWT), opaque single-use tokens.

pub mod jwt;
pub mod password;
pub mod tokens;
