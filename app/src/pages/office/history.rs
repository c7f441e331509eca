//! A cadre-year's history across all its documents, for the office: every decision with
//! who took it and when, and the hosts' confirmations.

use super::cadre::Ctx;
use super::sections::ruling_vi;
use leptos::prelude::*;
use shared::assemble::{Gathered, vietnam_day};
use shared::doc::CadreYear;
use shared::doc::party::{OutlineVerdict, Taken};
use shared::verdict::{fmt_day, fmt_range};

/// Every decision about the cadre-year, across the documents, newest first.
pub(super) fn history_view(
    c: &Ctx,
    g: &Gathered,
    dossier: Option<&CadreYear>,
) -> impl IntoView + use<> {
    // A trip by its dates and host, as the trips' section shows it.
    let trip = |id: &str| {
        dossier.and_then(|d| d.trip(id)).map_or_else(
            || format!("chuyến đi {id}"),
            |t| {
                format!(
                    "chuyến đi {} ({})",
                    fmt_range(t.trip.start, t.trip.end),
                    t.trip.host.name
                )
            },
        )
    };
    let mut events: Vec<(i64, String)> = Vec::new();
    let mut add = |taken: &Taken, what: String| {
        events.push((taken.at, format!("{what} ({})", c.by(taken))));
    };
    let views = g
        .reviews
        .iter()
        .map(|(_, v)| v)
        .chain(g.standing.iter())
        .chain(g.hq.iter());
    for v in views {
        for e in &v.forwardings {
            add(
                &e.value.taken,
                format!(
                    "Phòng, ban chuyển đăng ký đợt {} lên Ban Tổ chức – Kiểm tra",
                    e.subject
                ),
            );
        }
        for e in &v.outlines {
            let verdict = match e.value.verdict {
                OutlineVerdict::Approved => "Thông qua",
                OutlineVerdict::Returned => "Trả lại",
            };
            add(
                &e.value.taken,
                format!("{verdict} đề cương {}", trip(&e.subject)),
            );
        }
        for e in &v.grades {
            add(
                &e.value.taken,
                format!("Đánh giá báo cáo {}", trip(&e.subject)),
            );
        }
        for e in &v.registrations {
            add(
                &e.value.taken,
                format!(
                    "Thường trực {} đăng ký đợt {}",
                    ruling_vi(e.value.ruling),
                    e.subject
                ),
            );
        }
        for e in &v.trip_rulings {
            add(
                &e.value.taken,
                format!(
                    "Thường trực {} {}",
                    ruling_vi(e.value.ruling),
                    trip(&e.subject)
                ),
            );
        }
        for e in &v.waivers {
            add(&e.value.taken, format!("Miễn “{}”", e.subject));
        }
        for e in &v.reminders {
            let kind = match &e.value.reference {
                Some(r) => format!("Nhắc nhở bằng văn bản số {r}"),
                None => "Nhắc nhở qua ứng dụng".to_owned(),
            };
            add(&e.value.taken, kind);
        }
        for e in &v.exemptions {
            add(&e.value.taken, "Ghi miễn đi cơ sở".to_owned());
        }
        for e in &v.ratings {
            add(
                &e.value.taken,
                format!("Xếp loại chính thức: {}", e.value.rating_vi()),
            );
        }
    }
    for h in &g.hosts {
        for e in &h.confirmations {
            let conf = &e.value;
            let name = c
                .dir
                .person(&conf.officer)
                .map_or(conf.officer.clone(), |p| p.name.clone());
            events.push((
                conf.confirmed_at,
                format!(
                    "Cơ sở xác nhận chuyến đi ({name}, {})",
                    fmt_day(vietnam_day(conf.confirmed_at))
                ),
            ));
        }
    }
    events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let items = events
        .into_iter()
        .map(|(_, text)| view! { <li>{text}</li> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="h-history">
            <h2 id="h-history">"Lịch sử quyết định"</h2>
            <ol class="history" data-test="history" reversed>{items}</ol>
        </section>
    }
}
