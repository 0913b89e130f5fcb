// 63-explorer-samples: the API Explorer's code samples (console/explorer/
// samples.js) are calls that work.  For each of the four job operations,
// the CLI sample and the curl sample (its token from the password flow
// it shows) are run as they are, by sh, against a real server, and give
// the answer the official SDK's call gives (same status, same body but
// for IDs and times); the Python sample compiles and names only classes,
// fields and methods of the official Python SDK (the SDK cannot be
// installed here: tests/api/data/workspace-sdk-names.json holds its
// names, read from its source).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, sanitizerCheck, startServer } from './lib.mjs';
import { checkResponse, noteRequest } from './openapi.mjs';
import { drive, fullClients, mkProject, shutdown } from './helpers.mjs';
import { mkUser } from './iam-helpers.mjs';
import { samples } from '../../console/explorer/samples.js';

const NAMES = JSON.parse(readFileSync(path.join(import.meta.dirname, 'data/workspace-sdk-names.json'), 'utf8'));

let srv;
let alice;
before(async () => {
  srv = await startServer();
  alice = mkUser(srv, 'explorer-alice', { attach: [['Workspace FullAccess', 'domain']] });
});
after(async () => { await shutdown(srv); });

// ---- running samples --------------------------------------------------------

// The environment a sample is run in: alice's AK/SK and password, the
// CLI on PATH, nothing else the CLI would read.
function sampleEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WKSJOBS_') && !k.startsWith('HUAWEICLOUD_SDK_') && k !== 'TOKEN') env[k] = v;
  }
  return { ...env, PATH: `${path.dirname(BIN)}:${env.PATH}`, HUAWEICLOUD_SDK_AK: alice.ak,
    HUAWEICLOUD_SDK_SK: alice.sk, ACCOUNT: 'admin', USER_NAME: alice.name, PASSWORD: alice.password };
}

function sh(text) {
  noteRequest();
  const r = spawnSync('sh', ['-c', text], { env: sampleEnv(), encoding: 'utf8', timeout: 120000 });
  sanitizerCheck('sample', r.stderr);
  return r;
}

