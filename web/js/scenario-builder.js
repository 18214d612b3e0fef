// Scenario builder (issue 15): a set of changes drawn on the map — new homes (a point or an
// area, and a number of residents), roads closed or given a speed (picked on the map or inside a
// drawn area), new links (a line, its speed, one-way) and services closed, added or moved (from
// the service's popup) — listed with remove buttons, named, described and saved as a scenario
// (/api/scenarios, with the write token as views). Saved scenarios are opened, replaced and
// deleted here; the comparison (compare.js) runs them. The changes are the server's `Changes`:
// positions and geometries in WGS84 as the map gives them. Road ids are `LAYER/FEATURE_ID` of
// the network the service analysis uses (the profile's, or the one picked under "Data").

import { getJSON, send } from './api.js';
import { el } from './dom.js';
import { formatNumber, onLanguageChange, t, tf } from './i18n.js';
import { kindOfFeature, serviceKind } from './region.js';
import { serviceInputs } from './analysis.js';
import { tileSource } from './sources.js';

/** Colours of the kinds of change on the map and in the list. */
const COLORS = { homes: '#1b7837', close: '#b2182b', speed: '#e08214', link: '#2166ac', service: '#762a83' };
const DRAFT = '#d55e00';
/** How near (pixels) a click must be to a road to pick it. */
const PICK_PX = 6;

/** An empty set of changes (the baseline), in the server's shape. */
function emptyChanges() {
  return { remove: [], add: [], move: [], population: [], network: { close: [], speed: [], links: [] } };
}

/** `changes` (possibly partial, e.g. as the server answers) with every list present. */
function fullChanges(changes) {
  const c = changes && typeof changes === 'object' ? changes : {};
  const n = c.network && typeof c.network === 'object' ? c.network : {};
  const list = (x) => (Array.isArray(x) ? x.map((item) => (item && typeof item === 'object' ? { ...item } : item)) : []);
  return {
    remove: list(c.remove), add: list(c.add), move: list(c.move), population: list(c.population),
    network: { close: list(n.close), speed: list(n.speed), links: list(n.links) },
  };
}

/** The changes as sent: empty lists left out (`{}` is the baseline). */
function compactChanges(changes) {
  const c = fullChanges(changes);
  const out = {};
  for (const key of ['remove', 'add', 'move', 'population']) if (c[key].length) out[key] = c[key];
  const network = {};
  for (const key of ['close', 'speed', 'links']) if (c.network[key].length) network[key] = c.network[key];
  if (Object.keys(network).length) out.network = network;
  return out;
}

/** The lists of a set of changes, as [path, items]; a path is the list's place in `Changes`. */
const LISTS = (c) => [
  [['population'], c.population], [['network', 'close'], c.network.close], [['network', 'speed'], c.network.speed],
  [['network', 'links'], c.network.links], [['remove'], c.remove], [['add'], c.add], [['move'], c.move],
];

/** Every change as a list entry {path, index, kind, text}, in the order of the lists. */
function changeEntries(changes) {
  const c = fullChanges(changes);
  const roads = (r) => (r.within ? t('scbInArea') : tf('scbRoadCount', { n: formatNumber(r.ids?.length ?? 0) }));
  const describe = {
    population: (h) => ['homes', `${tf(h.geometry ? 'scbHomesArea' : 'scbHomesPoint', { n: formatNumber(h.population) })}${h.name ? `: ${h.name}` : ''}`],
    close: (r) => ['close', tf('scbClose', { roads: roads(r) })],
    speed: (s) => ['speed', tf('scbSpeed', { roads: roads(s), speed: formatNumber(s.speed_kmh) })],
    links: (l) => ['link', tf(l.oneway ? 'scbLinkOneway' : 'scbLink', { speed: formatNumber(l.speed_kmh), n: l.line?.coordinates?.length ?? 0 })],
    remove: (id) => ['service', tf('scbServiceClosed', { id })],
    add: (s) => ['service', tf('scbServiceAdded', { name: s.name ?? '' })],
    move: (m) => ['service', tf('scbServiceMoved', { id: m.id })],
  };
  return LISTS(c).flatMap(([path, items]) => items.map((item, index) => {
    const [kind, text] = describe[path[path.length - 1]](item);
    return { path, index, kind, text };
  }));
}

