// Test harness: a real `kartrum serve` with the demo data on a free port, and headless Chromium
// driven by playwright-core.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = path.resolve(here, '..', '..');
/** Where the tests put screenshots and exports (gitignored). */
export const OUT = path.join(here, 'out');
/** The token the test server accepts for writes. */
export const TOKEN = 'test-token';

const BIN = process.env.KARTRUM_BIN
  || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'debug', 'kartrum');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Checks what the tests need; installs the web app's npm packages when they are missing. */
function prerequisites() {
  if (!existsSync(BIN)) throw new Error(`no kartrum binary at ${BIN}: run \`cargo build\` (or set KARTRUM_BIN)`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)`);
  if (!existsSync(path.join(ROOT, 'web', 'node_modules', 'maplibre-gl', 'dist', 'maplibre-gl.js'))) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: path.join(ROOT, 'web'), stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/**
 * Starts kartrum on a fresh data dir with the demo data (`demo: true`, data/demo.toml), another
 * manifest (`demo: 'data/stockholm.toml'`, relative to the repository) or none (`demo: false`),
 * and optionally a configuration file (`config`: a path); resolves to {url, dataDir, stop}.
 */
export async function startServer({ demo = true, config = null } = {}) {
  const manifest = demo === true ? path.join(ROOT, 'data', 'demo.toml') : demo ? path.resolve(ROOT, demo) : null;
  // KARTRUM_URL: use a server that is already running (quicker while developing).
  if (process.env.KARTRUM_URL) return { url: process.env.KARTRUM_URL.replace(/\/$/, ''), dataDir: null, stop: async () => {} };
  prerequisites();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kartrum-web-test-'));
  const child = spawn(BIN, [
    'serve', '--data-dir', dataDir, ...(manifest ? ['--demo', manifest] : []),
    '--port', '0', '--web-dir', path.join(ROOT, 'web'), ...(config ? ['--config', config] : []),
  ], { cwd: ROOT, env: { ...process.env, KARTRUM_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kartrum did not start in time:\n${stderr}`)), 300_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`kartrum exited with ${code}:\n${stderr}`)));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, dataDir, stop };
}

/** Runs `kartrum ingest FILE --data-dir DIR ARGS…` (the CLI beside a running server). */
export function ingestWithCli(dataDir, file, args = []) {
  execFileSync(BIN, ['ingest', file, '--data-dir', dataDir, ...args], { cwd: ROOT, stdio: 'pipe' });
}

/** Launches headless Chromium with software WebGL. */
export async function launchBrowser() {
  mkdirSync(OUT, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
    ],
  });
}

/** Opens the app and waits until the map has drawn everything. Collects console errors. */
export async function openMap(browser, url, { viewport = { width: 1920, height: 1080 } } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.kartrum?.ready, null, { timeout: 120_000 });
  await idle(page);
  return { page, context, errors };
}

/** Waits until the map has finished loading and drawing (and choropleth classes are ready). */
export async function idle(page) {
  await page.waitForFunction(() => window.kartrum.statsReady?.() ?? true, null, { timeout: 120_000 });
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.kartrum.map;
    const done = () => (map.loaded() && !map.isMoving() && map.areTilesLoaded() ? resolve() : map.once('idle', resolve));
    map.once('idle', resolve);
    map.triggerRepaint();
    setTimeout(done, 50);
  }));
}

/** Turns layer `id` on or off in the layer panel, as a user clicks it, and waits for the map. */
export async function setLayer(page, id, on) {
  const box = page.locator(`#layer-${id}-toggle`);
  if ((await box.isChecked()) !== on) await box.click();
  await idle(page);
}

/**
 * RGBA pixels of the map canvas inside a box (CSS pixels), as a summary {hash, distinct,
 * nonBackground, total, matching}; `matching` counts the pixels for which `match`, the source
 * of a function (r, g, b) → boolean, holds (0 without one).
 */
export async function pixels(page, box, match = '() => false') {
  return page.evaluate(([b, predicate]) => {
    const test = new Function(`return (${predicate});`)();
    const map = window.kartrum.map;
    const source = map.getCanvas();
    const ratio = source.width / source.clientWidth;
    const c = document.createElement('canvas');
    c.width = Math.round(b.width * ratio);
    c.height = Math.round(b.height * ratio);
    const ctx = c.getContext('2d');
    ctx.drawImage(source, b.x * ratio, b.y * ratio, c.width, c.height, 0, 0, c.width, c.height);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let hash = 0;
    const colors = new Set();
    let nonBackground = 0;
    let matching = 0;
    for (let i = 0; i < data.length; i += 4) {
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      hash = (hash * 31 + rgb) >>> 0;
      colors.add(rgb);
      if (data[i + 3] > 0 && !(data[i] > 250 && data[i + 1] > 250 && data[i + 2] > 250) && rgb !== 0) nonBackground++;
      if (test(data[i], data[i + 1], data[i + 2])) matching++;
    }
    return { hash, distinct: colors.size, nonBackground, total: data.length / 4, matching };
  }, [box, match]);
}

/** The screen box (CSS pixels relative to the map canvas) of a lon/lat rectangle. */
export async function boxOf(page, [w, s, e, n]) {
  return page.evaluate(([w2, s2, e2, n2]) => {
    const map = window.kartrum.map;
    const a = map.project([w2, n2]);
    const b = map.project([e2, s2]);
    return { x: Math.max(0, a.x), y: Math.max(0, a.y), width: b.x - a.x, height: b.y - a.y };
  }, [w, s, e, n]);
}

/** Clicks the map at a lon/lat position, as a user does (`options` as Playwright's click). */
export async function clickAt(page, lonLat, options = {}) {
  const point = await page.evaluate((c) => window.kartrum.map.project(c), lonLat);
  const canvas = await page.locator('.maplibregl-canvas').boundingBox();
  await page.mouse.click(canvas.x + point.x, canvas.y + point.y, options);
}
