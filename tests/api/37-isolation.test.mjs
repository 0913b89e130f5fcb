// 37-isolation: tenant isolation.  For every endpoint, a
// caller working in project A who presents IDs of project B gets exactly
// the answer it gets for IDs that do not exist (same status, same body once
// the ID itself is blanked out), and B's data does not change.  B is
// (1) another project of the same account (wksjobs admin project create)
// and (2) a project of a second account, written into the database with the
// sqlite3 shell (the admin CLI manages the first account only), with a job
// in every state, including a RUNNING sub-job with a known lease.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DB_SHELL, countsInsert, dbQuery, startServer, clients } from './lib.mjs';
import { fullClients, mkProject, drive, snapshot, create, shutdown, assertCountsConsistent } from './helpers.mjs';
import { mkUser, getToken, tokenRoutes } from './iam-helpers.mjs';

let srv;
let A;		// fullClients of project A (the caller)
let Bc;		// clients of project B (same account)
let B = {};	// IDs of project B
let X = null;	// IDs of the second account's project
let db;

const hex32 = () => randomBytes(16).toString('hex');

before(async () => {
  srv = await startServer(undefined, ['--rate-limit', '0']);
  db = srv.data;
  A = fullClients(srv);
  // Project A has a little data of its own.
  await drive(clients(srv), 'createDesktops', 1, 'SUCCESS');
  const PB = mkProject(srv, 'iso-b');
  Bc = clients(srv, undefined, PB);
  const wait = await drive(Bc, 'desktopToImage', 1, 'WAITING');
  const run = await drive(Bc, 'deleteDesktops', 1, 'RUNNING');
  const ok = await drive(Bc, 'createDesktops', 2, 'SUCCESS');
  const bad = await drive(Bc, 'rebuildDesktops', 1, 'FAILED');
  const prot = await drive(Bc, 'applyWorkspace', 1, 'SUCCESS');
  const tok = `iso-token-${hex32()}`;
  const tokJob = await create(Bc, 'expandVolumes', 1, { desktop_pool_id: 'pool-b-only' }, { 'X-Client-Token': tok });
  B = { project: PB, wait, run, ok, bad, prot, tok, tokJob,
    jobs: [wait.job_id, run.job_id, ok.job_id, bad.job_id, prot.job_id, tokJob.job_id],
    subs: [...wait.sub_job_ids, ...run.sub_job_ids, ...ok.sub_job_ids, ...bad.sub_job_ids, ...prot.sub_job_ids],
    runLease: Object.values(run.leases)[0] };
  if (DB_SHELL) X = foreignAccount();
});

after(async () => {
  await shutdown(srv);
});

// A second account with one project and a job per state (status codes of
// src/model/job.h: 0 WAITING, 1 RUNNING, 2 SUCCESS, 3 FAILED), counts kept
// consistent by hand.  Its ids sort after everything of the first account.
function foreignAccount() {
  const id = () => `ffff${hex32().slice(4)}`;
  const D = id();
  const P = id();
  const far = Date.now() + 365 * 86400000;
  const now = Date.now();
  const lease = hex32();
  const rows = [
    // [job id, sub-job id, job type, status, extra]
    [id(), id(), 'createDesktops', 0],
    [id(), id(), 'deleteDesktops', 1],
    [id(), id(), 'createDesktops', 2],
    [id(), id(), 'rebuildDesktops', 3],
    [id(), id(), 'applyWorkspace', 2],
  ];
  const col = ['n_waiting', 'n_running', 'n_success', 'n_failed'];
  let sql = `INSERT INTO domains (id, name, created_ms) VALUES ('${D}', 'iso-other-${D.slice(-6)}', ${far});
    INSERT INTO projects (id, domain_id, name, created_ms) VALUES ('${P}', '${D}', 'theirs', ${far});
    INSERT INTO client_tokens (project_id, token, body, created_ms)
      VALUES ('${P}', 'iso-x-token', '{"job_id":"${rows[0][0]}","sub_job_ids":["${rows[0][1]}"]}', ${now});`;
  const counts = {};
  for (const [j, s, type, st] of rows) {
    sql += `INSERT INTO jobs (project_id, id, job_type, status, begin_ms, end_ms, ${col[st]}, started, failed)
      VALUES ('${P}', '${j}', '${type}', ${st}, 1000, ${st >= 2 ? now : 'NULL'}, 1, ${st > 0 ? 1 : 0},
        ${st === 3 ? 1 : 0});
      INSERT INTO sub_jobs (project_id, id, job_id, job_type, status, begin_ms, desktop_pool_id,
        lease_id, lease_expires_ms, lease_seconds, worker_id, error_code, fail_reason)
      VALUES ('${P}', '${s}', '${j}', '${type}', ${st}, 1000, 'pool-x-only',
        ${st === 1 ? `'${lease}', ${far}, 3600, 'wx'` : 'NULL, NULL, NULL, NULL'},
        ${st === 3 ? "'WKS.0005', 'x'" : 'NULL, NULL'});`;
    counts[`${type}/${st}`] = (counts[`${type}/${st}`] ?? 0) + 1;
  }
  for (const [k, n] of Object.entries(counts)) {
    const [type, st] = k.split('/');
    sql += countsInsert(P, type, st, n);
  }
  dbQuery(db, sql);
  return { D, P, lease, rows, jobs: rows.map((r) => r[0]), subs: rows.map((r) => r[1]), run: rows[1][1] };
}

