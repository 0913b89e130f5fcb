// 85-worker: `wksjobs worker` processes against a real server: several
// simulated workers finish every sub-job exactly once (audit trail and
// sub_jobs rows read with sqlite3), failures carry realistic codes, a
// worker killed mid-job loses its lease to another worker, SIGTERM stops
// a worker with exit 0 and its lease expires, and --exec runs a command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BIN, DB_SHELL, dbRows, initData, startServer, clients } from './lib.mjs';

const require = createRequire(import.meta.url);
require('log4js').configure({ appenders: { none: { type: 'stdout' } },
  categories: { default: { appenders: ['none'], level: 'off' } } });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WKSJOBS_') && !k.startsWith('HUAWEICLOUD_SDK_')) env[k] = v;
  }
  return env;
}

function envFor(srv) {
  return { ...cleanEnv(), HUAWEICLOUD_SDK_AK: srv.creds.access_key, HUAWEICLOUD_SDK_SK: srv.creds.secret_key,
    HUAWEICLOUD_SDK_PROJECT_ID: srv.creds.project_id, WKSJOBS_ENDPOINT: srv.publicUrl,
    WKSJOBS_INTERNAL_ENDPOINT: srv.internalUrl };
}

// A fresh server per test (reaper every 200 ms): workers claim across the
// whole account, so tests must not share one.
async function server() {
  return startServer(initData(), ['--reap-interval-ms', '200']);
}

