// iam-helpers.mjs - shared pieces of the 9x-iam API tests (not a test file:
// CMake only globs *.test.mjs): identities through `wksjobs admin`, IAM
// tokens through POST /v3/auth/tokens, token-authenticated requests, and
// STS decoding through the official SDK signer.  Builds on lib.mjs.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { run, raw, sdkClient, call, clients } from './lib.mjs';
import { hookSdkClient } from './openapi.mjs';

const require = createRequire(import.meta.url);
const core = require('@huaweicloud/huaweicloud-sdk-core');
// The v3 API of the IAM package (its index also loads v5, which fails to
// load in 3.1.172: a require of './GlobalCredentials,BasicCredentials').
export const iam = require('@huaweicloud/huaweicloud-sdk-iam/v3/public-api');

export { sleep, waitFor, shutdown } from './helpers.mjs';

export const MSG = {
  denied: 'User does not have permission to access this resource.',
  iam: 'Incorrect IAM authentication information',
  updated: 'The token must be updated.',
  wrongPassword: 'The username or password is wrong.',
  projectDenied: 'API access denied.',
};

// `wksjobs admin ARGS --data DIR --json`; returns the parsed output.
export function admin(srv, args, { ok = true } = {}) {
  const r = run(['admin', ...args, '--data', srv.data, '--json']);
  if (!ok) return r;
  assert.equal(r.status, 0, `admin ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

let fileSeq = 0;
// Write a policy document and create the policy; returns { id, name }.
export function mkPolicy(srv, name, doc) {
  fileSeq += 1;
  const f = path.join(srv.dir, `policy-${process.pid}-${fileSeq}.json`);
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return admin(srv, ['policy', 'create', name, '--file', f]);
}

// A user with a password and an AK/SK; attach: [[policy, scope]] where
// scope is 'domain' or a project id/name.  Returns { id, name, password,
// ak, sk }.
export function mkUser(srv, name, { password = `Pw-${name}-0123`, attach = [], groups = [] } = {}) {
  const u = admin(srv, ['user', 'create', name, '--password', password]);
  for (const [policy, scope] of attach) {
    const where = scope === 'domain' ? ['--domain'] : ['--project', scope];
    admin(srv, ['policy', 'attach', policy, '--user', name, ...where]);
  }
  for (const g of groups) admin(srv, ['group', 'add-user', g, name]);
  const k = admin(srv, ['key', 'create', '--user', name]);
  return { ...u, password, ak: k.access_key, sk: k.secret_key };
}

// POST /v3/auth/tokens with a password.  scope: { project: {id|name} } or
// { domain: {id|name} }.  Resolves { status, token, body, headers }.
export async function getToken(srv, user, password, scope, { domain = 'admin', query = '' } = {}) {
  const s = scope ?? { project: { id: srv.creds.project_id } };
  const body = JSON.stringify({ auth: { identity: { methods: ['password'],
    password: { user: { name: user, password, domain: { name: domain } } } }, scope: s } });
  const r = await raw(srv.publicUrl, { method: 'POST', path: '/v3/auth/tokens', query, body,
    headers: { 'Content-Type': 'application/json;charset=utf8' } });
  return { status: r.status, token: r.headers['x-subject-token'], body: r.json, headers: r.headers, text: r.text };
}

// A request authenticated by X-Auth-Token; data (object) is sent as JSON.
export function withToken(srv, token, { method = 'GET', path: p, query = '', data, base, headers = {} }) {
  const h = { 'X-Auth-Token': token, ...headers };
  let body;
  if (data !== undefined) {
    body = JSON.stringify(data);
    h['Content-Type'] = 'application/json';
  }
  return raw(base ?? srv.publicUrl, { method, path: p, query, body, headers: h });
}

// The job API routes of project P as raw requests for withToken().
export function tokenRoutes(srv, token, P = srv.creds.project_id) {
  const go = (o) => withToken(srv, token, o);
  return {
    list: () => go({ path: `/v2/${P}/workspace-sub-jobs` }),
    show: (j) => go({ path: `/v2/${P}/workspace-jobs/${j}` }),
    retry: (j) => go({ method: 'POST', path: `/v2/${P}/workspace-jobs/${j}/actions`, data: { op_type: 'retry' } }),
    del: (data) => go({ method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`, data }),
    create: (data) => go({ base: srv.internalUrl, method: 'POST', path: `/v1/internal/${P}/jobs`, data }),
    claim: (data) => go({ base: srv.internalUrl, method: 'POST', path: '/v1/internal/sub-jobs/claim', data }),
    heartbeat: (id, data) => go({ base: srv.internalUrl, method: 'POST', path: `/v1/internal/sub-jobs/${id}/heartbeat`, data }),
    finish: (id, data) => go({ base: srv.internalUrl, method: 'POST', path: `/v1/internal/sub-jobs/${id}/finish`, data }),
  };
}

/*
 * An IamClient of the IAM SDK at endpoint for who ({ ak, sk }), through
 * GlobalCredentials without a domain id: the SDK finds the account with
 * GET /v3/auth/domains on a client of its own.  Every answer, that
 * lookup's too, is checked against docs/openapi.yaml.  { client, cred }.
 */
export function iamClient(endpoint, who) {
  const cred = new core.GlobalCredentials().withAk(who.ak).withSk(who.sk).withIamEndpoint(endpoint);
  const client = iam.IamClient.newBuilder().withCredential(cred)
    .withRegion(new core.Region('wksjobs-local', [endpoint])).build();
  const hc = client.hcClient;
  const override = hc.overrideEndpoints.bind(hc);
  hc.overrideEndpoints = (e) => hookSdkClient(override(e));
  hookSdkClient(hc);
  return { client, cred };
}

// POST /v5/decode-authorization-message signed by the official SDK.
export async function decodeMessage(srv, creds, message) {
  const c = sdkClient(srv.publicUrl, creds.ak, creds.sk);
  return call(c, { method: 'POST', url: '/v5/decode-authorization-message',
    data: { encoded_message: message } });
}

// Root's clients (official SDK, AK/SK of `wksjobs init`).
export function rootClients(srv) {
  return clients(srv);
}

// Every sub-job of the project as seen by root: { id: status }.
export async function statuses(srv) {
  const r = await rootClients(srv).list({ limit: 1000 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return Object.fromEntries(r.body.jobs.map((s) => [s.id, s.status]));
}

