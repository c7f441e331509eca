//! The server's rules for `/sync` (`docs/access.md`): who may read, write and create each
//! document, from the directory and the index of documents; and what a peer's changes must
//! respect before they are kept (`shared::doc::schema`, `shared::access::check_authors`).

use shared::access::{check_authors, rights};
use shared::directory::Directory;
use shared::doc::DocKey;
use shared::doc::schema::check_update;
use shared::sync::{Access, DocumentId, Permission, Refusal};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use automerge::AutoCommit;

/// Where the rules read a province's directory (the server's directory service).
pub trait Directories: Send + Sync + 'static {
    fn directory(&self, province: &str) -> Option<Arc<Directory>>;
}

impl Directories for crate::directory::DirectoryService {
    fn directory(&self, province: &str) -> Option<Arc<Directory>> {
        crate::directory::DirectoryService::directory(self, province)
    }
}

/// Who is at the other end of a sync connection: an enrolled device, as the upgrade's
/// token said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncIdentity {
    pub device_id: String,
    /// The person's code.
    pub person: String,
    pub province: String,
}

/// What the server knows a document is, by id: its key. Documents enter it when their
/// first changes pass the checks, before their first chunk is stored (or, for documents
/// stored before the index existed, when the server starts). So a document neither here
/// nor among the stored ones that say nothing of themselves is not in the store.
#[derive(Clone, Default)]
pub struct DocIndex {
    inner: Arc<RwLock<HashMap<DocumentId, DocKey>>>,
    /// Stored documents left unindexed at start (they do not say what they are).
    unknown: Arc<HashSet<DocumentId>>,
}

impl DocIndex {
    pub fn new(entries: impl IntoIterator<Item = (DocumentId, DocKey)>) -> DocIndex {
        DocIndex {
            inner: Arc::new(RwLock::new(entries.into_iter().collect())),
            unknown: Arc::default(),
        }
    }

    pub fn get(&self, id: &DocumentId) -> Option<DocKey> {
        self.inner.read().ok()?.get(id).cloned()
    }

    /// May the store hold `id`? Only if it is indexed or was left unindexed at start;
    /// when unsure (a poisoned lock), yes.
    pub fn may_be_stored(&self, id: &DocumentId) -> bool {
        self.unknown.contains(id) || self.inner.read().map_or(true, |m| m.contains_key(id))
    }

    fn insert(&self, id: DocumentId, key: DocKey) {
        if let Ok(mut map) = self.inner.write() {
            map.insert(id, key);
        }
    }

