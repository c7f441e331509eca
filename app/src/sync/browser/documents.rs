//! Which documents the sync task holds: the cadre's own and those about them, those a
//! page asks for (an office page about a cadre it reviews), and a local change merged
//! into the hub's copy.

use super::Pump;
use crate::local;
use automerge::AutoCommit;
use leptos::prelude::*;
use shared::doc::{CadreCode, DocKey, DocKind, DossierKey};
use shared::dossier::TripStatus;
use shared::sync::DocumentId;
use std::collections::BTreeSet;

impl Pump {
    /// Loads the cadre's documents into the hub, and asks for this year's and last
    /// year's even if this device has none (a new phone gets them from the server).
    pub(super) async fn set_cadre(&mut self, cadre: CadreCode) {
        self.cadre = Some(cadre.clone());
        let docs = match local::browser::read_all_docs(&self.db).await {
            Ok(docs) => docs,
            Err(problem) => return self.store.sync.error.set(Some(problem.to_string())),
        };
        let mut held = BTreeSet::new();
        for (id, (bytes, chunks)) in docs {
            // Chunks that arrived by sync pile up; a failed compaction changes nothing.
            if local::browser::needs_compacting(chunks) {
                let _ = local::browser::compact(&self.db, &id).await;
            }
            let Ok(id) = id.parse::<DocumentId>() else {
                continue;
            };
            let Ok(doc) = AutoCommit::load(&bytes) else {
                continue;
            };
            // The cadre's own dossiers, and every party document kept here: the
            // host units' confirmations about them, and those this person signed as
            // a host officer (issue 11). The server decides what it accepts.
            let ours = match DocKey::of(&doc) {
                Some(k) if k.kind == DocKind::CadreDossier => k.cadre == cadre,
                Some(_) => true,
                None => DossierKey::of(&doc).is_some_and(|k| k.cadre == cadre),
            };
            if ours {
                let heads = local::browser::server_heads(&self.db, &id).await;
                self.server_heads.insert(id, heads);
                self.hub.insert_document(id, doc);
                held.insert(id);
            }
        }
        let year = js_sys::Date::new_0().get_full_year() as i32;
        for year in [year, year - 1] {
            let id = DossierKey {
                cadre: cadre.clone(),
                year,
            }
            .document_id();
            if !held.contains(&id) {
                self.hub.request(id);
            }
        }
        // The other parties' documents about the cadre: the office's decisions of both
        // years, and the confirmations of the host units of the trips carried out (a
        // withdrawal reaches the phone this way). The server answers only those the
        // cadre may read.
        for key in self.party_keys(&cadre, year) {
            let id = key.document_id();
            if !held.contains(&id) {
                self.hub.request(id);
            }
        }
    }

    fn party_keys(&self, cadre: &CadreCode, year: i32) -> Vec<DocKey> {
        let Some(province) = crate::account::browser::signer().map(|s| s.province) else {
            return Vec::new();
        };
        let department = self.store.directory.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| d.person(cadre.as_str()))
                .and_then(|p| p.department.clone())
        });
        let hosts = self.host_units();
        [year, year - 1]
            .into_iter()
            .flat_map(|y| {
                let units = hosts.iter().filter(|(hy, _)| *hy == y).map(|(_, u)| u);
                DocKey::parties_about(&province, cadre, y, department.as_deref(), units)
            })
            .collect()
    }

    /// Puts the documents a page wants in the hub: from this device when held here,
    /// else asked of the server.
    pub(super) async fn want(&mut self, documents: Vec<DocumentId>) {
        for id in documents {
            if self.hub.document(&id).is_some() || self.refused.contains(&id) {
                continue;
            }
            let stored = match local::browser::read_doc(&self.db, &id.to_string()).await {
                Ok((bytes, n)) if n > 0 => AutoCommit::load(&bytes).ok(),
                _ => None,
            };
            match stored {
                Some(doc) => {
                    let heads = local::browser::server_heads(&self.db, &id).await;
                    self.server_heads.insert(id, heads);
                    self.hub.insert_document(id, doc);
                }
                None => self.hub.request(id),
            }
        }
    }

    /// (year, host unit id) of each trip carried out at a unit from the directory.
    fn host_units(&self) -> BTreeSet<(i32, String)> {
        self.store.docs.with_untracked(|d| match d {
            local::Loaded::Ready(d) => d
                .trips()
                .filter(|(_, t)| matches!(t.trip.status, TripStatus::Done | TripStatus::Incomplete))
                .filter_map(|(year, t)| Some((year, t.trip.host.id.clone()?)))
                .collect(),
            _ => BTreeSet::new(),
        })
    }

    /// A local change was saved: merge the stored document into the hub's copy.
    pub(super) async fn reload(&mut self, document: DocumentId) {
        if self.refused.contains(&document) {
            return;
        }
        match local::browser::read_doc(&self.db, &document.to_string()).await {
            Ok((bytes, _)) => match AutoCommit::load(&bytes) {
                Ok(doc) => {
                    self.server_heads.entry(document).or_default();
                    self.hub.insert_document(document, doc);
                }
                Err(e) => self
                    .store
                    .sync
                    .error
                    .set(Some(format!("Dữ liệu trên máy không đọc được ({e})."))),
            },
            Err(problem) => self.store.sync.error.set(Some(problem.to_string())),
        }
    }
}
