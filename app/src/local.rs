//! The browser's own store: the cadre's dossiers as Automerge documents in IndexedDB.
//!
//! On the server this module holds only the signals' initial state; every load and write
//! happens in the browser after hydration, so the server's HTML never carries user data.
//! A write returns once its IndexedDB transaction has committed; only then does a page
//! say "đã lưu", and only then is the change offered to the sync task.

mod error;
#[cfg(feature = "hydrate")]
pub mod host;
#[cfg(feature = "hydrate")]
pub mod party;
#[cfg(feature = "hydrate")]
mod writes;

pub use error::LocalError;

use crate::rating::{YearRating, rate_year};
use crate::sync::SyncStatus;
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use shared::assemble::{Gathered, Sources};
use shared::directory::Directory;
use shared::doc::history::HistoryEntry;
use shared::doc::{CadreCode, CadreYear, MeetingRecord, TripRecord};
use shared::dossier::TripStatus;
use shared::form::{MeetingForm, ReportForm, TripForm};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What became of a host's confirmation the cadre received (issue 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// It verifies against the directory on this phone: the trip counts.
    Counted,
    /// Kept, but the directory on this phone does not know the signing device yet (it
    /// was enrolled after this phone's last sync): checked again once it syncs.
    CheckedLater,
}

/// A value that is read from the local store after hydration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded<T, E = LocalError> {
    /// Before hydration (and on the server): nothing read yet.
    Loading,
    Ready(T),
    /// The store could not be read.
    Failed(E),
}

/// The cadre's dossiers on this device, one per year, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CadreDocs {
    pub years: BTreeMap<i32, CadreYear>,
    /// The other parties' documents about the cadre, by year: the host units'
    /// confirmations and withdrawals (issue 11), the department's review, the standing
    /// committee's decisions, HQ's record. Read by the same `assemble` as the dossier.
    pub parties: BTreeMap<i32, Gathered>,
    /// Entries and documents this version cannot read: kept, counted, not shown.
    pub unreadable: Vec<String>,
}

impl CadreDocs {
    pub fn year(&self, year: i32) -> Option<&CadreYear> {
        self.years.get(&year)
    }

    /// What the device holds about `year`, as `assemble` reads it: the dossier and the
    /// other parties' documents (the review of the cadre's `department`).
    pub fn sources<'a>(
        &'a self,
        year: i32,
        department: Option<&str>,
        directory: Option<&'a Directory>,
    ) -> Sources<'a> {
        let mut sources = self
            .parties
            .get(&year)
            .map(|g| g.sources(department, directory))
            .unwrap_or(Sources {
                directory,
                ..Sources::default()
            });
        sources.dossier = self.year(year);
        sources
    }

    /// Every trip with its dossier's year: newest year first, newest start first.
    pub fn trips(&self) -> impl Iterator<Item = (i32, &TripRecord)> {
        self.years
            .iter()
            .rev()
            .flat_map(|(y, cy)| cy.trips.iter().map(move |t| (*y, t)))
    }

    pub fn trip(&self, id: &str) -> Option<(i32, &TripRecord)> {
        self.trips().find(|(_, t)| t.id() == id)
    }

    /// Every meeting with its dossier's year, newest first.
    pub fn meetings(&self) -> impl Iterator<Item = (i32, &MeetingRecord)> {
        self.years
            .iter()
            .rev()
            .flat_map(|(y, cy)| cy.meetings.iter().map(move |m| (*y, m)))
    }

    pub fn meeting(&self, id: &str) -> Option<(i32, &MeetingRecord)> {
        self.meetings()
            .find(|(_, m)| m.meeting.id.as_deref() == Some(id))
    }
}

/// One change in a trip's history, as the detail page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    pub entry: HistoryEntry,
    /// Written on this device (the page's own actor).
    pub this_device: bool,
}

/// The local store's state, shared through context by every page.
#[derive(Debug, Clone, Copy)]
pub struct LocalStore {
    pub docs: RwSignal<Loaded<CadreDocs>>,
    /// The cadre this device records for: the active profile's person (`None` until
    /// someone enrols on this device).
    pub cadre: RwSignal<Loaded<Option<CadreCode>>>,
    /// True once the WebAssembly has hydrated the page: forms work from then on.
    pub hydrated: RwSignal<bool>,
    /// Today on this device, read after hydration (the server renders no date).
    pub today: RwSignal<Option<NaiveDate>>,
    /// The province's directory snapshot, once this device has one (a copy of the
    /// account's: enrolment brings it; until then the host picker offers the cadre's own earlier hosts, and the facts
    /// about the cadre are `assemble`'s defaults).
    pub directory: RwSignal<Option<Arc<Directory>>>,
    /// This year, rated: recomputed whenever the documents, the date or the directory
    /// change.
    pub rating: Memo<Option<Arc<YearRating>>>,
    /// A sentence for the next page shown ("Đã lưu chuyến đi trên máy.").
    pub notice: RwSignal<Option<String>>,
    pub sync: SyncStatus,
}

