//! Access tokens: EdDSA (Ed25519) JWTs with `kid`, `iss`, `aud`, `exp`. The signing key lives
//! in the database (so every replica signs and verifies with the same keys) or, with
//! `AMPS_SIGNING_KEY_FILE` / `AMPS_SIGNING_KEY`, outside it (the database then holds only its
//! public half); the public halves are published at `/.well-known/jwks.json`. `amps keys
//! rotate` makes a new key; the one it replaces stays accepted until its tokens have expired.

use crate::store::entities::signing_key;
use amps_openapi::{Jwk, JwkSet};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

/// The audience of AMPS access tokens.
pub const AUDIENCE: &str = "amps";
/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;

/// Claims of an AMPS access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// A user id, or `client:<client_id>` for a service client.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// `user` or `service`.
    pub kind: String,
    #[serde(default)]
    pub scope: Option<String>,
    /// The sign-in (refresh family) a user's token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    /// The account's session epoch when the token was issued (`users.session_epoch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<i32>,
    /// How the user signed in (RFC 8176): `pwd`, and `otp` after an authenticator code; `sc`
    /// and `hwk` with a PIV / CAC certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// The authenticator assurance level the sign-in reached (NIST SP 800-63B), as login.gov
    /// names it: `http://idmanagement.gov/ns/assurance/aal/1` (a password), `…/2` (and a
    /// one-time code), `…/3` (a PIV / CAC card, or a password and a FIDO2 key with user
    /// verification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// When the sign-in last proved its second factor or certificate (Unix seconds; renewed by
    /// a step-up): a decision on a role marked "MFA required" asks for one of the last
    /// [`STEP_UP_MAX_AGE_SECS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

/// How recent a second factor a decision on a role marked "MFA required" needs.
pub const STEP_UP_MAX_AGE_SECS: i64 = 15 * 60;

/// Which sign-in of a user a token belongs to.
#[derive(Debug, Clone, Copy)]
pub struct SessionOf {
    /// The refresh family.
    pub sid: Uuid,
    /// The account's session epoch.
    pub epoch: i32,
    /// How the sign-in was proved.
    pub methods: Methods,
    /// When it last proved its second factor, if it did.
    pub factor_at: Option<DateTime<Utc>>,
}

/// How a sign-in was proved, as RFC 8176 authentication method references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    /// A password.
    Password,
    /// A password and a one-time code (or a recovery code).
    PasswordOtp,
    /// A password and a FIDO2 security key with user verification (its PIN or fingerprint).
    PasswordKey,
    /// A PIV / CAC certificate: a smart card (`sc`) holding the key in hardware (`hwk`),
    /// unlocked by its PIN.
    Certificate,
    /// The organization's network credentials: its OpenID Connect provider (`fed`), which
    /// did not say it used more than one factor.
    Network,
    /// The organization's network credentials, where the provider says it used more than one
    /// factor (its ID token's `amr`): `fed` and `mfa`.
    NetworkMfa,
}

impl Methods {
    /// As stored on a sign-in (`sign_ins.methods`): the `amr` values, space-separated.
    pub fn as_str(self) -> &'static str {
        match self {
            Methods::Password => "pwd",
            Methods::PasswordOtp => "pwd otp",
            Methods::PasswordKey => "pwd hwk",
            Methods::Certificate => "sc hwk",
            Methods::Network => "fed",
            Methods::NetworkMfa => "fed mfa",
        }
    }

    /// From a stored sign-in's methods.
    pub fn parse(s: &str) -> Self {
        let has = |m: &str| s.split_whitespace().any(|x| x == m);
        if has("sc") {
            Methods::Certificate
        } else if has("hwk") {
            Methods::PasswordKey
        } else if has("otp") {
            Methods::PasswordOtp
        } else if has("fed") && has("mfa") {
            Methods::NetworkMfa
        } else if has("fed") {
            Methods::Network
        } else {
            Methods::Password
        }
    }

    /// The authenticator assurance level reached (the token's `acr`).
    pub fn acr(self) -> &'static str {
        match self {
            Methods::Password | Methods::Network => "http://idmanagement.gov/ns/assurance/aal/1",
            Methods::PasswordOtp | Methods::NetworkMfa => "http://idmanagement.gov/ns/assurance/aal/2",
            Methods::PasswordKey | Methods::Certificate => "http://idmanagement.gov/ns/assurance/aal/3",
        }
    }

    /// Whether more than a password was proved (a second factor, or a certificate).
    pub fn second_factor(self) -> bool {
        !matches!(self, Methods::Password | Methods::Network)
    }
}

