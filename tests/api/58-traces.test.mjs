// 58-traces: the audit trail as Cloud Trace Service's ListTraces
// (docs/API.md#listtraces), on a real server: what a write leaves (who,
// from where, how, the operation, its resources, the masked request and
// the status), the filters, paging with next, bounds and bad input,
// tenant isolation, IAM (cts:trace:list), the reaper's SystemAction and
// the CLI.  Every 200 is validated against a schema written from the
// official CTS SDK's models (data/cts-list-traces.schema.json) besides
// docs/openapi.yaml.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer, clients, run } from './lib.mjs';
import { create, claim, drive, signedRaw, mkProject, sleep, waitFor, shutdown } from './helpers.mjs';
import { admin, mkPolicy, mkUser, getToken, withToken } from './iam-helpers.mjs';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const ctsSchema = JSON.parse(readFileSync(path.join(import.meta.dirname, 'data/cts-list-traces.schema.json'), 'utf8'));
const ctsValid = new Ajv2020({ allErrors: true, strict: true }).compile(ctsSchema);

// A job type of its own for every job: a WAITING sub-job left by one test
// is never claimed by another's drive().
let typeSeq = 0;
const jt = () => `traceJob${++typeSeq}`;

const TRACE_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let srv;
let P;
let c;

before(async () => {
  srv = await startServer(undefined, ['--reap-interval-ms', '200']);
  P = mkProject(srv, 'tr');
  c = clients(srv, undefined, P);
});

after(async () => {
  await shutdown(srv);
});

// GET /v3/{project}/traces?query signed by creds (the root's by default);
// a 200 must match the CTS SDK's models.
async function traces(query, { project = P, creds } = {}) {
  const r = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: `/v3/${project}/traces`, query, creds });
  if (r.status === 200) {
    assert.ok(ctsValid(r.json), `not the CTS SDK's ListTracesResponse: ${JSON.stringify(ctsValid.errors)}`);
  }
  return r;
}

// Every trace of the project in the last hour (all pages).
async function allTraces(extra = '', project = P) {
  const out = [];
  let next = '';
  for (let i = 0; i < 100; i++) {
    const r = await traces(`trace_type=system&limit=200${extra}${next ? `&next=${next}` : ''}`, { project });
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.traces);
    if (r.json.meta_data.marker === null) return out;
    next = r.json.meta_data.marker;
  }
  throw new Error('too many pages');
}

function assertCts400(r, re) {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error_code, 'CTS.0003');
  assert.match(r.json.error_msg, re);
}

// ---- bounds and bad input ---------------------------------------------------

test('trace_type is required and must be system: 400 CTS.0003 saying so', async () => {
  assertCts400(await traces(''), /trace_type/);
  assertCts400(await traces('trace_type=data'), /trace_type must be system/);
  assertCts400(await traces('trace_type=system&tracker_name=other'), /tracker_name/);
  const ok = await traces('trace_type=system');
  assert.equal(ok.status, 200, ok.text);
});

test('limit 1..200, from/to epoch ms with to after from, next a marker: clear 400s', async () => {
  for (const l of ['0', '201', '-1', 'abc', '1.5', '']) {
    if (l === '') continue;
    assertCts400(await traces(`trace_type=system&limit=${l}`), /limit must be an integer in 1\.\.200/);
  }
  assertCts400(await traces('trace_type=system&from=yesterday'), /from must be a time in epoch milliseconds/);
  assertCts400(await traces('trace_type=system&to=-5'), /to must be a time/);
  assertCts400(await traces('trace_type=system&from=2000&to=1000'), /to must be later than from/);
  assertCts400(await traces('trace_type=system&from=1000&to=1000'), /to must be later than from/);
  assertCts400(await traces('trace_type=system&next=not-a-marker'), /next must be the marker/);
  assertCts400(await traces(`trace_type=system&user=${'u'.repeat(256)}`), /user must be at most 255/);
  for (const l of ['1', '200']) assert.equal((await traces(`trace_type=system&limit=${l}`)).status, 200);
  // Unknown parameters are ignored; an unknown trace_id matches nothing.
  const r = await traces('trace_type=system&colour=blue&trace_id=nope');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { traces: [], meta_data: { count: 0, marker: null } });
});

// ---- what a write leaves --------------------------------------------------

