//! "Văn phòng" (`/van-phong`): the province's rating table for the office (Ban Tổ chức –
//! Kiểm tra, the standing committee, a department head for their department), online
//! only: every cadre with days, thematic trips, chi đoàn meetings, the rating (or the
//! forecast during the year) and the engine's reason, filterable by department and
//! outlook; downloads as .xlsx and CSV. The server rates from every document it holds,
//! with the phone's own `assemble` + `evaluate`.
//!
//! Like every page, the server renders it without user data ("Đang mở…"): the table is
//! fetched after hydration with the device's token, and never cached. Each name opens
//! the cadre-year's page ([`cadre`]), where the office decides.

pub mod cadre;
mod decide;
mod drafts;
mod history;
mod overview;
mod sections;
mod worklist;

use crate::account::use_account;
use crate::account::wire::AccountError;
use crate::local::Loaded;
use chrono::Datelike;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::office::{RatingLine, RatingTable};
use shared::verdict::{Outlook, fmt_day};

/// `?ngay=…` for a table as of `as_of` (a review's day), nothing for today's.
#[cfg(feature = "hydrate")]
fn as_of_query(as_of: &str) -> String {
    if as_of.is_empty() {
        String::new()
    } else {
        format!("?ngay={as_of}")
    }
}

/// The table of `year` as the server rates it as of `as_of` (yyyy-mm-dd; empty: today).
async fn fetch_table(year: i32, as_of: String) -> Result<RatingTable, AccountError> {
    #[cfg(feature = "hydrate")]
    {
        let token = crate::account::browser::token().ok_or(AccountError::SignedOut)?;
        let path = format!("/api/office/{year}/ratings.json{}", as_of_query(&as_of));
        let answer = crate::account::api::call("GET", &path, Some(&token), None, None).await?;
        if !answer.ok() {
            return Err(crate::account::wire::api_error(
                answer.status,
                answer.retry_after,
                &answer.body,
            ));
        }
        serde_json::from_str(&answer.body).map_err(|e| AccountError::BadAnswer(e.to_string()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (year, as_of);
        Err(AccountError::SignedOut)
    }
}

/// Downloads the table of `year` as of `as_of` as `ext` (xlsx or csv).
async fn download(year: i32, as_of: String, ext: &'static str) -> Result<(), AccountError> {
    #[cfg(feature = "hydrate")]
    {
        let token = crate::account::browser::token().ok_or(AccountError::SignedOut)?;
        let path = format!("/api/office/{year}/ratings.{ext}{}", as_of_query(&as_of));
        let day = if as_of.is_empty() {
            String::new()
        } else {
            format!("-{as_of}")
        };
        let file = format!("xep-loai-di-co-so-{year}{day}.{ext}");
        crate::account::api::download(&path, &token, &file).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (year, as_of, ext);
        Err(AccountError::SignedOut)
    }
}

/// The days a table can be made as of, besides today: the reviews at six months and at
/// the year's end (000 §VI.1: "sơ kết 6 tháng và tổng kết công tác năm"), once passed.
fn review_days(year: i32, today: chrono::NaiveDate) -> Vec<(String, String)> {
    [(6, 30, "Sơ kết 6 tháng"), (12, 31, "Tổng kết năm")]
        .into_iter()
        .filter_map(|(m, d, label)| {
            chrono::NaiveDate::from_ymd_opt(year, m, d).map(|day| (day, label))
        })
        .filter(|(day, _)| *day <= today)
        .map(|(day, label)| {
            (
                day.format("%Y-%m-%d").to_string(),
                format!("{label} ({})", fmt_day(day)),
            )
        })
        .collect()
}

/// The outlook filter's choices, besides "Tất cả".
const OUTLOOKS: [Outlook; 3] = [Outlook::OnTrack, Outlook::AtRisk, Outlook::CannotMakeIt];

fn outlook_code(o: Option<Outlook>) -> &'static str {
    match o {
        Some(Outlook::OnTrack) => "on_track",
        Some(Outlook::AtRisk) => "at_risk",
        Some(Outlook::CannotMakeIt) => "cannot_make_it",
        None => "",
    }
}

#[component]
pub fn OfficePage() -> impl IntoView {
    let account = use_account();
    let online = RwSignal::new(true);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        online.set(crate::account::api::online());
    });
    // Today is read after hydration: the server renders no date.
    let store = crate::local::use_local_store();
    let this_year = move || store.today.get().map(|d| d.year());
    let chosen = RwSignal::new(None::<i32>);
    let year = move || chosen.get().or_else(this_year);
    let allowed = move || online.get() && account.is_office();
    // The day the table is made as of: empty for today, else a review's (yyyy-mm-dd).
    let as_of = RwSignal::new(String::new());
    let table = LocalResource::new(move || {
        let (y, allowed, as_of) = (year(), allowed(), as_of.get());
        async move {
            match y {
                Some(y) if allowed => Some(fetch_table(y, as_of).await),
                _ => None,
            }
        }
    });
    let department = RwSignal::new(String::new());
    let outlook = RwSignal::new(String::new());
    let downloading = Action::new_local(move |&(y, ext): &(i32, &'static str)| {
        download(y, as_of.get_untracked(), ext)
    });
    let reviews = move || {
        let (Some(y), Some(today)) = (year(), store.today.get()) else {
            return Vec::new();
        };
        review_days(y, today)
    };

    let gate = move || match account.active.get() {
        Loaded::Ready(Some(_)) if !account.is_office() => Some(
            "Trang này dành cho Ban Tổ chức – Kiểm tra, Thường trực và lãnh đạo phòng, ban: tài khoản đang dùng trên máy không có vai trò đó.",
        ),
        Loaded::Ready(Some(_)) if !online.get() => Some(
            "Bảng xếp loại chỉ xem được khi có mạng: máy chủ xếp loại từ mọi hồ sơ đã đồng bộ.",
        ),
        Loaded::Ready(Some(_)) => None,
        Loaded::Ready(None) => Some("Hãy đăng nhập bằng tài khoản của văn phòng trước."),
        Loaded::Failed(_) | Loaded::Loading => Some("Đang mở…"),
    };
    let tabs = move || {
        let this = this_year()?;
        let tabs = [this - 1, this]
            .into_iter()
            .map(|y| {
                view! {
                    <button
                        type="button"
                        class="tab"
                        aria-pressed=move || (year() == Some(y)).to_string()
                        on:click=move |_| {
                            chosen.set(Some(y));
                            as_of.set(String::new());
                        }
                    >
                        {format!("Năm {y}")}
                    </button>
                }
            })
            .collect_view();
        Some(tabs)
    };
    let body = move || {
        if let Some(text) = gate() {
            return view! { <p class="empty" data-office="denied">{text}</p> }.into_any();
        }
        match table.get().flatten() {
            None => view! { <p class="muted">"Đang tải bảng xếp loại…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(t)) => table_view(t, department, outlook, account.office_parties()).into_any(),
        }
    };

    view! {
        <Title text="Văn phòng – dicoso" />
        <h1>"Bảng xếp loại đi cơ sở"</h1>
        <div class="tabs" role="group" aria-label="Năm">{tabs}</div>
        <label class="as-of">
            "Tính đến"
            <select
                name="as_of"
                prop:value=move || as_of.get()
                on:change=move |ev| as_of.set(event_target_value(&ev))
            >
                <option value="">"Hôm nay"</option>
                {move || {
                    reviews()
                        .into_iter()
                        .map(|(value, label)| view! { <option value=value>{label}</option> })
                        .collect_view()
                }}
            </select>
        </label>
        {body}
        <div class="actions">
            <button
                type="button"
                class="secondary"
                disabled=move || !allowed() || downloading.pending().get()
                on:click=move |_| {
                    if let Some(y) = year() {
                        downloading.dispatch((y, "xlsx"));
                    }
                }
            >
                "Tải bảng Excel (.xlsx)"
            </button>
            <button
                type="button"
                class="secondary"
                disabled=move || !allowed() || downloading.pending().get()
                on:click=move |_| {
                    if let Some(y) = year() {
                        downloading.dispatch((y, "csv"));
                    }
                }
            >
                "Tải CSV"
            </button>
        </div>
        {move || {
            downloading
                .value()
                .get()
                .and_then(Result::err)
                .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
        }}
    }
}

