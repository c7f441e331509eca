//! Who may read and write which document, from the directory (`docs/access.md`). The
//! server asks this for every sync message; the rule is here, with no I/O, so it is one
//! rule, tested as a table.

use crate::directory::{Directory, Role};
use crate::doc::{DocKey, DocKind};
use automerge::ActorId;
use std::collections::BTreeSet;

/// What a person may do with a document. Creating is writing a document the server does
/// not hold yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    pub read: bool,
    pub write: bool,
}

impl Rights {
    const NONE: Rights = Rights {
        read: false,
        write: false,
    };
    const READ: Rights = Rights {
        read: true,
        write: false,
    };
    const WRITE: Rights = Rights {
        read: true,
        write: true,
    };
}

/// The rights of the person `person` (a code of `dir`'s province) on the document `key`.
pub fn rights(dir: &Directory, person: &str, key: &DocKey) -> Rights {
    let Some(viewer) = dir.person(person) else {
        return Rights::NONE;
    };
    let subject = dir.person(key.cadre.as_str());
    // Every document is of one province: a dossier's is its cadre's.
    let same_province = match key.kind {
        DocKind::CadreDossier => subject.is_some(),
        _ => key.province == dir.province().code && subject.is_some(),
    };
    if !same_province {
        return Rights::NONE;
    }
    let is_subject = viewer.code == key.cadre.as_str();
    let has = |role: &Role| viewer.roles.contains(role);
    let subject_department = subject.and_then(|s| s.department.clone());
    let heads_subject = subject_department.as_ref().is_some_and(|d| {
        has(&Role::DepartmentHead {
            department: d.clone(),
        })
    });
    let office_reader = has(&Role::Hq) || has(&Role::Standing);
    let reader = is_subject || heads_subject || office_reader;
    let writes = match key.kind {
        DocKind::CadreDossier => is_subject && has(&Role::Cadre),
        DocKind::HostConfirmations => {
            dir.unit(&key.scope).is_some()
                && has(&Role::HostOfficer {
                    unit: key.scope.clone(),
                })
        }
        DocKind::DepartmentReview => {
            subject_department.as_deref() == Some(key.scope.as_str())
                && has(&Role::DepartmentHead {
                    department: key.scope.clone(),
                })
        }
        DocKind::StandingDecisions => has(&Role::Standing),
        DocKind::HqRecord => has(&Role::Hq),
    };
    if writes {
        Rights::WRITE
    } else if reader {
        Rights::READ
    } else {
        Rights::NONE
    }
}

/// Why a change's author may not write a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorError {
    #[error("thay đổi do tác nhân {0} chưa đăng ký với thiết bị nào")]
    Unregistered(String),
    #[error("thay đổi do thiết bị {device} đã bị thu hồi")]
    Revoked { device: String },
    #[error("thay đổi do {person} (thiết bị {device}), người không có quyền ghi tài liệu này")]
    NotAWriter { person: String, device: String },
}

/// Every actor in `authors` must be registered to a device (not revoked) of a person who
/// may write `key`.
pub fn check_authors(
    dir: &Directory,
    key: &DocKey,
    authors: &BTreeSet<ActorId>,
) -> Result<(), AuthorError> {
    for actor in authors {
        let hex = actor.to_hex_string();
        let device = dir
            .device_of_actor(&hex)
            .ok_or_else(|| AuthorError::Unregistered(hex.clone()))?;
        if device.revoked_at.is_some() {
            return Err(AuthorError::Revoked {
                device: device.id.clone(),
            });
        }
        if !rights(dir, &device.person, key).write {
            return Err(AuthorError::NotAWriter {
                person: device.person.clone(),
                device: device.id.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
