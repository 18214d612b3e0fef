// Comparison of scenarios (issue 15): one analysis (service access, rural, or the corridor of the
// corridor panel) for the baseline and up to six saved scenarios, `POST /api/analysis/compare`.
// The panel shows the measures in total (value per scenario and the difference from the
// baseline) and one measure per area (per corridor for the corridor), and the map shows one
// scenario's stored result layer, its value or its difference (`change`). The comparison is
// app.analysis.compare = {analysis, request, scenarios: [id, …], show, view, measure}, so it is in
// the URL and in saved views, and a slide runs it again (the same request gives the same layers).

import { getJSON } from './api.js';
import { el, option, postJSON, sortableTable } from './dom.js';
import { fieldLabel, formatFixed, formatNumber, onLanguageChange, t, tf } from './i18n.js';
import { DEFAULT_BREAKS } from './scenario.js';
import { layerSource, requestBody, serviceInputs } from './analysis.js';
import { corridorRequest, corridorSources } from './corridor.js';
import { classColors, classify } from './styles.js';
import { fieldValues } from './sources.js';

/** Most scenarios a comparison takes besides the baseline. */
const MAX_SCENARIOS = 6;
const ANALYSES = ['service_access', 'rural', 'corridor'];
/** Colours of a difference: better (less) blue, worse (more) red, none grey. */
const LESS = ['#2166ac', '#67a9cf', '#d1e5f0'];
const MORE = ['#fddbc7', '#ef8a62', '#b2182b'];
const SAME = '#f0f0f0';
/** Fields of a result layer that are not its value. */
const NOT_VALUE = /^(change|id|fid|code|name|kommun|area|band|population|befolkning.*)$/i;

/** A measure's value: people (`inv`) whole, the rest with one decimal; `signed` shows a plus. */
function formatMeasure(value, unit, signed = false) {
  if (!Number.isFinite(value)) return '–';
  const whole = ['inv', 'st'].includes(unit);
  const rounded = whole ? Math.round(value) : Math.round(value * 10) / 10;
  const text = whole ? formatNumber(Math.abs(rounded)) : formatFixed(Math.abs(rounded));
  const sign = rounded < 0 ? '−' : signed && rounded > 0 ? '+' : '';
  return `${sign}${text}`;
}

/**
 * The request of the analysis `analysis` as the panels have it now (null when a panel has
 * nothing to compare): service access with the shown parameters (or the profile's first kind),
 * rural with the profile's defaults, the corridor shown in the corridor panel.
 */
function currentRequest(app, analysis) {
  if (analysis === 'service_access') {
    const p = app.analysis?.service ?? { kind: app.profile.analysis.services[0]?.kind, breaks: DEFAULT_BREAKS };
    const inputs = serviceInputs(app.profile, p);
    if (inputs.missing.length) return null;
    return requestBody(inputs, Array.isArray(p.breaks) && p.breaks.length ? p.breaks : DEFAULT_BREAKS);
  }
  if (analysis === 'rural') return {};
  const c = app.analysis?.corridor;
  return c ? corridorRequest(c, t('coDrawnName'), corridorSources(app)) : null;
}

/** The field of a result layer that holds each unit's value (null: none known). */
function valueField(meta) {
  const numeric = (meta?.fields ?? []).filter((f) => ['integer', 'real', 'integer64', 'number'].includes(f.type)).map((f) => f.name);
  return ['value', 'time_min', 'minutes', 'distance_km'].find((f) => numeric.includes(f)) ?? numeric.find((f) => !NOT_VALUE.test(f)) ?? null;
}

