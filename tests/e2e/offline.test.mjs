// The acceptance test: a carer signs in, the tablet loses its network and the
// server goes away, and a reload (which locks the tablet: the data key lives only in
// memory) and an unlock with the carer's PIN still show the home's residents from
// IndexedDB with the offline banner, and a resident's summary still warns of their
// allergies and DNACPR.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  apiToken,
  api,
  escapeRegExp,
  fullName,
  launchBrowser,
  residentList,
  residentWithAllergyAndDnacpr,
  startOnTablet,
  startServer,
  unlock,
  waitForText,
  withDiagnostics,
} from './support.mjs';

test(
  'offline after sign-in: list and resident banner from the tablet',
  { timeout: 300_000 },
  async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { context } = browser;
    const page = await context.newPage();

    await withDiagnostics(page, async () => {
      await page.goto(`${server.url}/`);
      await startOnTablet(page, 'oak.carer');
      await residentList(page);

      // The service worker has installed the shell and controls the page.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

      // Choose the resident from the server's own answer, before the network goes.
      const token = await apiToken(server, 'oak.carer');
      const records = await api(server, 'GET', '/api/v1/records', { token });
      assert.equal(records.status, 200);
      const chosen = residentWithAllergyAndDnacpr(records.json);
      assert.ok(
        chosen,
        'the demo data has a resident with an active allergy and a DNACPR decision',
      );
      const name = fullName(chosen.resident);

      // Records must live only in IndexedDB, never in the service worker's caches.
      const cachedUrls = await page.evaluate(async () => {
        const urls = [];
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
      });
      assert.ok(cachedUrls.includes('/index.html'), 'the shell is precached');
      assert.deepEqual(
        cachedUrls.filter((p) => /^\/(api|fhir)(\/|$)/.test(p)),
        [],
        'no API response is in Cache Storage',
      );

      // No network and no server. Stopping every worker makes the reload start the service
      // worker cold, so it must load its own wasm from Cache Storage.
      await context.setOffline(true);
      await server.stop();
      const cdp = await context.newCDPSession(page);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      // Left attached, this session makes the reloaded page report navigator.onLine true
      // despite the offline emulation (Chromium 156).
      await cdp.detach();
      await page.reload();
      await unlock(page, 'oak.carer');

      const list = await residentList(page);
      await waitForText(page.getByTestId('offline-banner'), /Offline/);
      assert.equal(await page.getByTestId('offline-banner').getAttribute('role'), 'status');
      await waitForText(page.getByTestId('as-of'), /^\s*as of \d{2}:\d{2}\s*$/);

      await page.getByLabel('Search residents by name or room', { exact: true }).fill(name);
      const link = list.getByRole('link', { name: new RegExp(`^\\s*${escapeRegExp(name)}\\b`) });
      await link.click();
      await page.waitForURL(`**/residents/${chosen.resident.id}`);

      const banner = page.getByRole('region', { name: 'Resident banner', exact: true });
      await banner.waitFor();
      const allergies = await waitForText(banner.getByTestId('banner-allergies'), /^\s*Allergies:/);
      for (const substance of chosen.substances) {
        assert.ok(allergies.includes(substance), `the banner names ${substance}: ${allergies}`);
      }
      const cpr = await waitForText(banner.getByTestId('banner-cpr'), /DNACPR/);
      assert.match(cpr, /do not attempt CPR/i);
      assert.equal(await page.getByTestId('offline-banner').isVisible(), true);
    });
  },
);
