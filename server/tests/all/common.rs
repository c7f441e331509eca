//! What several subjects' tests share: a real server on loopback with the demo province
//! (`docs/examples/directory-kg.json`) and one enrolled device per person.

use anyhow::Result;
use server::directory::{DirectoryConfig, DirectoryService};
use server::store::Store;
use server::sync_client::SyncClient;
use server::testing::{Device, enrol};
use server::{AppState, app};
use std::collections::BTreeMap;
use std::path::Path;

/// The people of `docs/examples/directory-kg.json` whose devices the tests use.
pub const PEOPLE: &[(&str, &str)] = &[
    ("KG-0123", "cadre (the subject), department BPT"),
    ("KG-0124", "another cadre of BPT"),
    ("KG-0010", "head of BPT"),
    ("KG-0011", "head of BTC and TC-KT (hq)"),
    ("KG-0001", "standing committee"),
    ("KG-H001", "host officer of xa-vinh-hoa-hiep"),
    (
        "KG-H002",
        "host officer of huyen-chau-thanh, district officer",
    ),
    ("KG-A001", "admin"),
];

pub struct World {
    pub dir: tempfile::TempDir,
    pub directory: DirectoryService,
    pub devices: BTreeMap<String, Device>,
    /// `ws://127.0.0.1:<port>/sync`.
    pub url: String,
    pub server: tokio::task::JoinHandle<()>,
}

/// The directory's settings for these tests: every connection comes from 127.0.0.1, and
/// the table test opens a few hundred of them in seconds.
fn config() -> DirectoryConfig {
    let mut config = DirectoryConfig::default();
    config.limits.connection_burst = 10_000;
    config
}

/// A server on loopback with the demo province and one enrolled device per person; the
/// data survives [`World::restart`].
pub async fn world() -> Result<World> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_in(&dir.path().join("data"))?;
    let directory = DirectoryService::open(store, config())?;
    directory.demo().await?;
    let mut devices = BTreeMap::new();
    for (person, _) in PEOPLE {
        devices.insert(
            (*person).to_owned(),
            enrol(&directory, person, "test").await?,
        );
    }
    let (url, server) = serve(dir.path(), directory.clone()).await?;
    Ok(World {
        dir,
        directory,
        devices,
        url,
        server,
    })
}

async fn serve(
    dir: &Path,
    directory: DirectoryService,
) -> Result<(String, tokio::task::JoinHandle<()>)> {
    let store = Store::open_in(&dir.join("data"))?;
    let build = server::testing::build_info("test");
    let state = AppState::with_directory(dir.join("site"), build, store, directory).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = app(state);
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Ok((format!("ws://{addr}/sync"), server))
}

impl World {
    pub fn device(&self, person: &str) -> &Device {
        &self.devices[person]
    }

    pub async fn connect(&self, person: &str) -> Result<SyncClient> {
        Ok(SyncClient::connect_as(&self.url, self.device(person)).await?)
    }

    /// Stops the server and starts another on the same data (a restart).
    pub async fn restart(&mut self) -> Result<()> {
        self.server.abort();
        let store = Store::open_in(&self.dir.path().join("data"))?;
        self.directory = DirectoryService::open(store, config())?;
        let (url, server) = serve(self.dir.path(), self.directory.clone()).await?;
        self.url = url;
        self.server = server;
        Ok(())
    }
}

/// An HTTP answer: status, headers (names lower case), body.
pub struct Answer {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl World {
    /// `GET path` on the running server over a real socket, as `token`'s device (none:
    /// no `Authorization`). HTTP/1.1 with `Connection: close`, read to the end.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Answer> {
        use anyhow::Context;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self
            .url
            .strip_prefix("ws://")
            .and_then(|rest| rest.strip_suffix("/sync"))
            .context("the server's address")?;
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .context("no end of the answer's head")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .context("no status line")?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect::<BTreeMap<_, _>>();
        anyhow::ensure!(
            !headers
                .get("transfer-encoding")
                .is_some_and(|v| v.contains("chunked")),
            "a chunked answer (this helper reads Content-Length bodies)"
        );
        Ok(Answer {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        })
    }
}
