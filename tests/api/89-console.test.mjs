// 89-console: the web console (docs/API.md#web-console) in a real
// browser: Debian's chromium driven by playwright-core (nothing
// downloaded), against a real server.  Log in by keyboard; the overview's
// figures against the API's; sub-jobs filtered by status and job ID, paged,
// the view kept in the URL; a job retried; rows deleted after the dialog,
// more than 10 in batches of 10; every SUCCESS deleted; a database value
// that is markup shown as text and run nowhere; a read-only user's refusal
// shown with its code; logout revoking the token (the old cookie no
// longer works, and brings the login page back with a message).  Without
// the browser: the console's headers, the login's answers, the cookie
// accepted on the job API, a write without X-CSRF-Token refused, the
// cookie Secure over HTTPS, and serve --console=false.  axe-core runs on every page: no serious or
// critical violation.  Screenshots of each page go to
// WJ_CONSOLE_SHOTS (default: console-shots beside the binary).
//
// The Activity page reads GET /v3/{project_id}/traces, where the console's
// deletes are ConsoleAction traces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BIN, initData, startServer, clients, raw } from './lib.mjs';
import { create, claim, finish, drive, waitFor, shutdown } from './helpers.mjs';
import { admin, mkUser } from './iam-helpers.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
const NO_BROWSER = !existsSync(CHROMIUM);
const SHOTS = process.env.WJ_CONSOLE_SHOTS || path.join(path.dirname(BIN), 'console-shots');
const PASSWORD = 'Console-pass-0123';
const XSS = '<img src=x onerror="window.__xss=1">';
const WAIT = 20000;

let srv;
let c;
let P;
let browser;
let page;
const cspErrors = [];
const jobs = {};

// ---- helpers ----------------------------------------------------------------

// Poll fn until it is truthy, or fail saying what was awaited.
async function until(fn, what, ms = WAIT) {
  const v = await waitFor(async () => {
    try { return await fn(); } catch { return false; }
  }, ms, 150);
  assert.ok(v, `timed out waiting for ${what}`);
  return v;
}

async function total(q) {
  const r = await c.list({ ...q, limit: 0 });
  assert.equal(r.status, 200);
  return r.body.total_count;
}

// axe-core in the page: no violation of impact serious or critical.
async function axe(name) {
  const src = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(src);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [],
    `axe on the ${name} page`);
}

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `console-${name}.png`) });
}

function rows() {
  return page.locator('table.grid tbody tr');
}

async function goto(hash) {
  await page.goto(`${srv.publicUrl}/console/${hash}`);
}

async function login(user, password, account = 'admin') {
  await goto('');
  await page.getByLabel('Account', { exact: true }).waitFor();
  await page.getByLabel('Account', { exact: true }).fill(account);
  await page.getByLabel('User name', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: WAIT });
}

async function cookieHeader() {
  const ck = (await page.context().cookies()).find((x) => x.name === 'wksjobs_session');
  assert.ok(ck, 'the session cookie is set');
  return { ck, header: `wksjobs_session=${ck.value}` };
}

async function confirm(button) {
  await page.getByRole('button', { name: button, exact: true }).click();
  const d = page.getByRole('dialog');
  await d.waitFor();
  await d.getByRole('button', { name: 'Confirm', exact: true }).click();
  await d.waitFor({ state: 'detached' });
}

// ---- the server and its data --------------------------------------------------

before(async () => {
  srv = await startServer();
  P = srv.creds.project_id;
  c = clients(srv);
  admin(srv, ['user', 'passwd', 'admin', '--password', PASSWORD]);
  mkUser(srv, 'reader', { password: PASSWORD, attach: [['Workspace ReadOnlyAccess', 'domain']] });
  jobs.retry = await drive(c, 'createDesktops', 3, 'FAILED');
  jobs.pick = await drive(c, 'rebuildDesktops', 4, 'FAILED');
  jobs.done = await drive(c, 'expandVolumes', 3, 'SUCCESS');
  jobs.running = await drive(c, 'createSnapshot', 2, 'RUNNING');
  jobs.batch = await drive(c, 'cleanupDesktops', 12, 'FAILED');
  jobs.waiting = await create(c, 'attachVolumes', 12);
  // A value of the database that is markup, in an entity and a reason.
  jobs.xss = await create(c, 'xssCheck', 1, { entities: { desktop_id: XSS, user_name: XSS } });
  const [s] = await claim(c, { max: 1, jobTypes: ['xssCheck'] });
  await finish(c, s, 'FAILED', 'WKS.0005', XSS);
  if (NO_BROWSER) return;
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
});

