// 62-explorer-form: the console's API Explorer form (console/explorer/
// form.js) built from the OpenAPI document: the fields, types, enums and
// bounds of the four job operations as docs/openapi.yaml gives them, the
// same form from the document a real server serves (GET /openapi.json,
// which the page reads), the checks of typed values with their messages,
// and the request the values make.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, raw } from './lib.mjs';
import { shutdown } from './helpers.mjs';
import { OPENAPI_YAML } from './openapi.mjs';
import { OPERATIONS, buildForm, buildRequest, describeField, readValues } from '../../console/explorer/form.js';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const doc = YAML.parse(readFileSync(OPENAPI_YAML, 'utf8'));

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await shutdown(srv); });

const byName = (form) => Object.fromEntries(form.fields.map((f) => [f.name, f]));

test('ListItaSubJobs: path and query fields with their types and bounds', () => {
  const form = buildForm(doc, 'ListItaSubJobs');
  assert.equal(form.method, 'GET');
  assert.equal(form.template, '/v2/{project_id}/workspace-sub-jobs');
  assert.equal(form.hasBody, false);
  assert.equal(form.oneOf, null);
  // The header parameter X-Project-Id is not a form field.
  assert.deepEqual(form.fields.map((f) => `${f.in}:${f.name}`),
    ['path:project_id', 'query:limit', 'query:offset', 'query:status', 'query:job_type', 'query:job_id',
      'query:desktop_pool_id']);
  const f = byName(form);
  assert.deepEqual(f.project_id, { name: 'project_id', in: 'path', type: 'string', required: true,
    minLength: 1, maxLength: 255 });
  assert.deepEqual(f.limit, { name: 'limit', in: 'query', type: 'integer', required: false, default: 1000,
    minimum: 0, maximum: 1000 });
  assert.equal(f.offset.maximum, 10000);
  assert.equal(f.status.type, 'array');
  assert.equal(f.status.maxItems, 16);
  assert.equal(f.status.items.type, 'string');
  assert.equal(f.status.items.maxLength, 255);
  assert.match(f.status.description, /up to 16 times/);
  assert.equal(f.job_id.maxLength, 255);
  assert.equal(describeField(f.limit), 'integer; 0..1000; default 1000');
  assert.equal(describeField(f.project_id), 'string, required; 1..255 characters');
  assert.equal(describeField(f.status), 'list of strings, one per line; at most 16 values; each at most 255 characters');
});

test('ShowJob, RunActionsOnWorkspaceJob and BatchDeleteSubJobs: path and body fields, enums and oneOf', () => {
  const show = buildForm(doc, 'ShowJob');
  assert.equal(show.method, 'GET');
  assert.deepEqual(show.fields.map((f) => `${f.in}:${f.name}`), ['path:project_id', 'path:job_id']);
  assert.equal(byName(show).job_id.required, true);

  const retry = buildForm(doc, 'RunActionsOnWorkspaceJob');
  assert.equal(retry.method, 'POST');
  assert.equal(retry.hasBody, true);
  assert.deepEqual(retry.fields.map((f) => `${f.in}:${f.name}`), ['path:project_id', 'path:job_id', 'body:op_type']);
  assert.deepEqual(byName(retry).op_type, { name: 'op_type', in: 'body', type: 'string', required: true, enum: ['retry'] });

  const del = buildForm(doc, 'BatchDeleteSubJobs');
  assert.equal(del.template, '/v2/{project_id}/workspace-sub-jobs/batch-delete');
  assert.deepEqual(del.oneOf, [['job_ids'], ['delete_by_status']]);
  const f = byName(del);
  assert.equal(f.job_ids.type, 'array');
  assert.equal(f.job_ids.minItems, 1);
  assert.equal(f.job_ids.maxItems, 10);
  assert.deepEqual([f.job_ids.items.minLength, f.job_ids.items.maxLength], [1, 255]);
  // delete_by_status is a $ref to FinalStatus: its enum comes through.
  assert.deepEqual(f.delete_by_status.enum, ['SUCCESS', 'FAILED']);
  assert.equal(f.delete_by_status.required, false);
  assert.match(f.delete_by_status.description, /final status/);
});

