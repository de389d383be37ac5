//! The security headers of every response: what a browser may load for the SPA and Swagger UI
//! (Content-Security-Policy), HSTS when AMPS is reached over https, and `Cache-Control:
//! no-store` on the API's answers, which carry personal data and tokens.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use url::Url;

/// The headers of one server, decided once from its settings.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// The SPA and every API answer: its own origin only, wasm compiled by the browser, no
    /// inline script or style, no framing, forms posted to AMPS itself or the certificate
    /// sign-in listener (binding a PIV/CAC card posts a form there).
    app: HeaderValue,
    /// Swagger UI (`/docs`): the same, but its bundled styles set inline `<style>` and its
    /// icons are `data:` images.
    docs: HeaderValue,
    /// `Strict-Transport-Security`, when the public URL is https.
    hsts: Option<HeaderValue>,
}

/// The origin of `url` as CSP writes a source (`https://host:port`).
fn origin(url: &Url) -> Option<String> {
    match url.origin() {
        url::Origin::Tuple(..) => Some(url.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

impl SecurityHeaders {
    /// The headers for a server reached at `public_url`, whose certificate sign-in (if any)
    /// is at `certificate_url`.
    pub fn new(public_url: &Url, certificate_url: Option<&Url>) -> Self {
        let forms = match certificate_url.and_then(origin) {
            Some(o) => format!("'self' {o}"),
            None => "'self'".into(),
        };
        let common = format!(
            "default-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action {forms}"
        );
        let app = format!("{common}; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'");
        let docs =
            format!("{common}; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
        Self {
            // Built from URLs' ASCII serializations and fixed text: always a valid value.
            app: HeaderValue::from_str(&app)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            docs: HeaderValue::from_str(&docs)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            hsts: (public_url.scheme() == "https").then(|| HeaderValue::from_static("max-age=31536000")),
        }
    }
}

/// Middleware adding the headers to every response (handlers' own `Cache-Control` stands).
pub async fn secure(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let headers = req.app_data::<web::Data<SecurityHeaders>>().cloned();
    let mut res = next.call(req).await?;
    let Some(h) = headers else {
        return Ok(res);
    };
    let path = res.request().path();
    let csp = if path == "/docs" || path.starts_with("/docs/") {
        h.docs.clone()
    } else {
        h.app.clone()
    };
    let api = path.starts_with("/api/");
    let out = res.headers_mut();
    out.insert(header::CONTENT_SECURITY_POLICY, csp);
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Some(v) = &h.hsts {
        out.insert(header::STRICT_TRANSPORT_SECURITY, v.clone());
    }
    if api && !out.contains_key(header::CACHE_CONTROL) {
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
