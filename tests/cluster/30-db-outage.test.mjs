// 30-db-outage: PostgreSQL stopped for 10 s (`pg_ctl stop -m immediate`,
// through scripts/pg.sh) under load on three nodes, then started again on
// the same port.  Every request sent while it is away gets 503 with
// Retry-After, none waits past the database deadline (serve
// --db-timeout-ms) plus a margin, none gets a 500; /readyz says 503 and
// then 200 again without any node being restarted; every write
// acknowledged before (or after) the outage is there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { clients, createJob, raw } from '../api/lib.mjs';
import { listAll, startCluster, sleep } from './cluster-lib.mjs';

const DEADLINE_MS = 2000;
const MARGIN_MS = 3000;	// two shared cores: scheduling, not waiting on the database
const OUTAGE_MS = 10000;

let cl;
after(async () => { if (cl) await cl.shutdown(); });

test('PostgreSQL away for 10 s under load: 503 with Retry-After, no hang, no 500, recovery without restarts', async () => {
  cl = await startCluster({ nodes: 3, serveArgs: ['--db-timeout-ms', String(DEADLINE_MS), '--db-pool', '4'] });
  const { nodes, creds } = cl;
  const P = creds.project_id;
  const k = { ak: creds.access_key, sk: creds.secret_key };
  const c = nodes.map((n) => clients(n));
  await createJob(c[0], 'createDesktops', 50);

  const log = [];	// every request: { kind, node, t0, t1, status, retryAfter }
  const createdJobs = new Map();	// job id -> sub-job ids, 201 answers
  const finished = new Map();	// sub-job id -> status, 200 answers
  let stop = false;

  async function timed(kind, node, req) {
    const t0 = Date.now();
    let r;
    try {
      r = await raw(req.base, { ...req, creds: req.anon ? undefined : k });
    } catch (e) {
      log.push({ kind, node, t0, t1: Date.now(), status: 0, error: String(e) });
      return null;
    }
    log.push({ kind, node, t0, t1: Date.now(), status: r.status, retryAfter: r.headers['retry-after'],
      code: r.json?.error_code });
    return r;
  }
  const json = (o) => JSON.stringify(o);
  const H = { 'Content-Type': 'application/json', 'X-Project-Id': P };

  async function creator(i) {
    for (let n = 0; !stop; n++) {
      const node = nodes[(i + n) % 3];
      const r = await timed('create', node, { base: node.internalUrl, method: 'POST', path: `/v1/internal/${P}/jobs`,
        headers: H, body: json({ job_type: 'rebuildDesktops', sub_jobs: [{ entity: `o${i}-${n}` }, { entity: 'x' }] }) });
      if (r?.status === 201) createdJobs.set(r.json.job_id, r.json.sub_job_ids);
      await sleep(50);
    }
  }
  async function claimer(i) {
    for (let n = 0; !stop; n++) {
      const node = nodes[(i + n) % 3];
      const r = await timed('claim', node, { base: node.internalUrl, method: 'POST', path: '/v1/internal/sub-jobs/claim',
        headers: H, body: json({ worker_id: `w${i}`, max: 5, lease_seconds: 60 }) });
      for (const s of r?.status === 200 ? r.json.sub_jobs : []) {
        const f = await timed('finish', node, { base: node.internalUrl, method: 'POST',
          path: `/v1/internal/sub-jobs/${s.id}/finish`, headers: H,
          body: json({ lease_id: s.lease_id, status: 'SUCCESS' }) });
        if (f?.status === 200) finished.set(s.id, 'SUCCESS');
      }
      await sleep(50);
    }
  }
  async function lister(i) {
    for (let n = 0; !stop; n++) {
      const node = nodes[(i + n) % 3];
      await timed('list', node, { base: node.publicUrl, method: 'GET', path: `/v2/${P}/workspace-sub-jobs`,
        query: 'limit=10', headers: { 'X-Project-Id': P } });
      await sleep(50);
    }
  }
  async function ready() {
    while (!stop) {
      for (const node of nodes) {
        await timed('readyz', node, { base: node.internalUrl, method: 'GET', path: '/readyz', anon: true });
      }
      await sleep(250);
    }
  }

  const load = [creator(0), creator(1), claimer(0), claimer(1), lister(0), ready()];
  await sleep(3000);
  const tDown = Date.now();
  await cl.stopPg(true);
  const tStopped = Date.now();
  await sleep(OUTAGE_MS);
  const tUp = Date.now();
  await cl.startPg();
  // Recovery by themselves: every node ready again within a generous bound.
  const readyAgain = async () => {
    for (const node of nodes) {
      const r = await raw(node.internalUrl, { method: 'GET', path: '/readyz' });
      if (r.status !== 200) return false;
    }
    return true;
  };
  let recovered = false;
  for (let i = 0; i < 120 && !(recovered = await readyAgain()); i++) await sleep(250);
  const tRecovered = Date.now();
  await sleep(3000);
  stop = true;
  await Promise.all(load);
  assert.ok(recovered, 'the nodes did not report ready within 30 s of the database coming back');

  // Nothing failed at the transport level; no 500; no wait past the deadline.
  const bad = log.filter((r) => r.status === 0 || (r.status >= 500 && r.status !== 503));
  assert.deepEqual(bad, [], 'transport errors or 5xx other than 503');
  const slow = log.filter((r) => r.t1 - r.t0 > DEADLINE_MS + MARGIN_MS);
  assert.deepEqual(slow, [], 'requests that waited past the database deadline');
  // Every 503 carries Retry-After in whole seconds.
  for (const r of log.filter((x) => x.status === 503)) {
    assert.match(r.retryAfter ?? '', /^[1-9]\d*$/, `503 without Retry-After: ${JSON.stringify(r)}`);
  }
  // Requests sent while the database was away: 503, every one of them.
  const inWindow = log.filter((r) => r.t0 >= tStopped && r.t1 <= tUp);
  assert.ok(inWindow.length >= 20, `only ${inWindow.length} requests in the outage`);
  const notRefused = inWindow.filter((r) => r.status !== 503);
  assert.deepEqual(notRefused, [], 'requests answered otherwise than 503 while the database was away');
  for (const kind of ['create', 'claim', 'list', 'readyz']) {
    assert.ok(inWindow.some((r) => r.kind === kind), `no ${kind} in the window`);
  }
  // /readyz: 200 before, 503 during, 200 after, on every node.
  for (const node of nodes) {
    const rz = log.filter((r) => r.kind === 'readyz' && r.node === node);
    assert.ok(rz.some((r) => r.t1 < tDown && r.status === 200), 'readyz was not 200 before');
    assert.ok(rz.some((r) => r.t0 >= tStopped && r.t1 <= tUp && r.status === 503), 'readyz was not 503 during');
    assert.ok(rz.some((r) => r.t0 >= tRecovered && r.status === 200), 'readyz was not 200 after');
  }
  // Work goes on after the recovery through every node.
  for (const kind of ['create', 'list']) {
    for (const node of nodes) {
      assert.ok(log.some((r) => r.kind === kind && r.node === node && r.t0 >= tRecovered && r.status < 300),
        `no ${kind} succeeded on ${node.publicUrl} after the recovery`);
    }
  }
  assert.ok(log.some((r) => r.kind === 'create' && r.t1 < tDown && r.status === 201), 'no create before the stop');

  // Every acknowledged write is there.
  const byId = new Map((await listAll(c[1])).map((s) => [s.id, s]));
  for (const [jobId, subs] of createdJobs) {
    for (const id of subs) assert.ok(byId.has(id), `sub-job ${id} of acknowledged job ${jobId} is lost`);
  }
  for (const [id, status] of finished) assert.equal(byId.get(id)?.status, status, `finish of ${id} is lost`);
});
