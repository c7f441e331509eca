//! Which document: its kind and key, the id derived from them, and the first changes
//! every device writes identically.

use super::code::{CadreCode, valid_id, valid_province};
use crate::sync::DocumentId;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Change, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod first;
use first::FirstChanges;

/// The actor of every document's first change. With a fixed actor and time, every device
/// that creates "the same" document offline writes byte-identical first changes, so their
/// top-level maps are one object and nobody's entries hide anybody else's.
pub const GENESIS_ACTOR: [u8; 16] = *b"dicoso-genesis-1";

/// The actor of the cadre dossier's deterministic upgrade from schema 1 to 2.
pub const UPGRADE_ACTOR: [u8; 16] = *b"dicoso-upgrade-2";

/// What a document is for, and so who writes it (`docs/documents.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    /// Hồ sơ đi cơ sở: what the cadre records about their year.
    CadreDossier,
    /// Xác nhận của cơ sở: a host unit's confirmations of one cadre's visits.
    HostConfirmations,
    /// What a department's head decides about one of its cadres.
    DepartmentReview,
    /// What the standing committee (Thường trực) decides about one cadre.
    StandingDecisions,
    /// What HQ (Ban Tổ chức – Kiểm tra) records about one cadre.
    HqRecord,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::CadreDossier,
        DocKind::HostConfirmations,
        DocKind::DepartmentReview,
        DocKind::StandingDecisions,
        DocKind::HqRecord,
    ];

    /// The `kind` field written in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::CadreDossier => "cadre-dossier",
            DocKind::HostConfirmations => "host-confirmations",
            DocKind::DepartmentReview => "department-review",
            DocKind::StandingDecisions => "standing-decisions",
            DocKind::HqRecord => "hq-record",
        }
    }

    pub fn parse(text: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DocKind::CadreDossier => "Hồ sơ đi cơ sở",
            DocKind::HostConfirmations => "Xác nhận của cơ sở",
            DocKind::DepartmentReview => "Đánh giá của phòng, ban",
            DocKind::StandingDecisions => "Quyết định của Thường trực",
            DocKind::HqRecord => "Theo dõi của Ban Tổ chức – Kiểm tra",
        }
    }

    /// The root field naming the scope (the unit or department), if the kind has one.
    pub fn scope_field(self) -> Option<&'static str> {
        match self {
            DocKind::HostConfirmations => Some("unit"),
            DocKind::DepartmentReview => Some("department"),
            _ => None,
        }
    }

    /// The top-level maps the genesis creates (after any deterministic upgrade).
    pub fn top_maps(self) -> &'static [&'static str] {
        match self {
            DocKind::CadreDossier => &["trips", "registrations", "meetings", "confirmations"],
            DocKind::HostConfirmations => &["confirmations", "withdrawals"],
            DocKind::DepartmentReview => &["registrations", "outlines", "grades"],
            DocKind::StandingDecisions => &["registrations", "decisions", "waivers"],
            DocKind::HqRecord => &["reminders", "exemptions", "ratings"],
        }
    }
}

/// Which dossier document: one per cadre and year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DossierKey {
    pub cadre: CadreCode,
    pub year: i32,
}

impl DossierKey {
    /// The key a dossier document carries in its first change (read without wrapping the
    /// document: the sync shell sorts documents it only passes on). `None` for anything
    /// else.
    pub fn of(doc: &AutoCommit) -> Option<DossierKey> {
        match DocKey::of(doc)? {
            DocKey {
                kind: DocKind::CadreDossier,
                cadre,
                year,
                ..
            } => Some(DossierKey { cadre, year }),
            _ => None,
        }
    }

    /// The document id every device derives for this cadre and year (unchanged since
    /// schema 1).
    pub fn document_id(&self) -> DocumentId {
        hashed_id(&format!(
            "dicoso/cadre-dossier/v1\0{}\0{}",
            self.cadre, self.year
        ))
    }

