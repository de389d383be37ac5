//! PIV / CAC certificates: the TLS configurations `amps serve` terminates with, the check of a
//! client certificate against the configured certificate authorities and revocation lists,
//! and what an account is bound by (the certificate's UPN, EDIPI or fingerprint).
//!
//! The certificate sign-in listener asks every client for a certificate and lets the
//! handshake finish whatever it presents (the client still proves it holds the certificate's
//! key: the handshake signature is checked as usual). The application then checks the chain,
//! validity and revocation itself ([`Authorities::check`]), so a refused certificate gets a
//! clear answer, an audit event and a throttle count instead of a failed handshake.

use chrono::{DateTime, TimeZone, Utc};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme,
};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Why a presented certificate does not sign anyone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No certificate was presented.
    Missing,
    /// It does not chain to a configured certificate authority (or is badly signed).
    Untrusted,
    /// Past its `notAfter`.
    Expired,
    /// Before its `notBefore`.
    NotYetValid,
    /// Listed in a configured revocation list.
    Revoked,
    /// Its revocation status cannot be known (no current list for its issuer).
    RevocationUnknown,
    /// Not a certificate for signing in (wrong key usage, unreadable, unhandled extension).
    Unusable,
    /// A good certificate no account is bound to.
    NotBound,
}

impl Refusal {
    /// The slug of the refusal: the problem type's last segment and the audit reason.
    pub fn slug(self) -> &'static str {
        match self {
            Refusal::Missing => "certificate-missing",
            Refusal::Untrusted => "certificate-untrusted",
            Refusal::Expired => "certificate-expired",
            Refusal::NotYetValid => "certificate-not-yet-valid",
            Refusal::Revoked => "certificate-revoked",
            Refusal::RevocationUnknown => "certificate-revocation-unknown",
            Refusal::Unusable => "certificate-unusable",
            Refusal::NotBound => "certificate-not-bound",
        }
    }

    /// What the person is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => {
                "No certificate was presented. Insert your PIV/CAC card, choose its authentication certificate when the browser asks, and try again."
            }
            Refusal::Untrusted => {
                "This certificate is not issued by a certificate authority AMPS accepts. Use your PIV/CAC authentication certificate."
            }
            Refusal::Expired => {
                "This certificate has expired. Renew your card, or sign in with your User ID and password."
            }
            Refusal::NotYetValid => {
                "This certificate is not valid yet. Check your computer's date, or use another card."
            }
            Refusal::Revoked => {
                "This certificate has been revoked. Sign in with your User ID and password, and call the help desk."
            }
            Refusal::RevocationUnknown => {
                "AMPS cannot tell whether this certificate has been revoked right now. Sign in with your User ID and password, or try again later."
            }
            Refusal::Unusable => {
                "This certificate cannot be used to sign in. Use your PIV/CAC authentication certificate."
            }
            Refusal::NotBound => {
                "This certificate is not bound to an AMPS account. Sign in with your User ID and password, then bind your card in My Information."
            }
        }
    }

    fn of(e: &rustls::Error) -> Self {
        match e {
            rustls::Error::InvalidCertificate(c) => match c {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => Refusal::Expired,
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    Refusal::NotYetValid
                }
                CertificateError::Revoked => Refusal::Revoked,
                CertificateError::UnknownRevocationStatus
                | CertificateError::ExpiredRevocationList
                | CertificateError::ExpiredRevocationListContext { .. } => Refusal::RevocationUnknown,
                CertificateError::UnknownIssuer | CertificateError::BadSignature => Refusal::Untrusted,
                _ => Refusal::Unusable,
            },
            _ => Refusal::Unusable,
        }
    }
}

/// The certificate authorities (and their revocation lists) whose certificates sign people in.
/// The lists are read again when their files change ([`Authorities::reload_crls`]): an
/// authority publishes a new one every day or so, and a revocation must not wait for a restart.
#[derive(Debug)]
pub struct Authorities {
    roots: Arc<RootCertStore>,
    /// The checker with the lists last read.
    verifier: std::sync::RwLock<Arc<dyn ClientCertVerifier>>,
    crl_paths: Vec<std::path::PathBuf>,
    /// SHA-256 of the list files as last read.
    crl_digest: std::sync::Mutex<[u8; 32]>,
}

