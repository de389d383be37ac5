//! Building and running the server: database, keys, background jobs, HTTP workers.

use crate::auth::jwt::Keys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::http::{self, KnownRoutes, Shared, metrics::Metrics};
use crate::notify::mailer::Mailer;
use crate::service::Ctx;
use crate::{jobs, store};
use actix_web::{HttpServer, web};
use secrecy::ExposeSecret;
use std::net::TcpListener;
use std::sync::Arc;

/// A built, not yet running, AMPS server.
pub struct Application {
    server: actix_web::dev::Server,
    port: u16,
    /// The shared state (tests use it to reach the database and the clock).
    pub ctx: Ctx,
    jobs: Vec<tokio::task::JoinHandle<()>>,
}

/// Connects to the database (migrating it) and loads the signing keys.
pub async fn context(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Ctx> {
    // TLS (SMTP, webhooks, PostgreSQL) uses rustls with the ring provider; installing it twice
    // is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if settings.database_url.expose_secret().starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "AMPS_DATA_DIR: cannot create {}: {e}",
                settings.data_dir.display()
            )
        })?;
    }
    let url = settings.database_url.expose_secret();
    // Replicas starting together on an empty database take turns preparing it.
    let lock = store::StartupLock::acquire(url).await?;
    let db = store::connect(url, true).await?;
    let issuer = settings.public_url.as_str().trim_end_matches('/').to_string();
    let keys = Keys::load_or_create(&db, &issuer, clock.now()).await?;
    crate::seed::reference(&db, clock.now()).await?;
    lock.release().await?;
    let read = store::connect_reader(url, &db).await?;
    Ok(Ctx {
        db,
        read,
        settings: Arc::new(settings),
        clock,
        keys: Arc::new(keys),
        principals: Arc::default(),
    })
}

impl Application {
    /// Binds the listener and prepares the workers; `listener` may use port 0.
    pub async fn build(
        settings: Settings,
        clock: Arc<dyn Clock>,
        listener: Option<TcpListener>,
    ) -> anyhow::Result<Self> {
        let listener = match listener {
            Some(l) => l,
            None => TcpListener::bind(settings.bind)
                .map_err(|e| anyhow::anyhow!("AMPS_BIND: cannot listen on {}: {e}", settings.bind))?,
        };
        let port = listener.local_addr()?.port();
        let mut ctx = context(settings, clock).await?;
        // Set before the connection is shared: clones made earlier would not count.
        let metrics = Metrics::new()?;
        let m = metrics.clone();
        ctx.db.set_metric_callback(move |info| m.observe_statement(info));
        if ctx.read.get_database_backend() == sea_orm::DbBackend::Sqlite {
            let m = metrics.clone();
            ctx.read
                .set_metric_callback(move |info| m.observe_statement(info));
        } else {
            ctx.read = ctx.db.clone();
        }
        let every = ctx.settings.jobs;
        let mut jobs = vec![
            jobs::spawn_approval_deadlines(ctx.clone(), every.approvals),
            jobs::spawn_webhooks(ctx.clone(), every.webhooks),
            jobs::spawn_audit_sealer(ctx.db.clone(), every.audit_seal),
        ];
        jobs.extend(jobs::spawn_principal_feed(ctx.clone()));
        if let Some(smtp) = &ctx.settings.smtp {
            let mailer = Mailer::new(smtp, &ctx.settings.mail_from)?;
            jobs.push(jobs::spawn_mail_sender(
                ctx.db.clone(),
                ctx.clock.clone(),
                mailer,
                every.mail,
            ));
        }
        let doc = http::openapi();
        let web_dir = ctx
            .settings
            .web_dir
            .join("index.html")
            .is_file()
            .then(|| Arc::new(ctx.settings.web_dir.clone()));
        if web_dir.is_none() {
            tracing::warn!(dir = %ctx.settings.web_dir.display(), "web app not built; run `just web` to serve it");
        }
        let shared = Shared {
            ctx: web::Data::new(ctx.clone()),
            metrics: web::Data::new(metrics),
            routes: web::Data::new(KnownRoutes::from_doc(&doc)),
            openapi: Arc::new(doc),
            web_dir,
        };
        let server = HttpServer::new(move || http::app(shared.clone()))
            .listen(listener)?
            .workers(std::thread::available_parallelism().map_or(2, |n| n.get()).min(8))
            .shutdown_timeout(10)
            .run();
        Ok(Self {
            server,
            port,
            ctx,
            jobs,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped.
    pub async fn run(self) -> std::io::Result<()> {
        let r = self.server.await;
        for j in self.jobs {
            j.abort();
        }
        r
    }
}
