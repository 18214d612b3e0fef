// Small inline SVG bar charts (no library): values along a corridor, one bar per bin.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A bar chart of `bars` [{from, to, value}] (from/to in km along the x axis). `title` names
 * the chart (also its accessible name with `summary`), `format` formats numbers, `xLabel`
 * names the x axis.
 */
export function barChart({ bars, title, summary = '', color = '#1d5b79', format = String, xLabel = '', id }) {
  const width = 520;
  const height = 150;
  const pad = { left: 56, right: 10, top: 24, bottom: 30 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const max = Math.max(0, ...bars.map((b) => b.value)) || 1;
  const end = bars.length ? bars[bars.length - 1].to : 1;
  const x = (km) => pad.left + (km / end) * w;
  const y = (v) => pad.top + h - (v / max) * h;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': `${title}. ${summary}` });
  if (id) root.id = id;
  root.append(svg('title', {}, `${title}. ${summary}`));
  root.append(svg('text', { x: pad.left, y: 14, 'font-size': 13, 'font-weight': 600 }, title));
  // Grid: zero line and the maximum.
  root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), stroke: '#1b2631', 'stroke-width': 1 }));
  root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(max), y2: y(max), stroke: '#d5d2cb', 'stroke-dasharray': '3 3' }));
  root.append(svg('text', { x: pad.left - 6, y: y(max) + 4, 'font-size': 11, 'text-anchor': 'end' }, format(max)));
  root.append(svg('text', { x: pad.left - 6, y: y(0) + 4, 'font-size': 11, 'text-anchor': 'end' }, '0'));
  for (const b of bars) {
    const bx = x(b.from);
    const bw = Math.max(0.8, x(b.to) - x(b.from) - 0.6);
    const bar = svg('rect', { x: bx, y: y(b.value), width: bw, height: Math.max(0, y(0) - y(b.value)), fill: color });
    bar.append(svg('title', {}, `${format(b.from)}–${format(b.to)} km: ${format(b.value)}`));
    root.append(bar);
  }
  const ticks = [0, end / 2, end];
  for (const km of ticks) {
    root.append(svg('text', { x: x(km), y: height - pad.bottom + 14, 'font-size': 11, 'text-anchor': km === 0 ? 'start' : km === end ? 'end' : 'middle' }, format(Math.round(km * 10) / 10)));
  }
  if (xLabel) root.append(svg('text', { x: pad.left + w / 2, y: height - 3, 'font-size': 11, 'text-anchor': 'middle', fill: '#4a5866' }, xLabel));
  return root;
}