fn table_view(
    t: RatingTable,
    department: RwSignal<String>,
    outlook: RwSignal<String>,
    viewer: Vec<shared::assemble::Party>,
) -> impl IntoView {
    let mut departments: Vec<String> = t
        .lines
        .iter()
        .map(|l| l.department.clone())
        .filter(|d| !d.is_empty())
        .collect();
    departments.sort();
    departments.dedup();
    let title = format!(
        "{}, năm {}, tính đến ngày {}",
        t.province,
        t.year,
        fmt_day(t.as_of)
    );
    let overview = t.summary.as_ref().map(overview::overview_view);
    let lines = t.lines;
    let year = t.year;
    // Filtered once per choice of department, for the worklists and the table alike.
    let in_department = Memo::new(move |_| -> Vec<RatingLine> {
        let d = department.get();
        lines
            .iter()
            .filter(|l| d.is_empty() || l.department == d)
            .cloned()
            .collect()
    });
    let worklists =
        move || in_department.with(|lines| worklist::worklists_view(lines, year, &viewer));
    let shown = move || -> Vec<RatingLine> {
        let o = outlook.get();
        in_department.with(|lines| {
            lines
                .iter()
                .filter(|l| o.is_empty() || outlook_code(l.outlook) == o)
                .cloned()
                .collect()
        })
    };
    view! {
        <div class="filters">
            <label>
                "Phòng, ban"
                <select name="department" on:change=move |ev| department.set(event_target_value(&ev))>
                    <option value="">"Tất cả"</option>
                    {departments
                        .into_iter()
                        .map(|d| view! { <option value=d.clone()>{d.clone()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Tiến độ"
                <select name="outlook" on:change=move |ev| outlook.set(event_target_value(&ev))>
                    <option value="">"Tất cả"</option>
                    {OUTLOOKS
                        .map(|o| view! { <option value=outlook_code(Some(o))>{o.label_vi()}</option> })
                        .collect_view()}
                </select>
            </label>
        </div>
        {worklists}
        <p class="table-title" id="ratings-title">{title}</p>
        <div class="table-scroll">
            <table class="ratings" aria-labelledby="ratings-title">
                <thead>
                    <tr>
                        <th scope="col">"Họ và tên"</th>
                        <th scope="col">"Phòng, ban"</th>
                        <th scope="col">"Số ngày"</th>
                        <th scope="col">"Chuyên đề"</th>
                        <th scope="col">"Sinh hoạt chi đoàn"</th>
                        <th scope="col">"Xếp loại"</th>
                        <th scope="col">"Tiến độ"</th>
                        <th scope="col">"Lý do chính"</th>
                        <th scope="col">"Việc chờ"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let rows = shown();
                        if rows.is_empty() {
                            return view! {
                                <tr><td colspan="9" class="empty">"Không có cán bộ nào."</td></tr>
                            }
                            .into_any();
                        }
                        rows.into_iter().map(|l| line_row(l, year)).collect_view().into_any()
                    }}
                </tbody>
            </table>
        </div>
        {overview}
    }
}

fn line_row(l: RatingLine, year: i32) -> impl IntoView {
    let pair = |a: u32, b: u32| format!("{a}/{b}");
    let (days, thematic, meetings) = match &l.figures {
        Some(f) => (
            pair(f.days_counted, f.days_required),
            pair(f.thematic_counted, f.thematic_required),
            f.chi_doan_meetings.to_string(),
        ),
        None => Default::default(),
    };
    let outlook = l.outlook_vi();
    let open = l.open.len();
    let overdue = l.open.iter().filter(|o| o.overdue).count();
    let open_text = match (open, overdue) {
        (0, _) => String::new(),
        (n, 0) => n.to_string(),
        (n, late) => format!("{n} ({late} quá hạn)"),
    };
    let code = l.code.clone();
    let code_link = l.code.clone();
    view! {
        <tr data-cadre=code>
            <th scope="row">
                <a href=format!("/van-phong/{code_link}/{year}")>{l.name}</a>
                <span class="muted code">{l.code}</span>
            </th>
            <td>{l.department}</td>
            <td class="number">{days}</td>
            <td class="number">{thematic}</td>
            <td class="number">{meetings}</td>
            <td>{l.rating}</td>
            <td data-outlook=outlook_code(l.outlook)>{outlook}</td>
            <td>{l.reason}</td>
            <td class="number" data-open=open>{open_text}</td>
        </tr>
    }
}
