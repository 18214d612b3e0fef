// Talking to the kartrum server: JSON reads, and writes with the bearer token (asked once and
// kept for the browser session).

const TOKEN_KEY = 'kartrum.token';

/** GET a JSON document; throws with the server's problem detail on failure. */
export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
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
  for (let attempt = 0; attempt < 3; attempt++) {
    let token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      token = await askToken();
      if (!token) throw new Error('no token');
      sessionStorage.setItem(TOKEN_KEY, token);
    }
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      continue;
    }
    if (!response.ok) throw new Error(await problem(response));
    return response.status === 204 ? null : response.json();
  }
  throw new Error('the token was refused');
}
