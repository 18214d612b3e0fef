// Issue 12, "Meetings": rooms that run analyses at the same time each keep their own result
// (map tiles, panel, export, saved view), a table whose cells add up, a collapsible legend, a
// meeting mode that leaves the map most of the screen, and the Dalarna overview after "Beräkna".
// Real kartrum with the demo data, real headless Chromium.
//   node --test tests/web/rooms.test.js

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { OUT, TOKEN, boxOf, idle, ingestWithCli, launchBrowser, openMap, pixels, startServer } from './harness.js';

const TIMEOUT = 300_000;
const DALARNA = [12.2, 59.9, 16.7, 62.2];

let server;
let browser;
/** The two grocery stores the rooms close: {id, name, at}, looked up in the features API. */
const stores = {};
/** Room A and room B, and what each one's what-if stored. */
const rooms = {};

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  for (const [key, name] of [['a', 'Coop Sunnansjö'], ['b', 'Coop Särna']]) {
    const fc = await (await fetch(`${server.url}/api/layers/servicepunkter/features?name=${encodeURIComponent(name)}&category=grocery`)).json();
    assert.equal(fc.numberMatched, 1, `one ${name}`);
    const f = fc.features[0];
    stores[key] = { id: `servicepunkter/${f.id}`, name, at: f.geometry.coordinates };
  }
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The map URL of "what if `store` closes?" for groceries, at zoom 9 over the store. */
function whatIfUrl(store) {
  const [lon, lat] = store.at;
  const sa = ['grocery', '5-10-20-30', 'band', encodeURIComponent(store.id), `${lon},${lat}`, encodeURIComponent(store.name)].join('~');
  return `${server.url}/#map=9/${lat}/${lon}&bm=own&l=&sa=${sa}`;
}

/** The stored layer the page's analysis source draws, from its tile URL. */
function drawnLayer(page) {
  return page.evaluate(() => {
    const url = window.kartrum.map.getStyle().sources['sa-src']?.tiles?.[0] ?? '';
    return decodeURIComponent(/\/tiles\/([^/]+)\//.exec(url)?.[1] ?? '');
  });
}

/** How many cells that get farther the page draws around `at` (zoom 9, tiles fetched now). */
async function fartherCellsAround(page, at) {
  await page.evaluate((c) => window.kartrum.map.jumpTo({ center: c, zoom: 9 }), at);
  await idle(page);
  return page.evaluate(() => window.kartrum.map.queryRenderedFeatures({ layers: ['sa-change-fill'] }).length);
}

/** Exports a 1920×1080 PNG from the page; returns the file. */
async function exportPng(page, file) {
  await page.click('#btn-export');
  await page.selectOption('#export-format', 'png');
  await page.selectOption('#export-paper', 'hd');
  const downloading = page.waitForEvent('download', { timeout: 180_000 });
  await page.click('#export-dialog button[value="export"]');
  await (await downloading).saveAs(file);
  return file;
}

/** Strong red pixels (the "farther" classes of a what-if) in a PNG file, decoded by the browser. */
function redPixels(page, file) {
  const data = `data:image/png;base64,${readFileSync(file).toString('base64')}`;
  return page.evaluate(async (src) => {
    const image = new Image();
    image.src = src;
    await image.decode();
    const c = document.createElement('canvas');
    c.width = image.width;
    c.height = image.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    // The map's part of the export (the legend, on the right, has red swatches in both).
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width * 0.7; x++) {
        const i = (y * c.width + x) * 4;
        if (px[i] > 150 && px[i + 1] < 120 && px[i + 2] < 110 && px[i] - px[i + 1] > 80) n++;
      }
    }
    return n;
  }, data);
}

/** A number as the app formats it (Swedish: spaces between thousands). */
const number = (text) => Number(String(text).replace(/[\s\u00a0\u202f]/g, '').replace('−', '-'));

