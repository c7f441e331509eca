//! Issue 12 (its first part): the office's rating table of a province-year, downloaded as
//! .xlsx and CSV from the running server by office roles, read back as a spreadsheet
//! program reads it; each row is what `shared::assemble::rate` gives for the same
//! documents, so the table and the cadre's phone cannot disagree.

use anyhow::{Context, Result, ensure};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use shared::assemble::Party;
use shared::assemble::{Rated, Sources, rate};
use shared::doc::{CadreCode, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{TripForm, check_trip};
use shared::office::{HEADER as RATING_HEADER, OpenItem, OpenKind, open_items};
use shared::policy::Policy;

use super::common::{World, world};

const YEAR: i32 = 2026;
const XLSX_PATH: &str = "/api/office/2026/ratings.xlsx";
const CSV_PATH: &str = "/api/office/2026/ratings.csv";

/// KG-0123 (Nguyễn Thị An) writes two carried-out trips of 2026 from her phone.
async fn an_writes_her_year(w: &World) -> Result<DossierDoc> {
    let device = w.device("KG-0123");
    let key = DossierKey {
        cadre: CadreCode::parse("KG-0123")?,
        year: YEAR,
    };
    let policy = Policy::preset("kien-giang-2023").context("preset")?;
    let mut doc = DossierDoc::new(&key, device.actor.clone());
    let today = chrono::NaiveDate::from_ymd_opt(YEAR, 6, 30).context("date")?;
    for (i, (start, end)) in [("2026-03-02", "2026-03-06"), ("2026-04-13", "2026-04-14")]
        .into_iter()
        .enumerate()
    {
        let form = TripForm {
            start: start.into(),
            end: end.into(),
            host_name: "Đoàn xã Vĩnh Hòa Hiệp".into(),
            host_level: "co-so".into(),
            content_type: "3.2".into(),
            topic: format!("Khảo sát số {i}"),
            status: TripStatus::Done,
            ..TripForm::default()
        };
        let others = doc.read()?.trips;
        let record = check_trip(&form, &policy, &others, None, &format!("trip-{i}"), today)
            .1
            .context("a valid trip")?;
        doc.put_trip(&record, 1_780_000_000_000 + i as i64)?;
    }
    let mut client = w.connect("KG-0123").await?;
    let id = key.document_id();
    client.insert_document(id, doc.automerge().clone());
    client.wait_synced(id).await?;
    client.close().await;
    Ok(doc)
}

/// What the engine says of An's year as of `as_of`, from her dossier and the directory
/// (nobody else wrote about her), and what waits on whom.
fn an_rated(w: &World, an: &DossierDoc, as_of: NaiveDate) -> Result<(Rated, Vec<OpenItem>)> {
    let dir = w.directory.directory("KG").context("KG")?;
    let year = an.read()?;
    let sources = Sources {
        dossier: Some(&year),
        directory: Some(&dir),
        ..Sources::default()
    };
    let rated = rate(Some(&dir), "KG-0123", YEAR, sources, as_of)?;
    let policy = dir.policy_for(YEAR).context("policy")?;
    let open = open_items(&rated, &sources, policy);
    Ok((rated, open))
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn number(cell: &Data) -> Result<u32> {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && *f >= 0.0 => Ok(*f as u32),
        other => anyhow::bail!("not a whole number: {other:?}"),
    }
}

/// The "Xếp loại" sheet of a downloaded workbook.
fn rating_sheet(body: &[u8]) -> Result<Vec<Vec<Data>>> {
    let book = Xlsx::new(std::io::Cursor::new(body.to_vec()))?;
    let names = book.sheet_names();
    ensure!(
        names == ["Xếp loại", "Tổng hợp", "Việc chờ"],
        "sheets {names:?}"
    );
    sheet(body, "Xếp loại")
}

/// The sheet `name` of a downloaded workbook.
fn sheet(body: &[u8], name: &str) -> Result<Vec<Vec<Data>>> {
    let mut book = Xlsx::new(std::io::Cursor::new(body.to_vec()))?;
    let range = book.worksheet_range(name)?;
    Ok(range.rows().map(<[Data]>::to_vec).collect())
}

/// HQ downloads the province's table: every cadre in the order of Vietnamese lists (by
/// given name), with their department, numbers as numbers, the day as a date, and An's
/// row as the engine rates her documents.
#[tokio::test]
async fn hq_downloads_the_rating_table_as_a_workbook() -> Result<()> {
    let w = world().await?;
    let an = an_writes_her_year(&w).await?;
    let hq = w.device("KG-0011");
    let answer = w.get(XLSX_PATH, Some(&hq.token)).await?;
    ensure!(
        answer.status == 200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    ensure!(
        answer
            .headers
            .get("content-disposition")
            .map(String::as_str)
            == Some("attachment; filename=\"xep-loai-di-co-so-kg-2026.xlsx\""),
        "{:?}",
        answer.headers
    );
    ensure!(answer.headers.get("cache-control").map(String::as_str) == Some("no-store"));

    let rows = rating_sheet(&answer.body)?;
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header, RATING_HEADER);
    let names: Vec<String> = rows[1..].iter().map(|r| text(&r[2])).collect();
    assert_eq!(
        names,
        [
            "Nguyễn Thị An",
            "Lê Văn Bảo",
            "Phạm Minh Châu",
            "Trần Quốc Dũng",
            "Võ Thị Hạnh",
            "Huỳnh Văn Khoa",
        ]
    );
    let an_row = &rows[1];
    assert_eq!(text(&an_row[1]), "KG-0123");
    assert_eq!(text(&an_row[3]), "Ban Phong trào");
    let Data::DateTime(day) = &an_row[12] else {
        anyhow::bail!("the day is not a date: {:?}", an_row[12]);
    };
    let as_of = day.as_datetime().context("a day")?.date();

    // The row says what the engine says about the same documents.
    let (rated, open) = an_rated(&w, &an, as_of)?;
    let v = &rated.verdict;
    // Neither period registered, both deadlines passed: overdue, on An (000 §IV Bước 1).
    ensure!(
        open.len() == 2
            && open
                .iter()
                .all(|o| o.party == Party::Cadre && o.kind == OpenKind::RegistrationMissing),
        "{open:?}"
    );
    let waiting = sheet(&answer.body, "Việc chờ")?;
    let header: Vec<String> = waiting[0].iter().map(text).collect();
    assert_eq!(
        header[..5],
        ["Mã cán bộ", "Họ và tên", "Phòng, ban", "Chờ ai", "Việc"]
    );
    let an_waits: Vec<_> = waiting[1..]
        .iter()
        .filter(|r| text(&r[0]) == "KG-0123")
        .collect();
    assert_eq!(an_waits.len(), open.len());
    for (row, o) in an_waits.into_iter().zip(&open) {
        assert_eq!(text(&row[3]), "Cán bộ");
        assert_eq!(text(&row[4]), o.text_vi);
        let Data::DateTime(due) = &row[5] else {
            anyhow::bail!("the deadline is not a date: {:?}", row[5]);
        };
        assert_eq!(Some(due.as_datetime().context("a day")?.date()), o.due);
        assert_eq!(text(&row[6]), "Có");
    }
    assert_eq!(number(&an_row[4])?, v.days.counted);
    assert_eq!(number(&an_row[5])?, v.days.required);
    assert_eq!(number(&an_row[6])?, v.thematic.counted);
    assert_eq!(number(&an_row[7])?, v.thematic.required);
    assert_eq!(number(&an_row[8])?, v.coverage.chi_doan_meetings);
    assert_eq!(text(&an_row[9]), shared::office::rating_label(v));
    assert_eq!(v.days.required, 60, "Kiên Giang's minimum");
    Ok(())
}

/// The CSV holds the same table, readable by spreadsheet programs (UTF-8 with a BOM) and
/// with the day as dd/mm/yyyy.
#[tokio::test]
async fn the_csv_is_the_same_table() -> Result<()> {
    let w = world().await?;
    an_writes_her_year(&w).await?;
    let token = &w.device("KG-0001").token;
    let xlsx = rating_sheet(&w.get(XLSX_PATH, Some(token)).await?.body)?;
    let answer = w.get(CSV_PATH, Some(token)).await?;
    ensure!(
        answer.status == 200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer
        .body
        .strip_prefix(b"\xEF\xBB\xBF")
        .context("no UTF-8 BOM")?;
    let mut reader = csv::Reader::from_reader(body);
    assert_eq!(reader.headers()?.iter().collect::<Vec<_>>(), RATING_HEADER);
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    assert_eq!(records.len(), xlsx.len() - 1);
    // The office's page reads the same table as JSON.
    let json = w.get("/api/office/2026/ratings.json", Some(token)).await?;
    let table: shared::office::RatingTable = serde_json::from_slice(&json.body)?;
    assert_eq!(table.province, "Tỉnh đoàn Kiên Giang");
    let lines: Vec<(&str, &str)> = table
        .lines
        .iter()
        .map(|l| (l.name.as_str(), l.rating.as_str()))
        .collect();
    let csv_lines: Vec<(&str, &str)> = records.iter().map(|r| (&r[2], &r[9])).collect();
    assert_eq!(lines, csv_lines);
    // With the overview of the lines rated (seed 002 §3), as the workbook's second sheet.
    let summary = table.summary.as_ref().context("the overview")?;
    let rated = table.lines.iter().filter(|l| l.figures.is_some()).count();
    assert_eq!(summary.dossiers as usize, rated);
    let r = &summary.by_rating;
    assert_eq!(r.khong_dat + r.dat + r.xuat_sac + r.mien, summary.dossiers);
    for (record, row) in records.iter().zip(&xlsx[1..]) {
        let cells: Vec<String> = row[..12]
            .iter()
            .map(|c| match c {
                Data::Float(f) => format!("{f}"),
                other => text(other),
            })
            .collect();
        assert_eq!(record.iter().take(12).collect::<Vec<_>>(), cells);
        let Data::DateTime(day) = &row[12] else {
            anyhow::bail!("no date");
        };
        let day = day.as_datetime().context("a day")?.date();
        assert_eq!(&record[12], shared::verdict::fmt_day(day));
    }
    Ok(())
}

/// A department head sees their own department's cadres only; a cadre and a host
/// officer are refused with a Vietnamese reason; no token, no table.
#[tokio::test]
async fn each_role_sees_what_it_may_read() -> Result<()> {
    let w = world().await?;
    let head = w.device("KG-0010");
    let rows = rating_sheet(&w.get(XLSX_PATH, Some(&head.token)).await?.body)?;
    let names: Vec<String> = rows[1..].iter().map(|r| text(&r[2])).collect();
    assert_eq!(names, ["Nguyễn Thị An", "Lê Văn Bảo", "Trần Quốc Dũng"]);

    for person in ["KG-0123", "KG-H001", "KG-A001"] {
        let answer = w.get(XLSX_PATH, Some(&w.device(person).token)).await?;
        assert_eq!(answer.status, 403, "{person}");
        let said: serde_json::Value = serde_json::from_slice(&answer.body)?;
        assert_eq!(
            said["error"],
            "Cần vai trò Ban Tổ chức – Kiểm tra, Thường trực hoặc lãnh đạo phòng, ban để xem bảng tổng hợp.",
            "{person}"
        );
    }
    assert_eq!(w.get(XLSX_PATH, None).await?.status, 401);
    let hq = &w.device("KG-0011").token;
    let answer = w.get("/api/office/2020/ratings.xlsx", Some(hq)).await?;
    assert_eq!(answer.status, 404, "no policy before 2023");
    let answer = w.get("/api/office/nam-nay/ratings.csv", Some(hq)).await?;
    assert_eq!(answer.status, 400);
    Ok(())
}

/// `dicoso export` writes, from the data directory, the table HQ downloads.
#[tokio::test]
async fn the_command_line_writes_the_table_hq_downloads() -> Result<()> {
    let w = world().await?;
    an_writes_her_year(&w).await?;
    let downloaded = w.get(CSV_PATH, Some(&w.device("KG-0011").token)).await?;
    let out = w.dir.path().join("bang.csv");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_dicoso"))
        .args(["export", "--province", "KG", "--year", "2026", "--data-dir"])
        .arg(w.dir.path().join("data"))
        .arg("--out")
        .arg(&out)
        .output()?;
    ensure!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read(&out)?, downloaded.body);
    let said = String::from_utf8_lossy(&run.stderr);
    ensure!(said.contains("6 cán bộ"), "{said}");

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_dicoso"))
        .args(["export", "--province", "XX", "--year", "2026", "--data-dir"])
        .arg(w.dir.path().join("data"))
        .args(["--out", "x.pdf"])
        .output()?;
    ensure!(!bad.status.success());
    ensure!(String::from_utf8_lossy(&bad.stderr).contains("--out must end in .xlsx or .csv"));
    Ok(())
}

/// The review at six months (000 §VI.1: "sơ kết 6 tháng"): the same table as of 30/06,
/// in the page's JSON and in the workbook; a day outside the year, or written otherwise,
/// is refused with why.
#[tokio::test]
async fn the_six_month_review_is_the_table_as_of_30_june() -> Result<()> {
    let w = world().await?;
    let an = an_writes_her_year(&w).await?;
    let token = &w.device("KG-0011").token;
    let review = chrono::NaiveDate::from_ymd_opt(YEAR, 6, 30).context("date")?;
    let json = w
        .get("/api/office/2026/ratings.json?ngay=2026-06-30", Some(token))
        .await?;
    ensure!(
        json.status == 200,
        "{}",
        String::from_utf8_lossy(&json.body)
    );
    let table: shared::office::RatingTable = serde_json::from_slice(&json.body)?;
    assert_eq!(table.as_of, review);
    let (rated, _) = an_rated(&w, &an, review)?;
    let an_line = table
        .lines
        .iter()
        .find(|l| l.code == "KG-0123")
        .context("An's line")?;
    assert_eq!(an_line.rating, shared::office::rating_label(&rated.verdict));

    let xlsx = w
        .get(&format!("{XLSX_PATH}?ngay=2026-06-30"), Some(token))
        .await?;
    let rows = rating_sheet(&xlsx.body)?;
    let Data::DateTime(day) = &rows[1][12] else {
        anyhow::bail!("the day is not a date: {:?}", rows[1][12]);
    };
    assert_eq!(day.as_datetime().context("a day")?.date(), review);

    for bad in ["2025-06-30", "30/06/2026"] {
        let answer = w
            .get(
                &format!("/api/office/2026/ratings.json?ngay={bad}"),
                Some(token),
            )
            .await?;
        assert_eq!(answer.status, 400, "{bad}");
        let body = String::from_utf8_lossy(&answer.body);
        ensure!(body.contains("cần một ngày của năm 2026"), "{body}");
    }
    Ok(())
}
