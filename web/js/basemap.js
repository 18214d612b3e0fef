// The basemap: drawn from our own layers (works with no internet) in calm colours that survive a
// projector, or an external style from the server configuration.

import PALETTE from './palette.json' with { type: 'json' };

const BM = PALETTE.basemap;

/** Fonts of map labels; glyphs are drawn in the browser, so no font server is needed. */
export const LABEL_FONT = ['Noto Sans', 'Liberation Sans', 'DejaVu Sans', 'Arial'];
const LABEL_FONT_BOLD = ['Noto Sans Bold', 'Liberation Sans', 'DejaVu Sans', 'Arial'];

/** Background outside Sweden (sea and neighbours alike): a quiet grey below the warm land. */
export const BACKGROUND = PALETTE.background;

/** The parts of the own basemap, by their role in the profile's `map.basemap`. */
export const BASEMAP_ROLES = ['land', 'urban', 'water', 'rail', 'borders', 'boundaries', 'places'];

/**
 * The data field the demo's national layers (Lantmäteriet) class their features by. A region's
 * layer without it is drawn with one calm style instead.
 */
const CLASS_FIELD = 'KATEGORI';

/** `expr` where a feature has the class field, else `fallback`. */
const byClass = (expr, fallback) => ['case', ['has', CLASS_FIELD], expr, fallback];

/**
 * Basemap layers that belong below the thematic layers. `roles` maps a role to the catalog layer
 * that plays it ({id, fields}; absent roles are not drawn); `src(id)` gives a layer's
 * {source, 'source-layer'}.
 */
export function ownBasemapBelow(roles, src) {
  const layers = [{ id: 'bm-background', type: 'background', paint: { 'background-color': BACKGROUND } }];
  const { land, urban, water, rail, borders } = roles;
  if (land) {
    layers.push({ id: 'bm-land', type: 'fill', ...src(land.id), paint: { 'fill-color': BM.land } });
  }
  if (urban) {
    layers.push({
      id: 'bm-urban', type: 'fill', ...src(urban.id),
      paint: {
        'fill-color': ['match', ['coalesce', ['get', CLASS_FIELD], ''], 'Tätort', BM.urban, BM.urbanOther],
        'fill-outline-color': BM.urbanOutline,
      },
    });
  }
  if (water) {
    // The class's last digit is the river's size (1 to 6); without it a middling river.
    const size = byClass(['to-number', ['slice', ['to-string', ['get', CLASS_FIELD]], -1], 3], 3);
    layers.push({
      id: 'bm-rivers', type: 'line', ...src(water.id),
      filter: ['any', ['>=', size, 3], ['>=', ['zoom'], 8.5]],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': BM.water,
        'line-width': ['interpolate', ['linear'], ['zoom'], 5, ['*', 0.25, size], 10, ['*', 0.6, size], 14, ['*', 1.2, size]],
      },
    });
  }
  if (rail) {
    const tunnel = ['==', ['coalesce', ['get', CLASS_FIELD], ''], 'Järnväg i tunnel eller underfart'];
    layers.push({
      id: 'bm-rail', type: 'line', ...src(rail.id),
      paint: {
        'line-color': BM.rail,
        'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.8, 10, 2.2, 14, 3.5],
        'line-opacity': ['case', tunnel, 0.4, 1],
      },
    });
    layers.push({
      id: 'bm-rail-dash', type: 'line', ...src(rail.id), minzoom: 8,
      filter: ['!', tunnel],
      paint: {
        'line-color': '#ffffff',
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 2],
        'line-dasharray': [3, 3],
      },
    });
  }
  if (borders) {
    const kind = ['coalesce', ['get', CLASS_FIELD], ''];
    // Without the class field every border is drawn as a municipal one.
    layers.push({
      id: 'bm-border-kommun', type: 'line', ...src(borders.id), minzoom: 6,
      filter: byClass(['==', kind, 'Kommungräns'], true),
      paint: {
        'line-color': BM.borderKommun,
        'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.6, 12, 1.5],
        'line-dasharray': [4, 2],
      },
    });
    layers.push({
      id: 'bm-border-county', type: 'line', ...src(borders.id),
      filter: byClass(['in', 'Länsgräns', kind], false),
      paint: { 'line-color': BM.borderCounty, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.8, 12, 2.5] },
    });
    layers.push({
      id: 'bm-border-riks', type: 'line', ...src(borders.id),
      filter: byClass(['==', kind, 'Riksgräns'], false),
      paint: { 'line-color': BM.borderRiks, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.2, 12, 3] },
    });
  }
  return layers;
}

/**
 * Basemap labels, drawn above the thematic layers so names stay readable. `roles.boundaries`
 * and `roles.places` carry their name (and population) fields; `scale` enlarges the labels
 * (meeting mode). The place labels name their layer, so their popups show the place.
 */
export function ownBasemapLabels(roles, src, scale = 1) {
  const layers = [];
  const { boundaries, places } = roles;
  if (boundaries && !places) {
    layers.push({
      id: 'bm-label-kommun', type: 'symbol', ...src(boundaries.id), minzoom: 7,
      layout: { 'text-field': ['to-string', ['get', boundaries.name]], 'text-font': LABEL_FONT, 'text-size': 13 * scale },
      paint: { 'text-color': PALETTE.labels.boundary, 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
    });
  }
  if (places) {
    const pop = places.population ? ['to-number', ['get', places.population], 0] : 0;
    layers.push({
      id: 'bm-label-tatort', type: 'symbol', ...src(places.id),
      metadata: { 'kartrum:layer': places.id },
      filter: ['step', ['zoom'], ['>=', pop, 40000], 5.5, ['>=', pop, 10000], 7, ['>=', pop, 2500], 8.5, ['>=', pop, 500], 10, true],
      layout: {
        'text-field': ['to-string', ['get', places.name]],
        'text-font': ['step', pop, ['literal', LABEL_FONT], 10000, ['literal', LABEL_FONT_BOLD]],
        'text-size': ['interpolate', ['linear'], pop, 200, 12 * scale, 10000, 14 * scale, 100000, 18 * scale, 1000000, 22 * scale],
        'symbol-sort-key': ['-', 0, pop],
        'text-padding': 4,
        'text-max-width': 8,
      },
      paint: { 'text-color': PALETTE.labels.place, 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.8 },
    });
  }
  return layers;
}

/**
 * Reads an external basemap once: a MapLibre style URL, or an XYZ raster template with `{z}`,
 * `{x}` and `{y}`. Null when there is none or it is unreachable (e.g. with no internet).
 */
export async function loadExternalStyle(url) {
  if (!url) return null;
  if (url.includes('{z}')) {
    return {
      sources: { raster: { type: 'raster', tiles: [url], tileSize: 256 } },
      layers: [{ id: 'raster', type: 'raster', source: 'raster' }],
    };
  }
  try {
    const response = await fetch(url);
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
}
