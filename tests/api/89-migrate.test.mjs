// 89-migrate: `wksjobs admin migrate --to URL|DIR` copies an installation
// into a new database of either engine, and a server on the copy answers
// every read exactly as the original did, with the old credentials: jobs,
// sub-jobs of every status (a RUNNING one with its lease, which finishes
// on the copy), totals, the audit trail's rows.  On PostgreSQL (label pg)
// the copy goes round: PostgreSQL -> a new SQLite directory -> a new
// PostgreSQL database; on SQLite, SQLite -> a new SQLite directory.  A
// destination that holds an account already is refused and keeps its
// rows.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENGINE, clients, databaseFor, dbQuery, run, spawnServe, startServer } from './lib.mjs';
import { create, claim, finish } from './helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-migrate-'));
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

// What the API shows of the project: every list the filters give, and
// every job; request-independent (no request ids, no clocks).
async function views(c, jobIds) {
  const out = {};
  for (const q of [{}, { status: 'WAITING' }, { status: 'RUNNING' }, { status: 'SUCCESS' },
    { status: 'FAILED' }, { limit: 2, offset: 1 }, { job_type: 'createDesktops' }]) {
    const r = await c.list({ limit: 1000, ...q });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out[`list ${JSON.stringify(q)}`] = r.body;
  }
  for (const id of jobIds) {
    const r = await c.show(id);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out[`show ${id}`] = r.body;
  }
  return out;
}

// A server on data dir data: SQLite when sqlite, else the label's engine.
async function serveOn(data, creds, sqlite) {
  const srv = await spawnServe(['serve', '--data', data, '--listen', '127.0.0.1:0',
    '--internal-listen', '127.0.0.1:0', '--access-log=false'], sqlite ? { WKSJOBS_TEST_SQLITE: '1' } : {});
  servers.push(srv);
  return { ...srv, creds, data };
}

function migrate(data, to, sqliteSource) {
  return run(['admin', 'migrate', '--data', data, '--to', to, '--json'],
    sqliteSource ? { env: { ...process.env, WKSJOBS_TEST_SQLITE: '1' } } : {});
}

// The audit trail's rows (SQLite label: every directory is SQLite).
function auditRows(data) {
  return dbQuery(data, 'SELECT id, action, outcome, resource_ids FROM audit_events ORDER BY id');
}

test('a copy answers as the original, round the engines', async () => {
  const src = await startServer();
  const c = clients(src);
  const jobs = [];
  for (let i = 0; i < 4; i++) jobs.push(await create(c, 'createDesktops', 3));
  const got = await claim(c, { max: 7, worker: 'w1', lease: 600 });
  assert.equal(got.length, 7);
  for (const s of got.slice(0, 3)) await finish(c, s, 'SUCCESS');
  for (const s of got.slice(3, 5)) await finish(c, s, 'FAILED');
  const del = await c.del({ job_ids: [got[0].id] });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  const running = got[5];
  const jobIds = jobs.map((j) => j.job_id);
  const before = await views(c, jobIds);
  const audit = ENGINE === 'sqlite' ? auditRows(src.data) : null;
  assert.equal(await src.stop(), 0);

  // Hop 1: into a new SQLite data directory.
  const d1 = path.join(dir, 'hop1');
  const m1 = migrate(src.data, d1, false);
  assert.equal(m1.status, 0, m1.stderr);
  const rep = JSON.parse(m1.stdout);
  assert.equal(rep.tables.sub_jobs, 11);
  assert.equal(rep.tables.jobs, 4);
  assert.ok(rep.tables.audit_events >= 7, m1.stdout);
  const s1 = await serveOn(d1, src.creds, true);
  const c1 = clients(s1);
  assert.deepEqual(await views(c1, jobIds), before);
  if (audit !== null) assert.equal(auditRows(d1), audit);

  // Once more into the same directory: refused, nothing changed.
  const again = migrate(src.data, d1, false);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists/);
  assert.deepEqual(await views(c1, jobIds), before);

  let last = c1;
  if (ENGINE === 'pg') {
    await s1.stop();
    // Hop 2: the SQLite copy into a new PostgreSQL database.
    const url = databaseFor(path.join(dir, 'hop2-db'));
    const m2 = migrate(d1, url, true);
    assert.equal(m2.status, 0, m2.stderr);
    const d2 = path.join(dir, 'hop2');
    const m2b = run(['admin', 'migrate', '--data', d1, '--to', url],
      { env: { ...process.env, WKSJOBS_TEST_SQLITE: '1' } });
    assert.equal(m2b.status, 1, 'a database that holds an account is refused');
    assert.match(m2b.stderr, /exists|account/);
    // A node of the new database: the master key of the directory.
    const cp = run(['admin', 'migrate', '--data', d1, '--to', d2],
      { env: { ...process.env, WKSJOBS_TEST_SQLITE: '1' } });
    assert.equal(cp.status, 0, cp.stderr);
    const s2 = await spawnServe(['serve', '--data', d2, '--database', url, '--listen', '127.0.0.1:0',
      '--internal-listen', '127.0.0.1:0', '--access-log=false']);
    servers.push(s2);
    last = clients({ ...s2, creds: src.creds });
    assert.deepEqual(await views(last, jobIds), before);
  }

  // The copy goes on where the original stopped: the lease it held
  // finishes there, and the counts follow.
  const fin = await last.finish(running.id, { lease_id: running.lease_id, status: 'SUCCESS' });
  assert.equal(fin.status, 200, JSON.stringify(fin.body));
  const r = await last.list({ status: 'SUCCESS', limit: 1000 });
  assert.equal(r.body.total_count, before['list {"status":"SUCCESS"}'].total_count + 1);
});
