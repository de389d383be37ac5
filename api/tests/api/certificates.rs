//! PIV / CAC sign-in (issue #15) over real TLS: the server terminates HTTPS itself, its
//! certificate listener asks for a client certificate, and the tests present certificates of
//! their own certificate authorities (rcgen): a card with a UPN, the same card reissued, an
//! expired one, a revoked one (in the configured CRL), one from another authority, and one
//! bound to nobody.

use crate::both_dbs;
use crate::helpers::*;
use crate::mfa::{aal, amr, two_step, with_authenticator};
use amps_openapi::*;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, OtherNameValue, RevokedCertParams, SanType,
    SerialNumber, date_time_ymd,
};
use sea_orm::{ConnectionTrait, Statement};
use std::path::PathBuf;

both_dbs!(
    a_person_binds_their_card_and_signs_in_with_it_and_bad_certificates_are_refused,
    behind_a_trusted_proxy_its_forwarded_address_and_certificate_count_and_nobody_elses,
);

/// A client certificate and its key, PEM.
struct Card {
    pem: String,
    /// The certificate alone.
    cert_pem: String,
}

/// Test certificate authorities and their files.
struct Pki {
    dir: PathBuf,
    issuer: Issuer<'static, KeyPair>,
    other: Issuer<'static, KeyPair>,
    server_ca_pem: String,
}

const UPN_OID: [u64; 9] = [1, 3, 6, 1, 4, 1, 311, 20, 2];

fn ca(name: &str) -> (CertificateParams, KeyPair) {
    let key = KeyPair::generate().expect("key");
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, name);
    p.distinguished_name
        .push(DnType::OrganizationName, "U.S. Government");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    (p, key)
}

impl Pki {
    /// Two client authorities (one configured, one not), a server certificate for 127.0.0.1,
    /// and a CRL revoking serial 66; written to a fresh directory.
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("amps-pki-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (ca_params, ca_key) = ca("AMPS Test PIV CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
        std::fs::write(dir.join("client-ca.pem"), ca_cert.pem()).expect("write");
        let issuer = Issuer::new(ca_params, ca_key);
        let (other_params, other_key) = ca("Somebody Else's CA");
        let other = Issuer::new(other_params, other_key);
        // The server's own certificate, from a third authority the test clients trust.
        let (server_ca_params, server_ca_key) = ca("AMPS Test Server CA");
        let server_ca_pem = server_ca_params
            .self_signed(&server_ca_key)
            .expect("server ca")
            .pem();
        let server_issuer = Issuer::new(server_ca_params, server_ca_key);
        let server_key = KeyPair::generate().expect("key");
        let mut sp = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        sp.subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().expect("ip")));
        sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = sp.signed_by(&server_key, &server_issuer).expect("server cert");
        std::fs::write(dir.join("server.pem"), server.pem()).expect("write");
        std::fs::write(dir.join("server-key.pem"), server_key.serialize_pem()).expect("write");
        let pki = Self {
            dir,
            issuer,
            other,
            server_ca_pem,
        };
        pki.write_crl(&[66]);
        pki
    }

    /// Writes the configured authority's revocation list, revoking `serials`.
    fn write_crl(&self, serials: &[u64]) {
        let crl = CertificateRevocationListParams {
            this_update: date_time_ymd(2026, 11, 1),
            next_update: date_time_ymd(2027, 1, 1),
            crl_number: SerialNumber::from(serials.len() as u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: date_time_ymd(2026, 11, 2),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&self.issuer)
        .expect("crl");
        std::fs::write(self.dir.join("ca.crl.pem"), crl.pem().expect("pem")).expect("write");
    }

    /// A card's authentication certificate: `cn` (e.g. `DOE.JANE.Q.1234567890`), an optional
    /// UPN, serial `serial`, valid `from`..`to` (years), issued by `by`.
    fn card(
        &self,
        cn: &str,
        upn: Option<&str>,
        serial: u64,
        years: (i32, i32),
        by: &Issuer<'_, KeyPair>,
    ) -> Card {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.distinguished_name
            .push(DnType::OrganizationName, "U.S. Government");
        if let Some(upn) = upn {
            p.subject_alt_names.push(SanType::OtherName((
                UPN_OID.iter().copied().chain([3]).collect(),
                OtherNameValue::Utf8String(upn.into()),
            )));
        }
        p.serial_number = Some(SerialNumber::from(serial));
        p.not_before = date_time_ymd(years.0, 1, 1);
        p.not_after = date_time_ymd(years.1, 6, 1);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = p.signed_by(&key, by).expect("card");
        Card {
            pem: format!("{}{}", key.serialize_pem(), cert.pem()),
            cert_pem: cert.pem(),
        }
    }

    fn tweak(&self, s: &mut amps::config::Settings) {
        s.tls = Some(amps::config::TlsFiles {
            cert: self.dir.join("server.pem"),
            key: self.dir.join("server-key.pem"),
        });
        s.certificates = Some(amps::config::CertificateSignIn {
            client_ca: self.dir.join("client-ca.pem"),
            crls: vec![self.dir.join("ca.crl.pem")],
            bind: Some("127.0.0.1:0".parse().expect("addr")),
            url: None,
        });
        let mut public = s.public_url.clone();
        public.set_scheme("https").expect("scheme");
        s.public_url = public;
    }
}

