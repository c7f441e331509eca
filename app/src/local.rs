//! The browser's own store: the cadre's dossiers as Automerge documents in IndexedDB.
//!
//! On the server this module holds only the signals' initial state; every load and write
//! happens in the browser after hydration, so the server's HTML never carries user data.

use crate::sync::SyncStatus;
use leptos::prelude::*;
use shared::doc::{CadreCode, TripRecord};
use shared::form::TripForm;

/// A value that is read from the local store after hydration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded<T> {
    /// Before hydration (and on the server): nothing read yet.
    Loading,
    Ready(T),
    /// The store could not be read; the message is for the user.
    Failed(String),
}

/// The trips of the cadre's dossiers on this device, newest first, and the entries this
/// version cannot read (kept, not shown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripList {
    pub trips: Vec<TripRecord>,
    pub unreadable: Vec<String>,
}

/// The local store's state, shared through context by every page.
#[derive(Debug, Clone, Copy)]
pub struct LocalStore {
    pub trips: RwSignal<Loaded<TripList>>,
    /// The cadre this device records for: the active profile's person (`None` until
    /// someone enrols on this device).
    pub cadre: RwSignal<Loaded<Option<CadreCode>>>,
    /// True once the WebAssembly has hydrated the page: forms work from then on.
    pub hydrated: RwSignal<bool>,
    pub sync: SyncStatus,
}

pub fn provide_local_store() {
    #[cfg(feature = "hydrate")]
    let account = crate::account::use_account();
    let store = LocalStore {
        trips: RwSignal::new(Loaded::Loading),
        cadre: RwSignal::new(Loaded::Loading),
        hydrated: RwSignal::new(false),
        sync: SyncStatus::new(),
    };
    provide_context(store);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        store.hydrated.set(true);
        // Separate tasks: the answer on persistence must never hold up reading the data.
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(browser::ask_for_persistent_storage());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            // The cadre is the active profile's person; their database is the store's.
            let cadre = match crate::account::browser::open_active(account).await {
                Ok(cadre) => cadre,
                Err(message) => {
                    store.cadre.set(Loaded::Failed(message.clone()));
                    store.trips.set(Loaded::Failed(message));
                    return;
                }
            };
            store.cadre.set(Loaded::Ready(cadre.clone()));
            store.refresh_trips().await;
            crate::sync::browser::start(store, cadre);
        });
    });
}

pub fn use_local_store() -> LocalStore {
    expect_context::<LocalStore>()
}

/// Shown when the app is used before hydration finished.
#[cfg(not(feature = "hydrate"))]
const NOT_READY: &str = "Trang chưa tải xong, hãy thử lại.";

impl LocalStore {
    /// The cadre code, once set on this device.
    pub fn cadre_code(self) -> Option<CadreCode> {
        match self.cadre.get_untracked() {
            Loaded::Ready(code) => code,
            _ => None,
        }
    }

    /// Validates and stores a trip; returns once it is written to IndexedDB.
    pub async fn add_trip(self, input: TripForm) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        {
            let cadre = self
                .cadre_code()
                .ok_or("Chưa đăng nhập trên máy này: đăng nhập (khi có mạng) trước khi ghi.")?;
            let document = browser::add_trip(&cadre, input).await?;
            self.refresh_trips().await;
            crate::sync::browser::local_change(document);
            Ok(())
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = input;
            Err(NOT_READY.to_owned())
        }
    }

    /// Re-reads the trips of the cadre's documents (after a local or a synced change).
    pub async fn refresh_trips(self) {
        #[cfg(feature = "hydrate")]
        {
            let loaded = match browser::load_trips(self.cadre_code().as_ref()).await {
                Ok(list) => Loaded::Ready(list),
                Err(message) => Loaded::Failed(message),
            };
            self.trips.set(loaded);
        }
    }
}

