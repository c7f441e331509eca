//! Enrolling a browser and switching between the profiles on it: the login page as a
//! person uses it.

use super::Browser;
use crate::TestPerson;
use anyhow::Result;
use serde_json::json;

impl Browser {
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

    /// A phone's first visit, online: opens the app at `base` (its service worker
    /// installs and takes the page, so the app starts offline from then on), then enrols
    /// `person` with their password and `pin`.
    pub async fn install_and_enrol(
        &self,
        base: &str,
        person: &TestPerson,
        pin: &str,
    ) -> Result<()> {
        self.first_visit(base).await?;
        self.wait_service_worker().await?;
        self.enrol(base, person, person.password.unwrap_or_default(), pin)
            .await
    }

    /// Opens the app at `base` on a device nobody has enrolled on, and waits until the
    /// page has created the profiles' database and read it: leaving it earlier once left
    /// the login page waiting 30 s on that database.
    pub async fn first_visit(&self, base: &str) -> Result<()> {
        self.client.goto(&format!("{base}/")).await?;
        self.wait_hydrated().await?;
        self.wait_until(
            "the first page to read this device's profiles",
            "return document.querySelector('header .badge').dataset.link === 'SignedOut'",
        )
        .await
        .map(|_| ())
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
        self.click(&format!("button[data-profile=\"{code}\"]"))
            .await?;
        self.set_value("form.switch input[name=switch_pin]", pin)
            .await?;
        self.click("form.switch button[type=submit]").await?;
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
}
