// The analysis panel in real headless Chromium against a real kartrum with the demo data:
// service access, "what if it closes?", place profiles and corridors.
//   node --test tests/web/

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { OUT, TOKEN, boxOf, clickAt, idle, launchBrowser, openMap, pixels, setLayer, startServer } from './harness.js';

const DALARNA = [12.2, 59.9, 16.7, 62.2];
/** Hemköp Dala-Järna (servicepunkter/2398): its closure sends Vansbro residents farther. */
const STORE = [14.372685, 60.547579];
const TIMEOUT = 240_000;

let server;
let browser;
let main;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  main = await openMap(browser, `${server.url}/`);
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('analysis panel', { timeout: 20 * TIMEOUT }, () => {
  test('service access from the panel: choropleth, legend, municipality table, URL', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.evaluate(() => window.kartrum.map.jumpTo({ center: [14.9, 60.9], zoom: 7.2 }));
    await idle(page);
    const box = await boxOf(page, DALARNA);
    const before = await pixels(page, box);

    assert.equal(await page.inputValue('#sa-bands'), '5, 10, 20, 30');
    await page.selectOption('#sa-kind', 'grocery');
    await page.click('#sa-run');
    await page.locator('#sa-table tbody tr').first().waitFor({ timeout: 120_000 });
    await idle(page);

    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /Restid till närmaste dagligvarubutik/);
    for (const band of ['0–5 min', '5–10 min', '10–20 min', '20–30 min', '>30 min', 'Utanför bussnätet']) {
      assert.ok(legend.includes(band), `legend has ${band}: ${legend}`);
    }
    assert.match(legend, /bussnätet, inte alla vägar/);
    const note = await page.locator('#sa-network-note').innerText();
    assert.match(note, /bussnätet, inte alla vägar/);

    const rows = await page.locator('#sa-table tbody th').allInnerTexts();
    for (const name of ['Falun', 'Ludvika', 'Borlänge', 'Mora', 'Vansbro']) assert.ok(rows.includes(name), `${name} in ${rows}`);
    // Cells count under the municipality of their kommunkod: Dalarna's 15, nobody outside.
    assert.equal(rows.length, 15, `Dalarna's 15 municipalities: ${rows}`);
    assert.match(await page.locator('#sa-area-join').innerText(), /fält ”kommunkod”/);
    assert.doesNotMatch(await page.locator('#sa-results').innerText(), /\bnull\b/);
    const header = await page.locator('#sa-table thead').innerText();
    assert.match(header, /0–5/);
    assert.match(header, /Andel >30/);
    assert.match(header, /Medel/);
    assert.match(await page.locator('#sa-table tfoot').innerText(), /Totalt/);
    assert.match(await page.locator('#sa-summary').innerText(), /bor mer än 30 min från närmaste dagligvarubutik/);

    // Sorting by population puts Falun (the most populous) first; again reverses.
    await page.click('#sa-table button[data-key="population"]');
    assert.equal(await page.locator('#sa-table tbody th').first().innerText(), 'Falun');
    assert.equal(await page.getAttribute('#sa-table th:has(button[data-key="population"])', 'aria-sort'), 'descending');
    await page.click('#sa-table button[data-key="population"]');
    assert.equal(await page.getAttribute('#sa-table th:has(button[data-key="population"])', 'aria-sort'), 'ascending');

    const after = await pixels(page, box);
    assert.notEqual(after.hash, before.hash, 'the choropleth changes the map');
    assert.ok(after.distinct > before.distinct * 0.5);
    assert.match(page.url(), /sa=grocery~5-10-20-30~band/);
    await page.screenshot({ path: path.join(OUT, 'service-access.png') });

    // Meeting mode keeps the results (not the form) beside the map.
    await page.locator('body').press('m');
    await page.waitForFunction(() => document.body.classList.contains('meeting'));
    assert.equal(await page.locator('#sa-table').isVisible(), true);
    assert.equal(await page.locator('#sa-form').isVisible(), false);
    await page.evaluate(() => window.kartrum.map.resize());
    await idle(page);
    await page.screenshot({ path: path.join(OUT, 'service-access-meeting.png') });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.body.classList.contains('meeting'));
  });

  test('bands are editable and checked', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.fill('#sa-bands', '10, 5');
    await page.click('#sa-run');
    assert.match(await page.locator('#sa-status').innerText(), /ökande tal/);
    assert.equal(await page.getAttribute('#sa-bands', 'aria-invalid'), 'true');
    await page.fill('#sa-bands', '10, 20, 45');
    await page.selectOption('#sa-kind', 'health');
    await page.click('#sa-run');
    await page.waitForFunction(() => /vårdcentral/.test(document.getElementById('legend').textContent)
      && document.querySelectorAll('#legend li').length === 5, null, { timeout: 120_000 });
    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /0–10 min/);
    assert.match(legend, />45 min/);
    assert.match(await page.locator('#sa-table thead').innerText(), /Andel >45/);
    assert.match(page.url(), /sa=health~10-20-45~band/);
    // Back to the default for the next test.
    await page.fill('#sa-bands', '5, 10, 20, 30');
    await page.selectOption('#sa-kind', 'grocery');
    await page.click('#sa-run');
    await page.waitForFunction(() => /sa=grocery~5-10-20-30/.test(location.hash) && document.querySelector('#sa-table'), null, { timeout: 120_000 });
  });

  test('"what if it closes?" on a grocery store shows who gets farther', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await setLayer(page, 'servicepunkter', true);
    await page.evaluate((c) => window.kartrum.map.jumpTo({ center: c, zoom: 11 }), STORE);
    await idle(page);
    const area = await boxOf(page, [14.25, 60.5, 14.5, 60.6]);
    const before = await pixels(page, area);
    await clickAt(page, STORE);
    const popup = page.locator('.maplibregl-popup-content');
    await popup.waitFor({ timeout: 10_000 });
    assert.match(await popup.innerText(), /Hemköp Dala-Järna/);
    await page.click('#btn-whatif');
    await page.locator('#sa-whatif-summary').waitFor({ timeout: 120_000 });
    await idle(page);

    const summary = await page.locator('#sa-whatif-summary').innerText();
    const farther = Number(/^([\d\s]+) invånare får längre/.exec(summary)?.[1].replace(/\s/g, ''));
    assert.ok(farther > 0, `someone gets farther: ${summary}`);
    const diff = await page.locator('#sa-diff-table').innerText();
    assert.match(diff, /Vansbro/);
    assert.match(await page.locator('#sa-scenario h3').innerText(), /Om Hemköp Dala-Järna stänger/);
    assert.match(await page.locator('#legend').innerText(), /Längre restid om Hemköp Dala-Järna stänger/);
    const afterPixels = await pixels(page, area);
    assert.notEqual(afterPixels.hash, before.hash, 'the cells that get farther are drawn');
    assert.match(page.url(), /servicepunkter%2F2398/);
    await page.screenshot({ path: path.join(OUT, 'what-if.png') });

    // The link restores the scenario in a new tab.
    const again = await openMap(browser, page.url());
    await again.page.locator('#sa-whatif-summary').waitFor({ timeout: 120_000 });
    assert.match(await again.page.locator('#sa-whatif-summary').innerText(), /invånare får längre/);
    assert.deepEqual(again.errors, []);
    await again.context.close();

    await page.click('#sa-whatif-reset');
    await page.waitForFunction(() => !document.querySelector('#sa-whatif-summary'));
    assert.doesNotMatch(page.url(), /2398/);
    await setLayer(page, 'servicepunkter', false);
  });

  test('a saved view restores the analysis', { timeout: TIMEOUT }, async () => {
    const view = {
      title: 'Apotek i Dalarna',
      camera: { center: [14.9, 60.9], zoom: 7.2, bearing: 0, pitch: 0 },
      layers: [{ id: 'kommuner', opacity: 1, style: { kind: 'simple', color: '#5b4b8a' } }],
      analysis: { service: { kind: 'pharmacy', breaks: [10, 20, 30], color: 'time_min' } },
    };
    const response = await fetch(`${server.url}/api/views`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(view),
    });
    assert.equal(response.status, 201);
    const saved = await response.json();
    const opened = await openMap(browser, `${server.url}/#view=${saved.id}`);
    await opened.page.locator('#sa-table tbody tr').first().waitFor({ timeout: 120_000 });
    await idle(opened.page);
    assert.match(await opened.page.locator('#legend').innerText(), /Restid till närmaste apotek/);
    assert.equal(await opened.page.inputValue('#sa-kind'), 'pharmacy');
    assert.equal(await opened.page.inputValue('#sa-color'), 'time_min');
    assert.equal(await opened.page.inputValue('#sa-bands'), '10, 20, 30');
    assert.match(opened.page.url(), /sa=pharmacy~10-20-30~time_min/);
    assert.deepEqual(opened.errors, []);
    await opened.context.close();
  });

  test('the place profile of Ludvika lists its health centres and prints on one page', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.locator('body').press('/');
    await page.keyboard.type('Ludvika');
    const option = page.locator('#search-results li', { hasText: 'Tätort' }).first();
    await option.waitFor();
    await option.click();
    const profile = page.locator('#profile .kr-profile');
    await profile.waitFor({ timeout: 120_000 });
    assert.equal(await page.getAttribute('#tab-profile', 'aria-selected'), 'true');
    const text = await profile.innerText();
    assert.match(text, /^Ludvika/);
    assert.match(text, /Kommun: Ludvika/);
    assert.match(text, /Vårdcentraler i kommunen \(Ludvika\)/);
    assert.doesNotMatch(text, /Ludvika kommun/, 'no made-up genitive forms');
    assert.match(text, /Ludvika lasarett/);
    assert.match(text, /Grängesbergs vårdcentral/);
    assert.match(page.url(), /pl=2085TC110/);
    // The class reason and the rules are in Swedish, numbers the Swedish way; no English.
    const reason = page.locator('#profile .kr-profile-reason');
    assert.equal(await reason.innerText(), 'Den folkrikaste tätorten i kommunen Ludvika.');
    assert.match(text, /Ortstyp: Huvudort/);
    assert.match(text, /Serviceort: minst 1\s000 invånare och en dagligvarubutik inom 2 km fågelvägen/);
    assert.match(text, /Landsbygdsort: övriga tätorter/);
    assert.match(text, /Dagligvarubutik/);
    assert.doesNotMatch(text, /\b(the|inhabitants|grocery|straight line|every other|municipality)\b/i);
    await page.waitForFunction(() => !window.kartrum.map.isMoving(), null, { timeout: 20_000 });
    await idle(page);
    await page.screenshot({ path: path.join(OUT, 'profile.png') });

    // The print stylesheet puts the profile alone on one A4 page.
    await page.evaluate(() => {
      document.body.classList.add('kr-printing-profile');
      document.getElementById('profile').classList.add('kr-profile-printed');
    });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, path: path.join(OUT, 'profile-print.pdf') });
    await page.evaluate(() => {
      document.body.classList.remove('kr-printing-profile');
      document.getElementById('profile').classList.remove('kr-profile-printed');
    });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.equal(pages, 1, 'the profile prints on one page');
  });

  test('the reason of a serviceort has its numbers, in Swedish and in English', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    const places = await (await fetch(`${server.url}/api/places`)).json();
    const town = places.places.find((p) => p.class === 'serviceort');
    assert.ok(town, 'Dalarna has a serviceort');
    await page.click('#tab-profile');
    await page.selectOption('#profile-place', town.id);
    const reason = page.locator('#profile .kr-profile-reason');
    await page.waitForFunction((name) => document.querySelector('#profile .kr-profile h2')?.textContent === name
      && document.querySelector('#profile .kr-profile-reason'), town.name, { timeout: 120_000 });
    // E.g. "1 234 invånare (minst 1 000) och en dagligvarubutik 0,4 km bort fågelvägen (högst 2 km)."
    assert.match(await reason.innerText(),
      /^\d{1,3}(\s\d{3})* invånare \(minst 1\s000\) och en dagligvarubutik \d+(,\d)? km bort fågelvägen \(högst 2 km\)\.$/);
    const swedish = await page.locator('#profile .kr-profile').innerText();
    assert.doesNotMatch(swedish, /\b(the|inhabitants|grocery|straight line|every other)\b/i);

    // The English UI says it in English, numbers the English way.
    await page.click('#btn-lang');
    await page.waitForFunction(() => /inhabitants/.test(document.querySelector('#profile .kr-profile-reason')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.match(await reason.innerText(),
      /^\d{1,3}(,\d{3})* inhabitants \(at least 1,000\) and a grocery store \d+(\.\d)? km away in a straight line \(at most 2 km\)\.$/);
    const english = await page.locator('#profile .kr-profile').innerText();
    assert.match(english, /Place type: Service locality/);
    assert.match(english, /Main locality: the most populous locality in its municipality/);
    assert.match(english, /Service locality: at least 1,000 inhabitants and a grocery store within 2 km in a straight line/);
    assert.match(english, /Grocery store/);
    assert.doesNotMatch(english, /invånare|dagligvarubutik|fågelvägen|folkrikaste|övriga/i);
    await page.screenshot({ path: path.join(OUT, 'profile-en.png') });
    await page.click('#btn-lang');
    assert.equal(await page.getAttribute('html', 'lang'), 'sv');
    await page.waitForFunction(() => /invånare \(minst/.test(document.querySelector('#profile .kr-profile-reason')?.textContent ?? ''), null, { timeout: 120_000 });
  });

  test('the corridor panel draws a corridor and shows its population and profile', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.click('#tab-corridor');
    await page.evaluate(() => window.kartrum.map.jumpTo({ center: [15.53, 60.545], zoom: 9.5 }));
    await idle(page);
    const box = await boxOf(page, [15.45, 60.5, 15.6, 60.59]);
    const before = await pixels(page, box);
    await page.fill('#co-width', '2000');
    await page.click('#co-draw');
    assert.equal(await page.getAttribute('#co-draw', 'aria-pressed'), 'true');
    for (const c of [[15.63, 60.606], [15.53, 60.55], [15.43, 60.485]]) {
      await clickAt(page, c);
      await page.waitForTimeout(350);
    }
    assert.equal(await page.evaluate(() => window.kartrum.corridor.draft.length), 3);
    await page.keyboard.press('Enter');
    await page.locator('#co-population').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => !window.kartrum.map.isMoving(), null, { timeout: 20_000 });
    await idle(page);

    const population = Number((await page.locator('#co-population').innerText()).replace(/\s/g, ''));
    assert.ok(population > 20_000, `population in the corridor: ${population}`);
    const figures = await page.locator('#co-figures').innerText();
    assert.match(figures, /Tätorter\s+\d+: .*Borlänge/);
    assert.match(figures, /Tätorter\s+\d+: .*Falun/);
    assert.equal(await page.locator('#co-chart-population rect').count() > 10, true);
    assert.equal(await page.locator('#co-chart-departures rect').count() > 10, true);
    assert.match(await page.locator('#legend').innerText(), /Stråk[\s\S]*invånare/);
    assert.match(page.url(), /co=2000;15\.6\d*,60\.60\d*;15\.5\d*,60\.5\d*;15\.4\d*,60\.48\d*/);
    const drawn = await pixels(page, await boxOf(page, [15.45, 60.5, 15.6, 60.59]));
    assert.notEqual(drawn.hash, before.hash, 'the corridor is on the map');
    await page.screenshot({ path: path.join(OUT, 'corridor.png') });

    // The export draws the map canvas (with the corridor) and these legend entries.
    const entries = await page.evaluate(() => window.kartrum.legendEntries());
    assert.ok(entries.some((e) => /invånare/.test(e.note ?? '')), 'the export legend has the corridor figures');

    // English through i18n.
    await page.click('#btn-lang');
    assert.equal(await page.locator('#panel-corridor h2').innerText(), 'Corridor analysis');
    assert.match(await page.locator('#co-figures').innerText(), /Population/);
    await page.click('#tab-service');
    assert.match(await page.locator('#sa-network-note').innerText(), /bus network, not all roads/);
    await page.screenshot({ path: path.join(OUT, 'service-access-en.png') });
    await page.click('#btn-lang');
    assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  });

  test('a trunk bus line can be chosen with the keyboard', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.click('#tab-service');
    await page.focus('#tab-service');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-corridor');
    assert.equal(await page.getAttribute('#tab-corridor', 'aria-selected'), 'true');
    await page.focus('#co-line');
    await page.waitForFunction(() => document.querySelectorAll('#co-line option').length > 1, null, { timeout: 60_000 });
    const value = await page.locator('#co-line option').nth(1).getAttribute('value');
    await page.selectOption('#co-line', value);
    await page.fill('#co-width', '1000');
    await page.focus('#co-run');
    await page.keyboard.press('Enter');
    await page.waitForFunction((v) => location.hash.includes(`co=1000;busslinjer:linjenummer=${v}`)
      && document.querySelector('#co-results h3')?.textContent.includes(v), value, { timeout: 120_000 });
    const population = Number((await page.locator('#co-population').innerText()).replace(/\s/g, ''));
    assert.ok(population > 0);
    await page.click('#co-clear');
    await page.waitForFunction(() => !document.querySelector('#co-figures'));
  });

  test('railway segments picked on the map are analysed as a corridor', { timeout: TIMEOUT }, async () => {
    const { page } = main;
    await page.click('#tab-corridor');
    await page.evaluate(() => window.kartrum.map.jumpTo({ center: [15.48, 60.42], zoom: 9 }));
    await idle(page);
    const area = [15.25, 60.3, 15.65, 60.55];
    const before = await pixels(page, await boxOf(page, area));
    await page.fill('#co-width', '2000');
    await page.click('#co-pick-rail');
    await page.waitForFunction(() => window.kartrum.corridor.mode === 'pick' && window.kartrum.map.getLayer('co-rail-all'), null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#co-pick-rail', 'aria-pressed'), 'true');
    await idle(page);
    // Vertices of two segments of jarnvagar: Borlänge–Ludvika (Bergslagsbanan) and Borlänge–Falun.
    // (The tätort points of Borlänge and Falun lie within 2 km of the railway, Ludvika's not.)
    for (const c of [[15.36186, 60.335912], [15.606292, 60.510965]]) {
      await clickAt(page, c);
      await page.waitForTimeout(350);
    }
    assert.equal(await page.evaluate(() => window.kartrum.corridor.picked.length), 2);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#co-results h3')?.textContent === 'Järnväg (2 delsträckor)'
      && document.querySelector('#co-population'), null, { timeout: 120_000 });
    await page.waitForFunction(() => !window.kartrum.map.isMoving(), null, { timeout: 20_000 });
    await idle(page);

    const number = async (id) => Number((await page.locator(id).innerText()).replace(/\s/g, ''));
    const population = await number('#co-population');
    assert.ok(population > 20_000, `population along the railway: ${population}`);
    assert.ok(await number('#co-stops') > 0, 'stops along the railway');
    const towns = await page.evaluate(() => window.kartrum.corridor.result.corridors[0].tatorter.items.map((x) => x.name));
    for (const town of ['Borlänge', 'Falun', 'Ornäs']) assert.ok(towns.includes(town), `${town} in ${towns}`);
    assert.equal(await page.locator('#co-chart-population rect').count() > 10, true);
    assert.match(await page.locator('#legend').innerText(), /Järnväg \(2 delsträckor\)[\s\S]*invånare/);
    assert.match(page.url(), /co=2000;jarnvagar@\d+,\d+/);
    const drawn = await pixels(page, await boxOf(page, area));
    assert.notEqual(drawn.hash, before.hash, 'the corridor is on the map');
    await page.screenshot({ path: path.join(OUT, 'corridor-railway.png') });

    // The link gives the same corridor in a new tab.
    const again = await openMap(browser, page.url());
    await again.page.waitForFunction((p) => document.querySelector('#co-population')?.textContent.replace(/\s/g, '') === p,
      String(population), { timeout: 120_000 });
    assert.deepEqual(again.errors, []);
    await again.context.close();

    await page.click('#co-clear');
    await page.waitForFunction(() => !document.querySelector('#co-figures'));
  });
});
