// activity.js - the audit trail, newest first, through the Cloud Trace
// Service's ListTraces (GET /v3/{project_id}/traces?trace_type=system):
// filters for user, operation (trace_name) and time (from/to, epoch ms),
// kept in the URL, and paging with the answer's marker (next).
import { el, clear, refusal } from '../ui.js';

const LIMIT = 50;

// "2025-03-02T08:15" (a datetime-local value, local time) -> epoch ms.
function toMs(v) {
  if (!v) return '';
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : '';
}

function when(ms) {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? new Date(n).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : String(ms ?? '');
}

export async function render(root, ctx) {
  const p = ctx.params;
  const user = el('input', { id: 'a-user', value: p.get('user') || '', autocomplete: 'off' });
  const op = el('input', { id: 'a-op', value: p.get('trace_name') || '', autocomplete: 'off', placeholder: 'e.g. batchDeleteSubJobs' });
  const from = el('input', { id: 'a-from', type: 'datetime-local', value: p.get('from') || '' });
  const to = el('input', { id: 'a-to', type: 'datetime-local', value: p.get('to') || '' });
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filters' },
    el('div', {}, el('label', { for: 'a-user' }, 'User'), user),
    el('div', {}, el('label', { for: 'a-op' }, 'Operation'), op),
    el('div', {}, el('label', { for: 'a-from' }, 'From'), from),
    el('div', {}, el('label', { for: 'a-to' }, 'To'), to),
    el('div', {}, el('button', { type: 'submit' }, 'Apply')));
  const out = el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': 'Audit trail' });
  const more = el('div', {});
  root.append(el('h1', {}, 'Activity'), form, out, more);
  document.title = 'Activity - wksjobs console';
  const path = `/v3/${encodeURIComponent(ctx.projectId)}/traces`;

  function row(t) {
    const u = t.user || {};
    return el('tr', {},
      el('td', {}, when(t.time)),
      el('td', {}, String(u.name ?? '')),
      el('td', {}, String(t.trace_name ?? '')),
      el('td', {}, String(t.trace_type ?? '')),
      el('td', { class: 'mono' }, String(t.resource_id ?? '')),
      el('td', {}, String(t.code ?? '')),
      el('td', {}, String(t.source_ip ?? '')),
      el('td', { class: 'mono' }, String(t.request_id ?? '')));
  }

  async function load(marker, body) {
    const r = await ctx.api('GET', path, {
      query: {
        trace_type: 'system', limit: LIMIT, user: user.value.trim(), trace_name: op.value.trim(),
        from: toMs(from.value), to: toMs(to.value), next: marker,
      },
    });
    clear(more);
    if (r.status === 404 && r.body && r.body.error_code === 'APIGW.0101') {
      clear(out);
      out.append(el('p', { role: 'status' }, 'This server does not offer the audit trail (GET /v3/{project_id}/traces).'));
      return;
    }
    if (r.status !== 200) {
      if (!marker) clear(out);
      out.append(refusal(r, ctx, 'The audit trail could not be read'));
      return;
    }
    for (const t of r.body.traces || []) body.append(row(t));
    const m = r.body.meta_data || {};
    if (!marker && (r.body.traces || []).length === 0) out.append(el('p', {}, 'No activity matches.'));
    if (m.marker) more.append(el('button', { type: 'button', onclick: () => load(m.marker, body) }, 'Older'));
  }

  function first() {
    clear(out);
    const body = el('tbody', {});
    out.append(el('table', { class: 'grid' }, el('caption', {}, 'Audit trail, newest first'),
      el('thead', {}, el('tr', {}, ['Time', 'User', 'Operation', 'Type', 'Resource', 'Code', 'Source IP', 'Request ID'].map((h) => el('th', { scope: 'col' }, h)))),
      body));
    return load('', body);
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.navigate('activity', { user: user.value.trim(), trace_name: op.value.trim(), from: from.value, to: to.value }, { replace: true });
    first();
  });
  await first();
}
