// Legends generated from the layers' styles: on the map, in the layer panel, and drawn onto a
// canvas for the exports.

/** A list of colour swatches for one legend entry. */
export function legendSwatches(entry) {
  const list = document.createElement('ul');
  list.className = 'swatch-legend';
  for (const item of entry.items) {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${entry.kind === 'line' ? 'line' : entry.kind === 'point' ? 'point' : ''}`;
    swatch.style.background = item.color;
    swatch.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.textContent = item.label;
    li.append(swatch, label);
    list.append(li);
  }
  return list;
}

const COLLAPSED_KEY = 'kartrum.legendCollapsed';

/**
 * Wires the map legend's button: it collapses the legend to its heading (and opens it again);
 * the choice is remembered in the browser.
 */
export function initLegend() {
  const button = document.getElementById('legend-toggle');
  const body = document.getElementById('legend-body');
  const set = (collapsed) => {
    button.setAttribute('aria-expanded', String(!collapsed));
    body.hidden = collapsed;
    document.getElementById('legend').classList.toggle('collapsed', collapsed);
  };
  set(localStorage.getItem(COLLAPSED_KEY) === '1');
  button.addEventListener('click', () => {
    const collapsed = button.getAttribute('aria-expanded') === 'true';
    localStorage.setItem(COLLAPSED_KEY, collapsed ? '1' : '0');
    set(collapsed);
  });
}

/** Renders the map legend of the visible layers (the legend is hidden when there are none). */
export function renderLegend(container, entries) {
  container.closest('.legend').hidden = !entries.length;
  const children = [];
  for (const entry of entries) {
    if (entry.simple) {
      children.push(legendSwatches(entry));
      continue;
    }
    const h = document.createElement('h3');
    h.textContent = entry.title;
    children.push(h, legendSwatches(entry));
    if (entry.note) {
      const p = document.createElement('p');
      p.className = 'legend-note';
      p.textContent = entry.note;
      children.push(p);
    }
  }
  container.replaceChildren(...children);
}

/**
 * Draws the legend onto a canvas at (x, y) within width `w`; `u` is the size of one unit
 * (pixels per point). Returns the height used.
 */
export function drawLegend(ctx, entries, x, y, w, u, font) {
  let cy = y;
  const line = 15 * u;
  ctx.textBaseline = 'middle';
  for (const entry of entries) {
    if (!entry.simple) {
      ctx.fillStyle = '#1b2631';
      ctx.font = `600 ${11 * u}px ${font}`;
      cy += wrapText(ctx, entry.title, x, cy + line / 2, w, line) ;
    }
    ctx.font = `${10 * u}px ${font}`;
    for (const item of entry.items) {
      const sy = cy + line / 2;
      ctx.fillStyle = item.color;
      ctx.strokeStyle = 'rgba(0,0,0,0.4)';
      ctx.lineWidth = Math.max(1, 0.5 * u);
      if (entry.kind === 'line') {
        ctx.fillRect(x, sy - 1.5 * u, 18 * u, 3 * u);
      } else if (entry.kind === 'point') {
        ctx.beginPath();
        ctx.arc(x + 9 * u, sy, 4.5 * u, 0, Math.PI * 2);
        ctx.fill();
        ctx.stroke();
      } else {
        ctx.fillRect(x, sy - 5 * u, 18 * u, 10 * u);
        ctx.strokeRect(x, sy - 5 * u, 18 * u, 10 * u);
      }
      ctx.fillStyle = '#1b2631';
      cy += wrapText(ctx, item.label, x + 24 * u, sy, w - 24 * u, line);
    }
    if (entry.note) {
      ctx.fillStyle = '#4a5866';
      ctx.font = `italic ${9 * u}px ${font}`;
      cy += wrapText(ctx, entry.note, x, cy + line / 2, w, 13 * u);
    }
    cy += 6 * u;
  }
  return cy - y;
}

/** Draws text wrapped to `w`, first line centred on `y`; returns the height used. */
export function wrapText(ctx, text, x, y, w, lineHeight) {
  const words = String(text).split(/\s+/);
  let lineText = '';
  let lines = 0;
  for (const word of words) {
    const attempt = lineText ? `${lineText} ${word}` : word;
    if (ctx.measureText(attempt).width > w && lineText) {
      ctx.fillText(lineText, x, y + lines * lineHeight);
      lines++;
      lineText = word;
    } else {
      lineText = attempt;
    }
  }
  if (lineText) {
    ctx.fillText(lineText, x, y + lines * lineHeight);
    lines++;
  }
  return lines * lineHeight;
}
