// lib.mjs - harness for the API tests: a real `wksjobs serve` on loopback
// with a fresh data directory, and clients that sign with the official
// Huawei Cloud Node.js SDK core (@huaweicloud/huaweicloud-sdk-core).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { checkResponse, hookSdkClient, noteRequest, rethrowSince, stats } from './openapi.mjs';

const require = createRequire(import.meta.url);
const core = require('@huaweicloud/huaweicloud-sdk-core');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');
// The SDK logs every 4xx with its full request on stderr; tests assert the
// errors themselves, so keep its log quiet.
require('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger').Logger4jInstance.level = 'off';

export const BIN = process.env.WKSJOBS_BIN ||
  path.resolve(import.meta.dirname, '../../build/wksjobs');

export function sha256hex(s) {
  return createHash('sha256').update(s).digest('hex');
}

// Sanitizer reports (the ASan/LSan/UBSan build of `make test`) in the
// stderr of any process started here fail the test file at exit, whatever
// its tests asserted: a leak reported when a server exits, or a report
// from a CLI run whose exit code a test does not look at, is not lost.
const SANITIZER_RE = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: UndefinedBehaviorSanitizer/;
const sanitizerReports = [];
export function sanitizerCheck(what, text) {
  if (text && SANITIZER_RE.test(text)) sanitizerReports.push(`${what}:\n${text.slice(-6000)}`);
}
process.on('exit', () => {
  if (sanitizerReports.length === 0) return;
  console.error(`sanitizer reports (${sanitizerReports.length}):\n${sanitizerReports.join('\n')}`);
  process.exitCode = 1;
});

/*
 * The engine the suite runs on.  SQLite in each data directory by default;
 * when WKSJOBS_TEST_PG_DIR names the directory of a running scripts/pg.sh
 * cluster (CTest's pg label starts one per run), PostgreSQL: every data
 * directory gets a fresh database of its own, and every init, serve and
 * admin started through run() or spawnServe() is given its URL, so that
 * no test file has to know which engine it runs on.
 */
export const PG_DIR = process.env.WKSJOBS_TEST_PG_DIR || '';
export const ENGINE = PG_DIR ? 'pg' : 'sqlite';
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const pgDatabases = new Map(); // absolute data directory -> database URL

function pgBaseUrl() {
  try {
    return readFileSync(path.join(PG_DIR, 'url'), 'utf8').trim();
  } catch (e) {
    throw new Error(`WKSJOBS_TEST_PG_DIR=${PG_DIR}: no cluster (scripts/pg.sh start DIR): ${e.message}`);
  }
}

// psql with the cluster's superuser on database url; returns stdout
// (unaligned, tuples only: sqlite3's default output format).
export function psql(url, sql) {
  const r = spawnSync(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql],
    { encoding: 'utf8', timeout: 60000, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr || r.error}`);
  return r.stdout;
}

// The database URL of data directory data (created on first use), or ''
// on SQLite.
export function databaseFor(data) {
  if (!PG_DIR) return '';
  const key = path.resolve(data);
  let url = pgDatabases.get(key);
  if (url) return url;
  const base = pgBaseUrl();
  const name = `wj_${process.pid}_${pgDatabases.size + 1}_${randomBytes(3).toString('hex')}`;
  psql(base, `CREATE DATABASE ${name}`);
  url = base.replace(/\/[^/]*$/, `/${name}`);
  pgDatabases.set(key, url);
  return url;
}

/*
 * SQL on the database of data directory data, whichever the engine: the
 * sqlite3 shell on DATA/wksjobs.db, or psql on its PostgreSQL database.
 * Returns the rows one a line, columns separated by '|', NULL as '' (the
 * two shells' default output).  Statements themselves must be valid on
 * the engine they run on (ENGINE tells which).
 */
export function dbQuery(data, sql, { timeoutMs = 5000 } = {}) {
  if (PG_DIR) return psql(databaseFor(data), sql);
  const r = spawnSync('sqlite3', ['-cmd', `.timeout ${timeoutMs}`, path.join(data, 'wksjobs.db'), sql],
    { encoding: 'utf8', timeout: 60000, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr || r.error}`);
  return r.stdout;
}

// The INSERT of a project's count of sub-jobs of a type in a status, for
// tests that write rows themselves: PostgreSQL keeps each count in stripes
// (summed when read), SQLite in one row.
export function countsInsert(project, type, status, n) {
  return PG_DIR
    ? `INSERT INTO sub_job_counts (project_id, job_type, status, stripe, n) VALUES ('${project}', '${type}', ${status}, 0, ${n});`
    : `INSERT INTO sub_job_counts (project_id, job_type, status, n) VALUES ('${project}', '${type}', ${status}, ${n});`;
}

