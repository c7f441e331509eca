//! Reading one CSV file: its header (known columns in any order), its rows with their
//! line numbers, and the checks every file shares (ids, names).

use super::{CsvFile, Problem, clean_name};
use shared::doc::valid_id;
use std::collections::BTreeMap;

const MAX_NAME_CHARS: usize = 200;

pub(super) struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A parsed file: its header and rows, and where each known column is.
pub(super) struct Table {
    pub file: CsvFile,
    pub columns: BTreeMap<&'static str, usize>,
    pub rows: Vec<Row>,
}

impl Table {
    pub(super) fn cell<'a>(&self, row: &'a Row, column: &str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|&i| row.fields.get(i))
            .map_or("", String::as_str)
    }

    pub(super) fn problem(&self, row: &Row, column: &'static str, message: String) -> Problem {
        Problem {
            file: self.file,
            line: row.line,
            column: self.columns.get(column).map(|i| i + 1),
            column_name: Some(column.to_owned()),
            message,
        }
    }
}

/// Reads `text` with its header; header problems go to `problems`. `None` if a required
/// column is missing (every row would fail for the same reason).
pub(super) fn read_table(
    file: CsvFile,
    text: &str,
    required: &[&'static str],
    optional: &[&'static str],
    problems: &mut Vec<Problem>,
) -> Option<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let whole = |line: u64, message: String| Problem {
        file,
        line,
        column: None,
        column_name: None,
        message,
    };
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            problems.push(whole(1, "tệp trống: cần một dòng tiêu đề".into()));
            return None;
        }
        Some(Err(e)) => {
            problems.push(whole(1, format!("không đọc được dòng tiêu đề: {e}")));
            return None;
        }
        Some(Ok(h)) => h,
    };
    let columns = columns(file, &header, required, optional, problems);
    let missing: Vec<&str> = required
        .iter()
        .filter(|c| !columns.contains_key(*c))
        .copied()
        .collect();
    if !missing.is_empty() {
        problems.push(whole(1, format!("thiếu cột {}", quoted(&missing))));
        return None;
    }
    let width = header.len();
    let mut rows = Vec::new();
    for record in records {
        match record {
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(whole(line, format!("dòng không đọc được: {e}")));
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                if r.iter().all(str::is_empty) {
                    continue; // a blank line, or a spreadsheet's empty row
                }
                if let Some(extra) = r.iter().skip(width).position(|f| !f.is_empty()) {
                    problems.push(Problem {
                        file,
                        line,
                        column: Some(width + extra + 1),
                        column_name: None,
                        message: format!("dòng có nhiều cột hơn tiêu đề ({width} cột)"),
                    });
                }
                rows.push(Row {
                    line,
                    fields: r.iter().map(str::to_owned).collect(),
                });
            }
        }
    }
    Some(Table {
        file,
        columns,
        rows,
    })
}

/// Where each known column is; unknown and repeated columns are problems.
fn columns(
    file: CsvFile,
    header: &csv::StringRecord,
    required: &[&'static str],
    optional: &[&'static str],
    problems: &mut Vec<Problem>,
) -> BTreeMap<&'static str, usize> {
    let known: Vec<&'static str> = required.iter().chain(optional).copied().collect();
    let mut columns = BTreeMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.to_lowercase();
        let message = match known.iter().find(|k| **k == name) {
            Some(k) if !columns.contains_key(k) => {
                columns.insert(*k, i);
                continue;
            }
            Some(_) => format!("cột “{name}” có hai lần"),
            None => format!(
                "cột “{name}” không dùng được (các cột: {})",
                known.join(", ")
            ),
        };
        problems.push(Problem {
            file,
            line: 1,
            column: Some(i + 1),
            column_name: Some(name),
            message,
        });
    }
    columns
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("“{i}”"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a name cell; pushes a problem if it is empty or too long.
pub(super) fn name_cell(t: &Table, row: &Row, what: &str, problems: &mut Vec<Problem>) -> String {
    let name = clean_name(t.cell(row, "name"));
    if name.is_empty() {
        problems.push(t.problem(row, "name", format!("thiếu tên {what}")));
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push(t.problem(row, "name", format!("tên dài quá {MAX_NAME_CHARS} ký tự")));
    }
    name
}

/// Checks an id cell (unit or department): shape and duplicates within the file.
pub(super) fn id_cell(
    t: &Table,
    row: &Row,
    what: &str,
    seen: &mut BTreeMap<String, u64>,
    problems: &mut Vec<Problem>,
) -> String {
    let id = t.cell(row, "id").to_owned();
    if id.is_empty() {
        problems.push(t.problem(row, "id", format!("thiếu mã {what}")));
    } else if !valid_id(&id) {
        problems.push(t.problem(
            row,
            "id",
            format!("mã {what} “{id}” chỉ gồm chữ không dấu, chữ số và - _ . (tối đa 64 ký tự)"),
        ));
    } else if let Some(first) = seen.get(&id) {
        problems.push(t.problem(
            row,
            "id",
            format!("mã {what} “{id}” trùng với dòng {first}"),
        ));
    } else {
        seen.insert(id.clone(), row.line);
    }
    id
}
