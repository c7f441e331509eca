//! The IndexedDB storage code in a real headless Chromium (issue 2).
#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]

use app::local::browser::{append_chunk, compact, open_db, read_chunks};
use automerge::ActorId;
use shared::doc::DossierDoc;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

/// A database of its own per test, so tests do not see each other's chunks.
fn db_name(test: &str) -> String {
    format!("dicoso-test-{test}-{}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn chunks_append_and_read_back_as_one_automerge_stream() {
    let name = db_name("chunks");
    let db = open_db(&name).await.expect("open");
    let (bytes, count) = read_chunks(&db).await.expect("read empty");
    assert!(bytes.is_empty());
    assert_eq!(count, 0);

    let actor = ActorId::from(*b"wasm-test-device");
    let mut doc = DossierDoc::new(actor.clone());
    append_chunk(&db, &doc.save()).await.expect("append full");
    doc.add_trip(
        "t1",
        day("2026-03-02"),
        day("2026-03-06"),
        "Đoàn xã Vĩnh Hòa",
        "3.1",
        1,
    )
    .expect("add");
    append_chunk(&db, &doc.save_incremental())
        .await
        .expect("append delta");
    drop(db);

    // A new connection (as after a reload) sees both chunks, and they load as one document.
    let db = open_db(&name).await.expect("reopen");
    let (bytes, count) = read_chunks(&db).await.expect("read");
    assert_eq!(count, 2);
    let loaded = DossierDoc::load(&bytes, actor).expect("load");
    let trips = loaded.trips().expect("trips").trips;
    assert_eq!(trips.len(), 1);
    assert_eq!(trips[0].host_unit, "Đoàn xã Vĩnh Hòa");
}

#[wasm_bindgen_test]
async fn a_failed_load_leaves_the_stored_chunks_alone() {
    let name = db_name("garbage");
    let db = open_db(&name).await.expect("open");
    append_chunk(&db, b"not automerge").await.expect("append");
    let (bytes, _) = read_chunks(&db).await.expect("read");
    assert!(DossierDoc::load(&bytes, ActorId::from(*b"wasm-test-device")).is_err());
    let (again, count) = read_chunks(&db).await.expect("read again");
    assert_eq!((again.as_slice(), count), (b"not automerge".as_slice(), 1));
}

#[wasm_bindgen_test]
async fn compaction_folds_the_chunks_into_one_and_keeps_every_trip() {
    let name = db_name("compact");
    let db = open_db(&name).await.expect("open");
    let actor = ActorId::from(*b"wasm-test-device");
    let mut doc = DossierDoc::new(actor.clone());
    append_chunk(&db, &doc.save()).await.expect("append full");
    for (i, host) in ["Xã A", "Xã B", "Xã C"].iter().enumerate() {
        doc.add_trip(
            &format!("t{i}"),
            day("2026-03-02"),
            day("2026-03-03"),
            host,
            "3.2",
            i as i64,
        )
        .expect("add");
        append_chunk(&db, &doc.save_incremental())
            .await
            .expect("append delta");
    }
    assert_eq!(read_chunks(&db).await.expect("read").1, 4);

    compact(&db, actor.clone()).await.expect("compact");
    let (bytes, count) = read_chunks(&db).await.expect("read");
    assert_eq!(count, 1);
    let trips = DossierDoc::load(&bytes, actor)
        .expect("load")
        .trips()
        .expect("trips")
        .trips;
    let mut hosts: Vec<_> = trips.iter().map(|t| t.host_unit.as_str()).collect();
    hosts.sort();
    assert_eq!(hosts, ["Xã A", "Xã B", "Xã C"]);
}
