//! dicoso's server: serves the app (server-rendered, path-only HTML), its versioned assets
//! and service worker, and keeps documents in SQLite.

pub mod assets;
pub mod directory;
pub mod office;
pub mod serve;
pub mod store;
pub mod sync;
pub mod sync_client;
pub mod testing;

use app::{App, BuildInfo, shell};
use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::path::PathBuf;
use std::sync::Arc;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub build: Arc<BuildInfo>,
    pub store: store::Store,
    /// The directory `cargo xtask dist` wrote: pages' assets, `sw.js`, manifest, icons.
    pub site_dir: PathBuf,
    /// The sync hub behind `GET /sync`.
    pub sync: sync::SyncService,
    /// People, accounts and devices: who a token is, what a province's directory says.
    pub directory: directory::DirectoryService,
    /// The pages' Content-Security-Policy, computed at start-up from the build.
    pub page_csp: axum::http::HeaderValue,
    /// Origins, besides the request's own (its `Host`), whose pages may open `/sync`.
    pub allowed_origins: Arc<Vec<String>>,
}

/// What `dicoso serve` may tune about abuse, load and faults (issue 10).
#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
    pub sync: sync::SyncConfig,
    pub limits: sync::SyncLimits,
    /// Origins (`https://example.org`), besides the app's own, allowed to open `/sync`.
    pub allowed_origins: Vec<String>,
    /// How a connection is served (request-head timeout).
    pub http: serve::HttpConfig,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Directory(#[from] directory::DirectoryError),
    #[error("cannot read the index of documents: {0}")]
    Index(#[from] store::StoreError),
}

impl AppState {
    /// Opens the directory and the index of documents from `store` and starts the sync
    /// hub task under the rules of `docs/access.md` (inside a tokio runtime).
    pub async fn new(
        site_dir: PathBuf,
        build: BuildInfo,
        store: store::Store,
    ) -> Result<Self, StartError> {
        let directory = directory::DirectoryService::open(
            store.clone(),
            directory::DirectoryConfig::default(),
        )?;
        Self::with_directory(site_dir, build, store, directory).await
    }

    /// As [`AppState::new`], with a directory service opened by the caller; starts its
    /// follower of changes made by `dicoso admin`, and closes the live sync connections of
    /// revoked devices and disabled accounts.
    pub async fn with_directory(
        site_dir: PathBuf,
        build: BuildInfo,
        store: store::Store,
        directory: directory::DirectoryService,
    ) -> Result<Self, StartError> {
        Self::with_config(site_dir, build, store, directory, &ServerConfig::default()).await
    }

    /// As [`AppState::with_directory`], under `config`'s limits and allowed origins.
    pub async fn with_config(
        site_dir: PathBuf,
        build: BuildInfo,
        store: store::Store,
        directory: directory::DirectoryService,
        config: &ServerConfig,
    ) -> Result<Self, StartError> {
        let index = sync::access::open_index(&store).await?;
        let rules = sync::ServerAccess::new(directory.clone(), index);
        let sync = sync::SyncService::start_limited(
            store.clone(),
            config.sync,
            config.limits.clone(),
            rules,
        );
        Ok(Self::with_sync(site_dir, build, store, directory, sync)
            .with_origins(config.allowed_origins.clone()))
    }

    /// Lets pages from these origins (besides the app's own) open `/sync`.
    pub fn with_origins(mut self, origins: Vec<String>) -> Self {
        self.allowed_origins = Arc::new(origins);
        self
    }

    /// As [`AppState::with_directory`], with a sync service started by the caller (tests
    /// of the transport run it under rules of their own).
    pub fn with_sync(
        site_dir: PathBuf,
        build: BuildInfo,
        store: store::Store,
        directory: directory::DirectoryService,
        sync: sync::SyncService,
    ) -> Self {
        directory.spawn_follower();
        sync.follow_revocations(directory.subscribe());
        let page_csp = assets::page_csp(&build);
        let leptos = LeptosOptions::builder()
            .output_name("dicoso")
            .site_root(site_dir.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .build();
        AppState {
            leptos,
            build: Arc::new(build),
            sync,
            store,
            site_dir,
            directory,
            page_csp,
            allowed_origins: Arc::new(Vec::new()),
        }
    }
}

/// The whole HTTP surface of the server.
pub fn app(state: AppState) -> Router {
    let build = state.build.clone();
    let render = move || shell(build.clone());
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            generate_route_list(App),
            without_nonce,
            render.clone(),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            assets::page_headers,
        ));
    Router::new()
        .route("/api/health", get(health))
        .route("/sync", get(sync_endpoint))
        .merge(directory::api::routes())
        .merge(office::api::routes())
        .merge(pages)
        .merge(assets::routes(&state, render))
        .layer(axum::middleware::from_fn(assets::security_headers))
        .with_state(state)
}