pub fn provide_local_store() {
    let account = crate::account::use_account();
    let docs = RwSignal::new(Loaded::<CadreDocs>::Loading);
    let cadre = RwSignal::new(Loaded::<Option<CadreCode>>::Loading);
    let today = RwSignal::new(None::<NaiveDate>);
    let directory = RwSignal::new(None::<Arc<Directory>>);
    let rating = Memo::new(move |_| {
        let today = today.get()?;
        let Loaded::Ready(Some(code)) = cadre.get() else {
            return None;
        };
        let directory = directory.get();
        docs.with(|d| match d {
            Loaded::Ready(docs) => Some(Arc::new(rate_year(
                directory.as_deref(),
                &code,
                today.year(),
                docs,
                today,
            ))),
            _ => None,
        })
    });
    let store = LocalStore {
        docs,
        cadre,
        hydrated: RwSignal::new(false),
        today,
        directory,
        rating,
        notice: RwSignal::new(None),
        sync: SyncStatus::new(),
    };
    provide_context(store);
    // The account holds the directory snapshot (enrolment and sync bring it); the pages
    // and the rating read it from here.
    Effect::new(move |_| {
        directory.set(account.directory.with(|d| d.clone().map(Arc::new)));
    });
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        store.hydrated.set(true);
        store.today.set(Some(crate::policy_view::today()));
        // Separate tasks: the answer on persistence must never hold up reading the data.
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(browser::ask_for_persistent_storage());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            // The cadre is the active profile's person; their database is the store's.
            let cadre = match crate::account::browser::open_active(account).await {
                Ok(cadre) => cadre,
                Err(problem) => {
                    let problem = LocalError::Account(problem);
                    store.cadre.set(Loaded::Failed(problem.clone()));
                    store.docs.set(Loaded::Failed(problem));
                    return;
                }
            };
            crate::rating::timing::phase("dicoso:profile-open");
            store.cadre.set(Loaded::Ready(cadre.clone()));
            store.refresh().await;
            crate::rating::timing::phase("dicoso:documents-read");
            let Some(cadre) = cadre else {
                // Nobody enrolled: no documents, no token (enrolling reloads the page).
                store.sync.link.set(crate::sync::Link::SignedOut);
                return;
            };
            // The sync task's module is fetched and compiled once the rated year is on
            // screen: compiling it meanwhile slowed that first paint (issue 9, bench-ui).
            browser::after_next_paint().await;
            if let Err(problem) = crate::sync::browser::start(store, cadre).await {
                store.sync.link.set(crate::sync::Link::ServerUnreachable);
                store
                    .sync
                    .error
                    .set(Some(format!("Chưa đồng bộ được. {problem}")));
            }
        });
    });
}

pub fn use_local_store() -> LocalStore {
    expect_context::<LocalStore>()
}

/// Runs browser-only store code; on the server (never called there) it is `NotReady`.
macro_rules! in_browser {
    ($e:expr) => {{
        #[cfg(feature = "hydrate")]
        {
            $e
        }
        #[cfg(not(feature = "hydrate"))]
        {
            Err::<_, LocalError>(LocalError::NotReady)
        }
    }};
}

#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
impl LocalStore {
    /// The cadre code, once set on this device.
    pub fn cadre_code(self) -> Option<CadreCode> {
        match self.cadre.get_untracked() {
            Loaded::Ready(code) => code,
            _ => None,
        }
    }

    fn require_cadre(self) -> Result<CadreCode, LocalError> {
        self.cadre_code().ok_or(LocalError::NoCadre)
    }

    /// Today on the device (the server's epoch day before hydration).
    pub fn today_or_epoch(self) -> NaiveDate {
        self.today.get_untracked().unwrap_or_default()
    }

    /// Re-reads every document of the cadre (after a synced change, or at start).
    pub async fn refresh(self) {
        #[cfg(feature = "hydrate")]
        {
            let loaded = match browser::load_docs(self.cadre_code().as_ref()).await {
                Ok(docs) => Loaded::Ready(docs),
                Err(problem) => Loaded::Failed(problem),
            };
            self.docs.set(loaded);
        }
    }

    /// A year's dossier was written on this device: show it at once (no re-read), and
    /// offer the change to the server.
    #[cfg(feature = "hydrate")]
    fn written<T>(self, w: writes::Written<T>) -> T {
        let year = w.year.key.year;
        self.docs.update(|d| match d {
            Loaded::Ready(docs) => {
                docs.years.insert(year, w.year);
            }
            other => {
                let mut docs = CadreDocs::default();
                docs.years.insert(year, w.year);
                *other = Loaded::Ready(docs);
            }
        });
        crate::sync::browser::local_change(w.document);
        w.value
    }

    /// Checks and stores a trip (a new one when `id` is `None`); returns its id once the
    /// write has committed.
    /// `base` is the trip as an edit form opened it (see `TripForm::rebase`).
    pub async fn save_trip(
        self,
        form: TripForm,
        id: Option<String>,
        base: Option<TripForm>,
    ) -> Result<String, LocalError> {
        let cadre = self.require_cadre()?;
        in_browser!({
            let year = id.as_deref().and_then(|id| {
                self.docs.with_untracked(|d| match d {
                    Loaded::Ready(d) => d.trip(id).map(|(y, _)| y),
                    _ => None,
                })
            });
            let directory = self.directory.get_untracked();
            let w = writes::save_trip(&cadre, form, id, base, year, directory).await?;
            Ok(self.written(w))
        })
    }