test('a signed delete: an ApiCall trace with who, where, what, the request and the status', async () => {
  const j = await drive(c, jt(), 2, 'SUCCESS');
  const t0 = Date.now();
  const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
    body: JSON.stringify({ job_ids: j.sub_job_ids }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 200, r.text);
  const rid = r.headers['x-request-id'];
  const all = await allTraces();
  const t = all.find((x) => x.request_id === rid);
  assert.ok(t, `no trace of request ${rid}: ${JSON.stringify(all.slice(0, 3))}`);
  assert.match(t.trace_id, TRACE_ID_RE);
  assert.equal(t.trace_name, 'batchDeleteSubJobs');
  assert.equal(t.trace_type, 'ApiCall');
  assert.equal(t.service_type, 'Workspace');
  assert.equal(t.resource_type, 'subJob');
  assert.deepEqual(t.resource_id.split(',').sort(), [...j.sub_job_ids].sort());
  assert.equal(t.user.id, srv.creds.user_id ?? t.user.id);
  assert.equal(t.user.name, 'admin');
  assert.equal(t.user.domain.name, 'admin');
  assert.match(t.user.domain.id, /^[0-9a-f]{32}$/);
  assert.equal(t.source_ip, '127.0.0.1');
  assert.deepEqual(JSON.parse(t.request), { job_ids: j.sub_job_ids });
  assert.equal(t.code, '200');
  assert.equal(t.trace_rating, 'normal');
  assert.ok(t.time >= t0 - 1000 && t.time <= Date.now() + 1000, `time ${t.time}`);
  assert.ok(t.record_time >= t.time, 'recorded before it happened');
  // Newest first.
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].time >= all[i].time, 'not newest first');
});

test('a refused delete leaves a trace with its status (400, warning)', async () => {
  const j = await drive(c, jt(), 1, 'WAITING');
  const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
    body: JSON.stringify({ job_ids: j.sub_job_ids }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400, r.text);
  const t = (await allTraces()).find((x) => x.request_id === r.headers['x-request-id']);
  assert.ok(t, 'no trace of the refused delete');
  assert.equal(t.code, '400');
  assert.equal(t.trace_rating, 'warning');
  assert.match(t.message, /^error/);
});

test('a write with a token is an ApiCall too, under the token user\'s name', async () => {
  const u = mkUser(srv, `tok${process.pid}`, { attach: [['Workspace FullAccess', 'domain']] });
  const tk = await getToken(srv, u.name, u.password, { project: { id: P } });
  assert.equal(tk.status, 201, tk.text);
  const j = await drive(c, jt(), 1, 'FAILED');
  const r = await withToken(srv, tk.token, { method: 'POST', path: `/v2/${P}/workspace-jobs/${j.job_id}/actions`,
    data: { op_type: 'retry' } });
  assert.equal(r.status, 200, r.text);
  const t = (await allTraces(`&user=${u.name}`))[0];
  assert.ok(t, 'no trace of the token user');
  assert.equal(t.trace_name, 'runActionsOnWorkspaceJob');
  assert.equal(t.trace_type, 'ApiCall');
  assert.equal(t.user.name, u.name);
  assert.equal(t.user.id, u.id);
  assert.equal(t.resource_type, 'job');
  assert.equal(t.request_id, r.headers['x-request-id']);
});

test('secrets are never in request: masked members, and logins leave no trace', async () => {
  const j = await drive(c, jt(), 1, 'SUCCESS');
  const secret = `S3cret-${process.pid}-xyzzy`;
  const body = JSON.stringify({ job_ids: j.sub_job_ids, password: secret, nested: { secret_key: secret, Token: secret },
    list: [{ sk: secret }] });
  const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
    body, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 200, r.text);
  const pw = `Pw-login-${process.pid}-0123`;
  admin(srv, ['user', 'passwd', 'admin', '--password', pw]);
  const tk = await getToken(srv, 'admin', pw, { project: { id: P } });
  assert.equal(tk.status, 201, tk.text);
  const all = await allTraces();
  const t = all.find((x) => x.request_id === r.headers['x-request-id']);
  const req = JSON.parse(t.request);
  assert.equal(req.password, '******');
  assert.equal(req.nested.secret_key, '******');
  assert.equal(req.nested.Token, '******');
  assert.equal(req.list[0].sk, '******');
  const text = JSON.stringify(all);
  assert.ok(!text.includes(secret), 'a secret in the traces');
  assert.ok(!text.includes(pw), 'a password in the traces');
});

