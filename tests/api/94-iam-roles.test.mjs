// 94-iam-roles: policy evaluation on every route
// (docs/API.md#authorization): root, Workspace FullAccess, Workspace
// ReadOnlyAccess (through a group), a custom policy with an explicit Deny
// and a user with nothing, each against the four job endpoints and the
// internal API, signed by the official SDK and with IAM tokens; exact
// status and code, denied writes change nothing; project-scoped
// attachments; condition keys from the request; and the encoded
// authorization message, decoded by STS for allowed callers only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, clients, createJob } from './lib.mjs';
import {
  MSG, admin, mkPolicy, mkUser, getToken, tokenRoutes, decodeMessage, statuses, shutdown,
} from './iam-helpers.mjs';

let srv;
let P;
let P2;
const users = {};
const tokens = {};

const DENY_WRITES = {
  Version: '5.0',
  Statement: [
    { Sid: 'AllowJobs', Effect: 'Allow', Action: ['workspace:*:*'] },
    { Sid: 'NoWrites', Effect: 'Deny', Action: ['workspace:jobs:retry', 'workspace:jobs:deleteSubJobRecords',
      'workspace:jobs:create', 'workspace:jobs:execute'] },
  ],
};

before(async () => {
  srv = await startServer();
  P = srv.creds.project_id;
  P2 = admin(srv, ['project', 'create', 'second']).id;
  admin(srv, ['user', 'passwd', 'admin', '--password', 'Root-pass-123']);
  admin(srv, ['group', 'create', 'readers']);
  admin(srv, ['policy', 'attach', 'Workspace ReadOnlyAccess', '--group', 'readers', '--domain']);
  mkPolicy(srv, 'jobs-no-writes', DENY_WRITES);
  mkPolicy(srv, 'sts-decode', { Version: '5.0', Statement: [{ Effect: 'Allow',
    Action: ['sts::decodeAuthorizationMessage'] }] });
  users.root = { name: 'admin', password: 'Root-pass-123', ak: srv.creds.access_key, sk: srv.creds.secret_key };
  users.full = mkUser(srv, 'full', { attach: [['Workspace FullAccess', 'domain']] });
  users.ro = mkUser(srv, 'ro', { groups: ['readers'] });
  users.deny = mkUser(srv, 'deny', { attach: [['jobs-no-writes', 'domain']] });
  users.nobody = mkUser(srv, 'nobody');
  users.decoder = mkUser(srv, 'decoder', { attach: [['sts-decode', 'domain']] });
  for (const [role, u] of Object.entries(users)) {
    const t = await getToken(srv, u.name, u.password);
    assert.equal(t.status, 201, `${role}: ${t.text}`);
    tokens[role] = t.token;
  }
});

after(async () => {
  await shutdown(srv);
});

// Uniform result of an SDK call or a raw token request.
function norm(r) {
  if (r.headers !== undefined) {
    return { status: r.status, body: r.json ?? {}, requestId: r.headers['x-request-id'] };
  }
  return r;
}

// The route callers of a role by 'aksk' (official SDK) or 'token'.
function as(role, how, project = P) {
  if (how === 'token') {
    const t = tokenRoutes(srv, tokens[role], project);
    return Object.fromEntries(Object.entries(t).map(([k, f]) => [k, async (...a) => norm(await f(...a))]));
  }
  const u = users[role];
  return clients(srv, { ak: u.ak, sk: u.sk }, project);
}

// A FAILED job of the project (root does the work).
async function failedJob(project = P, n = 2) {
  const rc = clients(srv, undefined, project);
  const j = await createJob(rc, 'createDesktops', n);
  const cl = await rc.claim({ worker_id: 'fx', max: 100, lease_seconds: 60, project_ids: [project] });
  assert.equal(cl.status, 200);
  for (const s of cl.body.sub_jobs) {
    const f = await rc.finish(s.id, { lease_id: s.lease_id, status: 'FAILED', error_code: 'WKS.0005',
      fail_reason: 'Failed to invoke ECS interface.' });
    assert.equal(f.status, 200, JSON.stringify(f.body));
  }
  return j;
}

