// ui.js - what every page shares: building elements (values always as
// text, never as markup), the confirmation dialog, refusals shown with
// their code and message (and, for the account's root user, a Decode
// button for the encoded authorization message), progress bars.

/*
 * el('button', {type: 'button', onclick: f}, 'Retry'): attributes are set
 * one by one (on* as listeners); children are nodes or strings, and a
 * string is always a text node.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = String(v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Empty a node.
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

/*
 * Ask before a write: a modal dialog (role dialog) with the question and
 * the buttons Confirm and Cancel; resolves true on Confirm.  Escape is
 * Cancel.
 */
export function confirmDialog(title, text) {
  return new Promise((resolve) => {
    const heading = el('h2', { id: 'dialog-title' }, title);
    const confirm = el('button', { type: 'button', class: 'danger' }, 'Confirm');
    const cancel = el('button', { type: 'button' }, 'Cancel');
    const d = el('dialog', { 'aria-labelledby': 'dialog-title', 'aria-describedby': 'dialog-text' },
      heading, el('p', { id: 'dialog-text' }, text), el('div', { class: 'buttons' }, confirm, cancel));
    const done = (v) => {
      d.close();
      d.remove();
      resolve(v);
    };
    confirm.addEventListener('click', () => done(true));
    cancel.addEventListener('click', () => done(false));
    d.addEventListener('cancel', (ev) => { ev.preventDefault(); done(false); });
    document.body.append(d);
    d.showModal();
    cancel.focus();
  });
}

// Whether a confirmation dialog is open (refreshes wait for it).
export function dialogOpen() {
  return document.querySelector('dialog[open]') !== null;
}

// The code and message of an error answer, whatever service's shape.
export function errorParts(res) {
  const b = res.body && typeof res.body === 'object' ? res.body : {};
  if (b.error && typeof b.error === 'object') {
    return { code: String(b.error.code ?? res.status), message: String(b.error.message ?? ''), detail: '' };
  }
  return {
    code: String(b.error_code ?? res.status),
    message: String(b.error_msg ?? (typeof res.body === 'string' ? res.body : '')),
    detail: b.error_detail ? String(b.error_detail) : '',
    encoded: b.encoded_authorization_message ? String(b.encoded_authorization_message) : '',
  };
}

/*
 * A refusal as a block to show (role alert): "HTTP 403 WKS.00081102: the
 * message", the detail, and for the root user a Decode button that asks
 * the STS decode endpoint what the encoded authorization message says.
 */
export function refusal(res, ctx, what = 'The request was refused') {
  const p = errorParts(res);
  const box = el('div', { class: 'error', role: 'alert' },
    el('p', {}, el('strong', {}, `${what}: `), `HTTP ${res.status} `, el('code', {}, p.code), ` ${p.message}`));
  if (p.detail) box.append(el('p', { class: 'detail' }, p.detail));
  if (p.encoded && ctx && ctx.user && ctx.user.is_root) {
    const out = el('pre', { class: 'decoded' });
    const btn = el('button', {
      type: 'button',
      onclick: async () => {
        btn.disabled = true;
        const r = await ctx.api('POST', '/v5/decode-authorization-message', { body: { encoded_message: p.encoded } });
        btn.disabled = false;
        if (r.status !== 200) {
          out.replaceWith(refusal(r, null, 'Decoding failed'));
          return;
        }
        let text = String(r.body.decoded_message ?? '');
        try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown as it came */ }
        out.textContent = text;
      },
    }, 'Decode');
    box.append(el('p', {}, btn), out);
  }
  return box;
}

// A progress bar labelled "done / total" (a native progress element).
export function progressBar(done, total, label) {
  const pct = total > 0 ? Math.round((done / total) * 100) : 0;
  return el('span', { class: 'progress' },
    el('progress', { max: String(Math.max(total, 1)), value: String(done), 'aria-label': label }),
    el('span', { class: 'progress-text' }, `${done} / ${total} (${pct}%)`));
}

// A sub-job's entities as one line of text: "desktop_id: d-1 · user_name: a".
export function entityText(e) {
  if (!e || typeof e !== 'object') return '';
  return Object.entries(e).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}

// A status word as a badge (text only).
export function statusBadge(status) {
  return el('span', { class: `badge s-${String(status).replace(/[^A-Z]/g, '')}` }, String(status));
}