function xRows() {
  return dbQuery(db, `SELECT id, status, lease_id, end_ms FROM sub_jobs WHERE project_id = '${X.P}' ORDER BY id;
    SELECT id, status, n_waiting, n_running, n_success, n_failed FROM jobs WHERE project_id = '${X.P}' ORDER BY id;`);
}

// The answer with the presented ids blanked and the request id dropped.
function norm(r, ids) {
  let text = JSON.stringify(r.body);
  for (const id of ids) text = text.split(id).join('<ID>');
  return { status: r.status, body: JSON.parse(text) };
}

// fn(ids) for foreign ids and for as many fresh random ids: the same answer.
async function same(what, fn, foreign) {
  const fresh = foreign.map(() => hex32());
  const a = norm(await fn(foreign), foreign);
  const b = norm(await fn(fresh), fresh);
  assert.ok(a.status < 500, `${what}: ${JSON.stringify(a)}`);
  assert.deepEqual(a, b, `${what}: a foreign id is answered differently from an unknown one`);
  return a;
}

function foreignSets() {
  const sets = [['project B (same account)', B]];
  if (X) sets.push(['a project of another account', X]);
  return sets;
}

test('ListItaSubJobs: job_id and desktop_pool_id of another tenant match nothing, like unknown ones', async () => {
  for (const [label, T] of foreignSets()) {
    for (const j of T.jobs) {
      const r = await same(`${label} list job_id`, ([id]) => A.list({ job_id: id }), [j]);
      assert.deepEqual(r, { status: 200, body: { total_count: 0, jobs: [] } });
      await same(`${label} list job_id+status`, ([id]) => A.list({ job_id: id, status: 'SUCCESS', limit: 0 }), [j]);
    }
  }
  const pool = await A.list({ desktop_pool_id: 'pool-b-only' });
  assert.deepEqual(pool.body, { total_count: 0, jobs: [] });
  if (X) assert.deepEqual((await A.list({ desktop_pool_id: 'pool-x-only' })).body, { total_count: 0, jobs: [] });
  // And an unfiltered list of A holds only A's sub-jobs.
  const all = await A.list({ limit: 1000 });
  assert.equal(all.status, 200);
  for (const s of all.body.jobs) assert.equal(s.project_id ?? A.project, A.project);
  const foreignSubs = new Set([...B.subs, ...(X ? X.subs : [])]);
  for (const s of all.body.jobs) assert.ok(!foreignSubs.has(s.id), `A lists a foreign sub-job ${s.id}`);
  for (const st of ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED']) {
    const r = await A.list({ status: st, limit: 0 });
    const mine = all.body.jobs.filter((s) => s.status === st).length;
    assert.equal(r.body.total_count, mine, `total_count of ${st} counts another tenant`);
  }
});

