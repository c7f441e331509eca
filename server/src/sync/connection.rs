//! One sync connection: a reader (this task) and a writer (its own task), so a client whose
//! socket accepts nothing never stops the server from reading it or anyone else.
//!
//! The hub queues frames without waiting ([`Outgoing::push`]); the queue budgets bytes, and
//! a client past the budget, or whose socket accepts nothing for
//! [`SyncLimits::send_timeout`], is dropped. The reader enforces the `join` and idle
//! timeouts; the writer pings every [`SyncLimits::ping_every`] so a live browser (which
//! answers pings by itself) is never idle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use shared::sync::{ConnectionId, Message, PeerId};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, timeout};

use super::limits::{LimitExceeded, Permit, SyncLimits};
use super::{CLOSE_POLICY, Event, SyncIdentity, SyncService};

/// How long a closed connection waits for the client's Close before the socket goes.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// What a connection's writer gets: a frame, or the word to close after what came before.
pub(super) enum Out {
    Frame(Vec<u8>),
    Close,
}

/// A sender's end of one connection's outgoing queue: the router and every document actor
/// the connection talks to hold one.
#[derive(Clone)]
pub(super) struct Link {
    frames: mpsc::UnboundedSender<Out>,
    /// Bytes queued and not yet accepted by the socket.
    queued: Arc<AtomicUsize>,
    budget: usize,
}

impl Link {
    /// Queues a frame; `false` if the client is over its byte budget or gone (then it
    /// must be dropped).
    pub(super) fn push(&self, frame: Vec<u8>) -> bool {
        let len = frame.len();
        if self.queued.load(Ordering::Relaxed) + len > self.budget {
            return false;
        }
        self.queued.fetch_add(len, Ordering::Relaxed);
        self.frames.send(Out::Frame(frame)).is_ok()
    }

    /// Closes the connection once what is queued before has been sent.
    pub(super) fn close(&self) {
        let _ = self.frames.send(Out::Close);
    }
}

/// The router's end of one connection: its queue, and the means to drop it at once.
pub(super) struct Outgoing {
    pub(super) link: Link,
    /// Fired to drop the client at once, without sending what is queued.
    abort: Option<oneshot::Sender<()>>,
}

impl Outgoing {
    pub(super) fn push(&self, frame: Vec<u8>) -> bool {
        self.link.push(frame)
    }

    /// Closes after what is queued.
    pub(super) fn close(self) {
        self.link.close();
    }

    /// Drops the client now: what is queued is not sent.
    pub(super) fn abort(mut self) {
        if let Some(abort) = self.abort.take() {
            let _ = abort.send(());
        }
    }
}

/// Sends `error` with `reason`, then closes: for a connection refused before the hub knew it.
async fn refuse(mut socket: WebSocket, reason: &LimitExceeded) {
    let error = Message::Error {
        sender_id: PeerId::new(format!("dicoso-server-{}", std::process::id())),
        message: reason.to_string(),
        target_id: PeerId::default(),
    };
    let _ = socket.send(WsMessage::Binary(error.encode().into())).await;
    let close = CloseFrame {
        code: CLOSE_POLICY,
        reason: "".into(),
    };
    let _ = socket.send(WsMessage::Close(Some(close))).await;
}

