//! The server's document store: SQLite (WAL) in the data directory.
//!
//! Documents are kept as append-only chunks (full or incremental Automerge saves); a
//! chunk is on disk (synchronous = FULL) before the call that wrote it returns.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
}

/// Schema migrations, applied in order; `PRAGMA user_version` counts the ones done.
const MIGRATIONS: &[&str] = &["CREATE TABLE chunks (
        doc_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (doc_id, seq)
    ) STRICT;"];

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
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
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
        })
    }

    /// Runs `f` on the connection off the async runtime.
    async fn with<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| StoreError::Worker("lock poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
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

    /// Appends a chunk to a document; durable when this returns.
    pub async fn append_chunk(&self, doc_id: &str, data: Vec<u8>) -> Result<(), StoreError> {
        let doc_id = doc_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction()?;
            let next: i64 = tx
                .query_row(
                    "SELECT max(seq) FROM chunks WHERE doc_id = ?1",
                    [&doc_id],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten()
                .map_or(0, |s| s + 1);
            tx.execute(
                "INSERT INTO chunks (doc_id, seq, data) VALUES (?1, ?2, ?3)",
                params![doc_id, next, data],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Every chunk of a document, concatenated in order (a valid Automerge byte stream).
    pub async fn load(&self, doc_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let doc_id = doc_id.to_owned();
        self.with(move |c| {
            let mut stmt =
                c.prepare_cached("SELECT data FROM chunks WHERE doc_id = ?1 ORDER BY seq")?;
            let mut rows = stmt.query([&doc_id])?;
            let mut bytes = Vec::new();
            let mut any = false;
            while let Some(row) = rows.next()? {
                any = true;
                bytes.extend_from_slice(&row.get::<_, Vec<u8>>(0)?);
            }
            Ok(any.then_some(bytes))
        })
        .await
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if done > known {
        return Err(StoreError::NewerSchema { found: done, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Some(b"abcdef".to_vec())
        );
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
