// 30-gateway-errors: routing, body cap, authentication and project scope
// (docs/API.md#errors, docs/API.md#authentication): every status of
// the gateway layer, with request_id in the body equal to X-Request-Id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DB_SHELL, countsInsert, dbQuery, startServer, clients, raw, sdkClient, call, run } from './lib.mjs';
import {
  MSG, assertGatewayRaw, assertWksError, signHeaders, signedRaw, mkKey, mkProject,
  create, fullClients, waitFor,
  shutdown,
} from './helpers.mjs';

let srv;
let c;
let P;

before(async () => {
  srv = await startServer();
  c = clients(srv);
  P = srv.creds.project_id;
});

after(async () => {
  await shutdown(srv);
});

const LIST = () => `/v2/${P}/workspace-sub-jobs`;
const DEL = () => `/v2/${P}/workspace-sub-jobs/batch-delete`;
const hex32 = () => randomBytes(16).toString('hex');
const sdkDate = (ms) => new Date(ms).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
const iam = (reason) => `${MSG.iam}: ${reason}`;

// Send a request signed by the SDK signer with key k; mutate(parts) may
// change what is sent after signing.
async function signedThenSent(k, { method = 'GET', path, queryParams = {}, data, headers = {}, mutate }) {
  const hdrs = { 'X-Project-Id': P, ...headers };
  if (data !== undefined) hdrs['content-type'] = 'application/json';
  const signed = signHeaders(srv.publicUrl, { method, path, queryParams, headers: hdrs, data, creds: k });
  const parts = { method, path, query: new URLSearchParams(queryParams).toString(),
    body: data !== undefined ? JSON.stringify(data) : undefined, headers: { ...signed } };
  if (mutate) mutate(parts);
  if (parts.body !== undefined) parts.headers['Content-Length'] = String(Buffer.byteLength(parts.body));
  return raw(srv.publicUrl, parts);
}

// ---- routing (before authentication) --------------------------------------

test('unknown paths are 404 APIGW.0101 without credentials', async () => {
  const paths = ['/', '/v2', `/v2/${P}`, `/v2/${P}/workspace-things`, `/v2/${P}/workspace-sub-jobs/x/y`,
    `/v3/${P}/workspace-sub-jobs`, '/v1/internal/sub-jobs/claim', `/v1/internal/${P}/jobs`, '/healthz'];
  for (const p of paths) {
    const r = await raw(srv.publicUrl, { method: 'GET', path: p });
    assertGatewayRaw(r, 404, 'APIGW.0101', MSG.noRoute);
    assert.equal(r.json.error_msg, MSG.noRoute, p);
  }
  // The public routes do not exist on the internal listener.
  const r = await raw(srv.internalUrl, { method: 'GET', path: LIST() });
  assertGatewayRaw(r, 404, 'APIGW.0101', MSG.noRoute);
});

test('an unknown path is 404 even with a valid signature, and with a bad one', async () => {
  const ok = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: `/v2/${P}/workspace-nothing`,
    headers: { 'X-Project-Id': P } });
  assertGatewayRaw(ok, 404, 'APIGW.0101', MSG.noRoute);
  const bad = await raw(srv.publicUrl, { method: 'GET', path: `/v2/${P}/workspace-nothing`,
    headers: { Authorization: 'SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=host, Signature=00' } });
  assertGatewayRaw(bad, 404, 'APIGW.0101', MSG.noRoute);
});