#[cfg(feature = "hydrate")]
pub mod browser {
    //! IndexedDB layout (one database per profile, version 2: `dicoso-<CODE>`, or
    //! `dicoso` for a device set up before accounts; see `crate::account`):
    //! - `doc_chunks` (since v2): auto-increment keys, each value `{doc, bytes}` where `doc`
    //!   is an automerge document id (`automerge:` URL without the prefix) and `bytes` a
    //!   `Uint8Array` holding a full or incremental save; index `by_doc` on `doc`. Writes
    //!   only ever append, so two tabs (or a crash mid-write) cannot overwrite each other's
    //!   changes; loading concatenates a document's chunks in key order and
    //!   [`compact`] folds them into one, in a single transaction.
    //! - `chunks` (v1): the one dossier kept before documents were per cadre and year.
    //!   Emptied once its trips are copied into the cadre's documents ([`save_cadre_in`]).
    //! - `meta`: `actor` (this profile's Automerge actor id, registered at enrolment),
    //!   `cadre` (the cadre code, in a database set up before accounts),
    //!   `server-heads:<doc>` (the heads the server last confirmed), `last-sync` (ms),
    //!   `directory` and `directory-etag` (the province's directory snapshot).

    use super::TripList;
    use automerge::{ActorId, ChangeHash};
    use chrono::Datelike;
    use indexed_db_futures::database::Database;
    use indexed_db_futures::object_store::ObjectStore;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::{Transaction, TransactionMode};
    use indexed_db_futures::{KeyPath, KeyRange};
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use shared::doc::{CadreCode, DossierDoc, DossierKey};
    use shared::form::TripForm;
    use shared::sync::DocumentId;
    use std::collections::BTreeMap;
    use wasm_bindgen::{JsCast, JsValue};

    const DB_VERSION: u8 = 2;
    const LEGACY_CHUNKS: &str = "chunks";
    const DOC_CHUNKS: &str = "doc_chunks";
    const BY_DOC: &str = "by_doc";
    const META: &str = "meta";
    /// Fold a document's chunks into one full save past this many.
    const COMPACT_AFTER: usize = 32;

    fn fail(what: &str) -> impl Fn(indexed_db_futures::error::Error) -> String + '_ {
        move |e| format!("Không {what} được dữ liệu trên máy ({e}).")
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

    pub async fn open_db(name: &str) -> Result<Database, String> {
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
            .map_err(|e| format!("Không mở được kho dữ liệu trên máy ({e})."))
    }

    thread_local! {
        static DB: std::cell::RefCell<Option<Database>> = const { std::cell::RefCell::new(None) };
    }

