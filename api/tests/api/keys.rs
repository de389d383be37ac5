//! The keys access tokens are signed with (#19, secrets at rest): a key held in a file
//! (`AMPS_SIGNING_KEY_FILE`) signs, is published, and never reaches the database (only its
//! public half does); a rotation (what `amps keys rotate` runs) reaches every replica within
//! seconds through the principal feed, while tokens of the replaced key stay accepted; a
//! rotation "at once" (a leaked key) makes them refused on every replica. The command itself
//! runs against the real binary in e2e/tests/keys.rs.

use crate::both_dbs;
use crate::helpers::*;
use amps::auth::jwt;
use amps_openapi::*;
use sea_orm::{ConnectionTrait, Statement};

both_dbs!(
    a_key_held_in_a_file_signs_and_only_its_public_half_is_stored,
    a_rotated_key_reaches_every_replica_and_the_old_one_stays_accepted
);

/// The `kid` a token was signed with.
fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a JWT")
        .kid
        .expect("kid")
}

async fn signed_in(app: &TestApp, login: &str) -> Client {
    let mut c = app.client();
    c.login(&LoginRequest {
        user_id: login.into(),
        password: PASSWORD.into(),
    })
    .await
    .expect("sign-in");
    c
}

async fn published(app: &TestApp) -> Vec<String> {
    let jwks: serde_json::Value = app
        .http()
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwks body");
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_string())
        .collect()
}

async fn private_keys_in_database(app: &TestApp) -> i64 {
    let backend = app.ctx.db.get_database_backend();
    app.ctx
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM signing_keys WHERE private_pkcs8 <> ''",
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get("", "n")
        .expect("n")
}

async fn a_key_held_in_a_file_signs_and_only_its_public_half_is_stored(db: Db) {
    let dir = std::env::temp_dir().join(format!("amps-key-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("signing-key.pem");
    let (_, pem) = jwt::generate_pem().expect("key");
    std::fs::write(&file, secrecy::ExposeSecret::expose_secret(&pem)).expect("write key");
    let path = file.clone();
    let app = seeded_with(db, &move |s| {
        s.signing_key = Some(jwt::ExternalKey::File(path.clone()));
    })
    .await;
    let on = app.active_user("filekey").await;
    let token = on.token().expect("token").to_string();
    let signer = kid(&token);
    assert_eq!(signer, app.ctx.keys.signing_kid());
    assert_eq!(published(&app).await, vec![signer.clone()]);
    assert_eq!(
        private_keys_in_database(&app).await,
        0,
        "the private key stays in its file"
    );
    on.me().await.expect("the token is accepted");

    // A bad key file stops start-up naming its variable.
    std::fs::write(&file, "not a key").expect("overwrite");
    let e = jwt::ExternalKey::File(file.clone())
        .read()
        .expect_err("not a key");
    assert!(e.contains("PKCS#8"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_rotated_key_reaches_every_replica_and_the_old_one_stays_accepted(db: Db) {
    let a = spawn_app(db).await;
    let b = spawn_replica(&a).await;
    a.active_user("keyholder").await;
    let (on_a, on_b) = (signed_in(&a, "keyholder").await, signed_in(&b, "keyholder").await);
    let first = kid(on_a.token().expect("token"));
    assert_eq!(
        kid(on_b.token().expect("token")),
        first,
        "one key for every replica"
    );

    // `amps keys rotate`: both replicas sign with the new key within seconds.
    let rotated = jwt::rotate(&a.ctx.db, None, false, a.now())
        .await
        .expect("rotate");
    assert_ne!(rotated.kid, first);
    for app in [&a, &b] {
        let new = rotated.kid.clone();
        eventually("the replica signs with the new key", || {
            let new = new.clone();
            async move {
                let c = signed_in(app, "keyholder").await;
                kid(c.token().expect("token")) == new
            }
        })
        .await;
        let keys = published(app).await;
        assert!(keys.contains(&first) && keys.contains(&rotated.kid), "{keys:?}");
    }
    // Tokens of the replaced key stay accepted (until they expire).
    on_a.me().await.expect("old token on A");
    on_b.me().await.expect("old token on B");
    let second = signed_in(&b, "keyholder").await;

    // At once (a leaked key): every token of the replaced keys is refused, on every replica.
    let leaked = jwt::rotate(&a.ctx.db, None, true, a.now())
        .await
        .expect("rotate at once");
    for (who, c) in [("A", &on_a), ("B", &on_b), ("B, second key", &second)] {
        eventually(
            &format!("{who}: the replaced key's token is refused"),
            || async move { c.me().await.err().and_then(|e| e.status()) == Some(401) },
        )
        .await;
    }
    for app in [&a, &b] {
        let new = leaked.kid.clone();
        eventually("the replica signs with the newest key", || {
            let new = new.clone();
            async move {
                let c = signed_in(app, "keyholder").await;
                kid(c.token().expect("token")) == new && c.me().await.is_ok()
            }
        })
        .await;
        assert_eq!(published(app).await, vec![leaked.kid.clone()]);
    }
}
