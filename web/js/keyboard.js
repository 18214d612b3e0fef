// Keyboard shortcuts, the help overlay that lists them, the language switch and meeting mode
// (fullscreen, large type, no editing controls).

import { lang, setLanguage, t } from './i18n.js';

const SHORTCUTS = [
  [['?', 'F1'], 'shortcutHelp'],
  [['M'], 'shortcutMeeting'],
  [['←', '→', 'PgUp', 'PgDn'], 'shortcutViews'],
  [['/', 'S'], 'shortcutSearch'],
  [['L'], 'shortcutLayers'],
  [['K'], 'shortcutMap'],
  [['E'], 'shortcutExport'],
  [['D'], 'shortcutShare'],
  [['Shift', 'L'], 'shortcutLang'],
  [['Esc'], 'shortcutEscape'],
  [['Tab', 'Shift+Tab'], 'shortcutTab'],
];

function renderHelp() {
  const rows = SHORTCUTS.map(([keys, text]) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    const joiner = keys[0] === 'Shift' ? ' + ' : ' ';
    keys.forEach((k, i) => {
      if (i) th.append(joiner);
      const kbd = document.createElement('kbd');
      kbd.textContent = k;
      th.append(kbd);
    });
    const td = document.createElement('td');
    td.textContent = t(text);
    tr.append(th, td);
    return tr;
  });
  document.getElementById('shortcut-rows').replaceChildren(...rows);
}

/** Whether meeting mode is on. */
export function inMeeting() {
  return document.body.classList.contains('meeting');
}

/** Turns meeting mode on or off (fullscreen where the browser allows it). */
export function setMeeting(on, map) {
  document.body.classList.toggle('meeting', on);
  const button = document.getElementById('btn-meeting');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? t('meetingExit') : t('meeting');
  if (on && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
  if (!on && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
  // In meeting mode the arrow keys step through views, not pan the map.
  if (on) map.keyboard.disable();
  else map.keyboard.enable();
  requestAnimationFrame(() => map.resize());
  document.dispatchEvent(new CustomEvent('meetingchange', { detail: { on } }));
}

/** Wires shortcuts, help, language and meeting mode. */
export function initKeyboard(app, { views, toast, update }) {
  const map = app.map;
  const help = document.getElementById('help-dialog');
  const langButton = document.getElementById('btn-lang');
  const syncLang = () => {
    langButton.textContent = lang() === 'sv' ? 'English' : 'Svenska';
    langButton.lang = lang() === 'sv' ? 'en' : 'sv';
    document.getElementById('btn-meeting').textContent = inMeeting() ? t('meetingExit') : t('meeting');
    renderHelp();
  };
  syncLang();
  const toggleLang = () => {
    setLanguage(lang() === 'sv' ? 'en' : 'sv');
    syncLang();
    update();
  };
  langButton.addEventListener('click', toggleLang);
  const showHelp = () => {
    renderHelp();
    help.showModal();
  };
  document.getElementById('btn-help').addEventListener('click', showHelp);
  document.getElementById('btn-meeting').addEventListener('click', () => setMeeting(!inMeeting(), map));
  document.addEventListener('fullscreenchange', () => {
    if (!document.fullscreenElement && inMeeting()) setMeeting(false, map);
  });
  const share = async () => {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      toast(t('linkCopied'));
    } catch {
      prompt(t('linkShown'), url);
    }
  };
  document.getElementById('btn-share').addEventListener('click', share);

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const typing = target.matches?.('input, select, textarea, [contenteditable]') && target.type !== 'checkbox' && target.type !== 'range';
    if (document.querySelector('dialog[open]')) return;
    if (e.key === 'Escape') {
      if (app.popup?.isOpen()) app.popup.remove();
      else if (inMeeting()) setMeeting(false, map);
      return;
    }
    if (typing) return;
    const onMap = target === map.getCanvas();
    switch (e.key) {
      case 'PageDown':
        e.preventDefault();
        views.next();
        return;
      case 'PageUp':
        e.preventDefault();
        views.previous();
        return;
      case 'ArrowRight':
      case 'ArrowLeft':
        // On the focused map (outside meeting mode) arrows pan; elsewhere they step views.
        if (onMap && !inMeeting()) return;
        if (target.type === 'range') return;
        e.preventDefault();
        if (e.key === 'ArrowRight') views.next();
        else views.previous();
        return;
      case '?':
      case 'F1':
        e.preventDefault();
        showHelp();
        return;
      case 'm':
      case 'M':
        e.preventDefault();
        setMeeting(!inMeeting(), map);
        return;
      case '/':
      case 's':
      case 'S':
        if (inMeeting()) return;
        e.preventDefault();
        document.getElementById('search-input').focus();
        return;
      case 'l':
        if (inMeeting()) return;
        e.preventDefault();
        document.querySelector('#layer-list input')?.focus();
        return;
      case 'L':
        e.preventDefault();
        toggleLang();
        return;
      case 'k':
      case 'K':
        e.preventDefault();
        map.getCanvas().focus();
        return;
      case 'e':
      case 'E':
        if (inMeeting()) return;
        e.preventDefault();
        document.getElementById('btn-export').click();
        return;
      case 'd':
      case 'D':
        e.preventDefault();
        share();
        return;
      default:
    }
  });
}
