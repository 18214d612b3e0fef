// Map input for drawing and picking (the corridor's line and railways, the scenario builder's
// homes, roads, links and services): one mode at a time for the whole map. While a mode is on,
// clicks go to it instead of popups, a double-click or Enter finishes it, Esc leaves it, Backspace
// takes back the last item and, on the focused map, Space adds the map's centre; the hint says
// how. The panels get the one controller through their context.

/**
 * The controller of `app.map`'s input; `update` re-renders (the modes draw what they collect).
 * A mode is {button?, hint() → text, cursor, begin?(), add(lngLat, point), pop(), finish(), end?()}:
 * `finish` decides what the mode made (and usually stops it), `end` runs whenever it stops.
 */
export function mapInput(app, update) {
  const map = app.map;
  const hint = document.getElementById('draw-hint');
  let current = null;

  const stop = () => {
    if (!current) return;
    const mode = current;
    current = null;
    mode.button?.setAttribute('aria-pressed', 'false');
    mode.end?.();
    app.drawing = false;
    map.doubleClickZoom.enable();
    map.getCanvas().style.cursor = '';
    hint.hidden = true;
    update({ keepPanel: true });
  };
  const start = (mode) => {
    stop();
    current = mode;
    mode.begin?.();
    app.drawing = true;
    app.popup?.remove();
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = mode.cursor;
    mode.button?.setAttribute('aria-pressed', 'true');
    hint.textContent = mode.hint();
    hint.hidden = false;
    update({ keepPanel: true });
  };
  const add = (lngLat, point) => {
    current.add(lngLat, point);
    update({ keepPanel: true });
  };

  map.on('click', (e) => {
    // The second click of a double-click (which finishes) adds nothing.
    if (current && !(e.originalEvent?.detail > 1)) add(e.lngLat, e.point);
  });
  map.on('dblclick', (e) => {
    if (!current) return;
    e.preventDefault();
    current.finish();
  });
  document.addEventListener('keydown', (e) => {
    if (!current) return;
    if (e.key === 'Enter') current.finish();
    else if (e.key === 'Escape') stop();
    else if (e.key === 'Backspace' && !e.target.matches?.('input, select, textarea')) {
      current.pop();
      update({ keepPanel: true });
    } else if (e.key === ' ' && e.target === map.getCanvas()) {
      const c = map.getCanvas();
      const point = { x: c.clientWidth / 2, y: c.clientHeight / 2 };
      add(map.unproject(point), point);
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }, true);

  return {
    start,
    stop,
    /** The mode that is on (null: none). */
    active: () => current,
    /** Words the hint of the mode that is on again (the language changed). */
    translate: () => {
      if (current) hint.textContent = current.hint();
    },
  };
}
