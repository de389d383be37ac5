//! A typed client for the AMPS API. On native targets it keeps cookies (the refresh token)
//! itself; in the browser the page's cookie jar does.

use crate::admin::*;
use crate::model::*;
use crate::revalidation::*;
use crate::workflow::*;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use url::Url;

/// What can go wrong calling AMPS.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// AMPS answered with a problem document.
    #[error("{} ({})", .0.detail.as_deref().unwrap_or(&.0.title), .0.status)]
    Api(Box<Problem>),
    /// The request did not reach AMPS or the answer was cut off.
    #[error("could not reach the server: {0}")]
    Transport(String),
    /// AMPS answered with a body this client does not understand.
    #[error("unexpected answer from the server (HTTP {status}): {message}")]
    Decode { status: u16, message: String },
}

impl ClientError {
    /// The problem document, when AMPS sent one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Api(p) => Some(p),
            _ => None,
        }
    }

    /// The HTTP status, when AMPS answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api(p) => Some(p.status),
            ClientError::Decode { status, .. } => Some(*status),
            ClientError::Transport(_) => None,
        }
    }
}

/// A client bound to one AMPS server (`base` is the server's root, e.g.
/// `http://127.0.0.1:8080/`).
#[derive(Clone, Debug)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    token: Option<String>,
}

impl Client {
    /// A client for the server at `base` sending through `http` (e.g. one that trusts a
    /// private certificate authority).
    pub fn with_http(base: Url, http: reqwest::Client) -> Self {
        Self {
            base,
            http,
            token: None,
        }
    }

    /// A client for the server at `base`.
    pub fn new(base: Url) -> Self {
        // Native: HTTPS through rustls with the ring provider (harmless if one is installed).
        #[cfg(not(target_arch = "wasm32"))]
        let _ = rustls::crypto::ring::default_provider().install_default();
        #[cfg(not(target_arch = "wasm32"))]
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap_or_default();
        #[cfg(target_arch = "wasm32")]
        let http = reqwest::Client::new();
        Self {
            base,
            http,
            token: None,
        }
    }

