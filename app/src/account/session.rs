//! The active profile of this page: which database the local store opens, the token the
//! sync connection carries, why the server refuses it, the directory snapshot, renewal,
//! and switching to another person's profile (with their PIN).
//!
//! A profile is chosen once per page: switching stores the choice and reloads, so no
//! signal, cached connection or sync state of one person outlives the switch.

use super::directory::person_ref;
use super::profile::ProfileData;
use super::profiles::{self, StoredProfile};
use super::wire::{
    AccessProblem, AccountError, DeviceAnswer, RENEW_WITHIN_MS, RenewAnswer, SYNC_PROTOCOL,
    TOKEN_PROTOCOL_PREFIX, access_problem, api_error, pin_wait_seconds,
};
use super::{Account, api, crypto};
use crate::local::{self, Loaded};
use crate::sync::{Link, SyncStatus};
use js_sys::Array;
use leptos::prelude::*;
use shared::directory::Directory;
use shared::doc::CadreCode;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

struct Session {
    profile: StoredProfile,
    account: Account,
    /// The server refused this token: no more connection attempts on this page.
    refused: bool,
    /// A `GET /api/device` or a renewal is on its way.
    checking: bool,
    renewing: bool,
}

thread_local! {
    static ACTIVE: RefCell<Option<Session>> = const { RefCell::new(None) };
}

fn with_session<T>(f: impl FnOnce(&mut Session) -> T) -> Option<T> {
    ACTIVE.with(|slot| slot.borrow_mut().as_mut().map(f))
}

/// Reads the profiles, makes the last active one this page's, and loads its directory
/// snapshot. Returns its cadre code (`None`: nobody has enrolled on this device).
pub async fn open_active(account: Account) -> Result<Option<CadreCode>, AccountError> {
    let all = profiles::all().await?;
    account
        .profiles
        .set(all.iter().map(|p| p.data.info()).collect());
    let code = profiles::active_code().await?;
    let Some(profile) = all.iter().find(|p| Some(p.data.code()) == code.as_deref()) else {
        account.active.set(Loaded::Ready(None));
        account
            .legacy
            .set(profiles::legacy(&all).await.and_then(|l| l.cadre));
        return Ok(None);
    };
    let cadre =
        CadreCode::parse(profile.data.code()).map_err(|e| AccountError::Storage(e.to_string()))?;
    ACTIVE.with(|slot| {
        *slot.borrow_mut() = Some(Session {
            profile: profile.clone(),
            account,
            refused: false,
            checking: false,
            renewing: false,
        })
    });
    account.active.set(Loaded::Ready(Some(profile.data.info())));
    if let Some(directory) = stored_directory(&profile.data.database).await {
        account.directory.set(Some(directory));
    }
    Ok(Some(cadre))
}

/// The IndexedDB database of the active profile's documents.
pub fn database_name() -> Option<String> {
    ACTIVE.with(|slot| {
        slot.borrow()
            .as_ref()
            .map(|s| s.profile.data.database.clone())
    })
}

/// The WebSocket subprotocols that carry the token: `None` when there is no profile, or
/// the server refused its token (then the badge says why instead of retrying).
pub fn sync_protocols() -> Option<Array> {
    ACTIVE.with(|slot| {
        let slot = slot.borrow();
        let session = slot.as_ref().filter(|s| !s.refused)?;
        Some(Array::of2(
            &JsValue::from_str(SYNC_PROTOCOL),
            &JsValue::from_str(&format!(
                "{TOKEN_PROTOCOL_PREFIX}{}",
                session.profile.data.token
            )),
        ))
    })
}

/// What the badge says when there is no token to connect with.
pub fn link_without_token() -> Link {
    if ACTIVE.with(|slot| slot.borrow().is_some()) {
        Link::Refused
    } else {
        Link::SignedOut
    }
}

