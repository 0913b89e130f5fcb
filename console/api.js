// api.js - every call the console makes: the service's own routes with
// the session cookie (sent by the browser, never seen by JavaScript), the
// session's CSRF value on every write, and a 401 handed to the app, which
// shows the login page with a message.
let csrf = '';
let onUnauthorized = () => {};

// The session's CSRF value (from the login or /console/api/session).
export function setCsrf(value) {
  csrf = value || '';
}

// What to do when a call answers 401 (the session expired or was revoked).
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// The query string of an object; arrays repeat their key, empty values
// and undefined are left out.
export function queryString(query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== undefined && one !== null && one !== '') q.append(k, String(one));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/*
 * One call: api('GET', '/v2/p/workspace-sub-jobs', {query: {limit: 20}})
 * -> {status, headers, body}; body is the parsed JSON, the text when it
 * is not JSON, or null when empty.  A network failure is status 0.
 */
export async function api(method, path, { query, body, quiet401 } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path + queryString(query), init);
  } catch (e) {
    return { status: 0, headers: new Headers(), body: { error_msg: `The service did not answer: ${e.message}` } };
  }
  const text = await res.text();
  let parsed = null;
  if (text !== '') {
    try { parsed = JSON.parse(text); } catch { parsed = text; }
  }
  const out = { status: res.status, headers: res.headers, body: parsed };
  if (res.status === 401 && !quiet401) onUnauthorized(out);
  return out;
}
