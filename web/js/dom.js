// Small DOM helpers shared by the analysis panels.

import { authHeaders } from './api.js';

/** Creates an element: attributes (`text` sets the text, `on…` adds a listener) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** An <option>. */
export function option(value, label, selected = false) {
  const o = el('option', { value, text: label });
  o.selected = selected;
  return o;
}

/** POSTs JSON (analysis endpoints) with the token entered, if any; throws with the problem detail. */
export async function postJSON(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json', Accept: 'application/json' }),
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (!response.ok) throw new Error(json?.detail || `${response.status} ${response.statusText}`);
  return json;
}

/**
 * A sortable table: `columns` [{key, label, value(row) → sortable, render(row) → text, num}],
 * `rows`, optional `footer` row. Header buttons sort (again: reverse); aria-sort says how.
 * Returns the <table>; `state` {key, dir} keeps the order between renders.
 */
export function sortableTable({ caption, columns, rows, footer, state, className = 'data-table', onSort }) {
  const sorted = [...rows];
  const col = columns.find((c) => c.key === state.key) ?? columns[0];
  sorted.sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const r = typeof x === 'string' ? x.localeCompare(y, 'sv') : (x ?? -Infinity) - (y ?? -Infinity);
    return state.dir === 'desc' ? -r : r;
  });
  const head = el('tr', {}, ...columns.map((c) => {
    const active = c.key === col.key;
    const th = el('th', {
      scope: 'col', class: c.num ? 'num' : null,
      'aria-sort': active ? (state.dir === 'desc' ? 'descending' : 'ascending') : 'none',
    });
    th.append(el('button', {
      type: 'button', class: 'sort', 'data-key': c.key,
      onclick: () => {
        if (state.key === c.key) state.dir = state.dir === 'desc' ? 'asc' : 'desc';
        else {
          state.key = c.key;
          state.dir = c.num ? 'desc' : 'asc';
        }
        onSort();
      },
    }, c.label, el('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (state.dir === 'desc' ? ' ▼' : ' ▲') : '' })));
    return th;
  }));
  const line = (row, cell = 'td') => el('tr', {}, ...columns.map((c, i) => el(i === 0 ? 'th' : cell, {
    scope: i === 0 ? 'row' : null, class: c.num ? 'num' : null, text: c.render(row),
  })));
  return el('table', { class: className },
    caption ? el('caption', { text: caption }) : null,
    el('thead', {}, head),
    el('tbody', {}, ...sorted.map((r) => line(r))),
    footer ? el('tfoot', {}, line(footer)) : null);
}
