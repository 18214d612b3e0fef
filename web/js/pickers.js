// Pickers of the analysis panels: a select of the catalog's layers of some geometry kinds, and
// a select of one layer's fields. Each starts with an empty choice ("Välj …" or "Inga") and
// keeps its value when the catalog changes, as long as that value is still there.

import { el, option } from './dom.js';
import { t } from './i18n.js';
import { layersOfKind } from './region.js';

/** Refills `select` with `[value, label]` pairs after an empty choice labelled `empty`. */
function refill(select, empty, choices, value) {
  select.replaceChildren(option('', t(empty)), ...choices.map(([v, label]) => option(v, label)));
  select.value = choices.some(([v]) => v === value) ? value : '';
}

/**
 * A labelled select: `choices()` gives its `[value, label]` pairs; `label` and `empty` are i18n
 * keys. Returns {row, select, fill(value?)}; `fill` lists the choices again (catalog or
 * language changed), keeping `value` (default: the current one).
 */
export function picker({ id, label, empty, choices }) {
  const select = el('select', { id });
  const text = el('span', { text: t(label) });
  const row = el('label', { class: 'row', for: id }, text, select);
  const fill = (value = select.value) => {
    text.textContent = t(label);
    refill(select, empty, choices(), value);
  };
  fill('');
  return { row, select, fill };
}

/** A picker of the catalog layers of geometry `kinds` ('point', 'line', 'fill') that `keep` keeps. */
export function layerPicker(app, { id, label, empty, kinds, keep = () => true }) {
  return picker({ id, label, empty, choices: () => layersOfKind(app, kinds).filter((l) => keep(l.id)).map((l) => [l.id, l.title]) });
}

/** A picker of the fields `fields()` gives (names). */
export function fieldPicker({ id, label, empty, fields }) {
  return picker({ id, label, empty, choices: () => fields().map((f) => [f, f]) });
}
