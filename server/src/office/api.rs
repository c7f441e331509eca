//! `GET /api/office/{year}/ratings.xlsx` and `.csv`: the province's rating table for a
//! device of an office role (HQ and the standing committee: every cadre; a department
//! head: their department's), as `shared::access::rights` lets that person read. Online
//! only and never cached: the service worker does not touch `/api/`.

use super::export::{ratings_csv, ratings_xlsx};
use super::{OfficeError, is_office, rate_province};
use crate::AppState;
use crate::directory::api::Device;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use shared::directory::Directory;
use shared::verdict::fmt_day;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/office/{year}/ratings.xlsx", get(xlsx))
        .route("/api/office/{year}/ratings.csv", get(csv))
        .route("/api/office/{year}/ratings.json", get(json))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why an export was refused, as the API answers (`{"error": …}` in Vietnamese).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("năm “{0}” không hợp lệ")]
    Year(String),
    #[error(
        "ngày “{0}” không dùng được: cần một ngày của năm {1} (dạng yyyy-mm-dd), không sau hôm nay"
    )]
    AsOf(String, i32),
    #[error("{0}")]
    Office(#[from] OfficeError),
    #[error("không tạo được tệp Excel: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("không tạo được tệp CSV: {0}")]
    Csv(#[from] csv::Error),
}

impl IntoResponse for ExportError {
    fn into_response(self) -> Response {
        let status = match &self {
            ExportError::Year(_) | ExportError::AsOf(..) => StatusCode::BAD_REQUEST,
            ExportError::Office(OfficeError::NotOffice) => StatusCode::FORBIDDEN,
            ExportError::Office(OfficeError::NoPolicy(_)) => StatusCode::NOT_FOUND,
            ExportError::Office(OfficeError::Store(_)) => StatusCode::SERVICE_UNAVAILABLE,
            ExportError::Xlsx(_) | ExportError::Csv(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "office export failed");
        }
        let message = self.to_string();
        let mut first = message.chars();
        let message: String = first
            .next()
            .map(|c| c.to_uppercase().chain(first).collect())
            .unwrap_or_default();
        let mut response = (
            status,
            axum::Json(serde_json::json!({ "error": message + "." })),
        )
            .into_response();
        no_store(&mut response);
        response
    }
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `?ngay=yyyy-mm-dd`: the table as of an earlier day of the year, e.g. 30/06 for the
/// review at six months (sơ kết 6 tháng, 000 §VI.1: "định kỳ 2 lần/1 năm"); today without.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AsOf {
    ngay: Option<String>,
}

impl AsOf {
    /// The day asked for, checked: in `year`, not after `today`.
    fn day(&self, year: i32, today: NaiveDate) -> Result<NaiveDate, ExportError> {
        let Some(text) = self.ngay.as_deref() else {
            return Ok(today);
        };
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| d.year() == year && *d <= today)
            .ok_or_else(|| ExportError::AsOf(text.to_owned(), year))
    }
}

/// The rows the device's person may see, the province's directory, the year, the day.
async fn table(
    state: &AppState,
    device: &crate::directory::DeviceIdentity,
    year: &str,
    as_of: &AsOf,
) -> Result<(Vec<super::CadreRow>, Arc<Directory>, i32, NaiveDate), ExportError> {
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ExportError::Year(year.to_owned()))?;
    let dir = state
        .directory
        .directory(&device.province)
        .filter(|d| is_office(d, &device.person))
        .ok_or(OfficeError::NotOffice)?;
    // Only a clock beyond chrono's range (±262,000 years) has no day.
    let today = crate::directory::day_of_ms(state.directory.now()).unwrap_or_default();
    let as_of = as_of.day(year, today)?;
    let rows = rate_province(&state.store, &dir, Some(&device.person), year, as_of).await?;
    Ok((rows, dir, year, as_of))
}

/// The downloaded file's name, without its extension.
fn file_name(dir: &Directory, year: i32) -> String {
    format!(
        "xep-loai-di-co-so-{}-{year}",
        dir.province().code.to_lowercase()
    )
}

/// The workbook's title line.
pub fn title(dir: &Directory, year: i32, as_of: NaiveDate) -> String {
    format!(
        "Đi cơ sở “1+2” năm {year}, {}, tính đến ngày {}",
        dir.province().name,
        fmt_day(as_of)
    )
}

fn attachment(body: Vec<u8>, content_type: &'static str, file: String) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response();
    no_store(&mut response);
    response
}

async fn xlsx(
    State(state): State<AppState>,
    Device(device): Device,
    Path(year): Path<String>,
    Query(asked): Query<AsOf>,
) -> Result<Response, ExportError> {
    let (rows, dir, year, as_of) = table(&state, &device, &year, &asked).await?;
    let body = ratings_xlsx(&rows, &title(&dir, year, as_of), as_of)?;
    Ok(attachment(body, XLSX, file_name(&dir, year) + ".xlsx"))
}

/// The table the office's page shows (`shared::office::RatingTable`).
async fn json(
    State(state): State<AppState>,
    Device(device): Device,
    Path(year): Path<String>,
    Query(asked): Query<AsOf>,
) -> Result<Response, ExportError> {
    let (rows, dir, year, as_of) = table(&state, &device, &year, &asked).await?;
    let mut response = axum::Json(super::table(&rows, &dir, year, as_of)).into_response();
    no_store(&mut response);
    Ok(response)
}

async fn csv(
    State(state): State<AppState>,
    Device(device): Device,
    Path(year): Path<String>,
    Query(asked): Query<AsOf>,
) -> Result<Response, ExportError> {
    let (rows, dir, year, as_of) = table(&state, &device, &year, &asked).await?;
    let body = ratings_csv(&rows, as_of)?;
    Ok(attachment(
        body,
        "text/csv; charset=utf-8",
        file_name(&dir, year) + ".csv",
    ))
}
