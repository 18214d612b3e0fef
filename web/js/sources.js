// Where the map's data comes from: the server's vector tiles (`/tiles/{layers}.json`, one MVT
// layer per catalog layer), whole layers from the features API for search, and the numeric
// values a choropleth classifies.

import { getJSON } from './api.js';

const PAGE = 10000;

/** The MapLibre vector source of one or more catalog layers (TileJSON of the layer list). */
export function tileSource(ids) {
  return { type: 'vector', url: `${location.origin}/tiles/${ids.map(encodeURIComponent).join(',')}.json` };
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
