// The reference for `dicoso bench-sync --compare` (issue 10): the stock automerge-repo
// sync server, as automerge-repo-sync-server builds it: a `Repo` with a
// `WebSocketServerAdapter` on a `ws` server (noServer, upgrades from an HTTP server), a
// file-system storage adapter, `sharePolicy` false (it answers, never announces).
//
//   node reference-server.mjs DATA_DIR      prints "listening on http://127.0.0.1:PORT/"
//
// The storage adapter is NodeFSStorageAdapter's code (@automerge/automerge-repo-storage-
// nodefs 2.x) copied here, because that package is not among the ones the interop test
// installs and nothing may download at run time: one file per key under DATA_DIR, the key's
// first part split after two characters, an in-memory cache of every value written or
// read (never emptied), `writeFile` without fsync.

import fs from "node:fs"
import http from "node:http"
import path from "node:path"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { WebSocketServer } from "ws"

class NodeFSStorageAdapter {
  constructor(baseDirectory) {
    this.baseDirectory = baseDirectory
    this.cache = {}
  }

  async load(keyArray) {
    const key = getKey(keyArray)
    if (this.cache[key]) return this.cache[key]
    try {
      const content = await fs.promises.readFile(this.getFilePath(keyArray))
      return new Uint8Array(content)
    } catch (error) {
      if (error.code === "ENOENT") return undefined
      throw error
    }
  }

  async save(keyArray, binary) {
    this.cache[getKey(keyArray)] = binary
    const filePath = this.getFilePath(keyArray)
    await fs.promises.mkdir(path.dirname(filePath), { recursive: true })
    await fs.promises.writeFile(filePath, binary)
  }

  async remove(keyArray) {
    delete this.cache[getKey(keyArray)]
    try {
      await fs.promises.unlink(this.getFilePath(keyArray))
    } catch (error) {
      if (error.code !== "ENOENT") throw error
    }
  }

  async loadRange(keyPrefix) {
    const dirPath = this.getFilePath(keyPrefix)
    const cachedKeys = this.cachedKeys(keyPrefix)
    const diskFiles = await walkdir(dirPath)
    const diskKeys = diskFiles.map(fileName => {
      const k = getKey([path.relative(this.baseDirectory, fileName)])
      return k.slice(0, 2) + k.slice(3)
    })
    const allKeys = [...new Set([...cachedKeys, ...diskKeys])]
    return Promise.all(
      allKeys.map(async keyString => {
        const key = keyString.split(path.sep)
        return { data: await this.load(key), key }
      }),
    )
  }

  async removeRange(keyPrefix) {
    this.cachedKeys(keyPrefix).forEach(key => delete this.cache[key])
    await fs.promises.rm(this.getFilePath(keyPrefix), { recursive: true, force: true })
  }

  cachedKeys(keyPrefix) {
    const prefix = getKey(keyPrefix)
    return Object.keys(this.cache).filter(key => key.startsWith(prefix))
  }

  getFilePath(keyArray) {
    const [firstKey, ...remainingKeys] = keyArray
    const firstKeyDir = path.join(this.baseDirectory, firstKey.slice(0, 2), firstKey.slice(2))
    return path.join(firstKeyDir, ...remainingKeys)
  }
}

const getKey = key => path.join(...key)

async function walkdir(dirPath) {
  try {
    const entries = await fs.promises.readdir(dirPath, { withFileTypes: true })
    const files = await Promise.all(
      entries.map(entry => {
        const subpath = path.resolve(dirPath, entry.name)
        return entry.isDirectory() ? walkdir(subpath) : subpath
      }),
    )
    return files.flat()
  } catch (error) {
    if (error.code === "ENOENT") return []
    throw error
  }
}

const [dataDir] = process.argv.slice(2)
if (!dataDir) {
  console.error("usage: node reference-server.mjs DATA_DIR")
  process.exit(2)
}
fs.mkdirSync(dataDir, { recursive: true })

const socket = new WebSocketServer({ noServer: true })
const server = http.createServer((request, response) => {
  response.writeHead(200, { "content-type": "text/plain" })
  response.end("👍 automerge-repo sync server (reference)\n")
})
// Kept alive for the server's lifetime, as the sync server does.
const adapter = new WebSocketServerAdapter(socket)
const repo = new Repo({
  network: [adapter],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: `storage-server-reference-${process.pid}`,
  sharePolicy: async () => false,
})
server.on("upgrade", (request, stream, head) => {
  socket.handleUpgrade(request, stream, head, ws => socket.emit("connection", ws, request))
})
// The repo connects its adapter only once its storage id is loaded; a socket accepted
// before would find no handler.
await repo.storageId()
await new Promise(resolve => setTimeout(resolve, 100))
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address()
  console.log(`listening on http://127.0.0.1:${port}/`)
})
const stop = () => {
  repo.shutdown?.()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
