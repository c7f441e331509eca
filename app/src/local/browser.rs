//! IndexedDB layout (one database per profile, version 2: `dicoso-<CODE>`, or
//! `dicoso` for a device set up before accounts; see `crate::account`):
//! - `doc_chunks` (since v2): auto-increment keys, each value `{doc, bytes}` where `doc`
//!   is an automerge document id (`automerge:` URL without the prefix) and `bytes` a
//!   `Uint8Array` holding a full or incremental save; index `by_doc` on `doc`. Writes
//!   only ever append, so two tabs (or a crash mid-write) cannot overwrite each other's
//!   changes; loading concatenates a document's chunks in key order and
//!   [`compact`] folds them into one, in a single transaction. Documents of every
//!   kind share it: the person's dossiers, the host units' confirmation documents
//!   about them, and those a host officer signs on this device (issue 11); each says
//!   its kind in its first change (`shared::doc::DocKey`).
//! - `chunks` (v1): the one dossier kept before documents were per cadre and year.
//!   Emptied once its trips are copied into the cadre's documents ([`save_cadre_in`]).
//! - `meta`: `actor` (this profile's Automerge actor id, registered at enrolment),
//!   `cadre` (the cadre code, in a database set up before accounts),
//!   `server-heads:<doc>` (the heads the server last confirmed), `last-sync` (ms),
//!   `directory` and `directory-etag` (the province's directory snapshot).

use super::{CadreDocs, LocalError};
use automerge::{ActorId, ChangeHash};
use chrono::Datelike;
use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::{KeyPath, KeyRange};
use js_sys::{Array, Object, Reflect, Uint8Array};
use shared::doc::{CadreCode, DocKey, DocKind, DossierDoc, DossierKey};
use shared::sync::DocumentId;
use std::collections::BTreeMap;
use wasm_bindgen::{JsCast, JsValue};

const DB_VERSION: u8 = 2;
const LEGACY_CHUNKS: &str = "chunks";
const DOC_CHUNKS: &str = "doc_chunks";
const BY_DOC: &str = "by_doc";
const META: &str = "meta";
/// The longest [`after_next_paint`] waits.
const PAINT_WAIT_MS: i32 = 250;
/// Fold a document's chunks into one full save past this many.
const COMPACT_AFTER: usize = 32;

fn read_failed(e: indexed_db_futures::error::Error) -> LocalError {
    LocalError::Read(e.to_string())
}

fn write_failed(e: indexed_db_futures::error::Error) -> LocalError {
    LocalError::Write(e.to_string())
}

/// Asks the browser not to evict this site's storage under pressure (cheap phones run
/// short of space): without it, days of offline work could vanish before they sync.
/// The browser may say no; the app works either way.
pub async fn ask_for_persistent_storage() {
    let Some(storage) = web_sys::window().map(|w| w.navigator().storage()) else {
        return;
    };
    if let Ok(promise) = storage.persist() {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// Resolves once the browser has drawn the next frame, so that what the page shows now
/// is on screen before the work that follows starts; or after [`PAINT_WAIT_MS`] at most
/// (a hidden page draws no frames).
pub async fn after_next_paint() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            resolve.unchecked_ref(),
            PAINT_WAIT_MS,
        );
        let after_paint = wasm_bindgen::closure::Closure::once_into_js(move || {
            // A frame callback runs before its paint; the timer after it, once painted.
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(resolve.unchecked_ref());
            }
        });
        let _ = window.request_animation_frame(after_paint.unchecked_ref());
    });
    let _ = wasm_bindgen_futures::JsFuture::from(frame).await;
}

pub async fn open_db(name: &str) -> Result<Database, LocalError> {
    Database::open(name)
        .with_version(DB_VERSION)
        .with_on_upgrade_needed(|event, db| {
            if event.old_version() < 1.0 {
                db.create_object_store(LEGACY_CHUNKS)
                    .with_auto_increment(true)
                    .build()?;
                db.create_object_store(META).build()?;
            }
            if event.old_version() < 2.0 {
                let store = db
                    .create_object_store(DOC_CHUNKS)
                    .with_auto_increment(true)
                    .build()?;
                store.create_index(BY_DOC, KeyPath::from("doc")).build()?;
            }
            Ok(())
        })
        .await
        .map_err(|e| LocalError::Open(e.to_string()))
}

thread_local! {
    static DB: std::cell::RefCell<Option<Database>> = const { std::cell::RefCell::new(None) };
}

