//! Enrolling this device for a person (online, once): a key pair made here, a request
//! signed with it, and the answer kept as the person's profile. See `docs/access.md`.

use super::crypto;
use super::profile::{
    EnrolForm, LEGACY_DATABASE, ProfileData, database_for, legacy_is_theirs, send_legacy_actor,
};
use super::profiles::{self, StoredProfile};
use super::wire::{
    AccountError, Credentials, EnrolAnswer, check_pin, device_label, enrol_error, enrol_request,
};
use super::{api, session};
use automerge::ActorId;
use js_sys::Uint8Array;
use shared::doc::CadreCode;

fn storage(e: crate::local::LocalError) -> AccountError {
    AccountError::Storage(e.to_string())
}

/// Enrols this device; on success the new profile is stored and active.
pub async fn enrol(form: EnrolForm) -> Result<ProfileData, AccountError> {
    match &form.credentials {
        Credentials::Password { username, password }
            if username.trim().is_empty() || password.is_empty() =>
        {
            return Err(AccountError::MissingPassword);
        }
        Credentials::Code(code) if code.trim().is_empty() => {
            return Err(AccountError::MissingCode);
        }
        _ => {}
    }
    check_pin(&form.pin, &form.pin_again)?;
    if !api::online() {
        return Err(AccountError::Offline);
    }
    let credentials = match form.credentials.clone() {
        Credentials::Password { username, password } => Credentials::Password {
            username: username.trim().to_owned(),
            password,
        },
        Credentials::Code(code) => Credentials::Code(code.trim().to_owned()),
    };
    // Everything that can fail on the device first: a one-time code is spent by the call.
    let pin = crypto::hash_pin(&form.pin).await?;
    let key = crypto::generate_device_key().await?;
    let public_key = crypto::public_key_text(&key).await?;
    let existing = profiles::all().await?;
    let legacy = profiles::legacy(&existing).await;
    let actor = ActorId::random();
    let mut actors = vec![actor.to_hex_string()];
    let legacy_actor = legacy
        .as_ref()
        .filter(|_| send_legacy_actor(legacy.as_ref(), &form))
        .and_then(|l| l.actor.clone());
    actors.extend(legacy_actor.clone());
    let signed_at = js_sys::Date::now() as i64;
    let label = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .map(|ua| device_label(&ua))
        .unwrap_or_default();
    let mut request = enrol_request(
        &credentials,
        public_key.clone(),
        actors.clone(),
        label,
        signed_at,
    );
    request.signature = crypto::sign(&key, &request.signed_bytes()).await?;
    let body =
        serde_json::to_string(&request).map_err(|e| AccountError::BadAnswer(e.to_string()))?;
    let answer = api::call("POST", "/api/enrol", None, Some(&body), None).await?;
    if !answer.ok() {
        return Err(enrol_error(
            answer.status,
            &credentials,
            answer.retry_after,
            &answer.body,
        ));
    }
    let answer: EnrolAnswer =
        serde_json::from_str(&answer.body).map_err(|e| AccountError::BadAnswer(e.to_string()))?;
    let code = answer.person.code.clone();
    let cadre = CadreCode::parse(&code).map_err(|e| AccountError::BadAnswer(e.to_string()))?;

    // Where the person's documents live on this device: where they already did.
    let previous = existing.iter().find(|p| p.data.code() == code);
    let adopt_legacy = previous.is_none() && legacy_is_theirs(legacy.as_ref(), &code);
    let database = match previous {
        Some(p) => p.data.database.clone(),
        None if adopt_legacy => LEGACY_DATABASE.to_owned(),
        None => database_for(&code),
    };
    let db = crate::local::browser::open_db(&database)
        .await
        .map_err(storage)?;
    // From now on this device writes with the actor just registered.
    crate::local::browser::meta_put(&db, "actor", Uint8Array::from(actor.to_bytes()).into())
        .await
        .map_err(storage)?;
    if adopt_legacy {
        // Trips kept before documents were per cadre move into theirs (written by the
        // new actor); the code is noted as the database's, as before accounts.
        crate::local::browser::save_cadre_in(&db, &cadre)
            .await
            .map_err(storage)?;
    }
    db.close();
    let mut all_actors = previous.map(|p| p.data.actors.clone()).unwrap_or_default();
    for a in actors {
        if !all_actors.contains(&a) {
            all_actors.push(a);
        }
    }
    let username = match &credentials {
        Credentials::Password { username, .. } => Some(username.clone()),
        Credentials::Code(_) => previous.and_then(|p| p.data.username.clone()),
    };
    let data = ProfileData::from_answer(
        answer,
        database,
        public_key,
        all_actors,
        username,
        pin,
        js_sys::Date::now() as i64,
    );
    let stored = StoredProfile {
        data: data.clone(),
        key,
    };
    profiles::save(&stored, true).await?;
    // The directory is a nicety here: the next sync fetches it too.
    let _ = session::fetch_directory_into(&data).await;
    Ok(data)
}
