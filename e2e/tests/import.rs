//! `amps user import FILE`: an organization's internal accounts from a CSV file, against the
//! real binary on SQLite and PostgreSQL. A file with any bad row imports nothing and names
//! every bad row's line and reason; a dry run writes nothing; the import invites each person
//! by mail (they set a password and sign in through `amps serve`); running it again is
//! harmless.

mod common;

use amps_openapi::*;
use common::{DEMO_PASSWORD, binary, free_port, serve, signed_in};
use sea_orm::{ConnectionTrait, Database};
use std::path::Path;
use std::process::{Command, Output};

const HEADER: &str = "user_id,first_name,middle_initial,last_name,email,phone,job_title,organization,user_type,company,contract_number,contract_ends_on,supervisor";
const NORA: &str = "nnewcomb,Nora,K,Newcomb,nora.newcomb@dla.example,+1 703 555 0142,Inventory Specialist,DLA,civilian,,,,ssupervisor";
const CARL: &str = "ccontract,Carl,,Contract,carl.contract@dla.example,+1 703 555 0143,,DFAS,Contractor,Acme Logistics,SP4701-26-D-0042,2099-06-30,";

fn amps(env: &[(&str, String)], args: &[&str]) -> Output {
    let mut c = Command::new(binary());
    c.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("AMPS_SMTP_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run amps")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn file(dir: &Path, name: &str, rows: &[&str]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{}\n", rows.join("\n"))).expect("write the file");
    path.display().to_string()
}

async fn journey(env: Vec<(&'static str, String)>, dir: &Path) {
    let out = amps(&env, &["seed", "--demo"]);
    assert!(out.status.success(), "{}", text(&out));

    // Every bad row is named with its line and reason, and nothing is imported.
    let bad = file(
        dir,
        "bad.csv",
        &[
            HEADER,
            NORA,
            "nolast,No,,,no.last@dla.example,+1 703 555 0144,,DLA,civilian,,,,",
            "cbad,Cal,,Baddate,cal.bad@dla.example,+1 703 555 0145,,DLA,contractor,Acme,C-1,30/06/2099,",
            "nowhere,Nia,,Where,nia.where@dla.example,+1 703 555 0146,,NOPE,civilian,,,,",
            "ntwice,Nora,,Twice,NORA.NEWCOMB@dla.example,+1 703 555 0147,,DLA,civilian,,,,",
            "nosuper,Noa,,Super,noa.super@dla.example,+1 703 555 0148,,DLA,military,,,,nobody",
        ],
    );
    let out = amps(&env, &["user", "import", &bad]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    for (line, field) in [
        (3, "last_name"),
        (4, "contract_ends_on"),
        (5, "organization"),
        (6, "email"),
        (7, "supervisor"),
    ] {
        assert!(
            said.contains(&format!("line {line}: {field}")),
            "line {line} ({field}): {said}"
        );
    }
    assert!(!said.contains("line 2:"), "line 2 is fine: {said}");
    assert!(said.contains("Nothing was imported"), "{said}");

    // A file without a required column is refused as a whole.
    let no_phone = file(
        dir,
        "no-phone.csv",
        &["user_id,first_name,last_name,email", "a,b,c,d@dla.example"],
    );
    let out = amps(&env, &["user", "import", &no_phone]);
    assert!(!out.status.success());
    assert!(text(&out).contains("\"phone\""), "{}", text(&out));

    // A dry run checks and writes nothing; then the import creates both, and a rerun nothing.
    let good = file(dir, "good.csv", &[HEADER, NORA, CARL]);
    let out = amps(&env, &["user", "import", "--dry-run", &good]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Dry run: would create 2 accounts"),
        "{}",
        text(&out)
    );
    let out = amps(&env, &["user", "import", &good]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Created 2 accounts; 0 were there already"),
        "{}",
        text(&out)
    );
    let out = amps(&env, &["user", "import", &good]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Created 0 accounts; 2 were there already"),
        "{}",
        text(&out)
    );

    // Each person was invited once; Carl sets his password and signs in.
    let mut served = env.clone();
    served.push(("AMPS_DEV_MAILBOX", "true".into()));
    let (_server, base) = serve(free_port(), &served).await;
    let anyone = Client::new(base.clone());
    let mail = anyone.mailbox().await.expect("mailbox").messages;
    let invitations: Vec<_> = mail
        .iter()
        .filter(|m| m.subject.contains("set your password"))
        .collect();
    assert_eq!(invitations.len(), 2, "{invitations:?}");
    let to_carl = invitations
        .iter()
        .find(|m| m.to == "carl.contract@dla.example")
        .expect("Carl's invitation");
    let start = to_carl.body.find("/invitation?token=").expect("link") + "/invitation?token=".len();
    let token: String = to_carl.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    anyone
        .accept_invitation(&AcceptInvitationRequest {
            token,
            password: "Harbor lights over the depot".into(),
        })
        .await
        .expect("accepted");
    let carl = signed_in(&base, "ccontract", "Harbor lights over the depot").await;
    let me = carl.me().await.expect("me");
    assert_eq!(
        (
            me.user_type.as_str(),
            me.organization.code.as_str(),
            me.company.as_deref()
        ),
        ("contractor", "DFAS", Some("Acme Logistics"))
    );
    let admin = signed_in(&base, "aadmin", DEMO_PASSWORD).await;
    let nora = admin
        .users(&ListUsersQuery {
            q: Some("nnewcomb".into()),
            ..Default::default()
        })
        .await
        .expect("users")
        .users;
    assert_eq!(nora.len(), 1);
    let nora = admin.user(nora[0].id).await.expect("Nora");
    assert_eq!(nora.user.status, "pending_verification");
    assert_eq!(nora.supervisor.as_deref(), Some("Sam Supervisor"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizations_accounts_are_imported_from_csv_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("amps-e2e-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = vec![
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
    ];
    journey(env, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizations_accounts_are_imported_from_csv_on_postgresql() {
    let server =
        std::env::var("AMPS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let admin_db = Database::connect(format!("{server}/postgres"))
        .await
        .expect("PostgreSQL");
    let name = format!("amps_e2e_import_{}", std::process::id());
    admin_db
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .ok();
    admin_db
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let dir = std::env::temp_dir().join(format!("amps-e2e-import-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = vec![
        ("DATABASE_URL", format!("{server}/{name}")),
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
    ];
    journey(env, &dir).await;
    admin_db
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .ok();
    let _ = std::fs::remove_dir_all(&dir);
}
