//! The HTTP layer: handlers per resource, problem+json errors, the OpenAPI document and
//! Swagger UI, metrics, and the SPA.

pub mod approvals;
pub mod approvers;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod certificates;
pub mod dev;
pub mod enrollments;
pub mod error;
pub mod extract;
pub mod headers;
pub mod health;
pub mod limits;
pub mod logging;
pub mod me;
pub mod metrics;
pub mod network;
pub mod problems;
pub mod provisioning;
pub mod reports;
pub mod revalidations;
pub mod saars;
pub mod security_keys;
pub mod users;

use crate::service::Ctx;
use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{App, HttpRequest, HttpResponse, middleware, web};
use std::path::PathBuf;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope, service_config::ServiceConfig};
use utoipa_swagger_ui::SwaggerUi;

/// Largest JSON or form body accepted (64 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AMPS API",
        description = "Account Management and Provisioning System. Errors are RFC 9457 problem+json. \
                       Sign in at `POST /api/v1/auth/login` (people) or `POST /api/v1/auth/token` \
                       (service clients) and send the access token as `Authorization: Bearer`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, sign-in, tokens, recovery"),
        (name = "me", description = "My Information, Current Roles, my requests"),
        (name = "catalog", description = "Applications, roles, approval groups, segregation of duties"),
        (name = "saars", description = "Requests for roles (DD 2875)"),
        (name = "approvals", description = "Approval tasks"),
        (name = "provisioning", description = "Provisioning tasks"),
        (name = "revalidation", description = "Reviews of who holds which roles: campaigns, my review, the reviewer's decisions"),
        (name = "users", description = "Accounts, for administrators and the help desk"),
        (name = "reports", description = "My Reports, for internal users holding the Reports role"),
        (name = "audit", description = "The audit trail, for administrators and auditors: search, export, chain check"),
        (name = "enrollments", description = "New IT User Enrollment: contractors enrolled by their COR, and their contracts"),
        (name = "help", description = "Whom to call"),
        (name = "dev", description = "Development helpers"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

fn api_v1(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    certificates::configure(cfg);
    network::configure(cfg);
    security_keys::configure(cfg);
    me::configure(cfg);
    catalog::configure(cfg);
    saars::configure(cfg);
    approvals::configure(cfg);
    approvers::configure(cfg);
    provisioning::configure(cfg);
    revalidations::configure(cfg);
    users::configure(cfg);
    audit::configure(cfg);
    reports::configure(cfg);
    enrollments::configure(cfg);
    dev::configure(cfg);
}

/// The OpenAPI document, collected from the handlers themselves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(api_v1))
        .service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(health::jwks)
        .split_for_parts();
    let mut doc = doc;
    problems::register(&mut doc);
    problems::add_transport_responses(&mut doc);
    doc
}

/// Route templates and their methods, for telling 404 from 405.
pub struct KnownRoutes(Vec<(ResourceDef, Vec<Method>)>);

impl KnownRoutes {
    /// The routes of an OpenAPI document.
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (item.get.is_some(), Method::GET),
                    (item.post.is_some(), Method::POST),
                    (item.put.is_some(), Method::PUT),
                    (item.patch.is_some(), Method::PATCH),
                    (item.delete.is_some(), Method::DELETE),
                ]
                .into_iter()
                .filter_map(|(has, m)| has.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, m)| m.as_slice())
    }
}

/// Everything the app factory needs, shared by all workers.
#[derive(Clone)]
pub struct Shared {
    pub ctx: web::Data<Ctx>,
    pub metrics: web::Data<metrics::Metrics>,
    pub openapi: Arc<utoipa::openapi::OpenApi>,
    pub routes: web::Data<KnownRoutes>,
    pub web_dir: Option<Arc<PathBuf>>,
    pub headers: web::Data<headers::SecurityHeaders>,
}

