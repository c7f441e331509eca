//! "Sinh hoạt chi đoàn": chi đoàn (branch) meetings the cadre attended.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MeetingsPage() -> impl IntoView {
    view! {
        <Title text="Sinh hoạt chi đoàn – dicoso" />
        <h1>"Sinh hoạt chi đoàn"</h1>
        <p class="empty">"Chưa có buổi sinh hoạt chi đoàn nào."</p>
        <p class="muted">
            "Mỗi năm cán bộ cần dự ít nhất một buổi sinh hoạt chi đoàn. "
            "Việc ghi buổi sinh hoạt trên máy chưa có trong phiên bản này."
        </p>
    }
}