// Whether dbQuery can run: psql comes with the cluster, sqlite3 may be missing.
export const DB_SHELL = PG_DIR !== '' ||
  spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;

// The rows of one SELECT (no trailing ';') as objects, on either engine.
export function dbRows(data, select) {
  if (PG_DIR) return JSON.parse(dbQuery(data, `SELECT coalesce(json_agg(t), '[]') FROM (${select}) t`));
  const r = spawnSync('sqlite3', ['-readonly', '-json', path.join(data, 'wksjobs.db'), select],
    { encoding: 'utf8', timeout: 60000, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr || r.error}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// Everything the database of data holds, as bytes (the SQLite file, or a
// pg_dump of the PostgreSQL database): for "no secret in the clear" checks.
export function dbBytes(data) {
  if (!PG_DIR) return readFileSync(path.join(data, 'wksjobs.db'));
  const r = spawnSync(path.join(path.dirname(PSQL), 'pg_dump'), ['-d', databaseFor(data)],
    { timeout: 60000, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pg_dump: ${r.stderr}`);
  return r.stdout;
}

/*
 * args and spawn options of a wksjobs command with the database of its
 * data directory: `--database URL` right after `--data DIR`,
 * WKSJOBS_DATABASE beside a WKSJOBS_DATA of the environment, or `--database
 * URL` for the data directory of the configuration file or the default
 * one, found as the command would find it.  Unchanged on
 * SQLite, for other commands and where --database is given already.
 */
export function withDatabase(args, opts = {}) {
  // WKSJOBS_TEST_SQLITE=1 in a command's environment: its SQLite file,
  // whatever the suite's engine (a test that moves between engines).
  if ((opts.env ?? process.env).WKSJOBS_TEST_SQLITE === '1') return { args, opts };
  if (!PG_DIR || !['init', 'serve', 'admin'].includes(args[0]) ||
      args.some((a) => a === '--database' || a.startsWith('--database='))) return { args, opts };
  const cwd = opts.cwd ?? process.cwd();
  const i = args.findIndex((a) => a === '--data' || a.startsWith('--data='));
  if (i >= 0) {
    const inline = args[i].startsWith('--data=');
    const data = inline ? args[i].slice('--data='.length) : args[i + 1];
    if (!data) return { args, opts };
    const at = inline ? i + 1 : i + 2;
    const url = databaseFor(path.resolve(cwd, data));
    return { args: [...args.slice(0, at), '--database', url, ...args.slice(at)], opts };
  }
  const env = opts.env ?? process.env;
  if (env.WKSJOBS_DATABASE) return { args, opts };
  if (env.WKSJOBS_DATA) {
    const url = databaseFor(path.resolve(cwd, env.WKSJOBS_DATA));
    return { args, opts: { ...opts, env: { ...env, WKSJOBS_DATABASE: url } } };
  }
  // The configuration file's data directory, else the default ./data
  // when it is an initialised one.
  let data = configData(args, env, cwd);
  if (!data && existsSync(path.join(cwd, 'data', 'master.key'))) data = path.join(cwd, 'data');
  if (!data) return { args, opts };
  return { args: [args[0], '--database', databaseFor(data), ...args.slice(1)], opts };
}

// The data directory a configuration file (--config FILE or
// WKSJOBS_CONFIG) names, or ''.
function configData(args, env, cwd) {
  const i = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const file = i < 0 ? env.WKSJOBS_CONFIG
    : (args[i].startsWith('--config=') ? args[i].slice('--config='.length) : args[i + 1]);
  if (!file) return '';
  let text;
  try {
    text = readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    return '';
  }
  const m = text.match(/^[ \t]*data[ \t]*=[ \t]*"?([^"\n]*?)"?[ \t]*$/m);
  return m ? path.resolve(cwd, m[1]) : '';
}

// Run the binary to completion; returns { status, stdout, stderr }.
export function run(cmdArgs, cmdOpts = {}) {
  const { args, opts } = withDatabase(cmdArgs, cmdOpts);
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 60000, ...opts });
  sanitizerCheck(`wksjobs ${args.slice(0, 3).join(' ')}`, r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// `wksjobs init --data DIR --json` in a fresh temporary directory.
export function initData() {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-test-'));
  const data = path.join(dir, 'data');
  const r = run(['init', '--data', data, '--json']);
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  return { dir, data, creds: JSON.parse(r.stdout) };
}

/*
 * Spawn `wksjobs serve` with args (and envVars added to the environment);
 * resolves once it prints its ready line, with proc, pid, pubPort, intPort,
 * publicUrl, internalUrl, stderr(), stop() (SIGTERM) and kill() (SIGKILL),
 * both resolving with the exit code or signal.  A sanitizer report on its
 * stderr fails the test file.
 */
export async function spawnServe(serveArgs, envVars = {}) {
  const { args, opts } = withDatabase(serveArgs, { env: { ...process.env, ...envVars } });
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.on('close', () => sanitizerCheck('wksjobs serve', stderr));
  const m = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve not ready: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const r = out.match(/ready public=([\d.]+):(\d+) internal=([\d.]+):(\d+)/);
      if (r) { clearTimeout(timer); resolve(r); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${stderr}`)); });
  });
  return {
    proc, pid: proc.pid,
    pubPort: Number(m[2]), intPort: Number(m[4]),
    publicUrl: `http://127.0.0.1:${m[2]}`, internalUrl: `http://127.0.0.1:${m[4]}`,
    stderr: () => stderr,
    stop: () => stopProc(proc, 'SIGTERM'),
    kill: () => stopProc(proc, 'SIGKILL'),
  };
}