/** The list at `path` of (full) changes `c`. */
const listAt = (c, path) => path.reduce((o, k) => o[k], c);

/** Rounds a position to what a map click means (six decimals, about 0.1 m). */
const position = (lngLat) => [Number(lngLat.lng.toFixed(6)), Number(lngLat.lat.toFixed(6))];

/** A positive number from an input (null when it is not one). */
function positive(input) {
  const n = Number(String(input.value).replace(',', '.'));
  const ok = Number.isFinite(n) && n > 0;
  if (ok) input.removeAttribute('aria-invalid');
  else input.setAttribute('aria-invalid', 'true');
  return ok ? n : null;
}

/**
 * Wires the builder into `panel`; returns {state, saved(), onSaved(fn), open(id)} (compare.js
 * lists the saved scenarios, views.js opens the one a slide names).
 */
export function initScenarioBuilder(app, ctx, panel) {
  const map = app.map;
  // `mode` is the map input's (MODES), collecting `draft` points or `picked` road ids; `moving`
  // is the service being moved; `at` remembers where closed services are, to mark them.
  const state = { id: null, changes: emptyChanges(), mode: null, draft: [], picked: [], moving: null, at: new Map(), saved: [] };
  const savedListeners = [];

  const input = (id, attrs) => el('input', { id, ...attrs });
  const homesPop = input('scb-homes-pop', { type: 'number', min: '1', step: '1', value: '500', inputmode: 'numeric' });
  const homesName = input('scb-homes-name', { type: 'text', maxlength: '120' });
  const roadAction = el('select', { id: 'scb-road-action' });
  const roadSpeed = input('scb-road-speed', { type: 'number', min: '1', step: '1', value: '30' });
  const linkSpeed = input('scb-link-speed', { type: 'number', min: '1', step: '1', value: '70' });
  const linkOneway = input('scb-link-oneway', { type: 'checkbox' });
  const name = input('scb-name', { type: 'text', maxlength: '200', required: true });
  const description = el('textarea', { id: 'scb-description', rows: '2', maxlength: '2000' });
  const buttons = {};
  const button = (id, key, onclick, cls) => {
    buttons[id] = el('button', { type: 'button', id, class: cls, 'data-t': key, onclick });
    return buttons[id];
  };
  const label = (key, control) => el('label', { class: 'row', for: control.id }, el('span', { 'data-t': key }), control);
  const list = el('ul', { id: 'scb-changes', class: 'change-list' });
  const savedList = el('ul', { id: 'scb-saved', class: 'change-list' });
  const status = el('p', { id: 'scb-status', class: 'message', role: 'status' });
  const current = el('p', { id: 'scb-current', class: 'help' });

  const form = el('form', { id: 'scb-form', class: 'tool-form edit-only' },
    el('fieldset', {}, el('legend', { 'data-t': 'scbHomes' }), label('scbResidents', homesPop), label('scbHomesName', homesName),
      el('div', { class: 'buttons' }, button('scb-homes-point', 'scbDrawPoint', () => startMode('homes-point')), button('scb-homes-area', 'scbDrawArea', () => startMode('homes-area')))),
    el('fieldset', {}, el('legend', { 'data-t': 'scbRoads' }), label('scbRoadAction', roadAction), label('scbSpeedKmh', roadSpeed),
      el('div', { class: 'buttons' }, button('scb-road-pick', 'scbPickRoads', () => startMode('road-pick')), button('scb-road-area', 'scbDrawArea', () => startMode('road-area')))),
    el('fieldset', {}, el('legend', { 'data-t': 'scbLinkHeading' }), label('scbSpeedKmh', linkSpeed),
      el('label', { class: 'check', for: 'scb-link-oneway' }, linkOneway, el('span', { 'data-t': 'scbOneway' })),
      el('div', { class: 'buttons' }, button('scb-link-draw', 'scbDrawLink', () => startMode('link')))),
    el('fieldset', {}, el('legend', { 'data-t': 'scbServices' }), el('p', { class: 'help', 'data-t': 'scbServicesHelp' }),
      el('div', { class: 'buttons' }, button('scb-service-add', 'scbServiceAdd', () => startMode('service-add')))),
    el('h3', { 'data-t': 'scbChanges' }), list,
    label('scbName', name), label('scbDescription', description),
    el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'primary', id: 'scb-save', 'data-t': 'scbSave' }), button('scb-new', 'scbNew', () => reset())),
    current);
  panel.append(el('h2', { 'data-t': 'scbHeading' }), form, status, el('h3', { 'data-t': 'scbSaved' }), savedList);

  const say = (text, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };
  const network = () => serviceInputs(app.profile, app.analysis?.service ?? {}).network;

  // Map input: one mode at a time. Points finish at the click; areas and lines collect points
  // until a double-click, Enter or the mode's button again; road picking toggles roads.
  const MODES = {
    'homes-point': { kind: 'point', button: 'scb-homes-point', hint: 'scbHintPoint', done: ([p]) => addHomes({ lon: p[0], lat: p[1] }) },
    'homes-area': { kind: 'polygon', button: 'scb-homes-area', hint: 'scbHintArea', done: (ring) => addHomes({ geometry: polygon(ring) }) },
    'road-pick': { kind: 'pick', button: 'scb-road-pick', hint: 'scbHintPick', done: (ids) => addRoads({ ids }) },
    'road-area': { kind: 'polygon', button: 'scb-road-area', hint: 'scbHintArea', done: (ring) => addRoads({ within: polygon(ring) }) },
    link: { kind: 'line', button: 'scb-link-draw', hint: 'scbHintLine', done: (line) => addLink(line) },
    'service-add': { kind: 'point', button: 'scb-service-add', hint: 'scbHintPoint', done: ([p]) => push(['add'], { name: t('scbNewService'), lon: p[0], lat: p[1] }) },
    'service-move': { kind: 'point', button: null, hint: 'scbHintMove', done: ([p], moving) => push(['move'], { id: moving, lon: p[0], lat: p[1] }) },
  };
  const polygon = (ring) => ({ type: 'Polygon', coordinates: [[...ring, ring[0]]] });
  const enough = { point: 1, line: 2, polygon: 3, pick: 1 };

  const addHomes = (where) => {
    const population = positive(homesPop);
    if (population === null) return say(t('scbNeedResidents'), true);
    const title = homesName.value.trim();
    return push(['population'], { ...(title ? { name: title } : {}), ...where, population });
  };
  const addRoads = (selection) => {
    if (roadAction.value === 'close') return push(['network', 'close'], selection);
    const speed = positive(roadSpeed);
    if (speed === null) return say(t('scbNeedSpeed'), true);
    return push(['network', 'speed'], { ...selection, speed_kmh: speed });
  };
  const addLink = (line) => {
    const speed = positive(linkSpeed);
    if (speed === null) return say(t('scbNeedSpeed'), true);
    return push(['network', 'links'], { line: { type: 'LineString', coordinates: line }, speed_kmh: speed, oneway: linkOneway.checked });
  };
  const push = (path, item) => {
    listAt(state.changes, path).push(item);
    say('');
    render();
  };

  const stopMode = () => {
    if (state.mode) ctx.input.stop();
  };
  const finish = () => {
    const mode = MODES[state.mode];
    const items = mode.kind === 'pick' ? state.picked.map((id) => `${network()}/${id}`) : [...state.draft];
    const { moving } = state;
    stopMode();
    if (items.length >= enough[mode.kind]) mode.done(items, moving);
    else say(t(mode.kind === 'pick' ? 'scbNeedRoad' : 'scbNeedPoints'), true);
  };
  const add = (lngLat, point) => {
    const mode = MODES[state.mode];
    if (mode.kind !== 'pick') {
      state.draft.push(position(lngLat));
      if (mode.kind === 'point') finish();
      return;
    }
    const box = [[point.x - PICK_PX, point.y - PICK_PX], [point.x + PICK_PX, point.y + PICK_PX]];
    const hit = map.queryRenderedFeatures(box, { layers: ['scb-net-all'] }).find((f) => f.id !== undefined);
    if (!hit) return;
    const at = state.picked.indexOf(hit.id);
    if (at >= 0) state.picked.splice(at, 1);
    else state.picked.push(hit.id);
  };
  const startMode = (name, moving = null) => {
    // The mode's own button again finishes it.
    if (state.mode === name) {
      finish();
      return;
    }
    const mode = MODES[name];
    if (mode.kind === 'pick' && !app.byId.get(network())) {
      say(t('needNetwork'), true);
      return;
    }
    ctx.input.start({
      button: mode.button ? buttons[mode.button] : null, cursor: mode.kind === 'pick' ? 'pointer' : 'crosshair',
      hint: () => t(mode.hint), add, finish,
      pop: () => (mode.kind === 'pick' ? state.picked : state.draft).pop(),
      begin: () => Object.assign(state, { mode: name, draft: [], picked: [], moving }),
      end: () => Object.assign(state, { mode: null, draft: [], picked: [], moving: null }),
    });
    ctx.selectTab('scenario');
  };

  // Services: close (or open again) and move from the popup of a service of the profile.
  app.popupExtras.push((feature, layerId) => {
    if (!kindOfFeature(app.profile, layerId, feature.properties) || feature.id === undefined || feature.id === null) return null;
    const id = `${layerId}/${feature.id}`;
    const closed = state.changes.remove.includes(id);
    const props = feature.properties || {};
    const kind = kindOfFeature(app.profile, layerId, props);
    const label = props[serviceKind(app.profile, kind)?.name_field] ?? props.name ?? id;
    const at = feature.geometry?.type === 'Point' ? feature.geometry.coordinates.map((c) => Number(c.toFixed(6))) : null;
    return el('div', { class: 'popup-actions edit-only' },
      el('button', {
        type: 'button', id: 'scb-popup-close',
        onclick: () => {
          app.popup?.remove();
          const remove = state.changes.remove;
          if (closed) remove.splice(remove.indexOf(id), 1);
          else remove.push(id);
          if (at) state.at.set(id, { at, label });
          ctx.selectTab('scenario');
          render();
        },
      }, t(closed ? 'scbServiceOpen' : 'scbServiceClose')),
      el('button', {
        type: 'button', id: 'scb-popup-move',
        onclick: () => {
          app.popup?.remove();
          if (at) state.at.set(id, { at, label });
          startMode('service-move', id);
        },
      }, t('scbServiceMove')));
  });

  // Saving, opening, replacing and deleting saved scenarios.
  const reset = () => {
    stopMode();
    Object.assign(state, { id: null, changes: emptyChanges() });
    name.value = '';
    description.value = '';
    say('');
    render();
  };
  const refresh = async () => {
    try {
      state.saved = (await getJSON('/api/scenarios')).scenarios ?? [];
    } catch (e) {
      say(e.message, true);
    }
    renderSaved();
    for (const fn of savedListeners) fn(state.saved);
  };
  const open = async (id) => {
    try {
      const s = await getJSON(`/api/scenarios/${encodeURIComponent(id)}`);
      stopMode();
      Object.assign(state, { id: s.id, changes: fullChanges(s.changes) });
      name.value = s.name ?? '';
      description.value = s.description ?? '';
      say(tf('scbOpened', { name: s.name }));
      render();
    } catch (e) {
      say(e.message, true);
    }
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = name.value.trim();
    if (!title) {
      name.focus();
      return;
    }
    const body = { name: title, description: description.value.trim(), changes: compactChanges(state.changes) };
    try {
      const saved = state.id
        ? await send('PUT', `/api/scenarios/${encodeURIComponent(state.id)}`, body)
        : await send('POST', '/api/scenarios', body);
      state.id = saved.id;
      await refresh();
      say(tf('scbSavedAs', { name: saved.name }));
      ctx.toast(tf('scbSavedAs', { name: saved.name }));
      render();
    } catch (err) {
      say(`${t('scbSaveFailed')}: ${err.message}`, true);
    }
  });
  const remove = async (s) => {
    if (!confirm(`${t('scbDeleteConfirm')} ${s.name}`)) return;
    try {
      await send('DELETE', `/api/scenarios/${encodeURIComponent(s.id)}`);
      if (state.id === s.id) state.id = null;
      await refresh();
      render();
    } catch (e) {
      say(`${t('scbSaveFailed')}: ${e.message}`, true);
    }
  };

  function render() {
    const entries = changeEntries(state.changes);
    list.replaceChildren(...(entries.length ? entries.map((entry) => el('li', { class: `change change-${entry.kind}` },
      el('span', { class: 'swatch', style: `background:${COLORS[entry.kind]}`, 'aria-hidden': 'true' }),
      el('span', { class: 'change-text', text: entry.text }),
      el('button', {
        type: 'button', class: 'scb-remove edit-only', 'aria-label': `${t('delete')}: ${entry.text}`, title: t('delete'),
        onclick: () => {
          listAt(state.changes, entry.path).splice(entry.index, 1);
          render();
        },
      }, '✕'))) : [el('li', { class: 'empty', text: t('scbNoChanges') })]));
    const s = state.saved.find((x) => x.id === state.id);
    current.textContent = s ? tf('scbEditing', { name: s.name }) : '';
    renderSaved();
    ctx.update({ keepPanel: true });
  }
  function renderSaved() {
    savedList.replaceChildren(...(state.saved.length ? state.saved.map((s) => el('li', { class: s.id === state.id ? 'current' : null },
      el('button', { type: 'button', class: 'scb-open', 'data-id': s.id, title: s.description || null, onclick: () => open(s.id) }, s.name),
      app.config.writable ? el('button', { type: 'button', class: 'scb-delete edit-only', 'aria-label': `${t('delete')}: ${s.name}`, title: t('delete'), onclick: () => remove(s) }, '✕') : null))
      : [el('li', { class: 'empty', text: t('scbNoneSaved') })]));
  }
  const translate = () => {
    for (const node of panel.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    const action = roadAction.value || 'close';
    roadAction.replaceChildren(el('option', { value: 'close', text: t('scbRoadClose') }), el('option', { value: 'speed', text: t('scbRoadSpeed') }));
    roadAction.value = action;
  };
  translate();
  onLanguageChange(() => {
    translate();
    ctx.input.translate();
    render();
  });
  if (!app.config.writable) form.hidden = true;

  // The changes on the map: homes green, closed roads red, new speeds orange, links blue,
  // services purple; what is being drawn in the drawing colour.
  app.overlays.push({
    style: () => {
      const c = state.changes;
      const features = [];
      const feature = (geometry, kind, extra = {}) => features.push({ type: 'Feature', geometry, properties: { kind, color: COLORS[kind], ...extra } });
      for (const h of c.population) feature(h.geometry ?? { type: 'Point', coordinates: [h.lon, h.lat] }, 'homes');
      for (const r of c.network.close) if (r.within) feature(r.within, 'close');
      for (const r of c.network.speed) if (r.within) feature(r.within, 'speed');
      for (const l of c.network.links) feature(l.line, 'link');
      for (const s of c.add) feature({ type: 'Point', coordinates: [s.lon, s.lat] }, 'service');
      for (const m of c.move) feature({ type: 'Point', coordinates: [m.lon, m.lat] }, 'service');
      for (const id of c.remove) {
        const where = state.at.get(id);
        if (where) feature({ type: 'Point', coordinates: where.at }, 'close');
      }
      const mode = state.mode ? MODES[state.mode] : null;
      if (mode && mode.kind !== 'pick' && state.draft.length) {
        const d = state.draft;
        if (d.length >= 2) feature({ type: mode.kind === 'polygon' && d.length >= 3 ? 'Polygon' : 'LineString', coordinates: mode.kind === 'polygon' && d.length >= 3 ? [[...d, d[0]]] : d }, 'link', { color: DRAFT });
        for (const p of d) feature({ type: 'Point', coordinates: p }, 'link', { color: DRAFT });
      }
      const byColor = ['get', 'color'];
      const sources = { 'scb-changes': { type: 'geojson', data: { type: 'FeatureCollection', features } } };
      const top = [];
      // Roads by id: the network's own tiles, the picked and changed ones drawn over it.
      const net = app.byId.get(network());
      const idsOf = (selections) => selections.flatMap((r) => r.ids ?? []).filter((id) => id.startsWith(`${net?.id}/`)).map((id) => Number(id.slice(net.id.length + 1)));
      const closed = idsOf(c.network.close);
      const slowed = idsOf(c.network.speed);
      if (net && (mode?.kind === 'pick' || closed.length || slowed.length)) {
        sources['scb-net'] = tileSource([net]);
        const base = { source: 'scb-net', 'source-layer': net.id, layout: { 'line-cap': 'round' } };
        if (mode?.kind === 'pick') {
          top.push({ ...base, id: 'scb-net-all', type: 'line', paint: { 'line-color': DRAFT, 'line-width': 3, 'line-opacity': 0.45 } });
          top.push({ ...base, id: 'scb-net-picked', type: 'line', filter: ['in', ['id'], ['literal', state.picked]], paint: { 'line-color': DRAFT, 'line-width': 7 } });
        }
        top.push({ ...base, id: 'scb-net-speed', type: 'line', filter: ['in', ['id'], ['literal', slowed]], paint: { 'line-color': COLORS.speed, 'line-width': 5 } });
        top.push({ ...base, id: 'scb-net-closed', type: 'line', filter: ['in', ['id'], ['literal', closed]], paint: { 'line-color': COLORS.close, 'line-width': 5, 'line-dasharray': [1.5, 1] } });
      }
      top.push(
        { id: 'scb-fill', type: 'fill', source: 'scb-changes', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': byColor, 'fill-opacity': 0.25 } },
        { id: 'scb-line', type: 'line', source: 'scb-changes', filter: ['!=', ['geometry-type'], 'Point'], layout: { 'line-cap': 'round' }, paint: { 'line-color': byColor, 'line-width': 3.5 } },
        { id: 'scb-point', type: 'circle', source: 'scb-changes', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 7, 'circle-color': '#ffffff', 'circle-stroke-color': byColor, 'circle-stroke-width': 3.5 } },
      );
      return { sources, layers: [], top };
    },
    legend: () => {
      const kinds = [...new Set(changeEntries(state.changes).map((e) => e.kind))];
      if (!kinds.length) return [];
      const s = state.saved.find((x) => x.id === state.id);
      return [{ title: s ? tf('scbLegendNamed', { name: s.name }) : t('scbLegend'), kind: 'line', items: kinds.map((k) => ({ color: COLORS[k], label: t(`scbKind_${k}`) })) }];
    },
  });

  render();
  // The saved scenarios are read when the tab is first shown (or a slide opens one).
  panel.closest('[role="tabpanel"]')?.addEventListener('tabshown', () => refresh(), { once: true });
  return {
    state,
    saved: () => state.saved,
    onSaved: (fn) => savedListeners.push(fn),
    open,
    refresh,
  };
}
