//! QR codes on screen (issue 11: the claim and the confirmation travel between two phones
//! as QR codes, both possibly offline). They are drawn by the `qr` crate, a WebAssembly
//! module of its own that the service worker keeps and that is imported only when a code
//! is first shown or scanned ([`browser::module`]), so the app's first load carries no
//! QR encoder or decoder. The server's HTML never holds a code (it depends on the path).

use leptos::prelude::*;

/// Why a code cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error(
        "Chưa tải được phần tạo và đọc mã QR trên máy này (cần mở ứng dụng một lần khi có mạng): dùng nội dung mã bên dưới."
    )]
    NoModule,
    #[error("Nội dung quá dài để tạo mã QR.")]
    TooLong,
}

/// The SVG of `text` as a QR code, from the `qr` module.
async fn svg_of(text: String) -> Result<String, QrError> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let draw = browser::function("qr_svg").await.ok_or(QrError::NoModule)?;
        let drawn = draw
            .call1(&JsValue::NULL, &JsValue::from_str(&text))
            .map_err(|_| QrError::NoModule)?;
        drawn.as_string().ok_or(QrError::TooLong)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        Err(QrError::NoModule)
    }
}

/// `text` as a QR code with its caption (what it is, for whom), and the text itself in a
/// read-only box underneath, to copy where a camera cannot be used.
#[component]
pub fn QrBlock(text: String, caption: String, #[prop(into)] id: String) -> impl IntoView {
    let drawn = {
        let text = text.clone();
        LocalResource::new(move || svg_of(text.clone()))
    };
    let label = caption.clone();
    let image = move || match drawn.get() {
        None => view! { <p class="hint">"Đang tạo mã QR…"</p> }.into_any(),
        Some(Ok(svg)) => {
            view! { <div class="qr" role="img" aria-label=label.clone() inner_html=svg></div> }
                .into_any()
        }
        Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
    };
    let text_id = format!("{id}-text");
    view! {
        <figure class="qr-block" id=id>
            {image}
            <figcaption>{caption}</figcaption>
            <label for=text_id.clone()>"Nội dung mã (để sao chép khi không quét được)"</label>
            <textarea id=text_id readonly rows="3" class="qr-text">{text}</textarea>
        </figure>
    }
}

#[cfg(feature = "hydrate")]
pub mod browser {
    use js_sys::{Function, Object, Promise, Reflect};
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen(inline_js = "export function import_module(url) { return import(url); }")]
    extern "C" {
        /// A dynamic `import()`: wasm-bindgen has no syntax of its own for it.
        fn import_module(url: &str) -> Promise;
    }

    thread_local! {
        /// The module, once imported and started on this page.
        static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    }

    fn get(target: &JsValue, key: &str) -> Option<JsValue> {
        Reflect::get(target, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    /// The `qr` module (`globalThis.dicosoQr` says where the build put it), imported and
    /// started on first use.
    pub async fn module() -> Option<JsValue> {
        if let Some(m) = MODULE.with(|m| m.borrow().clone()) {
            return Some(m);
        }
        let location = get(&js_sys::global(), "dicosoQr")?;
        let js = get(&location, "js")?.as_string()?;
        let wasm = get(&location, "wasm")?;
        let module = JsFuture::from(import_module(&js)).await.ok()?;
        let init: Function = get(&module, "default")?.dyn_into().ok()?;
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("module_or_path"), &wasm).ok()?;
        let started: Promise = init.call1(&JsValue::NULL, &options).ok()?.dyn_into().ok()?;
        JsFuture::from(started).await.ok()?;
        MODULE.with(|m| *m.borrow_mut() = Some(module.clone()));
        Some(module)
    }

    /// One of the module's functions (`qr_svg`, `decode_rgba`).
    pub async fn function(name: &str) -> Option<Function> {
        get(&module().await?, name)?.dyn_into().ok()
    }
}
