// The URL of every map state: `#map=zoom/lat/lon[/bearing/pitch]&bm=own&l=layer*opacity*style,…`
// or `#view=ID` for a saved view. Styles are short codes: `s.RRGGBB` (one colour) or
// `c.method.classes.palette.field` (choropleth; method q = quantiles, e = equal interval).

/** Encodes a layer style. */
export function encodeStyle(style) {
  if (style.kind === 'choropleth' && style.field) {
    const method = style.method === 'equal' ? 'e' : 'q';
    return `c.${method}.${style.classes}.${style.palette}.${encodeURIComponent(style.field)}`;
  }
  return `s.${String(style.color || '').replace('#', '')}`;
}

/** Decodes a layer style (null when malformed). */
export function decodeStyle(code) {
  const parts = String(code || '').split('.');
  if (parts[0] === 's' && /^[0-9a-f]{6}$/i.test(parts[1] || '')) return { kind: 'simple', color: `#${parts[1].toLowerCase()}` };
  if (parts[0] === 'c' && parts.length >= 5) {
    const classes = Math.min(7, Math.max(3, Number(parts[2]) || 5));
    return {
      kind: 'choropleth',
      method: parts[1] === 'e' ? 'equal' : 'quantile',
      classes,
      palette: parts[3],
      field: decodeURIComponent(parts.slice(4).join('.')),
    };
  }
  return null;
}