// Start `wksjobs serve` on free loopback ports; resolves once it is ready.
export async function startServer(env = initData(), extra = []) {
  const srv = await spawnServe(['serve', '--data', env.data, '--listen', '127.0.0.1:0',
    '--internal-listen', '127.0.0.1:0', '--access-log=false', ...extra]);
  return { ...env, ...srv, cleanup: () => rmSync(env.dir, { recursive: true, force: true }) };
}

// Signal proc and wait for it (SIGKILL after 20 s); its exit code or signal.
function stopProc(proc, sig) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode ?? proc.signalCode);
    const t = setTimeout(() => proc.kill('SIGKILL'), 20000);
    proc.once('exit', (code, signal) => { clearTimeout(t); resolve(code ?? signal); });
    proc.kill(sig);
  });
}

// An HcClient of the official SDK for endpoint, signing with ak/sk;
// options are the SDK's own (withOptions: e.g. an https agent with a CA).
export function sdkClient(endpoint, ak, sk, projectId, options) {
  const cred = new core.BasicCredentials().withAk(ak).withSk(sk);
  if (projectId) cred.withProjectId(projectId);
  const builder = new ClientBuilder((hc) => hc).withEndpoint(endpoint).withCredential(cred);
  if (options) builder.withOptions(options);
  // Every answer it receives is checked against docs/openapi.yaml.
  return keepRequestIds(hookSdkClient(builder.build()));
}

// The X-Request-Id of every answer, by call.  The SDK copies the
// response headers asked for into its result only when the body is not
// empty, so a 200 without a body (BatchDeleteSubJobs) would lose it: the
// header is read from the HTTP answer itself instead.
const requestIds = new Map();
let nCalls = 0;

function keepRequestIds(client) {
  const keep = (res) => {
    const n = res?.config?.wjCall;
    if (n !== undefined) requestIds.set(n, res.headers['x-request-id']);
  };
  client.httpClient._axiosInstance.interceptors.response.use((res) => { keep(res); return res; },
    (err) => { keep(err.response); return Promise.reject(err); });
  return client;
}

// Mark SDK request options opts so that requestIdOf(n) can tell the
// X-Request-Id of its answer; returns n.
export function trackRequestId(opts) {
  nCalls += 1;
  opts.axiosRequestConfig = { ...(opts.axiosRequestConfig ?? {}), wjCall: nCalls };
  return nCalls;
}

export function requestIdOf(n) {
  const id = requestIds.get(n);
  requestIds.delete(n);
  return id;
}

// One SDK call.  Resolves { status, body, requestId } for success and
// errors alike (errors: body = { error_code, error_msg, ... } as decoded
// by the SDK, plus encoded_authorization_message when present).
export async function call(client, { method, url, pathParams = {}, queryParams = {}, data, headers = {} }) {
  const opts = { method, url, pathParams, queryParams, headers: { ...headers },
    contentType: 'application/json', responseHeaders: ['X-Request-Id'] };
  if (data !== undefined) opts.data = data;
  const mark = stats.failures.length;
  const n = trackRequestId(opts);
  noteRequest();
  let r;
  try {
    const res = await client.sendRequest(opts);
    const { httpStatusCode, ...rest } = res;
    const requestId = requestIdOf(n) ?? rest['X-Request-Id'];
    delete rest['X-Request-Id'];
    r = { status: httpStatusCode, body: rest, requestId };
  } catch (e) {
    const requestId = requestIdOf(n) ?? e.requestId;
    if (!e.httpStatusCode) throw e;
    r = { status: e.httpStatusCode, body: { error_code: e.errorCode, error_msg: e.errorMsg,
      encoded_authorization_message: e.encodedAuthorizationMessage }, requestId };
  }
  rethrowSince(mark);	// the answer does not match docs/openapi.yaml
  return r;
}

