//! Typed access to the scalar fields of one map of a dossier: reads that tell a malformed
//! field from an absent one, and writes that touch only what changed (so two devices
//! editing different fields of one entry offline both keep theirs).

use crate::doc::DocError;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ValueRef};
use chrono::NaiveDate;

/// Typed reads of one map's scalar fields. Outer `Option`: the field is malformed (the
/// entry is unreadable); inner: it is absent.
///
/// The map is read once, in one pass: automerge finds a single key by scanning the
/// object's operations, so a lookup per field cost a scan per field (issue 10's profile:
/// a quarter of the server's schema check).
pub(crate) struct Fields {
    /// Each key with its value (the one a `get` returns when devices wrote it at once).
    entries: Vec<(String, Value<'static>, Option<ObjId>)>,
}

impl Fields {
    pub fn of(doc: &AutoCommit, obj: &ObjId) -> Fields {
        let entries = doc
            .map_range(obj, ..)
            .map(|item| {
                let id = matches!(item.value, ValueRef::Object(_)).then(|| item.id());
                (item.key.into_owned(), item.value.into_value(), id)
            })
            .collect();
        Fields { entries }
    }

    /// The keys, in the document's order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _, _)| k.as_str())
    }

    fn get(&self, key: &str) -> Option<(&Value<'static>, Option<&ObjId>)> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, id)| (v, id.as_ref()))
    }

    pub fn opt_scalar(&self, key: &str) -> Option<Option<ScalarValue>> {
        match self.get(key) {
            None => Some(None),
            Some((Value::Scalar(s), _)) => Some(Some(s.clone().into_owned())),
            Some(_) => None,
        }
    }

    pub fn opt_text(&self, key: &str) -> Option<Option<String>> {
        match self.get(key) {
            None => Some(None),
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(s) => Some(Some(s.to_string())),
                _ => None,
            },
            Some(_) => None,
        }
    }

    pub fn text(&self, key: &str) -> Option<String> {
        self.opt_text(key)?
    }

    pub fn opt_date(&self, key: &str) -> Option<Option<NaiveDate>> {
        match self.opt_text(key)? {
            None => Some(None),
            Some(s) => s.parse().ok().map(Some),
        }
    }

    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        self.opt_date(key)?
    }

    /// A boolean, false when absent.
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.opt_scalar(key)? {
            None => Some(false),
            Some(ScalarValue::Boolean(b)) => Some(b),
            Some(_) => None,
        }
    }

    pub fn time(&self, key: &str) -> Option<i64> {
        match self.opt_scalar(key)?? {
            ScalarValue::Timestamp(t) | ScalarValue::Int(t) => Some(t),
            _ => None,
        }
    }

    pub fn opt_map(&self, key: &str) -> Option<Option<ObjId>> {
        match self.get(key) {
            None => Some(None),
            Some((Value::Object(ObjType::Map), Some(obj))) => Some(Some(obj.clone())),
            Some(_) => None,
        }
    }
}

/// Puts only what differs from the stored value; `None` deletes the field.
pub(super) struct Writer<'a> {
    pub doc: &'a mut AutoCommit,
    pub obj: &'a ObjId,
}

impl Writer<'_> {
    fn current(&self, key: &str) -> Option<ScalarValue> {
        match self.doc.get(self.obj, key) {
            Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
            _ => None,
        }
    }

    fn set(&mut self, key: &str, value: Option<ScalarValue>) -> Result<(), DocError> {
        let present = !matches!(self.doc.get(self.obj, key), Ok(None));
        match value {
            Some(v) if self.current(key).as_ref() != Some(&v) => {
                self.doc.put(self.obj, key, v)?;
            }
            None if present => self.doc.delete(self.obj, key)?,
            _ => {}
        }
        Ok(())
    }

    pub fn text(&mut self, key: &str, value: Option<String>) -> Result<(), DocError> {
        self.set(key, value.map(|s| ScalarValue::Str(s.into())))
    }

    pub fn flag(&mut self, key: &str, value: bool) -> Result<(), DocError> {
        // False is the default: written only if the field already exists.
        let present = !matches!(self.doc.get(self.obj, key), Ok(None));
        if value || present {
            self.set(key, Some(ScalarValue::Boolean(value)))
        } else {
            Ok(())
        }
    }

    pub fn int(&mut self, key: &str, value: Option<i64>) -> Result<(), DocError> {
        self.set(key, value.map(ScalarValue::Int))
    }
}
