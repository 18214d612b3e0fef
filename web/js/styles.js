// Layer styles: calm defaults per geometry type, choropleth classification with colour-blind-safe
// sequential palettes, and the translation of a layer's style into MapLibre layers and a legend.

import { t, formatNumber } from './i18n.js';
import PALETTE from './palette.json' with { type: 'json' };

/** Sequential ColorBrewer palettes (colour-blind safe), light to dark, for 3–7 classes. */
export const PALETTES = PALETTE.palettes;

/** Colour of features without a value in a choropleth. */
export const NO_DATA = PALETTE.noData;

// Okabe–Ito based, slightly muted: distinguishable for colour-blind viewers and calm on a projector.
const QUALITATIVE = PALETTE.qualitative;

/** 'fill', 'line' or 'point' for a catalog geometry type. */
export function geometryKind(geometryType) {
  const g = String(geometryType || '').toLowerCase();
  if (g.includes('polygon')) return 'fill';
  if (g.includes('line')) return 'line';
  return 'point';
}

/** Numeric fields of a layer (the ones a choropleth can use). */
export function numericFields(meta) {
  const skip = /^(id|objectid|fid|kkod|uu_id|e|n|lon|lat|x|y|kluster_id|postnummer|utbudspunktid|tatnr|lanskod)$/i;
  return meta.fields.filter((f) => ['integer', 'real', 'integer64', 'number'].includes(f.type) && !skip.test(f.name));
}

/** The default style of the `index`th catalog layer: one calm colour, neighbours differ. */
export function defaultStyle(index) {
  return { kind: 'simple', color: QUALITATIVE[index % QUALITATIVE.length] };
}

/** Class breaks (n − 1 thresholds) of `values` by 'quantile' or 'equal' interval. */
export function classify(values, method, n) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const breaks = [];
  for (let i = 1; i < n; i++) {
    let b;
    if (method === 'equal') {
      b = min + ((max - min) * i) / n;
    } else {
      b = sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * i) / n))];
    }
    breaks.push(nice(b));
  }
  // Strictly increasing thresholds; duplicates (many equal values) merge classes.
  return breaks.filter((b, i) => b > min && (i === 0 || b > breaks[i - 1]));
}

/** Rounds to three significant digits so legends read well. */
function nice(v) {
  if (v === 0 || !Number.isFinite(v)) return v;
  const magnitude = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 2);
  return Math.round(v / magnitude) * magnitude;
}

/** Colours for a choropleth with `breaks` (breaks.length + 1 classes). */
export function classColors(palette, breaks) {
  const n = Math.max(3, Math.min(7, breaks.length + 1));
  const colors = (PALETTES[palette] || PALETTES.YlGnBu)[n];
  // Fewer classes than asked (merged breaks): take the darker end so contrast stays.
  return colors.slice(n - (breaks.length + 1));
}

function colorExpression(style, breaks) {
  if (style.kind !== 'choropleth' || !style.field) return style.color;
  const colors = classColors(style.palette, breaks);
  const raw = ['to-number', ['get', style.field], -Infinity];
  // A block that merges several small features at low zoom (src/tiles/merge.rs) holds the sum
  // of a summed field: classed per feature (sum ÷ cells), on the same scale as the legend.
  const summed = ['all', ['has', 'sums'], ['in', `,${style.field},`, ['get', 'sums']]];
  const value = ['case', summed, ['/', raw, ['max', ['to-number', ['get', 'cells'], 1], 1]], raw];
  // Until the classes are known (or when all values are equal) one colour is drawn.
  const step = breaks.length ? ['step', value, colors[0]] : colors[colors.length - 1];
  breaks.forEach((b, i) => step.push(b, colors[i + 1]));
  return ['case', ['==', ['typeof', ['get', style.field]], 'number'], step, NO_DATA];
}

/** Darker version of a hex colour, for outlines. */
export function darker(hex, factor = 0.65) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  if (!m) return '#333333';
  const n = parseInt(m[1], 16);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((x) => Math.round(x * factor));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The MapLibre layers that draw one catalog layer. `source` is {source, sourceLayer?}; `breaks`
 * are the choropleth thresholds (ignored for simple styles).
 */
export function mapLayers(meta, layerState, source, breaks) {
  const kind = geometryKind(meta.geometry_type);
  const style = layerState.style;
  const color = colorExpression(style, breaks);
  const opacity = layerState.opacity;
  const choropleth = style.kind === 'choropleth' && style.field;
  const base = { source: source.source, metadata: { 'kartrum:layer': meta.id } };
  if (source.sourceLayer) base['source-layer'] = source.sourceLayer;
  const id = `ov-${meta.id}`;
  if (kind === 'fill') {
    return [
      {
        ...base, id: `${id}-fill`, type: 'fill',
        paint: { 'fill-color': color, 'fill-opacity': (choropleth ? 0.85 : 0.2) * opacity },
      },
      {
        ...base, id: `${id}-line`, type: 'line',
        paint: {
          'line-color': choropleth ? PALETTE.choroplethOutline : darker(style.color),
          'line-width': ['interpolate', ['linear'], ['zoom'], 5, choropleth ? 0.2 : 0.8, 12, choropleth ? 0.8 : 2],
          'line-opacity': (choropleth ? 0.45 : 0.9) * opacity,
        },
      },
    ];
  }
  if (kind === 'line') {
    return [
      {
        ...base, id: `${id}-line`, type: 'line',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': color,
          'line-width': ['interpolate', ['linear'], ['zoom'], 5, choropleth ? 1.6 : 1.2, 12, choropleth ? 4 : 3],
          'line-opacity': opacity,
        },
      },
    ];
  }
  return [
    {
      ...base, id: `${id}-circle`, type: 'circle',
      paint: {
        'circle-color': color,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 2.2, 8, 4, 13, 7],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 4, 0.4, 10, 1.2],
        'circle-opacity': opacity,
        'circle-stroke-opacity': opacity,
      },
    },
  ];
}

/**
 * The legend of one layer: {title, kind, items: [{color, label}]}, used by the map legend, the
 * layer panel and the exports alike. `stats` = {min, max, breaks, missing} of a choropleth.
 */
export function legendEntry(meta, layerState, stats, fieldLabel) {
  const kind = geometryKind(meta.geometry_type);
  const style = layerState.style;
  if (style.kind !== 'choropleth' || !style.field) {
    return { title: meta.title, kind, items: [{ color: style.color, label: meta.title }], simple: true };
  }
  const breaks = stats?.breaks ?? [];
  const colors = classColors(style.palette, breaks);
  const bounds = [stats?.min, ...breaks, stats?.max];
  const items = colors.map((color, i) => ({
    color,
    label: `${formatNumber(bounds[i] ?? 0)} – ${formatNumber(bounds[i + 1] ?? 0)}`,
  }));
  if (stats?.missing) items.push({ color: NO_DATA, label: t('noData') });
  return { title: `${meta.title}: ${fieldLabel(style.field)}`, kind, items };
}
