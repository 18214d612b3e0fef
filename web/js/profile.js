// Place profile panel (ortsanalys): renders GET /api/places/{id}/profile into a DOM element.
// Self-contained: no imports, no globals. Printable as one page with web/css/profile.css.
//
//   import { renderProfile, loadProfile, listPlaces } from "./profile.js";
//   const places = await listPlaces();               // [{ id, name, population, class, … }]
//   await loadProfile(document.querySelector("#profile"), places[0].id);

const CLASS_LABELS = {
  huvudort: "Huvudort",
  serviceort: "Serviceort",
  landsbygdsort: "Landsbygdsort",
};

const fmt = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 0 });
const fmt1 = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 1 });

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

/** The region's tätorter: `GET /api/places`. `params` may set towns, population, network. */
export async function listPlaces(params = {}, base = "") {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${base}/api/places${query ? `?${query}` : ""}`);
  if (!response.ok) throw new Error((await response.json()).detail ?? response.statusText);
  return (await response.json()).places;
}

/** Fetches the profile of place `id` and renders it into `target`. */
export async function loadProfile(target, id, params = {}, base = "") {
  target.replaceChildren(el("p", { class: "kr-profile-loading" }, "Hämtar ortsprofil …"));
  const query = new URLSearchParams(params).toString();
  const url = `${base}/api/places/${encodeURIComponent(id)}/profile${query ? `?${query}` : ""}`;
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) {
    target.replaceChildren(el("p", { class: "kr-profile-error" }, body.detail ?? "Fel"));
    return null;
  }
  renderProfile(target, body);
  return body;
}

/** Renders a profile object (the API's JSON) into `target`, replacing its content. */
export function renderProfile(target, p) {
  const municipality = p.municipality ? `${p.municipality.name} kommun` : "";
  const services = el(
    "table",
    { class: "kr-profile-table" },
    el("thead", {}, el("tr", {}, ...["Service", "Närmaste", "Minuter", "Km väg", "Km fågelväg"].map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      ...p.nearest.map((n) =>
        el(
          "tr",
          {},
          el("td", {}, n.label),
          el("td", {}, n.name ?? "ej nåbar"),
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
    ...p.health_centres_in_municipality.map((h) => el("li", {}, `${h.name} (${h.kind})`)),
  );
  const reach = el(
    "ul",
    {},
    ...p.population_within.map((r) => el("li", {}, `inom ${num(r.minutes)} min: ${num(r.population)} invånare`)),
  );
  target.replaceChildren(
    el(
      "article",
      { class: "kr-profile" },
      el("header", {}, el("h2", {}, p.name), el("p", {}, `${municipality} · ${num(p.population)} invånare`)),
      el(
        "section",
        { class: "kr-profile-class" },
        el("h3", {}, `Ortstyp: ${CLASS_LABELS[p.class.class] ?? p.class.class}`),
        el("p", {}, p.class.reason),
        el("details", { open: "" }, el("summary", {}, "Regler"), el("ol", {}, ...p.rules.map((r) => el("li", {}, r)))),
      ),
      el("section", {}, el("h3", {}, "Närmaste service"), services),
      el("section", {}, el("h3", {}, `Vårdcentraler i ${municipality || "kommunen"}`), health),
      el(
        "section",
        {},
        el("h3", {}, "Kollektivtrafik"),
        el("p", {}, `${num(p.bus.stops)} hållplatser inom ${num(p.bus.radius_m)} m, ${num(p.bus.weekday_departures, fmt1)} avgångar per vardag`),
      ),
      el("section", {}, el("h3", {}, "Befolkning inom räckhåll"), reach),
      el("footer", {}, el("p", { class: "kr-profile-note" }, p.network_note)),
      el("button", { type: "button", class: "kr-profile-print" }, "Skriv ut"),
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
