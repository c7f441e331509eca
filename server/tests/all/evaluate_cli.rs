//! `dicoso evaluate` end to end: the built binary on the documented examples and on bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example(name: &str) -> String {
    root()
        .join("docs/examples")
        .join(name)
        .display()
        .to_string()
}

fn dicoso(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dicoso"))
        .arg("evaluate")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dicoso");
    {
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status,
        text(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

/// A temporary file with `content`, removed on drop.
struct Temp(PathBuf);
impl Temp {
    fn new(name: &str, content: &str) -> Temp {
        let dir = std::env::temp_dir().join(format!("dicoso-evaluate-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write temp file");
        Temp(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn kg_example() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(example("dossier-kien-giang-2025.json")).expect("read"),
    )
    .expect("json")
}

#[test]
fn evaluates_the_documented_examples_as_json() {
    let out = dicoso(
        &[
            &example("dossier-kien-giang-2025.json"),
            &example("dossiers-tay-ninh-2019.json"),
            "--as-of",
            "2026-01-15",
        ],
        None,
    );
    let v = json(&out);
    let ratings: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x["rating"].as_str().expect("rating"))
        .collect();
    assert_eq!(ratings, ["xuat_sac", "dat", "khong_dat"]);
    assert_eq!(v[0]["phase"], "final");
    assert_eq!(v[2]["findings"][0]["rule"], "days-minimum");
}

#[test]
fn reads_stdin_and_prints_a_vietnamese_table() {
    let dossier = std::fs::read_to_string(example("dossier-kien-giang-2025.json")).expect("read");
    let out = dicoso(
        &["--format", "table", "--as-of", "2025-07-01"],
        Some(&dossier),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for expected in [
        "Họ và tên",
        "Trần Thị Bích",
        "Xếp loại",
        "Xuất sắc (dự kiến)",
        "Đúng tiến độ",
        "tính đến ngày 01/07/2025",
    ] {
        assert!(table.contains(expected), "{expected:?} not in\n{table}");
    }
}

#[test]
fn summary_gives_hq_aggregates() {
    let out = dicoso(
        &[
            &example("dossiers-tay-ninh-2019.json"),
            "--summary",
            "--as-of",
            "2020-01-15",
        ],
        None,
    );
    let s = json(&out);
    assert_eq!(
        (
            s["dossiers"].as_u64(),
            s["eligible"].as_u64(),
            s["met"].as_u64()
        ),
        (Some(2), Some(2), Some(1))
    );
    assert_eq!(s["total_days"], 114);
    assert_eq!(s["average_days"], 57.0);
    let table = dicoso(
        &[
            &example("dossiers-tay-ninh-2019.json"),
            "--summary",
            "--format",
            "table",
            "--as-of",
            "2020-01-15",
        ],
        None,
    );
    let table = text(&table.stdout);
    assert!(
        table.contains("Bình quân") && table.contains("57,00 ngày/người"),
        "{table}"
    );
}

#[test]
fn bad_input_names_file_and_place_and_evaluates_nothing() {
    let mut bad = kg_example();
    bad["trips"][3]["end"] = "2025-04-01".into();
    bad["trips"][0]["report"]["score"] = 130.into();
    let bad_file = Temp::new("bad.json", &bad.to_string());
    let good_file = example("dossier-kien-giang-2025.json");
    let out = dicoso(
        &[&good_file, bad_file.path(), "--as-of", "2026-01-15"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "nothing evaluated: {}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}: trips[0].report.score: 130 is above 100",
            bad_file.path()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: trips[3].end: 2025-04-01 is before start 2025-04-10",
            bad_file.path()
        )),
        "{err}"
    );
}

#[test]
fn errors_in_arrays_name_the_index() {
    let mut list: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(example("dossiers-tay-ninh-2019.json")).expect("read"),
    )
    .expect("json");
    list[1]["trips"][2]["colour"] = "đỏ".into();
    let file = Temp::new("array.json", &list.to_string());
    let out = dicoso(&[file.path(), "--as-of", "2020-01-15"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}[1]: trips[2].colour: unknown field `colour`",
            file.path()
        )),
        "{err}"
    );
}

#[test]
fn unknown_policies_and_conflicts_are_refused() {
    let mut x = kg_example();
    x["policy"] = "ha-noi-2030".into();
    let out = dicoso(&["-"], Some(&x.to_string()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("<stdin>: policy: unknown policy `ha-noi-2030`"),
        "{}",
        text(&out.stderr)
    );

    let out = dicoso(&["--policy", "nowhere"], Some(&kg_example().to_string()));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("--policy: unknown policy `nowhere`"),
        "{}",
        text(&out.stderr)
    );

    let out = dicoso(
        &["--policy", "tay-ninh-2018"],
        Some(&kg_example().to_string()),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("the dossier names `kien-giang-2023` but --policy is `tay-ninh-2018`")
    );

    let mut anonymous = kg_example();
    anonymous.as_object_mut().expect("object").remove("policy");
    let out = dicoso(&["--as-of", "2026-01-15"], Some(&anonymous.to_string()));
    assert!(text(&out.stderr).contains("names no policy; pass --policy"));
    let out = dicoso(
        &["--as-of", "2026-01-15", "--policy", "kien-giang-2023"],
        Some(&anonymous.to_string()),
    );
    assert_eq!(json(&out)[0]["rating"], "xuat_sac");
}

#[test]
fn policy_files_in_toml() {
    let policy = example("policy-example.toml");
    let out = dicoso(&["--policy-file", &policy, "--list-policies"], None);
    assert!(
        text(&out.stdout).contains("vi-du-2026"),
        "{}",
        text(&out.stderr)
    );

    // A 2026 dossier without district trips passes under a policy without districts.
    let mut x = kg_example();
    x.as_object_mut().expect("object").remove("policy");
    let s = x
        .to_string()
        .replace("2025-", "2026-")
        .replace("2024-", "2025-")
        .replace("\"huyen\"", "\"co-so\"");
    let mut x: serde_json::Value = serde_json::from_str(&s).expect("json");
    x["year"] = 2026.into();
    x["trips"][4]["content_type"] = "3.2".into();
    x["trips"][0]["content_type"] = "3.2".into();
    x["trips"][5]["content_type"] = "3.2".into();
    x["trips"][8]["content_type"] = "3.2".into();
    let out = dicoso(
        &["--policy-file", &policy, "--as-of", "2027-01-15"],
        Some(&x.to_string()),
    );
    let v = json(&out);
    assert_eq!(v[0]["policy"], "vi-du-2026");
    assert_eq!(
        v[0]["rating"],
        "xuat_sac",
        "{}",
        serde_json::to_string_pretty(&v[0]["findings"]).unwrap_or_default()
    );

    let broken = std::fs::read_to_string(&policy)
        .expect("read")
        .replace("min_days = 5", "min_days = 8");
    let file = Temp::new("broken.toml", &broken);
    let out = dicoso(&["--policy-file", file.path()], Some("{}"));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains(&format!(
            "{}: thematic.min_days: 8 is above thematic.max_days 7",
            file.path()
        )),
        "{}",
        text(&out.stderr)
    );
    let typo = std::fs::read_to_string(&policy)
        .expect("read")
        .replace("count_invitation_only = true", "count_invited = true");
    let file = Temp::new("typo.toml", &typo);
    let out = dicoso(&["--policy-file", file.path()], Some("{}"));
    let err = text(&out.stderr);
    assert!(
        err.contains("days.count_invited") && err.contains("unknown field `count_invited`"),
        "{err}"
    );
}