test('ShowJob: a job of another tenant, in every state, is 404 exactly like an unknown one', async () => {
  for (const [label, T] of foreignSets()) {
    for (const j of T.jobs) {
      const r = await same(`${label} show`, ([id]) => A.show(id), [j]);
      assert.equal(r.status, 404);
      assert.equal(r.body.error_code, 'WKS.0202');
    }
    // A sub-job id is not a job id anywhere.
    for (const s of T.subs) await same(`${label} show sub-job id`, ([id]) => A.show(id), [s]);
  }
});

test('RunActionsOnWorkspaceJob: retrying a job of another tenant (FAILED or not) is 404 like an unknown one', async () => {
  for (const [label, T] of foreignSets()) {
    for (const j of T.jobs) {
      const r = await same(`${label} retry`, ([id]) => A.retry(id), [j]);
      assert.equal(r.status, 404);
    }
  }
  // B's FAILED job is still FAILED.
  const b = await Bc.show(B.bad.job_id);
  assert.equal(b.body.status, 'FAILED');
});

test('BatchDeleteSubJobs: ids of another tenant (any state, job ids, protected types) are skipped like unknown ones', async () => {
  for (const [label, T] of foreignSets()) {
    for (const id of [...T.subs, ...T.jobs]) {
      const r = await same(`${label} delete ${id}`, (ids) => A.del({ job_ids: ids }), [id]);
      assert.equal(r.status, 200, `${label}: ${JSON.stringify(r)}`);
    }
    // All of them at once, mixed with unknown ids.
    const all = [...T.subs, ...T.jobs].slice(0, 9);
    await same(`${label} delete many`, (ids) => A.del({ job_ids: [...ids, hex32()] }), all);
  }
  // Nothing of B went away.
  const snap = await snapshot(Bc);
  for (const s of B.subs) assert.ok(snap[s], `B's sub-job ${s} was deleted through A`);
});

