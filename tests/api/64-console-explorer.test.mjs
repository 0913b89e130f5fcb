// 64-console-explorer: the console's API Explorer in a real browser
// (Debian's chromium driven by playwright-core): log in, open "API
// Explorer", choose ListItaSubJobs, press "Send" and see status 200 and
// the body the SDK gets; a value out of bounds is refused in the page
// with a message and nothing is sent; the request shown masks the
// session's credentials; the controls are reached by keyboard; axe-core
// finds no serious or critical violation.  It needs the console (GET
// /console/) and skips itself, saying so, when the server has none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer } from './lib.mjs';
import { drive, fullClients, shutdown } from './helpers.mjs';
import { mkUser } from './iam-helpers.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';

let srv;
let why = null;	// the reason to skip, when there is one
let browser;

before(async () => {
  srv = await startServer();
  // The console's pages are no API answers: a plain fetch, not raw().
  const r = await fetch(`${srv.publicUrl}/console/`);
  assert.equal(r.status, 200, 'GET /console/');
  if (!existsSync(CHROMIUM)) why = `${CHROMIUM} is not installed`;
  if (why) return;
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  await shutdown(srv);
});

// Serious and critical axe-core violations of the page, as text.
async function axeViolations(page) {
  // CDP evaluation is not subject to the page's Content-Security-Policy.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const res = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('API Explorer: ListItaSubJobs sent from the page answers as the SDK, checked and masked, accessible', async (t) => {
  if (why) return t.skip(why);
  const alice = mkUser(srv, 'explorer-ui', { attach: [['Workspace FullAccess', 'domain']] });
  const P = srv.creds.project_id;
  const f = fullClients(srv, alice, P);
  await drive(f, 'createDesktops', 2, 'FAILED');
  await drive(f, 'addVolumes', 1, 'SUCCESS');
  const sdk = await f.list({});
  assert.equal(sdk.status, 200);

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Failed loads are told by their answers (below), not by the message.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  // Before the login the shell asks for a session, and gets 401.
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (r.status() >= 400 && !(r.status() === 401 && p === '/console/api/session')) {
      errors.push(`${r.status()} ${p}`);
    }
  });
  try {
    await page.goto(`${srv.publicUrl}/console/`);
    await page.getByLabel('Account').fill('admin');
    await page.getByLabel('User name').fill(alice.name);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'API Explorer' }).click();

    const op = page.getByLabel('Operation');
    await op.waitFor({ timeout: 30000 });
    await op.selectOption('ListItaSubJobs');
    assert.equal(await page.getByLabel('project_id', { exact: true }).inputValue(), P);

    // Out of bounds: a message beside the field, and nothing sent.
    await page.getByLabel('limit', { exact: true }).fill('1001');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('limit must be between 0 and 1000.').waitFor({ timeout: 10000 });
    assert.equal(await page.getByLabel('limit', { exact: true }).getAttribute('aria-invalid'), 'true');
    await page.getByLabel('limit', { exact: true }).fill('');

    // Keyboard: from the operation picker, Tab reaches Send.
    await op.focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent === 'Send');
    }
    assert.ok(reached, 'Send is not reached by Tab from Operation');
    await page.keyboard.press('Enter');

    await page.getByText('Status 200').waitFor({ timeout: 30000 });
    const body = JSON.parse(await page.locator('.explorer-response-body').textContent());
    assert.deepEqual(body, sdk.body);
    const shown = await page.locator('.explorer-request').textContent();
    assert.match(shown, new RegExp(`^GET ${srv.publicUrl}/v2/${P}/workspace-sub-jobs\\n`));
    assert.match(shown, /^Cookie: •+$/m);
    const html = await page.content();
    for (const c of await context.cookies()) {
      if (c.value.length > 8) assert.ok(!html.includes(c.value), `cookie ${c.name} is shown in the page`);
    }
    // The samples beside it name the call.
    assert.match(await page.getByLabel('wksjobs CLI sample', { exact: true }).textContent(), /wksjobs subjobs list/);
    assert.match(await page.getByLabel('curl sample', { exact: true }).textContent(), /X-Auth-Token: \$TOKEN/);
    assert.match(await page.getByLabel('Python SDK sample', { exact: true }).textContent(), /ListItaSubJobsRequest\(\)/);

    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(errors, [], 'errors in the page');
  } finally {
    await context.close();
  }
});