// --- `dicoso evaluate --store` (issue 9) ---------------------------------------------

mod store {
    use super::{dicoso, text};
    use automerge::ActorId;
    use shared::assemble::{Sources, rate, verdict_json};
    use shared::doc::{CadreCode, DossierDoc, DossierKey};
    use shared::form::{MeetingForm, TripForm, check_meeting, check_trip};
    use shared::policy::Policy;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().expect("date")
    }

    /// A 2026 dossier as the phone writes it: a registration, two trips (one thematic,
    /// one late-registered), a chi đoàn meeting and a report.
    fn dossier(cadre: &str) -> DossierDoc {
        let policy = Policy::preset("kien-giang-2023").expect("preset");
        let key = DossierKey {
            cadre: CadreCode::parse(cadre).expect("code"),
            year: 2026,
        };
        let mut doc = DossierDoc::new(&key, ActorId::from(*b"evaluate-cli-dev"));
        let today = day("2026-06-10");
        let trips = [
            (
                "t1",
                "2026-03-02",
                "2026-03-06",
                "Đoàn xã Vĩnh Hòa",
                "co-so",
                "3.1",
            ),
            (
                "t2",
                "2026-04-10",
                "2026-04-11",
                "Huyện đoàn An Biên",
                "huyen",
                "3.3",
            ),
            (
                "t3",
                "2026-08-03",
                "2026-08-07",
                "Chi đoàn ấp Tân Hưng",
                "chi-doan",
                "3.1",
            ),
        ];
        for (i, (id, start, end, host, level, content)) in trips.into_iter().enumerate() {
            let form = TripForm {
                start: start.into(),
                end: end.into(),
                host_name: host.into(),
                host_level: level.into(),
                content_type: content.into(),
                thematic: content == "3.1",
                three_together: true,
                status: if start > "2026-06-10" {
                    shared::dossier::TripStatus::Planned
                } else {
                    shared::dossier::TripStatus::Done
                },
                ..TripForm::default()
            };
            let others = doc.read().expect("read").trips;
            let record = check_trip(&form, &policy, &others, None, id, today)
                .1
                .expect("valid trip");
            doc.put_trip(&record, 1_780_000_000_000 + i as i64)
                .expect("put");
        }
        doc.submit_registration(
            "r1",
            "2",
            &["t3".into()],
            day("2026-06-01"),
            1_780_000_100_000,
        )
        .expect("register");
        doc.submit_registration(
            "r2",
            "1",
            &["t1".into(), "t2".into()],
            day("2026-06-02"),
            1_780_000_200_000,
        )
        .expect("register late");
        let form = MeetingForm {
            date: "2026-04-11".into(),
            chi_doan: "Chi đoàn ấp Tân Lập".into(),
            unit_name: "Đoàn xã Vĩnh Hòa".into(),
            unit_level: "co-so".into(),
            members_present: "18".into(),
            ..MeetingForm::default()
        };
        let meeting = check_meeting(&form, &policy, &[], "m1", today)
            .1
            .expect("valid meeting");
        doc.put_meeting(&meeting, false, 1_780_000_300_000)
            .expect("meeting");
        doc
    }

    /// Issue 9: `dicoso evaluate --store` rates a cadre-year from the server's SQLite
    /// store, read only, and prints exactly the verdict JSON `assemble` + `evaluate`
    /// give for those documents (what the phone shows).
    #[tokio::test]
    async fn rates_a_dossier_from_the_servers_store_as_the_phone_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = server::store::Store::open_in(dir.path()).expect("store");
        let mut doc = dossier("KG-0123");
        let id = doc.key().expect("key").document_id().to_string();
        // Two chunks, as the server keeps them after a sync: a full save and a change.
        let full = doc.save();
        store.append_chunk(&id, full).await.expect("append");
        let more = {
            let mut record = doc.read().expect("read").trip("t2").expect("t2").clone();
            record.trip.notes = Some("Làm việc với Ban Thường vụ".into());
            doc.put_trip(&record, 1_780_000_400_000).expect("put");
            doc.save_incremental()
        };
        store.append_chunk(&id, more).await.expect("append");

        let out = dicoso(
            &[
                "--store",
                dir.path().to_str().expect("utf-8"),
                "--cadre",
                "kg-0123",
                "--year",
                "2026",
                "--as-of",
                "2026-06-10",
            ],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let year = doc.read().expect("read");
        let expected = rate(
            None,
            "KG-0123",
            2026,
            Sources {
                dossier: Some(&year),
                ..Sources::default()
            },
            day("2026-06-10"),
        )
        .expect("rated");
        assert_eq!(
            text(&out.stdout),
            format!("{}\n", verdict_json(&expected.verdict))
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["cadre_id"], "KG-0123");
        assert_eq!(v["coverage"]["chi_doan_meetings"], 1);
        assert_eq!(v["process"]["registrations"][0]["status"], "late");
        assert_eq!(v["process"]["registrations"][1]["status"], "on_time");

        // A cadre with nothing in the store: the empty year, as a new phone shows it.
        let out = dicoso(
            &[
                "--store",
                dir.path().to_str().expect("utf-8"),
                "--cadre",
                "KG-9999",
                "--year",
                "2026",
                "--as-of",
                "2026-06-10",
            ],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("no dossier of KG-9999 for 2026"));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["days"]["counted"], 0);
    }

    /// Issue 9 with issue 8: once the server holds the cadre's province, `--store` rates
    /// with the directory's facts and policy, as the enrolled phone does (its snapshot).
    #[tokio::test]
    async fn rates_with_the_directory_of_the_cadres_province() {
        use server::directory::{DirectoryConfig, DirectoryService};
        let dir = tempfile::tempdir().expect("tempdir");
        let store = server::store::Store::open_in(dir.path()).expect("store");
        let service =
            DirectoryService::open(store.clone(), DirectoryConfig::default()).expect("service");
        service.demo().await.expect("demo province");
        let directory = service
            .provinces()
            .iter()
            .find_map(|p| service.directory(p))
            .expect("a province");
        let person = directory
            .people()
            .iter()
            .find(|p| directory.cadre_facts(&p.code, 2026).is_some())
            .expect("a cadre with facts")
            .clone();
        let mut doc = dossier(&person.code);
        let id = doc.key().expect("key").document_id().to_string();
        store.append_chunk(&id, doc.save()).await.expect("append");
        drop(service);

        let out = dicoso(
            &[
                "--store",
                dir.path().to_str().expect("utf-8"),
                "--cadre",
                &person.code,
                "--year",
                "2026",
                "--as-of",
                "2026-06-10",
            ],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let year = doc.read().expect("read");
        let expected = rate(
            Some(&directory),
            &person.code,
            2026,
            Sources {
                dossier: Some(&year),
                directory: Some(&directory),
                ..Sources::default()
            },
            day("2026-06-10"),
        )
        .expect("rated");
        assert_eq!(
            text(&out.stdout),
            format!("{}\n", verdict_json(&expected.verdict))
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["cadre_name"], person.name.as_str());
    }

    #[test]
    fn store_needs_a_cadre_a_year_and_a_real_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_str().expect("utf-8");
        let out = dicoso(&["--store", path, "--year", "2026"], None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "clap refuses: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("--cadre"));
        let out = dicoso(
            &["--store", path, "--cadre", "KG 1", "--year", "2026"],
            None,
        );
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("--cadre: Mã cán bộ"),
            "{}",
            text(&out.stderr)
        );
        let out = dicoso(
            &["--store", path, "--cadre", "KG-1", "--year", "2026"],
            None,
        );
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("does not exist"),
            "{}",
            text(&out.stderr)
        );
        let out = dicoso(
            &[
                "--store", path, "--cadre", "KG-1", "--year", "2026", "x.json",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
    }
}
