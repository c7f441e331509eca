use super::*;
use crate::doc::{CadreCode, DossierDoc, DossierKey};
use automerge::ScalarValue;
use automerge::transaction::{CommitOptions, Transactable};

fn key(code: &str) -> DossierKey {
    DossierKey {
        cadre: CadreCode::parse(code).expect("code"),
        year: 2027,
    }
}

fn device() -> ActorId {
    ActorId::from(*b"device-a-0000000")
}

/// A dossier with one trip, as the app writes it.
fn with_trip() -> AutoCommit {
    let mut doc = DossierDoc::new(&key("KG-0123"), device());
    let mut t = doc_trip();
    t.trip.id = Some("t1".into());
    doc.put_trip(&t, 1_000).expect("put");
    doc.automerge().clone()
}

fn doc_trip() -> crate::doc::TripRecord {
    crate::test_support::trip_record("t1")
}

type Edit = fn(&mut AutoCommit);

/// Issue 8: the schema rules, each refusal with its reason. `before` is the dossier with
/// one trip (or nothing, for a creation); the edit is applied to a copy by another actor.
#[test]
fn schema_rules_table() {
    let id = key("KG-0123").document_id();
    let rows: &[(&str, bool, Edit, Result<(), SchemaError>)] = &[
        ("the app's own trip", true, |_| {}, Ok(())),
        (
            "an edit of a field",
            false,
            |d| {
                let trips = obj(d, &["trips", "t1"]);
                d.put(&trips, "topic", "Chủ đề khác").expect("put");
            },
            Ok(()),
        ),
        (
            "a new trip map of one's own over the genesis one (issue 8's attack)",
            false,
            |d| {
                d.put_object(ROOT, "trips", ObjType::Map).expect("put");
            },
            Err(SchemaError::ObjectReplaced("/trips".into())),
        ),
        (
            "deleting a trip",
            false,
            |d| {
                let trips = obj(d, &["trips"]);
                d.delete(&trips, "t1").expect("delete");
            },
            Err(SchemaError::ObjectReplaced("/trips/t1".into())),
        ),
        (
            "replacing a trip's group map",
            false,
            |d| {
                let t = obj(d, &["trips", "t1"]);
                d.put_object(&t, "group", ObjType::Map).expect("put");
            },
            Err(SchemaError::ObjectReplaced("/trips/t1/group".into())),
        ),
        (
            "a date that is not a date",
            false,
            |d| {
                let t = obj(d, &["trips", "t1"]);
                d.put(&t, "start", "mùng 2 tháng 3").expect("put");
            },
            Err(SchemaError::Unreadable("trips/t1".into())),
        ),
        (
            "a status the schema does not know",
            false,
            |d| {
                let t = obj(d, &["trips", "t1"]);
                d.put(&t, "status", "maybe").expect("put");
            },
            Err(SchemaError::Unreadable("trips/t1".into())),
        ),
        (
            "a field at the root",
            false,
            |d| {
                d.put(ROOT, "owner", "KG-9999").expect("put");
            },
            Err(SchemaError::UnexpectedRootField("owner".into())),
        ),
        (
            "a text object",
            false,
            |d| {
                let t = obj(d, &["trips", "t1"]);
                d.put_object(&t, "notes", ObjType::Text).expect("put");
            },
            Err(SchemaError::WrongType("/trips/t1/notes".into())),
        ),
        (
            "a scalar where trips are maps",
            false,
            |d| {
                let trips = obj(d, &["trips"]);
                d.put(&trips, "t9", "chuyến đi").expect("put");
            },
            Err(SchemaError::WrongType("/trips/t9".into())),
        ),
        (
            "renaming the cadre",
            false,
            |d| {
                d.put(ROOT, "cadre", "KG-0124").expect("put");
            },
            Err(SchemaError::WrongId(
                "Hồ sơ đi cơ sở của KG-0124 năm 2027".into(),
            )),
        ),
    ];
    for (name, create, edit, expected) in rows {
        let mut base = with_trip();
        let mut before = if *create {
            AutoCommit::new()
        } else {
            base.clone()
        };
        let mut after = base.fork().with_actor(ActorId::from(*b"device-b-0000000"));
        edit(&mut after);
        after.commit_with(CommitOptions::default().with_time(1));
        assert_both_scopes(&id, &mut before, &mut after, expected, name);
    }
}