function createJob(srv, type, count) {
  const r = spawnSync(BIN, ['job', 'create', '--type', type, '--count', String(count), '--output', 'json'],
    { env: envFor(srv), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// Start a worker; its stderr goes to a file (nothing to drain).
function worker(srv, name, args) {
  const log = path.join(srv.dir, `${name}.log`);
  const fd = openSync(log, 'w');
  const proc = spawn(BIN, ['worker', '--worker-id', name, ...args], { env: envFor(srv),
    stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, log: () => readFileSync(log, 'utf8'), exited,
    stop: async (sig = 'SIGTERM') => { proc.kill(sig); return exited; } };
}

async function list(srv) {
  const r = await clients(srv).list({ limit: 1000 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.jobs;
}

// Poll the list until pred(jobs) holds (bounded by ms).
async function until(srv, pred, ms, what) {
  const end = Date.now() + ms;
  let jobs = [];
  while (Date.now() < end) {
    jobs = await list(srv);
    if (pred(jobs)) return jobs;
    await sleep(100);
  }
  assert.fail(`${what}: not reached in ${ms} ms; last: ${JSON.stringify(jobs.map((s) => [s.id, s.status, s.host]))}`);
}

const finished = (s) => s.status === 'SUCCESS' || s.status === 'FAILED';

const sql = (srv, query) => dbRows(srv.data, query);

test('three workers finish every sub-job exactly once', { skip: !DB_SHELL && 'no sqlite3' }, async () => {
  const srv = await server();
  const ws = [];
  try {
    const jobs = [createJob(srv, 'createDesktops', 12), createJob(srv, 'rebuildDesktops', 10),
      createJob(srv, 'expandVolumes', 8)];
    const ids = jobs.flatMap((j) => j.sub_job_ids);
    for (const n of [1, 2, 3]) {
      ws.push(worker(srv, `w${n}`, ['--simulate', '--fail-rate', '0', '--duration', '0.05..0.4',
        '--concurrency', '3', '--poll-ms', '100', '--lease-seconds', '30', '--host', `10.0.0.${n}`]));
    }
    const done = await until(srv, (js) => js.length === 30 && js.every((s) => s.status === 'SUCCESS'), 60000,
      'all SUCCESS');
    for (const w of ws) assert.deepEqual(await w.stop(), { code: 0, signal: null }, w.log());

    assert.deepEqual(done.map((s) => s.id).sort(), [...ids].sort());
    for (const s of done) {
      assert.match(s.host, /^10\.0\.0\.[123]$/);
      assert.equal(s.process, 100);
      assert.ok(s.end_time);
    }
    // Each row: finished by the worker that claimed it, first attempt.
    const rows = sql(srv, 'SELECT id, worker_id, host, attempts, status FROM sub_jobs');
    assert.equal(rows.length, 30);
    for (const r of rows) {
      assert.equal(r.attempts, 0, JSON.stringify(r));
      assert.equal(r.host, `10.0.0.${r.worker_id.slice(1)}`, JSON.stringify(r));
    }
    assert.ok(new Set(rows.map((r) => r.worker_id)).size >= 2, 'the work was shared');
    // The audit trail: every finish, and today every claim,
    // is a workspace:jobs:execute row naming the sub-job.  All succeeded
    // (no lease lost, no second finish refused) and every sub-job has
    // the same count: one finish (+ one claim).
    const events = sql(srv, "SELECT resource_ids, outcome FROM audit_events WHERE action = 'workspace:jobs:execute'");
    const seen = new Map(ids.map((id) => [id, 0]));
    for (const e of events) {
      assert.equal(e.outcome, 'success', JSON.stringify(e));
      for (const id of JSON.parse(e.resource_ids || '[]')) seen.set(id, seen.get(id) + 1);
    }
    const counts = new Set(seen.values());
    assert.equal(counts.size, 1, `execute events per sub-job: ${JSON.stringify([...seen])}`);
    assert.ok([1, 2].includes([...counts][0]), `${[...counts][0]} execute events per sub-job`);
    // The workers' own logs: every sub-job claimed once, finished once.
    const logs = ws.map((w) => w.log()).join('');
    for (const id of ids) {
      assert.equal(logs.split(`${id}: claimed`).length - 1, 1, id);
      assert.equal(logs.split(`${id}: SUCCESS`).length - 1, 1, id);
    }
  } finally {
    await Promise.all(ws.map((w) => w.stop('SIGKILL')));
    await srv.stop();
    srv.cleanup();
  }
});

test('--fail-rate fails a share with realistic error codes and reasons', async () => {
  const srv = await server();
  const w = worker(srv, 'wf', ['--simulate', '--fail-rate', '0.5', '--duration', '0..0.1', '--concurrency', '4',
    '--poll-ms', '100']);
  try {
    const j = createJob(srv, 'createDesktops', 20);
    const done = await until(srv, (js) => js.length === 20 && js.every(finished), 60000, 'all finished');
    const failed = done.filter((s) => s.status === 'FAILED');
    assert.ok(failed.length > 0 && failed.length < 20, `${failed.length} of 20 failed`);
    const known = { 'WKS.0005': 'Failed to invoke ECS interface.', 'WKS.0009': 'Failed to invoke the IAM interface.' };
    for (const s of failed) assert.equal(s.fail_reason, known[s.error_code], JSON.stringify(s));
    for (const s of done.filter((x) => x.status === 'SUCCESS')) assert.equal(s.error_code, undefined);
    const shown = (await clients(srv).show(j.job_id)).body;
    assert.equal(shown.status, 'FAILED');
    assert.ok(shown.job_error_code in known);
    assert.deepEqual(await w.stop(), { code: 0, signal: null });
  } finally {
    await w.stop('SIGKILL');
    await srv.stop();
    srv.cleanup();
  }
});

test('a worker killed mid-job loses its lease; another worker finishes the sub-job', async () => {
  const srv = await server();
  const a = worker(srv, 'wa', ['--simulate', '--fail-rate', '0', '--duration', '60', '--lease-seconds', '5',
    '--host', '10.0.0.1', '--poll-ms', '100']);
  let b;
  try {
    const j = createJob(srv, 'createDesktops', 1);
    const id = j.sub_job_ids[0];
    await until(srv, (js) => js[0]?.status === 'RUNNING' && js[0].host === '10.0.0.1', 10000, 'claimed by A');
    // Heartbeats keep the 5 s lease: still A's after 7 s, with progress.
    await sleep(7000);
    let s = (await list(srv))[0];
    assert.equal(s.status, 'RUNNING', JSON.stringify(s));
    assert.equal(s.host, '10.0.0.1');
    assert.ok(s.process > 0, `process reported: ${s.process}`);
    b = worker(srv, 'wb', ['--simulate', '--fail-rate', '0', '--duration', '0.1..0.2', '--lease-seconds', '5',
      '--host', '10.0.0.2', '--poll-ms', '100']);
    await sleep(500);
    assert.equal((await list(srv))[0].host, '10.0.0.1', 'B cannot take a held lease');
    const killed = Date.now();
    assert.deepEqual(await a.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
    const done = await until(srv, (js) => js[0]?.status === 'SUCCESS', 20000, 'finished by B');
    s = done[0];
    assert.equal(s.host, '10.0.0.2');
    assert.ok(Date.now() - killed < 15000);
    assert.match(b.log(), new RegExp(`${id}: claimed \\(createDesktops, attempt 1\\)`));
    // A reader may see the finish a moment before B has its answer (the
    // commit is visible before its fdatasync): B logs once answered.
    for (let i = 0; i < 50 && !new RegExp(`${id}: SUCCESS`).test(b.log()); i++) await sleep(100);
    assert.match(b.log(), new RegExp(`${id}: SUCCESS`));
    assert.doesNotMatch(a.log(), new RegExp(`${id}: (SUCCESS|FAILED)`));
    assert.deepEqual(await b.stop(), { code: 0, signal: null });
    if (DB_SHELL) {
      const [row] = sql(srv, 'SELECT worker_id, attempts FROM sub_jobs');
      assert.deepEqual(row, { worker_id: 'wb', attempts: 1 });
    }
  } finally {
    await a.stop('SIGKILL');
    if (b) await b.stop('SIGKILL');
    await srv.stop();
    srv.cleanup();
  }
});

test('SIGTERM stops a busy worker with exit 0; the lease expires and the sub-job waits again', async () => {
  const srv = await server();
  const w = worker(srv, 'wt', ['--simulate', '--duration', '60', '--lease-seconds', '5', '--concurrency', '2',
    '--poll-ms', '100']);
  try {
    createJob(srv, 'createDesktops', 2);
    await until(srv, (js) => js.length === 2 && js.every((s) => s.status === 'RUNNING'), 10000, 'both claimed');
    const t0 = Date.now();
    assert.deepEqual(await w.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(Date.now() - t0 < 3000, 'stops at once');
    assert.match(w.log(), /signal 15, stopping; unfinished sub-jobs go back to WAITING when their leases expire/);
    const back = await until(srv, (js) => js.every((s) => s.status === 'WAITING'), 15000, 'WAITING again');
    for (const s of back) assert.equal(s.host, undefined);
    // SIGINT stops it the same way.
    const w2 = worker(srv, 'wi', ['--simulate', '--poll-ms', '100']);
    await sleep(300);
    assert.deepEqual(await w2.stop('SIGINT'), { code: 0, signal: null });
  } finally {
    await w.stop('SIGKILL');
    await srv.stop();
    srv.cleanup();
  }
});

test('--exec runs a command per sub-job: JSON on stdin, env, exit status and stderr', async () => {
  const srv = await server();
  const out = path.join(srv.dir, 'exec-out');
  mkdirSync(out);
  const script = path.join(srv.dir, 'task.sh');
  writeFileSync(script, `#!/bin/sh
cat > "${out}/$WKSJOBS_SUB_JOB_ID.json"
env > "${out}/$WKSJOBS_SUB_JOB_ID.env"
case $(cat "${out}/$WKSJOBS_SUB_JOB_ID.json") in
*'"user_name":"user002"'*) echo "working" >&2; echo "WKS.0009: Failed to invoke the IAM interface." >&2; exit 3;;
*'"user_name":"user003"'*) echo "disk full" >&2; exit 1;;
*'"user_name":"user004"'*) kill -9 $$;;
esac
echo "all good" >&2
`);
  chmodSync(script, 0o755);
  // "exec": the script is the worker's child, so its own SIGKILL shows.
  const w = worker(srv, 'we', ['--exec', `exec ${script}`, '--concurrency', '2', '--poll-ms', '100']);
  try {
    const j = createJob(srv, 'operateDesktops', 5);
    const done = await until(srv, (js) => js.length === 5 && js.every(finished), 30000, 'all finished');
    const byUser = Object.fromEntries(done.map((s) => [s.entities.user_name, s]));
    assert.equal(byUser.user001.status, 'SUCCESS');
    assert.equal(byUser.user005.status, 'SUCCESS');
    assert.deepEqual([byUser.user002.status, byUser.user002.error_code, byUser.user002.fail_reason],
      ['FAILED', 'WKS.0009', 'Failed to invoke the IAM interface.']);
    assert.deepEqual([byUser.user003.status, byUser.user003.error_code, byUser.user003.fail_reason],
      ['FAILED', 'WKSJOBS.EXEC', 'disk full']);
    assert.deepEqual([byUser.user004.status, byUser.user004.error_code, byUser.user004.fail_reason],
      ['FAILED', 'WKSJOBS.EXEC', 'command killed by signal 9']);
    assert.equal(readdirSync(out).length, 10);
    for (const s of done) {
      const input = JSON.parse(readFileSync(path.join(out, `${s.id}.json`), 'utf8'));
      assert.equal(input.id, s.id);
      assert.equal(input.job_id, j.job_id);
      assert.ok(input.lease_id);
      const env = readFileSync(path.join(out, `${s.id}.env`), 'utf8');
      assert.match(env, new RegExp(`^WKSJOBS_SUB_JOB_ID=${s.id}$`, 'm'));
      assert.match(env, new RegExp(`^WKSJOBS_SUB_JOB_JOB_ID=${j.job_id}$`, 'm'));
      assert.match(env, /^WKSJOBS_SUB_JOB_TYPE=operateDesktops$/m);
      assert.match(env, new RegExp(`^WKSJOBS_SUB_JOB_PROJECT_ID=${srv.creds.project_id}$`, 'm'));
      assert.match(env, /^WKSJOBS_SUB_JOB_ATTEMPTS=0$/m);
      assert.match(env, /^WKSJOBS_SUB_JOB_WORKER_ID=we$/m);
      assert.doesNotMatch(env, /HUAWEICLOUD_SDK_SK|WKSJOBS_SK/, 'the secret key stays with the worker');
    }
    // The command's stderr lines are in the worker's log, tagged.
    assert.match(w.log(), new RegExp(`sub-job ${byUser.user003.id}: disk full`));
    assert.deepEqual(await w.stop(), { code: 0, signal: null });
  } finally {
    await w.stop('SIGKILL');
    await srv.stop();
    srv.cleanup();
  }
});

test('a worker refused by the server (bad credentials) exits 1', async () => {
  const srv = await server();
  try {
    const r = spawnSync(BIN, ['worker', '--simulate', '--poll-ms', '100'],
      { env: { ...envFor(srv), HUAWEICLOUD_SDK_SK: 'wrong' }, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /claim failed: HTTP 401 error_code="APIGW\.0301"/);
    // The public endpoint given as the internal one: 404, not retried.
    const p = spawnSync(BIN, ['worker', '--simulate', '--internal-endpoint', srv.publicUrl],
      { env: envFor(srv), encoding: 'utf8', timeout: 30000 });
    assert.equal(p.status, 1, p.stderr);
    assert.match(p.stderr, /claim failed: HTTP 404/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