    pub fn doc_key(&self) -> DocKey {
        DocKey::dossier(self.cadre.clone(), self.year)
    }
}

/// Which document, of any kind: the subject cadre and year, and for other parties'
/// documents the province and (host unit, department) scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocKey {
    pub kind: DocKind,
    /// Empty for a cadre dossier (whose id predates provinces in keys).
    pub province: String,
    /// The unit (host confirmations) or department (department review); else empty.
    pub scope: String,
    pub cadre: CadreCode,
    pub year: i32,
}

/// Why a key cannot name a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("mã tỉnh “{0}” không hợp lệ")]
    Province(String),
    #[error("mã đơn vị, phòng ban “{0}” không hợp lệ")]
    Scope(String),
    #[error("năm {0} không hợp lệ")]
    Year(i32),
}

impl DocKey {
    pub fn dossier(cadre: CadreCode, year: i32) -> DocKey {
        DocKey {
            kind: DocKind::CadreDossier,
            province: String::new(),
            scope: String::new(),
            cadre,
            year,
        }
    }

    /// A key of another party's document about `cadre`'s `year`; `scope` is the unit
    /// (host confirmations) or department (department review), ignored for other kinds.
    pub fn party(
        kind: DocKind,
        province: &str,
        scope: &str,
        cadre: CadreCode,
        year: i32,
    ) -> Result<DocKey, KeyError> {
        if kind == DocKind::CadreDossier {
            return Ok(DocKey::dossier(cadre, year));
        }
        if !valid_province(province) {
            return Err(KeyError::Province(province.to_owned()));
        }
        let scope = match kind.scope_field() {
            Some(_) if valid_id(scope) => scope.to_owned(),
            Some(_) => return Err(KeyError::Scope(scope.to_owned())),
            None => String::new(),
        };
        if !(2000..=2100).contains(&year) {
            return Err(KeyError::Year(year));
        }
        Ok(DocKey {
            kind,
            province: province.to_owned(),
            scope,
            cadre,
            year,
        })
    }

    /// Every document about `cadre`'s `year` that someone else writes: the standing
    /// committee's decisions, HQ's record, the review of the cadre's `department` and the
    /// confirmations of each of `host_units`. What the cadre's phone asks the server for,
    /// and an office page about that cadre-year too; keys that cannot be made (an
    /// invalid unit id) are left out.
    pub fn parties_about<S: AsRef<str>>(
        province: &str,
        cadre: &CadreCode,
        year: i32,
        department: Option<&str>,
        host_units: impl IntoIterator<Item = S>,
    ) -> Vec<DocKey> {
        let mut wanted = vec![
            (DocKind::StandingDecisions, String::new()),
            (DocKind::HqRecord, String::new()),
        ];
        if let Some(d) = department {
            wanted.push((DocKind::DepartmentReview, d.to_owned()));
        }
        for unit in host_units {
            wanted.push((DocKind::HostConfirmations, unit.as_ref().to_owned()));
        }
        wanted
            .into_iter()
            .filter_map(|(kind, scope)| {
                DocKey::party(kind, province, &scope, cadre.clone(), year).ok()
            })
            .collect()
    }

    pub fn dossier_key(&self) -> Option<DossierKey> {
        (self.kind == DocKind::CadreDossier).then(|| DossierKey {
            cadre: self.cadre.clone(),
            year: self.year,
        })
    }

    /// `bs58check(SHA-256(name)[..16])` over a versioned, unambiguous name
    /// (`docs/documents.md`): every device derives it alone.
    pub fn document_id(&self) -> DocumentId {
        match self.kind {
            DocKind::CadreDossier => hashed_id(&format!(
                "dicoso/cadre-dossier/v1\0{}\0{}",
                self.cadre, self.year
            )),
            kind => hashed_id(&format!(
                "dicoso/{}/v1\0{}\0{}\0{}\0{}",
                kind.as_str(),
                self.province,
                self.scope,
                self.cadre,
                self.year
            )),
        }
    }