// Run a CLI sample: { status (exit), stdout, stderr, json }.
function runCli(text) {
  const r = sh(text);
  let json = null;
  try { json = JSON.parse(r.stdout); } catch { json = null; }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

// Run a curl sample (curl -i): { status, body } of its last answer, the
// body checked against docs/openapi.yaml like every answer of the tests.
function runCurl(text, method, urlPath) {
  const r = sh(text);
  assert.equal(r.status, 0, `curl sample exited ${r.status}: ${r.stderr}\n${text}`);
  const out = r.stdout.replace(/\r\n/g, '\n');
  const [head, ...rest] = out.split('\n\n');
  const m = head.match(/^HTTP\/[\d.]+ (\d{3})/);
  assert.ok(m, `no status line in ${JSON.stringify(out.slice(0, 300))}`);
  const text2 = rest.join('\n\n');
  const ct = head.match(/^content-type: *(.*)$/im)?.[1];
  checkResponse({ method, url: urlPath, status: Number(m[1]), contentType: ct, body: text2 });
  return { status: Number(m[1]), body: text2 ? JSON.parse(text2) : undefined, head };
}

// IDs and times of a body replaced by placeholders, so that the answers
// for two jobs made alike compare equal.
function norm(v) {
  return JSON.parse(JSON.stringify(v ?? null)
    .replace(/[0-9a-f]{32}/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, '<time>'));
}

function opts(P) {
  return { endpoint: srv.publicUrl, projectId: P };
}

// ---- the Python sample's names ----------------------------------------------

// Prints, as JSON, what a Python text names: its imports, constructor
// calls, bindings and attribute chains (root name, attributes).
const PY_NAMES = String.raw`
import ast, json, sys
tree = ast.parse(sys.stdin.read())
parent = {}
for n in ast.walk(tree):
    for c in ast.iter_child_nodes(n):
        parent[c] = n
def chain(node):
    attrs = []
    while True:
        if isinstance(node, ast.Call): node = node.func
        elif isinstance(node, ast.Attribute): attrs.append(node.attr); node = node.value
        elif isinstance(node, ast.Subscript): node = node.value
        elif isinstance(node, ast.Name): return {"root": node.id, "attrs": attrs[::-1]}
        else: return None
out = {"imports": [], "news": [], "binds": [], "chains": []}
for n in ast.walk(tree):
    if isinstance(n, ast.ImportFrom):
        out["imports"] += [{"module": n.module, "name": a.name, "as": a.asname or a.name} for a in n.names]
    elif isinstance(n, ast.Import):
        out["imports"] += [{"module": a.name, "name": None, "as": a.asname or a.name} for a in n.names]
    elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
        out["news"].append({"name": n.func.id, "nargs": len(n.args), "keywords": [k.arg for k in n.keywords]})
    if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name):
        c = chain(n.value)
        if c: out["binds"].append({"var": n.targets[0].id, **c})
    if isinstance(n, ast.ExceptHandler) and n.name:
        out["binds"].append({"var": n.name, **chain(n.type)})
    if isinstance(n, (ast.Attribute, ast.Call)):
        p = parent.get(n)
        inner = (isinstance(p, ast.Attribute) and p.value is n) or (isinstance(p, ast.Call) and p.func is n) \
            or (isinstance(p, ast.Subscript) and p.value is n)
        if not inner:
            c = chain(n)
            if c and c["attrs"]: out["chains"].append(c)
print(json.dumps(out))
`;

function pyNames(text) {
  const r = spawnSync('python3', ['-c', PY_NAMES], { input: text, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `the Python sample does not parse: ${r.stderr}\n${text}`);
  return JSON.parse(r.stdout);
}

const STDLIB = new Set(['os']);
const BUILTINS = new Set(['print']);

/*
 * Every name the Python text uses that is not its own or the standard
 * library's must be the SDK's (NAMES): returns the list of problems, and
 * the SDK names it used as "Class.member".
 */
function checkPython(text) {
  const n = pyNames(text);
  const problems = [];
  const used = new Set();
  const sym = new Map();	// name in the sample -> { kind: 'class'|'module'|'stdlib', ref }
  for (const im of n.imports) {
    if (im.name === null) {
      if (STDLIB.has(im.module)) sym.set(im.as, { kind: 'stdlib' });
      else problems.push(`import ${im.module}`);
      continue;
    }
    const names = NAMES.modules[im.module];
    if (!names || !names.includes(im.name)) {
      problems.push(`from ${im.module} import ${im.name}`);
      continue;
    }
    const sub = `${im.module}.${im.name}`;
    sym.set(im.as, NAMES.modules[sub] ? { kind: 'module', ref: sub } : { kind: 'class', ref: im.name });
  }
  const classOf = (c) => NAMES.classes[c];
  const membersOf = (c) => [...Object.keys(classOf(c)?.fields ?? {}), ...(classOf(c)?.members ?? [])];
  const types = new Map();	// variable -> SDK class of its value
  // The SDK class a chain's value is, or null; records problems.
  const resolve = ({ root, attrs }, where) => {
    const s = sym.get(root);
    if (s?.kind === 'stdlib' || (attrs.length === 0 && BUILTINS.has(root))) return null;
    if (s?.kind === 'module') {
      if (!NAMES.modules[s.ref].includes(attrs[0])) problems.push(`${where}: ${s.ref}.${attrs[0]}`);
      return attrs.length === 1 ? attrs[0] : null;
    }
    if (s?.kind === 'class') {
      if (attrs.length === 0) return s.ref;
      const c = classOf(s.ref);
      if (!(c.classmethods ?? []).includes(attrs[0])) problems.push(`${where}: ${s.ref}.${attrs[0]}`);
      else used.add(`${s.ref}.${attrs[0]}`);
      const b = c.builder;
      for (const a of attrs.slice(1)) {
        if (!b || !classOf(b).members.includes(a)) problems.push(`${where}: ${s.ref} builder .${a}`);
        else used.add(`${b}.${a}`);
      }
      return b && attrs.at(-1) === 'build' ? s.ref : null;
    }
    const t = types.get(root);
    if (t) {
      if (attrs.length === 0) return t;
      if (!membersOf(t).includes(attrs[0])) problems.push(`${where}: ${t}.${attrs[0]} (${root}.${attrs[0]})`);
      else used.add(`${t}.${attrs[0]}`);
      if (attrs.length > 1) problems.push(`${where}: ${root}.${attrs.join('.')} goes beyond the SDK names known`);
      return null;
    }
    if (attrs.length > 0) problems.push(`${where}: unknown name ${root}.${attrs.join('.')}`);
    return null;
  };
  for (const b of n.binds) {
    const t = resolve(b, `${b.var} =`);
    if (t && classOf(t)) types.set(b.var, t);
  }
  for (const c of n.chains) resolve(c, 'use');
  for (const nw of n.news) {
    const s = sym.get(nw.name);
    if (s?.kind !== 'class') {
      if (!BUILTINS.has(nw.name)) problems.push(`unknown function ${nw.name}()`);
      continue;
    }
    const init = classOf(s.ref).init ?? [];
    if (nw.nargs > init.length) problems.push(`${nw.name}() with ${nw.nargs} arguments`);
    for (const k of nw.keywords) {
      if (!init.includes(k)) problems.push(`${nw.name}(${k}=...)`);
      else used.add(`${s.ref}.${k}`);
    }
    used.add(s.ref);
  }
  return { problems, used: [...used].sort() };
}

test('the Python-names check finds what is not in the SDK', () => {
  const good = samples('ListItaSubJobs', { path: {}, query: { status: ['FAILED'], limit: 5 } }, opts('p')).python;
  assert.deepEqual(checkPython(good).problems, []);
  const bad = [
    [good.replace('request.limit', 'request.limits'), /ListItaSubJobsRequest\.limits/],
    [good.replace(/ListItaSubJobsRequest/g, 'ListSubJobsRequest'), /import ListSubJobsRequest/],
    [good.replace('client.list_ita_sub_jobs', 'client.list_sub_jobs'), /WorkspaceClient\.list_sub_jobs/],
    [good.replace('.with_endpoints(', '.with_endpoint_list('), /builder \.with_endpoint_list/],
    [good.replace('e.error_msg', 'e.message'), /ClientRequestException\.message/],
    [good.replace('exceptions.ClientRequestException', 'exceptions.ClientError'), /exceptions\.ClientError/],
    [good.replace('import os', 'import requests'), /import requests/],
    [good.replace('    response =', '    request.body = undefined()\n    response ='), /unknown function undefined\(\)/],
  ];
  for (const [text, re] of bad) {
    const p = checkPython(text).problems;
    assert.ok(p.some((x) => re.test(x)), `not found: ${re} in ${JSON.stringify(p)}`);
  }
  assert.throws(() => pyNames('request = (\n'), /does not parse/);
});

// The Python sample of operation compiles (py_compile) and names only the
// SDK's classes, fields and methods; expect: names it must use.
function assertPython(text, expect) {
  const c = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "sample.py", "exec")'],
    { input: text, encoding: 'utf8', timeout: 60000 });
  assert.equal(c.status, 0, `does not compile: ${c.stderr}\n${text}`);
  const { problems, used } = checkPython(text);
  assert.deepEqual(problems, [], text);
  for (const e of ['BasicCredentials', 'WorkspaceClient.new_builder', 'ClientBuilder.with_credentials',
    'ClientBuilder.with_endpoints', 'ClientBuilder.build', 'ClientRequestException.error_code', ...expect]) {
    assert.ok(used.includes(e), `the sample does not use ${e}: ${used.join(', ')}`);
  }
  assert.match(text, new RegExp(`with_endpoints\\(\\["${srv.publicUrl}"\\]\\)`));
}