/** What a service kind may look like in a URL (the profile's kinds, and `own`). */
const KIND = /^[A-Za-z0-9_-]{1,60}$/;
const isKind = (kind) => KIND.test(kind ?? '');
/** What a stored layer id may look like in a URL. */
const LAYER_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Encodes the analysis parameters as hash parameters: `sa=KIND~B1-B2-…~COLOUR[~LAYER/ID~LON,LAT~NAME]`
 * (service access, optionally with a closed service at a position) with `sr=RESULT[,SCENARIO]`
 * (the ids of the stored result layers it showed) and `si=JSON` (the layers picked instead of the
 * profile's, `inputs`), `pl=PLACE_ID` and `pt=JSON` (the tätort layer picked, `placeTowns`) (place profile) and
 * `co=WIDTH;lon,lat;lon,lat…`, `co=WIDTH;LAYER:FIELD=VALUE` or `co=WIDTH;LAYER@ID,ID,…` (corridor:
 * a drawn line, the features with a field value, or features by id), and `cmp=JSON` (the
 * comparison of scenarios, compare.js).
 */
export function encodeAnalysis(analysis = {}) {
  const parts = [];
  const sa = analysis.service;
  if (sa && isKind(sa.kind)) {
    const items = [sa.kind, (sa.breaks || []).join('-'), sa.color === 'time_min' ? 'time_min' : 'band'];
    if (sa.remove) {
      items.push(encodeURIComponent(sa.remove));
      if (Array.isArray(sa.at)) items.push(sa.at.map((c) => Number(c.toFixed(5))).join(','));
      else items.push('');
      if (sa.name) items.push(encodeURIComponent(sa.name));
    }
    parts.push(`sa=${items.join('~')}`);
    const ids = [sa.result?.layer, sa.result?.scenario].filter((id) => LAYER_ID.test(id ?? ''));
    if (ids.length) parts.push(`sr=${ids.join(',')}`);
    if (sa.inputs && typeof sa.inputs === 'object') parts.push(`si=${encodeURIComponent(JSON.stringify(sa.inputs))}`);
  }
  if (analysis.place) parts.push(`pl=${encodeURIComponent(analysis.place)}`);
  if (analysis.placeTowns?.layer) parts.push(`pt=${encodeURIComponent(JSON.stringify(analysis.placeTowns))}`);
  const co = analysis.corridor;
  if (co && (co.line?.length >= 2 || co.feature || co.segments?.ids?.length)) {
    let where;
    if (co.feature) where = `${encodeURIComponent(co.feature.layer)}:${encodeURIComponent(co.feature.field)}=${encodeURIComponent(co.feature.value)}`;
    else if (co.segments) where = `${encodeURIComponent(co.segments.layer)}@${co.segments.ids.join(',')}`;
    else where = co.line.map(([x, y]) => `${Number(x.toFixed(5))},${Number(y.toFixed(5))}`).join(';');
    parts.push(`co=${Math.round(co.width)};${where}`);
  }
  if (analysis.compare && typeof analysis.compare === 'object') parts.push(`cmp=${encodeURIComponent(JSON.stringify(analysis.compare))}`);
  return parts.join('&');
}

/** A JSON object from a hash parameter (null when absent or not an object). */
function parseObject(text) {
  if (!text) return null;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Decodes the analysis hash parameters (the inverse of encodeAnalysis). */
export function decodeAnalysis(params) {
  const analysis = {};
  const sa = params.get('sa');
  if (sa) {
    const [kind, breaks, color, remove, at, ...name] = sa.split('~');
    const numbers = String(breaks || '').split('-').map(Number).filter((n) => Number.isFinite(n) && n > 0);
    if (isKind(kind) && numbers.length) {
      analysis.service = { kind, breaks: numbers, color: color === 'time_min' ? 'time_min' : 'band' };
      if (remove) analysis.service.remove = decodeURIComponent(remove);
      const point = String(at || '').split(',').map(Number);
      if (remove && point.length === 2 && point.every(Number.isFinite)) analysis.service.at = point;
      if (remove && name.length) analysis.service.name = decodeURIComponent(name.join('~'));
      const [layer, scenario] = String(params.get('sr') || '').split(',');
      if (LAYER_ID.test(layer)) analysis.service.result = { layer, ...(remove && LAYER_ID.test(scenario ?? '') ? { scenario } : {}) };
      const inputs = parseObject(params.get('si'));
      if (inputs) analysis.service.inputs = inputs;
    }
  }
  if (params.get('pl')) analysis.place = params.get('pl');
  const towns = parseObject(params.get('pt'));
  if (typeof towns?.layer === 'string') analysis.placeTowns = towns;
  const co = params.get('co');
  if (co) {
    const [width, ...rest] = co.split(';');
    const w = Number(width);
    const feature = /^([^:]+):([^=]+)=(.*)$/.exec(rest[0] || '');
    const segments = /^([^:@]+)@(\d+(?:,\d+)*)$/.exec(rest[0] || '');
    if (Number.isFinite(w) && feature) {
      analysis.corridor = { width: w, feature: { layer: decodeURIComponent(feature[1]), field: decodeURIComponent(feature[2]), value: decodeURIComponent(feature[3]) } };
    } else if (Number.isFinite(w) && segments) {
      analysis.corridor = { width: w, segments: { layer: decodeURIComponent(segments[1]), ids: segments[2].split(',').map(Number) } };
    } else if (Number.isFinite(w)) {
      const line = rest.map((p) => p.split(',').map(Number)).filter((c) => c.length === 2 && c.every(Number.isFinite));
      if (line.length >= 2) analysis.corridor = { width: w, line };
    }
  }
  const compare = parseObject(params.get('cmp'));
  if (compare) analysis.compare = compare;
  return analysis;
}

/** The hash for a camera, basemap, visible layers [{id, opacity, style}] and analysis. */
export function encodeHash({ camera, basemap, layers, analysis }) {
  const r = (v, d) => Number(v.toFixed(d));
  const map = [r(camera.zoom, 2), r(camera.center[1], 5), r(camera.center[0], 5)];
  if (camera.bearing || camera.pitch) map.push(r(camera.bearing, 1), r(camera.pitch, 1));
  const l = layers
    .map((x) => [encodeURIComponent(x.id), r(x.opacity, 2), encodeStyle(x.style)].join('*'))
    .join(',');
  const a = encodeAnalysis(analysis);
  return `#map=${map.join('/')}&bm=${basemap}&l=${l}${a ? `&${a}` : ''}`;
}

/** Parses a hash: {view} for a saved view, or {camera, basemap, layers} (each may be absent). */
export function decodeHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  if (params.has('view')) return { view: params.get('view') };
  const result = {};
  const map = (params.get('map') || '').split('/').map(Number);
  if (map.length >= 3 && map.slice(0, 3).every(Number.isFinite)) {
    result.camera = { zoom: map[0], center: [map[2], map[1]], bearing: map[3] || 0, pitch: map[4] || 0 };
  }
  if (params.has('bm')) result.basemap = params.get('bm');
  if (params.has('l')) {
    result.layers = params.get('l').split(',').filter(Boolean).map((item) => {
      const [id, opacity, style] = item.split('*');
      const o = Number(opacity);
      return { id: decodeURIComponent(id), opacity: Number.isFinite(o) ? Math.min(1, Math.max(0, o)) : 1, style: decodeStyle(style) };
    });
  }
  // A map URL carries the whole state: without analysis parameters there is no analysis.
  if (params.has('map')) result.analysis = decodeAnalysis(params);
  return result;
}
