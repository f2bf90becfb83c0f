// The browser half of `cargo xtask bench sync` (not a test: `node --test` never picks it
// up, and it asserts nothing about speed). The Rust benchmark loads a home into a SQLite
// file, stops its own server and runs this script, which:
//
// 1. starts the release `bedside` binary on that database (a free loopback port);
// 2. BENCH_SIGN_INS times (default 3), on a fresh Chromium profile each: opens the app
//    and waits for its service worker (so precaching the shell does not overlap the
//    sync), signs in and times, in the page, from the click on "Sign in" until the header
//    shows "as of" (the first sync has stored its last page in IndexedDB), counting the
//    requests and bytes the page saw through the DevTools protocol, then counts what
//    IndexedDB holds; the run with the median time is reported;
// 3. on the last profile, with the network off, opens residents' summaries one after
//    another from the list and times, in the page, from the click on the resident's link
//    until the banner and the summary's sections are in the DOM, and until the next frame
//    after that.
//
// It prints progress on stderr and the figures as one line `BENCH-RESULT {json}` on
// stdout. The app is measured from outside; nothing in it is changed.
//
// Environment: BEDSIDE_BIN (release server), BEDSIDE_DIST (built app), BENCH_DB (the
// loaded database), BENCH_USERNAME, BENCH_PASSWORD, BENCH_SIGN_INS (default 3),
// BENCH_SUMMARIES (default 30), CHROMIUM (default /usr/bin/chromium).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { launchBrowser, signIn, withDiagnostics, TEST_PIN } from '../support.mjs';

/** The first sync of a large home may take a while on a busy machine. */
const SYNC_TIMEOUT_MS = 300_000;
const SERVER_START_TIMEOUT_MS = 60_000;

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

function log(message) {
  process.stderr.write(`browser: ${message}\n`);
}

/**
 * Starts `bedside serve` on the given database (no demo data: it is already loaded) and
 * resolves with its URL and a `stop()`.
 */
async function startServer(bin, db, dist) {
  for (const [what, path] of [
    ['BEDSIDE_BIN', bin],
    ['BENCH_DB', db],
    ['BEDSIDE_DIST', dist],
  ]) {
    if (!existsSync(path)) throw new Error(`${what}: ${path} does not exist`);
  }
  const args = ['serve', '--db', db, '--addr', '127.0.0.1:0', '--assets', dist];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
  };
  const lines = createInterface({ input: child.stdout });
  let timer;
  const url = await Promise.race([
    new Promise((resolve) => {
      lines.on('line', (line) => {
        const match = /Bedside is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match) resolve(match[1]);
      });
    }),
    exited.then(() => null),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), SERVER_START_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!url) {
    await stop();
    throw new Error(`the server did not start: ${bin} ${args.join(' ')}\n${stderr}`);
  }
  return { url, stop };
}

/**
 * Counts the page's requests through the DevTools protocol: per request, the bytes of the
 * body on the wire (what the network delivered, less the response headers) and decoded.
 */
async function networkCounter(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    requests.set(e.requestId, {
      method: e.request.method,
      url: e.request.url,
      headerBytes: 0,
      decoded: 0,
    });
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    r.status = e.response.status;
    r.encoding = Object.entries(e.response.headers).find(
      ([k]) => k.toLowerCase() === 'content-encoding',
    )?.[1];
    r.headerBytes = e.response.encodedDataLength ?? 0;
  });
  cdp.on('Network.dataReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.decoded += e.dataLength;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.total = e.encodedDataLength;
  });
  return {
    reset() {
      requests = new Map();
    },
    summary() {
      const done = [...requests.values()].filter((r) => r.total !== undefined);
      const wire = done.reduce((n, r) => n + Math.max(0, r.total - r.headerBytes), 0);
      const encodings = [...new Set(done.map((r) => r.encoding ?? 'none'))].sort().join(', ');
      return {
        requests: done.length,
        unfinished: requests.size - done.length,
        syncRequests: done.filter((r) => new URL(r.url).pathname.startsWith('/api/v1/sync/'))
          .length,
        paths: done.map((r) => `${r.method} ${new URL(r.url).pathname}`),
        wireBytes: wire,
        wireBytesWithHeaders: done.reduce((n, r) => n + r.total, 0),
        bodyBytes: done.reduce((n, r) => n + r.decoded, 0),
        encodings,
      };
    },
    detach: () => cdp.detach(),
  };
}