    pub fn len(&self) -> usize {
        self.inner.read().map_or(0, |m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A document that came into being through sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub document: DocumentId,
    pub key: DocKey,
    /// The province of the device that created it (a dossier's key names none).
    pub province: String,
    pub device_id: String,
}

/// The rules the server's hub applies.
pub struct ServerAccess<D> {
    directories: D,
    index: DocIndex,
    /// Documents accepted since the shell last asked, with the creator's province: their
    /// index rows are written before their first chunk.
    created: Mutex<Vec<Created>>,
}

impl<D: Directories> ServerAccess<D> {
    pub fn new(directories: D, index: DocIndex) -> Self {
        ServerAccess {
            directories,
            index,
            created: Mutex::new(Vec::new()),
        }
    }

    /// The documents created since the last call, to write into the index table.
    pub fn take_created(&self) -> Vec<Created> {
        self.created
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    /// As [`take_created`](Self::take_created), for one document only: each document's
    /// actor writes its own index row before its own first chunk.
    pub fn take_created_of(&self, document: &DocumentId) -> Vec<Created> {
        let Ok(mut created) = self.created.lock() else {
            return Vec::new();
        };
        created
            .extract_if(.., |c| &c.document == document)
            .collect()
    }

    pub fn index(&self) -> &DocIndex {
        &self.index
    }
}

impl<D: Directories> Access for ServerAccess<D> {
    type Identity = SyncIdentity;

    fn permission(&self, who: &SyncIdentity, document: &DocumentId) -> Permission {
        let Some(key) = self.index.get(document) else {
            return Permission::Unknown;
        };
        let Some(dir) = self.directories.directory(&who.province) else {
            return Permission::Denied;
        };
        match rights(&dir, &who.person, &key) {
            r if r.write => Permission::ReadWrite,
            r if r.read => Permission::Read,
            _ => Permission::Denied,
        }
    }

    fn check_update(
        &self,
        who: &SyncIdentity,
        document: &DocumentId,
        before: &mut AutoCommit,
        after: &mut AutoCommit,
    ) -> Result<(), Refusal> {
        let checked = check_update(document, before, after).map_err(|e| Refusal(e.to_string()))?;
        let dir = self
            .directories
            .directory(&who.province)
            .ok_or_else(|| Refusal("tỉnh của thiết bị này không còn trên máy chủ".into()))?;
        let creating = self.index.get(document).is_none();
        if creating && !rights(&dir, &who.person, &checked.key).write {
            return Err(Refusal(format!(
                "{} không có quyền tạo tài liệu này ({} của {} năm {})",
                who.person,
                checked.key.kind.label_vi(),
                checked.key.cadre,
                checked.key.year
            )));
        }
        check_authors(&dir, &checked.key, &checked.authors).map_err(|e| Refusal(e.to_string()))?;
        if creating {
            self.index.insert(*document, checked.key.clone());
            if let Ok(mut created) = self.created.lock() {
                created.push(Created {
                    document: *document,
                    key: checked.key,
                    province: who.province.clone(),
                    device_id: who.device_id.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The index of documents as stored, completed with the documents stored before the index
/// existed (issue 4's dossiers): each is read once, and indexed if it says what it is and
/// its id matches. A document that does not stays unknown: nobody can read it.
pub async fn open_index(store: &crate::store::Store) -> Result<DocIndex, crate::store::StoreError> {
    let mut unknown = HashSet::new();
    for id in store.unindexed_documents().await? {
        let Ok(document) = id.parse::<DocumentId>() else {
            continue;
        };
        let Some(stored) = store.load(&id).await? else {
            continue;
        };
        let Some(key) = AutoCommit::load(&stored.bytes)
            .ok()
            .and_then(|doc| DocKey::of(&doc))
            .filter(|key| key.document_id() == document)
        else {
            tracing::warn!(%id, "a stored document does not say what it is: left unindexed");
            unknown.insert(document);
            continue;
        };
        store
            .index_document(&Created {
                document,
                key,
                province: String::new(),
                device_id: "before-accounts".into(),
            })
            .await?;
    }
    let mut index = DocIndex::new(store.load_index().await?);
    index.unknown = Arc::new(unknown);
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::doc::CadreCode;

    /// Issue 10: the index answers "not stored" without reading the store, so it must know
    /// every stored document, including one that says nothing of itself.
    #[tokio::test]
    async fn the_index_knows_every_stored_document() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::store::Store::open_in(dir.path()).expect("open");
        let cadre = CadreCode::parse("KG-0123").expect("code");
        let key = DocKey::dossier(cadre, 2026);
        let dossier = key.document_id();
        let saved = key.genesis(automerge::ActorId::random()).save();
        let garbage = DocumentId::from_bytes([7; 16]);
        for (id, bytes) in [(dossier, saved), (garbage, b"not automerge".to_vec())] {
            store
                .append_chunk(&id.to_string(), bytes)
                .await
                .expect("append");
        }

        let index = open_index(&store).await.expect("index");
        assert_eq!(index.get(&dossier), Some(key), "indexed at start");
        assert_eq!(index.get(&garbage), None, "says nothing of itself");
        assert!(index.may_be_stored(&dossier));
        assert!(index.may_be_stored(&garbage), "stored all the same");
        assert!(!index.may_be_stored(&DocumentId::from_bytes([8; 16])));
    }
}
