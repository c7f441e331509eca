//! The browser of a test: headless Chromium through chromedriver, with a fresh profile
//! (one device), and what a user does with it: enrol, fill forms, tap, wait for text,
//! sync now, take screenshots, audit a page.

use crate::{camera, free_port, wait_for_port};
use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod login;

/// Headless Chromium with a fresh profile: one device.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    /// Whether [`Browser::set_network`] last cut the network.
    offline: AtomicBool,
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
            offline: AtomicBool::new(false),
        })
    }

    /// A PNG screenshot of the element `css`, scrolled to the middle of the screen first
    /// (as a person shows a code to a camera: clear of the header and the navigation bar).
    pub async fn element_png(&self, css: &str) -> Result<Vec<u8>> {
        self.scroll_to(css).await?;
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
        self.scroll_to(css).await?;
        self.client.find(Locator::Css(css)).await?.click().await?;
        Ok(())
    }

    /// Scrolls the first element matching `css` to the middle of the screen, once the
    /// page shows it (as a person waits for a button still loading); an error if it never
    /// does.
    pub async fn scroll_to(&self, css: &str) -> Result<()> {
        let script = format!(
            "const e = document.querySelector({css}); if (e) e.scrollIntoView({{block: 'center'}}); return e !== null;",
            css = json!(css),
        );
        self.wait_until(&format!("an element {css} on the page"), &script)
            .await
            .map(|_| ())
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

    /// Saves this browser's downloads in `dir` (CDP), as a person's Downloads folder.
    pub async fn save_downloads_in(&self, dir: &Path) -> Result<()> {
        let path = dir.to_str().context("a download folder in UTF-8")?;
        self.cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": path }),
        )
        .await
    }

    /// The file `name` in `dir` once its download has finished.
    pub async fn downloaded(&self, dir: &Path, name: &str) -> Result<Vec<u8>> {
        let file = dir.join(name);
        let started = Instant::now();
        loop {
            let partial = std::fs::read_dir(dir)?
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
            if file.exists() && !partial {
                return Ok(std::fs::read(&file)?);
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("{} was not downloaded", file.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
        self.offline.store(!online, Ordering::Relaxed);
        Ok(())
    }

    /// Reloads the page as a person pulling it down does; a device without signal stays
    /// without it (Chromium 148 and later drop the emulated offline state on reload:
    /// `navigator.onLine` comes back true while requests still fail).
    pub async fn reload(&self) -> Result<()> {
        self.client.refresh().await?;
        if self.offline.load(Ordering::Relaxed) {
            self.set_network(false).await?;
        }
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
const AUDIT: &str = include_str!("audit.js");

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
