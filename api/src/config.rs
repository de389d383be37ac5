//! Typed settings from the environment, overridable by command-line flags. A bad value stops
//! start-up with one line naming the variable.

use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

/// Settings of a running AMPS.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite:` or `postgres:` URL.
    pub database_url: SecretString,
    pub bind: SocketAddr,
    /// The URL users reach AMPS at; used in emailed links and as the token issuer.
    pub public_url: Url,
    /// SMTP relay; `None` keeps mail in the outbox and enables the development mailbox.
    pub smtp: Option<SmtpSettings>,
    pub data_dir: PathBuf,
    /// Where the built SPA is (index.html, wasm, js, css).
    pub web_dir: PathBuf,
    /// The From address of AMPS email.
    pub mail_from: String,
    /// Log as JSON lines instead of text.
    pub log_json: bool,
    /// The development mailbox (`GET /api/v1/dev/mailbox`, the SPA's Mailbox): shows recent mail
    /// to anyone, so only on a loopback address and only when switched on.
    pub dev_mailbox: bool,
    /// Whom users call when they cannot go on alone (`AMPS_HELP_DESK`), as sign-in refusals and
    /// account mails name it.
    pub help_desk: String,
    /// The development clock (`POST /api/v1/dev/clock` moves the server's time forward for
    /// browser journeys): only on a loopback address and only when switched on
    /// (`AMPS_DEV_CLOCK`).
    pub dev_clock: bool,
    /// Approval task deadlines and reminders.
    pub schedule: crate::domain::schedule::Schedule,
    /// How often each background job runs; every `amps serve` runs them all.
    pub jobs: JobPeriods,
    /// The longest a sign-in lasts, however often it is refreshed (`AMPS_SESSION_MAX_HOURS`,
    /// default 12).
    pub session_max: chrono::Duration,
    /// A rejected review of a user's roles disables their account as well as removing every
    /// role (`AMPS_REVALIDATION_REJECT_DISABLES`, default true: the AMPS seed's rule).
    pub revalidation_reject_disables: bool,
    /// The day (month, day) each year on which a campaign over every internal user starts by
    /// itself, due 30 days later (`AMPS_REVALIDATION_ANNUAL=MM-DD`; unset: none).
    pub revalidation_annual: Option<(u32, u32)>,
    /// The server's certificate and key (`AMPS_TLS_CERT`, `AMPS_TLS_KEY`, PEM): `amps serve`
    /// then serves HTTPS itself.
    pub tls: Option<TlsFiles>,
    /// PIV / CAC sign-in (`AMPS_CLIENT_CA`): a second listener that asks for a client
    /// certificate, or, behind a proxy, the proxy's header.
    pub certificates: Option<CertificateSignIn>,
    /// The reverse proxies in front of AMPS (`AMPS_TRUSTED_PROXIES`, comma-separated CIDRs or
    /// addresses): from them, and only from them, `X-Forwarded-For` names the client's address
    /// and the client certificate header carries a PIV / CAC certificate.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header a trusted proxy passes the client certificate in (`AMPS_CLIENT_CERT_HEADER`,
    /// default `X-Client-Cert`): the URL-encoded PEM, as nginx's `$ssl_client_escaped_cert`
    /// and AWS load balancers send it.
    pub client_cert_header: String,
    /// The bearer token that `GET /metrics` asks of clients other than loopback
    /// (`AMPS_METRICS_TOKEN`, at least 32 characters). Without it, only loopback clients (after
    /// trusted proxies) read the metrics.
    pub metrics_token: Option<SecretString>,
    /// How long a client may pause while sending a request body before it gets 408
    /// (`AMPS_BODY_IDLE_SECONDS`, 1 to 300, default 10).
    pub body_idle: std::time::Duration,
    /// Private networks webhooks may call (`AMPS_WEBHOOK_ALLOWED_NETWORKS`, CIDRs); plain
    /// `http://` is allowed to address literals in them. Otherwise only public addresses, over
    /// https.
    pub webhook_networks: Vec<ipnet::IpNet>,
    /// The token-signing key, when it is held outside the database (`AMPS_SIGNING_KEY_FILE`, a
    /// PKCS#8 PEM file, or `AMPS_SIGNING_KEY`, its text); `None` keeps it in the database.
    pub signing_key: Option<crate::auth::jwt::ExternalKey>,
}

