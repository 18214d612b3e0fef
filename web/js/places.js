// Place profile panel (issue 6): choose a tätort in the list, click one on the map ("Ortsprofil"
// in its popup) or search one, and its profile (profile.js, GET /api/places/{id}/profile) opens
// in the analysis panel; its print button prints the profile alone on one page. The place is
// app.analysis.place, so it is in the URL and saved views.

import { el, option } from './dom.js';
import { lang, onLanguageChange, t } from './i18n.js';
import { listPlaces, loadProfile, setProfileLanguage } from './profile.js';
import { selectTab } from './tools.js';
import { networkNote } from './analysis.js';

/** Wires the panel. */
export function initPlaceProfile(app, ctx) {
  const panel = document.getElementById('panel-profile');
  const heading = el('h2', { text: t('profileHeading') });
  const select = el('select', { id: 'profile-place' }, option('', t('profileChoose')));
  const label = el('label', { class: 'row', for: 'profile-place' }, el('span', { text: t('profilePlace') }), select);
  const hint = el('p', { class: 'help', text: t('profileHint') });
  const target = el('div', { id: 'profile', class: 'profile-target', 'aria-live': 'polite' });
  panel.append(heading, label, hint, target);
  let places = null;
  let shown = null;

  const fill = async () => {
    if (places) return places;
    try {
      places = (await listPlaces()).sort((a, b) => a.name.localeCompare(b.name, 'sv'));
    } catch (e) {
      target.replaceChildren(el('p', { class: 'message error', text: e.message }));
      places = [];
    }
    select.replaceChildren(option('', t('profileChoose')),
      ...places.map((p) => option(p.id, `${p.name}${p.municipality ? ` (${p.municipality.name})` : ''}`, p.id === app.analysis?.place)));
    return places;
  };
  document.getElementById('tab-profile').addEventListener('click', fill);
  select.addEventListener('focus', fill);
  select.addEventListener('change', () => open(select.value));

  const open = (id) => {
    const { place, ...rest } = app.analysis ?? {};
    void place;
    app.analysis = id ? { ...rest, place: id } : rest;
    ctx.update();
  };

  const sync = async (force = false) => {
    const id = app.analysis?.place ?? null;
    if (id === shown && !force) return;
    shown = id;
    if (!id) {
      target.replaceChildren();
      return;
    }
    selectTab('profile');
    setProfileLanguage(lang());
    await fill();
    select.value = id;
    const profile = await loadProfile(target, id);
    // The server's network note is English; the panel says it in the current language.
    const note = target.querySelector('.kr-profile-note');
    if (profile && note) note.textContent = networkNote(profile);
  };
  ctx.onChange(() => { sync(); });
  onLanguageChange(() => {
    heading.textContent = t('profileHeading');
    label.firstChild.textContent = t('profilePlace');
    hint.textContent = t('profileHint');
    select.options[0].textContent = t('profileChoose');
    if (shown) sync(true);
  });

  // A tätort on the map: "Ortsprofil" in its popup.
  app.popupExtras.push((feature, layerId) => {
    const code = feature.properties?.code;
    if (layerId !== 'tatorter' || !code) return null;
    return el('div', { class: 'popup-actions' }, el('button', {
      type: 'button', class: 'primary', id: 'btn-profile',
      onclick: () => {
        app.popup?.remove();
        open(String(code));
      },
    }, t('profileShow')));
  });
  // A tätort chosen in the search.
  document.addEventListener('kartrum:tatort', (e) => {
    if (e.detail?.code) open(String(e.detail.code));
  });
}
