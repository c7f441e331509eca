//! What a peer's changes must respect before the server keeps them (`docs/documents.md`,
//! "Schema rules"). The server applies a sync message to a copy of the document, calls
//! [`check_update`] on the copy, and keeps it only if it passes.

use super::key::{DocKey, DocKind, GENESIS_ACTOR, UPGRADE_ACTOR};
use super::{dossier, party};
use crate::sync::DocumentId;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value, ValueRef};
use std::collections::BTreeSet;

/// Why changes were refused. The message reaches the peer (and so the person) as the
/// protocol's `error`; it names the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("tài liệu không có loại, mã cán bộ hoặc năm hợp lệ")]
    NoKey,
    #[error("tài liệu tự nhận là {0}, không khớp với mã tài liệu")]
    WrongId(String),
    #[error("thiếu thay đổi khởi tạo chuẩn của tài liệu")]
    MissingGenesis,
    #[error("thay đổi mang tác nhân khởi tạo nhưng không phải thay đổi khởi tạo chuẩn")]
    ForgedGenesis,
    #[error("mục “{0}” không được phép ở gốc tài liệu")]
    UnexpectedRootField(String),
    #[error("“{0}” có hai giá trị cùng lúc")]
    Conflict(String),
    #[error("đối tượng “{0}” bị thay thế hoặc xoá (chỉ được sửa, không được thay)")]
    ObjectReplaced(String),
    #[error("“{0}” không phải kiểu dữ liệu được phép")]
    WrongType(String),
    #[error("mục “{0}” không đúng định dạng")]
    Unreadable(String),
}

/// What the check found out about a document that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub key: DocKey,
    /// Actors of the new changes, the deterministic first changes excepted: each must be
    /// registered to a device of someone who may write the document.
    pub authors: BTreeSet<ActorId>,
}

/// Checks `after` (a copy of `before` with a peer's changes applied) for the document
/// `id`. `before` is empty for a document the server does not have yet.
pub fn check_update(
    id: &DocumentId,
    before: &mut AutoCommit,
    after: &mut AutoCommit,
) -> Result<Checked, SchemaError> {
    check(id, before, after, Scope::Written)
}

/// Where the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// At the keys the new changes write to ([`increment`]), when the document is held
    /// already and they write neither at the root nor in a sequence; else everywhere.
    Written,
    /// Everywhere: what the tests compare the other with.
    #[cfg_attr(not(test), allow(dead_code))]
    Whole,
}

fn check(
    id: &DocumentId,
    before: &mut AutoCommit,
    after: &mut AutoCommit,
    scope: Scope,
) -> Result<Checked, SchemaError> {
    let key = DocKey::of(after).ok_or(SchemaError::NoKey)?;
    if &key.document_id() != id {
        return Err(SchemaError::WrongId(format!(
            "{} của {} năm {}",
            key.kind.label_vi(),
            key.cadre,
            key.year
        )));
    }
    let before_heads = before.get_heads();
    let empty_before = before_heads.is_empty();
    let mut authors = BTreeSet::new();
    // Made only when a change claims a first change's actor (a new document's do): the
    // first changes cost a document of their own, and most updates carry none.
    let mut first = None;
    let changes = after.get_changes(&before_heads);
    for change in &changes {
        let actor = change.actor_id();
        let bytes = actor.to_bytes();
        if bytes == GENESIS_ACTOR || bytes == UPGRADE_ACTOR {
            let first = first.get_or_insert_with(|| key.first_changes());
            if !first.contains(&change.hash()) {
                return Err(SchemaError::ForgedGenesis);
            }
        } else {
            authors.insert(actor.clone());
        }
    }
    // A non-empty `before` passed this check (the server keeps nothing else), so it holds
    // the genesis and `after` too; a new document must bring it.
    if empty_before {
        let genesis = first.as_ref().and_then(|f| f.first());
        if genesis.is_none_or(|g| after.get_change_by_hash(g).is_none()) {
            return Err(SchemaError::MissingGenesis);
        }
    }
    check_root(&key, after)?;
    let written = match scope {
        Scope::Written if !empty_before => increment::written(&changes),
        _ => None,
    };
    match written {
        Some(written) => increment::check(&key, before, after, &written)?,
        None => {
            check_objects(before, after)?;
            check_entries(&key, empty_before, before, after)?;
        }
    }
    Ok(Checked { key, authors })
}

/// The root holds the key's fields and the kind's top-level maps, each once.
fn check_root(key: &DocKey, doc: &AutoCommit) -> Result<(), SchemaError> {
    let mut scalars = vec!["schema", "kind", "cadre", "year"];
    if key.kind != DocKind::CadreDossier {
        scalars.push("province");
    }
    if let Some(field) = key.kind.scope_field() {
        scalars.push(field);
    }
    for field in doc.keys(ROOT) {
        let values = doc.get_all(ROOT, field.as_str()).unwrap_or_default();
        if values.len() != 1 {
            return Err(SchemaError::Conflict(field));
        }
        let is_map = matches!(values[0].0, Value::Object(ObjType::Map));
        let allowed = if is_map {
            key.kind.top_maps().contains(&field.as_str())
        } else {
            scalars.contains(&field.as_str())
        };
        if !allowed {
            return Err(SchemaError::UnexpectedRootField(field));
        }
    }
    Ok(())
}

