//! The documents known about one cadre-year, read and sorted by who wrote them: what
//! [`Sources`] borrows. The server gathers them from its store for the office's tables
//! and exports; the phone from IndexedDB.

use super::Sources;
use crate::directory::Directory;
use crate::doc::party::{PartyDoc, PartyView};
use crate::doc::{CadreYear, DocKey, DocKind, DossierDoc};
use automerge::ActorId;

/// Every document about one cadre-year that loaded, and those that did not (kept aside,
/// never guessed at: a document that does not read counts as not written yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gathered {
    pub dossier: Option<CadreYear>,
    pub hosts: Vec<PartyView>,
    /// One per department: a cadre who changed department keeps the old head's review.
    pub reviews: Vec<(String, PartyView)>,
    pub standing: Option<PartyView>,
    pub hq: Option<PartyView>,
    /// The documents that did not load or read, with why.
    pub unreadable: Vec<(DocKey, String)>,
}

impl Gathered {
    /// Reads one stored document (`bytes`, a full save or concatenated chunks) under
    /// `key`. `actor` is only the reading copy's (nothing is written).
    pub fn add(&mut self, key: &DocKey, bytes: &[u8], actor: ActorId) {
        let read = match key.kind {
            DocKind::CadreDossier => DossierDoc::load(bytes, actor.clone())
                .and_then(|d| d.read())
                .map(|year| self.dossier = Some(year)),
            _ => PartyDoc::load(bytes, actor.clone()).map(|d| self.add_party(key, d.read())),
        };
        if let Err(e) = read {
            self.unreadable.push((key.clone(), e.to_string()));
        }
    }

    /// Files another party's document, already read, under its writer (a dossier's key
    /// is ignored: its entries are read with [`add`](Self::add)).
    pub fn add_party(&mut self, key: &DocKey, view: PartyView) {
        match key.kind {
            DocKind::CadreDossier => {}
            DocKind::HostConfirmations => self.hosts.push(view),
            DocKind::DepartmentReview => self.reviews.push((key.scope.clone(), view)),
            DocKind::StandingDecisions => self.standing = Some(view),
            DocKind::HqRecord => self.hq = Some(view),
        }
    }

    /// The sources to assemble, the review being that of the cadre's `department` (the
    /// directory's), else the only one there is.
    pub fn sources<'a>(
        &'a self,
        department: Option<&str>,
        directory: Option<&'a Directory>,
    ) -> Sources<'a> {
        let review = self
            .reviews
            .iter()
            .find(|(d, _)| Some(d.as_str()) == department)
            .or(match self.reviews.as_slice() {
                [only] => Some(only),
                _ => None,
            })
            .map(|(_, v)| v);
        Sources {
            dossier: self.dossier.as_ref(),
            hosts: &self.hosts,
            review,
            standing: self.standing.as_ref(),
            hq: self.hq.as_ref(),
            directory,
        }
    }
}
