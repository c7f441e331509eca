//! The admin API as the page calls it (`/api/admin/…`, JSON, the admin's device token),
//! every route in one place.

use crate::account::wire::{AccountError, PersonRef};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A person with their account and devices.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PersonEntry {
    #[serde(flatten)]
    pub person: PersonRef,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub account: Option<AccountEntry>,
    #[serde(default)]
    pub devices: Vec<DeviceEntry>,
}

fn yes() -> bool {
    true
}

impl std::ops::Deref for PersonEntry {
    type Target = PersonRef;
    fn deref(&self) -> &PersonRef {
        &self.person
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccountEntry {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub has_password: bool,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceEntry {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub enrolled_at: i64,
    #[serde(default)]
    pub expires_at: i64,
    #[serde(default)]
    pub last_seen: Option<i64>,
    #[serde(default)]
    pub revoked_at: Option<i64>,
}

/// A password the server generated: shown once, to be handed over.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

/// A one-time enrolment code, its URL and its QR code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EnrolmentCode {
    pub code: String,
    pub url: String,
    pub expires_at: i64,
    #[serde(default)]
    pub qr_svg: String,
}

/// One bad row of an import, as the server names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImportProblem {
    #[serde(default)]
    pub file: String,
    pub line: u64,
    #[serde(default)]
    pub column: Option<usize>,
    #[serde(default)]
    pub column_name: Option<String>,
    pub message: String,
}

impl ImportProblem {
    pub fn file_label(&self) -> &str {
        match self.file.as_str() {
            "units" => "Tệp đơn vị",
            "departments" => "Tệp phòng ban",
            "people" => "Tệp cán bộ",
            other => other,
        }
    }
}

/// What an import answers: counts, or every problem (then nothing was imported).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImportAnswer {
    #[serde(default)]
    pub units: usize,
    #[serde(default)]
    pub departments: usize,
    #[serde(default)]
    pub people: usize,
    #[serde(default)]
    pub problems: Vec<ImportProblem>,
    #[serde(default)]
    pub error: Option<String>,
}

pub const PEOPLE: &str = "/api/admin/people";
pub const IMPORT: &str = "/api/admin/import";
pub const ACCOUNTS: &str = "/api/admin/accounts";
pub const ENROLMENT_CODES: &str = "/api/admin/enrolment-codes";

fn account_action(person: &str, action: &str) -> String {
    format!("{ACCOUNTS}/{}/{action}", encode(person))
}

/// Codes and ids are ASCII letters, digits and `-`; anything else is escaped anyway.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A call with the active profile's token: the status and the body, whatever they are.
async fn raw(method: &str, path: &str, body: Option<Value>) -> Result<(u16, String), AccountError> {
    #[cfg(feature = "hydrate")]
    {
        let token = crate::account::browser::token().ok_or(AccountError::SignedOut)?;
        let body = body.map(|b| b.to_string());
        let answer =
            crate::account::api::call(method, path, Some(&token), body.as_deref(), None).await?;
        if !answer.ok() && answer.status != 422 && answer.status != 400 {
            return Err(crate::account::wire::api_error(
                answer.status,
                answer.retry_after,
                &answer.body,
            ));
        }
        Ok((answer.status, answer.body))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, path, body);
        Err(AccountError::SignedOut)
    }
}

async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<T, AccountError> {
    let (status, text) = raw(method, path, body).await?;
    if !(200..300).contains(&status) {
        return Err(crate::account::wire::api_error(status, None, &text));
    }
    serde_json::from_str(&text).map_err(|e| AccountError::BadAnswer(e.to_string()))
}

#[derive(Deserialize)]
struct PeopleAnswer {
    people: Vec<PersonEntry>,
}

pub async fn people() -> Result<Vec<PersonEntry>, AccountError> {
    Ok(call::<PeopleAnswer>("GET", PEOPLE, None).await?.people)
}

/// Imports the CSV texts given; a refused import answers its problems, not an error.
pub async fn import(
    units: Option<String>,
    departments: Option<String>,
    people: Option<String>,
) -> Result<ImportAnswer, AccountError> {
    let body = json!({ "units": units, "departments": departments, "people": people });
    let (_, text) = raw("POST", IMPORT, Some(body)).await?;
    serde_json::from_str(&text).map_err(|e| AccountError::BadAnswer(e.to_string()))
}

pub async fn create_account(
    person: &str,
    username: &str,
    password: Option<&str>,
) -> Result<NewPassword, AccountError> {
    let body = json!({ "person": person, "username": username, "password": password });
    call("POST", ACCOUNTS, Some(body)).await
}

pub async fn set_disabled(person: &str, disabled: bool) -> Result<Value, AccountError> {
    let action = if disabled { "disable" } else { "enable" };
    call("POST", &account_action(person, action), Some(json!({}))).await
}

pub async fn reset_password(person: &str) -> Result<NewPassword, AccountError> {
    call("POST", &account_action(person, "reset"), Some(json!({}))).await
}

pub async fn enrolment_code(person: &str) -> Result<EnrolmentCode, AccountError> {
    call("POST", ENROLMENT_CODES, Some(json!({ "person": person }))).await
}

pub async fn revoke_device(id: &str) -> Result<Value, AccountError> {
    call(
        "POST",
        &format!("/api/admin/devices/{}/revoke", encode(id)),
        Some(json!({})),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_people_list_reads_the_servers_entries() {
        let text = r#"{"province":{"code":"KG","name":"Kiên Giang"},"people":[{"code":"KG-0001","name":"Nguyễn Văn A","unit":"tinh","department":"BTC",
            "job":"can-bo","office_since":2019,"roles":[{"role":"admin"}],"active":true,
            "account":{"username":"kg-0001","has_password":true,"disabled":false},
            "devices":[{"id":"d1","person":"KG-0001","label":"Chrome trên Android","actors":["ab"],
                        "enrolled_at":1,"expires_at":2,"last_seen":null,"revoked_at":null,"status":"active"}]}]}"#;
        let list = serde_json::from_str::<PeopleAnswer>(text)
            .expect("json")
            .people;
        assert_eq!(list[0].name, "Nguyễn Văn A");
        assert!(list[0].is_admin());
        assert_eq!(list[0].devices[0].label, "Chrome trên Android");
        assert_eq!(
            list[0].account.as_ref().and_then(|a| a.username.as_deref()),
            Some("kg-0001")
        );
    }

    #[test]
    fn import_problems_name_file_line_and_column() {
        let text = r#"{"error":"Không nhập gì: 1 dòng lỗi","problems":[
            {"file":"people","line":3,"column":2,"column_name":"name","message":"thiếu họ tên"}]}"#;
        let answer: ImportAnswer = serde_json::from_str(text).expect("json");
        let p = &answer.problems[0];
        assert_eq!(
            (p.file_label(), p.line, p.column, p.message.as_str()),
            ("Tệp cán bộ", 3, Some(2), "thiếu họ tên")
        );
        assert_eq!(encode("KG-0001"), "KG-0001");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }
}
