// Records from outside, all the way to the tablet: the demo's hospital, lab and pharmacy
// records arrive as FHIR Bundles through the server's ingest engine; this test reads
// what the server holds for one resident and checks the tablet shows it: the latest
// discharge summary section by section, lab results with a trend chart, and each
// medicine's prescribing and dispensing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

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

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const current = (e) => (e.status ?? 'current') === 'current';

/** A resident with a discharge summary, a repeated lab test and a dispensed medicine. */
function pickResident(records) {
  const names = new Map();
  for (const r of records.residents) names.set(fullName(r), (names.get(fullName(r)) ?? 0) + 1);
  for (const resident of [...records.residents].sort((a, b) => fullName(a).localeCompare(fullName(b)))) {
    if (names.get(fullName(resident)) !== 1) continue;
    const mine = records.entries.filter((e) => e.person_id === resident.id && current(e));
    const discharges = mine
      .filter((e) => e.body.kind === 'document' && e.body.doc_type === 'discharge_summary')
      .sort((a, b) => (b.body.period_end ?? '').localeCompare(a.body.period_end ?? ''));
    const labs = new Map();
    for (const e of mine.filter((e) => e.body.kind === 'lab_result')) {
      labs.set(e.body.test.text, (labs.get(e.body.test.text) ?? 0) + 1);
    }
    const test = [...labs.entries()].find(([, n]) => n >= 3)?.[0];
    const orders = mine.filter((e) => e.body.kind === 'medication_order' && e.body.status === 'active');
    const supplied = orders.find((o) =>
      mine.some((s) => s.body.kind === 'medication_supply' && s.body.medicine.text === o.body.medicine.text),
    );
    if (discharges.length > 0 && test && supplied) {
      const supply = mine
        .filter((s) => s.body.kind === 'medication_supply' && s.body.medicine.text === supplied.body.medicine.text)
        .sort((a, b) => b.body.dispensed_on.localeCompare(a.body.dispensed_on))[0];
      return { resident, discharge: discharges[0], test, medicine: supplied.body.medicine.text, dispenser: supply.body.dispenser };
    }
  }
  return undefined;
}

test('records sent as FHIR are shown on the tablet as staff need them', { timeout: 180_000 }, async (t) => {
  const token = await apiToken(server, 'oak.senior');
  const { status, json: records } = await api(server, 'GET', '/api/v1/records', { token });
  assert.equal(status, 200);
  const chosen = pickResident(records);
  assert.ok(chosen, 'the demo has a resident with a discharge summary, repeated lab tests and supplied medicines');
  // The records came in through FHIR: their provenance names the sending organisation.
  assert.ok(chosen.discharge.provenance.source_id?.includes('/'), 'a FHIR source id');

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  await withDiagnostics(page, async () => {
    await startOnTablet(page, 'oak.senior');
    const list = await residentList(page);
    await page.getByRole('searchbox', { name: 'Search residents by name or room' }).fill(fullName(chosen.resident));
    await list.getByRole('link', { name: new RegExp(escapeRegExp(fullName(chosen.resident))) }).click();
    await page.getByRole('region', { name: 'Resident banner' }).waitFor();

    // The latest discharge summary, readable section by section.
    const discharge = page.locator('section#discharge');
    await waitForText(discharge, chosen.discharge.body.title);
    for (const s of chosen.discharge.body.sections.slice(0, 3)) {
      await waitForText(discharge, s.title);
    }

    // Lab results: the table names the test; its trend opens as a described chart.
    const labs = page.locator('section#labs');
    await waitForText(labs, chosen.test);
    const toggle = labs.getByRole('button', { name: new RegExp(`^${escapeRegExp(chosen.test)}`) }).first();
    await toggle.click();
    const chart = labs.getByRole('img', { name: new RegExp(escapeRegExp(chosen.test)) });
    await chart.waitFor();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');

    // Each medicine with its prescribing and dispensing.
    const medicines = page.locator('section#medicines li.med-item');
    const line = await waitForText(medicines, chosen.medicine);
    assert.match(line, /Prescribed on/);
    assert.match(line, /dispensed on/i);
    assert.ok(line.includes(chosen.dispenser), `${line} names ${chosen.dispenser}`);
  });
});
