//! `amps keys` against the real binary on both databases: `amps keys generate` makes the key
//! `AMPS_SIGNING_KEY_FILE` names; `amps serve` signs with it (the database holds no private
//! key); `amps keys rotate`, run beside the running server, writes a new key to the file and
//! the server signs with it within seconds while the old tokens stay accepted; `amps keys
//! list` tells which key signs and until when the old one is accepted; `amps keys rotate
//! --at-once` (a leaked key) makes every earlier token refused. A key file that is not a key
//! stops start-up naming the variable.

#[allow(dead_code, reason = "not every shared helper is used by these journeys")]
mod common;

use common::{DEMO_PASSWORD, PgDatabase, binary, free_port, seed_demo, serve, signed_in};
use std::process::Command;
use std::time::Duration;

/// Runs `amps args` with `env`: whether it passed, and what it printed (stdout, stderr).
fn amps(env: &[(&str, String)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("AMPS_SMTP_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run amps");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a JWT")
        .kid
        .expect("kid")
}

/// Signs in until a token is signed with `want` (a rotation reaches the server in seconds).
/// Tokens signed before the server read the rotation are not used: after `--at-once` they are
/// refused as soon as it has read it.
async fn signs_with(base: &url::Url, want: &str) -> amps_openapi::Client {
    for _ in 0..100 {
        let mut c = amps_openapi::Client::new(base.clone());
        c.login(&amps_openapi::LoginRequest {
            user_id: "jrequester".into(),
            password: DEMO_PASSWORD.into(),
        })
        .await
        .expect("signed in");
        if kid(c.token().expect("token")) == want {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server never signed with {want}");
}

async fn keys_rotate_beside_the_running_server(mut env: Vec<(&str, String)>, dir: &std::path::Path) {
    let file = dir.join("signing-key.pem");
    env.push(("AMPS_SIGNING_KEY_FILE", file.display().to_string()));

    // Not a key: start-up stops and names the variable.
    std::fs::write(
        &file,
        "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let (ok, _, err) = amps(&env, &["migrate"]);
    assert!(!ok && err.contains("AMPS_SIGNING_KEY_FILE"), "{err}");

    let (ok, pem, err) = amps(&env, &["keys", "generate"]);
    assert!(ok && pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{err}");
    std::fs::write(&file, &pem).expect("write the key");
    seed_demo(&env);
    let (server, base) = serve(free_port(), &env).await;
    let first = signed_in(&base, "jrequester", DEMO_PASSWORD).await;
    let first_kid = kid(first.token().expect("token"));
    let (ok, listed, err) = amps(&env, &["keys", "list"]);
    assert!(ok, "{err}");
    assert!(
        listed.contains(&first_kid)
            && listed.contains("private key outside the database")
            && listed.contains("in use"),
        "{listed}"
    );
    assert!(!listed.contains("private key in the database"), "{listed}");

    let (ok, out, err) = amps(&env, &["keys", "rotate"]);
    assert!(ok, "{err}");
    assert!(out.contains(&file.display().to_string()), "{out}");
    let rewritten = std::fs::read_to_string(&file).expect("the key file");
    assert_ne!(rewritten, pem, "the file holds the new key");
    let second = signs_with(&base, out.split_whitespace().nth(6).expect("the new kid")).await;
    first.me().await.expect("the old key's token is still accepted");
    let (_, listed, _) = amps(&env, &["keys", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains(&first_kid) && l.contains("accepted until")),
        "{listed}"
    );

    // A leaked key: every token signed before is refused at once.
    let (ok, out, err) = amps(&env, &["keys", "rotate", "--at-once"]);
    assert!(ok && out.contains("no longer accepted"), "{out}{err}");
    let third_kid = out.split_whitespace().nth(6).expect("the new kid").to_string();
    let third = signs_with(&base, &third_kid).await;
    for (what, c) in [("first", &first), ("second", &second)] {
        let mut refused = false;
        for _ in 0..100 {
            if c.me().await.err().and_then(|e| e.status()) == Some(401) {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(refused, "the {what} token is still accepted");
    }
    third.me().await.expect("the newest key's token");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keys_rotate_beside_the_running_server() {
    let dir = std::env::temp_dir().join(format!("amps-e2e-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    keys_rotate_beside_the_running_server(vec![("AMPS_DATA_DIR", dir.display().to_string())], &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_keys_rotate_beside_the_running_server() {
    let pg = PgDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-keys-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    keys_rotate_beside_the_running_server(
        vec![
            ("DATABASE_URL", pg.url.clone()),
            ("AMPS_DATA_DIR", dir.display().to_string()),
        ],
        &dir,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    pg.drop_now().await;
}
