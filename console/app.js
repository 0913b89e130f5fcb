// app.js - the console's shell: the session (GET /console/api/session on
// start, the login form when there is none), the hash router
// (#/overview, #/subjobs?status=FAILED&page=2, #/job/<id>, #/activity,
// #/explorer), and the context every page's render(root, ctx) receives:
// {api, projectId, user, openapi(), params, navigate}.
import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { el, clear, errorParts } from './ui.js';

const PAGES = {
  overview: './pages/overview.js',
  subjobs: './pages/subjobs.js',
  job: './pages/job.js',
  activity: './pages/activity.js',
  explorer: './pages/explorer.js',
};

const main = document.getElementById('main');
const top = document.getElementById('top');
let session = null;
let openapiDoc = null;
let stopPage = null;	// what the current page returned to stop itself

// /openapi.json, fetched once when a page first asks for it.
function openapi() {
  if (!openapiDoc) {
    openapiDoc = fetch('/openapi.json', { cache: 'no-store' }).then((r) => {
      if (!r.ok) throw new Error(`GET /openapi.json answered ${r.status}`);
      return r.json();
    });
    openapiDoc.catch(() => { openapiDoc = null; });
  }
  return openapiDoc;
}

// "#/subjobs?status=FAILED" -> {name: 'subjobs', arg: '', params}
function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, qs] = h.split('?', 2);
  const [name, ...rest] = path.split('/');
  return { name: name || 'overview', arg: decodeURIComponent(rest.join('/')), params: new URLSearchParams(qs || '') };
}

// Go to a view: "subjobs", {status: 'FAILED'} -> #/subjobs?status=FAILED
export function navigate(name, params = {}, { replace = false } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const hash = `#/${name}${q.toString() ? `?${q}` : ''}`;
  if (replace) history.replaceState(null, '', hash);
  else location.hash = hash;
}

function stop() {
  if (stopPage) {
    try { stopPage(); } catch { /* a page that fails to stop is gone anyway */ }
  }
  stopPage = null;
}

// ---- login ----------------------------------------------------------------

function showLogin(message) {
  stop();
  session = null;
  setCsrf('');
  top.hidden = true;
  clear(main);
  document.title = 'Log in - wksjobs console';
  const err = el('div', { class: 'error', role: 'alert', hidden: !message }, message || '');
  const account = el('input', { id: 'account', name: 'account', autocomplete: 'organization', required: true });
  const user = el('input', { id: 'user', name: 'user', autocomplete: 'username', required: true });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const project = el('input', { id: 'project', name: 'project', placeholder: 'the first project' });
  const button = el('button', { type: 'submit' }, 'Log in');
  const form = el('form', { class: 'login', novalidate: true },
    el('h1', {}, 'wksjobs console'),
    err,
    el('label', { for: 'account' }, 'Account'), account,
    el('label', { for: 'user' }, 'User name'), user,
    el('label', { for: 'password' }, 'Password'), password,
    el('label', { for: 'project' }, 'Project (optional)'), project,
    button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!account.value || !user.value || !password.value) {
      err.textContent = 'Account, user name and password are all needed.';
      err.hidden = false;
      return;
    }
    button.disabled = true;
    const body = { account: account.value, user: user.value, password: password.value };
    if (project.value) body.project = project.value;
    const r = await api('POST', '/console/api/login', { body, quiet401: true });
    button.disabled = false;
    password.value = '';
    if (r.status !== 200) {
      const p = errorParts(r);
      err.textContent = `Login failed: ${p.message || `HTTP ${r.status}`}`;
      err.hidden = false;
      password.focus();
      return;
    }
    start(r.body);
  });
  main.append(form);
  (message ? password : account).focus();
}

// A 401 from any call: the session expired or was revoked.
setUnauthorizedHandler((res) => {
  if (!session) return;
  const p = errorParts(res);
  showLogin(`Your session has ended (${p.message || 'HTTP 401'}). Log in again.`);
});

// ---- the shell ------------------------------------------------------------

function start(s) {
  session = s;
  setCsrf(s.csrf_token);
  const who = document.getElementById('who');
  who.textContent = `${s.user.name} @ ${s.domain.name}${s.project ? ` / project ${s.project.name}` : ''}`;
  top.hidden = false;
  route();
}

async function logout() {
  const btn = document.getElementById('logout');
  btn.disabled = true;
  await api('POST', '/console/api/logout', { quiet401: true });
  btn.disabled = false;
  history.replaceState(null, '', '#/overview');
  showLogin('You are logged out.');
}

async function route() {
  if (!session) return;
  stop();
  const { name, arg, params } = parseHash();
  const page = PAGES[name] ? name : 'overview';
  for (const a of top.querySelectorAll('nav a')) {
    const cur = a.dataset.route === page || (page === 'job' && a.dataset.route === 'subjobs');
    if (cur) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  if (!session.project) {
    main.append(el('p', { class: 'error', role: 'alert' }, 'This account has no project: create one (wksjobs admin project create) and log in again.'));
    return;
  }
  const ctx = {
    api, projectId: session.project.id, user: { ...session.user, domain: session.domain, is_root: session.is_root },
    openapi, params, arg, navigate,
  };
  try {
    const mod = await import(PAGES[page]);
    if (parseHash().name !== name) return;	// navigated away meanwhile
    const r = await mod.render(main, ctx);
    stopPage = typeof r === 'function' ? r : null;
  } catch (e) {
    main.append(el('p', { class: 'error', role: 'alert' }, `This page failed: ${e.message}`));
  }
}

document.getElementById('logout').addEventListener('click', logout);
window.addEventListener('hashchange', route);

// On load: the session the cookie holds, if any.
(async () => {
  const r = await api('GET', '/console/api/session', { quiet401: true });
  if (r.status === 200) {
    start(r.body);
    return;
  }
  const p = errorParts(r);
  // An expired or revoked token says so; no cookie at all is no news.
  showLogin(p.code === 'APIGW.0307' ? 'Your session has expired. Log in again.' : '');
})();
