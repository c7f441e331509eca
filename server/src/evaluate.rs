//! `dicoso evaluate`: rate dossiers (JSON files or stdin) and print verdicts or HQ's
//! aggregates. All input is checked before anything is evaluated: one bad dossier stops
//! the run with errors naming file, dossier and field, and nothing on stdout.
//!
//! Policy choice: a dossier may name its policy (`"policy": "kien-giang-2023"`); one that
//! does not gets `--policy` (or the policy of `--policy-file`). A dossier naming a policy
//! other than an explicit `--policy` is an error rather than a silent re-rating.

use anyhow::{Context, anyhow, bail};
use chrono::NaiveDate;
use shared::dossier::Dossier;
use shared::error::InputErrors;
use shared::policy::Policy;
use shared::summary::{Summary, summarize};
use shared::verdict::{Rating, Verdict, evaluate_valid};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Table,
}

#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// Dossier JSON files, each one dossier or an array of dossiers; none or "-" reads stdin.
    pub files: Vec<PathBuf>,
    /// Policy for dossiers that do not name one: a preset id (kien-giang-2023, tay-ninh-2018)
    /// or the id of --policy-file.
    #[arg(long)]
    pub policy: Option<String>,
    /// A policy file (TOML or JSON, see docs/policies.md), e.g. a province's own.
    #[arg(long)]
    pub policy_file: Option<PathBuf>,
    /// Date of the evaluation (YYYY-MM-DD). After 31/12 of the dossier's year the verdict is
    /// final; before, a forecast. Default: today in Vietnam (UTC+7).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Output format: JSON (the public verdict format) or a Vietnamese table.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Print HQ's aggregates over all dossiers instead of the verdicts.
    #[arg(long)]
    pub summary: bool,
    /// List the known policies and exit.
    #[arg(long)]
    pub list_policies: bool,
    /// Rate a cadre-year from the documents in the server's data directory (read only)
    /// instead of dossier files: the verdict the phone shows for the same documents.
    #[arg(long, value_name = "DATA_DIR", requires_all = ["cadre", "year"], conflicts_with_all = ["files", "summary", "policy", "policy_file", "list_policies"])]
    pub store: Option<PathBuf>,
    /// With --store: the cadre's code (mã cán bộ).
    #[arg(long, requires = "store")]
    pub cadre: Option<String>,
    /// With --store: the year rated.
    #[arg(long, requires = "store")]
    pub year: Option<i32>,
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.store {
        return store::from_store(dir, &args);
    }
    let policies = load_policies(&args)?;
    if args.list_policies {
        let mut out = std::io::stdout().lock();
        for p in policies.values().map(|k| &k.policy) {
            writeln!(out, "{}\t{}\t{}", p.id, p.years_label(), p.name_vi)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let default_policy = match (&args.policy, &args.policy_file) {
        (Some(id), _) => {
            if !policies.contains_key(id) {
                bail!(
                    "--policy: unknown policy `{id}` (known: {})",
                    known(&policies)
                );
            }
            Some(id.clone())
        }
        (None, Some(_)) => policies
            .values()
            .find(|p| p.source_file)
            .map(|p| p.policy.id.clone()),
        (None, None) => None,
    };

    let inputs = read_inputs(&args.files)?;
    let mut errors: Vec<String> = Vec::new();
    let mut work: Vec<(Dossier, &Policy)> = Vec::new();
    for input in &inputs {
        let dossiers = match parse_dossiers(&input.text) {
            Ok(d) => d,
            Err((index, e)) => {
                errors.extend(e.iter().map(|f| format!("{}: {f}", input.place(index))));
                continue;
            }
        };
        let single = dossiers.len() == 1 && !input.text.trim_start().starts_with('[');
        for (i, d) in dossiers.into_iter().enumerate() {
            let index = (!single).then_some(i);
            let place = input.place(index);
            let id = match (&d.policy, &default_policy) {
                (Some(own), Some(explicit)) if args.policy.is_some() && own != explicit => {
                    errors.push(format!(
                        "{place}: policy: the dossier names `{own}` but --policy is `{explicit}`"
                    ));
                    continue;
                }
                (Some(own), _) => own.clone(),
                (None, Some(default)) => default.clone(),
                (None, None) => {
                    errors.push(format!(
                        "{place}: policy: the dossier names no policy; pass --policy"
                    ));
                    continue;
                }
            };
            let Some(policy) = policies.get(&id) else {
                errors.push(format!(
                    "{place}: policy: unknown policy `{id}` (known: {})",
                    known(&policies)
                ));
                continue;
            };
            match d.validate(&policy.policy) {
                Ok(()) => work.push((d, &policy.policy)),
                Err(e) => errors.extend(e.iter().map(|f| format!("{place}: {f}"))),
            }
        }
    }
    if !errors.is_empty() {
        let mut err = std::io::stderr().lock();
        for e in &errors {
            writeln!(err, "error: {e}")?;
        }
        writeln!(err, "{} error(s); nothing was evaluated.", errors.len())?;
        return Ok(ExitCode::from(2));
    }

    let as_of = args.as_of.unwrap_or_else(today_in_vietnam);
    let verdicts: Vec<Verdict> = work
        .iter()
        .map(|(d, p)| evaluate_valid(p, d, as_of))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.summary {
        let summary = summarize(work.iter().map(|(d, _)| d).zip(&verdicts));
        match args.format {
            Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?,
            Format::Table => write!(out, "{}", summary_table(&summary, as_of))?,
        }
    } else {
        match args.format {
            Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&verdicts)?)?,
            Format::Table => write!(out, "{}", verdict_table(&verdicts, as_of))?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

struct Known {
    policy: Policy,
    /// Loaded from --policy-file.
    source_file: bool,
}

fn known(policies: &BTreeMap<String, Known>) -> String {
    policies.keys().cloned().collect::<Vec<_>>().join(", ")
}

fn load_policies(args: &EvaluateArgs) -> anyhow::Result<BTreeMap<String, Known>> {
    let mut map: BTreeMap<String, Known> = Policy::presets()
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                Known {
                    policy: p.clone(),
                    source_file: false,
                },
            )
        })
        .collect();
    if let Some(path) = &args.policy_file {
        let policy = load_policy_file(path)?;
        // A file may replace a preset of the same id (a province's corrected copy).
        map.insert(
            policy.id.clone(),
            Known {
                policy,
                source_file: true,
            },
        );
    }
    Ok(map)
}

