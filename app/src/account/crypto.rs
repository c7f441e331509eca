//! The browser's WebCrypto: the device's Ed25519 key pair (made here, private key never
//! extractable) and PBKDF2 hashes of PINs. No Rust crypto crate in the front end: the
//! browser already ships these, and every byte of WebAssembly costs on a thin link.

use super::profile::PinHash;
use super::wire::{AccountError, base64url, from_base64url};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

/// PBKDF2 rounds for a new PIN hash (stored with it, so it can grow later). A PIN guards
/// switching between people on a shared phone; with 10^4–10^6 PINs no round count stops
/// someone holding the phone's disk, so this only has to make guessing slow by hand.
pub const PIN_ITERATIONS: u32 = 150_000;

fn crypto() -> Result<web_sys::Crypto, AccountError> {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| AccountError::NoCrypto("không có window.crypto".into()))
}

fn subtle() -> Result<SubtleCrypto, AccountError> {
    Ok(crypto()?.subtle())
}

fn no_crypto(e: JsValue) -> AccountError {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    AccountError::NoCrypto(text)
}

async fn run(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, AccountError> {
    JsFuture::from(promise.map_err(no_crypto)?)
        .await
        .map_err(no_crypto)
}

pub fn random_bytes(n: usize) -> Result<Vec<u8>, AccountError> {
    let mut bytes = vec![0u8; n];
    crypto()?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(no_crypto)?;
    Ok(bytes)
}

/// The device's key pair: `CryptoKey`s, stored in IndexedDB as they are.
#[derive(Clone)]
pub struct DeviceKey {
    pub private: CryptoKey,
    pub public: CryptoKey,
}

fn algorithm(fields: &[(&str, JsValue)]) -> Result<Object, AccountError> {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &JsValue::from_str(name), value).map_err(no_crypto)?;
    }
    Ok(object)
}

/// A new Ed25519 key pair whose private key cannot be exported.
pub async fn generate_device_key() -> Result<DeviceKey, AccountError> {
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let ed25519 = algorithm(&[("name", "Ed25519".into())])?;
    let pair = run(subtle()?.generate_key_with_object(&ed25519, false, &usages)).await?;
    let key = |name: &str| -> Result<CryptoKey, AccountError> {
        Reflect::get(&pair, &JsValue::from_str(name))
            .map_err(no_crypto)?
            .dyn_into::<CryptoKey>()
            .map_err(no_crypto)
    };
    Ok(DeviceKey {
        private: key("privateKey")?,
        public: key("publicKey")?,
    })
}

/// The public key's 32 raw bytes, base64url.
pub async fn public_key_text(key: &DeviceKey) -> Result<String, AccountError> {
    let raw = run(subtle()?.export_key("raw", &key.public)).await?;
    Ok(base64url(&Uint8Array::new(&raw).to_vec()))
}

/// An Ed25519 signature (64 bytes) of `message` by the device's private key, base64url.
pub async fn sign(key: &DeviceKey, message: &[u8]) -> Result<String, AccountError> {
    Ok(base64url(&sign_bytes(key, message).await?))
}

/// An Ed25519 signature of `message` by the device's private key, as bytes.
pub async fn sign_bytes(key: &DeviceKey, message: &[u8]) -> Result<[u8; 64], AccountError> {
    let signature =
        run(subtle()?.sign_with_str_and_u8_array("Ed25519", &key.private, message)).await?;
    Uint8Array::new(&signature)
        .to_vec()
        .try_into()
        .map_err(|_| AccountError::NoCrypto("chữ ký Ed25519 không đủ 64 byte".into()))
}

async fn pbkdf2(pin: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, AccountError> {
    let subtle = subtle()?;
    let material = Uint8Array::from(pin.as_bytes());
    let usages = Array::of1(&"deriveBits".into());
    let key: CryptoKey =
        run(subtle.import_key_with_str("raw", &material, "PBKDF2", false, &usages))
            .await?
            .dyn_into()
            .map_err(no_crypto)?;
    let params = algorithm(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", Uint8Array::from(salt).into()),
        ("iterations", iterations.into()),
    ])?;
    let bits = run(subtle.derive_bits_with_object(&params, &key, 256)).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// A salted hash of a new PIN.
pub async fn hash_pin(pin: &str) -> Result<PinHash, AccountError> {
    let salt = random_bytes(16)?;
    let hash = pbkdf2(pin, &salt, PIN_ITERATIONS).await?;
    Ok(PinHash {
        salt: base64url(&salt),
        hash: base64url(&hash),
        iterations: PIN_ITERATIONS,
    })
}

/// Whether `pin` is the one `stored` was made from.
pub async fn pin_matches(pin: &str, stored: &PinHash) -> Result<bool, AccountError> {
    let (Some(salt), Some(expected)) = (from_base64url(&stored.salt), from_base64url(&stored.hash))
    else {
        return Ok(false);
    };
    let got = pbkdf2(pin, &salt, stored.iterations).await?;
    // Compared in full whatever differs first.
    Ok(got.len() == expected.len()
        && got.iter().zip(&expected).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0)
}
