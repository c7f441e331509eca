//! The sections of a cadre-year's page ([`super::cadre`]): each shows what was decided,
//! with the forms of the documents this person may write.

use super::cadre::Ctx;
use super::decide::{
    ExemptionForm, ForwardForm, GradeForm, LiftButton, OutlineForm, RatingForm, ReminderForm,
    RulingForm, WaiverForm,
};
use crate::components::stage_chip;
use crate::local::CadreDocs;
use leptos::prelude::*;
use shared::assemble::Rated;
use shared::doc::party::{Entry, PartyView, Ruling, TripAuthority};
use shared::doc::{Basis, CadreYear, DocKind, TripRecord};
use shared::policy::{Policy, RuleId};
use shared::verdict::{fmt_day, fmt_range};

/// The entry of `subject` in `entries`.
fn find<'a, T>(entries: &'a [Entry<T>], subject: &str) -> Option<&'a Entry<T>> {
    entries.iter().find(|e| e.subject == subject)
}

pub(super) fn ruling_vi(r: Ruling) -> &'static str {
    match r {
        Ruling::Approved => "phê duyệt",
        Ruling::Rejected => "không phê duyệt",
    }
}

/// "Thường trực phê duyệt ngày …, số … (who, when)": a standing committee's ruling.
fn ruling_text(
    c: &Ctx,
    ruling: Ruling,
    on: chrono::NaiveDate,
    reference: &str,
    taken: &shared::doc::party::Taken,
) -> String {
    format!(
        "Thường trực {} ngày {}, số {reference} ({})",
        ruling_vi(ruling),
        fmt_day(on),
        c.by(taken)
    )
}

/// A form for a subject already decided: folded under "Quyết định lại", open while two
/// decisions conflict (deciding again settles it).
fn again<T>(decided: Option<&Entry<T>>, form: impl IntoView + 'static) -> AnyView {
    match decided {
        None => form.into_any(),
        Some(e) => view! {
            <details class="again" open=!e.conflicts.is_empty()>
                <summary>"Quyết định lại"</summary>
                {form}
            </details>
        }
        .into_any(),
    }
}

/// A decision's line, marked when another was written at the same time.
fn decided(what: String, conflicts: usize) -> impl IntoView {
    decided_with(what, conflicts, ())
}

/// [`decided`], with `extra` (a button acting on it) inside the line.
fn decided_with(what: String, conflicts: usize, extra: impl IntoView) -> impl IntoView {
    let conflict = (conflicts > 0).then(|| {
        view! {
            <span class="chip bad">
                {format!("{conflicts} quyết định khác ghi cùng lúc: hãy quyết định lại")}
            </span>
        }
    });
    view! { <li>{what} {conflict} {extra}</li> }
}