    /// The same client sending `token` as its bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets or clears the bearer token.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// The bearer token in use.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The server's root URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, ClientError> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let mut req = self.http.request(method, url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Ok(req)
    }

    /// Sends `req` and reads the answer: the status and body of a success, or the error. Not
    /// generic, so the request code exists once in the program rather than once per answer
    /// type (this keeps the SPA's download small).
    async fn fetch(req: RequestBuilder) -> Result<(u16, bytes::Bytes), ClientError> {
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if status.is_success() {
            return Ok((status.as_u16(), bytes));
        }
        Err(Self::refusal(status.as_u16(), &bytes))
    }

    /// The error an unsuccessful answer's body says (problem+json, else its first words).
    fn refusal(status: u16, bytes: &[u8]) -> ClientError {
        match serde_json::from_slice::<Problem>(bytes) {
            Ok(p) => ClientError::Api(Box::new(p)),
            Err(_) => ClientError::Decode {
                status,
                message: String::from_utf8_lossy(bytes).chars().take(200).collect(),
            },
        }
    }

    /// The text of `req`'s successful answer, read as it arrives: `progress` is told after
    /// each piece how many lines have come so far.
    async fn text_with_progress(
        req: RequestBuilder,
        mut progress: impl FnMut(usize),
    ) -> Result<String, ClientError> {
        use futures_util::StreamExt;
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| ClientError::Transport(e.to_string()))?;
            return Err(Self::refusal(status, &bytes));
        }
        let (mut body, mut lines) = (Vec::new(), 0);
        let mut pieces = resp.bytes_stream();
        while let Some(piece) = pieces.next().await {
            let piece = piece.map_err(|e| ClientError::Transport(e.to_string()))?;
            lines += piece.iter().filter(|b| **b == b'\n').count();
            body.extend_from_slice(&piece);
            progress(lines);
        }
        String::from_utf8(body).map_err(|e| ClientError::Decode {
            status,
            message: e.to_string(),
        })
    }

    /// The body of a successful answer as `T` (an empty body reads as `null`).
    fn decode<T: DeserializeOwned>(status: u16, bytes: &[u8]) -> Result<T, ClientError> {
        let body: &[u8] = if status == StatusCode::NO_CONTENT.as_u16() || bytes.is_empty() {
            b"null"
        } else {
            bytes
        };
        serde_json::from_slice(body).map_err(|e| ClientError::Decode {
            status,
            message: e.to_string(),
        })
    }

    async fn send<T: DeserializeOwned>(req: RequestBuilder) -> Result<T, ClientError> {
        let (status, bytes) = Self::fetch(req).await?;
        Self::decode(status, &bytes)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Self::send(self.request(Method::GET, path)?).await
    }

    async fn get_query<T: DeserializeOwned>(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let mut url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(pairs);
        let mut req = self.http.get(url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::send(req).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::POST, path)?.json(body)).await
    }

    /// `POST /api/v1/auth/register`
    pub async fn register(&self, body: &RegisterRequest) -> Result<RegisterResponse, ClientError> {
        self.post("api/v1/auth/register", body).await
    }

    /// `POST /api/v1/auth/verify-email`
    pub async fn verify_email(&self, body: &VerifyEmailRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/auth/verify-email", body).await
    }

    /// `POST /api/v1/auth/login`; on success the client uses the new access token.
    pub async fn login(&mut self, body: &LoginRequest) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/login", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `POST /api/v1/auth/refresh` with the refresh cookie; on success the client uses the
    /// new access token.
    pub async fn refresh(&mut self) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = Self::send(self.request(Method::POST, "api/v1/auth/refresh")?).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `POST /api/v1/auth/logout`: revokes the refresh token family and forgets the token.
    pub async fn logout(&mut self) -> Result<(), ClientError> {
        let r: Result<(), _> = Self::send(self.request(Method::POST, "api/v1/auth/logout")?).await;
        self.token = None;
        r
    }

    /// `POST /api/v1/auth/token` (OAuth2 client credentials); the client uses the token.
    pub async fn client_credentials(
        &mut self,
        body: &ClientCredentialsRequest,
    ) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse =
            Self::send(self.request(Method::POST, "api/v1/auth/token")?.form(body)).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `POST /api/v1/auth/forgot-password`
    pub async fn forgot_password(&self, body: &ForgotPasswordRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/auth/forgot-password", body).await
    }

    /// `POST /api/v1/auth/profile-status`
    pub async fn profile_status(&self, body: &ProfileStatusRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/auth/profile-status", body).await
    }

    /// `POST /api/v1/auth/reset-password`
    pub async fn reset_password(&self, body: &ResetPasswordRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/auth/reset-password", body).await
    }

    /// `POST /api/v1/auth/invitation`
    pub async fn accept_invitation(&self, body: &AcceptInvitationRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/auth/invitation", body).await
    }

    /// `POST /api/v1/auth/forgot-username`
    pub async fn forgot_username(&self, body: &ForgotUsernameRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/auth/forgot-username", body).await
    }

    /// `GET /api/v1/me`
    pub async fn me(&self) -> Result<MeResponse, ClientError> {
        self.get("api/v1/me").await
    }

    /// `PATCH /api/v1/me`
    pub async fn update_me(&self, body: &UpdateMeRequest) -> Result<MeResponse, ClientError> {
        Self::send(self.request(Method::PATCH, "api/v1/me")?.json(body)).await
    }

    /// `POST /api/v1/me/password`
    pub async fn change_password(&self, body: &ChangePasswordRequest) -> Result<Accepted, ClientError> {
        self.post("api/v1/me/password", body).await
    }

    /// `GET /api/v1/dev/mailbox` (only when the server has no SMTP configured).
    pub async fn mailbox(&self) -> Result<MailboxResponse, ClientError> {
        self.get("api/v1/dev/mailbox").await
    }

    /// `GET /api/v1/dev/clock`
    pub async fn clock(&self) -> Result<ClockResponse, ClientError> {
        self.get("api/v1/dev/clock").await
    }

    /// `POST /api/v1/dev/clock`
    pub async fn advance_clock(&self, body: &AdvanceClockRequest) -> Result<ClockResponse, ClientError> {
        self.post("api/v1/dev/clock", body).await
    }

    /// `GET /.well-known/jwks.json`
    pub async fn jwks(&self) -> Result<JwkSet, ClientError> {
        self.get(".well-known/jwks.json").await
    }

    /// `GET /api/v1/roles?q=&application=`
    pub async fn search_roles(
        &self,
        q: &str,
        application: Option<&str>,
    ) -> Result<Vec<RoleResponse>, ClientError> {
        let mut url = self
            .base
            .join("api/v1/roles")
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("q", q);
            if let Some(a) = application {
                pairs.append_pair("application", a);
            }
        }
        let mut req = self.http.get(url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::send(req).await
    }

    /// `POST /api/v1/saars`
    pub async fn submit_saars(&self, body: &SubmitSaarsRequest) -> Result<SubmitSaarsResponse, ClientError> {
        self.post("api/v1/saars", body).await
    }

    /// `GET /api/v1/saars/{id}`
    pub async fn get_saar(&self, id: uuid::Uuid) -> Result<SaarResponse, ClientError> {
        self.get(&format!("api/v1/saars/{id}")).await
    }

    /// `GET /api/v1/saars/{id}/history`
    pub async fn saar_history(&self, id: uuid::Uuid) -> Result<Vec<SaarHistoryEntry>, ClientError> {
        self.get(&format!("api/v1/saars/{id}/history")).await
    }

    /// `GET /api/v1/saars/{id}/dd2875`: the PDF's bytes.
    pub async fn saar_dd2875(&self, id: uuid::Uuid) -> Result<Vec<u8>, ClientError> {
        let (_, bytes) =
            Self::fetch(self.request(Method::GET, &format!("api/v1/saars/{id}/dd2875"))?).await?;
        Ok(bytes.to_vec())
    }

    /// `POST /api/v1/saars/{id}/cancel`
    pub async fn cancel_saar(&self, id: uuid::Uuid) -> Result<SaarResponse, ClientError> {
        Self::send(self.request(Method::POST, &format!("api/v1/saars/{id}/cancel"))?).await
    }

    /// `POST /api/v1/saars/{id}/resubmit`
    pub async fn resubmit_saar(
        &self,
        id: uuid::Uuid,
        body: &ResubmitSaarRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/saars/{id}/resubmit"), body).await
    }

    /// `GET /api/v1/me/requests`
    pub async fn my_requests(&self) -> Result<MyRequestsResponse, ClientError> {
        self.get("api/v1/me/requests").await
    }

    /// `GET /api/v1/me/roles`
    pub async fn my_roles(&self) -> Result<Vec<CurrentRoleResponse>, ClientError> {
        self.get("api/v1/me/roles").await
    }

    /// `GET /api/v1/approvals`
    pub async fn approvals(&self) -> Result<Vec<ApprovalTaskResponse>, ClientError> {
        self.get("api/v1/approvals").await
    }

    /// `GET /api/v1/approvals/count`
    pub async fn approvals_count(&self) -> Result<ApprovalCountResponse, ClientError> {
        self.get("api/v1/approvals/count").await
    }

    /// `POST /api/v1/approvals/{id}/approve`
    pub async fn approve(&self, id: uuid::Uuid, body: &ApproveRequest) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/approvals/{id}/approve"), body).await
    }

    /// `POST /api/v1/approvals/{id}/reject`
    pub async fn reject(&self, id: uuid::Uuid, body: &RejectRequest) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/approvals/{id}/reject"), body).await
    }

    /// `POST /api/v1/approvals/{id}/return`
    pub async fn return_to_requester(
        &self,
        id: uuid::Uuid,
        body: &ReturnRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/approvals/{id}/return"), body).await
    }

    /// `GET /api/v1/provisioning-tasks`
    pub async fn provisioning_tasks(&self) -> Result<Vec<ProvisioningTaskResponse>, ClientError> {
        self.get("api/v1/provisioning-tasks").await
    }

    /// `POST /api/v1/provisioning-tasks/{id}/complete`
    pub async fn complete_provisioning(
        &self,
        id: uuid::Uuid,
        body: &CompleteProvisioningRequest,
    ) -> Result<ProvisioningTaskResponse, ClientError> {
        self.post(&format!("api/v1/provisioning-tasks/{id}/complete"), body)
            .await
    }

    /// `GET /api/v1/applications`
    pub async fn applications(&self) -> Result<Vec<ApplicationResponse>, ClientError> {
        self.get("api/v1/applications").await
    }

    /// `POST /api/v1/applications`
    pub async fn create_application(
        &self,
        body: &CreateApplicationRequest,
    ) -> Result<ApplicationResponse, ClientError> {
        self.post("api/v1/applications", body).await
    }

    /// `POST /api/v1/roles`
    pub async fn create_role(&self, body: &CreateRoleRequest) -> Result<RoleResponse, ClientError> {
        self.post("api/v1/roles", body).await
    }

    /// `GET /api/v1/approval-groups`
    pub async fn approval_groups(&self) -> Result<Vec<ApprovalGroupResponse>, ClientError> {
        self.get("api/v1/approval-groups").await
    }

    /// `POST /api/v1/approval-groups`
    pub async fn create_approval_group(
        &self,
        body: &CreateApprovalGroupRequest,
    ) -> Result<ApprovalGroupResponse, ClientError> {
        self.post("api/v1/approval-groups", body).await
    }

    /// `POST /api/v1/sod-rules`
    pub async fn create_sod_rule(&self, body: &CreateSodRuleRequest) -> Result<SodRuleResponse, ClientError> {
        self.post("api/v1/sod-rules", body).await
    }

    /// `GET /api/v1/sod-rules`
    pub async fn sod_rules(&self) -> Result<Vec<SodRuleResponse>, ClientError> {
        self.get("api/v1/sod-rules").await
    }

    /// `GET /api/v1/roles?all=true`: the catalog view (catalog managers).
    pub async fn catalog_roles(&self, q: &str) -> Result<Vec<RoleResponse>, ClientError> {
        self.get_query("api/v1/roles", &[("all", "true"), ("q", q), ("limit", "500")])
            .await
    }

    /// `PATCH /api/v1/roles/{id}`
    pub async fn update_role(
        &self,
        id: uuid::Uuid,
        body: &UpdateRoleRequest,
    ) -> Result<RoleResponse, ClientError> {
        Self::send(
            self.request(Method::PATCH, &format!("api/v1/roles/{id}"))?
                .json(body),
        )
        .await
    }

    /// `PATCH /api/v1/approval-groups/{id}`
    pub async fn update_approval_group(
        &self,
        id: uuid::Uuid,
        body: &UpdateApprovalGroupRequest,
    ) -> Result<ApprovalGroupResponse, ClientError> {
        Self::send(
            self.request(Method::PATCH, &format!("api/v1/approval-groups/{id}"))?
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/organizations`
    pub async fn organizations(&self) -> Result<Vec<OrganizationResponse>, ClientError> {
        self.get("api/v1/organizations").await
    }

    /// `POST /api/v1/organizations`
    pub async fn create_organization(
        &self,
        body: &CreateOrganizationRequest,
    ) -> Result<OrganizationResponse, ClientError> {
        self.post("api/v1/organizations", body).await
    }

    /// `POST /api/v1/users`
    pub async fn create_user(&self, body: &CreateUserRequest) -> Result<UserDetailResponse, ClientError> {
        self.post("api/v1/users", body).await
    }

    /// `POST /api/v1/users/{id}/invitation`
    pub async fn resend_user_link(&self, id: uuid::Uuid) -> Result<Accepted, ClientError> {
        Self::send(self.request(Method::POST, &format!("api/v1/users/{id}/invitation"))?).await
    }

    /// `GET /api/v1/users/{id}/mail`
    pub async fn user_mail(&self, id: uuid::Uuid) -> Result<Vec<AccountMailResponse>, ClientError> {
        self.get(&format!("api/v1/users/{id}/mail")).await
    }

    /// `GET /api/v1/users/{id}`
    pub async fn user(&self, id: uuid::Uuid) -> Result<UserDetailResponse, ClientError> {
        self.get(&format!("api/v1/users/{id}")).await
    }

    /// `POST /api/v1/users/{id}/status`
    pub async fn set_user_status(
        &self,
        id: uuid::Uuid,
        body: &SetUserStatusRequest,
    ) -> Result<UserDetailResponse, ClientError> {
        self.post(&format!("api/v1/users/{id}/status"), body).await
    }

    /// `PUT /api/v1/organizations/{id}/officers`
    pub async fn set_organization_officers(
        &self,
        id: uuid::Uuid,
        body: &OrganizationOfficersRequest,
    ) -> Result<OrganizationOfficersResponse, ClientError> {
        Self::send(
            self.request(Method::PUT, &format!("api/v1/organizations/{id}/officers"))?
                .json(body),
        )
        .await
    }

    /// `PATCH /api/v1/organizations/{id}`
    pub async fn update_organization(
        &self,
        id: uuid::Uuid,
        body: &UpdateOrganizationRequest,
    ) -> Result<OrganizationResponse, ClientError> {
        Self::send(
            self.request(Method::PATCH, &format!("api/v1/organizations/{id}"))?
                .json(body),
        )
        .await
    }

    /// `POST /api/v1/auth/step-up`: proves a second factor for this sign-in; keeps the new
    /// token (it says so in `amr`).
    pub async fn step_up(&mut self, body: &StepUpRequest) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/step-up", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `POST /api/v1/auth/step-up/security-key/options`: the challenge a key of mine answers.
    pub async fn step_up_security_key_options(&self) -> Result<SecurityKeyOptionsResponse, ClientError> {
        Self::send(self.request(Method::POST, "api/v1/auth/step-up/security-key/options")?).await
    }

    /// `POST /api/v1/auth/step-up/security-key`: proves a security key for this sign-in; keeps
    /// the new token.
    pub async fn step_up_security_key(
        &mut self,
        body: &StepUpSecurityKeyRequest,
    ) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/step-up/security-key", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `POST /api/v1/auth/login/second-factor`: the second step of a sign-in; keeps the token.
    pub async fn login_second_factor(
        &mut self,
        body: &SecondFactorRequest,
    ) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/login/second-factor", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `GET /api/v1/auth/methods`: the sign-in methods the server offers.
    pub async fn sign_in_methods(&self) -> Result<SignInMethodsResponse, ClientError> {
        self.get("api/v1/auth/methods").await
    }

    /// `POST /api/v1/auth/certificate/token`: tokens for the code a PIV / CAC sign-in came
    /// back with; on success the client uses the new access token.
    pub async fn certificate_sign_in(
        &mut self,
        body: &CertificateSignInRequest,
    ) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/certificate/token", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `POST /api/v1/auth/network/token`: tokens for the code a sign-in with network
    /// credentials came back with; on success the client uses the new access token.
    pub async fn network_sign_in(
        &mut self,
        body: &NetworkTokenRequest,
    ) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/network/token", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `GET /api/v1/me/network-identities`: the network identities that sign me in.
    pub async fn my_network_identities(&self) -> Result<Vec<NetworkIdentityResponse>, ClientError> {
        self.get("api/v1/me/network-identities").await
    }

    /// `DELETE /api/v1/me/network-identities/{id}`
    pub async fn unlink_network_identity(&self, id: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &format!("api/v1/me/network-identities/{id}"))?).await
    }

    /// `GET /api/v1/organizations/{id}/network-sign-in`
    pub async fn network_sign_in_settings(
        &self,
        org: uuid::Uuid,
    ) -> Result<NetworkSignInResponse, ClientError> {
        self.get(&format!("api/v1/organizations/{org}/network-sign-in"))
            .await
    }

    /// `PUT /api/v1/organizations/{id}/network-sign-in`
    pub async fn set_network_sign_in(
        &self,
        org: uuid::Uuid,
        body: &NetworkSignInRequest,
    ) -> Result<NetworkSignInResponse, ClientError> {
        Self::send(
            self.request(
                Method::PUT,
                &format!("api/v1/organizations/{org}/network-sign-in"),
            )?
            .json(body),
        )
        .await
    }

    /// `DELETE /api/v1/organizations/{id}/network-sign-in`
    pub async fn remove_network_sign_in(&self, org: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(
            Method::DELETE,
            &format!("api/v1/organizations/{org}/network-sign-in"),
        )?)
        .await
    }

    /// `GET /api/v1/me/certificates`
    pub async fn my_certificates(&self) -> Result<Vec<CertificateResponse>, ClientError> {
        self.get("api/v1/me/certificates").await
    }

    /// `POST /api/v1/me/certificates/binding`: a ticket to bind my card's certificate.
    pub async fn start_certificate_binding(&self) -> Result<CertificateBindingResponse, ClientError> {
        Self::send(self.request(Method::POST, "api/v1/me/certificates/binding")?).await
    }

    /// `DELETE /api/v1/me/certificates/{id}`
    pub async fn remove_my_certificate(&self, id: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &format!("api/v1/me/certificates/{id}"))?).await
    }

    /// `POST /api/v1/me/mfa/security-keys/options`: start adding a security key.
    pub async fn security_key_options(&self) -> Result<SecurityKeyOptionsResponse, ClientError> {
        Self::send(self.request(Method::POST, "api/v1/me/mfa/security-keys/options")?).await
    }

    /// `POST /api/v1/me/mfa/security-keys`: add the key the browser created.
    pub async fn add_security_key(
        &self,
        body: &AddSecurityKeyRequest,
    ) -> Result<SecurityKeyResponse, ClientError> {
        self.post("api/v1/me/mfa/security-keys", body).await
    }

    /// `DELETE /api/v1/me/mfa/security-keys/{id}`
    pub async fn remove_security_key(&self, id: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &format!("api/v1/me/mfa/security-keys/{id}"))?).await
    }

    /// `POST /api/v1/auth/login/security-key/options`: the challenge of a sign-in's second step.
    pub async fn security_key_challenge(
        &self,
        body: &SecurityKeyChallengeRequest,
    ) -> Result<SecurityKeyOptionsResponse, ClientError> {
        self.post("api/v1/auth/login/security-key/options", body).await
    }

    /// `POST /api/v1/auth/login/security-key`; on success the client uses the new access token.
    pub async fn login_security_key(
        &mut self,
        body: &SecurityKeySignInRequest,
    ) -> Result<TokenResponse, ClientError> {
        let t: TokenResponse = self.post("api/v1/auth/login/security-key", body).await?;
        self.token = Some(t.access_token.clone());
        Ok(t)
    }

    /// `GET /api/v1/users/{id}/certificates`
    pub async fn user_certificates(&self, user: uuid::Uuid) -> Result<Vec<CertificateResponse>, ClientError> {
        self.get(&format!("api/v1/users/{user}/certificates")).await
    }

    /// `DELETE /api/v1/users/{id}/certificates/{certificate}`
    pub async fn remove_user_certificate(&self, user: uuid::Uuid, id: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &format!("api/v1/users/{user}/certificates/{id}"))?).await
    }

    /// `GET /api/v1/me/mfa`
    pub async fn mfa(&self) -> Result<MfaStatusResponse, ClientError> {
        self.get("api/v1/me/mfa").await
    }

    /// `POST /api/v1/me/mfa/totp`
    pub async fn start_totp(&self) -> Result<TotpEnrollmentResponse, ClientError> {
        Self::send(self.request(Method::POST, "api/v1/me/mfa/totp")?).await
    }

    /// `POST /api/v1/me/mfa/totp/confirm`
    pub async fn confirm_totp(
        &self,
        body: &ConfirmTotpRequest,
    ) -> Result<RecoveryCodesResponse, ClientError> {
        self.post("api/v1/me/mfa/totp/confirm", body).await
    }

    /// `POST /api/v1/me/mfa/totp/removal`
    pub async fn remove_totp(&self, body: &RemoveTotpRequest) -> Result<(), ClientError> {
        Self::send(
            self.request(Method::POST, "api/v1/me/mfa/totp/removal")?
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/me/sessions`: my sign-ins of the last 30 days, newest first.
    pub async fn my_sign_ins(&self) -> Result<Vec<SignInResponse>, ClientError> {
        self.get("api/v1/me/sessions").await
    }

    /// `DELETE /api/v1/me/sessions/{id}`: sign out one of my sign-ins.
    pub async fn end_my_sign_in(&self, id: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &format!("api/v1/me/sessions/{id}"))?).await
    }

    /// `GET /api/v1/users/{id}/sessions`: a person's sign-ins of the last 30 days.
    pub async fn user_sign_ins(&self, user: uuid::Uuid) -> Result<Vec<SignInResponse>, ClientError> {
        self.get(&format!("api/v1/users/{user}/sessions")).await
    }

    /// `DELETE /api/v1/users/{id}/sessions/{session}`: end one of a person's sign-ins.
    pub async fn end_user_sign_in(&self, user: uuid::Uuid, id: uuid::Uuid) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &format!("api/v1/users/{user}/sessions/{id}"))?).await
    }

    /// `POST /api/v1/users/{id}/mfa/reset`
    pub async fn reset_second_factor(
        &self,
        id: uuid::Uuid,
        body: &ResetSecondFactorRequest,
    ) -> Result<(), ClientError> {
        Self::send(
            self.request(Method::POST, &format!("api/v1/users/{id}/mfa/reset"))?
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/help`
    pub async fn help(&self) -> Result<HelpResponse, ClientError> {
        self.get("api/v1/help").await
    }

    /// `POST /api/v1/enrollments`
    pub async fn enroll_contractor(
        &self,
        body: &EnrollContractorRequest,
    ) -> Result<UserDetailResponse, ClientError> {
        self.post("api/v1/enrollments", body).await
    }

    /// `GET /api/v1/enrollments`
    pub async fn enrollments(&self) -> Result<Vec<UserDetailResponse>, ClientError> {
        self.get("api/v1/enrollments").await
    }

    /// `POST /api/v1/enrollments/{id}/extension`
    pub async fn extend_contract(
        &self,
        id: uuid::Uuid,
        body: &ExtendContractRequest,
    ) -> Result<UserDetailResponse, ClientError> {
        self.post(&format!("api/v1/enrollments/{id}/extension"), body)
            .await
    }

    /// `GET /api/v1/users/{id}/saars`
    pub async fn user_requests(&self, id: uuid::Uuid) -> Result<MyRequestsResponse, ClientError> {
        self.get(&format!("api/v1/users/{id}/saars")).await
    }

    /// `POST /api/v1/saars/{id}/approval-mail`
    pub async fn resend_approval_mail(&self, id: uuid::Uuid) -> Result<Accepted, ClientError> {
        Self::send(self.request(Method::POST, &format!("api/v1/saars/{id}/approval-mail"))?).await
    }

    /// `POST /api/v1/users/{id}/deletion`
    pub async fn delete_user(
        &self,
        id: uuid::Uuid,
        body: &DeleteUserRequest,
    ) -> Result<UserDeletionResponse, ClientError> {
        self.post(&format!("api/v1/users/{id}/deletion"), body).await
    }

    /// `PATCH /api/v1/users/{id}`
    pub async fn update_user(
        &self,
        id: uuid::Uuid,
        body: &UpdateUserRequest,
    ) -> Result<UserDetailResponse, ClientError> {
        Self::send(
            self.request(Method::PATCH, &format!("api/v1/users/{id}"))?
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/users?q=&status=&limit=&cursor=`
    pub async fn users(&self, q: &ListUsersQuery) -> Result<UserListResponse, ClientError> {
        let limit = q.limit.map(|l| l.to_string());
        let pairs: Vec<(&str, &str)> = [
            ("q", q.q.as_deref()),
            ("status", q.status.as_deref()),
            ("limit", limit.as_deref()),
            ("cursor", q.cursor.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        self.get_query("api/v1/users", &pairs).await
    }

    /// The query pairs of an audit filter.
    fn audit_pairs(f: &AuditFilter) -> Vec<(&'static str, String)> {
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
        [
            ("actor", f.actor.clone()),
            ("target", f.target.clone()),
            ("action", f.action.clone()),
            ("from", time(f.from)),
            ("to", time(f.to)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// `GET /api/v1/audit-events`
    pub async fn audit_events(
        &self,
        f: &AuditFilter,
        page: &AuditPageQuery,
    ) -> Result<AuditEventList, ClientError> {
        let mut pairs = Self::audit_pairs(f);
        pairs.extend(page.limit.map(|l| ("limit", l.to_string())));
        pairs.extend(page.cursor.clone().map(|c| ("cursor", c)));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.get_query("api/v1/audit-events", &pairs).await
    }

    /// `GET /api/v1/audit-events/export`: the CSV text.
    pub async fn export_audit_events(&self, f: &AuditFilter) -> Result<String, ClientError> {
        self.export_audit_events_with_progress(f, |_| {}).await
    }

    /// `GET /api/v1/audit-events/export`, read as it arrives: `rows` is told after each piece
    /// how many events have come so far.
    pub async fn export_audit_events_with_progress(
        &self,
        f: &AuditFilter,
        mut rows: impl FnMut(usize),
    ) -> Result<String, ClientError> {
        let mut url = self
            .base
            .join("api/v1/audit-events/export")
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(Self::audit_pairs(f));
        let mut req = self.http.get(url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::text_with_progress(req, |lines| rows(lines.saturating_sub(1))).await
    }

    /// `GET /api/v1/audit-events/verify`
    pub async fn verify_audit_chain(&self) -> Result<AuditVerifyResponse, ClientError> {
        self.get("api/v1/audit-events/verify").await
    }

    /// The query pairs of a report's filters and page.
    fn report_pairs(q: &ReportQuery) -> Vec<(&'static str, String)> {
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
        [
            ("organization", q.organization.clone()),
            ("application", q.application.clone()),
            ("from", time(q.from)),
            ("to", time(q.to)),
            ("limit", q.limit.map(|l| l.to_string())),
            ("cursor", q.cursor.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// `GET /api/v1/reports`
    pub async fn reports(&self) -> Result<Vec<ReportInfo>, ClientError> {
        self.get("api/v1/reports").await
    }

    /// `GET /api/v1/reports/{name}`
    pub async fn report(&self, name: &str, q: &ReportQuery) -> Result<ReportResponse, ClientError> {
        let pairs = Self::report_pairs(q);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.get_query(&format!("api/v1/reports/{name}"), &pairs).await
    }

    /// `GET /api/v1/reports/{name}/export`: the CSV text.
    pub async fn export_report(&self, name: &str, q: &ReportQuery) -> Result<String, ClientError> {
        self.export_report_with_progress(name, q, |_| {}).await
    }

    /// `GET /api/v1/reports/{name}/export`, read as it arrives: `rows` is told after each
    /// piece how many rows have come so far (the header line not counted).
    pub async fn export_report_with_progress(
        &self,
        name: &str,
        q: &ReportQuery,
        mut rows: impl FnMut(usize),
    ) -> Result<String, ClientError> {
        let mut url = self
            .base
            .join(&format!("api/v1/reports/{name}/export"))
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(Self::report_pairs(q));
        let mut req = self.http.get(url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::text_with_progress(req, |lines| rows(lines.saturating_sub(1))).await
    }

    /// `POST /api/v1/me/roles/{id}/removal`
    pub async fn request_role_removal(
        &self,
        assignment: uuid::Uuid,
        body: &RemovalRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/me/roles/{assignment}/removal"), body)
            .await
    }

    /// `POST /api/v1/me/roles/{id}/renewal`
    pub async fn request_role_renewal(
        &self,
        assignment: uuid::Uuid,
        body: &RenewalRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/me/roles/{assignment}/renewal"), body)
            .await
    }

    /// `GET /api/v1/me/revalidation`
    pub async fn my_revalidation(&self) -> Result<RevalidationResponse, ClientError> {
        self.get("api/v1/me/revalidation").await
    }

    /// `POST /api/v1/me/revalidation`
    pub async fn update_my_revalidation(
        &self,
        body: &UpdateRevalidationRequest,
    ) -> Result<RevalidationResponse, ClientError> {
        self.post("api/v1/me/revalidation", body).await
    }

    /// `GET /api/v1/revalidations`
    pub async fn revalidations_to_review(&self) -> Result<Vec<RevalidationResponse>, ClientError> {
        self.get("api/v1/revalidations").await
    }

    /// `GET /api/v1/revalidations/{id}`
    pub async fn revalidation(&self, id: uuid::Uuid) -> Result<RevalidationResponse, ClientError> {
        self.get(&format!("api/v1/revalidations/{id}")).await
    }

    /// `POST /api/v1/revalidations/{id}/approve`
    pub async fn approve_revalidation(
        &self,
        id: uuid::Uuid,
        body: &ApproveRevalidationRequest,
    ) -> Result<RevalidationResponse, ClientError> {
        self.post(&format!("api/v1/revalidations/{id}/approve"), body)
            .await
    }

    /// `POST /api/v1/revalidations/{id}/reject`
    pub async fn reject_revalidation(
        &self,
        id: uuid::Uuid,
        body: &RejectRevalidationRequest,
    ) -> Result<RevalidationResponse, ClientError> {
        self.post(&format!("api/v1/revalidations/{id}/reject"), body)
            .await
    }

    /// `POST /api/v1/revalidation-campaigns`
    pub async fn create_campaign(
        &self,
        body: &CreateCampaignRequest,
    ) -> Result<CampaignResponse, ClientError> {
        self.post("api/v1/revalidation-campaigns", body).await
    }

    /// `GET /api/v1/revalidation-campaigns`
    pub async fn campaigns(&self) -> Result<Vec<CampaignResponse>, ClientError> {
        self.get("api/v1/revalidation-campaigns").await
    }

    /// `GET /api/v1/revalidation-campaigns/{id}`
    pub async fn campaign(&self, id: uuid::Uuid) -> Result<CampaignResponse, ClientError> {
        self.get(&format!("api/v1/revalidation-campaigns/{id}")).await
    }

    /// `POST /api/v1/revalidation-campaigns/{id}/close`
    pub async fn close_campaign(&self, id: uuid::Uuid) -> Result<CampaignResponse, ClientError> {
        self.post(
            &format!("api/v1/revalidation-campaigns/{id}/close"),
            &serde_json::json!({}),
        )
        .await
    }

    /// `POST /api/v1/revalidation-campaigns/{id}/remind`
    pub async fn remind_overdue(&self, id: uuid::Uuid) -> Result<RemindResponse, ClientError> {
        self.post(
            &format!("api/v1/revalidation-campaigns/{id}/remind"),
            &serde_json::json!({}),
        )
        .await
    }

    /// `GET /api/v1/me/direct-reports`
    pub async fn direct_reports(&self) -> Result<Vec<DirectReportResponse>, ClientError> {
        self.get("api/v1/me/direct-reports").await
    }

    /// `POST /api/v1/users/{id}/roles/{rid}/removal`
    pub async fn remove_direct_report_role(
        &self,
        user: uuid::Uuid,
        assignment: uuid::Uuid,
        body: &RemovalRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/users/{user}/roles/{assignment}/removal"), body)
            .await
    }

    /// `PUT /api/v1/me/deputy`
    pub async fn set_deputy(&self, body: &SetDeputyRequest) -> Result<DeputyResponse, ClientError> {
        Self::send(self.request(Method::PUT, "api/v1/me/deputy")?.json(body)).await
    }

    /// `DELETE /api/v1/me/deputy`
    pub async fn clear_deputy(&self) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, "api/v1/me/deputy")?).await
    }

    /// `GET /api/v1/approver-changes`: approver changes asking me to accept.
    pub async fn approver_changes(&self) -> Result<Vec<ApproverChangeResponse>, ClientError> {
        self.get("api/v1/approver-changes").await
    }

    /// `POST /api/v1/approver-changes/{id}/accept` (or `/decline` when `accept` is false).
    pub async fn decide_approver_change(
        &self,
        id: uuid::Uuid,
        accept: bool,
    ) -> Result<ApproverChangeResponse, ClientError> {
        let verb = if accept { "accept" } else { "decline" };
        Self::send(self.request(Method::POST, &format!("api/v1/approver-changes/{id}/{verb}"))?).await
    }

    /// `GET /api/v1/approver-change-links/{token}`
    pub async fn approver_change_link(&self, token: &str) -> Result<ApproverChangeResponse, ClientError> {
        self.get(&format!("api/v1/approver-change-links/{token}")).await
    }

    /// `POST /api/v1/approver-change-links/{token}/accept` (or `/decline`).
    pub async fn decide_approver_change_by_link(
        &self,
        token: &str,
        accept: bool,
    ) -> Result<ApproverChangeResponse, ClientError> {
        let verb = if accept { "accept" } else { "decline" };
        Self::send(self.request(
            Method::POST,
            &format!("api/v1/approver-change-links/{token}/{verb}"),
        )?)
        .await
    }

    /// `PATCH /api/v1/users/{id}/approvers`: at once (the user's supervisor, help desk,
    /// administrators).
    pub async fn set_approvers(
        &self,
        user: uuid::Uuid,
        body: &SetApproversRequest,
    ) -> Result<ApproversResponse, ClientError> {
        Self::send(
            self.request(Method::PATCH, &format!("api/v1/users/{user}/approvers"))?
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/approval-links/{token}`
    pub async fn approval_link(&self, token: &str) -> Result<ApprovalTaskResponse, ClientError> {
        self.get(&format!("api/v1/approval-links/{token}")).await
    }

    /// `POST /api/v1/approval-links/{token}/approve`
    pub async fn approve_by_link(
        &self,
        token: &str,
        body: &ApproveRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/approval-links/{token}/approve"), body)
            .await
    }

    /// `POST /api/v1/approval-links/{token}/reject`
    pub async fn reject_by_link(
        &self,
        token: &str,
        body: &RejectRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/approval-links/{token}/reject"), body)
            .await
    }

    /// `POST /api/v1/approval-links/{token}/return`
    pub async fn return_by_link(
        &self,
        token: &str,
        body: &ReturnRequest,
    ) -> Result<SaarResponse, ClientError> {
        self.post(&format!("api/v1/approval-links/{token}/return"), body)
            .await
    }

    /// `POST /api/v1/saars/{id}/attachments?filename=`
    pub async fn upload_attachment(
        &self,
        saar: uuid::Uuid,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentResponse, ClientError> {
        let mut url = self
            .base
            .join(&format!("api/v1/saars/{saar}/attachments"))
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        url.query_pairs_mut().append_pair("filename", filename);
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/octet-stream")
            .body(bytes);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::send(req).await
    }

    /// `GET /api/v1/saars/{id}/attachments/{aid}`: the file's bytes.
    pub async fn download_attachment(
        &self,
        saar: uuid::Uuid,
        attachment: uuid::Uuid,
    ) -> Result<Vec<u8>, ClientError> {
        let path = format!("api/v1/saars/{saar}/attachments/{attachment}");
        let (_, bytes) = Self::fetch(self.request(Method::GET, &path)?).await?;
        Ok(bytes.to_vec())
    }

    /// `GET /api/v1/saars/{id}/attachments`
    pub async fn attachments(&self, saar: uuid::Uuid) -> Result<Vec<AttachmentResponse>, ClientError> {
        self.get(&format!("api/v1/saars/{saar}/attachments")).await
    }
}