/// A certificate chain and its private key, PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Sign-in with a PIV / CAC certificate. Browsers ask for a client certificate on every
/// connection to an address that requests one, so it has its own listener (as login.gov does
/// with its own host): only the certificate routes are served there.
#[derive(Debug, Clone)]
pub struct CertificateSignIn {
    /// The certificate authorities whose certificates sign people in (`AMPS_CLIENT_CA`, PEM).
    pub client_ca: PathBuf,
    /// Their certificate revocation lists (`AMPS_CRL`, comma-separated PEM or DER files).
    pub crls: Vec<PathBuf>,
    /// Where the certificate listener listens (`AMPS_CERT_BIND`; default: `AMPS_BIND`'s port
    /// plus one). `None` behind a proxy without TLS of AMPS's own: the proxy asks for the
    /// certificate (at `url`) and passes it in a header.
    pub bind: Option<SocketAddr>,
    /// The URL browsers reach it at (`AMPS_CERT_URL`; default: `https://` the public host and
    /// the certificate listener's port).
    pub url: Option<Url>,
}

impl CertificateSignIn {
    /// The URL browsers reach the certificate listener at, bound to `port`.
    pub fn url_for(&self, public_url: &Url, port: u16) -> Url {
        if let Some(u) = &self.url {
            return u.clone();
        }
        let mut u = public_url.clone();
        let _ = u.set_scheme("https");
        let _ = u.set_port(Some(port));
        u.set_path("/");
        u
    }
}

/// How often each background job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobPeriods {
    /// Deadlines, reminders and delegations of approval tasks.
    pub approvals: std::time::Duration,
    /// Automatic provisioning webhooks.
    pub webhooks: std::time::Duration,
    /// Sealing the audit chain.
    pub audit_seal: std::time::Duration,
    /// Delivering the outbox over SMTP.
    pub mail: std::time::Duration,
    /// Reading the PIV / CAC revocation lists again when their files changed.
    pub crls: std::time::Duration,
    /// How long a replica holds a mail or a webhook it is delivering before another replica
    /// may take it over, if the first died meanwhile (`AMPS_CLAIM_LEASE_SECONDS`, 1 to 3600;
    /// default 300 for mail, 120 for webhooks).
    pub claim_lease: Option<std::time::Duration>,
}

impl Default for JobPeriods {
    fn default() -> Self {
        use std::time::Duration;
        Self {
            approvals: Duration::from_secs(60),
            webhooks: Duration::from_secs(2),
            audit_seal: Duration::from_secs(1),
            mail: Duration::from_millis(500),
            crls: Duration::from_secs(60),
            claim_lease: None,
        }
    }
}

/// Where and how to deliver mail.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `smtps` (implicit TLS) or `smtp` (STARTTLS when `starttls=true` in the query).
    pub implicit_tls: bool,
    pub starttls: bool,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

/// Values given on the command line; each wins over its environment variable.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub data_dir: Option<String>,
    pub web_dir: Option<String>,
    pub log_json: bool,
    pub dev_mailbox: bool,
}

/// A setting with a bad value.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn value(var: &'static str, over: &Option<String>) -> Option<String> {
    over.clone()
        .or_else(|| std::env::var(var).ok())
        .filter(|v| !v.trim().is_empty())
}

/// The comma-separated addresses or CIDRs of `var` (none when unset).
fn networks(var: &'static str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    value(var, &None)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| bad(var, format!("{p:?} is not an address or CIDR such as 10.0.0.0/8")))
        })
        .collect()
}

/// Setting `var` as a number of seconds from 1 to `max`, when set.
fn seconds(var: &'static str, max: u64) -> Result<Option<std::time::Duration>, ConfigError> {
    value(var, &None)
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=max).contains(s))
                .map(std::time::Duration::from_secs)
                .ok_or_else(|| bad(var, format!("{v:?} is not a number of seconds from 1 to {max}")))
        })
        .transpose()
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

