//! "Xác nhận": a host unit confirms a cadre's visit on-site.

use crate::components::AreaNotYetBuilt;
use leptos::prelude::*;

#[component]
pub fn ConfirmationsPage() -> impl IntoView {
    view! {
        <AreaNotYetBuilt
            title="Xác nhận của cơ sở"
            empty="Chưa có xác nhận nào."
            detail="Cơ sở xác nhận thời gian, địa điểm, nội dung và mức độ hoàn thành của chuyến đi; việc xác nhận trên máy chưa có trong phiên bản này."
        />
    }
}
