// 96-concurrency: several client processes (concurrency-worker.mjs) create
// jobs, claim, finish, retry and batch-delete at once for a bounded time.
// Afterwards:
//   - the audit trail (audit_events, one row per write in commit order,
//     joined to the clients' answers by request id) replays as a legal
//     history: no sub-job is ever claimed while another lease holds it or
//     after it finished, unless a retry of its job put it back; every
//     write the clients saw succeed is in it exactly once;
//   - replaying that history gives exactly the sub-jobs in the database,
//     each in the status the history says (nothing lost, nothing extra);
//   - every job's counts match its sub-jobs, the per-project counts match
//     the rows, and the API's total_count agrees;
//   - PRAGMA integrity_check is ok.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DB_SHELL, ENGINE, dbQuery, startServer, clients } from './lib.mjs';
import { shutdown } from './helpers.mjs';
import { jobsWithWrongCounts } from './reliability-lib.mjs';

const PROCS = 4;
const SECONDS = 20;

let srv;
let work;

after(async () => {
  if (srv) await shutdown(srv);
  if (work) rmSync(work, { recursive: true, force: true });
});

function runWorker(cfgFile, outFile) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(import.meta.dirname, 'concurrency-worker.mjs'), cfgFile, outFile],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), (SECONDS + 60) * 1000);
    p.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(JSON.parse(readFileSync(outFile, 'utf8')));
      else reject(new Error(`worker exited ${code}: ${err}`));
    });
  });
}