/// A checked certificate: what it says about its holder.
#[derive(Debug, Clone)]
pub struct Holder {
    /// What an account is bound by: `upn:…` (the Microsoft UPN in the subject alternative
    /// name, as on a CAC), else `edipi:…` (the ten digits ending the common name), else
    /// `sha256:…` (this certificate only).
    pub identity: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub fingerprint: String,
    pub not_after: DateTime<Utc>,
}

/// The Microsoft User Principal Name `otherName` (1.3.6.1.4.1.311.20.2.3).
const UPN_OID: &str = "1.3.6.1.4.1.311.20.2.3";

fn read(var: &str, path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("{var}: cannot read {}: {e}", path.display()))
}

impl Authorities {
    /// Loads the CA certificates of `ca` (PEM, one or more) and the revocation lists of `crls`
    /// (PEM or DER each). With lists, a certificate whose issuer has no current list is
    /// refused (its status is unknown).
    pub fn load(ca: &Path, crl_paths: &[std::path::PathBuf]) -> anyhow::Result<Self> {
        let pem = read("AMPS_CLIENT_CA", ca)?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| anyhow::anyhow!("AMPS_CLIENT_CA: {}: {e}", ca.display()))?;
            roots
                .add(cert)
                .map_err(|e| anyhow::anyhow!("AMPS_CLIENT_CA: {}: {e}", ca.display()))?;
        }
        if roots.is_empty() {
            anyhow::bail!("AMPS_CLIENT_CA: {} holds no PEM certificate", ca.display());
        }
        let roots = Arc::new(roots);
        let (lists, digest) = read_crls(crl_paths)?;
        Ok(Self {
            verifier: std::sync::RwLock::new(verifier(&roots, lists)?),
            roots,
            crl_paths: crl_paths.to_vec(),
            crl_digest: std::sync::Mutex::new(digest),
        })
    }

    /// Reads the revocation lists again if their files changed; whether they had. Lists that
    /// cannot be read leave the ones in force (the error says why).
    pub fn reload_crls(&self) -> anyhow::Result<bool> {
        if self.crl_paths.is_empty() {
            return Ok(false);
        }
        let (lists, digest) = read_crls(&self.crl_paths)?;
        let mut last = self
            .crl_digest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last == digest {
            return Ok(false);
        }
        let fresh = verifier(&self.roots, lists)?;
        *self
            .verifier
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        *last = digest;
        Ok(true)
    }

    fn current(&self) -> Arc<dyn ClientCertVerifier> {
        self.verifier
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Checks the chain a client presented (its certificate first) at `now`: issued by a
    /// configured authority, within its validity, not revoked, usable for client
    /// authentication; and reads who it names.
    pub fn check(&self, chain: &[CertificateDer<'_>], now: DateTime<Utc>) -> Result<Holder, Refusal> {
        let (end_entity, intermediates) = chain.split_first().ok_or(Refusal::Missing)?;
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(now.timestamp()).unwrap_or_default(),
        ));
        self.current()
            .verify_client_cert(end_entity, intermediates, at)
            .map_err(|e| Refusal::of(&e))?;
        holder(end_entity.as_ref()).ok_or(Refusal::Unusable)
    }

    /// The TLS configuration of the certificate sign-in listener: asks every client for a
    /// certificate issued by these authorities and accepts the handshake whatever it presents
    /// (see the module's documentation).
    pub fn server_config(self: &Arc<Self>, cert: &Path, key: &Path) -> anyhow::Result<ServerConfig> {
        let (chain, key) = server_identity(cert, key)?;
        // Signatures and root hints only: revocation is the application's check.
        let verifier = Arc::new(AskForCertificate(self.current()));
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| anyhow::anyhow!("TLS: {e}"))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| anyhow::anyhow!("AMPS_TLS_CERT / AMPS_TLS_KEY: {e}"))
    }
}

