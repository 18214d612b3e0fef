// Export the current view to PNG or PDF (A4/A3 landscape, or 1920×1080 for PNG): the map
// redrawn offscreen at print resolution, with title, legend, scale bar, north arrow, data
// sources and date.

import { drawLegend, wrapText } from './legend.js';
import { formatDate, formatNumber, t } from './i18n.js';
import { buildPdf } from './pdf.js';
import { absoluteUrl } from './sources.js';

/** Page sizes in points (1/72 inch), landscape. */
export const PAPERS = { a4: { width: 842, height: 595 }, a3: { width: 1191, height: 842 }, hd: { width: 842, height: 473.625 } };
const DPI = 150;
const FONT = '"Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif';

/** Pixel size of an export. */
export function pixelSize(paper) {
  if (paper === 'hd') return { width: 1920, height: 1080 };
  const p = PAPERS[paper] || PAPERS.a4;
  return { width: Math.round((p.width * DPI) / 72), height: Math.round((p.height * DPI) / 72) };
}

/** Renders the map of `source` offscreen at `width`×`height` pixels and returns its canvas. */
async function renderMap(source, width, height) {
  // Print resolution: 1.5 device pixels per CSS pixel keeps labels legible on paper; the zoom
  // is adjusted so the export shows the same width of land as the screen.
  const screen = source.getCanvas();
  const ratio = 1.5;
  const zoom = source.getZoom() + Math.log2(width / ratio / screen.clientWidth);
  const div = document.createElement('div');
  div.style.cssText = `position:fixed;left:-20000px;top:0;width:${width / ratio}px;height:${height / ratio}px;`;
  document.body.append(div);
  const map = new window.maplibregl.Map({
    container: div,
    style: source.getStyle(),
    center: source.getCenter(),
    zoom,
    bearing: source.getBearing(),
    pitch: source.getPitch(),
    interactive: false,
    attributionControl: false,
    pixelRatio: ratio,
    fadeDuration: 0,
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
    transformRequest: absoluteUrl,
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the map did not finish drawing')), 60000);
      map.once('idle', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').drawImage(map.getCanvas(), 0, 0, width, height);
    return { canvas, zoom: map.getZoom(), lat: map.getCenter().lat, bearing: map.getBearing(), ratio };
  } finally {
    map.remove();
    div.remove();
  }
}

function niceDistance(maxMeters) {
  const pow = 10 ** Math.floor(Math.log10(maxMeters));
  for (const f of [5, 2, 1]) if (f * pow <= maxMeters) return f * pow;
  return pow;
}

function drawScaleBar(ctx, x, y, frameWidth, rendered, u) {
  const metersPerCssPixel = (40075016.686 * Math.cos((rendered.lat * Math.PI) / 180)) / (512 * 2 ** rendered.zoom);
  const metersPerPixel = metersPerCssPixel / rendered.ratio;
  const meters = niceDistance(metersPerPixel * frameWidth * 0.22);
  const length = meters / metersPerPixel;
  const label = meters >= 1000 ? `${formatNumber(meters / 1000)} km` : `${formatNumber(meters)} m`;
  ctx.fillStyle = 'rgba(255,255,255,0.88)';
  ctx.fillRect(x - 6 * u, y - 20 * u, length + 12 * u + 50 * u, 28 * u);
  ctx.fillStyle = '#1b2631';
  ctx.fillRect(x, y, length, 3 * u);
  ctx.fillRect(x, y - 5 * u, 1.5 * u, 8 * u);
  ctx.fillRect(x + length / 2 - 0.75 * u, y - 3 * u, 1.5 * u, 6 * u);
  ctx.fillRect(x + length - 1.5 * u, y - 5 * u, 1.5 * u, 8 * u);
  ctx.font = `${10 * u}px ${FONT}`;
  ctx.textBaseline = 'alphabetic';
  ctx.fillText('0', x - 2 * u, y - 8 * u);
  ctx.fillText(label, x + length - 4 * u, y - 8 * u);
}

function drawNorthArrow(ctx, cx, cy, bearing, u) {
  ctx.save();
  ctx.fillStyle = 'rgba(255,255,255,0.88)';
  ctx.beginPath();
  ctx.arc(cx, cy, 20 * u, 0, Math.PI * 2);
  ctx.fill();
  ctx.translate(cx, cy);
  ctx.rotate((-bearing * Math.PI) / 180);
  ctx.fillStyle = '#1b2631';
  ctx.beginPath();
  ctx.moveTo(0, -15 * u);
  ctx.lineTo(8 * u, 9 * u);
  ctx.lineTo(0, 4 * u);
  ctx.closePath();
  ctx.fill();
  ctx.fillStyle = '#8a94a0';
  ctx.beginPath();
  ctx.moveTo(0, -15 * u);
  ctx.lineTo(-8 * u, 9 * u);
  ctx.lineTo(0, 4 * u);
  ctx.closePath();
  ctx.fill();
  ctx.fillStyle = '#1b2631';
  ctx.font = `700 ${9 * u}px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('N', 0, 14.5 * u);
  ctx.restore();
}

/**
 * Composes the export page. With `textInPdf`, title, date and sources are left out of the
 * image (the PDF writes them as text). Returns {canvas, layout} where layout holds the text
 * positions in points.
 */
export async function composePage(app, { title, paper, legendEntries, sources, textInPdf = false }) {
  const { width, height } = pixelSize(paper);
  const pageWidthPt = (PAPERS[paper] || PAPERS.a4).width;
  const u = width / pageWidthPt;
  const m = 24 * u;
  const header = 44 * u;
  const footer = 22 * u;
  const legendWidth = 170 * u;
  const frame = { x: m, y: m + header, w: width - 2 * m - legendWidth - 14 * u, h: height - 2 * m - header - footer };
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  const rendered = await renderMap(app.map, Math.round(frame.w), Math.round(frame.h));
  ctx.drawImage(rendered.canvas, frame.x, frame.y);
  ctx.strokeStyle = '#1b2631';
  ctx.lineWidth = 1 * u;
  ctx.strokeRect(frame.x, frame.y, frame.w, frame.h);
  drawScaleBar(ctx, frame.x + 14 * u, frame.y + frame.h - 14 * u, frame.w, rendered, u);
  drawNorthArrow(ctx, frame.x + frame.w - 30 * u, frame.y + 30 * u, rendered.bearing, u);

  const date = formatDate();
  const sourceLine = `${t('sources')}: ${sources.length ? sources.join(', ') : '–'}`;
  const footerLine = `${sourceLine} · Kartrummet · ${date}`;
  if (!textInPdf) {
    ctx.fillStyle = '#1b2631';
    ctx.textBaseline = 'alphabetic';
    ctx.font = `700 ${20 * u}px ${FONT}`;
    ctx.fillText(title, m, m + 22 * u);
    ctx.font = `${10 * u}px ${FONT}`;
    ctx.fillStyle = '#4a5866';
    ctx.fillText(date, m, m + 37 * u);
    ctx.fillText(footerLine, m, height - m + 4 * u);
  }
  ctx.fillStyle = '#1b2631';
  ctx.fillRect(m, m + header - 6 * u, width - 2 * m, 1.5 * u);

  const lx = width - m - legendWidth;
  ctx.fillStyle = '#1b2631';
  ctx.font = `700 ${12 * u}px ${FONT}`;
  ctx.textBaseline = 'middle';
  wrapText(ctx, t('legend'), lx, frame.y + 8 * u, legendWidth, 15 * u);
  drawLegend(ctx, legendEntries, lx, frame.y + 22 * u, legendWidth, u, FONT);

  const pt = (px) => px / u;
  const pageHeightPt = (PAPERS[paper] || PAPERS.a4).height;
  const layout = {
    title: { text: title, x: pt(m), y: pageHeightPt - pt(m + 22 * u), size: 20, bold: true },
    date: { text: date, x: pt(m), y: pageHeightPt - pt(m + 37 * u), size: 10 },
    footer: { text: footerLine, x: pt(m), y: pt(m - 4 * u), size: 8 },
  };
  return { canvas, layout };
}

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function fileName(title, ext) {
  const slug = title.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${slug || 'karta'}-${new Date().toISOString().slice(0, 10)}.${ext}`;
}

/** Exports the current map; resolves to the Blob that was downloaded. */
export async function exportMap(app, { title, format, paper, legendEntries, sources }) {
  if (format === 'pdf') {
    const usePaper = paper === 'a3' ? 'a3' : 'a4';
    const { canvas, layout } = await composePage(app, { title, paper: usePaper, legendEntries, sources, textInPdf: true });
    const jpegBlob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
    const bytes = new Uint8Array(await jpegBlob.arrayBuffer());
    const blob = buildPdf({
      page: PAPERS[usePaper],
      jpeg: { bytes, width: canvas.width, height: canvas.height },
      texts: [layout.title, layout.date, layout.footer],
      title,
    });
    download(blob, fileName(title, 'pdf'));
    return blob;
  }
  const { canvas } = await composePage(app, { title, paper, legendEntries, sources });
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  download(blob, fileName(title, 'png'));
  return blob;
}

/** Wires the export dialog. */
export function initExport(app, { legendEntries, attribution, toast, currentTitle, statsReady }) {
  const dialog = document.getElementById('export-dialog');
  const titleInput = document.getElementById('export-title');
  const format = document.getElementById('export-format');
  const paper = document.getElementById('export-paper');
  const message = document.getElementById('export-message');
  const syncPaper = () => {
    paper.querySelector('option[value="hd"]').disabled = format.value === 'pdf';
    if (format.value === 'pdf' && paper.value === 'hd') paper.value = 'a4';
  };
  format.addEventListener('change', syncPaper);
  document.getElementById('btn-export').addEventListener('click', () => {
    titleInput.value = currentTitle() || titleInput.value || 'Kartrummet';
    message.textContent = '';
    syncPaper();
    dialog.showModal();
    titleInput.focus();
    titleInput.select();
  });
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'export') return;
    toast(t('exporting'));
    try {
      while (!statsReady()) await new Promise((r) => setTimeout(r, 100));
      await exportMap(app, {
        title: titleInput.value.trim() || 'Kartrummet',
        format: format.value,
        paper: paper.value,
        legendEntries: legendEntries(),
        sources: attribution(),
      });
      toast(t('exported'));
    } catch (error) {
      console.error(error);
      toast(`${t('exportFailed')}: ${error.message}`);
    }
  });
}
