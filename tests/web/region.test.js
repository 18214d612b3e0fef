// The web map on a second region (data/stockholm.toml: ids of its own, `vagar`, `orter`,
// `butiker`, `kommungranser`, and its profile): the panels read the profile and the catalog, so
// service access runs from the panel with the region's own kind and with a layer picked in it.
//   node --test tests/web/region.test.js

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { OUT, idle, launchBrowser, openMap, setLayer, startServer } from './harness.js';

const TIMEOUT = 300_000;
/** Inner Stockholm, where the region's road network is. */
const INNER = [[17.96, 59.28], [18.16, 59.39]];

let server;
let browser;
let main;
/** The service-access requests the page sent. */
const sent = [];

before(async () => {
  server = await startServer({ demo: 'data/stockholm.toml' });
  browser = await launchBrowser();
  main = await openMap(browser, `${server.url}/`);
  main.page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/analysis/service-access')) sent.push(JSON.parse(r.postData()));
  });
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs the service panel's form and waits for its table; returns the answer the page shows. */
async function runService(page) {
  const before = sent.length;
  await page.click('#sa-run');
  await page.waitForFunction((n) => window.kartrum.serviceAccess.result && !window.kartrum.serviceAccess.busy
    && document.querySelector('#sa-table tbody tr'), before, { timeout: 180_000 });
  assert.equal(sent.length, before + 1, 'one request sent');
  await page.evaluate((b) => window.kartrum.map.fitBounds(b, { duration: 0 }), INNER);
  await idle(page);
  return page.evaluate(() => window.kartrum.serviceAccess.result);
}

/** Result features drawn on the map (the choropleth's cells or the demand's points). */
async function drawnResult(page) {
  return page.evaluate(() => {
    const map = window.kartrum.map;
    const layers = ['sa-fill', 'sa-points'].filter((id) => map.getLayer(id));
    return layers.length ? map.queryRenderedFeatures({ layers }).length : 0;
  });
}

