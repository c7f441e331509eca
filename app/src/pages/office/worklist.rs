//! "Việc chờ xử lý": what is waiting across the province's cadre-years, by whose move it
//! is (issue 12: the people who are behind, registrations and reports overdue; what the
//! department head, the standing committee and the hosts have to do). Each line opens the
//! cadre-year's page, where the decision is taken. The items are the server's
//! `shared::office::open_items`, the list the cadre's phone shows under "Việc sắp tới".

use leptos::prelude::*;
use shared::assemble::Party;
use shared::office::{OpenItem, RatingLine};

/// A worklist: its heading, and which items it holds.
struct List {
    code: &'static str,
    title: &'static str,
    /// Open at first for these viewers.
    opens_for: &'static [Party],
    holds: fn(&OpenItem) -> bool,
}

const LISTS: [List; 4] = [
    List {
        code: "overdue",
        title: "Cán bộ quá hạn (đăng ký, báo cáo)",
        opens_for: &[Party::Hq],
        holds: |o| o.party == Party::Cadre && o.overdue,
    },
    List {
        code: "department",
        title: "Chờ lãnh đạo phòng, ban (chuyển đăng ký, duyệt đề cương, đánh giá báo cáo)",
        opens_for: &[Party::DepartmentHead],
        holds: |o| o.party == Party::DepartmentHead,
    },
    List {
        code: "standing",
        title: "Chờ Thường trực (phê duyệt đăng ký, chuyến đi phân công, đột xuất)",
        opens_for: &[Party::Standing],
        holds: |o| o.party == Party::Standing,
    },
    List {
        code: "host",
        title: "Chờ cơ sở xác nhận",
        opens_for: &[],
        holds: |o| o.party == Party::Host,
    },
];

/// The worklists of `lines` (already filtered by department), opened for `viewer`'s
/// parties.
pub(super) fn worklists_view(
    lines: &[RatingLine],
    year: i32,
    viewer: &[Party],
) -> impl IntoView + use<> {
    let lists = LISTS
        .iter()
        .map(|list| {
            let rows: Vec<_> = lines
                .iter()
                .flat_map(|l| {
                    l.open
                        .iter()
                        .filter(|o| (list.holds)(o))
                        .map(move |o| (l, o))
                })
                .map(|(l, o)| {
                    let late = o
                        .overdue
                        .then(|| view! { <span class="chip bad">"Quá hạn"</span> });
                    view! {
                        <li data-cadre=l.code.clone() data-subject=o.subject.clone()>
                            <a href=format!("/van-phong/{}/{year}", l.code)>{l.name.clone()}</a>
                            ": "
                            {o.text_vi.clone()}
                            " "
                            {late}
                        </li>
                    }
                })
                .collect();
            let open = !rows.is_empty() && list.opens_for.iter().any(|p| viewer.contains(p));
            let count = rows.len();
            let body = if rows.is_empty() {
                view! { <p class="muted">"Không có việc nào."</p> }.into_any()
            } else {
                view! { <ul class="plain worklist">{rows}</ul> }.into_any()
            };
            view! {
                <details class="card" data-worklist=list.code open=open>
                    <summary>{format!("{} ({count})", list.title)}</summary>
                    {body}
                </details>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="h-worklists">
            <h2 id="h-worklists">"Việc chờ xử lý"</h2>
            {lists}
        </section>
    }
}