// ---- the four operations ----------------------------------------------------

test('ListItaSubJobs: the CLI and curl samples answer as the SDK; the Python sample names the SDK', async () => {
  const P = mkProject(srv, 'explorer-list');
  const f = fullClients(srv, alice, P);
  await drive(f, 'createDesktops', 2, 'FAILED');
  await drive(f, 'createDesktops', 1, 'SUCCESS');
  await drive(f, 'addVolumes', 2, 'RUNNING');
  const cases = [
    { path: { project_id: P }, query: { status: ['FAILED', 'SUCCESS'], limit: 2, offset: 1 } },
    { path: { project_id: P }, query: { job_type: ['addVolumes'], desktop_pool_id: 'pool-1' } },
    { path: { project_id: P }, query: {} },
  ];
  for (const params of cases) {
    const sdk = await f.list(params.query);
    assert.equal(sdk.status, 200, JSON.stringify(sdk.body));
    assert.ok(sdk.body.total_count > 0);
    const s = samples('ListItaSubJobs', params, opts(P));
    const cli = runCli(s.cli);
    assert.equal(cli.status, 0, `${s.cli}\n${cli.stderr}`);
    assert.deepEqual(cli.json, sdk.body, s.cli);
    const curl = runCurl(s.curl, 'GET', `/v2/${P}/workspace-sub-jobs`);
    assert.equal(curl.status, 200);
    assert.deepEqual(curl.body, sdk.body, s.curl);
    assertPython(s.python, ['ListItaSubJobsRequest', 'WorkspaceClient.list_ita_sub_jobs',
      ...Object.keys(params.query).map((k) => `ListItaSubJobsRequest.${k}`)]);
  }
});

