//! The server's document store: [`DocumentStore`], implemented by [`Store`], SQLite (WAL)
//! in the data directory.
//!
//! Documents are kept as chunks (full or incremental Automerge saves) numbered by `seq`
//! per document; a chunk is on disk (synchronous = FULL) before the call that wrote it
//! returns. Chunks are only appended, except that [`DocumentStore::compact`] replaces a
//! prefix of them with one full save.
//!
//! Two connections: one writes (group commits, compaction, the directory), the other
//! only loads documents, so a load never waits behind a commit's fsync.

use rusqlite::{Connection, params};
use shared::doc::{CadreCode, DocKey, DocKind};
use shared::sync::DocumentId;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod appends;
mod database;
use appends::Appends;
use database::{connect, connect_reader, on_connection};

/// Where the sync hub keeps documents. One writer per document is assumed (the hub), but
/// nothing breaks if another appends meanwhile: compaction only replaces chunks its
/// caller had read.
pub trait DocumentStore: Send + Sync + 'static {
    /// Appends a chunk to a document; durable when this resolves.
    fn append_chunk(
        &self,
        doc_id: &str,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send;

    /// Every chunk of a document, concatenated in order (a valid Automerge byte stream),
    /// or `None` if it has none.
    fn load(&self, doc_id: &str)
    -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;

    /// Replaces the document's chunks up to and including `through_seq` with `full_save`,
    /// in one transaction; chunks after it (appended since the caller read) stay.
    /// `full_save` must hold everything in those chunks.
    fn compact(
        &self,
        doc_id: &str,
        full_save: Vec<u8>,
        through_seq: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records what a new document is (its key), before its first chunk is appended.
    fn index_document(
        &self,
        created: &crate::sync::Created,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A new document's index row and its first chunk, both or neither; durable when this
    /// resolves. A store that can puts both in one transaction (the SQLite store, in the
    /// group commit: no fsync of its own per new document).
    fn append_first_chunk(
        &self,
        created: &crate::sync::Created,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        async move {
            self.index_document(created).await?;
            self.append_chunk(&created.document.to_string(), data).await
        }
    }

    /// After a failed write: make writing work again if it can (reopen what must be
    /// reopened) and prove it with a write; the sync hub calls it with backoff until it
    /// succeeds. A store that needs nothing of the kind answers `Ok` (the default).
    fn recover(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        async { Ok(()) }
    }
}

/// Where an appended chunk went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Its number: one more than the document's last chunk's.
    pub seq: i64,
    /// How many chunks the document has now.
    pub chunks: u64,
}

/// A document as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub bytes: Vec<u8>,
    /// The number of the last chunk in `bytes`.
    pub last_seq: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database was written by a newer dicoso (schema {found}, this one knows {known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("the store's worker stopped: {0}")]
    Worker(String),
    /// A backend's (or a wrapper's) failure that is not SQLite's.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    /// One blocking call at a time waits for the connection (issue 10): the others wait
    /// here, as futures, rather than as threads parked on its lock (thousands of document
    /// actors loading at once had filled tokio's blocking pool: 512 threads).
    turn: Arc<tokio::sync::Semaphore>,
    /// Chunks waiting for the next group commit (issue 10).
    appends: Arc<Appends>,
    /// A second connection, for loading documents: under WAL a reader sees the last
    /// commit without waiting for the writer, so a document loads while a group commit
    /// syncs to disk (issue 10: every new document's first message waited for one).
    reader: Arc<Mutex<Connection>>,
    read_turn: Arc<tokio::sync::Semaphore>,
    pub path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `dicoso.sqlite3` under `data_dir`.
    pub fn open_in(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        Self::open(&data_dir.join("dicoso.sqlite3"))
    }

    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = connect(path)?;
        let reader = connect_reader(path)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            turn: Arc::new(tokio::sync::Semaphore::new(1)),
            appends: Arc::default(),
            reader: Arc::new(Mutex::new(reader)),
            read_turn: Arc::new(tokio::sync::Semaphore::new(1)),
            path: path.to_owned(),
        })
    }

    /// Reopens the database (a connection that met a read-only or vanished file may keep
    /// failing after the file is fixed) and proves it takes a write. Issue 10.
    pub async fn recover(&self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let reopened = path.clone();
        self.read(move |c| {
            *c = connect_reader(&reopened)?;
            Ok(())
        })
        .await?;
        self.with(move |c| {
            *c = connect(&path)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            c.execute(
                "INSERT INTO write_probe (id, at) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                [now],
            )?;
            Ok(())
        })
        .await
    }

    /// Runs `f` on the connection off the async runtime.
    pub(crate) async fn with<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        on_connection(&self.turn, &self.conn, f).await
    }

    /// Runs `f` on the reading connection off the async runtime.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        on_connection(&self.read_turn, &self.reader, f).await
    }

    /// Runs `f` on the connection on this thread: for start-up and the command line, never
    /// from a request handler.
    pub(crate) fn blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Worker("lock poisoned".into()))?;
        f(&mut conn)
    }

    /// A cheap query that proves the database answers.
    pub async fn check(&self) -> Result<(), StoreError> {
        self.with(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM chunks", [], |r| r.get::<_, i64>(0))
                    .map(|_| ())?,
            )
        })
        .await
    }

    /// Appends a chunk to a document; durable when this returns. Chunks appended at the
    /// same time (from many documents) share one transaction: one fsync.
    pub async fn append_chunk(&self, doc_id: &str, data: Vec<u8>) -> Result<Appended, StoreError> {
        appends::append(&self.conn, &self.appends, doc_id, data, None).await
    }

    /// Every chunk of a document, concatenated in order (a valid Automerge byte stream).
    pub async fn load(&self, doc_id: &str) -> Result<Option<Stored>, StoreError> {
        let doc_id = doc_id.to_owned();
        self.read(move |c| {
            let mut stmt =
                c.prepare_cached("SELECT seq, data FROM chunks WHERE doc_id = ?1 ORDER BY seq")?;
            let mut rows = stmt.query([&doc_id])?;
            let mut stored: Option<Stored> = None;
            while let Some(row) = rows.next()? {
                let (seq, data): (i64, Vec<u8>) = (row.get(0)?, row.get(1)?);
                let stored = stored.get_or_insert_with(|| Stored {
                    bytes: Vec::new(),
                    last_seq: seq,
                });
                stored.bytes.extend_from_slice(&data);
                stored.last_seq = seq;
            }
            Ok(stored)
        })
        .await
    }

    /// Replaces chunks `..= through_seq` with `full_save` in one transaction. The full
    /// save takes the number `through_seq`, so later chunks keep following it.
    pub async fn compact(
        &self,
        doc_id: &str,
        full_save: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError> {
        let doc_id = doc_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "DELETE FROM chunks WHERE doc_id = ?1 AND seq <= ?2",
                params![doc_id, through_seq],
            )?;
            tx.execute(
                "INSERT INTO chunks (doc_id, seq, data) VALUES (?1, ?2, ?3)",
                params![doc_id, through_seq, full_save],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Records a new document's key (idempotent).
    pub async fn index_document(&self, created: &crate::sync::Created) -> Result<(), StoreError> {
        let c = created.clone();
        self.with(move |conn| insert_index(conn, &c)).await
    }

    /// A new document's index row and first chunk, in the next group commit.
    pub async fn append_first_chunk(
        &self,
        created: &crate::sync::Created,
        data: Vec<u8>,
    ) -> Result<Appended, StoreError> {
        let doc_id = created.document.to_string();
        appends::append(
            &self.conn,
            &self.appends,
            &doc_id,
            data,
            Some(created.clone()),
        )
        .await
    }

    /// Every indexed document: id → key, for the sync rules.
    pub async fn load_index(&self) -> Result<Vec<(DocumentId, DocKey)>, StoreError> {
        self.with(|conn| {
            let mut stmt =
                conn.prepare("SELECT doc_id, kind, province, scope, cadre, year FROM documents")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i32>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, province, scope, cadre, year) = row?;
                // A row this version cannot read is skipped: its document stays unknown
                // (nobody reads it) rather than mistaken for another.
                let (Ok(id), Some(kind), Ok(cadre)) = (
                    id.parse::<DocumentId>(),
                    DocKind::parse(&kind),
                    CadreCode::parse(&cadre),
                ) else {
                    continue;
                };
                if let Ok(key) = DocKey::party(kind, &province, &scope, cadre, year) {
                    out.push((id, key));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Documents with chunks but no index row (stored before the index existed).
    pub async fn unindexed_documents(&self) -> Result<Vec<String>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT doc_id FROM chunks
                 WHERE doc_id NOT IN (SELECT doc_id FROM documents)",
            )?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ids)
        })
        .await
    }

    /// How many chunks a document has (diagnostics, tests).
    pub async fn chunk_count(&self, doc_id: &str) -> Result<u64, StoreError> {
        let doc_id = doc_id.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM chunks WHERE doc_id = ?1",
                [&doc_id],
                |r| r.get(0),
            )?)
        })
        .await
    }
}