/// The page's one connection to the active profile's database, opened on first use.
pub async fn db() -> Result<Database, LocalError> {
    if let Some(db) = DB.with(|slot| slot.borrow().clone()) {
        return Ok(db);
    }
    let name = crate::account::browser::database_name().ok_or(LocalError::NoProfile)?;
    let db = open_db(&name).await?;
    give_way_to_newer_versions(&db);
    DB.with(|slot| *slot.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// A newer build in another tab wants to upgrade the database: this page's open
/// connection would block it, so it closes and reloads (into the newer build, which
/// the service worker already holds). Every write here has committed by then.
fn give_way_to_newer_versions(db: &Database) {
    use indexed_db_futures::internals::SystemRepr;
    let raw = db.clone();
    let on_change = wasm_bindgen::closure::Closure::once_into_js(move || {
        DB.with(|slot| slot.borrow_mut().take());
        raw.close();
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let _ = Reflect::set(db.as_sys(), &"onversionchange".into(), &on_change);
}

/// A read-write transaction on some object stores.
fn readwrite<'a>(db: &'a Database, stores: &'a [&'a str]) -> Result<Transaction<'a>, LocalError> {
    db.transaction(stores)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(write_failed)
}

pub async fn meta_get(db: &Database, key: &str) -> Result<Option<JsValue>, LocalError> {
    let tx = db.transaction(META).build().map_err(read_failed)?;
    let meta = tx.object_store(META).map_err(read_failed)?;
    meta.get(key)
        .primitive()
        .map_err(read_failed)?
        .await
        .map_err(read_failed)
}

pub async fn meta_put(db: &Database, key: &str, value: JsValue) -> Result<(), LocalError> {
    let tx = readwrite(db, &[META])?;
    let meta = tx.object_store(META).map_err(write_failed)?;
    meta.put(value)
        .with_key(key)
        .primitive()
        .map_err(write_failed)?
        .await
        .map_err(write_failed)?;
    tx.commit().await.map_err(write_failed)
}

thread_local! {
    static ACTOR: std::cell::RefCell<Option<ActorId>> = const { std::cell::RefCell::new(None) };
}

/// This device's actor in the page's database, read once per page.
pub(super) async fn device_actor(db: &Database) -> Result<ActorId, LocalError> {
    if let Some(actor) = ACTOR.with(|slot| slot.borrow().clone()) {
        return Ok(actor);
    }
    let actor = actor(db).await?;
    ACTOR.with(|slot| *slot.borrow_mut() = Some(actor.clone()));
    Ok(actor)
}

/// The actor stored in `db`, created on first use.
pub async fn actor(db: &Database) -> Result<ActorId, LocalError> {
    let stored = meta_get(db, "actor").await?;
    if let Some(bytes) = stored.filter(|v| v.is_instance_of::<Uint8Array>()) {
        return Ok(ActorId::from(Uint8Array::from(bytes).to_vec()));
    }
    let actor = ActorId::random();
    meta_put(db, "actor", Uint8Array::from(actor.to_bytes()).into()).await?;
    Ok(actor)
}

/// The heads the server last confirmed for `document`, kept across reloads so the
/// count of changes not yet sent is right while offline.
pub async fn server_heads(db: &Database, document: &DocumentId) -> Vec<ChangeHash> {
    let Ok(Some(value)) = meta_get(db, &format!("server-heads:{document}")).await else {
        return Vec::new();
    };
    Array::from(&value)
        .iter()
        .filter_map(|v| v.as_string()?.parse().ok())
        .collect()
}

pub async fn save_server_heads(
    db: &Database,
    document: &DocumentId,
    heads: &[ChangeHash],
) -> Result<(), LocalError> {
    let array: Array = heads
        .iter()
        .map(|h| JsValue::from_str(&h.to_string()))
        .collect();
    meta_put(db, &format!("server-heads:{document}"), array.into()).await
}

pub async fn last_sync(db: &Database) -> Option<f64> {
    meta_get(db, "last-sync").await.ok()??.as_f64()
}

fn chunk_record(document: &str, chunk: &[u8]) -> Result<JsValue, LocalError> {
    let record = Object::new();
    let bad = |_| LocalError::Write("không tạo được bản ghi".into());
    Reflect::set(&record, &"doc".into(), &document.into()).map_err(bad)?;
    Reflect::set(&record, &"bytes".into(), &Uint8Array::from(chunk).into()).map_err(bad)?;
    Ok(record.into())
}

fn record_parts(record: &JsValue) -> Option<(String, Vec<u8>)> {
    let doc = Reflect::get(record, &"doc".into()).ok()?.as_string()?;
    let bytes = Reflect::get(record, &"bytes".into()).ok()?;
    let bytes = bytes.dyn_into::<Uint8Array>().ok()?;
    Some((doc, bytes.to_vec()))
}

/// One document's chunks in `store`, concatenated (a valid Automerge byte stream),
/// their count, and their keys.
async fn doc_chunks_in(
    store: &ObjectStore<'_>,
    document: &str,
) -> Result<(Vec<u8>, usize, Vec<JsValue>), LocalError> {
    let index = store.index(BY_DOC).map_err(read_failed)?;
    let only = || KeyRange::Only(JsValue::from_str(document));
    let records = index
        .get_all::<JsValue>()
        .with_query::<JsValue, _>(only())
        .primitive()
        .map_err(read_failed)?
        .await
        .map_err(read_failed)?;
    let keys = index
        .get_all_keys::<JsValue>()
        .with_query::<JsValue, _>(only())
        .primitive()
        .map_err(read_failed)?
        .await
        .map_err(read_failed)?;
    let mut bytes = Vec::new();
    let mut count = 0;
    for record in records {
        if let Some((_, chunk)) = record_parts(&record.map_err(read_failed)?) {
            bytes.extend(chunk);
            count += 1;
        }
    }
    let keys = keys
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_failed)?;
    Ok((bytes, count, keys))
}

