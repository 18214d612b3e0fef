// Place profile panel (issue 6): choose a tätort in the list, click one on the map ("Ortsprofil"
// in its popup) or search one, and its profile (profile.js, GET /api/places/{id}/profile) opens
// in the analysis panel; its print button prints the profile alone on one page. The place is
// app.analysis.place, so it is in the URL and saved views. The tätorter are the region
// profile's towns, or any point or polygon layer with a numeric field the user picks
// (app.analysis.placeTowns = {layer, population}); network and demand are the profile's.

import { authHeaders } from './api.js';
import { el, option } from './dom.js';
import { lang, onLanguageChange, t } from './i18n.js';
import { fieldPicker, layerPicker } from './pickers.js';
import { listPlaces, loadProfile, setProfileLanguage } from './profile.js';
import { numberFields, pickField, townCode } from './region.js';
import { networkNote } from './analysis.js';

/**
 * The query of the places API for `towns` ({layer, population}) and the profile's network and
 * demand, or {missing} naming (i18n key) what the panel still needs.
 */
export function placeQuery(profile, towns) {
  const a = profile.analysis;
  if (!towns?.layer) return { missing: 'needTowns' };
  if (!a.network) return { missing: 'needNetwork' };
  const query = { towns: towns.layer, network: a.network };
  if (towns.population) query.population = towns.population;
  if (a.demand?.layer && a.demand.population) Object.assign(query, { demand: a.demand.layer, demand_population: a.demand.population });
  return { query };
}

/** Wires the panel. */
export function initPlaceProfile(app, ctx) {
  const panel = document.getElementById('panel-profile');
  const heading = el('h2', { text: t('profileHeading') });
  const select = el('select', { id: 'profile-place' }, option('', t('profileChoose')));
  const label = el('label', { class: 'row', for: 'profile-place' }, el('span', { text: t('profilePlace') }), select);
  const hint = el('p', { class: 'help', text: t('profileHint') });
  const target = el('div', { id: 'profile', class: 'profile-target', 'aria-live': 'polite' });
  const townsLayer = layerPicker(app, { id: 'profile-towns', label: 'profileTowns', empty: 'pickChoose', kinds: ['point', 'fill'], keep: (id) => numberFields(app, id).length > 0 });
  const townsField = fieldPicker({ id: 'profile-towns-pop', label: 'saDemandField', empty: 'pickChoose', fields: () => numberFields(app, townsLayer.select.value) });
  const data = el('details', { id: 'profile-inputs' }, el('summary', { 'data-t': 'saInputs', text: t('saInputs') }), townsLayer.row, townsField.row);
  panel.append(heading, label, hint, data, target);
  let places = null;
  let placesKey = null;
  let shown = null;

  /** The towns: the user's pick (app.analysis.placeTowns), else the profile's. */
  const towns = () => app.analysis?.placeTowns ?? app.profile.analysis.towns ?? null;
  const showTowns = () => {
    const chosen = towns();
    townsLayer.fill(chosen?.layer ?? '');
    townsField.fill(chosen?.population ?? '');
  };
  showTowns();
  const pickTowns = () => {
    const layer = townsLayer.select.value;
    const population = townsField.select.value;
    const own = app.profile.analysis.towns;
    const { placeTowns, place, ...rest } = app.analysis ?? {};
    void placeTowns;
    void place;
    const same = layer === own?.layer && population === (own?.population ?? '');
    app.analysis = layer && !same ? { ...rest, placeTowns: { layer, ...(population ? { population } : {}) } } : rest;
    places = null;
    ctx.update();
  };
  townsLayer.select.addEventListener('change', () => {
    townsField.fill(pickField(numberFields(app, townsLayer.select.value), app.profile.analysis.towns?.population, 'pop'));
    pickTowns();
  });
  townsField.select.addEventListener('change', pickTowns);

  const fill = async () => {
    const { query, missing } = placeQuery(app.profile, towns());
    const key = JSON.stringify(query ?? missing);
    if (places && key === placesKey) return places;
    placesKey = key;
    places = [];
    if (missing) {
      data.open = true;
      target.replaceChildren(el('p', { class: 'message error', id: 'profile-missing', text: t(missing) }));
    } else {
      try {
        places = (await listPlaces(query, '', authHeaders())).sort((a, b) => a.name.localeCompare(b.name, 'sv'));
      } catch (e) {
        target.replaceChildren(el('p', { class: 'message error', text: e.message }));
      }
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
    const key = JSON.stringify([id, towns()]);
    if (key === shown && !force) return;
    shown = key;
    showTowns();
    if (!id) {
      target.replaceChildren();
      return;
    }
    ctx.selectTab('profile');
    setProfileLanguage(lang());
    const { query } = placeQuery(app.profile, towns());
    await fill();
    if (!query) return;
    select.value = id;
    const profile = await loadProfile(target, id, query, '', authHeaders());
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
    data.firstChild.textContent = t('saInputs');
    townsLayer.fill();
    townsField.fill();
    if (app.analysis?.place) sync(true);
  });

  // A tätort on the map: "Ortsprofil" in its popup.
  app.popupExtras.push((feature, layerId) => {
    const chosen = towns();
    const code = townCode(feature.properties, chosen?.layer === app.profile.analysis.towns?.layer ? app.profile.analysis.towns : null);
    if (!chosen || layerId !== chosen.layer || !code) return null;
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
  document.addEventListener('catalogchange', () => {
    townsLayer.fill();
    townsField.fill();
  });
}
