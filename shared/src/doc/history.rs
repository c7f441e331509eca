//! The history of one entry (a trip, a meeting): which change touched which field, when,
//! and with which actor, read from the document's own change log. Every change is
//! attributable because the server accepts only registered actors (`docs/access.md`).

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};

/// One change to an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The change's time as its device said, in milliseconds (changes carry seconds).
    pub at_ms: i64,
    pub actor: ActorId,
    /// The entry was created by this change.
    pub created: bool,
    /// The fields it set (`None`: removed), in order, without repeats.
    pub fields: Vec<(String, Option<ScalarValue>)>,
}

/// The changes that touched `top_map[id]` (or the maps inside it), oldest first.
pub fn entry_history(doc: &mut AutoCommit, top_map: &str, id: &str) -> Vec<HistoryEntry> {
    let Ok(Some((Value::Object(ObjType::Map), map))) = doc.get(ROOT, top_map) else {
        return Vec::new();
    };
    let Ok(Some((Value::Object(ObjType::Map), entry))) = doc.get(&map, id) else {
        return Vec::new();
    };
    // The entry's object and the maps inside it (group, evidence), by their printed ids,
    // which legacy (decoded) ops print the same way.
    // Fields of inner maps are named `group/<code>`.
    let mut objects = vec![(entry.to_string(), String::new())];
    for key in doc.keys(&entry) {
        if let Ok(Some((Value::Object(_), inner))) = doc.get(&entry, key.as_str()) {
            objects.push((inner.to_string(), format!("{key}/")));
        }
    }
    let map_id = map.to_string();
    let mut out = Vec::new();
    for change in doc.get_changes(&[]) {
        let decoded = change.decode();
        let mut item = HistoryEntry {
            at_ms: decoded.time.saturating_mul(1000),
            actor: decoded.actor_id.clone(),
            created: false,
            fields: Vec::new(),
        };
        for op in &decoded.operations {
            let obj = match &op.obj {
                ObjectId::Root => "_root".to_owned(),
                other => other.to_string(),
            };
            let Key::Map(field) = &op.key else {
                continue;
            };
            if obj == map_id && field.as_str() == id {
                item.created |= matches!(op.action, OpType::Make(_));
                continue;
            }
            let Some((_, prefix)) = objects.iter().find(|(o, _)| *o == obj) else {
                continue;
            };
            let value = match &op.action {
                OpType::Put(v) => Some(v.clone()),
                OpType::Delete => None,
                _ => continue,
            };
            let name = format!("{prefix}{field}");
            item.fields.retain(|(f, _)| f != &name);
            item.fields.push((name, value));
        }
        if item.created || !item.fields.is_empty() {
            out.push(item);
        }
    }
    out
}
