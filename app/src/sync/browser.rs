//! The sync task in the browser: one task owning the client hub, the WebSocket and the
//! IndexedDB writes (see the parent module).

use super::{Link, retry_delay_ms};

mod documents;
use crate::local::{self, LocalStore};
use crate::on_demand::NotLoaded;
use automerge::{AutoCommit, ChangeHash};
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use indexed_db_futures::database::Database;
use leptos::prelude::*;
use leptos::wasm_split::wasm_split;
use shared::doc::{CadreCode, GENESIS_ACTOR, UPGRADE_ACTOR};
use shared::sync::{
    Action, ConnectionId, DocumentId, PeerId, PeerMetadata, ProtocolError, SyncHub, TrustServer,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// The one connection: to the server this page came from.
const SERVER: ConnectionId = ConnectionId(1);

enum Event {
    Opened(u64),
    Frame(u64, Vec<u8>),
    Closed(u64, String),
    Retry(u64),
    Online,
    Offline,
    LocalChange(DocumentId),
    /// A page wants these documents kept in sync (an office page about another cadre).
    Want(Vec<DocumentId>),
    /// Every [`CHECK_EVERY_MS`] and when the page is shown again: is the link alive?
    Tick,
}

/// A socket can look open long after the phone moved to another cell (a half-open
/// TCP connection); the protocol has no ping, so the link is checked this often.
const CHECK_EVERY_MS: i32 = 30_000;
/// How long the check may take before the link counts as dead.
const CHECK_TIMEOUT_MS: i32 = 10_000;

thread_local! {
    static EVENTS: RefCell<Option<UnboundedSender<Event>>> = const { RefCell::new(None) };
    /// Documents a page wanted before the sync task started: handed to it at start.
    static WANTED: RefCell<Vec<DocumentId>> = const { RefCell::new(Vec::new()) };
}

fn send(event: Event) {
    EVENTS.with(|events| {
        if let Some(events) = events.borrow().as_ref() {
            let _ = events.unbounded_send(event);
        }
    });
}

/// A document was changed and saved on this device: offer the change to the server.
pub fn local_change(document: DocumentId) {
    send(Event::LocalChange(document));
}

/// A page needs these documents (an office page about a cadre it reviews): sync the ones
/// this device holds, and ask the server for the others. The server sends only those the
/// person may read.
pub fn want(documents: Vec<DocumentId>) {
    let started = EVENTS.with(|events| events.borrow().is_some());
    if started {
        send(Event::Want(documents));
    } else {
        WANTED.with(|wanted| wanted.borrow_mut().extend(documents));
    }
}

/// Starts the sync task of `cadre`'s documents for this page (once), from a module of
/// its own: Năm nay does not wait for it (issue 9).
#[wasm_split(sync, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn start(store: LocalStore, cadre: CadreCode) -> Result<(), NotLoaded> {
    let (events, inbox) = unbounded();
    let first = EVENTS.with(|slot| slot.borrow_mut().replace(events).is_none());
    if !first {
        return Ok(());
    }
    let Some(window) = web_sys::window() else {
        return Ok(());
    };
    for (name, event) in [("online", true), ("offline", false)] {
        let listener = Closure::<dyn Fn()>::new(move || {
            send(if event { Event::Online } else { Event::Offline })
        });
        let _ = window.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        // Lives as long as the page.
        listener.forget();
    }
    let tick = Closure::<dyn Fn()>::new(|| send(Event::Tick));
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
        tick.as_ref().unchecked_ref(),
        CHECK_EVERY_MS,
    );
    if let Some(document) = window.document() {
        let _ = document
            .add_event_listener_with_callback("visibilitychange", tick.as_ref().unchecked_ref());
    }
    tick.forget();
    leptos::task::spawn_local(async move {
        let db = match local::browser::db().await {
            Ok(db) => db,
            Err(problem) => {
                store.sync.error.set(Some(problem.to_string()));
                return;
            }
        };
        let peer = window
            .crypto()
            .map(|c| c.random_uuid())
            .unwrap_or_else(|_| format!("{}", js_sys::Math::random()));
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(false),
        };
        let mut pump = Pump {
            hub: SyncHub::new(
                PeerId::new(format!("dicoso-web-{peer}")),
                metadata,
                TrustServer,
            ),
            db,
            store,
            cadre: None,
            socket: None,
            generation: 0,
            attempt: 0,
            server_heads: BTreeMap::new(),
            unavailable: BTreeSet::new(),
            refused: BTreeSet::new(),
            refusal: None,
            synced_once: false,
        };
        if let Some(last) = local::browser::last_sync(&pump.db).await {
            store.sync.last_synced.set(Some(last));
        }
        pump.set_cadre(cadre).await;
        let wanted = WANTED.with(|wanted| std::mem::take(&mut *wanted.borrow_mut()));
        pump.want(wanted).await;
        pump.connect();
        pump.refresh_status().await;
        pump.run(inbox).await;
    });
    Ok(())
}

