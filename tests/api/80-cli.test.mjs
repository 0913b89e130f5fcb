// 80-cli: the `wksjobs` client commands (subjobs list/delete, job
// show/retry/create) against a real server: both output formats, the
// exit codes (0 ok, 1 API error with error_code and request id on
// stderr, 2 usage), --all paging and BatchDeleteSubJobs in batches of 10.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BIN, run, startServer, clients } from './lib.mjs';

const require = createRequire(import.meta.url);
// The SDK logs every error response to stdout: keep the report readable.
require('log4js').configure({ appenders: { none: { type: 'stdout' } },
  categories: { default: { appenders: ['none'], level: 'off' } } });

const ID_RE = /^[0-9a-f]{32}$/;
const REQ_ID = /request_id=[0-9a-f]{32}/;
const HEADER = /^ID +JOB_ID +JOB_TYPE +STATUS +PROCESS +BEGIN_TIME +END_TIME +HOST +ERROR_CODE$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
let nProjects = 0;

before(async () => { srv = await startServer(); });
after(async () => {
  if (srv) {
    await srv.stop();
    srv.cleanup();
  }
});

// The test's own environment without anything the CLI would read.
function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WKSJOBS_') && !k.startsWith('HUAWEICLOUD_SDK_') && k !== 'NO_COLOR') env[k] = v;
  }
  return env;
}

function cliEnv(project, extra = {}) {
  return { ...cleanEnv(), HUAWEICLOUD_SDK_AK: srv.creds.access_key, HUAWEICLOUD_SDK_SK: srv.creds.secret_key,
    HUAWEICLOUD_SDK_PROJECT_ID: project, WKSJOBS_ENDPOINT: srv.publicUrl,
    WKSJOBS_INTERNAL_ENDPOINT: srv.internalUrl, ...extra };
}

