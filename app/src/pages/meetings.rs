//! "Sinh hoạt chi đoàn": chi đoàn (branch) meetings the cadre attended.

use crate::components::AreaNotYetBuilt;
use leptos::prelude::*;

#[component]
pub fn MeetingsPage() -> impl IntoView {
    view! {
        <AreaNotYetBuilt
            title="Sinh hoạt chi đoàn"
            empty="Chưa có buổi sinh hoạt chi đoàn nào."
            detail="Mỗi năm cán bộ cần dự ít nhất một buổi sinh hoạt chi đoàn. Việc ghi buổi sinh hoạt trên máy chưa có trong phiên bản này."
        />
    }
}
