// Issue 5: the tablet keeps its session alive with refresh tokens, and ends it at sign-out.
//
// The server issues one-minute access tokens here (`--token-ttl-minutes 1`). A carer signs
// in; the test waits until that first access token has expired (the server refuses it),
// then writes a care note: it is confirmed by the server without a second sign-in, and the
// app never showed the sign-in screen or the "sign-in has expired" notice meanwhile. Then
// sign-out: the refresh token the tablet held just before is refused by the server, and
// the tablet no longer holds a session (it is back on the sign-in screen, and the server
// refuses the refresh token it last held).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  api,
  apiToken,
  escapeRegExp,
  fullName,
  launchBrowser,
  residentList,
  startOnTablet,
  startServer,
  waitForText,
  withDiagnostics,
} from './support.mjs';

/**
 * Watches the tablet's sign-ins and refreshes on the wire (the session itself is sealed in
 * IndexedDB, so the test reads what the server answered): `latest()` is the newest pair
 * the tablet was given, `signIns` counts password sign-ins.
 */
function watchSessions(page) {
  const seen = { latestPair: null, signIns: 0 };
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (response.status() !== 200) return;
    if (path !== '/api/v1/auth/login' && path !== '/api/v1/auth/refresh') return;
    try {
      const body = await response.json();
      if (path === '/api/v1/auth/login') seen.signIns += 1;
      seen.latestPair = body;
    } catch {
      // A body the page did not keep: the next answer will do.
    }
  });
  return seen;
}

/**
 * Notes in the page whether the sign-in form or the "sign-in has expired" notice is ever
 * shown from now on (until the page is reloaded).
 */
async function watchForSignIn(page) {
  await page.evaluate(() => {
    window.__bedsideAskedToSignIn = false;
    const check = () => {
      const form = document.getElementById('username');
      const notice = /sign-in has expired/i.test(document.body?.innerText ?? '');
      if (form || notice) window.__bedsideAskedToSignIn = true;
    };
    new MutationObserver(check).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
    });
    check();
  });
}

/** A current resident whose name no one else in the home shares. */
function uniqueResident(records) {
  const names = new Map();
  for (const r of records.residents) {
    names.set(fullName(r), (names.get(fullName(r)) ?? 0) + 1);
  }
  return records.residents
    .filter((r) => names.get(fullName(r)) === 1)
    .sort((a, b) => fullName(a).localeCompare(fullName(b)))[0];
}

test(
  'an expired access token is refreshed without asking staff to sign in; sign-out ends the session',
  { timeout: 300_000 },
  async (t) => {
    const server = await startServer(['--token-ttl-minutes', '1']);
    t.after(() => server.stop());
    const tablet = await launchBrowser();
    t.after(() => tablet.close());
    const page = await tablet.context.newPage();

    const records = await api(server, 'GET', '/api/v1/records', {
      token: await apiToken(server, 'oak.carer'),
    });
    assert.equal(records.status, 200);
    const resident = uniqueResident(records.json);
    assert.ok(resident, 'the demo home has a resident with a name of their own');
    const noteText = `Chatted about the garden after lunch, e2e ${Date.now()}`;

    await withDiagnostics(page, async () => {
      await page.goto(`${server.url}/`);
      const sessions = watchSessions(page);
      await startOnTablet(page, 'oak.carer');
      await residentList(page);
      await waitForText(page.getByTestId('as-of'), /as of \d{2}:\d{2}/);
      await watchForSignIn(page);

      // The manager enrolled the tablet, then the carer signed in: the carer's pair.
      assert.equal(sessions.signIns, 2, 'two password sign-ins: the manager, then the carer');
      const first = sessions.latestPair;
      assert.equal(first?.staff?.username, 'oak.carer', 'the carer is signed in');
      assert.equal(typeof first.token, 'string');
      assert.equal(typeof first.refresh_token, 'string', 'with its refresh token');
      assert.ok(first.refresh_expires_at, 'and the end of the session');

      // Wait until the server no longer takes the access token the tablet signed in
      // with (it lives one minute).
      const expired = Date.parse(first.expires_at) + 2_000 - Date.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expired)));
      const refused = await api(server, 'GET', '/api/v1/sync/status', { token: first.token });
      assert.equal(refused.status, 401, 'the first access token has expired');

      // Write a care note: it reaches the server with no second sign-in.
      const list = await residentList(page);
      const name = fullName(resident);
      await page.getByLabel('Search residents by name or room', { exact: true }).fill(name);
      await list.getByRole('link', { name: new RegExp(`^\\s*${escapeRegExp(name)}\\b`) }).click();
      await page.waitForURL(`**/residents/${resident.id}`);
      await page.getByRole('link', { name: 'Add note', exact: true }).click();
      await page
        .getByRole('group', { name: 'Category' })
        .getByLabel('Social', { exact: true })
        .check();
      await page.getByLabel('Note', { exact: true }).fill(noteText);
      await page.getByRole('button', { name: 'Save note', exact: true }).click();
      await page.waitForURL(`**/residents/${resident.id}`);
      await waitForText(
        page.getByTestId('recorded-item').filter({ hasText: noteText }).getByTestId('item-state'),
        /^\s*Confirmed\s*$/,
        60_000,
      );

      assert.equal(
        await page.evaluate(() => window.__bedsideAskedToSignIn),
        false,
        'the app never asked to sign in again',
      );
      const now = sessions.latestPair;
      assert.equal(sessions.signIns, 2, 'no further password sign-in');
      assert.equal(now.staff.username, 'oak.carer', 'the same member of staff');
      assert.notEqual(now.token, first.token, 'with a new access token');
      assert.notEqual(now.refresh_token, first.refresh_token, 'and a new refresh token');

      // Sign out: the tablet ends the session on the server. The manager still has a PIN
      // here, so the tablet locks rather than wiping itself.
      const before = sessions.latestPair;
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'Bedside is locked', exact: true }).waitFor();
      assert.equal(
        await page.getByRole('button', { name: /^\s*oak\.carer\b/ }).count(),
        0,
        'the carer is no longer offered on the lock screen',
      );
      const traded = await api(server, 'POST', '/api/v1/auth/refresh', {
        body: { refresh_token: before.refresh_token },
      });
      assert.equal(traded.status, 401, 'the refresh token is refused after sign-out');
      assert.ok(
        ['unauthenticated', 'session_revoked'].includes(traded.json.code),
        `refused as ended, not as expired: ${traded.json.code}`,
      );
    });

    // The note is on the server exactly once.
    const token = await apiToken(server, 'oak.carer');
    const answer = await api(server, 'GET', `/api/v1/residents/${resident.id}`, { token });
    assert.equal(answer.status, 200);
    const notes = answer.json.entries.filter(
      (e) => e.body.kind === 'care_note' && e.body.text === noteText,
    );
    assert.equal(notes.length, 1, 'the care note is on the server exactly once');
  },
);
