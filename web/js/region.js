// The region profile (GET /api/profile): which catalog layer plays which part (network, demand,
// areas, towns, stops, service kinds, basemap roles, corridor lines). The code names no layer;
// it asks the profile, and the panels let the user pick any fitting catalog layer instead.

import { lang, t, tf } from './i18n.js';
import { geometryKind, numericFields } from './styles.js';

/** An empty profile: every part may be missing. */
export const EMPTY_PROFILE = { analysis: {}, map: {} };

/** The profile as the server answered it, with the parts the web reads made safe to read. */
export function normalizeProfile(raw) {
  const analysis = raw && typeof raw.analysis === 'object' && raw.analysis ? raw.analysis : {};
  const map = raw && typeof raw.map === 'object' && raw.map ? raw.map : {};
  return {
    analysis: { ...analysis, services: Array.isArray(analysis.services) ? analysis.services.filter((s) => s && s.kind && s.layer) : [] },
    map: { ...map, basemap: map.basemap && typeof map.basemap === 'object' ? map.basemap : {}, corridor_lines: Array.isArray(map.corridor_lines) ? map.corridor_lines.filter((l) => l?.layer) : [] },
  };
}

/** The service kind `kind` of the profile (null when it has none). */
export function serviceKind(profile, kind) {
  return profile.analysis.services.find((s) => s.kind === kind) ?? null;
}

/** Whether a feature's properties match a `{field: value}` filter (values compared as text). */
export function matchesFilter(properties, filter) {
  return Object.entries(filter ?? {}).every(([field, value]) => properties?.[field] !== undefined
    && properties[field] !== null && String(properties[field]) === String(value));
}

/** The service kind of the profile that a feature of `layerId` is (null: none). */
export function kindOfFeature(profile, layerId, properties) {
  return profile.analysis.services.find((s) => s.layer === layerId && matchesFilter(properties, s.filter))?.kind ?? null;
}

/** The supply of a request for a service source `{layer, filter?}`. */
export function supplyOf(source) {
  return source.filter && Object.keys(source.filter).length ? { layer: source.layer, filter: { ...source.filter } } : { layer: source.layer };
}

/**
 * The own basemap's parts: role → {id, name?, population?} for each role of `map.basemap`
 * whose layer is in the catalog. Place and boundary labels read the name (and population)
 * fields the profile gives their layer as towns or areas, else `name` (and no population).
 */
export function basemapRoles(app) {
  const roles = {};
  for (const [role, id] of Object.entries(app.profile.map.basemap)) {
    if (typeof id === 'string' && app.byId.has(id)) roles[role] = { id };
  }
  const towns = app.profile.analysis.towns;
  const areas = app.profile.analysis.areas;
  if (roles.places) {
    const same = towns?.layer === roles.places.id;
    roles.places.name = (same && towns.name_field) || 'name';
    roles.places.population = same ? towns.population ?? null : null;
  }
  if (roles.boundaries) roles.boundaries.name = (areas?.layer === roles.boundaries.id && areas.name_field) || 'name';
  return roles;
}

/** The profile's towns ({layer, population, name_field}) when that layer is in the catalog. */
export function townsOf(app) {
  const towns = app.profile.analysis.towns;
  return towns?.layer && app.byId.has(towns.layer) ? towns : null;
}

/** The code a tätort feature is known by (the profile's code field, else a usual one). */
export function townCode(properties, towns) {
  const field = [towns?.code_field, 'code', 'TATNR', 'kod'].find((f) => f && properties?.[f] !== undefined && properties[f] !== null);
  return field ? String(properties[field]) : null;
}

/** The profile's areas ({layer, name_field, code_field}) when that layer is in the catalog. */
export function areasOf(app) {
  const areas = app.profile.analysis.areas;
  return areas?.layer && app.byId.has(areas.layer) ? areas : null;
}

/**
 * Catalog layers of the geometry kinds `kinds` ('point', 'line', 'fill'), analysis results
 * left out, as [{id, title}] in catalog order.
 */
export function layersOfKind(app, kinds) {
  return app.catalog
    .filter((m) => kinds.includes(geometryKind(m.geometry_type)) && !String(m.source || '').startsWith('analysis/'))
    .map((m) => ({ id: m.id, title: m.title || m.id }));
}

/** The numeric fields of a catalog layer (names). */
export function numberFields(app, layerId) {
  const meta = app.byId.get(layerId);
  return meta ? numericFields(meta).map((f) => f.name) : [];
}

/** Every field of a catalog layer (names). */
export function allFields(app, layerId) {
  return (app.byId.get(layerId)?.fields ?? []).map((f) => f.name);
}

/** The first of `candidates` that is among `fields`, else the first of `fields` (or ''). */
export function pickField(fields, ...candidates) {
  return candidates.find((c) => c && fields.includes(c)) ?? fields[0] ?? '';
}

/** The kind of service parameters whose services the user picked from the catalog. */
export const OWN_KIND = 'own';

// The demo's kinds have words of their own in both languages; any other kind is called by its
// profile label.
const KIND_WORDS = {
  grocery: ['kindGrocery', 'kindGroceryNear'],
  pharmacy: ['kindPharmacy', 'kindPharmacyNear'],
  health: ['kindHealth', 'kindHealthNear'],
};

/** What the services of parameters `{kind, inputs}` are called (select, titles, legends). */
export function kindLabel(app, params) {
  if (params.kind === OWN_KIND) {
    const supply = params.inputs?.supply;
    const title = app.byId.get(supply?.layer)?.title ?? supply?.layer ?? '';
    const values = Object.values(supply?.filter ?? {});
    return values.length ? `${title} (${values.join(', ')})` : title;
  }
  if (KIND_WORDS[params.kind]) return t(KIND_WORDS[params.kind][0]);
  return serviceKind(app.profile, params.kind)?.label ?? params.kind;
}

/** "the nearest …" of parameters `{kind, inputs}`, for sentences. */
export function kindNear(app, params) {
  if (params.kind !== OWN_KIND && KIND_WORDS[params.kind]) return t(KIND_WORDS[params.kind][1]);
  return tf('kindNear', { label: kindLabel(app, params).toLocaleLowerCase(lang()) });
}
