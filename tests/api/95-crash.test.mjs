// 95-crash: crash safety.  Clients create jobs, claim and
// finish sub-jobs and batch-delete finished ones while the server is killed
// with SIGKILL at random moments (at least 50 times, bounded at ~75 s) and
// restarted on the same data directory each time.  Afterwards, with the
// server stopped, the database file passes PRAGMA integrity_check and
// foreign_key_check (sqlite3 shell), and:
//   - every create that got 201 exists, with its sub-jobs (unless a delete
//     that may have run took them), and an X-Client-Token retried after a
//     lost answer never made a second job;
//   - every finish that got 200 stuck (SUCCESS/FAILED, or deleted later);
//   - every delete that got 200 is complete, and no batch - answered or
//     lost - is half-deleted (each sub-job is in at most one batch);
//   - every job's per-status counts match its sub-jobs, and the per-project
//     counts match the rows; restarted once more, the API agrees.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { initData, clients } from './lib.mjs';
import { sleep } from './helpers.mjs';
import { byteSign, send, serveOn, sqlite, sqlite3Available, jobsWithWrongCounts } from './reliability-lib.mjs';

const KILLS_MIN = 50;
const TIME_MAX_MS = 75000;
const CLIENTS = 4;

let env;
let srv;
const ports = {};

after(async () => {
  if (srv) await srv.kill();
  if (env) rmSync(env.dir, { recursive: true, force: true });
});

// Start (again) on the same ports, so the clients keep their endpoints.
async function boot() {
  let last;
  for (let i = 0; i < 40; i++) {
    try {
      const s = await serveOn(env, { pub: ports.pub ?? 0, int: ports.int ?? 0, extra: ['--rate-limit', '0'] });
      ports.pub = s.pubPort;
      ports.int = s.intPort;
      return s;
    } catch (e) {
      last = e;	// the port may still be held for a moment
      await sleep(50);
    }
  }
  throw last;
}

const hex = (n) => randomBytes(n).toString('hex');
const rnd = (a, b) => a + Math.floor(Math.random() * (b - a + 1));

