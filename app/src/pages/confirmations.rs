//! "Xác nhận": a host unit confirms a cadre's visit on-site.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ConfirmationsPage() -> impl IntoView {
    view! {
        <Title text="Xác nhận – dicoso" />
        <h1>"Xác nhận của cơ sở"</h1>
        <p class="empty">"Chưa có xác nhận nào."</p>
        <p class="muted">
            "Cơ sở xác nhận thời gian, địa điểm, nội dung và mức độ hoàn thành của chuyến đi; "
            "việc xác nhận trên máy chưa có trong phiên bản này."
        </p>
    }
}
