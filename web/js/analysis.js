// Service access panel (issue 5): choose the kind of service and the travel time bands, run
// POST /api/analysis/service-access (the result is stored as a layer whose id the server
// derives from the request, `sa_<hash>`, shown from vector tiles as a choropleth per grid cell)
// and read the table per municipality. A closed service ("what if it closes?", scenario.js) is
// part of the same parameters, so both go into the URL and saved views as
// app.analysis.service = {kind, breaks, color, remove?, at?, name?, result?}. `result` names the
// stored layers this map shows ({layer, scenario?}); the request is always in the state too, so
// a result that is gone (evicted) is simply computed again, and under the same id.

import { el, option, postJSON, sortableTable } from './dom.js';
import { formatFixed, formatNumber, formatPercent, lang, onLanguageChange, t, tf } from './i18n.js';
import { fieldPicker, layerPicker } from './pickers.js';
import { OWN_KIND, allFields, kindLabel, kindNear, numberFields, pickField, serviceKind, supplyOf } from './region.js';
import PALETTE from './palette.json' with { type: 'json' };
import { DEFAULT_BREAKS, scenarioBody, scenarioLayers, scenarioLegend, renderScenario } from './scenario.js';

const UNREACHABLE = PALETTE.unreachable;
const SMALL = 100;

/** `object` without its null and undefined entries. */
const compact = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null && v !== undefined));

/**
 * The inputs of service parameters `p` ({kind, inputs?}): the profile's, each replaced by what
 * the user picked in `p.inputs` (network, demand, areas — null for none — and, for the own
 * choice, supply {layer, filter?}). `missing` lists i18n keys of what neither gives.
 */
export function serviceInputs(profile, p) {
  const a = profile.analysis;
  // From a link or a saved view: anything but an object counts as no choice.
  const own = p.inputs && typeof p.inputs === 'object' ? p.inputs : {};
  const network = typeof own.network === 'string' ? own.network : a.network ?? null;
  const demandSpec = own.demand ?? a.demand;
  const demand = demandSpec?.layer && demandSpec.population ? { layer: demandSpec.layer, population: demandSpec.population } : null;
  const areaSpec = 'areas' in own ? own.areas : a.areas;
  const areas = areaSpec?.layer ? compact({ layer: areaSpec.layer, name_field: areaSpec.name_field, code_field: areaSpec.code_field }) : null;
  const source = p.kind === OWN_KIND ? own.supply : serviceKind(profile, p.kind);
  const supply = source?.layer ? [supplyOf(source)] : null;
  const missing = [!network && 'needNetwork', !demand && 'needDemand', !supply && 'needSupply'].filter(Boolean);
  return { network, demand, areas, supply, missing };
}

/** The layers `inputs` read (to see which are missing or changed). */
export function inputLayers(inputs) {
  return [inputs.network, inputs.demand?.layer, inputs.areas?.layer, ...(inputs.supply ?? []).map((s) => s.layer)].filter(Boolean);
}

/** The analysis request for complete `inputs` and the band `breaks` (without `output`). */
export function requestBody(inputs, breaks) {
  return {
    network: inputs.network,
    demand: inputs.demand,
    supply: inputs.supply,
    ...(inputs.areas ? { areas: inputs.areas } : {}),
    mode: 'network',
    bands: { unit: 'min', breaks },
    threshold: breaks[breaks.length - 1],
  };
}

/** Parses "5, 10, 20, 30" into increasing positive numbers (null when invalid). */
export function parseBreaks(text) {
  const numbers = String(text).split(/[\s,;]+/).filter(Boolean).map((x) => Number(x.replace(',', '.')));
  if (numbers.length < 2 || numbers.length > 6) return null;
  if (!numbers.every((n, i) => Number.isFinite(n) && n > 0 && (i === 0 || n > numbers[i - 1]))) return null;
  return numbers;
}

/** Colours of the bands (near to far, light to dark) for `n` bands. */
export function bandColors(n) {
  // YlOrBr without its palest class, so the nearest band still shows on a projector.
  const ramp = PALETTE.bands;
  if (n <= 1) return [ramp[2]];
  return Array.from({ length: n }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / (n - 1))]);
}

