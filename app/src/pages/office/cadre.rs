//! "Hồ sơ một năm" (`/van-phong/:ma/:nam`): one cadre-year as the office sees it, and
//! where each office role decides (000 §IV–VI, 001 §IV): the department head forwards
//! registrations, approves outlines and grades reports; the standing committee approves
//! registration lists, rules on assigned and ad-hoc trips and waives the thematic
//! minimum; HQ reminds, records exemptions and confirms the official rating.
//!
//! The page reads the documents like the cadre's phone does: the sync task fetches the
//! cadre-year's documents this person may read into this device's IndexedDB, and the
//! page runs the same `assemble` + `evaluate` on them. The server renders it without user
//! data (the path only); everything is read after hydration. Each decision is written
//! into the decider's own document on this device, then synced; the server checks the
//! right to write it again (`shared::access`).

use super::decide::Target;
use super::drafts::Drafts;
use super::history::history_view;
use super::sections::{hq_view, registrations_view, trips_view, waivers_view};
use crate::account::use_account;
use crate::local::{CadreDocs, Loaded, use_local_store};
use crate::rating::rate_year;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::access::rights;
use shared::assemble::Rated;
use shared::directory::Directory;
use shared::doc::party::Taken;
use shared::doc::{CadreCode, CadreYear, DocKey, DocKind, DossierKey};
use shared::sync::DocumentId;
use std::sync::Arc;

/// What every section needs: who looks, at whose year, as of when.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) dir: Arc<Directory>,
    pub(super) me: String,
    pub(super) code: CadreCode,
    pub(super) year: i32,
    pub(super) today: chrono::NaiveDate,
    pub(super) department: Option<String>,
    /// Bumped after each decision written here: the page reads the documents again.
    pub(super) done: RwSignal<u32>,
}

impl PartialEq for Ctx {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.dir, &other.dir)
            && (
                &self.me,
                &self.code,
                self.year,
                self.today,
                &self.department,
            ) == (
                &other.me,
                &other.code,
                other.year,
                other.today,
                &other.department,
            )
    }
}

impl Ctx {
    pub(super) fn key(&self, kind: DocKind) -> Option<DocKey> {
        let scope = match kind {
            DocKind::DepartmentReview => self.department.clone()?,
            _ => String::new(),
        };
        DocKey::party(
            kind,
            &self.dir.province().code,
            &scope,
            self.code.clone(),
            self.year,
        )
        .ok()
    }

    /// The key of `kind`'s document if this person may write it (the server's rule).
    pub(super) fn writes(&self, kind: DocKind) -> Option<DocKey> {
        self.key(kind)
            .filter(|key| rights(&self.dir, &self.me, key).write)
    }

    pub(super) fn target(&self, key: &DocKey, map: &'static str, subject: &str) -> Target {
        Target {
            key: key.clone(),
            map,
            subject: subject.to_owned(),
        }
    }

    /// "Name, dd/mm/yyyy" of a decision.
    pub(super) fn by(&self, taken: &Taken) -> String {
        taken.describe_vi(Some(&self.dir))
    }

