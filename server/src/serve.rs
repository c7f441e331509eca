//! The HTTP loop of `dicoso serve`: axum's router behind hyper's HTTP/1 connection, with a
//! timer so that a client must send its request head in time (issue 10: `axum::serve`
//! sets no timer, so half-sent requests stayed open for ever). Each request carries the
//! peer's address (`ConnectInfo`) for the rate limits, as `into_make_service_with_connect_info`
//! would give it.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How connections are served.
#[derive(Clone, Copy, Debug)]
pub struct HttpConfig {
    /// A client must send a request's whole head within this once it starts one (and a
    /// new connection its first). Phones on 3G send a head in well under a second.
    pub request_head_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_head_timeout: Duration::from_secs(15),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves (connections in flight are
/// then left to finish with the runtime).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: HttpConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait rather than spin.
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(serve_connection(stream, addr, router, config));
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    addr: SocketAddr,
    router: Router,
    config: HttpConfig,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        request.extensions_mut().insert(ConnectInfo(addr));
        let router = router.clone();
        async move { Ok::<_, Infallible>(router.oneshot(request).await.unwrap_or_else(|e| match e {})) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.request_head_timeout);
    if let Err(error) = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await
    {
        tracing::debug!(%addr, %error, "connection ended");
    }
}
