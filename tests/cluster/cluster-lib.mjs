// cluster-lib.mjs - harness of the cluster tests (not a test file: CMake
// globs *.test.mjs): a throwaway PostgreSQL of the test file's own
// (scripts/pg.sh in a temporary directory), `wksjobs init --database` once,
// and N `wksjobs serve` nodes on loopback, each with its own copy of the
// data directory (the master key), as the README's cluster section says.
// Nodes are lib.mjs servers: clients(node), raw() and the admin helpers
// of tests/api (WKSJOBS_DATABASE is set for them) work on them.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, run, spawnServe } from '../api/lib.mjs';

export { BIN };
export const ROOT = path.resolve(import.meta.dirname, '../..');
const PGSH = path.join(ROOT, 'scripts/pg.sh');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// scripts/pg.sh CMD DIR ARGS; its stdout (trimmed), or throws.
export function pgsh(cmd, dir, ...args) {
  const r = spawnSync(PGSH, [cmd, dir, ...args], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`pg.sh ${cmd}: ${r.stderr || r.error}`);
  return r.stdout.trim();
}

// pgsh without blocking the event loop (requests in flight keep their
// own timing while PostgreSQL stops or starts); resolves its stdout.
export function pgshAsync(cmd, dir, ...args) {
  return new Promise((resolve, reject) => {
    execFile(PGSH, [cmd, dir, ...args], { encoding: 'utf8', timeout: 120000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pg.sh ${cmd}: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

// psql on url, unaligned tuples only; stdout.
export function psql(url, sql) {
  const r = spawnSync('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
    '-d', url, '-c', sql], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr || r.error}`);
  return r.stdout.trim();
}

/*
 * A cluster: PostgreSQL, one initialised database, n nodes.  serveArgs are
 * given to every node.  Returns { root, pgDir, url, creds, nodes: [node],
 * data(i), admin(args), startNode(i), stopPg(immediate), startPg(),
 * shutdown() }; a node is spawnServe's object plus creds and data.
 */
export async function startCluster({ nodes = 3, serveArgs = [] } = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'wksjobs-cluster-'));
  // PostgreSQL's unprivileged user must reach root/pg.
  chmodSync(root, 0o711);
  const pgDir = path.join(root, 'pg');
  pgsh('start', pgDir);
  const url = pgsh('createdb', pgDir, 'wksjobs');
  const first = path.join(root, 'node1');
  const init = run(['init', '--database', url, '--data', first, '--json']);
  if (init.status !== 0) {
    pgsh('destroy', pgDir);
    rmSync(root, { recursive: true, force: true });
    throw new Error(`init --database failed: ${init.stderr}`);
  }
  const creds = JSON.parse(init.stdout);
  // What every further node starts from: a copy of the directory init
  // wrote, taken before any node ran in it.
  const seed = path.join(root, 'seed');
  cpSync(first, seed, { recursive: true });
  // wksjobs commands run through lib.mjs run() (the admin helpers of
  // tests/api) take the database from the environment.
  process.env.WKSJOBS_DATABASE = url;
  const c = {
    root, pgDir, url, creds, nodes: [],
    data: (i) => path.join(root, `node${i + 1}`),
    // `wksjobs admin ARGS --database URL --data node1 --json`, parsed.
    admin: (args, { ok = true } = {}) => {
      const r = run(['admin', ...args, '--database', url, '--data', first, '--json']);
      if (!ok) return r;
      assert.equal(r.status, 0, `admin ${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    // Start node i (0-based) again, or a new one at the end.
    startNode: async (i = c.nodes.length, extra = []) => {
      const data = c.data(i);
      if (!existsSync(data)) cpSync(seed, data, { recursive: true });
      const srv = await spawnServe(['serve', '--config', '', '--database', url, '--data', data,
        '--listen', '127.0.0.1:0', '--internal-listen', '127.0.0.1:0', '--access-log=false',
        ...serveArgs, ...extra]);
      c.nodes[i] = { ...srv, creds, data, dir: root };
      return c.nodes[i];
    },
    // Both resolve when pg.sh is done; the event loop runs meanwhile.
    stopPg: (immediate = false) => pgshAsync('stop', pgDir, ...(immediate ? ['immediate'] : [])),
    // On the same port: the nodes keep their URL.
    startPg: () => pgshAsync('start', pgDir, new URL(url).port),
    // SIGTERM every node still running (exit codes), PostgreSQL, the files.
    shutdown: async () => {
      const codes = [];
      for (const n of c.nodes) if (n) codes.push(await n.stop());
      try { pgsh('destroy', pgDir); } catch { /* reported by the test's own failure */ }
      rmSync(root, { recursive: true, force: true });
      return codes;
    },
  };
  try {
    for (let i = 0; i < nodes; i++) await c.startNode(i);
  } catch (e) {
    await c.shutdown();
    throw e;
  }
  return c;
}

// An answer without what differs between two calls of the same request.
export function sameAnswer(r) {
  return { status: r.status, body: r.body };
}

// Every sub-job of c's project (lib.mjs clients), page by page: [sub-job].
export async function listAll(c, query = {}) {
  const out = [];
  for (let offset = 0; offset < 1000000;) {
    const r = await c.list({ ...query, limit: 1000, offset });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.jobs);
    offset += r.body.jobs.length;
    if (r.body.jobs.length === 0 || offset >= r.body.total_count) break;
  }
  return out;
}
