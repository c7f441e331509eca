//! The IndexedDB storage code in a real headless Chromium (issues 2 and 4).
#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]

use app::local::browser::{append_chunk, compact, open_db, read_doc, save_cadre_in};
use automerge::ActorId;
use shared::doc::{CadreCode, DossierDoc, DossierKey};
use wasm_bindgen_test::wasm_bindgen_test;

/// Adds a carried-out trip to the 2026 (or 2025) dossier, as the app does.
fn add(doc: &mut DossierDoc, id: &str, start: &str, end: &str, host: &str) {
    let form = shared::form::TripForm {
        start: start.into(),
        end: end.into(),
        host_name: host.into(),
        host_level: "co-so".into(),
        content_type: "3.2".into(),
        ..Default::default()
    };
    let policy = shared::policy::Policy::preset("kien-giang-2023").expect("preset");
    let today = "2030-01-01".parse().expect("date");
    let record = shared::form::check_trip(&form, &policy, &[], None, id, today)
        .1
        .expect("valid trip");
    doc.put_trip(&record, 1).expect("put");
}

fn key(year: i32) -> DossierKey {
    DossierKey {
        cadre: CadreCode::parse("KG-0123").expect("code"),
        year,
    }
}

/// The id of the 2026 dossier, as stored.
fn doc_id() -> String {
    key(2026).document_id().to_string()
}

