//! The check of an update to a document the server already holds, looking only where the
//! new changes write. The document as held passed the whole check, and in a map only the
//! operations at a key decide what that key holds: so the rules can break only at keys
//! the new changes write to, and entries can turn unreadable only where they write.
//!
//! Why: automerge finds a key by scanning the object's operations, so the whole check
//! costs a scan per key, and grows with the square of the document (a year of 60 trips
//! took tens of milliseconds per edit; `cargo bench -p shared --bench schema`).

use super::{SchemaError, entry_allowed};
use crate::doc::key::{DocKey, DocKind};
use crate::doc::{dossier, party};
use automerge::legacy::{Key, ObjectId, OpId};
use automerge::{AutoCommit, Change, ObjId, ObjType, Prop, ReadDoc, Value};
use std::collections::HashSet;

/// A key of a map the new changes write to: the map and the key.
pub(super) type Written = (ObjId, String);

/// The keys the new changes write to, in the order written; `None` if one writes at the
/// root or in a sequence: then the whole document is checked.
pub(super) fn written(changes: &[Change]) -> Option<Vec<Written>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for change in changes {
        for op in change.decode().operations {
            // The actor index is a hint: automerge looks the actor up when it is wrong.
            let obj = match op.obj {
                ObjectId::Root => return None,
                ObjectId::Id(OpId(counter, actor)) => ObjId::Id(counter, actor, 0),
            };
            let Key::Map(key) = op.key else {
                return None;
            };
            let written = (obj, key.to_string());
            if seen.insert(written.clone()) {
                out.push(written);
            }
        }
    }
    Some(out)
}

/// The rules of [`super::check_update`], at the keys in `written` only.
pub(super) fn check(
    key: &DocKey,
    before: &AutoCommit,
    after: &AutoCommit,
    written: &[Written],
) -> Result<(), SchemaError> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for (obj, prop) in written {
        // Where the object is now; one no longer reachable from the root is let be, as
        // the whole check lets it be (its replacement is refused where it happened).
        let Some(path) = after.parents(obj).ok().and_then(|p| p.visible_path()) else {
            continue;
        };
        let mut names = Vec::with_capacity(path.len());
        for (_, p) in &path {
            match p {
                Prop::Map(name) => names.push(name.as_str()),
                Prop::Seq(_) => {
                    return Err(SchemaError::WrongType(format!("/{}", names.join("/"))));
                }
            }
        }
        let place = format!("/{}/{prop}", names.join("/"));
        check_key(before, after, obj, prop, &place)?;
        match names.as_slice() {
            [] => {}
            [map] => {
                if key.kind.top_maps().contains(map) {
                    let values = after.get_all(obj, prop.as_str()).unwrap_or_default();
                    let scalar = party::scalar_map(key.kind, map);
                    if !values.iter().all(|(v, _)| entry_allowed(v, scalar)) {
                        return Err(SchemaError::WrongType(format!("/{map}/{prop}")));
                    }
                }
                entries.push(((*map).to_owned(), prop.clone()));
            }
            [map, entry, ..] => entries.push(((*map).to_owned(), (*entry).to_owned())),
        }
    }
    entries.sort();
    entries.dedup();
    for (map, entry) in entries {
        if let Some(now) = unreadable(after, key.kind, &map, &entry)
            && unreadable(before, key.kind, &map, &entry).as_ref() != Some(&now)
        {
            return Err(SchemaError::Unreadable(now));
        }
    }
    Ok(())
}

/// The object rules at one key: an object held there before is still there, alone; an
/// object there now is a map, alone.
fn check_key(
    before: &AutoCommit,
    after: &AutoCommit,
    obj: &ObjId,
    prop: &str,
    place: &str,
) -> Result<(), SchemaError> {
    let now = after.get_all(obj, prop).unwrap_or_default();
    if let Ok(Some((Value::Object(_), held))) = before.get(obj, prop) {
        match now.as_slice() {
            [(Value::Object(_), same)] if *same == held => {}
            [_] | [] => return Err(SchemaError::ObjectReplaced(place.to_owned())),
            _ => return Err(SchemaError::Conflict(place.to_owned())),
        }
    }
    let objects = now
        .iter()
        .filter(|(v, _)| matches!(v, Value::Object(_)))
        .count();
    if objects > 0 && now.len() > 1 {
        return Err(SchemaError::Conflict(place.to_owned()));
    }
    match now.first() {
        Some((Value::Object(t), _)) if *t != ObjType::Map => {
            Err(SchemaError::WrongType(place.to_owned()))
        }
        _ => Ok(()),
    }
}

/// How the readers would name the entry among the unreadable, if they would.
fn unreadable(doc: &AutoCommit, kind: DocKind, map: &str, entry: &str) -> Option<String> {
    if party::scalar_map(kind, map) {
        party::entry_unreadable(doc, kind, map, entry)
    } else if kind == DocKind::CadreDossier {
        dossier::entry_unreadable(doc, map, entry)
    } else {
        None
    }
}