    /// The key a document says it has, from its root fields; `None` if they are missing,
    /// malformed, or conflicting (two values for one field).
    pub fn of(doc: &AutoCommit) -> Option<DocKey> {
        let kind = DocKind::parse(&single_text(doc, "kind")?)?;
        let cadre = CadreCode::parse(&single_text(doc, "cadre")?).ok()?;
        let year = match single(doc, "year")? {
            ScalarValue::Int(y) => i32::try_from(y).ok()?,
            ScalarValue::Uint(y) => i32::try_from(y).ok()?,
            _ => return None,
        };
        if kind == DocKind::CadreDossier {
            return Some(DocKey::dossier(cadre, year));
        }
        let province = single_text(doc, "province")?;
        let scope = match kind.scope_field() {
            Some(field) => single_text(doc, field)?,
            None => String::new(),
        };
        DocKey::party(kind, &province, &scope, cadre, year).ok()
    }

    /// The document as first created on any device: the genesis change (and, for a cadre
    /// dossier, the upgrade to schema 2), byte-identical everywhere. Later changes are
    /// made with `actor`.
    pub fn genesis(&self, actor: ActorId) -> AutoCommit {
        let mut doc = self.genesis_doc();
        self.upgrade_in_place(&mut doc);
        doc.set_actor(actor);
        doc
    }

    /// The root fields the genesis change writes, in order.
    fn genesis_fields(&self) -> Vec<(&'static str, ScalarValue)> {
        let dossier = self.kind == DocKind::CadreDossier;
        let mut fields = vec![
            ("schema", ScalarValue::Uint(if dossier { 1 } else { 2 })),
            ("kind", ScalarValue::from(self.kind.as_str())),
        ];
        if !dossier {
            fields.push(("province", ScalarValue::from(self.province.as_str())));
            if let Some(field) = self.kind.scope_field() {
                fields.push((field, ScalarValue::from(self.scope.as_str())));
            }
        }
        fields.push(("cadre", ScalarValue::from(self.cadre.as_str())));
        fields.push(("year", ScalarValue::Int(i64::from(self.year))));
        fields
    }

    /// The first change alone, as schema 1 wrote it for a dossier.
    fn genesis_doc(&self) -> AutoCommit {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
        // Puts on a fresh document cannot fail; if they ever did, the key check on load
        // would refuse the document.
        let dossier = self.kind == DocKind::CadreDossier;
        for (field, value) in self.genesis_fields() {
            let _ = doc.put(ROOT, field, value);
        }
        let maps: &[&str] = if dossier {
            &["trips"]
        } else {
            self.kind.top_maps()
        };
        for map in maps {
            let _ = doc.put_object(ROOT, *map, ObjType::Map);
        }
        doc.commit_with(CommitOptions::default().with_time(0));
        doc
    }

    /// Makes the cadre dossier's upgrade from schema 1 to 2 (`registrations`, `meetings`
    /// and `confirmations`) on `doc`, which holds the genesis change alone: its only
    /// dependency is that change, so every device makes the same bytes. Other kinds are
    /// born at schema 2: nothing to do.
    fn upgrade_in_place(&self, doc: &mut AutoCommit) {
        if self.kind != DocKind::CadreDossier {
            return;
        }
        doc.set_actor(ActorId::from(UPGRADE_ACTOR));
        let _ = doc.put(ROOT, "schema", 2u64);
        let _ = doc.put_object(ROOT, "registrations", ObjType::Map);
        let _ = doc.put_object(ROOT, "meetings", ObjType::Map);
        let _ = doc.put_object(ROOT, "confirmations", ObjType::Map);
        doc.commit_with(CommitOptions::default().with_time(0));
    }