struct Socket {
    ws: WebSocket,
    /// The handlers, dropped (and detached) with the socket.
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

struct Pump {
    hub: SyncHub<TrustServer>,
    db: Database,
    store: LocalStore,
    cadre: Option<CadreCode>,
    socket: Option<Socket>,
    /// Counts sockets, so events of an old socket are told apart and ignored.
    generation: u64,
    /// Failed attempts since the last handshake: sets the backoff.
    attempt: u32,
    /// What the server last confirmed it has, per document.
    server_heads: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Documents we asked for that the server did not have: asked again each tick,
    /// since another device of the cadre may have brought them since.
    unavailable: BTreeSet<DocumentId>,
    /// Documents whose changes the server refused: not offered again on this page.
    refused: BTreeSet<DocumentId>,
    /// The server's last refusal, kept in view across reconnections.
    refusal: Option<String>,
    synced_once: bool,
}

impl Pump {
    async fn run(mut self, mut inbox: futures::channel::mpsc::UnboundedReceiver<Event>) {
        while let Some(event) = inbox.next().await {
            self.handle(event).await;
            self.execute().await;
            self.refresh_status().await;
        }
    }

    async fn handle(&mut self, event: Event) {
        match event {
            Event::Opened(g) if g == self.generation => self.hub.connect(SERVER, ()),
            Event::Frame(g, frame) if g == self.generation => self.hub.handle_frame(SERVER, &frame),
            Event::Closed(g, reason) if g == self.generation => {
                self.disconnected(&reason);
            }
            Event::Retry(g) if g == self.generation && self.socket.is_none() => self.connect(),
            Event::Online => {
                self.attempt = 0;
                if self.socket.is_none() {
                    self.connect();
                }
            }
            Event::Offline => {
                // Do not wait for a dead socket to time out: the phone says it is offline.
                self.drop_socket();
                self.store.sync.link.set(Link::Offline);
            }
            Event::LocalChange(document) => self.reload(document).await,
            Event::Want(documents) => self.want(documents).await,
            Event::Tick => self.check_link(),
            _ => {} // from a socket we have already given up on
        }
    }

    /// Reconnects if no socket is up (a lost timer, a missed `online` event); else asks
    /// again for the documents the server lacked, and asks `/api/health` whether the
    /// socket still reaches the server: if not within [`CHECK_TIMEOUT_MS`], it is given
    /// up as an [`Event::Closed`].
    fn check_link(&mut self) {
        if self.socket.is_none() {
            return self.connect();
        }
        for document in std::mem::take(&mut self.unavailable) {
            self.hub.request(document);
        }
        let generation = self.generation;
        let link = self.store.sync.link;
        leptos::task::spawn_local(async move {
            match health_answers().await {
                ServerHealth::NoAnswer => send(Event::Closed(
                    generation,
                    "máy chủ không phản hồi".to_owned(),
                )),
                // The socket still reaches the server: keep it, but say it is unwell.
                ServerHealth::Unwell if link.get_untracked() == Link::Online => {
                    link.set(Link::ServerTrouble);
                }
                ServerHealth::Well if link.get_untracked() == Link::ServerTrouble => {
                    link.set(Link::Online);
                }
                ServerHealth::Unwell | ServerHealth::Well => {}
            }
        });
    }

