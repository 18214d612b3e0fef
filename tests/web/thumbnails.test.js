// Issue 16, server-side maps: the slide list shows each saved view's thumbnail drawn by the
// server (maplibre-rs), with links to its image and its meeting report. Real kartrum with the
// demo data, real headless Chromium.
//   node --test tests/web/thumbnails.test.js

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { OUT, TOKEN, launchBrowser, openMap, startServer } from './harness.js';

const TIMEOUT = 300_000;

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the slide list shows the server-drawn thumbnail of each view, and its image and report', { timeout: TIMEOUT }, async () => {
  const status = await (await fetch(`${server.url}/api/render/status`)).json();
  assert.equal(status.available, true, JSON.stringify(status));
  const response = await fetch(`${server.url}/api/views`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      title: 'Hela Dalarna',
      camera: { center: [14.6, 61.0], zoom: 7 },
      layers: [{ id: 'kommuner', opacity: 1, style: { kind: 'simple', color: '#5b4b8a' } }],
    }),
  });
  assert.equal(response.status, 201);
  const view = await response.json();

  const opened = await openMap(browser, server.url);
  const thumb = opened.page.locator('#view-list .view-thumb img');
  await thumb.waitFor({ timeout: 120_000 });
  await opened.page.waitForFunction(() => {
    const img = document.querySelector('#view-list .view-thumb img');
    return img?.complete && img.naturalWidth > 0;
  }, null, { timeout: 120_000 });
  // The image is the server's, at the page's pixel ratio, and shows a map (many colours).
  const drawn = await opened.page.evaluate(() => {
    const img = document.querySelector('#view-list .view-thumb img');
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return { width: img.naturalWidth, height: img.naturalHeight, colours: colours.size, src: img.src };
  });
  assert.deepEqual([drawn.width, drawn.height], [160, 100]);
  assert.ok(drawn.colours > 20, `a map, not a blank: ${drawn.colours} colours`);
  assert.match(drawn.src, /^blob:/);
  await opened.page.locator('#view-list li').first().screenshot({ path: path.join(OUT, 'thumbnail.png') });

  const links = await opened.page.$$eval('#view-list .view-thumb a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, [`/api/views/${view.id}/map.png?width=1600&height=1000&dpr=2`, `/api/views/${view.id}/report.pdf`]);
  const pdf = await fetch(`${server.url}${links[1]}`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString(), '%PDF-');
  assert.deepEqual(opened.errors, []);
  await opened.context.close();
});
