#!/usr/bin/env node
// tls-sdk.mjs - the official SDKs over HTTPS as an application would use
// them: default settings, so the server's certificate is verified against
// Node's trusted CAs plus NODE_EXTRA_CA_CERTS, which Node reads only when
// it starts; hence a process of its own, run by 86-tls.test.mjs (not a
// test file: CMake only globs *.test.mjs).
//   node tls-sdk.mjs '{"publicUrl":"https://...","internalUrl":"https://...","creds":{...}}'
// Prints one JSON line: the HTTP status of each call, or { error, code }
// (exit 1) when one fails, e.g. on a certificate it does not trust.
import https from 'node:https';
import { clients, createJob, claimAndFinish } from './lib.mjs';
import { iam, iamClient } from './iam-helpers.mjs';

const srv = JSON.parse(process.argv[2]);
const out = {};
try {
  if (https.globalAgent.options.rejectUnauthorized === false ||
      process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') throw new Error('certificate verification is off');
  // The four public job endpoints (and the internal ones to set them up).
  const c = clients(srv);
  const job = await createJob(c, 'createDesktops', 2);
  await claimAndFinish(c, 'FAILED');
  out.list = (await c.list({ job_id: job.job_id })).status;
  out.show = (await c.show(job.job_id)).status;
  out.del = (await c.del({ job_ids: [job.sub_job_ids[0]] })).status;
  out.retry = (await c.retry(job.job_id)).status;
  // The IAM SDK: the account found through GET /v3/auth/domains, then
  // KeystoneListProjects, both over HTTPS.
  const { client } = iamClient(srv.publicUrl, { ak: srv.creds.access_key, sk: srv.creds.secret_key });
  const projects = await client.keystoneListProjects(new iam.KeystoneListProjectsRequest());
  out.iam = projects.httpStatusCode;
  out.iamProject = projects.projects.some((p) => p.id === srv.creds.project_id);
  console.log(JSON.stringify(out));
} catch (e) {
  // An SDK transport failure carries the TLS error's code (e.g.
  // UNABLE_TO_VERIFY_LEAF_SIGNATURE) somewhere in its message or fields.
  const text = [e.code, e.errorCode, e.errorMsg, e.message, e.cause?.code].filter(Boolean).join(' ');
  console.log(JSON.stringify({ ...out, error: text || String(e) }));
  process.exitCode = 1;
}