pub(super) async fn serve_connection(
    socket: WebSocket,
    service: SyncService,
    identity: SyncIdentity,
    permit: Result<Permit, LimitExceeded>,
) {
    let _permit = match permit {
        Ok(permit) => permit,
        Err(reason) => {
            tracing::warn!(
                limit = reason.name(),
                device = %identity.device_id,
                %reason,
                "sync connection refused"
            );
            return refuse(socket, &reason).await;
        }
    };
    let limits = service.limits.clone();
    let connection = ConnectionId(service.next_connection.fetch_add(1, Ordering::Relaxed));
    let (frames, outgoing) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let (abort, mut aborted) = oneshot::channel();
    let opened = Event::Opened {
        connection,
        identity,
        link: Outgoing {
            link: Link {
                frames,
                queued: queued.clone(),
                budget: limits.outgoing_bytes,
            },
            abort: Some(abort),
        },
    };
    if service.events.send(opened).await.is_err() {
        return;
    }
    let (sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(write(sink, outgoing, queued, limits.clone()));
    let mut joined = false;
    let mut heard = Instant::now();
    // Set once we asked the hub to close us: from then on we only wait for the writer.
    let mut closing = false;
    let mut abort_armed = true;
    loop {
        let patience = if joined {
            limits.idle_timeout
        } else {
            limits.join_timeout
        };
        tokio::select! {
            biased;
            fired = &mut aborted, if abort_armed => {
                abort_armed = false;
                if fired.is_ok() {
                    tracing::info!(?connection, "sync client too slow: disconnected");
                    break;
                }
            }
            ended = &mut writer => {
                if let Ok(Some(why)) = ended {
                    tracing::info!(?connection, why, "sync client dropped");
                    break;
                }
                // Close sent: let the client read what came before it and answer Close
                // (were the socket gone at once, its replies to our pings would fail and
                // it might never read the `error`).
                let _ = timeout(CLOSE_GRACE, async {
                    while let Some(Ok(message)) = stream.next().await {
                        if matches!(message, WsMessage::Close(_)) {
                            break;
                        }
                    }
                })
                .await;
                break;
            }
            incoming = timeout(patience.saturating_sub(heard.elapsed()), stream.next()), if !closing => {
                let event = match incoming {
                    Err(_) => {
                        let seconds = patience.as_millis().div_ceil(1000) as u64;
                        let reason = if joined {
                            LimitExceeded::Idle { seconds }
                        } else {
                            LimitExceeded::JoinTimeout { seconds }
                        };
                        closing = true;
                        Event::Limit { connection, reason }
                    }
                    Ok(Some(Ok(WsMessage::Binary(bytes)))) => {
                        joined = true;
                        heard = Instant::now();
                        Event::Frame { connection, frame: bytes.into() }
                    }
                    Ok(Some(Ok(WsMessage::Text(_)))) => Event::Refused {
                        connection,
                        reason: "text frames are not part of the protocol; send binary CBOR",
                    },
                    // Pongs prove a joined client is there; they never stand in for `join`.
                    Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => {
                        if joined {
                            heard = Instant::now();
                        }
                        continue;
                    }
                    // Closed, broken, or over the size limit (the WebSocket layer refuses it).
                    Ok(Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None) => break,
                };
                if service.events.send(event).await.is_err() {
                    break;
                }
            }
        }
    }
    writer.abort();
    let _ = service.events.send(Event::Closed { connection }).await;
}

/// Writes what the hub queues, and pings; ends (with why, if the client failed) when the
/// hub lets go of the connection or the socket fails or stalls.
async fn write(
    mut sink: SplitSink<WebSocket, WsMessage>,
    mut frames: mpsc::UnboundedReceiver<Out>,
    queued: Arc<AtomicUsize>,
    limits: Arc<SyncLimits>,
) -> Option<&'static str> {
    let mut ping = tokio::time::interval_at(Instant::now() + limits.ping_every, limits.ping_every);
    loop {
        let (message, len) = tokio::select! {
            frame = frames.recv() => match frame {
                Some(Out::Frame(frame)) => {
                    let len = frame.len();
                    (WsMessage::Binary(frame.into()), len)
                }
                // The hub let go (Close): everything it queued before has been sent.
                Some(Out::Close) | None => {
                    let close = CloseFrame { code: CLOSE_POLICY, reason: "".into() };
                    let _ = timeout(limits.send_timeout, sink.send(WsMessage::Close(Some(close)))).await;
                    return None;
                }
            },
            _ = ping.tick() => (WsMessage::Ping(Vec::new().into()), 0),
        };
        match timeout(limits.send_timeout, sink.send(message)).await {
            Ok(Ok(())) => {
                queued.fetch_sub(len, Ordering::Relaxed);
            }
            Ok(Err(_)) => return Some("socket broken"),
            Err(_) => return Some("socket accepted nothing within the send timeout"),
        }
    }
}
