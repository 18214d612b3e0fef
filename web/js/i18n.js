// Swedish by default, English on request. Static text carries data-i18n attributes;
// dynamic text calls t().

const STRINGS = {
  sv: {
    skipToMap: 'Hoppa till kartan',
    searchLabel: 'Sök tätort eller kommun',
    searchPlaceholder: 'Sök tätort eller kommun …',
    savedViews: 'Sparade vyer',
    prevView: 'Föregående vy (←)',
    nextView: 'Nästa vy (→)',
    export: 'Exportera',
    share: 'Dela länk',
    meeting: 'Mötesläge',
    meetingExit: 'Avsluta mötesläge',
    help: 'Hjälp',
    layers: 'Lager',
    basemap: 'Bakgrundskarta',
    basemapSource: 'Källa',
    basemapOwn: 'Egen (fungerar utan internet)',
    basemapExternal: 'Extern',
    basemapNone: 'Ingen',
    viewTitle: 'Rubrik',
    saveView: 'Spara vy',
    mapLabel: 'Karta',
    legend: 'Teckenförklaring',
    close: 'Stäng',
    exportTitle: 'Rubrik',
    exportFormat: 'Format',
    exportPaper: 'Storlek',
    paperA4: 'A4 liggande',
    paperA3: 'A3 liggande',
    download: 'Ladda ned',
    cancel: 'Avbryt',
    tokenHeading: 'Behörighet',
    token: 'Token',
    opacity: 'Opacitet',
    style: 'Stil',
    styleSimple: 'Enkel',
    styleChoropleth: 'Koropletkarta',
    color: 'Färg',
    field: 'Fält',
    method: 'Klassning',
    quantile: 'Kvantiler',
    equal: 'Lika intervall',
    classes: 'Klasser',
    palette: 'Färgskala',
    showSettings: 'Inställningar',
    features: 'objekt',
    noData: 'Saknar värde',
    linkCopied: 'Länken är kopierad',
    linkShown: 'Länk till kartan',
    viewSaved: 'Vyn är sparad',
    viewDeleted: 'Vyn är borttagen',
    viewSaveFailed: 'Vyn kunde inte sparas',
    noViews: 'Inga sparade vyer ännu.',
    moveUp: 'Flytta upp',
    moveDown: 'Flytta ned',
    delete: 'Ta bort',
    deleteConfirm: 'Ta bort vyn?',
    readOnly: 'Servern tar inte emot ändringar (ingen token är inställd).',
    exporting: 'Exporterar …',
    exported: 'Exporten är klar',
    exportFailed: 'Exporten misslyckades',
    notFound: 'Hittade inget',
    tatort: 'Tätort',
    kommun: 'Kommun',
    sources: 'Källor',
    created: 'Skapad',
    scale: 'Skala',
    loadFailed: 'Kunde inte läsa lagren från servern',
    shortcutHelp: 'Visa hjälp',
    shortcutMeeting: 'Mötesläge av/på (helskärm)',
    shortcutViews: 'Föregående/nästa sparade vy',
    shortcutSearch: 'Sök tätort eller kommun',
    shortcutLayers: 'Gå till lagerlistan',
    shortcutMap: 'Gå till kartan (pilar panorerar, + och − zoomar)',
    shortcutExport: 'Exportera PNG eller PDF',
    shortcutShare: 'Kopiera länk till kartan',
    shortcutLang: 'Byt språk (svenska/engelska)',
    shortcutEscape: 'Stäng dialog eller popup, lämna mötesläge',
    shortcutTab: 'Flytta mellan kontroller',
    mapKeys: 'I kartan',
  },
  en: {
    skipToMap: 'Skip to the map',
    searchLabel: 'Search for a locality or municipality',
    searchPlaceholder: 'Search locality or municipality …',
    savedViews: 'Saved views',
    prevView: 'Previous view (←)',
    nextView: 'Next view (→)',
    export: 'Export',
    share: 'Share link',
    meeting: 'Meeting mode',
    meetingExit: 'Leave meeting mode',
    help: 'Help',
    layers: 'Layers',
    basemap: 'Basemap',
    basemapSource: 'Source',
    basemapOwn: 'Own (works offline)',
    basemapExternal: 'External',
    basemapNone: 'None',
    viewTitle: 'Title',
    saveView: 'Save view',
    mapLabel: 'Map',
    legend: 'Legend',
    close: 'Close',
    exportTitle: 'Title',
    exportFormat: 'Format',
    exportPaper: 'Size',
    paperA4: 'A4 landscape',
    paperA3: 'A3 landscape',
    download: 'Download',
    cancel: 'Cancel',
    tokenHeading: 'Authorisation',
    token: 'Token',
    opacity: 'Opacity',
    style: 'Style',
    styleSimple: 'Simple',
    styleChoropleth: 'Choropleth',
    color: 'Colour',
    field: 'Field',
    method: 'Classification',
    quantile: 'Quantiles',
    equal: 'Equal interval',
    classes: 'Classes',
    palette: 'Palette',
    showSettings: 'Settings',
    features: 'features',
    noData: 'No value',
    linkCopied: 'Link copied',
    linkShown: 'Link to the map',
    viewSaved: 'View saved',
    viewDeleted: 'View deleted',
    viewSaveFailed: 'The view could not be saved',
    noViews: 'No saved views yet.',
    moveUp: 'Move up',
    moveDown: 'Move down',
    delete: 'Delete',
    deleteConfirm: 'Delete the view?',
    readOnly: 'The server accepts no changes (no token is configured).',
    exporting: 'Exporting …',
    exported: 'Export finished',
    exportFailed: 'Export failed',
    notFound: 'Nothing found',
    tatort: 'Locality',
    kommun: 'Municipality',
    sources: 'Sources',
    created: 'Created',
    scale: 'Scale',
    loadFailed: 'Could not read the layers from the server',
    shortcutHelp: 'Show help',
    shortcutMeeting: 'Meeting mode on/off (fullscreen)',
    shortcutViews: 'Previous/next saved view',
    shortcutSearch: 'Search locality or municipality',
    shortcutLayers: 'Go to the layer list',
    shortcutMap: 'Go to the map (arrows pan, + and − zoom)',
    shortcutExport: 'Export PNG or PDF',
    shortcutShare: 'Copy a link to the map',
    shortcutLang: 'Switch language (Swedish/English)',
    shortcutEscape: 'Close dialog or popup, leave meeting mode',
    shortcutTab: 'Move between controls',
    mapKeys: 'In the map',
  },
};