test('a known path with a wrong method is 405 WKS.00000405 with Allow, before authentication', async () => {
  const J = hex32();
  const cases = [
    [srv.publicUrl, 'DELETE', LIST(), 'GET'],
    [srv.publicUrl, 'POST', LIST(), 'GET'],
    [srv.publicUrl, 'GET', DEL(), 'POST'],
    [srv.publicUrl, 'PUT', DEL(), 'POST'],
    [srv.publicUrl, 'POST', `/v2/${P}/workspace-jobs/${J}`, 'GET'],
    [srv.publicUrl, 'DELETE', `/v2/${P}/workspace-jobs/${J}`, 'GET'],
    [srv.publicUrl, 'GET', `/v2/${P}/workspace-jobs/${J}/actions`, 'POST'],
    [srv.internalUrl, 'GET', '/v1/internal/sub-jobs/claim', 'POST'],
    [srv.internalUrl, 'GET', `/v1/internal/${P}/jobs`, 'POST'],
    [srv.internalUrl, 'PUT', `/v1/internal/sub-jobs/${J}/finish`, 'POST'],
  ];
  for (const [base, method, p, allow] of cases) {
    const r = await raw(base, { method, path: p });
    assert.equal(r.status, 405, `${method} ${p}: ${r.text}`);
    assert.equal(r.json.error_code, 'WKS.00000405');
    assert.equal(r.json.error_msg, MSG.method);
    assert.equal(r.headers.allow, allow, `${method} ${p}`);
    assert.ok(r.headers['x-request-id'], 'X-Request-Id missing');
  }
});

// ---- body cap -------------------------------------------------------------

test('a body over the public cap (65536 bytes) is 413 APIGW.0201', async () => {
  const big = `{"delete_by_status":"FAILED","pad":"${'x'.repeat(65536)}"}`;
  // With Content-Length (refused when the headers arrive) ...
  const r1 = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: DEL(), body: big,
    headers: { 'Content-Type': 'application/json', 'X-Project-Id': P, 'Content-Length': String(big.length) } });
  assertGatewayRaw(r1, 413, 'APIGW.0201', MSG.tooLarge);
  assert.equal(r1.json.error_msg, MSG.tooLarge);
  // ... and chunked, without Content-Length.
  const r2 = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: DEL(), body: big,
    headers: { 'Content-Type': 'application/json', 'X-Project-Id': P } });
  assertGatewayRaw(r2, 413, 'APIGW.0201', MSG.tooLarge);
  // No credentials needed to be told.
  const r3 = await raw(srv.publicUrl, { method: 'POST', path: DEL(), body: big,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) } });
  assertGatewayRaw(r3, 413, 'APIGW.0201', MSG.tooLarge);
});

test('a body of exactly 65536 bytes is accepted', async () => {
  const head = '{"delete_by_status":"FAILED"}';
  const body = head + ' '.repeat(65536 - head.length);
  assert.equal(body.length, 65536);
  const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: DEL(), body,
    headers: { 'Content-Type': 'application/json', 'X-Project-Id': P, 'Content-Length': '65536' } });
  assert.equal(r.status, 200, r.text);
});

test('the public body cap is configurable (--max-body flag and WKSJOBS_MAX_BODY)', async () => {
  const head = '{"delete_by_status":"FAILED"}';
  const pad = (n) => head + ' '.repeat(n - head.length);
  const check = async (s, cap) => {
    const p = `/v2/${s.creds.project_id}/workspace-sub-jobs/batch-delete`;
    const ok = await signedRaw(s, s.publicUrl, { method: 'POST', path: p, body: pad(cap),
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(cap) } });
    assert.equal(ok.status, 200, ok.text);
    const over = await signedRaw(s, s.publicUrl, { method: 'POST', path: p, body: pad(cap + 1),
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(cap + 1) } });
    assertGatewayRaw(over, 413, 'APIGW.0201', MSG.tooLarge);
  };
  const s1 = await startServer(undefined, ['--max-body', '2048']);
  try { await check(s1, 2048); } finally { await shutdown(s1); }
  process.env.WKSJOBS_MAX_BODY = '3000';
  let s2;
  try {
    s2 = await startServer();
  } finally {
    delete process.env.WKSJOBS_MAX_BODY;
  }
  try { await check(s2, 3000); } finally { await shutdown(s2); }
});

// ---- authentication -------------------------------------------------------

