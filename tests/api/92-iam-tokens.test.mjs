// 92-iam-tokens: IAM tokens (docs/API.md#identity-iam-and-sts):
// POST /v3/auth/tokens by password with project (id or name) or domain
// scope and nocatalog, validation, the SDKs' project lookup, tokens on
// every endpoint, the gateway's answers to bad, foreign, expired and
// revoked tokens, and the password lockout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, initData, raw, sdkClient, call } from './lib.mjs';
import {
  MSG, admin, mkUser, getToken, withToken, tokenRoutes, waitFor, sleep, shutdown,
} from './iam-helpers.mjs';

let srv;
let P;
let P2;
let alice;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

before(async () => {
  srv = await startServer();
  P = srv.creds.project_id;
  P2 = admin(srv, ['project', 'create', 'cn-north-4']).id;
  alice = mkUser(srv, 'alice', { attach: [['Workspace FullAccess', 'domain']] });
});

after(async () => {
  await shutdown(srv);
});

test('POST /v3/auth/tokens: 201, X-Subject-Token and the token body (project by id)', async () => {
  const t0 = Date.now();
  const r = await getToken(srv, 'alice', alice.password, { project: { id: P } });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.token && r.token.length > 20 && r.token.length <= 40000);
  assert.ok(r.headers['x-request-id']);
  const t = r.body.token;
  assert.deepEqual(t.methods, ['password']);
  assert.match(t.issued_at, ISO);
  assert.match(t.expires_at, ISO);
  const life = Date.parse(t.expires_at) - Date.parse(t.issued_at);
  assert.equal(life, 24 * 3600 * 1000, 'tokens live 24 h');
  assert.ok(Math.abs(Date.parse(t.issued_at) - t0) < 60000);
  assert.equal(t.user.id, alice.id);
  assert.equal(t.user.name, 'alice');
  assert.equal(t.user.domain.id, srv.creds.domain_id);
  assert.equal(t.user.domain.name, 'admin');
  assert.equal(t.user.password_expires_at, '');
  assert.deepEqual(t.project, { id: P, name: 'default', domain: { id: srv.creds.domain_id, name: 'admin' } });
  assert.equal(t.domain, undefined);
  assert.ok(Array.isArray(t.roles));
  assert.ok(t.roles.some((x) => x.name === 'Workspace FullAccess' && x.id === '0'));
  assert.ok(Array.isArray(t.catalog) && t.catalog.length > 0, 'catalog without nocatalog');
  const ws = t.catalog.find((c) => c.type === 'workspace');
  assert.ok(ws.endpoints[0].url.endsWith(`/v2/${P}`));
  assert.equal(ws.endpoints[0].interface, 'public');
});

test('project scope by name; domain scope; nocatalog leaves the catalog out', async () => {
  const byName = await getToken(srv, 'alice', alice.password, { project: { name: 'cn-north-4' } },
    { query: 'nocatalog=true' });
  assert.equal(byName.status, 201, byName.text);
  assert.equal(byName.body.token.project.id, P2);
  assert.equal(byName.body.token.catalog, undefined);
  const dom = await getToken(srv, 'alice', alice.password, { domain: { name: 'admin' } });
  assert.equal(dom.status, 201, dom.text);
  assert.equal(dom.body.token.project, undefined);
  assert.deepEqual(dom.body.token.domain, { id: srv.creds.domain_id, name: 'admin' });
  const domId = await getToken(srv, 'alice', alice.password, { domain: { id: srv.creds.domain_id } },
    { query: 'nocatalog=1' });
  assert.equal(domId.status, 201, domId.text);
  assert.equal(domId.body.token.catalog, undefined);
  // An empty nocatalog value keeps it (spec: any non-empty value).
  const keep = await getToken(srv, 'alice', alice.password, undefined, { query: 'nocatalog=' });
  assert.ok(Array.isArray(keep.body.token.catalog));
});

