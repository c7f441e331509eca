use crate::components::set_title;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    set_title("Không tìm thấy");
    view! {
        <h1>"Không tìm thấy trang"</h1>
        <p>"Địa chỉ này không có trong dicoso. "<a href="/">"Về trang Năm nay"</a></p>
    }
}