/// Issue 10: an update to a held document is checked where its changes write; what two
/// devices wrote concurrently is judged as the whole check judges it.
#[test]
fn concurrent_edits_are_judged_where_they_write() {
    let id = key("KG-0123").document_id();
    let rows: &[(&str, Edit, Edit, Result<(), SchemaError>)] = &[
        (
            "two devices edit different fields",
            |d| put_field(d, &["trips", "t1"], "topic", "Chủ đề A"),
            |d| put_field(d, &["trips", "t1"], "notes", "Ghi chú B"),
            Ok(()),
        ),
        (
            "two devices edit one field: the document keeps both, a person resolves it",
            |d| put_field(d, &["trips", "t1"], "topic", "Chủ đề A"),
            |d| put_field(d, &["trips", "t1"], "topic", "Chủ đề B"),
            Ok(()),
        ),
        (
            "two devices add a trip under one id",
            |d| {
                let trips = obj(d, &["trips"]);
                d.put_object(&trips, "t2", ObjType::Map).expect("put");
            },
            |d| {
                let trips = obj(d, &["trips"]);
                d.put_object(&trips, "t2", ObjType::Map).expect("put");
            },
            Err(SchemaError::Conflict("/trips/t2".into())),
        ),
        (
            "one device edits a trip, the other adds an unreadable meeting",
            |d| put_field(d, &["trips", "t1"], "topic", "Chủ đề A"),
            |d| {
                let meetings = obj(d, &["meetings"]);
                let m = d.put_object(&meetings, "m1", ObjType::Map).expect("put");
                d.put(&m, "date", "hôm qua").expect("put");
            },
            Err(SchemaError::Unreadable("meetings/m1".into())),
        ),
        (
            "a list inside a trip",
            |_| {},
            |d| {
                let t = obj(d, &["trips", "t1"]);
                d.put_object(&t, "members", ObjType::List).expect("put");
            },
            Err(SchemaError::WrongType("/trips/t1/members".into())),
        ),
    ];
    for (name, edit_a, edit_b, expected) in rows {
        let mut before = with_trip();
        let mut a = before
            .fork()
            .with_actor(ActorId::from(*b"device-b-0000000"));
        edit_a(&mut a);
        a.commit_with(CommitOptions::default().with_time(1));
        let mut b = before
            .fork()
            .with_actor(ActorId::from(*b"device-c-0000000"));
        edit_b(&mut b);
        b.commit_with(CommitOptions::default().with_time(1));
        a.merge(&mut b).expect("merge");
        assert_both_scopes(&id, &mut before, &mut a, expected, name);
    }
}

/// Issue 10: an entry an older app left unreadable may stay so while other fields of it
/// change; turned unreadable in another way, it is refused.
#[test]
fn an_entry_unreadable_before_may_stay_so() {
    let id = key("KG-0123").document_id();
    let mut before = with_trip();
    before
        .put(obj(&before, &["trips", "t1"]), "start", "đầu tháng")
        .expect("put");
    before.commit_with(CommitOptions::default().with_time(1));
    let rows: &[(&str, Edit, Result<(), SchemaError>)] = &[
        (
            "another field of it edited",
            |d| put_field(d, &["trips", "t1"], "topic", "Chủ đề"),
            Ok(()),
        ),
        (
            "its date mended",
            |d| put_field(d, &["trips", "t1"], "start", "2027-03-02"),
            Ok(()),
        ),
        (
            "a readable trip broken beside it",
            |d| {
                let trips = obj(d, &["trips"]);
                let t = d.put_object(&trips, "t2", ObjType::Map).expect("put");
                d.put(&t, "status", "maybe").expect("put");
            },
            Err(SchemaError::Unreadable("trips/t2".into())),
        ),
    ];
    for (name, edit, expected) in rows {
        let mut after = before
            .fork()
            .with_actor(ActorId::from(*b"device-b-0000000"));
        edit(&mut after);
        after.commit_with(CommitOptions::default().with_time(2));
        assert_both_scopes(&id, &mut before, &mut after, expected, name);
    }
}

/// Checks `after` against `before` in both scopes; each must give `expected`.
fn assert_both_scopes(
    id: &DocumentId,
    before: &mut AutoCommit,
    after: &mut AutoCommit,
    expected: &Result<(), SchemaError>,
    name: &str,
) {
    for scope in [Scope::Written, Scope::Whole] {
        let got = check(id, before, after, scope).map(|_| ());
        assert_eq!(&got, expected, "{name} ({scope:?})");
    }
}

fn put_field(doc: &mut AutoCommit, path: &[&str], field: &str, value: &str) {
    let at = obj(doc, path);
    doc.put(&at, field, value).expect("put");
}

