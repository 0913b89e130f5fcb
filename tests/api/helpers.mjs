// helpers.mjs - shared pieces of the API test files (not a test file
// itself: CMake only globs *.test.mjs).  Builds on lib.mjs.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, after } from 'node:test';
import { run, raw, sha256hex, startServer, clients, trackRequestId, requestIdOf } from './lib.mjs';
import { noteRequest, rethrowSince, stats } from './openapi.mjs';

const require = createRequire(import.meta.url);
const core = require('@huaweicloud/huaweicloud-sdk-core');
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// docs/API.md#conventions: UTC "YYYY-MM-DD HH:MM:SS".
export const TIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
// docs/API.md#conventions: IDs are 32 lowercase hex characters.
export const ID_RE = /^[0-9a-f]{32}$/;

export const MSG = {
  invalid: 'The parameter is invalid.',
  empty: 'The request message input by the interface is empty.',
  notFound: 'The resource not found.',
  conflict: 'The request could not be completed due to a conflict of the resource.',
  method: 'The method specified in the request is not allowed for this resource.',
  media: 'The server does not support the media type of the request payload.',
  noRoute: 'The API does not exist or has not been published in the environment.',
  tooLarge: 'Request entity too large.',
  iam: 'Incorrect IAM authentication information',
  denied: 'API access denied.',
};

// "YYYY-MM-DD HH:MM:SS" (UTC) to epoch milliseconds.
export function parseTime(s) {
  return Date.parse(s.replace(' ', 'T') + 'Z');
}

// Assert that no member anywhere in v is JSON null (docs/API.md#conventions).
export function assertNoNulls(v, where = '$') {
  assert.notEqual(v, null, `${where} is null`);
  if (Array.isArray(v)) v.forEach((x, i) => assertNoNulls(x, `${where}[${i}]`));
  else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) assertNoNulls(x, `${where}.${k}`);
  }
}

/*
 * One SDK call that keeps the whole error body: the official client signs
 * and sends it as usual, but axios is told not to throw on 4xx/5xx, so the
 * body (with error_detail, which the SDK's exception drops) comes back.
 * Resolves { status, body, requestId }.
 */
export async function callFull(client, { method, url, pathParams = {}, queryParams = {}, data, headers = {} }) {
  const opts = { method, url, pathParams, queryParams, headers: { ...headers },
    contentType: 'application/json', responseHeaders: ['X-Request-Id'],
    axiosRequestConfig: { validateStatus: () => true } };
  if (data !== undefined) opts.data = data;
  const mark = stats.failures.length;
  const n = trackRequestId(opts);
  noteRequest();
  const res = await client.sendRequest(opts);
  rethrowSince(mark);	// the answer does not match docs/openapi.yaml
  const { httpStatusCode, ...rest } = res;
  const requestId = requestIdOf(n) ?? rest['X-Request-Id'];
  delete rest['X-Request-Id'];
  return { status: httpStatusCode, body: rest, requestId };
}

// lib.mjs clients() with callFull.
export function fullClients(srv, creds, projectId) {
  return clients(srv, creds, projectId, callFull);
}