after(async () => {
  if (browser) await browser.close();
  await shutdown(srv);
});

// ---- without a browser ------------------------------------------------------------

test('the console is served with a strict CSP, no framing, no sniffing, revalidated caching', async () => {
  const r = await fetch(`${srv.publicUrl}/console/`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(r.headers.get('content-security-policy'), /^default-src 'self';/);
  assert.doesNotMatch(r.headers.get('content-security-policy'), /unsafe/);
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  const html = await r.text();
  assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script or style');
  const js = await fetch(`${srv.publicUrl}/console/pages/subjobs.js`);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const again = await fetch(`${srv.publicUrl}/console/app.js`, { headers: { 'If-None-Match': js.headers.get('etag') } });
  assert.equal(again.status, 200, 'another file\'s ETag does not match');
  const etag = again.headers.get('etag');
  const same = await fetch(`${srv.publicUrl}/console/app.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(same.status, 304);
  assert.equal((await fetch(`${srv.publicUrl}/console/nothing.js`)).status, 404);
  const bare = await fetch(`${srv.publicUrl}/console`, { redirect: 'manual' });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get('location'), '/console/');
  // Not on the internal listener.
  assert.equal((await fetch(`${srv.internalUrl}/console/`)).status, 404);
});

test('login: a wrong password is 401 in IAM\'s shape; the right one sets an HttpOnly SameSite=Strict cookie, never the token in the body', async () => {
  const body = (password) => JSON.stringify({ account: 'admin', user: 'admin', password });
  const bad = await raw(srv.publicUrl, { method: 'POST', path: '/console/api/login', body: body('nope-nope'),
    headers: { 'Content-Type': 'application/json' } });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.error.message, 'The username or password is wrong.');
  assert.equal(bad.headers['set-cookie'], undefined);
  const ok = await raw(srv.publicUrl, { method: 'POST', path: '/console/api/login', body: body(PASSWORD),
    headers: { 'Content-Type': 'application/json' } });
  assert.equal(ok.status, 200);
  const [cookie] = ok.headers['set-cookie'];
  assert.match(cookie, /^wksjobs_session=WJT1\.[A-Za-z0-9_-]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Strict$/);
  const token = cookie.split(';')[0].split('=')[1];
  assert.ok(!ok.text.includes(token), 'the token is not in the body');
  assert.equal(ok.json.project.id, P);
  assert.equal(ok.json.is_root, true);
  const session = `wksjobs_session=${token}`;
  // The cookie is a credential of the job API ...
  const list = await raw(srv.publicUrl, { method: 'GET', path: `/v2/${P}/workspace-sub-jobs`, query: 'limit=1',
    headers: { Cookie: session } });
  assert.equal(list.status, 200);
  // ... a write without the CSRF value, or with another, is 403 ...
  const write = (headers) => raw(srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
    body: JSON.stringify({ job_ids: [jobs.retry.sub_job_ids[0]] }),
    headers: { Cookie: session, 'Content-Type': 'application/json', ...headers } });
  for (const h of [{}, { 'X-CSRF-Token': 'A'.repeat(43) }, { 'X-CSRF-Token': '' }]) {
    const r = await write(h);
    assert.equal(r.status, 403, JSON.stringify(h));
    assert.equal(r.json.error_code, 'WKS.00081102');
    assert.match(r.json.error_detail, /X-CSRF-Token/);
  }
  assert.equal(await total({ job_id: jobs.retry.job_id }), 3, 'nothing was deleted');
  // ... and with it the write is checked like any other (a job ID: 400).
  const r = await raw(srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
    body: JSON.stringify({ job_ids: [jobs.retry.job_id] }),
    headers: { Cookie: session, 'Content-Type': 'application/json', 'X-CSRF-Token': ok.json.csrf_token } });
  assert.equal(r.status, 400);
  // The session answers the same CSRF value after a reload of the page.
  const s = await raw(srv.publicUrl, { method: 'GET', path: '/console/api/session', headers: { Cookie: session } });
  assert.equal(s.status, 200);
  assert.equal(s.json.csrf_token, ok.json.csrf_token);
  // A cookie is no credential of the internal listener.
  const int = await raw(srv.internalUrl, { method: 'POST', path: `/v1/internal/${P}/jobs`,
    body: JSON.stringify({ job_type: 'x', sub_jobs: [{ entities: {} }] }),
    headers: { Cookie: session, 'Content-Type': 'application/json', 'X-CSRF-Token': ok.json.csrf_token } });
  assert.equal(int.status, 401);
});

test('serve --console=false: no /console/, and the cookie is no credential', async () => {
  const off = await startServer(undefined, ['--console=false']);
  try {
    admin(off, ['user', 'passwd', 'admin', '--password', PASSWORD]);
    assert.equal((await fetch(`${off.publicUrl}/console/`)).status, 404);
    const r = await raw(off.publicUrl, { method: 'POST', path: '/console/api/login',
      body: JSON.stringify({ account: 'admin', user: 'admin', password: PASSWORD }),
      headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 404);
    assert.equal(r.json.error_code, 'APIGW.0101');
  } finally {
    await shutdown(off);
  }
});

test('over HTTPS the session cookie is also Secure', async () => {
  const env = initData();
  const key = path.join(env.dir, 'tls.key');
  const pem = path.join(env.dir, 'tls.pem');
  const o = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', pem, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  { encoding: 'utf8', timeout: 30000 });
  assert.equal(o.status, 0, o.stderr);
  chmodSync(key, 0o600);
  const tlsSrv = await startServer(env, ['--tls-cert', pem, '--tls-key', key]);
  try {
    admin(tlsSrv, ['user', 'passwd', 'admin', '--password', PASSWORD]);
    const cookie = await new Promise((resolve, reject) => {
      const rq = https.request({ host: '127.0.0.1', port: tlsSrv.pubPort, method: 'POST', path: '/console/api/login',
        ca: readFileSync(pem), headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? res.headers['set-cookie'][0] : `HTTP ${res.statusCode}`));
      });
      rq.on('error', reject);
      rq.end(JSON.stringify({ account: 'admin', user: 'admin', password: PASSWORD }));
    });
    assert.match(cookie, /^wksjobs_session=\S+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Strict; Secure$/);
  } finally {
    await shutdown(tlsSrv);
  }
});

// ---- in the browser --------------------------------------------------------------

test('log in by keyboard; the overview shows the API\'s figures', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await goto('');
  const account = page.getByLabel('Account', { exact: true });
  await account.waitFor();
  await axe('login');
  await shot('login');
  await account.focus();
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: WAIT });
  for (const s of ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED']) {
    const want = await total({ status: s });
    await until(async () => (await page.locator(`dd[data-status="${s}"]`).textContent()) === String(want),
      `the ${s} figure to be ${want}`);
  }
  // The jobs in progress, each with its progress bar.
  const running = page.getByRole('link', { name: new RegExp(jobs.running.job_id) });
  await running.waitFor();
  assert.equal(await page.getByRole('progressbar', { name: `Progress of job ${jobs.running.job_id}` }).count(), 1);
  for (const name of ['Overview', 'Sub-jobs', 'Activity', 'API Explorer']) {
    assert.equal(await page.getByRole('link', { name, exact: true }).count(), 1, name);
  }
  assert.equal(await page.getByRole('button', { name: 'Log out', exact: true }).count(), 1);
  await axe('overview');
  await shot('overview');
});

test('sub-jobs: filter by FAILED and by job ID, page, and the URL keeps the view', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await page.getByRole('link', { name: 'Sub-jobs', exact: true }).click();
  await page.getByRole('heading', { name: 'Sub-jobs' }).waitFor();
  const all = await total({});
  assert.ok(all > 20);
  await until(async () => (await rows().count()) === 20, '20 rows');
  assert.equal(await page.locator('table.grid caption').textContent(), `${all} sub-jobs`);
  for (const h of ['ID', 'Job type', 'Status', 'Entity', 'Begin time', 'End time', 'Error code']) {
    assert.equal(await page.getByRole('columnheader', { name: h, exact: true }).count(), 1, h);
  }
  await axe('sub-jobs');
  await shot('subjobs');
  // Paging.
  await page.getByRole('button', { name: 'Next page' }).click();
  await until(async () => (await rows().count()) === all - 20, 'the second page');
  assert.match(page.url(), /page=2/);
  // Status FAILED.
  await page.getByLabel('Status', { exact: true }).selectOption('FAILED');
  const failed = await total({ status: 'FAILED' });
  await until(async () => (await page.locator('table.grid caption').textContent()) === `${failed} sub-jobs`, 'the FAILED count');
  const statuses = await page.locator('table.grid tbody tr td:nth-child(4)').allTextContents();
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 'FAILED'), statuses.join());
  assert.match(page.url(), /status=FAILED/);
  assert.doesNotMatch(page.url(), /page=2/, 'a new filter starts at page 1');
  // Job ID.
  await page.getByLabel('Job ID', { exact: true }).fill(jobs.pick.job_id);
  await page.getByLabel('Job ID', { exact: true }).press('Enter');
  await until(async () => (await rows().count()) === 4, 'the job\'s 4 rows');
  // A link shows the same view.
  const url = page.url();
  assert.match(url, new RegExp(`job_id=${jobs.pick.job_id}`));
  const other = await page.context().newPage();
  try {
    await other.goto(url);
    await other.locator('table.grid tbody tr').first().waitFor({ timeout: WAIT });
    assert.equal(await other.locator('table.grid tbody tr').count(), 4);
    assert.equal(await other.getByLabel('Status', { exact: true }).inputValue(), 'FAILED');
    assert.equal(await other.getByLabel('Job ID', { exact: true }).inputValue(), jobs.pick.job_id);
  } finally {
    await other.close();
  }
  // Only SUCCESS and FAILED rows can be selected.
  await goto(`#/subjobs?job_id=${jobs.running.job_id}`);
  await until(async () => (await rows().count()) === 2, 'the running job\'s rows');
  assert.equal(await page.locator('table.grid tbody input[type=checkbox]').count(), 0);
  // Desktop pool ID and Job type filters exist and narrow.
  await goto(`#/subjobs?job_type=expandVolumes&desktop_pool_id=pool-1`);
  await until(async () => (await rows().count()) === 3, 'the expandVolumes rows');
  assert.equal(await page.getByLabel('Job type', { exact: true }).inputValue(), 'expandVolumes');
  assert.equal(await page.getByLabel('Desktop pool ID', { exact: true }).inputValue(), 'pool-1');
});

test('select two FAILED rows and delete them after the dialog; more than 10 go in batches of 10', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await goto(`#/subjobs?job_id=${jobs.pick.job_id}`);
  await until(async () => (await rows().count()) === 4, 'the job\'s rows');
  const [a, b] = jobs.pick.sub_job_ids;
  await page.getByRole('checkbox', { name: `Select ${a}` }).check();
  await page.getByRole('checkbox', { name: `Select ${b}` }).check();
  // Cancel changes nothing.
  await page.getByRole('button', { name: 'Delete selected', exact: true }).click();
  const d = page.getByRole('dialog');
  await d.waitFor();
  await axe('dialog');
  await d.getByRole('button', { name: 'Cancel', exact: true }).click();
  assert.equal(await total({ job_id: jobs.pick.job_id }), 4);
  await confirm('Delete selected');
  await until(async () => (await total({ job_id: jobs.pick.job_id })) === 2, 'two records deleted');
  await until(async () => (await rows().count()) === 2, 'two rows left');
  // Twelve: two requests of 10 and 2, progress shown.
  const posts = [];
  const seen = (r) => { if (r.url().endsWith('/batch-delete')) posts.push(JSON.parse(r.postData()).job_ids?.length); };
  page.on('request', seen);
  await goto(`#/subjobs?job_id=${jobs.batch.job_id}`);
  await until(async () => (await rows().count()) === 12, 'the 12 rows');
  for (const id of jobs.batch.sub_job_ids) await page.getByRole('checkbox', { name: `Select ${id}` }).check();
  await confirm('Delete selected');
  await page.getByText('Deleted 12 of 12').waitFor({ timeout: WAIT });
  page.off('request', seen);
  assert.deepEqual(posts, [10, 2]);
  assert.equal(await total({ job_id: jobs.batch.job_id }), 0);
});

test('delete all SUCCESS after the dialog', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await goto('#/subjobs');
  await rows().first().waitFor();
  assert.ok(await total({ status: 'SUCCESS' }) > 0);
  const failed = await total({ status: 'FAILED' });
  await confirm('Delete all SUCCESS');
  await until(async () => (await total({ status: 'SUCCESS' })) === 0, 'no SUCCESS left');
  assert.equal(await total({ status: 'FAILED' }), failed, 'FAILED untouched');
  assert.equal(await page.getByRole('button', { name: 'Delete all FAILED', exact: true }).count(), 1);
});

