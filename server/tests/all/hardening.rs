//! Issue 10: the sync server under abuse, load and faults, each probe of the issue against
//! the real server on a loopback listener (`sync_fixture`): foreign origins are refused,
//! silent sockets time out, every limit answers with the protocol's `error` naming it,
//! clients that do not read are dropped while others keep syncing, `/api/health` says 503
//! while the hub is stuck or writes fail and 200 after, and a store that failed is used
//! again without a restart. Stalls and floods: `sync_stalls`; a really read-only store
//! file: `store_readonly`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use automerge::AutoCommit;
use futures_util::{SinkExt, StreamExt};
use server::serve::HttpConfig;
use server::sync::{SyncLimits, SyncService};
use server::sync_client::{Offered, get_text, put_text};
use shared::sync::{DocumentId, Message, PeerId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::sync_fixture::{
    Fixture, Options, Socket, error_then_close, join_frame, noise, put_blob, refusal, serve,
    test_limits,
};

#[tokio::test]
async fn upgrades_from_a_foreign_origin_are_refused_before_the_upgrade() -> Result<()> {
    let f = serve(Options {
        origins: vec!["https://dicoso.example.vn".into()],
        ..Options::default()
    })
    .await?;
    let foreign = f
        .raw(Some("https://evil.example"))
        .await
        .err()
        .context("must fail")?;
    let refused = foreign
        .downcast_ref::<tokio_tungstenite::tungstenite::Error>()
        .context("a WebSocket error")?;
    match refused {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            assert_eq!(response.status().as_u16(), 403);
        }
        other => bail!("expected 403, got {other:?}"),
    }
    // The app's own origin (its Host), a configured one, and no Origin at all (a device
    // that is no browser page) are let through; each completes the handshake.
    let own = format!("http://{}", f.addr);
    for origin in [Some(own.as_str()), Some("https://dicoso.example.vn"), None] {
        let mut socket = f.raw(origin).await?;
        socket.send(join_frame("origin-test")).await?;
        let answer = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await?
            .context("closed")??;
        let WsMessage::Binary(frame) = answer else {
            bail!("{origin:?}: expected `peer`, got {answer:?}");
        };
        ensure!(
            matches!(Message::decode(&frame)?, Message::Peer { .. }),
            "{origin:?}: no `peer`"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_its_timeout() -> Result<()> {
    let f = serve(Options {
        http: HttpConfig {
            request_head_timeout: Duration::from_millis(300),
        },
        ..Options::default()
    })
    .await?;
    let mut stream = TcpStream::connect(f.addr).await?;
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        .await?;
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest))
        .await
        .context("the half-sent request is still open")??;
    // A whole request on a fresh connection is still served.
    assert_eq!(f.health().await?.0, 200);
    Ok(())
}

#[tokio::test]
async fn a_socket_that_never_joins_and_one_that_falls_silent_are_closed() -> Result<()> {
    let f = serve(Options {
        limits: SyncLimits {
            join_timeout: Duration::from_millis(300),
            ping_every: Duration::from_millis(200),
            idle_timeout: Duration::from_millis(900),
            ..test_limits()
        },
        ..Options::default()
    })
    .await?;
    let mut silent = f.raw(None).await?;
    let error = error_then_close(&mut silent, Duration::from_secs(10)).await?;
    ensure!(error.contains("join"), "{error}");

    // A joined client that reads (so answers the server's pings) stays; one that stops
    // reading stops answering and is closed as idle.
    let mut live = f.raw(None).await?;
    live.send(join_frame("live")).await?;
    let mut gone = f.raw(None).await?;
    gone.send(join_frame("gone")).await?;
    let live_stays = async {
        let until = tokio::time::Instant::now() + Duration::from_secs(3);
        while let Ok(next) = tokio::time::timeout_at(until, live.next()).await {
            match next {
                Some(Ok(WsMessage::Binary(frame))) => {
                    ensure!(
                        matches!(Message::decode(&frame)?, Message::Peer { .. }),
                        "the live client was refused"
                    );
                }
                Some(Ok(WsMessage::Ping(_))) => {}
                other => bail!("the live client was closed: {other:?}"),
            }
        }
        Ok(())
    };
    let gone_goes = async {
        // Past the idle timeout without reading (so without answering pings).
        tokio::time::sleep(Duration::from_millis(1200)).await;
        error_then_close(&mut gone, Duration::from_secs(10)).await
    };
    let (stayed, error) = tokio::join!(live_stays, gone_goes);
    stayed?;
    let error = error?;
    ensure!(error.contains("im lặng"), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_change_or_a_document_past_its_size_limit_is_refused_and_not_stored() -> Result<()> {
    let f = serve(Options {
        limits: SyncLimits {
            max_change_bytes: 8 * 1024,
            max_document_bytes: 20 * 1024,
            ..test_limits()
        },
        ..Options::default()
    })
    .await?;
    let mut client = f.connect().await?;
    let big = client.create(|doc| put_blob(doc, "blob", 16 * 1024, 1))?;
    let reason = refusal(client.outcome(big).await?)?;
    ensure!(reason.contains("8192"), "{reason}");
    assert_eq!(f.store.load(&big.to_string()).await?, None);

    // Changes of 6 KiB are each fine, until the document would pass 20 KiB.
    let mut client = f.connect().await?;
    let growing = client.create(|doc| put_text(doc, "note", "bắt đầu"))?;
    client.wait_synced(growing).await?;
    let mut refused = None;
    for i in 0..5 {
        client.change(growing, |doc| {
            put_blob(doc, &format!("part{i}"), 6 * 1024, i + 2)
        })?;
        match client.outcome(growing).await? {
            Offered::Kept => {}
            Offered::Refused(reason) => {
                refused = Some(reason);
                break;
            }
            Offered::Unavailable => bail!("unavailable"),
        }
    }
    let reason = refused.context("the document grew past its limit")?;
    ensure!(reason.contains("20480"), "{reason}");
    let stored = f
        .store
        .load(&growing.to_string())
        .await?
        .context("stored")?;
    ensure!(
        stored.bytes.len() <= 20 * 1024,
        "{} bytes stored",
        stored.bytes.len()
    );

    // Other documents and clients are untouched.
    let mut other = f.connect().await?;
    let fine = other.create(|doc| put_text(doc, "note", "vẫn đồng bộ"))?;
    other.wait_synced(fine).await?;
    Ok(())
}

/// Issue 10: each socket reads into a small buffer (`WS_READ_BUFFER`, 8 KiB), so a change
/// of a megabyte (a first sync of a dossier with its evidence) arrives in many reads: it
/// must still be applied and stored whole.
#[tokio::test]
async fn issue_10_a_change_far_larger_than_the_socket_read_buffer_is_stored_whole() -> Result<()> {
    const LEN: usize = 1 << 20;
    let f = serve(Options::default()).await?;
    let mut client = f.connect().await?;
    let id = client.create(|doc| put_blob(doc, "evidence", LEN, 7))?;
    client.wait_synced(id).await?;
    let stored = f.store.load(&id.to_string()).await?.context("stored")?;
    let doc = AutoCommit::load(&stored.bytes)?;
    let kept = match automerge::ReadDoc::get(&doc, automerge::ROOT, "evidence")? {
        Some((automerge::Value::Scalar(value), _)) => match value.as_ref() {
            automerge::ScalarValue::Bytes(bytes) => bytes.clone(),
            other => bail!("not bytes: {other:?}"),
        },
        other => bail!("no evidence: {other:?}"),
    };
    ensure!(
        kept == noise(LEN, 7),
        "{} bytes kept, not the ones sent",
        kept.len()
    );
    Ok(())
}

#[tokio::test]
async fn a_device_past_its_documents_per_hour_or_bytes_per_day_is_refused() -> Result<()> {
    let f = serve(Options {
        limits: SyncLimits {
            documents_per_hour: 3,
            ..test_limits()
        },
        ..Options::default()
    })
    .await?;
    let mut client = f.connect().await?;
    for i in 0..3 {
        let id = client.create(|doc| put_text(doc, "note", &format!("số {i}")))?;
        client.wait_synced(id).await?;
    }
    let fourth = client.create(|doc| put_text(doc, "note", "số 3"))?;
    let reason = refusal(client.outcome(fourth).await?)?;
    ensure!(reason.contains("3 tài liệu"), "{reason}");
    assert_eq!(f.store.load(&fourth.to_string()).await?, None);

    let f = serve(Options {
        limits: SyncLimits {
            bytes_per_day: 16 * 1024,
            ..test_limits()
        },
        ..Options::default()
    })
    .await?;
    let mut client = f.connect().await?;
    let id = client.create(|doc| put_text(doc, "note", "nhật ký"))?;
    client.wait_synced(id).await?;
    let mut refused = None;
    for i in 0..5 {
        client.change(id, |doc| {
            put_blob(doc, &format!("day{i}"), 6 * 1024, i + 10)
        })?;
        if let Offered::Refused(reason) = client.outcome(id).await? {
            refused = Some(reason);
            break;
        }
    }
    let reason = refused.context("the device stored past its daily bytes")?;
    ensure!(
        reason.contains("16384") && reason.contains("một ngày"),
        "{reason}"
    );
    Ok(())
}

#[tokio::test]
async fn connections_past_the_per_address_and_total_limits_are_refused() -> Result<()> {
    for (per_address, total, expected) in [(2, 100, "từ một địa chỉ"), (100, 2, "đủ giới hạn 2")]
    {
        let f = serve(Options {
            limits: SyncLimits {
                connections_per_address: per_address,
                max_connections: total,
                ..test_limits()
            },
            ..Options::default()
        })
        .await?;
        let first = f.connect().await?;
        let _second = f.connect().await?;
        let mut third = f.raw(None).await?;
        let error = error_then_close(&mut third, Duration::from_secs(10)).await?;
        ensure!(error.contains(expected), "{error}");
        // A place given back is taken again.
        first.close().await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match f.connect().await {
                Ok(_) => break,
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e.context("the freed place was not given back")),
            }
        }
    }
    Ok(())
}

/// A client that asks for documents and never reads what comes back.
async fn never_reads(f: &Fixture, ids: &[DocumentId]) -> Result<Socket> {
    let mut socket = f.raw(None).await?;
    socket.send(join_frame("never-reads")).await?;
    let empty = automerge::sync::Message::encode(
        AutoCommit::new()
            .sync()
            .generate_sync_message(&mut automerge::sync::State::new())
            .context("a first sync message")?,
    );
    for id in ids {
        let request = Message::Request {
            sender_id: PeerId::new("never-reads"),
            target_id: PeerId::new("server"),
            document_id: *id,
            data: empty.clone(),
        };
        socket
            .send(WsMessage::Binary(request.encode().into()))
            .await?;
    }
    Ok(socket)
}

use automerge::sync::SyncDoc;

/// Waits (10 s at most) until the hub holds `connections` connections.
async fn connections_until(sync: &SyncService, connections: usize) -> Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let stats = sync.stats().await.context("the hub stopped")?;
        if stats.connections == connections {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the hub still holds {stats:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn clients_that_never_read_are_dropped_by_bytes_or_by_time_and_others_keep_syncing()
-> Result<()> {
    // By bytes: one answer larger than the budget.
    let f = serve(Options {
        limits: SyncLimits {
            outgoing_bytes: 64 * 1024,
            ..test_limits()
        },
        ..Options::default()
    })
    .await?;
    let mut writer = f.connect().await?;
    let big = writer.create(|doc| put_blob(doc, "blob", 256 * 1024, 7))?;
    writer.wait_synced(big).await?;
    let _hog = never_reads(&f, &[big]).await?;
    // The writer's connection stays; the hog's goes.
    connections_until(&f.sync, 1).await?;
    writer.change(big, |doc| put_text(doc, "note", "vẫn chạy"))?;
    writer.wait_synced(big).await?;

    // By time: answers within the budget that a socket which is never read cannot take.
    let f = serve(Options {
        limits: SyncLimits {
            max_change_bytes: 4 * 1024 * 1024,
            max_document_bytes: 8 * 1024 * 1024,
            send_timeout: Duration::from_secs(1),
            ..test_limits()
        },
        ..Options::default()
    })
    .await?;
    let mut writer = f.connect().await?;
    let mut ids = Vec::new();
    for i in 0..8 {
        let id = writer.create(|doc| put_blob(doc, "blob", 1536 * 1024, 100 + i))?;
        writer.wait_synced(id).await?;
        ids.push(id);
    }
    let _hogs = [never_reads(&f, &ids).await?, never_reads(&f, &ids).await?];
    // While the hogs' sends block, the server still reads and answers the writer.
    let small = writer.create(|doc| put_text(doc, "note", "nhỏ"))?;
    writer.wait_synced(small).await?;
    connections_until(&f.sync, 1).await?;
    writer.change(small, |doc| put_text(doc, "note", "sau"))?;
    writer.wait_synced(small).await?;
    Ok(())
}

#[tokio::test]
async fn health_is_503_while_the_hub_is_stuck_and_200_after() -> Result<()> {
    let f = serve(Options::default()).await?;
    let body = f.health_until(200).await?;
    assert_eq!(body["hub"]["stuck"], false);
    // A load that does not come back holds the hub.
    f.faults.stall.store(true, Ordering::SeqCst);
    let mut client = f.connect().await?;
    let unknown = DocumentId::from_bytes([9; 16]);
    let asking = tokio::spawn(async move { client.fetch(unknown).await.map(|_| ()) });
    let body = f.health_until(503).await?;
    assert_eq!(body["hub"]["stuck"], true, "{body}");
    f.faults.stall.store(false, Ordering::SeqCst);
    f.health_until(200).await?;
    // The request is answered once the load comes back.
    let answer = asking.await?;
    ensure!(answer.is_err(), "an unknown document was found");
    Ok(())
}

#[tokio::test]
async fn writes_that_fail_make_health_503_and_the_store_is_used_again_without_a_restart()
-> Result<()> {
    let f = serve(Options::default()).await?;
    let mut client = f.connect().await?;
    let id = client.create(|doc| put_text(doc, "note", "đã lưu"))?;
    client.wait_synced(id).await?;

    // The file turns read-only: the change is refused (never confirmed), health says so.
    f.faults.failing.store(true, Ordering::SeqCst);
    client.change(id, |doc| put_text(doc, "later", "chờ lưu"))?;
    let outcome = client.outcome(id).await?;
    ensure!(matches!(outcome, Offered::Refused(_)), "{outcome:?}");
    let body = f.health_until(503).await?;
    let error = body["hub"]["write_error"].as_str().unwrap_or_default();
    ensure!(error.contains("readonly"), "{body}");

    // Writable again: the hub's probe finds out by itself, and the change comes in.
    f.faults.failing.store(false, Ordering::SeqCst);
    f.health_until(200).await?;
    let doc = client.document(id)?.clone();
    let mut again = f.connect().await?;
    again.insert_document(id, doc);
    again.wait_synced(id).await?;
    let stored = f.store.load(&id.to_string()).await?.context("stored")?;
    let stored = AutoCommit::load(&stored.bytes)?;
    assert_eq!(get_text(&stored, "note").as_deref(), Some("đã lưu"));
    assert_eq!(get_text(&stored, "later").as_deref(), Some("chờ lưu"));
    Ok(())
}
