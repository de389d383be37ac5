//! The browser's WebAuthn API (`navigator.credentials`) for security keys: the server's
//! options in, the key's answer out, both as WebAuthn's JSON (webauthn-rs-proto converts).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use webauthn_rs_proto::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse,
};

/// What went wrong, in words a person can act on.
fn refused(e: JsValue) -> String {
    let name = js_sys::Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => "The security key did not answer: it was cancelled, timed out, or this key is not registered to your account.".into(),
        "InvalidStateError" => "This security key is registered to your account already.".into(),
        "NotSupportedError" | "SecurityError" => "This browser cannot use a security key here.".into(),
        _ => "The security key could not be used. Try again.".into(),
    }
}

fn container() -> Result<web_sys::CredentialsContainer, String> {
    Ok(web_sys::window()
        .ok_or("This browser cannot use a security key here.")?
        .navigator()
        .credentials())
}

/// Asks the browser to create a credential on a key for `options` (from
/// `POST /me/mfa/security-keys/options`).
pub async fn create(options: serde_json::Value) -> Result<serde_json::Value, String> {
    let ccr: CreationChallengeResponse =
        serde_json::from_value(options).map_err(|_| "The server's options could not be read.".to_string())?;
    let opts = web_sys::CredentialCreationOptions::from(ccr);
    let answer = JsFuture::from(container()?.create_with_options(&opts).map_err(refused)?)
        .await
        .map_err(refused)?;
    let pkc: web_sys::PublicKeyCredential = answer
        .dyn_into()
        .map_err(|_| "The key's answer could not be read.".to_string())?;
    serde_json::to_value(RegisterPublicKeyCredential::from(pkc)).map_err(|e| e.to_string())
}

/// Asks the browser for a key's answer to `options` (from
/// `POST /auth/login/security-key/options`).
pub async fn get(options: serde_json::Value) -> Result<serde_json::Value, String> {
    let rcr: RequestChallengeResponse =
        serde_json::from_value(options).map_err(|_| "The server's options could not be read.".to_string())?;
    let opts = web_sys::CredentialRequestOptions::from(rcr);
    let answer = JsFuture::from(container()?.get_with_options(&opts).map_err(refused)?)
        .await
        .map_err(refused)?;
    let pkc: web_sys::PublicKeyCredential = answer
        .dyn_into()
        .map_err(|_| "The key's answer could not be read.".to_string())?;
    serde_json::to_value(PublicKeyCredential::from(pkc)).map_err(|e| e.to_string())
}
