#!/usr/bin/env node
// call.mjs - one API call signed by the official Huawei Cloud Node.js SDK
// core, for the README quickstart and `make run`:
//   node tests/api/call.mjs GET /v2/{project_id}/workspace-sub-jobs 'limit=5&status=FAILED'
//   node tests/api/call.mjs POST /v2/{project_id}/workspace-sub-jobs/batch-delete '' '{"delete_by_status":"FAILED"}'
// Credentials and endpoint come from the variables the SDKs read:
// HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, and
// WKSJOBS_ENDPOINT (default http://127.0.0.1:8080).
import { sdkClient, call } from './lib.mjs';

const [method = 'GET', url = '/v2/{project_id}/workspace-sub-jobs', query = '', body] = process.argv.slice(2);
const { HUAWEICLOUD_SDK_AK: ak, HUAWEICLOUD_SDK_SK: sk, HUAWEICLOUD_SDK_PROJECT_ID: project } = process.env;
if (!ak || !sk || !project) {
  console.error('set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID');
  process.exit(2);
}
const endpoint = process.env.WKSJOBS_ENDPOINT || 'http://127.0.0.1:8080';
const queryParams = {};
for (const [k, v] of new URLSearchParams(query)) {
  queryParams[k] = k in queryParams ? [].concat(queryParams[k], v) : v;
}
const client = sdkClient(endpoint, ak, sk, project);
const r = await call(client, { method, url, pathParams: { project_id: project }, queryParams,
  data: body ? JSON.parse(body) : undefined });
console.log(`HTTP ${r.status}  X-Request-Id: ${r.requestId ?? '-'}`);
console.log(JSON.stringify(r.body, null, 2));
process.exit(r.status < 400 ? 0 : 1);
