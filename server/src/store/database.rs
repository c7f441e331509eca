//! The database file: its migrations, and how the store's connections open and use it.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::StoreError;

/// Schema migrations, applied in order; `PRAGMA user_version` counts the ones done.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE chunks (
        doc_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (doc_id, seq)
    ) STRICT;",
    // Issue 8: the directory, accounts and devices.
    include_str!("../directory/schema.sql"),
    // The index of documents (issue 8): what each id is, so rights can be decided
    // without loading it. `province` is the creator's for a dossier (its key names none).
    "CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        province TEXT NOT NULL,
        scope TEXT NOT NULL,
        cadre TEXT NOT NULL,
        year INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
    ) STRICT;
    CREATE INDEX documents_by_cadre ON documents (cadre, year);",
    // Issue 10: one row the sync hub rewrites to prove the store takes writes again.
    "CREATE TABLE write_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
    ) STRICT;",
];

/// Runs `f` on `conn` on a blocking thread, once `turn` lets it ([`Store::turn`]).
pub(super) async fn on_connection<T, F>(
    turn: &Arc<tokio::sync::Semaphore>,
    conn: &Arc<Mutex<Connection>>,
    f: F,
) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
{
    let turn = turn
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?;
    let conn = conn.clone();
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let mut conn = conn
            .lock()
            .map_err(|_| StoreError::Worker("lock poisoned".into()))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Worker(e.to_string()))?
}

/// Opens the database in WAL mode, synchronous = FULL, migrated.
pub(super) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Opens the reading connection of a database [`connect`] opened (and migrated): it may
/// not write.
pub(super) fn connect_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
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
