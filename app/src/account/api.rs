//! Calls to the server's account API (`/api/…`, JSON). The service worker never answers
//! `/api/` from its cache, so every answer here is the server's.

use super::wire::AccountError;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// An answer, whatever its status.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub etag: Option<String>,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Gives up on an answer after this long: a phone on a bad link should hear why.
const TIMEOUT_MS: i32 = 20_000;

/// A request to the page's own server. `Err` only when no answer came (network).
pub async fn call(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    if_none_match: Option<&str>,
) -> Result<Answer, AccountError> {
    let window = web_sys::window().ok_or(AccountError::Network)?;
    let headers = web_sys::Headers::new().map_err(|_| AccountError::Network)?;
    let set = |name: &str, value: &str| headers.set(name, value).map_err(|_| AccountError::Network);
    if let Some(token) = token {
        set("authorization", &format!("Bearer {token}"))?;
    }
    if body.is_some() {
        set("content-type", "application/json")?;
    }
    if let Some(tag) = if_none_match {
        set("if-none-match", tag)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers);
    init.set_cache(web_sys::RequestCache::NoStore);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let controller = web_sys::AbortController::new().map_err(|_| AccountError::Network)?;
    init.set_signal(Some(&controller.signal()));
    let abort = Closure::once_into_js(move || controller.abort());
    let _ = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), TIMEOUT_MS);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| AccountError::Network)?
        .dyn_into()
        .map_err(|_| AccountError::Network)?;
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let etag = header("etag");
    let retry_after = header("retry-after").and_then(|s| s.trim().parse().ok());
    let text = response.text().map_err(|_| AccountError::Network)?;
    let body = JsFuture::from(text)
        .await
        .map_err(|_| AccountError::Network)?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        body,
        etag,
        retry_after,
    })
}

/// Whether the browser believes it has a network (a hint: it may still not reach us).
pub fn online() -> bool {
    web_sys::window().is_some_and(|w| w.navigator().on_line())
}

/// Downloads `path` with the token and hands it to the browser as the file `name` (an
/// object URL clicked from a hidden link): the server's exports need the token, which a
/// plain link cannot carry.
pub async fn download(path: &str, token: &str, name: &str) -> Result<(), AccountError> {
    let window = web_sys::window().ok_or(AccountError::Network)?;
    let headers = web_sys::Headers::new().map_err(|_| AccountError::Network)?;
    headers
        .set("authorization", &format!("Bearer {token}"))
        .map_err(|_| AccountError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    init.set_cache(web_sys::RequestCache::NoStore);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| AccountError::Network)?
        .dyn_into()
        .map_err(|_| AccountError::Network)?;
    if !response.ok() {
        let text = response.text().map_err(|_| AccountError::Network)?;
        let body = JsFuture::from(text)
            .await
            .map_err(|_| AccountError::Network)?
            .as_string()
            .unwrap_or_default();
        return Err(super::wire::api_error(response.status(), None, &body));
    }
    let blob: web_sys::Blob = JsFuture::from(response.blob().map_err(|_| AccountError::Network)?)
        .await
        .map_err(|_| AccountError::Network)?
        .dyn_into()
        .map_err(|_| AccountError::Network)?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| AccountError::Network)?;
    let link: web_sys::HtmlAnchorElement = window
        .document()
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into().ok())
        .ok_or(AccountError::Network)?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The download reads the object URL after this task; let it go a minute later.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}
