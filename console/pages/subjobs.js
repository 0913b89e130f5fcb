// subjobs.js - the project's sub-jobs (ListItaSubJobs): filters for
// status, job type, job ID and desktop pool ID and the page, all kept in
// the URL (#/subjobs?status=FAILED&page=2&size=50); a refresh every 5 s
// while the tab is visible (one call), with a pause switch; SUCCESS and
// FAILED rows can be selected and deleted after a confirmation, in
// batches of 10 (BatchDeleteSubJobs), or all of one status at once.
import { el, clear, confirmDialog, dialogOpen, entityText, refusal, statusBadge } from '../ui.js';

const STATUSES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED'];
const SIZES = [20, 50, 100];
const BATCH = 10;
const REFRESH_MS = 5000;
const OFFSET_MAX = 10000;	// ListItaSubJobs' bound on offset
const DELETABLE = new Set(['SUCCESS', 'FAILED']);

export async function render(root, ctx) {
  const base = `/v2/${encodeURIComponent(ctx.projectId)}`;
  const p = ctx.params;
  const state = {
    status: STATUSES.includes(p.get('status')) ? p.get('status') : '',
    job_type: p.get('job_type') || '',
    job_id: p.get('job_id') || '',
    desktop_pool_id: p.get('desktop_pool_id') || '',
    size: SIZES.includes(Number(p.get('size'))) ? Number(p.get('size')) : SIZES[0],
    page: Math.max(1, Number.parseInt(p.get('page'), 10) || 1),
  };
  const selected = new Set();
  let rows = [];
  let total = 0;
  let timer = null;
  let busy = false;
  let working = false;	// a delete in progress: no refresh under it

  document.title = 'Sub-jobs - wksjobs console';
  const status = el('select', { id: 'f-status' }, el('option', { value: '' }, 'Any'),
    STATUSES.map((s) => el('option', { value: s, selected: s === state.status }, s)));
  const jobType = el('input', { id: 'f-type', value: state.job_type, autocomplete: 'off' });
  const jobId = el('input', { id: 'f-job', value: state.job_id, autocomplete: 'off' });
  const pool = el('input', { id: 'f-pool', value: state.desktop_pool_id, autocomplete: 'off' });
  const size = el('select', { id: 'f-size' }, SIZES.map((n) => el('option', { value: String(n), selected: n === state.size }, String(n))));
  const pause = el('input', { id: 'f-pause', type: 'checkbox', role: 'switch' });
  const filters = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filters' },
    el('div', {}, el('label', { for: 'f-status' }, 'Status'), status),
    el('div', {}, el('label', { for: 'f-type' }, 'Job type'), jobType),
    el('div', {}, el('label', { for: 'f-job' }, 'Job ID'), jobId),
    el('div', {}, el('label', { for: 'f-pool' }, 'Desktop pool ID'), pool),
    el('div', {}, el('label', { for: 'f-size' }, 'Rows per page'), size),
    el('div', { class: 'switch' }, pause, el('label', { for: 'f-pause' }, 'Pause refresh')));
  const delSel = el('button', { type: 'button', class: 'danger', disabled: true }, 'Delete selected');
  const delFailed = el('button', { type: 'button', class: 'danger' }, 'Delete all FAILED');
  const delSuccess = el('button', { type: 'button', class: 'danger' }, 'Delete all SUCCESS');
  const count = el('span', { class: 'muted', 'aria-live': 'polite' });
  const actions = el('div', { class: 'actions' }, delSel, count, delFailed, delSuccess);
  const notice = el('div', { class: 'notice', 'aria-live': 'polite' });
  const table = el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': 'Sub-jobs table' });
  const pager = el('nav', { class: 'pager', 'aria-label': 'Pages' });
  root.append(el('h1', {}, 'Sub-jobs'), filters, actions, notice, table, pager);

  // The view into the URL, without a new history entry per keystroke.
  function keepInUrl() {
    ctx.navigate('subjobs', {
      status: state.status, job_type: state.job_type, job_id: state.job_id,
      desktop_pool_id: state.desktop_pool_id,
      size: state.size === SIZES[0] ? '' : state.size, page: state.page === 1 ? '' : state.page,
    }, { replace: true });
  }

  function query(limit, offset) {
    return {
      status: state.status, job_type: state.job_type, job_id: state.job_id,
      desktop_pool_id: state.desktop_pool_id, limit, offset,
    };
  }

  function updateSelection() {
    delSel.disabled = selected.size === 0 || working;
    count.textContent = selected.size > 0 ? `${selected.size} selected` : '';
  }

  function drawTable() {
    clear(table);
    const head = el('tr', {},
      el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Select')),
      ['ID', 'Job type', 'Status', 'Entity', 'Begin time', 'End time', 'Error code'].map((h) => el('th', { scope: 'col' }, h)));
    const body = el('tbody', {});
    for (const r of rows) {
      let box = '';
      if (DELETABLE.has(r.status)) {
        box = el('input', {
          type: 'checkbox', 'aria-label': `Select ${r.id}`, checked: selected.has(r.id),
          onchange: (ev) => {
            if (ev.target.checked) selected.add(r.id);
            else selected.delete(r.id);
            updateSelection();
          },
        });
      }
      body.append(el('tr', { 'data-id': r.id },
        el('td', {}, box),
        el('td', { class: 'mono' }, r.id),
        el('td', {}, el('a', { href: `#/job/${encodeURIComponent(r.job_id)}`, title: `Job ${r.job_id}` }, r.job_type)),
        el('td', {}, statusBadge(r.status)),
        el('td', { class: 'entity' }, entityText(r.entities)),
        el('td', { class: 'nowrap' }, r.begin_time || ''),
        el('td', { class: 'nowrap' }, r.end_time || ''),
        el('td', { title: r.fail_reason || '' }, r.error_code || '')));
    }
    const caption = el('caption', {}, `${total} sub-jobs`);
    table.append(el('table', { class: 'grid' }, caption, el('thead', {}, head), body));
    if (rows.length === 0) table.append(el('p', {}, 'No sub-job matches.'));
  }

  function drawPager() {
    clear(pager);
    const pages = Math.max(1, Math.ceil(Math.min(total, OFFSET_MAX + state.size) / state.size));
    const go = (n) => () => { state.page = n; keepInUrl(); load(); };
    pager.append(
      el('button', { type: 'button', disabled: state.page <= 1, onclick: go(state.page - 1) }, 'Previous page'),
      el('span', { 'aria-live': 'polite' }, ` Page ${state.page} of ${pages} (${total} in all) `),
      el('button', { type: 'button', disabled: state.page >= pages, onclick: go(state.page + 1) }, 'Next page'));
  }

  async function load() {
    if (busy) return;
    busy = true;
    try {
      const r = await ctx.api('GET', `${base}/workspace-sub-jobs`,
        { query: query(state.size, (state.page - 1) * state.size) });
      if (r.status !== 200) {
        clear(table);
        table.append(refusal(r, ctx, 'The sub-jobs could not be read'));
        return;
      }
      rows = r.body.jobs;
      total = r.body.total_count;
      // Selections of rows no longer shown or no longer deletable go.
      const keep = new Set(rows.filter((x) => DELETABLE.has(x.status)).map((x) => x.id));
      for (const id of [...selected]) if (!keep.has(id)) selected.delete(id);
      drawTable();
      drawPager();
      updateSelection();
    } finally {
      busy = false;
    }
  }

  function refilter() {
    state.status = status.value;
    state.job_type = jobType.value.trim();
    state.job_id = jobId.value.trim();
    state.desktop_pool_id = pool.value.trim();
    state.size = Number(size.value);
    state.page = 1;
    selected.clear();
    keepInUrl();
    load();
  }
  let typing = null;
  for (const f of [status, size]) f.addEventListener('change', refilter);
  for (const f of [jobType, jobId, pool]) {
    f.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(refilter, 400); });
    f.addEventListener('change', () => { clearTimeout(typing); refilter(); });
  }
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(typing); refilter(); });

  // One write and what it says: null when it went through.
  async function deleteBody(body) {
    const r = await ctx.api('POST', `${base}/workspace-sub-jobs/batch-delete`, { body });
    return r.status === 200 ? null : r;
  }

  async function deleteSelected() {
    const ids = [...selected];
    if (ids.length === 0) return;
    if (!await confirmDialog('Delete sub-job records',
      `Delete the records of ${ids.length} selected sub-job${ids.length === 1 ? '' : 's'}? This cannot be undone.`)) return;
    working = true;
    updateSelection();
    clear(notice);
    const bar = el('progress', { max: String(ids.length), value: '0', 'aria-label': 'Deleting' });
    const said = el('span', {}, `Deleted 0 of ${ids.length}`);
    notice.append(bar, ' ', said);
    let done = 0;
    try {
      for (let i = 0; i < ids.length; i += BATCH) {
        const chunk = ids.slice(i, i + BATCH);
        const bad = await deleteBody({ job_ids: chunk });
        if (bad) {
          notice.append(refusal(bad, ctx, `The delete stopped after ${done} of ${ids.length}`));
          break;
        }
        done += chunk.length;
        for (const id of chunk) selected.delete(id);
        bar.value = done;
        said.textContent = `Deleted ${done} of ${ids.length}`;
      }
    } finally {
      working = false;
    }
    await load();
  }

  async function deleteAll(which) {
    if (!await confirmDialog(`Delete all ${which} sub-jobs`,
      `Delete the records of every ${which} sub-job of this project? This cannot be undone.`)) return;
    working = true;
    clear(notice);
    try {
      const bad = await deleteBody({ delete_by_status: which });
      notice.append(bad ? refusal(bad, ctx, `Deleting all ${which} was refused`) : el('span', {}, `Deleted every ${which} sub-job.`));
    } finally {
      working = false;
    }
    selected.clear();
    await load();
  }
  delSel.addEventListener('click', deleteSelected);
  delFailed.addEventListener('click', () => deleteAll('FAILED'));
  delSuccess.addEventListener('click', () => deleteAll('SUCCESS'));

  const tick = () => {
    if (!pause.checked && !document.hidden && !working && !dialogOpen()) load();
  };
  const onVisible = () => { if (!document.hidden) tick(); };
  document.addEventListener('visibilitychange', onVisible);
  await load();
  timer = setInterval(tick, REFRESH_MS);
  return () => {
    clearInterval(timer);
    clearTimeout(typing);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
