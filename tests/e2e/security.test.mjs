// Issue 5: a shared tablet made safe.
//
// - What the tablet keeps in IndexedDB is sealed: after a sync and a care note, the raw
//   rows hold no resident's name, NHS number or note text, and no token.
// - A wrong PIN five times locks that person out until they sign in online again.
// - Left idle for the default five minutes, the tablet locks itself and shows nothing of
//   the home.
// - Views made offline are queued (sealed) on the tablet, survive a restart, and reach the
//   server's access log exactly once after reconnecting; a manager sees them on the
//   Access log page and can download them as CSV.
// - A manager revokes a tablet on the Tablets page; at its next contact the tablet wipes
//   its records and forgets its enrolment.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import {
  api,
  apiToken,
  escapeRegExp,
  fullName,
  launchBrowser,
  lockTablet,
  rawIndexedDb,
  residentList,
  signIn,
  signInOnTablet,
  startOnTablet,
  startServer,
  unlock,
  waitForText,
  withDiagnostics,
  DEMO_PASSWORD,
  TEST_PIN,
} from './support.mjs';

/** The home's records as the server holds them, read as a script would. */
async function homeRecords(server) {
  const answer = await api(server, 'GET', '/api/v1/records', {
    token: await apiToken(server, 'oak.carer'),
  });
  assert.equal(answer.status, 200);
  return answer.json;
}

/** A current resident whose name no one else in the home shares (first by name). */
function uniqueResident(records, skip = 0) {
  const names = new Map();
  for (const r of records.residents) {
    names.set(fullName(r), (names.get(fullName(r)) ?? 0) + 1);
  }
  return records.residents
    .filter((r) => names.get(fullName(r)) === 1)
    .sort((a, b) => fullName(a).localeCompare(fullName(b)))[skip];
}

/** Opens a resident's summary from the list (a view of their record). */
async function openResident(page, resident) {
  const list = await residentList(page);
  const name = fullName(resident);
  await page.getByLabel('Search residents by name or room', { exact: true }).fill(name);
  await list.getByRole('link', { name: new RegExp(`^\\s*${escapeRegExp(name)}\\b`) }).click();
  await page.waitForURL(`**/residents/${resident.id}`);
  await page.getByRole('region', { name: 'Resident banner', exact: true }).waitFor();
}

/** Back from a summary to the list, inside the app (no page load). */
async function backToList(page) {
  await page.getByRole('link', { name: /All residents/ }).click();
  await residentList(page);
}

/** The access log's events about one resident, as the server holds them. */
async function accessLog(server, person) {
  const answer = await api(server, 'GET', `/api/v1/audit?person=${person}`, {
    token: await apiToken(server, 'oak.manager'),
  });
  assert.equal(answer.status, 200);
  return answer.json.events;
}