/// Reads a TOML or JSON policy; errors name the file, the field and (TOML) the line.
pub fn load_policy_file(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read policy file {}", path.display()))?;
    let place = path.display();
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let policy: Policy = if is_toml {
        let line_of = |span: Option<std::ops::Range<usize>>| {
            span.map(|s| {
                format!(
                    " (line {})",
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                )
            })
            .unwrap_or_default()
        };
        let de = toml::Deserializer::parse(&text)
            .map_err(|e| anyhow!("{place}{}: {}", line_of(e.span()), e.message()))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            anyhow!(
                "{place}: {field}{}: {}",
                line_of(inner.span()),
                inner.message()
            )
        })?
    } else {
        shared::error::from_json_str(&text)
            .map_err(|e| anyhow!("{}", prefixed(&place.to_string(), &e)))?
    };
    policy
        .validate()
        .map_err(|e| anyhow!("{}", prefixed(&place.to_string(), &e)))?;
    Ok(policy)
}

fn prefixed(place: &str, e: &InputErrors) -> String {
    e.iter()
        .map(|f| format!("{place}: {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Input {
    name: String,
    text: String,
}

impl Input {
    /// "file.json" or "file.json[3]" for the fourth dossier of an array.
    fn place(&self, index: Option<usize>) -> String {
        match index {
            Some(i) => format!("{}[{i}]", self.name),
            None => self.name.clone(),
        }
    }
}

fn read_inputs(files: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    let stdin = |inputs: &mut Vec<Input>| -> anyhow::Result<()> {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        inputs.push(Input {
            name: "<stdin>".into(),
            text,
        });
        Ok(())
    };
    let mut inputs = Vec::new();
    if files.is_empty() {
        stdin(&mut inputs)?;
    }
    for f in files {
        if f.as_os_str() == "-" {
            stdin(&mut inputs)?;
        } else {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            inputs.push(Input {
                name: f.display().to_string(),
                text,
            });
        }
    }
    Ok(inputs)
}

/// One dossier or an array. On error: the array index (if any) and the error at its path.
fn parse_dossiers(text: &str) -> Result<Vec<Dossier>, (Option<usize>, InputErrors)> {
    if !text.trim_start().starts_with('[') {
        return Dossier::from_json_str(text)
            .map(|d| vec![d])
            .map_err(|e| (None, e));
    }
    shared::error::from_json_str::<Vec<Dossier>>(text).map_err(|e| {
        // The path starts with the index: "[2].trips[0].end" → ([2], "trips[0].end").
        let mut out = Vec::new();
        let mut index = None;
        for f in e.0 {
            let (i, rest) = split_index(&f.path);
            index = index.or(i);
            out.push(shared::error::FieldError {
                path: rest.to_owned(),
                message: f.message,
            });
        }
        (index, InputErrors(out))
    })
}

fn split_index(path: &str) -> (Option<usize>, &str) {
    if let Some(rest) = path.strip_prefix('[')
        && let Some((n, rest)) = rest.split_once(']')
        && let Ok(i) = n.parse()
    {
        return (Some(i), rest.strip_prefix('.').unwrap_or(rest));
    }
    (None, path)
}

fn today_in_vietnam() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs + 7 * 3600) / 86_400;
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(days)))
        .unwrap_or(NaiveDate::MIN)
}

fn fmt_day(d: NaiveDate) -> String {
    shared::verdict::fmt_day(d)
}