    /// The cadre dossier's upgrade from schema 1 to 2, as a change to apply to a schema-1
    /// dossier.
    pub fn upgrade_change(&self) -> Option<Change> {
        if self.kind != DocKind::CadreDossier {
            return None;
        }
        let mut doc = self.genesis_doc();
        let genesis = doc.get_heads();
        self.upgrade_in_place(&mut doc);
        doc.get_changes(&genesis).into_iter().next()
    }

    /// Hashes of the changes only [`genesis`](Self::genesis) may write: the genesis and,
    /// for a dossier, the upgrade. (Each commit on a linear history is the one head.)
    pub fn first_changes(&self) -> Vec<ChangeHash> {
        match FirstChanges::of(self.kind) {
            Some(template) => template.hashes(self),
            None => self.first_changes_committed(),
        }
    }

    /// [`first_changes`](Self::first_changes) the slow way: made on a document of their
    /// own, as [`genesis`](Self::genesis) makes them.
    fn first_changes_committed(&self) -> Vec<ChangeHash> {
        let mut doc = self.genesis_doc();
        let mut hashes = doc.get_heads();
        if self.kind == DocKind::CadreDossier {
            self.upgrade_in_place(&mut doc);
            hashes.extend(doc.get_heads());
        }
        hashes
    }
}

fn hashed_id(name: &str) -> DocumentId {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    DocumentId::from_bytes(bytes)
}

/// The one scalar at a root key; `None` if absent, an object, or conflicting.
fn single(doc: &AutoCommit, key: &str) -> Option<ScalarValue> {
    let mut values = doc.get_all(ROOT, key).ok()?;
    if values.len() != 1 {
        return None;
    }
    match values.pop()? {
        (Value::Scalar(s), _) => Some(s.into_owned()),
        _ => None,
    }
}