/** Waits (polling the server) until `check(events)` holds for a resident's access log. */
async function waitForLog(server, person, check, what, timeout = 60_000) {
  const end = Date.now() + timeout;
  let events = [];
  while (Date.now() < end) {
    events = await accessLog(server, person);
    if (check(events)) return events;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: the access log held ${JSON.stringify(events, null, 1)}`);
}

test(
  'the tablet stores nothing readable, and five wrong PINs lock a person out',
  { timeout: 300_000 },
  async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const tablet = await launchBrowser();
    t.after(() => tablet.close());
    const page = await tablet.context.newPage();
    const records = await homeRecords(server);
    const resident = uniqueResident(records);
    assert.ok(resident, 'the demo home has a resident with a name of their own');
    const noteText = `Enjoyed the quiz and asked for more tea, e2e ${Date.now()}`;

    // Every token the server hands the tablet, to look for them afterwards.
    const tokens = [];
    page.on('response', async (response) => {
      if (!/\/api\/v1\/auth\/(login|refresh)$/.test(new URL(response.url()).pathname)) return;
      const body = await response.json().catch(() => null);
      if (body?.token) tokens.push(body.token, body.refresh_token);
      if (body?.device_unlock_key) tokens.push(body.device_unlock_key);
    });

    await withDiagnostics(page, async () => {
      await page.goto(`${server.url}/`);
      await startOnTablet(page, 'oak.carer');
      await waitForText(page.getByTestId('as-of'), /as of \d{2}:\d{2}/);

      await openResident(page, resident);
      await page.getByRole('link', { name: 'Add note', exact: true }).click();
      await page
        .getByRole('group', { name: 'Category' })
        .getByLabel('Social', { exact: true })
        .check();
      await page.getByLabel('Note', { exact: true }).fill(noteText);
      await page.getByRole('button', { name: 'Save note', exact: true }).click();
      await waitForText(
        page.getByTestId('recorded-item').filter({ hasText: noteText }).getByTestId('item-state'),
        /^\s*Confirmed\s*$/,
        60_000,
      );

      // The raw rows, as anyone holding a copy of the browser's storage would read them
      // through JavaScript.
      const raw = await rawIndexedDb(page);
      const text = JSON.stringify(raw);
      const entries = raw.entries ?? [];
      assert.ok(
        entries.length > 100,
        `the tablet holds the home's record (${entries.length} entry rows)`,
      );
      assert.ok((raw.residents ?? []).length >= 20, 'and its residents');
      assert.ok(!text.includes(noteText), 'no note text');
      for (const r of records.residents) {
        for (const part of [fullName(r), r.name.family, r.nhs_number]) {
          assert.ok(!text.includes(part), `no resident name or NHS number (${r.id})`);
        }
      }
      assert.ok(tokens.length >= 3, 'the tablet was given tokens');
      for (const token of tokens) {
        assert.ok(!text.includes(token), 'no access, refresh or unlock token');
      }

      // Four wrong PINs count down; the fifth locks the carer out of this tablet.
      await lockTablet(page);
      assert.equal(
        await page.getByRole('list', { name: 'Residents', exact: true }).count(),
        0,
        'nothing of the home is shown while locked',
      );
      await page.getByRole('button', { name: /^\s*oak\.carer\b/ }).click();
      const pin = page.getByLabel('PIN', { exact: true });
      const unlockButton = page.getByRole('button', { name: 'Unlock', exact: true });
      for (const left of ['4 tries left', '3 tries left', '2 tries left', '1 try left']) {
        await pin.fill('999999');
        await unlockButton.click();
        await waitForText(
          page.getByRole('alert'),
          new RegExp(`That PIN is not right\\. ${left}\\.`),
        );
      }
      await pin.fill('999999');
      await unlockButton.click();
      await waitForText(
        page.getByRole('alert'),
        /Too many wrong PINs\. Sign in with your password to use this tablet again\./,
      );
      // The right PIN no longer opens it.
      if (await pin.isVisible()) {
        await pin.fill(TEST_PIN);
        await unlockButton.click();
        assert.equal(
          await page.getByRole('button', { name: 'Sign out', exact: true }).isVisible(),
          false,
          'the right PIN does not unlock a locked-out person',
        );
      }

      // Signing in online ends the lockout: the carer chooses a PIN again, and is back
      // where the tablet locked.
      await signInOnTablet(page, 'oak.carer');
      await page.getByRole('region', { name: 'Resident banner', exact: true }).waitFor();
    });
  },
);

test('the tablet locks itself after five idle minutes', { timeout: 180_000 }, async (t) => {
  const server = await startServer();
  t.after(() => server.stop());
  const tablet = await launchBrowser();
  t.after(() => tablet.close());
  const page = await tablet.context.newPage();
  // The page's clock is the test's: five minutes pass without waiting for them.
  await page.clock.install();

  await withDiagnostics(page, async () => {
    await page.goto(`${server.url}/`);
    await startOnTablet(page, 'oak.carer');
    await residentList(page);

    await page.clock.fastForward('04:00');
    assert.equal(
      await page.getByRole('button', { name: 'Sign out', exact: true }).isVisible(),
      true,
      'still unlocked after four minutes',
    );
    await page.clock.fastForward('01:30');
    await page.getByRole('heading', { name: 'Bedside is locked', exact: true }).waitFor();
    assert.equal(
      await page.getByRole('list', { name: 'Residents', exact: true }).count(),
      0,
      'the list is gone from the page',
    );
    await unlock(page, 'oak.carer');
    await residentList(page);
  });
});