impl DocumentStore for Store {
    fn append_chunk(
        &self,
        doc_id: &str,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        Store::append_chunk(self, doc_id, data)
    }

    fn load(
        &self,
        doc_id: &str,
    ) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send {
        Store::load(self, doc_id)
    }

    fn compact(
        &self,
        doc_id: &str,
        full_save: Vec<u8>,
        through_seq: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::compact(self, doc_id, full_save, through_seq)
    }

    fn index_document(
        &self,
        created: &crate::sync::Created,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::index_document(self, created)
    }

    fn append_first_chunk(
        &self,
        created: &crate::sync::Created,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        Store::append_first_chunk(self, created, data)
    }

    fn recover(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::recover(self)
    }
}

/// The index row of a new document (what it is, who made it); kept if already there.
fn insert_index(conn: &Connection, c: &crate::sync::Created) -> Result<(), StoreError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let province = if c.key.province.is_empty() {
        &c.province
    } else {
        &c.key.province
    };
    conn.prepare_cached(
        "INSERT OR IGNORE INTO documents
           (doc_id, kind, province, scope, cadre, year, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        c.document.to_string(),
        c.key.kind.as_str(),
        province,
        c.key.scope,
        c.key.cadre.as_str(),
        c.key.year,
        now,
        c.device_id,
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ReadDoc};

    #[tokio::test]
    async fn chunks_append_in_order_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_in(&dir.path().join("nested/data")).expect("open");
        store.check().await.expect("check");
        assert_eq!(store.load("doc").await.expect("load"), None);
        store
            .append_chunk("doc", b"abc".to_vec())
            .await
            .expect("append");
        store
            .append_chunk("doc", b"def".to_vec())
            .await
            .expect("append");
        store
            .append_chunk("other", b"x".to_vec())
            .await
            .expect("append");
        drop(store);
        let store = Store::open_in(&dir.path().join("nested/data")).expect("reopen");
        assert_eq!(
            store.load("doc").await.expect("load"),
            Some(Stored {
                bytes: b"abcdef".to_vec(),
                last_seq: 1
            })
        );
        assert_eq!(
            store
                .append_chunk("doc", b"g".to_vec())
                .await
                .expect("append"),
            Appended { seq: 2, chunks: 3 }
        );
    }

    /// Issue 10: a document loads while the writer is busy (a group commit syncing to
    /// disk holds the writing connection), and it sees every chunk committed before.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_load_does_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_in(dir.path()).expect("open");
        store
            .append_chunk("doc", b"abc".to_vec())
            .await
            .expect("append");
        // Another thread holds the writing connection until told to let go.
        let writer = store.conn.clone();
        let (held, release) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
        let holder = std::thread::spawn(move || {
            let _busy = writer.lock();
            let _ = held.0.send(());
            let _ = release.1.recv();
        });
        held.1.recv().expect("the writing connection held");
        let loaded = tokio::time::timeout(std::time::Duration::from_secs(30), store.load("doc"))
            .await
            .expect("the load waited for the writer")
            .expect("load");
        let _ = release.0.send(());
        holder.join().expect("the holder");
        assert_eq!(
            loaded,
            Some(Stored {
                bytes: b"abc".to_vec(),
                last_seq: 0
            })
        );
        // The reading connection writes nothing.
        let refused = store
            .read(|c| Ok(c.execute("DELETE FROM chunks", [])?))
            .await;
        assert!(refused.is_err(), "{refused:?}");
    }

    fn text(doc: &AutoCommit, key: &str) -> Option<String> {
        doc.get(ROOT, key)
            .ok()
            .flatten()
            .and_then(|(v, _)| v.into_scalar().ok())
            .and_then(|s| s.into_string().ok())
    }

    #[tokio::test]
    async fn compaction_keeps_the_content_and_chunks_written_after_the_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_in(dir.path()).expect("open");
        let mut doc = AutoCommit::new();
        for i in 0..5 {
            let before = doc.get_heads();
            doc.put(ROOT, format!("k{i}"), i).expect("put");
            let chunk = doc.save_after(&before);
            store.append_chunk("doc", chunk).await.expect("append");
        }
        let read = store.load("doc").await.expect("load").expect("stored");
        let mut compacted = AutoCommit::load(&read.bytes).expect("chunks load");
        // Another writer appends between our read and our compaction: it must survive.
        let before = doc.get_heads();
        doc.put(ROOT, "late", "vẫn còn").expect("put");
        let late = doc.save_after(&before);
        let appended = store.append_chunk("doc", late).await.expect("append");
        assert_eq!(appended, Appended { seq: 5, chunks: 6 });

        store
            .compact("doc", compacted.save(), read.last_seq)
            .await
            .expect("compact");
        assert_eq!(store.chunk_count("doc").await.expect("count"), 2);
        let after = store.load("doc").await.expect("load").expect("stored");
        assert_eq!(after.last_seq, 5);
        let mut loaded = AutoCommit::load(&after.bytes).expect("compacted chunks load");
        for i in 0..5 {
            assert_eq!(
                loaded
                    .get(ROOT, format!("k{i}"))
                    .expect("get")
                    .map(|(v, _)| v.as_i64()),
                Some(Some(i))
            );
        }
        assert_eq!(text(&loaded, "late").as_deref(), Some("vẫn còn"));
        assert_eq!(loaded.get_heads(), doc.get_heads());
        // Appending goes on after the last chunk.
        let next = store.append_chunk("doc", Vec::new()).await.expect("append");
        assert_eq!(next, Appended { seq: 6, chunks: 3 });
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite3");
        {
            let conn = Connection::open(&path).expect("open");
            conn.pragma_update(None, "user_version", 99)
                .expect("pragma");
        }
        let err = Store::open(&path).err().expect("must refuse");
        assert!(
            matches!(err, StoreError::NewerSchema { found: 99, .. }),
            "{err}"
        );
        let conn = Connection::open(&path).expect("open");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("v");
        assert_eq!(v, 99);
    }
}
