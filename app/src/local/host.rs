//! The host officer's side of a confirmation (xác nhận của cơ sở, issue 11): signing a
//! cadre's claim with this device's key, keeping it in the unit's document about that
//! cadre-year (one document per writer and purpose), and withdrawing it. Browser only;
//! the private key never leaves WebCrypto. Works offline: the document syncs later.

use super::LocalError;
use super::browser::{db, read_all_docs};
use super::party::edit_party;
use crate::account::browser::{sign, signer};
use automerge::AutoCommit;
use shared::confirm::{Claim, Confirmation, Degree, Unsigned, Withdrawal};
use shared::doc::party::read;
use shared::doc::{CadreCode, DocKey, DocKind};

/// A confirmation this person gave as a host officer, as kept on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub confirmation: Confirmation,
    /// The withdrawal, if the unit took it back.
    pub withdrawn: Option<Withdrawal>,
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Every confirmation kept in this device's host documents, newest first.
pub async fn given() -> Result<Vec<Given>, LocalError> {
    let db = db().await?;
    let mut out = Vec::new();
    for (bytes, _) in read_all_docs(&db).await?.into_values() {
        let Ok(doc) = AutoCommit::load(&bytes) else {
            continue;
        };
        if DocKey::of(&doc).is_none_or(|k| k.kind != DocKind::HostConfirmations) {
            continue;
        }
        let view = read(&doc, DocKind::HostConfirmations);
        for entry in view.confirmations {
            let id = entry.value.id();
            let withdrawn = view
                .withdrawals
                .iter()
                .find(|w| w.value.confirmation == id)
                .map(|w| w.value.clone());
            out.push(Given {
                confirmation: entry.value,
                withdrawn,
            });
        }
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.confirmation.confirmed_at));
    Ok(out)
}

/// The unit's document about the claim's cadre-year.
fn key_of(claim: &Claim, province: &str) -> Result<DocKey, LocalError> {
    let cadre = CadreCode::parse(&claim.cadre)?;
    DocKey::party(
        DocKind::HostConfirmations,
        province,
        &claim.host_unit,
        cadre,
        claim.year,
    )
    .map_err(|e| LocalError::Document(e.to_string()))
}

/// Signs `claim` as this device's person with `degree` and `remark`, keeps it in the
/// unit's document and offers it to the server. The caller has checked that the person
/// is an officer of the claimed unit.
pub async fn confirm(
    claim: Claim,
    degree: Degree,
    remark: String,
) -> Result<Confirmation, LocalError> {
    let me = signer().ok_or(LocalError::NoProfile)?;
    let key = key_of(&claim, &me.province)?;
    let unsigned = Unsigned {
        claim,
        degree,
        remark: remark.trim().to_owned(),
        confirmed_at: now_ms(),
        officer: me.person,
        device: me.device,
    };
    let signature = sign(&unsigned.signed_bytes())
        .await
        .map_err(LocalError::Account)?;
    let confirmation = unsigned.with_signature(signature);
    let document = edit_party(&key, |doc| doc.put_confirmation(&confirmation, now_ms())).await?;
    crate::sync::browser::local_change(document);
    Ok(confirmation)
}

/// Takes back a confirmation this unit gave, signed like it: the trip stops counting once
/// the cadre's phone or the server has the withdrawal.
pub async fn withdraw(confirmation: &Confirmation, reason: String) -> Result<(), LocalError> {
    let me = signer().ok_or(LocalError::NoProfile)?;
    let key = key_of(&confirmation.claim, &me.province)?;
    let reason = reason.trim().to_owned();
    let at = now_ms();
    let id = confirmation.id();
    let bytes = Withdrawal::signed_bytes(&id, &reason, at, &me.person, &me.device);
    let signature = sign(&bytes).await.map_err(LocalError::Account)?;
    let withdrawal = Withdrawal {
        confirmation: id,
        reason,
        withdrawn_at: at,
        officer: me.person,
        device: me.device,
        signature,
    };
    let document = edit_party(&key, |doc| doc.put_withdrawal(&withdrawal, now_ms())).await?;
    crate::sync::browser::local_change(document);
    Ok(())
}