test("BatchDeleteSubJobs: delete_by_status in A leaves other tenants' finished sub-jobs alone", async () => {
  const before = await snapshot(Bc);
  const xBefore = X ? xRows() : null;
  for (const st of ['SUCCESS', 'FAILED']) {
    const r = await A.del({ delete_by_status: st });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.deepEqual(await snapshot(Bc), before);
  if (X) assert.equal(xRows(), xBefore);
  // A itself: its finished sub-jobs are gone.
  assert.equal((await A.list({ status: 'SUCCESS', limit: 0 })).body.total_count, 0);
});

test("CreateJob: another project's X-Client-Token creates a new job in A, it never replays B's answer", async () => {
  const data = { job_type: 'expandVolumes', sub_jobs: [{ desktop_pool_id: 'pool-a' }] };
  const r = await A.create(data, { 'X-Client-Token': B.tok });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.notEqual(r.body.job_id, B.tokJob.job_id, "A got B's job back for B's client token");
  assert.equal((await A.show(r.body.job_id)).status, 200);
  // Same as a token nobody used: 201 and a new job.
  const fresh = await A.create(data, { 'X-Client-Token': `fresh-${hex32()}` });
  assert.equal(fresh.status, 201);
  assert.deepEqual(Object.keys(r.body).sort(), Object.keys(fresh.body).sort());
  // B's token still replays B's job in B.
  const again = await clients(srv, undefined, B.project).create({ job_type: 'expandVolumes',
    sub_jobs: [{ desktop_pool_id: 'pool-b-only' }] }, { 'X-Client-Token': B.tok });
  assert.equal(again.status, 201);
  assert.equal(again.body.job_id, B.tokJob.job_id);
  if (X) {
    const rx = await A.create(data, { 'X-Client-Token': 'iso-x-token' });
    assert.equal(rx.status, 201);
    assert.ok(!X.jobs.includes(rx.body.job_id), "A got the other account's job for its client token");
  }
});

test('internal API: a sub-job of another account is 404 to heartbeat and finish (even with its lease), like an unknown one',
  { skip: DB_SHELL ? false : 'no sqlite3 shell' }, async () => {
    for (const s of X.subs) {
      for (const lease of [X.lease, hex32()]) {
        const hb = await same('heartbeat', ([id]) => A.heartbeat(id, { lease_id: lease, process: 50 }), [s]);
        assert.equal(hb.status, 404);
        const fin = await same('finish', ([id]) => A.finish(id, { lease_id: lease, status: 'SUCCESS' }), [s]);
        assert.equal(fin.status, 404);
      }
    }
    // Claims never hand out the other account's WAITING sub-job, asked for or not.
    const asked = await same('claim project_ids', (ids) => A.claim({ worker_id: 'iso', max: 100, lease_seconds: 60,
      project_ids: ids, job_types: ['createDesktops'] }), [X.P]);
    assert.deepEqual(asked, { status: 200, body: { sub_jobs: [] } });
    const all = await A.claim({ worker_id: 'iso', max: 100, lease_seconds: 60, job_types: ['createDesktops'] });
    assert.equal(all.status, 200);
    for (const s of all.body.sub_jobs) assert.ok(!X.subs.includes(s.id), 'another account\'s sub-job was claimed');
  });

test('an IAM user allowed only in project A, with a token scoped to A: foreign ids answer like unknown ones', async () => {
  const A_ID = srv.creds.project_id;
  const u = mkUser(srv, `iso-${hex32().slice(0, 8)}`, { attach: [['Workspace FullAccess', A_ID]] });
  const t = await getToken(srv, u.name, u.password, { project: { id: A_ID } });
  assert.equal(t.status, 201, t.text);
  const T = tokenRoutes(srv, t.token, A_ID);
  const norm2 = (r, ids) => {
    let text = r.text ?? '';
    for (const id of ids) text = text.split(id).join('<ID>');
    const j = text ? JSON.parse(text) : null;
    if (j && j.request_id) delete j.request_id;
    return { status: r.status, body: j };
  };
  const same2 = async (what, fn, id) => {
    const fresh = hex32();
    const a = norm2(await fn(id), [id]);
    const b = norm2(await fn(fresh), [fresh]);
    assert.ok(a.status < 500, `${what}: ${JSON.stringify(a)}`);
    assert.deepEqual(a, b, `${what}: a foreign id is answered differently from an unknown one`);
    return a;
  };
  for (const [label, F] of foreignSets()) {
    for (const j of F.jobs) {
      assert.equal((await same2(`${label} show`, (id) => T.show(id), j)).status, 404);
      assert.equal((await same2(`${label} retry`, (id) => T.retry(id), j)).status, 404);
    }
    for (const id of [...F.subs, ...F.jobs]) {
      assert.equal((await same2(`${label} delete`, (x) => T.del({ job_ids: [x] }), id)).status, 200);
    }
  }
  // And the user cannot reach B's project at all.
  const TB = tokenRoutes(srv, t.token, B.project);
  const r = await TB.list();
  assert.equal(r.status, 403, r.text);
});

test("nothing of the other tenants changed, and their counts still match their rows", async () => {
  const snap = await snapshot(Bc);
  assert.equal(snap[B.wait.sub_job_ids[0]].status, 'WAITING');
  assert.equal(snap[B.run.sub_job_ids[0]].status, 'RUNNING');
  for (const s of B.ok.sub_job_ids) assert.equal(snap[s].status, 'SUCCESS');
  assert.equal(snap[B.bad.sub_job_ids[0]].status, 'FAILED');
  await assertCountsConsistent(Bc);
  // B's worker still holds its lease.
  const hb = await Bc.heartbeat(B.run.sub_job_ids[0], { lease_id: B.runLease.lease_id });
  assert.equal(hb.status, 200, JSON.stringify(hb.body));
  if (X) {
    const rows = xRows();
    for (const [, s, , st] of X.rows) assert.match(rows, new RegExp(`${s}\\|${st}\\|`), `sub-job ${s} of the other account changed`);
    const chk = dbQuery(db, `SELECT count(*) FROM audit_events WHERE project_id = '${X.P}'`).trim();
    assert.equal(chk, '0', 'an audit event was written in the other account');
  }
});