/// An HTTP client presenting `card` (or no certificate), not following redirects.
fn holding(app: &TestApp, card: Option<&Card>) -> reqwest::Client {
    let mut b = app.http_builder().redirect(reqwest::redirect::Policy::none());
    if let Some(card) = card {
        b = b.identity(reqwest::Identity::from_pem(card.pem.as_bytes()).expect("identity"));
    }
    b.build().expect("client")
}

/// Presents `card` at the certificate sign-in as a program: the code, or the problem.
async fn present(app: &TestApp, url: &str, card: Option<&Card>) -> Result<String, (u16, String)> {
    let r = holding(app, card)
        .get(format!("{url}?state=s7a7e-1234"))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    if status == 303 {
        let location = r.headers()["location"].to_str().expect("ascii").to_string();
        let fragment = location
            .split_once("/sign-in/certificate#")
            .expect("back to the web app")
            .1;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect();
        assert!(
            pairs.contains(&("state".into(), "s7a7e-1234".into())),
            "{location}"
        );
        return Ok(pairs.into_iter().find(|(k, _)| k == "code").expect("code").1);
    }
    let body: serde_json::Value = r.json().await.expect("problem");
    Err((status, body["type"].as_str().unwrap_or_default().to_string()))
}

async fn failures(app: &TestApp) -> i64 {
    let row = app
        .ctx
        .db
        .query_one_raw(Statement::from_string(
            app.ctx.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'auth.login_failed'".to_string(),
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn a_person_binds_their_card_and_signs_in_with_it_and_bad_certificates_are_refused(db: Db) {
    let pki = Pki::new();
    let mut app = seeded_with(db, &|s| pki.tweak(s)).await;
    app.tls_root = Some(reqwest::Certificate::from_pem(pki.server_ca_pem.as_bytes()).expect("root"));
    let cert_base = app.cert_base.clone().expect("certificate listener");

    // The main address serves HTTPS itself, and says where certificate sign-in is.
    let methods = app.client().sign_in_methods().await.expect("methods");
    let url = methods.certificate_url.expect("certificate sign-in offered");
    assert_eq!(url, format!("{cert_base}api/v1/auth/certificate"));
    // Not served on the main address: nobody is asked for a card there.
    let r = app
        .http()
        .get(app.url("/api/v1/auth/certificate"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 404);

    let jane = pki.card(
        "REQUESTER.JANE.Q.1234567890",
        Some("1234567890@mil"),
        10,
        (2026, 2029),
        &pki.issuer,
    );
    // Bound to nobody yet.
    assert_eq!(
        present(&app, &url, Some(&jane)).await,
        Err((401, "/problems/certificate-not-bound".into()))
    );

    // Binding needs a sign-in with a second factor.
    let password_only = as_user(&app, "jrequester").await;
    let e = password_only
        .start_certificate_binding()
        .await
        .expect_err("password only");
    assert_eq!(e.problem().expect("problem").status, 403);
    let secret = with_authenticator(&app, &password_only, "jrequester").await;
    let (me, _) = two_step(&app, "jrequester", &secret).await;
    let ticket = me.start_certificate_binding().await.expect("ticket");
    assert_eq!(ticket.url, format!("{cert_base}api/v1/auth/certificate/binding"));
    // A ticket is no use without the card, and a card is no use with a wrong ticket.
    let r = holding(&app, None)
        .post(&ticket.url)
        .form(&[("ticket", ticket.ticket.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401);
    let r = holding(&app, Some(&jane))
        .post(&ticket.url)
        .form(&[("ticket", "not-the-ticket")])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    let r = holding(&app, Some(&jane))
        .post(&ticket.url)
        .form(&[("ticket", ticket.ticket.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 201);
    let bound: CertificateResponse = r.json().await.expect("binding");
    assert_eq!(bound.identity, "upn:1234567890@mil");
    assert!(
        bound.subject.contains("REQUESTER.JANE.Q.1234567890"),
        "{}",
        bound.subject
    );
    // Once.
    let r = holding(&app, Some(&jane))
        .post(&ticket.url)
        .form(&[("ticket", ticket.ticket.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    let mine = me.my_certificates().await.expect("mine");
    assert_eq!(mine.len(), 1);
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(
        mail.subject.contains("certificate can now sign you in"),
        "{}",
        mail.subject
    );

    // The card signs Jane in, as more than a password.
    let code = present(&app, &url, Some(&jane)).await.expect("code");
    let mut c = app.client();
    let t = c
        .certificate_sign_in(&CertificateSignInRequest { code: code.clone() })
        .await
        .expect("signed in");
    assert_eq!(amr(&t.access_token), ["sc", "hwk"]);
    assert_eq!(aal(&t.access_token), 3);
    assert_eq!(c.me().await.expect("me").user_id, "jrequester");
    // Each code once.
    let e = app
        .client()
        .certificate_sign_in(&CertificateSignInRequest { code })
        .await
        .expect_err("spent");
    assert_eq!(e.problem().expect("problem").status, 401);
    // A refreshed token keeps saying how the sign-in was proved.
    let t = c.refresh().await.expect("refreshed");
    assert_eq!(amr(&t.access_token), ["sc", "hwk"]);
    // The card reissued (new key, new serial, same UPN) signs her in too.
    let reissued = pki.card(
        "REQUESTER.JANE.Q.1234567890",
        Some("1234567890@mil"),
        11,
        (2026, 2030),
        &pki.issuer,
    );
    assert!(present(&app, &url, Some(&reissued)).await.is_ok());

    // Every other certificate is refused, each with its reason, audited and counted.
    let before = failures(&app).await;
    let expired = pki.card(
        "REQUESTER.JANE.Q.1234567890",
        Some("1234567890@mil"),
        12,
        (2024, 2026),
        &pki.issuer,
    );
    let revoked = pki.card(
        "REQUESTER.JANE.Q.1234567890",
        Some("1234567890@mil"),
        66,
        (2026, 2029),
        &pki.issuer,
    );
    let foreign = pki.card(
        "REQUESTER.JANE.Q.1234567890",
        Some("1234567890@mil"),
        13,
        (2026, 2029),
        &pki.other,
    );
    let stranger = pki.card("STRANGER.SAM.9999999999", None, 14, (2026, 2029), &pki.issuer);
    for (card, kind) in [
        (None, "/problems/certificate-missing"),
        (Some(&expired), "/problems/certificate-expired"),
        (Some(&revoked), "/problems/certificate-revoked"),
        (Some(&foreign), "/problems/certificate-untrusted"),
        (Some(&stranger), "/problems/certificate-not-bound"),
    ] {
        assert_eq!(present(&app, &url, card).await, Err((401, kind.into())), "{kind}");
    }
    assert_eq!(failures(&app).await, before + 5);
    // A browser is sent back to the web app, which says why.
    let r = holding(&app, Some(&revoked))
        .get(format!("{url}?state=browser-state"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().expect("ascii");
    assert!(
        location.ends_with("/sign-in/certificate#error=certificate-revoked&state=browser-state"),
        "{location}"
    );

    // The authority revokes the reissued card: the new list takes effect without a restart.
    pki.write_crl(&[66, 11]);
    eventually("the new revocation list is in force", || async {
        present(&app, &url, Some(&reissued)).await == Err((401, "/problems/certificate-revoked".into()))
    })
    .await;
    assert!(present(&app, &url, Some(&jane)).await.is_ok());

    // A card bound to a suspended account signs nobody in.
    let admin = as_user(&app, "aadmin").await;
    let jane_id = c.me().await.expect("me").id;
    admin
        .set_user_status(
            jane_id,
            &SetUserStatusRequest {
                status: SettableStatus::Suspended,
                reason: "Left the agency".into(),
            },
        )
        .await
        .expect("suspended");
    assert_eq!(present(&app, &url, Some(&jane)).await.map_err(|e| e.0), Err(403));
    admin
        .set_user_status(
            jane_id,
            &SetUserStatusRequest {
                status: SettableStatus::Active,
                reason: "Came back to the agency".into(),
            },
        )
        .await
        .expect("active again");

    // Removed, the card signs her in no more.
    let (me, _) = two_step(&app, "jrequester", &secret).await;
    me.remove_my_certificate(bound.id).await.expect("removed");
    assert_eq!(
        present(&app, &url, Some(&jane)).await,
        Err((401, "/problems/certificate-not-bound".into()))
    );
    let e = me.remove_my_certificate(bound.id).await.expect_err("gone");
    assert_eq!(e.problem().expect("problem").status, 404);
}

/// Whether the sign-in throttle has counted a failure for `key`.
async fn counted(app: &TestApp, key: &str) -> bool {
    app.ctx
        .db
        .query_one_raw(Statement::from_sql_and_values(
            app.ctx.db.get_database_backend(),
            match app.ctx.db.get_database_backend() {
                sea_orm::DbBackend::Postgres => "SELECT failures FROM login_throttle WHERE key = $1",
                _ => "SELECT failures FROM login_throttle WHERE key = ?",
            },
            [key.into()],
        ))
        .await
        .expect("query")
        .is_some()
}

/// A wrong password for Jane, through a proxy that says it came from `forwarded_for`.
async fn wrong_password_through(app: &TestApp, forwarded_for: &str) {
    let r = app
        .http()
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&serde_json::json!({"user_id": "jrequester", "password": "not the password"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401);
}

/// Behind a TLS-terminating proxy: the proxy asks for the card at its own address and passes
/// the certificate in a header, and names the client in `X-Forwarded-For`; AMPS believes both
/// only from the proxies it is told to trust.
async fn behind_a_trusted_proxy_its_forwarded_address_and_certificate_count_and_nobody_elses(db: Db) {
    let pki = Pki::new();
    let proxied = |trusted: &'static str| {
        let dir = pki.dir.clone();
        move |s: &mut amps::config::Settings| {
            s.trusted_proxies = vec![trusted.parse().expect("cidr")];
            s.certificates = Some(amps::config::CertificateSignIn {
                client_ca: dir.join("client-ca.pem"),
                crls: vec![dir.join("ca.crl.pem")],
                bind: None,
                url: Some("https://piv.amps.example/".parse().expect("url")),
            });
        }
    };
    let app = seeded_with(db, &proxied("127.0.0.0/8")).await;
    let url = app
        .client()
        .sign_in_methods()
        .await
        .expect("methods")
        .certificate_url;
    assert_eq!(
        url.as_deref(),
        Some("https://piv.amps.example/api/v1/auth/certificate")
    );

    // The client's address is the nearest one the trusted proxy heard from, not what the
    // client wrote itself (the left-most entry).
    wrong_password_through(&app, "192.0.2.66, 203.0.113.9").await;
    assert!(counted(&app, "ip:203.0.113.9").await);
    assert!(!counted(&app, "ip:192.0.2.66").await);
    assert!(!counted(&app, "ip:127.0.0.1").await);

    // The card comes in the proxy's header (URL-encoded PEM, as nginx passes it).
    let jane = pki.card(
        "REQUESTER.JANE.Q.1234567890",
        Some("1234567890@mil"),
        20,
        (2026, 2029),
        &pki.issuer,
    );
    let header =
        percent_encoding::utf8_percent_encode(&jane.cert_pem, percent_encoding::NON_ALPHANUMERIC).to_string();
    let password_only = as_user(&app, "jrequester").await;
    let secret = with_authenticator(&app, &password_only, "jrequester").await;
    let (me, _) = two_step(&app, "jrequester", &secret).await;
    let ticket = me.start_certificate_binding().await.expect("ticket");
    assert_eq!(
        ticket.url,
        "https://piv.amps.example/api/v1/auth/certificate/binding"
    );
    let r = app
        .http()
        .post(app.url("/api/v1/auth/certificate/binding"))
        .header("X-Client-Cert", &header)
        .form(&[("ticket", ticket.ticket.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 201);
    let no_redirects = app
        .http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = no_redirects
        .get(app.url("/api/v1/auth/certificate"))
        .header("X-Client-Cert", &header)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().expect("ascii").to_string();
    let code = location.split_once("#code=").expect("code").1.to_string();
    let t = app
        .client()
        .certificate_sign_in(&CertificateSignInRequest { code })
        .await
        .expect("signed in");
    assert_eq!(amr(&t.access_token), ["sc", "hwk"]);
    // A lost card: the help desk sees it and removes it (Jane is told); others may not.
    let jane_id = me.me().await.expect("me").id;
    let e = as_user(&app, "vvendor")
        .await
        .user_certificates(jane_id)
        .await
        .expect_err("a stranger");
    assert_eq!(e.problem().expect("problem").status, 403);
    let help = as_user(&app, "hhelpdesk").await;
    let cards = help.user_certificates(jane_id).await.expect("cards");
    assert_eq!(cards.len(), 1);
    help.remove_user_certificate(jane_id, cards[0].id)
        .await
        .expect("removed");
    let mail = app.last_mail_to("jane.requester@dla.example").await;
    assert!(mail.body.contains("hhelpdesk removed it"), "{}", mail.body);
    let r = no_redirects
        .get(app.url("/api/v1/auth/certificate"))
        .header("X-Client-Cert", &header)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401);
    // Through the proxy without a card: refused, and counted against the forwarded address.
    let r = no_redirects
        .get(app.url("/api/v1/auth/certificate"))
        .header("X-Forwarded-For", "198.51.100.4")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401);
    assert!(counted(&app, "ip:198.51.100.4").await);

    // A server that trusts other proxies believes neither header from this client.
    let other = seeded_with(db, &proxied("10.0.0.0/8")).await;
    let r = no_redirects
        .get(other.url("/api/v1/auth/certificate"))
        .header("X-Client-Cert", &header)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 404);
    wrong_password_through(&other, "203.0.113.10").await;
    assert!(counted(&other, "ip:127.0.0.1").await);
    assert!(!counted(&other, "ip:203.0.113.10").await);
}
