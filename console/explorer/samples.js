// explorer/samples.js - the API Explorer's code samples: the same call
// as the form makes, written for the official Python SDK
// (huaweicloudsdkworkspace v2, its request classes and fields as that
// SDK names them), for the wksjobs CLI and for curl with an IAM token.
// Pure functions: the page shows them, and a test runs the CLI and curl
// ones against a real server and checks the Python one's names.

// The Python SDK's request class and client method per operation.
const PY = {
  ListItaSubJobs: { cls: 'ListItaSubJobsRequest', method: 'list_ita_sub_jobs' },
  ShowJob: { cls: 'ShowJobRequest', method: 'show_job' },
  RunActionsOnWorkspaceJob: { cls: 'RunActionsOnWorkspaceJobRequest', method: 'run_actions_on_workspace_job',
    body: 'JobActionsReq' },
  BatchDeleteSubJobs: { cls: 'BatchDeleteSubJobsRequest', method: 'batch_delete_sub_jobs', body: 'DeleteSubJobsReq' },
};

// The order of ListItaSubJobs' query parameters in every sample.
const LIST_QUERY = ['status', 'job_type', 'job_id', 'desktop_pool_id', 'limit', 'offset'];

// A word the shell takes as it is, else the text in single quotes.
export function shellQuote(s) {
  const t = String(s);
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(t))
    return t;
  return `'${t.replace(/'/g, `'\\''`)}'`;
}

// A Python literal of a string, number or list of them (JSON's escapes
// are Python's too).
function py(v) {
  return Array.isArray(v) ? `[${v.map(py).join(', ')}]` : JSON.stringify(v);
}

// Lines joined with " \" continuations, the ones after the first indented.
function continued(lines, indent = '  ') {
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join(' \\\n');
}

function checkOperation(operation) {
  if (!PY[operation])
    throw new Error(`samples: unknown operation ${operation}`);
}

// The path of the call with params.path filled in (each encoded).
function pathOf(operation, P, params) {
  const j = encodeURIComponent(String(params.path?.job_id ?? ''));
  const p = encodeURIComponent(P);
  switch (operation) {
  case 'ListItaSubJobs': return `/v2/${p}/workspace-sub-jobs`;
  case 'ShowJob': return `/v2/${p}/workspace-jobs/${j}`;
  case 'RunActionsOnWorkspaceJob': return `/v2/${p}/workspace-jobs/${j}/actions`;
  default: return `/v2/${p}/workspace-sub-jobs/batch-delete`;
  }
}

function listQuery(params) {
  const q = params.query ?? {};
  const out = [];
  for (const k of LIST_QUERY) {
    if (q[k] === undefined)
      continue;
    for (const v of [].concat(q[k]))
      out.push([k, v]);
  }
  return out;
}

// ---- Python ---------------------------------------------------------------

function pythonRequest(operation, params) {
  const { cls, body } = PY[operation];
  const lines = [`request = ${cls}()`];
  const notes = [];
  if (operation === 'ListItaSubJobs') {
    const q = params.query ?? {};
    for (const k of LIST_QUERY) {
      if (q[k] === undefined)
        continue;
      const vs = [].concat(q[k]);
      if (vs.length === 0)
        continue;
      lines.push(`request.${k} = ${py(vs[0])}`);
      if (vs.length > 1) {
        notes.push(`# The SDK's ${k} is one string: this call sends ${py(vs[0])}; the API`,
          `# takes several (${vs.slice(1).map(py).join(', ')} too) with repeated ${k} parameters.`);
      }
    }
  } else {
    if (operation !== 'BatchDeleteSubJobs')
      lines.push(`request.job_id = ${py(String(params.path?.job_id ?? ''))}`);
    const b = params.body ?? {};
    const args = Object.keys(b).filter((k) => b[k] !== undefined).map((k) => `${k}=${py(b[k])}`);
    if (body)
      lines.push(`request.body = ${body}(${args.join(', ')})`);
  }
  return { lines, notes, cls, body };
}

/*
 * The Python sample: client construction with BasicCredentials(ak, sk,
 * project_id) and the endpoint, the request object, the call, and the
 * SDK's exception for a refusal.
 */
export function pythonSample(operation, params, { endpoint, projectId }) {
  checkOperation(operation);
  const P = params.path?.project_id ?? projectId;
  const r = pythonRequest(operation, params);
  const classes = ['WorkspaceClient', r.cls, ...(r.body ? [r.body] : [])];
  const imports = classes.length > 2
    ? `from huaweicloudsdkworkspace.v2 import (\n    ${classes.join(',\n    ')},\n)`
    : `from huaweicloudsdkworkspace.v2 import ${classes.join(', ')}`;
  return [
    `# ${operation} with the official Python SDK:`,
    '#   pip install huaweicloudsdkworkspace',
    '# AK and SK come from the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK).',
    'import os',
    '',
    'from huaweicloudsdkcore.auth.credentials import BasicCredentials',
    'from huaweicloudsdkcore.exceptions import exceptions',
    imports,
    '',
    'ak = os.environ["HUAWEICLOUD_SDK_AK"]',
    'sk = os.environ["HUAWEICLOUD_SDK_SK"]',
    `project_id = ${py(P)}`,
    '',
    'credentials = BasicCredentials(ak, sk, project_id)',
    'client = WorkspaceClient.new_builder() \\',
    '    .with_credentials(credentials) \\',
    `    .with_endpoints([${py(endpoint)}]) \\`,
    '    .build()',
    '',
    ...r.notes,
    'try:',
    ...r.lines.map((l) => `    ${l}`),
    `    response = client.${PY[operation].method}(request)`,
    '    print(response)',
    'except exceptions.ClientRequestException as e:',
    '    print(e.status_code, e.request_id, e.error_code, e.error_msg)',
    '',
  ].join('\n');
}