test('ShowJob: the CLI and curl samples answer as the SDK, a missing job too', async () => {
  const P = mkProject(srv, 'explorer-show');
  const f = fullClients(srv, alice, P);
  const j = await drive(f, 'createDesktops', 3, 'FAILED');
  for (const job_id of [j.job_id, '0123456789abcdef0123456789abcdef']) {
    const params = { path: { project_id: P, job_id } };
    const sdk = await f.show(job_id);
    const s = samples('ShowJob', params, opts(P));
    const cli = runCli(s.cli);
    const curl = runCurl(s.curl, 'GET', `/v2/${P}/workspace-jobs/${job_id}`);
    assert.equal(curl.status, sdk.status);
    if (sdk.status === 200) {
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual(cli.json, sdk.body);
      assert.deepEqual(curl.body, sdk.body);
    } else {
      assert.equal(sdk.status, 404);
      assert.equal(cli.status, 1, cli.stderr);
      assert.match(cli.stderr, new RegExp(`HTTP 404.*${sdk.body.error_code.replace('.', '\\.')}`));
      assert.deepEqual({ ...curl.body, request_id: undefined }, { ...sdk.body, request_id: undefined });
    }
    assertPython(s.python, ['ShowJobRequest', 'ShowJobRequest.job_id', 'WorkspaceClient.show_job']);
  }
});

