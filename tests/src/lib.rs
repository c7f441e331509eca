//! The end-to-end harness: starts the real `dicoso` server on loopback and a headless
//! Chromium (through chromedriver) with a profile of its own, i.e. a device of its own.
//!
//! `cargo xtask test` builds the site and the server and points the tests at them with
//! `DICOSO_SITE` and `DICOSO_BIN`; run alone, the tests look in `target/`.

pub use server::sync_client;

mod browser;
pub mod camera;

pub use browser::Browser;

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn from_env_or(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(default))
}

/// The site built by `cargo xtask dist`.
pub fn site_dir() -> PathBuf {
    from_env_or("DICOSO_SITE", "target/site")
}

pub fn server_bin() -> PathBuf {
    from_env_or("DICOSO_BIN", "target/debug/dicoso")
}

/// A date of the current year as the date inputs take it (`2026-03-02` for `"03-02"`):
/// the Năm nay page counts the device's current year, and a trip goes to the dossier of
/// the year it starts in.
pub fn this_year(month_day: &str) -> String {
    format!("{}-{month_day}", current_year())
}

/// The device's current year (the year Năm nay shows).
pub fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Local::now().year()
}

/// A port nobody listens on now, and not handed to another test of this run: a test
/// keeps its port across server restarts (a service worker and IndexedDB belong to an
/// origin, port included), and another test must not take it while its server is down.
pub fn free_port() -> Result<u16> {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut given = GIVEN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if given.insert(port) {
            return Ok(port);
        }
    }
}

fn wait_for_port(port: u16, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("{what} did not start listening on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// A running `dicoso serve`; killed with SIGKILL when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    data: PathBuf,
}

impl Server {
    pub fn start(site: &Path, data: &Path, port: u16) -> Result<Server> {
        let bin = server_bin();
        if !bin.exists() || !site.join("build.json").exists() {
            bail!(
                "{} or {} is missing: run `cargo xtask test`",
                bin.display(),
                site.display()
            );
        }
        let child = Command::new(&bin)
            .arg("serve")
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data)
            .arg("--site-dir")
            .arg(site)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let mut server = Server {
            child,
            port,
            data: data.to_owned(),
        };
        wait_for_port(port, "the server")?;
        if let Some(status) = server.child.try_wait()? {
            bail!("the server on port {port} exited ({status}): is the port taken?");
        }
        Ok(server)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `dicoso admin …` on this server's data (safe while it runs).
    pub fn admin(&self, args: &[&str], stdin: Option<&str>) -> Result<String> {
        admin(&self.data, args, stdin)
    }

    /// SIGKILL: no chance to flush or say goodbye, as when a phone or a server dies.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `dicoso admin --data-dir <data> …`: its standard output. `stdin` is written first
/// (a password for `--password-stdin`).
pub fn admin(data: &Path, args: &[&str], stdin: Option<&str>) -> Result<String> {
    use std::io::Write;
    let mut child = Command::new(server_bin())
        .arg("admin")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run dicoso admin")?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.unwrap_or_default().as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "dicoso admin {args:?} failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// A person of the test province. With a password, they get the account
/// `code.to_lowercase()`; without, they enrol with a one-time code.
pub struct TestPerson {
    pub code: &'static str,
    pub name: &'static str,
    /// The CSV form, `;`-separated: `cadre`, `cadre;admin`.
    pub roles: &'static str,
    pub password: Option<&'static str>,
}

impl TestPerson {
    pub fn username(&self) -> String {
        self.code.to_lowercase()
    }
}

/// Creates province KG (policy kien-giang-2023) with an office unit, one commune that
/// receives visits (`xa-vinh-hoa-hiep`, Đoàn xã Vĩnh Hòa Hiệp) and these people,
/// and their accounts, through `dicoso admin` (before or while the server runs).
pub fn set_up_province(data: &Path, people: &[TestPerson]) -> Result<()> {
    set_up_province_in(data, people, None)
}

/// [`set_up_province`], everyone of the department `department` (id, name) when given.
pub fn set_up_province_in(
    data: &Path,
    people: &[TestPerson],
    department: Option<(&str, &str)>,
) -> Result<()> {
    admin(
        data,
        &[
            "province",
            "create",
            "KG",
            "--name",
            "Kiên Giang",
            "--policy",
            "kien-giang-2023",
        ],
        None,
    )?;
    let dir = tempfile::tempdir()?;
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "id,name,level,parent\ntinh-doan,Tỉnh đoàn Kiên Giang,tinh,\nxa-vinh-hoa-hiep,Đoàn xã Vĩnh Hòa Hiệp,co-so,tinh-doan\n",
    )?;
    let mut csv = String::from("code,name,unit,department,job,office_since,roles\n");
    let in_department = department.map_or("", |(id, _)| id);
    for p in people {
        csv.push_str(&format!(
            "{},{},tinh-doan,{in_department},can-bo,2020,{}\n",
            p.code, p.name, p.roles
        ));
    }
    let departments = dir.path().join("departments.csv");
    if let Some((id, name)) = department {
        std::fs::write(&departments, format!("id,name\n{id},{name}\n"))?;
    }
    let people_csv = dir.path().join("people.csv");
    std::fs::write(&people_csv, csv)?;
    let mut import: Vec<String> = ["import", "KG", "--units"].map(String::from).into();
    import.push(units.to_string_lossy().into_owned());
    import.push("--people".into());
    import.push(people_csv.to_string_lossy().into_owned());
    if department.is_some() {
        import.push("--departments".into());
        import.push(departments.to_string_lossy().into_owned());
    }
    let import: Vec<&str> = import.iter().map(String::as_str).collect();
    admin(data, &import, None)?;
    for p in people {
        if let Some(password) = p.password {
            admin(
                data,
                &[
                    "account",
                    "create",
                    p.code,
                    "--username",
                    &p.username(),
                    "--password-stdin",
                ],
                Some(&format!("{password}\n")),
            )?;
        }
    }
    Ok(())
}

/// A one-time enrolment code for `person`, as `dicoso admin enrol-code` prints it.
pub fn enrolment_code(data: &Path, person: &str) -> Result<String> {
    let out = admin(data, &["enrol-code", person], None)?;
    out.lines()
        .find_map(|l| {
            l.split_once("(enrolment code): ")
                .map(|(_, c)| c.trim().to_owned())
        })
        .with_context(|| format!("no code in:\n{out}"))
}

/// Enrols a device for `person` straight on the data directory (as `dicoso admin` would, the
/// server may be running): a one-time code, a fresh key and actor. For the office's side of
/// a test, which talks to `/sync` with `SyncClient::connect_as`.
pub async fn enrol_device(data: &Path, person: &str) -> Result<server::testing::Device> {
    let store = server::store::Store::open_in(data)?;
    let directory = tokio::task::spawn_blocking(move || {
        server::directory::DirectoryService::open(store, Default::default())
    })
    .await??;
    Ok(server::testing::enrol(&directory, person, "e2e").await?)
}
