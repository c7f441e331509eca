//! Issue 11 on the server: host confirmations that reach it through sync, inside a
//! cadre's dossier (which the cadre alone writes, so anything can be put there), count
//! only if they verify. `dicoso evaluate --store` rates the cadre-year from the store and
//! says, for each that does not count, why: the same reasons the phone shows.

use crate::common::{World, world};
use anyhow::{Context, Result, ensure};
use automerge::AutoCommit;
use ed25519_dalek::Signer;
use server::testing::enrol;
use shared::confirm::{Claim, Confirmation, Degree, Unsigned};
use shared::doc::party::{PartyDoc, RegistrationRuling, Ruling, Taken};
use shared::doc::{CadreCode, DocKey, DocKind, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{TripForm, check_trip};
use shared::policy::Policy;

const YEAR: i32 = 2026;
const CADRE: &str = "KG-0123";
const HOST: &str = "KG-H001"; // host officer of xa-vinh-hoa-hiep
const OTHER_UNITS_OFFICER: &str = "KG-H002"; // host officer of huyen-chau-thanh

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

async fn upload(w: &World, person: &str, doc: &AutoCommit) -> Result<()> {
    let mut client = w.connect(person).await?;
    let id = DocKey::of(doc).context("a keyed document")?.document_id();
    client.insert_document(id, doc.clone());
    client.wait_synced(id).await?;
    client.close().await;
    Ok(())
}

/// The cadre's dossier: a five-day visit to Vĩnh Hòa Hiệp, carried out and registered,
/// with whatever `confirmations` the cadre's phone put in it.
fn dossier(w: &World, confirmations: &[Confirmation]) -> Result<DossierDoc> {
    let policy = Policy::preset("kien-giang-2023").context("preset")?;
    let key = DossierKey {
        cadre: CadreCode::parse(CADRE)?,
        year: YEAR,
    };
    let mut doc = DossierDoc::new(&key, w.device(CADRE).actor.clone());
    let form = TripForm {
        start: "2026-03-02".into(),
        end: "2026-03-06".into(),
        host_name: "Đoàn xã Vĩnh Hòa Hiệp".into(),
        host_id: "xa-vinh-hoa-hiep".into(),
        host_level: "co-so".into(),
        content_type: "3.2".into(),
        topic: "Dự sinh hoạt chi đoàn ấp".into(),
        status: TripStatus::Done,
        ..TripForm::default()
    };
    let record = check_trip(&form, &policy, &[], None, "t1", day("2026-06-10"))
        .1
        .context("a valid trip")?;
    doc.put_trip(&record, 1_780_000_000_000)?;
    doc.submit_registration(
        "r1",
        "1",
        &["t1".into()],
        day("2026-01-10"),
        1_780_000_000_001,
    )?;
    for c in confirmations {
        doc.put_confirmation(c, 1_780_000_000_002)?;
    }
    Ok(doc)
}

/// The standing committee approves the period's registrations: the trip's days can count.
async fn approve(w: &World) -> Result<()> {
    let key = DocKey::party(
        DocKind::StandingDecisions,
        "KG",
        "",
        CadreCode::parse(CADRE)?,
        YEAR,
    )?;
    let mut doc = PartyDoc::new(&key, w.device("KG-0001").actor.clone());
    let ruling = RegistrationRuling {
        ruling: Ruling::Approved,
        decided_on: day("2026-01-20"),
        reference: "15-TB/TĐTN".into(),
        taken: Taken {
            by: "KG-0001".into(),
            at: 1_780_000_000_000,
        },
    };
    doc.put_json("registrations", "1", &ruling, 1_780_000_000_000)?;
    upload(w, "KG-0001", doc.automerge()).await
}

/// `dicoso evaluate --store`: (days counted, the notes on stderr).
fn evaluate(w: &World) -> Result<(u64, String)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dicoso"))
        .args(["evaluate", "--store"])
        .arg(w.dir.path().join("data"))
        .args(["--cadre", CADRE, "--year", &YEAR.to_string()])
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ensure!(out.status.success(), "{stderr}");
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let days = verdict["days"]["counted"]
        .as_u64()
        .context("days counted")?;
    Ok((days, stderr))
}