/// Objects are maps, never replaced or deleted, and never two at one key. Each map is
/// read in one pass (`map_range`); a key is looked up alone only where it matters (an
/// object held before, or values written at once).
fn check_objects(before: &AutoCommit, after: &AutoCommit) -> Result<(), SchemaError> {
    // Every object of `before` keeps its place in `after`.
    let mut stack: Vec<(ObjId, String)> = vec![(ROOT, String::new())];
    while let Some((obj, path)) = stack.pop() {
        for item in before.map_range(&obj, ..) {
            if !matches!(item.value, ValueRef::Object(_)) {
                continue;
            }
            let (key, child) = (item.key.as_ref(), item.id());
            let place = format!("{path}/{key}");
            let now = after.get_all(&obj, key).unwrap_or_default();
            match now.as_slice() {
                [(Value::Object(_), same)] if *same == child => {}
                [_] | [] => return Err(SchemaError::ObjectReplaced(place)),
                _ => return Err(SchemaError::Conflict(place)),
            }
            stack.push((child, place));
        }
    }
    // Every object of `after` is a map, alone at its key.
    let mut stack: Vec<(ObjId, String)> = vec![(ROOT, String::new())];
    while let Some((obj, path)) = stack.pop() {
        for item in after.map_range(&obj, ..) {
            let key = item.key.as_ref();
            if item.conflict {
                let values = after.get_all(&obj, key).unwrap_or_default();
                if values.iter().any(|(v, _)| matches!(v, Value::Object(_))) {
                    return Err(SchemaError::Conflict(format!("{path}/{key}")));
                }
            }
            if let ValueRef::Object(t) = item.value {
                let place = format!("{path}/{key}");
                if t != ObjType::Map {
                    return Err(SchemaError::WrongType(place));
                }
                stack.push((item.id(), place));
            }
        }
    }
    Ok(())
}

/// Entries of the top-level maps are maps (trips, meetings…) or, where the map holds
/// decisions or signed confirmations, strings; and no entry that was readable became
/// unreadable, nor did a new one arrive unreadable.
fn check_entries(
    key: &DocKey,
    empty_before: bool,
    before: &AutoCommit,
    after: &AutoCommit,
) -> Result<(), SchemaError> {
    for map in key.kind.top_maps() {
        let scalar = party::scalar_map(key.kind, map);
        if let Ok(Some((Value::Object(ObjType::Map), obj))) = after.get(ROOT, *map) {
            for item in after.map_range(&obj, ..) {
                let entry = item.key.as_ref();
                let ok = if item.conflict {
                    let values = after.get_all(&obj, entry).unwrap_or_default();
                    values.iter().all(|(v, _)| entry_allowed(v, scalar))
                } else {
                    entry_allowed(&item.value.into_value(), scalar)
                };
                if !ok {
                    return Err(SchemaError::WrongType(format!("/{map}/{entry}")));
                }
            }
        }
    }
    newly_unreadable(
        party::read(after, key.kind).unreadable,
        empty_before,
        || party::read(before, key.kind).unreadable,
    )?;
    if key.kind == DocKind::CadreDossier {
        let now = dossier::read(after).map_err(|_| SchemaError::Unreadable(String::new()))?;
        newly_unreadable(now.unreadable, empty_before, || {
            dossier::read(before)
                .map(|y| y.unreadable)
                .unwrap_or_default()
        })?;
    }
    Ok(())
}

/// Is `value` what an entry of a top-level map may be: a map, or where the map holds
/// decisions or signed confirmations (`scalar`), a string?
fn entry_allowed(value: &Value, scalar: bool) -> bool {
    match value {
        Value::Object(ObjType::Map) => !scalar,
        Value::Scalar(s) => scalar && matches!(s.as_ref(), ScalarValue::Str(_)),
        _ => false,
    }
}

/// Refuses the first entry unreadable `now` that was not so before. What was unreadable
/// before (an older app's entries) is let be; `before` is read only if there is one.
fn newly_unreadable(
    now: Vec<String>,
    empty_before: bool,
    was: impl FnOnce() -> Vec<String>,
) -> Result<(), SchemaError> {
    if now.is_empty() {
        return Ok(());
    }
    let was: BTreeSet<String> = if empty_before {
        BTreeSet::new()
    } else {
        was().into_iter().collect()
    };
    match now.into_iter().find(|e| !was.contains(e)) {
        Some(entry) => Err(SchemaError::Unreadable(entry)),
        None => Ok(()),
    }
}

mod increment;
#[cfg(test)]
mod tests;