/// Every chunk of `document`, concatenated, and how many there are.
pub async fn read_doc(db: &Database, document: &str) -> Result<(Vec<u8>, usize), LocalError> {
    let tx = db.transaction(DOC_CHUNKS).build().map_err(read_failed)?;
    let store = tx.object_store(DOC_CHUNKS).map_err(read_failed)?;
    let (bytes, count, _) = doc_chunks_in(&store, document).await?;
    Ok((bytes, count))
}

/// Every document on this device: id → its chunks concatenated, and how many there are.
pub async fn read_all_docs(
    db: &Database,
) -> Result<BTreeMap<String, (Vec<u8>, usize)>, LocalError> {
    let tx = db.transaction(DOC_CHUNKS).build().map_err(read_failed)?;
    let store = tx.object_store(DOC_CHUNKS).map_err(read_failed)?;
    let records = store
        .get_all::<JsValue>()
        .primitive()
        .map_err(read_failed)?
        .await
        .map_err(read_failed)?;
    let mut docs: BTreeMap<String, (Vec<u8>, usize)> = BTreeMap::new();
    for record in records {
        if let Some((doc, chunk)) = record_parts(&record.map_err(read_failed)?) {
            let (bytes, count) = docs.entry(doc).or_default();
            bytes.extend(chunk);
            *count += 1;
        }
    }
    Ok(docs)
}

/// Appends one chunk to a document; returns after the transaction has committed.
pub async fn append_chunk(db: &Database, document: &str, chunk: &[u8]) -> Result<(), LocalError> {
    let tx = readwrite(db, &[DOC_CHUNKS])?;
    let store = tx.object_store(DOC_CHUNKS).map_err(write_failed)?;
    store
        .add(chunk_record(document, chunk)?)
        .primitive()
        .map_err(write_failed)?
        .await
        .map_err(write_failed)?;
    tx.commit().await.map_err(write_failed)
}

/// Whether a document stored in `chunks` chunks is due a [`compact`].
pub fn needs_compacting(chunks: usize) -> bool {
    chunks > COMPACT_AFTER
}

/// Replaces a document's chunks with one full save, reading and writing in one
/// transaction so a chunk appended meanwhile by another tab is never dropped.
pub async fn compact(db: &Database, document: &str) -> Result<(), LocalError> {
    let tx = readwrite(db, &[DOC_CHUNKS])?;
    let store = tx.object_store(DOC_CHUNKS).map_err(write_failed)?;
    let (bytes, _, keys) = doc_chunks_in(&store, document).await?;
    let mut doc = automerge::AutoCommit::load(&bytes)
        .map_err(|e| LocalError::Document(format!("{e}; giữ nguyên, không gộp")))?;
    for key in keys {
        store.delete(key).primitive().map_err(write_failed)?;
    }
    store
        .add(chunk_record(document, &doc.save())?)
        .primitive()
        .map_err(write_failed)?;
    tx.commit().await.map_err(write_failed)
}

