// Shared helpers for the browser end-to-end tests: the real `bedside` server on a loopback
// port with a fresh database, headless Chromium on a fresh profile, and small waits on
// conditions (playwright-core has no `expect`).
//
// Environment:
//   BEDSIDE_BIN   the built server binary (default: <repo>/target/debug/bedside)
//   BEDSIDE_DIST  the built app directory (default: <repo>/dist)
//   CHROMIUM      the browser (default: /usr/bin/chromium)

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEMO_PASSWORD = 'demo-password';

/** How long the server may take to seed the demo data and start listening. */
const SERVER_START_TIMEOUT_MS = 120_000;
/** How long the UI may take for any one step (first loads compile a few hundred KB of wasm). */
export const STEP_TIMEOUT_MS = 30_000;

// The flags every headless Chromium on these machines runs with (see helper-common.md).
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function required(name, fallback) {
  const value = process.env[name] || fallback;
  if (!existsSync(value)) {
    throw new Error(
      `${name} is ${process.env[name] ? 'set to' : 'not set, and the default'} ${value}, ` +
        'which does not exist. Build the server and the app first (cargo xtask dist), or ' +
        'set BEDSIDE_BIN and BEDSIDE_DIST.',
    );
  }
  return value;
}

/** A fresh temporary directory, removed by the returned `remove`. */
export async function tempDir(prefix) {
  const dir = await mkdtemp(path.join(tmpdir(), `bedside-e2e-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts `bedside serve --demo` on a free loopback port with a fresh database and resolves
 * once it says where it listens.
 *
 * - `stop()` ends it and deletes its database, in every outcome; calling it twice is
 *   harmless.
 * - `halt()` ends it and keeps the database, as a power cut or a restart would.
 * - `restart()` starts it again on the same database and the same port, so a tablet's
 *   origin (and with it its IndexedDB and service worker) stays the same.
 *
 * `extraArgs` are added to `bedside serve`'s arguments, on every start (e.g.
 * `['--token-ttl-minutes', '1']`).
 */
export async function startServer(extraArgs = []) {
  const bin = required('BEDSIDE_BIN', path.join(REPO, 'target', 'debug', 'bedside'));
  const dist = required('BEDSIDE_DIST', path.join(REPO, 'dist'));
  const temp = await tempDir('server');
  const db = path.join(temp.dir, 'e2e.db');
  let running;
  try {
    running = await launch(bin, dist, db, '127.0.0.1:0', extraArgs);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  const server = {
    url: running.url,
    halt: async () => {
      await running.kill();
    },
    restart: async () => {
      await running.kill();
      running = await launch(bin, dist, db, new URL(server.url).host, extraArgs);
    },
    stop: async () => {
      await running.kill();
      await temp.remove();
    },
  };
  return server;
}

/** One run of the server on `db`, listening on `addr`; `kill()` ends it (idempotent). */
async function launch(bin, dist, db, addr, extraArgs = []) {
  const args = ['serve', '--db', db, '--addr', addr, '--demo', '--assets', dist, ...extraArgs];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // If this process dies before kill() runs, the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  // Keep the end of stderr to explain a failed start; both pipes are drained throughout
  // so the server never blocks on a full pipe.
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawnFailed = new Promise((resolve) => child.once('error', resolve));

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
  };

  const lines = createInterface({ input: child.stdout });
  const listening = new Promise((resolve) => {
    lines.on('line', (line) => {
      const match = /Bedside is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(match[1]);
    });
  });
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), SERVER_START_TIMEOUT_MS);
  });

  const outcome = await Promise.race([
    listening.then((url) => ({ url })),
    exited.then((status) => ({ exited: status })),
    spawnFailed.then((error) => ({ error })),
    timedOut.then(() => ({ timedOut: true })),
  ]);
  clearTimeout(timer);
  if (outcome.url) {
    return { url: outcome.url, kill };
  }
  await kill();
  const why = outcome.error
    ? `could not be started: ${outcome.error.message}`
    : outcome.exited
      ? `exited (${JSON.stringify(outcome.exited)}) before listening`
      : `did not say it was listening within ${SERVER_START_TIMEOUT_MS / 1000} s`;
  throw new Error(`The server ${bin} ${args.join(' ')} ${why}.\n--- its stderr ---\n${stderr}`);
}

/**
 * Headless Chromium on a fresh profile. `close()` ends it and deletes the profile.
 */
export async function launchBrowser() {
  const profile = await tempDir('profile');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
      headless: true,
      locale: 'en-GB',
      timezoneId: 'Europe/London',
    });
  } catch (error) {
    await profile.remove();
    throw error;
  }
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const close = async () => {
    await context.close().catch(() => {});
    await profile.remove();
  };
  return { context, close };
}

/** Signs in through the sign-in form. */
export async function signIn(page, username, password) {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The PIN the tests' staff set on a tablet (synthetic, like everything here). */
export const TEST_PIN = '246810';

/** Fills the "Choose a PIN" form and saves it. */
export async function choosePin(page, pin = TEST_PIN) {
  await page.getByLabel('New PIN', { exact: true }).fill(pin);
  await page.getByLabel('PIN again', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Save PIN', exact: true }).click();
}

/**
 * Enrols the tablet the page is on, as a manager does: signs in on the unenrolled tablet,
 * names it, and sets the manager's PIN. Ends unlocked as the manager.
 */
export async function enrolTablet(page, { manager = 'oak.manager', name = 'Trolley 1', pin = TEST_PIN } = {}) {
  await signIn(page, manager, DEMO_PASSWORD);
  await page.getByLabel('Tablet name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Enrol this tablet', exact: true }).click();
  await choosePin(page, pin);
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
}

/** Locks the tablet with the header's "Lock" button and waits for the lock screen. */
export async function lockTablet(page) {
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.getByRole('heading', { name: 'Bedside is locked', exact: true }).waitFor();
}

/**
 * Signs `username` in online on an enrolled tablet: from the lock screen through "Sign in
 * with password", then sets their PIN if they have none here yet. Ends unlocked.
 */
export async function signInOnTablet(page, username, { password = DEMO_PASSWORD, pin = TEST_PIN } = {}) {
  const withPassword = page.getByRole('button', { name: 'Sign in with password', exact: true });
  if (await withPassword.isVisible()) await withPassword.click();
  await signIn(page, username, password);
  const choose = page.getByLabel('New PIN', { exact: true });
  const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
  await choose.or(signOut).first().waitFor();
  if (await choose.isVisible()) await choosePin(page, pin);
  await signOut.waitFor();
}

/**
 * From a fresh profile on the app's page: a manager enrols the tablet (named `tablet`),
 * then (unless it is the manager) `username` signs in and sets a PIN. Ends unlocked as
 * `username`.
 */
export async function startOnTablet(page, username, { tablet = 'Trolley 1', ...options } = {}) {
  await enrolTablet(page, { name: tablet });
  if (username !== 'oak.manager') {
    await lockTablet(page);
    await signInOnTablet(page, username, options);
  }
}

/** Unlocks the locked tablet as `username` with their PIN. */
export async function unlock(page, username, pin = TEST_PIN) {
  await page.getByRole('heading', { name: 'Bedside is locked', exact: true }).waitFor();
  await page.getByRole('button', { name: new RegExp(`^\\s*${escapeRegExp(username)}\\b`) }).click();
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
}

/**
 * Navigates to `url` (a full page load) and, if the load locked the tablet (the data key
 * lives only in memory), unlocks it as `username`.
 */
export async function openAt(page, url, username, pin = TEST_PIN) {
  await page.goto(url);
  const locked = page.getByRole('heading', { name: 'Bedside is locked', exact: true });
  const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
  await locked.or(signOut).first().waitFor();
  if (await locked.isVisible()) await unlock(page, username, pin);
}

/**
 * Every row of every object store of the app's IndexedDB, as the browser holds it (no
 * decryption): `{ store: [row, …] }`, with typed arrays and keys turned into text so a
 * search of the result sees every byte that could hold a name.
 */
export function rawIndexedDb(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('bedside');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = [...db.objectStoreNames];
          const out = {};
          if (names.length === 0) {
            db.close();
            resolve(out);
            return;
          }
          const tx = db.transaction(names);
          const plain = (value) => {
            if (value instanceof ArrayBuffer) return plain(new Uint8Array(value));
            if (ArrayBuffer.isView(value)) {
              const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
              return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
            }
            if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) {
              return `[CryptoKey ${value.algorithm.name} extractable=${value.extractable}]`;
            }
            if (Array.isArray(value)) return value.map(plain);
            if (value && typeof value === 'object') {
              return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
            }
            return value;
          };
          for (const name of names) {
            const all = tx.objectStore(name).getAll();
            all.onsuccess = () => {
              out[name] = all.result.map(plain);
            };
          }
          tx.oncomplete = () => {
            db.close();
            resolve(out);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** The resident list, once it shows at least one resident. */
export async function residentList(page) {
  const list = page.getByRole('list', { name: 'Residents', exact: true });
  await list.getByRole('listitem').first().waitFor();
  return list;
}

/**
 * Waits until the locator's text matches `pattern`, then returns the text. On timeout the
 * error says what the text was instead.
 */
export async function waitForText(locator, pattern, timeout = STEP_TIMEOUT_MS) {
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
  } catch (error) {
    const actual = await locator
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => '(element not found)');
    throw new Error(`Expected text matching ${pattern}, found: ${JSON.stringify(actual)}`, {
      cause: error,
    });
  }
  return locator.filter({ hasText: pattern }).first().textContent();
}

/** Escapes text for use inside a RegExp. */
export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Calls the server's API from the test itself (Node's fetch), as a script would. */
export async function api(server, method, route, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(server.url + route, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${route} answered ${response.status} with a body that is not JSON`);
  }
  return { status: response.status, json };
}