    /// The page's one connection to the active profile's database, opened on first use.
    pub async fn db() -> Result<Database, String> {
        if let Some(db) = DB.with(|slot| slot.borrow().clone()) {
            return Ok(db);
        }
        let name = crate::account::browser::database_name()
            .ok_or("Chưa đăng nhập trên máy này: chưa có dữ liệu để mở.")?;
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
    fn readwrite<'a>(db: &'a Database, stores: &'a [&'a str]) -> Result<Transaction<'a>, String> {
        db.transaction(stores)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail("ghi"))
    }

    pub async fn meta_get(db: &Database, key: &str) -> Result<Option<JsValue>, String> {
        let tx = db.transaction(META).build().map_err(fail("đọc"))?;
        let meta = tx.object_store(META).map_err(fail("đọc"))?;
        meta.get(key)
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))
    }

    pub async fn meta_put(db: &Database, key: &str, value: JsValue) -> Result<(), String> {
        let tx = readwrite(db, &[META])?;
        let meta = tx.object_store(META).map_err(fail("ghi"))?;
        meta.put(value)
            .with_key(key)
            .primitive()
            .map_err(fail("ghi"))?
            .await
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))
    }

    thread_local! {
        static ACTOR: std::cell::RefCell<Option<ActorId>> = const { std::cell::RefCell::new(None) };
    }

    /// This device's actor in the page's database, read once per page.
    async fn device_actor(db: &Database) -> Result<ActorId, String> {
        if let Some(actor) = ACTOR.with(|slot| slot.borrow().clone()) {
            return Ok(actor);
        }
        let actor = actor(db).await?;
        ACTOR.with(|slot| *slot.borrow_mut() = Some(actor.clone()));
        Ok(actor)
    }

    /// The actor stored in `db`, created on first use.
    pub async fn actor(db: &Database) -> Result<ActorId, String> {
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
    ) -> Result<(), String> {
        let array: Array = heads
            .iter()
            .map(|h| JsValue::from_str(&h.to_string()))
            .collect();
        meta_put(db, &format!("server-heads:{document}"), array.into()).await
    }

    pub async fn last_sync(db: &Database) -> Option<f64> {
        meta_get(db, "last-sync").await.ok()??.as_f64()
    }

    fn chunk_record(document: &str, chunk: &[u8]) -> Result<JsValue, String> {
        let record = Object::new();
        let bad = |_| "Không tạo được bản ghi dữ liệu.".to_owned();
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
    ) -> Result<(Vec<u8>, usize, Vec<JsValue>), String> {
        let index = store.index(BY_DOC).map_err(fail("đọc"))?;
        let only = || KeyRange::Only(JsValue::from_str(document));
        let records = index
            .get_all::<JsValue>()
            .with_query::<JsValue, _>(only())
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))?;
        let keys = index
            .get_all_keys::<JsValue>()
            .with_query::<JsValue, _>(only())
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))?;
        let mut bytes = Vec::new();
        let mut count = 0;
        for record in records {
            if let Some((_, chunk)) = record_parts(&record.map_err(fail("đọc"))?) {
                bytes.extend(chunk);
                count += 1;
            }
        }
        let keys = keys
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail("đọc"))?;
        Ok((bytes, count, keys))
    }

    /// Every chunk of `document`, concatenated, and how many there are.
    pub async fn read_doc(db: &Database, document: &str) -> Result<(Vec<u8>, usize), String> {
        let tx = db.transaction(DOC_CHUNKS).build().map_err(fail("đọc"))?;
        let store = tx.object_store(DOC_CHUNKS).map_err(fail("đọc"))?;
        let (bytes, count, _) = doc_chunks_in(&store, document).await?;
        Ok((bytes, count))
    }

    /// Every document on this device: id → its chunks concatenated, and how many there are.
    pub async fn read_all_docs(
        db: &Database,
    ) -> Result<BTreeMap<String, (Vec<u8>, usize)>, String> {
        let tx = db.transaction(DOC_CHUNKS).build().map_err(fail("đọc"))?;
        let store = tx.object_store(DOC_CHUNKS).map_err(fail("đọc"))?;
        let records = store
            .get_all::<JsValue>()
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))?;
        let mut docs: BTreeMap<String, (Vec<u8>, usize)> = BTreeMap::new();
        for record in records {
            if let Some((doc, chunk)) = record_parts(&record.map_err(fail("đọc"))?) {
                let (bytes, count) = docs.entry(doc).or_default();
                bytes.extend(chunk);
                *count += 1;
            }
        }
        Ok(docs)
    }

    /// Appends one chunk to a document; returns after the transaction has committed.
    pub async fn append_chunk(db: &Database, document: &str, chunk: &[u8]) -> Result<(), String> {
        let tx = readwrite(db, &[DOC_CHUNKS])?;
        let store = tx.object_store(DOC_CHUNKS).map_err(fail("ghi"))?;
        store
            .add(chunk_record(document, chunk)?)
            .primitive()
            .map_err(fail("ghi"))?
            .await
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))
    }

    /// Replaces a document's chunks with one full save, reading and writing in one
    /// transaction so a chunk appended meanwhile by another tab is never dropped.
    pub async fn compact(db: &Database, document: &str) -> Result<(), String> {
        let tx = readwrite(db, &[DOC_CHUNKS])?;
        let store = tx.object_store(DOC_CHUNKS).map_err(fail("ghi"))?;
        let (bytes, _, keys) = doc_chunks_in(&store, document).await?;
        let mut doc = automerge::AutoCommit::load(&bytes).map_err(|e| {
            format!("Dữ liệu trên máy không đọc được ({e}); giữ nguyên, không gộp.")
        })?;
        for key in keys {
            store.delete(key).primitive().map_err(fail("ghi"))?;
        }
        store
            .add(chunk_record(document, &doc.save())?)
            .primitive()
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))
    }

    /// Opens one of the cadre's dossiers, creating it (with its deterministic first
    /// change) when this device has none yet.
    async fn open_dossier(
        db: &Database,
        key: &DossierKey,
        actor: ActorId,
    ) -> Result<DossierDoc, String> {
        let id = key.document_id().to_string();
        let (bytes, chunks) = read_doc(db, &id).await?;
        if chunks == 0 {
            let mut doc = DossierDoc::new(key, actor);
            append_chunk(db, &id, &doc.save()).await?;
            return Ok(doc);
        }
        let doc = DossierDoc::load(&bytes, actor).map_err(|e| e.to_string())?;
        if chunks > COMPACT_AFTER {
            compact(db, &id).await?;
        }
        Ok(doc)
    }

    /// The trips of every dossier of `cadre` on this device, newest first.
    pub async fn load_trips(cadre: Option<&CadreCode>) -> Result<TripList, String> {
        let mut list = TripList::default();
        let Some(cadre) = cadre else {
            // Nobody enrolled: no database to open.
            return Ok(list);
        };
        let db = db().await?;
        let actor = device_actor(&db).await?;
        for (id, (bytes, chunks)) in read_all_docs(&db).await? {
            let Ok(doc) = DossierDoc::load(&bytes, actor.clone()) else {
                // Not a dossier this version reads (or not one at all): kept, not shown.
                list.unreadable.push(id);
                continue;
            };
            // Chunks that arrived by sync pile up too; a failed compaction changes nothing.
            if chunks > COMPACT_AFTER {
                let _ = compact(&db, &id).await;
            }
            if doc.key().is_some_and(|k| &k.cadre == cadre) {
                let year = doc.read().map_err(|e| e.to_string())?;
                list.trips.extend(year.trips);
                list.unreadable.extend(year.unreadable);
            }
        }
        list.trips
            .sort_by(|a, b| (b.trip.start, b.created_at).cmp(&(a.trip.start, a.created_at)));
        Ok(list)
    }

    /// Stores a trip in the dossier of the year it starts in; returns that document.
    pub async fn add_trip(cadre: &CadreCode, input: TripForm) -> Result<DocumentId, String> {
        let policy = crate::policy_view::policy().ok_or("Chưa có quy định để áp dụng.")?;
        let id = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .ok_or("Trình duyệt không tạo được mã chuyến đi.")?;
        let today = crate::policy_view::today();
        let start = shared::form::parse_day(&input.start);
        let year = start.map_or(today.year(), |s| s.year());
        let key = DossierKey {
            cadre: cadre.clone(),
            year,
        };
        let db = db().await?;
        let actor = device_actor(&db).await?;
        // Re-read before writing: another tab may have added trips since this one loaded.
        let mut doc = open_dossier(&db, &key, actor).await?;
        let others = doc.read().map_err(|e| e.to_string())?.trips;
        let (checked, record) = shared::form::check_trip(&input, policy, &others, None, &id, today);
        let Some(record) = record else {
            let all: Vec<String> = checked.problems.into_iter().map(|p| p.message).collect();
            return Err(all.join(" "));
        };
        let now = js_sys::Date::now() as i64;
        doc.put_trip(&record, now).map_err(|e| e.to_string())?;
        let document = key.document_id();
        append_chunk(&db, &document.to_string(), &doc.save_incremental()).await?;
        Ok(document)
    }

    /// Moves the trips of the version-1 dossier (kept before documents were per cadre and
    /// year) into the cadre's documents and empties it, then remembers the cadre code:
    /// when the cadre enrols on a device set up before accounts.
    pub async fn save_cadre_in(db: &Database, cadre: &CadreCode) -> Result<(), String> {
        let actor = actor(db).await?;
        let tx = db.transaction(LEGACY_CHUNKS).build().map_err(fail("đọc"))?;
        let legacy = tx.object_store(LEGACY_CHUNKS).map_err(fail("đọc"))?;
        let all = legacy
            .get_all::<JsValue>()
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))?;
        let mut bytes = Vec::new();
        for value in all {
            bytes.extend(Uint8Array::from(value.map_err(fail("đọc"))?).to_vec());
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
    ) -> Result<(), String> {
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
            doc.put_trip(&trip, trip.created_at)
                .map_err(|e| e.to_string())?;
            let id = key.document_id().to_string();
            append_chunk(db, &id, &doc.save_incremental()).await?;
        }
        // Only once every trip is in its new home.
        let tx = readwrite(db, &[LEGACY_CHUNKS])?;
        tx.object_store(LEGACY_CHUNKS)
            .map_err(fail("ghi"))?
            .clear()
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))
    }
}
