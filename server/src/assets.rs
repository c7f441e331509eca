//! Static files: hashed assets cached for ever, the service worker and manifest never;
//! and the security headers of every response.

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
    let csp = state.page_csp.clone();
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
            let csp = csp.clone();
            async move {
                let mut response = not_found(request).await;
                *response.status_mut() = StatusCode::NOT_FOUND;
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
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
    headers.insert(header::CONTENT_SECURITY_POLICY, state.page_csp.clone());
    if let Ok(version) = HeaderValue::from_str(&state.build.version) {
        headers.insert(HeaderName::from_static(BUILD_HEADER), version);
    }
    response
}

/// The pages' Content-Security-Policy. Scripts: our own files, WebAssembly compilation
/// (`'wasm-unsafe-eval'`, not `'unsafe-eval'`), and the page's inline scripts by their
/// SHA-256, each computed here from the code that writes it, so they cannot drift: the
/// shell's module boot script (`BuildInfo::boot_script`) and the hydration data leptos
/// writes ([`leptos_inline_scripts`]). Connections (fetch, the sync WebSocket: CSP 3's
/// `'self'` covers `ws:`/`wss:` of our origin), styles, images, the manifest and the
/// service worker: our origin only. No plugins, no `<base>`, forms post only to us, and
/// no one may frame the app (clickjacking).
pub fn page_csp(build: &app::BuildInfo) -> HeaderValue {
    use base64::Engine;
    use sha2::Digest;
    let hashes: Vec<String> = std::iter::once(build.boot_script())
        .chain(leptos_inline_scripts())
        .map(|script| {
            let digest = sha2::Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        hashes.join(" ")
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The inline scripts leptos_axum writes into a page (the hydration data: resolved
/// resources, errors, incomplete chunks), as its own shared context produces them for a
/// page with no server data, which is every page here (their HTML depends on the path
/// only). `server/tests/all/accounts.rs` checks every inline script of every page is allowed.
fn leptos_inline_scripts() -> Vec<String> {
    use hydration_context::{SharedContext, SsrSharedContext};
    use std::task::{Context, Poll, Waker};
    let Some(mut chunks) = SsrSharedContext::new().pending_data() else {
        return Vec::new();
    };
    let mut cx = Context::from_waker(Waker::noop());
    let mut scripts = Vec::new();
    // With nothing pending every chunk is ready at once; a pending one would be data.
    while let Poll::Ready(Some(chunk)) = chunks.as_mut().poll_next(&mut cx) {
        scripts.push(chunk);
    }
    scripts
}

/// Headers on every response: no MIME sniffing (a file is what its type says); no
/// referrer beyond our own origin (`same-origin`, not `no-referrer`: with `no-referrer` a
/// browser sends `Origin: null` on our own POSTs, and the server reads `Origin` to build
/// enrolment QR codes and may check it against cross-site requests); no framing by old
/// browsers that ignore `frame-ancestors`.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
