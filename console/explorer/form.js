// explorer/form.js - the API Explorer's form, derived from the OpenAPI
// document (GET /openapi.json): the fields of one job operation with
// their types and bounds, the checks of what a user typed into them, and
// the request those values make.  Pure functions, no DOM: the page and
// the tests (node) import the same code.

// The operations the explorer offers (docs/API.md#listitasubjobs and the
// three after it).
export const OPERATIONS = ['ListItaSubJobs', 'ShowJob', 'RunActionsOnWorkspaceJob', 'BatchDeleteSubJobs'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const BOUNDS = ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems'];

// obj with its local "$ref" followed (siblings of the $ref win, as in
// OpenAPI 3.1), until no $ref is left.
export function deref(doc, obj) {
  let o = obj;
  for (let i = 0; o && o.$ref && i < 32; i++) {
    const { $ref, ...rest } = o;
    let t = doc;
    for (const seg of $ref.replace(/^#\//, '').split('/'))
      t = t?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (t === undefined)
      throw new Error(`openapi: dangling $ref ${$ref}`);
    o = { ...t, ...rest };
  }
  return o;
}

// { method, template, op } of operationId, or throws.
export function findOperation(doc, operationId) {
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const m of METHODS) {
      if (item[m]?.operationId === operationId)
        return { method: m.toUpperCase(), template, op: item[m] };
    }
  }
  throw new Error(`openapi: no operation ${operationId}`);
}

// One field of the form from a schema: type, enum and bounds.
function field(doc, name, where, schema, extra) {
  const s = deref(doc, schema ?? {});
  const f = { name, in: where, type: s.type ?? 'string', required: false, ...extra };
  if (s.enum)
    f.enum = [...s.enum];
  if (s.default !== undefined)
    f.default = s.default;
  if (!f.description && s.description)
    f.description = s.description;
  for (const b of BOUNDS) {
    if (s[b] !== undefined)
      f[b] = s[b];
  }
  if (f.type === 'array')
    f.items = field(doc, name, where, s.items, {});
  return f;
}

/*
 * The form of operationId: { operationId, method, template, summary,
 * fields, oneOf }.  fields: the path, query and body parameters, in the
 * document's order (header parameters are left out: the console sends
 * its own); each { name, in, type, required, enum?, default?,
 * description?, minimum?, maximum?, minLength?, maxLength?, minItems?,
 * maxItems?, items? }.  oneOf: for a body that needs exactly one of
 * several members, the lists of their names; else null.
 */
export function buildForm(doc, operationId) {
  const { method, template, op } = findOperation(doc, operationId);
  const fields = [];
  for (const p of op.parameters ?? []) {
    const prm = deref(doc, p);
    if (prm.in !== 'path' && prm.in !== 'query')
      continue;
    fields.push(field(doc, prm.name, prm.in, prm.schema, {
      required: prm.in === 'path' || prm.required === true,
      ...(prm.description ? { description: prm.description } : {}),
    }));
  }
  let oneOf = null;
  const rb = op.requestBody && deref(doc, op.requestBody);
  const schema = rb?.content?.['application/json']?.schema;
  if (schema) {
    const s = deref(doc, schema);
    const required = new Set(s.required ?? []);
    for (const [name, ps] of Object.entries(s.properties ?? {})) {
      fields.push(field(doc, name, 'body', ps, {
        required: required.has(name),
        ...(ps.description ? { description: ps.description } : {}),
      }));
    }
    if (Array.isArray(s.oneOf) && s.oneOf.every((b) => Array.isArray(b.required)))
      oneOf = s.oneOf.map((b) => [...b.required]);
  }
  return { operationId, method, template, summary: op.summary ?? '', fields, oneOf, hasBody: Boolean(schema) };
}

// A short text of a field's type and bounds, for the hint under it.
export function describeField(f) {
  const parts = [];
  const t = f.type === 'array' ? `list of ${f.items.type}s, one per line` : f.type;
  parts.push(f.required ? `${t}, required` : t);
  if (f.enum)
    parts.push(`one of ${f.enum.join(', ')}`);
  const range = (lo, hi, unit) => {
    if (lo !== undefined && hi !== undefined)
      parts.push(`${lo}..${hi}${unit}`);
    else if (lo !== undefined)
      parts.push(`at least ${lo}${unit}`);
    else if (hi !== undefined)
      parts.push(`at most ${hi}${unit}`);
  };
  range(f.minimum, f.maximum, '');
  range(f.minLength, f.maxLength, ' characters');
  range(f.minItems, f.maxItems, ' values');
  if (f.type === 'array' && f.items) {
    if (f.items.enum)
      parts.push(`each one of ${f.items.enum.join(', ')}`);
    if (f.items.maxLength !== undefined)
      parts.push(`each at most ${f.items.maxLength} characters`);
  }
  if (f.default !== undefined)
    parts.push(`default ${f.default}`);
  return parts.join('; ');
}

// One scalar checked against f: { value } or { error }.
function scalar(f, text) {
  if (f.type === 'integer') {
    if (!/^-?[0-9]+$/.test(text))
      return { error: 'must be a whole number' };
    const n = Number(text);
    if (f.minimum !== undefined && f.maximum !== undefined && (n < f.minimum || n > f.maximum))
      return { error: `must be between ${f.minimum} and ${f.maximum}` };
    if (f.minimum !== undefined && n < f.minimum)
      return { error: `must be at least ${f.minimum}` };
    if (f.maximum !== undefined && n > f.maximum)
      return { error: `must be at most ${f.maximum}` };
    return { value: n };
  }
  if (f.type === 'boolean') {
    if (text !== 'true' && text !== 'false')
      return { error: 'must be true or false' };
    return { value: text === 'true' };
  }
  if (f.enum && !f.enum.includes(text))
    return { error: `must be one of ${f.enum.join(', ')}` };
  const len = [...text].length;
  if (f.minLength !== undefined && len < f.minLength)
    return { error: `must be at least ${f.minLength} characters` };
  if (f.maxLength !== undefined && len > f.maxLength)
    return { error: `must be at most ${f.maxLength} characters (it has ${len})` };
  return { value: text };
}

// The lines of an array field's text, blank ones dropped.
export function splitLines(text) {
  return String(text ?? '').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
}

/*
 * Check what was typed (raw: { name: text }, arrays one value per line)
 * against form: { values: { path, query, body }, errors: { name: message },
 * formErrors: [message], ok }.  values holds the fields that are valid,
 * typed (integers as numbers, arrays as arrays); an empty field is left
 * out.
 */
export function readValues(form, raw) {
  const values = { path: {}, query: {}, body: {} };
  const errors = {};
  for (const f of form.fields) {
    const text = String(raw[f.name] ?? '');
    if (f.type === 'array') {
      const items = splitLines(text);
      if (items.length === 0) {
        if (f.required)
          errors[f.name] = 'is required';
        continue;
      }
      if (f.maxItems !== undefined && items.length > f.maxItems) {
        errors[f.name] = `takes at most ${f.maxItems} values (it has ${items.length})`;
        continue;
      }
      if (f.minItems !== undefined && items.length < f.minItems) {
        errors[f.name] = `takes at least ${f.minItems} values`;
        continue;
      }
      const out = [];
      for (const [i, it] of items.entries()) {
        const r = scalar(f.items, it);
        if (r.error) {
          errors[f.name] = `value ${i + 1} ${r.error}`;
          break;
        }
        out.push(r.value);
      }
      if (!errors[f.name])
        values[f.in][f.name] = out;
      continue;
    }
    const t = f.in === 'body' || f.in === 'path' ? text.trim() : text;
    if (t === '') {
      if (f.required)
        errors[f.name] = 'is required';
      continue;
    }
    const r = scalar(f, t);
    if (r.error)
      errors[f.name] = r.error;
    else
      values[f.in][f.name] = r.value;
  }
  const formErrors = [];
  if (form.oneOf) {
    const given = (names) => names.every((n) => values.body[n] !== undefined || errors[n]);
    const n = form.oneOf.filter(given).length;
    if (n !== 1) {
      const names = form.oneOf.map((b) => b.join(' + '));
      formErrors.push(`Give exactly one of ${names.join(' and ')}.`);
    }
  }
  const ok = Object.keys(errors).length === 0 && formErrors.length === 0;
  return { values, errors, formErrors, ok };
}

// The query string of values.query in the form's order (arrays repeat
// their name), without the "?".
export function queryString(form, query) {
  const parts = [];
  const enc = encodeURIComponent;
  for (const f of form.fields) {
    if (f.in !== 'query' || query[f.name] === undefined)
      continue;
    for (const v of [].concat(query[f.name]))
      parts.push(`${enc(f.name)}=${enc(String(v))}`);
  }
  return parts.join('&');
}

/*
 * The request of values: { method, path, url, body }: path with its
 * parameters filled in (each encoded), url = path and query string, body
 * the object to send as JSON (undefined when the operation has none).
 */
export function buildRequest(form, values) {
  const path = form.template.replace(/\{([^}]+)\}/g,
    (_, n) => encodeURIComponent(String(values.path[n] ?? '')));
  const qs = queryString(form, values.query);
  const body = form.hasBody ? { ...values.body } : undefined;
  return { method: form.method, path, url: qs ? `${path}?${qs}` : path, body };
}
