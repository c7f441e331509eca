// dicoso's service worker. `cargo xtask dist` fills in the build's version and the list
// of everything to precache; each build gets a cache of its own.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `dicoso-${VERSION}`;
const PAGES = new Set(__PAGES__);
// A page from the network must arrive within this long, or the cached one is shown.
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // All at once (the browser queues them): the areas loaded on demand are dozens of files.
    await Promise.all(PRECACHE.map(async (url) => {
      const response = await fetch(url, { cache: "no-cache" });
      if (!response.ok) throw new Error(`precache ${url}: HTTP ${response.status}`);
      // A page of another build would load assets this cache does not hold.
      const build = response.headers.get("x-dicoso-build");
      if (PAGES.has(url) && build !== VERSION) throw new Error(`precache ${url}: build ${build}`);
      await cache.put(url, response);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("dicoso-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

// The page (a route pattern of PAGES) that serves `path`: the path itself, else the
// pattern whose `:name` segments match any one segment of it ("/chuyen-di/:id" serves
// "/chuyen-di/8f3…"; its HTML depends on the route only).
function pageFor(path) {
  if (PAGES.has(path)) return path;
  const parts = path.split("/");
  for (const pattern of PAGES) {
    const want = pattern.split("/");
    if (want.length === parts.length &&
        want.every((w, i) => w.startsWith(":") ? parts[i] !== "" : w === parts[i])) return pattern;
  }
  return null;
}

async function page(request) {
  const url = new URL(request.url);
  const key = pageFor(url.pathname);
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    // Keep only pages of this build, so the cache never pairs a page with foreign assets.
    if (response.ok && response.headers.get("x-dicoso-build") === VERSION && key !== null) {
      await cache.put(key, response.clone());
    }
    return response;
  } catch (_) {
    const cached = key === null ? undefined : await cache.match(key);
    if (cached) return cached;
    return new Response(
      "<!DOCTYPE html><html lang=vi><meta charset=utf-8><title>dicoso</title>" +
      "<p>Không có kết nối và trang này chưa được lưu trên máy. <a href=\"/\">Về trang Năm nay</a></p>",
      { status: 503, headers: { "content-type": "text/html; charset=utf-8" } },
    );
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Live data (health, sync) never comes from a cache.
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/sync")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
    return;
  }
  event.respondWith((async () => {
    const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
    return cached || fetch(request);
  })());
});