// Run the client binary; { status, stdout, stderr }.
function cli(project, args, extra = {}) {
  const r = spawnSync(BIN, args, { env: cliEnv(project, extra), encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r, what = '') {
  assert.equal(r.status, 0, `${what} exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function json(r) {
  ok(r);
  return JSON.parse(r.stdout);
}

// A project of its own per test, so that lists and deletes do not meet.
function project() {
  nProjects += 1;
  const r = run(['admin', 'project', 'create', `cli-${process.pid}-${nProjects}`, '--data', srv.data, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).id;
}

function create(P, type, count, extra = []) {
  const j = json(cli(P, ['job', 'create', '--type', type, '--count', String(count), '--output', 'json', ...extra]));
  assert.match(j.job_id, ID_RE);
  assert.equal(j.sub_job_ids.length, count);
  return j;
}

// Claim every WAITING sub-job of P with the SDK; finish each as status(id).
async function claimAll(P, status) {
  const c = clients(srv, undefined, P);
  const r = await c.claim({ worker_id: 'test', host: '10.9.9.9', max: 100, lease_seconds: 300, project_ids: [P] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const s of r.body.sub_jobs) {
    const st = status(s.id);
    if (st === null) continue;
    const body = st === 'FAILED'
      ? { lease_id: s.lease_id, status: st, error_code: 'WKS.0005', fail_reason: 'Failed to invoke ECS interface.' }
      : { lease_id: s.lease_id, status: st };
    const f = await c.finish(s.id, body);
    assert.equal(f.status, 200, JSON.stringify(f.body));
  }
  return r.body.sub_jobs;
}

async function sdkList(P, queryParams = {}) {
  const r = await clients(srv, undefined, P).list({ limit: 1000, ...queryParams });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

// Table rows (after the header) split on runs of two or more spaces.
function rows(stdout) {
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0], HEADER, stdout);
  return lines.slice(1).map((l) => l.split(/ {2,}/));
}

test('--help on every command exits 0 and names flags and environment variables', () => {
  const cmds = [['subjobs', '--help'], ['subjobs', 'list', '--help'], ['subjobs', 'delete', '--help'],
    ['job', '--help'], ['job', 'show', '--help'], ['job', 'retry', '--help'], ['job', 'create', '--help'],
    ['worker', '--help'], ['--help']];
  for (const args of cmds) {
    const r = spawnSync(BIN, args, { env: cleanEnv(), encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage: /, args.join(' '));
  }
  const list = spawnSync(BIN, ['subjobs', 'list', '--help'], { env: cleanEnv(), encoding: 'utf8' }).stdout;
  for (const f of ['--status', '--job-id', '--job-type', '--desktop-pool-id', '--limit', '--offset', '--all',
    '--output', '--endpoint', '$WKSJOBS_ENDPOINT', '$HUAWEICLOUD_SDK_AK']) assert.ok(list.includes(f), f);
  const w = spawnSync(BIN, ['worker', '--help'], { env: cleanEnv(), encoding: 'utf8' }).stdout;
  for (const f of ['--simulate', '--exec', '--duration', '--fail-rate', '--concurrency', '--lease-seconds',
    '--job-type', 'leases expire', '$WKSJOBS_INTERNAL_ENDPOINT']) assert.ok(w.includes(f), f);
  const top = spawnSync(BIN, ['--help'], { env: cleanEnv(), encoding: 'utf8' }).stdout;
  for (const c of ['subjobs', 'job', 'worker']) assert.match(top, new RegExp(`^  ${c} `, 'm'));
});

test('usage errors exit 2 with the problem on stderr, before any request', () => {
  const P = project();
  const cases = [
    [['subjobs'], /missing subjobs command/],
    [['subjobs', 'frobnicate'], /unknown subjobs command/],
    [['subjobs', 'list', '--bogus'], /unknown flag --bogus/],
    [['subjobs', 'list', '-o', 'json'], /unexpected argument -o/],
    [['subjobs', 'list', 'extra'], /unexpected argument extra/],
    [['subjobs', 'list', '--limit', '1001'], /bad value for --limit/],
    [['subjobs', 'list', '--limit', 'x'], /bad value for --limit/],
    [['subjobs', 'list', '--offset', '10001'], /bad value for --offset/],
    [['subjobs', 'list', '--status', 'DONE'], /--status DONE/],
    [['subjobs', 'list', '--output', 'xml'], /--output must be table or json/],
    [['subjobs', 'list', '--all', '--limit', '0'], /--all needs a --limit/],
    [['subjobs', 'list', '--limit'], /needs a value/],
    [['subjobs', 'delete'], /give sub-job IDs or --status/],
    [['subjobs', 'delete', 'a', '--status', 'FAILED'], /not both/],
    [['subjobs', 'delete', '--status', 'RUNNING'], /must be SUCCESS or FAILED/],
    [['subjobs', 'delete', '-x'], /unknown flag -x/],
    [['subjobs', 'delete', 'x'.repeat(256)], /not a sub-job ID/],
    // A malformed ID (wksjobs issues 32 lower-case hex digits) is a usage
    // error: the server would skip it and nothing would say so.
    [['subjobs', 'delete', 'nonsense'], /'nonsense' is not a sub-job ID: IDs are 32 lower-case hex digits/],
    [['subjobs', 'delete', '0123456789ABCDEF0123456789ABCDEF'], /not a sub-job ID/],
    [['job', 'show', 'nonsense'], /'nonsense' is not a job ID/],
    [['job', 'retry', '0123'], /not a job ID/],
    [['subjobs', 'list', '--job-id', 'my-job'], /'my-job' is not a job ID/],
    // Bad values say what is accepted; slips of the keyboard get the flag.
    [['subjobs', 'list', '--limit', '5000'], /bad value for --limit: must be an integer from 0 to 1000/],
    [['subjobs', 'list', '--staus', 'FAILED'], /unknown flag --staus \(did you mean --status\?\)/],
    [['subjobs', 'delete', '--stauts', 'FAILED'], /did you mean --status\?/],
    [['job', 'create', '--tpye', 'x', '--count', '1'], /did you mean --type\?/],
    [['worker', '--simlate'], /did you mean --simulate\?/],
    [['admin', 'user', 'list', '--jsno'], /did you mean --json\?/],
    [['subjobs', 'lsit'], /unknown subjobs command 'lsit' \(did you mean 'list'\?\)/],
    [['jbo', 'show'], /unknown command 'jbo' \(did you mean 'job'\?\)/],
    [['admin', 'usr', 'list'], /unknown admin command 'usr' \(did you mean 'user'\?\)/],
    [['admin', 'key', 'unlokc', 'AK'], /unknown admin command 'key unlokc' \(did you mean 'unlock'\?\)/],
    [['admin', 'user', 'unlock'], /wrong number of arguments for admin user unlock/],
    [['job'], /missing job command/],
    [['job', 'show'], /exactly one JOB_ID/],
    [['job', 'show', 'a', 'b'], /exactly one JOB_ID/],
    [['job', 'retry', '--wat'], /unknown flag --wat/],
    [['job', 'create', '--count', '1'], /--type is required/],
    [['job', 'create', '--type', 'createDesktops'], /--count is required/],
    [['job', 'create', '--type', 'createDesktops', '--count', '0'], /bad value for --count/],
    [['job', 'create', '--type', 'createDesktops', '--count', '1001'], /bad value for --count/],
    [['job', 'create', '--type', 'x'.repeat(56), '--count', '1'], /bad value for --type/],
    [['worker'], /one of --simulate and --exec is required/],
    [['worker', '--simulate', '--exec', 'true'], /exclude each other/],
    [['worker', '--simulate', '--duration', '2..1'], /--duration/],
    [['worker', '--simulate', '--fail-rate', '1.5'], /bad value for --fail-rate/],
    [['worker', '--simulate', '--concurrency', '0'], /bad value for --concurrency/],
    [['worker', '--simulate', '--lease-seconds', '4'], /bad value for --lease-seconds/],
    [['worker', '--simulate', '--nope'], /unknown flag --nope/],
    [['subjobs', 'list', '--endpoint', 'ftp://x'], /--endpoint ftp:\/\/x: endpoint must be/],
  ];
  for (const [args, re] of cases) {
    const r = cli(P, args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
  // A WKSJOBS_STATUS exported for list never makes delete delete.
  const envDel = cli(P, ['subjobs', 'delete'], { WKSJOBS_STATUS: 'FAILED' });
  assert.equal(envDel.status, 2);
  assert.match(envDel.stderr, /must be given on the command line/);
  // A bad value from the environment is a usage error too.
  const e = cli(P, ['subjobs', 'list'], { WKSJOBS_LIMIT: 'many' });
  assert.equal(e.status, 2);
  assert.match(e.stderr, /bad value in \$WKSJOBS_LIMIT: must be an integer from 0 to 1000/);
  // Missing credentials: a usage error naming the flag and the variable.
  const noAk = cli(P, ['subjobs', 'list'], { HUAWEICLOUD_SDK_AK: '' });
  assert.equal(noAk.status, 2);
  assert.match(noAk.stderr, /--ak or set HUAWEICLOUD_SDK_AK/);
  const noP = cli(P, ['job', 'show', '0123456789abcdef0123456789abcdef'], { HUAWEICLOUD_SDK_PROJECT_ID: '' });
  assert.equal(noP.status, 2);
  assert.match(noP.stderr, /HUAWEICLOUD_SDK_PROJECT_ID/);
});

test('API errors exit 1 with error_code, error_msg and request id on stderr', () => {
  const P = project();
  const nf = cli(P, ['job', 'show', '0123456789abcdef0123456789abcdef']);
  assert.equal(nf.status, 1);
  assert.match(nf.stderr, /job show failed: HTTP 404 error_code="WKS\.0202" error_msg="The resource not found\."/);
  assert.match(nf.stderr, REQ_ID);
  assert.equal(nf.stdout, '');
  const bad = cli(P, ['subjobs', 'list'], { HUAWEICLOUD_SDK_SK: 'not-the-secret-key' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HTTP 401 error_code="APIGW\.0301" error_msg="Incorrect IAM authentication information: verify aksk signature fail"/);
  assert.match(bad.stderr, REQ_ID);
  // Flags win over the environment; WKSJOBS_* over HUAWEICLOUD_SDK_*.
  const flag = cli(P, ['subjobs', 'list', '--sk', srv.creds.secret_key], { HUAWEICLOUD_SDK_SK: 'wrong' });
  ok(flag, 'the --sk flag');
  const envw = cli(P, ['subjobs', 'list'], { HUAWEICLOUD_SDK_SK: 'wrong', WKSJOBS_SK: srv.creds.secret_key });
  ok(envw, 'WKSJOBS_SK');
  // Another project's ID in X-Project-Id and path: 403 from the gateway.
  const other = cli('0123456789abcdef0123456789abcdef', ['subjobs', 'list']);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /HTTP 403/);
  // Nothing listening: exit 1, says where it tried.
  const down = cli(P, ['subjobs', 'list', '--endpoint', 'http://127.0.0.1:9']);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /no response from http:\/\/127\.0\.0\.1:9/);
});

test('errors that point the way: a sub-job ID given as a job ID, the other listener', () => {
  const P = project();
  const j = create(P, 'createDesktops', 2);
  const sub = j.sub_job_ids[1];
  for (const cmd of ['show', 'retry']) {
    const r = cli(P, ['job', cmd, sub]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(`error_detail="${sub} is a sub-job ID of job ${j.job_id}, not a job ID"`), r.stderr);
  }
  // A public-API command sent to the internal listener, and the reverse.
  const pub = cli(P, ['subjobs', 'list', '--endpoint', srv.internalUrl]);
  assert.equal(pub.status, 1);
  assert.match(pub.stderr, /error_code="APIGW\.0101"/);
  assert.ok(pub.stderr.includes(`${srv.internalUrl} looks like the internal listener; the public API is on the other port`),
    pub.stderr);
  const show = cli(P, ['job', 'show', j.job_id, '--endpoint', srv.internalUrl]);
  assert.match(show.stderr, /looks like the internal listener/);
  const int = cli(P, ['job', 'create', '--type', 'x', '--count', '1', '--internal-endpoint', srv.publicUrl]);
  assert.equal(int.status, 1);
  assert.ok(int.stderr.includes(`${srv.publicUrl} looks like the public listener; the internal API is on the other port`),
    int.stderr);
  // A worker pointed at the public listener stops at its first claim and says so.
  const wk = cli(P, ['worker', '--simulate', '--internal-endpoint', srv.publicUrl]);
  assert.notEqual(wk.status, 0, wk.stderr);
  assert.ok(wk.stderr.includes(`${srv.publicUrl} looks like the public listener; the internal API is on the other port`),
    wk.stderr);
  // A 404 of the right listener gets no hint.
  assert.doesNotMatch(cli(P, ['job', 'show', '0123456789abcdef0123456789abcdef']).stderr, /looks like/);
});

test('job create, then subjobs list as a table with full IDs and as the API JSON', async () => {
  const P = project();
  const a = create(P, 'createDesktops', 3, ['--desktop-pool-id', 'pool-a']);
  const b = create(P, 'rebuildDesktops', 2);
  // table output of create
  const t = ok(cli(P, ['job', 'create', '--type', 'expandVolumes', '--count', '2']));
  const tid = t.stdout.match(/^job_id +([0-9a-f]{32})$/m)[1];
  assert.match(t.stdout, /^job_type +expandVolumes$/m);
  assert.match(t.stdout, /^sub_jobs +2$/m);
  const all = [...a.sub_job_ids, ...b.sub_job_ids];

  const table = ok(cli(P, ['subjobs', 'list']));
  assert.doesNotMatch(table.stdout, /\x1b/, 'no colour when stdout is not a terminal');
  const rs = rows(table.stdout);
  assert.equal(rs.length, 7);
  for (const id of all) {
    const row = rs.find((r) => r[0] === id);
    assert.ok(row, `full ID ${id} in the table`);
    assert.match(row[1], ID_RE);
    assert.equal(row[3], 'WAITING');
    assert.equal(row[4], '0');
    assert.equal(row[6], '-');
  }
  assert.ok(rs.some((r) => r[1] === tid));

  const j = json(cli(P, ['subjobs', 'list', '--output', 'json']));
  const sdk = await sdkList(P);
  assert.deepEqual(j, sdk, 'the API JSON, unchanged');
  assert.equal(j.total_count, 7);

  // Filters: repeated --job-type, --job-id, --desktop-pool-id, --status
  const f1 = json(cli(P, ['subjobs', 'list', '--output', 'json', '--job-type', 'createDesktops',
    '--job-type', 'rebuildDesktops']));
  assert.equal(f1.total_count, 5);
  const f2 = json(cli(P, ['subjobs', 'list', '--output', 'json', '--job-id', b.job_id]));
  assert.deepEqual(f2.jobs.map((s) => s.id).sort(), [...b.sub_job_ids].sort());
  const f3 = json(cli(P, ['subjobs', 'list', '--output', 'json', '--desktop-pool-id', 'pool-a']));
  assert.equal(f3.total_count, 3);
  const f4 = json(cli(P, ['subjobs', 'list', '--output', 'json', '--status', 'FAILED', '--status', 'SUCCESS']));
  assert.equal(f4.total_count, 0);
  // --limit/--offset: one page, the rest announced on stderr
  const pg = cli(P, ['subjobs', 'list', '--limit', '2', '--offset', '1']);
  assert.equal(rows(ok(pg).stdout).length, 2);
  assert.match(pg.stderr, /2 of 7 sub-jobs shown/);
  const pj = json(cli(P, ['subjobs', 'list', '--limit', '2', '--offset', '1', '--output', 'json']));
  assert.deepEqual(pj.jobs, sdk.jobs.slice(1, 3));
  // WKSJOBS_OUTPUT picks the format as --output does
  assert.deepEqual(JSON.parse(ok(cli(P, ['subjobs', 'list'], { WKSJOBS_OUTPUT: 'json' })).stdout), sdk);
});

test('subjobs list --all pages through everything with --limit per call', async () => {
  const P = project();
  const ids = [...create(P, 'createDesktops', 15).sub_job_ids, ...create(P, 'addVolumes', 10).sub_job_ids];
  const r = ok(cli(P, ['subjobs', 'list', '--all', '--limit', '4', '--output', 'json']));
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ['total_count', 'jobs']);
  assert.equal(j.total_count, 25);
  assert.equal(j.jobs.length, 25);
  assert.deepEqual(j.jobs.map((s) => s.id).sort(), [...ids].sort());
  assert.deepEqual(j.jobs, (await sdkList(P)).jobs, 'same order as one big page');
  // progress on stderr, a line per page (7 pages of 4)
  assert.equal((r.stderr.match(/fetched \d+ of 25 sub-jobs/g) || []).length, 7);
  assert.match(r.stderr, /fetched 25 of 25/);
  // table: every row; --offset starts later; --quiet silences progress
  const t = ok(cli(P, ['subjobs', 'list', '--all', '--limit', '10', '--offset', '5', '--quiet']));
  assert.equal(rows(t.stdout).length, 20);
  assert.equal(t.stderr, '');
  // with a filter
  const f = json(cli(P, ['subjobs', 'list', '--all', '--limit', '3', '--job-type', 'addVolumes', '--output', 'json']));
  assert.equal(f.total_count, 10);
  assert.equal(f.jobs.length, 10);
});

test('job show and job retry, table and JSON', async () => {
  const P = project();
  const j = create(P, 'createDesktops', 3);
  let n = 0;
  await claimAll(P, () => (n++ === 0 ? 'FAILED' : 'SUCCESS'));

  const shown = json(cli(P, ['job', 'show', j.job_id, '--output', 'json']));
  const sdk = await clients(srv, undefined, P).show(j.job_id);
  assert.deepEqual(shown, sdk.body);
  assert.equal(shown.status, 'FAILED');

  const t = ok(cli(P, ['job', 'show', j.job_id])).stdout;
  assert.match(t, new RegExp(`^id +${j.job_id}$`, 'm'));
  assert.match(t, /^status +FAILED$/m);
  assert.match(t, /^job_error_code +WKS\.0005$/m);
  assert.match(t, /^fail_reason +Failed to invoke ECS interface\.$/m);
  assert.match(t, /^ID +JOB_TYPE +STATUS +PROCESS +BEGIN_TIME +END_TIME +HOST +ERROR_CODE$/m);
  for (const id of j.sub_job_ids) assert.match(t, new RegExp(`^${id}  `, 'm'));

  const r = json(cli(P, ['job', 'retry', j.job_id, '--output', 'json']));
  assert.deepEqual(r, { job_id: j.job_id });
  const after1 = (await clients(srv, undefined, P).show(j.job_id)).body;
  assert.equal(after1.sub_jobs.filter((s) => s.status === 'WAITING').length, 1);
  // not FAILED any more: the API refuses, exit 1 with the reason
  const again = cli(P, ['job', 'retry', j.job_id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /error_code="WKS\.00211102"/);
  assert.match(again.stderr, /error_detail="[^"]*FAILED/);
  assert.match(again.stderr, REQ_ID);
  // table output of a successful retry
  await claimAll(P, () => 'FAILED');
  const tr = ok(cli(P, ['job', 'retry', j.job_id]));
  assert.match(tr.stdout, new RegExp(`^job ${j.job_id}: retrying`));
  const gone = cli(P, ['job', 'retry', '0123456789abcdef0123456789abcdef']);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /WKS\.0202/);
});

test('subjobs delete --status FAILED|SUCCESS', async () => {
  const P = project();
  const j = create(P, 'createDesktops', 4);
  let n = 0;
  await claimAll(P, () => (n++ % 2 === 0 ? 'FAILED' : 'SUCCESS'));
  const d = ok(cli(P, ['subjobs', 'delete', '--status', 'FAILED']));
  // The API answers no count: the status's total_count before and after.
  assert.equal(d.stdout, 'deleted every FAILED sub-job but those of protected job types: 2 FAILED before, 0 after\n');
  let left = await sdkList(P);
  assert.equal(left.total_count, 2);
  assert.ok(left.jobs.every((s) => s.status === 'SUCCESS'));
  const dj = json(cli(P, ['subjobs', 'delete', '--status', 'SUCCESS', '--output', 'json']));
  assert.deepEqual(dj, { delete_by_status: 'SUCCESS', total_count_before: 2, total_count_after: 0 });
  left = await sdkList(P);
  assert.equal(left.total_count, 0);
  assert.equal(j.sub_job_ids.length, 4);
});

test('subjobs delete sends more than 10 IDs in batches of 10', async () => {
  const P = project();
  const j = create(P, 'createDesktops', 23);
  const keep = create(P, 'createDesktops', 1);
  await claimAll(P, () => 'SUCCESS');
  const r = ok(cli(P, ['subjobs', 'delete', ...j.sub_job_ids]));
  // BatchDeleteSubJobs answers 200 and no count, and skips IDs that are
  // gone: the summary says what was asked, the same the second time.
  const said = 'requested deletion of 23 records in 3 batches (IDs that no longer exist are skipped)\n';
  assert.equal(r.stdout, said);
  for (const k of [1, 2, 3]) assert.match(r.stderr, new RegExp(`batch ${k} of 3 done`));
  assert.equal(ok(cli(P, ['subjobs', 'delete', ...j.sub_job_ids])).stdout, said);
  assert.equal(ok(cli(P, ['subjobs', 'delete', j.sub_job_ids[0]])).stdout,
    'requested deletion of 1 record in 1 batch (IDs that no longer exist are skipped)\n');
  const left = await sdkList(P);
  assert.deepEqual(left.jobs.map((s) => s.id), keep.sub_job_ids);
  // JSON, duplicates collapsed, unknown IDs skipped (idempotent)
  const again = json(cli(P, ['subjobs', 'delete', '--output', 'json', ...j.sub_job_ids.slice(0, 12),
    j.sub_job_ids[0]]));
  assert.deepEqual(again, { batches: 2, batches_done: 2, job_ids: j.sub_job_ids.slice(0, 12) });
});

test('subjobs delete stops at a failing batch and says what was deleted', async () => {
  const P = project();
  const j = create(P, 'createDesktops', 23);
  const ids = j.sub_job_ids;
  const running = ids[14]; // position 15: in batch 2 of 3
  await claimAll(P, (id) => (id === running ? null : 'SUCCESS'));

  const r = cli(P, ['subjobs', 'delete', ...ids]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /subjobs delete: batch 2 of 3 failed: HTTP 400 error_code="WKS\.00211102"/);
  assert.match(r.stderr, REQ_ID);
  assert.ok(r.stderr.includes(running), 'the refused ID is named');
  assert.match(r.stderr, /batch 2 of 3 was refused: none of its 10 IDs were deleted/);
  const m = r.stderr.match(/already done by batches 1\.\.1 \(deleted, or not there any more\): 10 IDs:\n((?: {2}[0-9a-f]{32}\n)+)/);
  assert.ok(m, r.stderr);
  assert.deepEqual(m[1].trim().split(/\s+/), ids.slice(0, 10));
  assert.match(r.stderr, /not sent: batches 3\.\.3 \(3 IDs\)/);
  assert.equal(r.stdout, '');

  // The first batch really is deleted; the second (all or nothing) and
  // the third are not.
  const left = (await sdkList(P)).jobs.map((s) => s.id).sort();
  assert.deepEqual(left, ids.slice(10).sort());

  // JSON mode says the same on stdout for scripts.
  const j2 = cli(P, ['subjobs', 'delete', '--output', 'json', ...ids.slice(10)]);
  assert.equal(j2.status, 1);
  assert.deepEqual(JSON.parse(j2.stdout), { batches: 2, batches_done: 0, job_ids: [], failed_batch: 1 });
  assert.match(j2.stderr, /batch 1 of 2 failed/);
});

test('job create --wait polls until the job finishes (progress on stderr)', async () => {
  const P = project();
  const dir = path.dirname(srv.data);
  const logFile = path.join(dir, 'cli-worker.log');
  const fd = openSync(logFile, 'w');
  // A worker of its own job types only, so other tests' sub-jobs wait.
  const w = spawn(BIN, ['worker', '--simulate', '--duration', '0.1..0.3', '--fail-rate', '0', '--poll-ms', '100',
    '--concurrency', '2', '--job-type', 'createWksSnapshot'], { env: cliEnv(P), stdio: ['ignore', 'ignore', fd] });
  const wf = spawn(BIN, ['worker', '--simulate', '--duration', '0.1..0.2', '--fail-rate', '1', '--poll-ms', '100',
    '--job-type', 'deleteWksSnapshot'], { env: cliEnv(P), stdio: ['ignore', 'ignore', fd] });
  try {
    const r = await new Promise((resolve) => {
      const p = spawn(BIN, ['job', 'create', '--type', 'createWksSnapshot', '--count', '4', '--wait',
        '--poll-ms', '200'], { env: cliEnv(P) });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (status) => resolve({ status, stdout: out, stderr: err }));
    });
    ok(r, 'create --wait');
    assert.match(r.stdout, /^status +SUCCESS$/m);
    assert.match(r.stdout, /^sub_jobs_total +4$/m);
    assert.match(r.stderr, /job \w+: 4 of 4 sub-jobs finished, 0 failed/);
    const f = await new Promise((resolve) => {
      const p = spawn(BIN, ['job', 'create', '--type', 'deleteWksSnapshot', '--count', '2', '--wait',
        '--poll-ms', '200', '--output', 'json'], { env: cliEnv(P) });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (status) => resolve({ status, stdout: out, stderr: err }));
    });
    assert.equal(f.status, 1, 'a FAILED job exits 1');
    const shown = JSON.parse(f.stdout);
    assert.equal(shown.status, 'FAILED');
    assert.match(shown.job_error_code, /^WKS\.000[59]$/);
    assert.match(f.stderr, /FAILED: WKS\.000[59]/);
  } finally {
    w.kill('SIGTERM');
    wf.kill('SIGTERM');
    await Promise.all([w, wf].map((p) => new Promise((res) => (p.exitCode !== null ? res() : p.once('exit', res)))));
    closeSync(fd);
  }
  assert.equal(w.exitCode, 0, readFileSync(logFile, 'utf8'));
  assert.equal(wf.exitCode, 0);
  // --wait gives up after --wait-timeout (nothing claims this type)
  const t0 = Date.now();
  const to = cli(P, ['job', 'create', '--type', 'desktopToImage', '--count', '1', '--wait', '--wait-timeout', '1',
    '--poll-ms', '200', '--quiet']);
  assert.equal(to.status, 1);
  assert.match(to.stderr, /has not finished after 1 s/);
  assert.ok(Date.now() - t0 < 10000);
});

test('colour only on a terminal and without NO_COLOR', { skip: spawnSync('script', ['--version']).status !== 0 }, () => {
  const P = project();
  create(P, 'createDesktops', 1);
  // script(1) gives the command a pseudo-terminal as stdout.
  const viaPty = (extra) => spawnSync('script', ['-qec', `'${BIN}' subjobs list`, '/dev/null'],
    { env: cliEnv(P, { TERM: 'xterm', ...extra }), encoding: 'utf8', timeout: 60000 });
  const c = viaPty({});
  assert.equal(c.status, 0, c.stdout);
  assert.match(c.stdout, /\x1b\[1mID\x1b\[0m/);
  assert.match(c.stdout, /\x1b\[36mWAITING\x1b\[0m/);
  const n = viaPty({ NO_COLOR: '1' });
  assert.equal(n.status, 0, n.stdout);
  assert.doesNotMatch(n.stdout, /\x1b\[/);
  assert.match(n.stdout, /ID +JOB_ID/);
  const dumb = viaPty({ TERM: 'dumb' });
  assert.doesNotMatch(dumb.stdout.replace(/^.*script.*$/m, ''), /\x1b\[1m/);
});

test('a slow server is a timeout error (exit 1), not a hang', async () => {
  const P = project();
  const net = await import('node:net');
  const sink = net.createServer((s) => { s.on('error', () => {}); });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const port = sink.address().port;
  try {
    const t0 = Date.now();
    const r = await new Promise((resolve) => {
      const p = spawn(BIN, ['subjobs', 'list', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '1'],
        { env: cliEnv(P) });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (status) => resolve({ status, stderr: err }));
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /subjobs list failed: no response from .*timed out/i);
    assert.ok(Date.now() - t0 < 10000);
  } finally {
    sink.close();
  }
  await sleep(10);
});