test('no credentials: 401 APIGW.0301 "x-auth-token not found"', async () => {
  for (const [method, p, body] of [['GET', LIST()], ['GET', `/v2/${P}/workspace-jobs/${hex32()}`],
    ['POST', DEL(), '{"delete_by_status":"FAILED"}']]) {
    const r = await raw(srv.publicUrl, { method, path: p, body,
      headers: { 'Content-Type': 'application/json', 'X-Project-Id': P } });
    assertGatewayRaw(r, 401, 'APIGW.0301');
    assert.equal(r.json.error_msg, iam('x-auth-token not found'));
  }
  const ri = await raw(srv.internalUrl, { method: 'POST', path: '/v1/internal/sub-jobs/claim',
    body: '{"worker_id":"w"}', headers: { 'Content-Type': 'application/json' } });
  assertGatewayRaw(ri, 401, 'APIGW.0301');
  assert.equal(ri.json.error_msg, iam('x-auth-token not found'));
});

test('both X-Auth-Token and Authorization: 401 APIGW.0301', async () => {
  const r = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: LIST(),
    headers: { 'X-Project-Id': P, 'X-Auth-Token': 'MIIEXAMPLETOKEN' } });
  assertGatewayRaw(r, 401, 'APIGW.0301', MSG.iam);
});

test('an unparsable X-Auth-Token: 401 APIGW.0301 "decrypt token fail"', async () => {
  const r = await raw(srv.publicUrl, { method: 'GET', path: LIST(),
    headers: { 'X-Auth-Token': 'not-a-token', 'Content-Type': 'application/json' } });
  assertGatewayRaw(r, 401, 'APIGW.0301');
  assert.equal(r.json.error_msg, iam('decrypt token fail'));
});

test('the harness signer is accepted (control for the tamper tests)', async () => {
  const k = mkKey(srv);
  const r1 = await signedThenSent(k, { path: LIST(), queryParams: { limit: '1' } });
  assert.equal(r1.status, 200, r1.text);
  const r2 = await signedThenSent(k, { method: 'POST', path: DEL(), data: { job_ids: [hex32()] } });
  assert.equal(r2.status, 200, r2.text);
  const r3 = await signedThenSent(k, { path: LIST(), headers: { 'X-Custom': 'a' } });
  assert.equal(r3.status, 200, r3.text);
});

const SIGFAIL = iam('verify aksk signature fail');

test('a body changed after signing: 401 "verify aksk signature fail"', async () => {
  const k = mkKey(srv);
  const r = await signedThenSent(k, { method: 'POST', path: DEL(), data: { job_ids: ['a'.repeat(32)] },
    mutate: (x) => { x.body = JSON.stringify({ job_ids: ['b'.repeat(32)] }); } });
  assertGatewayRaw(r, 401, 'APIGW.0301');
  assert.equal(r.json.error_msg, SIGFAIL);
});

test('a query changed after signing: 401 "verify aksk signature fail"', async () => {
  const k = mkKey(srv);
  const r = await signedThenSent(k, { path: LIST(), queryParams: { limit: '1' },
    mutate: (x) => { x.query = 'limit=2'; } });
  assertGatewayRaw(r, 401, 'APIGW.0301');
  assert.equal(r.json.error_msg, SIGFAIL);
  const r2 = await signedThenSent(k, { path: LIST(), queryParams: { limit: '1' },
    mutate: (x) => { x.query = 'limit=1&status=FAILED'; } });
  assertGatewayRaw(r2, 401, 'APIGW.0301');
  assert.equal(r2.json.error_msg, SIGFAIL);
});

test('a signed header changed or dropped after signing: 401 "verify aksk signature fail"', async () => {
  const k = mkKey(srv);
  const r = await signedThenSent(k, { path: LIST(), headers: { 'X-Custom': 'a' },
    mutate: (x) => { x.headers['X-Custom'] = 'b'; } });
  assertGatewayRaw(r, 401, 'APIGW.0301');
  assert.equal(r.json.error_msg, SIGFAIL);
  const r2 = await signedThenSent(k, { path: LIST(), headers: { 'X-Custom': 'a' },
    mutate: (x) => { delete x.headers['X-Custom']; } });
  assertGatewayRaw(r2, 401, 'APIGW.0301');
  assert.match(r2.json.error_msg, new RegExp(`^${SIGFAIL}`));
});