    /// Cancels a trip (it stays, marked) or restores a cancelled one.
    pub async fn set_trip_cancelled(self, id: String, cancelled: bool) -> Result<(), LocalError> {
        let cadre = self.require_cadre()?;
        let year = self.year_of_trip(&id)?;
        in_browser!({
            let w = writes::set_trip_cancelled(&cadre, year, &id, cancelled).await?;
            self.written(w);
            Ok(())
        })
    }

    /// Checks and stores the report on a trip.
    pub async fn save_report(self, id: String, form: ReportForm) -> Result<(), LocalError> {
        let cadre = self.require_cadre()?;
        let year = self.year_of_trip(&id)?;
        in_browser!({
            let w = writes::save_report(&cadre, year, &id, form).await?;
            self.written(w);
            Ok(())
        })
    }

    /// Keeps a host's confirmation of a trip, checked first (issue 11).
    pub async fn save_confirmation(
        self,
        id: String,
        confirmation: shared::confirm::Confirmation,
    ) -> Result<Received, LocalError> {
        let cadre = self.require_cadre()?;
        let year = self.year_of_trip(&id)?;
        in_browser!({
            let directory = self.directory.get_untracked();
            let w = writes::save_confirmation(&cadre, year, &id, confirmation, directory).await?;
            Ok(self.written(w))
        })
    }

    /// Records that the cadre asked the host to confirm trip `id` (shown on-site or sent
    /// as a link).
    pub async fn request_confirmation(
        self,
        id: String,
        request: shared::doc::ConfirmationRequest,
    ) -> Result<(), LocalError> {
        let cadre = self.require_cadre()?;
        let year = self.year_of_trip(&id)?;
        in_browser!({
            let w = writes::request_confirmation(&cadre, year, &id, request).await?;
            self.written(w);
            Ok(())
        })
    }

    fn year_of_trip(self, id: &str) -> Result<i32, LocalError> {
        self.docs
            .with_untracked(|d| match d {
                Loaded::Ready(d) => d.trip(id).map(|(y, _)| y),
                _ => None,
            })
            .ok_or(LocalError::NotFound("chuyến đi này"))
    }

    /// Checks and stores a chi đoàn meeting (a new one when `id` is `None`).
    pub async fn save_meeting(
        self,
        form: MeetingForm,
        id: Option<String>,
        base: Option<MeetingForm>,
    ) -> Result<String, LocalError> {
        let cadre = self.require_cadre()?;
        in_browser!({
            let year = id.as_deref().and_then(|id| {
                self.docs.with_untracked(|d| match d {
                    Loaded::Ready(d) => d.meeting(id).map(|(y, _)| y),
                    _ => None,
                })
            });
            let directory = self.directory.get_untracked();
            let w = writes::save_meeting(&cadre, form, id, base, year, directory).await?;
            Ok(self.written(w))
        })
    }

    /// Marks a meeting as not held (it stays, marked) or held again.
    pub async fn set_meeting_cancelled(
        self,
        id: String,
        cancelled: bool,
    ) -> Result<(), LocalError> {
        let cadre = self.require_cadre()?;
        let year = self
            .docs
            .with_untracked(|d| match d {
                Loaded::Ready(d) => d.meeting(&id).map(|(y, _)| y),
                _ => None,
            })
            .ok_or(LocalError::NotFound("buổi sinh hoạt này"))?;
        in_browser!({
            let w = writes::set_meeting_cancelled(&cadre, year, &id, cancelled).await?;
            self.written(w);
            Ok(())
        })
    }

    /// Records a registration sent today for `period` of `year`, listing `trips`.
    pub async fn submit_registration(
        self,
        year: i32,
        period: String,
        trips: Vec<String>,
    ) -> Result<(), LocalError> {
        let cadre = self.require_cadre()?;
        in_browser!({
            let w = writes::submit_registration(&cadre, year, &period, &trips).await?;
            self.written(w);
            Ok(())
        })
    }

    /// Every document on this device about `cadre`, someone else than this device's
    /// person (an office page about a cadre it reviews), read.
    pub async fn docs_of(self, cadre: CadreCode) -> Result<CadreDocs, LocalError> {
        in_browser!(browser::load_docs(Some(&cadre)).await)
    }

    /// Who changed what of a trip, when, and on which device.
    pub async fn trip_history(self, id: String) -> Result<Vec<HistoryLine>, LocalError> {
        let cadre = self.require_cadre()?;
        let year = self.year_of_trip(&id)?;
        in_browser!(writes::trip_history(&cadre, year, &id).await)
    }
}

/// The status a restored (un-cancelled) trip gets back: planned if it has not started.
pub fn restored_status(start: NaiveDate, today: NaiveDate) -> TripStatus {
    if start > today {
        TripStatus::Planned
    } else {
        TripStatus::Done
    }
}

#[cfg(feature = "hydrate")]
pub mod browser;
