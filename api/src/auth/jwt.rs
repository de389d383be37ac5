//! Access tokens: EdDSA (Ed25519) JWTs with `kid`, `iss`, `aud`, `exp`. The signing key lives
//! in the database so every replica signs and verifies with the same keys; its public half is
//! published at `/.well-known/jwks.json`.

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
use std::sync::Mutex;
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
}

/// Which sign-in of a user a token belongs to.
#[derive(Debug, Clone, Copy)]
pub struct SessionOf {
    /// The refresh family.
    pub sid: Uuid,
    /// The account's session epoch.
    pub epoch: i32,
    /// How the sign-in was proved.
    pub methods: Methods,
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
}

impl Methods {
    /// As stored on a sign-in (`sign_ins.methods`): the `amr` values, space-separated.
    pub fn as_str(self) -> &'static str {
        match self {
            Methods::Password => "pwd",
            Methods::PasswordOtp => "pwd otp",
            Methods::PasswordKey => "pwd hwk",
            Methods::Certificate => "sc hwk",
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
        } else {
            Methods::Password
        }
    }

    /// The authenticator assurance level reached (the token's `acr`).
    pub fn acr(self) -> &'static str {
        match self {
            Methods::Password => "http://idmanagement.gov/ns/assurance/aal/1",
            Methods::PasswordOtp => "http://idmanagement.gov/ns/assurance/aal/2",
            Methods::PasswordKey | Methods::Certificate => "http://idmanagement.gov/ns/assurance/aal/3",
        }
    }

    /// Whether more than a password was proved (a second factor, or a certificate).
    pub fn second_factor(self) -> bool {
        self != Methods::Password
    }
}

/// Whether the `amr` of an access token shows more than a password.
pub fn amr_has_second_factor(amr: &[String]) -> bool {
    amr.iter().any(|m| matches!(m.as_str(), "otp" | "sc" | "hwk"))
}

/// The signing key and all verification keys.
pub struct Keys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: JwkSet,
    issuer: String,
    /// Tokens whose signature and claims were verified, by SHA-256 digest of the whole token:
    /// a token seen before costs a hash and its expiry check instead of an Ed25519
    /// verification. A changed byte changes the digest, so nothing unverified is accepted.
    verified: Mutex<HashMap<[u8; 32], Claims>>,
}

/// How many verified tokens are remembered; past it, the memory starts again from none.
const VERIFIED_CAPACITY: usize = 10_000;

/// Why a token is refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid access token: {0}")]
pub struct InvalidToken(pub String);

impl Keys {
    /// Loads the keys from the database, creating the first signing key if there is none.
    pub async fn load_or_create(
        conn: &impl ConnectionTrait,
        issuer: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let mut rows = signing_key::Entity::find()
            .filter(signing_key::Column::RetiredAt.is_null())
            .order_by_desc(signing_key::Column::CreatedAt)
            .all(conn)
            .await?;
        if rows.is_empty() {
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
            // Created under the startup lock (`store::StartupLock`): replicas starting together
            // on an empty database agree on this one key.
            rows.push(model.insert(conn).await?);
        }
        let current = &rows[0];
        let der = URL_SAFE_NO_PAD.decode(&current.private_pkcs8)?;
        let mut decoding = HashMap::new();
        let mut keys = Vec::new();
        for r in &rows {
            decoding.insert(r.kid.clone(), DecodingKey::from_ed_components(&r.public_x)?);
            keys.push(Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: r.public_x.clone(),
                kid: r.kid.clone(),
                alg: "EdDSA".into(),
                usage: "sig".into(),
            });
        }
        Ok(Self {
            kid: current.kid.clone(),
            encoding: EncodingKey::from_ed_der(&der),
            decoding,
            jwks: JwkSet { keys },
            issuer: issuer.to_string(),
            verified: Mutex::default(),
        })
    }

    /// The published key set.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
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
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
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
        };
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
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
        let key = self
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