test('a path or method changed after signing, or a wrong secret: 401 "verify aksk signature fail"', async () => {
  const k = mkKey(srv);
  const r = await signedThenSent(k, { path: `/v2/${P}/workspace-jobs/${'a'.repeat(32)}`,
    mutate: (x) => { x.path = `/v2/${P}/workspace-jobs/${'b'.repeat(32)}`; } });
  assertGatewayRaw(r, 401, 'APIGW.0301');
  assert.equal(r.json.error_msg, SIGFAIL);
  const r2 = await signedThenSent(k, { method: 'POST', path: `/v2/${P}/workspace-jobs/${'a'.repeat(32)}/actions`,
    data: { op_type: 'retry' }, mutate: (x) => { x.path = `/v2/${P}/workspace-jobs/${'c'.repeat(32)}/actions`; } });
  assertGatewayRaw(r2, 401, 'APIGW.0301');
  assert.equal(r2.json.error_msg, SIGFAIL);
  const wrong = await call(sdkClient(srv.publicUrl, k.ak, 'W'.repeat(40), P), { method: 'GET',
    url: '/v2/{project_id}/workspace-sub-jobs', pathParams: { project_id: P } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error_code, 'APIGW.0301');
  assert.equal(wrong.body.error_msg, SIGFAIL);
  assert.ok(wrong.requestId);
});

test('an unknown AK: 401 "Get secretKey failed"', async () => {
  const r = await call(sdkClient(srv.publicUrl, 'UNKNOWNAKUNKNOWNAK00', 'S'.repeat(40), P), {
    method: 'GET', url: '/v2/{project_id}/workspace-sub-jobs', pathParams: { project_id: P } });
  assert.equal(r.status, 401);
  assert.equal(r.body.error_code, 'APIGW.0301');
  assert.equal(r.body.error_msg, iam('Get secretKey failed'));
  assert.ok(r.requestId);
  const r2 = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: LIST(),
    headers: { 'X-Project-Id': P }, creds: { ak: 'UNKNOWNAKUNKNOWNAK00', sk: 'S'.repeat(40) } });
  assertGatewayRaw(r2, 401, 'APIGW.0301');
  assert.equal(r2.json.error_msg, iam('Get secretKey failed'));
});

test('a malformed Authorization header or an unknown algorithm: 401 APIGW.0301', async () => {
  for (const authz of ['Bearer abc', 'SDK-HMAC-SHA256', 'SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=00',
    `SDK-HMAC-MD5 Access=${srv.creds.access_key}, SignedHeaders=host;x-sdk-date, Signature=00`]) {
    const r = await raw(srv.publicUrl, { method: 'GET', path: LIST(),
      headers: { Authorization: authz, 'X-Sdk-Date': sdkDate(Date.now()) } });
    assertGatewayRaw(r, 401, 'APIGW.0301', MSG.iam);
  }
});

test('X-Sdk-Date 20 minutes off (either way) or missing: 401; 14 minutes off is accepted', async () => {
  const k = mkKey(srv);
  for (const off of [-20, 20]) {
    const r = await signedThenSent(k, { path: LIST(), headers: { 'X-Sdk-Date': sdkDate(Date.now() + off * 60000) } });
    assertGatewayRaw(r, 401, 'APIGW.0301');
    assert.ok(r.json.error_msg.startsWith(SIGFAIL), r.json.error_msg);
  }
  const r = await signedThenSent(k, { path: LIST(), mutate: (x) => {
    for (const h of Object.keys(x.headers)) if (h.toLowerCase() === 'x-sdk-date') delete x.headers[h];
  } });
  assertGatewayRaw(r, 401, 'APIGW.0301');
  const k2 = mkKey(srv);
  for (const off of [-14, 14]) {
    const ok = await signedThenSent(k2, { path: LIST(), headers: { 'X-Sdk-Date': sdkDate(Date.now() + off * 60000) } });
    assert.equal(ok.status, 200, `${off} min: ${ok.text}`);
  }
});

