// explorer.js - the API Explorer's place in the console: a placeholder
// until the Explorer itself (the four job operations as forms, the call
// and its sample code) takes this file over.  render(root, ctx) with
// ctx = {api, projectId, user, openapi(), params, arg, navigate}.
import { el } from '../ui.js';

export async function render(root) {
  document.title = 'API Explorer - wksjobs console';
  root.append(el('h1', {}, 'API Explorer'),
    el('p', {}, 'The API Explorer is not part of this build yet.'));
}
