// Scenarios in real headless Chromium against a real kartrum with the demo data: a scenario
// built on the map with one change of each kind (new homes, a closed road, a speed change, a new
// link, a closed service), saved under /api/scenarios, compared with the baseline
// (POST /api/analysis/compare), and a saved view that re-opens the same comparison.
//   node --test tests/web/scenarios.test.js

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { OUT, TOKEN, clickAt, idle, launchBrowser, openMap, setLayer, startServer } from './harness.js';

/** Hemköp Dala-Järna (a grocery store of the demo's service points), the service that closes. */
const STORE = [14.372685, 60.547579];
const TIMEOUT = 240_000;
const NAME = 'Nya bostäder Dala-Järna';

let server;
let browser;
let main;
/** The network layer of the region (from its profile) and one of its features near the store. */
let road;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  main = await openMap(browser, `${server.url}/`);
  const profile = await (await fetch(`${server.url}/api/profile`)).json();
  const layer = profile.analysis.network;
  const [lon, lat] = STORE;
  const near = await (await fetch(`${server.url}/api/layers/${layer}/features?bbox=${lon - 0.05},${lat - 0.03},${lon + 0.05},${lat + 0.03}&limit=20`)).json();
  const feature = near.features.find((f) => f.geometry.type === 'LineString' && f.geometry.coordinates.length >= 3);
  assert.ok(feature, `a line of ${layer} near the store`);
  const coords = feature.geometry.coordinates;
  road = { layer, id: feature.id, at: coords[Math.floor(coords.length / 2)] };
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Clicks the points of an area or a line on the map and finishes with Enter. */
async function drawOnMap(page, points) {
  for (const p of points) await clickAt(page, p, { delay: 10 });
  await page.keyboard.press('Enter');
}

const changeTexts = (page) => page.locator('#scb-changes li.change .change-text').allInnerTexts();

