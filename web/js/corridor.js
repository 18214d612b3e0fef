// Corridor panel (issue 7, stråk): draw a line on the map (click points, double-click or Enter
// to finish; with the keyboard Space adds the map centre), choose a trunk bus line, or pick
// railway segments on the map, set the width, and POST /api/analysis/corridor. The corridor
// polygon is drawn on the map (so it is in PNG/PDF exports), its key figures go into the legend
// (and the export's legend), and a profile of population and departures per km is drawn as
// inline SVG bar charts. The corridor is app.analysis.corridor = {width, line: [[lon, lat], …]},
// {width, feature: {layer, field, value}} or {width, segments: {layer, ids: [id, …]}}.
//
// Railways are picked segment by segment: the railway layer (Lantmäteriet 1:1 milj) has no
// line names or numbers, only its category (single or double track, tunnel), and is split at
// junctions, so the segments are the only grouping the data has.

import { barChart } from './chart.js';
import { el, option, postJSON } from './dom.js';
import { formatFixed, formatNumber, formatPercent, onLanguageChange, t, tf } from './i18n.js';
import { getJSON } from './api.js';
import { fieldPicker, layerPicker } from './pickers.js';
import { allFields, townsOf } from './region.js';
import { allFeatures, geometryBounds } from './sources.js';

const COLOR = '#5b2a86';
const DRAFT = '#d55e00';
/** How near (pixels) a click must be to a railway to pick it. */
const PICK_PX = 6;

/** The corridor request for the parameters, counting the `sources` of the region. */
export function corridorRequest(c, name, sources = {}) {
  const spec = { name, buffer_m: c.width };
  if (c.feature) spec.features = { layer: c.feature.layer, where: { [c.feature.field]: c.feature.value } };
  else if (c.segments) spec.features = { layer: c.segments.layer, ids: c.segments.ids };
  else spec.line = { type: 'LineString', coordinates: c.line };
  return { corridors: [spec], ...(Object.keys(sources).length ? { sources } : {}) };
}

/**
 * What a corridor counts, from the region profile: population (demand), tätorter (towns),
 * services (each service layer once, its kinds by the first filter field) and stops; only the
 * parts whose layers the catalog has.
 */
export function corridorSources(app) {
  const a = app.profile.analysis;
  const has = (layer) => Boolean(layer) && app.byId.has(layer);
  const sources = {};
  if (has(a.demand?.layer) && a.demand.population) sources.population = { layer: a.demand.layer, field: a.demand.population };
  const towns = townsOf(app);
  if (towns?.name_field && towns.population) sources.tatorter = { layer: towns.layer, name_field: towns.name_field, population_field: towns.population };
  const services = new Map();
  for (const s of a.services.filter((x) => has(x.layer))) {
    if (!services.has(s.layer)) services.set(s.layer, { layer: s.layer, ...(s.filter && Object.keys(s.filter).length ? { kind_field: Object.keys(s.filter)[0] } : {}) });
  }
  if (services.size) sources.services = [...services.values()];
  const stops = a.stops;
  if (has(stops?.layer) && stops.name_field && stops.departures_field) {
    sources.stops = { layer: stops.layer, name_field: stops.name_field, departures_field: stops.departures_field, group_fields: stops.group_fields ?? [] };
  }
  return sources;
}

/**
 * The lines to choose a corridor from: the profile's first corridor line with a label field (or
 * the first), {layer, label_field?, filter?}; the layer picked by segments: the profile's first
 * corridor line without a label field (null: the lines' own layer).
 */
export function corridorLines(profile) {
  const lines = profile.map.corridor_lines;
  return { lines: lines.find((l) => l.label_field) ?? lines[0] ?? null, segments: lines.find((l) => !l.label_field)?.layer ?? null };
}

