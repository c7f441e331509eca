//! "Tổng hợp": HQ's consolidated figures.

use crate::components::AreaNotYetBuilt;
use leptos::prelude::*;

#[component]
pub fn SummaryPage() -> impl IntoView {
    view! {
        <AreaNotYetBuilt
            title="Tổng hợp"
            empty="Chưa có số liệu tổng hợp."
            detail="Số liệu tổng hợp của Ban Tổ chức – Kiểm tra cần dữ liệu đã đồng bộ lên máy chủ; đồng bộ chưa có trong phiên bản này."
        />
    }
}