impl Settings {
    /// Reads the settings from `over` and the environment.
    pub fn load(over: &Overrides) -> Result<Self, ConfigError> {
        let data_dir =
            PathBuf::from(value("AMPS_DATA_DIR", &over.data_dir).unwrap_or_else(|| "./data".into()));
        let database_url = match value("DATABASE_URL", &over.database_url) {
            Some(u)
                if u.starts_with("sqlite:")
                    || u.starts_with("postgres://")
                    || u.starts_with("postgresql://") =>
            {
                u
            }
            Some(u) => {
                return Err(bad(
                    "DATABASE_URL",
                    format!(
                        "{:?} is not a sqlite: or postgres:// URL",
                        u.split('@').next_back().unwrap_or_default()
                    ),
                ));
            }
            None => format!("sqlite://{}?mode=rwc", data_dir.join("amps.db").display()),
        };
        let bind_s = value("AMPS_BIND", &over.bind).unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_s.parse().map_err(|_| {
            bad(
                "AMPS_BIND",
                format!("{bind_s:?} is not a host:port address such as 127.0.0.1:8080"),
            )
        })?;
        let public_url = match value("AMPS_PUBLIC_URL", &over.public_url) {
            Some(u) => {
                let url =
                    Url::parse(&u).map_err(|e| bad("AMPS_PUBLIC_URL", format!("{u:?} is not a URL: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(bad(
                        "AMPS_PUBLIC_URL",
                        format!("{u:?} must be an http:// or https:// URL"),
                    ));
                }
                url
            }
            None => {
                let scheme = if value("AMPS_TLS_CERT", &None).is_some() {
                    "https"
                } else {
                    "http"
                };
                Url::parse(&format!("{scheme}://{bind}/")).map_err(|e| bad("AMPS_BIND", e.to_string()))?
            }
        };
        let smtp = match value("AMPS_SMTP_URL", &over.smtp_url) {
            None => None,
            Some(u) => Some(parse_smtp(&u)?),
        };
        let web_dir =
            PathBuf::from(value("AMPS_WEB_DIR", &over.web_dir).unwrap_or_else(|| "./web/dist".into()));
        let mail_from =
            value("AMPS_MAIL_FROM", &None).unwrap_or_else(|| "AMPS <no-reply@amps.localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(bad(
                "AMPS_MAIL_FROM",
                format!("{mail_from:?} is not an email address"),
            ));
        }
        let log_json = over.log_json
            || match value("AMPS_LOG_JSON", &None).as_deref() {
                None | Some("0" | "false") => false,
                Some("1" | "true") => true,
                Some(other) => return Err(bad("AMPS_LOG_JSON", format!("{other:?} is not true or false"))),
            };
        let dev_mailbox = over.dev_mailbox
            || match value("AMPS_DEV_MAILBOX", &None).as_deref() {
                None | Some("0" | "false") => false,
                Some("1" | "true") => true,
                Some(other) => {
                    return Err(bad("AMPS_DEV_MAILBOX", format!("{other:?} is not true or false")));
                }
            };
        if dev_mailbox && !bind.ip().is_loopback() {
            return Err(bad(
                "AMPS_DEV_MAILBOX",
                format!(
                    "the development mailbox shows everyone's mail (reset links included), so it runs only on a loopback address; AMPS_BIND is {bind}"
                ),
            ));
        }
        let help_desk = value("AMPS_HELP_DESK", &None)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "the AMPS help desk".to_string());
        if help_desk.chars().count() > 200 || help_desk.chars().any(char::is_control) {
            return Err(bad(
                "AMPS_HELP_DESK",
                "must be one line of at most 200 characters".to_string(),
            ));
        }
        let dev_clock = match value("AMPS_DEV_CLOCK", &None).as_deref() {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => return Err(bad("AMPS_DEV_CLOCK", format!("{other:?} is not true or false"))),
        };
        if dev_clock && !bind.ip().is_loopback() {
            return Err(bad(
                "AMPS_DEV_CLOCK",
                format!(
                    "the development clock lets anyone move the server's time (and with it every deadline), so it runs only on a loopback address; AMPS_BIND is {bind}"
                ),
            ));
        }
        let mut jobs = JobPeriods::default();
        if let Some(every) = seconds("AMPS_DEADLINES_EVERY_SECONDS", 3600)? {
            jobs.approvals = every;
        }
        let schedule = schedule()?;
        let session_max = match value("AMPS_SESSION_MAX_HOURS", &None) {
            None => 12,
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=168).contains(h))
                .ok_or_else(|| {
                    bad(
                        "AMPS_SESSION_MAX_HOURS",
                        format!("{v:?} is not a number of hours from 1 to 168"),
                    )
                })?,
        };
        let revalidation_reject_disables = match value("AMPS_REVALIDATION_REJECT_DISABLES", &None).as_deref()
        {
            None | Some("1" | "true") => true,
            Some("0" | "false") => false,
            Some(other) => {
                return Err(bad(
                    "AMPS_REVALIDATION_REJECT_DISABLES",
                    format!("{other:?} is not true or false"),
                ));
            }
        };
        let revalidation_annual = match value("AMPS_REVALIDATION_ANNUAL", &None) {
            None => None,
            Some(v) => {
                let bad_day = || {
                    bad(
                        "AMPS_REVALIDATION_ANNUAL",
                        format!("{v:?} is not a day of the year as MM-DD"),
                    )
                };
                let (m, d) = v.trim().split_once('-').ok_or_else(bad_day)?;
                let (m, d): (u32, u32) = (
                    m.parse().map_err(|_| bad_day())?,
                    d.parse().map_err(|_| bad_day())?,
                );
                // Every year has it (29 February does not).
                chrono::NaiveDate::from_ymd_opt(2027, m, d).ok_or_else(bad_day)?;
                Some((m, d))
            }
        };
        let tls = match (value("AMPS_TLS_CERT", &None), value("AMPS_TLS_KEY", &None)) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            }),
            (Some(_), None) => {
                return Err(bad(
                    "AMPS_TLS_KEY",
                    "AMPS_TLS_CERT is set: give its private key too",
                ));
            }
            (None, Some(_)) => {
                return Err(bad(
                    "AMPS_TLS_CERT",
                    "AMPS_TLS_KEY is set: give its certificate too",
                ));
            }
        };
        let webhook_networks = networks("AMPS_WEBHOOK_ALLOWED_NETWORKS")?;
        use crate::auth::jwt::ExternalKey;
        let signing_key = match (
            value("AMPS_SIGNING_KEY_FILE", &None),
            value("AMPS_SIGNING_KEY", &None),
        ) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "AMPS_SIGNING_KEY",
                    "set AMPS_SIGNING_KEY_FILE or AMPS_SIGNING_KEY, not both",
                ));
            }
            (Some(path), None) => Some(ExternalKey::File(PathBuf::from(path))),
            (None, Some(pem)) => Some(ExternalKey::Pem(SecretString::from(pem))),
            (None, None) => None,
        };
        // Read now, so a missing or malformed key stops start-up naming its variable.
        if let Some(key) = &signing_key
            && let Err(e) = key.read()
        {
            return Err(bad(key.setting(), e));
        }
        let trusted_proxies = networks("AMPS_TRUSTED_PROXIES")?;
        let client_cert_header =
            value("AMPS_CLIENT_CERT_HEADER", &None).unwrap_or_else(|| "X-Client-Cert".into());
        if actix_web::http::header::HeaderName::from_bytes(client_cert_header.as_bytes()).is_err() {
            return Err(bad(
                "AMPS_CLIENT_CERT_HEADER",
                format!("{client_cert_header:?} is not a header name"),
            ));
        }
        jobs.claim_lease = seconds("AMPS_CLAIM_LEASE_SECONDS", 3600)?;
        let body_idle = seconds("AMPS_BODY_IDLE_SECONDS", 300)?.unwrap_or(std::time::Duration::from_secs(10));
        let metrics_token = match value("AMPS_METRICS_TOKEN", &None) {
            None => None,
            Some(t) if t.len() >= 32 && t.chars().all(|c| c.is_ascii_graphic()) => {
                Some(SecretString::from(t))
            }
            Some(_) => {
                return Err(bad(
                    "AMPS_METRICS_TOKEN",
                    "must be at least 32 printable characters without spaces (e.g. `openssl rand -hex 32`)",
                ));
            }
        };
        let certificates = match value("AMPS_CLIENT_CA", &None) {
            None => None,
            Some(_)
                if tls.is_none()
                    && (trusted_proxies.is_empty() || value("AMPS_CERT_URL", &None).is_none()) =>
            {
                return Err(bad(
                    "AMPS_CLIENT_CA",
                    "certificate sign-in needs TLS (AMPS_TLS_CERT and AMPS_TLS_KEY), or a proxy that asks for the certificate: AMPS_TRUSTED_PROXIES and AMPS_CERT_URL",
                ));
            }
            Some(ca) => {
                let crls = value("AMPS_CRL", &None)
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .collect();
                let bind = match value("AMPS_CERT_BIND", &None) {
                    _ if tls.is_none() => None,
                    Some(b) => Some(b.parse().map_err(|_| {
                        bad(
                            "AMPS_CERT_BIND",
                            format!("{b:?} is not a host:port address such as 127.0.0.1:8443"),
                        )
                    })?),
                    None => Some(SocketAddr::new(
                        bind.ip(),
                        bind.port().checked_add(1).ok_or_else(|| {
                            bad(
                                "AMPS_CERT_BIND",
                                "AMPS_BIND's port plus one is not a port: set AMPS_CERT_BIND",
                            )
                        })?,
                    )),
                };
                let url = match value("AMPS_CERT_URL", &None) {
                    None => None,
                    Some(u) => {
                        let url = Url::parse(&u)
                            .ok()
                            .filter(|u| u.scheme() == "https" && u.host().is_some())
                            .ok_or_else(|| bad("AMPS_CERT_URL", format!("{u:?} is not an https:// URL")))?;
                        Some(url)
                    }
                };
                Some(CertificateSignIn {
                    client_ca: ca.into(),
                    crls,
                    bind,
                    url,
                })
            }
        };
        Ok(Self {
            tls,
            certificates,
            trusted_proxies,
            client_cert_header,
            metrics_token,
            body_idle,
            webhook_networks,
            signing_key,
            session_max: chrono::Duration::hours(session_max),
            revalidation_reject_disables,
            revalidation_annual,
            dev_mailbox,
            dev_clock,
            help_desk,
            schedule,
            jobs,
            database_url: database_url.into(),
            bind,
            public_url,
            smtp,
            data_dir,
            web_dir,
            mail_from,
            log_json,
        })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, ip: std::net::IpAddr) -> bool {
        self.trusted_proxies.iter().any(|n| n.contains(&ip))
    }

    /// Whether refresh cookies get the `Secure` attribute.
    pub fn is_tls(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute link to a page of the SPA.
    pub fn link(&self, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.public_url.as_str().trim_end_matches('/'),
            path_and_query
        )
    }
}

