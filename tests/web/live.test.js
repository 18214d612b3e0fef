// The live map: layers that `kartrum ingest` writes beside a running server appear in the open
// map without a reload, and a re-ingested layer is re-drawn with its new data. A server on an
// empty data directory (no demo data), the real CLI, real headless Chromium.
//   node --test tests/web/live.test.js

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TOKEN, idle, ingestWithCli, launchBrowser, openMap, setLayer, startServer } from './harness.js';

const TIMEOUT = 120_000;
/** Two points near Falun and Mora; the test's own data, written to a temporary folder. */
const PLACES = [[15.6031, 60.6052], [14.5427, 61.0048]];

let server;
let browser;
let main;
let work;

before(async () => {
  server = await startServer({ demo: false });
  browser = await launchBrowser();
  main = await openMap(browser, `${server.url}/#map=7/60.8/15/0/0&bm=own&l=`);
  work = mkdtempSync(path.join(tmpdir(), 'kartrum-live-'));
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Writes a GeoJSON file of the points with `label` and `n` in their attributes. */
function pointsFile(name, label, count = PLACES.length) {
  const file = path.join(work, name);
  const features = PLACES.slice(0, count).map((coordinates, i) => ({
    type: 'Feature', geometry: { type: 'Point', coordinates }, properties: { label, n: i + 1 },
  }));
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
  return file;
}

/** The `label` attributes of the layer's features the map has loaded from its tiles. */
function drawnLabels(page, id) {
  return page.evaluate((layer) => window.kartrum.map.querySourceFeatures(`src-${layer}`, { sourceLayer: layer })
    .map((f) => f.properties.label).sort(), id);
}

describe('live map', { timeout: 6 * TIMEOUT }, () => {
  test('a layer ingested with the CLI appears in the open map within 5 s', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    assert.equal(await page.locator('#layer-punkter-toggle').count(), 0);
    ingestWithCli(server.dataDir, pointsFile('first.geojson', 'first', 1), ['--layer', 'punkter', '--title', 'Nya punkter']);
    await page.locator('#layer-punkter-toggle').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('#layer-punkter').innerText(), /Nya punkter/);
    await setLayer(page, 'punkter', true);
    assert.deepEqual(await drawnLabels(page, 'punkter'), ['first']);
    assert.deepEqual(main.errors, []);
  });

  test('a re-ingested visible layer is re-drawn with its new data, view kept', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    const camera = await page.evaluate(() => window.kartrum.map.getCenter().toArray().concat(window.kartrum.map.getZoom()));
    ingestWithCli(server.dataDir, pointsFile('second.geojson', 'second'), ['--layer', 'punkter', '--title', 'Nya punkter']);
    await page.waitForFunction(() => {
      const found = window.kartrum.map.querySourceFeatures('src-punkter', { sourceLayer: 'punkter' });
      return found.length === 2 && found.every((f) => f.properties.label === 'second');
    }, null, { timeout: 10_000, polling: 200 });
    await idle(page);
    assert.deepEqual(await drawnLabels(page, 'punkter'), ['second', 'second']);
    assert.equal(await page.locator('#layer-punkter-toggle').isChecked(), true, 'still shown');
    assert.match(page.url(), /l=punkter\*/);
    assert.deepEqual(await page.evaluate(() => window.kartrum.map.getCenter().toArray().concat(window.kartrum.map.getZoom())), camera);
    assert.match(await page.locator('#layer-punkter').innerText(), /2 objekt/);
    assert.deepEqual(main.errors, []);
  });

  test('a deleted layer disappears from the open map', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    const response = await fetch(`${server.url}/api/layers/punkter`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 204);
    await page.locator('#layer-punkter').waitFor({ state: 'detached', timeout: 5_000 });
    await page.waitForFunction(() => !window.kartrum.map.getStyle().sources['src-punkter']);
    assert.doesNotMatch(page.url(), /punkter/);
  });
});
