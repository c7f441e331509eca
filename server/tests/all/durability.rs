//! Durability under SIGKILL (issue 4, done-means 3): a client keeps sending changes while
//! the real `dicoso serve` is killed with SIGKILL and restarted on the same data directory
//! and port, round after round. Every change the server acknowledged — its sync heads
//! covered it — is there after the restart, and the changes it had not acknowledged (and
//! those made while it was down) arrive once the client reconnects with its document.
//!
//! The client is an enrolled device of a cadre writing the cadre's dossier (each change a
//! chi đoàn meeting), so every change passes the server's access and schema checks.
//!
//! `DICOSO_DURABILITY_ROUNDS` sets the number of rounds (default 20; e.g. 200 as a bench),
//! `DICOSO_DURABILITY_SEED` the seed that picks each round's changes, pace and kill
//! moment. The counts are printed: `cargo test -p server --test all durability:: -- --nocapture`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use server::sync_client::{SyncClient, SyncClientError};
use server::testing::Device;
use shared::doc::{CadreCode, DossierKey};
use shared::sync::DocumentId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEFAULT_ROUNDS: usize = 20;
const DEFAULT_SEED: u64 = 0x0d1c_050d_0ab1_e5ee;
/// A round makes between 1 and this many changes before the kill…
const MAX_CHANGES_PER_ROUND: u64 = 40;
/// … and up to this many while the server is down (offline edits).
const MAX_OFFLINE_CHANGES: u64 = 3;
/// How long a restarted server may take to answer `/api/health`.
const STARTUP: Duration = Duration::from_secs(30);

/// How long the client lets the connection run after each change, drawn per change:
/// `None` — not at all (the change waits in the client's queue and goes out with the
/// next); `Some(0)` — send it and read whatever has already arrived; `Some(ms)` — also
/// wait that long for answers.
const PACES: [Option<u64>; 6] = [None, None, Some(0), Some(0), Some(1), Some(4)];

/// Where the SIGKILL lands after a round's last change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Moment {
    /// The last changes may still be queued in the client: never sent.
    Unsent,
    /// Sent, and killed at once: in flight, being applied, or being committed.
    InFlight,
    /// The server had that many milliseconds: stored, its answer perhaps still unread.
    Settled(u64),
}

const MOMENTS: [Moment; 5] = [
    Moment::Unsent,
    Moment::InFlight,
    Moment::InFlight,
    Moment::Settled(2),
    Moment::Settled(20),
];

/// One round: the pace after each change (so, the number of changes), the kill, and the
/// changes made while the server is down.
struct Round {
    paces: Vec<Option<u64>>,
    moment: Moment,
    offline: u64,
}

/// The rounds a seed stands for: deterministic, varied.
fn plan(seed: u64, rounds: usize) -> Vec<Round> {
    let mut rng = SplitMix64(seed);
    (0..rounds)
        .map(|_| {
            let changes = 1 + rng.below(MAX_CHANGES_PER_ROUND);
            Round {
                paces: (0..changes).map(|_| *rng.pick(&PACES)).collect(),
                moment: *rng.pick(&MOMENTS),
                offline: rng.below(MAX_OFFLINE_CHANGES + 1),
            }
        })
        .collect()
}

/// A tiny deterministic generator (SplitMix64): no dependency, same plan everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A number from the environment (decimal, or hex with `0x`), or `default`.
fn env_number(var: &str, default: u64) -> u64 {
    let Ok(text) = std::env::var(var) else {
        return default;
    };
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("{var}={text:?} is not a number"))
}

/// `dicoso serve` as a child process on a fixed port and data directory, so that it can
/// be killed and started again as the same server.
struct Server {
    bin: PathBuf,
    data: PathBuf,
    site: PathBuf,
    port: u16,
    child: Option<Child>,
}

/// The cadre whose dossier the test writes, and two of their devices: the one that writes,
/// and a fresh one that only fetches.
const CADRE: &str = "KG-0123";

/// Prepares the data directory: the demo province, and two enrolled devices of [`CADRE`].
async fn enrol_devices(data: &Path) -> (Device, Device) {
    let store = server::store::Store::open_in(data).expect("the store");
    let directory = server::directory::DirectoryService::open(
        store,
        server::directory::DirectoryConfig::default(),
    )
    .expect("the directory");
    directory.demo().await.expect("the demo province");
    let writer = server::testing::enrol(&directory, CADRE, "writer")
        .await
        .expect("enrol the writer");
    let fresh = server::testing::enrol(&directory, CADRE, "fresh")
        .await
        .expect("enrol the fresh device");
    (writer, fresh)
}

