//! "Năm nay": the cadre's year at a glance, every figure from the engine's verdict on
//! this device's documents ([`crate::rating`]), recomputed whenever anything changes.

use crate::components::{not_ready, set_title, stage_chip};
use crate::local::{Loaded, LocalStore, use_local_store};
use crate::rating::{YearRating, timing};
use chrono::NaiveDate;
use leptos::prelude::*;
use shared::assemble::{Facts, Party, RateError, Rated, TripStage};
use shared::dossier::TripStatus;
use shared::office::OpenKind;
use shared::policy::{Policy, Severity};
use shared::verdict::{Outlook, Phase, Verdict, fmt_day, fmt_range};

#[component]
pub fn YearPage() -> impl IntoView {
    set_title("Năm nay");
    let store = use_local_store();
    Effect::new(move |_| {
        if store
            .rating
            .with(|r| r.as_ref().is_some_and(|r| r.rated().is_some()))
        {
            timing::year_ready();
        }
    });
    let account = crate::account::use_account();
    // A host unit's officer mostly comes to confirm visits: their page, one tap away.
    let host_link = move || {
        (!account.host_units().is_empty()).then(|| {
            view! {
                <p class="notice" data-test="host-link">
                    <a href="/xac-nhan">"Xác nhận chuyến đi của cán bộ về đơn vị →"</a>
                </p>
            }
        })
    };
    view! {
        <h1>"Năm nay"</h1>
        {host_link}
        {move || {
            if let Some(v) = store.docs.with(not_ready) {
                return v;
            }
            match (store.cadre_code(), store.rating.get()) {
                (Some(_), Some(rating)) => year_view(store, &rating),
                _ => ().into_any(),
            }
        }}
    }
}

fn year_view(store: LocalStore, r: &YearRating) -> AnyView {
    let head = view! {
        <p class="muted" data-cadre=store.cadre_code().map(|c| c.to_string()).unwrap_or_default()>
            {format!(
                "Mã cán bộ: {} · năm {}, tính đến ngày {}",
                store.cadre_code().map(|c| c.to_string()).unwrap_or_default(),
                r.year,
                fmt_day(r.as_of)
            )}
        </p>
    };
    let body = match &r.outcome {
        Ok(rated) => rated_view(store, r, rated),
        Err(e) => not_rated(r, e),
    };
    view! {
        {head}
        {body}
        <div id="verdict" hidden=true data-verdict=r.json.clone() data-as-of=r.as_of.to_string()></div>
    }
    .into_any()
}