test('an AK locks after 5 consecutive signature failures; other AKs are unaffected', async () => {
  const k = mkKey(srv);
  // Failures interrupted by a success do not lock.
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 4; i++) {
      const bad = await signedThenSent(k, { path: LIST(), queryParams: { limit: '1' },
        mutate: (x) => { x.query = 'limit=3'; } });
      assert.equal(bad.status, 401);
    }
    const good = await signedThenSent(k, { path: LIST() });
    assert.equal(good.status, 200, `round ${round}: 4 failures then a success: ${good.text}`);
  }
  for (let i = 0; i < 5; i++) {
    const bad = await signedThenSent(k, { path: LIST(), queryParams: { limit: '1' },
      mutate: (x) => { x.query = 'limit=3'; } });
    assert.equal(bad.status, 401);
  }
  const locked = await signedThenSent(k, { path: LIST() });
  assertGatewayRaw(locked, 401, 'APIGW.0301', MSG.iam);
  const other = await c.list({ limit: 1 });
  assert.equal(other.status, 200);
});

// ---- project scope --------------------------------------------------------

test('X-Project-Id different from the path project: 403 APIGW.0306', async () => {
  const other = mkProject(srv, 'scope');
  const r = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: LIST(), headers: { 'X-Project-Id': other } });
  assertGatewayRaw(r, 403, 'APIGW.0306');
  assert.equal(r.json.error_msg, MSG.denied);
  // Through the SDK: credentials bound to one project, path of another.
  const sdk = sdkClient(srv.publicUrl, srv.creds.access_key, srv.creds.secret_key, other);
  const r2 = await call(sdk, { method: 'GET', url: '/v2/{project_id}/workspace-sub-jobs', pathParams: { project_id: P } });
  assert.equal(r2.status, 403);
  assert.equal(r2.body.error_code, 'APIGW.0306');
  assert.ok(r2.requestId);
  const r3 = await call(sdk, { method: 'POST', url: '/v2/{project_id}/workspace-sub-jobs/batch-delete',
    pathParams: { project_id: P }, data: { delete_by_status: 'FAILED' } });
  assert.equal(r3.status, 403);
  assert.equal(r3.body.error_code, 'APIGW.0306');
});

test('X-Project-Id is optional (absent: the path project is used)', async () => {
  const r = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: LIST() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total_count, 0);
});

// Every job route of the clients' project: 403 APIGW.0306.
async function assertScopeDenied(g) {
  const J = hex32();
  for (const r of [await g.list(), await g.show(J), await g.retry(J), await g.del({ delete_by_status: 'FAILED' }),
    await g.create({ job_type: 'createDesktops', sub_jobs: [{}] })]) {
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error_code, 'APIGW.0306');
    assert.equal(r.body.error_msg, MSG.denied);
    assert.ok(r.requestId);
  }
}

test('a nonexistent project: 403 APIGW.0306 on every route', async () => {
  const ghost = hex32();
  await assertScopeDenied(clients(srv, undefined, ghost));
  const rr = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: `/v2/${ghost}/workspace-sub-jobs`,
    headers: { 'X-Project-Id': ghost } });
  assertGatewayRaw(rr, 403, 'APIGW.0306');
});

test("a project of another data directory's account: 403 APIGW.0306 both ways", async () => {
  const srv2 = await startServer();
  try {
    const foreignP = srv2.creds.project_id;
    await create(clients(srv2), 'createDesktops', 1);
    const mine = clients(srv, undefined, foreignP);
    const r = await mine.list();
    assert.equal(r.status, 403);
    assert.equal(r.body.error_code, 'APIGW.0306');
    const theirs = clients(srv2, undefined, P);
    const r2 = await theirs.list();
    assert.equal(r2.status, 403);
    assert.equal(r2.body.error_code, 'APIGW.0306');
  } finally {
    await shutdown(srv2);
  }
});