/// The revocation lists of `paths` (PEM or DER each), and a digest of the files.
#[allow(clippy::type_complexity)]
fn read_crls(
    paths: &[std::path::PathBuf],
) -> anyhow::Result<(Vec<CertificateRevocationListDer<'static>>, [u8; 32])> {
    let mut lists = Vec::new();
    let mut digest = Sha256::new();
    for path in paths {
        let bytes = read("AMPS_CRL", path)?;
        digest.update(&bytes);
        if bytes.starts_with(b"-----") {
            for crl in CertificateRevocationListDer::pem_slice_iter(&bytes) {
                lists.push(crl.map_err(|e| anyhow::anyhow!("AMPS_CRL: {}: {e}", path.display()))?);
            }
        } else {
            lists.push(CertificateRevocationListDer::from(bytes));
        }
    }
    Ok((lists, digest.finalize().into()))
}

/// The checker of client certificates for `roots` and `crls`.
fn verifier(
    roots: &Arc<RootCertStore>,
    crls: Vec<CertificateRevocationListDer<'static>>,
) -> anyhow::Result<Arc<dyn ClientCertVerifier>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    WebPkiClientVerifier::builder_with_provider(roots.clone(), provider)
        .with_crls(crls)
        .enforce_revocation_expiration()
        .build()
        .map_err(|e| anyhow::anyhow!("AMPS_CLIENT_CA / AMPS_CRL: {e}"))
}

/// The server's certificate chain and key.
fn server_identity(
    cert: &Path,
    key: &Path,
) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let pem = read("AMPS_TLS_CERT", cert)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("AMPS_TLS_CERT: {}: {e}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("AMPS_TLS_CERT: {} holds no PEM certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_slice(&read("AMPS_TLS_KEY", key)?)
        .map_err(|e| anyhow::anyhow!("AMPS_TLS_KEY: {}: {e}", key.display()))?;
    Ok((chain, key))
}

/// The TLS configuration of the main listener: no client certificate asked for.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<ServerConfig> {
    let (chain, key) = server_identity(cert, key)?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| anyhow::anyhow!("AMPS_TLS_CERT / AMPS_TLS_KEY: {e}"))
}

/// Asks for a client certificate (naming the configured authorities, so the browser offers
/// the right card) and finishes the handshake whatever is presented; the proof that the
/// client holds the certificate's key is still checked by the wrapped verifier.
#[derive(Debug)]
struct AskForCertificate(Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for AskForCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Checked by the application (`Authorities::check`), which can say why it refuses.
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Who a DER certificate names.
fn holder(der: &[u8]) -> Option<Holder> {
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let fingerprint = hex::encode(Sha256::digest(der));
    let upn = cert.subject_alternative_name().ok().flatten().and_then(|san| {
        san.value.general_names.iter().find_map(|n| match n {
            GeneralName::OtherName(oid, value) if oid.to_id_string() == UPN_OID => other_name_utf8(value),
            _ => None,
        })
    });
    let edipi = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .and_then(|cn| cn.rsplit('.').next())
        .filter(|last| last.len() == 10 && last.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string);
    let identity = match (upn, edipi) {
        (Some(upn), _) => format!("upn:{}", upn.to_lowercase()),
        (None, Some(edipi)) => format!("edipi:{edipi}"),
        (None, None) => format!("sha256:{fingerprint}"),
    };
    let not_after = Utc
        .timestamp_opt(cert.validity().not_after.timestamp(), 0)
        .single()?;
    Some(Holder {
        identity: clip(identity, 300),
        subject: clip(cert.subject().to_string(), 500),
        issuer: clip(cert.issuer().to_string(), 500),
        serial: clip(hex::encode(cert.raw_serial()), 80),
        fingerprint,
        not_after,
    })
}

/// The UTF8String inside an `otherName` value (`[0] EXPLICIT UTF8String`).
fn other_name_utf8(value: &[u8]) -> Option<String> {
    use x509_parser::asn1_rs::{Any, FromDer};
    let (_, explicit) = Any::from_der(value).ok()?;
    let (_, inner) = Any::from_der(explicit.data).ok()?;
    let s = std::str::from_utf8(inner.data).ok()?.trim();
    (!s.is_empty() && !s.chars().any(char::is_control)).then(|| s.to_string())
}

fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}
