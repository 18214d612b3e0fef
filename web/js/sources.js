// Where the map's data comes from: the server's vector tiles (`/tiles/{layers}.json`, one MVT
// layer per catalog layer), whole layers from the features API for search, and the numeric
// values a choropleth classifies.

import { authHeaders, getJSON } from './api.js';

const PAGE = 10000;

/**
 * The MapLibre vector source of one or more catalog layers (TileJSON of the layer list). The
 * layers' versions are in the URL, so a re-ingested layer gets a new source and is re-drawn.
 */
export function tileSource(metas) {
  const ids = metas.map((m) => encodeURIComponent(m.id)).join(',');
  return { type: 'vector', url: `${location.origin}/tiles/${ids}.json?v=${metas.map((m) => m.version).join('-')}` };
}

const featureCache = new Map();

/**
 * Every feature of a layer as one FeatureCollection (paged through the features API), fetched
 * once per `version` (the catalog's version of the layer, so a re-ingest is fetched again).
 */
export function allFeatures(layerId, version = '') {
  const key = `${layerId}\u0000${version}`;
  if (!featureCache.has(key)) {
    const loading = fetchAll(layerId);
    loading.catch(() => featureCache.delete(key));
    featureCache.set(key, loading);
  }
  return featureCache.get(key);
}

async function fetchAll(layerId) {
  const url = (offset) => `/api/layers/${encodeURIComponent(layerId)}/features?limit=${PAGE}&offset=${offset}`;
  const first = await getJSON(url(0));
  const pages = [];
  for (let offset = PAGE; offset < first.numberMatched; offset += PAGE) pages.push(getJSON(url(offset)));
  for (const page of await Promise.all(pages)) first.features.push(...page.features);
  return first;
}

const valueCache = new Map();

/** The numeric values of one field of a layer at a version, fetched once. */
export function fieldValues(layerId, version, field) {
  const key = `${layerId}\u0000${version}\u0000${field}`;
  if (!valueCache.has(key)) {
    valueCache.set(key, allFeatures(layerId, version).then((fc) =>
      fc.features.map((f) => f.properties[field]).map((v) => (typeof v === 'number' ? v : Number.NaN))));
  }
  return valueCache.get(key);
}

/**
 * MapLibre's request hook for every map of the app (the screen and the exports): TileJSON gives
 * tile URLs relative to the server (it never trusts the Host header), and MapLibre's workers
 * need them absolute.
 */
export function absoluteUrl(url) {
  const absolute = new URL(url, location.href);
  // The token goes to this server only, never to an external basemap.
  if (absolute.origin !== location.origin) return { url: absolute.href };
  return { url: absolute.href, headers: authHeaders() };
}

/** The [west, south, east, north] extent of a GeoJSON geometry. */
export function geometryBounds(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return b;
}