/// A database of its own per test, so tests do not see each other's chunks.
fn db_name(test: &str) -> String {
    format!("dicoso-test-{test}-{}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn chunks_append_and_read_back_as_one_automerge_stream() {
    let name = db_name("chunks");
    let db = open_db(&name).await.expect("open");
    let (bytes, count) = read_doc(&db, &doc_id()).await.expect("read empty");
    assert!(bytes.is_empty());
    assert_eq!(count, 0);

    let actor = ActorId::from(*b"wasm-test-device");
    let mut doc = DossierDoc::new(&key(2026), actor.clone());
    append_chunk(&db, &doc_id(), &doc.save())
        .await
        .expect("append full");
    add(
        &mut doc,
        "t1",
        "2026-03-02",
        "2026-03-06",
        "Đoàn xã Vĩnh Hòa",
    );
    append_chunk(&db, &doc_id(), &doc.save_incremental())
        .await
        .expect("append delta");
    drop(db);

    // A new connection (as after a reload) sees both chunks, and they load as one document.
    let db = open_db(&name).await.expect("reopen");
    let (bytes, count) = read_doc(&db, &doc_id()).await.expect("read");
    assert_eq!(count, 2);
    let loaded = DossierDoc::load(&bytes, actor).expect("load");
    let trips = loaded.read().expect("read").trips;
    assert_eq!(trips.len(), 1);
    assert_eq!(trips[0].trip.host.name, "Đoàn xã Vĩnh Hòa");
}

#[wasm_bindgen_test]
async fn a_failed_load_leaves_the_stored_chunks_alone() {
    let name = db_name("garbage");
    let db = open_db(&name).await.expect("open");
    append_chunk(&db, &doc_id(), b"not automerge")
        .await
        .expect("append");
    let (bytes, _) = read_doc(&db, &doc_id()).await.expect("read");
    assert!(DossierDoc::load(&bytes, ActorId::from(*b"wasm-test-device")).is_err());
    let (again, count) = read_doc(&db, &doc_id()).await.expect("read again");
    assert_eq!((again.as_slice(), count), (b"not automerge".as_slice(), 1));
}

#[wasm_bindgen_test]
async fn compaction_folds_the_chunks_into_one_and_keeps_every_trip() {
    let name = db_name("compact");
    let db = open_db(&name).await.expect("open");
    let actor = ActorId::from(*b"wasm-test-device");
    let mut doc = DossierDoc::new(&key(2026), actor.clone());
    append_chunk(&db, &doc_id(), &doc.save())
        .await
        .expect("append full");
    for (i, host) in ["Xã A", "Xã B", "Xã C"].iter().enumerate() {
        add(&mut doc, &format!("t{i}"), "2026-03-02", "2026-03-03", host);
        append_chunk(&db, &doc_id(), &doc.save_incremental())
            .await
            .expect("append delta");
    }
    assert_eq!(read_doc(&db, &doc_id()).await.expect("read").1, 4);

    compact(&db, &doc_id()).await.expect("compact");
    let (bytes, count) = read_doc(&db, &doc_id()).await.expect("read");
    assert_eq!(count, 1);
    let trips = DossierDoc::load(&bytes, actor)
        .expect("load")
        .read()
        .expect("read")
        .trips;
    let mut hosts: Vec<_> = trips.iter().map(|t| t.trip.host.name.as_str()).collect();
    hosts.sort();
    assert_eq!(hosts, ["Xã A", "Xã B", "Xã C"]);
}

/// Issue 4: each document's chunks are its own; compacting one leaves the others alone.
#[wasm_bindgen_test]
async fn documents_keep_their_chunks_apart() {
    let name = db_name("apart");
    let db = open_db(&name).await.expect("open");
    let actor = ActorId::from(*b"wasm-test-device");
    let other = key(2025).document_id().to_string();
    let mut a = DossierDoc::new(&key(2026), actor.clone());
    let mut b = DossierDoc::new(&key(2025), actor.clone());
    append_chunk(&db, &doc_id(), &a.save()).await.expect("a");
    append_chunk(&db, &other, &b.save()).await.expect("b");
    add(&mut a, "t1", "2026-03-02", "2026-03-03", "Xã A");
    append_chunk(&db, &doc_id(), &a.save_incremental())
        .await
        .expect("a delta");
    compact(&db, &doc_id()).await.expect("compact");
    assert_eq!(read_doc(&db, &doc_id()).await.expect("read a").1, 1);
    let (bytes, count) = read_doc(&db, &other).await.expect("read b");
    assert_eq!(count, 1);
    let b_loaded = DossierDoc::load(&bytes, actor).expect("load b");
    assert_eq!(b_loaded.key(), Some(key(2025)));
    assert!(b_loaded.read().expect("read").trips.is_empty());
}

/// Issue 4: trips kept by version 1 (one dossier, before documents were per cadre and
/// year) move into the cadre's documents of their years when the code is set; none lost.
#[wasm_bindgen_test]
async fn a_version_1_dossier_moves_into_the_cadres_documents() {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;

    let name = db_name("legacy");
    // The version-1 layout, written as version 1 wrote it.
    let mut old = AutoCommit::new();
    old.put(ROOT, "schema", 1u64).expect("put");
    old.put(ROOT, "kind", "cadre-dossier").expect("put");
    let trips = old.put_object(ROOT, "trips", ObjType::Map).expect("put");
    for (id, start, end) in [
        ("a", "2025-12-01", "2025-12-03"),
        ("b", "2026-02-01", "2026-02-02"),
    ] {
        let trip = old.put_object(&trips, id, ObjType::Map).expect("put");
        old.put(&trip, "start", start).expect("put");
        old.put(&trip, "end", end).expect("put");
        old.put(&trip, "host_unit", format!("Xã {id}"))
            .expect("put");
        old.put(&trip, "content_type", "3.1").expect("put");
        old.put(&trip, "created_at", ScalarValue::Timestamp(1))
            .expect("put");
    }
    {
        let db = Database::open(&name)
            .with_version(1u8)
            .with_on_upgrade_needed(|_, db| {
                db.create_object_store("chunks")
                    .with_auto_increment(true)
                    .build()?;
                db.create_object_store("meta").build()?;
                Ok(())
            })
            .await
            .expect("open v1");
        let tx = db
            .transaction("chunks")
            .with_mode(indexed_db_futures::transaction::TransactionMode::Readwrite)
            .build()
            .expect("tx");
        tx.object_store("chunks")
            .expect("store")
            .add(wasm_bindgen::JsValue::from(js_sys::Uint8Array::from(
                &old.save()[..],
            )))
            .primitive()
            .expect("add")
            .await
            .expect("add");
        tx.commit().await.expect("commit");
        db.close();
    }

    let cadre = CadreCode::parse("KG-0123").expect("code");
    let db = open_db(&name).await.expect("open v2");
    save_cadre_in(&db, &cadre).await.expect("save cadre");
    let actor = ActorId::from(*b"wasm-test-device");
    for (year, host) in [(2025, "Xã a"), (2026, "Xã b")] {
        let id = key(year).document_id().to_string();
        let (bytes, count) = read_doc(&db, &id).await.expect("read");
        assert!(count > 0, "{year}");
        let doc = DossierDoc::load(&bytes, actor.clone()).expect("load");
        assert_eq!(doc.key(), Some(key(year)));
        let hosts: Vec<_> = doc
            .read()
            .expect("read")
            .trips
            .into_iter()
            .map(|t| t.trip.host.name)
            .collect();
        assert_eq!(hosts, [host]);
    }
    // Setting the code again finds nothing left to move and duplicates nothing.
    save_cadre_in(&db, &cadre).await.expect("again");
    let (bytes, _) = read_doc(&db, &doc_id()).await.expect("read");
    let doc = DossierDoc::load(&bytes, actor).expect("load");
    assert_eq!(doc.read().expect("read").trips.len(), 1);
}
