//! The browser's own store: the cadre's dossier as an Automerge document in IndexedDB.
//!
//! On the server this module holds only the signals' initial state; every load and write
//! happens in the browser after hydration, so the server's HTML never carries user data.

use leptos::prelude::*;
use shared::doc::{TripInput, TripList};

/// A value that is read from the local store after hydration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded<T> {
    /// Before hydration (and on the server): nothing read yet.
    Loading,
    Ready(T),
    /// The store could not be read; the message is for the user.
    Failed(String),
}

/// The local store's state, shared through context by every page.
#[derive(Debug, Clone, Copy)]
pub struct LocalStore {
    pub trips: RwSignal<Loaded<TripList>>,
    /// True once the WebAssembly has hydrated the page: forms work from then on.
    pub hydrated: RwSignal<bool>,
}

pub fn provide_local_store() {
    let store = LocalStore {
        trips: RwSignal::new(Loaded::Loading),
        hydrated: RwSignal::new(false),
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
            let loaded = match browser::load_trips().await {
                Ok(list) => Loaded::Ready(list),
                Err(message) => Loaded::Failed(message),
            };
            store.trips.set(loaded);
        });
    });
}

pub fn use_local_store() -> LocalStore {
    expect_context::<LocalStore>()
}

impl LocalStore {
    /// Validates and stores a trip; returns once it is written to IndexedDB.
    pub async fn add_trip(self, input: TripInput) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        {
            let list = browser::add_trip(input).await?;
            self.trips.set(Loaded::Ready(list));
            Ok(())
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = input;
            Err("Trang chưa tải xong, hãy thử lại.".to_owned())
        }
    }
}

#[cfg(feature = "hydrate")]
pub mod browser {
    //! IndexedDB layout (database `dicoso`, version 1):
    //! - `chunks`: auto-increment keys, each value a `Uint8Array` holding a full or an
    //!   incremental save of the dossier document. Writes only ever append, so two tabs
    //!   (or a crash mid-write) cannot overwrite each other's changes; loading concatenates
    //!   the chunks and [`compact`] folds them into one, in a single transaction.
    //! - `meta`: this device's Automerge actor id under the key `actor`.

    use automerge::ActorId;
    use indexed_db_futures::database::Database;
    use indexed_db_futures::object_store::ObjectStore;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::{Transaction, TransactionMode};
    use js_sys::Uint8Array;
    use shared::doc::{DossierDoc, TripInput, TripList};
    use wasm_bindgen::{JsCast, JsValue};

    const DB_NAME: &str = "dicoso";
    const CHUNKS: &str = "chunks";
    const META: &str = "meta";
    /// Fold the chunks into one full save past this many.
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
            .with_version(1u8)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(CHUNKS)
                        .with_auto_increment(true)
                        .build()?;
                    db.create_object_store(META).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| format!("Không mở được kho dữ liệu trên máy ({e})."))
    }

    /// A read-write transaction on one object store.
    fn readwrite<'a>(db: &'a Database, store: &'a str) -> Result<Transaction<'a>, String> {
        db.transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail("ghi"))
    }

    async fn actor(db: &Database) -> Result<ActorId, String> {
        let tx = readwrite(db, META)?;
        let meta = tx.object_store(META).map_err(fail("mở"))?;
        let stored: Option<JsValue> = meta
            .get("actor")
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))?;
        if let Some(bytes) = stored.filter(|v| v.is_instance_of::<Uint8Array>()) {
            return Ok(ActorId::from(Uint8Array::from(bytes).to_vec()));
        }
        let actor = ActorId::random();
        meta.put(JsValue::from(Uint8Array::from(actor.to_bytes())))
            .with_key("actor")
            .primitive()
            .map_err(fail("ghi"))?
            .await
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))?;
        Ok(actor)
    }

    /// Every chunk of `store`, concatenated (a valid Automerge byte stream), and their count.
    async fn concat_chunks(store: &ObjectStore<'_>) -> Result<(Vec<u8>, usize), String> {
        let all = store
            .get_all::<JsValue>()
            .primitive()
            .map_err(fail("đọc"))?
            .await
            .map_err(fail("đọc"))?;
        let mut bytes = Vec::new();
        let mut count = 0;
        for value in all {
            bytes.extend(Uint8Array::from(value.map_err(fail("đọc"))?).to_vec());
            count += 1;
        }
        Ok((bytes, count))
    }

    /// Every chunk, concatenated, and how many there are.
    pub async fn read_chunks(db: &Database) -> Result<(Vec<u8>, usize), String> {
        let tx = db.transaction(CHUNKS).build().map_err(fail("đọc"))?;
        let store = tx.object_store(CHUNKS).map_err(fail("đọc"))?;
        concat_chunks(&store).await
    }

    /// Appends one chunk; returns after the transaction has committed.
    pub async fn append_chunk(db: &Database, chunk: &[u8]) -> Result<(), String> {
        let tx = readwrite(db, CHUNKS)?;
        let store = tx.object_store(CHUNKS).map_err(fail("ghi"))?;
        store
            .add(JsValue::from(Uint8Array::from(chunk)))
            .primitive()
            .map_err(fail("ghi"))?
            .await
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))
    }

    /// Replaces all chunks with one full save, reading and writing in one transaction so a
    /// chunk appended meanwhile by another tab is never dropped.
    pub async fn compact(db: &Database, actor: ActorId) -> Result<(), String> {
        let tx = readwrite(db, CHUNKS)?;
        let store = tx.object_store(CHUNKS).map_err(fail("ghi"))?;
        let (bytes, _) = concat_chunks(&store).await?;
        let mut doc = DossierDoc::load(&bytes, actor).map_err(|e| e.to_string())?;
        store.clear().map_err(fail("ghi"))?;
        store
            .add(JsValue::from(Uint8Array::from(&doc.save()[..])))
            .primitive()
            .map_err(fail("ghi"))?;
        tx.commit().await.map_err(fail("ghi"))
    }

    /// Opens the database and the dossier, creating both on first use.
    async fn open_dossier() -> Result<(Database, DossierDoc), String> {
        let db = open_db(DB_NAME).await?;
        let actor = actor(&db).await?;
        let (bytes, chunks) = read_chunks(&db).await?;
        if chunks == 0 {
            let mut doc = DossierDoc::new(actor);
            append_chunk(&db, &doc.save()).await?;
            return Ok((db, doc));
        }
        let doc = DossierDoc::load(&bytes, actor.clone()).map_err(|e| e.to_string())?;
        if chunks > COMPACT_AFTER {
            compact(&db, actor).await?;
        }
        Ok((db, doc))
    }

    pub async fn load_trips() -> Result<TripList, String> {
        let (_db, doc) = open_dossier().await?;
        doc.trips().map_err(|e| e.to_string())
    }

    pub async fn add_trip(input: TripInput) -> Result<TripList, String> {
        let types = crate::policy_view::content_type_codes();
        let (start, end) = input.validate(&types).map_err(|e| e.to_string())?;
        // Re-read before writing: another tab may have added trips since this one loaded.
        let (db, mut doc) = open_dossier().await?;
        let id = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .ok_or("Trình duyệt không tạo được mã chuyến đi.")?;
        let now = js_sys::Date::now() as i64;
        doc.add_trip(&id, start, end, &input.host_unit, &input.content_type, now)
            .map_err(|e| e.to_string())?;
        append_chunk(&db, &doc.save_incremental()).await?;
        doc.trips().map_err(|e| e.to_string())
    }
}
