//! argon2id password hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1). Hashing
//! runs on the blocking pool so it never stalls the async workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

fn hasher() -> Argon2<'static> {
    #[expect(clippy::expect_used, reason = "constant parameters that argon2 accepts")]
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password: verifying against it costs the same as a real one, so an
/// unknown User ID takes as long to refuse as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_sync("dummy password that never matches anything").unwrap_or_default());

fn hash_sync(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher().hash_password(password.as_bytes(), &salt)?.to_string())
}

fn verify_sync(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Hashes a password (PHC string).
#[tracing::instrument(skip_all)]
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_sync(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Verifies a password against a PHC hash; `None` verifies against the dummy hash and
/// returns false.
#[tracing::instrument(skip_all)]
pub async fn verify(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    Ok(tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_sync(&password, &h),
        None => {
            let _ = verify_sync(&password, &DUMMY_HASH);
            false
        }
    })
    .await?)
}

/// Whether `password` matches any of `hashes` (password history).
pub async fn matches_any(password: String, hashes: Vec<String>) -> anyhow::Result<bool> {
    Ok(tokio::task::spawn_blocking(move || hashes.iter().any(|h| verify_sync(&password, h))).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = hash("a correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("a correct horse battery".into(), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !verify("a wrong horse battery".into(), Some(h))
                .await
                .expect("verify")
        );
        assert!(!verify("anything".into(), None).await.expect("verify"));
    }
}
