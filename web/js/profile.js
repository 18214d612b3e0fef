// Place profile panel (ortsanalys): renders GET /api/places/{id}/profile into a DOM element.
// Self-contained: no imports, no globals. Printable as one page with web/css/profile.css.
//
//   import { renderProfile, loadProfile, listPlaces } from "./profile.js";
//   const places = await listPlaces();               // [{ id, name, population, class, … }]
//   await loadProfile(document.querySelector("#profile"), places[0].id);

const TEXT = {
  sv: {
    huvudort: "Huvudort", serviceort: "Serviceort", landsbygdsort: "Landsbygdsort",
    loading: "Hämtar ortsprofil …", error: "Fel", service: "Service", nearest: "Närmaste",
    minutes: "Minuter", kmRoad: "Km väg", kmStraight: "Km fågelväg", unreachable: "ej nåbar",
    // "Kommun: Falun", not "Falun kommun": the data has no genitives (Falu kommun).
    municipality: (name) => `Kommun: ${name}`, inhabitants: "invånare", placeClass: "Ortstyp",
    rules: "Regler", nearestService: "Närmaste service",
    healthIn: (m) => (m ? `Vårdcentraler i kommunen (${m})` : "Vårdcentraler i kommunen"), transit: "Kollektivtrafik",
    stops: (n, r, d) => `${n} hållplatser inom ${r} m, ${d} avgångar per vardag`,
    reach: "Befolkning inom räckhåll", within: (m, p) => `inom ${m} min: ${p} invånare`,
    print: "Skriv ut", locale: "sv-SE",
    services: { grocery: "Dagligvarubutik", pharmacy: "Apotek", health: "Vårdcentral" },
    healthKinds: {},
    // The class reason and rules: the API gives numbers, these put them (formatted) in words.
    mostPopulous: (m) => (m ? `Den folkrikaste tätorten i kommunen ${m}.` : "Den folkrikaste tätorten i sin kommun."),
    serviceortMet: (r) =>
      `${r.population} invånare (minst ${r.min}) och en dagligvarubutik ${r.km} km bort fågelvägen (högst ${r.max} km).`,
    serviceortNotMet: (r) =>
      `${r.population} invånare, närmaste dagligvarubutik ${r.km ? `${r.km} km bort` : "saknas"}: ingen serviceort, som kräver minst ${r.min} invånare och en dagligvarubutik inom ${r.max} km fågelvägen.`,
    ruleHuvudort: "den folkrikaste tätorten i sin kommun",
    ruleServiceort: (r) => `minst ${r.min} invånare och en dagligvarubutik inom ${r.max} km fågelvägen`,
    ruleLandsbygdsort: "övriga tätorter",
  },
  en: {
    huvudort: "Main locality", serviceort: "Service locality", landsbygdsort: "Rural locality",
    loading: "Loading the place profile …", error: "Error", service: "Service", nearest: "Nearest",
    minutes: "Minutes", kmRoad: "Km by road", kmStraight: "Km straight line", unreachable: "not reachable",
    municipality: (name) => `Municipality: ${name}`, inhabitants: "inhabitants", placeClass: "Place type",
    rules: "Rules", nearestService: "Nearest services",
    healthIn: (m) => (m ? `Health centres in the municipality (${m})` : "Health centres in the municipality"), transit: "Public transport",
    stops: (n, r, d) => `${n} stops within ${r} m, ${d} weekday departures`,
    reach: "Population within reach", within: (m, p) => `within ${m} min: ${p} inhabitants`,
    print: "Print", locale: "en-GB",
    services: { grocery: "Grocery store", pharmacy: "Pharmacy", health: "Health centre" },
    healthKinds: { "Vårdcentral": "health centre", Sjukhus: "hospital" },
    mostPopulous: (m) => (m ? `The most populous locality in ${m} municipality.` : "The most populous locality in its municipality."),
    serviceortMet: (r) =>
      `${r.population} inhabitants (at least ${r.min}) and a grocery store ${r.km} km away in a straight line (at most ${r.max} km).`,
    serviceortNotMet: (r) =>
      `${r.population} inhabitants, nearest grocery store ${r.km ? `${r.km} km away` : "none"}: not a service locality, which needs at least ${r.min} inhabitants and a grocery store within ${r.max} km in a straight line.`,
    ruleHuvudort: "the most populous locality in its municipality",
    ruleServiceort: (r) => `at least ${r.min} inhabitants and a grocery store within ${r.max} km in a straight line`,
    ruleLandsbygdsort: "every other locality",
  },
};
let L = TEXT.sv;
let fmt = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 0 });
let fmt1 = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 1 });

