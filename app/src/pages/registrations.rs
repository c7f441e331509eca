//! "Đăng ký": the cadre's registration of planned trips for each period.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RegistrationsPage() -> impl IntoView {
    view! {
        <Title text="Đăng ký – dicoso" />
        <h1>"Đăng ký đi cơ sở"</h1>
        <p class="empty">"Chưa có bản đăng ký nào."</p>
        <p class="muted">
            "Đăng ký theo đợt gửi trưởng phòng, ban và Ban Tổ chức – Kiểm tra "
            "chưa có trong phiên bản này."
        </p>
    }
}
