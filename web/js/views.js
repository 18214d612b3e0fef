// Saved views on the server (/api/views), shown in order like slides: the panel lists them,
// ← → (or PageUp/PageDown from a presentation clicker) step through them. When the server can
// draw maps (GET /api/render/status), each slide shows its thumbnail drawn by the server
// (/api/views/{id}/map.png) with links to the image and the meeting report (report.pdf).

import { authHeaders, getJSON, send } from './api.js';
import { t } from './i18n.js';

/** Wires the saved views; returns {open, next, previous, currentTitle, refresh}. */
export function initViews(app, { currentState, applyState, toast, onChange }) {
  const list = document.getElementById('view-list');
  const form = document.getElementById('view-form');
  const nameInput = document.getElementById('view-name');
  const message = document.getElementById('view-message');
  const titleEl = document.getElementById('view-title');
  const meetingTitle = document.getElementById('meeting-title');
  let views = [];
  let current = -1;
  // Thumbnails by view id and version, as object URLs (fetched with the token, so a signed-in
  // user sees the layers only they may see).
  const thumbs = new Map();
  let drawing = null;
  const canDraw = () => (drawing ??= getJSON('/api/render/status').then((s) => s.available === true, () => false));

  const say = (text, error = false) => {
    message.textContent = text;
    message.classList.toggle('error', error);
  };
  const showTitle = () => {
    const title = views[current]?.title ?? '';
    titleEl.textContent = title ? `${current + 1}/${views.length} · ${title}` : '';
    meetingTitle.textContent = title;
  };

  const render = () => {
    if (!views.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = t('noViews');
      list.replaceChildren(li);
    } else {
      list.replaceChildren(...views.map((v, i) => {
        const li = document.createElement('li');
        li.classList.toggle('current', i === current);
        const go = button(v.title, () => show(i), 'view-go');
        go.setAttribute('aria-current', i === current ? 'true' : 'false');
        const actions = document.createElement('span');
        actions.className = 'view-actions edit-only';
        if (app.config.writable) {
          actions.append(
            button('↑', () => move(i, -1), '', `${t('moveUp')}: ${v.title}`, i === 0),
            button('↓', () => move(i, 1), '', `${t('moveDown')}: ${v.title}`, i === views.length - 1),
            button('✕', () => remove(i), '', `${t('delete')}: ${v.title}`));
        }
        li.append(go, actions);
        canDraw().then((yes) => { if (yes) li.append(thumbnail(v)); });
        return li;
      }));
    }
    document.getElementById('view-prev').disabled = !views.length;
    document.getElementById('view-next').disabled = !views.length;
    showTitle();
  };

  /** The slide's thumbnail and its links to the full image and the meeting report. */
  const thumbnail = (v) => {
    const base = `/api/views/${encodeURIComponent(v.id)}`;
    const figure = document.createElement('span');
    figure.className = 'view-thumb';
    const img = document.createElement('img');
    img.alt = `${t('viewThumbnail')}: ${v.title}`;
    img.width = 160;
    img.height = 100;
    const key = `${v.id}@${v.updated_at}`;
    if (!thumbs.has(key)) {
      const dpr = Math.min(4, Math.max(1, Math.round(window.devicePixelRatio || 1)));
      thumbs.set(key, fetch(`${base}/map.png?width=160&height=100&dpr=${dpr}`, { headers: authHeaders() })
        .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(r.statusText))))
        .then((blob) => URL.createObjectURL(blob)));
      thumbs.get(key).catch(() => thumbs.delete(key));
    }
    thumbs.get(key).then((url) => { img.src = url; }, () => figure.classList.add('failed'));
    const link = (href, text, file) => {
      const a = document.createElement('a');
      a.href = href;
      a.textContent = text;
      a.download = file;
      return a;
    };
    figure.append(img,
      link(`${base}/map.png?width=1600&height=1000&dpr=2`, t('viewImage'), `${v.title}.png`),
      link(`${base}/report.pdf`, t('viewReport'), `${v.title}.pdf`));
    return figure;
  };

  const refresh = async () => {
    try {
      views = (await getJSON('/api/views')).views;
    } catch (e) {
      say(e.message, true);
    }
    render();
  };

  const show = (i, animate = true) => {
    const view = views[i];
    if (!view) return;
    current = i;
    const { basemap, ...analysis } = view.analysis || {};
    applyState({ camera: view.camera, layers: view.layers, analysis, basemap }, { animate });
    // The scenario the slide names opens in the builder (views without one leave it as it is).
    if (view.scenario) app.scenarios?.open(view.scenario);
    render();
  };

  const move = async (i, delta) => {
    const view = views[i];
    try {
      await send('PUT', `/api/views/${encodeURIComponent(view.id)}`, { ...input(view), order: i + delta });
      if (current === i) current = i + delta;
      else if (current === i + delta) current = i;
      await refresh();
    } catch (e) {
      say(`${t('viewSaveFailed')}: ${e.message}`, true);
    }
  };

  const remove = async (i) => {
    const view = views[i];
    if (!confirm(`${t('deleteConfirm')} ${view.title}`)) return;
    try {
      await send('DELETE', `/api/views/${encodeURIComponent(view.id)}`);
      if (current === i) current = -1;
      else if (current > i) current--;
      await refresh();
      say(t('viewDeleted'));
    } catch (e) {
      say(`${t('viewSaveFailed')}: ${e.message}`, true);
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = nameInput.value.trim();
    if (!title) return;
    const state = currentState();
    try {
      const scenario = app.scenarios?.state.id;
      const saved = await send('POST', '/api/views', {
        title, camera: state.camera, layers: state.layers, analysis: { ...app.analysis, basemap: state.basemap }, ...(scenario ? { scenario } : {}),
      });
      nameInput.value = '';
      await refresh();
      current = views.findIndex((v) => v.id === saved.id);
      render();
      say(t('viewSaved'));
      toast(t('viewSaved'));
    } catch (err) {
      say(`${t('viewSaveFailed')}: ${err.message}`, true);
    }
  });
  if (!app.config.writable) {
    form.hidden = true;
    say(t('readOnly'));
  }
  document.getElementById('view-prev').addEventListener('click', () => previous());
  document.getElementById('view-next').addEventListener('click', () => next());
  onChange(() => showTitle());

  const next = () => views.length && show((current + 1) % views.length);
  const previous = () => views.length && show((current - 1 + views.length) % views.length);

  /** Opens a saved view by id (from a `#view=ID` link), without animation. */
  const open = async (id) => {
    await refresh();
    let i = views.findIndex((v) => v.id === String(id));
    if (i < 0) {
      try {
        views.push(await getJSON(`/api/views/${encodeURIComponent(id)}`));
        i = views.length - 1;
      } catch (e) {
        toast(e.message);
        return;
      }
    }
    show(i, false);
  };

  refresh();
  return { open, next, previous, refresh, currentTitle: () => views[current]?.title ?? '' };
}

function input(view) {
  return { title: view.title, camera: view.camera, layers: view.layers, analysis: view.analysis, ...(view.scenario ? { scenario: view.scenario } : {}) };
}

function button(text, onclick, className = '', label = '', disabled = false) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (className) b.className = className;
  if (label) {
    b.setAttribute('aria-label', label);
    b.title = label;
  }
  b.disabled = disabled;
  b.addEventListener('click', onclick);
  return b;
}
