//! Edits of the cadre's dossiers (browser only). Each one re-reads the stored document
//! first (another tab, or a sync, may have changed it), checks the input against it with
//! `shared::form`, writes only what changed, and appends the change to IndexedDB, awaiting
//! the commit before it returns.

use super::browser::{append_chunk, db, device_actor, open_dossier};
use super::{HistoryLine, LocalError, Received, restored_status};
use crate::policy_view;
use chrono::Datelike;
use shared::confirm::{Confirmation, Rejection, verify};
use shared::directory::Directory;
use shared::doc::{CadreCode, CadreYear, ConfirmationRequest, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{MeetingForm, ReportForm, TripForm, check_meeting, check_report, check_trip};
use shared::sync::DocumentId;
use std::sync::Arc;

/// What an edit produced: its value, the document it changed, and that year read back.
pub struct Written<T> {
    pub value: T,
    pub document: DocumentId,
    pub year: CadreYear,
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh random id for a new entry (UUID v4 from the browser's CSPRNG).
fn new_id() -> Result<String, LocalError> {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .ok_or(LocalError::NoRandomId)
}

/// Opens the cadre's dossier of `year` (creating it if this device has none), lets `edit`
/// change it, and stores the change.
async fn edit_dossier<T>(
    cadre: &CadreCode,
    year: i32,
    edit: impl FnOnce(&mut DossierDoc, &CadreYear) -> Result<T, LocalError>,
) -> Result<Written<T>, LocalError> {
    let db = db().await?;
    let actor = device_actor(&db).await?;
    let key = DossierKey {
        cadre: cadre.clone(),
        year,
    };
    let mut doc = open_dossier(&db, &key, actor).await?;
    let before = doc.read()?;
    let value = edit(&mut doc, &before)?;
    let document = key.document_id();
    let bytes = doc.save_incremental();
    if !bytes.is_empty() {
        append_chunk(&db, &document.to_string(), &bytes).await?;
    }
    Ok(Written {
        value,
        document,
        year: doc.read()?,
    })
}

/// The year a new entry dated `typed` goes to: the year of that date (today's if the
/// date does not parse: the check then says why). An existing entry stays in its year.
fn year_for(typed: &str, existing: Option<i32>) -> Result<i32, LocalError> {
    let typed_year = shared::form::parse_day(typed).map(|d| d.year());
    match (existing, typed_year) {
        (Some(from), Some(to)) if from != to => Err(LocalError::OtherYear { from, to }),
        (Some(year), _) => Ok(year),
        (None, Some(year)) => Ok(year),
        (None, None) => Ok(policy_view::today().year()),
    }
}

/// Stores a trip; `base` is the trip as the edit form opened it, so that only the fields
/// the person changed are written over what is stored now ([`TripForm::rebase`]).
pub async fn save_trip(
    cadre: &CadreCode,
    form: TripForm,
    id: Option<String>,
    base: Option<TripForm>,
    existing_year: Option<i32>,
    directory: Option<Arc<Directory>>,
) -> Result<Written<String>, LocalError> {
    let year = year_for(&form.start, existing_year)?;
    let id = match id {
        Some(id) => id,
        None => new_id()?,
    };
    let policy = shared::assemble::policy_for(directory.as_deref(), year)
        .ok_or(LocalError::NoPolicy(year))?;
    let today = policy_view::today();
    edit_dossier(cadre, year, |doc, before| {
        let existing = before.trip(&id);
        let form = match (base, existing) {
            (Some(base), Some(current)) => form.rebase(&base, TripForm::of(current)),
            _ => form,
        };
        let (mut checked, record) = check_trip(&form, policy, &before.trips, existing, &id, today);
        shared::form::check_trip_edit(&form, existing, &mut checked);
        let record = match record {
            Some(record) if checked.is_ok() => record,
            _ => return Err(LocalError::Rejected(checked)),
        };
        doc.put_trip(&record, now_ms())?;
        Ok(id.clone())
    })
    .await
}

pub async fn set_trip_cancelled(
    cadre: &CadreCode,
    year: i32,
    id: &str,
    cancelled: bool,
) -> Result<Written<()>, LocalError> {
    let today = policy_view::today();
    edit_dossier(cadre, year, |doc, before| {
        let mut record = before
            .trip(id)
            .cloned()
            .ok_or(LocalError::NotFound("chuyến đi này"))?;
        record.trip.status = if cancelled {
            TripStatus::Cancelled
        } else {
            restored_status(record.trip.start, today)
        };
        doc.put_trip(&record, now_ms())?;
        Ok(())
    })
    .await
}

pub async fn save_report(
    cadre: &CadreCode,
    year: i32,
    id: &str,
    form: ReportForm,
) -> Result<Written<()>, LocalError> {
    let today = policy_view::today();
    edit_dossier(cadre, year, |doc, before| {
        let record = before
            .trip(id)
            .ok_or(LocalError::NotFound("chuyến đi này"))?;
        let (checked, record) = check_report(&form, record, today);
        let record = record.ok_or(LocalError::Rejected(checked))?;
        doc.put_trip(&record, now_ms())?;
        Ok(())
    })
    .await
}

pub async fn save_meeting(
    cadre: &CadreCode,
    form: MeetingForm,
    id: Option<String>,
    base: Option<MeetingForm>,
    existing_year: Option<i32>,
    directory: Option<Arc<Directory>>,
) -> Result<Written<String>, LocalError> {
    let year = year_for(&form.date, existing_year)?;
    let id = match id {
        Some(id) => id,
        None => new_id()?,
    };
    let policy = shared::assemble::policy_for(directory.as_deref(), year)
        .ok_or(LocalError::NoPolicy(year))?;
    let today = policy_view::today();
    edit_dossier(cadre, year, |doc, before| {
        let current = before
            .meetings
            .iter()
            .find(|m| m.meeting.id.as_deref() == Some(id.as_str()));
        let cancelled = current.is_some_and(|m| m.cancelled);
        let form = match (base, current) {
            (Some(base), Some(current)) => form.rebase(&base, MeetingForm::of(current)),
            _ => form,
        };
        let (checked, meeting) = check_meeting(&form, policy, &before.meetings, &id, today);
        let meeting = meeting.ok_or(LocalError::Rejected(checked))?;
        doc.put_meeting(&meeting, cancelled, now_ms())?;
        Ok(id.clone())
    })
    .await
}

pub async fn set_meeting_cancelled(
    cadre: &CadreCode,
    year: i32,
    id: &str,
    cancelled: bool,
) -> Result<Written<()>, LocalError> {
    edit_dossier(cadre, year, |doc, before| {
        let record = before
            .meetings
            .iter()
            .find(|m| m.meeting.id.as_deref() == Some(id))
            .ok_or(LocalError::NotFound("buổi sinh hoạt này"))?;
        doc.put_meeting(&record.meeting, cancelled, now_ms())?;
        Ok(())
    })
    .await
}

pub async fn submit_registration(
    cadre: &CadreCode,
    year: i32,
    period: &str,
    trips: &[String],
) -> Result<Written<()>, LocalError> {
    let id = new_id()?;
    let today = policy_view::today();
    edit_dossier(cadre, year, |doc, _| {
        doc.submit_registration(&id, period, trips, today, now_ms())?;
        Ok(())
    })
    .await
}

pub async fn trip_history(
    cadre: &CadreCode,
    year: i32,
    id: &str,
) -> Result<Vec<HistoryLine>, LocalError> {
    let db = db().await?;
    let actor = device_actor(&db).await?;
    let key = DossierKey {
        cadre: cadre.clone(),
        year,
    };
    let (bytes, _) = super::browser::read_doc(&db, &key.document_id().to_string()).await?;
    let mut doc =
        automerge::AutoCommit::load(&bytes).map_err(|e| LocalError::Document(e.to_string()))?;
    Ok(shared::doc::history::entry_history(&mut doc, "trips", id)
        .into_iter()
        .map(|entry| HistoryLine {
            this_device: entry.actor == actor,
            entry,
        })
        .collect())
}

/// Keeps a host's confirmation of trip `id` (issue 11). It is checked first, with the
/// same `shared::confirm::verify` the server runs: one meant for another trip or cadre,
/// forged or altered is refused and not kept, with its reason.
pub async fn save_confirmation(
    cadre: &CadreCode,
    year: i32,
    id: &str,
    confirmation: Confirmation,
    directory: Option<Arc<Directory>>,
) -> Result<Written<Received>, LocalError> {
    edit_dossier(cadre, year, |doc, before| {
        let record = before
            .trip(id)
            .ok_or(LocalError::NotFound("chuyến đi này"))?;
        let checked = directory
            .as_deref()
            .map(|d| verify(&confirmation, &record.trip, cadre.as_str(), year, d));
        let received = match checked {
            Some(Ok(())) => Received::Counted,
            None | Some(Err(Rejection::UnknownDevice)) => Received::CheckedLater,
            Some(Err(rejection)) => return Err(LocalError::Confirmation(rejection)),
        };
        doc.put_confirmation(&confirmation, now_ms())?;
        Ok(received)
    })
    .await
}

/// Records the cadre's request for the host's confirmation of trip `id` (issue 11).
pub async fn request_confirmation(
    cadre: &CadreCode,
    year: i32,
    id: &str,
    request: ConfirmationRequest,
) -> Result<Written<()>, LocalError> {
    edit_dossier(cadre, year, |doc, before| {
        before
            .trip(id)
            .ok_or(LocalError::NotFound("chuyến đi này"))?;
        doc.request_confirmation(id, &request, now_ms())?;
        Ok(())
    })
    .await
}
