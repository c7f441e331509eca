//! The end-to-end harness: starts the real `dicoso` server on loopback and a headless
//! Chromium (through chromedriver) with a profile of its own, i.e. a device of its own.
//!
//! `cargo xtask test` builds the site and the server and points the tests at them with
//! `DICOSO_SITE` and `DICOSO_BIN`; run alone, the tests look in `target/`.

pub use server::sync_client;

pub mod camera;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// A port nobody listens on now. The same port is reused across server restarts, since a
/// service worker and IndexedDB belong to an origin, port included.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
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
        let server = Server {
            child,
            port,
            data: data.to_owned(),
        };
        wait_for_port(port, "the server")?;
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

/// Headless Chromium with a fresh profile: one device.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Result<Browser> {
        Browser::start_with_args(Vec::new()).await
    }

    /// A browser whose camera shows the frames of `video` (a Y4M file, read each time a
    /// page opens the camera; see [`camera::show`]), and which grants the camera without
    /// asking.
    pub async fn start_with_camera(video: &Path) -> Result<Browser> {
        camera::show(video, None)?;
        Browser::start_with_args(vec![
            "--use-fake-device-for-media-stream".into(),
            "--use-fake-ui-for-media-stream".into(),
            format!("--use-file-for-fake-video-capture={}", video.display()),
        ])
        .await
    }

    async fn start_with_args(extra: Vec<String>) -> Result<Browser> {
        let port = free_port()?;
        let driver =
            Command::new(std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("cannot start chromedriver (cargo xtask test installs it)")?;
        wait_for_port(port, "chromedriver")?;
        let profile = tempfile::tempdir()?;
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=412,915",
        ]
        .map(String::from)
        .into();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra);
        let caps = json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": args,
            }
        });
        let Value::Object(caps) = caps else {
            bail!("capabilities must be an object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("cannot open a Chromium session")?;
        Ok(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// A PNG screenshot of the element `css`, scrolled to the middle of the screen first
    /// (as a person shows a code to a camera: clear of the header and the navigation bar).
    pub async fn element_png(&self, css: &str) -> Result<Vec<u8>> {
        let script = format!(
            "const e = document.querySelector({css}); if (e) e.scrollIntoView({{block: 'center'}}); return e !== null;",
            css = json!(css),
        );
        self.client.execute(&script, vec![]).await?;
        let element = self.client.find(Locator::Css(css)).await?;
        Ok(element.screenshot().await?)
    }

    pub async fn close(mut self) -> Result<()> {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        Ok(())
    }

    /// Runs `script` (a function body) until it returns something truthy.
    pub async fn wait_until(&self, what: &str, script: &str) -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let value = self
                .client
                .execute(script, vec![])
                .await
                .unwrap_or(Value::Null);
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                let text = self.text("body").await.unwrap_or_default();
                bail!("timed out waiting for {what}; the page says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the WebAssembly has hydrated the page.
    pub async fn wait_hydrated(&self) -> Result<()> {
        self.wait_until(
            "hydration",
            "return document.querySelector('main[data-hydrated=\"true\"]') !== null",
        )
        .await
        .map(|_| ())
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    /// Waits until the element's text contains `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        let script = format!(
            "const e = document.querySelector({css}); return e && e.innerText.includes({needle}) ? e.innerText : null;",
            css = json!(css),
            needle = json!(needle),
        );
        let value = self
            .wait_until(&format!("“{needle}” in {css}"), &script)
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Sets a form control's value as a user's input would, firing `input` and `change`.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        let script = format!(
            "const e = document.querySelector({css}); e.value = {value};
             e.dispatchEvent(new Event('input', {{bubbles: true}}));
             e.dispatchEvent(new Event('change', {{bubbles: true}})); return true;",
            css = json!(css),
            value = json!(value),
        );
        self.client.execute(&script, vec![]).await?;
        Ok(())
    }

    /// Enrols this browser for a person on the login page (`base` is the server's URL)
    /// with a username and password and a new PIN; returns once the app is back on its
    /// first page with that person's profile open.
    pub async fn enrol(
        &self,
        base: &str,
        person: &TestPerson,
        password: &str,
        pin: &str,
    ) -> Result<()> {
        self.client.goto(&format!("{base}/dang-nhap")).await?;
        self.wait_hydrated().await?;
        self.fill_login(&[
            ("input[name=username]", &person.username()),
            ("input[name=password]", password),
            ("input[name=pin]", pin),
            ("input[name=pin_again]", pin),
        ])
        .await?;
        self.wait_person(person.code).await
    }

    /// Enrols with a one-time code, as when the admin's QR code opens
    /// `/dang-nhap#ma=<code>`.
    pub async fn enrol_with_code(
        &self,
        base: &str,
        person: &TestPerson,
        code: &str,
        pin: &str,
    ) -> Result<()> {
        self.client
            .goto(&format!("{base}/dang-nhap#ma={code}"))
            .await?;
        self.wait_hydrated().await?;
        let filled = format!(
            "const e = document.querySelector('input[name=code]'); return e && e.value === {};",
            json!(code)
        );
        self.wait_until("the code from the URL", &filled).await?;
        self.fill_login(&[("input[name=pin]", pin), ("input[name=pin_again]", pin)])
            .await?;
        self.wait_person(person.code).await
    }

    /// Fills the login form's fields and submits it.
    pub async fn fill_login(&self, fields: &[(&str, &str)]) -> Result<()> {
        for (css, value) in fields {
            self.set_value(css, value).await?;
        }
        self.click("form.login button[type=submit]").await
    }

    /// Waits until the page is hydrated with `code`'s profile open.
    pub async fn wait_person(&self, code: &str) -> Result<()> {
        let script = format!(
            "const s = document.querySelector('details.profiles summary');
             return document.querySelector('main[data-hydrated=\"true\"]') !== null
                 && s !== null && s.dataset.person === {};",
            json!(code)
        );
        self.wait_until(&format!("{code}'s profile"), &script)
            .await
            .map(|_| ())
    }

    /// Opens another person's profile from the header's menu with `pin`; returns the
    /// error shown, if any (then the page stays as it was).
    pub async fn switch_profile(&self, code: &str, pin: &str) -> Result<Option<String>> {
        self.client
            .execute(
                "document.querySelector('details.profiles').open = true; return true;",
                vec![],
            )
            .await?;
        self.client
            .find(Locator::Css(&format!("button[data-profile=\"{code}\"]")))
            .await?
            .click()
            .await?;
        self.set_value("form.switch input[name=switch_pin]", pin)
            .await?;
        self.client
            .find(Locator::Css("form.switch button[type=submit]"))
            .await?
            .click()
            .await?;
        let script = format!(
            "const e = document.querySelector('form.switch .error');
             if (e) return {{error: e.innerText}};
             const s = document.querySelector('details.profiles summary');
             return document.querySelector('main[data-hydrated=\"true\"]') !== null
                 && s && s.dataset.person === {} ? {{ok: true}} : null;",
            json!(code)
        );
        let outcome = self.wait_until("the profile switch", &script).await?;
        Ok(outcome["error"].as_str().map(str::to_owned))
    }

    /// As when the user switches back to the app: the page is shown again, and the app
    /// checks its link at once rather than at its next backoff.
    pub async fn come_back(&self) -> Result<()> {
        self.client
            .execute(
                "document.dispatchEvent(new Event('visibilitychange')); return true;",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// Syncs now ([`Browser::come_back`]) and waits until the app is online with nothing
    /// written on this device missing from the server.
    pub async fn sync_now(&self) -> Result<()> {
        self.come_back().await?;
        self.wait_text("header .badge", "Trực tuyến").await?;
        self.wait_unsynced(0).await?;
        Ok(())
    }

    /// The sync line under the badge, once its `data-unsynced` count equals `n`.
    pub async fn wait_unsynced(&self, n: usize) -> Result<String> {
        let script = format!(
            "const e = document.querySelector('.sync-detail');
             return e && e.dataset.unsynced === '{n}' ? e.innerText : null;"
        );
        let value = self
            .wait_until(&format!("{n} changes not yet on the server"), &script)
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The sync badge's link state (`Online`, `Offline`, …).
    pub async fn badge_link(&self) -> Result<String> {
        let value = self
            .client
            .execute(
                "return document.querySelector('header .badge').dataset.link",
                vec![],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Opens the new-trip form (from the trip list's button) unless it is open.
    pub async fn open_trip_form(&self) -> Result<()> {
        let open = self
            .client
            .execute(
                "return document.querySelector('form.trip-form') !== null",
                vec![],
            )
            .await?;
        if open != Value::Bool(true) {
            let listed = self
                .client
                .execute(
                    "return document.querySelector(\"a[href='/chuyen-di/moi']\") !== null",
                    vec![],
                )
                .await?;
            if listed != Value::Bool(true) {
                self.click("nav a[href='/chuyen-di']").await?;
                self.wait_until(
                    "the trip list",
                    "return document.querySelector(\"a[href='/chuyen-di/moi']\") !== null",
                )
                .await?;
            }
            self.click("a[href='/chuyen-di/moi']").await?;
            self.wait_until(
                "the trip form",
                "return document.querySelector('form.trip-form select[name=host_level]') !== null",
            )
            .await?;
        }
        Ok(())
    }

    /// Fills and submits the trip form (a base-level host).
    pub async fn add_trip(&self, start: &str, end: &str, host: &str, content: &str) -> Result<()> {
        self.open_trip_form().await?;
        self.set_value("input[name=start]", start).await?;
        self.set_value("input[name=end]", end).await?;
        let host_input = self
            .client
            .find(Locator::Css("input[name=host_unit]"))
            .await?;
        host_input.clear().await?;
        host_input.send_keys(host).await?;
        self.set_value("select[name=host_level]", "co-so").await?;
        self.set_value("select[name=content_type]", content).await?;
        self.click("form button[type=submit]").await
    }

    /// Clicks the first element matching `css`, scrolled to the middle of the screen
    /// first (as a thumb would: the navigation bar covers the bottom of the screen).
    pub async fn click(&self, css: &str) -> Result<()> {
        let script = format!(
            "const e = document.querySelector({css}); if (e) e.scrollIntoView({{block: 'center'}}); return true;",
            css = json!(css),
        );
        self.client.execute(&script, vec![]).await?;
        self.client.find(Locator::Css(css)).await?.click().await?;
        Ok(())
    }

    /// Ticks or clears a checkbox as a user would (firing `change`).
    pub async fn set_checked(&self, css: &str, on: bool) -> Result<()> {
        let script = format!(
            "const e = document.querySelector({css}); if (e.checked !== {on}) e.click(); return true;",
            css = json!(css),
        );
        self.client.execute(&script, vec![]).await?;
        Ok(())
    }

    /// Shows pages as a 360×740 phone does (CSS pixels, touch, mobile viewport).
    pub async fn phone_screen(&self) -> Result<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await
    }

    /// Shows pages as the office's 1280×800 screen does.
    pub async fn desk_screen(&self) -> Result<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await
    }

    /// Makes every page this browser loads from now on believe today is `day`
    /// (`YYYY-MM-DD`, local noon), the clock still running: the app reads the date from
    /// `Date`, so a test of a year's deadlines does not depend on the day it runs.
    pub async fn fake_today(&self, day: &str) -> Result<()> {
        let source = format!(
            "(() => {{
                const Real = Date;
                const delta = new Real({day} + 'T12:00:00').getTime() - Real.now();
                class Fake extends Real {{
                    constructor(...a) {{ if (a.length === 0) super(Real.now() + delta); else super(...a); }}
                    static now() {{ return Real.now() + delta; }}
                }}
                globalThis.Date = Fake;
            }})();",
            day = json!(day),
        );
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await
    }

    /// Slows the CPU down `rate` times (CDP), as on a cheap phone; 1 turns it off.
    pub async fn cpu_throttle(&self, rate: f64) -> Result<()> {
        self.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": rate }))
            .await
    }

    async fn cdp(&self, cmd: &'static str, params: Value) -> Result<()> {
        self.client.issue_cmd(Cdp { cmd, params }).await?;
        Ok(())
    }

    /// The verdict JSON the Năm nay page computed (`#verdict[data-verdict]`), once there.
    pub async fn verdict_json(&self) -> Result<String> {
        let value = self
            .wait_until(
                "the verdict on Năm nay",
                "const e = document.getElementById('verdict'); return e && e.dataset.verdict ? e.dataset.verdict : null;",
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// What a quick accessibility and layout audit finds on the current page: inputs
    /// without a label, a page without exactly one h1 or with skipped heading levels,
    /// text below 4.5:1 contrast (3:1 for large text) against its background, anything
    /// wider than the screen. Empty when all is well.
    pub async fn audit(&self) -> Result<Vec<String>> {
        let value = self.client.execute(AUDIT, vec![]).await?;
        Ok(serde_json::from_value(value).unwrap_or_default())
    }

    /// Waits until a service worker controls the page (it then serves the app offline).
    pub async fn wait_service_worker(&self) -> Result<String> {
        let value = self
            .wait_until(
                "the service worker to control the page",
                "return navigator.serviceWorker && navigator.serviceWorker.controller
                    ? navigator.serviceWorker.controller.scriptURL : null",
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The names of the Cache Storage caches.
    pub async fn cache_names(&self) -> Result<Vec<String>> {
        let value = self
            .client
            .execute_async(
                "const done = arguments[0]; caches.keys().then(done, () => done([]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(value).unwrap_or_default())
    }

    /// Why Chromium would not offer to install the app (empty when it is installable).
    pub async fn installability_errors(&self) -> Result<Vec<Value>> {
        let reply = self
            .client
            .issue_cmd(Cdp {
                cmd: "Page.getInstallabilityErrors",
                params: json!({}),
            })
            .await?;
        reply["installabilityErrors"]
            .as_array()
            .cloned()
            .with_context(|| format!("unexpected reply: {reply}"))
    }

    /// Cuts (or restores) the browser's network, as a phone losing its signal: the browser
    /// then reports itself offline and fires `offline` / `online`.
    pub async fn set_network(&self, online: bool) -> Result<()> {
        let params = json!({
            "offline": !online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1
        });
        self.client
            .issue_cmd(Cdp {
                cmd: "Network.enable",
                params: json!({}),
            })
            .await?;
        self.client
            .issue_cmd(Cdp {
                cmd: "Network.emulateNetworkConditions",
                params,
            })
            .await?;
        Ok(())
    }

    /// Saves a screenshot as `<name>.png` when `E2E_SCREENSHOTS` names a directory, so a
    /// person can look at what the test saw.
    pub async fn screenshot(&self, name: &str) -> Result<()> {
        if let Some(dir) = std::env::var_os("E2E_SCREENSHOTS") {
            let png = self.client.screenshot().await?;
            std::fs::create_dir_all(&dir)?;
            std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png)?;
        }
        Ok(())
    }

    pub async fn trip_count(&self) -> Result<usize> {
        let v = self
            .client
            .execute("return document.querySelectorAll('li.trip').length", vec![])
            .await?;
        Ok(v.as_u64().unwrap_or(0) as usize)
    }
}

/// The audit behind [`Browser::audit`], in the page.
const AUDIT: &str = r#"
const problems = [];
const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
for (const e of document.querySelectorAll('input, select, textarea')) {
  if (e.type === 'hidden' || e.getAttribute('aria-hidden') === 'true' || !visible(e)) continue;
  const labelled = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
  if (!labelled) problems.push(`no label: ${e.outerHTML.slice(0, 80)}`);
}
const headings = [...document.querySelectorAll('main h1, main h2, main h3, main h4')].filter(visible);
if (document.querySelectorAll('main h1').length !== 1) problems.push(`h1 count ${document.querySelectorAll('main h1').length}`);
let level = 0;
for (const h of headings) {
  const l = Number(h.tagName[1]);
  if (l > level + 1) problems.push(`heading jumps to ${h.tagName}: ${h.textContent.slice(0, 40)}`);
  level = l;
}
const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const background = (e) => {
  let layers = [];
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { layers.push(c); if (c.length < 4 || c[3] >= 1) break; }
  }
  let out = [255, 255, 255];
  for (const c of layers.reverse()) {
    const a = c.length >= 4 ? c[3] : 1;
    out = [0, 1, 2].map((i) => c[i] * a + out[i] * (1 - a));
  }
  return out;
};
for (const e of document.querySelectorAll('body *')) {
  if (!visible(e) || e.closest('svg')) continue;
  const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const s = getComputedStyle(e);
  const fg = rgb(s.color), bg = background(e);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: ${e.textContent.trim().slice(0, 40)}`);
}
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth > width) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (visible(e) && r.right > width + 1 && getComputedStyle(e).position !== 'fixed' && !e.closest('.picker, .table-scroll'))
    { problems.push(`wider than the screen: <${e.tagName.toLowerCase()} class="${e.className}"> ${Math.round(r.right)}px`); break; }
}
return problems;
"#;

/// A Chrome DevTools Protocol command sent through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}