/** Wires the comparison into `panel`; `scenarios` is the builder ({saved(), onSaved(fn)}). */
export function initCompare(app, ctx, panel, scenarios) {
  const state = { key: null, result: null, metas: [], breaks: null, busy: false, error: null, run: 0, sort: { key: 'name', dir: 'asc' } };
  app.compare = state;

  const analysis = el('select', { id: 'cmp-analysis' });
  const picks = el('fieldset', { id: 'cmp-scenarios', class: 'checks' });
  const run = el('button', { type: 'button', class: 'primary', id: 'cmp-run', 'data-t': 'cmpRun' });
  const clear = el('button', { type: 'button', id: 'cmp-clear', 'data-t': 'cmpClear' });
  const status = el('p', { id: 'cmp-status', class: 'message', role: 'status' });
  const results = el('div', { id: 'cmp-results' });
  panel.append(el('h2', { 'data-t': 'cmpHeading' }),
    el('div', { class: 'tool-form edit-only' },
      el('label', { class: 'row', for: 'cmp-analysis' }, el('span', { 'data-t': 'cmpAnalysis' }), analysis),
      picks, el('div', { class: 'buttons' }, run, clear)),
    status, results);

  const params = () => {
    const c = app.analysis?.compare;
    return c && ANALYSES.includes(c.analysis) && Array.isArray(c.scenarios) && c.scenarios.length ? c : null;
  };
  const setParams = (changes) => {
    app.analysis = { ...app.analysis, compare: { ...app.analysis.compare, ...changes } };
  };

  const fillAnalyses = () => {
    const value = analysis.value || params()?.analysis || 'service_access';
    const choices = ['service_access', 'rural', ...(app.analysis?.corridor ? ['corridor'] : [])];
    analysis.replaceChildren(...choices.map((a) => option(a, t(`cmpAnalysis_${a}`))));
    analysis.value = choices.includes(value) ? value : choices[0];
  };
  /** Lists the saved scenarios to pick, checked as the comparison's (`fromParams`) or as they are. */
  const fillPicks = (fromParams = false) => {
    const checked = [...picks.querySelectorAll('input:checked')].map((i) => i.value);
    const chosen = new Set(fromParams ? params()?.scenarios ?? checked : checked);
    const saved = scenarios.saved();
    picks.replaceChildren(el('legend', { text: tf('cmpPick', { n: MAX_SCENARIOS }) }),
      ...(saved.length ? saved.map((s) => {
        const box = el('input', { type: 'checkbox', value: s.id, id: `cmp-pick-${s.id}` });
        box.checked = chosen.has(s.id);
        return el('label', { class: 'check', for: box.id }, box, el('span', { text: s.name }));
      }) : [el('p', { class: 'help', text: t('scbNoneSaved') })]));
  };
  // The first list checks the comparison's scenarios; later ones keep what the user checked.
  scenarios.onSaved(() => fillPicks(!picks.querySelector('input')));

  run.addEventListener('click', () => {
    const ids = [...picks.querySelectorAll('input:checked')].map((i) => i.value);
    if (!ids.length || ids.length > MAX_SCENARIOS) {
      say(tf('cmpPick', { n: MAX_SCENARIOS }), true);
      return;
    }
    const request = currentRequest(app, analysis.value);
    if (!request) {
      say(t(analysis.value === 'corridor' ? 'coNeedLine' : 'needNetwork'), true);
      return;
    }
    app.analysis = { ...app.analysis, compare: { analysis: analysis.value, request, scenarios: ids, show: ids.length, view: 'value' } };
    // Asked again: run again (the saved scenarios may have been replaced since).
    state.key = null;
    ctx.update();
  });
  clear.addEventListener('click', () => {
    const { compare, ...rest } = app.analysis;
    void compare;
    app.analysis = rest;
    ctx.update();
  });

  const say = (text, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };

  /** Runs the comparison when its request changed (the shown scenario and view do not). */
  const sync = async () => {
    const p = params();
    const key = p ? JSON.stringify([p.analysis, p.request, p.scenarios]) : null;
    if (key === state.key) {
      render();
      return;
    }
    state.key = key;
    Object.assign(state, { result: null, metas: [], breaks: null, error: null, busy: Boolean(p) });
    fillPicks(true);
    render();
    if (!p) return;
    ctx.selectTab('scenario');
    say(t('cmpRunning'));
    try {
      const result = await postJSON('/api/analysis/compare', { analysis: p.analysis, request: p.request, scenarios: p.scenarios });
      // The result layers' fields (which holds the value) come from the catalog entry.
      const metas = await Promise.all(result.scenarios.map((s) => (s.layer ? getJSON(`/api/layers/${encodeURIComponent(s.layer)}`).catch(() => null) : null)));
      if (state.key !== key) return;
      Object.assign(state, { result, metas, busy: false, run: state.run + 1 });
      say('');
    } catch (error) {
      if (state.key !== key) return;
      Object.assign(state, { busy: false, error: `${t('cmpFailed')}: ${error.message}` });
      say(state.error, true);
    }
    render();
    ctx.update({ keepPanel: true });
  };
  ctx.onChange(() => {
    fillAnalyses();
    sync();
  });
  // A result layer that was evicted is computed again (same request, same ids).
  document.addEventListener('catalogchange', ({ detail }) => {
    const shown = (state.result?.scenarios ?? []).map((s) => s.layer);
    if (!state.busy && shown.some((id) => detail.removed.includes(id))) {
      state.key = null;
      sync();
    }
  });

  /** The scenario shown on the map (index into the answer), its layer meta and the field. */
  const shown = () => {
    const r = state.result;
    if (!r) return null;
    const i = Math.min(Math.max(0, Number(params()?.show) || 0), r.scenarios.length - 1);
    const view = params()?.view === 'change' && i > 0 ? 'change' : 'value';
    const meta = state.metas[i];
    const field = view === 'change' ? 'change' : valueField(meta);
    return meta && field ? { i, view, meta, field, scenario: r.scenarios[i] } : null;
  };
  /** Class breaks of the shown field (async; redraws when known). */
  const ensureBreaks = (s) => {
    const key = `${s.meta.id}|${s.meta.version}|${s.field}`;
    if (state.breaks?.key === key) return state.breaks;
    state.breaks = { key, values: null };
    fieldValues(s.meta.id, s.meta.version, s.field).then((values) => {
      if (state.breaks?.key !== key) return;
      const finite = values.filter(Number.isFinite);
      const top = Math.max(0, ...finite.map(Math.abs));
      state.breaks = { key, values: s.field === 'change' ? [top / 3, (2 * top) / 3].filter((b) => b > 0) : classify(finite, 'quantile', 5) };
      ctx.update({ keepPanel: true });
    });
    return state.breaks;
  };

  function render() {
    const r = state.result;
    if (!r) {
      results.replaceChildren();
      return;
    }
    const p = params();
    const measures = r.measures ?? [];
    const measure = measures.find((m) => m.key === p?.measure) ?? measures[0];
    const names = r.scenarios.map((s, i) => (i === 0 ? t('cmpBaseline') : s.name));
    // Total: one row per measure, a value per scenario and the difference from the baseline.
    const totalColumns = [
      { key: 'label', label: t('cmpMeasure'), value: (m) => m.label, render: (m) => (m.unit ? `${m.label} (${m.unit})` : m.label) },
      ...names.flatMap((n, i) => [
        { key: `v${i}`, label: n, num: true, value: (m) => r.total.values[i]?.[m.key], render: (m) => formatMeasure(r.total.values[i]?.[m.key], m.unit) },
        ...(i > 0 ? [{ key: `d${i}`, label: '±', num: true, value: (m) => r.total.difference[i]?.[m.key], render: (m) => formatMeasure(r.total.difference[i]?.[m.key], m.unit, true) }] : []),
      ]),
    ];
    const total = sortableTable({ caption: tf('cmpTotalCaption', { analysis: t(`cmpAnalysis_${r.analysis}`) }), columns: totalColumns, rows: measures, state: { key: 'none', dir: 'asc' }, onSort: render, className: 'data-table cmp-table' });
    total.id = 'cmp-total';
    // Per area (per corridor): the chosen measure.
    const areaColumns = measure ? [
      { key: 'name', label: t(r.analysis === 'corridor' ? 'cmpCorridor' : 'saMunicipality'), value: (a) => a.name, render: (a) => (a === r.total ? t('saTotal') : a.name) },
      ...names.flatMap((n, i) => [
        { key: `v${i}`, label: n, num: true, value: (a) => a.values[i]?.[measure.key], render: (a) => formatMeasure(a.values[i]?.[measure.key], measure.unit) },
        ...(i > 0 ? [{ key: `d${i}`, label: '±', num: true, value: (a) => a.difference[i]?.[measure.key], render: (a) => formatMeasure(a.difference[i]?.[measure.key], measure.unit, true) }] : []),
      ]),
    ] : [];
    const rows = r.areas ?? r.corridors ?? [];
    const areas = measure && rows.length ? sortableTable({ caption: tf('cmpAreaCaption', { measure: measure.label }), columns: areaColumns, rows, footer: r.total, state: state.sort, onSort: render, className: 'data-table cmp-table' }) : null;
    if (areas) areas.id = 'cmp-areas';
    const measureSelect = el('select', { id: 'cmp-measure', onchange: (e) => { setParams({ measure: e.target.value }); ctx.update(); } },
      ...measures.map((m) => option(m.key, m.label, m.key === measure?.key)));
    const s = shown();
    const showSelect = el('select', { id: 'cmp-show', onchange: (e) => { setParams({ show: Number(e.target.value) }); ctx.update(); } },
      ...names.map((n, i) => option(String(i), n, i === (s?.i ?? Number(p?.show ?? 0)))));
    const viewSelect = el('select', { id: 'cmp-view', onchange: (e) => { setParams({ view: e.target.value }); ctx.update(); } },
      option('value', t('cmpViewValue'), s?.view !== 'change'), option('change', t('cmpViewChange'), s?.view === 'change'));
    viewSelect.disabled = !s || s.i === 0;
    const first = measures[0];
    const summary = first ? el('p', { class: 'summary', id: 'cmp-summary', text: `${first.label}: ${names.map((n, i) => `${n} ${formatMeasure(r.total.values[i]?.[first.key], first.unit)}${i > 0 ? ` (${formatMeasure(r.total.difference[i]?.[first.key], first.unit, true)})` : ''}`).join(' · ')}` }) : null;
    results.replaceChildren(...[
      summary,
      el('div', { class: 'cmp-map' },
        el('label', { class: 'row', for: 'cmp-show' }, el('span', { text: t('cmpShow') }), showSelect),
        el('label', { class: 'row', for: 'cmp-view' }, el('span', { text: t('cmpView') }), viewSelect)),
      el('div', { class: 'table-wrap' }, total),
      el('label', { class: 'row edit-only', for: 'cmp-measure' }, el('span', { text: t('cmpMeasure') }), measureSelect),
      areas ? el('div', { class: 'table-wrap' }, areas) : null,
    ].filter(Boolean));
  }
  onLanguageChange(() => {
    for (const node of panel.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    fillAnalyses();
    render();
  });
  for (const node of panel.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  fillAnalyses();

  /** Thresholds and colours of the map: a difference diverges around no change (grey). */
  const colors = (s, breaks) => {
    if (s.view !== 'change') return { breaks, colors: classColors('YlOrRd', breaks) };
    if (!breaks.length) return { breaks: [], colors: [SAME] };
    return { breaks: [...[...breaks].reverse().map((b) => -b), -0.005, 0.005, ...breaks], colors: [...LESS, SAME, ...MORE] };
  };

  app.overlays.push({
    style: () => {
      const s = shown();
      if (!s) return null;
      const b = ensureBreaks(s).values;
      if (!b) return null;
      const { breaks, colors: palette } = colors(s, b);
      // A step needs one threshold at least: one class is one colour.
      const step = breaks.length ? ['step', ['to-number', ['get', s.field]], palette[0]] : palette[0];
      breaks.forEach((x, i) => step.push(x, palette[i + 1]));
      const color = ['case', ['==', ['typeof', ['get', s.field]], 'number'], step, '#c8c8c8'];
      const base = { source: 'cmp-src', 'source-layer': s.meta.id, metadata: { 'kartrum:layer': s.meta.id, 'kartrum:clickable': true } };
      return {
        sources: { 'cmp-src': layerSource(s.meta, state.run) },
        layers: [
          { ...base, id: 'cmp-fill', type: 'fill', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'fill-color': color, 'fill-opacity': 0.8, 'fill-outline-color': 'rgba(0,0,0,0)' } },
          { ...base, id: 'cmp-points', type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': color, 'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 3, 12, 7], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 } },
        ],
      };
    },
    legend: () => {
      const s = shown();
      const b = s && state.breaks?.values;
      if (!b) return [];
      const { breaks, colors: palette } = colors(s, b);
      const change = s.view === 'change';
      const fmt = (x) => (change && x > 0 ? `+${formatFixed(x)}` : formatFixed(x));
      const label = (i) => {
        if (change && palette[i] === SAME) return t('cmpNoChange');
        if (i === 0) return `< ${fmt(breaks[0])}`;
        return i === palette.length - 1 ? `≥ ${fmt(breaks[i - 1])}` : `${fmt(breaks[i - 1])} – ${fmt(breaks[i])}`;
      };
      const items = palette.map((color, i) => ({ color, label: label(i) }));
      const name = s.i === 0 ? t('cmpBaseline') : s.scenario.name;
      return [{ title: tf(change ? 'cmpLegendChange' : 'cmpLegendValue', { name, field: fieldLabel(s.field) }), kind: 'fill', items }];
    },
  });
  return state;
}
