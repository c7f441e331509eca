// A stock automerge-repo peer (the npm packages, unmodified) for tests/tests/interop.rs.
//
//   node peer.mjs SERVER_URL fetch URL        prints the document as JSON
//   node peer.mjs SERVER_URL try-fetch URL    prints the document as JSON, or "unavailable"
//                                             if the server will not give it (4 s)
//   node peer.mjs SERVER_URL change URL       changes the document (its own actor, which no
//                                             device registered) and prints "sent", or
//                                             "unavailable" if it cannot get it
//
// SERVER_URL may carry a device token as its password (ws://device:TOKEN@127.0.0.1:PORT/sync):
// Node's `ws` then sends it as HTTP Basic authentication, which dicoso accepts.
// Exit code 0 on success; anything else is reported on stderr.

import { Repo, isValidAutomergeUrl } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const PATIENCE_MS = 15_000
const SHORT_MS = 4_000

const [serverUrl, mode, documentUrl] = process.argv.slice(2)

const connect = () =>
  new Repo({ network: [new WebSocketClientAdapter(serverUrl, 500)] })

// Automerge gives unsigned integers (`schema`) as BigInt, which JSON cannot print.
const toJson = doc =>
  JSON.stringify(doc, (_, value) => (typeof value === "bigint" ? Number(value) : value))

// A server that refuses the upgrade (no token, a bad one: 401) makes the stock adapter
// throw from an event handler, out of reach of any try; for a peer that only tries, that
// is the answer "unavailable".
process.on("uncaughtException", error => {
  if (mode !== "fetch" && /Unexpected server response: 40[13]/.test(String(error?.message))) {
    console.log("unavailable")
    process.exit(0)
  }
  console.error(error)
  process.exit(1)
})

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function withDeadline(what, promise, ms = PATIENCE_MS) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

// Finds the document through a fresh repo (its own connection); retries while the
// server does not have it yet.
async function fetchFromServer(url, accept, patience = PATIENCE_MS) {
  const deadline = Date.now() + patience
  for (;;) {
    const repo = connect()
    try {
      const handle = await withDeadline(`finding ${url}`, repo.find(url), patience)
      const doc = handle.doc()
      if (accept(doc)) return doc
    } catch (error) {
      if (Date.now() > deadline) throw error
    } finally {
      await repo.shutdown()
    }
    if (Date.now() > deadline) throw new Error(`${url} never arrived as expected`)
    await sleep(200)
  }
}

async function main() {
  if (!isValidAutomergeUrl(documentUrl)) {
    throw new Error("usage: node peer.mjs SERVER_URL (fetch | try-fetch | change) AUTOMERGE_URL")
  }
  if (mode === "fetch") {
    const doc = await fetchFromServer(documentUrl, () => true)
    console.log(toJson(doc))
  } else if (mode === "try-fetch") {
    try {
      const doc = await fetchFromServer(documentUrl, () => true, SHORT_MS)
      console.log(toJson(doc))
    } catch {
      console.log("unavailable")
    }
  } else if (mode === "change") {
    const repo = connect()
    let handle
    try {
      handle = await withDeadline(`finding ${documentUrl}`, repo.find(documentUrl), SHORT_MS)
    } catch {
      await repo.shutdown()
      console.log("unavailable")
      return
    }
    handle.change(doc => {
      doc.note = "ghi từ Node"
    })
    // Give the change time to go out; the server answers (or refuses) meanwhile.
    await sleep(1_500)
    await repo.shutdown()
    console.log("sent")
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  },
)