/// Whether the `amr` of an access token shows more than a password.
pub fn amr_has_second_factor(amr: &[String]) -> bool {
    amr.iter()
        .any(|m| matches!(m.as_str(), "otp" | "sc" | "hwk" | "mfa"))
}

/// How long a replaced signing key stays published and accepted: the lifetime of the last
/// tokens it signed, and the time every replica takes to hear of its successor.
pub const OVERLAP_MINUTES: i64 = 20;

/// A signing key held outside the database (`AMPS_SIGNING_KEY_FILE`, `AMPS_SIGNING_KEY`):
/// the database keeps only its public half, so every replica publishes and accepts it.
#[derive(Clone, Debug)]
pub enum ExternalKey {
    /// A PKCS#8 PEM file, read again whenever the key set is reloaded (a rotation rewrites it).
    File(std::path::PathBuf),
    /// PKCS#8 PEM text from the environment.
    Pem(secrecy::SecretString),
}

impl ExternalKey {
    /// The setting it comes from, for messages.
    pub fn setting(&self) -> &'static str {
        match self {
            Self::File(_) => "AMPS_SIGNING_KEY_FILE",
            Self::Pem(_) => "AMPS_SIGNING_KEY",
        }
    }

    /// Reads and parses the key; the error says what is wrong with it.
    pub fn read(&self) -> Result<SigningKey, String> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        use secrecy::ExposeSecret;
        let read;
        let pem = match self {
            Self::File(path) => {
                read = secrecy::SecretString::from(
                    std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
                );
                &read
            }
            Self::Pem(pem) => pem,
        };
        SigningKey::from_pkcs8_pem(pem.expose_secret()).map_err(|_| {
            "not an Ed25519 private key in PKCS#8 PEM (make one with `amps keys generate` or `openssl genpkey -algorithm ed25519`)".to_string()
        })
    }
}

/// A new Ed25519 key as PKCS#8 PEM.
pub fn generate_pem() -> anyhow::Result<(SigningKey, secrecy::SecretString)> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
    Ok((key, secrecy::SecretString::from(pem.as_str())))
}