describe('a second region', { timeout: 10 * TIMEOUT }, () => {
  test('the map reads the region profile: its kinds, its places, no console errors', { timeout: TIMEOUT }, async () => {
    const { page, errors } = main;
    assert.deepEqual(errors, []);
    const kinds = await page.$$eval('#sa-kind option', (os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(kinds.slice(0, 2), [['livs', 'Livsmedel'], ['apotek', 'Apotek']], 'the profile\'s kinds and labels');
    assert.equal(kinds[2][0], 'own', 'and an own choice');
    // The own basemap: the profile's places and boundaries, by their own ids.
    const basemap = await page.evaluate(() => window.kartrum.map.getStyle().layers
      .filter((l) => l.id.startsWith('bm-') && l['source-layer']).map((l) => `${l.id}:${l['source-layer']}`));
    assert.deepEqual(basemap, ['bm-label-tatort:orter']);
    // The data of the analysis: the profile's layers, chosen in the pickers.
    assert.equal(await page.inputValue('#sa-network'), 'vagar');
    assert.equal(await page.inputValue('#sa-demand-layer'), 'orter');
    assert.equal(await page.inputValue('#sa-demand-field'), 'pop');
    assert.equal(await page.inputValue('#sa-areas'), 'kommungranser');
  });

  test('service access with the profile\'s kind: table per kommun and the result on the map', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.selectOption('#sa-kind', 'livs');
    const result = await runService(page);
    const body = sent[sent.length - 1];
    assert.equal(body.network, 'vagar');
    assert.deepEqual(body.demand, { layer: 'orter', population: 'pop' });
    assert.deepEqual(body.supply, [{ layer: 'butiker', filter: { category: 'grocery' } }]);
    assert.deepEqual(body.areas, { layer: 'kommungranser', name_field: 'name', code_field: 'code' });

    const rows = await page.locator('#sa-table tbody th').allInnerTexts();
    assert.ok(rows.includes('Stockholm'), `Stockholm among the kommuner: ${rows}`);
    assert.ok(rows.includes('Södertälje'), `Södertälje among the kommuner: ${rows}`);
    assert.match(await page.locator('#sa-summary').innerText(), /närmaste livsmedel/);
    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /Restid till närmaste livsmedel/);
    // A road network of the region's own, not the demo's bus network, and said in Swedish.
    assert.match(legend, /Utanför nätet/);
    assert.doesNotMatch(legend, /bussnätet/);
    assert.match(await page.locator('#sa-network-note').innerText(), /Restiderna följer linjelagret ”vagar”/);
    assert.ok(result.total.population > 0);
    assert.ok(await drawnResult(page) > 0, 'the result is drawn on the map');
    assert.match(page.url(), /sa=livs~5-10-20-30~band/);
    await page.screenshot({ path: path.join(OUT, 'region-service.png') });
  });

  test('service access with a layer picked in the panel ("own choice" with a filter)', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    // Apotek first, from the profile: the own choice of the same points must agree with it.
    await page.selectOption('#sa-kind', 'apotek');
    const byKind = await runService(page);

    await page.selectOption('#sa-kind', 'own');
    assert.equal(await page.locator('#sa-own').isVisible(), true);
    // Without a layer the panel asks for one instead of sending a request that fails.
    const count = sent.length;
    await page.selectOption('#sa-supply-layer', '');
    await page.click('#sa-run');
    await page.waitForFunction(() => /Välj ett servicelager/.test(document.getElementById('sa-status').textContent));
    assert.equal(sent.length, count, 'nothing sent');

    await page.selectOption('#sa-supply-layer', 'butiker');
    const fields = await page.$$eval('#sa-filter-field option', (os) => os.map((o) => o.value));
    assert.ok(fields.includes('category') && fields.includes('chain'), `the layer's fields: ${fields}`);
    await page.selectOption('#sa-filter-field', 'category');
    await page.fill('#sa-filter-value', 'pharmacy');
    const own = await runService(page);
    assert.deepEqual(sent[sent.length - 1].supply, [{ layer: 'butiker', filter: { category: 'pharmacy' } }]);
    assert.deepEqual(own.total, byKind.total, 'the same points as the profile\'s kind');
    const rows = await page.locator('#sa-table tbody th').allInnerTexts();
    assert.ok(rows.includes('Stockholm'), `Stockholm among the kommuner: ${rows}`);
    assert.ok(await drawnResult(page) > 0, 'the result is drawn on the map');
    assert.match(page.url(), /sa=own~/);
    assert.match(decodeURIComponent(page.url()), /si=\{"supply":\{"layer":"butiker","filter":\{"category":"pharmacy"\}\}\}/);

    // The link opens the same analysis in another browser.
    const other = await openMap(browser, page.url());
    await other.page.waitForFunction(() => document.querySelector('#sa-table tbody tr'), null, { timeout: 180_000 });
    assert.equal(await other.page.inputValue('#sa-kind'), 'own');
    assert.equal(await other.page.inputValue('#sa-supply-layer'), 'butiker');
    assert.equal(await other.page.inputValue('#sa-filter-value'), 'pharmacy');
    assert.deepEqual(await other.page.evaluate(() => window.kartrum.serviceAccess.result.total), own.total);
    assert.deepEqual(other.errors, []);
    await other.context.close();
  });

  test('"what if it closes?" on a store of the region\'s own service layer, with its kind', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    const fc = await (await fetch(`${server.url}/api/layers/butiker/features?bbox=18.03,59.32,18.09,59.35&category=grocery&limit=1`)).json();
    const store = fc.features[0];
    assert.ok(store, 'a grocery store in inner Stockholm');
    await setLayer(page, 'butiker', true);
    await page.evaluate((c) => window.kartrum.map.jumpTo({ center: c, zoom: 17 }), store.geometry.coordinates);
    await idle(page);
    const canvas = await page.locator('.maplibregl-canvas').boundingBox();
    const point = await page.evaluate((c) => window.kartrum.map.project(c), store.geometry.coordinates);
    await page.mouse.click(canvas.x + point.x, canvas.y + point.y);
    await page.locator('#btn-whatif').click({ timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('sa-whatif-summary'), null, { timeout: 180_000 });
    const service = await page.evaluate(() => window.kartrum.analysis.service);
    assert.equal(service.kind, 'livs', 'the kind whose layer and filter the store matches');
    assert.match(service.remove, /^butiker\/\d+$/);
    assert.equal(service.name, store.properties.name);
    await setLayer(page, 'butiker', false);
  });

  test('a corridor counts the region\'s own layers (the profile\'s sources)', { timeout: TIMEOUT }, async () => {
    const corridor = [];
    // A line through the tätort Stockholm (a point of the demand layer `orter`).
    const town = (await (await fetch(`${server.url}/api/layers/orter/features?name=Stockholm&limit=1`)).json()).features[0];
    const [x, y] = town.geometry.coordinates;
    const line = [[x - 0.03, y], [x + 0.03, y]].map((p) => p.map((c) => c.toFixed(5)).join(',')).join(';');
    const opened = await openMap(browser, `${server.url}/#map=12/${y}/${x}&bm=own&l=&co=1000;${line}`);
    opened.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/analysis/corridor')) corridor.push(JSON.parse(r.postData()));
    });
    await opened.page.waitForFunction(() => window.kartrum.corridor.result || window.kartrum.corridor.error, null, { timeout: 180_000 });
    assert.equal(await opened.page.evaluate(() => window.kartrum.corridor.error), null);
    // The first request may have left before the listener: the page's own state tells the rest.
    const result = await opened.page.evaluate(() => window.kartrum.corridor.result);
    assert.equal(result.region.population.layer, 'orter');
    assert.equal(result.region.tatorter.layer, 'orter');
    assert.ok(result.corridors[0].population.total > 900_000, 'the tätort Stockholm lies on the line');
    assert.ok(result.corridors[0].tatorter.items.some((t) => t.name === 'Stockholm'), 'and is named');
    assert.notEqual(await opened.page.locator('#co-population').innerText(), '–');
    // Without corridor lines in the profile the panel asks for a line layer.
    await opened.page.click('#tab-corridor');
    await opened.page.waitForFunction(() => /Välj ett linjelager/.test(document.getElementById('co-status').textContent));
    assert.deepEqual(opened.errors, []);
    assert.deepEqual(corridor, [], 'no request sent for lines that are not chosen');
    await opened.context.close();
  });

  test('the place profile of a tätort of the region lists the profile\'s kinds, without a transit section', { timeout: TIMEOUT }, async () => {
    const { page, errors } = main;
    await page.click('#tab-profile');
    await page.waitForFunction(() => document.querySelectorAll('#profile-place option').length > 1, null, { timeout: 120_000 });
    const places = await page.$$eval('#profile-place option', (os) => os.map((o) => [o.value, o.textContent]));
    const stockholm = places.find(([, name]) => /^Stockholm \(/.test(name));
    assert.ok(stockholm, `Stockholm among ${places.length} places`);
    await page.selectOption('#profile-place', stockholm[0]);
    await page.waitForFunction(() => /^Stockholm/.test(document.querySelector('#profile .kr-profile h2')?.textContent ?? ''), null, { timeout: 120_000 });
    const text = await page.locator('#profile .kr-profile').innerText();
    assert.match(text, /Livsmedel/, 'the profile\'s kind by its label');
    assert.match(text, /Apotek/);
    assert.doesNotMatch(text, /Kollektivtrafik|Vårdcentraler i kommunen/, 'no stops or health kind in this profile');
    assert.deepEqual(errors, []);
  });
});

describe('a region with no profile and no layers', { timeout: 2 * TIMEOUT }, () => {
  test('the panels ask for what they need instead of sending requests that fail', { timeout: TIMEOUT }, async () => {
    const empty = await startServer({ demo: false });
    try {
      const opened = await openMap(browser, `${empty.url}/`);
      const { page } = opened;
      const posts = [];
      page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
      assert.deepEqual(await page.$$eval('#sa-kind option', (os) => os.map((o) => o.value)), ['own']);
      await page.click('#sa-run');
      await page.waitForFunction(() => /Välj ett vägnät\. .*Välj ett servicelager\./.test(document.getElementById('sa-status').textContent));
      assert.equal(await page.evaluate(() => document.getElementById('sa-inputs').open), true, 'the data section opens');
      await page.click('#tab-profile');
      await page.waitForFunction(() => /Välj ett tätortslager/.test(document.getElementById('profile').textContent));
      await page.click('#tab-corridor');
      await page.waitForFunction(() => /Välj ett linjelager/.test(document.getElementById('co-status').textContent));
      assert.deepEqual(posts, []);
      assert.deepEqual(opened.errors, []);
      await opened.context.close();
    } finally {
      await empty.stop();
    }
  });
});