test('RunActionsOnWorkspaceJob: the samples retry as the SDK does, and are refused as it is', async () => {
  const P = mkProject(srv, 'explorer-retry');
  const f = fullClients(srv, alice, P);
  // Three FAILED jobs made alike: one for the SDK, one per sample.
  const jobs = [];
  for (let i = 0; i < 3; i++) jobs.push((await drive(f, `retryType${i}`, 1, 'FAILED')).job_id);
  const [sdkJob, cliJob, curlJob] = jobs;
  const body = { op_type: 'retry' };
  const sdk = await f.retry(sdkJob, body);
  assert.equal(sdk.status, 200, JSON.stringify(sdk.body));
  assert.deepEqual(sdk.body, { job_id: sdkJob });
  const sc = samples('RunActionsOnWorkspaceJob', { path: { project_id: P, job_id: cliJob }, body }, opts(P));
  const cli = runCli(sc.cli);
  assert.equal(cli.status, 0, `${sc.cli}\n${cli.stderr}`);
  assert.deepEqual(cli.json, { job_id: cliJob });
  const su = samples('RunActionsOnWorkspaceJob', { path: { project_id: P, job_id: curlJob }, body }, opts(P));
  const curl = runCurl(su.curl, 'POST', `/v2/${P}/workspace-jobs/${curlJob}/actions`);
  assert.equal(curl.status, 200);
  assert.deepEqual(curl.body, { job_id: curlJob });
  // All three jobs are now alike again (WAITING), as ShowJob tells.
  const shown = [];
  for (const j of jobs) shown.push(await f.show(j));
  assert.equal(shown[0].body.status, 'WAITING');
  const alike = (b) => norm({ ...b, job_type: 't', sub_jobs: b.sub_jobs.map((x) => ({ ...x, job_type: 't' })) });
  assert.deepEqual(alike(shown[1].body), alike(shown[0].body));
  assert.deepEqual(alike(shown[2].body), alike(shown[0].body));
  // Again: a job that is not FAILED is refused, by the samples as by the SDK.
  const again = await f.retry(sdkJob, body);
  assert.equal(again.status, 400);
  const cli2 = runCli(sc.cli);
  assert.equal(cli2.status, 1);
  assert.match(cli2.stderr, new RegExp(`HTTP 400.*${again.body.error_code.replace('.', '\\.')}`));
  const curl2 = runCurl(su.curl, 'POST', `/v2/${P}/workspace-jobs/${curlJob}/actions`);
  assert.equal(curl2.status, 400);
  assert.deepEqual(norm({ ...curl2.body, request_id: undefined }), norm({ ...again.body, request_id: undefined }));
  assertPython(sc.python, ['RunActionsOnWorkspaceJobRequest', 'RunActionsOnWorkspaceJobRequest.job_id',
    'RunActionsOnWorkspaceJobRequest.body', 'JobActionsReq', 'JobActionsReq.op_type',
    'WorkspaceClient.run_actions_on_workspace_job']);
});

test('BatchDeleteSubJobs by IDs: the samples delete as the SDK does', async () => {
  const P = mkProject(srv, 'explorer-del');
  const f = fullClients(srv, alice, P);
  const jobs = [];
  for (let i = 0; i < 3; i++) jobs.push(await drive(f, 'createDesktops', 2, 'FAILED'));
  const ids = jobs.map((j) => ({ job_ids: j.sub_job_ids }));
  const sdk = await f.del(ids[0]);
  assert.equal(sdk.status, 200, JSON.stringify(sdk.body));
  const sc = samples('BatchDeleteSubJobs', { path: { project_id: P }, body: ids[1] }, opts(P));
  const cli = runCli(sc.cli);
  assert.equal(cli.status, 0, `${sc.cli}\n${cli.stderr}`);
  const su = samples('BatchDeleteSubJobs', { path: { project_id: P }, body: ids[2] }, opts(P));
  const curl = runCurl(su.curl, 'POST', `/v2/${P}/workspace-sub-jobs/batch-delete`);
  assert.equal(curl.status, 200);
  assert.equal(curl.body, undefined, 'BatchDeleteSubJobs answers no body');
  // Each job's sub-jobs are gone, the job stays: alike for the three.
  for (const j of jobs) {
    const r = await f.show(j.job_id);
    assert.equal(r.status, 200);
    assert.equal(r.body.sub_jobs_total, 0, `sub-jobs of ${j.job_id} left`);
  }
  assert.equal((await f.list({ limit: 0 })).body.total_count, 0);
  // A job ID where sub-job IDs belong: refused alike (400, nothing deleted).
  const k = await drive(f, 'createDesktops', 1, 'FAILED');
  const refusedBody = { job_ids: [k.job_id] };
  const sdkNo = await f.del(refusedBody);
  assert.equal(sdkNo.status, 400);
  const sr = samples('BatchDeleteSubJobs', { path: { project_id: P }, body: refusedBody }, opts(P));
  const curlNo = runCurl(sr.curl, 'POST', `/v2/${P}/workspace-sub-jobs/batch-delete`);
  assert.equal(curlNo.status, 400);
  assert.deepEqual({ ...curlNo.body, request_id: undefined }, { ...sdkNo.body, request_id: undefined });
  const cliNo = runCli(sr.cli);
  assert.equal(cliNo.status, 1);
  assert.match(cliNo.stderr, new RegExp(`HTTP 400.*${sdkNo.body.error_code.replace('.', '\\.')}`));
  assert.equal((await f.list({ limit: 0 })).body.total_count, 1, 'a refused delete deleted something');
  assertPython(sc.python, ['BatchDeleteSubJobsRequest', 'BatchDeleteSubJobsRequest.body', 'DeleteSubJobsReq',
    'DeleteSubJobsReq.job_ids', 'WorkspaceClient.batch_delete_sub_jobs']);
});

