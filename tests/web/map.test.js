// The web map in real headless Chromium against a real kartrum with the demo data.
//   cd tests/web && npm ci && cd ../.. && node --test tests/web/

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { OUT, TOKEN, boxOf, idle, launchBrowser, openMap, pixels, setLayer, startServer } from './harness.js';

const DALARNA = [12.2, 59.9, 16.7, 62.2];
const FALUN = [15.6031, 60.6052];
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

describe('web map', { timeout: 20 * TIMEOUT }, () => {
  test('the page loads with no console errors', { timeout: TIMEOUT }, async () => {
    assert.deepEqual(main.errors, []);
    assert.equal(await main.page.title(), 'Kartrummet');
    assert.equal(await main.page.getAttribute('html', 'lang'), 'sv');
    const layerCount = await main.page.locator('#layer-list > li').count();
    const catalog = await (await fetch(`${server.url}/api/layers`)).json();
    const listed = catalog.layers.filter((l) => !l.source.startsWith('analysis/'));
    assert.equal(layerCount, listed.length, 'every catalog layer but analysis results is in the panel');
    await main.page.screenshot({ path: path.join(OUT, 'map.png') });
  });

  test('the map canvas shows non-blank pixels over Dalarna', async () => {
    const box = await boxOf(main.page, DALARNA);
    const p = await pixels(main.page, box);
    assert.ok(p.distinct > 50, `expected a drawn basemap, got ${p.distinct} colours`);
    assert.ok(p.nonBackground / p.total > 0.5, 'most of Dalarna is drawn');
  });

  test('toggling a layer changes the rendered pixels', async () => {
    const { page } = main;
    const box = await boxOf(page, DALARNA);
    const before = await pixels(page, box);
    await setLayer(page, 'deso', true);
    const on = await pixels(page, box);
    assert.notEqual(on.hash, before.hash, 'turning DeSO on changes the map');
    assert.match(page.url(), /l=deso\*/);
    await setLayer(page, 'deso', false);
    const off = await pixels(page, box);
    assert.equal(off.hash, before.hash, 'turning it off again restores the map');
  });

  test('a choropleth classes a numeric field and shows a legend', async () => {
    const { page } = main;
    await setLayer(page, 'befolkning_1km', true);
    await page.click('#layer-befolkning_1km-more');
    await page.selectOption('#layer-befolkning_1km-style', 'choropleth');
    await page.selectOption('#layer-befolkning_1km-field', 'befolkning_2025');
    await page.selectOption('#layer-befolkning_1km-classes', '5');
    await idle(page);
    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /Befolkning 2025/);
    assert.equal(await page.locator('#legend .swatch-legend li').count(), 5);
    assert.match(page.url(), /befolkning_1km\*1\*c\.q\.5\.YlGnBu\.befolkning_2025/);
    await page.selectOption('#layer-befolkning_1km-method', 'equal');
    await idle(page);
    assert.match(page.url(), /c\.e\.5/);
    await page.screenshot({ path: path.join(OUT, 'choropleth.png') });

    // At the overview the grid is drawn as merged blocks holding population sums: each is
    // coloured by its population per cell, the legend's scale, not by the block's total.
    await page.evaluate(() => window.kartrum.map.jumpTo({ center: [14.6, 61.0], zoom: 5.5 }));
    await idle(page);
    const blocks = await page.evaluate(() => {
      const app = window.kartrum;
      const { breaks } = app.stats.get('befolkning_1km');
      const swatches = [...document.querySelectorAll('#legend .swatch-legend li .swatch')]
        .map((s) => getComputedStyle(s).backgroundColor);
      const merged = app.map.queryRenderedFeatures().filter((f) => f.layer.id === 'ov-befolkning_1km-fill' && f.properties.sums);
      const rgb = (c) => `rgb(${Math.round(c.r * 255)}, ${Math.round(c.g * 255)}, ${Math.round(c.b * 255)})`;
      const wrong = merged.filter((f) => {
        const perCell = f.properties.befolkning_2025 / f.properties.cells;
        return rgb(f.layer.paint['fill-color']) !== swatches[breaks.filter((b) => perCell >= b).length];
      });
      return { count: merged.length, wrong: wrong.slice(0, 3).map((f) => f.properties) };
    });
    assert.ok(blocks.count > 20, `merged blocks drawn at z5.5: ${blocks.count}`);
    assert.deepEqual(blocks.wrong, []);
    await setLayer(page, 'befolkning_1km', false);
  });

  test('clicking a known feature opens a popup with its attributes', async () => {
    const { page } = main;
    await setLayer(page, 'tatorter', true);
    await page.evaluate((c) => window.kartrum.map.jumpTo({ center: c, zoom: 10 }), FALUN);
    await idle(page);
    const point = await page.evaluate((c) => window.kartrum.map.project(c), FALUN);
    const canvas = await page.locator('.maplibregl-canvas').boundingBox();
    await page.mouse.click(canvas.x + point.x, canvas.y + point.y);
    const popup = page.locator('.maplibregl-popup-content');
    await popup.waitFor({ timeout: 10_000 });
    const text = await popup.innerText();
    assert.match(text, /Falun/);
    assert.match(text, /Folkmängd\s+39\s?492/);
    assert.match(text, /Kommun\s+Falun/);
    await page.screenshot({ path: path.join(OUT, 'popup.png') });
    await page.keyboard.press('Escape');
    await setLayer(page, 'tatorter', false);
  });

  test('at the overview a merged grid block and a counting point say what they stand for', async () => {
    const { page } = main;
    for (const [layer, pattern] of [['befolkning_1km', /block av \d+ objekt/], ['servicepunkter', /står för \d+ punkter/]]) {
      await setLayer(page, layer, true);
      await page.evaluate((c) => window.kartrum.map.jumpTo({ center: c, zoom: 5.5 }), FALUN);
      await idle(page);
      // A drawn feature that stands for others, topmost where it is drawn (no label over it).
      const point = await page.evaluate((id) => {
        const map = window.kartrum.map;
        const ours = (f) => f.layer.metadata?.['kartrum:layer'] === id;
        const standsForOthers = (p) => (p.merged && p.cells > 1) || p.count > 1;
        for (const f of map.queryRenderedFeatures().filter(ours)) {
          if (!standsForOthers(f.properties)) continue;
          const ring = f.geometry.type === 'Point' ? [f.geometry.coordinates] : f.geometry.coordinates[0];
          const lon = ring.reduce((a, c) => a + c[0], 0) / ring.length;
          const lat = ring.reduce((a, c) => a + c[1], 0) / ring.length;
          const xy = map.project([lon, lat]);
          // The popup's click box: every feature in it stands for others (no label, no lone cell).
          const hits = map.queryRenderedFeatures([[xy.x - 4, xy.y - 4], [xy.x + 4, xy.y + 4]])
            .filter((h) => h.layer.id.startsWith('ov-') || h.layer.id === 'bm-label-tatort');
          if (hits.length && hits.every((h) => ours(h) && standsForOthers(h.properties))) return { x: xy.x, y: xy.y };
        }
        return null;
      }, layer);
      assert.ok(point, `${layer}: a generalised feature is drawn at z5.5`);
      const canvas = await page.locator('.maplibregl-canvas').boundingBox();
      await page.mouse.click(canvas.x + point.x, canvas.y + point.y);
      const popup = page.locator('.maplibregl-popup-content');
      await popup.waitFor({ timeout: 10_000 });
      assert.match(await popup.innerText(), pattern);
      await page.keyboard.press('Escape');
      await setLayer(page, layer, false);
    }
  });

  test('searching a tätort flies there', async () => {
    const { page } = main;
    await page.locator('body').press('/');
    await page.keyboard.type('Insjö');
    await page.locator('#search-results li').first().waitFor();
    assert.match(await page.locator('#search-results').innerText(), /Insjön\s+Tätort, Leksand/);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !window.kartrum.map.isMoving() && window.kartrum.map.getZoom() > 12, null, { timeout: 20_000 });
    const center = await page.evaluate(() => window.kartrum.map.getCenter());
    assert.ok(Math.abs(center.lng - 15.0926) < 0.01 && Math.abs(center.lat - 60.6762) < 0.01, JSON.stringify(center));
    assert.equal(await page.inputValue('#search-input'), 'Insjön');
  });

  test('a saved view restores camera and layers from its URL', async () => {
    const view = {
      title: 'Befolkning i Falun',
      camera: { center: [15.63, 60.6], zoom: 9.5, bearing: 0, pitch: 0 },
      layers: [
        { id: 'deso', opacity: 0.7, style: { kind: 'choropleth', field: 'befolkning_2024', method: 'quantile', classes: 4, palette: 'Blues' } },
        { id: 'hallplatser', opacity: 1, style: { kind: 'simple', color: '#d55e00' } },
      ],
      analysis: { note: 'test' },
    };
    const response = await fetch(`${server.url}/api/views`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(view),
    });
    assert.equal(response.status, 201);
    const saved = await response.json();

    const opened = await openMap(browser, `${server.url}/#view=${saved.id}`);
    const state = await opened.page.evaluate(() => {
      const { map, layers } = window.kartrum;
      const visible = [...layers].filter(([, s]) => s.visible).map(([id, s]) => ({ id, opacity: s.opacity, style: s.style }));
      return { center: map.getCenter(), zoom: map.getZoom(), visible, title: document.getElementById('view-title').textContent };
    });
    assert.ok(Math.abs(state.center.lng - 15.63) < 1e-3 && Math.abs(state.center.lat - 60.6) < 1e-3);
    assert.ok(Math.abs(state.zoom - 9.5) < 1e-6);
    assert.deepEqual(state.visible.map((l) => l.id).sort(), ['deso', 'hallplatser']);
    const deso = state.visible.find((l) => l.id === 'deso');
    assert.equal(deso.opacity, 0.7);
    assert.equal(deso.style.field, 'befolkning_2024');
    assert.equal(deso.style.classes, 4);
    assert.match(state.title, /Befolkning i Falun/);
    assert.ok(await opened.page.isChecked('#layer-deso-toggle'));
    assert.deepEqual(opened.errors, []);

    // The address bar now holds the full state; it restores the same map in a new tab.
    const link = opened.page.url();
    assert.match(link, /#map=9\.5\/60\.6\/15\.63/);
    const again = await openMap(browser, link);
    const restored = await again.page.evaluate(() => ({
      zoom: window.kartrum.map.getZoom(),
      deso: window.kartrum.layers.get('deso'),
    }));
    assert.ok(Math.abs(restored.zoom - 9.5) < 1e-6);
    assert.equal(restored.deso.visible, true);
    assert.equal(restored.deso.style.palette, 'Blues');
    await again.context.close();

    // Slides: the next saved view with the arrow key.
    await fetch(`${server.url}/api/views`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Hela Dalarna', camera: { center: [14.6, 61.0], zoom: 7 }, layers: [{ id: 'kommuner', opacity: 1 }] }),
    });
    await opened.page.evaluate(() => document.activeElement?.blur());
    await opened.page.reload();
    await opened.page.waitForFunction(() => window.kartrum?.ready);
    await opened.page.waitForFunction(() => document.querySelectorAll('#view-list li').length === 2);
    const slide = (re) => opened.page.waitForFunction(
      (source) => new RegExp(source).test(document.getElementById('view-title').textContent), re.source);
    await opened.page.keyboard.press('ArrowRight');
    await slide(/^1\/2 · Befolkning i Falun/);
    await opened.page.keyboard.press('ArrowRight');
    await slide(/^2\/2 · Hela Dalarna/);
    await opened.page.waitForFunction(() => window.kartrum.layers.get('kommuner').visible && !window.kartrum.layers.get('deso').visible);
    await opened.page.keyboard.press('PageUp');
    await slide(/^1\/2 · Befolkning i Falun/);

    // Saving the current map from the panel asks for the token once.
    await opened.page.fill('#view-name', 'Sparad från kartan');
    await opened.page.click('#view-form button[type="submit"]');
    await opened.page.locator('#token-dialog').waitFor();
    await opened.page.fill('#token-input', TOKEN);
    await opened.page.click('#token-dialog button[value="ok"]');
    await slide(/^3\/3 · Sparad från kartan/);
    const stored = await (await fetch(`${server.url}/api/views`)).json();
    assert.deepEqual(stored.views.map((v) => v.title), ['Befolkning i Falun', 'Hela Dalarna', 'Sparad från kartan']);
    assert.deepEqual(stored.views[2].layers.map((l) => l.id), ['deso', 'hallplatser']);
    await opened.context.close();
  });

  test('meeting mode goes fullscreen with large type and hides editing controls', async () => {
    const { page } = main;
    await page.evaluate(() => window.kartrum.map.jumpTo({ center: [14.9, 60.9], zoom: 7.2 }));
    await setLayer(page, 'kommuner', true);
    await page.locator('body').press('m');
    await page.waitForFunction(() => document.body.classList.contains('meeting'));
    assert.equal(await page.locator('#panel').isVisible(), false);
    assert.equal(await page.locator('#btn-export').isVisible(), false);
    const fontSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(fontSize >= 18, `base font ${fontSize}px`);
    await page.evaluate(() => window.kartrum.map.resize());
    await idle(page);
    await page.screenshot({ path: path.join(OUT, 'meeting.png') });
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.body.classList.contains('meeting')), false);
    await setLayer(page, 'kommuner', false);
  });

  test('the help overlay lists the shortcuts and English can be chosen', async () => {
    const { page } = main;
    await page.locator('body').press('?');
    const help = page.locator('#help-dialog');
    await help.waitFor();
    assert.match(await help.innerText(), /Mötesläge/);
    await page.keyboard.press('Escape');
    await page.click('#btn-lang');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.locator('#btn-meeting').innerText(), 'Meeting mode');
    await page.click('#btn-lang');
    assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  });

  for (const [format, paper, expected] of [
    ['png', 'a4', { width: 1754, height: 1240 }],
    ['png', 'hd', { width: 1920, height: 1080 }],
    ['pdf', 'a4', { width: 842, height: 595 }],
    ['pdf', 'a3', { width: 1191, height: 842 }],
  ]) {
    test(`export ${format.toUpperCase()} ${paper} has the requested size and the title`, async () => {
      const { page } = main;
      const title = `Tätorter i Dalarna ${paper}`;
      await setLayer(page, 'tatorter', true);
      await page.evaluate(() => window.kartrum.map.jumpTo({ center: [14.9, 60.9], zoom: 7.2 }));
      await idle(page);
      await page.click('#btn-export');
      await page.fill('#export-title', title);
      await page.selectOption('#export-format', format);
      await page.selectOption('#export-paper', paper);
      const downloading = page.waitForEvent('download', { timeout: 180_000 });
      await page.click('#export-dialog button[value="export"]');
      const download = await downloading;
      const file = path.join(OUT, `export-${paper}.${format}`);
      await download.saveAs(file);
      const bytes = readFileSync(file);
      if (format === 'png') {
        assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
        assert.equal(bytes.readUInt32BE(16), expected.width);
        assert.equal(bytes.readUInt32BE(20), expected.height);
      } else {
        const text = bytes.toString('latin1');
        assert.ok(text.startsWith('%PDF-'));
        assert.match(text, new RegExp(`/MediaBox \\[0 0 ${expected.width} ${expected.height}\\]`));
        assert.ok(text.includes(`(${title}) Tj`), 'the title is PDF text (WinAnsi, read as Latin-1)');
        let extracted = null;
        try {
          extracted = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
        } catch {
          // poppler-utils is optional; the raw check above already found the title.
        }
        if (extracted !== null) assert.ok(extracted.includes(title), `pdftotext finds the title: ${extracted}`);
        writeFileSync(`${file}.txt`, extracted ?? '');
      }
      // The export draws the overlays too: its own map loads their tiles without an error.
      assert.deepEqual(main.errors, []);
      await setLayer(page, 'tatorter', false);
    });
  }
});
