//! The server's schema check (`doc::schema::check_update`) on one edit of one trip, in a
//! dossier of one trip and in a year of 60 trips and 30 chi đoàn meetings (issue 10: the
//! check was a third of the sync server's CPU). Prints the time per check.
//! Run: `cargo bench -p shared --bench schema`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, AutoCommit, ReadDoc, Value};
    use chrono::{Days, NaiveDate};
    use shared::doc::schema::check_update;
    use shared::doc::{Basis, CadreCode, DossierDoc, DossierKey, TripRecord};
    use shared::dossier::{Approval, ChiDoanMeeting, HostUnit, Trip, TripStatus};
    use std::hint::black_box;
    use std::time::Instant;

    fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, 2).unwrap_or(NaiveDate::MIN) + Days::new(n)
    }

    fn host(i: usize) -> HostUnit {
        HostUnit {
            id: None,
            name: format!("Đoàn xã Vĩnh Hòa Hiệp số {i}, huyện Châu Thành"),
            level: "co-so".into(),
        }
    }

    fn trip(i: usize) -> TripRecord {
        TripRecord {
            trip: Trip {
                start: day(i as u64 * 5),
                end: day(i as u64 * 5 + 2),
                id: Some(format!("t{i}")),
                host: host(i),
                content_type: "3.2".into(),
                topic: Some("Hỗ trợ thanh niên khởi nghiệp, chuyển đổi số".into()),
                thematic: false,
                outline_approved: false,
                three_together: false,
                approval: Approval::Registered,
                invitation_only: false,
                status: TripStatus::Done,
                confirmation: None,
                report: None,
                difficulty_solved: None,
                outline: None,
                group: None,
                notes: Some("Làm việc cùng Ban Thường vụ Đoàn xã.".into()),
            },
            basis: Basis::Registration,
            created_at: 1_000 + i as i64,
            host_level_known: true,
        }
    }

    fn meeting(i: usize) -> ChiDoanMeeting {
        ChiDoanMeeting {
            date: day(i as u64 * 10 + 1),
            chi_doan: format!("Chi đoàn ấp Phước Thạnh {i}"),
            unit: host(i),
            id: Some(format!("m{i}")),
            invitation_only: false,
            trip: None,
            topic: Some("Sinh hoạt chuyên đề".into()),
            members_present: Some(18),
            remarks: Some("Sinh hoạt đúng nội dung.".into()),
        }
    }

    /// A dossier of `trips` trips and `meetings` meetings, each written in its own change.
    fn dossier(trips: usize, meetings: usize) -> (DossierKey, AutoCommit) {
        let key = DossierKey {
            cadre: CadreCode::parse("KG-0123").expect("a valid code"),
            year: 2027,
        };
        let mut doc = DossierDoc::new(&key, ActorId::from(*b"cadre-phone-0001"));
        for i in 0..trips {
            doc.put_trip(&trip(i), 1_000 + i as i64).expect("a trip");
        }
        for i in 0..meetings {
            doc.put_meeting(&meeting(i), false, 5_000 + i as i64)
                .expect("a meeting");
        }
        (key, doc.automerge().clone())
    }

    /// Seconds per check of `before` plus one edit of trip `t0`'s notes by another device.
    fn time_edit(before: &AutoCommit, id: &shared::sync::DocumentId, rounds: u32) -> f64 {
        let mut after = before
            .clone()
            .with_actor(ActorId::from(*b"cadre-phone-0002"));
        let trips = match after.get(automerge::ROOT, "trips") {
            Ok(Some((Value::Object(_), o))) => o,
            _ => panic!("no trips"),
        };
        let t0 = match after.get(&trips, "t0") {
            Ok(Some((Value::Object(_), o))) => o,
            _ => panic!("no t0"),
        };
        after.put(&t0, "notes", "Một lần sửa").expect("put");
        after.commit();
        let started = Instant::now();
        for _ in 0..rounds {
            let (mut b, mut a) = (before.clone(), after.clone());
            black_box(check_update(id, &mut b, &mut a).expect("a valid edit"));
        }
        let with = started.elapsed().as_secs_f64();
        // The clones alone, taken off.
        let started = Instant::now();
        for _ in 0..rounds {
            black_box((before.clone(), after.clone()));
        }
        (with - started.elapsed().as_secs_f64()) / f64::from(rounds)
    }

    /// Seconds per check of a whole new document (the server's first sight of it).
    fn time_creation(doc: &AutoCommit, id: &shared::sync::DocumentId, rounds: u32) -> f64 {
        let started = Instant::now();
        for _ in 0..rounds {
            let mut a = doc.clone();
            black_box(check_update(id, &mut AutoCommit::new(), &mut a).expect("valid"));
        }
        let with = started.elapsed().as_secs_f64();
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(doc.clone());
        }
        (with - started.elapsed().as_secs_f64()) / f64::from(rounds)
    }

    pub fn main() {
        println!("schema check (doc::schema::check_update), release build, one core:");
        for (trips, meetings, rounds) in [(1, 0, 2000), (60, 30, 200)] {
            let (key, mut doc) = dossier(trips, meetings);
            let id = key.document_id();
            let stored = doc.save().len();
            let edit = time_edit(&doc, &id, rounds);
            let creation = time_creation(&doc, &id, rounds / 4);
            println!(
                "  {trips} trip(s), {meetings} meeting(s), {stored} bytes stored: \
                 an edit of one trip {:.3} ms; the whole document new {:.3} ms",
                edit * 1e3,
                creation * 1e3
            );
        }
        let key = dossier(1, 0).0.doc_key();
        let started = Instant::now();
        for _ in 0..2000 {
            black_box(key.first_changes());
        }
        println!(
            "  of a new dossier's check, building the first changes (genesis, upgrade) it must \
             start with: {:.3} ms",
            started.elapsed().as_secs_f64() / 2000.0 * 1e3
        );
    }
}
