// Per-layer access in the web map: an internal layer (by the pattern `plan_*`) is not in the
// layer panel of a map opened without a token; after the user enters a read token ("Logga in")
// it appears and its tiles load. A server on an empty data directory with a configuration
// file, the real CLI, real headless Chromium.
//   node --test tests/web/access.test.js

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ingestWithCli, launchBrowser, openMap, setLayer, startServer } from './harness.js';

const TIMEOUT = 120_000;
const READ_TOKEN = 'web-access-read-token';
/** Two points near Falun and Mora; the test's own data. */
const PLACES = [[15.6031, 60.6052], [14.5427, 61.0048]];

let server;
let browser;
let work;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'kartrum-access-'));
  const config = path.join(work, 'kartrum.toml');
  writeFileSync(config, `[access]\ninternal = ["plan_*"]\nread_tokens = ["${READ_TOKEN}"]\n`);
  server = await startServer({ demo: false, config });
  const file = path.join(work, 'plan.geojson');
  const features = PLACES.map((coordinates, i) => ({
    type: 'Feature', geometry: { type: 'Point', coordinates }, properties: { label: `plan ${i}` },
  }));
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
  ingestWithCli(server.dataDir, file, ['--layer', 'plan_punkter', '--title', 'Planerade punkter']);
  // The server has picked the layer up once a reader sees it.
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const response = await fetch(`${server.url}/api/layers`, { headers: { Authorization: `Bearer ${READ_TOKEN}` } });
    if ((await response.json()).layers.some((l) => l.id === 'plan_punkter')) break;
    assert.ok(Date.now() < deadline, 'the server did not pick up the ingested layer');
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchBrowser();
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('after entering a read token the internal layer appears and its tiles load', { timeout: 3 * TIMEOUT }, async () => {
  const { page, errors } = await openMap(browser, `${server.url}/#map=7/60.8/15/0/0&bm=own&l=`);
  assert.equal(await page.locator('#layer-plan_punkter-toggle').count(), 0, 'internal layer shown without a token');
  await page.locator('#btn-token').click();
  await page.locator('#token-input').fill(READ_TOKEN);
  await page.locator('#token-dialog button[value="ok"]').click();
  await page.locator('#layer-plan_punkter-toggle').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#layer-plan_punkter').innerText(), /Planerade punkter/);
  await setLayer(page, 'plan_punkter', true);
  const labels = await page.evaluate(() => window.kartrum.map.querySourceFeatures('src-plan_punkter', { sourceLayer: 'plan_punkter' })
    .map((f) => f.properties.label).sort());
  assert.deepEqual(labels, ['plan 0', 'plan 1']);
  assert.deepEqual(errors, []);
});
