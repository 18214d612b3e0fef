// Search a tätort or a municipality by name and fly there: the region profile's towns (points,
// or polygons by their extent) and areas, by the name fields it gives. The names are fetched once
// from the features API.

import { formatNumber, t } from './i18n.js';
import { areasOf, townCode, townsOf } from './region.js';
import { allFeatures, geometryBounds } from './sources.js';

let index = null;

async function loadIndex(app) {
  const entries = [];
  const towns = townsOf(app);
  if (towns) {
    const fc = await allFeatures(towns.layer);
    const name = towns.name_field || 'name';
    for (const f of fc.features) {
      const p = f.properties;
      if (!p[name] || !f.geometry) continue;
      const where = f.geometry.type === 'Point' ? { center: f.geometry.coordinates } : { bbox: geometryBounds(f.geometry) };
      entries.push({ name: String(p[name]), kind: 'tatort', pop: Number(p[towns.population]) || 0, detail: p.mun_name, code: townCode(p, towns), ...where });
    }
  }
  const areas = areasOf(app);
  if (areas) {
    const fc = await allFeatures(areas.layer);
    const name = areas.name_field || 'name';
    for (const f of fc.features) {
      if (!f.properties[name] || !f.geometry) continue;
      entries.push({ name: String(f.properties[name]), kind: 'kommun', pop: Infinity, bbox: geometryBounds(f.geometry) });
    }
  }
  return entries;
}

const fold = (s) => s.toLocaleLowerCase('sv');

/** Matches for a query: names starting with it first, municipalities and large tätorter first. */
export function match(entries, query, limit = 10) {
  const q = fold(query.trim());
  if (!q) return [];
  const hits = entries.filter((e) => fold(e.name).includes(q));
  const rank = (e) => (fold(e.name) === q ? 0 : fold(e.name).startsWith(q) ? 1 : 2);
  hits.sort((a, b) => rank(a) - rank(b) || b.pop - a.pop || a.name.localeCompare(b.name, 'sv'));
  return hits.slice(0, limit);
}

/** Flies the map to a search hit. */
export function flyToEntry(map, entry) {
  if (entry.bbox) {
    map.fitBounds([[entry.bbox[0], entry.bbox[1]], [entry.bbox[2], entry.bbox[3]]], { padding: 60, duration: 1500 });
  } else {
    const zoom = entry.pop > 50000 ? 11 : entry.pop > 5000 ? 12 : 13;
    map.flyTo({ center: entry.center, zoom, duration: 1500, essential: true });
  }
}

/** Wires the search box (a combobox with a listbox of hits). */
export function initSearch(app) {
  const form = document.getElementById('search-form');
  const input = document.getElementById('search-input');
  const list = document.getElementById('search-results');
  let hits = [];
  let active = -1;
  const ensure = () => {
    index ??= loadIndex(app).catch((e) => {
      index = null;
      throw e;
    });
    return index;
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const renderHits = () => {
    list.replaceChildren(...hits.map((h, i) => {
      const li = document.createElement('li');
      li.id = `search-hit-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === active));
      const name = document.createElement('span');
      name.textContent = h.name;
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = h.kind === 'kommun' ? t('kommun') : `${t('tatort')}${h.detail ? `, ${h.detail}` : ''} · ${formatNumber(h.pop)}`;
      li.append(name, kind);
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        choose(i);
      });
      return li;
    }));
    if (!hits.length && input.value.trim()) {
      const li = document.createElement('li');
      li.textContent = t('notFound');
      list.replaceChildren(li);
    }
    list.hidden = !input.value.trim();
    input.setAttribute('aria-expanded', String(!list.hidden));
    if (active >= 0) input.setAttribute('aria-activedescendant', `search-hit-${active}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (i) => {
    const hit = hits[i];
    if (!hit) return;
    input.value = hit.name;
    close();
    flyToEntry(app.map, hit);
    // The place profile panel opens the profile of a chosen tätort.
    if (hit.kind === 'tatort' && hit.code) document.dispatchEvent(new CustomEvent('kartrum:tatort', { detail: { code: hit.code, name: hit.name } }));
  };
  input.addEventListener('focus', () => ensure());
  input.addEventListener('input', async () => {
    const entries = await ensure();
    hits = match(entries, input.value);
    active = hits.length ? 0 : -1;
    renderHits();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!hits.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length;
      renderHits();
    } else if (e.key === 'Escape') {
      close();
      e.stopPropagation();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const entries = await ensure();
    hits = match(entries, input.value);
    if (hits.length) choose(Math.max(0, active));
    else renderHits();
  });
}
