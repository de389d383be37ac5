//! Request extractors: the signed-in caller, the client address, and JSON bodies read after
//! the caller is authorized.

use crate::service::principal::{self, Principal};
use crate::service::{Ctx, Error};
use crate::store::audit::Actor;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

/// The verified caller of an endpoint that needs a bearer token. A sign-in that must prove a
/// second factor first (`UserPrincipal::second_factor_needed`) is refused with
/// `/problems/step-up-required`, except by the endpoints that take [`SettingUp`]: My
/// Information, setting up a second factor, and proving one.
pub struct Auth<const SETTING_UP: bool = false>(pub Principal);

/// The caller of an endpoint a sign-in that still has to prove a second factor may use.
pub type SettingUp = Auth<true>;

impl<const SETTING_UP: bool> Auth<SETTING_UP> {
    /// The audit actor for this caller at this address.
    pub fn actor(&self, req: &HttpRequest) -> Actor {
        Actor {
            id: self.0.user_id(),
            label: self.0.label(),
            ip: client_ip(req),
        }
    }
}

impl<const SETTING_UP: bool> FromRequest for Auth<SETTING_UP> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_string());
        Box::pin(async move {
            let ctx = ctx.ok_or_else(|| Error::Internal(anyhow::anyhow!("application state missing")))?;
            let token = token
                .ok_or_else(|| Error::Unauthorized("Sign in first: this needs an access token.".into()))?;
            let p = principal::authenticate(&ctx, &token).await?;
            if !SETTING_UP
                && let Principal::User(u) = &p
                && let Some(why) = u.second_factor_needed()
            {
                return Err(crate::service::mfa::step_up_for(&ctx, u, &why).await);
            }
            Ok(Auth(p))
        })
    }
}

/// The client's address: the connected peer's, or, when the peer is one of the trusted
/// proxies (`AMPS_TRUSTED_PROXIES`), the nearest address in `X-Forwarded-For` that is not a
/// trusted proxy (each proxy appends the address it heard from; whatever the client wrote
/// itself is to the left of it and never counts). A request that did not come through a
/// trusted proxy cannot name its own address.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    client_addr(req).map(|ip| ip.to_string())
}

/// [`client_ip`] as an address.
pub fn client_addr(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Some(ctx) = req.app_data::<web::Data<Ctx>>() else {
        return Some(peer);
    };
    let settings = &ctx.settings;
    if !settings.is_trusted_proxy(peer) {
        return Some(peer);
    }
    let mut hops: Vec<std::net::IpAddr> = Vec::new();
    for v in req.headers().get_all("x-forwarded-for") {
        let Ok(v) = v.to_str() else { return Some(peer) };
        for hop in v.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            match hop.parse() {
                Ok(ip) => hops.push(ip),
                // A list that cannot be read names nobody.
                Err(_) => return Some(peer),
            }
        }
    }
    Some(
        hops.iter()
            .rev()
            .copied()
            .find(|ip| !settings.is_trusted_proxy(*ip))
            .or_else(|| hops.first().copied())
            .unwrap_or(peer),
    )
}

/// Whether the connected peer is one of the trusted proxies.
pub fn from_trusted_proxy(req: &HttpRequest) -> bool {
    match (req.peer_addr(), req.app_data::<web::Data<Ctx>>()) {
        (Some(peer), Some(ctx)) => ctx.settings.is_trusted_proxy(peer.ip()),
        _ => false,
    }
}

/// The `User-Agent` the client sent (what a person's list of sign-ins shows), if any.
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(300).collect())
}

/// The version in an `If-Match` header (`"3"` or `W/"3"`); `None` when absent or `*`.
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, Error> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .map_err(|_| Error::BadRequest("The If-Match header is not readable text.".into()))?
        .trim();
    if s == "*" {
        return Ok(None);
    }
    s.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(Some)
        .map_err(|_| {
            Error::BadRequest(format!(
                "The If-Match header {s:?} is not a version this API issued (e.g. \"3\")."
            ))
        })
}

/// A JSON body, read but not yet parsed. A handler authorizes the caller first and then
/// [`parse`](JsonBody::parse)s it (shape, then rules), so a caller who is refused gets 403
/// whatever they sent, and learns nothing from a 400 or 422 about the body. The media type and
/// the size limit are checked on reading.
pub struct JsonBody<T> {
    bytes: web::Bytes,
    _of: std::marker::PhantomData<T>,
}

impl<T: serde::de::DeserializeOwned + validator::Validate> JsonBody<T> {
    /// The body as `T`: 400 when it is not that JSON, 422 when its fields break the rules.
    pub fn parse(&self) -> Result<T, Error> {
        let v: T = serde_json::from_slice(&self.bytes)
            .map_err(|e| Error::Malformed(format!("The JSON body could not be read: {e}.")))?;
        v.validate()?;
        Ok(v)
    }
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage;
        use actix_web::error::{JsonPayloadError, PayloadError};
        let req = req.clone();
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
            m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON)
        });
        let bytes = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(super::error::json_error(JsonPayloadError::ContentType, &req));
            }
            let bytes = bytes.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => super::error::json_error(
                    JsonPayloadError::Overflow {
                        limit: super::BODY_LIMIT,
                    },
                    &req,
                ),
                _ => e,
            })?;
            Ok(Self {
                bytes,
                _of: std::marker::PhantomData,
            })
        })
    }
}
