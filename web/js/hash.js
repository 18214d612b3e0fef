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

/** The hash for a camera, basemap and visible layers [{id, opacity, style}]. */
export function encodeHash({ camera, basemap, layers }) {
  const r = (v, d) => Number(v.toFixed(d));
  const map = [r(camera.zoom, 2), r(camera.center[1], 5), r(camera.center[0], 5)];
  if (camera.bearing || camera.pitch) map.push(r(camera.bearing, 1), r(camera.pitch, 1));
  const l = layers
    .map((x) => [encodeURIComponent(x.id), r(x.opacity, 2), encodeStyle(x.style)].join('*'))
    .join(',');
  return `#map=${map.join('/')}&bm=${basemap}&l=${l}`;
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
  return result;
}