fn days(var: &'static str, default: i64) -> Result<i64, ConfigError> {
    match value(var, &None) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| bad(var, format!("{v:?} is not a number of days from 1 to 365"))),
    }
}

fn schedule() -> Result<crate::domain::schedule::Schedule, ConfigError> {
    let business_days = match value("AMPS_BUSINESS_DAYS", &None).as_deref() {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(other) => {
            return Err(bad(
                "AMPS_BUSINESS_DAYS",
                format!("{other:?} is not true or false"),
            ));
        }
    };
    let mut holidays = std::collections::HashSet::new();
    for d in value("AMPS_HOLIDAYS", &None)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| bad("AMPS_HOLIDAYS", format!("{d:?} is not a YYYY-MM-DD date")))?;
        holidays.insert(date);
    }
    Ok(crate::domain::schedule::Schedule {
        due_days: days("AMPS_TASK_DUE_DAYS", 20)?,
        reminder_days: days("AMPS_REMINDER_DAYS", 2)?,
        business_days,
        holidays,
        renewal_days: days("AMPS_RENEWAL_WINDOW_DAYS", 30)?,
        inactivity_days: days("AMPS_INACTIVITY_DAYS", 90)?,
        unverified_days: days("AMPS_UNVERIFIED_DAYS", 7)?,
    })
}

