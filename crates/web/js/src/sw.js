// The verifier page's service worker (/verify/sw.js, scope /verify): the page and its assets
// stay available with the network cut.
//
// * precached at install: the page, its stylesheet and scripts (pdf.js included), the manifest
//   and the icon;
// * network first, cache as fallback: /verify (the page) and /verify/offline-bundle.json (the
//   offline data; the page also keeps it in IndexedDB);
// * cache first: /assets/* (versioned by their ETag; refreshed in the background).
//
// POST requests (verifications) are never cached: they go to the network, and the page
// verifies CV1 QR texts itself when the network fails.

const CACHE = 'civitas-verify-v1';
const PRECACHE = [
  '/verify',
  '/verify/manifest.webmanifest',
  '/verify/offline-bundle.json',
  '/assets/civitas.css',
  '/assets/verify.css',
  '/assets/verify-app.js',
  '/assets/pdf.mjs',
  '/assets/pdf.worker.mjs',
  '/assets/icon.svg',
  '/assets/icon-192.png',
  '/assets/icon-512.png',
];
const NETWORK_FIRST = ['/verify', '/verify/', '/verify/offline-bundle.json', '/verify/manifest.webmanifest'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One missing file must not stop the others from being cached.
    await Promise.all(PRECACHE.map(async (url) => {
      try {
        const response = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
        if (response.ok) await cache.put(url, response);
      } catch {
        // offline at install: cached on the next visit
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('civitas-verify-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const refresh = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => null);
    return cached;
  }
  return refresh;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NETWORK_FIRST.includes(url.pathname)) {
    // The page with any query string falls back to the cached page.
    const key = url.pathname.startsWith('/verify/') && url.pathname !== '/verify/' ? url.pathname : '/verify';
    event.respondWith(networkFirst(request, key));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request));
  }
});