test('any user of the account gets a token for any of its projects, even without policies', async () => {
  const nobody = mkUser(srv, 'tok-nobody');
  for (const scope of [{ project: { id: P } }, { project: { id: P2 } }, { project: { name: 'default' } }]) {
    const r = await getToken(srv, 'tok-nobody', nobody.password, scope);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.token.roles, []);
  }
  // ... and what it may do there is the policies' business: nothing.
  const r = await getToken(srv, 'tok-nobody', nobody.password);
  const l = await tokenRoutes(srv, r.token).list();
  assert.equal(l.status, 403, l.text);
  assert.equal(l.json.error_code, 'WKS.00081102');
});

test('IAM error bodies: 400 for a bad body, 401 for a wrong password or unknown user, 404 for an unknown project', async () => {
  const post = (body, headers = { 'Content-Type': 'application/json' }) =>
    raw(srv.publicUrl, { method: 'POST', path: '/v3/auth/tokens', body, headers });
  for (const body of ['{', '[]', '{}', '{"auth":{}}',
    JSON.stringify({ auth: { identity: { methods: ['token'], password: { user: { name: 'alice', password: 'x', domain: { name: 'admin' } } } }, scope: { project: { id: P } } } }),
    JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: alice.password, domain: { name: 'admin' } } } } } }),
    JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: alice.password, domain: { name: 'admin' } } } }, scope: { project: { id: P }, domain: { name: 'admin' } } } })]) {
    const r = await post(body);
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    assert.equal(r.json.error.code, 400);
    assert.equal(r.json.error.title, 'Bad Request');
    assert.match(r.json.error.message, /^The request body is invalid/);
    assert.equal(r.headers['x-subject-token'], undefined);
  }
  const empty = await post('');
  assert.equal(empty.status, 400);
  const wrong = await getToken(srv, 'alice', 'not-the-password');
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, { error: { code: 401, message: MSG.wrongPassword, title: 'Unauthorized' } });
  const unknownUser = await getToken(srv, 'mallory', 'whatever-pass');
  assert.deepEqual(unknownUser.body, wrong.body);
  const unknownDomain = await getToken(srv, 'alice', alice.password, undefined, { domain: 'nowhere' });
  assert.deepEqual(unknownDomain.body, wrong.body);
  const noProject = await getToken(srv, 'alice', alice.password, { project: { name: 'no-such-region' } });
  assert.equal(noProject.status, 404, noProject.text);
  assert.equal(noProject.json?.error?.code ?? noProject.body.error.code, 404);
  // A wrong password does not lock after one try: the right one works.
  assert.equal((await getToken(srv, 'alice', alice.password)).status, 201);
});

test('GET /v3/auth/tokens validates a token: own and (for root) any; 404 for a bad one', async () => {
  const mine = await getToken(srv, 'alice', alice.password, undefined, { query: 'nocatalog=true' });
  const v = await withToken(srv, mine.token, { path: '/v3/auth/tokens', query: 'nocatalog=true',
    headers: { 'X-Subject-Token': mine.token } });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.headers['x-subject-token'], mine.token);
  assert.equal(v.json.token.user.id, alice.id);
  assert.equal(v.json.token.expires_at, mine.body.token.expires_at);
  // Root validates alice's token with its AK/SK.
  const sdk = sdkClient(srv.publicUrl, srv.creds.access_key, srv.creds.secret_key);
  const byRoot = await call(sdk, { method: 'GET', url: '/v3/auth/tokens', headers: { 'X-Subject-Token': mine.token } });
  assert.equal(byRoot.status, 200, JSON.stringify(byRoot.body));
  // Another user may not validate alice's token.
  const bob = mkUser(srv, 'tok-bob');
  const bt = await getToken(srv, 'tok-bob', bob.password);
  const other = await withToken(srv, bt.token, { path: '/v3/auth/tokens', headers: { 'X-Subject-Token': mine.token } });
  assert.equal(other.status, 403, other.text);
  assert.equal(other.json.error.code, 403);
  const bad = await withToken(srv, mine.token, { path: '/v3/auth/tokens', headers: { 'X-Subject-Token': 'WJT1.garbage' } });
  assert.equal(bad.status, 404, bad.text);
  assert.equal(bad.json.error.title, 'Not Found');
  const none = await withToken(srv, mine.token, { path: '/v3/auth/tokens' });
  assert.equal(none.status, 400, none.text);
});

