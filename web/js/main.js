// Kartrummet web map: boots the app and owns its state. The whole map style is a function of
// the state (buildStyle); every change re-renders with MapLibre's style diff and rewrites the URL.

import { enterToken, getJSON, onTokenChange } from './api.js';
import { BACKGROUND, loadExternalStyle, ownBasemapBelow, ownBasemapLabels } from './basemap.js';
import { decodeHash, encodeHash } from './hash.js';
import { fieldLabel, onLanguageChange, t, translatePage } from './i18n.js';
import { initKeyboard } from './keyboard.js';
import { EMPTY_PROFILE, basemapRoles, normalizeProfile } from './region.js';
import { fetchCatalog, followCatalog, setCatalog } from './live.js';
import { renderLayerPanel } from './layers.js';
import { initLegend, renderLegend } from './legend.js';
import { initPopup } from './popup.js';
import { initSearch } from './search.js';
import { absoluteUrl, fieldValues, tileSource } from './sources.js';
import { classify, geometryKind, legendEntry, mapLayers } from './styles.js';
import { initViews } from './views.js';
import { initExport } from './export.js';
import { initTools } from './tools.js';

const maplibregl = window.maplibregl;

/** Sweden: where a map starts that knows nothing of its region. */
const SWEDEN = [[10.9, 55.3], [24.2, 69.1]];
const KIND_ORDER = { fill: 0, line: 1, point: 2 };

/** The application: catalog, per-layer state and the map. Exposed as window.kartrum for tests. */
export const app = {
  config: { basemap_url: null, writable: false },
  /** The region profile (GET /api/profile, region.js): which layer plays which part. */
  profile: normalizeProfile(EMPTY_PROFILE),
  catalog: [],
  byId: new Map(),
  layers: new Map(),
  stats: new Map(),
  basemap: 'own',
  external: null,
  analysis: {},
  /** Analysis overlays: {style() → {sources, layers}, legend() → entries} drawn above the layers. */
  overlays: [],
  /** Extra popup content: fn(feature, layerId, lngLat) → Node | null. */
  popupExtras: [],
  meeting: false,
  map: null,
  ready: false,
  listeners: [],
};
window.kartrum = app;

/** Calls fn after every state change (layers, styles, basemap). */
export function onChange(fn) {
  app.listeners.push(fn);
}

/** Visible layers in drawing order (polygons, then lines, then points; catalog order within). */
export function visibleLayers() {
  return app.catalog
    .filter((m) => app.layers.get(m.id).visible)
    .sort((a, b) => KIND_ORDER[geometryKind(a.geometry_type)] - KIND_ORDER[geometryKind(b.geometry_type)]);
}

/** Legend entries of the visible layers, topmost first. */
export function legendEntries() {
  const analysis = app.overlays.flatMap((o) => o.legend?.() ?? []);
  return [...analysis, ...visibleLayers().reverse().map((m) => legendEntry(m, app.layers.get(m.id), app.stats.get(m.id), fieldLabel))];
}

/** The current state as the URL and saved views describe it. */
export function currentState() {
  const map = app.map;
  const c = map.getCenter();
  return {
    camera: { center: [c.lng, c.lat], zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch() },
    basemap: app.basemap,
    layers: visibleLayers().map((m) => {
      const s = app.layers.get(m.id);
      return { id: m.id, opacity: s.opacity, style: { ...s.style } };
    }),
    analysis: app.analysis,
  };
}

/**
 * Applies a state (any part may be absent): layers listed become the visible ones. `animate`
 * flies the camera instead of jumping.
 */
export function applyState(state, { animate = false } = {}) {
  if (state.basemap && ['own', 'external', 'none'].includes(state.basemap)) app.basemap = state.basemap;
  if (state.layers) {
    for (const s of app.layers.values()) s.visible = false;
    for (const l of state.layers) {
      const s = app.layers.get(l.id);
      if (!s) continue;
      s.visible = true;
      s.opacity = Number.isFinite(l.opacity) ? l.opacity : 1;
      if (l.style && (l.style.kind === 'simple' || l.style.kind === 'choropleth')) s.style = { ...s.style, ...l.style };
    }
  }
  if (state.analysis && typeof state.analysis === 'object') app.analysis = state.analysis;
  if (state.camera) {
    const camera = { center: state.camera.center, zoom: state.camera.zoom, bearing: state.camera.bearing || 0, pitch: state.camera.pitch || 0 };
    if (animate) app.map.flyTo({ ...camera, duration: 1500, essential: true });
    else app.map.jumpTo(camera);
  }
  update();
}

