// "What if it closes?": a button in the popup of a grocery store, pharmacy or health centre
// runs POST /api/analysis/service-access/scenario with changes.remove = [LAYER/ID]; the map
// shows who gets farther (the stored scenario layer's `change` field) and the panel the
// difference per municipality. The closed service is part of app.analysis.service.

import { el, sortableTable } from './dom.js';
import { formatFixed, formatNumber, t, tf } from './i18n.js';
import { kindNear, kindOfFeature, serviceKind } from './region.js';

/** Classes of longer travel time, minutes. */
const CHANGE_BREAKS = [2, 5, 10];
const CHANGE_COLORS = ['#fcae91', '#fb6a4a', '#cb181d', '#67000d'];
/** The travel time bands a service analysis starts with, minutes. */
export const DEFAULT_BREAKS = [5, 10, 20, 30];

/**
 * The scenario request: the analysis body plus the removal, stored under the id the server
 * derives from the request (each closed service its own layer, so rooms never share one).
 */
export function scenarioBody(body, params) {
  return { ...body, changes: { remove: [params.remove] }, output: { store: true, max_units: 500 } };
}

/** Map layers of a scenario: cells that get farther, by how much, and the closed service. */
export function scenarioLayers(base) {
  const p = window.kartrum.analysis.service;
  const change = ['to-number', ['coalesce', ['get', 'change'], 0]];
  const step = ['step', change, CHANGE_COLORS[0]];
  CHANGE_BREAKS.forEach((b, i) => step.push(b, CHANGE_COLORS[i + 1]));
  const farther = ['>', change, 0.01];
  const layers = [
    { ...base, id: 'sa-change-fill', type: 'fill', filter: farther, paint: { 'fill-color': step, 'fill-opacity': 0.95 } },
    { ...base, id: 'sa-change-line', type: 'line', filter: farther, paint: { 'line-color': '#3b0a0a', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.3, 11, 1.2], 'line-opacity': 0.8 } },
  ];
  const sources = {};
  const top = [];
  if (Array.isArray(p?.at) && p.at.length === 2) {
    sources['sa-closed'] = { type: 'geojson', data: { type: 'Feature', geometry: { type: 'Point', coordinates: p.at }, properties: { name: p.name ?? '' } } };
    top.push(
      { id: 'sa-closed-halo', type: 'circle', source: 'sa-closed', paint: { 'circle-radius': 11, 'circle-color': '#ffffff', 'circle-stroke-color': '#67000d', 'circle-stroke-width': 4 } },
      { id: 'sa-closed-dot', type: 'circle', source: 'sa-closed', paint: { 'circle-radius': 3.5, 'circle-color': '#67000d' } },
    );
  }
  return { sources, layers, top };
}

/** Legend entries of a scenario. */
export function scenarioLegend(state, params) {
  const name = params.name ?? params.remove;
  const bounds = [0, ...CHANGE_BREAKS];
  const items = CHANGE_COLORS.map((color, i) => ({
    color,
    label: i < CHANGE_BREAKS.length
      ? tf('saWhatIfMinutes', { from: formatNumber(bounds[i]), to: formatNumber(bounds[i + 1]) })
      : tf('saWhatIfMore', { from: formatNumber(bounds[i]) }),
  }));
  const entries = [{ title: tf('saWhatIfLegend', { name }), kind: 'fill', items }];
  if (params.at) entries.push({ title: '', kind: 'point', simple: true, items: [{ color: '#67000d', label: tf('saWhatIfClosed', { name }) }] });
  return entries;
}