/// Issue 8: a document that does not start with the key's genesis is refused, whoever
/// made it first: the attack of pre-creating next year's dossier with one's own maps.
#[test]
fn a_dossier_not_born_of_its_genesis_is_refused() {
    let id = key("KG-0123").document_id();
    let mut forged = AutoCommit::new().with_actor(ActorId::from(*b"attacker-0000000"));
    forged.put(ROOT, "schema", 2u64).expect("put");
    forged.put(ROOT, "kind", "cadre-dossier").expect("put");
    forged.put(ROOT, "cadre", "KG-0123").expect("put");
    forged.put(ROOT, "year", 2027i64).expect("put");
    for map in ["trips", "registrations", "meetings"] {
        forged.put_object(ROOT, map, ObjType::Map).expect("put");
    }
    forged.commit();
    assert_eq!(
        check_update(&id, &mut AutoCommit::new(), &mut forged).map(|_| ()),
        Err(SchemaError::MissingGenesis)
    );
    // The genesis actor's name is no pass either.
    let mut fake = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
    fake.put(ROOT, "kind", "cadre-dossier").expect("put");
    fake.put(ROOT, "cadre", "KG-0123").expect("put");
    fake.put(ROOT, "year", 2027i64).expect("put");
    fake.put(ROOT, "extra", ScalarValue::Int(1)).expect("put");
    fake.commit_with(CommitOptions::default().with_time(0));
    assert!(check_update(&id, &mut AutoCommit::new(), &mut fake).is_err());
}

/// Issue 10: the first changes are looked up only when a change claims their actors; on
/// a dossier the server holds, such a change is still refused.
#[test]
fn a_later_change_in_the_genesis_actors_name_is_refused() {
    let id = key("KG-0123").document_id();
    let mut before = with_trip();
    for actor in [GENESIS_ACTOR, UPGRADE_ACTOR] {
        let mut after = before.fork().with_actor(ActorId::from(actor));
        after.put(ROOT, "schema", 3u64).expect("put");
        after.commit_with(CommitOptions::default().with_time(0));
        assert_eq!(
            check_update(&id, &mut before, &mut after).map(|_| ()),
            Err(SchemaError::ForgedGenesis)
        );
    }
}

#[test]
fn authors_are_reported_without_the_genesis() {
    let id = key("KG-0123").document_id();
    let mut after = with_trip();
    let checked = check_update(&id, &mut AutoCommit::new(), &mut after).expect("valid");
    assert_eq!(checked.key, key("KG-0123").doc_key());
    assert_eq!(checked.authors, BTreeSet::from([device()]));
}

fn obj(doc: &AutoCommit, path: &[&str]) -> ObjId {
    let mut at = ROOT;
    for p in path {
        at = match doc.get(&at, *p) {
            Ok(Some((Value::Object(_), o))) => o,
            other => panic!("no object at {p}: {other:?}"),
        };
    }
    at
}

/// Issue 12: a party's decisions are one string per subject: a readable decision passes,
/// a malformed one or a map in its place is refused; two concurrent decisions on one
/// subject are kept, both, for a person to resolve.
#[test]
fn party_documents_hold_readable_decisions() {
    use crate::doc::DocKind;
    use crate::doc::party::{Grade, PartyDoc, Taken};
    let key = DocKey::party(
        DocKind::DepartmentReview,
        "KG",
        "BPT",
        CadreCode::parse("KG-0123").expect("code"),
        2027,
    )
    .expect("key");
    let id = key.document_id();
    let grade = |score| Grade {
        score: Some(score),
        purpose_met: true,
        graded_on: "2027-03-20".parse().expect("date"),
        remark: String::new(),
        taken: Taken {
            by: "KG-0010".into(),
            at: 1,
        },
    };
    let mut a = PartyDoc::new(&key, ActorId::from(*b"head-phone-00001"));
    a.put_json("grades", "t1", &grade(85), 1_000).expect("put");
    let mut after = a.automerge().clone();
    assert!(check_update(&id, &mut AutoCommit::new(), &mut after).is_ok());

    // Two heads grade offline: both values stay, the reader sees the conflict.
    let mut b = PartyDoc::load(&a.save(), ActorId::from(*b"head-phone-00002")).expect("load");
    let mut c = PartyDoc::load(&a.save(), ActorId::from(*b"head-phone-00003")).expect("load");
    b.put_json("grades", "t1", &grade(90), 2_000).expect("put");
    c.put_json("grades", "t1", &grade(60), 2_000).expect("put");
    let mut merged = b.automerge().clone();
    merged.merge(&mut c.automerge().clone()).expect("merge");
    let mut before = a.automerge().clone();
    assert_both_scopes(&id, &mut before, &mut merged, &Ok(()), "concurrent grades");
    let view = crate::doc::party::read(&merged, DocKind::DepartmentReview);
    assert_eq!(view.grades.len(), 1);
    assert_eq!(view.grades[0].conflicts.len(), 1);

    let rows: &[(&str, Edit, SchemaError)] = &[
        (
            "not a decision",
            |d| {
                let g = obj(d, &["grades"]);
                d.put(&g, "t2", "{\"score\": \"cao\"}").expect("put");
            },
            SchemaError::Unreadable("grades/t2".into()),
        ),
        (
            "a map where a decision goes",
            |d| {
                let g = obj(d, &["grades"]);
                d.put_object(&g, "t2", ObjType::Map).expect("put");
            },
            SchemaError::WrongType("/grades/t2".into()),
        ),
    ];
    for (name, edit, expected) in rows {
        let mut before = a.automerge().clone();
        let mut after = before
            .fork()
            .with_actor(ActorId::from(*b"head-phone-00004"));
        edit(&mut after);
        after.commit();
        assert_both_scopes(&id, &mut before, &mut after, &Err(expected.clone()), name);
    }
}