/** Sets the language of the profile texts: "sv" (default) or "en". */
export function setProfileLanguage(lang) {
  L = TEXT[lang] ?? TEXT.sv;
  fmt = new Intl.NumberFormat(L.locale, { maximumFractionDigits: 0 });
  fmt1 = new Intl.NumberFormat(L.locale, { maximumFractionDigits: 1 });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) {
    if (c == null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const num = (v, f = fmt) => (v == null ? "–" : f.format(v));

/** The class reason (`{kind, …}` with numbers) in the current language. */
function reasonText(reason) {
  if (reason.kind === "most_populous") return L.mostPopulous(reason.municipality);
  const words = {
    population: num(reason.population),
    min: num(reason.min_population),
    km: reason.grocery_km == null ? null : num(reason.grocery_km, fmt1),
    max: num(reason.max_grocery_km, fmt1),
  };
  return reason.met ? L.serviceortMet(words) : L.serviceortNotMet(words);
}

/** The class rules (their parameters) in the current language, in the order they apply. */
function ruleTexts(rules) {
  const r = { min: num(rules.serviceort_min_population), max: num(rules.serviceort_grocery_km, fmt1) };
  return [
    `${L.huvudort}: ${L.ruleHuvudort}`,
    `${L.serviceort}: ${L.ruleServiceort(r)}`,
    `${L.landsbygdsort}: ${L.ruleLandsbygdsort}`,
  ];
}

/** A health centre's kind (a data value) in the current language; nothing when missing. */
function healthKind(kind) {
  return !kind || kind === "NULL" ? "" : ` (${L.healthKinds[kind] ?? kind})`;
}

/**
 * The region's tätorter: `GET /api/places`. `params` may set towns, population, network;
 * `headers` go with the request (e.g. `Authorization`).
 */
export async function listPlaces(params = {}, base = "", headers = {}) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${base}/api/places${query ? `?${query}` : ""}`, { headers });
  if (!response.ok) throw new Error((await response.json()).detail ?? response.statusText);
  return (await response.json()).places;
}

/** Fetches the profile of place `id` (with `headers`) and renders it into `target`. */
export async function loadProfile(target, id, params = {}, base = "", headers = {}) {
  target.replaceChildren(el("p", { class: "kr-profile-loading" }, L.loading));
  const query = new URLSearchParams(params).toString();
  const url = `${base}/api/places/${encodeURIComponent(id)}/profile${query ? `?${query}` : ""}`;
  const response = await fetch(url, { headers });
  const body = await response.json();
  if (!response.ok) {
    target.replaceChildren(el("p", { class: "kr-profile-error" }, body.detail ?? L.error));
    return null;
  }
  renderProfile(target, body);
  return body;
}

/** Renders a profile object (the API's JSON) into `target`, replacing its content. */
export function renderProfile(target, p) {
  const municipalityName = p.municipality?.name ?? "";
  const municipality = municipalityName ? L.municipality(municipalityName) : "";
  const services = el(
    "table",
    { class: "kr-profile-table" },
    el("thead", {}, el("tr", {}, ...[L.service, L.nearest, L.minutes, L.kmRoad, L.kmStraight].map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      ...p.nearest.map((n) =>
        el(
          "tr",
          {},
          el("td", {}, L.services[n.kind] ?? n.label),
          el("td", {}, n.name ?? L.unreachable),
          el("td", { class: "num" }, num(n.minutes, fmt1)),
          el("td", { class: "num" }, num(n.network_km, fmt1)),
          el("td", { class: "num" }, num(n.straight_km, fmt1)),
        ),
      ),
    ),
  );
  const health = el(
    "ul",
    {},
    ...p.health_centres_in_municipality.map((h) => el("li", {}, `${h.name}${healthKind(h.kind)}`)),
  );
  const reach = el(
    "ul",
    {},
    ...p.population_within.map((r) => el("li", {}, L.within(num(r.minutes), num(r.population)))),
  );
  target.replaceChildren(
    el(
      "article",
      { class: "kr-profile" },
      el("header", {}, el("h2", {}, p.name), el("p", {}, `${municipality} · ${num(p.population)} ${L.inhabitants}`)),
      el(
        "section",
        { class: "kr-profile-class" },
        el("h3", {}, `${L.placeClass}: ${L[p.class.class] ?? p.class.class}`),
        el("p", { class: "kr-profile-reason" }, reasonText(p.class.reason)),
        el("details", { open: "" }, el("summary", {}, L.rules), el("ol", {}, ...ruleTexts(p.rules).map((r) => el("li", {}, r)))),
      ),
      el("section", {}, el("h3", {}, L.nearestService), services),
      // A region whose profile has no health kind or no stops has no such section.
      p.health_centres_in_municipality.length ? el("section", {}, el("h3", {}, L.healthIn(municipalityName)), health) : null,
      p.bus
        ? el(
            "section",
            {},
            el("h3", {}, L.transit),
            el("p", {}, L.stops(num(p.bus.stops), num(p.bus.radius_m), num(p.bus.weekday_departures, fmt1))),
          )
        : null,
      el("section", {}, el("h3", {}, L.reach), reach),
      el("footer", {}, el("p", { class: "kr-profile-note" }, p.network_note)),
      el("button", { type: "button", class: "kr-profile-print" }, L.print),
    ),
  );
  target.querySelector(".kr-profile-print").addEventListener("click", () => {
    document.body.classList.add("kr-printing-profile");
    target.classList.add("kr-profile-printed");
    window.print();
    document.body.classList.remove("kr-printing-profile");
    target.classList.remove("kr-profile-printed");
  });
}