test('the document a real server serves (GET /openapi.json) gives the same forms', async () => {
  const r = await raw(srv.publicUrl, { method: 'GET', path: '/openapi.json' });
  assert.equal(r.status, 200);
  for (const op of OPERATIONS) assert.deepEqual(buildForm(r.json, op), buildForm(doc, op), op);
});

test('typed values are checked against the bounds, with messages', () => {
  const list = buildForm(doc, 'ListItaSubJobs');
  const ok = readValues(list, { project_id: 'p1', limit: '20', offset: '', status: 'FAILED\n\n RUNNING \n', job_id: '' });
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.values, { path: { project_id: 'p1' }, query: { limit: 20, status: ['FAILED', 'RUNNING'] }, body: {} });
  const req = buildRequest(list, ok.values);
  assert.deepEqual(req, { method: 'GET', path: '/v2/p1/workspace-sub-jobs',
    url: '/v2/p1/workspace-sub-jobs?limit=20&status=FAILED&status=RUNNING', body: undefined });

  const bad = readValues(list, { project_id: '', limit: '1001', offset: '1.5', job_id: 'x'.repeat(256),
    status: Array.from({ length: 17 }, () => 'FAILED').join('\n'), job_type: `a\n${'b'.repeat(256)}` });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.errors, {
    project_id: 'is required',
    limit: 'must be between 0 and 1000',
    offset: 'must be a whole number',
    job_id: 'must be at most 255 characters (it has 256)',
    status: 'takes at most 16 values (it has 17)',
    job_type: 'value 2 must be at most 255 characters (it has 256)',
  });
  assert.equal(readValues(list, { project_id: 'p', limit: '-1' }).errors.limit, 'must be between 0 and 1000');

  // Path values are encoded into the path.
  const show = buildForm(doc, 'ShowJob');
  const sv = readValues(show, { project_id: 'p', job_id: 'a/b c' });
  assert.equal(buildRequest(show, sv.values).url, '/v2/p/workspace-jobs/a%2Fb%20c');

  const retry = buildForm(doc, 'RunActionsOnWorkspaceJob');
  assert.deepEqual(readValues(retry, { project_id: 'p', job_id: 'j', op_type: 'again' }).errors,
    { op_type: 'must be one of retry' });
  const rv = readValues(retry, { project_id: 'p', job_id: 'j', op_type: 'retry' });
  assert.deepEqual(buildRequest(retry, rv.values),
    { method: 'POST', path: '/v2/p/workspace-jobs/j/actions', url: '/v2/p/workspace-jobs/j/actions', body: { op_type: 'retry' } });
});

test('BatchDeleteSubJobs: exactly one of job_ids and delete_by_status, 1..10 IDs', () => {
  const del = buildForm(doc, 'BatchDeleteSubJobs');
  const one = 'Give exactly one of job_ids and delete_by_status.';
  assert.deepEqual(readValues(del, { project_id: 'p' }).formErrors, [one]);
  assert.deepEqual(readValues(del, { project_id: 'p', job_ids: 'a', delete_by_status: 'FAILED' }).formErrors, [one]);
  const byStatus = readValues(del, { project_id: 'p', delete_by_status: 'FAILED' });
  assert.equal(byStatus.ok, true);
  assert.deepEqual(buildRequest(del, byStatus.values).body, { delete_by_status: 'FAILED' });
  assert.equal(readValues(del, { project_id: 'p', delete_by_status: 'RUNNING' }).errors.delete_by_status,
    'must be one of SUCCESS, FAILED');
  const eleven = Array.from({ length: 11 }, (_, i) => `id${i}`).join('\n');
  assert.equal(readValues(del, { project_id: 'p', job_ids: eleven }).errors.job_ids, 'takes at most 10 values (it has 11)');
  const ids = readValues(del, { project_id: 'p', job_ids: 'a\nb' });
  assert.equal(ids.ok, true);
  assert.deepEqual(buildRequest(del, ids.values).body, { job_ids: ['a', 'b'] });
});