/**
 * Whole numbers for `parts` that add up to `Math.round(total)` (largest remainder), so a table
 * row's rounded cells sum to its rounded total.
 */
export function roundParts(parts, total) {
  const floors = parts.map((x) => Math.floor(Math.max(0, x)));
  let left = Math.round(total) - floors.reduce((a, b) => a + b, 0);
  const order = parts.map((x, i) => [x - floors[i], i]).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0 && k < order.length; k++, left--) floors[order[k][1]]++;
  return floors;
}

/** How the cells were assigned to municipalities (the response's `area_join`), in words. */
export function areaJoinNote(join) {
  if (!join) return '';
  if (!join.unit_code_field) return t('saAreaByLocation');
  const byCode = tf('saAreaByCode', { field: join.unit_code_field });
  return join.by_location ? `${byCode} ${tf('saAreaFallback', { n: formatNumber(join.by_location) })}` : byCode;
}

/** Whether the server calls a result's network the bus network (not all roads). */
const busNetwork = (result) => /bus network, not all roads/.test(result.network_note || '');

/** The network note in the current language (the server's note in English). */
export function networkNote(result) {
  // A place profile names no network object: its note names the layer.
  const layer = result.network?.layer ?? /layer "([^"]+)"/.exec(result.network_note || '')?.[1];
  if (lang() !== 'sv' || !layer) return result.network_note;
  return tf(busNetwork(result) ? 'saNetworkNote' : 'saNetworkNoteLayer', { layer });
}

/** MapLibre fill colour of a service-access result layer. */
function fillColor(result, color) {
  const labels = result.bands;
  const colors = bandColors(labels.length);
  if (color === 'time_min') {
    const breaks = [0, ...result.bands.slice(0, -1).map((_, i) => result.threshold * ((i + 1) / (labels.length - 1)))];
    const stops = ['interpolate', ['linear'], ['to-number', ['get', 'time_min']]];
    breaks.forEach((b, i) => stops.push(b, colors[Math.min(i, colors.length - 1)]));
    return ['case', ['has', 'time_min'], stops, UNREACHABLE];
  }
  const match = ['match', ['coalesce', ['get', 'band'], '']];
  labels.forEach((label, i) => match.push(label, colors[i]));
  match.push(UNREACHABLE);
  return match;
}

/**
 * A vector tile source of a stored layer at a version, from the `run`th answer (both bust the
 * tile cache: a result stored again after it was evicted may start over at version 1).
 */
export function layerSource(layer, run) {
  return {
    type: 'vector',
    tiles: [`${location.origin}/tiles/${encodeURIComponent(layer.id)}/{z}/{x}/{y}.mvt?v=${layer.version}&run=${run}`],
    minzoom: 0,
    maxzoom: 14,
  };
}