/** Renders the scenario's summary and difference table (or nothing) into `box`. */
export function renderScenario(box, app, state, { update, onSort }) {
  const sc = state.scenario;
  const p = app.analysis?.service;
  if (!sc || !p?.remove) {
    box.replaceChildren();
    return;
  }
  const name = p.name ?? p.remove;
  const total = sc.total;
  const threshold = formatNumber(sc.threshold);
  const summary = total.population_farther > 0 || total.population_lost_access > 0
    ? tf('saWhatIfSummary', {
      farther: formatNumber(Math.round(total.population_farther)),
      kind: kindNear(app, p),
      mean: formatFixed(total.mean_increase),
      max: formatFixed(total.max_increase),
      lost: formatNumber(Math.round(total.population_lost_access)),
    })
    : t('saWhatIfNone');
  const rows = sc.areas.filter((a) => a.population_farther > 0 || a.population_lost_access > 0);
  const columns = [
    { key: 'name', label: t('saMunicipality'), value: (a) => a.name, render: (a) => (a.code === null && a.name === 'Totalt' ? t('saTotal') : a.name) },
    { key: 'farther', label: t('saWhatIfFarther'), num: true, value: (a) => a.population_farther, render: (a) => formatNumber(Math.round(a.population_farther)) },
    { key: 'mean', label: t('saWhatIfMean'), num: true, value: (a) => a.mean_increase, render: (a) => (a.population_farther ? `+${formatFixed(a.mean_increase)}` : '–') },
    { key: 'before', label: tf('saWhatIfBefore', { threshold }), num: true, value: (a) => a.before.beyond_threshold, render: (a) => formatNumber(Math.round(a.before.beyond_threshold)) },
    { key: 'after', label: tf('saWhatIfAfter', { threshold }), num: true, value: (a) => a.after.beyond_threshold, render: (a) => formatNumber(Math.round(a.after.beyond_threshold)) },
  ];
  const table = rows.length ? sortableTable({
    caption: tf('saWhatIfCaption', { name }), columns, rows, footer: total, state: state.diffSort, onSort, className: 'data-table diff-table',
  }) : null;
  if (table) table.id = 'sa-diff-table';
  const reset = el('button', {
    type: 'button', id: 'sa-whatif-reset',
    onclick: () => {
      const { kind, breaks, color, inputs, result } = app.analysis.service;
      app.analysis = { ...app.analysis, service: { kind, breaks, color, ...(inputs ? { inputs } : {}), result: result && { layer: result.layer } } };
      update();
    },
  }, t('saWhatIfReset'));
  box.replaceChildren(
    el('h3', { text: tf('saWhatIfHeading', { name }) }),
    el('p', { class: 'summary', id: 'sa-whatif-summary', text: summary }),
    table ? el('div', { class: 'table-wrap' }, table) : null,
    el('div', { class: 'buttons edit-only' }, reset));
}

/** Adds the "what if it closes?" button to popups of the services the analysis knows. */
export function initScenario(app, ctx) {
  app.popupExtras.push((feature, layerId) => {
    const kind = kindOfFeature(app.profile, layerId, feature.properties);
    if (!kind || feature.id === undefined || feature.id === null) return null;
    const props = feature.properties || {};
    const nameField = serviceKind(app.profile, kind)?.name_field;
    const name = props[nameField] ?? props.name ?? `${layerId}/${feature.id}`;
    const at = feature.geometry?.type === 'Point' ? feature.geometry.coordinates.map((c) => Number(c.toFixed(6))) : null;
    return el('div', { class: 'popup-actions' }, el('button', {
      type: 'button', class: 'primary', id: 'btn-whatif',
      onclick: () => {
        app.popup?.remove();
        const current = app.analysis?.service;
        // The data the user picked stay; the services are the clicked one's kind.
        const { supply, ...inputs } = current?.inputs ?? {};
        void supply;
        app.analysis = {
          ...app.analysis,
          service: {
            kind,
            breaks: current?.breaks ?? DEFAULT_BREAKS,
            color: current?.color ?? 'band',
            ...(Object.keys(inputs).length ? { inputs } : {}),
            remove: `${layerId}/${feature.id}`,
            at,
            name,
          },
        };
        ctx.selectTab('service');
        ctx.update();
      },
    }, t('saWhatIf')));
  });
}
