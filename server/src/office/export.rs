//! The office's table as files: an .xlsx workbook (Vietnamese headers, numbers as
//! numbers, dates as dates, rows in Vietnamese name order) and CSV (UTF-8 with a BOM, so
//! spreadsheet programs read the diacritics; dates dd/mm/yyyy).

use super::CadreRow;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use shared::assemble::Party;
use shared::office::{HEADER, RatingLine};
use shared::summary::Summary;
use shared::verdict::fmt_day;

/// A cell: text or a whole number.
enum Cell {
    Text(String),
    Number(u32),
    Empty,
}

fn cells(i: usize, line: &RatingLine) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let mut out = vec![
        Cell::Number(u32::try_from(i + 1).unwrap_or(u32::MAX)),
        text(&line.code),
        text(&line.name),
        text(&line.department),
    ];
    match &line.figures {
        Some(f) => out.extend(
            [
                f.days_counted,
                f.days_required,
                f.thematic_counted,
                f.thematic_required,
                f.chi_doan_meetings,
            ]
            .map(Cell::Number),
        ),
        None => out.extend(std::iter::repeat_with(|| Cell::Empty).take(5)),
    }
    out.extend([
        text(&line.rating),
        text(line.outlook_vi()),
        text(&line.reason),
    ]);
    out
}

/// The rating table as CSV.
pub fn ratings_csv(rows: &[CadreRow], as_of: NaiveDate) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(HEADER)?;
    for (i, row) in rows.iter().enumerate() {
        let mut record: Vec<String> = cells(i, &row.line)
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => t,
                Cell::Number(n) => n.to_string(),
                Cell::Empty => String::new(),
            })
            .collect();
        record.push(fmt_day(as_of));
        out.write_record(&record)?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The workbook: "Xếp loại" (one row per cadre), "Tổng hợp" (seed 002 §3's figures
/// over the cadres listed) and "Việc chờ" (what is waiting, and on whom).
pub fn ratings_xlsx(
    rows: &[CadreRow],
    title: &str,
    as_of: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let day = excel_day(as_of)?;

    let sheet = book.add_worksheet().set_name("Xếp loại")?;
    for (c, h) in (0u16..).zip(HEADER) {
        sheet.write_string_with_format(0, c, h, &bold)?;
    }
    for ((r, i), row) in (1u32..).zip(0usize..).zip(rows) {
        for (c, cell) in (0u16..).zip(cells(i, &row.line)) {
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, t)?,
                Cell::Number(n) => sheet.write_number(r, c, f64::from(n))?,
                Cell::Empty => sheet,
            };
        }
        sheet.write_datetime_with_format(r, 12, &day, &date)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    sheet.autofilter(0, 0, last_row, 12)?;
    sheet.autofit();

    let summary = super::summary(rows);
    overview(
        book.add_worksheet().set_name("Tổng hợp")?,
        &summary,
        title,
        &bold,
        (&day, &date),
    )?;
    open_items(
        book.add_worksheet().set_name("Việc chờ")?,
        rows,
        &bold,
        &date,
    )?;
    book.save_to_buffer()
}

fn excel_day(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        u8::try_from(d.month()).unwrap_or(1),
        u8::try_from(d.day()).unwrap_or(1),
    )
}

/// Who a worklist line waits on, as the sheet's column says it.
fn waits_on(p: Party) -> &'static str {
    match p {
        Party::Cadre => "Cán bộ",
        Party::Host => "Cơ sở",
        Party::DepartmentHead => "Lãnh đạo phòng, ban",
        Party::Standing => "Thường trực",
        Party::Hq => "Ban Tổ chức – Kiểm tra",
    }
}

