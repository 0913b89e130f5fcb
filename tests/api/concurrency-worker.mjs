// concurrency-worker.mjs - one client process of 96-concurrency: for a
// bounded time it creates jobs, claims and finishes sub-jobs, retries
// FAILED jobs and batch-deletes finished sub-jobs, and writes every
// answer it got (with the X-Request-Id, which is also the audit row's
// request_id) to a JSON file.
//   node concurrency-worker.mjs CONFIG.json OUT.json
import { readFileSync, writeFileSync } from 'node:fs';
import { byteSign, send } from './reliability-lib.mjs';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = process.argv[3];
const creds = { ak: cfg.ak, sk: cfg.sk };
const P = cfg.project;
const log = [];
const types = ['createDesktops', 'deleteDesktops', 'rebuildDesktops'];
const rnd = (a, b) => a + Math.floor(Math.random() * (b - a + 1));
const failedJobs = new Set();	// jobs in which we failed a sub-job
let finished = [];	// sub-jobs we finished, not yet in a delete

async function call(base, method, path, body, headers = {}) {
  const h = { 'Content-Type': 'application/json', ...headers };
  const sh = byteSign(base, { method, path, headers: h, body, creds });
  const r = await send(base, { method, path, headers: sh, body });
  return { status: r.status, rid: r.headers['x-request-id'], json: r.json, text: r.text };
}

async function create() {
  const n = rnd(1, 5);
  const body = JSON.stringify({ job_type: types[rnd(0, types.length - 1)],
    sub_jobs: Array.from({ length: n }, (_, i) => ({ entity: `c${cfg.id}-${i}` })) });
  const r = await call(cfg.internalUrl, 'POST', `/v1/internal/${P}/jobs`, body);
  log.push({ kind: 'create', rid: r.rid, status: r.status, job_id: r.json?.job_id, subs: r.json?.sub_job_ids });
}

async function claimAndFinish() {
  const r = await call(cfg.internalUrl, 'POST', '/v1/internal/sub-jobs/claim',
    JSON.stringify({ worker_id: `w${cfg.id}`, host: `10.0.0.${cfg.id}`, max: rnd(1, 10), lease_seconds: 120,
      project_ids: [P] }));
  const got = r.status === 200 ? r.json.sub_jobs.map((s) => [s.id, s.lease_id, s.job_id]) : [];
  log.push({ kind: 'claim', rid: r.rid, status: r.status, got });
  for (const [id, lease, jobId] of got) {
    const failed = Math.random() < 0.3;
    const body = failed ? { lease_id: lease, status: 'FAILED', error_code: 'WKS.0005', fail_reason: 'c' }
      : { lease_id: lease, status: 'SUCCESS' };
    const f = await call(cfg.internalUrl, 'POST', `/v1/internal/sub-jobs/${id}/finish`, JSON.stringify(body));
    log.push({ kind: 'finish', rid: f.rid, status: f.status, id, lease, result: body.status });
    if (f.status === 200) {
      // FAILED ones are mostly kept for retries; a few are deleted.
      if (!failed || Math.random() < 0.1) finished.push(id);
      if (failed) failedJobs.add(jobId);
    }
  }
}

async function retry() {
  const ids = [...failedJobs];
  if (ids.length === 0) return;
  const jobId = ids[rnd(0, ids.length - 1)];
  failedJobs.delete(jobId);
  const r = await call(cfg.publicUrl, 'POST', `/v2/${P}/workspace-jobs/${jobId}/actions`,
    JSON.stringify({ op_type: 'retry' }), { 'X-Project-Id': P });
  log.push({ kind: 'retry', rid: r.rid, status: r.status, job_id: jobId, text: r.status === 200 ? undefined : r.text });
}

async function del() {
  if (finished.length === 0) return;
  const n = rnd(1, Math.min(10, finished.length));
  const ids = finished.slice(0, n);
  finished = finished.slice(n);
  const r = await call(cfg.publicUrl, 'POST', `/v2/${P}/workspace-sub-jobs/batch-delete`,
    JSON.stringify({ job_ids: ids }), { 'X-Project-Id': P });
  log.push({ kind: 'delete', rid: r.rid, status: r.status, ids, text: r.status === 200 ? undefined : r.text });
}

const end = Date.now() + cfg.seconds * 1000;
let ops = 0;
while (Date.now() < end && ops < 100000) {
  const x = Math.random();
  if (x < 0.25) await create();
  else if (x < 0.7) await claimAndFinish();
  else if (x < 0.8) await retry();
  else await del();
  ops++;
}
writeFileSync(out, JSON.stringify(log));
