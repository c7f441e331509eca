//! The first changes of a document, encoded from a template per kind rather than
//! committed on a document of their own (issue 10).

use super::{DocKey, DocKind, GENESIS_ACTOR};
use crate::doc::code::CadreCode;
use automerge::{ActorId, Change, ChangeHash, ExpandedChange, legacy};
use std::sync::OnceLock;

/// A kind's first changes as automerge encodes them, taken once from a document made by
/// [`DocKey::genesis`]: from key to key only the fields' values (and so the upgrade's
/// dependency) differ. Encoding a change from them costs a tenth of committing it on a
/// document of its own, and the server checks the first changes of every new document.
pub(super) struct FirstChanges {
    genesis: ExpandedChange,
    upgrade: Option<ExpandedChange>,
}

impl FirstChanges {
    pub(super) fn of(kind: DocKind) -> Option<&'static FirstChanges> {
        static TEMPLATES: OnceLock<Vec<Option<FirstChanges>>> = OnceLock::new();
        let all = TEMPLATES.get_or_init(|| DocKind::ALL.into_iter().map(Self::made).collect());
        let index = DocKind::ALL.iter().position(|k| *k == kind)?;
        all.get(index)?.as_ref()
    }

    fn made(kind: DocKind) -> Option<FirstChanges> {
        let cadre = CadreCode::parse("KG-1").ok()?;
        let key = DocKey::party(kind, "KG", "mau", cadre, 2026).ok()?;
        let mut doc = key.genesis(ActorId::from(GENESIS_ACTOR));
        let mut changes = doc.get_changes(&[]).into_iter().map(|c| c.decode());
        let template = FirstChanges {
            genesis: changes.next()?,
            upgrade: changes.next(),
        };
        // Only if re-encoding gives back what the document holds.
        (template.hashes(&key) == key.first_changes_committed()).then_some(template)
    }

    pub(super) fn hashes(&self, key: &DocKey) -> Vec<ChangeHash> {
        let fields = key.genesis_fields();
        let mut genesis = self.genesis.clone();
        for op in &mut genesis.operations {
            if let (legacy::Key::Map(name), legacy::OpType::Put(value)) = (&op.key, &mut op.action)
                && let Some((_, field)) = fields.iter().find(|(f, _)| name.as_str() == *f)
            {
                *value = field.clone();
            }
        }
        let genesis = Change::from(genesis).hash();
        let mut hashes = vec![genesis];
        if let Some(upgrade) = &self.upgrade {
            let mut upgrade = upgrade.clone();
            upgrade.deps = vec![genesis];
            hashes.push(Change::from(upgrade).hash());
        }
        hashes
    }
}