describe('meetings', { timeout: 20 * TIMEOUT }, () => {
  test('two rooms close different stores at the same time and each keeps its own result', { timeout: TIMEOUT }, async () => {
    // Both rooms open at once: their what-ifs run on the server side by side.
    [rooms.a, rooms.b] = await Promise.all([openMap(browser, whatIfUrl(stores.a)), openMap(browser, whatIfUrl(stores.b))]);
    for (const key of ['a', 'b']) {
      const { page } = rooms[key];
      await page.locator('#sa-whatif-summary').waitFor({ timeout: 240_000 });
      await idle(page);
      rooms[key].result = await page.evaluate(() => window.kartrum.analysis.service.result);
    }
    const { a, b } = rooms;
    assert.match(a.result.scenario, /^sa_/);
    assert.notEqual(a.result.scenario, b.result.scenario, 'each what-if is its own stored layer');
    assert.equal(a.result.layer, b.result.layer, 'the same analysis without a closure is one layer');

    for (const [room, own, other] of [[a, stores.a, stores.b], [b, stores.b, stores.a]]) {
      const { page } = room;
      assert.equal(await drawnLayer(page), room.result.scenario);
      assert.match(await page.locator('#sa-scenario h3').innerText(), new RegExp(`Om ${own.name} stänger`));
      assert.match(await page.locator('#legend').innerText(), new RegExp(`Längre restid om ${own.name} stänger`));
      assert.match(page.url(), new RegExp(`sr=[^&]*${room.result.scenario}`));
      // Tiles fetched now, after both ran: cells get farther around the room's own store only.
      assert.ok(await fartherCellsAround(page, own.at) > 0, `${own.name}: cells get farther`);
      assert.equal(await fartherCellsAround(page, other.at), 0, `${other.name} is not this room's what-if`);
      assert.deepEqual(room.errors, []);
    }

    // Exports at the same camera: only room A's shows cells around Sunnansjö getting farther.
    for (const room of [a, b]) {
      await room.page.evaluate((c) => window.kartrum.map.jumpTo({ center: c, zoom: 9 }), stores.a.at);
      await idle(room.page);
    }
    const redA = await redPixels(a.page, await exportPng(a.page, path.join(OUT, 'room-a.png')));
    const redB = await redPixels(a.page, await exportPng(b.page, path.join(OUT, 'room-b.png')));
    assert.ok(redA > 2000 && redA > 5 * redB, `room A's export shows its what-if (${redA} red pixels, room B ${redB})`);
  });

  test("a slide saved in room A re-opens with A's result after room B ran", { timeout: TIMEOUT }, async () => {
    const { a, b } = rooms;
    await a.page.evaluate((token) => sessionStorage.setItem('kartrum.token', token), TOKEN);
    await a.page.fill('#view-name', 'Om Sunnansjö stänger');
    await a.page.click('#view-form button[type="submit"]');
    await a.page.locator('#view-message', { hasText: /sparad/i }).waitFor({ timeout: 10_000 });
    const views = (await (await fetch(`${server.url}/api/views`)).json()).views;
    const view = views.find((v) => v.title === 'Om Sunnansjö stänger');
    assert.equal(view.analysis.service.result.scenario, a.result.scenario, 'the slide names its result');

    // Room B runs another analysis after the slide was saved.
    const [lon, lat] = stores.b.at;
    await b.page.evaluate((hash) => { location.hash = hash; }, `#map=9/${lat}/${lon}&bm=own&l=&sa=grocery~10-20-30~band`);
    await b.page.waitForFunction(() => !document.querySelector('#sa-whatif-summary') && document.querySelector('#sa-table'));
    await b.page.waitForFunction(() => !window.kartrum.serviceAccess.busy && window.kartrum.analysis.service?.result);
    assert.notEqual(await drawnLayer(b.page), a.result.scenario);

    const opened = await openMap(browser, `${server.url}/#view=${view.id}`);
    await opened.page.locator('#sa-whatif-summary').waitFor({ timeout: 120_000 });
    await idle(opened.page);
    assert.match(await opened.page.locator('#sa-scenario h3').innerText(), /Om Coop Sunnansjö stänger/);
    assert.equal(await drawnLayer(opened.page), a.result.scenario);
    assert.ok(await fartherCellsAround(opened.page, stores.a.at) > 0);
    assert.deepEqual(opened.errors, []);
    await opened.context.close();
  });

  test('a result that is gone (evicted) is computed again, under the same id', { timeout: TIMEOUT }, async () => {
    const { a } = rooms;
    const id = a.result.scenario;
    const response = await fetch(`${server.url}/api/layers/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 204);
    // The open map notices (live catalog) and runs the stored request again.
    await a.page.waitForFunction((x) => !window.kartrum.byId.has(x), id, { timeout: 10_000 });
    await a.page.waitForFunction((x) => window.kartrum.byId.has(x) && !window.kartrum.serviceAccess.busy, id, { timeout: 60_000 });
    assert.equal((await fetch(`${server.url}/api/layers/${id}`)).status, 200, `${id} is stored again`);
    await idle(a.page);
    assert.equal(await drawnLayer(a.page), id);
    assert.ok(await fartherCellsAround(a.page, stores.a.at) > 0);
    assert.deepEqual(a.errors, []);
    await a.context.close();
    await rooms.b.context.close();
  });

  test('the table adds up, typing survives a live update, the legend collapses, meeting mode leaves the map 75 % of 1600 px', { timeout: TIMEOUT }, async () => {
    const { page, context, errors } = await openMap(browser, `${server.url}/`, { viewport: { width: 1600, height: 900 } });
    await page.click('#sa-run');
    await page.locator('#sa-table tbody tr').first().waitFor({ timeout: 120_000 });
    await idle(page);

    // Every row: the band cells and "Utanför nätet" sum to "Invånare".
    const header = await page.locator('#sa-table thead th').allInnerTexts();
    assert.ok(header.some((h) => /Utanför nätet/.test(h)), `an off-the-network column: ${header}`);
    const rows = await page.evaluate(() => [...document.querySelectorAll('#sa-table tbody tr, #sa-table tfoot tr')]
      .map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.ok(rows.length >= 15);
    const first = 2;
    const last = header.findIndex((h) => /Utanför nätet/.test(h));
    for (const row of rows) {
      const parts = row.slice(first, last + 1).map(number);
      assert.equal(parts.reduce((x, y) => x + y, 0), number(row[1]), `${row[0]}: ${row.join(' | ')}`);
    }

    // A layer ingested elsewhere appears, and what the user is typing in the form stays.
    await page.fill('#sa-bands', '7, 14');
    const work = mkdtempSync(path.join(tmpdir(), 'kartrum-rooms-'));
    const file = path.join(work, 'ny.geojson');
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [15.6, 60.6] }, properties: {} }] }));
    ingestWithCli(server.dataDir, file, ['--layer', 'nytt_lager']);
    rmSync(work, { recursive: true, force: true });
    await page.locator('#layer-nytt_lager').waitFor({ timeout: 5_000 });
    assert.equal(await page.inputValue('#sa-bands'), '7, 14');
    await page.fill('#sa-bands', '5, 10, 20, 30');

    // The legend sits in a corner of the map and collapses to its heading, remembered.
    const map = await page.locator('#map').boundingBox();
    const legend = await page.locator('#legend').boundingBox();
    assert.ok(map.x + map.width - (legend.x + legend.width) < 30 && legend.y - map.y < 30, 'top right');
    await page.click('#legend-toggle');
    assert.equal(await page.locator('#legend-body').isVisible(), false);
    assert.ok((await page.locator('#legend').boundingBox()).height < 60, 'collapsed to one line');
    await page.reload();
    await page.waitForFunction(() => window.kartrum?.ready);
    await page.locator('#sa-table tbody tr').first().waitFor({ timeout: 120_000 });
    assert.equal(await page.getAttribute('#legend-toggle', 'aria-expanded'), 'false');
    assert.equal(await page.locator('#legend-body').isVisible(), false);
    await page.click('#legend-toggle');
    assert.equal(await page.locator('#legend-body').isVisible(), true);

    // Layer panel and analysis panel open: the map is a minority of the screen…
    assert.ok((await page.locator('#map').boundingBox()).width < 800);
    await page.locator('body').press('m');
    await page.waitForFunction(() => document.body.classList.contains('meeting'));
    await page.evaluate(() => window.kartrum.map.resize());
    await idle(page);
    // …and in meeting mode three quarters of it, with the key figures readable beside it.
    const width = (await page.locator('#map').boundingBox()).width;
    assert.ok(width >= 0.75 * 1600, `map ${width} px of 1600`);
    assert.equal(await page.locator('#sa-summary').isVisible(), true);
    const size = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('sa-summary')).fontSize));
    assert.ok(size >= 18, `key figures at ${size}px`);
    await page.screenshot({ path: path.join(OUT, 'meeting-1600.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the Dalarna overview at 1920×1080 shows the choropleth after "Beräkna"', { timeout: TIMEOUT }, async () => {
    const { page, context, errors } = await openMap(browser, `${server.url}/`);
    const box = await boxOf(page, DALARNA);
    const before = await bandPixels(page, box);
    await page.click('#sa-run');
    await page.locator('#sa-table tbody tr').first().waitFor({ timeout: 120_000 });
    await idle(page);
    await page.screenshot({ path: path.join(OUT, 'dalarna-overview.png') });
    const afterRun = await bandPixels(page, box);
    // Cells exist where people live: a few per cent of Dalarna's box, none before the run.
    assert.ok(afterRun.share > 0.015 && afterRun.count > 3 * before.count,
      `band colours cover Dalarna: ${afterRun.count} of ${afterRun.total} pixels (before: ${before.count})`);
    // The legend does not cover the analysed cells.
    const legend = await page.locator('#legend').boundingBox();
    const map = await page.locator('#map').boundingBox();
    const covered = await page.evaluate((b) => window.kartrum.map.queryRenderedFeatures(
      [[b.x, b.y], [b.x + b.width, b.y + b.height]], { layers: ['sa-fill'] }).length,
    { x: legend.x - map.x, y: legend.y - map.y, width: legend.width, height: legend.height });
    assert.equal(covered, 0, 'no result cell under the legend');
    assert.deepEqual(errors, []);
    await context.close();
  });
});

/** Pixels of the map canvas in `box` with the orange/brown hue of the travel time bands. */
async function bandPixels(page, box) {
  const { matching, total } = await pixels(page, box, '(r, g, b) => r - g >= 40 && g - b >= 30');
  return { count: matching, total, share: matching / total };
}