    /// Every document about the cadre-year the sync task should bring: the dossier and
    /// the other parties' (the hosts' of the trips carried out at a known unit).
    pub(super) fn documents(&self, dossier: Option<&CadreYear>) -> Vec<DocumentId> {
        let hosts: Vec<String> = dossier
            .map(|d| {
                d.trips
                    .iter()
                    .filter_map(|t| t.trip.host.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut ids = vec![
            DossierKey {
                cadre: self.code.clone(),
                year: self.year,
            }
            .document_id(),
        ];
        ids.extend(
            DocKey::parties_about(
                &self.dir.province().code,
                &self.code,
                self.year,
                self.department.as_deref(),
                hosts,
            )
            .iter()
            .map(DocKey::document_id),
        );
        ids
    }
}

#[component]
pub fn CadreYearPage() -> impl IntoView {
    let params = use_params_map();
    let code = Memo::new(move |_| {
        params
            .with(|p| p.get("ma"))
            .and_then(|c| CadreCode::parse(&c).ok())
    });
    let year = Memo::new(move |_| {
        params
            .with(|p| p.get("nam"))
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (2000..=2100).contains(y))
    });
    let store = use_local_store();
    let account = use_account();
    let done = RwSignal::new(0u32);
    Drafts::provide();
    let docs = LocalResource::new(move || {
        // Read again when sync brings a change (the store re-reads then) or after a
        // decision written here.
        store.docs.track();
        done.track();
        let code = code.get();
        async move {
            match code {
                Some(code) => Some(store.docs_of(code).await),
                None => None,
            }
        }
    });
    let ctx = Memo::new(move |_| {
        let (Some(code), Some(year), Some(dir), Some(today)) = (
            code.get(),
            year.get(),
            store.directory.get(),
            store.today.get(),
        ) else {
            return None;
        };
        let me = account.person()?.code;
        let department = dir.person(code.as_str()).and_then(|p| p.department.clone());
        Some(Ctx {
            dir,
            me,
            code,
            year,
            today,
            department,
            done,
        })
    });
    let readable = move || {
        ctx.with(|c| {
            c.as_ref().is_some_and(|c| {
                rights(&c.dir, &c.me, &DocKey::dossier(c.code.clone(), c.year)).read
            })
        })
    };
    // Keep the cadre-year's documents in sync while the page is open.
    Effect::new(move |_| {
        let Some(c) = ctx.get() else { return };
        if !readable() {
            return;
        }
        let held = docs.get().flatten().and_then(Result::ok);
        let ids = c.documents(held.as_ref().and_then(|d| d.year(c.year)));
        #[cfg(feature = "hydrate")]
        crate::sync::browser::want(ids);
        #[cfg(not(feature = "hydrate"))]
        let _ = ids;
    });
    let gate = move || {
        match account.active.get() {
        Loaded::Ready(None) => Some("Hãy đăng nhập bằng tài khoản của văn phòng trước.".to_owned()),
        Loaded::Ready(Some(_)) if !account.is_office() => Some(
            "Trang này dành cho Ban Tổ chức – Kiểm tra, Thường trực và lãnh đạo phòng, ban: tài khoản đang dùng trên máy không có vai trò đó.".to_owned(),
        ),
        Loaded::Ready(Some(_)) => {
            if code.get().is_none() || year.get().is_none() {
                return Some("Địa chỉ không đúng: cần mã cán bộ và năm, ví dụ /van-phong/KG-0123/2026.".to_owned());
            }
            let c = ctx.get()?;
            if c.dir.person(c.code.as_str()).is_none() {
                return Some(format!(
                    "Danh bạ trên máy không có cán bộ mã {}.",
                    c.code.as_str()
                ));
            }
            if !readable() {
                return Some(format!(
                    "Đồng chí không có quyền xem hồ sơ của {}: lãnh đạo phòng, ban chỉ xem cán bộ của phòng, ban mình.",
                    c.code.as_str()
                ));
            }
            None
        }
        Loaded::Failed(_) | Loaded::Loading => Some("Đang mở…".to_owned()),
    }
    };
    let body = move || {
        if let Some(text) = gate() {
            return view! { <p class="empty" data-office="denied">{text}</p> }.into_any();
        }
        let Some(c) = ctx.get() else {
            return view! { <p class="muted">"Đang mở…"</p> }.into_any();
        };
        match docs.get().flatten() {
            None => view! { <p class="muted">"Đang mở hồ sơ…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(d)) => year_view(&c, &d).into_any(),
        }
    };
    // The route's page is one HTML for every cadre (the service worker serves it for
    // all): nothing from the path shows before the page has read the directory.
    let heading = move || match ctx.get() {
        Some(c) => {
            let name = c
                .dir
                .person(c.code.as_str())
                .map_or(String::new(), |p| format!("{} ", p.name));
            format!("{name}({}), năm {}", c.code.as_str(), c.year)
        }
        None => "Hồ sơ đi cơ sở".to_owned(),
    };
    view! {
        <Title text="Hồ sơ đi cơ sở – Văn phòng – dicoso" />
        <p class="back"><a href="/van-phong">"← Bảng xếp loại"</a></p>
        <h1>{heading}</h1>
        {body}
    }
}

fn year_view(c: &Ctx, docs: &CadreDocs) -> impl IntoView + use<> {
    let rated = rate_year(Some(&c.dir), &c.code, c.year, docs, c.today);
    let dossier = docs.year(c.year).cloned();
    let gathered = docs.parties.get(&c.year).cloned().unwrap_or_default();
    let review = gathered
        .reviews
        .iter()
        .find(|(d, _)| Some(d) == c.department.as_ref())
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let standing = gathered.standing.clone().unwrap_or_default();
    let hq = gathered.hq.clone().unwrap_or_default();
    let policy = shared::assemble::policy_for(Some(&c.dir), c.year).cloned();
    let summary = match rated.outcome.as_ref() {
        Ok(r) => summary_view(r).into_any(),
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    };
    let rated = rated.outcome.ok();
    let registrations = policy
        .as_ref()
        .map(|p| registrations_view(c, p, dossier.as_ref(), &review, &standing));
    let trips = trips_view(c, dossier.as_ref(), rated.as_ref(), &review, &standing);
    let waivers = waivers_view(c, &standing);
    let hq_view = hq_view(c, policy, rated.as_ref(), &hq, docs);
    let history = history_view(c, &gathered, dossier.as_ref());
    view! {
        {summary}
        {registrations}
        {trips}
        {waivers}
        {hq_view}
        {history}
    }
}

fn summary_view(r: &Rated) -> impl IntoView + use<> {
    let v = &r.verdict;
    let rating = shared::office::rating_label(v);
    let outlook = v
        .forecast
        .as_ref()
        .map(|f| format!(" · {}", f.outlook.label_vi()))
        .unwrap_or_default();
    let official = r
        .assembled
        .official
        .as_ref()
        .map(|o| view! { <p class="ok" data-test="official">{o.describe_vi()}</p> });
    let conflicts = (!r.assembled.conflicts.is_empty()).then(|| {
        let items = r
            .assembled
            .conflicts
            .iter()
            .map(|c| view! { <li>{c.clone()}</li> })
            .collect_view();
        view! {
            <h3>"Quyết định ghi cùng lúc, cần quyết định lại"</h3>
            <ul class="problems" data-test="conflicts">{items}</ul>
        }
    });
    let reason = v
        .main_reason()
        .map(|f| view! { <p class="muted">{f.message_vi.clone()}</p> });
    view! {
        <section class="card" aria-labelledby="h-summary" data-test="summary">
            <h2 id="h-summary">"Kết quả theo quy định"</h2>
            <p data-test="rating">
                <strong>{rating}</strong>
                {outlook}
            </p>
            <p data-test="days">
                {format!(
                    "{}/{} ngày; chuyến đi chuyên đề {}/{}",
                    v.days.counted,
                    v.days.required,
                    v.thematic.counted,
                    v.thematic.required,
                )}
            </p>
            {reason}
            {official}
            {conflicts}
        </section>
    }
}
