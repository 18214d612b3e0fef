// Click (or Enter on the map) on a feature: a popup with its attributes, labelled in the
// current language.

import { fieldLabel, formatNumber, t } from './i18n.js';

// Numbers that are names, not quantities: shown without thousands separators.
const PLAIN_NUMBER = /(^|_)(id|year|år|kod|code|nr|nummer)$|^(year|id|objectid|postnummer|TATNR|KKOD|LANSKOD|UtbudspunktID|kluster_id)$/i;

// Internal identifiers that mean nothing to a planner.
const HIDDEN = /^(id|fid|objectid|uu_id|uuidadrpl|urn|objektidentitet)$/i;

// What the tiles add where they generalise (src/tiles/merge.rs, thin.rs): said in words instead.
const GENERALISED = new Set(['merged', 'cells', 'count', 'ids']);

const TITLE_FIELDS = ['name', 'namn', 'NAMN1', 'stop_name', 'nodnamn', 'Populärnamn', 'route_long_name', 'KATEGORI'];

/** Wires feature popups to the map. */
export function initPopup(app, { overlayLayerIds }) {
  const map = app.map;
  const popup = new window.maplibregl.Popup({ maxWidth: '28em', focusAfterOpen: false });
  app.popup = popup;
  const show = (point) => {
    // While a line is drawn (corridor.js) clicks add points, not popups.
    if (app.drawing) return false;
    const layers = overlayLayerIds();
    if (map.getLayer('bm-label-tatort')) layers.push('bm-label-tatort');
    const box = [[point.x - 4, point.y - 4], [point.x + 4, point.y + 4]];
    const features = layers.length ? map.queryRenderedFeatures(box, { layers }) : [];
    if (!features.length) {
      popup.remove();
      return false;
    }
    const feature = features[0];
    const layerId = feature.layer.metadata?.['kartrum:layer'] ?? null;
    const meta = app.byId.get(layerId);
    const lngLat = map.unproject(point);
    const root = content(feature, meta);
    for (const extra of app.popupExtras) {
      const node = extra(feature, layerId, lngLat);
      if (node) root.append(node);
    }
    popup.setLngLat(lngLat).setDOMContent(root).addTo(map);
    return true;
  };
  map.on('click', (e) => show(e.point));
  map.on('mousemove', (e) => {
    // While drawing or picking (corridor.js) the cursor is that mode's.
    if (app.drawing) return;
    const layers = overlayLayerIds();
    const hit = layers.length && map.queryRenderedFeatures(e.point, { layers }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  // Keyboard: Enter on the focused map opens the popup of the feature at the centre.
  map.getCanvas().addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const c = map.getCanvas();
      show({ x: c.clientWidth / 2, y: c.clientHeight / 2 });
    }
  });
}

function content(feature, meta) {
  const root = document.createElement('div');
  root.className = 'feature-popup';
  const props = feature.properties || {};
  const titleField = TITLE_FIELDS.find((f) => props[f] !== undefined && props[f] !== null && props[f] !== '');
  const h = document.createElement('h3');
  h.textContent = titleField ? String(props[titleField]) : meta?.title ?? '';
  const layer = document.createElement('div');
  layer.className = 'layer-meta';
  layer.textContent = meta?.title ?? '';
  const table = document.createElement('table');
  const order = meta ? meta.fields.map((f) => f.name) : Object.keys(props);
  for (const name of order) {
    const value = props[name];
    if (value === undefined || value === null || value === '' || HIDDEN.test(name) || GENERALISED.has(name)) continue;
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = fieldLabel(name);
    const td = document.createElement('td');
    td.textContent = typeof value === 'number' && !PLAIN_NUMBER.test(name) ? formatNumber(value) : String(value);
    tr.append(th, td);
    table.append(tr);
  }
  root.append(h, layer);
  const note = generalisedNote(props);
  if (note) root.append(note);
  root.append(table);
  return root;
}

/** A merged block or a point standing for others says so, so nothing is silently missing. */
function generalisedNote(props) {
  const cells = Number(props.cells);
  const count = Number(props.count);
  let text = null;
  if (props.merged && cells > 1) text = t('popupMerged').replace('{n}', formatNumber(cells));
  else if (count > 1) text = t('popupCount').replace('{n}', formatNumber(count));
  if (!text) return null;
  const p = document.createElement('p');
  p.className = 'generalised-note';
  p.textContent = text;
  return p;
}
