// With the server up: a refused sign-in, an accessibility smoke check of the pages staff
// use most (and of enrolling a tablet, choosing a PIN and unlocking), and the
// installable-app basics (manifest, icons, service worker script).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import {
  api,
  launchBrowser,
  choosePin,
  openAt,
  residentList,
  signIn,
  startOnTablet,
  startServer,
  unlock,
  waitForText,
  withDiagnostics,
  DEMO_PASSWORD,
  TEST_PIN,
} from './support.mjs';

const require = createRequire(import.meta.url);
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');
// WCAG 2.0, 2.1 and 2.2, levels A and AA.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** A fresh profile per test; closed (and deleted) when the test ends. */
async function freshPage(t) {
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  return page;
}

test(
  "a wrong password shows the server's message and does not sign in",
  { timeout: 120_000 },
  async (t) => {
    // What the server says to a wrong password, so the test checks it is shown verbatim.
    const refused = await api(server, 'POST', '/api/v1/auth/login', {
      body: { username: 'oak.carer', password: 'not-the-password' },
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.json.code, 'invalid_credentials');
    assert.ok(refused.json.message.length > 0);

    const page = await freshPage(t);
    await withDiagnostics(page, async () => {
      await signIn(page, 'oak.carer', 'not-the-password');
      const alert = await waitForText(page.getByRole('alert'), refused.json.message);
      assert.ok(alert.includes(refused.json.message));

      // Still on the sign-in form, with nothing of the home shown.
      assert.equal(
        await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible(),
        true,
      );
      assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
      assert.equal(await page.getByRole('list', { name: 'Residents', exact: true }).count(), 0);
    });
  },
);

/**
 * Runs axe-core on the page and returns the serious and critical violations. axe is
 * evaluated through the DevTools protocol rather than added as a script tag, which the
 * app's Content Security Policy (rightly) refuses.
 */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.evaluate(await readFile(AXE_SCRIPT, 'utf8'));
  }
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  }, AXE_TAGS);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

test(
  'enrolling, choosing a PIN, unlocking, the list and a summary have no serious accessibility violations',
  { timeout: 180_000 },
  async (t) => {
    const page = await freshPage(t);
    await withDiagnostics(page, async () => {
      assert.deepEqual(await seriousViolations(page), [], 'sign-in page');

      await signIn(page, 'oak.manager', DEMO_PASSWORD);
      await page.getByLabel('Tablet name', { exact: true }).waitFor();
      assert.deepEqual(await seriousViolations(page), [], 'enrolment');
      await page.getByLabel('Tablet name', { exact: true }).fill('Trolley 1');
      await page.getByRole('button', { name: 'Enrol this tablet', exact: true }).click();

      // Two PINs that differ: the error must be accessible too.
      await page.getByLabel('New PIN', { exact: true }).fill(TEST_PIN);
      await page.getByLabel('PIN again', { exact: true }).fill('135799');
      await page.getByRole('button', { name: 'Save PIN', exact: true }).click();
      await page.getByRole('alert').first().waitFor();
      assert.deepEqual(await seriousViolations(page), [], 'choosing a PIN, with an error');
      await choosePin(page);

      const list = await residentList(page);
      assert.deepEqual(await seriousViolations(page), [], 'resident list');

      await list.getByRole('link').first().click();
      await page.waitForURL('**/residents/*');
      const banner = page.getByRole('region', { name: 'Resident banner', exact: true });
      await waitForText(banner.getByTestId('banner-allergies'), /allerg/i);
      assert.deepEqual(await seriousViolations(page), [], 'resident summary');

      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await page.getByRole('heading', { name: 'Bedside is locked', exact: true }).waitFor();
      assert.deepEqual(await seriousViolations(page), [], 'lock screen');
      await page.getByRole('button', { name: /^\s*oak\.manager\b/ }).click();
      await page.getByLabel('PIN', { exact: true }).fill('000000');
      await page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await waitForText(page.getByRole('alert'), /That PIN is not right\. 4 tries left\./);
      assert.deepEqual(await seriousViolations(page), [], 'lock screen with a wrong PIN');
      // Unlocked, the tablet is back where it locked.
      await unlock(page, 'oak.manager');
      await page.getByRole('region', { name: 'Resident banner', exact: true }).waitFor();
    });
  },
);

test(
  'the recording screens have no serious accessibility violations',
  { timeout: 240_000 },
  async (t) => {
    const page = await freshPage(t);
    await withDiagnostics(page, async () => {
      // A senior sees everything a carer does, and the section editing besides.
      await startOnTablet(page, 'oak.senior');
      const list = await residentList(page);
      await list.getByRole('link').first().click();
      await page.waitForURL('**/residents/*');
      const summary = page.url();

      await page.getByRole('link', { name: 'Add note', exact: true }).click();
      await page.getByLabel('Note', { exact: true }).waitFor();
      assert.deepEqual(await seriousViolations(page), [], 'care note form');

      await openAt(page, summary, 'oak.senior');
      await page.getByRole('link', { name: 'Record observations', exact: true }).click();
      // An impossible reading: the message at the field must be accessible too.
      await page.getByLabel('Pulse', { exact: true }).fill('400');
      await page.getByLabel('Respiration rate', { exact: true }).fill('18');
      const pulse = page.getByLabel('Pulse', { exact: true });
      await page.waitForFunction(
        (el) => el.getAttribute('aria-invalid') === 'true',
        await pulse.elementHandle(),
      );
      assert.deepEqual(await seriousViolations(page), [], 'observation form with an error');

      await openAt(page, summary, 'oak.senior');
      const edit = page.getByRole('button', { name: /^(Edit|Add a care plan area)$/ }).first();
      await edit.click();
      await page.locator('form.section-form').first().waitFor();
      assert.deepEqual(await seriousViolations(page), [], 'section edit form');

      await page.getByRole('link', { name: 'Handover', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Handover' }).waitFor();
      assert.deepEqual(await seriousViolations(page), [], 'handover');
    });
  },
);

/** The width and height in a PNG's IHDR chunk. */
function pngSize(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, 'a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return `${view.getUint32(16)}x${view.getUint32(20)}`;
}

test(
  'the app is installable: manifest, icons and service worker',
  { timeout: 60_000 },
  async (t) => {
    const response = await fetch(`${server.url}/manifest.webmanifest`);
    assert.equal(response.status, 200);
    const manifest = await response.json();
    assert.equal(manifest.name, 'Bedside');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.scope, '/');
    assert.equal(manifest.display, 'standalone');
    const purposes = [];
    for (const icon of manifest.icons) {
      const image = await fetch(new URL(icon.src, server.url));
      assert.equal(image.status, 200, icon.src);
      assert.equal(pngSize(new Uint8Array(await image.arrayBuffer())), icon.sizes, icon.src);
      purposes.push(`${icon.sizes} ${icon.purpose ?? 'any'}`);
    }
    assert.deepEqual(purposes.sort(), ['192x192 any', '512x512 any', '512x512 maskable']);

    // The service worker script is revalidated on every update check.
    const sw = await fetch(`${server.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type') ?? '', /javascript/);
    assert.match(sw.headers.get('cache-control') ?? '', /no-cache/);

    // The page links the manifest, and the browser reads the same one.
    const page = await freshPage(t);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    assert.equal(new URL(href, server.url).pathname, '/manifest.webmanifest');
  },
);