// A RUNNING sub-job with its lease (root claims it).
async function leased() {
  const rc = clients(srv);
  const j = await createJob(rc, 'addVolumes', 1);
  const cl = await rc.claim({ worker_id: 'fx', max: 100, lease_seconds: 600, project_ids: [P], job_types: ['addVolumes'] });
  const s = cl.body.sub_jobs.find((x) => x.id === j.sub_job_ids[0]);
  assert.ok(s);
  return s;
}

function assertDenied(r, kind, what) {
  assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error_code, 'WKS.00081102', what);
  assert.equal(r.body.error_msg, MSG.denied, what);
  assert.equal(typeof r.body.encoded_authorization_message, 'string', `${what}: no encoded message`);
  assert.ok(r.requestId, `${what}: no X-Request-Id`);
  return kind;
}

// What each role gets on each route: a status, or 'implicit'/'explicit'.
const EXPECT = {
  root: { list: 200, show: 200, retry: 200, del: 200, create: 201, claim: 200, heartbeat: 200, finish: 200 },
  full: { list: 200, show: 200, retry: 200, del: 200, create: 201, claim: 200, heartbeat: 200, finish: 200 },
  ro: { list: 200, show: 200, retry: 'implicit', del: 'implicit', create: 'implicit', claim: 'implicit',
    heartbeat: 'implicit', finish: 'implicit' },
  deny: { list: 200, show: 200, retry: 'explicit', del: 'explicit', create: 'explicit', claim: 'explicit',
    heartbeat: 'explicit', finish: 'explicit' },
  nobody: { list: 'implicit', show: 'implicit', retry: 'implicit', del: 'implicit', create: 'implicit',
    claim: 'implicit', heartbeat: 'implicit', finish: 'implicit' },
};

// Run every route once as role/how; returns { route: normalized result }.
async function everyRoute(role, how) {
  const c = as(role, how);
  const job = await failedJob();
  const other = await failedJob(P, 1);	// deleted: the retry made job WAITING
  const s = await leased();
  const before = await statuses(srv);
  const out = {};
  out.list = await c.list();
  out.show = await c.show(job.job_id);
  out.retry = await c.retry(job.job_id);
  const afterRetry = await statuses(srv);
  out.del = await c.del({ job_ids: [other.sub_job_ids[0]] });
  const afterDel = await statuses(srv);
  out.create = await c.create({ job_type: 'createDesktops', sub_jobs: [{ entities: { desktop_id: `by-${role}` } }] });
  out.claim = await c.claim({ worker_id: `w-${role}`, max: 1, lease_seconds: 60, project_ids: [P],
    job_types: ['nothing-waits-of-this-type'] });
  out.heartbeat = await c.heartbeat(s.id, { lease_id: s.lease_id, process: 50 });
  out.finish = await c.finish(s.id, { lease_id: s.lease_id, status: 'SUCCESS' });
  const after = await statuses(srv);
  return { out, job, other, s, before, afterRetry, afterDel, after };
}

for (const how of ['aksk', 'token']) {
  for (const role of Object.keys(EXPECT)) {
    test(`${role} (${how === 'aksk' ? 'official SDK AK/SK' : 'X-Auth-Token'}) on every job route and the internal API`, async () => {
      const { out, job, other, s, before, afterRetry, afterDel, after } = await everyRoute(role, how);
      for (const [route, want] of Object.entries(EXPECT[role])) {
        const r = out[route];
        if (typeof want === 'number') {
          assert.equal(r.status, want, `${role} ${route}: ${JSON.stringify(r.body)}`);
          continue;
        }
        assertDenied(r, want, `${role} ${route}`);
        const d = await decodeMessage(srv, users.root, r.body.encoded_authorization_message);
        assert.equal(d.status, 200, JSON.stringify(d.body));
        const m = JSON.parse(d.body.decoded_message);
        assert.equal(m.failure, `${want} deny by identity-based policy`, `${role} ${route}`);
        assert.equal(m.user, users[role].name);
        assert.equal(m.request_id, r.requestId);
        if (want === 'explicit') assert.equal(m.sid, 'NoWrites');
        else assert.equal(m.sid, undefined);
      }
      // A denied write changed nothing.
      if (typeof EXPECT[role].retry !== 'number') {
        assert.deepEqual(afterRetry, before, 'a denied retry changed sub-jobs');
        assert.equal(before[job.sub_job_ids[0]], 'FAILED');
      } else {
        assert.equal(afterRetry[job.sub_job_ids[0]], 'WAITING', 'an allowed retry did nothing');
      }
      if (typeof EXPECT[role].del !== 'number') {
        assert.deepEqual(afterDel, afterRetry, 'a denied delete changed sub-jobs');
      } else {
        assert.equal(afterDel[other.sub_job_ids[0]], undefined, 'an allowed delete did nothing');
      }
      if (typeof EXPECT[role].create !== 'number') {
        assert.equal(Object.keys(after).length, Object.keys(afterDel).length, 'a denied create made sub-jobs');
      }
      if (typeof EXPECT[role].finish !== 'number') {
        assert.equal(after[s.id], 'RUNNING', 'a denied finish changed the sub-job');
      } else {
        assert.equal(after[s.id], 'SUCCESS');
      }
    });
  }
}