impl Server {
    /// Starts the server with scratch directories under `dir`, on a free port.
    async fn start(dir: &Path) -> Server {
        let site = dir.join("site");
        write_site(&site);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let bin = std::env::var_os("DICOSO_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_dicoso")));
        let mut server = Server {
            bin,
            data: dir.join("data"),
            site,
            port,
            child: None,
        };
        server.spawn().await;
        server
    }

    fn sync_url(&self) -> String {
        format!("ws://127.0.0.1:{}/sync", self.port)
    }

    /// Starts the process and waits until `/api/health` answers 200.
    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let child = Command::new(&self.bin)
            .arg("serve")
            .arg("--addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--site-dir")
            .arg(&self.site)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let child = self.child.insert(child);
        let deadline = Instant::now() + STARTUP;
        while !healthy(self.port).await {
            if let Some(status) = child.try_wait().expect("the server's status") {
                panic!("the server exited while starting: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer /api/health on port {} within {STARTUP:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGKILL (what `Child::kill` sends on unix): no chance to flush or say goodbye.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A site directory with only `build.json`: `/sync` needs no front end.
fn write_site(site: &Path) {
    std::fs::create_dir_all(site).expect("create the site directory");
    let build = server::testing::build_info("durability");
    let json = serde_json::to_vec(&build).expect("build.json");
    std::fs::write(site.join("build.json"), json).expect("write build.json");
}

/// Whether `GET /api/health` answers 200 (the database is open).
async fn healthy(port: u16) -> bool {
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        std::io::Result::Ok(answer.starts_with(b"HTTP/1.1 200"))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), ask).await,
        Ok(Ok(true))
    )
}

/// The dossier's `meetings` map.
fn meetings(doc: &AutoCommit) -> Option<automerge::ObjId> {
    match doc.get(ROOT, "meetings").ok()?? {
        (Value::Object(ObjType::Map), obj) => Some(obj),
        _ => None,
    }
}

/// The change that records meeting `m<n>`, with `n` members present.
fn put_counter(doc: &mut AutoCommit, n: u64) -> Result<(), automerge::AutomergeError> {
    let Some(map) = meetings(doc) else {
        return Ok(()); // the genesis made it: cannot happen
    };
    let m = doc.put_object(&map, format!("m{n}"), ObjType::Map)?;
    doc.put(&m, "date", "2026-04-01")?;
    doc.put(&m, "chi_doan", format!("Chi đoàn số {n}"))?;
    doc.put(&m, "unit_name", "Huyện đoàn Châu Thành")?;
    doc.put(&m, "unit_level", "huyen")?;
    doc.put(&m, "members_present", n as i64)?;
    doc.put(&m, "status", "held")?;
    doc.put(&m, "created_at", ScalarValue::Timestamp(1))
}

fn counter(doc: &AutoCommit, n: u64) -> Option<u64> {
    let map = meetings(doc)?;
    let (_, m) = doc.get(&map, format!("m{n}")).ok()??;
    match doc.get(&m, "members_present").ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Int(v) => u64::try_from(*v).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// How many meetings the dossier holds.
fn counted(doc: &AutoCommit) -> usize {
    meetings(doc).map_or(0, |m| doc.length(&m))
}

/// The changes of `ours` (ours: this client's document) that `theirs` heads do not cover.
fn not_covered(ours: &mut AutoCommit, theirs: &[ChangeHash]) -> HashSet<ChangeHash> {
    ours.get_changes(theirs).iter().map(|c| c.hash()).collect()
}

/// What a fresh device gets from the server now.
async fn fetch_fresh(url: &str, fresh: &Device, id: DocumentId) -> AutoCommit {
    let mut device = SyncClient::connect_as(url, fresh)
        .await
        .expect("a fresh client connects to the restarted server");
    let doc = match device.fetch(id).await {
        Ok(doc) => doc.clone(),
        // Nothing stored at all: the checks that follow say what is missing.
        Err(SyncClientError::Unavailable(_)) => AutoCommit::new(),
        Err(e) => panic!("a fresh client cannot fetch the document: {e}"),
    };
    device.close().await;
    doc
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    rounds: usize,
    made: usize,
    acked: usize,
    acked_found: usize,
    unacked: usize,
    /// Not acknowledged at the kill, yet stored: the answer was lost with the server.
    unacked_stored: usize,
    unacked_arrived: usize,
    /// Made while the server was down.
    offline: usize,
    offline_arrived: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.rounds += other.rounds;
        self.made += other.made;
        self.acked += other.acked;
        self.acked_found += other.acked_found;
        self.unacked += other.unacked;
        self.unacked_stored += other.unacked_stored;
        self.unacked_arrived += other.unacked_arrived;
        self.offline += other.offline;
        self.offline_arrived += other.offline_arrived;
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<12} {:>6} {:>6} {:>6} {:>6} {:>8} {:>7} {:>8} {:>8} {:>8}",
            self.rounds,
            self.made,
            self.acked,
            self.acked_found,
            self.unacked,
            self.unacked_stored,
            self.unacked_arrived,
            self.offline,
            self.offline_arrived
        )
    }
}

