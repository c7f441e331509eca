//! Issue 8: who may read, write and create what, through the real `/sync` endpoint of a
//! running server (`docs/access.md`): every role × every document kind × read / write /
//! create; a reader's changes refused and absent after a restart; a schema-breaking change
//! refused; a change by an unregistered actor refused; a revoked device cut off live; a
//! device of another province kept out.

use anyhow::{Context, Result, bail, ensure};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use base64::Engine;
use ed25519_dalek::Signer;
use server::directory::{ImportFiles, Scope};
use server::sync_client::{Offered, SyncClient, SyncClientError};
use server::testing::{Device, enrol};
use shared::doc::{CadreCode, DocKey, DocKind};
use shared::sync::DocumentId;

use super::common::{PEOPLE, World, world};

const SUBJECT: &str = "KG-0123";
const YEAR: i32 = 2026;

fn key(kind: DocKind) -> DocKey {
    let scope = match kind {
        DocKind::HostConfirmations => "xa-vinh-hoa-hiep",
        DocKind::DepartmentReview => "BPT",
        _ => "",
    };
    let cadre = CadreCode::parse(SUBJECT).expect("code");
    DocKey::party(kind, "KG", scope, cadre, YEAR).expect("key")
}

fn map(doc: &AutoCommit, name: &str) -> Option<automerge::ObjId> {
    match doc.get(ROOT, name).ok()?? {
        (Value::Object(ObjType::Map), obj) => Some(obj),
        _ => None,
    }
}

