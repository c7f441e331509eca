//! Static files: hashed assets cached for ever, the service worker and manifest never.

use crate::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::IntoView;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The build a page belongs to: the service worker caches only pages of its own build.
pub const BUILD_HEADER: &str = "x-dicoso-build";

/// Versioned assets under `/pkg`, the service worker, manifest and icons; anything else
/// is a page the app does not have, rendered as its 404 page.
pub fn routes<IV>(
    state: &AppState,
    render: impl Fn() -> IV + Clone + Send + Sync + 'static,
) -> Router<AppState>
where
    IV: IntoView + 'static,
{
    let site = &state.site_dir;
    // Names under /pkg carry their content hash, so a cached copy is never stale.
    let pkg = ServeDir::new(site.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let immutable = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    // The browser must always ask for these, or an old service worker lingers.
    let revalidate = || {
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        )
    };
    let not_found = leptos_axum::render_app_to_stream_with_context(crate::without_nonce, render);
    Router::new()
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new().layer(immutable).service(pkg),
        )
        .route_service(
            "/sw.js",
            tower::ServiceBuilder::new()
                .layer(revalidate())
                .service(ServeFile::new(site.join("sw.js"))),
        )
        .route_service(
            "/manifest.webmanifest",
            tower::ServiceBuilder::new()
                .layer(revalidate())
                .service(ServeFile::new(site.join("manifest.webmanifest"))),
        )
        .nest_service(
            "/icons",
            tower::ServiceBuilder::new()
                .layer(revalidate())
                .service(ServeDir::new(site.join("icons"))),
        )
        .fallback(move |request: Request| {
            let not_found = not_found.clone();
            async move {
                let mut response = not_found(request).await;
                *response.status_mut() = StatusCode::NOT_FOUND;
                response
            }
        })
}

/// Pages are never cached by the browser (the service worker keeps its own copy), and say
/// which build they belong to.
pub async fn page_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(version) = HeaderValue::from_str(&state.build.version) {
        headers.insert(HeaderName::from_static(BUILD_HEADER), version);
    }
    response
}
