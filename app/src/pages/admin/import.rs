//! Importing the province's units, departments and people from CSV files (UTF-8, a
//! header row; the columns are in `docs/access.md`). The server checks every row first
//! and imports nothing if any is bad: then every bad row is listed with its line, column
//! and problem.

use super::api::{self, ImportAnswer};
use crate::account::wire::AccountError;
use leptos::prelude::*;

/// Why nothing was imported, before the server listed any row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ImportError {
    #[error("Chọn ít nhất một tệp CSV.")]
    NoFile,
    #[error("Không đọc được tệp {0}.")]
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "files are read in the browser")
    )]
    Unreadable(String),
    #[error(transparent)]
    Server(#[from] AccountError),
}

/// Reads the file chosen in `<input type=file name=…>` as text (`None`: no file chosen).
#[cfg(feature = "hydrate")]
async fn chosen_text(name: &str) -> Result<Option<String>, ImportError> {
    use wasm_bindgen::JsCast;
    let input = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("input[name={name}]"))
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) else {
        return Ok(None);
    };
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| ImportError::Unreadable(file.name()))?;
    Ok(text.as_string())
}

#[cfg(not(feature = "hydrate"))]
async fn chosen_text(_: &str) -> Result<Option<String>, ImportError> {
    Ok(None)
}

#[component]
pub fn ImportForm(changed: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<ImportAnswer, ImportError>>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let read = async {
                Ok::<_, ImportError>((
                    chosen_text("units_csv").await?,
                    chosen_text("departments_csv").await?,
                    chosen_text("people_csv").await?,
                ))
            };
            let result = match read.await {
                Ok((None, None, None)) => Err(ImportError::NoFile),
                Ok((units, departments, people)) => api::import(units, departments, people)
                    .await
                    .map_err(ImportError::from),
                Err(problem) => Err(problem),
            };
            let imported = matches!(&result, Ok(a) if a.problems.is_empty() && a.error.is_none());
            outcome.set(Some(result));
            busy.set(false);
            if imported {
                changed.run(());
            }
        });
    };

    view! {
        <form class="card import" on:submit=on_submit>
            <h2>"Nhập danh bạ từ tệp CSV"</h2>
            <p class="muted">
                "Tệp CSV (UTF-8, dòng đầu là tên cột). Nếu có dòng sai, không dòng nào được nhập và mọi dòng sai được liệt kê."
            </p>
            <label>"Đơn vị" <input type="file" name="units_csv" accept=".csv,text/csv" /></label>
            <label>"Phòng, ban" <input type="file" name="departments_csv" accept=".csv,text/csv" /></label>
            <label>"Cán bộ" <input type="file" name="people_csv" accept=".csv,text/csv" /></label>
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Đang nhập…" } else { "Nhập dữ liệu" }}
            </button>
            {move || outcome.get().map(|o| match o {
                Err(problem) => view! { <p class="error" role="alert">{problem.to_string()}</p> }.into_any(),
                Ok(answer) if answer.problems.is_empty() && answer.error.is_none() => view! {
                    <p class="notice" role="status">
                        {format!(
                            "Đã nhập {} đơn vị, {} phòng ban, {} cán bộ.",
                            answer.units, answer.departments, answer.people
                        )}
                    </p>
                }
                .into_any(),
                Ok(answer) => view! {
                    <div class="error import-problems" role="alert">
                        <p>{answer.error.unwrap_or_else(|| "Không nhập dòng nào:".to_owned())}</p>
                        <ul>
                            {answer
                                .problems
                                .into_iter()
                                .map(|p| {
                                    let column = match (p.column, &p.column_name) {
                                        (Some(c), Some(name)) => format!(", cột {c} ({name})"),
                                        (Some(c), None) => format!(", cột {c}"),
                                        _ => String::new(),
                                    };
                                    view! {
                                        <li data-line=p.line>
                                            {format!("{}, dòng {}{column}: {}", p.file_label(), p.line, p.message)}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
                .into_any(),
            })}
        </form>
    }
}