test('the decoded message: action, user, project, request_id, failure and, for an explicit deny, sid', async () => {
  const job = await failedJob();
  const r = await as('deny', 'aksk').retry(job.job_id);
  assertDenied(r, 'explicit', 'deny retry');
  const d = await decodeMessage(srv, users.decoder, r.body.encoded_authorization_message);
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(typeof d.body.decoded_message, 'string');
  const m = JSON.parse(d.body.decoded_message);
  assert.equal(m.action, 'workspace:jobs:retry');
  assert.equal(m.user, 'deny');
  assert.equal(m.user_id, users.deny.id);
  assert.equal(m.domain, 'admin');
  assert.equal(m.project, P);
  assert.equal(m.request_id, r.requestId);
  assert.equal(m.failure, 'explicit deny by identity-based policy');
  assert.equal(m.sid, 'NoWrites');
  assert.equal(m.policy, 'jobs-no-writes');
  assert.match(m.source_ip, /127\.0\.0\.1/);
  // Implicit: no sid.
  const n = await as('nobody', 'token').list();
  const dn = await decodeMessage(srv, users.decoder, n.body.encoded_authorization_message);
  const mn = JSON.parse(dn.body.decoded_message);
  assert.equal(mn.failure, 'implicit deny by identity-based policy');
  assert.equal(mn.action, 'workspace:jobs:listSubJobs');
  assert.equal(mn.sid, undefined);
});

test('STS refuses callers without sts::decodeAuthorizationMessage, and other accounts, with 403 STS5.*', async () => {
  const r = await as('nobody', 'aksk').list();
  const msg = r.body.encoded_authorization_message;
  for (const role of ['full', 'ro', 'deny', 'nobody']) {
    const d = await decodeMessage(srv, users[role], msg);
    assert.equal(d.status, 403, `${role}: ${JSON.stringify(d.body)}`);
    assert.match(d.body.error_code, /^STS5\.\d{4}$/);
    assert.equal(d.body.decoded_message, undefined);
  }
  // Another account, even with the permission, cannot read it.
  admin(srv, ['domain', 'create', 'other-account']);
  const p = JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['sts::*'] }] });
  const fs = await import('node:fs');
  fs.writeFileSync(`${srv.dir}/sts-other.json`, p);
  admin(srv, ['--account', 'other-account', 'policy', 'create', 'sts-all', '--file', `${srv.dir}/sts-other.json`]);
  admin(srv, ['--account', 'other-account', 'user', 'create', 'spy', '--password', 'Spy-pass-123']);
  admin(srv, ['--account', 'other-account', 'policy', 'attach', 'sts-all', '--user', 'spy', '--domain']);
  const k = admin(srv, ['--account', 'other-account', 'key', 'create', '--user', 'spy']);
  const spy = await decodeMessage(srv, { ak: k.access_key, sk: k.secret_key }, msg);
  assert.equal(spy.status, 403, JSON.stringify(spy.body));
  assert.match(spy.body.error_code, /^STS5\./);
  // But its own account's messages decode for it.
  const own = await decodeMessage(srv, users.decoder, msg);
  assert.equal(own.status, 200);
  // A body that is no message at all: 400 STS5.
  const bad = await decodeMessage(srv, users.decoder, 'hello');
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.match(bad.body.error_code, /^STS5\./);
  // A tampered message: 403.
  const t = msg.slice(0, 20) + (msg[20] === 'A' ? 'B' : 'A') + msg.slice(21);
  assert.equal((await decodeMessage(srv, users.decoder, t)).status, 403);
});