/** Signs in with the API and returns the token. */
export async function apiToken(server, username, password = DEMO_PASSWORD) {
  const { status, json } = await api(server, 'POST', '/api/v1/auth/login', {
    body: { username, password },
  });
  if (status !== 200 || typeof json.token !== 'string') {
    throw new Error(`API sign-in as ${username} answered ${status} (${json.code ?? 'no code'})`);
  }
  return json.token;
}

/** A resident's "Given Family", as the list and the banner show it. */
export function fullName(resident) {
  return `${resident.name.given} ${resident.name.family}`;
}

function isCurrent(entry) {
  return (entry.status ?? 'current') !== 'entered_in_error';
}

/**
 * From a `GET /api/v1/records` answer, a resident whose banner must warn of both an
 * active allergy and a DNACPR decision: `{ resident, substances }`, or undefined.
 * Residents whose name another resident shares are passed over, so a search by name
 * finds exactly one.
 */
export function residentWithAllergyAndDnacpr(records) {
  const names = new Map();
  for (const resident of records.residents) {
    names.set(fullName(resident), (names.get(fullName(resident)) ?? 0) + 1);
  }
  const candidates = [];
  for (const resident of records.residents) {
    const entries = records.entries.filter((e) => e.person_id === resident.id && isCurrent(e));
    const substances = entries
      .filter((e) => e.body.kind === 'allergy' && e.body.clinical_status === 'active')
      .map((e) => e.body.substance.text);
    const plans = entries.filter((e) => e.body.kind === 'advance_care_plan');
    const dnacpr = plans.length > 0 && plans.every((e) => e.body.cpr === 'not_for_cpr');
    if (substances.length > 0 && dnacpr && names.get(fullName(resident)) === 1) {
      candidates.push({ resident, substances });
    }
  }
  candidates.sort((a, b) => fullName(a.resident).localeCompare(fullName(b.resident)));
  return candidates[0];
}

/**
 * Runs `steps`; when they fail, adds what the page showed and what the browser reported
 * to the error, so a failure in CI explains itself. (Demo data only: nothing real.)
 */
export async function withDiagnostics(page, steps) {
  const messages = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      messages.push(`console.${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => messages.push(`page error: ${error.message}`));
  try {
    return await steps();
  } catch (error) {
    // A page stuck on a browser error screen may never answer: do not wait for ever.
    const text = await Promise.race([
      page.evaluate(() => document.body?.innerText ?? '').catch(() => '(the page is gone)'),
      new Promise((resolve) => {
        setTimeout(() => resolve('(the page did not answer)'), 5_000).unref();
      }),
    ]);
    error.message +=
      `\n--- the page at ${page.url()} showed ---\n${text.slice(0, 3_000)}` +
      `\n--- browser messages ---\n${messages.slice(-30).join('\n') || '(none)'}`;
    throw error;
  }
}