pub(super) fn registrations_view(
    c: &Ctx,
    policy: &Policy,
    dossier: Option<&CadreYear>,
    review: &PartyView,
    standing: &PartyView,
) -> impl IntoView + use<> {
    let forwards = c.writes(DocKind::DepartmentReview);
    let rules = c.writes(DocKind::StandingDecisions);
    let rows = policy
        .registration
        .periods
        .iter()
        .map(|p| {
            let due = policy.registration_last_day(p, c.year);
            let first = dossier.and_then(|d| d.submissions.iter().find(|s| s.period == p.code));
            let sent = match first {
                Some(s) if s.submitted_on <= due => {
                    format!("Đã đăng ký ngày {} (đúng hạn)", fmt_day(s.submitted_on))
                }
                Some(s) => format!(
                    "Đã đăng ký ngày {} (muộn: hạn {})",
                    fmt_day(s.submitted_on),
                    fmt_day(due)
                ),
                None => format!("Chưa đăng ký (hạn {})", fmt_day(due)),
            };
            let mut lines = Vec::new();
            if let Some(e) = find(&review.forwardings, &p.code) {
                let late = if e.value.forwarded_on > due { " (muộn)" } else { "" };
                lines.push(decided(
                    format!(
                        "Phòng, ban đã chuyển ngày {}{late} ({})",
                        fmt_day(e.value.forwarded_on),
                        c.by(&e.value.taken)
                    ),
                    e.conflicts.len(),
                ));
            }
            if let Some(e) = find(&standing.registrations, &p.code) {
                let v = &e.value;
                let text = ruling_text(c, v.ruling, v.decided_on, &v.reference, &v.taken);
                lines.push(decided(text, e.conflicts.len()));
            }
            let forms = first.map(|_| {
                let forward = forwards.as_ref().map(|k| {
                    let form = view! { <ForwardForm target=c.target(k, "registrations", &p.code) today=c.today done=c.done /> };
                    again(find(&review.forwardings, &p.code), form)
                });
                let rule = rules.as_ref().map(|k| {
                    let form = view! { <RulingForm target=c.target(k, "registrations", &p.code) authority=None today=c.today done=c.done /> };
                    again(find(&standing.registrations, &p.code), form)
                });
                view! { {forward} {rule} }
            });
            view! {
                <li class="period" data-period=p.code.clone()>
                    <h3>{p.label_vi.clone()}</h3>
                    <p>{sent}</p>
                    <ul class="decisions">{lines}</ul>
                    {forms}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="h-registrations">
            <h2 id="h-registrations">"Đăng ký theo đợt"</h2>
            <ul class="plain">{rows}</ul>
        </section>
    }
}

pub(super) fn trips_view(
    c: &Ctx,
    dossier: Option<&CadreYear>,
    rated: Option<&Rated>,
    review: &PartyView,
    standing: &PartyView,
) -> impl IntoView + use<> {
    let trips: Vec<TripRecord> = dossier.map(|d| d.trips.clone()).unwrap_or_default();
    if trips.is_empty() {
        return view! {
            <section class="card" aria-labelledby="h-trips">
                <h2 id="h-trips">"Chuyến đi"</h2>
                <p class="empty">"Chưa có chuyến đi nào trên máy chủ."</p>
            </section>
        }
        .into_any();
    }
    let items = trips
        .iter()
        .map(|t| trip_item(c, t, rated, review, standing))
        .collect_view();
    view! {
        <section class="card" aria-labelledby="h-trips">
            <h2 id="h-trips">"Chuyến đi"</h2>
            <ul class="plain">{items}</ul>
        </section>
    }
    .into_any()
}

fn trip_item(
    c: &Ctx,
    t: &TripRecord,
    rated: Option<&Rated>,
    review: &PartyView,
    standing: &PartyView,
) -> impl IntoView + use<> {
    let id = t.id().to_owned();
    let trip = &t.trip;
    let stage = rated.and_then(|r| r.assembled.stage(&id)).map(stage_chip);
    let thematic = if trip.thematic {
        " · chuyên đề"
    } else {
        ""
    };
    let topic = trip.topic.clone().unwrap_or_default();
    let outline = trip.outline.as_ref().map(|o| {
        view! { <p><strong>"Đề cương: "</strong>{o.title.clone()}" "{o.text.clone()}</p> }
    });
    let report = trip.report.as_ref().map(|r| {
        let mut text = format!("Báo cáo ngày {}", fmt_day(r.submitted_on));
        for part in [&r.result, &r.proposals, &r.product].into_iter().flatten() {
            text.push_str(": ");
            text.push_str(part);
        }
        view! { <p data-test="report">{text}</p> }
    });
    let mut lines = Vec::new();
    if let Some(e) = find(&review.outlines, &id) {
        lines.push(decided(
            format!("{} ({})", e.value.describe_vi(), c.by(&e.value.taken)),
            e.conflicts.len(),
        ));
    }
    if let Some(e) = find(&review.grades, &id) {
        lines.push(decided(
            format!("{} ({})", e.value.describe_vi(), c.by(&e.value.taken)),
            e.conflicts.len(),
        ));
    }
    if let Some(e) = find(&standing.trip_rulings, &id) {
        let v = &e.value;
        let text = ruling_text(c, v.ruling, v.decided_on, &v.reference, &v.taken);
        lines.push(decided(text, e.conflicts.len()));
    }
    let review_key = c.writes(DocKind::DepartmentReview);
    let outline_form = review_key
        .as_ref()
        .filter(|_| trip.thematic && trip.outline.is_some())
        .map(|k| {
            let form = view! { <OutlineForm target=c.target(k, "outlines", &id) today=c.today done=c.done /> };
            again(find(&review.outlines, &id), form)
        });
    let grade_form = review_key
        .as_ref()
        .filter(|_| trip.report.is_some())
        .map(|k| {
            let form = view! { <GradeForm target=c.target(k, "grades", &id) thematic=trip.thematic today=c.today done=c.done /> };
            again(find(&review.grades, &id), form)
        });
    let authority = match t.basis {
        Basis::Registration => None,
        Basis::Assigned => Some(TripAuthority::Assigned),
        Basis::AdHoc => Some(TripAuthority::AdHoc),
    };
    let ruling_form = c
        .writes(DocKind::StandingDecisions)
        .zip(authority)
        .map(|(k, a)| {
            let form = view! { <RulingForm target=c.target(&k, "decisions", &id) authority=Some(a) today=c.today done=c.done /> };
            again(find(&standing.trip_rulings, &id), form)
        });
    view! {
        <li class="trip" data-trip=id.clone()>
            <h3>{format!("{} · {}", fmt_range(trip.start, trip.end), trip.host.name)}</h3>
            <p>{topic}{thematic}" "{stage}</p>
            {outline}
            {report}
            <ul class="decisions">{lines}</ul>
            {outline_form}
            {grade_form}
            {ruling_form}
        </li>
    }
}

pub(super) fn remark(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(", “{text}”")
    }
}

/// The standing committee's written waivers of a rule (the thematic minimum).
pub(super) fn waivers_view(c: &Ctx, standing: &PartyView) -> Option<impl IntoView + use<>> {
    let key = c.writes(DocKind::StandingDecisions);
    if standing.waivers.is_empty() && key.is_none() {
        return None;
    }
    let lines = standing
        .waivers
        .iter()
        .map(|e| {
            let w = &e.value;
            let reason = remark(&w.reason);
            decided(
                format!(
                    "Miễn “{}” ngày {}, số {}{reason} ({})",
                    e.subject,
                    fmt_day(w.decided_on),
                    w.reference,
                    c.by(&w.taken)
                ),
                e.conflicts.len(),
            )
        })
        .collect_view();
    let rule = serde_json::to_value(RuleId::ThematicMinimum)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let form = key.map(|k| {
        let form = view! { <WaiverForm target=c.target(&k, "waivers", &rule) today=c.today done=c.done /> };
        again(find(&standing.waivers, &rule), form)
    });
    Some(view! {
        <section class="card" aria-labelledby="h-waivers">
            <h2 id="h-waivers">"Thường trực miễn áp dụng"</h2>
            <ul class="decisions">{lines}</ul>
            {form}
        </section>
    })
}

pub(super) fn hq_view(
    c: &Ctx,
    policy: Option<Policy>,
    rated: Option<&Rated>,
    hq: &PartyView,
    docs: &CadreDocs,
) -> impl IntoView + use<> {
    let key = c.writes(DocKind::HqRecord);
    let reminders = hq
        .reminders
        .iter()
        .map(|e| {
            let r = &e.value;
            let kind = match &r.reference {
                Some(reference) => format!("bằng văn bản số {reference}"),
                None => "qua ứng dụng".to_owned(),
            };
            decided(
                format!(
                    "{} ({kind}): {} ({})",
                    fmt_day(r.date),
                    r.message,
                    c.by(&r.taken)
                ),
                e.conflicts.len(),
            )
        })
        .collect_view();
    let exemptions = hq
        .exemptions
        .iter()
        .map(|e| {
            let x = &e.value;
            let reason = policy
                .as_ref()
                .and_then(|p| p.exemption_reason(&x.reason))
                .map_or(x.reason.clone(), |r| r.label_vi.clone());
            let lifted = if x.lifted { " (đã bỏ)" } else { "" };
            let lift = key.as_ref().filter(|_| !x.lifted).map(|k| {
                view! { <LiftButton target=c.target(k, "exemptions", &e.subject) record=x.clone() done=c.done /> }
            });
            decided_with(
                format!(
                    "Miễn: {reason}, {}{}{lifted} ({})",
                    fmt_range(x.from, x.to),
                    remark(&x.reference),
                    c.by(&x.taken)
                ),
                e.conflicts.len(),
                lift,
            )
        })
        .collect_view();
    let forms = key.map(|k| {
        let exemption = policy.clone().map(|p| {
            view! {
                <h3>"Ghi miễn đi cơ sở"</h3>
                <ExemptionForm target=c.target(&k, "exemptions", "mien") policy=p done=c.done />
            }
        });
        let rating = rated.map(|r| {
            let sources = c.documents(docs.year(c.year));
            let form = view! {
                <RatingForm
                    target=c.target(&k, "ratings", "xep-loai")
                    verdict=r.verdict.clone()
                    sources=sources
                    today=c.today
                    done=c.done
                />
            };
            // Rating again is a new, dated decision, never an edit of the last one.
            view! {
                <h3>"Xếp loại chính thức"</h3>
                {again(hq.ratings.last(), form)}
            }
        });
        view! {
            <h3>"Nhắc nhở"</h3>
            <ReminderForm target=c.target(&k, "reminders", "nhac") today=c.today done=c.done />
            {exemption}
            {rating}
        }
    });
    view! {
        <section class="card" aria-labelledby="h-hq" data-test="hq">
            <h2 id="h-hq">"Ban Tổ chức – Kiểm tra"</h2>
            <ul class="decisions" data-test="reminders">{reminders}</ul>
            <ul class="decisions" data-test="exemptions">{exemptions}</ul>
            {forms}
        </section>
    }
}