test('request keeps at most 4096 bytes of the body', async () => {
  const j = await drive(c, jt(), 1, 'SUCCESS');
  const body = JSON.stringify({ job_ids: j.sub_job_ids, note: 'é'.repeat(5000) });
  const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
    body, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 200, r.text);
  const t = (await allTraces(`&resource_id=${j.sub_job_ids[0]}`))[0];
  assert.ok(Buffer.byteLength(t.request) <= 4096, `request of ${Buffer.byteLength(t.request)} bytes`);
  assert.ok(Buffer.byteLength(t.request) > 4000);
  assert.ok(t.request.startsWith('{"job_ids":'));
  assert.ok(!t.request.includes('\ufffd'), 'cut inside a character');
});

// ---- filters and paging ---------------------------------------------------

test('filters: user, trace_name, resource_id, trace_id, from and to', async () => {
  const j = await drive(c, jt(), 3, 'SUCCESS');
  const dels = [];
  for (const id of j.sub_job_ids) {
    const r = await c.del({ job_ids: [id] });
    assert.equal(r.status, 200);
    dels.push(id);
    await sleep(5);
  }
  // The writes that named the sub-job (its finish, its delete).
  const byRes = await allTraces(`&resource_id=${dels[1]}`);
  assert.equal(byRes[0].trace_name, 'batchDeleteSubJobs');
  assert.ok(byRes.some((x) => x.trace_name === 'finishSubJob'));
  assert.ok(byRes.every((x) => x.resource_id.split(',').includes(dels[1])));
  const t = byRes[0];
  assert.equal(t.resource_id, dels[1]);
  const byId = await traces(`trace_type=system&trace_id=${t.trace_id}&user=someone-else`);
  assert.deepEqual(byId.json.traces, [t], 'trace_id: the other filters do not apply');
  const byName = await allTraces('&trace_name=batchDeleteSubJobs');
  assert.ok(byName.length >= 3 && byName.every((x) => x.trace_name === 'batchDeleteSubJobs'));
  const creates = await allTraces('&trace_name=createJob');
  assert.ok(creates.length >= 1 && creates.every((x) => x.trace_name === 'createJob'));
  assert.deepEqual(await allTraces('&user=nobody-at-all'), []);
  const byUser = await allTraces('&user=admin');
  assert.ok(byUser.length >= 3 && byUser.every((x) => x.user.name === 'admin'));
  // from and to exclude their own millisecond.
  const win = await allTraces(`&from=${t.time - 1}&to=${t.time + 1}`);
  assert.ok(win.some((x) => x.trace_id === t.trace_id) && win.every((x) => x.time === t.time));
  assert.ok(!(await allTraces(`&from=${t.time}`)).some((x) => x.trace_id === t.trace_id));
  assert.ok(!(await allTraces(`&from=${t.time - 5000}&to=${t.time}`)).some((x) => x.trace_id === t.trace_id));
  // Another service has no traces here.
  assert.deepEqual((await traces('trace_type=system&service_type=ECS')).json.traces, []);
});

test('paging with next: every trace once, newest first, the last page without a marker', async () => {
  const Q = mkProject(srv, 'page');
  const cq = clients(srv, undefined, Q);
  for (let i = 0; i < 7; i++) assert.equal((await cq.create({ job_type: 'createDesktops',
    sub_jobs: [{ entities: { desktop_id: `d${i}` } }] })).status, 201);
  const whole = await traces('trace_type=system&limit=200', { project: Q });
  assert.equal(whole.json.traces.length, 7);
  assert.equal(whole.json.meta_data.count, 7);
  assert.equal(whole.json.meta_data.marker, null);
  const seen = [];
  let next = '';
  for (let i = 0; i < 10; i++) {
    const r = await traces(`trace_type=system&limit=3${next ? `&next=${next}` : ''}`, { project: Q });
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.traces.map((x) => x.trace_id));
    assert.equal(r.json.meta_data.count, r.json.traces.length);
    if (r.json.meta_data.marker === null) break;
    assert.equal(r.json.meta_data.marker, r.json.traces.at(-1).trace_id);
    next = r.json.meta_data.marker;
  }
  assert.deepEqual(seen, whole.json.traces.map((x) => x.trace_id));
  // An exact multiple: the page that ends the list has no marker.
  const seven = await traces('trace_type=system&limit=7', { project: Q });
  assert.equal(seven.json.meta_data.marker, null);
  // Default: 10.
  assert.equal((await traces('trace_type=system', { project: Q })).json.traces.length, 7);
});

