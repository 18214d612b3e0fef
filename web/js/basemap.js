// The basemap: drawn from our own layers (works with no internet) in calm colours that survive a
// projector, or an external style from the server configuration.

/** Fonts of map labels; glyphs are drawn in the browser, so no font server is needed. */
export const LABEL_FONT = ['Noto Sans', 'Liberation Sans', 'DejaVu Sans', 'Arial'];
const LABEL_FONT_BOLD = ['Noto Sans Bold', 'Liberation Sans', 'DejaVu Sans', 'Arial'];

/** Background outside Sweden (sea and neighbours alike): a quiet grey below the warm land. */
export const BACKGROUND = '#e2e5e7';

/** Catalog layers the own basemap draws, when the catalog has them. */
export const BASEMAP_LAYERS = ['lan', 'tatortsytor', 'vattendrag', 'jarnvagar', 'granser', 'kommuner', 'tatorter'];

/**
 * Basemap layers that belong below the thematic layers. `has(id)` tells whether a catalog layer
 * is there; `src(id)` gives its {source, 'source-layer'}.
 */
export function ownBasemapBelow(has, src) {
  const layers = [{ id: 'bm-background', type: 'background', paint: { 'background-color': BACKGROUND } }];
  if (has('lan')) {
    layers.push({ id: 'bm-land', type: 'fill', ...src('lan'), paint: { 'fill-color': '#f7f5f0' } });
  }
  if (has('tatortsytor')) {
    layers.push({
      id: 'bm-urban', type: 'fill', ...src('tatortsytor'),
      paint: {
        'fill-color': ['match', ['get', 'KATEGORI'], 'Tätort', '#e6dfd3', '#ede8df'],
        'fill-outline-color': '#d9d0c1',
      },
    });
  }
  if (has('vattendrag')) {
    const size = ['to-number', ['slice', ['to-string', ['get', 'KATEGORI']], -1], 3];
    layers.push({
      id: 'bm-rivers', type: 'line', ...src('vattendrag'),
      filter: ['any', ['>=', size, 3], ['>=', ['zoom'], 8.5]],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': '#86b2cf',
        'line-width': ['interpolate', ['linear'], ['zoom'], 5, ['*', 0.25, size], 10, ['*', 0.6, size], 14, ['*', 1.2, size]],
      },
    });
  }
  if (has('jarnvagar')) {
    const tunnel = ['==', ['get', 'KATEGORI'], 'Järnväg i tunnel eller underfart'];
    layers.push({
      id: 'bm-rail', type: 'line', ...src('jarnvagar'),
      paint: {
        'line-color': '#8a8580',
        'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.8, 10, 2.2, 14, 3.5],
        'line-opacity': ['case', tunnel, 0.4, 1],
      },
    });
    layers.push({
      id: 'bm-rail-dash', type: 'line', ...src('jarnvagar'), minzoom: 8,
      filter: ['!', tunnel],
      paint: {
        'line-color': '#ffffff',
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 2],
        'line-dasharray': [3, 3],
      },
    });
  }
  if (has('granser')) {
    const kind = ['get', 'KATEGORI'];
    layers.push({
      id: 'bm-border-kommun', type: 'line', ...src('granser'), minzoom: 6,
      filter: ['==', kind, 'Kommungräns'],
      paint: {
        'line-color': '#a39aae',
        'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.6, 12, 1.5],
        'line-dasharray': [4, 2],
      },
    });
    layers.push({
      id: 'bm-border-lan', type: 'line', ...src('granser'),
      filter: ['in', 'Länsgräns', kind],
      paint: { 'line-color': '#7d6f8c', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.8, 12, 2.5] },
    });
    layers.push({
      id: 'bm-border-riks', type: 'line', ...src('granser'),
      filter: ['==', kind, 'Riksgräns'],
      paint: { 'line-color': '#5b5566', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.2, 12, 3] },
    });
  }
  return layers;
}

/**
 * Basemap labels, drawn above the thematic layers so names stay readable. `scale` enlarges
 * them (meeting mode).
 */
export function ownBasemapLabels(has, src, scale = 1) {
  const layers = [];
  if (has('kommuner') && !has('tatorter')) {
    layers.push({
      id: 'bm-label-kommun', type: 'symbol', ...src('kommuner'), minzoom: 7,
      layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 13 * scale },
      paint: { 'text-color': '#6c6475', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
    });
  }
  if (has('tatorter')) {
    const pop = ['to-number', ['get', 'pop'], 0];
    layers.push({
      id: 'bm-label-tatort', type: 'symbol', ...src('tatorter'),
      filter: ['step', ['zoom'], ['>=', pop, 40000], 5.5, ['>=', pop, 10000], 7, ['>=', pop, 2500], 8.5, ['>=', pop, 500], 10, true],
      layout: {
        'text-field': ['get', 'name'],
        'text-font': ['step', pop, ['literal', LABEL_FONT], 10000, ['literal', LABEL_FONT_BOLD]],
        'text-size': ['interpolate', ['linear'], pop, 200, 12 * scale, 10000, 14 * scale, 100000, 18 * scale, 1000000, 22 * scale],
        'symbol-sort-key': ['-', 0, pop],
        'text-padding': 4,
        'text-max-width': 8,
      },
      paint: { 'text-color': '#2f2a26', 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.8 },
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