/**
 * Re-renders the map, legend and panel after a state change, and rewrites the URL.
 * `opts.keepPanel` leaves the layer panel as it is (while a slider is dragged).
 */
export function update(opts = {}) {
  for (const m of visibleLayers()) ensureStats(m.id);
  app.map.setStyle(buildStyle(), { diff: true });
  renderLegend(document.getElementById('legend-body'), legendEntries());
  for (const fn of app.listeners) fn(opts);
  writeHash();
}

function writeHash() {
  if (!app.ready) return;
  const hash = encodeHash(currentState());
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

/** Computes the class breaks of a choropleth layer (async; re-renders when done). */
function ensureStats(id) {
  const s = app.layers.get(id);
  const style = s.style;
  if (style.kind !== 'choropleth' || !style.field) return;
  const { version } = app.byId.get(id);
  const key = `${version}|${style.field}|${style.method}|${style.classes}`;
  if (app.stats.get(id)?.key === key) return;
  app.stats.set(id, { key, breaks: [], pending: true });
  fieldValues(id, version, style.field).then((values) => {
    const numbers = values.filter(Number.isFinite);
    const stats = {
      key,
      breaks: classify(numbers, style.method, style.classes),
      min: numbers.length ? Math.min(...numbers) : 0,
      max: numbers.length ? Math.max(...numbers) : 0,
      missing: values.length - numbers.length,
    };
    if (app.stats.get(id)?.key !== key) return;
    app.stats.set(id, stats);
    update();
  });
}

/** Whether the choropleths of the visible layers have their classes. */
export function statsReady() {
  return visibleLayers().every((m) => !app.stats.get(m.id)?.pending);
}

/** The whole MapLibre style for the current state. */
export function buildStyle() {
  const sources = {};
  let below = [];
  let labels = [];
  let extra = {};
  if (app.basemap === 'external' && app.external) {
    const ext = app.external;
    for (const [id, src] of Object.entries(ext.sources || {})) sources[`ext-${id}`] = src;
    below = (ext.layers || []).map((l) => (l.source ? { ...l, id: `ext-${l.id}`, source: `ext-${l.source}` } : { ...l, id: `ext-${l.id}` }));
    if (ext.glyphs) extra.glyphs = ext.glyphs;
    if (ext.sprite) extra.sprite = ext.sprite;
  } else if (app.basemap === 'none') {
    below = [{ id: 'bm-background', type: 'background', paint: { 'background-color': '#ffffff' } }];
  } else {
    const roles = basemapRoles(app);
    const present = [...new Set(Object.values(roles).map((r) => r.id))];
    // One composite tile source: all basemap layers in one request per tile (none in an
    // empty store: there is nothing to ask for).
    if (present.length) sources['src-basemap'] = tileSource(present.map((id) => app.byId.get(id)));
    const src = (id) => ({ source: 'src-basemap', 'source-layer': id });
    below = ownBasemapBelow(roles, src);
    labels = ownBasemapLabels(roles, src, app.meeting ? 1.35 : 1);
  }
  const overlays = [];
  for (const meta of visibleLayers()) {
    sources[`src-${meta.id}`] = tileSource([meta]);
    const stats = app.stats.get(meta.id);
    const source = { source: `src-${meta.id}`, sourceLayer: meta.id };
    overlays.push(...mapLayers(meta, app.layers.get(meta.id), source, stats?.breaks ?? []));
  }
  // Analysis results lie under the catalog layers (points and borders stay visible on top);
  // their `top` layers (drawn lines, markers) above everything but the labels.
  const analysis = [];
  const top = [];
  for (const o of app.overlays) {
    const part = o.style?.();
    if (!part) continue;
    Object.assign(sources, part.sources);
    analysis.push(...(part.layers ?? []));
    top.push(...(part.top ?? []));
  }
  return { version: 8, ...extra, sources, layers: [...below, ...analysis, ...overlays, ...top, ...labels] };
}

/** Ids of the MapLibre layers of the visible catalog layers, topmost first. */
export function overlayLayerIds() {
  return app.map.getStyle().layers.filter((l) => l.id.startsWith('ov-') || l.metadata?.['kartrum:clickable']).map((l) => l.id).reverse();
}

/** A short-lived message at the bottom of the screen. */
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 2500);
}