/** Wires the panel; returns its state (for the tests). */
export function initCorridor(app, ctx) {
  const map = app.map;
  const panel = document.getElementById('panel-corridor');
  // `mode` is how the map takes clicks: null, 'draw' (points of `draft`) or 'pick' (railway
  // segment ids in `picked`; the railways to pick from are `rails`, fetched once).
  const state = { key: null, result: null, error: null, busy: false, mode: null, draft: null, picked: null, rails: null, fit: false };
  app.corridor = state;

  const draw = el('button', { type: 'button', id: 'co-draw', 'aria-pressed': 'false' }, t('coDraw'));
  const lineSelect = el('select', { id: 'co-line' }, option('', t('coLineChoose')));
  // The lines: the profile's corridor lines, or any line layer and field the user picks.
  const profileLines = () => corridorLines(app.profile);
  const linesLayer = layerPicker(app, { id: 'co-lines-layer', label: 'coLinesLayer', empty: 'pickChoose', kinds: ['line'] });
  const linesField = fieldPicker({ id: 'co-lines-field', label: 'coLineField', empty: 'pickChoose', fields: () => allFields(app, linesLayer.select.value) });
  const showLines = () => {
    const chosen = profileLines().lines;
    linesLayer.fill(linesLayer.select.value || chosen?.layer || '');
    linesField.fill(linesField.select.value || (linesLayer.select.value === chosen?.layer ? chosen?.label_field : '') || '');
  };
  showLines();
  /** The lines to choose from now: {layer, field, filter} (null: none picked). */
  const lineSource = () => {
    const layer = linesLayer.select.value;
    const field = linesField.select.value;
    if (!layer || !field) return null;
    const own = profileLines().lines;
    return { layer, field, filter: own?.layer === layer ? own.filter ?? {} : {} };
  };
  /** The layer whose segments are picked on the map. */
  const segmentLayer = () => {
    const id = profileLines().segments ?? linesLayer.select.value;
    return id && app.byId.has(id) ? id : null;
  };
  const pick = el('button', { type: 'button', id: 'co-pick-rail', 'aria-pressed': 'false', hidden: !segmentLayer() }, t('coPickRail'));
  const pickHelp = el('p', { class: 'help', hidden: !segmentLayer(), text: t('coPickRailHelp') });
  const width = el('input', { id: 'co-width', type: 'number', min: 0, max: 50000, step: 100, value: 1000 });
  const run = el('button', { type: 'button', class: 'primary', id: 'co-run' }, t('coRun'));
  const clear = el('button', { type: 'button', id: 'co-clear' }, t('coClear'));
  const status = el('p', { id: 'co-status', class: 'message', role: 'status' });
  const results = el('div', { id: 'co-results' });
  const heading = el('h2', { text: t('coHeading') });
  const orPick = el('p', { class: 'help', text: t('coOrPick') });
  const lineLabel = el('span', { text: t('coLine') });
  const widthLabel = el('span', { text: t('coWidth') });
  panel.append(heading,
    el('div', { class: 'tool-form edit-only' },
      el('div', { class: 'buttons' }, draw), orPick,
      linesLayer.row, linesField.row,
      el('label', { class: 'row' }, lineLabel, lineSelect),
      el('div', { class: 'buttons' }, pick), pickHelp,
      el('label', { class: 'row' }, widthLabel, width),
      el('div', { class: 'buttons' }, run, clear)),
    status, results);
  onLanguageChange(() => {
    heading.textContent = t('coHeading');
    draw.textContent = t('coDraw');
    orPick.textContent = t('coOrPick');
    lineLabel.textContent = t('coLine');
    widthLabel.textContent = t('coWidth');
    lineSelect.options[0].textContent = t('coLineChoose');
    pick.textContent = t('coPickRail');
    pickHelp.textContent = t('coPickRailHelp');
    run.textContent = t('coRun');
    clear.textContent = t('coClear');
    linesLayer.fill();
    linesField.fill();
    ctx.input.translate();
    render();
  });

  // The lines to choose from (the profile's: trunk bus lines), fetched once per layer and field.
  let lines = null;
  let linesKey = null;
  const loadLines = async () => {
    const source = lineSource();
    const key = JSON.stringify(source);
    if (lines && key === linesKey) return;
    linesKey = key;
    lines = [];
    if (!source) {
      status.textContent = t('needLines');
    } else {
      try {
        const query = new URLSearchParams({ ...source.filter, limit: 1000 });
        const fc = await getJSON(`/api/layers/${encodeURIComponent(source.layer)}/features?${query}`);
        lines = [...new Set(fc.features.map((f) => f.properties[source.field]).filter((v) => v !== null && v !== undefined && v !== '').map(String))]
          .sort((a, b) => a.localeCompare(b, 'sv', { numeric: true }));
        if (status.textContent === t('needLines')) status.textContent = '';
      } catch (e) {
        status.textContent = e.message;
      }
    }
    const chosen = app.analysis?.corridor?.feature?.value;
    lineSelect.replaceChildren(option('', t('coLineChoose')), ...lines.map((n) => option(n, tf('coLineName', { n }), n === chosen)));
  };
  document.getElementById('tab-corridor').addEventListener('click', loadLines);
  lineSelect.addEventListener('focus', loadLines);
  const linesChanged = () => {
    pick.hidden = !segmentLayer();
    pickHelp.hidden = pick.hidden;
    loadLines();
  };
  linesLayer.select.addEventListener('change', () => {
    const own = profileLines().lines;
    linesField.fill(linesLayer.select.value === own?.layer ? own.label_field ?? '' : '');
    linesChanged();
  });
  linesField.select.addEventListener('change', linesChanged);
  document.addEventListener('catalogchange', () => {
    showLines();
    linesChanged();
  });

  // Map input: drawing a line or picking railway segments, one at a time.
  const addPoint = (lngLat) => {
    const p = [Number(lngLat.lng.toFixed(6)), Number(lngLat.lat.toFixed(6))];
    const last = state.draft[state.draft.length - 1];
    if (last && Math.abs(last[0] - p[0]) < 1e-5 && Math.abs(last[1] - p[1]) < 1e-5) return;
    state.draft.push(p);
  };
  // A click on a railway picks its segment; on a picked one, lets it go.
  const togglePick = (lngLat, point) => {
    const box = [[point.x - PICK_PX, point.y - PICK_PX], [point.x + PICK_PX, point.y + PICK_PX]];
    const hit = map.queryRenderedFeatures(box, { layers: ['co-rail-all'] })[0];
    if (hit?.id === undefined) return;
    const at = state.picked.indexOf(hit.id);
    if (at >= 0) state.picked.splice(at, 1);
    else state.picked.push(hit.id);
  };
  const MODES = {
    draw: {
      button: draw, hint: 'coDrawing', cursor: 'crosshair', add: addPoint, items: () => state.draft,
      begin: () => { state.draft = []; },
      corridor: (w) => (state.draft?.length >= 2 ? { width: w, line: state.draft } : null),
    },
    pick: {
      button: pick, hint: 'coPicking', cursor: 'pointer', add: togglePick, items: () => state.picked,
      begin: () => { state.picked = []; },
      corridor: (w) => (state.picked?.length ? { width: w, segments: { layer: segmentLayer(), ids: [...state.picked].sort((a, b) => a - b) } } : null),
    },
  };
  const stopMode = () => {
    if (state.mode) ctx.input.stop();
  };
  const finish = () => {
    const corridor = MODES[state.mode].corridor(Number(width.value) || 0);
    stopMode();
    if (!corridor) {
      status.textContent = t('coNeedLine');
      return;
    }
    lineSelect.value = '';
    state.fit = true;
    app.analysis = { ...app.analysis, corridor };
    ctx.update();
  };
  const startMode = async (name) => {
    // The mode's own button again finishes it; the other one leaves it.
    if (state.mode === name) {
      finish();
      return;
    }
    stopMode();
    if (name === 'pick' && state.rails?.layer !== segmentLayer()) {
      status.textContent = t('coRailLoading');
      try {
        const layer = segmentLayer();
        state.rails = { layer, features: await allFeatures(layer) };
        status.textContent = '';
      } catch (e) {
        status.textContent = e.message;
        return;
      }
    }
    const mode = MODES[name];
    ctx.input.start({
      button: mode.button, cursor: mode.cursor, hint: () => t(mode.hint), add: mode.add, finish,
      pop: () => mode.items().pop(),
      begin: () => {
        state.mode = name;
        mode.begin();
      },
      end: () => Object.assign(state, { mode: null, draft: null, picked: null }),
    });
  };
  draw.addEventListener('click', () => startMode('draw'));
  pick.addEventListener('click', () => startMode('pick'));

  run.addEventListener('click', () => {
    const w = Number(width.value);
    if (!Number.isFinite(w) || w < 0) {
      width.setAttribute('aria-invalid', 'true');
      width.focus();
      return;
    }
    width.removeAttribute('aria-invalid');
    if (state.mode) {
      finish();
      return;
    }
    const current = app.analysis?.corridor;
    let corridor = null;
    const source = lineSource();
    // The filter only narrows the list: the corridor is the features with the chosen value.
    if (lineSelect.value && source) corridor = { width: w, feature: { layer: source.layer, field: source.field, value: lineSelect.value } };
    else if (current?.line) corridor = { width: w, line: current.line };
    else if (current?.segments) corridor = { width: w, segments: current.segments };
    if (!corridor) {
      status.textContent = t('coNeedLine');
      return;
    }
    state.fit = true;
    app.analysis = { ...app.analysis, corridor };
    ctx.update();
  });
  clear.addEventListener('click', () => {
    const { corridor, ...rest } = app.analysis ?? {};
    void corridor;
    app.analysis = rest;
    lineSelect.value = '';
    ctx.update();
  });

  const nameOf = (c) => {
    if (c.feature) return tf('coLineName', { n: c.feature.value });
    if (c.segments) return c.segments.ids.length === 1 ? t('coRailName1') : tf('coRailName', { n: c.segments.ids.length });
    return t('coDrawnName');
  };
  // The name in the current language (the server echoes the one sent).
  const shownName = (result) => (app.analysis?.corridor ? nameOf(app.analysis.corridor) : result.name);

  const sync = async () => {
    const c = app.analysis?.corridor;
    const valid = c && Number.isFinite(c.width) && (c.feature || c.line?.length >= 2 || c.segments?.ids?.length > 0);
    const key = valid ? JSON.stringify(c) : null;
    if (key === state.key) return;
    state.key = key;
    if (!valid) {
      Object.assign(state, { result: null, error: null, busy: false });
      render();
      ctx.update({ keepPanel: true });
      return;
    }
    width.value = c.width;
    ctx.selectTab('corridor');
    if (c.feature) {
      // A link or a slide names the lines' layer and field: the pickers show them.
      linesLayer.fill(c.feature.layer);
      linesField.fill(c.feature.field);
      await loadLines();
      lineSelect.value = c.feature.value;
    }
    state.busy = true;
    status.classList.remove('error');
    status.textContent = t('coRunning');
    run.disabled = true;
    try {
      const response = await postJSON('/api/analysis/corridor', corridorRequest(c, nameOf(c), corridorSources(app)));
      if (state.key !== key) return;
      Object.assign(state, { result: response, error: null, busy: false });
    } catch (error) {
      if (state.key !== key) return;
      Object.assign(state, { result: null, error: `${t('coFailed')}: ${error.message}`, busy: false });
    } finally {
      run.disabled = false;
    }
    render();
    const geometry = state.result?.corridors[0]?.geometry;
    if (state.fit && geometry?.coordinates?.length) {
      const b = geometryBounds(geometry);
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, duration: 800, maxZoom: 13 });
    }
    state.fit = false;
    ctx.update({ keepPanel: true });
  };
  ctx.onChange(() => { sync(); });

  function render() {
    status.classList.toggle('error', Boolean(state.error));
    status.textContent = state.error ?? (state.busy ? t('coRunning') : '');
    const c = state.result?.corridors?.[0];
    if (!c) {
      results.replaceChildren();
      return;
    }
    const pop = c.population?.total ?? null;
    const figure = (label, value, id) => [el('dt', { text: label }), el('dd', { text: value, id })];
    const services = (c.services || []).reduce((n, s) => n + s.count, 0);
    const dl = el('dl', { class: 'figures', id: 'co-figures' },
      ...figure(t('coLength'), `${formatFixed(c.length_m / 1000)} km`),
      ...figure(t('coArea'), `${formatFixed(c.area_km2)} km²`),
      ...figure(t('coPopulation'), pop === null ? '–' : formatNumber(Math.round(pop)), 'co-population'),
      ...figure(t('coShare'), formatPercent(c.shares?.population)),
      ...figure(t('coTatorter'), c.tatorter ? `${formatNumber(c.tatorter.count)}${c.tatorter.items?.length ? `: ${c.tatorter.items.slice(0, 8).map((x) => x.name).join(', ')}${c.tatorter.items.length > 8 ? ' …' : ''}` : ''}` : '–'),
      ...figure(t('coStops'), c.stops ? formatNumber(c.stops.count) : '–', 'co-stops'),
      ...figure(t('coDepartures'), c.stops ? formatNumber(Math.round(c.stops.departures)) : '–'),
      ...figure(t('coServices'), formatNumber(services)));
    // A short last bin would inflate its per-km values: it joins the one before.
    const bins = (c.profile?.bins ?? []).map((b) => ({ ...b }));
    const last = bins[bins.length - 1];
    if (bins.length > 1 && last.to_m - last.from_m < 0.5 * (c.profile.bin_m || 1000)) {
      bins.pop();
      const prev = bins[bins.length - 1];
      Object.assign(prev, { to_m: last.to_m, population: prev.population + last.population, departures: prev.departures + last.departures });
    }
    const perKm = (value) => bins.map((b) => ({ from: b.from_m / 1000, to: b.to_m / 1000, value: b.to_m > b.from_m ? value(b) / ((b.to_m - b.from_m) / 1000) : 0 }));
    const popBars = perKm((b) => b.population);
    const depBars = perKm((b) => b.departures);
    const peak = (bars) => bars.reduce((m, b) => (b.value > m.value ? b : m), { value: 0, from: 0 });
    const fmt = (v) => formatNumber(Math.round(v));
    const charts = bins.length ? [
      el('h3', { text: t('coProfile') }),
      barChart({ id: 'co-chart-population', bars: popBars, title: t('coPopPerKm'), color: COLOR, format: fmt, xLabel: t('coKmFromStart'), summary: `max ${fmt(peak(popBars).value)} (${formatFixed(peak(popBars).from)} km)` }),
      barChart({ id: 'co-chart-departures', bars: depBars, title: t('coDepPerKm'), color: '#0072b2', format: fmt, xLabel: t('coKmFromStart'), summary: `max ${fmt(peak(depBars).value)} (${formatFixed(peak(depBars).from)} km)` }),
    ] : [];
    results.replaceChildren(el('h3', { text: shownName(c) }), dl, ...charts);
  }

  const caption = () => {
    const c = state.result?.corridors?.[0];
    if (!c) return '';
    return tf('coCaption', {
      name: shownName(c),
      length: formatFixed(c.length_m / 1000),
      width: formatNumber(c.buffer_m),
      population: formatNumber(Math.round(c.population?.total ?? 0)),
      share: formatPercent(c.shares?.population),
    });
  };

  app.overlays.push({
    style: () => {
      const sources = {};
      const layers = [];
      const top = [];
      const c = state.result?.corridors?.[0];
      if (c) {
        sources['co-src'] = { type: 'geojson', data: { type: 'Feature', geometry: c.geometry, properties: {} } };
        sources['co-axis'] = { type: 'geojson', data: { type: 'Feature', geometry: c.axis, properties: {} } };
        layers.push({ id: 'co-fill', type: 'fill', source: 'co-src', paint: { 'fill-color': COLOR, 'fill-opacity': 0.18 } });
        top.push(
          { id: 'co-outline', type: 'line', source: 'co-src', paint: { 'line-color': COLOR, 'line-width': 2.5 } },
          { id: 'co-axis-line', type: 'line', source: 'co-axis', layout: { 'line-cap': 'round' }, paint: { 'line-color': COLOR, 'line-width': 2, 'line-dasharray': [2, 1.5] } },
        );
      }
      if (state.mode === 'draw') {
        const coords = state.draft;
        sources['co-draft'] = {
          type: 'geojson',
          data: {
            type: 'FeatureCollection',
            features: [
              ...(coords.length >= 2 ? [{ type: 'Feature', geometry: { type: 'LineString', coordinates: coords }, properties: {} }] : []),
              ...coords.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: {} })),
            ],
          },
        };
        top.push(
          { id: 'co-draft-line', type: 'line', source: 'co-draft', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': DRAFT, 'line-width': 3 } },
          { id: 'co-draft-points', type: 'circle', source: 'co-draft', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': DRAFT, 'circle-stroke-width': 2.5 } },
        );
      }
      if (state.mode === 'pick') {
        // Every railway, to pick from; the picked segments stronger.
        sources['co-rail'] = { type: 'geojson', data: state.rails.features };
        top.push(
          { id: 'co-rail-all', type: 'line', source: 'co-rail', layout: { 'line-cap': 'round' }, paint: { 'line-color': DRAFT, 'line-width': 3, 'line-opacity': 0.55 } },
          { id: 'co-rail-picked', type: 'line', source: 'co-rail', filter: ['in', ['id'], ['literal', state.picked]], layout: { 'line-cap': 'round' }, paint: { 'line-color': DRAFT, 'line-width': 6 } },
        );
      }
      return { sources, layers, top };
    },
    legend: () => {
      const c = state.result?.corridors?.[0];
      if (!c) return [];
      return [{ title: t('coLegend'), kind: 'fill', items: [{ color: COLOR, label: shownName(c) }], note: caption() }];
    },
  });
  return state;
}