/// The sync socket closed (or never opened): a browser does not say why an upgrade was
/// refused, so ask `GET /api/device`. A refused token stops sync on this page and says
/// why; the local data stays as usable as before.
pub fn check_device(sync: SyncStatus) {
    let Some((token, account)) = with_session(|s| {
        if s.checking || s.refused {
            return None;
        }
        s.checking = true;
        Some((s.profile.data.token.clone(), s.account))
    })
    .flatten() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let problem = match api::call("GET", "/api/device", Some(&token), None, None).await {
            Ok(answer) if answer.status == 401 => access_problem(None),
            Ok(answer) if answer.ok() => serde_json::from_str::<DeviceAnswer>(&answer.body)
                .ok()
                .and_then(|d| access_problem(Some(d.status))),
            // No answer, or not one about the token: the server is away; retry as usual.
            _ => None,
        };
        with_session(|s| {
            s.checking = false;
            s.refused |= problem.is_some();
        });
        if let Some(problem) = problem {
            refused(account, sync, problem);
        }
    });
}

fn refused(account: Account, sync: SyncStatus, problem: AccessProblem) {
    sync.error.set(Some(problem.message.clone()));
    sync.link.set(Link::Refused);
    account.problem.set(Some(problem));
}

/// The sync connection is up: the token works. Fetch the directory if it changed, and
/// renew the token when it nears its end.
pub fn connected() {
    let Some((data, account, renew)) = with_session(|s| {
        let near_end = s.profile.data.expires_at - (js_sys::Date::now() as i64) < RENEW_WITHIN_MS;
        let renew = near_end && !s.renewing;
        s.renewing |= renew;
        (s.profile.data.clone(), s.account, renew)
    }) else {
        return;
    };
    account.problem.set(None);
    leptos::task::spawn_local(async move {
        if let Ok(Some(directory)) = fetch_directory_into(&data).await {
            update_person(account, &directory).await;
            account.directory.set(Some(directory));
        }
        if renew {
            let _ = renew_token(account, &data.token).await;
            with_session(|s| s.renewing = false);
        }
    });
}

async fn renew_token(account: Account, token: &str) -> Result<(), AccountError> {
    let answer = api::call("POST", "/api/device/renew", Some(token), Some("{}"), None).await?;
    if !answer.ok() {
        return Err(api_error(answer.status, answer.retry_after, &answer.body));
    }
    let renewed: RenewAnswer =
        serde_json::from_str(&answer.body).map_err(|e| AccountError::BadAnswer(e.to_string()))?;
    let Some(profile) = with_session(|s| {
        s.profile.data.token = renewed.token;
        s.profile.data.expires_at = renewed.expires_at;
        s.profile.clone()
    }) else {
        return Ok(());
    };
    profiles::save(&profile, false).await?;
    account.active.set(Loaded::Ready(Some(profile.data.info())));
    Ok(())
}

/// The directory's word on the active person (name, unit, roles) replaces what
/// enrolment said: an admin may have granted a role since.
async fn update_person(account: Account, directory: &Directory) {
    let Some(profile) = with_session(|s| {
        let person = person_ref(directory.person(s.profile.data.code())?);
        (person != s.profile.data.person).then(|| {
            s.profile.data.person = person;
            s.profile.clone()
        })
    })
    .flatten() else {
        return;
    };
    if profiles::save(&profile, false).await.is_ok() {
        account.active.set(Loaded::Ready(Some(profile.data.info())));
    }
}

const DIRECTORY: &str = "directory";
const DIRECTORY_ETAG: &str = "directory-etag";

async fn stored_directory(database: &str) -> Option<Directory> {
    let db = local::browser::open_db(database).await.ok()?;
    let text = local::browser::meta_get(&db, DIRECTORY)
        .await
        .ok()
        .flatten();
    db.close();
    Directory::from_json(&text?.as_string()?).ok()
}

