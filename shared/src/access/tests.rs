use super::*;
use crate::directory::DeviceKey;
use crate::doc::{CadreCode, DocKey, DocKind};

fn kg() -> Directory {
    Directory::from_json(include_str!("../../../docs/examples/directory-kg.json"))
        .expect("example directory")
}

fn key(kind: DocKind, scope: &str, cadre: &str) -> DocKey {
    DocKey::party(
        kind,
        "KG",
        scope,
        CadreCode::parse(cadre).expect("code"),
        2026,
    )
    .expect("key")
}

/// Issue 8: the rights table of `docs/access.md`, row by row: (who, kind, scope, subject,
/// rights as "", "r" or "rw").
#[test]
fn rights_table() {
    use DocKind::*;
    let dir = kg();
    #[rustfmt::skip]
    let rows: &[(&str, &str, DocKind, &str, &str, &str)] = &[
        ("cadre, own dossier", "KG-0123", CadreDossier, "", "KG-0123", "rw"),
        ("cadre, a colleague's dossier", "KG-0124", CadreDossier, "", "KG-0123", ""),
        ("cadre, confirmations about them", "KG-0123", HostConfirmations, "xa-vinh-hoa-hiep", "KG-0123", "r"),
        ("cadre, confirmations about another", "KG-0124", HostConfirmations, "xa-vinh-hoa-hiep", "KG-0123", ""),
        ("cadre, review about them", "KG-0123", DepartmentReview, "BPT", "KG-0123", "r"),
        ("cadre, decisions about them", "KG-0123", StandingDecisions, "", "KG-0123", "r"),
        ("cadre, HQ's record about them", "KG-0123", HqRecord, "", "KG-0123", "r"),
        ("cadre, HQ's record about another", "KG-0123", HqRecord, "", "KG-0124", ""),
        ("head, own department's dossier", "KG-0010", CadreDossier, "", "KG-0123", "r"),
        ("head, another department's dossier", "KG-0010", CadreDossier, "", "KG-0200", ""),
        ("head, own department's review", "KG-0010", DepartmentReview, "BPT", "KG-0123", "rw"),
        ("head, review of another department's cadre", "KG-0010", DepartmentReview, "BPT", "KG-0200", ""),
        ("head, another department's review", "KG-0010", DepartmentReview, "BTC", "KG-0200", ""),
        ("head, decisions about own cadre", "KG-0010", StandingDecisions, "", "KG-0123", "r"),
        ("head, own dossier", "KG-0010", CadreDossier, "", "KG-0010", "rw"),
        ("hq, any dossier", "KG-0011", CadreDossier, "", "KG-0123", "r"),
        ("hq, its record", "KG-0011", HqRecord, "", "KG-0123", "rw"),
        ("hq, decisions", "KG-0011", StandingDecisions, "", "KG-0123", "r"),
        ("standing, decisions", "KG-0001", StandingDecisions, "", "KG-0123", "rw"),
        ("standing, any dossier", "KG-0001", CadreDossier, "", "KG-0200", "r"),
        ("standing, a review", "KG-0001", DepartmentReview, "BPT", "KG-0123", "r"),
        ("host officer, own unit's confirmations", "KG-H001", HostConfirmations, "xa-vinh-hoa-hiep", "KG-0123", "rw"),
        ("host officer, another unit's confirmations", "KG-H001", HostConfirmations, "xa-minh-hoa", "KG-0123", ""),
        ("host officer, a dossier", "KG-H001", CadreDossier, "", "KG-0123", ""),
        ("host officer, a unit not in the directory", "KG-H001", HostConfirmations, "xa-khong-co", "KG-0123", ""),
        ("admin, a dossier", "KG-A001", CadreDossier, "", "KG-0123", ""),
        ("admin, HQ's record", "KG-A001", HqRecord, "", "KG-0123", ""),
        ("district officer, a dossier", "KG-H002", CadreDossier, "", "KG-0123", ""),
        ("someone not in the directory", "KG-9999", CadreDossier, "", "KG-9999", ""),
    ];
    for (name, who, kind, scope, subject, expected) in rows {
        let r = rights(&dir, who, &key(*kind, scope, subject));
        let got = match (r.read, r.write) {
            (true, true) => "rw",
            (true, false) => "r",
            (false, false) => "",
            (false, true) => "w without r",
        };
        assert_eq!(got, *expected, "{name}");
    }
}

#[test]
fn another_provinces_documents_are_out_of_reach() {
    let dir = kg();
    let tn = DocKey::party(
        DocKind::HqRecord,
        "TN",
        "",
        CadreCode::parse("KG-0123").expect("code"),
        2026,
    )
    .expect("key");
    assert_eq!(rights(&dir, "KG-0011", &tn), Rights::NONE);
    assert_eq!(rights(&dir, "KG-0123", &tn), Rights::NONE);
}

#[test]
fn authors_must_be_registered_writers() {
    let mut snapshot = kg().snapshot().clone();
    let device = |id: &str, person: &str, actor: &str, revoked: bool| DeviceKey {
        id: id.into(),
        person: person.into(),
        public_key: String::new(),
        actors: vec![actor.into()],
        label: String::new(),
        enrolled_at: 0,
        revoked_at: revoked.then_some(1),
    };
    let hex = |b: &[u8; 16]| ActorId::from(*b).to_hex_string();
    snapshot.devices = vec![
        device("d1", "KG-0123", &hex(b"phone-of-an-0001"), false),
        device("d2", "KG-0124", &hex(b"phone-of-bao-001"), false),
        device("d3", "KG-0123", &hex(b"old-phone-an-001"), true),
    ];
    let dir = Directory::new(snapshot);
    let dossier = DocKey::dossier(CadreCode::parse("KG-0123").expect("code"), 2026);
    let authors = |list: &[&[u8; 16]]| list.iter().map(|b| ActorId::from(**b)).collect();
    assert_eq!(
        check_authors(&dir, &dossier, &authors(&[b"phone-of-an-0001"])),
        Ok(())
    );
    assert_eq!(
        check_authors(&dir, &dossier, &authors(&[b"phone-of-bao-001"])),
        Err(AuthorError::NotAWriter {
            person: "KG-0124".into(),
            device: "d2".into()
        })
    );
    assert_eq!(
        check_authors(&dir, &dossier, &authors(&[b"old-phone-an-001"])),
        Err(AuthorError::Revoked {
            device: "d3".into()
        })
    );
    assert_eq!(
        check_authors(&dir, &dossier, &authors(&[b"never-registered"])),
        Err(AuthorError::Unregistered(hex(b"never-registered")))
    );
}
