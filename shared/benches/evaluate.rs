//! Evaluating 10,000 dossiers of 40 trips each (goal: < 100 ms on one core).
//! Run: `cargo bench -p shared --bench evaluate`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use chrono::{Days, NaiveDate};
    use criterion::{Criterion, Throughput};
    use shared::dossier::*;
    use shared::policy::Policy;
    use shared::verdict::{Rating, evaluate};
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    pub const DOSSIERS: usize = 10_000;
    pub const TRIPS: usize = 40;

    /// A small deterministic generator (no rand in the functional core's benches).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap_or(NaiveDate::MIN)
    }

    fn dossier(i: usize, rng: &mut Lcg) -> Dossier {
        let jan1 = date("2025-01-01");
        let levels = ["huyen", "co-so", "chi-doan"];
        let mut trips = Vec::with_capacity(TRIPS);
        for k in 0..TRIPS {
            // Spread over the year, some overlapping; two thematic trips per dossier.
            let thematic = k == 5 || k == 25;
            let start = jan1 + Days::new((k as u64) * 9 + rng.next(5));
            let len = if thematic {
                5 + rng.next(3)
            } else {
                1 + rng.next(3)
            };
            let end = start + Days::new(len - 1);
            let confirmed = rng.next(50) != 0;
            trips.push(Trip {
                start,
                end,
                id: Some(format!("t{k}")),
                host: HostUnit {
                    id: None,
                    name: format!("Đơn vị {}", rng.next(30)),
                    level: levels[rng.next(3) as usize].into(),
                },
                content_type: if thematic {
                    "3.1".into()
                } else {
                    format!("3.{}", 2 + rng.next(4))
                },
                topic: None,
                thematic,
                outline_approved: thematic,
                three_together: thematic,
                approval: if rng.next(20) == 0 {
                    Approval::AdHoc
                } else {
                    Approval::Registered
                },
                invitation_only: false,
                status: TripStatus::Done,
                confirmation: confirmed.then_some(HostConfirmation {
                    confirmed_on: end,
                    valid: true,
                    by: None,
                }),
                report: Some(TripReport {
                    submitted_on: end + Days::new(1 + rng.next(3)),
                    score: thematic.then(|| 60 + rng.next(41) as u32),
                    purpose_met: Some(true),
                    ..TripReport::default()
                }),
                difficulty_solved: (thematic && rng.next(4) == 0).then(|| DifficultySolved {
                    description: "Khôi phục sinh hoạt chi đoàn".into(),
                    evidence: vec![Evidence {
                        kind: EvidenceKind::Data,
                        description: "Số liệu".into(),
                    }],
                }),
                outline: None,
                group: None,
                notes: None,
            });
        }
        Dossier {
            policy: Some("kien-giang-2023".into()),
            year: 2025,
            cadre: Cadre {
                id: format!("cb-{i}"),
                name: format!("Cán bộ {i}"),
                level: "tinh".into(),
                role: "can-bo".into(),
                department: Some(format!("Ban {}", i % 7)),
                years_at_office: (i % 25) as u32,
                exemptions: vec![],
            },
            registrations: vec![
                Registration {
                    period: "1".into(),
                    submitted_on: date("2024-12-10"),
                    approved_on: Some(date("2024-12-28")),
                    rejected_on: None,
                },
                Registration {
                    period: "2".into(),
                    submitted_on: date("2025-06-10"),
                    approved_on: Some(date("2025-06-28")),
                    rejected_on: None,
                },
            ],
            trips,
            chi_doan_meetings: vec![ChiDoanMeeting {
                date: date("2025-04-12"),
                chi_doan: "Chi đoàn ấp 1".into(),
                unit: HostUnit {
                    id: None,
                    name: "Huyện đoàn A".into(),
                    level: "huyen".into(),
                },
                id: None,
                invitation_only: false,
                trip: None,
                topic: None,
                members_present: None,
                remarks: None,
            }],
            reminders: vec![],
            waivers: vec![],
        }
    }

    pub fn dossiers() -> Vec<Dossier> {
        let mut rng = Lcg(42);
        (0..DOSSIERS).map(|i| dossier(i, &mut rng)).collect()
    }

    pub fn main() {
        let policy = Policy::preset("kien-giang-2023").unwrap_or_else(|| std::process::exit(1));
        let all = dossiers();
        let final_day = date("2026-01-15");
        let mid_year = date("2025-07-01");
        let run = |as_of: NaiveDate| {
            let mut pass = 0usize;
            for x in &all {
                if let Ok(v) = evaluate(&policy, black_box(x), as_of)
                    && matches!(v.rating, Rating::Dat | Rating::XuatSac)
                {
                    pass += 1;
                }
            }
            pass
        };

        // A plain timing first, so the figure is printed even with a short criterion run.
        let _ = run(final_day);
        let t = Instant::now();
        let passed = run(final_day);
        let elapsed = t.elapsed();
        println!(
            "evaluate: {DOSSIERS} dossiers × {TRIPS} trips in {:.1} ms ({:.0} ns per trip, {passed} pass)",
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e9 / (DOSSIERS * TRIPS) as f64
        );

        let mut c = Criterion::default()
            .sample_size(10)
            .measurement_time(Duration::from_secs(8))
            .warm_up_time(Duration::from_secs(1))
            .configure_from_args();
        let mut g = c.benchmark_group("evaluate");
        g.throughput(Throughput::Elements((DOSSIERS * TRIPS) as u64));
        g.bench_function("10k dossiers x 40 trips, final", |b| {
            b.iter(|| run(final_day))
        });
        g.bench_function("10k dossiers x 40 trips, forecast", |b| {
            b.iter(|| run(mid_year))
        });
        g.finish();
        c.final_summary();
    }
}