/** Data sources of the visible layers and the basemap, from the layers' descriptions. */
export function attribution() {
  const ids = new Set(visibleLayers().map((m) => m.id));
  if (app.basemap === 'own') Object.values(basemapRoles(app)).forEach((r) => ids.add(r.id));
  const names = new Set();
  for (const id of ids) {
    const meta = app.byId.get(id);
    const inParens = /\(([^)]*)\)\s*$/.exec(meta?.description || '')?.[1];
    if (!inParens) continue;
    const name = inParens.split(',')[0].split(/\s+(?:GSD|1:|\d)/)[0].trim();
    if (name) names.add(name);
  }
  return [...names].sort((a, b) => a.localeCompare(b, 'sv'));
}

async function boot() {
  translatePage();
  // A server without a profile (or an older one) is a region with no parts named.
  const [config, catalog, profile] = await Promise.all([getJSON('/api/config'), fetchCatalog(), getJSON('/api/profile').catch(() => EMPTY_PROFILE)]);
  app.config = config;
  app.profile = normalizeProfile(profile);
  setCatalog(app, catalog.layers);
  app.external = await loadExternalStyle(config.basemap_url);
  if (!app.external) document.querySelector('#basemap-select option[value="external"]').disabled = true;

  const map = new maplibregl.Map({
    container: 'map',
    style: { version: 8, sources: {}, layers: [{ id: 'bm-background', type: 'background', paint: { 'background-color': BACKGROUND } }] },
    bounds: regionHome(app) ?? SWEDEN,
    fitBoundsOptions: { padding: 20 },
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
    maxPitch: 60,
    transformRequest: absoluteUrl,
  });
  app.map = map;
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'bottom-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 160 }), 'bottom-left');
  map.getCanvas().setAttribute('aria-label', t('mapLabel'));
  await new Promise((resolve) => map.once('load', resolve));

  const select = document.getElementById('basemap-select');
  select.addEventListener('change', () => {
    app.basemap = select.value;
    update();
  });
  onChange(() => {
    select.value = app.basemap;
    updateAttribution();
  });

  initLegend();
  renderLayerPanel(document.getElementById('layer-list'), app, { update, onChange });
  initPopup(app, { overlayLayerIds });
  initSearch(app);
  const views = initViews(app, { currentState, applyState, toast, onChange });
  initExport(app, { legendEntries, attribution, toast, currentTitle: views.currentTitle, statsReady });
  initKeyboard(app, { views, toast, update });
  initTools(app, { update, onChange, toast });
  onLanguageChange(() => update());
  document.addEventListener('meetingchange', (e) => {
    app.meeting = e.detail.on;
    update({ keepPanel: true });
  });

  const initial = decodeHash(location.hash);
  if (initial.view) {
    await views.open(initial.view);
  } else {
    applyState(initial);
  }
  app.statsReady = statsReady;
  app.legendEntries = legendEntries;
  app.ready = true;
  writeHash();
  const pollNow = followCatalog(app, catalog.etag, (changes) => {
    document.dispatchEvent(new CustomEvent('catalogchange', { detail: changes }));
    update();
  });
  // A token shows the internal layers (and another token, or none, hides them): the catalog's
  // ETag differs per visibility, so looking again now gives the catalog the new token sees.
  document.getElementById('btn-token').addEventListener('click', () => enterToken());
  onTokenChange(() => pollNow());
  // A tile that answers 404 belongs to a layer deleted (or a result evicted) since the last
  // look at the catalog: look again now, and the live map removes or recomputes it.
  map.on('error', (e) => {
    if (e.sourceId && e.error?.status === 404) {
      console.warn(`${e.sourceId}: ${e.error.message}`);
      pollNow();
    } else {
      console.error(e.error ?? e);
    }
  });
  map.on('moveend', writeHash);
  window.addEventListener('hashchange', () => {
    const next = decodeHash(location.hash);
    if (next.view) views.open(next.view);
    else applyState(next);
  });
}

/**
 * Where the map starts without a view in the URL: the extent of the profile's network (where the
 * analyses work), else of its areas, else of the whole catalog (null for an empty one).
 */
function regionHome(app) {
  const a = app.profile.analysis;
  const own = [a.network, a.areas?.layer].map((id) => app.byId.get(id)?.bbox).find((b) => b?.length === 4);
  const boxes = own ? [own] : app.catalog.map((m) => m.bbox).filter((b) => b?.length === 4);
  if (!boxes.length) return null;
  const [w, s, e, n] = [0, 1, 2, 3].map((i) => (i < 2 ? Math.min : Math.max)(...boxes.map((b) => b[i])));
  return [[w, s], [e, n]];
}

function updateAttribution() {
  const sources = attribution();
  document.getElementById('attribution').textContent =
    sources.length ? `${t('sources')}: ${sources.join(', ')}` : '';
}

boot().catch((error) => {
  console.error(error);
  toast(`${t('loadFailed')}: ${error.message}`);
});