test(
  'views made offline reach the access log exactly once, across a restart',
  { timeout: 300_000 },
  async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const tablet = await launchBrowser();
    t.after(() => tablet.close());
    const page = await tablet.context.newPage();
    const records = await homeRecords(server);
    const resident = uniqueResident(records, 1);

    await withDiagnostics(page, async () => {
      await page.goto(`${server.url}/`);
      await startOnTablet(page, 'oak.carer');
      await waitForText(page.getByTestId('as-of'), /as of \d{2}:\d{2}/);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      assert.deepEqual(await accessLog(server, resident.id), [], 'no view yet');

      // Offline: one view of the resident's summary, then a restart of the tablet.
      await tablet.context.setOffline(true);
      await waitForText(page.getByTestId('offline-banner'), /Offline/);
      await openResident(page, resident);
      await backToList(page);
      await page.reload();
      await unlock(page, 'oak.carer');
      await residentList(page);
      assert.deepEqual(await accessLog(server, resident.id), [], 'nothing reached the server');

      // Back online: the queued view is uploaded with the next sync.
      await tablet.context.setOffline(false);
      const events = await waitForLog(
        server,
        resident.id,
        (e) => e.length > 0,
        'the offline view was uploaded',
      );
      assert.equal(events.length, 1, 'exactly one event');
      const [event] = events;
      assert.equal(event.staff_username, 'oak.carer');
      assert.equal(event.role, 'carer');
      assert.equal(event.part, 'summary');
      assert.equal(event.mode, 'offline');
      assert.ok(event.device, 'with the tablet it was read on');

      // Another sync (the network drops and returns) uploads nothing twice.
      await tablet.context.setOffline(true);
      await waitForText(page.getByTestId('offline-banner'), /Offline/);
      await tablet.context.setOffline(false);
      await page.getByTestId('offline-banner').waitFor({ state: 'detached' });
      await page.waitForTimeout(3_000);
      assert.equal((await accessLog(server, resident.id)).length, 1, 'still exactly one');
    });

    // The manager reads it on the Access log page, and downloads it as CSV.
    const office = await launchBrowser();
    t.after(() => office.close());
    const desk = await office.context.newPage();
    await withDiagnostics(desk, async () => {
      await desk.goto(`${server.url}/`);
      await startOnTablet(desk, 'oak.manager', { tablet: 'Office' });
      await desk.getByRole('link', { name: 'Access log', exact: true }).click();
      await desk.getByRole('heading', { name: 'Access log', exact: true }).waitFor();
      const table = desk.getByRole('table', { name: 'Access log' });
      const row = table.getByRole('row').filter({ hasText: 'oak.carer' }).filter({
        hasText: fullName(resident),
      });
      await waitForText(row, /Offline/i);

      const [download] = await Promise.all([
        desk.waitForEvent('download'),
        desk.getByRole('button', { name: 'Download CSV', exact: true }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^access-log-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = await readFile(await download.path(), 'utf8');
      const lines = csv.split(/\r?\n/).filter((l) => l.includes(resident.id));
      assert.equal(lines.length, 1, `one line for the resident in:\n${csv.slice(0, 2_000)}`);
      assert.match(lines[0], /oak\.carer/);
      assert.match(lines[0], /offline/);
    });
  },
);

test(
  'a revoked tablet is refused and wiped at its next contact',
  { timeout: 300_000 },
  async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const tablet = await launchBrowser();
    t.after(() => tablet.close());
    const page = await tablet.context.newPage();

    await withDiagnostics(page, async () => {
      await page.goto(`${server.url}/`);
      await startOnTablet(page, 'oak.carer');
      await waitForText(page.getByTestId('as-of'), /as of \d{2}:\d{2}/);
      const before = await rawIndexedDb(page);
      assert.ok((before.entries ?? []).length > 100, 'the tablet holds the home record');
    });

    // The manager revokes it from another tablet's Tablets page.
    const office = await launchBrowser();
    t.after(() => office.close());
    const desk = await office.context.newPage();
    await withDiagnostics(desk, async () => {
      await desk.goto(`${server.url}/`);
      await startOnTablet(desk, 'oak.manager', { tablet: 'Office' });
      await desk.getByRole('link', { name: 'Tablets', exact: true }).click();
      await desk.getByRole('heading', { name: 'Tablets', exact: true }).waitFor();
      const devices = await api(server, 'GET', '/api/v1/devices', {
        token: await apiToken(server, 'oak.manager'),
      });
      assert.equal(devices.status, 200);
      assert.equal(devices.json.length, 2);
      await desk.getByRole('button', { name: 'Revoke Trolley 1', exact: true }).click();
      await desk.getByRole('button', { name: 'Revoke tablet', exact: true }).click();
      const after = await waitForRevoked(server, 1);
      assert.deepEqual(
        after.map((d) => d.name),
        ['Trolley 1'],
        'the carer\'s tablet is revoked, and only it',
      );
    });

    // Its next contact (the network returns): refused, and wiped.
    await withDiagnostics(page, async () => {
      await tablet.context.setOffline(true);
      await waitForText(page.getByTestId('offline-banner'), /Offline/);
      await tablet.context.setOffline(false);
      await waitForText(page.getByRole('status').or(page.getByRole('alert')), /removed/i);
      await page.getByLabel('Username', { exact: true }).waitFor();
      const raw = await rawIndexedDb(page);
      for (const store of ['residents', 'entries', 'outbox', 'audit']) {
        assert.deepEqual(raw[store] ?? [], [], `${store} is empty`);
      }
      assert.ok(
        !JSON.stringify(raw.keyring ?? []).includes('CryptoKey'),
        'the tablet holds no key any more',
      );
      // It is no longer enrolled: a carer cannot use it.
      await signIn(page, 'oak.carer', DEMO_PASSWORD);
      await waitForText(page.getByRole('alert'), /not enrolled/i);
    });
  },
);

/** Waits until `n` of the home's tablets are revoked; returns those. */
async function waitForRevoked(server, n) {
  const token = await apiToken(server, 'oak.manager');
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const devices = await api(server, 'GET', '/api/v1/devices', { token });
    const revoked = devices.json.filter((d) => d.revoked_at);
    if (revoked.length >= n) return revoked;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`fewer than ${n} tablets were revoked`);
}
