//! "Đăng ký": the cadre's registration of planned trips for each period.

use crate::components::AreaNotYetBuilt;
use leptos::prelude::*;

#[component]
pub fn RegistrationsPage() -> impl IntoView {
    view! {
        <AreaNotYetBuilt
            title="Đăng ký đi cơ sở"
            empty="Chưa có bản đăng ký nào."
            detail="Đăng ký theo đợt gửi trưởng phòng, ban và Ban Tổ chức – Kiểm tra chưa có trong phiên bản này."
        />
    }
}
