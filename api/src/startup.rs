//! Building and running the server: database, keys, background jobs, HTTP workers.

use crate::auth::jwt::Keys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::http::{self, KnownRoutes, Shared, metrics::Metrics};
use crate::notify::mailer::Mailer;
use crate::service::Ctx;
use crate::{auth, jobs, store};
use actix_web::{HttpServer, web};
use secrecy::ExposeSecret;
use std::net::TcpListener;
use std::sync::Arc;

/// A built, not yet running, AMPS server.
pub struct Application {
    server: actix_web::dev::Server,
    port: u16,
    /// The certificate sign-in listener (PIV / CAC), when `AMPS_CLIENT_CA` is set.
    certificate_server: Option<(actix_web::dev::Server, u16)>,
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
    let keys = Keys::load_or_create(&db, &issuer, settings.signing_key.clone(), clock.now()).await?;
    crate::seed::reference(&db, clock.now()).await?;
    lock.release().await?;
    let read = store::connect_reader(url, &db).await?;
    let webauthn = crate::service::security_keys::relying_party_for(&settings.public_url).map(Arc::new);
    Ok(Ctx {
        db,
        read,
        settings: Arc::new(settings),
        clock,
        keys: Arc::new(keys),
        principals: Arc::default(),
        certificates: None,
        webauthn,
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
        // Files are read now, so a bad path stops start-up with the variable's name.
        let main_tls = match &settings.tls {
            Some(t) => Some(auth::certificate::server_config(&t.cert, &t.key)?),
            None => None,
        };
        let mut certificate_listener = None;
        let mut certificates = None;
        if let Some(c) = &settings.certificates {
            let authorities = Arc::new(auth::certificate::Authorities::load(&c.client_ca, &c.crls)?);
            let url = match (&settings.tls, c.bind) {
                (Some(t), Some(bind)) => {
                    let tls = authorities.server_config(&t.cert, &t.key)?;
                    let l = TcpListener::bind(bind)
                        .map_err(|e| anyhow::anyhow!("AMPS_CERT_BIND: cannot listen on {bind}: {e}"))?;
                    let url = c.url_for(&settings.public_url, l.local_addr()?.port());
                    certificate_listener = Some((l, tls, url.clone()));
                    url
                }
                // Behind a proxy that asks for the certificate at AMPS_CERT_URL.
                _ => c
                    .url
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("AMPS_CERT_URL: needed behind a proxy"))?,
            };
            certificates = Some(Arc::new(crate::service::CertificateSignIn { authorities, url }));
        }
        let mut ctx = context(settings, clock).await?;
        ctx.certificates = certificates;
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
        jobs.push(jobs::spawn_key_reloader(ctx.clone()));
        if let Some(c) = &ctx.certificates {
            jobs.push(jobs::spawn_crl_reloader(c.authorities.clone(), every.crls));
        }
        if let Some(smtp) = &ctx.settings.smtp {
            let mailer = Mailer::new(smtp, &ctx.settings.mail_from)?;
            jobs.push(jobs::spawn_mail_sender(
                ctx.db.clone(),
                ctx.clock.clone(),
                mailer,
                every.mail,
                every.claim_lease.unwrap_or(std::time::Duration::from_secs(300)),
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
            headers: web::Data::new(http::headers::SecurityHeaders::new(
                &ctx.settings.public_url,
                ctx.certificates.as_deref().map(|c| &c.url),
            )),
        };
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
        let certificate_server = match certificate_listener {
            Some((l, tls, url)) => {
                let port = l.local_addr()?.port();
                let shared = shared.clone();
                let server = HttpServer::new(move || http::certificate_app(shared.clone()))
                    .on_connect(http::certificates::on_connect)
                    .listen_rustls_0_23(l, tls)?
                    .workers(workers.min(2))
                    .shutdown_timeout(10)
                    .run();
                tracing::info!(%url, "certificate sign-in listening");
                Some((server, port))
            }
            None => None,
        };
        let server = HttpServer::new(move || http::app(shared.clone()));
        let server = match main_tls {
            Some(tls) => server.listen_rustls_0_23(listener, tls)?,
            None => server.listen(listener)?,
        }
        .workers(workers)
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            server,
            port,
            certificate_server,
            ctx,
            jobs,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The certificate listener's port, when it listens.
    pub fn certificate_port(&self) -> Option<u16> {
        self.certificate_server.as_ref().map(|(_, p)| *p)
    }

    /// Serves until stopped (either listener stopping stops both).
    pub async fn run(self) -> std::io::Result<()> {
        let r = match self.certificate_server {
            Some((certificate, _)) => {
                let (main_handle, cert_handle) = (self.server.handle(), certificate.handle());
                let r = tokio::select! {
                    r = self.server => r,
                    r = certificate => r,
                };
                main_handle.stop(true).await;
                cert_handle.stop(true).await;
                r
            }
            None => self.server.await,
        };
        for j in self.jobs {
            j.abort();
        }
        r
    }
}
