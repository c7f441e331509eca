//! The profiles of this device, in a small IndexedDB database of their own
//! (`dicoso-profiles`, version 1):
//! - `profiles`: key = the person's code, value `{data, private_key, public_key}` where
//!   `data` is [`ProfileData`] as JSON and the keys are `CryptoKey`s (structured clone:
//!   the private key is stored without ever being readable as bytes);
//! - `meta`: `active` (the code of the profile the app opens with).
//!
//! Each profile's documents live in a database of their own ([`ProfileData::database`]).

use super::crypto::DeviceKey;
use super::profile::{LEGACY_DATABASE, Legacy, ProfileData};
use super::wire::AccountError;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

pub const PROFILES_DATABASE: &str = "dicoso-profiles";
const VERSION: u8 = 1;
const PROFILES: &str = "profiles";
const META: &str = "meta";

/// A profile as stored: its data and its key pair.
#[derive(Clone)]
pub struct StoredProfile {
    pub data: ProfileData,
    pub key: DeviceKey,
}

fn fail(what: &'static str) -> impl Fn(indexed_db_futures::error::Error) -> AccountError {
    move |e| {
        AccountError::Storage(format!(
            "Không {what} được hồ sơ người dùng trên máy ({e})."
        ))
    }
}

async fn open() -> Result<Database, AccountError> {
    Database::open(PROFILES_DATABASE)
        .with_version(VERSION)
        .with_on_upgrade_needed(|event, db| {
            if event.old_version() < 1.0 {
                db.create_object_store(PROFILES).build()?;
                db.create_object_store(META).build()?;
            }
            Ok(())
        })
        .await
        .map_err(|e| {
            AccountError::Storage(format!("Không mở được hồ sơ người dùng trên máy ({e})."))
        })
}

fn to_record(profile: &StoredProfile) -> Result<JsValue, AccountError> {
    let json = serde_json::to_string(&profile.data)
        .map_err(|e| AccountError::Storage(format!("Không ghi được hồ sơ ({e}).")))?;
    let record = Object::new();
    let bad = |_| AccountError::Storage("Không tạo được bản ghi hồ sơ.".into());
    Reflect::set(&record, &"data".into(), &json.into()).map_err(bad)?;
    Reflect::set(&record, &"private_key".into(), &profile.key.private).map_err(bad)?;
    Reflect::set(&record, &"public_key".into(), &profile.key.public).map_err(bad)?;
    Ok(record.into())
}

fn from_record(record: &JsValue) -> Option<StoredProfile> {
    let field = |name: &str| Reflect::get(record, &JsValue::from_str(name)).ok();
    let data = serde_json::from_str(&field("data")?.as_string()?).ok()?;
    Some(StoredProfile {
        data,
        key: DeviceKey {
            private: field("private_key")?.dyn_into::<CryptoKey>().ok()?,
            public: field("public_key")?.dyn_into::<CryptoKey>().ok()?,
        },
    })
}

/// Every profile on this device (unreadable records, from a newer version, are skipped).
pub async fn all() -> Result<Vec<StoredProfile>, AccountError> {
    let db = open().await?;
    let tx = db.transaction(PROFILES).build().map_err(fail("đọc"))?;
    let store = tx.object_store(PROFILES).map_err(fail("đọc"))?;
    let records = store
        .get_all::<JsValue>()
        .primitive()
        .map_err(fail("đọc"))?
        .await
        .map_err(fail("đọc"))?;
    let mut out = Vec::new();
    for record in records {
        if let Some(profile) = from_record(&record.map_err(fail("đọc"))?) {
            out.push(profile);
        }
    }
    drop(tx);
    db.close();
    Ok(out)
}

/// The code of the profile the app opens with.
pub async fn active_code() -> Result<Option<String>, AccountError> {
    let db = open().await?;
    let tx = db.transaction(META).build().map_err(fail("đọc"))?;
    let meta = tx.object_store(META).map_err(fail("đọc"))?;
    let value: Option<JsValue> = meta
        .get("active")
        .primitive()
        .map_err(fail("đọc"))?
        .await
        .map_err(fail("đọc"))?;
    drop(tx);
    db.close();
    Ok(value.and_then(|v| v.as_string()))
}

/// Stores a profile (new or renewed) and, if `activate`, makes it the one the app opens
/// with, in one transaction.
pub async fn save(profile: &StoredProfile, activate: bool) -> Result<(), AccountError> {
    let db = open().await?;
    let tx = db
        .transaction([PROFILES, META])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(fail("ghi"))?;
    let profiles = tx.object_store(PROFILES).map_err(fail("ghi"))?;
    profiles
        .put(to_record(profile)?)
        .with_key(profile.data.code())
        .primitive()
        .map_err(fail("ghi"))?
        .await
        .map_err(fail("ghi"))?;
    if activate {
        let meta = tx.object_store(META).map_err(fail("ghi"))?;
        meta.put(JsValue::from_str(profile.data.code()))
            .with_key("active")
            .primitive()
            .map_err(fail("ghi"))?
            .await
            .map_err(fail("ghi"))?;
    }
    tx.commit().await.map_err(fail("ghi"))?;
    db.close();
    Ok(())
}

/// Makes another profile the one the app opens with.
pub async fn set_active(code: &str) -> Result<(), AccountError> {
    let db = open().await?;
    let tx = db
        .transaction(META)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(fail("ghi"))?;
    let meta = tx.object_store(META).map_err(fail("ghi"))?;
    meta.put(JsValue::from_str(code))
        .with_key("active")
        .primitive()
        .map_err(fail("ghi"))?
        .await
        .map_err(fail("ghi"))?;
    tx.commit().await.map_err(fail("ghi"))?;
    db.close();
    Ok(())
}

/// Whether a database of this name exists on this origin (without creating it, as
/// opening would). Browsers without `indexedDB.databases()` answer yes: opening then
/// tells.
async fn database_exists(name: &str) -> bool {
    let Some(factory) = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()) else {
        return false;
    };
    let Ok(list) = Reflect::get(&factory, &"databases".into()) else {
        return true;
    };
    let Some(list) = list.dyn_ref::<js_sys::Function>() else {
        return true;
    };
    let Ok(promise) = list.call0(&factory) else {
        return true;
    };
    let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else {
        return true;
    };
    let Ok(found) = wasm_bindgen_futures::JsFuture::from(promise).await else {
        return true;
    };
    Array::from(&found).iter().any(|info| {
        Reflect::get(&info, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .is_some_and(|n| n == name)
    })
}

pub async fn legacy(profiles: &[StoredProfile]) -> Option<Legacy> {
    if profiles.iter().any(|p| p.data.database == LEGACY_DATABASE)
        || !database_exists(LEGACY_DATABASE).await
    {
        return None;
    }
    let db = crate::local::browser::open_db(LEGACY_DATABASE).await.ok()?;
    let cadre = crate::local::browser::meta_get(&db, "cadre")
        .await
        .ok()
        .flatten()
        .and_then(|v| v.as_string());
    let actor = crate::local::browser::meta_get(&db, "actor")
        .await
        .ok()
        .flatten()
        .filter(|v| v.is_instance_of::<Uint8Array>())
        .map(|v| hex(&Uint8Array::from(v).to_vec()));
    db.close();
    Some(Legacy { cadre, actor })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
