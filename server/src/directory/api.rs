//! The directory's HTTP API (`docs/access.md`): enrolment, the province's snapshot, the
//! device's own status and renewal, and the admin API. JSON in and out; every error is
//! `{"error": "<Vietnamese sentence>"}`; nothing is cached.

use super::{
    AccountCreated, AuthError, DeviceIdentity, DirectoryError, EnrolRequest, EnrolmentCode,
    ImportFiles, Scope, accounts, token_from_headers,
};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use shared::directory::Role;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// Largest CSV import accepted (the three files together, as JSON).
const IMPORT_LIMIT: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/enrol", post(enrol))
        .route("/api/directory", get(own_directory))
        .route("/api/directory/{province}", get(province_directory))
        .route("/api/device", get(device))
        .route("/api/device/renew", post(renew))
        .route("/api/admin/people", get(admin_people))
        .route(
            "/api/admin/import",
            post(admin_import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/api/admin/accounts", post(admin_create_account))
        .route("/api/admin/accounts/{person}/disable", post(admin_disable))
        .route("/api/admin/accounts/{person}/enable", post(admin_enable))
        .route("/api/admin/accounts/{person}/reset", post(admin_reset))
        .route("/api/admin/enrolment-codes", post(admin_enrolment_code))
        .route("/api/admin/people/{person}/devices", get(admin_devices))
        .route("/api/admin/devices/{device}/revoke", post(admin_revoke))
        .route("/api/{*rest}", any(not_found))
        .layer(axum::middleware::from_fn(api_headers))
}

/// API answers are never cached or framed, and are not HTML.
async fn api_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Không có địa chỉ API này.")
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

impl DirectoryError {
    pub fn status(&self) -> StatusCode {
        use DirectoryError as E;
        match self {
            E::Store(_) | E::Random(_) | E::Hash(_) | E::Auth(AuthError::Unavailable) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            E::Invalid(_) | E::BadSignature | E::ClockSkew => StatusCode::BAD_REQUEST,
            E::BadCredentials | E::BadCode | E::Auth(_) => StatusCode::UNAUTHORIZED,
            E::Disabled(_) | E::Inactive(_) | E::NotAdmin | E::OtherProvince { .. } => {
                StatusCode::FORBIDDEN
            }
            E::UnknownPerson(_) | E::UnknownDevice(_) | E::UnknownProvince(_) => {
                StatusCode::NOT_FOUND
            }
            E::Conflict(_) | E::ActorTaken(_) => StatusCode::CONFLICT,
            E::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            E::Import(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl IntoResponse for DirectoryError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            DirectoryError::Store(e) => tracing::error!(error = %e, "directory store failed"),
            DirectoryError::Random(e) => tracing::error!(error = %e, "no randomness"),
            DirectoryError::Hash(e) => tracing::error!(error = %e, "password hashing failed"),
            _ => {}
        }
        let mut body = serde_json::json!({ "error": self.to_string() });
        if let DirectoryError::Import(problems) = &self {
            body["problems"] = serde_json::to_value(problems).unwrap_or_default();
        }
        let mut response = (status, Json(body)).into_response();
        if let DirectoryError::Throttled { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// The client's address (for rate limits): the connection's peer when the server runs
/// with `into_make_service_with_connect_info`, else one shared "unknown" address.
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let addr = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map(|ConnectInfo(a)| a.ip())
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        Ok(ClientAddr(addr))
    }
}

/// A JSON body; a malformed one is a 400 in Vietnamese.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "Yêu cầu không đúng định dạng JSON mong đợi ({}).",
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// The device a request's token names, if the token may be used now.
pub struct Device(pub DeviceIdentity);

fn token(headers: &HeaderMap) -> Result<String, DirectoryError> {
    token_from_headers(headers).ok_or(DirectoryError::Auth(AuthError::Unknown))
}

impl FromRequestParts<AppState> for Device {
    type Rejection = DirectoryError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token(&parts.headers)?;
        Ok(Device(state.directory.authenticate(&token).await?))
    }
}

/// A device of a person with the `admin` role of its province.
pub struct Admin(pub Scope);

impl FromRequestParts<AppState> for Admin {
    type Rejection = DirectoryError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Device(id) = Device::from_request_parts(parts, state).await?;
        let is_admin = state
            .directory
            .directory(&id.province)
            .is_some_and(|dir| dir.has_role(&id.person, &Role::Admin));
        if !is_admin {
            tracing::warn!(device = %id.device_id, person = %id.person, "admin API refused");
            return Err(DirectoryError::NotAdmin);
        }
        Ok(Admin(Scope::Admin {
            person: id.person,
            province: id.province,
        }))
    }
}

async fn enrol(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<EnrolRequest>,
) -> Result<Response, DirectoryError> {
    let enrolled = state.directory.enrol(request, addr).await?;
    Ok(Json(enrolled).into_response())
}

/// Does `If-None-Match` name this entity tag (or `*`)?
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

fn snapshot(
    state: &AppState,
    province: &str,
    headers: &HeaderMap,
) -> Result<Response, DirectoryError> {
    let (json, version) = state
        .directory
        .snapshot_json(province)
        .ok_or_else(|| DirectoryError::UnknownProvince(province.to_owned()))?;
    let etag = format!("\"{province}-{version}\"");
    let mut response = if matches_etag(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

async fn own_directory(
    State(state): State<AppState>,
    Device(id): Device,
    headers: HeaderMap,
) -> Result<Response, DirectoryError> {
    snapshot(&state, &id.province, &headers)
}

async fn province_directory(
    State(state): State<AppState>,
    Device(id): Device,
    Path(province): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DirectoryError> {
    if province != id.province {
        tracing::warn!(device = %id.device_id, person = %id.person, %province, "another province's directory refused");
        return Err(DirectoryError::OtherProvince {
            own: id.province,
            other: province,
        });
    }
    snapshot(&state, &province, &headers)
}

async fn device(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, DirectoryError> {
    let status = state.directory.device_status(&token(&headers)?).await?;
    Ok(Json(status).into_response())
}

async fn renew(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, DirectoryError> {
    let renewed = state.directory.renew(&token(&headers)?).await?;
    Ok(Json(renewed).into_response())
}

fn province_of(scope: &Scope) -> &str {
    match scope {
        Scope::Admin { province, .. } => province,
        Scope::Cli => "",
    }
}

async fn admin_people(
    State(state): State<AppState>,
    Admin(scope): Admin,
) -> Result<Response, DirectoryError> {
    let province = province_of(&scope).to_owned();
    let people = state.directory.people(&scope, &province).await?;
    let name = state
        .directory
        .directory(&province)
        .map(|d| d.province().name.clone())
        .unwrap_or_default();
    Ok(Json(serde_json::json!({
        "province": { "code": province, "name": name },
        "people": people,
    }))
    .into_response())
}

async fn admin_import(
    State(state): State<AppState>,
    Admin(scope): Admin,
    ApiJson(files): ApiJson<ImportFiles>,
) -> Result<Response, DirectoryError> {
    let province = province_of(&scope).to_owned();
    let report = state.directory.import(&scope, &province, files).await?;
    Ok(Json(report).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    person: String,
    username: String,
    #[serde(default)]
    password: Option<String>,
}

async fn admin_create_account(
    State(state): State<AppState>,
    Admin(scope): Admin,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<Response, DirectoryError> {
    let created: AccountCreated = state
        .directory
        .create_account(&scope, &new.person, &new.username, new.password)
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn admin_disable(
    State(state): State<AppState>,
    Admin(scope): Admin,
    Path(person): Path<String>,
) -> Result<Response, DirectoryError> {
    let account = state
        .directory
        .set_account_disabled(&scope, &person, true)
        .await?;
    Ok(Json(account).into_response())
}

async fn admin_enable(
    State(state): State<AppState>,
    Admin(scope): Admin,
    Path(person): Path<String>,
) -> Result<Response, DirectoryError> {
    let account = state
        .directory
        .set_account_disabled(&scope, &person, false)
        .await?;
    Ok(Json(account).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    #[serde(default)]
    password: Option<String>,
}

async fn admin_reset(
    State(state): State<AppState>,
    Admin(scope): Admin,
    Path(person): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, DirectoryError> {
    // The body is optional: none means "generate a password".
    let password = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<NewPassword>(&body)
            .map_err(|e| {
                DirectoryError::Invalid(format!(
                    "Yêu cầu không đúng định dạng JSON mong đợi ({e})."
                ))
            })?
            .password
    };
    let reset = state
        .directory
        .reset_password(&scope, &person, password)
        .await?;
    Ok(Json(reset).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeFor {
    person: String,
}

#[derive(serde::Serialize)]
struct CodeAnswer {
    #[serde(flatten)]
    code: EnrolmentCode,
    /// The QR code of the full URL (origin + `url`), as SVG.
    qr_svg: String,
}

/// The origin the admin's browser sees the app at: its `Origin` header (browsers send
/// it on a POST), else the `Host` the request came to.
fn origin(headers: &HeaderMap) -> String {
    let from_origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| o.starts_with("http://") || o.starts_with("https://"));
    match from_origin {
        Some(o) => o.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

async fn admin_enrolment_code(
    State(state): State<AppState>,
    Admin(scope): Admin,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CodeFor>,
) -> Result<Response, DirectoryError> {
    let code = state
        .directory
        .create_enrolment_code(&scope, &body.person)
        .await?;
    let qr_svg = accounts::qr_svg(&format!("{}{}", origin(&headers), code.url))?;
    Ok((StatusCode::CREATED, Json(CodeAnswer { code, qr_svg })).into_response())
}

async fn admin_devices(
    State(state): State<AppState>,
    Admin(scope): Admin,
    Path(person): Path<String>,
) -> Result<Response, DirectoryError> {
    let devices = state.directory.devices(&scope, &person).await?;
    Ok(Json(serde_json::json!({ "devices": devices })).into_response())
}

async fn admin_revoke(
    State(state): State<AppState>,
    Admin(scope): Admin,
    Path(device): Path<String>,
) -> Result<Response, DirectoryError> {
    let entry = state.directory.revoke(&scope, &device).await?;
    Ok(Json(entry).into_response())
}
