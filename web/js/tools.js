// The analysis side panel: tabs for service access, place profiles, corridors and scenarios (a WAI-ARIA
// tablist: arrows move between tabs, Enter/Space/click selects), and the button that shows or
// hides the panel.

import { el } from './dom.js';
import { onLanguageChange } from './i18n.js';
import { initServiceAccess } from './analysis.js';
import { initScenario } from './scenario.js';
import { initPlaceProfile } from './places.js';
import { initCorridor } from './corridor.js';
import { initScenarioBuilder } from './scenario-builder.js';
import { initCompare } from './compare.js';
import { mapInput } from './mapinput.js';

const TABS = ['service', 'profile', 'corridor', 'scenario'];

/** Selects a tab of the analysis panel (and shows the panel). */
export function selectTab(name, { focus = false } = {}) {
  for (const t of TABS) {
    const tab = document.getElementById(`tab-${t}`);
    const on = t === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    const panel = document.getElementById(`panel-${t}`);
    const shown = on && panel.hidden;
    panel.hidden = !on;
    // A panel may wait with its reads until it is first shown.
    if (shown) panel.dispatchEvent(new CustomEvent('tabshown'));
    if (on && focus) tab.focus();
  }
  showTools(true);
}

/** Shows or hides the analysis panel. */
export function showTools(on) {
  const tools = document.getElementById('tools');
  if (tools.hidden === !on) return;
  tools.hidden = !on;
  document.getElementById('btn-tools').setAttribute('aria-pressed', String(on));
  requestAnimationFrame(() => window.kartrum?.map?.resize());
}

/** Wires the panel and its tools. */
export function initTools(app, ctx) {
  for (const [i, name] of TABS.entries()) {
    const tab = document.getElementById(`tab-${name}`);
    tab.addEventListener('click', () => selectTab(name));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: TABS.length - 1 - i }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      e.stopPropagation();
      selectTab(TABS[(i + step + TABS.length) % TABS.length], { focus: true });
    });
  }
  document.getElementById('btn-tools').addEventListener('click', () => {
    showTools(document.getElementById('tools').hidden);
  });
  // The panels open their tab through the context: they import nothing of this module.
  // One map input for every panel that draws or picks on the map.
  const panels = { ...ctx, selectTab, input: mapInput(app, ctx.update) };
  const service = initServiceAccess(app, panels);
  initScenario(app, { ...panels, service });
  initPlaceProfile(app, panels);
  initCorridor(app, panels);
  // Scenarios: the builder and the comparison of saved ones share one tab.
  const tab = document.getElementById('panel-scenario');
  const builder = el('div', { id: 'scenario-builder' });
  const compare = el('div', { id: 'scenario-compare' });
  tab.append(builder, compare);
  app.scenarios = initScenarioBuilder(app, panels, builder);
  initCompare(app, panels, compare, app.scenarios);
  onLanguageChange(() => ctx.update());
}