/// leptos_axum gives every response a random script nonce. Our Content-Security-Policy
/// allows the one inline script by its hash instead (`assets::page_csp`): a nonce would
/// make a page's HTML differ between requests, so the page a service worker cached could
/// never be compared with the server's.
pub(crate) fn without_nonce() {
    let _ = leptos::prelude::take_context::<leptos::nonce::Nonce>();
}

/// Whether a browser page of `Origin` may open `/sync`: the app's own origin (the
/// request's `Host`, over http or https) or one configured. A request without `Origin`
/// is no browser page (a device authenticates with its token all the same). Issue 10.
fn origin_allowed(headers: &axum::http::HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if allowed
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    ["http://", "https://"].iter().any(|scheme| {
        origin
            .strip_prefix(scheme)
            .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
    })
}

/// `GET /sync`: the page's origin and the device's token are checked during the upgrade,
/// before any frame is read (`docs/access.md`); a refused upgrade answers 401/403/429
/// with the reason.
async fn sync_endpoint(
    State(state): State<AppState>,
    directory::api::ClientAddr(addr): directory::api::ClientAddr,
    headers: axum::http::HeaderMap,
    upgrade: axum::extract::ws::WebSocketUpgrade,
) -> Response {
    use axum::http::StatusCode;
    let refuse = |code: StatusCode, message: String| {
        let mut response = (code, Json(serde_json::json!({ "error": message }))).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    };
    if !origin_allowed(&headers, &state.allowed_origins) {
        tracing::warn!(%addr, origin = ?headers.get(header::ORIGIN), "sync upgrade from a foreign origin refused");
        return refuse(
            StatusCode::FORBIDDEN,
            "Trang web này không được phép đồng bộ với máy chủ.".into(),
        );
    }
    if !state.directory.allow_connection(addr) {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "Quá nhiều kết nối đồng bộ từ địa chỉ này. Hãy thử lại sau.".into(),
        );
    }
    let Some(token) = directory::token_from_headers(&headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Thiết bị chưa đăng nhập: đồng bộ cần mã truy cập của thiết bị.".into(),
        );
    };
    match state.directory.authenticate(&token).await {
        Ok(who) => sync::upgrade(
            state.sync.clone(),
            sync::SyncIdentity {
                device_id: who.device_id,
                person: who.person,
                province: who.province,
            },
            addr,
            upgrade,
        ),
        Err(e @ directory::AuthError::Unavailable) => {
            refuse(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        Err(e) => refuse(StatusCode::UNAUTHORIZED, e.to_string()),
    }
}

#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    build: String,
    database: &'static str,
    /// `null` if the sync router does not answer promptly (it is stuck or has stopped).
    /// The figures do not wait on the documents' actors, so one busy document does not
    /// hide them.
    sync: Option<sync::SyncStats>,
    /// The hub's liveness and the store's last write error: 503 if stuck or failing.
    hub: sync::SyncHealth,
}

/// How long `/api/health` waits for the sync hub's figures.
const HEALTH_SYNC_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /api/health`: 200 only if the database answers, the sync hub is not stuck and the
/// store's writes succeed (issue 10); the phone shows "máy chủ đang gặp sự cố" on a 503.
async fn health(State(state): State<AppState>) -> Response {
    let hub = state.sync.health();
    let database_ok = state.store.check().await.is_ok();
    let sync = if hub.stuck {
        None
    } else {
        tokio::time::timeout(HEALTH_SYNC_PATIENCE, state.sync.snapshot())
            .await
            .ok()
            .flatten()
    };
    let ok = database_ok && hub.ok();
    let body = Json(Health {
        status: if ok { "ok" } else { "degraded" },
        build: state.build.version.clone(),
        database: if database_ok { "ok" } else { "unavailable" },
        sync,
        hub,
    });
    let code = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    let mut response = (code, body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
