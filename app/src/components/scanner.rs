//! Scanning a QR code with the phone's camera (issue 11), offline. The decoder is in the
//! `qr` crate's module (see [`super::qr`]), imported only when a code is first used.
//! Frames go from the camera to a `<video>`, are drawn on a canvas a few times a second,
//! and their pixels are handed to the decoder until a code is read.

use leptos::prelude::*;

/// Why the camera scan stopped without a code. Each says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error(
        "Chưa được phép dùng máy ảnh: cho phép trong cài đặt của trình duyệt, hoặc dán nội dung mã vào ô bên dưới."
    )]
    NotAllowed,
    #[error("Không tìm thấy máy ảnh trên máy này: dán nội dung mã hoặc gõ mã nhập tay.")]
    NoCamera,
    #[error(
        "Chưa tải được bộ đọc mã QR trên máy này (cần mở ứng dụng một lần khi có mạng): dán nội dung mã hoặc gõ mã nhập tay."
    )]
    NoDecoder,
    #[error("Máy ảnh gặp lỗi ({0}): dán nội dung mã hoặc gõ mã nhập tay.")]
    Camera(String),
}

/// A button that opens the camera; `on_text` gets the first QR code read.
#[component]
pub fn Scanner(
    /// The button's words ("Quét mã xác nhận").
    label: &'static str,
    on_text: Callback<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let problem = RwSignal::new(None::<ScanError>);
    let video = NodeRef::<leptos::html::Video>::new();
    let start = move |_| {
        problem.set(None);
        open.set(true);
    };
    // One scan at a time: the effect runs again when the video element appears.
    let scanning = StoredValue::new(false);
    Effect::new(move |_| {
        let (true, Some(video)) = (open.get(), video.get()) else {
            return;
        };
        if scanning.get_value() {
            return;
        }
        scanning.set_value(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let result = browser::scan(&video, open).await;
            browser::stop(&video);
            let _ = scanning.try_set_value(false);
            let _ = open.try_set(false);
            match result {
                Ok(Some(text)) => on_text.run(text),
                Ok(None) => {}
                Err(e) => {
                    let _ = problem.try_set(Some(e));
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (video, on_text, problem);
    });
    on_cleanup(move || {
        let _ = open.try_set(false);
    });
    view! {
        <div class="scanner">
            <Show
                when=move || open.get()
                fallback=move || view! { <button type="button" class="scan" on:click=start>{label}</button> }
            >
                <video node_ref=video class="camera" autoplay muted playsinline aria-label="Hình từ máy ảnh"></video>
                <p class="hint" role="status">"Đưa mã QR vào giữa khung hình…"</p>
                <button type="button" class="secondary" on:click=move |_| open.set(false)>"Đóng máy ảnh"</button>
            </Show>
            {move || problem.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::ScanError;
    use js_sys::{Object, Promise, Reflect, Uint8Array};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream};

    /// How often a frame is looked at.
    const FRAME_EVERY_MS: i32 = 200;

    fn get(target: &JsValue, key: &str) -> Option<JsValue> {
        Reflect::get(target, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    fn camera_error(e: JsValue) -> ScanError {
        let name = get(&e, "name")
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "SecurityError" => ScanError::NotAllowed,
            "NotFoundError" | "OverconstrainedError" => ScanError::NoCamera,
            _ => ScanError::Camera(
                get(&e, "message")
                    .and_then(|m| m.as_string())
                    .unwrap_or(name),
            ),
        }
    }

    async fn sleep(ms: i32) {
        let promise = Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = JsFuture::from(promise).await;
    }

    /// Opens the back camera into `video` and reads frames until a code is found
    /// (`Some`), or `open` is set false (`None`).
    pub async fn scan(
        video: &HtmlVideoElement,
        open: RwSignal<bool>,
    ) -> Result<Option<String>, ScanError> {
        let decode = crate::components::qr::browser::function("decode_rgba")
            .await
            .ok_or(ScanError::NoDecoder)?;
        let devices = web_sys::window()
            .and_then(|w| w.navigator().media_devices().ok())
            .ok_or(ScanError::NoCamera)?;
        let constraints = web_sys::MediaStreamConstraints::new();
        let wanted = Object::new();
        let _ = Reflect::set(&wanted, &"facingMode".into(), &"environment".into());
        constraints.set_video(&wanted);
        constraints.set_audio(&JsValue::FALSE);
        let request = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(camera_error)?;
        let stream: MediaStream = JsFuture::from(request)
            .await
            .map_err(camera_error)?
            .dyn_into()
            .map_err(camera_error)?;
        video.set_src_object(Some(&stream));
        if let Ok(playing) = video.play() {
            let _ = JsFuture::from(playing).await;
        }
        let canvas: HtmlCanvasElement = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into().ok())
            .ok_or_else(|| ScanError::Camera("canvas".into()))?;
        let context: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into().ok())
            .ok_or_else(|| ScanError::Camera("canvas 2d".into()))?;
        while open.try_get_untracked().unwrap_or(false) {
            let (width, height) = (video.video_width(), video.video_height());
            if width > 0 && height > 0 {
                canvas.set_width(width);
                canvas.set_height(height);
                if context
                    .draw_image_with_html_video_element(video, 0.0, 0.0)
                    .is_ok()
                    && let Ok(frame) =
                        context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
                {
                    let pixels = Uint8Array::from(frame.data().0.as_slice());
                    let read = decode.call3(
                        &JsValue::NULL,
                        &pixels,
                        &JsValue::from(width),
                        &JsValue::from(height),
                    );
                    if let Some(text) = read.ok().and_then(|t| t.as_string()) {
                        return Ok(Some(text));
                    }
                }
            }
            sleep(FRAME_EVERY_MS).await;
        }
        Ok(None)
    }

    /// Turns the camera off (its light goes out) and empties the video.
    pub fn stop(video: &HtmlVideoElement) {
        if let Some(stream) = video.src_object() {
            for track in stream.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
        video.set_src_object(None);
    }
}
