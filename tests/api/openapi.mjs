// openapi.mjs - every answer an API test receives is checked against
// docs/openapi.yaml: the operation is found by method, path template and
// status, and the body must validate against that response's schema
// (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it).  A body that does
// not validate throws at once, and fails the test file at exit even if a
// test caught the error; a test file that sent requests but validated no
// answer fails too, so the hook cannot silently stop working.
//
// The clients that call checkResponse (and noteRequest): lib.mjs raw and
// the official SDK's axios instance of every sdkClient (call, callFull),
// reliability-lib.mjs send and rawSocket, and 97-overload's own client.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const OPENAPI_YAML = path.resolve(import.meta.dirname, '../../docs/openapi.yaml');
const DOC_ID = 'openapi.json';
// OpenAPI members beside the JSON Schema ones at the top of the document.
const OPENAPI_KEYWORDS = ['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags',
  'webhooks', 'jsonSchemaDialect', 'externalDocs'];

let spec = null;

// The document, parsed, with its ajv instance and operations; built once.
function load() {
  if (spec) return spec;
  const YAML = require('yaml');
  const Ajv2020 = require('ajv/dist/2020').default;
  const addFormats = require('ajv-formats').default;
  const doc = YAML.parse(readFileSync(OPENAPI_YAML, 'utf8'));
  // Strict about unknown keywords; oneOf branches of bare "required"
  // lists and untyped subschemas are how OpenAPI documents say "one of".
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  for (const k of OPENAPI_KEYWORDS) ajv.addKeyword(k);
  ajv.addSchema(doc, DOC_ID);
  const paths = Object.entries(doc.paths).map(([template, item]) => ({
    template,
    re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    item,
  }));
  spec = { doc, ajv, paths, validators: new Map() };
  // Compile every response schema now: a broken document fails at once.
  const all = [...paths.flatMap((p) => Object.values(p.item).flatMap((op) => Object.values(op.responses ?? {}))),
    ...Object.values(doc.components.responses)];
  for (const r of all) for (const c of Object.values(deref(r).content ?? {})) validatorFor(c.schema);
  return spec;
}

// An OpenAPI "$ref" (to a response) resolved in the document.
function deref(obj) {
  if (!obj || !obj.$ref) return obj;
  let o = spec.doc;
  for (const seg of obj.$ref.replace(/^#\//, '').split('/')) o = o[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (o === undefined) throw new Error(`openapi: dangling $ref ${obj.$ref}`);
  return o;
}

function validatorFor(schema) {
  if (!schema.$ref) throw new Error('openapi: response schemas must be $refs to components');
  let v = spec.validators.get(schema.$ref);
  if (!v) {
    v = spec.ajv.compile({ $ref: DOC_ID + schema.$ref });
    spec.validators.set(schema.$ref, v);
  }
  return v;
}

// The response object for method + path + status, and its name.
function responseFor(method, urlPath, status) {
  const { doc, paths } = load();
  const m = method.toLowerCase();
  const p = paths.find((x) => x.re.test(urlPath));
  const op = p && p.item[m];
  const generic = (name) => ({ name: `(${name})`, response: doc.components.responses[name] });
  if (op && op.responses[String(status)]) {
    return { name: `${op.operationId} ${method} ${p.template}`, response: deref(op.responses[String(status)]) };
  }
  // No operation, or a status it does not list: only the router's own
  // refusals, and the gateway's answers before routing, fit.
  if (status === 404) return generic('NoRoute');
  if (status === 405) return generic('MethodNotAllowed');
  if (!op) return generic('WksError');
  return { name: `${op.operationId} ${method} ${p.template}`, response: null };
}

// requests: sent by the hooked clients (noteRequest); answers: checked;
// validated: checked and found to match.
export const stats = { requests: 0, answers: 0, validated: 0, failures: [] };

// Called by each hooked client per request it sends, so that a file whose
// requests reach no check (a hook that stopped firing) fails at exit.
export function noteRequest() {
  stats.requests += 1;
}

/*
 * Check one answer.  body: the text, or what a client already parsed it
 * into (object, or '' / undefined / null for none).  Throws an Error
 * naming the operation, the status, ajv's errors and the body.
 */
export function checkResponse({ method, url, status, contentType, body }) {
  stats.answers += 1;
  const urlPath = /^https?:\/\//.test(url) ? new URL(url).pathname : url.split('?')[0];
  const { name, response } = responseFor(method, urlPath, status);
  const fail = (why) => {
    const shown = typeof body === 'string' ? body : JSON.stringify(body);
    const msg = `openapi: ${name}: status ${status}: ${why}\n  body: ${String(shown).slice(0, 2000)}`;
    stats.failures.push(msg);
    throw new Error(msg);
  };
  if (!response) fail(`status ${status} is not documented for the operation`);
  const empty = body === undefined || body === null || body === '';
  const media = (contentType || '').split(';')[0].trim().toLowerCase();
  if (!response.content) {
    if (!empty) fail('the answer should have no body');
    stats.validated += 1;
    return;
  }
  if (empty) fail('the answer should have a body');
  const declared = response.content[media];
  if (!declared) fail(`Content-Type ${JSON.stringify(contentType)} is not one of ${Object.keys(response.content).join(', ')}`);
  let value = body;
  if (media === 'application/json' && typeof body === 'string') {
    try { value = JSON.parse(body); } catch (e) { fail(`not JSON: ${e.message}`); }
  }
  const v = validatorFor(declared.schema);
  if (!v(value)) {
    const errs = v.errors.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    fail(`does not match ${declared.schema.$ref}:\n  ${errs.join('\n  ')}`);
  }
  stats.validated += 1;
}

// Hook the official SDK's HTTP client (axios) of an HcClient: the body
// is checked as received, before the SDK reshapes it (its exceptions keep
// only error_code and error_msg).  A failure is recorded in stats (the
// caller's call() rethrows it) and fails the file at exit.
export function hookSdkClient(client) {
  const ax = client.httpClient && client.httpClient._axiosInstance;
  if (!ax) throw new Error('openapi: the SDK client has no axios instance to hook');
  const check = (res) => {
    try {
      checkResponse({ method: res.config.method.toUpperCase(), url: res.config.url, status: res.status,
        contentType: res.headers['content-type'], body: res.data });
    } catch { /* recorded in stats.failures */ }
  };
  ax.interceptors.response.use((res) => { check(res); return res; },
    (err) => { if (err.response) check(err.response); return Promise.reject(err); });
  return client;
}

// Throw the first failure recorded since mark (a stats.failures.length).
export function rethrowSince(mark) {
  if (stats.failures.length > mark) throw new Error(stats.failures[mark]);
}

process.on('exit', () => {
  if (process.env.WKSJOBS_OPENAPI_STATS) {
    console.error(`openapi: ${stats.validated} of ${stats.answers} answer(s) validated (${stats.requests} requests)`);
  }
  if (stats.failures.length > 0) {
    console.error(`openapi: ${stats.failures.length} answer(s) do not match docs/openapi.yaml:\n` +
      stats.failures.join('\n'));
    process.exitCode = 1;
  } else if (stats.requests > 0 && stats.validated === 0) {
    console.error(`openapi: ${stats.requests} request(s) sent, no answer validated: the check is not working`);
    process.exitCode = 1;
  }
});
