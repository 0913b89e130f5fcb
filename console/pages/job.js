// job.js - one job (ShowJob): its fields, derived status, progress, its
// sub-jobs with their error codes, fail reasons and entities, and Retry
// on a FAILED job (RunActionsOnWorkspaceJob) after a confirmation.
import { el, clear, confirmDialog, entityText, refusal, progressBar, statusBadge } from '../ui.js';

const REFRESH_MS = 5000;

export async function render(root, ctx) {
  const id = ctx.arg;
  const path = `/v2/${encodeURIComponent(ctx.projectId)}/workspace-jobs/${encodeURIComponent(id)}`;
  const head = el('h1', {}, 'Job ', el('span', { class: 'mono' }, id));
  const notice = el('div', { class: 'notice', 'aria-live': 'polite' });
  const body = el('div', {});
  root.append(el('p', {}, el('a', { href: '#/subjobs' }, 'Back to sub-jobs')), head, notice, body);
  document.title = `Job ${id} - wksjobs console`;
  let timer = null;
  let job = null;
  let working = false;

  async function retry() {
    if (!await confirmDialog('Retry the job', `Run the FAILED sub-jobs of job ${id} again?`)) return;
    working = true;
    clear(notice);
    const r = await ctx.api('POST', `${path}/actions`, { body: { op_type: 'retry' } });
    working = false;
    notice.append(r.status === 200 ? el('span', {}, 'The job runs again.') : refusal(r, ctx, 'The retry was refused'));
    await load();
  }

  function draw() {
    clear(body);
    const done = job.sub_jobs.filter((x) => x.status === 'SUCCESS' || x.status === 'FAILED').length;
    const fields = [
      ['Job type', job.job_type], ['Status', statusBadge(job.status)],
      ['Begin time', job.begin_time || ''], ['End time', job.end_time || ''],
      ['Error code', job.job_error_code || ''], ['Fail reason', job.fail_reason || ''],
      ['Sub-jobs', String(job.sub_jobs_total)],
      ['Progress', progressBar(done, job.sub_jobs_total, 'Job progress')],
    ];
    body.append(el('dl', { class: 'fields' }, fields.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v)))));
    if (job.status === 'FAILED') {
      body.append(el('p', {}, el('button', { type: 'button', onclick: retry, disabled: working }, 'Retry')));
    }
    const rows = job.sub_jobs.map((s) => el('tr', {},
      el('td', { class: 'mono' }, s.id), el('td', {}, statusBadge(s.status)),
      el('td', { class: 'entity' }, entityText(s.entities)),
      el('td', {}, s.error_code || ''), el('td', {}, s.fail_reason || ''),
      el('td', {}, s.begin_time || ''), el('td', {}, s.end_time || '')));
    body.append(el('table', { class: 'grid' }, el('caption', {}, 'Sub-jobs of the job'),
      el('thead', {}, el('tr', {}, ['ID', 'Status', 'Entity', 'Error code', 'Fail reason', 'Begin time', 'End time'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
  }

  async function load() {
    const r = await ctx.api('GET', path);
    if (r.status !== 200) {
      clear(body);
      body.append(refusal(r, ctx, 'The job could not be read'));
      return;
    }
    job = r.body;
    draw();
  }

  await load();
  timer = setInterval(() => {
    // Only a job that runs changes by itself.
    const live = job && (job.status === 'RUNNING' || job.status === 'WAITING');
    if (live && !document.hidden && !working && !document.querySelector('dialog[open]')) load();
  }, REFRESH_MS);
  return () => clearInterval(timer);
}
