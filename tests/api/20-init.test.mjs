// 20-init: `wksjobs init`: --json prints exactly one JSON
// object with the new identities; a second init on the same directory
// fails and changes nothing (the first AK keeps working).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ENGINE, databaseFor, dbBytes, run, startServer, clients } from './lib.mjs';
import { ID_RE } from './helpers.mjs';

const dirs = [];
const servers = [];

after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp() {
  const d = mkdtempSync(path.join(tmpdir(), 'wksjobs-init-'));
  dirs.push(d);
  return d;
}

function digestDir(dir) {
  const out = {};
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    const st = statSync(p);
    out[f] = { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode,
      sha: createHash('sha256').update(readFileSync(p)).digest('hex') };
  }
  return out;
}

test('init --json prints exactly one JSON object with the new identities', () => {
  const data = path.join(tmp(), 'data');
  const r = run(['init', '--data', data, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout.trim();
  assert.equal(text.split('\n').length, 1, `more than one line on stdout: ${r.stdout}`);
  const o = JSON.parse(text);
  assert.equal(typeof o, 'object');
  assert.ok(!Array.isArray(o));
  assert.deepEqual(Object.keys(o).sort(), ['access_key', 'domain_id', 'domain_name', 'project_id',
    'project_name', 'secret_key', 'user_id', 'user_name']);
  for (const [k, v] of Object.entries(o)) assert.equal(typeof v, 'string', k);
  assert.match(o.domain_id, ID_RE);
  assert.match(o.user_id, ID_RE);
  assert.match(o.project_id, ID_RE);
  assert.equal(o.domain_name, 'admin');
  assert.equal(o.user_name, 'admin');
  assert.equal(o.project_name, 'default');
  assert.match(o.access_key, /^[A-Z0-9]{20}$/);
  assert.match(o.secret_key, /^[A-Za-z0-9]{40}$/);
});

test('init creates the data directory with a 0600 master key', () => {
  const data = path.join(tmp(), 'data');
  const r = run(['init', '--data', data, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(data);
  assert.ok(files.includes('master.key'), files.join(','));
  // The SQLite file beside it; on PostgreSQL nothing but the key.
  assert.equal(files.includes('wksjobs.db'), ENGINE === 'sqlite', files.join(','));
  assert.equal(statSync(path.join(data, 'master.key')).mode & 0o777, 0o600);
  // The secret is not written anywhere in clear.
  const o = JSON.parse(r.stdout);
  for (const f of files) {
    const bytes = readFileSync(path.join(data, f));
    assert.ok(!bytes.includes(Buffer.from(o.secret_key)), `${f} holds the secret key in clear`);
  }
  assert.ok(!dbBytes(data).includes(Buffer.from(o.secret_key)), 'the database holds the secret key in clear');
});

test('a second init on the same directory fails and changes nothing', async () => {
  const dir = tmp();
  const data = path.join(dir, 'data');
  const first = run(['init', '--data', data, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const creds = JSON.parse(first.stdout);
  const before = digestDir(data);

  for (const args of [['init', '--data', data, '--json'], ['init', '--data', data],
    ['init', '--data', data, '--domain', 'other', '--project', 'p2']]) {
    const again = run(args);
    assert.notEqual(again.status, 0, `second init succeeded: ${again.stdout}`);
    assert.equal(again.stdout.trim(), '', `second init printed on stdout: ${again.stdout}`);
    assert.match(again.stderr, /already|exists/i, 'no reason on stderr');
    assert.deepEqual(digestDir(data), before, 'the data directory changed');
  }

  // The first AK still works (and nothing else was created).
  const srv = await startServer({ dir, data, creds });
  servers.push(srv);
  const c = clients(srv);
  const r = await c.list();
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.total_count, 0);
  const keys = run(['admin', 'key', 'list', '--data', data, '--json']);
  assert.equal(keys.status, 0, keys.stderr);
  assert.deepEqual(JSON.parse(keys.stdout).map((k) => k.access_key), [creds.access_key]);
  const projects = run(['admin', 'project', 'list', '--data', data, '--json']);
  assert.equal(projects.status, 0, projects.stderr);
  assert.deepEqual(JSON.parse(projects.stdout).map((p) => p.id), [creds.project_id]);
});

test('serve --check validates an initialised directory and refuses a missing one', () => {
  const data = path.join(tmp(), 'data');
  const bad = run(['serve', '--check', '--data', data]);
  assert.notEqual(bad.status, 0, 'serve --check accepted a directory that was never initialised');
  assert.equal(run(['init', '--data', data, '--json']).status, 0);
  const ok = run(['serve', '--check', '--data', data]);
  assert.equal(ok.status, 0, ok.stderr);
  const badFlag = run(['serve', '--check', '--data', data, '--max-body', 'lots']);
  assert.notEqual(badFlag.status, 0);
});

test('init is quiet on stderr; --verbose shows the schema migrations', () => {
  const dir = tmp();
  const q = run(['init', '--data', path.join(dir, 'a')]);
  assert.equal(q.status, 0, q.stderr);
  assert.equal(q.stderr, '');
  assert.match(q.stdout, /^account +admin /);
  const v = run(['init', '--data', path.join(dir, 'b'), '--json', '--verbose']);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stderr, /applied schema migration 1\n/);
  JSON.parse(v.stdout);
});

test('admin outside the data directory names the directory it looked for and the way out', () => {
  const dir = tmp();
  const r = run(['admin', 'key', 'list'], { cwd: dir, env: Object.fromEntries(Object.entries(process.env)
    .filter(([k]) => !k.startsWith('WKSJOBS_'))) });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `wksjobs: ${dir}/data is not an initialised data directory: give the one in use with ` +
    `--data DIR or WKSJOBS_DATA (make run prints it), or make one with wksjobs init --data ${dir}/data\n`);
});

// PostgreSQL: init of a second directory on a database that holds an
// account already fails, writes no master key, and changes nothing.
test('init on an initialised database fails and changes nothing', { skip: ENGINE !== 'pg' && 'PostgreSQL only' }, async () => {
  const dir = tmp();
  const data = path.join(dir, 'data');
  const first = run(['init', '--data', data, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const creds = JSON.parse(first.stdout);
  const url = databaseFor(data);
  const other = path.join(dir, 'other');
  const again = run(['init', '--data', other, '--database', url, '--json']);
  assert.equal(again.status, 1, again.stdout);
  assert.equal(again.stdout, '');
  assert.match(again.stderr, /initialised already.*nothing changed/);
  assert.deepEqual(readdirSync(other), [], 'a master key was left behind');
  const keys = run(['admin', 'key', 'list', '--data', data, '--json']);
  assert.equal(keys.status, 0, keys.stderr);
  assert.deepEqual(JSON.parse(keys.stdout).map((k) => k.access_key), [creds.access_key]);
});