test(`SIGKILL at random moments (>= ${KILLS_MIN} times) under load loses nothing acknowledged and corrupts nothing`,
  { skip: sqlite3Available ? false : 'no sqlite3 shell', timeout: 240000 }, async () => {
    env = initData();
    srv = await boot();
    const P = env.creds.project_id;
    const creds = { ak: env.creds.access_key, sk: env.creds.secret_key };
    const db = path.join(env.data, 'wksjobs.db');

    // What the clients learned.
    const created = new Map();	// job_id -> { subs, token }
    const tokens = new Map();	// token -> job_id of an answered create
    const lostTokens = new Set();	// creates whose answer was lost
    const finishedOk = new Map();	// sub-job id -> status (answered 200)
    const deletable = [];	// finished sub-jobs not yet in a batch
    const batches = [];	// { ids, acked }
    const leased = [];	// claimed, not yet finished: { id, lease }
    const stats = { ops: 0, lost: 0, kills: 0, creates: 0, finishes: 0, deletes: 0 };

    const call = async (listener, method, p, body, headers = {}) => {
      const base = `http://127.0.0.1:${listener === 'int' ? ports.int : ports.pub}`;
      const h = { 'Content-Type': 'application/json', ...headers };
      const sh = byteSign(base, { method, path: p, headers: h, body, creds });
      stats.ops++;
      try {
        return await send(base, { method, path: p, headers: sh, body, timeoutMs: 10000 });
      } catch {
        stats.lost++;
        return null;	// outcome unknown: the server died under us
      }
    };

    const create = async (token) => {
      const n = rnd(1, 4);
      const body = JSON.stringify({ job_type: 'createDesktops',
        sub_jobs: Array.from({ length: n }, (_, i) => ({ desktop_pool_id: token, entity: `e${i}` })) });
      const r = await call('int', 'POST', `/v1/internal/${P}/jobs`, body, { 'X-Client-Token': token });
      if (r === null) { lostTokens.add(token); return false; }
      assert.ok(r.status === 201 || r.status === 503, `create: ${r.status} ${r.text}`);
      if (r.status !== 201) { lostTokens.add(token); return false; }
      const prev = tokens.get(token);
      if (prev) assert.equal(r.json.job_id, prev, 'a retried X-Client-Token made another job');
      tokens.set(token, r.json.job_id);
      lostTokens.delete(token);
      created.set(r.json.job_id, { subs: r.json.sub_job_ids, token });
      stats.creates++;
      return true;
    };

    const claimFinish = async () => {
      if (leased.length < 8) {
        const r = await call('int', 'POST', '/v1/internal/sub-jobs/claim',
          JSON.stringify({ worker_id: `w-${hex(2)}`, host: '10.0.0.1', max: 5, lease_seconds: 3600 }));
        if (r && r.status === 200) for (const s of r.json.sub_jobs) leased.push({ id: s.id, lease: s.lease_id });
        else if (r) assert.ok(r.status === 503, `claim: ${r.status} ${r.text}`);
      }
      const s = leased.shift();
      if (!s) return;
      const status = Math.random() < 0.3 ? 'FAILED' : 'SUCCESS';
      const body = status === 'FAILED'
        ? { lease_id: s.lease, status, error_code: 'WKS.0005', fail_reason: 'x' } : { lease_id: s.lease, status };
      const r = await call('int', 'POST', `/v1/internal/sub-jobs/${s.id}/finish`, JSON.stringify(body));
      if (r === null || r.status === 503) { leased.push(s); return; }	// try again later
      if (r.status === 409) return;	// it was finished by an earlier, lost answer
      assert.equal(r.status, 200, `finish: ${r.text}`);
      finishedOk.set(s.id, status);
      deletable.push(s.id);
      stats.finishes++;
    };

    const del = async () => {
      if (deletable.length < 3) return;
      const ids = deletable.splice(0, rnd(1, Math.min(10, deletable.length)));
      const b = { ids, acked: false };
      batches.push(b);
      const r = await call('pub', 'POST', `/v2/${P}/workspace-sub-jobs/batch-delete`, JSON.stringify({ job_ids: ids }),
        { 'X-Project-Id': P });
      if (r === null || r.status === 503) return;
      assert.equal(r.status, 200, `delete: ${r.text}`);
      b.acked = true;
      stats.deletes++;
    };

    let stop = false;
    const client = async () => {
      let pending = null;	// a create to retry with the same token
      while (!stop) {
        const x = Math.random();
        if (pending || x < 0.35) {
          const token = pending ?? `tok-${hex(8)}`;
          pending = (await create(token)) ? null : token;
        } else if (x < 0.8) await claimFinish();
        else await del();
        if (stats.lost > 0 && Math.random() < 0.05) await sleep(5);
      }
      // A last try for a create whose answer was lost.
      if (pending) for (let i = 0; i < 50 && !(await create(pending)); i++) await sleep(50);
    };

    const t0 = Date.now();
    const loops = Array.from({ length: CLIENTS }, client);
    while (stats.kills < KILLS_MIN + 10 && Date.now() - t0 < TIME_MAX_MS) {
      await sleep(rnd(100, 700));
      const code = await srv.kill();
      assert.equal(code, 'SIGKILL', `the server had already exited: ${srv.stderr().slice(-2000)}`);
      stats.kills++;
      srv = await boot();
    }
    await sleep(300);
    stop = true;
    await Promise.all(loops);
    // One more crash at the very end, then look at the files cold.
    await srv.kill();
    srv = null;
    assert.ok(stats.kills >= KILLS_MIN, `only ${stats.kills} kills in ${TIME_MAX_MS} ms`);
    assert.equal(sqlite(db, 'PRAGMA integrity_check;').trim(), 'ok');
    assert.equal(sqlite(db, 'PRAGMA foreign_key_check;').trim(), '');
    assert.equal(jobsWithWrongCounts(env.data), '', 'jobs whose counts differ from their sub-jobs');
    const badCounts = sqlite(db, `WITH x AS (SELECT project_id, job_type, status, count(*) n FROM sub_jobs
        GROUP BY 1, 2, 3)
      SELECT 'counts', sc.job_type, sc.status FROM sub_job_counts sc LEFT JOIN x USING (project_id, job_type, status)
        WHERE sc.n != coalesce(x.n, 0)
      UNION ALL SELECT 'rows', x.job_type, x.status FROM x LEFT JOIN sub_job_counts sc
        USING (project_id, job_type, status) WHERE sc.n IS NULL;`).trim();
    assert.equal(badCounts, '', 'per-project counts differ from the rows');
    const rows = sqlite(db, `SELECT id, status FROM sub_jobs WHERE project_id = '${P}';`).trim();
    const status = new Map(rows ? rows.split('\n').map((l) => l.split('|')) : []);
    const jobRows = new Set(sqlite(db, `SELECT id FROM jobs WHERE project_id = '${P}';`).trim().split('\n'));
    // Each sub-job is in at most one batch: the one that may have removed it.
    const inBatch = new Map();
    for (const b of batches) for (const id of b.ids) {
      assert.ok(!inBatch.has(id));
      inBatch.set(id, b);
    }
    for (const [jobId, j] of created) {
      assert.ok(jobRows.has(jobId), `acknowledged job ${jobId} is gone`);
      for (const s of j.subs) {
        if (!status.has(s)) assert.ok(inBatch.has(s), `sub-job ${s} of acknowledged job ${jobId} is gone`);
      }
    }
    for (const [id, st] of finishedOk) {
      if (!status.has(id)) assert.ok(inBatch.has(id), `finished sub-job ${id} vanished`);
      else assert.equal(status.get(id), st === 'SUCCESS' ? '2' : '3', `finish of ${id} was lost`);
    }
    let half = 0;
    for (const b of batches) {
      const left = b.ids.filter((id) => status.has(id)).length;
      if (b.acked) assert.equal(left, 0, `acknowledged batch ${JSON.stringify(b.ids)} left ${left}`);
      if (left !== 0 && left !== b.ids.length) half++;
    }
    assert.equal(half, 0, `${half} batches half-deleted`);
    // An X-Client-Token never made two jobs (desktop_pool_id carries it).
    const dup = sqlite(db, `SELECT desktop_pool_id, count(DISTINCT job_id) FROM sub_jobs
      GROUP BY desktop_pool_id HAVING count(DISTINCT job_id) > 1;`).trim();
    assert.equal(dup, '', 'a client token made two jobs');
    // The service comes back on the crashed files and agrees through the
    // API: total_count per status (from the counts) = the rows, and a
    // sample of jobs shows exactly its sub-jobs.
    srv = await boot();
    const c = clients(srv);
    const names = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED'];
    for (let st = 0; st < 4; st++) {
      const r = await c.list({ status: names[st], limit: 0 });
      assert.equal(r.status, 200);
      const n = Number(sqlite(db, `SELECT count(*) FROM sub_jobs WHERE project_id = '${P}' AND status = ${st};`));
      assert.equal(r.body.total_count, n, `total_count of ${names[st]}`);
    }
    const sample = [...created.keys()].sort(() => Math.random() - 0.5).slice(0, 100);
    for (const jobId of sample) {
      const r = await c.show(jobId);
      assert.equal(r.status, 200, `job ${jobId}`);
      const ids = r.body.sub_jobs.map((x) => x.id).sort();
      const want = sqlite(db, `SELECT id FROM sub_jobs WHERE job_id = '${jobId}' ORDER BY id;`).trim();
      assert.deepEqual(ids, want ? want.split('\n') : []);
      assert.equal(r.body.sub_jobs_total, ids.length);
    }
    assert.equal(await srv.stop(), 0, srv.stderr().slice(-3000));
    srv = null;
    const nb = batches.length;
    console.log(`crash: ${stats.kills} SIGKILLs, ${stats.ops} requests (${stats.lost} lost to a kill), ` +
      `${stats.creates} creates, ${stats.finishes} finishes, ${stats.deletes}/${nb} batches acknowledged, ` +
      `${created.size} jobs checked in ${Math.round((Date.now() - t0) / 1000)} s`);
  });
