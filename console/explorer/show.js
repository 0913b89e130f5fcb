// explorer/show.js - how the API Explorer shows a call: the request's
// headers with every credential masked (the session cookie, the CSRF
// token, X-Auth-Token, signatures), the answer's headers the same way,
// and bodies pretty-printed.  Pure functions, no DOM.

// Headers whose values are credentials: shown masked, never in clear.
const SECRET = new Set(['cookie', 'set-cookie', 'x-csrf-token', 'x-auth-token', 'x-subject-token',
  'authorization', 'proxy-authorization']);

export const MASK = '••••••••';

// true when the header called name carries a credential.
export function isSecretHeader(name) {
  return SECRET.has(String(name).toLowerCase());
}

// Headers (a Headers object, a Map, [[name, value]] or a plain object)
// as [[name, value]], sorted by name, secrets masked.
export function maskHeaders(headers) {
  let pairs = [];
  if (!headers)
    pairs = [];
  else if (Array.isArray(headers))
    pairs = headers.map(([k, v]) => [k, v]);
  else if (typeof headers.forEach === 'function' && typeof headers.get === 'function')
    headers.forEach((v, k) => pairs.push([k, v]));
  else
    pairs = Object.entries(headers);
  return pairs
    .map(([k, v]) => [String(k), isSecretHeader(k) ? MASK : String(v)])
    .sort((a, b) => a[0].toLowerCase().localeCompare(b[0].toLowerCase()));
}

/*
 * What the explorer sends for req (form.js buildRequest), as it can be
 * shown: { method, url, headers }.  The console's api() adds the
 * session cookie and, on a write, X-CSRF-Token: both appear, masked.
 */
export function requestPreview(req, origin = '') {
  const headers = [['Accept', 'application/json'], ['Cookie', 'session']];
  if (req.body !== undefined)
    headers.push(['Content-Type', 'application/json']);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    headers.push(['X-CSRF-Token', 'session']);
  return { method: req.method, url: origin + req.url, headers: maskHeaders(headers) };
}

// A body as text to show: JSON indented by two spaces, other text as it
// is, nothing as "(no body)".
export function prettyBody(body) {
  if (body === undefined || body === null || body === '')
    return '(no body)';
  if (typeof body === 'string') {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return JSON.stringify(body, null, 2);
}

// [[name, value]] as "Name: value" lines.
export function headerLines(pairs) {
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\n');
}