    fn connect(&mut self) {
        self.drop_socket();
        let Some(window) = web_sys::window() else {
            return;
        };
        if !window.navigator().on_line() {
            self.store.sync.link.set(Link::Offline);
            return;
        }
        let location = window.location();
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss:",
            _ => "ws:",
        };
        let host = location.host().unwrap_or_default();
        // The token rides as a subprotocol (docs/access.md): no token, no connection.
        let Some(protocols) = crate::account::browser::sync_protocols() else {
            self.store
                .sync
                .link
                .set(crate::account::browser::link_without_token());
            return;
        };
        self.generation += 1;
        let generation = self.generation;
        let url = format!("{scheme}//{host}/sync");
        let ws = match WebSocket::new_with_str_sequence(&url, &protocols) {
            Ok(ws) => ws,
            Err(_) => return self.disconnected("không mở được kết nối"),
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| send(Event::Opened(generation)));
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Ok(e) = e.dyn_into::<MessageEvent>() else {
                return;
            };
            if let Ok(buffer) = e.data().dyn_into::<js_sys::ArrayBuffer>() {
                let frame = js_sys::Uint8Array::new(&buffer).to_vec();
                send(Event::Frame(generation, frame));
            }
        });
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let reason = e
                .dyn_into::<CloseEvent>()
                .map(|c| c.reason())
                .unwrap_or_default();
            send(Event::Closed(generation, reason))
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.socket = Some(Socket {
            ws,
            _handlers: vec![on_open, on_message, on_close],
        });
        self.store.sync.link.set(Link::Connecting);
    }

    fn drop_socket(&mut self) {
        if let Some(socket) = self.socket.take() {
            socket.ws.set_onopen(None);
            socket.ws.set_onmessage(None);
            socket.ws.set_onclose(None);
            let _ = socket.ws.close();
            self.hub.closed(SERVER);
        }
    }

    /// The socket is gone: say so, and try again later (sooner when the network
    /// comes back: [`Event::Online`]).
    fn disconnected(&mut self, reason: &str) {
        self.drop_socket();
        let online = web_sys::window().is_some_and(|w| w.navigator().on_line());
        self.store.sync.link.set(if online {
            Link::ServerUnreachable
        } else {
            Link::Offline
        });
        if !reason.is_empty() {
            log(&format!("sync: connection closed: {reason}"));
        }
        if online {
            // A refused upgrade looks like any failed socket: ask the server why.
            crate::account::browser::check_device(self.store.sync);
        }
        let delay = retry_delay_ms(self.attempt, js_sys::Math::random());
        self.attempt = self.attempt.saturating_add(1);
        let generation = self.generation;
        let retry = Closure::once_into_js(move || send(Event::Retry(generation)));
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                retry.unchecked_ref(),
                delay as i32,
            );
        }
    }

    /// Carries out the hub's actions in order, each write awaited before the next.
    async fn execute(&mut self) {
        let mut changed = false;
        while let Some(action) = self.hub.poll_action() {
            match action {
                Action::Send { frame, .. } => {
                    if let Some(socket) = &self.socket {
                        let _ = socket.ws.send_with_u8_array(&frame);
                    }
                }
                Action::Persist { document, chunk } => {
                    let id = document.to_string();
                    if let Err(problem) = local::browser::append_chunk(&self.db, &id, &chunk).await
                    {
                        // Not on the device: memory must not stay ahead of it. The hub
                        // drops its copy and the connection (queued `Close`); the stored
                        // copy goes back in, and the next connection fetches the
                        // change again.
                        self.store.sync.error.set(Some(problem.to_string()));
                        self.hub.forget(&document);
                        self.reload(document).await;
                        continue;
                    }
                    self.server_heads.entry(document).or_default();
                    changed = true;
                }
                Action::Load { document } => {
                    // The server only answers what we asked about; should it still
                    // bring a document we do not hold, read ours (if any) first.
                    let doc = match local::browser::read_doc(&self.db, &document.to_string()).await
                    {
                        Ok((bytes, n)) if n > 0 => AutoCommit::load(&bytes).ok(),
                        _ => None,
                    };
                    self.hub.loaded(document, doc);
                }
                Action::Connected { .. } => {
                    self.attempt = 0;
                    self.store.sync.link.set(Link::Online);
                    self.store.sync.error.set(self.refusal.clone());
                    crate::account::browser::connected();
                }
                Action::Close { reason, .. } => {
                    // After `forget`, the storage error already says what went wrong.
                    if !matches!(reason, ProtocolError::Forgotten(_)) {
                        self.store.sync.error.set(Some(describe(&reason)));
                    }
                    self.disconnected(&reason.to_string());
                    if let Some(document) = super::refused_document(&reason) {
                        // Offering it again would only be refused again.
                        self.refused.insert(document);
                        self.refusal = Some(describe(&reason));
                        self.hub.forget(&document);
                        self.server_heads.remove(&document);
                    }
                }
                Action::Unavailable { document, .. } => {
                    self.unavailable.insert(document);
                }
            }
        }
        if changed {
            self.store.refresh().await;
        }
    }

    /// Counts the changes the server has not confirmed and notes a completed sync.
    async fn refresh_status(&mut self) {
        if self.cadre.is_none() {
            // Nothing of this device's is synced before it knows its cadre.
            return;
        }
        let ids: Vec<DocumentId> = self.server_heads.keys().copied().collect();
        // `unsynced` counts people's edits (not the shared first changes: genesis and
        // schema upgrade), `pending` every change: the sync is complete only when
        // nothing at all is pending.
        let (mut unsynced, mut pending) = (0, 0);
        for id in ids {
            if let Some(theirs) = self.hub.remote_heads(SERVER, &id)
                && self.server_heads.get(&id) != Some(&theirs)
            {
                let _ = local::browser::save_server_heads(&self.db, &id, &theirs).await;
                self.server_heads.insert(id, theirs);
            }
            let known = self.server_heads.get(&id).cloned().unwrap_or_default();
            if let Some(doc) = self.hub.document_mut(&id) {
                let known: Vec<ChangeHash> = known
                    .into_iter()
                    .filter(|h| doc.get_change_by_hash(h).is_some())
                    .collect();
                let changes = doc.get_changes_meta(&known);
                pending += changes.len();
                unsynced += changes
                    .iter()
                    .filter(|c| {
                        let actor = c.actor.to_bytes();
                        actor != GENESIS_ACTOR && actor != UPGRADE_ACTOR
                    })
                    .count();
            }
        }
        self.store.sync.unsynced.set(Some(unsynced));
        let online = self.store.sync.link.get_untracked() == Link::Online;
        if online && pending == 0 && !self.pending_requests() {
            let now = js_sys::Date::now();
            // A write per minute at most while connected and idle.
            let last = self.store.sync.last_synced.get_untracked().unwrap_or(0.0);
            if !self.synced_once || now - last > 60_000.0 {
                self.synced_once = true;
                self.store.sync.last_synced.set(Some(now));
                let _ = local::browser::meta_put(&self.db, "last-sync", now.into()).await;
            }
        } else if pending > 0 {
            self.synced_once = false;
        }
    }

    /// Whether a document we asked for has had no answer yet.
    fn pending_requests(&self) -> bool {
        self.server_heads
            .keys()
            .any(|id| self.hub.remote_heads(SERVER, id).is_none())
    }
}

