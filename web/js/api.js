// Talking to the kartrum server: reads and writes with the bearer token the user entered (kept
// for the browser session). A read token shows internal layers; the write token also writes.

const TOKEN_KEY = 'kartrum.token';
const tokenListeners = new Set();

/** `headers` with `Authorization: Bearer` when the user has entered a token. */
export function authHeaders(headers = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

/** Calls `fn` whenever the token changes (the catalog the server shows may change with it). */
export function onTokenChange(fn) {
  tokenListeners.add(fn);
}

function storeToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  tokenListeners.forEach((fn) => fn(token));
}

/** Asks for a token (read or write) and keeps it; resolves to it, or null when cancelled. */
export async function enterToken() {
  const token = await askToken();
  if (token) storeToken(token);
  return token;
}

/** GET a JSON document; throws with the server's problem detail on failure. */
export async function getJSON(url) {
  const response = await fetch(url, { headers: authHeaders({ Accept: 'application/json' }) });
  if (!response.ok) throw new Error(await problem(response));
  return response.json();
}

async function problem(response) {
  try {
    const body = await response.json();
    return body.detail || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/** Asks for the token in the token dialog; resolves to the token or null. */
function askToken() {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  input.value = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok' && input.value.trim() ? input.value.trim() : null);
    }, { once: true });
    dialog.showModal();
    input.focus();
  });
}

/**
 * A write (POST/PUT/DELETE) with `Authorization: Bearer`. Asks for the token when none is known
 * or the server refuses it. Resolves to the parsed JSON body (or null for 204).
 */
export async function send(method, url, body) {
  let token = sessionStorage.getItem(TOKEN_KEY);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!token) {
      token = await askToken();
      if (!token) throw new Error('no token');
      storeToken(token);
    }
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // Refused (e.g. a read token): ask for the write token, keeping the one entered until then.
    if (response.status === 401) {
      token = null;
      continue;
    }
    if (!response.ok) throw new Error(await problem(response));
    return response.status === 204 ? null : response.json();
  }
  throw new Error('the token was refused');
}
