// soak.mjs - the load of `make soak` (scripts/soak.sh): sub-jobs go
// create -> claim -> finish -> delete through the nodes given, first as
// fast as WORKERS workers can for PEAK_SECONDS (the peak rate), then for
// MINUTES at RATIO of that rate.  Every SAMPLE_SECONDS it writes a CSV
// row: table and index sizes of sub_jobs, jobs and audit_events (psql on
// DATABASE_URL), dead tuples of sub_jobs, claim p50/p99 of the interval
// and the sub-jobs completed per second.
//   node bench/soak.mjs CONFIG.json OUT.csv
// CONFIG: { nodes: [{ publicUrl, internalUrl }], ak, sk, project, database,
//           minutes, peakSeconds, sampleSeconds, ratio, workers }
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { byteSign, send } from '../tests/api/reliability-lib.mjs';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = process.argv[3];
const creds = { ak: cfg.ak, sk: cfg.sk };
const P = cfg.project;
const PER_JOB = 10;	// sub-jobs per create, claims and deletes of 10
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One signed request (reliability-lib send: its answer checked against
// docs/openapi.yaml); { status, json } (status 0: no answer).
async function request(base, method, path, body) {
  const headers = byteSign(base, { method, path, body,
    headers: { 'Content-Type': 'application/json', 'X-Project-Id': P }, creds });
  try {
    return await send(base, { method, path, headers, body });
  } catch {
    return { status: 0, json: null };
  }
}

let rr = 0;
const node = () => cfg.nodes[(rr++) % cfg.nodes.length];
const stats = { claimMs: [], done: 0, errors: 0 };

// One cycle of PER_JOB sub-jobs; false when a step failed.
async function cycle(worker) {
  const n = node();
  const subs = Array.from({ length: PER_JOB }, (_, i) => ({ entity: `soak-${worker}-${i}` }));
  const c = await request(n.internalUrl, 'POST', `/v1/internal/${P}/jobs`,
    JSON.stringify({ job_type: 'createDesktops', sub_jobs: subs }));
  if (c.status !== 201) return false;
  const t0 = performance.now();
  const cl = await request(node().internalUrl, 'POST', '/v1/internal/sub-jobs/claim',
    JSON.stringify({ worker_id: `soak-${worker}`, max: PER_JOB, lease_seconds: 120, project_ids: [P] }));
  stats.claimMs.push(performance.now() - t0);
  if (cl.status !== 200) return false;
  const ids = [];
  for (const s of cl.json.sub_jobs) {
    const f = await request(node().internalUrl, 'POST', `/v1/internal/sub-jobs/${s.id}/finish`,
      JSON.stringify({ lease_id: s.lease_id, status: 'SUCCESS' }));
    if (f.status !== 200) return false;
    ids.push(s.id);
  }
  if (ids.length > 0) {
    const d = await request(node().publicUrl, 'POST', `/v2/${P}/workspace-sub-jobs/batch-delete`,
      JSON.stringify({ job_ids: ids }));
    if (d.status !== 200) return false;
  }
  stats.done += ids.length;
  return true;
}

// WORKERS loops until `until`; rate: sub-jobs per second in all (0: flat out).
async function drive(until, rate) {
  const interval = rate > 0 ? (cfg.workers * PER_JOB * 1000) / rate : 0;
  await Promise.all(Array.from({ length: cfg.workers }, async (_, w) => {
    let next = Date.now() + Math.random() * interval;
    while (Date.now() < until) {
      if (interval > 0) {
        const wait = next - Date.now();
        if (wait > 0) await sleep(Math.min(wait, until - Date.now()));
        if (Date.now() >= until) break;
        next += interval;
      }
      if (!(await cycle(w))) { stats.errors += 1; await sleep(100); }
    }
  }));
}

function psql(sql) {
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-F', ',', '-d', cfg.database, '-c', sql],
    { encoding: 'utf8', timeout: 60000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

const TABLES = ['sub_jobs', 'jobs', 'audit_events'];
const SIZES = TABLES.map((t) => `coalesce(pg_relation_size(to_regclass('${t}')), 0),` +
  `coalesce(pg_indexes_size(to_regclass('${t}')), 0)`).join(',');
const DEAD = "coalesce((SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'sub_jobs'), 0)";

function pct(xs, p) {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// ---- the peak, then the soak ---------------------------------------------
const peakStart = Date.now();
await drive(peakStart + cfg.peakSeconds * 1000, 0);
const peak = stats.done / ((Date.now() - peakStart) / 1000);
const rate = peak * cfg.ratio;
console.log(`soak: peak ${peak.toFixed(0)} sub-jobs/s (create, claim, finish, delete; ${cfg.workers} workers); ` +
  `soaking at ${rate.toFixed(0)}/s for ${cfg.minutes} min, a sample every ${cfg.sampleSeconds} s`);
writeFileSync(out, 'elapsed_s,sub_jobs_bytes,sub_jobs_index_bytes,jobs_bytes,jobs_index_bytes,' +
  'audit_events_bytes,audit_events_index_bytes,sub_jobs_dead_tuples,claim_p50_ms,claim_p99_ms,sub_jobs_per_s,errors\n');
const t0 = Date.now();
const end = t0 + cfg.minutes * 60000;
const sampler = (async () => {
  let last = Date.now();
  while (Date.now() < end) {
    await sleep(Math.min(cfg.sampleSeconds * 1000, Math.max(0, end - Date.now())));
    const lat = stats.claimMs;
    const done = stats.done;
    const errors = stats.errors;
    stats.claimMs = [];
    stats.done = 0;
    stats.errors = 0;
    const now = Date.now();
    const row = [Math.round((now - t0) / 1000), psql(`SELECT ${SIZES}, ${DEAD}`) || ',,,,,,',
      pct(lat, 50).toFixed(2), pct(lat, 99).toFixed(2), (done / ((now - last) / 1000)).toFixed(1), errors];
    last = now;
    appendFileSync(out, `${row.join(',')}\n`);
    console.log(`soak: ${row.join(',')}`);
  }
})();
stats.claimMs = [];
stats.done = 0;
stats.errors = 0;
await drive(end, rate);
await sampler;