/// A change each kind's writer would make: its `n`-th entry, valid under the schema.
fn entry(
    doc: &mut AutoCommit,
    kind: DocKind,
    n: u32,
    by: &Device,
) -> Result<(), automerge::AutomergeError> {
    let taken = format!(r#""by":"{}","at":{n}"#, by.person);
    match kind {
        DocKind::CadreDossier => {
            let Some(meetings) = map(doc, "meetings") else {
                return Ok(());
            };
            let m = doc.put_object(&meetings, format!("m{n}"), ObjType::Map)?;
            doc.put(&m, "date", "2026-04-01")?;
            doc.put(&m, "chi_doan", format!("Chi đoàn số {n}"))?;
            doc.put(&m, "unit_name", "Huyện đoàn Châu Thành")?;
            doc.put(&m, "unit_level", "huyen")?;
            doc.put(&m, "created_at", ScalarValue::Timestamp(1))
        }
        DocKind::HostConfirmations => {
            let Some(confirmations) = map(doc, "confirmations") else {
                return Ok(());
            };
            let (id, encoded) = confirmation(by, n);
            doc.put(&confirmations, id, encoded)
        }
        DocKind::DepartmentReview => {
            let Some(grades) = map(doc, "grades") else {
                return Ok(());
            };
            let json = format!(r#"{{"purpose_met":true,"graded_on":"2026-05-01",{taken}}}"#);
            doc.put(&grades, format!("t{n}"), json)
        }
        DocKind::StandingDecisions => {
            let Some(regs) = map(doc, "registrations") else {
                return Ok(());
            };
            let json = format!(
                r#"{{"ruling":"approved","decided_on":"2025-12-28","reference":"{n}-TB",{taken}}}"#
            );
            doc.put(&regs, "1", json)
        }
        DocKind::HqRecord => {
            let Some(reminders) = map(doc, "reminders") else {
                return Ok(());
            };
            let json = format!(r#"{{"date":"2026-05-02","message":"Nhắc số {n}",{taken}}}"#);
            doc.put(&reminders, format!("r{n}"), json)
        }
    }
}

/// A confirmation signed by `by`'s key (its content does not matter to the rights).
fn confirmation(by: &Device, n: u32) -> (String, String) {
    use shared::confirm::{Claim, Degree, Unsigned};
    let unsigned = Unsigned {
        claim: Claim {
            cadre: SUBJECT.into(),
            cadre_name: "Nguyễn Thị An".into(),
            trip: format!("t{n}"),
            year: YEAR,
            host_unit: "xa-vinh-hoa-hiep".into(),
            start: "2026-03-02".parse().expect("date"),
            end: "2026-03-06".parse().expect("date"),
            content_type: "3.2".into(),
            topic: String::new(),
            summary: String::new(),
        },
        degree: Degree::Done,
        remark: String::new(),
        confirmed_at: 1_772_800_000_000,
        officer: by.person.clone(),
        device: by.device_id.clone(),
    };
    let signature = by.key.sign(&unsigned.signed_bytes()).to_bytes();
    let c = unsigned.with_signature(signature);
    (
        c.id(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.encode()),
    )
}

/// `person` offers the document `key` as they would make it: the genesis, then one entry.
async fn try_create(w: &World, person: &str, kind: DocKind, n: u32) -> Result<Offered> {
    let mut client = w.connect(person).await?;
    let by = w.device(person).clone();
    let id = client.create_document(&key(kind), |doc| entry(doc, kind, n, &by))?;
    let outcome = client.outcome(id).await?;
    client.close().await;
    Ok(outcome)
}

/// Whether `person` receives the document.
async fn try_read(w: &World, person: &str, kind: DocKind) -> Result<bool> {
    let mut client = w.connect(person).await?;
    let got = match client.fetch(key(kind).document_id()).await {
        Ok(doc) => {
            ensure!(DocKey::of(doc) == Some(key(kind)), "another document came");
            true
        }
        Err(SyncClientError::Unavailable(_)) => false,
        Err(e) => return Err(e.into()),
    };
    client.close().await;
    Ok(got)
}

/// Whether the server keeps `person`'s `n`-th entry in the document: they fetch it when
/// they may, else start from its genesis, and offer their change.
async fn try_write(w: &World, person: &str, kind: DocKind, n: u32) -> Result<Offered> {
    let id = key(kind).document_id();
    let mut client = w.connect(person).await?;
    let mut doc = match client.fetch(id).await {
        Ok(doc) => doc.clone(),
        Err(SyncClientError::Unavailable(_)) => key(kind).genesis(ActorId::random()),
        Err(e) => return Err(e.into()),
    };
    doc.set_actor(w.device(person).actor.clone());
    entry(&mut doc, kind, n, w.device(person))?;
    doc.commit();
    client.insert_document(id, doc);
    let outcome = client.outcome(id).await?;
    client.close().await;
    Ok(outcome)
}

/// Issue 8, done-means 1: the rights table of docs/access.md, through the real `/sync`.
/// Each cell: may read (r), may write (w). Creating is writing a document the server does
/// not have: everyone but the writer tries first and is refused, then the writer creates.
#[tokio::test]
async fn every_role_every_kind_read_write_create_through_sync() -> Result<()> {
    use DocKind::*;
    #[rustfmt::skip]
    let table: &[(DocKind, [&str; 8])] = &[
        //                    0123  0124  0010  0011  0001  H001  H002  A001
        (CadreDossier,      ["rw", "",   "r",  "r",  "r",  "",   "",   ""]),
        (HostConfirmations, ["r",  "",   "r",  "r",  "r",  "rw", "",   ""]),
        (DepartmentReview,  ["r",  "",   "rw", "r",  "r",  "",   "",   ""]),
        (StandingDecisions, ["r",  "",   "r",  "r",  "rw", "",   "",   ""]),
        (HqRecord,          ["r",  "",   "r",  "rw", "r",  "",   "",   ""]),
    ];
    let w = world().await?;
    let mut n = 0;
    let mut failures = Vec::new();
    for (kind, cells) in table {
        let people = PEOPLE.iter().map(|(p, _)| *p).zip(cells.iter().copied());
        let writer = people
            .clone()
            .find(|(_, c)| c.contains('w'))
            .map(|(p, _)| p);
        let writer = writer.context("a writer in every row")?;
        // Create: refused to all but the writer, who then creates it.
        for (person, cell) in people.clone() {
            if cell.contains('w') {
                continue;
            }
            n += 1;
            let outcome = try_create(&w, person, *kind, n).await?;
            if outcome == Offered::Kept {
                failures.push(format!("{kind:?}: {person} created it"));
            }
        }
        n += 1;
        let created = try_create(&w, writer, *kind, n).await?;
        if created != Offered::Kept {
            failures.push(format!(
                "{kind:?}: the writer {writer} could not create it: {created:?}"
            ));
        }
        for (person, cell) in people {
            let read = try_read(&w, person, *kind).await?;
            if read != cell.contains('r') {
                failures.push(format!(
                    "{kind:?}: {person} read = {read}, expected {}",
                    !read
                ));
            }
            n += 1;
            let wrote = try_write(&w, person, *kind, n).await?;
            let kept = wrote == Offered::Kept;
            if kept != cell.contains('w') {
                failures.push(format!("{kind:?}: {person} write → {wrote:?}"));
            }
            if !kept
                && cell.contains('r')
                && !matches!(wrote, Offered::Refused(ref r) if r.contains("từ chối"))
            {
                failures.push(format!(
                    "{kind:?}: reader {person} was not told why: {wrote:?}"
                ));
            }
        }
    }
    ensure!(
        failures.is_empty(),
        "{} wrong cells:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}

/// Issue 8, done-means 3: a reader's change is refused, told why, and absent after the
/// server restarts; so is a schema-breaking change by the writer, and a change by an
/// actor no device registered.
#[tokio::test]
async fn refused_changes_are_not_stored() -> Result<()> {
    let mut w = world().await?;
    let kind = DocKind::CadreDossier;
    let id = key(kind).document_id();
    ensure!(try_create(&w, SUBJECT, kind, 1).await? == Offered::Kept);

    // HQ reads the dossier; its own change is refused.
    let refused = try_write(&w, "KG-0011", kind, 2).await?;
    let Offered::Refused(reason) = refused else {
        bail!("HQ's change was {refused:?}")
    };
    ensure!(reason.contains("không có quyền ghi"), "{reason}");

    // The cadre's own device, replacing the trips map (hiding the other devices' trips).
    let mut client = w.connect(SUBJECT).await?;
    let mut doc = client.fetch(id).await?.clone();
    doc.set_actor(w.device(SUBJECT).actor.clone());
    doc.put_object(ROOT, "trips", ObjType::Map)?;
    doc.commit();
    client.insert_document(id, doc);
    let outcome = client.outcome(id).await?;
    ensure!(
        matches!(&outcome, Offered::Refused(r) if r.contains("bị thay thế")),
        "a replaced trips map: {outcome:?}"
    );

    // The cadre's token, but a change by an actor no device registered.
    let mut client = w.connect(SUBJECT).await?;
    let mut doc = client.fetch(id).await?.clone();
    doc.set_actor(ActorId::random());
    entry(&mut doc, kind, 3, w.device(SUBJECT))?;
    doc.commit();
    client.insert_document(id, doc);
    let outcome = client.outcome(id).await?;
    ensure!(
        matches!(&outcome, Offered::Refused(r) if r.contains("chưa đăng ký")),
        "an unregistered actor: {outcome:?}"
    );

    w.restart().await?;
    let mut client = w.connect(SUBJECT).await?;
    let doc = client.fetch(id).await?.clone();
    let meetings = map(&doc, "meetings").context("meetings")?;
    let kept: Vec<String> = doc.keys(&meetings).collect();
    ensure!(
        kept == ["m1"],
        "after the restart the server holds {kept:?}"
    );
    let trips = map(&doc, "trips").context("trips")?;
    ensure!(
        key(kind)
            .genesis(ActorId::random())
            .get(ROOT, "trips")?
            .map(|(_, o)| o)
            == Some(trips),
        "the genesis trips map is still the one"
    );
    Ok(())
}

/// Issue 8, done-means 3: revoking a device closes its live connection at once, and its
/// token is refused from then on; what it wrote before stays.
#[tokio::test]
async fn a_revoked_device_is_cut_off_live() -> Result<()> {
    let w = world().await?;
    let kind = DocKind::CadreDossier;
    ensure!(try_create(&w, SUBJECT, kind, 1).await? == Offered::Kept);
    let mut live = w.connect(SUBJECT).await?;
    live.fetch(key(kind).document_id()).await?;
    w.directory
        .revoke(&Scope::Cli, &w.device(SUBJECT).device_id)
        .await?;
    let why = tokio::time::timeout(std::time::Duration::from_secs(5), live.wait_closed())
        .await
        .context("the connection was not closed within 5 s")??;
    ensure!(why.contains("thu hồi"), "closed because: {why}");
    match SyncClient::connect_as(&w.url, w.device(SUBJECT)).await {
        Err(SyncClientError::Connect { .. }) => {}
        Ok(_) => bail!("a revoked token still connects"),
        Err(e) => bail!("unexpected: {e}"),
    }
    ensure!(try_read(&w, "KG-0011", kind).await?, "what it wrote stays");
    Ok(())
}

/// Issue 8, done-means 3: a device of another province connects to its own province's
/// documents only: another province's are unavailable to it, and it cannot create them.
#[tokio::test]
async fn a_token_of_another_province_reaches_nothing_of_this_one() -> Result<()> {
    let w = world().await?;
    ensure!(try_create(&w, SUBJECT, DocKind::CadreDossier, 1).await? == Offered::Kept);
    let policy = shared::policy::Policy::preset("kien-giang-2023").context("preset")?;
    w.directory
        .create_province("TN", "Tỉnh đoàn Tây Ninh", policy, (2023, None))
        .await?;
    let files = ImportFiles {
        units: Some("id,name,level,parent\ntinh-doan,Tỉnh đoàn Tây Ninh,tinh,\n".into()),
        departments: None,
        people: Some(
            "code,name,unit,department,job,office_since,roles\n\
             TN-0001,Trần Văn Tây,tinh-doan,,can-bo,2020,cadre;hq;standing\n"
                .into(),
        ),
    };
    w.directory.import(&Scope::Cli, "TN", files).await?;
    let tn = enrol(&w.directory, "TN-0001", "test").await?;
    for kind in [
        DocKind::CadreDossier,
        DocKind::HqRecord,
        DocKind::StandingDecisions,
    ] {
        let mut client = SyncClient::connect_as(&w.url, &tn).await?;
        match client.fetch(key(kind).document_id()).await {
            Err(SyncClientError::Unavailable(_)) => {}
            other => bail!("TN's HQ reads KG's {kind:?}: {:?}", other.map(|_| ())),
        }
        let by = tn.clone();
        let id: DocumentId = client.create_document(&key(kind), |doc| entry(doc, kind, 7, &by))?;
        let outcome = client.outcome(id).await?;
        ensure!(outcome != Offered::Kept, "TN's HQ wrote KG's {kind:?}");
    }
    Ok(())
}

/// Issue 10: the server keeps no empty document between a creator's first message (its
/// heads) and its second (its changes), so the creation is accepted in a load. Its index
/// row must still be written with its first chunk, in one transaction: no chunk is ever
/// stored without the row that says whose document it is.
#[tokio::test]
async fn issue_10_a_document_created_after_a_load_is_indexed_with_its_first_chunk() -> Result<()> {
    let w = world().await?;
    let kind = DocKind::CadreDossier;
    ensure!(try_create(&w, SUBJECT, kind, 1).await? == Offered::Kept);
    let store = server::store::Store::open_in(&w.dir.path().join("data"))?;
    let unindexed = store.unindexed_documents().await?;
    ensure!(
        unindexed.is_empty(),
        "chunks without an index row: {unindexed:?}"
    );
    ensure!(
        try_read(&w, SUBJECT, kind).await?,
        "the creator cannot read it back"
    );
    Ok(())
}
