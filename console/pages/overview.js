// overview.js - the project at a glance: its sub-jobs by status (four
// figures and one bar of their shares) and the jobs in progress, each with
// a progress bar (done / total), from ListItaSubJobs (one count per
// status, the RUNNING and WAITING sub-jobs grouped by job) and ShowJob.
import { el, clear, refusal, progressBar } from '../ui.js';

const STATUSES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED'];
const JOBS_SHOWN = 20;
const REFRESH_MS = 5000;

export async function render(root, ctx) {
  const base = `/v2/${encodeURIComponent(ctx.projectId)}`;
  const figures = el('section', { 'aria-labelledby': 'fig-h' });
  const jobs = el('section', { 'aria-labelledby': 'jobs-h' });
  root.append(el('h1', {}, 'Overview'), figures, jobs);
  document.title = 'Overview - wksjobs console';
  let timer = null;
  let busy = false;

  async function counts() {
    const rs = await Promise.all(STATUSES.map((s) =>
      ctx.api('GET', `${base}/workspace-sub-jobs`, { query: { status: s, limit: 0 } })));
    const bad = rs.find((r) => r.status !== 200);
    clear(figures);
    figures.append(el('h2', { id: 'fig-h' }, 'Sub-jobs by status'));
    if (bad) {
      figures.append(refusal(bad, ctx, 'The counts could not be read'));
      return;
    }
    const n = Object.fromEntries(STATUSES.map((s, i) => [s, rs[i].body.total_count]));
    const total = STATUSES.reduce((a, s) => a + n[s], 0);
    figures.append(el('dl', { class: 'figures' }, STATUSES.map((s) =>
      el('div', { class: `figure s-${s}` }, el('dt', {}, s), el('dd', { 'data-status': s }, String(n[s]))))));
    const bar = el('div', { class: 'share', role: 'img', 'aria-label': STATUSES.map((s) => `${s} ${n[s]}`).join(', ') });
    for (const s of STATUSES) {
      if (n[s] === 0) continue;
      const seg = el('span', { class: `seg s-${s}`, title: `${s}: ${n[s]}` });
      seg.style.flexGrow = String(n[s]);
      bar.append(seg);
    }
    figures.append(bar, el('p', { class: 'muted' }, `${total} sub-jobs in all`));
  }

  async function inProgress() {
    const r = await ctx.api('GET', `${base}/workspace-sub-jobs`, { query: { status: ['RUNNING', 'WAITING'], limit: 1000 } });
    clear(jobs);
    jobs.append(el('h2', { id: 'jobs-h' }, 'Jobs in progress'));
    if (r.status !== 200) {
      jobs.append(refusal(r, ctx, 'The jobs in progress could not be read'));
      return;
    }
    const ids = [];
    for (const sj of r.body.jobs) if (!ids.includes(sj.job_id)) ids.push(sj.job_id);
    if (ids.length === 0) {
      jobs.append(el('p', {}, 'No job is in progress.'));
      return;
    }
    const shown = ids.slice(0, JOBS_SHOWN);
    const shows = await Promise.all(shown.map((id) =>
      ctx.api('GET', `${base}/workspace-jobs/${encodeURIComponent(id)}`)));
    const list = el('ul', { class: 'jobs' });
    shows.forEach((s, i) => {
      if (s.status !== 200) {
        list.append(el('li', {}, refusal(s, ctx, `Job ${shown[i]}`)));
        return;
      }
      const j = s.body;
      const done = j.sub_jobs.filter((x) => x.status === 'SUCCESS' || x.status === 'FAILED').length;
      list.append(el('li', {},
        el('a', { href: `#/job/${encodeURIComponent(j.id)}` }, `${j.job_type} ${j.id}`),
        ' ', el('span', { class: 'muted' }, j.status), ' ',
        progressBar(done, j.sub_jobs_total, `Progress of job ${j.id}`)));
    });
    jobs.append(list);
    if (ids.length > JOBS_SHOWN) jobs.append(el('p', { class: 'muted' }, `and ${ids.length - JOBS_SHOWN} more jobs`));
  }

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try { await Promise.all([counts(), inProgress()]); } finally { busy = false; }
  }
  await refresh();
  timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}