/** Wires the panel; returns the module's state (used by scenario.js and the tests). */
export function initServiceAccess(app, ctx) {
  const panel = document.getElementById('panel-service');
  const state = { key: null, shown: null, result: null, scenario: null, run: 0, error: null, busy: false, sort: { key: 'name', dir: 'asc' }, diffSort: { key: 'farther', dir: 'desc' } };
  app.serviceAccess = state;

  const kind = el('select', { id: 'sa-kind' });
  const breaks = el('input', { id: 'sa-bands', type: 'text', inputmode: 'decimal', value: DEFAULT_BREAKS.join(', '), 'aria-describedby': 'sa-bands-help' });
  const color = el('select', { id: 'sa-color' }, option('band', t('saColorBand'), true), option('time_min', t('saColorTime')));
  // The data: the profile's layers unless the user picks other catalog layers; the own choice
  // of services is any point layer, optionally filtered by one field's value.
  const supplyLayer = layerPicker(app, { id: 'sa-supply-layer', label: 'saSupplyLayer', empty: 'pickChoose', kinds: ['point'] });
  const filterField = fieldPicker({ id: 'sa-filter-field', label: 'saFilterField', empty: 'pickNoFilter', fields: () => allFields(app, supplyLayer.select.value) });
  const filterValue = el('input', { id: 'sa-filter-value', type: 'text' });
  const network = layerPicker(app, { id: 'sa-network', label: 'saNetworkLayer', empty: 'pickChoose', kinds: ['line'] });
  const demandLayer = layerPicker(app, { id: 'sa-demand-layer', label: 'saDemandLayer', empty: 'pickChoose', kinds: ['fill', 'point'], keep: (id) => numberFields(app, id).length > 0 });
  const demandField = fieldPicker({ id: 'sa-demand-field', label: 'saDemandField', empty: 'pickChoose', fields: () => numberFields(app, demandLayer.select.value) });
  const areas = layerPicker(app, { id: 'sa-areas', label: 'saAreasLayer', empty: 'pickNone', kinds: ['fill'] });
  const areasName = fieldPicker({ id: 'sa-areas-name', label: 'saAreasName', empty: 'pickChoose', fields: () => allFields(app, areas.select.value) });
  const pickers = [supplyLayer, filterField, network, demandLayer, demandField, areas, areasName];
  const own = el('div', { id: 'sa-own', hidden: true }, supplyLayer.row, filterField.row,
    el('label', { class: 'row', for: 'sa-filter-value' }, el('span', { 'data-t': 'saFilterValue' }), filterValue));
  const data = el('details', { id: 'sa-inputs' }, el('summary', { 'data-t': 'saInputs' }),
    network.row, demandLayer.row, demandField.row, areas.row, areasName.row);
  const run = el('button', { type: 'submit', class: 'primary', id: 'sa-run', text: t('saRun') });
  const clear = el('button', { type: 'button', id: 'sa-clear', text: t('saClear') });
  const status = el('p', { id: 'sa-status', class: 'message', role: 'status' });
  const form = el('form', { id: 'sa-form', class: 'tool-form edit-only' },
    el('label', { class: 'row' }, el('span', { 'data-t': 'saKind' }), kind),
    own,
    el('label', { class: 'row' }, el('span', { 'data-t': 'saBands' }), breaks),
    el('p', { id: 'sa-bands-help', class: 'help', 'data-t': 'saBandsHelp' }),
    el('label', { class: 'row' }, el('span', { 'data-t': 'saColor' }), color),
    data,
    el('div', { class: 'buttons' }, run, clear));
  const note = el('p', { id: 'sa-network-note', class: 'network-note', hidden: true });
  const scenarioBox = el('div', { id: 'sa-scenario', class: 'scenario' });
  const results = el('div', { id: 'sa-results' });
  panel.append(el('h2', { 'data-t': 'saHeading' }), form, status, note, scenarioBox, results);

  /** The kinds of the profile, and the own choice. */
  const fillKinds = (value = kind.value) => {
    const kinds = app.profile.analysis.services.map((s) => s.kind);
    kind.replaceChildren(...kinds.map((k) => option(k, kindLabel(app, { kind: k }))), option(OWN_KIND, t('kindOwn')));
    kind.value = [...kinds, OWN_KIND].includes(value) ? value : (kinds[0] ?? OWN_KIND);
    own.hidden = kind.value !== OWN_KIND;
  };
  /** Shows the inputs of parameters `p` in the pickers (the profile's where `p` has none). */
  const showInputs = (p) => {
    const inputs = serviceInputs(app.profile, p);
    const supply = p.kind === OWN_KIND ? p.inputs?.supply : null;
    const [field, value] = Object.entries(supply?.filter ?? {})[0] ?? ['', ''];
    supplyLayer.fill(supply?.layer ?? supplyLayer.select.value);
    filterField.fill(supply ? field : filterField.select.value);
    if (supply) filterValue.value = String(value);
    network.fill(inputs.network ?? '');
    demandLayer.fill(inputs.demand?.layer ?? '');
    demandField.fill(inputs.demand?.population ?? '');
    areas.fill(inputs.areas?.layer ?? '');
    areasName.fill(inputs.areas?.name_field ?? pickField(allFields(app, areas.select.value), 'name'));
  };
  /** What the pickers say that the profile does not (undefined: nothing). */
  const readInputs = (k) => {
    const a = app.profile.analysis;
    const inputs = {};
    const supply = supplyLayer.select.value;
    const field = filterField.select.value;
    const value = filterValue.value.trim();
    if (k === OWN_KIND && supply) inputs.supply = field && value ? { layer: supply, filter: { [field]: value } } : { layer: supply };
    if (network.select.value && network.select.value !== a.network) inputs.network = network.select.value;
    const demand = { layer: demandLayer.select.value, population: demandField.select.value };
    if (demand.layer && demand.population && (demand.layer !== a.demand?.layer || demand.population !== a.demand?.population)) inputs.demand = demand;
    const area = areas.select.value;
    if (!area && a.areas?.layer) inputs.areas = null;
    else if (area && (area !== a.areas?.layer || areasName.select.value !== a.areas?.name_field)) {
      inputs.areas = compact({ layer: area, name_field: areasName.select.value || null, code_field: area === a.areas?.layer ? a.areas.code_field : null });
    }
    return Object.keys(inputs).length ? inputs : undefined;
  };
  kind.addEventListener('change', () => { own.hidden = kind.value !== OWN_KIND; });
  supplyLayer.select.addEventListener('change', () => filterField.fill(''));
  demandLayer.select.addEventListener('change', () => demandField.fill(pickField(numberFields(app, demandLayer.select.value), app.profile.analysis.demand?.population)));
  areas.select.addEventListener('change', () => areasName.fill(pickField(allFields(app, areas.select.value), app.profile.analysis.areas?.name_field, 'name')));
  fillKinds();
  showInputs({ kind: kind.value });

  const translate = () => {
    for (const node of panel.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    fillKinds();
    for (const p of pickers) p.fill();
    color.options[0].textContent = t('saColorBand');
    color.options[1].textContent = t('saColorTime');
    run.textContent = t('saRun');
    clear.textContent = t('saClear');
  };
  translate();
  onLanguageChange(() => {
    translate();
    render();
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const numbers = parseBreaks(breaks.value);
    if (!numbers) {
      status.textContent = t('saBandsInvalid');
      status.classList.add('error');
      breaks.setAttribute('aria-invalid', 'true');
      breaks.focus();
      return;
    }
    breaks.removeAttribute('aria-invalid');
    app.analysis = { ...app.analysis, service: compact({ kind: kind.value, breaks: numbers, color: color.value, inputs: readInputs(kind.value) }) };
    ctx.update();
  });
  clear.addEventListener('click', () => {
    const { service, ...rest } = app.analysis;
    app.analysis = rest;
    ctx.update();
  });
  color.addEventListener('change', () => {
    if (!app.analysis.service) return;
    app.analysis = { ...app.analysis, service: { ...app.analysis.service, color: color.value } };
    ctx.update();
  });

  const params = () => {
    const p = app.analysis?.service;
    const known = p && (p.kind === OWN_KIND || serviceKind(app.profile, p.kind));
    return known && Array.isArray(p.breaks) && p.breaks.length ? p : null;
  };
  const fail = (error) => {
    Object.assign(state, { result: null, scenario: null, error, busy: false });
    render();
  };

  /** Runs the analysis (and the scenario) when the parameters changed. */
  const sync = async () => {
    const p = params();
    const key = p ? JSON.stringify([p.kind, p.breaks, p.remove ?? null, p.inputs ?? null]) : null;
    // The form shows new parameters (a link, a slide), but is left alone by other updates (a
    // layer ingested elsewhere) so that what the user is typing stays.
    const shown = p ? JSON.stringify([p.kind, p.breaks, p.color, p.inputs ?? null]) : null;
    if (p && shown !== state.shown) {
      fillKinds(p.kind);
      showInputs(p);
      if (parseBreaks(breaks.value)?.join() !== p.breaks.join()) breaks.value = p.breaks.join(', ');
      color.value = p.color === 'time_min' ? 'time_min' : 'band';
    }
    state.shown = shown;
    if (key === state.key) return;
    state.key = key;
    if (!p) {
      Object.assign(state, { result: null, scenario: null, error: null, busy: false });
      render();
      ctx.update({ keepPanel: true });
      return;
    }
    // What neither the profile nor the user gives is asked for, not sent to fail.
    const inputs = serviceInputs(app.profile, p);
    if (inputs.missing.length) {
      data.open = true;
      fail(inputs.missing.map((m) => t(m)).join(' '));
      return;
    }
    const missing = inputLayers(inputs).filter((id) => !app.byId.has(id));
    if (missing.length) {
      fail(`${t('saMissing')}: ${[...new Set(missing)].join(', ')}`);
      return;
    }
    ctx.selectTab('service');
    state.busy = true;
    state.error = null;
    status.classList.remove('error');
    status.textContent = p.remove ? tf('saWhatIfRunning', { name: p.name ?? p.remove }) : t('saRunning');
    run.disabled = true;
    try {
      const body = requestBody(inputs, p.breaks);
      // No layer id: the server names the result after the request, so rooms never share one.
      const result = await postJSON('/api/analysis/service-access', { ...body, output: { store: true, title: kindLabel(app, p) } });
      const scenario = p.remove ? await postJSON('/api/analysis/service-access/scenario', scenarioBody(body, p)) : null;
      if (state.key !== key) return;
      Object.assign(state, { result, scenario, busy: false, run: state.run + 1 });
      const ids = { layer: result.layer?.id, ...(scenario?.layer ? { scenario: scenario.layer.id } : {}) };
      app.analysis = { ...app.analysis, service: { ...app.analysis.service, result: ids } };
    } catch (error) {
      if (state.key !== key) return;
      Object.assign(state, { result: null, scenario: null, error: `${t('saFailed')}: ${error.message}`, busy: false });
    } finally {
      run.disabled = false;
    }
    render();
    ctx.update({ keepPanel: true });
  };
  ctx.onChange(() => { sync(); });
  // The live catalog: the pickers list its layers; a result that was evicted, or inputs that
  // were re-ingested, are computed again (same request, so the same id while the inputs are
  // unchanged).
  document.addEventListener('catalogchange', ({ detail }) => {
    for (const picker of pickers) picker.fill();
    const p = params();
    if (!p || state.busy) return;
    const shown = [state.result?.layer?.id, state.scenario?.layer?.id].filter(Boolean);
    const inputs = inputLayers(serviceInputs(app.profile, p));
    if (shown.some((id) => detail.removed.includes(id)) || inputs.some((id) => detail.changed.includes(id) || detail.added?.includes(id))) {
      state.key = null;
      sync();
    }
  });

  function render() {
    status.classList.toggle('error', Boolean(state.error));
    status.textContent = state.error ?? (state.busy ? status.textContent : '');
    const r = state.result;
    note.hidden = !r;
    note.textContent = r ? networkNote(r) : '';
    renderScenario(scenarioBox, app, state, { update: ctx.update, onSort: render });
    if (!r) {
      results.replaceChildren();
      return;
    }
    const p = params();
    const near = kindNear(app, p);
    const total = r.total;
    const threshold = formatNumber(r.threshold);
    const summary = el('p', { class: 'summary', id: 'sa-summary', text: tf(busNetwork(r) ? 'saSummary' : 'saSummaryLayer', {
      beyond: formatNumber(Math.round(total.beyond_threshold)),
      share: formatPercent(total.beyond_threshold / total.population),
      threshold,
      kind: near,
      unreachable: formatNumber(Math.round(total.unreachable)),
      mean: formatFixed(total.mean),
    }) });
    const shown = r.areas.filter((a) => a.population >= SMALL);
    const hidden = r.areas.length - shown.length;
    // The bands and the unreachable make up the population; rounded so that they add up.
    const parts = new WeakMap();
    const part = (a, i) => {
      if (!parts.has(a)) parts.set(a, roundParts([...r.bands.map((_, j) => a.bands[j]?.population ?? 0), a.unreachable ?? 0], a.population));
      return formatNumber(parts.get(a)[i]);
    };
    const columns = [
      { key: 'name', label: t('saMunicipality'), value: (a) => a.name, render: (a) => (a.code === null && a.name === 'Totalt' ? t('saTotal') : a.name) },
      { key: 'population', label: t('saPopulation'), num: true, value: (a) => a.population, render: (a) => formatNumber(Math.round(a.population)) },
      ...r.bands.map((label, i) => ({
        key: `band${i}`, label: label.replace(' min', ''), num: true,
        value: (a) => a.bands[i]?.population ?? 0,
        render: (a) => part(a, i),
      })),
      { key: 'unreachable', label: t('saOffNetwork'), num: true, value: (a) => a.unreachable ?? 0, render: (a) => part(a, r.bands.length) },
      { key: 'beyond', label: tf('saBeyond', { threshold }), num: true, value: (a) => a.beyond_threshold / (a.population || 1), render: (a) => formatPercent(a.beyond_threshold / (a.population || 1)) },
      { key: 'mean', label: t('saMean'), num: true, value: (a) => a.mean, render: (a) => formatFixed(a.mean) },
    ];
    const table = sortableTable({
      caption: tf('saTableCaption', { kind: near }),
      columns,
      rows: shown,
      footer: total,
      state: state.sort,
      onSort: render,
      className: 'data-table sa-table',
    });
    table.id = 'sa-table';
    // The band columns carry the map's colours as a key.
    const colors = bandColors(r.bands.length);
    const keyColors = [...colors, UNREACHABLE];
    table.querySelectorAll('thead th').forEach((th, i) => {
      if (i < 2 || i >= 2 + keyColors.length) return;
      th.style.setProperty('--band', keyColors[i - 2]);
      th.classList.add('band');
    });
    const focusedKey = document.activeElement?.closest?.('#sa-table') ? document.activeElement.dataset.key : null;
    // Not null for an absent part: replaceChildren would show it as the text "null".
    results.replaceChildren(...[summary, el('div', { class: 'table-wrap' }, table),
      hidden ? el('p', { class: 'help', text: tf('saHiddenSmall', { n: hidden }) }) : null,
      r.area_join ? el('p', { class: 'help', id: 'sa-area-join', text: areaJoinNote(r.area_join) }) : null].filter(Boolean));
    if (focusedKey) results.querySelector(`button[data-key="${focusedKey}"]`)?.focus();
  }

  app.overlays.push({
    style: () => {
      const r = state.result;
      if (!r?.layer) return null;
      const p = params();
      const sc = state.scenario?.layer ? state.scenario : null;
      const layer = sc ? sc.layer : r.layer;
      // The answered layer, not the catalog's: an id names one request on the same inputs, so
      // another room storing it again stores the same cells.
      const sources = { 'sa-src': layerSource(layer, state.run) };
      const base = { source: 'sa-src', 'source-layer': layer.id, metadata: { 'kartrum:layer': layer.id, 'kartrum:clickable': true } };
      // Demand of polygons (grid cells) is a choropleth; demand of points (tätorter) dots.
      const layers = [{
        ...base, id: 'sa-fill', type: 'fill',
        paint: { 'fill-color': fillColor(r, p?.color), 'fill-opacity': sc ? 0.55 : 0.78, 'fill-outline-color': 'rgba(0,0,0,0)' },
      }, {
        ...base, id: 'sa-points', type: 'circle', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': fillColor(r, p?.color), 'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 3, 12, 7], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1, 'circle-opacity': sc ? 0.7 : 0.95 },
      }];
      const top = [];
      if (sc) {
        const extra = scenarioLayers(base);
        Object.assign(sources, extra.sources);
        layers.push(...extra.layers);
        top.push(...extra.top);
      }
      return { sources, layers, top };
    },
    legend: () => {
      const r = state.result;
      if (!r) return [];
      const p = params();
      const colors = bandColors(r.bands.length);
      const kindText = kindNear(app, p);
      const items = r.bands.map((label, i) => ({ color: colors[i], label }));
      const bus = busNetwork(r);
      items.push({ color: UNREACHABLE, label: t(bus ? 'saUnreachable' : 'saOffNetwork') });
      const entries = [];
      if (state.scenario) entries.push(...scenarioLegend(state, p));
      entries.push({
        title: tf(state.scenario ? 'saAfterLegend' : 'saLegendTitle', { kind: kindText }),
        kind: 'fill',
        items,
        note: bus ? t('saNetworkShort') : tf('saNetworkShortLayer', { layer: r.network?.layer ?? '' }),
      });
      return entries;
    },
  });
  return state;
}
