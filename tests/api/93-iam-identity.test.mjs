// 93-iam-identity: the "who am I" calls other official SDKs make on the
// way (docs/API.md#identity-iam-and-sts): IAM KeystoneListAuthDomains,
// which the SDKs' GlobalCredentials without a domain id use to find the
// account (proved with the IAM SDK from npm), and STS GetCallerIdentity,
// whose answer is checked against a schema written from the STS SDK's
// GetCallerIdentityResponse model (account_id, principal_urn,
// principal_id).  No IAM action is needed for either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer, sdkClient, call, raw } from './lib.mjs';
import { iam, iamClient, mkUser, getToken, withToken, shutdown } from './iam-helpers.mjs';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');

// GetCallerIdentityResponse of the STS SDK (Go, Python, Java models):
// three optional strings; wksjobs always sends all three.
const CALLER_IDENTITY_MODEL = {
  type: 'object',
  properties: {
    account_id: { type: 'string' },
    principal_urn: { type: 'string' },
    principal_id: { type: 'string' },
  },
  required: ['account_id', 'principal_urn', 'principal_id'],
  additionalProperties: false,
};
const checkIdentity = new Ajv().compile(CALLER_IDENTITY_MODEL);

let srv;
let bob;

before(async () => {
  srv = await startServer();
  // A user without any policy: asking who one is needs none.
  bob = mkUser(srv, 'bob');
});

after(async () => {
  await shutdown(srv);
});

test('GlobalCredentials without a domain id finds the account with GET /v3/auth/domains (IAM SDK)', async () => {
  for (const who of [{ ak: srv.creds.access_key, sk: srv.creds.secret_key }, bob]) {
    const { client, cred } = iamClient(srv.publicUrl, who);
    assert.equal(cred.domainId, undefined);
    const projects = await client.keystoneListProjects(new iam.KeystoneListProjectsRequest());
    assert.equal(projects.httpStatusCode, 200);
    assert.equal(cred.domainId, srv.creds.domain_id, 'the SDK took the account from /v3/auth/domains');
    assert.ok(projects.projects.some((p) => p.id === srv.creds.project_id));
    // The operation itself, through the SDK's model.
    const d = await client.keystoneListAuthDomains(new iam.KeystoneListAuthDomainsRequest());
    assert.equal(d.httpStatusCode, 200);
    assert.equal(d.domains.length, 1);
    assert.equal(d.domains[0].id, srv.creds.domain_id);
    assert.equal(d.domains[0].name, 'admin');
    assert.equal(d.domains[0].enabled, true);
    assert.match(d.domains[0].links.self, new RegExp(`/v3/domains/${srv.creds.domain_id}$`));
    assert.match(d.links.self, /\/v3\/auth\/domains$/);
  }
});

test('GET /v5/caller-identity names the caller: by signature and by token, root and IAM user', async () => {
  const root = await call(sdkClient(srv.publicUrl, srv.creds.access_key, srv.creds.secret_key),
    { method: 'GET', url: '/v5/caller-identity' });
  assert.equal(root.status, 200, JSON.stringify(root.body));
  assert.ok(checkIdentity(root.body), JSON.stringify(checkIdentity.errors));
  assert.deepEqual(root.body, { account_id: srv.creds.domain_id,
    principal_urn: `iam::${srv.creds.domain_id}:user:admin`, principal_id: srv.creds.user_id });
  assert.match(root.requestId, /^[0-9a-f]{32}$/);

  const b = await call(sdkClient(srv.publicUrl, bob.ak, bob.sk), { method: 'GET', url: '/v5/caller-identity' });
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.deepEqual(b.body, { account_id: srv.creds.domain_id,
    principal_urn: `iam::${srv.creds.domain_id}:user:bob`, principal_id: bob.id });

  const t = await getToken(srv, 'bob', bob.password);
  assert.equal(t.status, 201, t.text);
  const byToken = await withToken(srv, t.token, { path: '/v5/caller-identity' });
  assert.equal(byToken.status, 200, byToken.text);
  assert.ok(checkIdentity(byToken.json));
  assert.equal(byToken.json.principal_id, bob.id);
  const domains = await withToken(srv, t.token, { path: '/v3/auth/domains' });
  assert.equal(domains.status, 200, domains.text);
  assert.equal(domains.json.domains[0].id, srv.creds.domain_id);
});

test('without credentials both are the gateway\'s 401; neither is on the internal listener', async () => {
  for (const p of ['/v5/caller-identity', '/v3/auth/domains']) {
    const anon = await raw(srv.publicUrl, { method: 'GET', path: p });
    assert.equal(anon.status, 401, anon.text);
    const internal = await raw(srv.internalUrl, { method: 'GET', path: p,
      creds: { ak: srv.creds.access_key, sk: srv.creds.secret_key } });
    assert.equal(internal.status, 404, internal.text);
  }
});