// ---- wksjobs CLI ----------------------------------------------------------

// The CLI's arguments for the call: [command words, operation flags].
function cliArgs(operation, params) {
  const job = shellQuote(String(params.path?.job_id ?? ''));
  const b = params.body ?? {};
  switch (operation) {
  case 'ListItaSubJobs': {
    const flags = listQuery(params).map(([k, v]) => `--${k.replace(/_/g, '-')} ${shellQuote(String(v))}`);
    return [['wksjobs subjobs list'], flags];
  }
  case 'ShowJob':
    return [[`wksjobs job show ${job}`], []];
  case 'RunActionsOnWorkspaceJob':
    return [[`wksjobs job retry ${job}`], []];
  default:
    if (b.delete_by_status !== undefined)
      return [['wksjobs subjobs delete'], [`--status ${shellQuote(b.delete_by_status)}`]];
    return [[`wksjobs subjobs delete ${(b.job_ids ?? []).map((s) => shellQuote(String(s))).join(' ')}`], []];
  }
}

/*
 * The CLI sample: one wksjobs command, signed with AK/SK from the
 * environment, printing the API's JSON (for BatchDeleteSubJobs, which
 * answers no body, the CLI's summary).
 */
export function cliSample(operation, params, { endpoint, projectId }) {
  checkOperation(operation);
  const P = params.path?.project_id ?? projectId;
  const [cmd, flags] = cliArgs(operation, params);
  const lines = [...cmd, `--endpoint ${shellQuote(endpoint)} --project-id ${shellQuote(P)}`, ...flags, '--output json'];
  const note = operation === 'RunActionsOnWorkspaceJob'
    ? ['# op_type "retry" is the only action: `job retry` sends it.'] : [];
  return [
    `# ${operation} with the wksjobs CLI; it signs with the AK/SK in`,
    '# HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (export them first).',
    ...note,
    continued(lines),
    '',
  ].join('\n');
}

// ---- curl -----------------------------------------------------------------

/*
 * The curl sample: a token from POST /v3/auth/tokens (the password
 * flow, scoped to the project; ACCOUNT, USER_NAME and PASSWORD from the
 * environment) into $TOKEN, then the call with X-Auth-Token, -i to show
 * the status line and headers.
 */
export function curlSample(operation, params, { endpoint, projectId }) {
  checkOperation(operation);
  const P = params.path?.project_id ?? projectId;
  const base = String(endpoint).replace(/\/+$/, '');
  // The JSON of the token request, "$VAR" spliced in from the shell.
  const auth = `{"auth":{"identity":{"methods":["password"],"password":{"user":{` +
    `"name":"'"$USER_NAME"'","password":"'"$PASSWORD"'","domain":{"name":"'"$ACCOUNT"'"}}}},` +
    `"scope":{"project":{"id":${JSON.stringify(P).replace(/'/g, `'\\''`)}}}}}`;
  const token = continued([
    `TOKEN=$(curl -sS -D - -o /dev/null ${shellQuote(`${base}/v3/auth/tokens?nocatalog=true`)}`,
    `-H 'Content-Type: application/json' -d '${auth}'`,
    `| tr -d '\\r' | awk 'tolower($1) == "x-subject-token:" { print $2 }')`,
  ]);
  let url = base + pathOf(operation, P, params);
  if (operation === 'ListItaSubJobs') {
    const q = listQuery(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
    if (q.length > 0)
      url += `?${q.join('&')}`;
  }
  const call = [`curl -sS -i${operation === 'ListItaSubJobs' || operation === 'ShowJob' ? '' : ' -X POST'} ${shellQuote(url)}`,
    '-H "X-Auth-Token: $TOKEN"'];
  if (operation === 'RunActionsOnWorkspaceJob' || operation === 'BatchDeleteSubJobs') {
    const body = JSON.stringify(params.body ?? {});
    call.push(`-H 'Content-Type: application/json' -d ${shellQuote(body)}`);
  }
  return [
    `# ${operation} with curl and an IAM token (X-Auth-Token).`,
    '# The token (valid 24 hours) comes from POST /v3/auth/tokens with your account,',
    '# user name and password: set ACCOUNT, USER_NAME and PASSWORD first, or skip',
    '# this step if $TOKEN already holds one.',
    token,
    '',
    continued(call),
    '',
  ].join('\n');
}

// All three samples of one call: { python, cli, curl }.  params: the
// values of form.js readValues ({ path, query, body }); opts: { endpoint,
// projectId } (params.path.project_id, when set, wins).
export function samples(operation, params, opts) {
  return {
    python: pythonSample(operation, params, opts),
    cli: cliSample(operation, params, opts),
    curl: curlSample(operation, params, opts),
  };
}
