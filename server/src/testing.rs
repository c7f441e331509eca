//! For tests and benchmarks: devices enrolled the way a phone enrols (a one-time code, a
//! fresh Ed25519 key, a registered Automerge actor), talking to `/sync` as that device.

use crate::directory::{DirectoryError, DirectoryService, EnrolRequest, Scope};
use automerge::ActorId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use std::net::{IpAddr, Ipv4Addr};

/// An enrolled device: who it is, its token, the actor its changes carry, its key.
#[derive(Clone)]
pub struct Device {
    pub person: String,
    pub device_id: String,
    pub token: String,
    pub actor: ActorId,
    pub key: SigningKey,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("person", &self.person)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl Device {
    /// The device key's public half, base64url (as the directory lists it).
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes())
    }
}

/// Enrols a new device for `person` through `directory` (in this process), with a one-time
/// code, a random key and a random actor.
pub async fn enrol(
    directory: &DirectoryService,
    person: &str,
    label: &str,
) -> Result<Device, DirectoryError> {
    let code = directory.create_enrolment_code(&Scope::Cli, person).await?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| DirectoryError::Invalid(format!("no randomness: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let actor = ActorId::random();
    let now = directory.now();
    let mut request = EnrolRequest {
        username: None,
        password: None,
        code: Some(code.code.clone()),
        public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
        actors: vec![actor.to_hex_string()],
        label: label.to_owned(),
        signed_at: now,
        signature: String::new(),
    };
    request.signature = URL_SAFE_NO_PAD.encode(key.sign(&request.signed_bytes()).to_bytes());
    let enrolled = directory
        .enrol(request, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await?;
    Ok(Device {
        person: enrolled.person.code,
        device_id: enrolled.device_id,
        token: enrolled.token,
        actor,
        key,
    })
}

/// A province of `cadres` cadres (codes `<PROVINCE>-0001`…), one office unit, policy
/// kien-giang-2023 from 2023, for benchmarks and load tests; returns the cadres' codes.
pub async fn synthetic_province(
    directory: &DirectoryService,
    province: &str,
    cadres: usize,
) -> Result<Vec<String>, DirectoryError> {
    let policy = shared::policy::Policy::preset("kien-giang-2023")
        .ok_or_else(|| DirectoryError::Invalid("no preset kien-giang-2023".into()))?;
    directory
        .create_province(
            province,
            &format!("Tỉnh đoàn {province}"),
            policy,
            (2023, None),
        )
        .await?;
    let codes: Vec<String> = (1..=cadres).map(|i| format!("{province}-{i:04}")).collect();
    let mut people = String::from("code,name,unit,department,job,office_since,roles\n");
    for code in &codes {
        people.push_str(&format!("{code},Cán bộ {code},office,,can-bo,2020,cadre\n"));
    }
    let files = crate::directory::ImportFiles {
        units: Some(format!(
            "id,name,level,parent\noffice,Tỉnh đoàn {province},tinh,\n"
        )),
        departments: None,
        people: Some(people),
    };
    directory.import(&Scope::Cli, province, files).await?;
    Ok(codes)
}

/// The build description of a site with no assets (`/pkg/dicoso.js`…), for servers
/// started by tests and benchmarks; `version` names the service worker's cache.
pub fn build_info(version: &str) -> app::BuildInfo {
    app::BuildInfo {
        version: version.into(),
        js: "/pkg/dicoso.js".into(),
        wasm: "/pkg/dicoso_bg.wasm".into(),
        css: "/pkg/main.css".into(),
        precache: Vec::new(),
        qr: None,
    }
}
