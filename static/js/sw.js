// The service worker of the table pages: served as /sw.js (scope "/") by capture/routes.py,
// which fills in VERSION (a hash of the assets) and PRECACHE (the assets' URLs).
//
// Role pages (/verslag/…, /deelnemer/…, the minute-taker's /notulen/…): network first, the last good copy when offline, so
// that a reload without a network still opens the page (its script then restores what this
// browser kept). Their static files (PRECACHE): cache first (they change only with a new
// VERSION). Everything else, other pages' files and the live connection, is left alone.

const VERSION = "__VERSION__";
const PRECACHE = ["__PRECACHE__"];
const CACHE = `facilitator-${VERSION}`;
const ROLE_PAGE = /^\/(verslag|deelnemer|notulen)\/[^/]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.filter((url) => url.startsWith("/"))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((key) => key.startsWith("facilitator-") && key !== CACHE).map((key) => caches.delete(key))),
      )
      .then(() => self.clients.claim()),
  );
});

function pageKey(url) {
  const clean = new URL(url);
  clean.search = "";
  clean.hash = "";
  return clean.href;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(pageKey(request.url), response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(pageKey(request.url));
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && ROLE_PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (PRECACHE.includes(url.pathname)) {
    // only the table pages' own assets: other pages' files always come from the network
    event.respondWith(cacheFirst(request));
  }
});

// a page opened before this worker controlled it asks to be kept for an offline reload
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "cache-page") return;
  const reply = (ok) => event.ports[0] && event.ports[0].postMessage({ ok });
  const url = new URL(data.url, self.location.origin);
  if (url.origin !== self.location.origin || !ROLE_PAGE.test(url.pathname)) {
    reply(false);
    return;
  }
  event.waitUntil(
    caches
      .open(CACHE)
      .then(async (cache) => {
        const response = await fetch(url.href, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) return false;
        await cache.put(pageKey(url.href), response);
        return true;
      })
      .catch(() => false)
      .then(reply),
  );
});
