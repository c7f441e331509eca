//! Group commit (issue 10): chunks appended while a commit is under way wait, and go
//! together in the next transaction, so many documents' chunks cost one fsync.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, params};

use super::{Appended, StoreError};

/// Group commit: chunks appended while a commit is under way wait, and go together in the
/// next transaction, so many documents' chunks cost one fsync. Each caller is answered
/// only once the transaction holding its chunk committed (or failed: then every chunk in
/// it is refused, none kept).
#[derive(Default)]
pub(super) struct Appends {
    queue: Mutex<Vec<Append>>,
    /// A blocking task is committing batches.
    flushing: std::sync::atomic::AtomicBool,
}

struct Append {
    doc_id: String,
    data: Vec<u8>,
    /// A new document's index row, written in the same transaction as its first chunk.
    index: Option<crate::sync::Created>,
    done: tokio::sync::oneshot::Sender<Result<Appended, StoreError>>,
}

/// Commits what waits in `appends`, batch after batch, until nothing does.
fn flush_appends(conn: &Mutex<Connection>, appends: &Appends) {
    use std::sync::atomic::Ordering;
    loop {
        let batch = appends
            .queue
            .lock()
            .map(|mut q| std::mem::take(&mut *q))
            .unwrap_or_default();
        if batch.is_empty() {
            appends.flushing.store(false, Ordering::SeqCst);
            // A chunk queued between the take and the store above found `flushing` set
            // and left it to us: take it, unless another flusher started meanwhile.
            let waiting = appends.queue.lock().is_ok_and(|q| !q.is_empty());
            if waiting
                && appends
                    .flushing
                    .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            {
                continue;
            }
            return;
        }
        let outcome = match conn.lock() {
            Ok(mut c) => append_batch(&mut c, &batch),
            Err(_) => Err(StoreError::Worker("lock poisoned".into())),
        };
        match outcome {
            Ok(appended) => {
                for (append, appended) in batch.into_iter().zip(appended) {
                    let _ = append.done.send(Ok(appended));
                }
            }
            Err(error) => {
                let error = error.to_string();
                for append in batch {
                    let _ = append
                        .done
                        .send(Err(StoreError::Unavailable(error.clone())));
                }
            }
        }
    }
}

/// One transaction for the whole batch.
fn append_batch(c: &mut Connection, batch: &[Append]) -> Result<Vec<Appended>, StoreError> {
    let tx = c.transaction()?;
    let mut appended = Vec::with_capacity(batch.len());
    {
        let mut last =
            tx.prepare_cached("SELECT max(seq), count(*) FROM chunks WHERE doc_id = ?1")?;
        let mut insert =
            tx.prepare_cached("INSERT INTO chunks (doc_id, seq, data) VALUES (?1, ?2, ?3)")?;
        for append in batch {
            if let Some(created) = &append.index {
                super::insert_index(&tx, created)?;
            }
            let (max, count): (Option<i64>, u64) =
                last.query_row([&append.doc_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let seq = max.map_or(0, |s| s + 1);
            insert.execute(params![append.doc_id, seq, append.data])?;
            appended.push(Appended {
                seq,
                chunks: count + 1,
            });
        }
    }
    tx.commit()?;
    Ok(appended)
}

/// Queues a chunk for the next group commit (starting a flusher if none runs) and waits
/// for that commit.
pub(super) async fn append(
    conn: &Arc<Mutex<Connection>>,
    appends: &Arc<Appends>,
    doc_id: &str,
    data: Vec<u8>,
    index: Option<crate::sync::Created>,
) -> Result<Appended, StoreError> {
    use std::sync::atomic::Ordering;
    let (done, answer) = tokio::sync::oneshot::channel();
    appends
        .queue
        .lock()
        .map_err(|_| StoreError::Worker("lock poisoned".into()))?
        .push(Append {
            doc_id: doc_id.to_owned(),
            data,
            index,
            done,
        });
    let start = appends
        .flushing
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if start {
        let (conn, appends) = (conn.clone(), appends.clone());
        tokio::task::spawn_blocking(move || flush_appends(&conn, &appends));
    }
    answer
        .await
        .map_err(|_| StoreError::Worker("the append was dropped".into()))?
}