test('open a job and retry it: it runs again', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await goto(`#/subjobs?job_id=${jobs.retry.job_id}`);
  await rows().first().waitFor();
  await page.getByRole('link', { name: 'createDesktops' }).first().click();
  await page.getByRole('heading', { name: new RegExp(`Job ${jobs.retry.job_id}`) }).waitFor();
  await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
  await axe('job');
  await shot('job');
  await confirm('Retry');
  await page.getByText('The job runs again.').waitFor({ timeout: WAIT });
  const r = await c.show(jobs.retry.job_id);
  assert.equal(r.body.status, 'WAITING');
  await until(async () => (await page.locator('.fields .badge').first().textContent()) === 'WAITING', 'the new status shown');
  assert.equal(await page.getByRole('button', { name: 'Retry', exact: true }).count(), 0, 'no Retry on a WAITING job');
});

test('a value that is markup is shown as text and runs nothing', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await goto(`#/subjobs?job_type=xssCheck`);
  await until(async () => (await rows().count()) === 1, 'the row');
  assert.match(await rows().first().textContent(), /<img src=x onerror="window.__xss=1">/);
  await goto(`#/job/${jobs.xss.job_id}`);
  await page.getByText(XSS).first().waitFor();
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(cspErrors, [], 'nothing was refused by the CSP');
});

