//! Opaque random tokens (email links, refresh tokens, client secrets): 256 random bits,
//! base64url; only their SHA-256 is stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` is the one whose stored form is `stored`, compared in constant time. For
/// 256-bit random secrets (client secrets): a password hash would only add cost, since no one
/// guesses 256 random bits.
pub fn matches(token: &str, stored: &str) -> bool {
    use subtle::ConstantTimeEq;
    digest(token).as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_its_stored_form_only() {
        let t = generate();
        assert!(matches(&t, &digest(&t)));
        assert!(!matches(&generate(), &digest(&t)));
        assert!(!matches(&t, "not a digest"));
    }

    #[test]
    fn tokens_are_unique_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }
}