/// One row per open item of every cadre listed, in the table's order.
fn open_items(
    sheet: &mut Worksheet,
    rows: &[CadreRow],
    bold: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    let header = [
        "Mã cán bộ",
        "Họ và tên",
        "Phòng, ban",
        "Chờ ai",
        "Việc",
        "Hạn",
        "Quá hạn",
    ];
    for (c, h) in (0u16..).zip(header) {
        sheet.write_string_with_format(0, c, h, bold)?;
    }
    let items = rows
        .iter()
        .flat_map(|row| row.line.open.iter().map(move |o| (&row.line, o)));
    let mut r = 0u32;
    for (line, o) in items {
        r += 1;
        sheet.write_string(r, 0, &line.code)?;
        sheet.write_string(r, 1, &line.name)?;
        sheet.write_string(r, 2, &line.department)?;
        sheet.write_string(r, 3, waits_on(o.party))?;
        sheet.write_string(r, 4, &o.text_vi)?;
        if let Some(due) = o.due {
            sheet.write_datetime_with_format(r, 5, excel_day(due)?, date)?;
        }
        sheet.write_string(r, 6, if o.overdue { "Có" } else { "" })?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, r, 6)?;
    sheet.autofit();
    Ok(())
}

/// Seed 002 §3's figures: counts as numbers, shares as numbers with a % format.
fn overview(
    sheet: &mut Worksheet,
    s: &Summary,
    title: &str,
    bold: &Format,
    (day, date): (&ExcelDateTime, &Format),
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, title, bold)?;
    sheet.write_string(1, 0, "Tính đến ngày")?;
    sheet.write_datetime_with_format(1, 1, day, date)?;
    let figures: [(&str, f64); 13] = [
        ("Số cán bộ", f64::from(s.dossiers)),
        ("Miễn, không thuộc đối tượng", f64::from(s.exempt)),
        ("Thuộc đối tượng", f64::from(s.eligible)),
        ("Đạt yêu cầu (Đạt, Xuất sắc)", f64::from(s.met)),
        ("Xuất sắc", f64::from(s.by_rating.xuat_sac)),
        ("Đạt", f64::from(s.by_rating.dat)),
        ("Không đạt", f64::from(s.by_rating.khong_dat)),
        ("Tổng số ngày đi cơ sở", f64::from(s.total_days)),
        ("Bình quân (ngày/người)", s.average_days),
        ("Đủ số ngày tối thiểu", f64::from(s.at_or_above_minimum)),
        (
            "Tỷ lệ đủ số ngày tối thiểu",
            s.at_or_above_minimum_percent / 100.0,
        ),
        (
            "Chuyến chuyên đề quý I, II",
            f64::from(s.thematic_trips_by_quarter[0] + s.thematic_trips_by_quarter[1]),
        ),
        (
            "Chuyến chuyên đề quý III, IV",
            f64::from(s.thematic_trips_by_quarter[2] + s.thematic_trips_by_quarter[3]),
        ),
    ];
    let percent = Format::new().set_num_format("0.00%");
    let decimal = Format::new().set_num_format("0.00");
    for (r, (label, value)) in (3u32..).zip(figures) {
        sheet.write_string(r, 0, label)?;
        match label {
            "Tỷ lệ đủ số ngày tối thiểu" => {
                sheet.write_number_with_format(r, 1, value, &percent)?
            }
            "Bình quân (ngày/người)" => {
                sheet.write_number_with_format(r, 1, value, &decimal)?
            }
            _ => sheet.write_number(r, 1, value)?,
        };
    }

    let mut r = 3 + 13 + 1;
    for (c, h) in (0u16..).zip([
        "Phòng, ban",
        "Thuộc đối tượng",
        "Đạt yêu cầu",
        "Tổng số ngày",
    ]) {
        sheet.write_string_with_format(r, c, h, bold)?;
    }
    for d in &s.by_department {
        r += 1;
        sheet.write_string(r, 0, &d.department)?;
        sheet.write_number(r, 1, f64::from(d.eligible))?;
        sheet.write_number(r, 2, f64::from(d.met))?;
        sheet.write_number(r, 3, f64::from(d.total_days))?;
    }

    r += 2;
    for (c, h) in (0u16..).zip(["Đơn vị (sinh hoạt chi đoàn)", "Số buổi", "Số cán bộ"])
    {
        sheet.write_string_with_format(r, c, h, bold)?;
    }
    for u in &s.chi_doan_meetings_by_unit {
        r += 1;
        sheet.write_string(r, 0, &u.unit)?;
        sheet.write_number(r, 1, f64::from(u.meetings))?;
        sheet.write_number(r, 2, f64::from(u.cadres))?;
    }
    sheet.autofit();
    Ok(())
}
