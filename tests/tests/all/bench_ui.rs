//! Benchmarks of the phone's screens (issue 9), printing figures, never failing on them:
//! `cargo xtask bench-ui` (release front end, headless Chromium at 360×740, the CPU
//! slowed 4× with CDP's `Emulation.setCPUThrottlingRate`), or by hand:
//! `cargo test -p e2e --test all bench_ui:: -- --ignored --nocapture`.
//!
//! The device holds a year of 60 trips and 30 chi đoàn meetings (synced from the server,
//! as a second phone of the cadre would get it), then works offline:
//!
//! - **recompute**: after editing one trip, the time to rate the year again (assemble +
//!   evaluate + the verdict JSON: the app's `dicoso:verdict` performance measure), and
//!   from tapping Năm nay to it being drawn;
//! - **offline start**: a reload with the server gone, from navigation start to Năm nay
//!   showing the rated year (`dicoso:year-ready`).

use anyhow::{Context, Result};
use automerge::ActorId;
use e2e::sync_client::SyncClient;
use e2e::{Browser, Server, TestPerson, current_year, free_port, set_up_province, site_dir};
use serde_json::Value;
use shared::doc::{CadreCode, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{MeetingForm, TripForm, check_meeting, check_trip};
use shared::policy::Policy;

/// The cadre of the test province: a second device of theirs seeds the year, the phone
/// enrols with the password (issue 8).
const CADRE: TestPerson = TestPerson {
    code: "KG-0090",
    name: "Lê Văn Đo",
    roles: "cadre",
    password: Some("mat-khau-bench"),
};
const THROTTLE: f64 = 4.0;

/// The offline start's steps, each a script reading the page's performance timeline in
/// milliseconds from navigation start (the app marks its own: `rating::timing::phase`).
fn start_steps() -> Vec<(&'static str, String)> {
    let mark = |name: &str| {
        format!(
            "const m = performance.getEntriesByName('{name}'); return m.length ? m[0].startTime : null;"
        )
    };
    vec![
        (
            "page HTML received",
            "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseEnd : null;".into(),
        ),
        (
            "wasm received",
            "const r = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm')); return r ? r.responseEnd : null;".into(),
        ),
        ("hydration starts", mark("dicoso:hydrate-start")),
        ("hydration done", mark("dicoso:hydrated")),
        ("profile open", mark("dicoso:profile-open")),
        ("documents read", mark("dicoso:documents-read")),
    ]
}
const RUNS: usize = 7;

/// The year the benchmark rates: 60 trips (every sixth day from January, the last ones
/// planned), thematic ones among them, 30 meetings, both periods registered.
fn busy_year(actor: ActorId) -> DossierDoc {
    let policy = Policy::preset("kien-giang-2023").expect("preset");
    let y = current_year();
    let key = DossierKey {
        cadre: CadreCode::parse(CADRE.code).expect("code"),
        year: y,
    };
    let mut doc = DossierDoc::new(&key, actor);
    let first = chrono::NaiveDate::from_ymd_opt(y, 1, 5).expect("date");
    let today = chrono::NaiveDate::from_ymd_opt(y, 11, 15).expect("date");
    let levels = ["co-so", "huyen", "chi-doan", "co-so"];
    let mut ids = Vec::new();
    for i in 0..60u64 {
        let start = first + chrono::Days::new(i * 6);
        let thematic = i % 12 == 3;
        let end = start + chrono::Days::new(if thematic { 4 } else { i % 2 });
        let form = TripForm {
            start: start.to_string(),
            end: end.to_string(),
            host_name: format!("Đoàn xã số {}", i % 17),
            host_level: levels[(i % 4) as usize].into(),
            content_type: if thematic {
                "3.1"
            } else {
                ["3.2", "3.3", "3.4", "3.5"][(i % 4) as usize]
            }
            .into(),
            topic: format!("Chủ đề {i}"),
            thematic,
            three_together: thematic,
            status: if start > today {
                TripStatus::Planned
            } else {
                TripStatus::Done
            },
            ..TripForm::default()
        };
        let id = format!("trip-{i:02}");
        let others = doc.read().expect("read").trips;
        let record = check_trip(&form, &policy, &others, None, &id, today)
            .1
            .unwrap_or_else(|| panic!("trip {i}"));
        doc.put_trip(&record, 1_700_000_000_000 + i as i64)
            .expect("put");
        ids.push(id);
    }
    let (one, two): (Vec<String>, Vec<String>) = ids.into_iter().partition(|id| {
        let n: u64 = id[5..].parse().unwrap_or(0);
        first + chrono::Days::new(n * 6) < chrono::NaiveDate::from_ymd_opt(y, 7, 1).expect("date")
    });
    let on = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    doc.submit_registration("r1", "1", &one, on(1, 2), 1)
        .expect("register");
    doc.submit_registration("r2", "2", &two, on(6, 1), 2)
        .expect("register");
    for i in 0..30u64 {
        let date = first + chrono::Days::new(i * 10 + 1);
        let form = MeetingForm {
            date: date.to_string(),
            chi_doan: format!("Chi đoàn ấp {i}"),
            unit_name: format!("Đoàn xã số {}", i % 17),
            unit_level: "co-so".into(),
            members_present: "20".into(),
            ..MeetingForm::default()
        };
        let id = format!("meeting-{i:02}");
        let m = check_meeting(&form, &policy, &[], &id, today)
            .1
            .unwrap_or_else(|| panic!("meeting {i}"));
        doc.put_meeting(&m, false, 1_700_100_000_000 + i as i64)
            .expect("meeting");
    }
    doc
}

/// (min, median, max) of some milliseconds.
fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(|a, b| a.total_cmp(b));
    (xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn report(what: &str, xs: Vec<f64>) {
    let (min, median, max) = spread(xs);
    println!(
        "{what}: median {median:.1} ms (min {min:.1}, max {max:.1}, {RUNS} runs, CPU {THROTTLE}× slower)"
    );
}

async fn number(b: &Browser, script: &str) -> Result<f64> {
    let v: Value = b.wait_until("a figure", script).await?;
    v.as_f64().context("not a number")
}

#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench-ui"]
async fn ui_benchmarks() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[CADRE])?;
    // The cadre's other device, enrolled before the server starts, writes the year.
    let seeding = {
        let store = server::store::Store::open_in(data.path())?;
        let directory = server::directory::DirectoryService::open(
            store,
            server::directory::DirectoryConfig::default(),
        )?;
        server::testing::enrol(&directory, CADRE.code, "bench-ui").await?
    };
    let port = free_port()?;
    let mut server = Server::start(&site_dir(), data.path(), port)?;
    let doc = busy_year(seeding.actor.clone());
    let id = doc.key().context("key")?.document_id();
    let mut seeder =
        SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), &seeding).await?;
    seeder.insert_document(id, doc.automerge().clone());
    seeder.wait_synced(id).await?;
    seeder.close().await;

    let browser = Browser::start().await?;
    let b = &browser;
    b.phone_screen().await?;
    // Enrolled with the real date (the server checks the signature's time), then the
    // phone's date is fixed.
    b.install_and_enrol(&server.url(""), &CADRE, "2468").await?;
    b.fake_today(&format!("{}-11-15", current_year())).await?;
    b.reload().await?;
    b.wait_person(CADRE.code).await?;
    b.wait_until(
        "the year to arrive",
        "const e = document.getElementById('verdict'); return e && e.dataset.verdict && JSON.parse(e.dataset.verdict).coverage.chi_doan_meetings >= 30;",
    )
    .await?;
    server.kill();
    b.cpu_throttle(THROTTLE).await?;

    // Offline start to a hydrated, rated Năm nay, and the steps on the way.
    let mut starts = Vec::new();
    let start_steps = start_steps();
    let mut steps: Vec<Vec<f64>> = vec![Vec::new(); start_steps.len()];
    for _ in 0..RUNS {
        b.reload().await?;
        starts.push(
            number(
                b,
                "const m = performance.getEntriesByName('dicoso:year-ready'); return m.length ? m[0].startTime : null;",
            )
            .await?,
        );
        for ((_, script), xs) in start_steps.iter().zip(&mut steps) {
            xs.push(number(b, script).await?);
        }
    }

    // One edit, then Năm nay again.
    let mut recompute = Vec::new();
    let mut shown = Vec::new();
    for i in 0..RUNS {
        b.click("nav a[href='/chuyen-di']").await?;
        b.wait_until(
            "the list",
            "return document.querySelector(\"li.trip[data-trip-id='trip-30'] a\") !== null",
        )
        .await?;
        b.click("li.trip[data-trip-id='trip-30'] a").await?;
        b.wait_until(
            "the trip",
            "return document.querySelector(\"a[href$='/sua']\") !== null",
        )
        .await?;
        b.click("a[href$='/sua']").await?;
        b.wait_until("the form", "const e = document.querySelector('form.trip-form input[name=topic]'); return e && e.value !== '';").await?;
        b.set_value("input[name=topic]", &format!("Chủ đề sửa lần {i}"))
            .await?;
        b.click("form.trip-form button[type=submit]").await?;
        b.wait_text("main", "Đã lưu chuyến đi trên máy.").await?;
        let ms = b
            .client
            .execute_async(
                "const done = arguments[0]; const t0 = performance.now();
                 document.querySelector(\"nav a[href='/']\").click();
                 requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));",
                vec![],
            )
            .await?;
        shown.push(ms.as_f64().context("ms")?);
        recompute.push(
            number(
                b,
                "const m = performance.getEntriesByName('dicoso:verdict'); return m.length ? m[m.length - 1].duration : null;",
            )
            .await?,
        );
    }
    println!(
        "\nissue 9 UI benchmarks: a year of 60 trips and 30 meetings on a 360×740 phone, offline"
    );
    report(
        "recompute the verdict after one edit (assemble + evaluate + JSON)",
        recompute,
    );
    report("tap Năm nay after the edit → drawn", shown);
    report(
        "offline start → hydrated Năm nay with the year rated",
        starts,
    );
    for ((what, _), xs) in start_steps.iter().zip(steps) {
        report(&format!("  of which, from navigation start: {what}"), xs);
    }
    browser.close().await
}
