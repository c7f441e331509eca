//! "Tổng hợp": HQ's consolidated figures.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SummaryPage() -> impl IntoView {
    view! {
        <Title text="Tổng hợp – dicoso" />
        <h1>"Tổng hợp"</h1>
        <p class="empty">"Chưa có số liệu tổng hợp."</p>
        <p class="muted">
            "Số liệu tổng hợp của Ban Tổ chức – Kiểm tra cần dữ liệu đã đồng bộ lên máy chủ; "
            "đồng bộ chưa có trong phiên bản này."
        </p>
    }
}