// ---- isolation and permissions -------------------------------------------

test('tenant isolation: another project never sees these traces, not even by trace_id or marker', async () => {
  const Q = mkProject(srv, 'iso');
  const mine = await allTraces();
  assert.ok(mine.length > 0);
  const theirs = await allTraces('', Q);
  const ids = new Set(mine.map((x) => x.trace_id));
  assert.ok(!theirs.some((x) => ids.has(x.trace_id)));
  const r = await traces(`trace_type=system&trace_id=${mine[0].trace_id}`, { project: Q });
  assert.deepEqual(r.json.traces, []);
  const m = await traces(`trace_type=system&next=${mine[0].trace_id}`, { project: Q });
  assert.deepEqual(m.json.traces, []);
  // A project of no one: the gateway's 403.
  const g = await traces('trace_type=system', { project: 'f'.repeat(32) });
  assert.equal(g.status, 403);
  assert.equal(g.json.error_code, 'APIGW.0306');
});

test('IAM: cts:trace:list is the root\'s, a policy grants it; Workspace ReadOnlyAccess does not', async () => {
  const ro = mkUser(srv, `ro${process.pid}`, { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const r1 = await traces('trace_type=system', { creds: { ak: ro.ak, sk: ro.sk } });
  assert.equal(r1.status, 403, r1.text);
  assert.equal(r1.json.error_code, 'CTS.0002');
  assert.ok(r1.json.encoded_authorization_message, 'no encoded authorization message');
  mkPolicy(srv, `cts-read-${process.pid}`, { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['cts:trace:list'] }] });
  const aud = mkUser(srv, `aud${process.pid}`, { attach: [[`cts-read-${process.pid}`, 'domain']] });
  const r2 = await traces('trace_type=system', { creds: { ak: aud.ak, sk: aud.sk } });
  assert.equal(r2.status, 200, r2.text);
  // Reading leaves no trace.
  assert.ok(!(await allTraces()).some((x) => x.trace_name === 'listTraces'));
});

// ---- the reaper -------------------------------------------------------------

test('the lease reaper leaves a SystemAction trace on the sub-jobs it took back', async () => {
  const Q = mkProject(srv, 'reap');
  const cq = clients(srv, undefined, Q);
  const j = await create(cq, 'reapTraceJob', 1);
  const got = await claim(cq, { max: 1, lease: 5, jobTypes: ['reapTraceJob'] });
  assert.equal(got.length, 1);
  const t = await waitFor(async () => (await allTraces('&trace_name=reapExpiredLeases', Q))[0], 20000, 200);
  assert.ok(t, 'no trace of the reaper');
  assert.equal(t.trace_type, 'SystemAction');
  assert.equal(t.resource_id, j.sub_job_ids[0]);
  assert.equal(t.resource_type, 'subJob');
  assert.equal(t.user.name, '');
  assert.equal(t.code, '200');
});

// ---- the CLI -----------------------------------------------------------------

test('wksjobs traces list: the same filters, JSON and a table', async () => {
  const j = await drive(c, jt(), 1, 'SUCCESS');
  assert.equal((await c.del({ job_ids: j.sub_job_ids })).status, 200);
  const base = ['traces', 'list', '--endpoint', srv.publicUrl, '--project-id', P,
    '--ak', srv.creds.access_key, '--sk', srv.creds.secret_key];
  const js = run([...base, '--resource-id', j.sub_job_ids[0], '--output', 'json']);
  assert.equal(js.status, 0, js.stderr);
  const out = JSON.parse(js.stdout);
  assert.ok(ctsValid(out), JSON.stringify(ctsValid.errors));
  assert.equal(out.traces[0].trace_name, 'batchDeleteSubJobs');
  assert.ok(out.traces.every((x) => x.resource_id.split(',').includes(j.sub_job_ids[0])));
  const tab = run([...base, '--trace-name', 'batchDeleteSubJobs', '--limit', '2']);
  assert.equal(tab.status, 0, tab.stderr);
  assert.match(tab.stdout, /TIME\s+USER\s+TYPE\s+OPERATION\s+CODE\s+RESOURCE/);
  assert.match(tab.stdout, /batchDeleteSubJobs/);
  const bad = run([...base, '--limit', '0']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /limit/);
});