/// Issue 10's property, native only (proptest is not built for wasm32).
#[cfg(not(target_arch = "wasm32"))]
mod property {
    use super::*;

    /// One write a device may make, anywhere the property below points it.
    #[derive(Debug, Clone)]
    enum Write {
        Scalar(usize, usize, usize),
        Object(usize, usize, usize),
        Delete(usize, usize),
    }

    fn arb_write() -> impl proptest::strategy::Strategy<Value = Write> {
        use proptest::prelude::*;
        prop_oneof![
            (0..PLACES.len(), 0..KEYS.len(), 0..5usize)
                .prop_map(|(p, k, v)| Write::Scalar(p, k, v)),
            (0..PLACES.len(), 0..KEYS.len(), 0..3usize)
                .prop_map(|(p, k, t)| Write::Object(p, k, t)),
            (0..PLACES.len(), 0..KEYS.len()).prop_map(|(p, k)| Write::Delete(p, k)),
        ]
    }

    const PLACES: &[&[&str]] = &[
        &[],
        &["trips"],
        &["trips", "t1"],
        &["trips", "t1", "group"],
        &["trips", "t2"],
        &["meetings"],
        &["confirmations"],
    ];
    const KEYS: &[&str] = &["t1", "t2", "start", "status", "topic", "group", "date"];

    fn apply_write(doc: &mut AutoCommit, write: &Write) {
        let place = |doc: &AutoCommit, p: usize| {
            let mut at = ROOT;
            for key in PLACES[p] {
                match doc.get(&at, *key) {
                    Ok(Some((Value::Object(_), o))) => at = o,
                    _ => return None,
                }
            }
            Some(at)
        };
        match *write {
            Write::Scalar(p, k, v) => {
                if let Some(at) = place(doc, p) {
                    let value: ScalarValue = match v {
                        0 => "2027-03-02".into(),
                        1 => "maybe".into(),
                        2 => "done".into(),
                        3 => ScalarValue::Int(1),
                        _ => ScalarValue::Boolean(true),
                    };
                    let _ = doc.put(&at, KEYS[k], value);
                }
            }
            Write::Object(p, k, t) => {
                if let Some(at) = place(doc, p) {
                    let t = [ObjType::Map, ObjType::List, ObjType::Text][t];
                    let _ = doc.put_object(&at, KEYS[k], t);
                }
            }
            Write::Delete(p, k) => {
                if let Some(at) = place(doc, p) {
                    let _ = doc.delete(&at, KEYS[k]);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Issue 10: whatever two devices write to a held dossier, checked where they wrote,
        /// is kept or refused as the whole check keeps or refuses it.
        #[test]
        fn checking_where_changes_write_agrees_with_the_whole_check(
            a in proptest::collection::vec(arb_write(), 0..4),
            b in proptest::collection::vec(arb_write(), 0..4),
        ) {
            let id = key("KG-0123").document_id();
            let mut before = with_trip();
            let mut one = before.fork().with_actor(ActorId::from(*b"device-b-0000000"));
            let mut two = before.fork().with_actor(ActorId::from(*b"device-c-0000000"));
            for (doc, writes) in [(&mut one, &a), (&mut two, &b)] {
                for w in writes {
                    apply_write(doc, w);
                }
                doc.commit_with(CommitOptions::default().with_time(1));
            }
            one.merge(&mut two).expect("merge");
            let written = check(&id, &mut before, &mut one, Scope::Written).map(|_| ());
            let whole = check(&id, &mut before, &mut one, Scope::Whole).map(|_| ());
            proptest::prop_assert_eq!(written.is_ok(), whole.is_ok(), "{:?} / {:?}", written, whole);
        }
    }
}