fn parse_smtp(u: &str) -> Result<SmtpSettings, ConfigError> {
    const VAR: &str = "AMPS_SMTP_URL";
    let url = Url::parse(u).map_err(|e| bad(VAR, format!("not a URL: {e}")))?;
    let implicit_tls = match url.scheme() {
        "smtp" => false,
        "smtps" => true,
        s => return Err(bad(VAR, format!("scheme {s:?} must be smtp or smtps"))),
    };
    let host = url
        .host_str()
        .ok_or_else(|| bad(VAR, "the URL has no host"))?
        .to_string();
    let port = url.port().unwrap_or(if implicit_tls { 465 } else { 25 });
    let starttls = url.query_pairs().any(|(k, v)| k == "starttls" && v == "true");
    let username = (!url.username().is_empty()).then(|| url.username().to_string());
    let password = url.password().map(|p| SecretString::from(p.to_string()));
    // Credentials in clear text over the network: only when the operator says so.
    let insecure = url.query_pairs().any(|(k, v)| k == "insecure" && v == "true");
    if (username.is_some() || password.is_some()) && !implicit_tls && !starttls && !insecure {
        return Err(bad(
            VAR,
            "smtp:// with a user name or password would send them unencrypted: use smtps://, add ?starttls=true, or (on a network you trust) ?insecure=true",
        ));
    }
    Ok(SmtpSettings {
        host,
        port,
        implicit_tls,
        starttls,
        username,
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_variable() {
        let e = Settings::load(&Overrides {
            bind: Some("nonsense".into()),
            ..Default::default()
        })
        .expect_err("bad bind");
        assert_eq!(e.var, "AMPS_BIND");
        assert!(e.to_string().starts_with("AMPS_BIND: "));
        let e = Settings::load(&Overrides {
            smtp_url: Some("http://x".into()),
            ..Default::default()
        })
        .expect_err("bad smtp");
        assert_eq!(e.var, "AMPS_SMTP_URL");
        let e = Settings::load(&Overrides {
            database_url: Some("mysql://x".into()),
            ..Default::default()
        })
        .expect_err("bad db");
        assert_eq!(e.var, "DATABASE_URL");
        let e = Settings::load(&Overrides {
            public_url: Some("ftp://x".into()),
            ..Default::default()
        })
        .expect_err("bad public url");
        assert_eq!(e.var, "AMPS_PUBLIC_URL");
    }

    #[test]
    fn smtp_url_parses_host_port_and_credentials() {
        let s = parse_smtp("smtp://user:pw@127.0.0.1:2525?starttls=true").expect("valid");
        assert_eq!(
            (s.host.as_str(), s.port, s.implicit_tls, s.starttls),
            ("127.0.0.1", 2525, false, true)
        );
        assert_eq!(s.username.as_deref(), Some("user"));
    }

    #[test]
    fn smtp_credentials_never_travel_in_clear_text_unless_asked() {
        let e = parse_smtp("smtp://user:pw@mail.example:25").expect_err("clear text");
        assert_eq!(e.var, "AMPS_SMTP_URL");
        assert!(e.problem.contains("unencrypted"), "{}", e.problem);
        assert!(parse_smtp("smtp://user:pw@mail.example:587?starttls=true").is_ok());
        assert!(parse_smtp("smtps://user:pw@mail.example").is_ok());
        assert!(parse_smtp("smtp://user:pw@127.0.0.1:2525?insecure=true").is_ok());
        // Without credentials nothing secret travels.
        assert!(parse_smtp("smtp://127.0.0.1:2525").is_ok());
    }

    #[test]
    fn flags_win_over_defaults() {
        let s = Settings::load(&Overrides {
            bind: Some("127.0.0.1:9999".into()),
            database_url: Some("sqlite::memory:".into()),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(s.bind.port(), 9999);
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:9999/");
    }
}
