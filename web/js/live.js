// The live map: the app follows the server's catalog. `GET /api/layers` answers with an ETag;
// every POLL_MS the app asks again with If-None-Match (a bodiless 304 while nothing changed)
// and applies a new catalog: new layers appear in the layer panel, deleted ones disappear, and
// a re-ingested layer (new version) is re-drawn, because its tile source URL carries the
// version. The camera, the layers' styles and the analyses stay as they are.

import { authHeaders } from './api.js';
import { defaultStyle } from './styles.js';

const POLL_MS = 2000;

/** Fetches the catalog: {layers, etag}, or null when it is unchanged since `etag`. */
export async function fetchCatalog(etag) {
  const headers = authHeaders({ Accept: 'application/json' });
  if (etag) headers['If-None-Match'] = etag;
  const response = await fetch('/api/layers', { headers, cache: 'no-store' });
  if (response.status === 304) return null;
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return { layers: (await response.json()).layers, etag: response.headers.get('ETag') };
}

/**
 * Makes `layers` the app's catalog, keeping the state (visibility, style) of the layers it
 * already had. Returns the ids {added, removed, changed} (changed: a new version).
 */
export function setCatalog(app, layers) {
  const old = app.byId;
  const added = [];
  const changed = [];
  layers.forEach((meta, i) => {
    const before = old.get(meta.id);
    if (!before) {
      added.push(meta.id);
      app.layers.set(meta.id, { visible: false, opacity: 1, style: defaultStyle(i) });
    } else if (before.version !== meta.version || before.ingested_at !== meta.ingested_at) {
      changed.push(meta.id);
      app.stats.delete(meta.id);
    }
  });
  app.byId = new Map(layers.map((m) => [m.id, m]));
  const removed = [...old.keys()].filter((id) => !app.byId.has(id));
  for (const id of removed) {
    app.layers.delete(id);
    app.stats.delete(id);
  }
  app.catalog = layers;
  return { added, removed, changed };
}

/**
 * Polls the catalog from `etag` on; calls `onChange({added, removed, changed})` after a change
 * has been applied. A failed poll (server restarting) is simply tried again. Returns a function
 * that polls at once (e.g. when a tile of a layer answers 404: the catalog has changed).
 */
export function followCatalog(app, etag, onChange) {
  let tag = etag;
  let timer = null;
  let polling = false;
  const poll = async () => {
    clearTimeout(timer);
    if (polling) return;
    polling = true;
    try {
      const next = await fetchCatalog(tag);
      if (next) {
        tag = next.etag;
        const diff = setCatalog(app, next.layers);
        if (diff.added.length || diff.removed.length || diff.changed.length) onChange(diff);
      }
    } catch (error) {
      console.warn(`following the catalog: ${error.message}`);
    }
    polling = false;
    timer = setTimeout(poll, POLL_MS);
  };
  timer = setTimeout(poll, POLL_MS);
  return poll;
}
