//! dicoso's server: serves the app (server-rendered, path-only HTML), its versioned assets
//! and service worker, and keeps documents in SQLite.

pub mod assets;
pub mod directory;
pub mod store;
pub mod sync;
pub mod sync_client;

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
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// Starts the sync hub task, so it must run inside a tokio runtime. Panics if the
    /// directory cannot be read from `store` (the binary uses [`AppState::with_directory`]).
    pub fn new(site_dir: PathBuf, build: BuildInfo, store: store::Store) -> Self {
        let directory =
            directory::DirectoryService::open(store.clone(), directory::DirectoryConfig::default())
                .expect("the directory must load from a store that just opened");
        Self::with_directory(site_dir, build, store, directory)
    }

    /// As [`AppState::new`], with a directory service opened by the caller; starts its
    /// follower of changes made by `dicoso admin`.
    pub fn with_directory(
        site_dir: PathBuf,
        build: BuildInfo,
        store: store::Store,
        directory: directory::DirectoryService,
    ) -> Self {
        directory.spawn_follower();
        let page_csp = assets::page_csp(&build);
        let leptos = LeptosOptions::builder()
            .output_name("dicoso")
            .site_root(site_dir.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .build();
        AppState {
            leptos,
            build: Arc::new(build),
            sync: sync::SyncService::start(store.clone()),
            store,
            site_dir,
            directory,
            page_csp,
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
        .route("/sync", get(sync::endpoint))
        .merge(directory::api::routes())
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

#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    build: String,
    database: &'static str,
    /// `null` if the sync hub does not answer promptly (it is busy or has stopped).
    sync: Option<sync::SyncStats>,
}

/// How long `/api/health` waits for the sync hub's figures.
const HEALTH_SYNC_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

async fn health(State(state): State<AppState>) -> Response {
    let database_ok = state.store.check().await.is_ok();
    let sync = tokio::time::timeout(HEALTH_SYNC_PATIENCE, state.sync.stats())
        .await
        .ok()
        .flatten();
    let body = Json(Health {
        status: if database_ok { "ok" } else { "degraded" },
        build: state.build.version.clone(),
        database: if database_ok { "ok" } else { "unavailable" },
        sync,
    });
    let code = if database_ok {
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