describe('scenarios', { timeout: 10 * TIMEOUT }, () => {
  let saved;
  let totals;

  test('a scenario with one change of each kind is built on the map and saved', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.click('#tab-scenario');
    const jump = async (c) => {
      await page.evaluate((center) => window.kartrum.map.jumpTo({ center, zoom: 12 }), c);
      await idle(page);
    };
    await jump(STORE);
    const [lon, lat] = STORE;

    // New homes: 610 residents at a point.
    await page.fill('#scb-homes-pop', '610');
    await page.click('#scb-homes-point');
    assert.equal(await page.getAttribute('#scb-homes-point', 'aria-pressed'), 'true');
    await clickAt(page, [lon + 0.01, lat + 0.005]);
    assert.deepEqual(await changeTexts(page), ['610 invånare i en punkt']);
    // A change can be taken away again (and drawn anew); no homes without residents.
    await page.click('#scb-changes .scb-remove');
    assert.deepEqual(await changeTexts(page), []);
    await page.fill('#scb-homes-pop', '0');
    await page.click('#scb-homes-point');
    await clickAt(page, [lon + 0.01, lat + 0.005]);
    assert.match(await page.locator('#scb-status').innerText(), /invånare/);
    assert.deepEqual(await changeTexts(page), []);
    await page.fill('#scb-homes-pop', '610');
    await page.click('#scb-homes-point');
    await clickAt(page, [lon + 0.01, lat + 0.005]);
    assert.deepEqual(await changeTexts(page), ['610 invånare i en punkt']);

    // A closed road, picked on the map from the network's own tiles.
    await page.selectOption('#scb-road-action', 'close');
    await page.click('#scb-road-pick');
    await jump(road.at);
    await clickAt(page, road.at);
    await page.waitForFunction(() => window.kartrum.scenarios.state.picked.length === 1);
    const picked = await page.evaluate(() => window.kartrum.scenarios.state.picked[0]);
    await page.keyboard.press('Enter');
    await jump(STORE);

    // Roads inside a drawn area get 100 km/h.
    await page.selectOption('#scb-road-action', 'speed');
    await page.fill('#scb-road-speed', '100');
    await page.click('#scb-road-area');
    await drawOnMap(page, [[lon - 0.02, lat - 0.01], [lon + 0.02, lat - 0.01], [lon + 0.02, lat + 0.01]]);

    // A new two-way link at 80 km/h.
    await page.fill('#scb-link-speed', '80');
    await page.click('#scb-link-draw');
    await drawOnMap(page, [[lon - 0.015, lat + 0.008], [lon + 0.015, lat + 0.012]]);

    // The store closes: from its popup.
    await setLayer(page, 'servicepunkter', true);
    await clickAt(page, STORE);
    const popup = page.locator('.maplibregl-popup-content');
    await popup.waitFor({ timeout: 10_000 });
    assert.match(await popup.innerText(), /Hemköp Dala-Järna/);
    await page.click('#scb-popup-close');
    await setLayer(page, 'servicepunkter', false);

    const texts = await changeTexts(page);
    assert.equal(texts.length, 5, `five changes: ${texts}`);
    assert.match(texts[0], /610 invånare/);
    assert.match(texts[1], /Stängda vägar: 1 vägar/);
    assert.match(texts[2], /100 km\/h: i ritat område/);
    assert.match(texts[3], /Ny länk, 80 km\/h/);
    assert.match(texts[4], /Stängd service: servicepunkter\/\d+/);

    await page.evaluate((token) => sessionStorage.setItem('kartrum.token', token), TOKEN);
    await page.fill('#scb-name', NAME);
    await page.fill('#scb-description', '610 nya invånare, en stängd väg, 100 km/h, en ny länk och en butik som stänger');
    await page.click('#scb-save');
    await page.locator('#scb-saved .scb-open', { hasText: NAME }).waitFor({ timeout: 10_000 });

    const list = (await (await fetch(`${server.url}/api/scenarios`)).json()).scenarios;
    saved = list.find((s) => s.name === NAME);
    assert.ok(saved, `saved: ${JSON.stringify(list)}`);
    const c = saved.changes;
    assert.ok(Number.isInteger(picked), `a feature of ${road.layer} picked: ${picked}`);
    assert.equal(c.population.length, 1);
    assert.equal(c.population[0].population, 610);
    assert.deepEqual(c.network.close, [{ ids: [`${road.layer}/${picked}`] }]);
    assert.equal(c.network.speed[0].speed_kmh, 100);
    assert.equal(c.network.speed[0].within.type, 'Polygon');
    assert.equal(c.network.links[0].speed_kmh, 80);
    assert.equal(c.network.links[0].oneway, false);
    assert.equal(c.network.links[0].line.coordinates.length, 2);
    assert.equal(c.remove.length, 1);
    assert.match(c.remove[0], /^servicepunkter\/\d+$/);
  });

  test('the saved scenario is compared with the baseline: table and map', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.evaluate(() => window.kartrum.map.jumpTo({ center: [14.9, 60.9], zoom: 7.2 }));
    await page.selectOption('#cmp-analysis', 'service_access');
    await page.check(`#cmp-pick-${saved.id}`);
    await page.click('#cmp-run');
    await page.locator('#cmp-total tbody tr').first().waitFor({ timeout: 120_000 });
    await idle(page);

    const header = await page.locator('#cmp-total thead').innerText();
    assert.match(header, /Nuläge/);
    assert.match(header, new RegExp(NAME));
    const result = await page.evaluate(() => window.kartrum.compare.result);
    assert.equal(result.scenarios.length, 2);
    assert.equal(result.scenarios[1].id, saved.id);
    assert.equal(result.total.difference[0], null);
    // The table shows the answer: every measure's baseline, scenario and difference.
    const rows = await page.locator('#cmp-total tbody tr').allInnerTexts();
    assert.equal(rows.length, result.measures.length);
    assert.ok(result.measures.some((m) => result.total.difference[1][m.key] !== 0), 'the scenario changes something');
    assert.doesNotMatch(await page.locator('#cmp-results').innerText(), /\bnull\b|NaN|undefined/);
    // Per municipality: the areas of the answer, the total at the foot.
    assert.equal(await page.locator('#cmp-areas tbody tr').count(), result.areas.length);
    assert.match(await page.locator('#cmp-areas tfoot').innerText(), /Totalt/);
    totals = await page.locator('#cmp-total').innerText();

    // The map shows the scenario's layer, then its difference from the baseline.
    const drawn = () => page.evaluate(() => window.kartrum.map.getStyle().layers.find((l) => l.id === 'cmp-fill')?.['source-layer'] ?? null);
    assert.equal(await drawn(), result.scenarios[1].layer);
    await page.selectOption('#cmp-view', 'change');
    await idle(page);
    assert.match(await page.locator('#legend').innerText(), /skillnad mot nuläget/);
    await page.selectOption('#cmp-show', '0');
    await idle(page);
    assert.equal(await drawn(), result.scenarios[0].layer);
    assert.ok(await page.isDisabled('#cmp-view'), 'the baseline has no difference');
    await page.selectOption('#cmp-show', '1');
    await idle(page);
    assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /cmp=\{"analysis":"service_access"/);

    // Meeting mode: the comparison stays, legible; the builder goes.
    await page.click('#btn-meeting');
    await idle(page);
    assert.ok(await page.isVisible('#cmp-summary'));
    const size = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('cmp-summary')).fontSize));
    assert.ok(size >= 18, `the key measure at ${size}px`);
    assert.ok(await page.isVisible('#cmp-total'));
    assert.ok(!(await page.isVisible('#scb-form')));
    await page.screenshot({ path: path.join(OUT, 'scenarios-meeting.png') });
    await page.click('#btn-meeting');
    assert.deepEqual(main.errors, []);
  });

  test('a saved view re-opens the scenario and the same numbers', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.fill('#view-name', 'Jämförelse Dala-Järna');
    await page.click('#view-form button[type="submit"]');
    await page.locator('#view-message', { hasText: /sparad/i }).waitFor({ timeout: 10_000 });
    const views = (await (await fetch(`${server.url}/api/views`)).json()).views;
    const view = views.find((v) => v.title === 'Jämförelse Dala-Järna');
    assert.equal(view.scenario, saved.id, 'the view names the scenario');

    const opened = await openMap(browser, `${server.url}/#view=${view.id}`);
    await opened.page.locator('#cmp-total tbody tr').first().waitFor({ timeout: 120_000 });
    assert.equal(await opened.page.locator('#cmp-total').innerText(), totals);
    await opened.page.click('#tab-scenario');
    assert.match(await opened.page.locator('#scb-current').innerText(), new RegExp(NAME));
    assert.equal((await changeTexts(opened.page)).length, 5);
    assert.deepEqual(opened.errors, []);
    await opened.context.close();
  });
});