test('the API Explorer link loads its page', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await page.getByRole('link', { name: 'API Explorer', exact: true }).click();
  await page.getByRole('heading', { name: 'API Explorer' }).waitFor();
  await axe('explorer');
});

test('Activity shows the deletes just made, by whom; the trail calls them console actions', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await page.getByRole('link', { name: 'Activity', exact: true }).click();
  await page.getByRole('heading', { name: 'Activity' }).waitFor();
  await page.getByLabel('Operation', { exact: true }).fill('batchDeleteSubJobs');
  await page.getByRole('button', { name: 'Apply' }).click();
  await until(async () => (await rows().count()) >= 3, 'the deletes in the trail');
  const first = await rows().first().textContent();
  assert.match(first, /admin/);
  assert.match(first, /batchDeleteSubJobs/);
  await axe('activity');
  await shot('activity');
  const tr = await raw(srv.publicUrl, { method: 'GET', path: `/v3/${P}/traces`,
    query: 'trace_type=system&trace_name=batchDeleteSubJobs&limit=50',
    creds: { ak: srv.creds.access_key, sk: srv.creds.secret_key } });
  assert.equal(tr.status, 200, JSON.stringify(tr.json));
  assert.ok(tr.json.traces.some((x) => x.trace_type === 'ConsoleAction' && x.user.name === 'admin'),
    JSON.stringify(tr.json.traces.map((x) => [x.trace_type, x.user.name])));
});

