//! The HMMS-POP journey of the seed procedure, end to end against the real binary: `amps seed
//! --demo` and `amps serve` on a fresh SQLite file, mail delivered over SMTP to a sink on
//! loopback. An external vendor registers, verifies the emailed link, searches "Web User
//! POP-001", requests it with the seed's justification, sees it under Pending Requests; the
//! EAO approves through the emailed link, the security officer, data owner and IAO in their
//! inboxes; the provisioner completes it; the vendor gets the email and sees the role under
//! Current Roles. Afterwards the server's log (our code at debug) holds none of the passwords,
//! access tokens or emailed link tokens of the journey.

mod common;

use amps_openapi::*;
use common::{DEMO_PASSWORD, free_port, seed_demo, serve_logging_to, signed_in};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const JUSTIFICATION: &str = "Need access to HMMS-POP in order to process hazardous material shipments.";

/// An SMTP sink on loopback keeping every message (decoded from quoted-printable).
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<String>>>);

impl Sink {
    async fn start(&self) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let store = self.0.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let cmd = line.to_ascii_uppercase();
                        if cmd.starts_with("DATA") {
                            let _ = w.write_all(b"354 go\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            store.lock().expect("lock").push(qp(&data));
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else if cmd.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            let _ = w.write_all(b"250 ok\r\n").await;
                        }
                    }
                });
            }
        });
        port
    }

    /// Waits for the newest message to `to` whose subject contains `subject`.
    async fn wait(&self, to: &str, subject: &str) -> String {
        for _ in 0..300 {
            let found = self
                .0
                .lock()
                .expect("lock")
                .iter()
                .rev()
                .find(|m| {
                    m.contains(&format!("To: {to}"))
                        && m.lines()
                            .any(|l| l.starts_with("Subject:") && l.contains(subject))
                })
                .cloned();
            if let Some(m) = found {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no mail to {to} about {subject:?}");
    }
}

fn qp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn token(body: &str, marker: &str) -> String {
    let at = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {body}"))
        + marker.len();
    body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

async fn inbox_task(c: &Client, saar: uuid::Uuid) -> ApprovalTaskResponse {
    c.approvals()
        .await
        .expect("inbox")
        .into_iter()
        .find(|t| t.saar.id == saar)
        .expect("task in inbox")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hmms_pop_journey_against_the_real_binary() {
    let sink = Sink::default();
    let smtp = sink.start().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = vec![
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_SMTP_URL", format!("smtp://127.0.0.1:{smtp}")),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
    ];
    let out = seed_demo(&env);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("vvendor") && table.contains("eeao") && table.contains(DEMO_PASSWORD),
        "{table}"
    );
    let log = dir.join("serve.log");
    let mut logged = env.clone();
    logged.push(("AMPS_LOG", "info,amps=debug".into()));
    let (server, base) = serve_logging_to(free_port(), &logged, Some(&log)).await;
    // What must never reach a log line.
    let mut secrets: Vec<String> = vec![DEMO_PASSWORD.into()];
    let anonymous = Client::new(base.clone());

    // The vendor registers and verifies the emailed link.
    let email = "valerie.shipper@acme.example";
    let password = "copper lantern meadow 58";
    secrets.push(password.into());
    anonymous
        .register(&RegisterRequest {
            user_id: "vshipper".into(),
            first_name: "Valerie".into(),
            middle_initial: None,
            last_name: "Shipper".into(),
            email: email.into(),
            phone: "+1 703 555 0142".into(),
            job_title: Some("Hazmat shipping clerk".into()),
            organization: "External".into(),
            company: "Acme Hazmat Logistics".into(),
            eao_email: "erin.authorizer@dla.example".into(),
            password: password.into(),
        })
        .await
        .expect("register");
    let mail = sink.wait(email, "verify your email").await;
    let verify = token(&mail, "/verify-email?token=");
    secrets.push(verify.clone());
    anonymous
        .verify_email(&VerifyEmailRequest { token: verify })
        .await
        .expect("verify");
    let vendor = signed_in(&base, "vshipper", password).await;
    secrets.extend(vendor.token().map(str::to_string));

    // Search, request with the seed's justification, see it pending.
    let pop = vendor
        .search_roles("Web User POP-001", None)
        .await
        .expect("search")
        .into_iter()
        .find(|r| r.environment == "PROD")
        .expect("Web User POP-001 (PROD)");
    let today = chrono::Utc::now().date_naive();
    let out = vendor
        .submit_saars(&SubmitSaarsRequest {
            privacy_act_accepted: true,
            role_ids: vec![pop.id],
            justification: JUSTIFICATION.into(),
            request_type: RequestType::Initial,
            user_info: SaarUserInfo {
                ia_training_date: today,
                job_title: None,
                phone: None,
            },
            on_behalf_of: None,
        })
        .await
        .expect("submit");
    let saar = out.saars[0].clone();
    let pending = vendor.my_requests().await.expect("requests").pending;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].justification, JUSTIFICATION);
    assert_eq!(
        pending[0].waiting_on.as_ref().expect("EAO").who,
        "Erin Authorizer"
    );

    // The EAO approves through the emailed link, without signing in.
    let mail = sink.wait("erin.authorizer@dla.example", &saar.number).await;
    let link = token(&mail, "/approval-link?token=");
    secrets.push(link.clone());
    anonymous
        .approve_by_link(&link, &ApproveRequest::default())
        .await
        .expect("EAO approves by link");

    // The security officer (recording IT level III), data owner and IAO in their inboxes.
    for (login, it_level) in [("ssecurity", Some("III")), ("ddataowner", None), ("iiao", None)] {
        let c = signed_in(&base, login, DEMO_PASSWORD).await;
        secrets.extend(c.token().map(str::to_string));
        let t = inbox_task(&c, saar.id).await;
        c.approve(
            t.id,
            &ApproveRequest {
                it_level: it_level.map(str::to_string),
                ..Default::default()
            },
        )
        .await
        .expect(login);
    }

    // The provisioner completes it; the vendor is told and sees the role.
    let prov = signed_in(&base, "pprovisioner", DEMO_PASSWORD).await;
    secrets.extend(prov.token().map(str::to_string));
    let task = prov
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == saar.number)
        .expect("provisioning task");
    prov.complete_provisioning(
        task.id,
        &CompleteProvisioningRequest {
            note: Some("HMMS-POP account created".into()),
        },
    )
    .await
    .expect("complete");
    let granted = sink.wait(email, "is granted").await;
    assert!(granted.contains(&saar.number), "{granted}");
    let roles = vendor.my_roles().await.expect("current roles");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role.name, "Web User POP-001");
    assert_eq!(roles[0].source_saar.as_deref(), Some(saar.number.as_str()));
    let history = vendor.my_requests().await.expect("requests").history;
    assert_eq!(history[0].status, SaarStatus::Completed);
    assert_eq!(history[0].steps.len(), 4);

    drop(server);
    let lines = std::fs::read_to_string(&log).expect("server log");
    // The log was on: it names the routes the journey took (by pattern, not by path).
    assert!(
        lines.contains("/api/v1/approval-links/{token}/approve"),
        "{lines}"
    );
    assert_eq!(secrets.len(), 9);
    for s in &secrets {
        assert!(s.len() >= 16, "{s}");
        assert!(
            !lines.contains(s.as_str()),
            "a secret of the journey is in the log: {s}"
        );
    }
    for leak in ["panicked at", "stack backtrace", "SELECT ", "INSERT INTO"] {
        assert!(!lines.contains(leak), "{leak} in the log:\n{lines}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