fn single_text(doc: &AutoCommit, key: &str) -> Option<String> {
    match single(doc, key)? {
        ScalarValue::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> CadreCode {
        CadreCode::parse(c).expect("code")
    }

    /// Issue 4: every device derives the same id for a cadre's year, different ids for
    /// other cadres or years, and the id never changes between versions (pinned).
    #[test]
    fn dossier_ids_are_derived_from_cadre_and_year() {
        let id = |c: &str, year| {
            DossierKey {
                cadre: code(c),
                year,
            }
            .document_id()
            .to_string()
        };
        assert_eq!(id("KG-0123", 2026), id("kg-0123", 2026));
        assert_ne!(id("KG-0123", 2026), id("KG-0123", 2025));
        assert_ne!(id("KG-0123", 2026), id("KG-0124", 2026));
        assert_eq!(id("KG-0123", 2026), "Duxb2UcJVqnt1CQQLXTFQpSomQX");
        assert_eq!(
            DocKey::dossier(code("KG-0123"), 2026)
                .document_id()
                .to_string(),
            "Duxb2UcJVqnt1CQQLXTFQpSomQX"
        );
    }

    /// Issue 8: the ids of other parties' documents are pinned too, one per kind, and
    /// differ from each other and from the dossier's.
    #[test]
    fn every_kind_has_its_own_pinned_id() {
        let mut ids = Vec::new();
        for kind in DocKind::ALL {
            let key = DocKey::party(kind, "KG", "BTC", code("KG-0123"), 2026).expect("key");
            ids.push((kind, key.document_id().to_string()));
        }
        let pinned: Vec<(DocKind, &str)> = ids.iter().map(|(k, id)| (*k, id.as_str())).collect();
        expect_test::expect![[r#"
            [
                (
                    CadreDossier,
                    "Duxb2UcJVqnt1CQQLXTFQpSomQX",
                ),
                (
                    HostConfirmations,
                    "3YvdbUBAt1EXLCMXAEaW3peqXRkQ",
                ),
                (
                    DepartmentReview,
                    "3j4R59Xej9m55UyErqce4EvTHnhF",
                ),
                (
                    StandingDecisions,
                    "2K1Kk3zpLUamW4HNsN3nGBEkN1fv",
                ),
                (
                    HqRecord,
                    "48C2uAkcrnAkWjWUHzSBdgsgmdG",
                ),
            ]
        "#]]
        .assert_debug_eq(&pinned);
    }

    /// Issue 9: two devices creating a dossier offline, or upgrading the same schema-1
    /// dossier, write the same first changes; the key reads back from the document.
    #[test]
    fn first_changes_are_the_same_on_every_device() {
        for kind in DocKind::ALL {
            let key = DocKey::party(kind, "KG", "xa-vinh-hoa", code("KG-0123"), 2026).expect("key");
            let mut a = key.genesis(ActorId::from(*b"device-a-0000000"));
            let mut b = key.genesis(ActorId::from(*b"device-b-0000000"));
            assert_eq!(a.save(), b.save(), "{kind:?}");
            assert_eq!(DocKey::of(&a).as_ref(), Some(&key), "{kind:?}");
            let heads: Vec<ChangeHash> = a.get_changes(&[]).iter().map(Change::hash).collect();
            assert_eq!(heads, key.first_changes(), "{kind:?}");
            for map in kind.top_maps() {
                assert!(
                    matches!(
                        a.get(ROOT, *map),
                        Ok(Some((Value::Object(ObjType::Map), _)))
                    ),
                    "{kind:?} {map}"
                );
            }
        }
    }

    /// Issue 10: the first changes encoded from a kind's template are the ones a
    /// document of their own commits, whatever the fields' values and lengths.
    #[test]
    fn first_changes_from_the_template_are_the_committed_ones() {
        let keys = [
            ("KG", "x", "KG-9", 2000),
            ("TN", "phuong-tan-ninh-khu-pho-3", "TN-123456", 2100),
            ("HCM", "a-1", "HCM-42", 2027),
        ];
        for kind in DocKind::ALL {
            assert!(FirstChanges::of(kind).is_some(), "{kind:?} has no template");
            for (province, scope, cadre, year) in keys {
                let key = DocKey::party(kind, province, scope, code(cadre), year).expect("key");
                assert_eq!(
                    key.first_changes(),
                    key.first_changes_committed(),
                    "{kind:?} {province} {scope} {cadre} {year}"
                );
            }
        }
    }

    #[test]
    fn keys_refuse_bad_provinces_and_scopes() {
        let party = |province: &str, scope: &str| {
            DocKey::party(
                DocKind::HostConfirmations,
                province,
                scope,
                code("KG-1"),
                2026,
            )
        };
        assert!(party("KG", "xa-1").is_ok());
        assert_eq!(party("kg", "xa-1"), Err(KeyError::Province("kg".into())));
        assert_eq!(party("KG", "xã 1"), Err(KeyError::Scope("xã 1".into())));
        // Kinds without a scope ignore it.
        let hq = DocKey::party(
            DocKind::HqRecord,
            "KG",
            "anything at all",
            code("KG-1"),
            2026,
        )
        .expect("key");
        assert_eq!(hq.scope, "");
    }

    /// Issue 12: the documents about a cadre-year that a phone or an office page asks
    /// for: the standing committee's, HQ's, the department's review when there is a
    /// department, each host unit's; a unit id that cannot be one is left out.
    #[test]
    fn the_documents_about_a_cadre_year_are_each_partys() {
        let kinds = |department, units: &[&str]| {
            DocKey::parties_about("KG", &code("KG-0123"), 2026, department, units)
                .into_iter()
                .map(|k| format!("{} {}", k.kind.as_str(), k.scope))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(Some("ban-phong-trao"), &["xa-vinh-hoa-hiep", "Not An Id!"]),
            [
                "standing-decisions ",
                "hq-record ",
                "department-review ban-phong-trao",
                "host-confirmations xa-vinh-hoa-hiep",
            ]
        );
        assert_eq!(kinds(None, &[]), ["standing-decisions ", "hq-record "]);
    }
}