/// What `/api/health` says within [`CHECK_TIMEOUT_MS`].
enum ServerHealth {
    Well,
    /// It answered 503: reachable, but its sync is stuck or its writes fail.
    Unwell,
    NoAnswer,
}

/// Asks `/api/health`, within [`CHECK_TIMEOUT_MS`]. (The service worker never answers
/// `/api/` from its cache.)
async fn health_answers() -> ServerHealth {
    let Some(window) = web_sys::window() else {
        return ServerHealth::NoAnswer;
    };
    let Ok(controller) = web_sys::AbortController::new() else {
        return ServerHealth::NoAnswer;
    };
    let abort = Closure::once_into_js({
        let controller = controller.clone();
        move || controller.abort()
    });
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        abort.unchecked_ref(),
        CHECK_TIMEOUT_MS,
    );
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    init.set_cache(web_sys::RequestCache::NoStore);
    let request = window.fetch_with_str_and_init("/api/health", &init);
    let response = wasm_bindgen_futures::JsFuture::from(request)
        .await
        .ok()
        .and_then(|r| r.dyn_into::<web_sys::Response>().ok());
    match response {
        Some(r) if r.ok() => ServerHealth::Well,
        Some(r) if r.status() == 503 => ServerHealth::Unwell,
        _ => ServerHealth::NoAnswer,
    }
}

/// The reason a sync connection was refused, for the user.
fn describe(reason: &ProtocolError) -> String {
    match reason {
        // Already a sentence for the user.
        ProtocolError::Remote(message) if super::refused_document(reason).is_some() => {
            message.clone()
        }
        ProtocolError::Remote(message) => format!("Máy chủ từ chối đồng bộ: {message}"),
        other => format!("Lỗi đồng bộ: {other}"),
    }
}

fn log(message: &str) {
    web_sys::console::warn_1(&message.into());
}