/** "POST /api/v1/auth/login, GET /api/v1/sync/snapshot ×13, …" in the order first seen. */
function describePaths(paths) {
  const counts = new Map();
  for (const p of paths) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].map(([p, n]) => (n > 1 ? `${p} ×${n}` : p)).join(', ');
}

/** What the app's IndexedDB holds (read only once the app has created it). */
function readIndexedDb(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('bedside');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['entries', 'residents', 'meta'], 'readonly');
          const out = {};
          const entries = tx.objectStore('entries').count();
          entries.onsuccess = () => (out.entries = entries.result);
          const residents = tx.objectStore('residents').count();
          residents.onsuccess = () => (out.residents = residents.result);
          const cursor = tx.objectStore('meta').get('cursor');
          cursor.onsuccess = () => (out.cursor = cursor.result ?? null);
          const byPerson = tx.objectStore('entries').index('by_person');
          const counts = {};
          const walk = byPerson.openKeyCursor();
          walk.onsuccess = () => {
            const c = walk.result;
            if (c) {
              counts[c.key] = (counts[c.key] ?? 0) + 1;
              c.continue();
            }
          };
          tx.oncomplete = () => {
            db.close();
            resolve({ ...out, perPerson: counts });
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** Opens the app on a fresh profile and waits until its service worker is ready. */
async function openApp(url) {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(`${url}/`);
  // The shell is precached and the worker active before any clock starts.
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error('the service worker never became ready')), 60_000);
        navigator.serviceWorker.ready.then(() => resolve(true));
      }),
  );
  await page.getByLabel('Username', { exact: true }).waitFor();
  return { ...browser, page };
}

/** Chromium's version, e.g. "Chrome/156.0.8078.108". */
async function browserVersion(context, page) {
  try {
    const cdp = await context.newCDPSession(page);
    const v = await cdp.send('Browser.getVersion');
    await cdp.detach();
    return v.product;
  } catch {
    return undefined;
  }
}

/**
 * Enrols the tablet as a manager does (sign in, name it, choose a PIN) and times the
 * first sync, which starts when the PIN is saved; returns the figures and what IndexedDB
 * holds.
 */
async function firstSync(context, page, username, password) {
  await signIn(page, username, password);
  await page.getByLabel('Tablet name', { exact: true }).fill('Bench tablet');
  await page.getByRole('button', { name: 'Enrol this tablet', exact: true }).click();
  await page.getByLabel('New PIN', { exact: true }).fill(TEST_PIN);
  await page.getByLabel('PIN again', { exact: true }).fill(TEST_PIN);
  const network = await networkCounter(context, page);
  // In the page: from the click on "Save PIN" (the first sync starts when the tablet
  // has its data key) until "as of" is in the header. This includes wrapping the data
  // key under the PIN (PBKDF2, 600,000 iterations).
  const synced = page.evaluate(
    (timeout) =>
      new Promise((resolve, reject) => {
        let started;
        document.addEventListener(
          'click',
          (event) => {
            if (event.target.closest?.('button')) {
              started ??= performance.now();
            }
          },
          { capture: true },
        );
        const observer = new MutationObserver(() => {
          if (started !== undefined && document.querySelector('[data-testid="as-of"]')) {
            observer.disconnect();
            resolve(performance.now() - started);
          }
        });
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        setTimeout(() => reject(new Error('no "as of" in the header')), timeout);
      }),
    SYNC_TIMEOUT_MS,
  );
  const clicked = performance.now();
  await page.getByRole('button', { name: 'Save PIN', exact: true }).click();
  const ms = await synced;
  const outsideMs = performance.now() - clicked;
  const net = network.summary();
  // Left attached, a DevTools session can make the page think it is online when the
  // context is set offline (see offline.test.mjs).
  await network.detach();
  const idb = await readIndexedDb(page);
  log(
    `first sync: ${(ms / 1000).toFixed(2)} s, ${net.requests} requests, ` +
      `${idb.entries} entries in IndexedDB`,
  );
  log(`requests: ${describePaths(net.paths)}`);
  return {
    figures: {
      ms,
      outsideMs,
      requests: net.requests,
      unfinished: net.unfinished,
      syncRequests: net.syncRequests,
      paths: describePaths(net.paths),
      wireBytes: net.wireBytes,
      wireBytesWithHeaders: net.wireBytesWithHeaders,
      bodyBytes: net.bodyBytes,
      encodings: net.encodings,
      indexedDbEntries: idb.entries,
      indexedDbResidents: idb.residents,
      cursor: idb.cursor,
    },
    idb,
  };
}