/// The claim of the trip `t1` of `cadre`, as the cadre's phone shows it.
fn claim(cadre: &str) -> Claim {
    Claim {
        cadre: cadre.into(),
        cadre_name: "Nguyễn Thị An".into(),
        trip: "t1".into(),
        year: YEAR,
        host_unit: "xa-vinh-hoa-hiep".into(),
        start: day("2026-03-02"),
        end: day("2026-03-06"),
        content_type: "3.2".into(),
        topic: "Dự sinh hoạt chi đoàn ấp".into(),
        summary: "Dự sinh hoạt chi đoàn ấp".into(),
    }
}

/// `claim` confirmed by `officer` from `device`, signed with `key`.
fn signed(
    claim: Claim,
    officer: &str,
    device: &str,
    key: &ed25519_dalek::SigningKey,
    at: i64,
) -> Confirmation {
    let unsigned = Unsigned {
        claim,
        degree: Degree::Good,
        remark: String::new(),
        confirmed_at: at,
        officer: officer.into(),
        device: device.into(),
    };
    let signature = key.sign(&unsigned.signed_bytes()).to_bytes();
    unsigned.with_signature(signature)
}

/// Issue 11: each kind of bad confirmation, sent by sync in the cadre's own dossier,
/// counts no day on the server and is named with its reason; a genuine one then counts.
#[tokio::test]
async fn forged_confirmations_sent_by_sync_count_nothing_on_the_server() -> Result<()> {
    let w = world().await?;
    // A second device of the host officer, revoked before it signs.
    let old = enrol(&w.directory, HOST, "old phone").await?;
    w.directory
        .revoke(&server::directory::Scope::Cli, &old.device_id)
        .await?;
    let now = w.directory.now() + 60_000;
    let host = w.device(HOST);
    let cadre = w.device(CADRE);
    let other = w.device(OTHER_UNITS_OFFICER);
    let mut stretched = signed(claim(CADRE), HOST, &host.device_id, &host.key, now);
    stretched.claim.end = day("2026-03-09");
    let bad: Vec<(&str, Confirmation)> = vec![
        (
            "chữ ký",
            // The cadre's own key, passing itself off as the host's device.
            signed(claim(CADRE), HOST, &host.device_id, &cadre.key, now),
        ),
        ("chữ ký", stretched),
        (
            "KG-0124",
            // A genuine confirmation of another cadre's visit, replayed.
            signed(claim("KG-0124"), HOST, &host.device_id, &host.key, now + 1),
        ),
        (
            "thu hồi",
            signed(claim(CADRE), HOST, &old.device_id, &old.key, now + 2),
        ),
        (
            OTHER_UNITS_OFFICER,
            signed(
                claim(CADRE),
                OTHER_UNITS_OFFICER,
                &other.device_id,
                &other.key,
                now + 3,
            ),
        ),
    ];
    approve(&w).await?;
    let confirmations: Vec<Confirmation> = bad.iter().map(|(_, c)| c.clone()).collect();
    upload(&w, CADRE, dossier(&w, &confirmations)?.automerge()).await?;

    let (days, notes) = evaluate(&w)?;
    assert_eq!(days, 0, "no bad confirmation counts: {notes}");
    let lines: Vec<&str> = notes
        .lines()
        .filter(|l| l.contains("does not count"))
        .collect();
    assert_eq!(lines.len(), bad.len(), "one note each: {notes}");
    for (needle, _) in &bad {
        ensure!(
            lines
                .iter()
                .any(|l| l.to_lowercase().contains(&needle.to_lowercase())),
            "no note names “{needle}”: {notes}"
        );
    }

    // The host officer's genuine confirmation, added by the cadre's phone: it counts.
    let genuine = signed(claim(CADRE), HOST, &host.device_id, &host.key, now + 4);
    let mut all = confirmations;
    all.push(genuine);
    upload(&w, CADRE, dossier(&w, &all)?.automerge()).await?;
    let (days, notes) = evaluate(&w)?;
    assert_eq!(days, 5, "the genuine confirmation counts the trip: {notes}");
    Ok(())
}