// Assert a Workspace-style (WKS.*) error.
export function assertWksError(r, status, code, msg, detailRe) {
  assert.equal(r.status, status, `status: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error_code, code, JSON.stringify(r.body));
  if (msg !== undefined) assert.equal(r.body.error_msg, msg);
  assert.ok(r.requestId, 'X-Request-Id header missing');
  // The bounds Huawei's documentation gives the error members.
  assert.ok(r.body.error_code.length <= 12, 'error_code over 12 characters');
  assert.ok(r.body.error_msg.length <= 1000, 'error_msg over 1000 characters');
  if (r.body.error_detail !== undefined) {
    assert.ok(r.body.error_detail.length <= 1000, `error_detail over 1000 characters (${r.body.error_detail.length})`);
  }
  if (detailRe !== undefined) {
    assert.equal(typeof r.body.error_detail, 'string', `no error_detail: ${JSON.stringify(r.body)}`);
    for (const re of [].concat(detailRe)) {
      if (re instanceof RegExp) assert.match(r.body.error_detail, re);
      else assert.ok(r.body.error_detail.includes(re),
        `error_detail ${JSON.stringify(r.body.error_detail)} does not name ${JSON.stringify(re)}`);
    }
  }
}

// Assert a gateway (APIGW.*) error from raw(): body request_id = header.
export function assertGatewayRaw(r, status, code, msgPrefix) {
  assert.equal(r.status, status, `status: ${r.text}`);
  assert.ok(r.json, `body is not JSON: ${r.text}`);
  assert.equal(r.json.error_code, code, r.text);
  if (msgPrefix !== undefined) assert.ok(r.json.error_msg.startsWith(msgPrefix), r.json.error_msg);
  const rid = r.headers['x-request-id'];
  assert.ok(rid, 'X-Request-Id header missing');
  assert.equal(r.json.request_id, rid, 'request_id in body differs from X-Request-Id');
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
}

/*
 * Headers for a request signed by the SDK's own AKSKSigner.  data (an
 * object) is hashed like the SDK does (JSON.stringify); a string body
 * goes through X-Sdk-Content-Sha256 (as lib.mjs raw() does).
 */
export function signHeaders(base, { method, path, queryParams = {}, headers = {}, data, body, creds }) {
  const hdrs = { ...headers };
  if (body !== undefined && body !== null && body.length > 0 && hdrs['X-Sdk-Content-Sha256'] === undefined) {
    hdrs['X-Sdk-Content-Sha256'] = sha256hex(body);
  }
  const cred = new core.BasicCredentials().withAk(creds.ak).withSk(creds.sk);
  const req = { endpoint: base + path, headers: hdrs, method, queryParams };
  if (data !== undefined) req.data = data;
  return AKSKSigner.sign(req, cred);
}

// raw() signed with the srv's (or given) credentials.
export function signedRaw(srv, base, opts) {
  const creds = opts.creds ?? { ak: srv.creds.access_key, sk: srv.creds.secret_key };
  return raw(base, { ...opts, creds });
}

// ---- admin CLI ----------------------------------------------------------

export function admin(srv, args) {
  const r = run(['admin', ...args, '--data', srv.data, '--json']);
  assert.equal(r.status, 0, `admin ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

let projectSeq = 0;
// A new project in the (only) account: its id.
export function mkProject(srv, prefix = 'p') {
  projectSeq += 1;
  const name = `${prefix}-${process.pid}-${projectSeq}`;
  const p = admin(srv, ['project', 'create', name]);
  assert.match(p.id, ID_RE);
  return p.id;
}

// A new access key of the root user: { ak, sk }.
export function mkKey(srv) {
  const k = admin(srv, ['key', 'create', '--user', srv.creds.user_name ?? 'admin']);
  return { ak: k.access_key, sk: k.secret_key };
}

// ---- fixtures -------------------------------------------------------------

export async function create(c, jobType = 'createDesktops', n = 1, extra = {}, headers = {}) {
  const subs = Array.from({ length: n }, (_, i) => ({
    entities: { desktop_id: `d-${i}`, user_name: `user${i}`, product_id: 'workspace.x86.ultimate.large2' },
    desktop_pool_id: 'pool-1', ...extra }));
  const r = await c.create({ job_type: jobType, sub_jobs: subs }, headers);
  assert.equal(r.status, 201, `create: ${JSON.stringify(r.body)}`);
  return r.body;
}

// Claim WAITING sub-jobs of c's project only.
export async function claim(c, { max = 100, lease = 60, worker = 'w1', host = '10.0.0.1', jobTypes } = {}) {
  const r = await c.claim({ worker_id: worker, host, max, lease_seconds: lease,
    project_ids: [c.project], ...(jobTypes ? { job_types: jobTypes } : {}) });
  assert.equal(r.status, 200, `claim: ${JSON.stringify(r.body)}`);
  return r.body.sub_jobs;
}

export async function finish(c, s, status, code = 'WKS.0005', reason = 'Failed to invoke ECS interface.') {
  const body = status === 'FAILED'
    ? { lease_id: s.lease_id, status, error_code: code, fail_reason: reason }
    : { lease_id: s.lease_id, status };
  const r = await c.finish(s.id, body);
  assert.equal(r.status, 200, `finish: ${JSON.stringify(r.body)}`);
  return r.body;
}

/*
 * Create a job of n sub-jobs and drive every one of them to status
 * (WAITING, RUNNING, SUCCESS, FAILED).  Call it only when no other
 * sub-job of c's project with this job type is WAITING (claims take the
 * oldest first).
 * Returns { job_id, sub_job_ids, leases: {id: claimed sub-job} }.
 */
export async function drive(c, jobType, n, status, extra = {}) {
  const j = await create(c, jobType, n, extra);
  const leases = {};
  if (status !== 'WAITING') {
    const got = await claim(c, { max: n, jobTypes: [jobType] });
    assert.deepEqual(got.map((s) => s.id).sort(), [...j.sub_job_ids].sort(),
      'claim took sub-jobs of another job: a WAITING sub-job was left in the project');
    for (const s of got) {
      leases[s.id] = s;
      if (status === 'SUCCESS' || status === 'FAILED') await finish(c, s, status);
    }
  }
  return { ...j, leases };
}

// Every sub-job of c's project: { id: sub-job }.
export async function snapshot(c) {
  const r = await c.list({ limit: 1000 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.jobs.length, r.body.total_count);
  return Object.fromEntries(r.body.jobs.map((s) => [s.id, s]));
}

export async function statusOf(c, id) {
  const all = await snapshot(c);
  return all[id]?.status;
}

// Poll fn() until it returns a truthy value or ms pass; returns the value.
export async function waitFor(fn, ms, step = 100) {
  const end = Date.now() + ms;
  let v;
  for (let i = 0; i < 10000; i++) {
    v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(step);
  }
  return v;
}

/*
 * Cross-check the counts the server keeps (total_count comes from counters
 * maintained by every write, docs/ARCHITECTURE.md#data-model) against the
 * rows themselves: total_count per status, per job type and per both; and
 * per job, sub_jobs_total and the derived status (docs/API.md#showjob)
 * against its sub-jobs.
 */
export async function assertCountsConsistent(c) {
  const all = Object.values(await snapshot(c));
  const n = (pred) => all.filter(pred).length;
  const total = async (q) => {
    const r = await c.list({ ...q, limit: 0 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.total_count;
  };
  const statuses = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED'];
  for (const st of statuses) {
    assert.equal(await total({ status: st }), n((s) => s.status === st), `total_count for status ${st}`);
  }
  for (const t of new Set(all.map((s) => s.job_type))) {
    assert.equal(await total({ job_type: t }), n((s) => s.job_type === t), `total_count for job_type ${t}`);
    for (const st of statuses) {
      assert.equal(await total({ job_type: t, status: st }), n((s) => s.job_type === t && s.status === st),
        `total_count for job_type ${t} status ${st}`);
    }
  }
  for (const jobId of new Set(all.map((s) => s.job_id))) {
    const subs = all.filter((s) => s.job_id === jobId);
    const r = await c.show(jobId);
    assert.equal(r.status, 200);
    const job = r.body;
    assert.equal(job.sub_jobs_total, subs.length, `sub_jobs_total of ${jobId}`);
    assert.equal(job.sub_jobs.length, subs.length);
    assert.equal(await total({ job_id: jobId }), subs.length);
    const has = (st) => subs.some((s) => s.status === st);
    const finished = has('SUCCESS') || has('FAILED');
    if (has('RUNNING') || (has('WAITING') && finished)) assert.equal(job.status, 'RUNNING', `status of ${jobId}`);
    else if (has('WAITING')) assert.ok(['WAITING', 'RUNNING'].includes(job.status), `status of ${jobId}`);
    else if (has('FAILED')) assert.equal(job.status, 'FAILED', `status of ${jobId}`);
    if (job.status === 'FAILED' || job.status === 'SUCCESS') assert.match(job.end_time ?? '', TIME_RE);
    else assert.equal(job.end_time, undefined, `end_time of unfinished job ${jobId}`);
  }
}

/*
 * The fixture of the test files that share one server: started before
 * the file's first test (serve extra arguments), stopped after its last;
 * fx.project(prefix) gives a test a project of its own, so that claims
 * and counts of one test never see another's:
 *   const fx = serverFixture();
 *   test('...', async () => { const { P, c, f } = fx.project('life'); ... fx.srv ... });
 */
export function serverFixture(extra = []) {
  const fx = {
    srv: null,
    // { P, c: clients, f: fullClients } of a new project.
    project: (prefix = 'p') => {
      const P = mkProject(fx.srv, prefix);
      return { P, c: clients(fx.srv, undefined, P), f: fullClients(fx.srv, undefined, P) };
    },
  };
  before(async () => { fx.srv = await startServer(undefined, extra); });
  after(async () => { await shutdown(fx.srv); });
  return fx;
}

// after() hooks: SIGTERM the server, remove its directory, and require a
// clean exit 0 (under ASan/LSan a leak or crash shows up here).
export async function shutdown(srv) {
  if (!srv) return;
  const code = await srv.stop();
  srv.cleanup();
  assert.equal(code, 0, `server exited ${code}: ${srv.stderr().slice(-3000)}`);
}