/// Opens one of the cadre's dossiers, creating it (with its deterministic first
/// change) when this device has none yet.
pub(super) async fn open_dossier(
    db: &Database,
    key: &DossierKey,
    actor: ActorId,
) -> Result<DossierDoc, LocalError> {
    let id = key.document_id().to_string();
    let (bytes, chunks) = read_doc(db, &id).await?;
    if chunks == 0 {
        let mut doc = DossierDoc::new(key, actor);
        append_chunk(db, &id, &doc.save()).await?;
        return Ok(doc);
    }
    let doc = DossierDoc::load(&bytes, actor)?;
    if needs_compacting(chunks) {
        compact(db, &id).await?;
    }
    Ok(doc)
}

/// Every dossier of `cadre` on this device, read.
pub async fn load_docs(cadre: Option<&CadreCode>) -> Result<CadreDocs, LocalError> {
    let mut out = CadreDocs::default();
    let Some(cadre) = cadre else {
        // Nobody enrolled: no database to open.
        return Ok(out);
    };
    let db = db().await?;
    let actor = device_actor(&db).await?;
    // Chunks that arrived by sync pile up; the sync task folds them (`needs_compacting`),
    // so that showing the year never waits on writing.
    for (id, (bytes, _)) in read_all_docs(&db).await? {
        let Ok(doc) = automerge::AutoCommit::load(&bytes) else {
            out.unreadable.push(id);
            continue;
        };
        match DocKey::of(&doc) {
            Some(key) if key.kind != DocKind::CadreDossier => {
                // About this cadre: read with the year. About another (what this
                // person signed as a host officer): the host page reads those.
                if &key.cadre == cadre {
                    let view = shared::doc::party::read(&doc, key.kind);
                    out.parties
                        .entry(key.year)
                        .or_default()
                        .add_party(&key, view);
                }
                continue;
            }
            _ => {}
        }
        let Ok(doc) = DossierDoc::from_automerge(doc, actor.clone()) else {
            // Not a dossier this version reads (or not one at all): kept, not shown.
            out.unreadable.push(id);
            continue;
        };
        if doc.key().is_some_and(|k| &k.cadre == cadre) {
            match doc.read() {
                Ok(year) => {
                    out.unreadable.extend(year.unreadable.iter().cloned());
                    out.years.insert(year.key.year, year);
                }
                Err(_) => out.unreadable.push(id),
            }
        }
    }
    Ok(out)
}

/// Moves the trips of the version-1 dossier (kept before documents were per cadre and
/// year) into the cadre's documents and empties it, then remembers the cadre code:
/// when the cadre enrols on a device set up before accounts.
pub async fn save_cadre_in(db: &Database, cadre: &CadreCode) -> Result<(), LocalError> {
    let actor = actor(db).await?;
    let tx = db.transaction(LEGACY_CHUNKS).build().map_err(read_failed)?;
    let legacy = tx.object_store(LEGACY_CHUNKS).map_err(read_failed)?;
    let all = legacy
        .get_all::<JsValue>()
        .primitive()
        .map_err(read_failed)?
        .await
        .map_err(read_failed)?;
    let mut bytes = Vec::new();
    for value in all {
        bytes.extend(Uint8Array::from(value.map_err(read_failed)?).to_vec());
    }
    drop(tx);
    if !bytes.is_empty() {
        move_legacy_trips(db, cadre, &bytes, actor).await?;
    }
    // Last: if moving failed, the cadre is asked again and moving is tried again.
    meta_put(db, "cadre", JsValue::from_str(cadre.as_str())).await
}

async fn move_legacy_trips(
    db: &Database,
    cadre: &CadreCode,
    bytes: &[u8],
    actor: ActorId,
) -> Result<(), LocalError> {
    let Ok(old) = shared::doc::keyless_trips(bytes) else {
        // Unreadable by this version: left where it is, untouched, not in the way.
        return Ok(());
    };
    for trip in old {
        let key = DossierKey {
            cadre: cadre.clone(),
            year: trip.trip.start.year(),
        };
        let mut doc = open_dossier(db, &key, actor.clone()).await?;
        doc.put_trip(&trip, trip.created_at)?;
        let id = key.document_id().to_string();
        append_chunk(db, &id, &doc.save_incremental()).await?;
    }
    // Only once every trip is in its new home.
    let tx = readwrite(db, &[LEGACY_CHUNKS])?;
    tx.object_store(LEGACY_CHUNKS)
        .map_err(write_failed)?
        .clear()
        .map_err(write_failed)?;
    tx.commit().await.map_err(write_failed)
}
