//! What the journeys against the real binary share: where the binary is, a server process
//! that is stopped when dropped, the demo password and signing in.

use amps_openapi::{Client, LoginRequest};
use std::path::PathBuf;
use std::process::Child;

/// The password of every demo account (`amps seed --demo`).
pub const DEMO_PASSWORD: &str = "Demo password for AMPS 2026";

/// The `amps` binary under test (`AMPS_BIN`, else the debug build).
pub fn binary() -> PathBuf {
    let path = std::env::var_os("AMPS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/amps"));
    assert!(
        path.is_file(),
        "build the server first (cargo build -p amps); looked for {}",
        path.display()
    );
    path
}

/// A running `amps` process, killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A client signed in as `login`.
pub async fn signed_in(base: &url::Url, login: &str, password: &str) -> Client {
    let mut c = Client::new(base.clone());
    c.login(&LoginRequest {
        user_id: login.into(),
        password: password.into(),
    })
    .await
    .expect(login);
    c
}
