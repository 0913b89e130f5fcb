// 91-readme-quickstart: README.md's quickstart, as a new user follows it.
// The lines between <!-- quickstart --> and <!-- /quickstart --> run in
// order, each in a fresh shell after the export lines before it, against
// `make run` (scripts/run.sh, as `make run` starts it, on free ports):
// the README's placeholder export line is the one make run printed, and
// JOB_ID the id the last `job create` printed.  Every line must have its
// expectation below (exit status and output), so README and test cannot
// drift apart.  The README's worker lines run examples/provision.sh
// against a server of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, initData, startServer } from './lib.mjs';
import { ROOT, bound, cleanEnv, commands, shutdown, sleep, startRun } from './run-lib.mjs';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const TABLE_HEAD = /^ID +JOB_ID +JOB_TYPE +STATUS/;

// The shell lines of the marked block (comments and blank lines left out).
function quickstart() {
  const m = README.match(/<!-- quickstart -->\n```sh\n([\s\S]*?)\n```\n<!-- \/quickstart -->/);
  assert.ok(m, 'README.md has a ```sh block between <!-- quickstart --> and <!-- /quickstart -->');
  return m[1].split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

// What each line must do; ctx carries what earlier lines printed.
const EXPECT = [
  [/^export HUAWEICLOUD_SDK_AK=\.\.\. /, (r) => assert.equal(r.status, 0, r.stderr)],
  [/^export PATH=\$PWD\/build:\$PATH$/, (r) => assert.equal(r.status, 0, r.stderr)],
  [/^wksjobs subjobs list$/, (r) => {
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], TABLE_HEAD);
    assert.equal(lines.length - 1, 13, 'the 13 demo sub-jobs');
  }],
  [/^wksjobs job create --type createDesktops --count 5 --wait$/, (r, ctx) => {
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
    ctx.failed = r.status === 1;
    assert.match(r.stdout, ctx.failed ? /^status +FAILED$/m : /^status +SUCCESS$/m);
    assert.match(r.stdout, /^sub_jobs_total +5$/m);
    ctx.job = r.stdout.match(/^id +([0-9a-f]{32})$/m)[1];
  }],
  [/^wksjobs job show JOB_ID$/, (r, ctx) => {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^id +${ctx.job}$`, 'm'));
    assert.match(r.stdout, ctx.failed ? /^status +FAILED$/m : /^status +SUCCESS$/m);
  }],
  [/^wksjobs job retry JOB_ID$/, (r, ctx) => {
    assert.equal(r.status, ctx.failed ? 0 : 1, r.stdout + r.stderr);
    if (!ctx.failed) assert.match(r.stderr, /\S/, 'says why');
  }],
  [/^wksjobs subjobs list --status FAILED --limit 20$/, (r) => {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, TABLE_HEAD);
    for (const row of r.stdout.trimEnd().split('\n').slice(1)) assert.match(row, / FAILED /);
  }],
  [/^wksjobs subjobs list --all --output json$/, (r) => {
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.total_count, 18, 'the demo and the 5 made here');
    assert.equal(o.jobs.length, 18);
  }],
  [/^wksjobs subjobs delete --status FAILED$/, (r) => {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /FAILED/);
  }],
  [/^wksjobs admin key list$/, (r, ctx) => {
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(ctx.ak), r.stdout);
  }],
  [/^node tests\/api\/call\.mjs GET \/v2\/\{project_id\}\/workspace-sub-jobs 'status=WAITING&limit=10'$/, (r) => {
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^HTTP 200 /);
    const o = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n') + 1));
    for (const s of o.jobs) assert.equal(s.status, 'WAITING');
  }],
  [/^node tests\/api\/call\.mjs POST \/v2\/\{project_id\}\/workspace-sub-jobs\/batch-delete '' '\{"delete_by_status":"FAILED"\}'$/,
    (r) => {
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^HTTP 200 /);
    }],
  [/^curl -s \$WKSJOBS_INTERNAL_ENDPOINT\/healthz$/, (r) => {
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { status: 'ok' });
  }],
  [/^curl -s \$WKSJOBS_INTERNAL_ENDPOINT\/metrics \| grep wksjobs_sub_jobs$/, (r) => {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wksjobs_sub_jobs\{/m);
  }],
];

// The line without its trailing comment, as EXPECT names it.
const bare = (line) => line.replace(/\s+#\s.*$/, '');

function expectation(line) {
  const found = EXPECT.filter(([re]) => re.test(bare(line)));
  assert.equal(found.length, 1, `no single expectation in this test for the README line: ${line}`);
  return found[0][1];
}

// A working directory like the repository's top, whose build/ is the
// binary under test (the README adds $PWD/build to PATH).
function workdir(dir) {
  const top = path.join(dir, 'repo');
  mkdirSync(top, { recursive: true });
  symlinkSync(path.dirname(BIN), path.join(top, 'build'));
  for (const d of ['tests', 'examples']) symlinkSync(path.join(ROOT, d), path.join(top, d));
  return top;
}

test('the README quickstart, line by line, against make run', async () => {
  const lines = quickstart();
  const checks = lines.map(expectation);	// every line known before any runs
  assert.ok(lines.length >= 10, lines.join('\n'));
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-readme-'));
  let r;
  try {
    r = await startRun(path.join(dir, 'data'));
    const [exp] = commands(r.out());
    const ctx = { ak: r.out().match(/AK +(\S+)/)[1] };
    const cwd = workdir(dir);
    const prelude = [];
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i];
      if (/^export HUAWEICLOUD_SDK_AK=\.\.\. /.test(line)) line = exp;
      if (line.includes('JOB_ID')) line = line.replaceAll('JOB_ID', ctx.job);
      const res = spawnSync('bash', ['-c', [...prelude, line].join('\n')],
        { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 180000 });
      assert.equal(res.error, undefined, `${lines[i]}: ${res.error}`);
      try {
        checks[i](res, ctx);
      } catch (e) {
        e.message = `README quickstart line ${i + 1}: ${lines[i]}\n${e.message}`;
        throw e;
      }
      if (line.startsWith('export ')) prelude.push(line);
    }
  } finally {
    await shutdown(r);
    rmSync(dir, { recursive: true, force: true });
  }
});

// The README's worker block: the lines that run examples/provision.sh.
function execLines() {
  const lines = README.split('\n').filter((l) => /^(\w+=('[^']*'|\S+) )*wksjobs worker --exec /.test(l));
  assert.equal(lines.length, 2, 'the README runs examples/provision.sh, plain and failing on demand');
  for (const l of lines) {
    const script = l.match(/--exec (\S+)/)[1];
    assert.ok(existsSync(path.join(ROOT, script)), `${script} is in the repository`);
  }
  return lines;
}

test('the README\'s example executor: progress on stdout, SUCCESS, and FAILED with CODE: reason on demand', async () => {
  const [plain, failing] = execLines();
  const srv = await startServer(initData());
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-readme-'));
  const env = { ...cleanEnv(), PATH: `${path.dirname(BIN)}:${process.env.PATH}`,
    HUAWEICLOUD_SDK_AK: srv.creds.access_key, HUAWEICLOUD_SDK_SK: srv.creds.secret_key,
    HUAWEICLOUD_SDK_PROJECT_ID: srv.creds.project_id, WKSJOBS_ENDPOINT: srv.publicUrl,
    WKSJOBS_INTERNAL_ENDPOINT: srv.internalUrl, PROVISION_STEP_SECONDS: '0.05' };
  const cwd = workdir(dir);
  const job = (n) => {
    const c = spawnSync(BIN, ['job', 'create', '--type', 'createDesktops', '--count', String(n),
      '--wait', '--wait-timeout', '60', '--poll-ms', '200', '--quiet', '--output', 'json'],
    { env, encoding: 'utf8', timeout: 90000 });
    return { status: c.status, job: JSON.parse(c.stdout || '{}'), stderr: c.stderr };
  };
  const runWorker = async (line, n) => {
    // exec after the line's variables: the signal reaches the worker.
    const cmd = `${line.replace('wksjobs worker', 'exec wksjobs worker')} --poll-ms 100`;
    const w = spawn('bash', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    w.stdout.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => w.once('exit', resolve));
    try {
      await sleep(200);
      assert.equal(w.exitCode, null, `${cmd} exited`);
      return { ...job(n), out: () => out };
    } finally {
      w.kill('SIGTERM');
      await Promise.race([exited, bound(10000)]);
    }
  };
  try {
    const ok = await runWorker(plain, 2);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.job.status, 'SUCCESS');
    assert.match(ok.out(), /^[0-9a-f]{32} demo-pc\d+: 1\/3 creating the VM$/m);
    assert.match(ok.out(), /^[0-9a-f]{32} demo-pc\d+: provisioned$/m);

    const bad = await runWorker(failing, 1);
    assert.equal(bad.status, 1, bad.stderr);
    assert.equal(bad.job.status, 'FAILED');
    const text = JSON.stringify(bad.job);
    assert.match(text, /"WKS\.0005"/, text);
    assert.match(text, /Failed to invoke ECS interface\./);
  } finally {
    await srv.stop();
    srv.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