test(`${PROCS} processes claiming, finishing, retrying and deleting for ${SECONDS} s: a legal, complete history`,
  { skip: DB_SHELL ? false : 'no sqlite3 shell', timeout: (SECONDS + 120) * 1000 }, async () => {
    srv = await startServer(undefined, ['--rate-limit', '0']);
    work = mkdtempSync(path.join(tmpdir(), 'wksjobs-conc-'));
    const P = srv.creds.project_id;
    const db = srv.data;
    const logs = await Promise.all(Array.from({ length: PROCS }, (_, i) => {
      const cfg = path.join(work, `cfg${i}.json`);
      writeFileSync(cfg, JSON.stringify({ id: i + 1, publicUrl: srv.publicUrl, internalUrl: srv.internalUrl,
        ak: srv.creds.access_key, sk: srv.creds.secret_key, project: P, seconds: SECONDS }));
      return runWorker(cfg, path.join(work, `out${i}.json`));
    }));
    const all = logs.flat();
    // Every answer is one the API documents for these calls.
    const allowed = { create: [201], claim: [200], finish: [200], retry: [200, 400], delete: [200, 400] };
    for (const e of all) assert.ok(allowed[e.kind].includes(e.status), `${e.kind}: ${e.status} ${e.text ?? ''}`);
    // Retries are refused only when the job is no longer FAILED (another
    // process retried it, or its FAILED sub-jobs were deleted); deletes
    // only when a listed sub-job was put back to WAITING by a retry.
    for (const e of all.filter((x) => x.status === 400)) {
      assert.match(e.text, /WKS\.00211102/, e.text);
    }

    const byRid = new Map(all.map((e) => [e.rid, e]));
    assert.equal(byRid.size, all.length, 'request ids repeat');
    const jobOf = new Map();	// sub-job -> job
    const subsOf = new Map();	// job -> sub-jobs
    for (const e of all.filter((x) => x.kind === 'create')) {
      subsOf.set(e.job_id, e.subs);
      for (const s of e.subs) jobOf.set(s, e.job_id);
    }

    // Replay the audit trail in commit order.
    const audit = dbQuery(db, `SELECT id, request_id, action, coalesce(resource_ids, '[]'), outcome FROM audit_events
      ORDER BY id;`).trim().split('\n').filter(Boolean)
      .map((l) => {
        const [id, rid, action, res, ...outcome] = l.split('|');
        return { id: Number(id), rid, action, res: JSON.parse(res), outcome: outcome.join('|') };
      });
    const state = new Map();	// sub-job -> WAITING | RUNNING | SUCCESS | FAILED (absent: deleted)
    const holder = new Map();	// sub-job -> lease
    const seen = new Set();
    const everFailed = new Set();	// jobs with a sub-job that failed
    let claims = 0;
    let emptyRetries = 0;
    let reclaims = 0;
    const claimedBefore = new Set();
    for (const a of audit) {
      const e = byRid.get(a.rid);
      assert.ok(e, `audit row ${a.id} (${a.action}) matches no client request`);
      assert.ok(!seen.has(a.rid), `request ${a.rid} audited twice`);
      seen.add(a.rid);
      const ok = a.outcome === 'success';
      assert.equal(ok, e.status === 200 || e.status === 201, `audit ${a.id}: ${a.outcome} but the client saw ${e.status}`);
      if (!ok) continue;
      if (e.kind === 'create') {
        for (const s of e.subs) state.set(s, 'WAITING');
      } else if (e.kind === 'claim') {
        assert.deepEqual([...a.res].sort(), e.got.map((g) => g[0]).sort());
        for (const [s, lease] of e.got) {
          claims++;
          if (claimedBefore.has(s)) reclaims++;
          claimedBefore.add(s);
          assert.equal(state.get(s), 'WAITING', `sub-job ${s} claimed while ${state.get(s) ?? 'deleted'} ` +
            `(held by ${holder.get(s)}): claimed twice`);
          state.set(s, 'RUNNING');
          holder.set(s, lease);
        }
      } else if (e.kind === 'finish') {
        assert.equal(state.get(e.id), 'RUNNING', `finish of ${e.id} while ${state.get(e.id)}`);
        assert.equal(holder.get(e.id), e.lease, `finish of ${e.id} with a lease that does not hold it`);
        state.set(e.id, e.result);
        holder.delete(e.id);
        if (e.result === 'FAILED') everFailed.add(jobOf.get(e.id));
      } else if (e.kind === 'retry') {
        const subs = subsOf.get(e.job_id) ?? [];
        // A job whose FAILED sub-jobs were all deleted stays FAILED
        // (its first failure is kept: docs/API.md#showjob) and a retry of it is
        // refused (400): nothing is left to run again.
        assert.ok(everFailed.has(e.job_id), `retry of ${e.job_id}, which never failed: ` +
          JSON.stringify(subs.map((s) => [s, state.get(s) ?? 'deleted'])));
        if (!subs.some((s) => state.get(s) === 'FAILED')) emptyRetries++;
        assert.ok(!subs.some((s) => ['WAITING', 'RUNNING'].includes(state.get(s))),
          `retry of ${e.job_id}, which was not FAILED (a sub-job still waits or runs)`);
        for (const s of subs) if (state.get(s) === 'FAILED') state.set(s, 'WAITING');
      } else if (e.kind === 'delete') {
        for (const s of e.ids) {
          assert.ok(['SUCCESS', 'FAILED', undefined].includes(state.get(s)), `deleted ${s} while ${state.get(s)}`);
          state.delete(s);
        }
      }
    }
    // Every write the clients saw succeed is in the trail.
    for (const e of all) {
      const wrote = (e.status === 200 || e.status === 201) && !(e.kind === 'claim' && e.got.length === 0);
      if (wrote) assert.ok(seen.has(e.rid), `${e.kind} ${e.rid} answered ${e.status} but not audited`);
    }
    // The database holds exactly what the history says.
    const names = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED'];
    const rows = dbQuery(db, `SELECT id, status FROM sub_jobs WHERE project_id = '${P}';`).trim();
    const dbState = new Map(rows ? rows.split('\n').map((l) => { const [id, st] = l.split('|'); return [id, names[st]]; }) : []);
    assert.equal(dbState.size, state.size, 'sub-jobs in the database differ from the history');
    for (const [s, st] of state) assert.equal(dbState.get(s), st, `sub-job ${s} (job ${jobOf.get(s)})`);
    if (ENGINE === 'sqlite') assert.equal(dbQuery(db, 'PRAGMA integrity_check;').trim(), 'ok');
    assert.equal(jobsWithWrongCounts(db), '', 'jobs whose counts differ from their sub-jobs');
    const c = clients(srv);
    for (let st = 0; st < 4; st++) {
      const r = await c.list({ status: names[st], limit: 0 });
      assert.equal(r.body.total_count, [...state.values()].filter((x) => x === names[st]).length,
        `total_count of ${names[st]}`);
    }
    const kinds = {};
    for (const e of all) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    console.log(`concurrency: ${all.length} operations by ${PROCS} processes in ${SECONDS} s ` +
      `(${JSON.stringify(kinds)}), ${claims} claims (${reclaims} after a retry) and ${audit.length} audit rows replayed, ` +
      `${state.size} sub-jobs checked`);
    assert.equal(emptyRetries, 0, 'a retry with no FAILED sub-job left was accepted');
  });