// A raw HTTP request with exact bytes; if creds are given it is signed by the
// SDK's own AKSKSigner (the body through X-Sdk-Content-Sha256, since the
// signer would otherwise hash JSON.stringify of it).
export function raw(base, { method, path: p, query = '', body, headers = {}, creds }) {
  const u = new URL(base);
  const hdrs = { ...headers };
  if (creds) {
    const qp = Object.fromEntries(new URLSearchParams(query));
    if (body !== undefined && body !== null && body.length > 0 &&
        hdrs['X-Sdk-Content-Sha256'] === undefined) {
      hdrs['X-Sdk-Content-Sha256'] = sha256hex(body);
    }
    const cred = new core.BasicCredentials().withAk(creds.ak).withSk(creds.sk);
    const signed = AKSKSigner.sign({ endpoint: base + p, headers: hdrs, method, queryParams: qp }, cred);
    Object.assign(hdrs, signed);
  }
  noteRequest();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: p + (query ? `?${query}` : ''),
      headers: hdrs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        try {
          checkResponse({ method, url: p, status: res.statusCode, contentType: res.headers['content-type'], body: text });
        } catch (e) { reject(e); return; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    if (body !== undefined && body !== null) req.write(body);
    req.end();
  });
}

// Convenience wrappers for one server and one credential set; send is
// call, or helpers.mjs callFull (which keeps whole error bodies).
export function clients(srv, creds = { ak: srv.creds.access_key, sk: srv.creds.secret_key },
  projectId = srv.creds.project_id, send = call) {
  const pub = sdkClient(srv.publicUrl, creds.ak, creds.sk, projectId);
  const int = sdkClient(srv.internalUrl, creds.ak, creds.sk);
  const P = projectId;
  return {
    project: P,
    list: (queryParams = {}) => send(pub, { method: 'GET', url: '/v2/{project_id}/workspace-sub-jobs',
      pathParams: { project_id: P }, queryParams }),
    show: (jobId) => send(pub, { method: 'GET', url: '/v2/{project_id}/workspace-jobs/{job_id}',
      pathParams: { project_id: P, job_id: jobId } }),
    // data null: no body at all.
    retry: (jobId, data = { op_type: 'retry' }) => send(pub, { method: 'POST',
      url: '/v2/{project_id}/workspace-jobs/{job_id}/actions', pathParams: { project_id: P, job_id: jobId },
      data: data === null ? undefined : data }),
    del: (data) => send(pub, { method: 'POST', url: '/v2/{project_id}/workspace-sub-jobs/batch-delete',
      pathParams: { project_id: P }, data }),
    create: (data, headers = {}) => send(int, { method: 'POST', url: '/v1/internal/{project_id}/jobs',
      pathParams: { project_id: P }, data, headers }),
    claim: (data) => send(int, { method: 'POST', url: '/v1/internal/sub-jobs/claim', data }),
    heartbeat: (id, data) => send(int, { method: 'POST', url: '/v1/internal/sub-jobs/{id}/heartbeat',
      pathParams: { id }, data }),
    finish: (id, data) => send(int, { method: 'POST', url: '/v1/internal/sub-jobs/{id}/finish',
      pathParams: { id }, data }),
  };
}

// Create a job of n sub-jobs; returns { job_id, sub_job_ids }.
export async function createJob(c, jobType = 'createDesktops', n = 1, extra = {}) {
  const subs = Array.from({ length: n }, (_, i) => ({
    entities: { desktop_id: `d-${i}`, user_name: `user${i}`, product_id: 'workspace.x86.ultimate.large2' },
    desktop_pool_id: 'pool-1', ...extra }));
  const r = await c.create({ job_type: jobType, sub_jobs: subs });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// Claim everything waiting (up to max) and finish each with status.
export async function claimAndFinish(c, status, { max = 100, worker = 'w1', jobTypes } = {}) {
  const r = await c.claim({ worker_id: worker, host: '10.0.0.1', max, lease_seconds: 60,
    ...(jobTypes ? { job_types: jobTypes } : {}) });
  if (r.status !== 200) throw new Error(`claim: ${r.status} ${JSON.stringify(r.body)}`);
  for (const s of r.body.sub_jobs) {
    const body = status === 'FAILED'
      ? { lease_id: s.lease_id, status, error_code: 'WKS.0005', fail_reason: 'Failed to invoke ECS interface.' }
      : { lease_id: s.lease_id, status };
    const f = await c.finish(s.id, body);
    if (f.status !== 200) throw new Error(`finish: ${f.status} ${JSON.stringify(f.body)}`);
  }
  return r.body.sub_jobs;
}