/// Fetches the province's directory with the profile's token into its database, unless
/// it is the one already there (`If-None-Match`). `Ok(Some)` when a new one was stored.
pub async fn fetch_directory_into(data: &ProfileData) -> Result<Option<Directory>, AccountError> {
    let storage = |e: local::LocalError| AccountError::Storage(e.to_string());
    let db = local::browser::open_db(&data.database)
        .await
        .map_err(storage)?;
    let etag = local::browser::meta_get(&db, DIRECTORY_ETAG)
        .await
        .ok()
        .flatten()
        .and_then(|v| v.as_string());
    let result = async {
        let answer = api::call(
            "GET",
            "/api/directory",
            Some(&data.token),
            None,
            etag.as_deref(),
        )
        .await?;
        if answer.status == 304 {
            return Ok(None);
        }
        if !answer.ok() {
            return Err(api_error(answer.status, answer.retry_after, &answer.body));
        }
        let directory = Directory::from_json(&answer.body)
            .map_err(|e| AccountError::BadAnswer(e.to_string()))?;
        local::browser::meta_put(&db, DIRECTORY, JsValue::from_str(&answer.body))
            .await
            .map_err(storage)?;
        if let Some(tag) = answer.etag {
            local::browser::meta_put(&db, DIRECTORY_ETAG, JsValue::from_str(&tag))
                .await
                .map_err(storage)?;
        }
        Ok(Some(directory))
    }
    .await;
    db.close();
    result
}

/// The token of the active profile, for the admin page's calls.
pub fn token() -> Option<String> {
    with_session(|s| s.profile.data.token.clone())
}

/// Wrong PINs in a row and until when to wait, per profile, kept across reloads (in
/// `localStorage`: a reload must not reset the wait).
fn pin_failures(code: &str) -> (u32, f64) {
    let key = format!("dicoso-pin-failures:{code}");
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(&key).ok().flatten())
        .unwrap_or_default();
    let mut parts = stored.split(',');
    let count = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let until = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0.0);
    (count, until)
}

fn set_pin_failures(code: &str, count: u32, until: f64) {
    let key = format!("dicoso-pin-failures:{code}");
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = if count == 0 {
            storage.remove_item(&key)
        } else {
            storage.set_item(&key, &format!("{count},{until}"))
        };
    }
}

/// Opens another person's profile if `pin` is theirs: stores the choice and reloads.
pub async fn switch_to(code: &str, pin: &str) -> Result<(), AccountError> {
    let now = js_sys::Date::now();
    let (failures, until) = pin_failures(code);
    if now < until {
        return Err(AccountError::PinThrottled(
            ((until - now) / 1000.0).ceil() as u64
        ));
    }
    let all = profiles::all().await?;
    let profile = all
        .iter()
        .find(|p| p.data.code() == code)
        .ok_or_else(|| AccountError::Storage(format!("Không còn hồ sơ {code} trên máy.")))?;
    if !crypto::pin_matches(pin, &profile.data.pin).await? {
        let failures = failures.saturating_add(1);
        let wait = pin_wait_seconds(failures);
        set_pin_failures(code, failures, now + (wait * 1000) as f64);
        return Err(if wait > 0 {
            AccountError::PinThrottled(wait)
        } else {
            AccountError::WrongPin
        });
    }
    set_pin_failures(code, 0, 0.0);
    profiles::set_active(code).await?;
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
    Ok(())
}

/// Who signs on this device: the active profile's person, its device and province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub person: String,
    pub device: String,
    pub province: String,
}

/// The active profile as a signer, if someone is signed in on this page.
pub fn signer() -> Option<Signer> {
    with_session(|s| Signer {
        person: s.profile.data.person.code.clone(),
        device: s.profile.data.device_id.clone(),
        province: s.profile.data.province.code.clone(),
    })
}

/// Signs `message` with the active profile's device key (issue 11: a host's confirmation
/// or withdrawal). The private key never leaves WebCrypto.
pub async fn sign(message: &[u8]) -> Result<[u8; 64], AccountError> {
    let key = with_session(|s| s.profile.key.clone()).ok_or(AccountError::SignedOut)?;
    crypto::sign_bytes(&key, message).await
}
