//! Credentials: PIV / CAC certificates, password hashing, access tokens (EdDSA JWT), opaque single-use tokens.

pub mod certificate;
pub mod jwt;
pub mod password;
pub mod tokens;
