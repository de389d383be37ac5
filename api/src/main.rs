//! The `amps` command: serve, migrate, seed, openapi, and administrative commands.
#![forbid(unsafe_code)]

use amps::clock::SystemClock;
use amps::config::{Overrides, Settings};
use amps::startup::{self, Application};
use amps::store::audit::Actor;
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;

/// AMPS: Account Management and Provisioning System.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Database URL (env DATABASE_URL; default sqlite file in the data dir).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Listen address (env AMPS_BIND; default 127.0.0.1:8080).
    #[arg(long, global = true)]
    bind: Option<String>,
    /// Public URL, for emailed links and the token issuer (env AMPS_PUBLIC_URL).
    #[arg(long, global = true)]
    public_url: Option<String>,
    /// SMTP relay, e.g. smtp://127.0.0.1:2525 (env AMPS_SMTP_URL; unset keeps mail in the outbox).
    #[arg(long, global = true)]
    smtp_url: Option<String>,
    /// Data directory (env AMPS_DATA_DIR; default ./data).
    #[arg(long, global = true)]
    data_dir: Option<String>,
    /// Built web app directory (env AMPS_WEB_DIR; default ./web/dist).
    #[arg(long, global = true)]
    web_dir: Option<String>,
    /// Log JSON lines (env AMPS_LOG_JSON=true).
    #[arg(long, global = true)]
    log_json: bool,
    /// Development only: show the outbox at /mailbox and GET /api/v1/dev/mailbox (env
    /// AMPS_DEV_MAILBOX=true); refused unless the server binds a loopback address.
    #[arg(long, global = true)]
    dev_mailbox: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the web app and Swagger UI.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Load data.
    Seed {
        /// Load the demo catalog and accounts and print them.
        #[arg(long)]
        demo: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Account administration.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Service clients (OAuth2 client credentials).
    ServiceClient {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The keys access tokens are signed with.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Sign new tokens with a new key: every running replica switches within seconds; the
    /// keys it replaces stay accepted (and in the JWKS) for 20 minutes, until the tokens they
    /// signed have expired. With AMPS_SIGNING_KEY_FILE the new key is written to that file.
    Rotate {
        /// Stop accepting the replaced keys now (a key that leaked): everyone signed in gets
        /// a new token at their next refresh; access tokens already given out stop working.
        #[arg(long)]
        at_once: bool,
    },
    /// List the keys: which one signs, which are still accepted and until when.
    List,
    /// Print a new Ed25519 private key (PKCS#8 PEM) for AMPS_SIGNING_KEY_FILE or
    /// AMPS_SIGNING_KEY; nothing is written.
    Generate,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Seal what is pending, then check the hash chain from its first event; exits non-zero
    /// naming the first event that was changed (or whose predecessor was deleted). With
    /// `--saar` and `--hash`, also checks that a hash printed on that SAAR's DD 2875 is the
    /// seal of one of its events.
    Verify {
        /// The SAAR's number, e.g. SAAR-2026-000123.
        #[arg(long, requires = "hash")]
        saar: Option<String>,
        /// A hash printed on the SAAR's DD 2875.
        #[arg(long, requires = "saar")]
        hash: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create the internal accounts of a CSV file (header: user_id, first_name,
    /// middle_initial, last_name, email, phone, job_title, organization, user_type, company,
    /// contract_number, contract_ends_on, supervisor); each person is mailed an invitation.
    /// All or nothing: any refused row (listed with its line) imports none. Rows already
    /// imported are left alone, so running it again is harmless.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Check every row and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create an administrator with a generated password (printed once).
    CreateAdmin {
        #[arg(long)]
        user_id: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Create a service client; prints its id and secret (shown once).
    Create {
        #[arg(long)]
        name: String,
        /// Space-separated scopes.
        #[arg(long, default_value = "")]
        scopes: String,
    },
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("AMPS_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn print_demo(accounts: &[amps::seed::DemoAccount]) {
    println!("Demo accounts (sign in at the URL above):");
    println!("  {:<14} {:<42} Password", "User ID", "Who");
    for a in accounts {
        println!("  {:<14} {:<42} {}", a.login, a.who, a.password);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        database_url: cli.database_url,
        bind: cli.bind,
        public_url: cli.public_url,
        smtp_url: cli.smtp_url,
        data_dir: cli.data_dir,
        web_dir: cli.web_dir,
        log_json: cli.log_json,
        dev_mailbox: cli.dev_mailbox,
    };
    if let Command::Openapi = cli.command {
        println!("{}", amps::http::openapi().to_pretty_json()?);
        return Ok(());
    }
    // Needs no settings: it makes the key a setting will name.
    if let Command::Keys {
        command: KeysCommand::Generate,
    } = cli.command
    {
        let (_, pem) = amps::auth::jwt::generate_pem()?;
        print!("{}", secrecy::ExposeSecret::expose_secret(&pem));
        return Ok(());
    }
    let settings = Settings::load(&overrides)?;
    init_tracing(settings.log_json);
    let clock: Arc<dyn amps::clock::Clock> = if settings.dev_clock {
        Arc::new(amps::clock::DevClock::default())
    } else {
        Arc::new(SystemClock)
    };
    match cli.command {
        Command::Serve => {
            let app = Application::build(settings.clone(), clock, None).await?;
            tracing::info!(url = %settings.public_url, port = app.port(), "AMPS is serving: web app at /, API at /api/v1, Swagger UI at /docs");
            if settings.dev_clock {
                tracing::warn!(
                    "development clock ON: anyone may move this server's time forward at /api/v1/dev/clock; never use this setting in production"
                );
            }
            if settings.dev_mailbox {
                tracing::warn!(
                    "development mailbox ON: recent mail (reset and approval links included) is shown to anyone at /mailbox; never use this setting in production"
                );
            }
            if settings.smtp.is_none() {
                tracing::warn!(
                    "no SMTP relay configured (AMPS_SMTP_URL): mail waits in the outbox and is not sent"
                );
            }
            app.run().await?;
        }
        Command::Migrate => {
            startup::context(settings, clock).await?;
            println!("Database is up to date.");
        }
        Command::Seed { demo } => {
            let ctx = startup::context(settings.clone(), clock).await?;
            if demo {
                let accounts = amps::seed::demo(&ctx).await?;
                println!(
                    "Demo data loaded into the database; AMPS serves at {}",
                    settings.public_url
                );
                print_demo(&accounts);
            } else {
                println!("Reference data is in place (use --demo for demo data).");
            }
        }
        Command::User {
            command:
                UserCommand::CreateAdmin {
                    user_id,
                    first_name,
                    last_name,
                    email,
                },
        } => {
            let ctx = startup::context(settings, clock).await?;
            let pw = amps::seed::create_admin(&ctx, &user_id, &first_name, &last_name, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            println!(
                "Administrator {user_id} created. Password (shown once, change it after signing in): {pw}"
            );
        }
        Command::User {
            command: UserCommand::Import { file, dry_run },
        } => {
            let ctx = startup::context(settings, clock).await?;
            let content =
                std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let rows = content.iter().filter(|b| **b == b'\n').count().saturating_sub(1);
            let bar = indicatif::ProgressBar::new(rows as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} rows")?
                    .progress_chars("=> "),
            );
            bar.set_message(if dry_run { "Checking" } else { "Importing" });
            let report =
                amps::service::invitations::import(&ctx, content.as_slice(), dry_run, &|| bar.inc(1))
                    .await
                    .map_err(|e| anyhow::anyhow!("{} is refused: {e}", file.display()))?;
            bar.finish_and_clear();
            for r in &report.refused {
                for p in &r.problems {
                    println!("line {}: {} {}", r.line, p.field, p.message);
                }
            }
            if !report.refused.is_empty() {
                anyhow::bail!(
                    "{} row(s) refused. Nothing was imported: correct them and run the import again.",
                    report.refused.len()
                );
            }
            if dry_run {
                println!(
                    "Dry run: would create {} accounts; {} are there already. Nothing was written.",
                    report.created.len(),
                    report.unchanged.len()
                );
            } else {
                println!(
                    "Created {} accounts; {} were there already. Each new account's person was mailed an invitation.",
                    report.created.len(),
                    report.unchanged.len()
                );
            }
        }
        Command::ServiceClient {
            command: ClientCommand::Create { name, scopes },
        } => {
            let ctx = startup::context(settings, clock).await?;
            let (id, secret) =
                amps::service::sessions::create_service_client(&ctx, &Actor::system(), &name, &scopes)
                    .await?;
            println!("client_id={id}\nclient_secret={secret}");
        }
        Command::Audit {
            command: AuditCommand::Verify { saar, hash },
        } => {
            let ctx = startup::context(settings, clock).await?;
            let v = amps::store::audit::verify(&ctx.db).await?;
            match v.broken_at {
                None => {
                    println!(
                        "The audit chain is intact: {} event{}, each sealed.",
                        v.sealed,
                        if v.sealed == 1 { "" } else { "s" }
                    );
                    if let (Some(number), Some(hash)) = (saar, hash) {
                        match amps::store::audit::saar_event_with_hash(&ctx.db, &number, &hash).await? {
                            Some(e) => println!(
                                "{number}: the hash is the seal of audit event #{} ({} {} by {}), in the intact chain.",
                                e.seq.unwrap_or_default(),
                                e.at.to_rfc3339(),
                                e.action,
                                e.actor
                            ),
                            None => anyhow::bail!(
                                "{number}: no sealed event of this SAAR has the hash {hash}: the printed SAAR does not match the audit log"
                            ),
                        }
                    }
                }
                Some(e) => anyhow::bail!(
                    "the audit chain is broken at event {} ({} {} by {}, sealed as number {}): it was changed, or the event before it was deleted. The {} events before it are intact.",
                    e.id,
                    e.at.to_rfc3339(),
                    e.action,
                    e.actor,
                    e.seq.unwrap_or_default(),
                    v.sealed
                ),
            }
        }
        Command::Keys { command } => keys(command, settings, clock).await?,
        Command::Openapi => {}
    }
    Ok(())
}

async fn keys(
    command: KeysCommand,
    settings: Settings,
    clock: Arc<dyn amps::clock::Clock>,
) -> anyhow::Result<()> {
    use amps::auth::jwt;
    let external = settings.signing_key.clone();
    let ctx = startup::context(settings, clock.clone()).await?;
    let now = clock.now();
    match command {
        KeysCommand::Rotate { at_once } => {
            let r = jwt::rotate(&ctx.db, external.as_ref(), at_once, now).await?;
            println!(
                "New tokens are signed with key {} (held in {}).",
                r.kid, r.held_in
            );
            if at_once {
                println!("The keys it replaces are no longer accepted: their tokens are refused now.");
            } else {
                println!(
                    "The keys it replaces stay accepted until {} for the tokens they signed.",
                    r.previous_until
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
            }
        }
        KeysCommand::List => {
            for k in jwt::list(&ctx.db).await? {
                let state = match k.retired_at {
                    None => "in use".to_string(),
                    Some(t) if t > now => format!(
                        "accepted until {}",
                        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ),
                    Some(_) => "retired".to_string(),
                };
                println!(
                    "{}  made {}  {}  {}",
                    k.kid,
                    k.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    if k.in_database {
                        "private key in the database"
                    } else {
                        "private key outside the database"
                    },
                    state
                );
            }
        }
        // Answered before the settings are read (`run`).
        KeysCommand::Generate => {}
    }
    Ok(())
}

fn describe(e: &amps::service::Error) -> String {
    match e {
        amps::service::Error::Duplicate(f) | amps::service::Error::Validation(f) => f
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
