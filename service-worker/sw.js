// Bedside's service worker: a thin classic script in front of the Rust worker
// (service-worker/src). It must stay a classic script: browsers only dispatch events to
// handlers registered while the script first runs, and a module worker with top-level
// await never starts.
//
// The build tool (cargo xtask dist) replaces the next line, which must stay the only line
// that starts this way, with this build's id and the list of every file in dist/. The
// default below lets a hand-assembled dist/ work; its id never changes, so old caches are
// only replaced by a real build.
const BUILD = {"id":"dev","precache":["/","/index.html","/boot.js","/styles.css","/manifest.webmanifest","/icons/icon-192.png","/icons/icon-512.png","/icons/icon-maskable-512.png","/app/bedside_frontend.js","/app/bedside_frontend_bg.wasm","/sw/bedside_sw.js","/sw/bedside_sw_bg.wasm"]};

// Both must match bedside_sw::precache (CACHE_PREFIX, WASM_PATH); the crate's tests check.
const CACHE_NAME = 'bedside-shell-' + BUILD.id;
const WASM_PATH = '/sw/bedside_sw_bg.wasm';

// The wasm-bindgen glue (--target no-modules) defines `wasm_bindgen`. Scripts imported on
// the first run are stored with the registration, so this works offline too.
importScripts('/sw/bedside_sw.js');

let shell = null; // the started ShellWorker
let starting = null; // the start in progress, or its outcome
let broken = false; // the wasm could not be loaded: every request goes to the network

// The wasm itself is not stored with the registration, so it is read from this build's
// cache on every start, and from the network only before the first install has cached it.
async function loadWasm() {
  let response = await caches.match(WASM_PATH, { cacheName: CACHE_NAME });
  if (response === undefined) {
    response = await fetch(WASM_PATH, { cache: 'no-cache' });
  }
  await wasm_bindgen({ module_or_path: response });
}

function start() {
  if (starting === null) {
    starting = loadWasm().then(() => {
      shell = new wasm_bindgen.ShellWorker(BUILD.id, BUILD.precache);
      return shell;
    });
    starting.catch((error) => {
      // The browser stops an idle worker soon and the next start tries again.
      broken = true;
      console.error('Bedside service worker: not started, requests go to the network.', error);
    });
  }
  return starting;
}

// Start loading now, so the first event finds the wasm on its way.
start();

self.addEventListener('install', (event) => {
  event.waitUntil(start().then((worker) => worker.install()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(start().then((worker) => worker.activate()));
});

// Background Sync: the app registers this tag after each local write, and the browser
// fires it when it sees a network, even after the app was closed. The run is the app's
// own (bedside-client); a rejection makes the browser try again later. The app never
// depends on it: it syncs by itself whenever it is open.
const SYNC_TAG = 'bedside-sync';

self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) {
    event.waitUntil(start().then((worker) => worker.sync()));
  }
});

// The app's pages send the tablet's data key when someone unlocks it ({type:
// 'bedside-key', key, staff}) and take it away when it locks or someone signs out
// ('bedside-lock', 'bedside-forget'). The worker keeps it in memory only; without it,
// Background Sync runs are skipped.
self.addEventListener('message', (event) => {
  const handled = start().then((worker) => worker.message(event.data));
  if (typeof event.waitUntil === 'function') {
    event.waitUntil(handled);
  }
});

// Rust's answer for a request, or undefined to leave it to the browser. Should the wasm
// ever fail (a panic aborts it), the worker steps aside rather than break the page.
function answer(worker, request) {
  try {
    return worker.handle(request);
  } catch (error) {
    shell = null;
    broken = true;
    console.error('Bedside service worker: failed, requests go to the network.', error);
    return undefined;
  }
}

self.addEventListener('fetch', (event) => {
  if (shell !== null) {
    // Started: Rust decides now, and what it leaves alone the browser fetches itself.
    const response = answer(shell, event.request);
    if (response !== undefined) {
      event.respondWith(response);
    }
    return;
  }
  if (broken) {
    return;
  }
  // Still starting: the answer must be promised now, and is decided once Rust runs.
  event.respondWith(
    start().then(
      (worker) => answer(worker, event.request) ?? fetch(event.request),
      () => fetch(event.request),
    ),
  );
});
