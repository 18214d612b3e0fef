// The web app's modules form a tree (no import circle), and none of them names a layer of the
// demo: which layer plays which part comes from the region profile (GET /api/profile).
//   node --test tests/web/imports.test.js

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT } from './harness.js';

const JS = path.join(ROOT, 'web', 'js');
const modules = readdirSync(JS).filter((f) => f.endsWith('.js')).sort();
const source = (file) => readFileSync(path.join(JS, file), 'utf8');

/** The `./x.js` modules that `text` imports (static `import … from` and `export … from`). */
export function localImports(text) {
  const found = new Set();
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]\.\/([^'"]+\.js)['"]/gms)) found.add(m[1]);
  for (const m of text.matchAll(/^\s*import\s+['"]\.\/([^'"]+\.js)['"]/gm)) found.add(m[1]);
  return [...found];
}

/** An import circle of `graph` (module → modules it imports) as a path, or null. */
export function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

test('findCycle finds a circle and passes a tree', () => {
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), null);
  assert.deepEqual(localImports("import { x } from './a.js';\nimport {\n  y,\n} from './b.js';\nexport { z } from './c.js';"), ['a.js', 'b.js', 'c.js']);
});

test('web/js has no import circle', () => {
  const graph = new Map(modules.map((f) => [f, localImports(source(f))]));
  for (const [file, imports] of graph) {
    for (const target of imports) assert.ok(modules.includes(target), `${file} imports ./${target}, which does not exist`);
  }
  assert.ok([...graph.values()].some((list) => list.length), 'the parser finds imports at all');
  const cycle = findCycle(graph);
  assert.equal(cycle, null, `import circle: ${cycle?.join(' → ')}`);
});

/** The layer ids of a manifest's `[[layer]]` tables. */
function manifestIds(file) {
  const text = readFileSync(path.join(ROOT, 'data', file), 'utf8');
  const ids = [];
  let inLayer = false;
  for (const line of text.split('\n')) {
    if (/^\s*\[/.test(line)) inLayer = /^\s*\[\[layer\]\]/.test(line);
    const m = inLayer && /^\s*id\s*=\s*"([^"]+)"/.exec(line);
    if (m) ids.push(m[1]);
  }
  return ids;
}

test('no layer id of the demo is written in web/js', () => {
  const ids = manifestIds('demo.toml');
  assert.ok(ids.length >= 10 && ids.includes('kommuner'), `the demo's ids are read: ${ids}`);
  const hits = [];
  for (const file of modules) {
    source(file).split('\n').forEach((line, i) => {
      // Field labels in i18n.js are keyed by field names (`befolkning_2025: 'Befolkning 2025'`):
      // names of fields, not of layers, so a key before a colon there is allowed. So is a
      // property of a server answer (`corridor.tatorter`, a field of the corridor API).
      const text = line.replace(/^\s*\/\/.*$/, '').replace(/(?<=[\w)\]?])\.[A-Za-z_]\w*/g, '.prop');
      for (const id of ids) {
        const quoted = new RegExp(`(['"\`/])${id}\\1|(['"\`])${id}(?=[/'"\`])`);
        const word = new RegExp(`\\b${id}\\b`);
        if (!word.test(text)) continue;
        const labelKey = file === 'i18n.js' && new RegExp(`^\\s*(?:['"]?)${id}(?:['"]?)\\s*:`).test(text);
        if (labelKey && !quoted.test(text.replace(new RegExp(`^\\s*['"]?${id}['"]?\\s*:`), ''))) continue;
        hits.push(`${file}:${i + 1}: ${id}`);
      }
    });
  }
  assert.deepEqual(hits, [], 'the region profile names the layers, not the code');
});