/**
 * With the network off, opens `count` residents' summaries (spread through the list) one
 * after another, back to the list between them; times each in the page.
 */
async function summariesOffline(context, page, idb, count) {
  await context.setOffline(true);
  await page.getByTestId('offline-banner').waitFor();
  const list = 'ul[aria-label="Residents"] a[href^="/residents/"]';
  await page.waitForSelector(list);
  const hrefs = await page.$$eval(list, (links) => links.map((a) => a.getAttribute('href')));
  const step = Math.max(1, hrefs.length / Math.max(1, count));
  const chosen = [];
  for (let i = 0; chosen.length < Math.min(count, hrefs.length); i += 1) {
    chosen.push(hrefs[Math.floor(i * step)]);
  }
  const renderedMs = [];
  const paintedMs = [];
  const entryCounts = [];
  for (const href of chosen) {
    const timing = await page.evaluate(
      ({ href, list }) =>
        new Promise((resolve, reject) => {
          const link = [...document.querySelectorAll(list)].find(
            (a) => a.getAttribute('href') === href,
          );
          if (!link) {
            reject(new Error(`no link to ${href} in the list`));
            return;
          }
          // The banner, and the summary's last section (notes and observations; its id
          // was `recent-notes` before the recording screens).
          const ready = () =>
            location.pathname === href &&
            document.querySelector('section[aria-label="Resident banner"]') &&
            document.querySelector('#notes, #recent-notes');
          let started;
          const timer = setTimeout(() => reject(new Error(`${href} did not open`)), 30_000);
          const observer = new MutationObserver(() => {
            if (!ready()) return;
            const rendered = performance.now() - started;
            observer.disconnect();
            clearTimeout(timer);
            // The frame is drawn after the animation-frame callbacks; a task queued from
            // one runs once it has been.
            requestAnimationFrame(() =>
              setTimeout(() => resolve({ rendered, painted: performance.now() - started })),
            );
          });
          observer.observe(document.body, { childList: true, subtree: true });
          started = performance.now();
          link.click();
        }),
      { href, list },
    );
    renderedMs.push(timing.rendered);
    paintedMs.push(timing.painted);
    entryCounts.push(idb.perPerson[href.slice('/residents/'.length)] ?? 0);
    await page.click('a.back-link');
    await page.waitForSelector(list);
  }
  const sorted = [...renderedMs].sort((a, b) => a - b);
  log(
    `${renderedMs.length} summaries offline: median ` +
      `${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms`,
  );
  return {
    renderedMs,
    paintedMs,
    minEntries: Math.min(...entryCounts),
    maxEntries: Math.max(...entryCounts),
  };
}

async function main() {
  const bin = env('BEDSIDE_BIN');
  const dist = env('BEDSIDE_DIST');
  const db = env('BENCH_DB');
  const username = env('BENCH_USERNAME');
  const password = env('BENCH_PASSWORD');
  const summaries = Number(env('BENCH_SUMMARIES', '30'));
  const signIns = Math.max(1, Number(env('BENCH_SIGN_INS', '3')));

  const server = await startServer(bin, db, dist);
  let open;
  try {
    // Each first sync on a fresh profile; the summaries are opened on the last.
    const runs = [];
    let version;
    let summaryFigures;
    for (let i = 0; i < signIns; i += 1) {
      open = await openApp(server.url);
      const { context, page } = open;
      await withDiagnostics(page, async () => {
        version ??= await browserVersion(context, page);
        log(`signing in (${i + 1} of ${signIns})…`);
        const run = await firstSync(context, page, username, password);
        runs.push(run.figures);
        if (i === signIns - 1) {
          summaryFigures = await summariesOffline(context, page, run.idb, summaries);
        }
      });
      await open.close();
      open = undefined;
    }
    const byTime = [...runs].sort((a, b) => a.ms - b.ms);
    const result = {
      browser: version,
      signIn: byTime[Math.floor(byTime.length / 2)],
      signInMs: runs.map((r) => r.ms),
      signInRuns: runs,
      summaries: summaryFigures,
    };
    process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await open?.close();
    await server.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`browser benchmark failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
