// console.mjs - the web console's first render of the sub-jobs page, in
// Debian's chromium (playwright-core from tests/api), for bench/run.sh.
//   node bench/console.mjs URL ACCOUNT USER PASSWORD PROJECT_NAME
// Logs in through POST /console/api/login, then loads /console/#/subjobs
// afresh RUNS times: each time, the milliseconds from the navigation's
// start to the first table row in the page.  Then counts the API calls of
// one refresh (5 s) of the page.  Prints one JSON line:
//   {"kind":"console","runs":[ms...],"median_ms":..,"max_ms":..,"calls_per_refresh":..,"total_count":..}
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(import.meta.dirname, '../tests/api/package.json'));
const { chromium } = require('playwright-core');
const [url, account, user, password, project] = process.argv.slice(2);
const RUNS = 7;
const CHROMIUM = '/usr/bin/chromium';

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const login = await page.request.post(`${url}/console/api/login`, { data: { account, user, password, project } });
  if (login.status() !== 200) throw new Error(`login: ${login.status()} ${await login.text()}`);
  const runs = [];
  let total = 0;
  // The first load fills the browser's cache of the files (revalidated
  // with 304s afterwards, as a returning operator's browser does).
  for (let i = 0; i <= RUNS; i++) {
    await page.goto('about:blank');
    await page.goto(`${url}/console/#/subjobs`);
    const ms = await page.waitForFunction(() => {
      const row = document.querySelector('table.grid tbody tr');
      return row ? performance.now() : 0;
    }, null, { timeout: 30000, polling: 'raf' });
    if (i > 0) runs.push(Math.round(await ms.jsonValue()));
    total = Number((await page.locator('table.grid caption').textContent()).split(' ')[0]);
  }
  // One refresh: the API calls of the page from the next tick on, for 1 s.
  const calls = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/v2/')) calls.push(r.url()); });
  for (let i = 0; i < 70 && calls.length === 0; i++) await page.waitForTimeout(100);
  await page.waitForTimeout(1000);
  runs.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({
    kind: 'console', runs, median_ms: runs[Math.floor(runs.length / 2)], max_ms: runs[runs.length - 1],
    calls_per_refresh: calls.length, total_count: total,
  })}\n`);
} finally {
  await browser.close();
}
