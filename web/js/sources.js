// Where the map's data comes from: the server's vector tiles when it has them
// (`/tiles/{layer}.json`), otherwise whole layers as GeoJSON from the features API. Also the
// numeric values a choropleth classifies.

import { getJSON } from './api.js';

const PAGE = 10000;
let tiles = false;

/** Checks once whether the server serves vector tiles (TileJSON of one layer). */
export async function detectTiles(layerId) {
  try {
    const response = await fetch(`/tiles/${encodeURIComponent(layerId)}.json`);
    const type = response.headers.get('content-type') || '';
    tiles = response.ok && type.includes('json') && Array.isArray((await response.json()).tiles);
  } catch {
    tiles = false;
  }
  return tiles;
}

/** Whether the map draws from vector tiles. */
export function usesTiles() {
  return tiles;
}

const featureCache = new Map();

/** Every feature of a layer as one FeatureCollection (paged through the features API), fetched once. */
export function allFeatures(layerId) {
  if (!featureCache.has(layerId)) {
    const loading = fetchAll(layerId);
    loading.catch(() => featureCache.delete(layerId));
    featureCache.set(layerId, loading);
  }
  return featureCache.get(layerId);
}

async function fetchAll(layerId) {
  const url = (offset) => `/api/layers/${encodeURIComponent(layerId)}/features?limit=${PAGE}&offset=${offset}`;
  const first = await getJSON(url(0));
  const pages = [];
  for (let offset = PAGE; offset < first.numberMatched; offset += PAGE) pages.push(getJSON(url(offset)));
  for (const page of await Promise.all(pages)) first.features.push(...page.features);
  return first;
}

/**
 * Registers the `kartrum://layer/{id}` protocol that GeoJSON sources use, so a layer of any size
 * arrives whole without putting its data into the style.
 */
export function registerProtocol(maplibregl) {
  maplibregl.addProtocol('kartrum', async (params) => {
    const id = decodeURIComponent(params.url.replace('kartrum://layer/', ''));
    return { data: structuredClone(await allFeatures(id)) };
  });
}

/** The MapLibre source of a catalog layer. */
export function sourceSpec(meta) {
  if (tiles) {
    return { type: 'vector', url: `${location.origin}/tiles/${encodeURIComponent(meta.id)}.json` };
  }
  return { type: 'geojson', data: `kartrum://layer/${encodeURIComponent(meta.id)}` };
}

/** Source id and source-layer for drawing a catalog layer. */
export function sourceRef(layerId) {
  return tiles ? { source: `src-${layerId}`, sourceLayer: layerId } : { source: `src-${layerId}` };
}

const valueCache = new Map();

/** The numeric values of one field of a layer, fetched once. */
export function fieldValues(layerId, field) {
  const key = `${layerId}\u0000${field}`;
  if (!valueCache.has(key)) {
    valueCache.set(key, allFeatures(layerId).then((fc) =>
      fc.features.map((f) => f.properties[field]).map((v) => (typeof v === 'number' ? v : Number.NaN))));
  }
  return valueCache.get(key);
}
