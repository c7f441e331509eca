use super::*;
use crate::doc::{CadreCode, DocKey};
use crate::dossier::{EvidenceKind, GroupMember};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn key() -> DossierKey {
    DossierKey {
        cadre: CadreCode::parse("KG-0123").expect("code"),
        year: 2026,
    }
}

fn actor(name: &[u8; 16]) -> ActorId {
    ActorId::from(*name)
}

/// A schema-1 dossier as the app of issue 4 wrote it: the genesis change, then trips
/// with start, end, host_unit, content_type and created_at only.
fn schema_1(trips: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let key = key().doc_key();
    let mut doc = AutoCommit::new().with_actor(ActorId::from(crate::doc::GENESIS_ACTOR));
    doc.put(ROOT, "schema", 1u64).expect("put");
    doc.put(ROOT, "kind", "cadre-dossier").expect("put");
    doc.put(ROOT, "cadre", key.cadre.as_str()).expect("put");
    doc.put(ROOT, "year", 2026i64).expect("put");
    let map = doc.put_object(ROOT, "trips", ObjType::Map).expect("put");
    doc.commit_with(CommitOptions::default().with_time(0));
    doc.set_actor(actor(b"old-app-device-1"));
    for (id, start, end, host) in trips {
        let t = doc.put_object(&map, *id, ObjType::Map).expect("put");
        doc.put(&t, "start", *start).expect("put");
        doc.put(&t, "end", *end).expect("put");
        doc.put(&t, "host_unit", *host).expect("put");
        doc.put(&t, "content_type", "3.2").expect("put");
        doc.put(&t, "created_at", ScalarValue::Timestamp(1_000))
            .expect("put");
        doc.commit();
    }
    doc.save()
}

fn record(id: &str, start: &str, end: &str) -> TripRecord {
    TripRecord {
        trip: Trip {
            start: day(start),
            end: day(end),
            id: Some(id.into()),
            host: HostUnit {
                id: Some("xa-vinh-hoa".into()),
                name: "Đoàn xã Vĩnh Hòa".into(),
                level: "co-so".into(),
            },
            content_type: "3.1".into(),
            topic: Some("Nắm tình hình thanh niên".into()),
            thematic: true,
            outline_approved: false,
            three_together: true,
            approval: Approval::Registered,
            invitation_only: false,
            status: TripStatus::Done,
            confirmation: None,
            report: None,
            difficulty_solved: None,
            outline: Some(Outline {
                title: "Sinh hoạt chi đoàn ấp".into(),
                text: "1. Mục đích…".into(),
            }),
            group: Some(TripGroup {
                leader: "KG-0001".into(),
                members: vec![
                    GroupMember {
                        id: "KG-0001".into(),
                        name: "Trần Văn Bình".into(),
                        role: "lanh-dao-ban".into(),
                        task: "Phụ trách".into(),
                    },
                    GroupMember {
                        id: "KG-0123".into(),
                        name: "Nguyễn Thị An".into(),
                        role: "can-bo".into(),
                        task: "Khảo sát".into(),
                    },
                ],
            }),
            notes: None,
        },
        basis: Basis::Registration,
        created_at: 5_000,
        host_level_known: true,
    }
}

/// Issue 9: a dossier written by the app of issue 4 keeps its trips: they read as
/// carried out, with the host's level unknown, and the first write upgrades it in place.
#[test]
fn schema_1_dossiers_keep_their_trips_and_upgrade_on_write() {
    let bytes = schema_1(&[
        ("t1", "2026-03-02", "2026-03-06", "Xã A"),
        ("t2", "2026-04-01", "2026-04-01", "Chi đoàn ấp B"),
    ]);
    let mut doc = DossierDoc::load(&bytes, actor(b"new-app-device-1")).expect("load");
    assert_eq!(doc.schema(), 1);
    let year = doc.read().expect("read");
    assert_eq!(year.unreadable, Vec::<String>::new());
    let trips: Vec<(&str, TripStatus, &str, bool)> = year
        .trips
        .iter()
        .map(|t| {
            (
                t.id(),
                t.trip.status,
                t.trip.host.level.as_str(),
                t.host_level_known,
            )
        })
        .collect();
    assert_eq!(
        trips,
        [
            ("t2", TripStatus::Done, "", false),
            ("t1", TripStatus::Done, "", false)
        ]
    );
    // Adding a trip upgrades: the old ones are still there, and the new one too.
    doc.put_trip(&record("t3", "2026-05-04", "2026-05-08"), 9_000)
        .expect("put");
    assert_eq!(doc.schema(), 2);
    let year = doc.read().expect("read");
    assert_eq!(year.trips.len(), 3);
    let again = DossierDoc::load(&doc.save(), actor(b"new-app-device-1")).expect("load");
    assert_eq!(again.read().expect("read"), year);
}