// Attribute names as people know them; unknown fields are shown as they are.
const FIELD_LABELS = {
  sv: {
    name: 'Namn', namn: 'Namn', NAMN1: 'Namn', NAMN2: 'Namn 2', pop: 'Folkmängd', BEF: 'Folkmängd',
    befolkning_2025: 'Befolkning 2025', befolkning_2024: 'Befolkning 2024',
    befolkning_65_plus_2025: 'Befolkning 65+ 2025', category: 'Kategori', KATEGORI: 'Kategori',
    kommunnamn: 'Kommun', kommun: 'Kommun', mun_name: 'Kommun', mun_code: 'Kommunkod',
    kommunkod: 'Kommunkod', code: 'Kod', lan_name: 'Län', lan_code: 'Länskod', lanskod: 'Länskod',
    LANSKOD: 'Länskod', area: 'Areal (ha)', AREASCB: 'Areal (ha)', year: 'År', chain: 'Kedja',
    city: 'Ort', postort: 'Postort', adress: 'Adress', postnummer: 'Postnummer',
    stop_name: 'Hållplats', linjer: 'Linjer', linjetyper: 'Linjetyper', linjenummer: 'Linjenummer',
    route_long_name: 'Linjenamn', klassificering: 'Klassificering',
    genomsnitt_veckodag_avgangar: 'Avgångar per vardag', genomsnitt_dagliga_avgangar: 'Avgångar per dag',
    antal_lordag_avgangar: 'Avgångar lördag', antal_sondag_avgangar: 'Avgångar söndag',
    genomsnitt_veckans_avgangar: 'Avgångar per vecka', antal_turer: 'Antal turer',
    desokod: 'DeSO-kod', regsokod: 'RegSO-kod', rutid: 'Rut-id', referenstid: 'Referenstid',
    nodnamn: 'Namn', kommuntyp: 'Kommuntyp', 'Populärnamn': 'Namn', Regi: 'Regi',
    'Ägare': 'Ägare', 'Län': 'Län', detaljtyp: 'Typ', TATNR: 'Tätortsnummer', ADAT: 'Datum',
  },
  en: {
    name: 'Name', namn: 'Name', NAMN1: 'Name', NAMN2: 'Name 2', pop: 'Population', BEF: 'Population',
    befolkning_2025: 'Population 2025', befolkning_2024: 'Population 2024',
    befolkning_65_plus_2025: 'Population 65+ 2025', category: 'Category', KATEGORI: 'Category',
    kommunnamn: 'Municipality', kommun: 'Municipality', mun_name: 'Municipality',
    mun_code: 'Municipality code', kommunkod: 'Municipality code', code: 'Code', lan_name: 'County',
    lan_code: 'County code', lanskod: 'County code', LANSKOD: 'County code', area: 'Area (ha)',
    AREASCB: 'Area (ha)', year: 'Year', chain: 'Chain', city: 'Town', postort: 'Post town',
    adress: 'Address', postnummer: 'Postcode', stop_name: 'Stop', linjer: 'Lines',
    linjetyper: 'Line types', linjenummer: 'Line number', route_long_name: 'Line name',
    klassificering: 'Class', genomsnitt_veckodag_avgangar: 'Departures per weekday',
    genomsnitt_dagliga_avgangar: 'Departures per day', antal_lordag_avgangar: 'Departures Saturday',
    antal_sondag_avgangar: 'Departures Sunday', genomsnitt_veckans_avgangar: 'Departures per week',
    antal_turer: 'Trips', desokod: 'DeSO code', regsokod: 'RegSO code', rutid: 'Cell id',
    referenstid: 'Reference time', nodnamn: 'Name', kommuntyp: 'Municipality type',
    'Populärnamn': 'Name', Regi: 'Operator', 'Ägare': 'Owner', 'Län': 'County', detaljtyp: 'Type',
    TATNR: 'Locality number', ADAT: 'Date',
  },
};

