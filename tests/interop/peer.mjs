// A stock automerge-repo peer (the npm packages, unmodified) for tests/tests/interop.rs.
//
//   node peer.mjs ws://127.0.0.1:PORT/sync create      creates { note: "từ Node" }, waits
//                                                       until the server serves it, prints its URL
//   node peer.mjs ws://127.0.0.1:PORT/sync fetch URL   prints the document as JSON
//
// Exit code 0 on success; anything else is reported on stderr.

import { Repo, isValidAutomergeUrl } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const PATIENCE_MS = 15_000

const [serverUrl, mode, documentUrl] = process.argv.slice(2)

const connect = () =>
  new Repo({ network: [new WebSocketClientAdapter(serverUrl, 500)] })

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function withDeadline(what, promise) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), PATIENCE_MS)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

// Finds the document through a fresh repo (its own connection); retries while the
// server does not have it yet.
async function fetchFromServer(url, accept) {
  const deadline = Date.now() + PATIENCE_MS
  for (;;) {
    const repo = connect()
    try {
      const handle = await withDeadline(`finding ${url}`, repo.find(url))
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
  if (mode === "create") {
    const repo = connect()
    const handle = repo.create({ note: "từ Node" })
    // Done only when another connection can read it back from the server.
    await fetchFromServer(handle.url, doc => doc.note === "từ Node")
    await repo.shutdown()
    console.log(handle.url)
  } else if (mode === "fetch" && isValidAutomergeUrl(documentUrl)) {
    const doc = await fetchFromServer(documentUrl, () => true)
    console.log(JSON.stringify(doc))
  } else {
    throw new Error("usage: node peer.mjs SERVER_URL (create | fetch AUTOMERGE_URL)")
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  },
)