/// Two devices upgrading the same schema-1 dossier offline write the same upgrade, so
/// after merging there is one `meetings` map with both devices' meetings.
#[test]
fn two_devices_upgrading_offline_keep_both_meetings() {
    let bytes = schema_1(&[("t1", "2026-03-02", "2026-03-06", "Xã A")]);
    let mut a = DossierDoc::load(&bytes, actor(b"device-a-0000000")).expect("load");
    let mut b = DossierDoc::load(&bytes, actor(b"device-b-0000000")).expect("load");
    let meeting = |id: &str, d: &str| ChiDoanMeeting {
        date: day(d),
        chi_doan: format!("Chi đoàn {id}"),
        unit: HostUnit {
            id: None,
            name: "Huyện đoàn Châu Thành".into(),
            level: "huyen".into(),
        },
        id: Some(id.into()),
        invitation_only: false,
        trip: None,
        topic: None,
        members_present: Some(12),
        remarks: None,
    };
    a.put_meeting(&meeting("ma", "2026-03-03"), false, 1_000)
        .expect("put");
    b.put_meeting(&meeting("mb", "2026-03-04"), false, 2_000)
        .expect("put");
    a.merge(&mut b).expect("merge");
    let ids: Vec<Option<String>> = a
        .read()
        .expect("read")
        .meetings
        .into_iter()
        .map(|m| m.meeting.id)
        .collect();
    assert_eq!(ids, [Some("mb".into()), Some("ma".into())]);
}

#[test]
fn every_field_round_trips() {
    let mut doc = DossierDoc::new(&key(), actor(b"device-a-0000000"));
    let mut r = record("t1", "2026-03-02", "2026-03-06");
    r.trip.notes = Some("Mang theo tài liệu".into());
    r.trip.report = Some(TripReport {
        submitted_on: day("2026-03-09"),
        result: Some("Đã khảo sát 3 chi đoàn".into()),
        proposals: Some("Tăng sinh hoạt".into()),
        product: Some("Báo cáo khảo sát".into()),
        ..TripReport::default()
    });
    r.trip.difficulty_solved = Some(DifficultySolved {
        description: "Khôi phục sinh hoạt".into(),
        evidence: vec![Evidence {
            kind: EvidenceKind::Data,
            description: "Số liệu 2026".into(),
        }],
    });
    doc.put_trip(&r, 5_000).expect("put");
    doc.submit_registration("s1", "1", &["t1".into()], day("2025-12-10"), 6_000)
        .expect("submit");
    let year = doc.read().expect("read");
    assert_eq!(year.trips, [r.clone()]);
    assert_eq!(
        year.submissions,
        [Submission {
            id: "s1".into(),
            period: "1".into(),
            submitted_on: day("2025-12-10"),
            trips: vec!["t1".into()],
            created_at: 6_000,
        }]
    );
    // Removing the group and the evidence removes their entries.
    r.trip.group = None;
    r.trip.difficulty_solved = None;
    doc.put_trip(&r, 7_000).expect("put");
    assert_eq!(doc.read().expect("read").trips, [r]);
}

/// Two devices editing different fields of one trip offline both keep their edit.
#[test]
fn edits_of_different_fields_merge() {
    let mut a = DossierDoc::new(&key(), actor(b"device-a-0000000"));
    a.put_trip(&record("t1", "2026-03-02", "2026-03-06"), 1_000)
        .expect("put");
    let mut b = DossierDoc::load(&a.save(), actor(b"device-b-0000000")).expect("load");
    let mut ra = record("t1", "2026-03-02", "2026-03-06");
    ra.trip.end = day("2026-03-07");
    a.put_trip(&ra, 2_000).expect("put");
    let mut rb = record("t1", "2026-03-02", "2026-03-06");
    rb.trip.topic = Some("Chủ đề mới".into());
    b.put_trip(&rb, 3_000).expect("put");
    a.merge(&mut b).expect("merge");
    let t = &a.read().expect("read").trips[0].trip;
    assert_eq!(
        (t.end, t.topic.as_deref()),
        (day("2026-03-07"), Some("Chủ đề mới"))
    );
}

