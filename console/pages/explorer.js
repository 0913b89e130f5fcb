// pages/explorer.js - the console's API Explorer: pick one of the four
// job operations, fill a form built from the OpenAPI document (types,
// enums and bounds checked before sending), press "Send" to make the
// call with the session's credentials, and see the request (credentials
// masked) and the answer; beside it the same call as Python SDK, CLI and
// curl samples.  Every value is put in the page as text.
import { OPERATIONS, buildForm, buildRequest, describeField, readValues } from '../explorer/form.js';
import { samples } from '../explorer/samples.js';
import { headerLines, maskHeaders, prettyBody, requestPreview } from '../explorer/show.js';

// An element with attributes (class, id, for, type, ...) and children
// (strings become text nodes).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false)
      continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null)
      continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

const SAMPLE_TITLES = [['python', 'Python SDK'], ['cli', 'wksjobs CLI'], ['curl', 'curl']];

// The input of one field: a select for enums, a textarea for lists, a
// number or text input otherwise.
function fieldInput(f, id, hintId, value) {
  const common = { id, name: f.name, 'aria-describedby': hintId, 'aria-required': f.required ? 'true' : undefined };
  if (f.enum) {
    const s = el('select', common);
    if (!f.required)
      s.append(el('option', { value: '' }, '(none)'));
    for (const v of f.enum)
      s.append(el('option', { value: v }, v));
    s.value = value ?? (f.required ? f.enum[0] : '');
    return s;
  }
  if (f.type === 'array') {
    const t = el('textarea', { ...common, rows: 3, spellcheck: 'false' });
    t.value = value ?? '';
    return t;
  }
  const attrs = { ...common, type: f.type === 'integer' ? 'number' : 'text', spellcheck: 'false', autocomplete: 'off' };
  if (f.type === 'integer') {
    attrs.inputmode = 'numeric';
    attrs.step = 1;
    if (f.minimum !== undefined)
      attrs.min = f.minimum;
    if (f.maximum !== undefined)
      attrs.max = f.maximum;
  }
  const i = el('input', attrs);
  i.value = value ?? '';
  return i;
}