fn not_rated(r: &YearRating, e: &RateError) -> AnyView {
    let trips = r
        .level_unknown
        .iter()
        .map(|(id, host)| {
            view! {
                <li>
                    <a href=format!("/chuyen-di/{id}/sua")>{format!("{host}: bổ sung cấp của đơn vị")}</a>
                </li>
            }
        })
        .collect_view();
    let detail = match e {
        RateError::Invalid(errors) => errors.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        RateError::NoPolicy(_) => Vec::new(),
    };
    view! {
        <section class="card" aria-labelledby="h-not-rated">
            <h2 id="h-not-rated">"Chưa tính được kết quả"</h2>
            <p class="error">{match e {
                RateError::NoPolicy(y) => format!("Chưa có quy định đi cơ sở cho năm {y}."),
                RateError::Invalid(_) => {
                    "Hồ sơ có mục chưa đủ thông tin để tính theo quy định.".to_owned()
                }
            }}</p>
            <ul>{trips}</ul>
            {(!detail.is_empty())
                .then(|| view! {
                    <details>
                        <summary>"Chi tiết"</summary>
                        <ul class="muted">{detail.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
                    </details>
                })}
        </section>
    }
    .into_any()
}

fn rated_view(store: LocalStore, r: &YearRating, rated: &Rated) -> AnyView {
    let v = &rated.verdict;
    let policy = crate::policy_view::policy(store, r.year);
    // Next year's periods already registered (its first deadline falls in this year).
    let registered_next: Vec<String> = store.docs.with_untracked(|d| match d {
        Loaded::Ready(d) => d
            .year(r.year + 1)
            .map(|y| y.submissions.iter().map(|s| s.period.clone()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    });
    let facts = (rated.facts == Facts::Defaults).then(|| {
        view! {
            <p class="muted small">
                "Máy chưa có danh bạ của Tỉnh Đoàn: tạm tính đồng chí là cán bộ chuyên trách cấp tỉnh."
            </p>
        }
    });
    view! {
        {facts}
        {outlook_card(v)}
        {days_card(v)}
        {thematic_card(rated)}
        {coverage_card(rated, policy.as_ref())}
        {office_card(rated, policy.as_ref())}
        {due_card(r, rated, policy.as_ref(), &registered_next)}
        {findings_card(v)}
    }
    .into_any()
}

/// What the office decided about the year, as synced (issue 12): HQ's official rating,
/// the exemptions it recorded (học tập dài hạn, thai sản…), its reminders (a written one,
/// with its reference, weighs on the rating: 000 §V.2), and decisions written at once by
/// two people. Nothing when the office has written nothing.
fn office_card(rated: &Rated, policy: Option<&Policy>) -> Option<AnyView> {
    let a = &rated.assembled;
    let exemptions = &a.dossier.cadre.exemptions;
    if a.official.is_none()
        && exemptions.is_empty()
        && a.reminders.is_empty()
        && a.conflicts.is_empty()
    {
        return None;
    }
    let official = a
        .official
        .as_ref()
        .map(|o| view! { <p class="ok" data-test="official">{o.describe_vi()}</p> });
    let exemptions = (!exemptions.is_empty()).then(|| {
        let items = exemptions
            .iter()
            .map(|e| {
                let reason = policy
                    .and_then(|p| p.exemption_reason(&e.reason))
                    .map_or(e.reason.clone(), |r| r.label_vi.clone());
                let note = e
                    .note
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                view! { <li>{format!("{reason}: {}{note}", fmt_range(e.from, e.to))}</li> }
            })
            .collect_view();
        view! { <h3>"Được miễn đi cơ sở"</h3><ul data-test="exemptions">{items}</ul> }
    });
    let reminders = (!a.reminders.is_empty()).then(|| {
        let items = a
            .reminders
            .iter()
            .map(|r| {
                let kind = match &r.reference {
                    Some(reference) => format!("nhắc nhở bằng văn bản số {reference}"),
                    None => "nhắc qua ứng dụng".to_owned(),
                };
                view! {
                    <li>
                        <strong>{fmt_day(r.date)}</strong>
                        {format!(" ({kind}): {}", r.message)}
                    </li>
                }
            })
            .collect_view();
        view! { <h3>"Nhắc nhở của Ban Tổ chức – Kiểm tra"</h3><ul data-test="reminders">{items}</ul> }
    });
    let conflicts = (!a.conflicts.is_empty()).then(|| {
        let items = a
            .conflicts
            .iter()
            .map(|c| view! { <li>{c.clone()}</li> })
            .collect_view();
        view! { <h3>"Quyết định cần thống nhất lại"</h3><ul class="problems">{items}</ul> }
    });
    Some(
        view! {
            <section class="card" aria-labelledby="h-office" data-test="from-office">
                <h2 id="h-office">"Từ Tỉnh Đoàn"</h2>
                {official}
                {exemptions}
                {reminders}
                {conflicts}
            </section>
        }
        .into_any(),
    )
}

fn outlook_card(v: &Verdict) -> AnyView {
    let (label, class, projected) = match (&v.phase, &v.forecast) {
        (Phase::Forecast, Some(f)) => (
            f.outlook_vi.to_string(),
            match f.outlook {
                Outlook::OnTrack => "outlook ok",
                Outlook::AtRisk => "outlook risk",
                Outlook::CannotMakeIt => "outlook bad",
            },
            format!("Xếp loại dự kiến: {}", f.projected_rating.label_vi()),
        ),
        _ => (
            format!("Xếp loại năm {}", v.year),
            "outlook final",
            format!("Xếp loại: {}", v.rating_vi),
        ),
    };
    let exemption = v
        .exemption
        .as_ref()
        .map(|x| view! { <p class="muted">{format!("Miễn: {}", x.label_vi)}</p> });
    view! {
        <section class=format!("card {class}") aria-labelledby="h-outlook">
            <h2 id="h-outlook">"Dự báo"</h2>
            <p class="outlook-label" data-outlook=v.forecast.as_ref().map(|f| format!("{:?}", f.outlook))>
                {label}
            </p>
            <p data-projected=v.forecast.as_ref().map(|f| format!("{:?}", f.projected_rating))>
                <strong>{projected}</strong>
            </p>
            {exemption}
        </section>
    }
    .into_any()
}

/// A ring: counted days (solid) and days recorded but waiting (light), of the minimum.
fn ring(counted: u32, waiting: u32, required: u32) -> AnyView {
    let full = std::f64::consts::TAU * 40.0;
    let part = |n: u32| {
        if required == 0 {
            0.0
        } else {
            (f64::from(n) / f64::from(required)).min(1.0) * full
        }
    };
    let (c, w) = (part(counted), part(waiting).min(full - part(counted)));
    view! {
        <svg class="ring" viewBox="0 0 100 100" role="img" aria-label=format!("{counted} trên {required} ngày")>
            <circle class="ring-track" cx="50" cy="50" r="40" />
            <circle
                class="ring-wait"
                cx="50" cy="50" r="40"
                stroke-dasharray=format!("{:.1} {full:.1}", c + w)
            />
            <circle class="ring-done" cx="50" cy="50" r="40" stroke-dasharray=format!("{c:.1} {full:.1}") />
            <text x="50" y="48" class="ring-value">{format!("{counted}/{required}")}</text>
            <text x="50" y="64" class="ring-unit">"ngày"</text>
        </svg>
    }
    .into_any()
}

fn days_card(v: &Verdict) -> AnyView {
    let d = &v.days;
    let n = &d.not_counted;
    let mut lines: Vec<(String, &'static str)> =
        vec![(format!("Đã được tính: {} ngày", d.counted), "counted")];
    if n.unconfirmed > 0 {
        lines.push((
            format!("Chờ cơ sở xác nhận: {} ngày", n.unconfirmed),
            "waiting",
        ));
    }
    if n.not_approved > 0 {
        lines.push((
            format!("Chưa được phê duyệt: {} ngày", n.not_approved),
            "not-approved",
        ));
    }
    if d.planned > 0 {
        lines.push((format!("Đã lên kế hoạch: {} ngày", d.planned), "planned"));
    }
    for (count, what, key) in [
        (n.invitation_only, "Chỉ dự theo thư mời", "invitation"),
        (n.content_not_counted, "Nội dung không được tính", "content"),
        (n.outside_year, "Ngoài năm", "outside"),
    ] {
        if count > 0 {
            lines.push((format!("{what}: {count} ngày"), key));
        }
    }
    view! {
        <section class="card" aria-labelledby="h-days">
            <h2 id="h-days">"Số ngày đi cơ sở"</h2>
            <div class="ring-row">
                {ring(d.counted, n.unconfirmed, d.required)}
                <ul class="legend">
                    {lines
                        .into_iter()
                        .map(|(text, key)| view! { <li data-stat=key>{text}</li> })
                        .collect_view()}
                </ul>
            </div>
            <p class="muted" data-stat="days" data-counted=d.counted data-required=d.required>
                {match &v.exemption {
                    // An exempt year asks for no days: no shortfall to show.
                    Some(x) => format!("Năm nay được miễn ({}): không phải đủ số ngày tối thiểu.", x.label_vi),
                    None => format!("Cần tối thiểu {} ngày trong năm; còn thiếu {} ngày.", d.required, d.missing),
                }}
            </p>
        </section>
    }
    .into_any()
}

fn thematic_card(rated: &Rated) -> AnyView {
    let t = &rated.verdict.thematic;
    let counted_ids: Vec<Option<&str>> = t.trips.iter().map(|r| r.id.as_deref()).collect();
    let counted = t
        .trips
        .iter()
        .map(|r| view! { <li class="ok">{format!("{} ({})", r.host, fmt_range(r.start, r.end))}</li> })
        .collect_view();
    let waiting = rated
        .assembled
        .dossier
        .trips
        .iter()
        .filter(|x| x.thematic && x.status != TripStatus::Cancelled)
        .filter(|x| !counted_ids.contains(&x.id.as_deref()))
        .map(|x| {
            let id = x.id.clone().unwrap_or_default();
            let stage = rated.assembled.stage(&id).unwrap_or(TripStage::ToRegister);
            view! {
                <li>
                    <a href=format!("/chuyen-di/{id}")>{format!("{} ({})", x.host.name, fmt_range(x.start, x.end))}</a>
                    " "
                    {stage_chip(stage)}
                </li>
            }
        })
        .collect_view();
    let waived = t.waived.then_some(" (đã được miễn)");
    view! {
        <section class="card" aria-labelledby="h-thematic">
            <h2 id="h-thematic">"Đi theo chuyên đề"</h2>
            <p class="big" data-stat="thematic" data-counted=t.counted data-required=t.required>
                {format!("{}/{} đợt được tính", t.counted, t.required)}
                {waived}
            </p>
            <ul class="plain">{counted}{waiting}</ul>
        </section>
    }
    .into_any()
}

fn coverage_card(rated: &Rated, policy: Option<&Policy>) -> AnyView {
    let c = &rated.verdict.coverage;
    let level = &rated.assembled.dossier.cadre.level;
    let required: Vec<String> = policy
        .and_then(|p| p.coverage.rules.iter().find(|r| &r.cadre_level == level))
        .map(|r| r.required.iter().map(|q| q.label_vi.clone()).collect())
        .unwrap_or_default();
    let levels = required
        .into_iter()
        .map(|label| {
            let met = !c.levels_missing.contains(&label);
            view! {
                <li class=if met { "ok" } else { "todo" } data-level=label.clone()>
                    {format!("{} {}", if met { "✓ Đã đến" } else { "○ Chưa đến" }, label)}
                </li>
            }
        })
        .collect_view();
    let met = c.chi_doan_meetings >= c.chi_doan_required;
    view! {
        <section class="card" aria-labelledby="h-coverage">
            <h2 id="h-coverage">"Cấp đã đến và sinh hoạt chi đoàn"</h2>
            <ul class="plain">
                {levels}
                <li
                    class=if met { "ok" } else { "todo" }
                    data-stat="chi-doan"
                    data-counted=c.chi_doan_meetings
                    data-required=c.chi_doan_required
                >
                    {format!(
                        "{} Dự sinh hoạt chi đoàn: {}/{} buổi",
                        if met { "✓" } else { "○" },
                        c.chi_doan_meetings,
                        c.chi_doan_required
                    )}
                </li>
            </ul>
        </section>
    }
    .into_any()
}

/// The next registration deadline not yet passed of a period not registered yet, among
/// this year's periods and next year's (period 1's deadline falls in the year before).
fn next_deadline(
    policy: &Policy,
    year: i32,
    today: NaiveDate,
    registered: impl Fn(i32, &str) -> bool,
) -> Option<(String, i32, NaiveDate)> {
    [year, year + 1]
        .into_iter()
        .flat_map(|y| policy.registration.periods.iter().map(move |p| (p, y)))
        .filter(|(p, y)| !registered(*y, &p.code))
        .map(|(p, y)| (p.label_vi.clone(), y, policy.registration_last_day(p, y)))
        .filter(|(_, _, last)| *last >= today)
        .min_by_key(|(_, _, last)| *last)
}

fn due_card(
    r: &YearRating,
    rated: &Rated,
    policy: Option<&Policy>,
    registered_next: &[String],
) -> AnyView {
    let v = &rated.verdict;
    let mut items: Vec<AnyView> = Vec::new();
    // What is late or waiting: the list the office sees too (`shared::office::open`).
    for o in &r.open {
        let href = match o.kind {
            OpenKind::RegistrationMissing
            | OpenKind::RegistrationToForward
            | OpenKind::RegistrationToRule
            | OpenKind::TripToRegister => "/dang-ky".to_owned(),
            OpenKind::ReportMissing => format!("/chuyen-di/{}/bao-cao", o.subject),
            OpenKind::OutlineReturned => format!("/chuyen-di/{}/sua", o.subject),
            _ => format!("/chuyen-di/{}", o.subject),
        };
        let class = if o.party == Party::Cadre {
            "todo"
        } else {
            "wait"
        };
        let kind = serde_json::to_value(o.kind)
            .ok()
            .and_then(|k| k.as_str().map(str::to_owned))
            .unwrap_or_default();
        let text = o.text_vi.clone();
        items.push(view! { <li class=class data-due=kind><a href=href>{text}</a></li> }.into_any());
    }
    if let Some(p) = policy {
        let registered = |y: i32, code: &str| {
            if y == r.year {
                v.process
                    .registrations
                    .iter()
                    .any(|s| s.period == code && s.submitted_on.is_some())
            } else {
                registered_next.iter().any(|c| c == code)
            }
        };
        if let Some((label, y, last)) = next_deadline(p, r.year, r.as_of, registered) {
            items.push(view! {
                <li data-due="registration"><a href="/dang-ky">{format!("Hạn đăng ký {label} năm {y}: {}", fmt_day(last))}</a></li>
            }.into_any());
        }
    }
    let empty = items
        .is_empty()
        .then(|| view! { <p class="muted">"Không có việc nào đang chờ."</p> });
    view! {
        <section class="card" aria-labelledby="h-due">
            <h2 id="h-due">"Việc sắp tới"</h2>
            {empty}
            <ul class="plain">{items}</ul>
        </section>
    }
    .into_any()
}

fn severity_label(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Fail => ("Không đạt", "sev fail"),
        Severity::Pending => ("Đang chờ", "sev pending"),
        Severity::Warning => ("Lưu ý", "sev warning"),
        Severity::Info => ("Thông tin", "sev info"),
    }
}

fn findings_card(v: &Verdict) -> AnyView {
    let items = v
        .findings
        .iter()
        .map(|f| {
            let (label, class) = severity_label(f.severity);
            view! {
                <li class=class data-rule=f.rule.as_str()>
                    <span class="sev-label">{label}</span>
                    " "
                    {f.message_vi.clone()}
                    <details>
                        <summary>"Căn cứ"</summary>
                        <span class="clause">{f.clause.clone()}</span>
                    </details>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="h-findings">
            <h2 id="h-findings">"Đánh giá theo quy định"</h2>
            <ul class="findings">{items}</ul>
        </section>
    }
    .into_any()
}