// The admin CLI only manages the first account, so a second account and
// its project are written straight into the database (the engine's schema)
// with its shell (lib.mjs dbQuery), while the server runs.

test('a project of another account in the same database: 403 APIGW.0306 on every route',
  { skip: DB_SHELL ? false : 'no sqlite3 shell' }, async () => {
    // Sorts after the init account by id, name and time: the admin CLI
    // ("first account") keeps working on the original one.
    const D = `ffff${hex32().slice(4)}`;
    const FP = `ffff${hex32().slice(4)}`;
    const far = Date.now() + 365 * 86400000;
    // With one WAITING sub-job, older than anything else, in that project.
    const FJ = hex32();
    const FS = hex32();
    const sql = `INSERT INTO domains (id, name, created_ms) VALUES ('${D}', 'zz-other-account', ${far});
      INSERT INTO projects (id, domain_id, name, created_ms) VALUES ('${FP}', '${D}', 'theirs', ${far});
      INSERT INTO jobs (project_id, id, job_type, status, begin_ms, n_waiting)
        VALUES ('${FP}', '${FJ}', 'createDesktops', 0, 1000, 1);
      INSERT INTO sub_jobs (project_id, id, job_id, job_type, status, begin_ms)
        VALUES ('${FP}', '${FS}', '${FJ}', 'createDesktops', 0, 1000);
      ${countsInsert(FP, 'createDesktops', 0, 1)}`;
    dbQuery(srv.data, sql);
    const g = clients(srv, undefined, FP);
    await assertScopeDenied(g);
    const rr = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: `/v2/${FP}/workspace-sub-jobs`,
      headers: { 'X-Project-Id': FP } });
    assertGatewayRaw(rr, 403, 'APIGW.0306');
    assert.equal((await g.show(FJ)).status, 403);
    // Our workers never get its sub-job: not by default, not by asking for it.
    const mine = await create(c, 'createDesktops', 1);
    const all = await c.claim({ worker_id: 'w', max: 100, lease_seconds: 60 });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const got = all.body.sub_jobs.map((s) => s.id);
    assert.ok(!got.includes(FS), "another account's sub-job was handed out");
    assert.ok(got.includes(mine.sub_job_ids[0]));
    const cl = await c.claim({ worker_id: 'w', max: 10, lease_seconds: 60, project_ids: [FP] });
    assert.ok(cl.status === 200 || cl.status === 403, JSON.stringify(cl.body));
    if (cl.status === 200) assert.deepEqual(cl.body.sub_jobs, [], "another account's sub-job was handed out");
    // Nor can they touch it by id.
    const fc = fullClients(srv);
    assertWksError(await fc.heartbeat(FS, { lease_id: hex32() }), 404, 'WKS.0202', MSG.notFound);
    assertWksError(await fc.finish(FS, { lease_id: hex32(), status: 'SUCCESS' }), 404, 'WKS.0202', MSG.notFound);
    const row = dbQuery(srv.data, `SELECT status FROM sub_jobs WHERE id = '${FS}'`);
    assert.equal(row.trim(), '0', "another account's sub-job changed");
  });

test('path values over 255 characters are 400 WKS.00211102; 255 is looked up (404)', async () => {
  const f = fullClients(srv);
  assertWksError(await f.show('j'.repeat(256)), 400, 'WKS.00211102', MSG.invalid);
  assertWksError(await f.retry('j'.repeat(256)), 400, 'WKS.00211102', MSG.invalid);
  assertWksError(await f.show('j'.repeat(255)), 404, 'WKS.0202', MSG.notFound);
  const longP = fullClients(srv, undefined, 'p'.repeat(256));
  const r = await longP.list();
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.error_code, 'WKS.00211102');
});

// ---- media type -----------------------------------------------------------

