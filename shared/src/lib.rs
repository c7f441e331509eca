//! dicoso's functional core: the domain of "đi cơ sở 1+2", with no I/O.
//!
//! Everything here takes time, ids and randomness as arguments, so the phone (offline
//! forecast) and the server (official rating) run the same code and cannot disagree.

pub mod access;
pub mod assemble;
pub mod auth;
pub mod confirm;
pub mod directory;
pub mod doc;
pub mod dossier;
pub mod error;
pub mod form;
pub mod office;
pub mod policy;
pub mod summary;
pub mod sync;
pub mod text;
pub mod verdict;

#[cfg(test)]
mod test_support;