test('GET /v3/projects?name= answers the SDKs\' project lookup', async () => {
  const sdk = sdkClient(srv.publicUrl, alice.ak, alice.sk);
  const r = await call(sdk, { method: 'GET', url: '/v3/projects', queryParams: { name: 'cn-north-4' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.projects.length, 1);
  assert.equal(r.body.projects[0].id, P2);
  assert.equal(r.body.projects[0].name, 'cn-north-4');
  const all = await call(sdk, { method: 'GET', url: '/v3/projects' });
  assert.deepEqual(all.body.projects.map((p) => p.name).sort(), ['cn-north-4', 'default']);
  const none = await call(sdk, { method: 'GET', url: '/v3/projects', queryParams: { name: 'nope' } });
  assert.deepEqual(none.body.projects, []);
  // With a token too; without credentials it is the gateway's 401.
  const t = await getToken(srv, 'alice', alice.password);
  const wt = await withToken(srv, t.token, { path: '/v3/projects', query: 'name=default' });
  assert.equal(wt.status, 200);
  assert.equal(wt.json.projects[0].id, P);
  const anon = await raw(srv.publicUrl, { method: 'GET', path: '/v3/projects' });
  assert.equal(anon.status, 401);
  assert.equal(anon.json.error_code, 'APIGW.0301');
});

test('X-Auth-Token works on every job endpoint and the internal API', async () => {
  const t = await getToken(srv, 'admin-root-check', 'x');
  assert.equal(t.status, 401);
  const a = await getToken(srv, 'alice', alice.password);
  const c = tokenRoutes(srv, a.token);
  const created = await c.create({ job_type: 'createDesktops', sub_jobs: [{ entities: { desktop_id: 'd1' } }] });
  assert.equal(created.status, 201, created.text);
  assert.equal((await c.list()).status, 200);
  assert.equal((await c.show(created.json.job_id)).status, 200);
  const cl = await c.claim({ worker_id: 'w', max: 10, lease_seconds: 60, project_ids: [P] });
  assert.equal(cl.status, 200, cl.text);
  const s = cl.json.sub_jobs.find((x) => x.id === created.json.sub_job_ids[0]);
  assert.ok(s, 'the token claimed its sub-job');
  assert.equal((await c.heartbeat(s.id, { lease_id: s.lease_id })).status, 200);
  const fin = await c.finish(s.id, { lease_id: s.lease_id, status: 'FAILED', error_code: 'WKS.0005' });
  assert.equal(fin.status, 200, fin.text);
  const rt = await c.retry(created.json.job_id);
  assert.equal(rt.status, 200, rt.text);
  const d = await c.del({ delete_by_status: 'FAILED' });
  assert.equal(d.status, 200, d.text);
});

test('bad tokens: unparsable 401 APIGW.0301 "decrypt token fail"; another project or a domain token 403 APIGW.0306', async () => {
  for (const bogus of ['garbage', 'WJT1.AAAA', 'MIIEXAMPLE', 'x'.repeat(5000)]) {
    const r = await tokenRoutes(srv, bogus).list();
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error_code, 'APIGW.0301');
    assert.equal(r.json.error_msg, `${MSG.iam}: decrypt token fail`);
    assert.equal(r.json.request_id, r.headers['x-request-id']);
  }
  // A tampered real token.
  const a = await getToken(srv, 'alice', alice.password);
  const tampered = a.token.slice(0, -6) + (a.token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
  assert.equal((await tokenRoutes(srv, tampered).list()).json.error_code, 'APIGW.0301');
  // A token of P used on P2, on both listeners.
  const other = tokenRoutes(srv, a.token, P2);
  for (const r of [await other.list(), await other.show('x'), await other.del({ delete_by_status: 'FAILED' }),
    await other.create({ job_type: 'createDesktops', sub_jobs: [{}] })]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error_code, 'APIGW.0306');
    assert.equal(r.json.error_msg, MSG.projectDenied);
  }
  // A claim for another project with a project token: 403 APIGW.0306.
  const cl = await tokenRoutes(srv, a.token).claim({ worker_id: 'w', max: 1, lease_seconds: 60, project_ids: [P2] });
  assert.equal(cl.status, 403, cl.text);
  assert.equal(cl.json.error_code, 'APIGW.0306');
  // A domain-scoped token acts in no project.
  const dom = await getToken(srv, 'alice', alice.password, { domain: { name: 'admin' } });
  const dr = await tokenRoutes(srv, dom.token).list();
  assert.equal(dr.status, 403, dr.text);
  assert.equal(dr.json.error_code, 'APIGW.0306');
  // Both a token and a signature: 401 APIGW.0301.
  const both = await withToken(srv, a.token, { path: `/v2/${P}/workspace-sub-jobs`,
    headers: { Authorization: 'SDK-HMAC-SHA256 Access=X, SignedHeaders=host, Signature=00' } });
  assert.equal(both.status, 401);
  assert.equal(both.json.error_code, 'APIGW.0301');
});

test('a token of another data directory (other master key) does not decrypt', async () => {
  const srv2 = await startServer();
  try {
    const root2 = await getToken(srv2, 'admin', 'never-set-x');
    assert.equal(root2.status, 401, 'a root user without a password cannot log in');
    admin(srv2, ['user', 'passwd', 'admin', '--password', 'Root-pass-123']);
    const t2 = await getToken(srv2, 'admin', 'Root-pass-123', { project: { id: srv2.creds.project_id } });
    assert.equal(t2.status, 201, t2.text);
    assert.equal((await tokenRoutes(srv2, t2.token, srv2.creds.project_id).list()).status, 200);
    const r = await tokenRoutes(srv, t2.token).list();
    assert.equal(r.status, 401);
    assert.equal(r.json.error_msg, `${MSG.iam}: decrypt token fail`);
  } finally {
    await shutdown(srv2);
  }
});

// Revocation: the next request after the change is refused (within
// 5 s).
async function expectRevoked(token, what) {
  const r = await waitFor(async () => {
    const x = await tokenRoutes(srv, token).list();
    return x.status === 401 ? x : null;
  }, 5000, 100);
  assert.ok(r, `${what}: the token still works after 5 s`);
  assert.equal(r.json.error_code, 'APIGW.0307', what);
  assert.equal(r.json.error_msg, MSG.updated);
  assert.equal(r.json.request_id, r.headers['x-request-id']);
}

test('disabling the user revokes its tokens; enabling does not bring them back', async () => {
  const u = mkUser(srv, 'rev-disable', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const t = await getToken(srv, u.name, u.password);
  assert.equal((await tokenRoutes(srv, t.token).list()).status, 200);
  admin(srv, ['user', 'disable', u.name]);
  await expectRevoked(t.token, 'disable');
  // A disabled user gets no token, and its AK stops working.
  const d = await getToken(srv, u.name, u.password);
  assert.equal(d.status, 401);
  assert.equal(d.body.error.message, 'The user is disabled.');
  const sdk = sdkClient(srv.publicUrl, u.ak, u.sk, P);
  const ak = await call(sdk, { method: 'GET', url: '/v2/{project_id}/workspace-sub-jobs', pathParams: { project_id: P } });
  assert.equal(ak.status, 401);
  admin(srv, ['user', 'enable', u.name]);
  assert.equal((await tokenRoutes(srv, t.token).list()).status, 401, 'old token back after enable');
  await sleep(5);
  const fresh = await getToken(srv, u.name, u.password);
  assert.equal(fresh.status, 201);
  assert.equal((await tokenRoutes(srv, fresh.token).list()).status, 200);
});

test('changing the password revokes tokens; the old password stops working', async () => {
  const u = mkUser(srv, 'rev-passwd', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const t = await getToken(srv, u.name, u.password);
  admin(srv, ['user', 'passwd', u.name, '--password', 'Brand-new-pass-1']);
  await expectRevoked(t.token, 'passwd');
  assert.equal((await getToken(srv, u.name, u.password)).status, 401);
  assert.equal((await getToken(srv, u.name, 'Brand-new-pass-1')).status, 201);
});

test('changing permissions (attach, detach, group membership) revokes tokens', async () => {
  admin(srv, ['group', 'create', 'rev-group']);
  const u = mkUser(srv, 'rev-perm', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const steps = [
    ['policy attach to the user', ['policy', 'attach', 'Workspace FullAccess', '--user', u.name, '--project', P]],
    ['policy detach from the user', ['policy', 'detach', 'Workspace FullAccess', '--user', u.name, '--project', P]],
    ['group add-user', ['group', 'add-user', 'rev-group', u.name]],
    ['policy attach to its group', ['policy', 'attach', 'Workspace ReadOnlyAccess', '--group', 'rev-group', '--domain']],
    ['group remove-user', ['group', 'remove-user', 'rev-group', u.name]],
  ];
  for (const [what, args] of steps) {
    await sleep(5);
    const t = await getToken(srv, u.name, u.password);
    assert.equal(t.status, 201, t.text);
    assert.equal((await tokenRoutes(srv, t.token).list()).status, 200, what);
    admin(srv, args);
    await expectRevoked(t.token, what);
  }
});

test('a token expires: 401 APIGW.0307 (serve --token-lifetime-s)', async () => {
  const s = await startServer(initData(), ['--token-lifetime-s', '2']);
  try {
    admin(s, ['user', 'passwd', 'admin', '--password', 'Root-pass-123']);
    const t = await getToken(s, 'admin', 'Root-pass-123', { project: { id: s.creds.project_id } });
    assert.equal(t.status, 201, t.text);
    assert.equal(Date.parse(t.body.token.expires_at) - Date.parse(t.body.token.issued_at), 2000);
    assert.equal((await tokenRoutes(s, t.token, s.creds.project_id).list()).status, 200);
    await sleep(Math.max(0, Date.parse(t.body.token.expires_at) - Date.now()) + 100);
    const r = await tokenRoutes(s, t.token, s.creds.project_id).list();
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error_code, 'APIGW.0307');
    assert.equal(r.json.error_msg, MSG.updated);
  } finally {
    await shutdown(s);
  }
});

test('5 wrong passwords lock the user (--password-lock-s); even the right one is refused until it ends', async () => {
  const s = await startServer(initData(), ['--password-lock-s', '3']);
  try {
    const u = mkUser(s, 'locky');
    // 4 failures then a success: the count starts again.
    for (let i = 0; i < 4; i++) assert.equal((await getToken(s, u.name, 'wrong-password')).status, 401);
    assert.equal((await getToken(s, u.name, u.password)).status, 201);
    for (let i = 0; i < 5; i++) {
      const w = await getToken(s, u.name, 'wrong-password');
      assert.equal(w.status, 401);
      assert.equal(w.body.error.message, MSG.wrongPassword);
    }
    const locked = await getToken(s, u.name, u.password);
    assert.equal(locked.status, 401, locked.text);
    assert.equal(locked.body.error.code, 401);
    assert.match(locked.body.error.message, /locked/);
    assert.equal(locked.token, undefined);
    // Other users are not affected.
    const other = mkUser(s, 'unlocked');
    assert.equal((await getToken(s, other.name, other.password)).status, 201);
    // The lock ends.
    const ok = await waitFor(async () => (await getToken(s, u.name, u.password)).status === 201, 6000, 250);
    assert.ok(ok, 'still locked after the lock time');
    // The lock survives a restart of the server (it is stored).
    for (let i = 0; i < 5; i++) await getToken(s, u.name, 'wrong-password');
    assert.match((await getToken(s, u.name, u.password)).body.error.message, /locked/);
    assert.equal(await s.stop(), 0);
    const again = await startServer({ dir: s.dir, data: s.data, creds: s.creds }, ['--password-lock-s', '3']);
    try {
      assert.match((await getToken(again, u.name, u.password)).body.error.message, /locked/);
    } finally {
      assert.equal(await again.stop(), 0);
    }
  } finally {
    await shutdown(s);
  }
});
