//! Automerge documents and their typed mappings. See `docs/documents.md`.
//!
//! One document per writer and purpose, per cadre-year it is about ([`DocKind`]): the
//! cadre's own dossier ([`DossierDoc`], "hồ sơ đi cơ sở"), and (later issues) what host
//! units, department heads, the standing committee and HQ write about it. Every id is
//! derived from the document's key ([`DocKey::document_id`]), and every document starts
//! with first changes that depend on its key alone ([`DocKey::genesis`]), so devices that
//! create "the same" document offline write one document.
//!
//! [`schema::check_update`] is what the server applies before keeping anything a peer sent.

mod code;
pub mod dossier;
pub mod history;
mod key;
pub mod party;
pub mod schema;

pub use code::{CadreCode, CadreCodeError, MAX_CADRE_CODE_CHARS, valid_id, valid_province};
pub use dossier::{
    Basis, CadreYear, ConfirmationRequest, DossierDoc, MeetingRecord, SCHEMA_VERSION, Submission,
    TripRecord, keyless_trips,
};
pub use key::{DocKey, DocKind, DossierKey, GENESIS_ACTOR, UPGRADE_ACTOR};

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("dữ liệu trên máy không đọc được: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("tài liệu không đúng định dạng: {0}")]
    Schema(String),
    #[error("không có mục “{0}” trong tài liệu")]
    NoSuchEntry(String),
}