test('BatchDeleteSubJobs by status: the samples delete as the SDK does, in projects made alike', async () => {
  const projects = [];
  for (let i = 0; i < 3; i++) {
    const P = mkProject(srv, 'explorer-delst');
    const f = fullClients(srv, alice, P);
    await drive(f, 'createDesktops', 2, 'FAILED');
    await drive(f, 'createDesktops', 3, 'SUCCESS');
    projects.push({ P, f });
  }
  const body = { delete_by_status: 'FAILED' };
  const sdk = await projects[0].f.del(body);
  assert.equal(sdk.status, 200);
  const sc = samples('BatchDeleteSubJobs', { path: { project_id: projects[1].P }, body }, opts(projects[1].P));
  const cli = runCli(sc.cli);
  assert.equal(cli.status, 0, `${sc.cli}\n${cli.stderr}`);
  assert.deepEqual(cli.json, { delete_by_status: 'FAILED', total_count_before: 2, total_count_after: 0 });
  const su = samples('BatchDeleteSubJobs', { path: { project_id: projects[2].P }, body }, opts(projects[2].P));
  assert.match(su.curl, new RegExp(`"scope":\\{"project":\\{"id":"${projects[2].P}"\\}\\}`));
  const curl = runCurl(su.curl, 'POST', `/v2/${projects[2].P}/workspace-sub-jobs/batch-delete`);
  assert.equal(curl.status, 200);
  const after = [];
  for (const { f } of projects) {
    const r = await f.list({});
    assert.equal(r.status, 200);
    after.push(norm(r.body.jobs.map((s) => ({ ...s, project_id: 0 }))));
    assert.equal(r.body.total_count, 3);
    assert.ok(r.body.jobs.every((s) => s.status === 'SUCCESS'));
  }
  assert.deepEqual(after[1], after[0]);
  assert.deepEqual(after[2], after[0]);
  assertPython(sc.python, ['DeleteSubJobsReq.delete_by_status', 'WorkspaceClient.batch_delete_sub_jobs']);
});

test('the names file says where it came from and covers the four operations', () => {
  assert.match(NAMES.about, /huaweicloud-sdk-python-v3/);
  assert.match(NAMES.about, /commit [0-9a-f]{40}/);
  for (const c of ['ListItaSubJobsRequest', 'ShowJobRequest', 'RunActionsOnWorkspaceJobRequest', 'JobActionsReq',
    'BatchDeleteSubJobsRequest', 'DeleteSubJobsReq']) {
    assert.ok(NAMES.modules['huaweicloudsdkworkspace.v2'].includes(c), c);
    assert.ok(Object.keys(NAMES.classes[c].fields).length > 0, c);
  }
});
