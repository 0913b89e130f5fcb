// 87-master-key: `wksjobs admin rotate-master-key` on a stopped server's
// data directory re-seals every stored secret under a new key id, keeps
// the old key in master.key.old, and after a restart the old AK/SK pairs,
// a token and an encoded authorization message sealed before still work,
// while new tokens carry the new key id (docs/ARCHITECTURE.md#security).
// Once the operator removes master.key.old, only what was sealed before
// stops opening.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENGINE, dbQuery, initData, startServer, clients, run } from './lib.mjs';
import { admin, mkUser, getToken, tokenRoutes, decodeMessage, shutdown } from './iam-helpers.mjs';

const env = initData();
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(env.dir, { recursive: true, force: true });
});

async function serve() {
  const s = await startServer(env);
  servers.push(s);
  return s;
}

async function stop(s) {
  servers.splice(servers.indexOf(s), 1);
  await shutdown({ ...s, cleanup: () => {} });
}

// The key id a token or message was sealed with: the first byte after
// its version prefix.
const keyId = (text) => Buffer.from(text.slice(text.indexOf('.') + 1), 'base64url')[0];

function sealedKeyIds() {
  const first = ENGINE === 'pg' ? 'get_byte(secret_sealed, 0)' : 'unicode(substr(secret_sealed, 1, 1))';
  return dbQuery(env.data, `SELECT DISTINCT ${first} FROM access_keys`).trim().split('\n').map(Number);
}

test('rotate while stopped: old credentials, tokens and messages open; new ones use the new key id', async () => {
  const root = { ak: env.creds.access_key, sk: env.creds.secret_key };
  let srv = await serve();
  const alice = mkUser(srv, 'alice', { attach: [['Workspace FullAccess', 'domain']] });
  const bob = mkUser(srv, 'bob');	// no policy: refused, with a message
  const tok = await getToken(srv, 'alice', alice.password);
  assert.equal(tok.status, 201, tok.text);
  assert.equal(keyId(tok.token), 1);
  const denied = await clients(srv, { ak: bob.ak, sk: bob.sk }).list({ limit: 1 });
  assert.equal(denied.status, 403);
  const msg = denied.body.encoded_authorization_message;
  assert.equal(typeof msg, 'string');
  assert.deepEqual(sealedKeyIds(), [1]);
  await stop(srv);

  const rot = run(['admin', 'rotate-master-key', '--data', env.data, '--json']);
  assert.equal(rot.status, 0, rot.stderr);
  const out = JSON.parse(rot.stdout);
  assert.equal(out.key_id, '2');
  assert.equal(out.previous_key_id, '1');
  assert.equal(out.resealed, '3', 'the AK/SK of root, alice and bob');
  assert.deepEqual(sealedKeyIds(), [2], 'no secret left under the old key id');
  for (const f of ['master.key', 'master.key.old']) {
    assert.equal(statSync(path.join(env.data, f)).mode & 0o777, 0o600, f);
  }

  srv = await serve();
  for (const who of [root, { ak: alice.ak, sk: alice.sk }]) {
    const r = await clients(srv, who).list({ limit: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.equal((await tokenRoutes(srv, tok.token).list()).status, 200, 'token sealed under the old key');
  const d = await decodeMessage(srv, root, msg);
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(JSON.parse(d.body.decoded_message).user, 'bob');
  const tok2 = await getToken(srv, 'alice', alice.password);
  assert.equal(tok2.status, 201);
  assert.equal(keyId(tok2.token), 2, 'new tokens are sealed under the new key');
  const denied2 = await clients(srv, { ak: bob.ak, sk: bob.sk }).list({ limit: 1 });
  assert.equal(keyId(denied2.body.encoded_authorization_message), 2);
  // An AK made after the rotation, sealed under the new key.
  const k = admin(srv, ['key', 'create', '--user', 'alice']);
  assert.equal((await clients(srv, { ak: k.access_key, sk: k.secret_key }).list({ limit: 1 })).status, 200);
  assert.deepEqual(sealedKeyIds(), [2]);
  await stop(srv);

  // The operator removes the retired key: what it sealed no longer
  // opens, everything stored still does.
  rmSync(path.join(env.data, 'master.key.old'));
  srv = await serve();
  assert.equal((await clients(srv, root).list({ limit: 1 })).status, 200);
  assert.equal((await tokenRoutes(srv, tok.token).list()).status, 401, 'old token after the old key is gone');
  assert.equal((await tokenRoutes(srv, tok2.token).list()).status, 200);
  await stop(srv);
});

test('a second rotation retires the current key into master.key.old', () => {
  const r = run(['admin', 'rotate-master-key', '--data', env.data, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).key_id, '3');
  assert.equal(statSync(path.join(env.data, 'master.key.old')).size, 33, 'one record: key id 2');
  assert.deepEqual(sealedKeyIds(), [3]);
});