export async function render(root, ctx) {
  root.replaceChildren(el('h1', {}, 'API Explorer'), el('p', { role: 'status' }, 'Loading the API description…'));
  let doc;
  try {
    doc = await ctx.openapi();
  } catch (e) {
    root.replaceChildren(el('h1', {}, 'API Explorer'),
      el('p', { role: 'alert' }, `The API description (GET /openapi.json) could not be read: ${e.message}`));
    return;
  }
  const origin = typeof location !== 'undefined' ? location.origin : '';
  const state = { form: null, inputs: new Map(), errs: new Map() };

  const picker = el('select', { id: 'explorer-operation', name: 'operation' },
    OPERATIONS.map((op) => {
      const f = buildForm(doc, op);
      return el('option', { value: op }, `${op} — ${f.method} ${f.template}`);
    }));
  const summary = el('p', { class: 'explorer-summary' });
  const fieldsBox = el('div', { class: 'explorer-fields' });
  const formErr = el('p', { class: 'explorer-error', role: 'alert' });
  const send = el('button', { type: 'submit' }, 'Send');
  const form = el('form', { class: 'explorer-form', novalidate: true, 'aria-label': 'Request parameters' },
    el('p', {}, el('label', { for: 'explorer-operation' }, 'Operation'), ' ', picker),
    summary, fieldsBox, formErr, el('p', {}, send));

  const reqOut = el('pre', { class: 'explorer-request', role: 'region', tabindex: '0', 'aria-label': 'Request sent' });
  const status = el('p', { class: 'explorer-status', role: 'status' });
  const respHeaders = el('pre', { class: 'explorer-response-headers', role: 'region', tabindex: '0', 'aria-label': 'Response headers' });
  const respBody = el('pre', { class: 'explorer-response-body', role: 'region', tabindex: '0', 'aria-label': 'Response body' });
  const result = el('section', { class: 'explorer-result', 'aria-labelledby': 'explorer-result-h' },
    el('h2', { id: 'explorer-result-h' }, 'Call'),
    el('h3', {}, 'Request'), reqOut,
    el('h3', {}, 'Response'), status,
    el('h4', {}, 'Headers'), respHeaders,
    el('h4', {}, 'Body'), respBody);

  const sampleOut = {};
  const sampleBox = el('aside', { class: 'explorer-samples', 'aria-labelledby': 'explorer-samples-h' },
    el('h2', { id: 'explorer-samples-h' }, 'The same call in code'));
  for (const [key, title] of SAMPLE_TITLES) {
    const code = el('code', {});
    sampleOut[key] = code;
    const copied = el('span', { class: 'explorer-copied', role: 'status' });
    const copy = el('button', { type: 'button', 'aria-label': `Copy the ${title} sample` }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(code.textContent);
        copied.textContent = 'Copied.';
      } catch {
        copied.textContent = 'Copying was refused: select the text instead.';
      }
    });
    sampleBox.append(el('section', { class: 'explorer-sample' },
      el('h3', {}, title), el('pre', { role: 'region', tabindex: '0', 'aria-label': `${title} sample` }, code), copy, ' ', copied));
  }

  root.replaceChildren(el('h1', {}, 'API Explorer'),
    el('div', { class: 'explorer' }, el('div', { class: 'explorer-main' }, form, result), sampleBox));

  // The typed values of the form, and its errors shown beside each field.
  const read = (show) => {
    const raw = {};
    for (const [name, input] of state.inputs)
      raw[name] = input.value;
    const r = readValues(state.form, raw);
    if (show) {
      for (const [name, box] of state.errs) {
        const msg = r.errors[name];
        box.textContent = msg ? `${name} ${msg}.` : '';
        const input = state.inputs.get(name);
        if (msg)
          input.setAttribute('aria-invalid', 'true');
        else
          input.removeAttribute('aria-invalid');
      }
      formErr.textContent = r.formErrors.join(' ');
    }
    return r;
  };

  const refreshSamples = () => {
    const { values } = read(false);
    const s = samples(state.form.operationId, values, { endpoint: origin, projectId: ctx.projectId });
    for (const [key] of SAMPLE_TITLES)
      sampleOut[key].textContent = s[key];
  };

  const pick = (op) => {
    state.form = buildForm(doc, op);
    state.inputs.clear();
    state.errs.clear();
    summary.textContent = state.form.summary;
    const groups = [['path', 'Path parameters'], ['query', 'Query parameters'], ['body', 'Body (JSON)']];
    const boxes = [];
    for (const [where, legend] of groups) {
      const fs = state.form.fields.filter((f) => f.in === where);
      if (fs.length === 0)
        continue;
      const set = el('fieldset', {}, el('legend', {}, legend));
      for (const f of fs) {
        const id = `explorer-${where}-${f.name}`;
        const hintId = `${id}-hint`;
        const errId = `${id}-error`;
        const start = f.name === 'project_id' ? ctx.projectId : undefined;
        const input = fieldInput(f, id, `${hintId} ${errId}`, start);
        input.addEventListener('input', refreshSamples);
        input.addEventListener('change', refreshSamples);
        const err = el('span', { id: errId, class: 'explorer-field-error' });
        const hint = el('span', { id: hintId, class: 'explorer-hint' },
          describeField(f) + (f.description ? `. ${f.description}` : ''));
        set.append(el('p', { class: 'explorer-field' },
          el('label', { for: id }, f.name), ' ', input, ' ', hint, ' ', err));
        state.inputs.set(f.name, input);
        state.errs.set(f.name, err);
      }
      boxes.push(set);
    }
    if (state.form.oneOf)
      boxes.push(el('p', { class: 'explorer-hint' },
        `Exactly one of ${state.form.oneOf.map((b) => b.join(' + ')).join(' and ')}.`));
    fieldsBox.replaceChildren(...boxes);
    formErr.textContent = '';
    refreshSamples();
  };

  picker.addEventListener('change', () => pick(picker.value));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = read(true);
    if (!r.ok) {
      status.textContent = 'Not sent: correct the fields marked above.';
      const bad = [...state.inputs].find(([name]) => r.errors[name]);
      if (bad)
        bad[1].focus();
      return;
    }
    const req = buildRequest(state.form, r.values);
    const pre = requestPreview(req, origin);
    reqOut.textContent = `${pre.method} ${pre.url}\n${headerLines(pre.headers)}` +
      (req.body !== undefined ? `\n\n${prettyBody(req.body)}` : '');
    status.textContent = 'Sending…';
    respHeaders.textContent = '';
    respBody.textContent = '';
    send.disabled = true;
    try {
      const res = await ctx.api(req.method, req.url, req.body !== undefined ? { body: req.body } : {});
      status.textContent = `Status ${res.status}`;
      respHeaders.textContent = headerLines(maskHeaders(res.headers));
      respBody.textContent = prettyBody(res.body);
    } catch (e) {
      status.textContent = `The call failed: ${e.message}`;
    } finally {
      send.disabled = false;
    }
  });

  picker.value = OPERATIONS[0];
  pick(OPERATIONS[0]);
}
