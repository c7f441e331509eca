//! The cadre's request for the host's confirmation of a trip (issue 11), kept on the
//! trip itself: when it was asked, the one-line summary the claim carried, and whether it
//! went as a link for the officer to sign later, online. Scalars on the trip's own map,
//! so two devices asking offline never create two objects; the later ask wins.
//!
//! The summary is what a typed confirmation code is checked against (a typed code carries
//! no claim), so any of the cadre's devices can take the code once this has synced.

use super::{DossierDoc, Reader, Writer};
use crate::doc::DocError;
use automerge::ObjId;
use chrono::NaiveDate;

/// A request for the host's confirmation (xin xác nhận).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationRequest {
    /// The day the cadre asked.
    pub on: NaiveDate,
    /// The cadre's one-line summary, as the claim carries it.
    pub summary: String,
    /// Sent as a link the officer signs later, online (rather than shown on-site).
    pub by_link: bool,
}

impl DossierDoc {
    /// Records that the cadre asked the host to confirm the trip `trip`.
    pub fn request_confirmation(
        &mut self,
        trip: &str,
        request: &ConfirmationRequest,
        now_ms: i64,
    ) -> Result<(), DocError> {
        self.upgrade()?;
        let trips = self.map("trips")?;
        let obj = self
            .entry(&trips, trip)
            .ok_or_else(|| DocError::Schema(format!("không có chuyến đi “{trip}”")))?;
        let mut w = Writer {
            doc: &mut self.doc,
            obj: &obj,
        };
        w.text("confirmation_asked_on", Some(request.on.to_string()))?;
        w.text("confirmation_summary", Some(request.summary.clone()))?;
        w.flag("confirmation_by_link", request.by_link)?;
        self.commit(now_ms);
        Ok(())
    }
}

impl Reader<'_> {
    /// The trip's request, if it has one; `None` inside if it is malformed.
    pub(super) fn read_request(&self, trip: &ObjId) -> Option<Option<ConfirmationRequest>> {
        let f = self.fields(trip);
        let Some(on) = f.opt_date("confirmation_asked_on")? else {
            return Some(None);
        };
        Some(Some(ConfirmationRequest {
            on,
            summary: f.opt_text("confirmation_summary")?.unwrap_or_default(),
            by_link: f.flag("confirmation_by_link")?,
        }))
    }
}