/// Unmatched requests: the SPA for page navigations, else 404 or 405 as problem+json.
async fn fallback(req: HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    let path = req.path();
    if let Some(methods) = routes.allowed(path) {
        let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
        let mut r = error::problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            Some(format!("{} is not allowed on {path}; use {allow}.", req.method())),
            vec![],
        );
        if let Ok(v) = header::HeaderValue::from_str(&allow) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    }
    let is_api = path.starts_with("/api/") || path == "/api" || path.starts_with("/.well-known/");
    if !is_api
        && (req.method() == Method::GET || req.method() == Method::HEAD)
        && let Some(dir) = req
            .app_data::<web::Data<Option<Arc<PathBuf>>>>()
            .and_then(|d| d.as_ref().clone())
        && let Ok(file) = actix_files::NamedFile::open(dir.join("index.html"))
    {
        return file
            .use_last_modified(false)
            .disable_content_disposition()
            .into_response(&req);
    }
    let detail = if is_api {
        format!("There is no {path} in the AMPS API; see /docs.")
    } else {
        format!("There is no page at {path}. The web app may not be built: run `just web`.")
    };
    error::problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        Some(detail),
        vec![],
    )
}

/// Requests that change no account, organization or administrative role (issuing and
/// rotating tokens): they need not wait for the principal feed.
const CHANGE_NO_ACCOUNT: [&str; 2] = ["/api/v1/auth/token", "/api/v1/auth/refresh"];

/// After a request that may have changed something, waits until this replica's cached callers
/// reflect every change committed so far (`service::principal::Principals::sync`), so the
/// caller's next request sees what this one did: an account disabled here is refused at once.
async fn settle_principals(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !CHANGE_NO_ACCOUNT.contains(&req.path());
    let ctx = if changes {
        req.app_data::<web::Data<Ctx>>().cloned()
    } else {
        None
    };
    let res = next.call(req).await?;
    if let Some(ctx) = ctx {
        ctx.principals.sync(&ctx.db, &ctx.read).await;
    }
    Ok(res)
}

/// Builds the certificate listener's application for one worker: certificate sign-in and
/// binding, and `/healthz`; nothing else is served where browsers are asked for a card.
pub fn certificate_app(
    shared: Shared,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(shared.ctx.clone())
        .app_data(shared.headers.clone())
        .app_data(
            web::FormConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(error::form_error),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PayloadConfig::default().limit(BODY_LIMIT))
        .service(web::scope("/api/v1").configure(certificates::configure_listener))
        .service(health::healthz)
        .default_service(web::to(|req: HttpRequest| async move {
            error::problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!(
                    "There is no {} here: this address serves certificate sign-in only.",
                    req.path()
                )),
                vec![],
            )
        }))
        .wrap(middleware::from_fn(headers::secure))
        .wrap(tracing_actix_web::TracingLogger::<logging::RequestSpans>::new())
}

/// Builds the application for one worker.
pub fn app(
    shared: Shared,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = App::new()
        .app_data(shared.ctx.clone())
        .app_data(shared.headers.clone())
        .app_data(shared.metrics.clone())
        .app_data(shared.routes.clone())
        .app_data(web::Data::new(shared.web_dir.clone()))
        .app_data(
            web::JsonConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(error::json_error),
        )
        .app_data(
            web::FormConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(error::form_error),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .app_data(web::PayloadConfig::default().limit(BODY_LIMIT))
        // Before the /api/v1 scope, which would otherwise take /api/v1/openapi.json.
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", (*shared.openapi).clone()))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::Found()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .into_utoipa_app()
        .service(scope::scope("/api/v1").configure(api_v1))
        .service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(health::jwks)
        .split_for_parts();
    let mut app = app;
    if let Some(dir) = &shared.web_dir {
        app = app.service(
            actix_files::Files::new("/", dir.as_path())
                .index_file("index.html")
                .use_last_modified(true)
                .default_handler(web::to(fallback)),
        );
    }
    app.default_service(web::to(fallback))
        .wrap(middleware::from_fn(settle_principals))
        .wrap(middleware::from_fn(limits::body_deadline))
        .wrap(middleware::from_fn(metrics::record))
        .wrap(middleware::Compress::default())
        .wrap(middleware::from_fn(headers::secure))
        .wrap(tracing_actix_web::TracingLogger::<logging::RequestSpans>::new())
}
