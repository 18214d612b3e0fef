// The layer panel: every catalog layer with a toggle, opacity, style (one colour or a
// choropleth of a numeric field) and its legend. Analysis results (derived layers, source
// `analysis/…`) are not listed: each request stores its own, and their panels show them.

import { el, option } from './dom.js';
import { fieldLabel, formatNumber, onLanguageChange, t } from './i18n.js';
import { legendSwatches } from './legend.js';
import { PALETTES, classColors, geometryKind, legendEntry, numericFields } from './styles.js';

/** Builds the panel into `list` and keeps it in step with the app state. */
export function renderLayerPanel(list, app, { update, onChange }) {
  const open = new Set();
  const build = (opts = {}) => {
    if (opts.keepPanel) return;
    const focused = document.activeElement?.id;
    const listed = app.catalog.filter((meta) => !String(meta.source).startsWith('analysis/'));
    list.replaceChildren(...listed.map((meta) => layerItem(meta, app, update, open)));
    if (focused) document.getElementById(focused)?.focus();
  };
  build();
  onChange(build);
  onLanguageChange(build);
}

function layerItem(meta, app, update, open) {
  const state = app.layers.get(meta.id);
  const style = state.style;
  const id = `layer-${meta.id}`;
  const fields = numericFields(meta);
  const toggle = el('input', {
    type: 'checkbox', id: `${id}-toggle`, 'data-layer': meta.id,
    onchange: (e) => {
      state.visible = e.target.checked;
      update();
    },
  });
  toggle.checked = state.visible;
  const expanded = open.has(meta.id);
  const more = el('button', {
    type: 'button', class: 'layer-more', id: `${id}-more`, 'aria-expanded': String(expanded),
    'aria-controls': `${id}-body`, title: `${t('showSettings')}: ${meta.title}`, text: expanded ? '▴' : '▾',
    'aria-label': `${t('showSettings')}: ${meta.title}`,
    onclick: () => {
      if (open.has(meta.id)) open.delete(meta.id);
      else open.add(meta.id);
      update();
    },
  });
  const kindClass = { fill: '', line: ' line', point: ' point' }[geometryKind(meta.geometry_type)];
  const swatch = el('span', { class: `swatch${kindClass}`, 'aria-hidden': 'true' });
  swatch.style.background = style.kind === 'choropleth'
    ? `linear-gradient(90deg, ${classColors(style.palette, [0, 1, 2, 3]).join(', ')})`
    : style.color;
  const head = el('div', { class: 'layer-head' },
    el('label', { for: `${id}-toggle` }, toggle, swatch,
      el('span', {},
        el('span', { class: 'layer-title', text: meta.title }),
        el('br'),
        el('span', { class: 'layer-meta', text: `${formatNumber(meta.feature_count)} ${t('features')}`, title: meta.description }))),
    el('span', { class: 'edit-only' }, more));

  const body = el('div', { class: 'layer-body', id: `${id}-body` });
  body.hidden = !expanded;
  const opacity = el('input', {
    type: 'range', min: 0, max: 1, step: 0.05, id: `${id}-opacity`,
    oninput: (e) => {
      state.opacity = Number(e.target.value);
      update({ keepPanel: true });
    },
  });
  opacity.value = state.opacity;
  body.append(el('label', { class: 'row edit-only' }, el('span', { text: t('opacity') }), opacity));

  const kind = el('select', {
    id: `${id}-style`,
    onchange: (e) => {
      if (e.target.value === 'choropleth') {
        state.style = {
          kind: 'choropleth', color: style.color, field: style.field || fields[0]?.name,
          method: style.method || 'quantile', classes: style.classes || 5, palette: style.palette || 'YlGnBu',
        };
      } else {
        state.style = { kind: 'simple', color: style.color };
      }
      state.visible = true;
      update();
    },
  }, option('simple', t('styleSimple'), style.kind !== 'choropleth'));
  if (fields.length) kind.append(option('choropleth', t('styleChoropleth'), style.kind === 'choropleth'));
  body.append(el('label', { class: 'row edit-only' }, el('span', { text: t('style') }), kind));

  const set = (key, value) => {
    state.style = { ...state.style, [key]: value };
    update();
  };
  if (style.kind === 'choropleth') {
    const field = el('select', { id: `${id}-field`, onchange: (e) => set('field', e.target.value) },
      ...fields.map((f) => option(f.name, fieldLabel(f.name), f.name === style.field)));
    const method = el('select', { id: `${id}-method`, onchange: (e) => set('method', e.target.value) },
      option('quantile', t('quantile'), style.method !== 'equal'), option('equal', t('equal'), style.method === 'equal'));
    const classes = el('select', { id: `${id}-classes`, onchange: (e) => set('classes', Number(e.target.value)) },
      ...[3, 4, 5, 6, 7].map((n) => option(String(n), String(n), n === style.classes)));
    const palette = el('select', { id: `${id}-palette`, onchange: (e) => set('palette', e.target.value) },
      ...Object.keys(PALETTES).map((p) => option(p, p, p === style.palette)));
    body.append(
      el('label', { class: 'row edit-only' }, el('span', { text: t('field') }), field),
      el('label', { class: 'row edit-only' }, el('span', { text: t('method') }), method),
      el('label', { class: 'row edit-only' }, el('span', { text: t('classes') }), classes),
      el('label', { class: 'row edit-only' }, el('span', { text: t('palette') }), palette));
  } else {
    const color = el('input', { type: 'color', id: `${id}-color`, onchange: (e) => set('color', e.target.value) });
    color.value = style.color;
    body.append(el('label', { class: 'row edit-only' }, el('span', { text: t('color') }), color));
  }
  const item = el('li', { class: `layer${state.visible ? ' on' : ''}`, id }, head, body);
  if (state.visible) {
    const entry = legendEntry(meta, state, app.stats.get(meta.id), fieldLabel);
    if (!entry.simple) item.append(legendSwatches(entry));
  }
  return item;
}
