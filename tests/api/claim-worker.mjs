// claim-worker.mjs - a child process for 70-internal.test.mjs: claims
// sub-jobs of one project over the internal API (official SDK signer)
// until none are left, for a bounded number of rounds, and prints the
// claimed {id, lease_id} pairs as one JSON line.
//   node claim-worker.mjs INTERNAL_URL AK SK PROJECT_ID WORKER_ID [START_AT_MS]
// START_AT_MS: the workers start claiming together at that time (epoch
// ms), however long each took to start: otherwise the first one up can
// take everything before the others run.
import { sdkClient, call } from './lib.mjs';

const [url, ak, sk, project, worker, startAt] = process.argv.slice(2);
const client = sdkClient(url, ak, sk);
const wait = Number(startAt ?? 0) - Date.now();
if (wait > 0) await new Promise((resolve) => { setTimeout(resolve, wait); });
const got = [];
const errors = [];
let emptyInARow = 0;
for (let round = 0; round < 500 && emptyInARow < 3; round++) {
  const r = await call(client, { method: 'POST', url: '/v1/internal/sub-jobs/claim',
    data: { worker_id: worker, host: `host-${worker}`, max: 3, lease_seconds: 300, project_ids: [project] } });
  if (r.status !== 200) {
    errors.push({ status: r.status, body: r.body });
    if (errors.length > 20) break;
    continue;
  }
  if (r.body.sub_jobs.length === 0) {
    emptyInARow += 1;
    continue;
  }
  emptyInARow = 0;
  for (const s of r.body.sub_jobs) got.push({ id: s.id, lease_id: s.lease_id, status: s.status });
}
process.stdout.write(`${JSON.stringify({ worker, got, errors })}\n`);
