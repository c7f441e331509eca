//! Writing other parties' documents on this device (`docs/documents.md`): a host unit's
//! confirmations (issue 11) and the office's decisions (issue 12). Each write is one
//! entry of one map, kept in IndexedDB before it is offered to the server, so a decision
//! taken with a weak link is not lost; the server checks that this device's person may
//! write the document.

use super::LocalError;
use super::browser::{append_chunk, db, device_actor, read_doc};
use crate::account::browser::signer;
use serde::Serialize;
use shared::doc::DocKey;
use shared::doc::party::{PartyDoc, Taken};
use shared::sync::DocumentId;

/// Opens the document `key` (creating it, with its deterministic first change, when this
/// device has none), lets `edit` change it, and stores the change before returning.
pub(super) async fn edit_party(
    key: &DocKey,
    edit: impl FnOnce(&mut PartyDoc) -> Result<(), shared::doc::DocError>,
) -> Result<DocumentId, LocalError> {
    let db = db().await?;
    let actor = device_actor(&db).await?;
    let document = key.document_id();
    let id = document.to_string();
    let (bytes, chunks) = read_doc(&db, &id).await?;
    let mut doc = if chunks == 0 {
        let mut doc = PartyDoc::new(key, actor);
        append_chunk(&db, &id, &doc.save()).await?;
        doc
    } else {
        PartyDoc::load(&bytes, actor)?
    };
    edit(&mut doc)?;
    let change = doc.save_incremental();
    if !change.is_empty() {
        append_chunk(&db, &id, &change).await?;
    }
    Ok(document)
}

/// Who decides, now: this device's person, at this device's clock.
pub fn taken_now() -> Result<Taken, LocalError> {
    let me = signer().ok_or(LocalError::NoProfile)?;
    Ok(Taken {
        by: me.person,
        at: js_sys::Date::now() as i64,
    })
}

/// Writes one decision (`value`, which records who took it) as the entry `subject` of
/// `map` in the document `key`, stores it and offers it to the server. A decision
/// replaces the ones it was made after, conflicting ones included: that is how a
/// conflict is resolved.
pub async fn decide<T: Serialize>(
    key: &DocKey,
    map: &str,
    subject: &str,
    value: &T,
) -> Result<(), LocalError> {
    let now = js_sys::Date::now() as i64;
    let document = edit_party(key, |doc| doc.put_json(map, subject, value, now)).await?;
    crate::sync::browser::local_change(document);
    Ok(())
}

/// The heads (hex) of each document `ids` this device holds: what a frozen official
/// rating rested on.
pub async fn heads_of(ids: &[DocumentId]) -> Result<Vec<(String, Vec<String>)>, LocalError> {
    let db = db().await?;
    let mut out = Vec::new();
    for id in ids {
        let (bytes, chunks) = read_doc(&db, &id.to_string()).await?;
        if chunks == 0 {
            continue;
        }
        let mut doc =
            automerge::AutoCommit::load(&bytes).map_err(|e| LocalError::Document(e.to_string()))?;
        let heads = doc.get_heads().iter().map(|h| h.to_string()).collect();
        out.push((id.to_string(), heads));
    }
    Ok(out)
}
