//! argon2id password hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1). Hashing
//! runs on the blocking pool so it never stalls the async workers, at most one per core at a
//! time (each holds 19 MiB), with a bounded queue: beyond it a request is refused at once
//! ([`Busy`]: 503 with `Retry-After`), so a flood of sign-ins cannot exhaust memory.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Password hashing is at capacity: try again shortly.
#[derive(Debug, thiserror::Error)]
#[error("password hashing is at capacity")]
pub struct Busy;

/// How many hashes run at once (one per core) and how many are admitted at all (running and
/// waiting: four more per core).
struct Pool {
    running: tokio::sync::Semaphore,
    admitted: AtomicUsize,
    limit: usize,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Pool {
        running: tokio::sync::Semaphore::new(cores),
        admitted: AtomicUsize::new(0),
        limit: cores * 5,
    }
});

/// Gives the admission back when the hash is done (or the request went away).
struct Admitted;

impl Drop for Admitted {
    fn drop(&mut self) {
        POOL.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `f` (a hash or a verification) on the bounded pool.
async fn on_pool<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    if POOL.admitted.fetch_add(1, Ordering::AcqRel) >= POOL.limit {
        POOL.admitted.fetch_sub(1, Ordering::AcqRel);
        return Err(Busy.into());
    }
    let _admitted = Admitted;
    let _running = POOL.running.acquire().await?;
    Ok(tokio::task::spawn_blocking(f).await?)
}

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
    on_pool(move || hash_sync(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Verifies a password against a PHC hash; `None` verifies against the dummy hash and
/// returns false.
#[tracing::instrument(skip_all)]
pub async fn verify(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    on_pool(move || match hash {
        Some(h) => verify_sync(&password, &h),
        None => {
            let _ = verify_sync(&password, &DUMMY_HASH);
            false
        }
    })
    .await
}

/// The hash of an account whose person has not chosen a password yet: a random secret, drawn
/// once per process and forgotten, so nobody can sign in with it, and checking a guess
/// against it costs as long as against a real one (no timing tells such accounts apart).
pub async fn unusable() -> anyhow::Result<String> {
    static UNUSABLE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    UNUSABLE
        .get_or_try_init(|| hash(crate::auth::tokens::generate()))
        .await
        .cloned()
}

/// Whether `password` matches any of `hashes` (password history).
pub async fn matches_any(password: String, hashes: Vec<String>) -> anyhow::Result<bool> {
    on_pool(move || hashes.iter().any(|h| verify_sync(&password, h))).await
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
