use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Không tìm thấy – dicoso" />
        <h1>"Không tìm thấy trang"</h1>
        <p>"Địa chỉ này không có trong dicoso. "<a href="/">"Về trang Năm nay"</a></p>
    }
}