test('a project attachment applies in that project only; claims are narrowed to it', async () => {
  const u = mkUser(srv, 'p2-only', { attach: [['Workspace FullAccess', P2]] });
  const inP = await as('root', 'aksk', P).list();
  assert.equal(inP.status, 200);
  users['p2-only'] = u;
  const mine = clients(srv, { ak: u.ak, sk: u.sk }, P2);
  const theirs = clients(srv, { ak: u.ak, sk: u.sk }, P);
  assert.equal((await mine.list()).status, 200);
  assertDenied(await theirs.list(), 'implicit', 'p2-only in P');
  // A claim takes only P2's sub-jobs, however many wait in P.
  const inP2 = await createJob(clients(srv, undefined, P2), 'changeImage', 1);
  await createJob(clients(srv), 'changeImage', 3);
  const cl = await mine.claim({ worker_id: 'p2w', max: 100, lease_seconds: 60, job_types: ['changeImage'] });
  assert.equal(cl.status, 200, JSON.stringify(cl.body));
  assert.deepEqual(cl.body.sub_jobs.map((x) => x.id), inP2.sub_job_ids);
  // Asking for P explicitly is refused.
  assertDenied(await mine.claim({ worker_id: 'p2w', max: 1, lease_seconds: 60, project_ids: [P] }),
    'implicit', 'claim in P');
});

test('condition keys come from the request: g:SourceIp, g:MFAPresent, g:UserName, g:UserId, g:DomainName, g:ProjectId, g:CurrentTime', async () => {
  const u = mkUser(srv, 'cond-user');
  const doc = {
    Version: '5.0',
    Statement: [
      { Sid: 'LoopbackNoList', Effect: 'Deny', Action: ['workspace:jobs:listSubJobs'],
        Condition: { IpAddress: { 'g:SourceIp': ['127.0.0.0/8', '::1/128'] } } },
      { Sid: 'NeedMFA', Effect: 'Deny', Action: ['workspace:jobs:get'],
        Condition: { Bool: { 'g:MFAPresent': ['false'] } } },
      { Sid: 'Mine', Effect: 'Allow', Action: ['workspace:jobs:*'],
        Condition: {
          StringEquals: { 'g:UserName': ['cond-user'], 'g:UserId': [u.id], 'g:DomainName': ['admin'],
            'g:ProjectId': [P] },
          DateGreaterThan: { 'g:CurrentTime': ['2020-01-01T00:00:00Z'] },
        } },
    ],
  };
  mkPolicy(srv, 'conditional', doc);
  admin(srv, ['policy', 'attach', 'conditional', '--user', 'cond-user', '--domain']);
  users['cond-user'] = u;
  const c = clients(srv, { ak: u.ak, sk: u.sk }, P);
  const l = await c.list();
  assertDenied(l, 'explicit', 'list from loopback');
  const ml = JSON.parse((await decodeMessage(srv, users.root, l.body.encoded_authorization_message)).body.decoded_message);
  assert.equal(ml.sid, 'LoopbackNoList');
  const s = await c.show('0'.repeat(32));
  assertDenied(s, 'explicit', 'show without MFA');
  // Allowed by the conditional Allow: the handler answers (404, no job).
  const rt = await c.retry('0'.repeat(32));
  assert.equal(rt.status, 404, JSON.stringify(rt.body));
  // In another project g:ProjectId differs: implicit deny.
  const other = clients(srv, { ak: u.ak, sk: u.sk }, P2);
  assertDenied(await other.retry('0'.repeat(32)), 'implicit', 'retry in P2');
});

test('policy changes apply to the next AK/SK request', async () => {
  const u = mkUser(srv, 'live');
  const c = clients(srv, { ak: u.ak, sk: u.sk }, P);
  assert.equal((await c.list()).status, 403);
  admin(srv, ['policy', 'attach', 'Workspace ReadOnlyAccess', '--user', 'live', '--domain']);
  assert.equal((await c.list()).status, 200);
  admin(srv, ['policy', 'detach', 'Workspace ReadOnlyAccess', '--user', 'live', '--domain']);
  assert.equal((await c.list()).status, 403);
});