/// Issue 9: a trip's history says what changed, when and by which device.
#[test]
fn a_trips_history_names_fields_times_and_actors() {
    let mut doc = DossierDoc::new(&key(), actor(b"device-a-0000000"));
    doc.put_trip(&record("t1", "2026-03-02", "2026-03-06"), 1_700_000_000_000)
        .expect("put");
    let mut b = DossierDoc::load(&doc.save(), actor(b"device-b-0000000")).expect("load");
    let mut r = record("t1", "2026-03-02", "2026-03-07");
    r.trip.status = TripStatus::Incomplete;
    b.put_trip(&r, 1_700_000_360_000).expect("put");
    let mut am = b.automerge().clone();
    let history = crate::doc::history::entry_history(&mut am, "trips", "t1");
    let summary: Vec<(i64, ActorId, bool, Vec<String>)> = history
        .into_iter()
        .map(|h| {
            (
                h.at_ms,
                h.actor,
                h.created,
                h.fields.into_iter().map(|f| f.0).collect(),
            )
        })
        .collect();
    assert_eq!(summary.len(), 2, "{summary:?}");
    assert_eq!(summary[0].0, 1_700_000_000_000);
    assert!(summary[0].2);
    assert_eq!(summary[0].1, actor(b"device-a-0000000"));
    assert!(summary[0].3.contains(&"group/KG-0001".to_owned()));
    assert_eq!(
        (
            summary[1].0,
            summary[1].1.clone(),
            summary[1].2,
            summary[1].3.clone()
        ),
        (
            1_700_000_360_000,
            actor(b"device-b-0000000"),
            false,
            vec!["end".to_owned(), "status".to_owned()]
        )
    );
}

#[test]
fn garbage_and_foreign_documents_are_refused() {
    assert!(matches!(
        DossierDoc::load(b"not automerge", actor(b"device-a-0000000")),
        Err(DocError::Automerge(_))
    ));
    let mut other = AutoCommit::new();
    other.put(ROOT, "kind", "something-else").expect("put");
    assert!(matches!(
        DossierDoc::load(&other.save(), actor(b"device-a-0000000")),
        Err(DocError::Schema(_))
    ));
    // Another kind of document is not a dossier either.
    let hq = DocKey::party(crate::doc::DocKind::HqRecord, "KG", "", key().cadre, 2026)
        .expect("key")
        .genesis(actor(b"device-a-0000000"));
    assert!(DossierDoc::from_automerge(hq, actor(b"device-a-0000000")).is_err());
}

#[test]
fn incremental_saves_concatenate() {
    let mut doc = DossierDoc::new(&key(), actor(b"device-a-0000000"));
    let mut stored = doc.save();
    doc.put_trip(&record("t1", "2026-03-02", "2026-03-06"), 1_000)
        .expect("put");
    stored.extend(doc.save_incremental());
    let mut loaded = DossierDoc::load(&stored, actor(b"device-a-0000000")).expect("load");
    assert_eq!(loaded.read().expect("read").trips.len(), 1);
    assert!(loaded.save_incremental().is_empty());
}

/// Issue 11: the request for the host's confirmation is kept on the trip, read back by
/// any device, survives later edits of the trip, and the later ask wins.
#[test]
fn a_confirmation_request_is_kept_on_its_trip() {
    let mut a = DossierDoc::new(&key(), actor(b"device-a-0000000"));
    a.put_trip(&record("t1", "2026-03-02", "2026-03-06"), 1_000)
        .expect("put");
    let on_site = ConfirmationRequest {
        on: day("2026-03-06"),
        summary: "Dự sinh hoạt chi đoàn ấp 3".into(),
        by_link: false,
    };
    a.request_confirmation("t1", &on_site, 2_000).expect("ask");
    let mut b = DossierDoc::load(&a.save(), actor(b"device-b-0000000")).expect("load");
    assert_eq!(b.read().expect("read").requests.get("t1"), Some(&on_site));
    // Editing the trip does not drop the request.
    let mut edited = record("t1", "2026-03-02", "2026-03-06");
    edited.trip.notes = Some("Đã gặp bí thư xã".into());
    b.put_trip(&edited, 3_000).expect("edit");
    let by_link = ConfirmationRequest {
        on: day("2026-03-09"),
        summary: "Dự sinh hoạt chi đoàn ấp 3".into(),
        by_link: true,
    };
    b.request_confirmation("t1", &by_link, 4_000)
        .expect("ask again");
    a.merge(&mut b).expect("merge");
    let read = a.read().expect("read");
    assert_eq!(read.requests.get("t1"), Some(&by_link));
    assert!(read.unreadable.is_empty(), "{:?}", read.unreadable);
    assert!(
        a.request_confirmation("t9", &by_link, 5_000).is_err(),
        "no such trip"
    );
}