test('POST without Content-Type application/json: 415 WKS.00000415', async () => {
  const body = '{"delete_by_status":"FAILED"}';
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', undefined]) {
    const headers = { 'X-Project-Id': P };
    if (ct) headers['Content-Type'] = ct;
    const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: DEL(), body, headers });
    assert.equal(r.status, 415, `${ct}: ${r.text}`);
    assert.equal(r.json.error_code, 'WKS.00000415');
    assert.equal(r.json.error_msg, MSG.media);
    assert.ok(r.headers['x-request-id']);
  }
  const rr = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-jobs/${hex32()}/actions`,
    body: '{"op_type":"retry"}', headers: { 'X-Project-Id': P, 'Content-Type': 'text/plain' } });
  assert.equal(rr.status, 415, rr.text);
  const ri = await signedRaw(srv, srv.internalUrl, { method: 'POST', path: `/v1/internal/${P}/jobs`,
    body: '{"job_type":"createDesktops","sub_jobs":[{}]}', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(ri.status, 415, ri.text);
  assert.equal(ri.json.error_code, 'WKS.00000415');
});

test('application/json with a charset parameter is accepted; GET needs no Content-Type', async () => {
  for (const ct of ['application/json;charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset=UTF-8']) {
    const r = await signedRaw(srv, srv.publicUrl, { method: 'POST', path: DEL(), body: '{"delete_by_status":"FAILED"}',
      headers: { 'X-Project-Id': P, 'Content-Type': ct } });
    assert.equal(r.status, 200, `${ct}: ${r.text}`);
  }
  const g = await signedRaw(srv, srv.publicUrl, { method: 'GET', path: LIST(), headers: { 'X-Project-Id': P } });
  assert.equal(g.status, 200, g.text);
});

// ---- keys -----------------------------------------------------------------

test('a new key works at once; a disabled key is refused within 5 s while the server runs', async () => {
  const k = mkKey(srv);
  const kc = clients(srv, k);
  const ok = await kc.list();
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const r = run(['admin', 'key', 'disable', k.ak, '--data', srv.data]);
  assert.equal(r.status, 0, r.stderr);
  const t0 = Date.now();
  const refused = await waitFor(async () => {
    const x = await kc.list();
    return x.status === 401 ? x : null;
  }, 5000, 200);
  assert.ok(refused, 'the disabled key still works after 5 s');
  assert.ok(Date.now() - t0 <= 5500);
  assert.equal(refused.body.error_code, 'APIGW.0301');
  assert.ok(refused.body.error_msg.startsWith(MSG.iam), refused.body.error_msg);
  assert.ok(refused.requestId);
  // Also on the internal listener.
  const ri = await kc.claim({ worker_id: 'w', max: 1, lease_seconds: 60 });
  assert.equal(ri.status, 401);
  // The other key is unaffected; enabling again lets the key back in.
  assert.equal((await c.list()).status, 200);
  const en = run(['admin', 'key', 'enable', k.ak, '--data', srv.data]);
  assert.equal(en.status, 0, en.stderr);
  const back = await waitFor(async () => ((await kc.list()).status === 200), 5000, 200);
  assert.ok(back, 'the re-enabled key is still refused after 5 s');
});

// ---- request ids ------------------------------------------------------------

test('every response carries a distinct X-Request-Id', async () => {
  const ids = new Set();
  const rs = [await c.list(), await c.list(), await c.show(hex32()),
    await c.retry(hex32(), { op_type: 'nope' })];
  for (const r of rs) {
    assert.ok(r.requestId, `no X-Request-Id on ${r.status}`);
    ids.add(r.requestId);
  }
  const raws = [await raw(srv.publicUrl, { method: 'GET', path: '/nowhere' }),
    await raw(srv.publicUrl, { method: 'DELETE', path: LIST() }),
    await raw(srv.publicUrl, { method: 'GET', path: LIST() }),
    await signedRaw(srv, srv.publicUrl, { method: 'POST', path: DEL(), body: '{"delete_by_status":"FAILED"}',
      headers: { 'Content-Type': 'application/json' } })];
  for (const r of raws) {
    assert.ok(r.headers['x-request-id'], `no X-Request-Id on ${r.status}`);
    ids.add(r.headers['x-request-id']);
  }
  assert.equal(ids.size, rs.length + raws.length, 'request ids repeat');
});