/// 1785 → "1.785", 61.57 → "61,57" (Vietnamese number format).
fn fmt_int(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn fmt_dec(x: f64) -> String {
    let s = format!("{x:.2}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    format!("{},{frac}", fmt_int(int.parse().unwrap_or(0)))
}

/// Columns padded by character count (Vietnamese text is precomposed).
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            if i + 1 < widths.len() {
                out.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(&mut header.iter().copied());
    out.push_str(&line(
        &mut widths
            .iter()
            .map(|w| "─".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    ));
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

fn verdict_table(verdicts: &[Verdict], as_of: NaiveDate) -> String {
    let forecast = verdicts.iter().any(|v| v.forecast.is_some());
    let mut header = vec![
        "STT",
        "Họ và tên",
        "Phòng, ban",
        "Năm",
        "Số ngày",
        "Chuyên đề",
        "Xếp loại",
    ];
    if forecast {
        header.push("Dự báo");
    }
    header.push("Lý do chính");
    let rows: Vec<Vec<String>> = verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut row = vec![
                (i + 1).to_string(),
                v.cadre_name.clone(),
                v.department.clone().unwrap_or_default(),
                v.year.to_string(),
                format!("{}/{}", v.days.counted, v.days.required),
                match (v.thematic.waived, v.thematic.required) {
                    (true, r) => format!("{}/{r} (miễn)", v.thematic.counted),
                    (false, 0) => v.thematic.counted.to_string(),
                    (false, r) => format!("{}/{r}", v.thematic.counted),
                },
                shared::office::rating_label(v),
            ];
            if forecast {
                row.push(
                    v.forecast
                        .as_ref()
                        .map(|f| f.outlook_vi.to_string())
                        .unwrap_or_default(),
                );
            }
            row.push(
                v.main_reason()
                    .map(|f| f.message_vi.clone())
                    .unwrap_or_default(),
            );
            row
        })
        .collect();
    let counts = |r: Rating| verdicts.iter().filter(|v| v.rating == r).count();
    format!(
        "Đánh giá đi cơ sở “1+2”, tính đến ngày {}\n\n{}\nXuất sắc: {} · Đạt: {} · Không đạt: {} · Miễn: {}\n",
        fmt_day(as_of),
        table(&header, &rows),
        counts(Rating::XuatSac),
        counts(Rating::Dat),
        counts(Rating::KhongDat),
        counts(Rating::Mien)
    )
}

fn summary_table(s: &Summary, as_of: NaiveDate) -> String {
    let years = s
        .years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "Tổng hợp đi cơ sở “1+2” năm {years}, tính đến ngày {}\n\n",
        fmt_day(as_of)
    );
    let pairs = [
        ("Số hồ sơ", fmt_int(s.dossiers)),
        ("Miễn, không thuộc đối tượng", fmt_int(s.exempt)),
        ("Thuộc đối tượng", fmt_int(s.eligible)),
        (
            "Đạt yêu cầu (Đạt, Xuất sắc)",
            format!("{}/{}", s.met, s.eligible),
        ),
        (
            "Xếp loại",
            format!(
                "Xuất sắc {} · Đạt {} · Không đạt {} · Miễn {}",
                s.by_rating.xuat_sac, s.by_rating.dat, s.by_rating.khong_dat, s.by_rating.mien
            ),
        ),
        ("Tổng số ngày đi cơ sở", fmt_int(s.total_days)),
        (
            "Bình quân",
            format!("{} ngày/người", fmt_dec(s.average_days)),
        ),
        (
            "Đủ số ngày tối thiểu",
            format!(
                "{}/{} ({}%)",
                s.at_or_above_minimum,
                s.eligible,
                fmt_dec(s.at_or_above_minimum_percent)
            ),
        ),
        (
            "Đợt chuyên đề theo quý",
            format!(
                "Quý I: {} · Quý II: {} · Quý III: {} · Quý IV: {}",
                s.thematic_trips_by_quarter[0],
                s.thematic_trips_by_quarter[1],
                s.thematic_trips_by_quarter[2],
                s.thematic_trips_by_quarter[3]
            ),
        ),
    ];
    let width = pairs
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in pairs {
        out.push_str(&format!(
            "{k}{}  {v}\n",
            " ".repeat(width - k.chars().count())
        ));
    }
    out.push_str(&format!(
        "\nDự sinh hoạt chi đoàn theo đơn vị ({} đơn vị)\n",
        s.chi_doan_meetings_by_unit.len()
    ));
    let rows: Vec<Vec<String>> = s
        .chi_doan_meetings_by_unit
        .iter()
        .map(|u| vec![u.unit.clone(), u.meetings.to_string(), u.cadres.to_string()])
        .collect();
    out.push_str(&table(&["Đơn vị", "Số buổi", "Số cán bộ"], &rows));
    out.push_str("\nTheo phòng, ban\n");
    let rows: Vec<Vec<String>> = s
        .by_department
        .iter()
        .map(|d| {
            vec![
                d.department.clone(),
                d.eligible.to_string(),
                d.met.to_string(),
                fmt_int(d.total_days),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "Phòng, ban",
            "Thuộc đối tượng",
            "Đạt yêu cầu",
            "Tổng số ngày",
        ],
        &rows,
    ));
    out
}

mod store;

#[cfg(test)]
mod tests;