let current = localStorage.getItem('kartrum.lang') === 'en' ? 'en' : 'sv';
const listeners = [];

/** The current language, 'sv' or 'en'. */
export function lang() {
  return current;
}

/** The text for a key in the current language (the key itself when unknown). */
export function t(key) {
  return STRINGS[current][key] ?? STRINGS.sv[key] ?? key;
}

/** A person's label for an attribute name. */
export function fieldLabel(name) {
  return FIELD_LABELS[current][name] ?? name;
}

/** Formats a number the local way (space as thousands separator in Swedish). */
export function formatNumber(value, digits = 2) {
  return new Intl.NumberFormat(current === 'sv' ? 'sv-SE' : 'en-GB', {
    maximumFractionDigits: Number.isInteger(value) ? 0 : digits,
  }).format(value);
}

/** Formats today's (or a given) date as the locale writes it. */
export function formatDate(date = new Date()) {
  return new Intl.DateTimeFormat(current === 'sv' ? 'sv-SE' : 'en-GB', { dateStyle: 'long' }).format(date);
}

/** Calls `fn` after every language change. */
export function onLanguageChange(fn) {
  listeners.push(fn);
}

/** Switches the language and re-translates the page. */
export function setLanguage(next) {
  current = next === 'en' ? 'en' : 'sv';
  localStorage.setItem('kartrum.lang', current);
  translatePage();
  for (const fn of listeners) fn(current);
}

/** Applies data-i18n, data-i18n-placeholder, -title and -aria attributes. */
export function translatePage(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}