/// A key's id: its RFC 7638 JWK thumbprint (the same key gets the same id on every replica).
fn thumbprint(key: &SigningKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The signing key and every key tokens are accepted from, as loaded at one moment.
struct KeySet {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: Arc<JwkSet>,
}

/// The signing key and all verification keys. Reloaded when the `signing_keys` table
/// changes (`amps keys rotate`, on any replica: the principal feed says so) and every minute.
pub struct Keys {
    set: RwLock<Arc<KeySet>>,
    external: Option<ExternalKey>,
    issuer: String,
    /// Tokens whose signature and claims were verified, by SHA-256 digest of the whole token:
    /// a token seen before costs a hash and its expiry check instead of an Ed25519
    /// verification. A changed byte changes the digest, so nothing unverified is accepted.
    /// Emptied when a key stops being accepted.
    verified: Mutex<HashMap<[u8; 32], Claims>>,
}

/// How many verified tokens are remembered; past it, the memory starts again from none.
const VERIFIED_CAPACITY: usize = 10_000;

/// Why a token is refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid access token: {0}")]
pub struct InvalidToken(pub String);

/// The keys in force at `now`: not retired, or retiring later. Newest first.
async fn in_force(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<signing_key::Model>, sea_orm::DbErr> {
    signing_key::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(signing_key::Column::RetiredAt.is_null())
                .add(signing_key::Column::RetiredAt.gt(now)),
        )
        .order_by_desc(signing_key::Column::CreatedAt)
        .all(conn)
        .await
}

/// Retires every key still signing but `kid`: at once, or after the overlap (a key already
/// retiring keeps the earlier of its time and the new one).
async fn retire_others(
    conn: &impl ConnectionTrait,
    kid: &str,
    at_once: bool,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let until = if at_once {
        now
    } else {
        now + chrono::Duration::minutes(OVERLAP_MINUTES)
    };
    signing_key::Entity::update_many()
        .col_expr(
            signing_key::Column::RetiredAt,
            sea_orm::sea_query::Expr::value(until),
        )
        .filter(signing_key::Column::Kid.ne(kid))
        .filter(
            sea_orm::Condition::any()
                .add(signing_key::Column::RetiredAt.is_null())
                .add(signing_key::Column::RetiredAt.gt(until)),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Records the public half of a key held outside the database (once).
async fn register_public(
    conn: &impl ConnectionTrait,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    let kid = thumbprint(key);
    let model = signing_key::ActiveModel {
        kid: Set(kid.clone()),
        // Empty: the private key is held outside the database.
        private_pkcs8: Set(String::new()),
        public_x: Set(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
        created_at: Set(now),
        retired_at: Set(None),
    };
    signing_key::Entity::insert(model)
        .on_conflict_do_nothing_on([signing_key::Column::Kid])
        .exec(conn)
        .await?;
    Ok(kid)
}

/// What `amps keys rotate` did.
#[derive(Debug)]
pub struct Rotated {
    /// The new signing key.
    pub kid: String,
    /// When the keys it replaced stop being accepted.
    pub previous_until: DateTime<Utc>,
    /// Where the new private key is: the database, or the file it was written to.
    pub held_in: String,
}

/// Makes a new signing key: every replica signs with it within a second or two (the
/// principal feed), and the keys it replaces are accepted for `OVERLAP_MINUTES` more (or not
/// at all with `at_once`, for a key that leaked: everyone signs in again). With
/// `AMPS_SIGNING_KEY_FILE` the new key is written to that file (mode 0600, replaced
/// atomically); with `AMPS_SIGNING_KEY` the operator must set a new value instead.
pub async fn rotate(
    conn: &sea_orm::DatabaseConnection,
    external: Option<&ExternalKey>,
    at_once: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Rotated> {
    use sea_orm::TransactionTrait;
    let (key, pem) = generate_pem()?;
    let txn = conn.begin().await?;
    let (kid, held_in) = match external {
        None => {
            let der = key
                .to_pkcs8_der()
                .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
            let kid = Uuid::now_v7().simple().to_string();
            signing_key::ActiveModel {
                kid: Set(kid.clone()),
                private_pkcs8: Set(URL_SAFE_NO_PAD.encode(der.as_bytes())),
                public_x: Set(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
                created_at: Set(now),
                retired_at: Set(None),
            }
            .insert(&txn)
            .await?;
            (kid, "the database".to_string())
        }
        Some(ExternalKey::Pem(_)) => anyhow::bail!(
            "the signing key comes from AMPS_SIGNING_KEY: put a new key there on every replica (`amps keys generate` prints one) and restart them; the key it replaces stays accepted for {OVERLAP_MINUTES} minutes"
        ),
        Some(ExternalKey::File(path)) => {
            let kid = register_public(&txn, &key, now).await?;
            write_private(path, secrecy::ExposeSecret::expose_secret(&pem).as_bytes())?;
            (kid, path.display().to_string())
        }
    };
    retire_others(&txn, &kid, at_once, now).await?;
    txn.commit().await?;
    Ok(Rotated {
        kid,
        previous_until: if at_once {
            now
        } else {
            now + chrono::Duration::minutes(OVERLAP_MINUTES)
        },
        held_in,
    })
}

/// Replaces `path` with `pem`, readable by its owner only, never leaving a half-written file.
fn write_private(path: &std::path::Path, pem: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(".amps-signing-key-{}", Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(pem)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("AMPS_SIGNING_KEY_FILE: cannot write {}: {e}", path.display());
    }
    Ok(())
}

/// One key as `amps keys list` shows it.
pub struct KeyInfo {
    pub kid: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Whether the private key is in the database (else outside it).
    pub in_database: bool,
}

/// Every key, newest first.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<KeyInfo>, sea_orm::DbErr> {
    Ok(signing_key::Entity::find()
        .order_by_desc(signing_key::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|k| KeyInfo {
            in_database: !k.private_pkcs8.is_empty(),
            kid: k.kid,
            created_at: k.created_at,
            retired_at: k.retired_at,
        })
        .collect())
}

impl Keys {
    /// Loads the keys from the database at start-up (under the startup lock): the external
    /// key, when set, is recorded and every other key retires after the overlap; otherwise
    /// the newest key held in the database signs, made first if there is none.
    pub async fn load_or_create(
        conn: &impl ConnectionTrait,
        issuer: &str,
        external: Option<ExternalKey>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let set = Self::load(conn, external.as_ref(), now, true).await?;
        Ok(Self {
            set: RwLock::new(Arc::new(set)),
            external,
            issuer: issuer.to_string(),
            verified: Mutex::default(),
        })
    }

    /// Reads the keys again (after a rotation, on any replica). A key that stopped being
    /// accepted empties the memory of verified tokens.
    pub async fn reload(&self, conn: &impl ConnectionTrait, now: DateTime<Utc>) -> anyhow::Result<()> {
        let set = Self::load(conn, self.external.as_ref(), now, false).await?;
        let mut current = self
            .set
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dropped = current.decoding.keys().any(|k| !set.decoding.contains_key(k));
        if current.kid != set.kid {
            tracing::info!(kid = %set.kid, "signing with a new key");
        }
        *current = Arc::new(set);
        drop(current);
        if dropped {
            self.verified
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        }
        Ok(())
    }

    async fn load(
        conn: &impl ConnectionTrait,
        external: Option<&ExternalKey>,
        now: DateTime<Utc>,
        starting: bool,
    ) -> anyhow::Result<KeySet> {
        let (kid, encoding) = match external {
            Some(source) => {
                let key = source
                    .read()
                    .map_err(|e| anyhow::anyhow!("{}: {e}", source.setting()))?;
                let kid = thumbprint(&key);
                // A new key in the file (or a key moved out of the database): recorded, and
                // the others retire after the overlap. Not when this one is retiring itself,
                // so a replica with an older file cannot retire a newer key. Nothing is
                // written when nothing changed (this runs at every reload).
                let rows = in_force(conn, now).await?;
                let ours = rows.iter().find(|r| r.kid == kid);
                let others_signing = rows.iter().any(|r| r.kid != kid && r.retired_at.is_none());
                match ours {
                    Some(k) if k.retired_at.is_none() => {
                        if others_signing {
                            retire_others(conn, &kid, false, now).await?;
                        }
                    }
                    Some(_) => tracing::warn!(
                        kid = %kid,
                        "the signing key in {} has been replaced: put the new key there (its tokens stop being accepted when it retires)",
                        source.setting()
                    ),
                    None => {
                        if signing_key::Entity::find_by_id(kid.clone())
                            .one(conn)
                            .await?
                            .is_some()
                        {
                            anyhow::bail!(
                                "{}: this key was retired (`amps keys rotate --at-once`?); its tokens are refused: put the current key there",
                                source.setting()
                            );
                        }
                        register_public(conn, &key, now).await?;
                        retire_others(conn, &kid, false, now).await?;
                    }
                }
                let der = key
                    .to_pkcs8_der()
                    .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
                (kid, EncodingKey::from_ed_der(der.as_bytes()))
            }
            None => {
                let rows = in_force(conn, now).await?;
                let current = rows
                    .iter()
                    .find(|r| r.retired_at.is_none() && !r.private_pkcs8.is_empty())
                    .cloned();
                let current = match current {
                    Some(c) => c,
                    None if starting => {
                        let key = SigningKey::generate(&mut rand::rngs::OsRng);
                        let der = key
                            .to_pkcs8_der()
                            .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
                        let model = signing_key::ActiveModel {
                            kid: Set(Uuid::now_v7().simple().to_string()),
                            private_pkcs8: Set(URL_SAFE_NO_PAD.encode(der.as_bytes())),
                            public_x: Set(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
                            created_at: Set(now),
                            retired_at: Set(None),
                        };
                        // Created under the startup lock (`store::StartupLock`): replicas
                        // starting together on an empty database agree on this one key. A key
                        // that was held outside the database retires after the overlap.
                        let made = model.insert(conn).await?;
                        retire_others(conn, &made.kid, false, now).await?;
                        made
                    }
                    None => anyhow::bail!("no signing key is held in the database"),
                };
                let der = URL_SAFE_NO_PAD.decode(&current.private_pkcs8)?;
                (current.kid, EncodingKey::from_ed_der(&der))
            }
        };
        let mut decoding = HashMap::new();
        let mut keys = Vec::new();
        for r in in_force(conn, now).await? {
            decoding.insert(r.kid.clone(), DecodingKey::from_ed_components(&r.public_x)?);
            keys.push(Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: r.public_x,
                kid: r.kid,
                alg: "EdDSA".into(),
                usage: "sig".into(),
            });
        }
        Ok(KeySet {
            kid,
            encoding,
            decoding,
            jwks: Arc::new(JwkSet { keys }),
        })
    }

    fn current(&self) -> Arc<KeySet> {
        self.set
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The published key set.
    pub fn jwks(&self) -> Arc<JwkSet> {
        self.current().jwks.clone()
    }

    /// The id of the key new tokens are signed with.
    pub fn signing_kid(&self) -> String {
        self.current().kid.clone()
    }

    /// Signs a token for `sub`.
    pub fn issue(
        &self,
        sub: &str,
        kind: &str,
        scope: Option<String>,
        session: Option<SessionOf>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let set = self.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(set.kid.clone());
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TTL_SECS,
            jti: Uuid::new_v4().to_string(),
            kind: kind.into(),
            scope,
            sid: session.map(|s| s.sid),
            epoch: session.map(|s| s.epoch),
            amr: session.map(|s| s.methods.as_str().split(' ').map(str::to_string).collect()),
            acr: session.map(|s| s.methods.acr().to_string()),
            auth_time: session.and_then(|s| s.factor_at).map(|t| t.timestamp()),
        };
        Ok(jsonwebtoken::encode(&header, &claims, &set.encoding)?)
    }

    /// Verifies signature, algorithm, `kid`, `iss`, `aud` and `exp` (against `now`).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, InvalidToken> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let known = self
            .verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&digest)
            .cloned();
        let claims = match known {
            Some(c) => c,
            None => {
                let c = self.verify_signed(token)?;
                let mut verified = self
                    .verified
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if verified.len() >= VERIFIED_CAPACITY {
                    verified.clear();
                }
                verified.insert(digest, c.clone());
                c
            }
        };
        if claims.exp <= now.timestamp() {
            return Err(InvalidToken("expired".into()));
        }
        Ok(claims)
    }

    /// Verifies signature, algorithm, `kid`, `iss` and `aud`; not the expiry.
    fn verify_signed(&self, token: &str) -> Result<Claims, InvalidToken> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| InvalidToken(e.to_string()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(InvalidToken("algorithm not accepted".into()));
        }
        let kid = header.kid.ok_or_else(|| InvalidToken("missing kid".into()))?;
        let set = self.current();
        let key = set
            .decoding
            .get(&kid)
            .ok_or_else(|| InvalidToken("unknown kid".into()))?;
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_audience(&[AUDIENCE]);
        v.set_issuer(&[&self.issuer]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked below against the injected clock, not the system clock.
        v.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, key, &v).map_err(|e| InvalidToken(e.to_string()))?;
        Ok(data.claims)
    }
}