#[tokio::test]
async fn acknowledged_changes_survive_sigkill_and_the_rest_arrive_on_reconnect() {
    let rounds = env_number("DICOSO_DURABILITY_ROUNDS", DEFAULT_ROUNDS as u64) as usize;
    let seed = env_number("DICOSO_DURABILITY_SEED", DEFAULT_SEED);
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a scratch directory");
    let (writer, fresh) = enrol_devices(&dir.path().join("data")).await;
    let mut server = Server::start(dir.path()).await;
    let url = server.sync_url();

    let mut client = SyncClient::connect_as(&url, &writer)
        .await
        .expect("the client connects");
    let key = DossierKey {
        cadre: CadreCode::parse(CADRE).expect("code"),
        year: 2026,
    };
    let id = client
        .create_document(&key.doc_key(), |doc| put_counter(doc, 0))
        .expect("create the document");
    client.wait_synced(id).await.expect("the server stores it");
    // Every change so far, as (n, hash): the history is linear (one actor), so after a
    // change our one head is that change.
    let mut history: Vec<(u64, ChangeHash)> = vec![(0, only_head(&mut client, id))];
    let mut total = Counts::default();
    let mut by_moment: Vec<(Moment, Counts)> = Vec::new();

    for (r, round) in plan(seed, rounds).iter().enumerate() {
        let first = history.len();
        for pace in &round.paces {
            let n = history.len() as u64;
            client
                .change(id, |doc| put_counter(doc, n))
                .expect("a local change");
            history.push((n, only_head(&mut client, id)));
            if let Some(ms) = pace {
                client
                    .run_for(Duration::from_millis(*ms))
                    .await
                    .expect("the server is up between kills");
            }
        }
        match round.moment {
            Moment::Unsent => {}
            Moment::InFlight => client.run_for(Duration::ZERO).await.expect("send"),
            Moment::Settled(ms) => {
                client.run_for(Duration::ZERO).await.expect("send");
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
        }
        server.kill();
        // Whatever the server said before it died counts as said.
        client.drain().await.expect("the connection ends");
        let server_heads = client.server_heads(id).unwrap_or_default();
        let mut kept = client.document(id).expect("our document").clone();
        drop(client);

        let unacked = not_covered(&mut kept, &server_heads);
        assert!(
            history[..first].iter().all(|(_, h)| !unacked.contains(h)),
            "round {r}: the server's heads went backwards within a connection"
        );
        let mut counts = Counts {
            rounds: 1,
            made: history.len() - first,
            acked: history.len() - first - unacked.len(),
            unacked: unacked.len(),
            offline: round.offline as usize,
            ..Counts::default()
        };
        // Edits while the server is down: the server cannot have acknowledged them.
        let mut offline = HashSet::new();
        for _ in 0..round.offline {
            let n = history.len() as u64;
            put_counter(&mut kept, n).expect("an offline change");
            kept.commit();
            let heads = kept.get_heads();
            assert_eq!(heads.len(), 1, "one writer, one head");
            history.push((n, heads[0]));
            offline.insert(heads[0]);
        }
        let this_round = &history[first..];

        server.spawn().await;

        // A fresh device sees every change the server ever acknowledged.
        let mut stored = fetch_fresh(&url, &fresh, id).await;
        let heads = stored.get_heads();
        let missing = not_covered(&mut kept, &heads);
        for (n, hash) in &history[..first] {
            assert!(
                !missing.contains(hash),
                "round {r}: change c{n} ({hash}), acknowledged in an earlier round, is gone"
            );
        }
        for (n, hash) in this_round {
            let lost = missing.contains(hash);
            if offline.contains(hash) {
                assert!(
                    lost,
                    "round {r}: c{n}, made while the server was down, is there"
                );
            } else if !unacked.contains(hash) {
                assert!(
                    !lost,
                    "round {r} ({:?}): change c{n} ({hash}) was acknowledged before the \
                     SIGKILL but is not there after the restart",
                    round.moment
                );
                assert_eq!(counter(&stored, *n), Some(*n), "round {r}: c{n}");
                counts.acked_found += 1;
            } else if !lost {
                counts.unacked_stored += 1;
            }
        }
        let present = history.len() - missing.len();
        assert_eq!(
            counted(&stored),
            present,
            "round {r}: meetings on the server"
        );

        // The client comes back with its document; the rest arrives.
        client = SyncClient::connect_as(&url, &writer)
            .await
            .expect("the client reconnects");
        client.insert_document(id, kept);
        client
            .wait_synced(id)
            .await
            .expect("the client's changes reach the restarted server");
        let mut stored = fetch_fresh(&url, &fresh, id).await;
        let heads = stored.get_heads();
        let mut ours = client.document(id).expect("our document").clone();
        let still_missing = not_covered(&mut ours, &heads);
        assert!(
            still_missing.is_empty(),
            "round {r}: after the reconnect the server still lacks {} changes",
            still_missing.len()
        );
        assert_eq!(counted(&stored), history.len(), "round {r}: meetings");
        for (n, hash) in this_round {
            if unacked.contains(hash) || offline.contains(hash) {
                assert_eq!(counter(&stored, *n), Some(*n), "round {r}: c{n}");
            }
            if unacked.contains(hash) {
                counts.unacked_arrived += 1;
            } else if offline.contains(hash) {
                counts.offline_arrived += 1;
            }
        }
        total.add(&counts);
        match by_moment.iter_mut().find(|(m, _)| *m == round.moment) {
            Some((_, c)) => c.add(&counts),
            None => by_moment.push((round.moment, counts)),
        }
    }
    client.close().await;
    drop(server);

    // The counts; `--nocapture` shows them.
    println!(
        "durability: {rounds} SIGKILL rounds (seed {seed:#x}) in {:.1}s; changes:",
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:<12} {:>6} {:>6} {:>6} {:>6} {:>8} {:>7} {:>8} {:>8} {:>8}",
        "killed",
        "rounds",
        "made",
        "acked",
        "found",
        "unacked",
        "stored",
        "arrived",
        "offline",
        "arrived"
    );
    by_moment.sort_by_key(|(m, _)| format!("{m:?}"));
    for (moment, counts) in &by_moment {
        println!("{}", counts.line(&format!("{moment:?}")));
    }
    println!("{}", total.line("total"));
    println!(
        "(made: before the kill; acked: of those, acknowledged before the kill; found: of \
         those, there after the restart; unacked: not acknowledged at the kill; stored: of \
         those, there after the restart anyway; arrived: of those, there after the \
         reconnect; offline: made while the server was down; arrived: of those, there \
         after the reconnect)"
    );
    let c = &total;
    assert_eq!(c.made, c.acked + c.unacked);
    assert_eq!(c.acked_found, c.acked);
    assert_eq!(c.unacked_arrived, c.unacked);
    assert_eq!(c.offline_arrived, c.offline);
    // The plan must really exercise both sides, or the test proves little.
    if c.rounds >= DEFAULT_ROUNDS {
        assert!(c.acked > 0 && c.unacked > 0, "{c:?}");
    }
}

/// Our one head: the change just made (the history is linear).
fn only_head(client: &mut SyncClient, id: DocumentId) -> ChangeHash {
    let heads = client.heads(id).expect("our document");
    assert_eq!(heads.len(), 1, "one writer, one head");
    heads[0]
}

#[test]
fn the_plan_is_deterministic_and_varied() {
    let a = plan(DEFAULT_SEED, DEFAULT_ROUNDS);
    let b = plan(DEFAULT_SEED, DEFAULT_ROUNDS);
    let shape = |p: &[Round]| -> Vec<(Vec<Option<u64>>, Moment, u64)> {
        p.iter()
            .map(|r| (r.paces.clone(), r.moment, r.offline))
            .collect()
    };
    assert_eq!(shape(&a), shape(&b));
    for moment in MOMENTS {
        assert!(
            a.iter().any(|r| r.moment == moment),
            "{moment:?} never used"
        );
    }
    let sizes: HashSet<usize> = a.iter().map(|r| r.paces.len()).collect();
    assert!(sizes.len() > DEFAULT_ROUNDS / 2, "{sizes:?}");
    assert!(a.iter().any(|r| r.offline > 0), "no offline edits");
}