test('log out revokes the token: the old cookie no longer works, and brings the login back with a message', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await goto('#/overview');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  const { ck, header } = await cookieHeader();
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByText('You are logged out.').waitFor();
  assert.equal((await page.context().cookies()).find((x) => x.name === 'wksjobs_session'), undefined);
  const r = await raw(srv.publicUrl, { method: 'GET', path: `/v2/${P}/workspace-sub-jobs`, headers: { Cookie: header } });
  assert.equal(r.status, 401);
  assert.equal(r.json.error_code, 'APIGW.0307');
  // The old cookie back in the browser: the login page, with a message.
  await page.context().addCookies([ck]);
  await goto('#/subjobs');
  await page.reload();
  await page.getByText('Your session has expired. Log in again.').waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole('button', { name: 'Log in', exact: true }).count(), 1);
});

test('a read-only user sees the pages, and a delete is refused with its code and message', { skip: NO_BROWSER && 'no /usr/bin/chromium' }, async () => {
  await page.context().clearCookies();
  await login('reader', PASSWORD);
  await page.getByRole('link', { name: 'Sub-jobs', exact: true }).click();
  await rows().first().waitFor();
  const failed = await total({ status: 'FAILED' });
  await confirm('Delete all FAILED');
  const alert = page.getByRole('alert').filter({ hasText: 'WKS.00081102' });
  await alert.waitFor({ timeout: WAIT });
  assert.match(await alert.textContent(), /HTTP 403 WKS\.00081102 User does not have permission to access this resource\./);
  assert.equal(await alert.getByRole('button', { name: 'Decode' }).count(), 0, 'Decode is the root user\'s');
  assert.equal(await total({ status: 'FAILED' }), failed, 'nothing deleted');
  await axe('refusal');
  await shot('refusal');
});
