import { lineChart, PALETTE } from './chart.js';

const API = 'api/v1';
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const view = document.getElementById('view');
let leave = () => {};           // undoes the current view's timers and streams

// ---- small helpers -------------------------------------------------------------------------------------------
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'style') node.style.cssText = v;   // through the CSSOM: CSP refuses style attributes
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : String(c ?? ''));
  return node;
}
const pct = v => v == null ? '–' : (100 * v).toFixed(2) + ' %';
const num = (v, d = 0) => v == null ? '–' : Number(v).toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
const duration = s => s == null ? '–' : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(2)} h`;
const shortId = id => id.slice(0, 8);

function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

// The API key (when the service requires one) stays in this tab's session storage and goes out as X-API-Key.
const keyInput = document.getElementById('api-key');
keyInput.value = sessionStorage.getItem('cnn-api-key') || '';
keyInput.addEventListener('change', () => { sessionStorage.setItem('cnn-api-key', keyInput.value.trim()); route(); });
function withKey(headers = {}) {
  const key = sessionStorage.getItem('cnn-api-key');
  return key ? { ...headers, 'X-API-Key': key } : headers;
}

async function api(path, options = {}) {
  const response = await fetch(`${API}/${path}`, { ...options, headers: withKey(options.headers) });
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
    throw new Error(detail);
  }
  return body;
}
// Every element of a collection: the API answers one page, {items, page, size, total}, at a time.
const PAGE_SIZE = 1000;              // the service's largest page
async function all(path) {
  const items = [];
  for (let page = 0; ; page++) {
    const body = await api(`${path}${path.includes('?') ? '&' : '?'}page=${page}&size=${PAGE_SIZE}`);
    items.push(...body.items);
    if (!body.items.length || items.length >= body.total) return items;
  }
}
const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function stateBadge(state) {
  return h('span', { class: `state ${state}`, 'data-state': state }, state);
}
function progressBar(fraction) {
  return h('span', { class: 'bar', title: pct(fraction) }, h('span', { style: `width:${(100 * (fraction || 0)).toFixed(1)}%` }));
}

// ---- Jobs ----------------------------------------------------------------------------------------------------
async function jobsView() {
  const architectures = await all('architectures');
  const info = h('div', { class: 'arch-info', id: 'arch-info' });
  const select = h('select', { name: 'architecture', id: 'architecture' },
    architectures.map(a => h('option', { value: a.name }, a.name)));
  const field = (name, label, attrs) => h('label', {}, label, h('input', { name, id: name, ...attrs }));
  const learningRate = h('input', { name: 'learningRate', id: 'learningRate', type: 'number', step: 'any', min: '0' });
  const epochs = field('epochs', 'Epochs', { type: 'number', min: 1, max: 1000 });
  const batchSize = field('batchSize', 'Batch size', { type: 'number', min: 1, max: 2048 });
  // the defaults are the chosen network's recipe, as the service publishes it
  const describe = () => {
    const a = architectures.find(x => x.name === select.value);
    info.textContent = `${a.description} — ${num(a.parameterCount)} parameters, ${num(a.macsPerImage / 1e6, 1)} M MACs per image`;
    epochs.querySelector('input').value = a.recipe.epochs;
    batchSize.querySelector('input').value = a.recipe.batchSize;
    learningRate.value = a.recipe.learningRate.initial; // the recipe's start; its decay stays the recipe's
  };
  select.addEventListener('change', describe);
  const form = h('form', { class: 'grid', id: 'submit-form' },
    h('label', {}, 'Architecture', select),
    epochs,
    field('maxSteps', 'Max steps (optional)', { type: 'number', min: 1 }),
    batchSize,
    h('label', {}, 'Learning rate (Adam)', learningRate),
    field('modelName', 'Model name (optional)', { pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,127}' }),
    h('button', { type: 'submit', id: 'submit' }, 'Submit job'),
    info);
  describe();
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const body = { architecture: data.architecture };
    for (const k of ['epochs', 'maxSteps', 'batchSize']) if (data[k]) body[k] = Number(data[k]);
    if (data.learningRate) body.learningRate = Number(data.learningRate);
    if (data.modelName) body.modelName = data.modelName;
    try {
      const job = await api('training-jobs', json('POST', body));
      location.hash = `#/jobs/${job.id}`;
    } catch (e) { toast(e.message); }
  });

  const rows = h('tbody', { id: 'job-rows' });
  view.replaceChildren(
    h('section', { class: 'card' }, h('h2', {}, 'New training job'), form),
    h('section', { class: 'card' }, h('h2', {}, 'Jobs'),
      h('table', { id: 'jobs' }, h('thead', {}, h('tr', {},
        ['Job', 'Architecture', 'Model', 'State', 'Progress', 'Epoch', 'img/s', 'ETA', 'Best test acc.', '']
          .map(t => h('th', {}, t)))), rows)));

  async function refresh() {
    try {
      const page = await api('training-jobs?size=50');
      rows.replaceChildren(...page.items.map(j => h('tr', { 'data-job-id': j.id },
        h('td', {}, h('a', { href: `#/jobs/${j.id}` }, shortId(j.id))),
        h('td', {}, j.architecture), h('td', {}, j.modelName), h('td', {}, stateBadge(j.state)),
        h('td', {}, progressBar(j.progress), ' ', pct(j.progress)), h('td', { class: 'num' }, j.epoch),
        h('td', { class: 'num' }, num(j.imagesPerSecond)), h('td', { class: 'num' }, duration(j.etaSeconds)),
        h('td', { class: 'num' }, pct(j.bestTestAccuracy)),
        h('td', {}, FINAL.has(j.state) ? '' : h('button', { class: 'secondary', onclick: () => cancel(j.id) }, 'Cancel')))));
      if (!page.items.length) rows.replaceChildren(h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'No jobs yet.')));
    } catch (e) { toast(e.message); }
  }
  async function cancel(id) {
    try { await api(`training-jobs/${id}/cancel`, { method: 'POST' }); refresh(); } catch (e) { toast(e.message); }
  }
  await refresh();
  const timer = setInterval(refresh, 2000);
  return () => clearInterval(timer);
}

// ---- One run -------------------------------------------------------------------------------------------------
async function runView(id) {
  const job = await api(`training-jobs/${id}`);
  const epochs = new Map();          // epoch number -> metrics, whether from history or the stream
  const liveLoss = [];
  const header = h('div', { id: 'run-header' });
  const lossDiv = h('div', { id: 'loss-chart' }), accDiv = h('div', { id: 'accuracy-chart' });
  const epochRows = h('tbody', { id: 'epoch-rows' }), checkpointRows = h('tbody', { id: 'checkpoint-rows' });
  view.replaceChildren(
    h('section', { class: 'card' }, header),
    h('section', { class: 'card charts' }, lossDiv, accDiv),
    h('section', { class: 'card' }, h('h2', {}, 'Epochs ', h('a', { href: `${API}/training-jobs/${id}/metrics`, type: 'text/csv',
      onclick: e => { e.preventDefault(); download(`${API}/training-jobs/${id}/metrics`, `${id}-metrics.csv`); } }, '(CSV)')),
      h('table', {}, h('thead', {}, h('tr', {}, ['Epoch', 'Step', 'Train loss', 'Train acc.', 'Test loss', 'Test acc.',
        'img/s', 'Seconds', 'Data wait', 'Learning rate'].map(t => h('th', { class: 'num' }, t)))), epochRows)),
    h('section', { class: 'card' }, h('h2', {}, 'Checkpoints'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Step', 'Epoch', 'Test acc.', 'Size', 'sha256', 'Best', 'Created']
        .map(t => h('th', {}, t)))), checkpointRows)));
  const loss = lineChart(lossDiv, { title: 'Loss', xLabel: 'step', yLabel: 'cross-entropy', yMin: 0 });
  const accuracy = lineChart(accDiv, { title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', yMin: 0, yMax: 1 });

  let current = job;
  function drawHeader(live = {}) {
    const j = current;
    header.replaceChildren(
      h('h2', {}, `${j.architecture} → ${j.modelName} `, stateBadge(j.state)),
      j.model ? h('p', { id: 'run-model' }, 'Became ', h('a', { href: '#/models', 'data-model': j.model.name },
        `${j.model.name} version ${j.model.version}`)) : '',
      h('div', {}, progressBar(j.progress), ` ${pct(j.progress)} · epoch ${live.epoch ?? j.epoch} · step ${num(live.step ?? j.step)}`,
        j.totalSteps ? ` of ${num(j.totalSteps)}` : '', ` · ${num(live.imagesPerSecond ?? j.imagesPerSecond)} img/s`,
        ` · ETA ${duration(live.etaSeconds ?? j.etaSeconds)}`, live.loss != null ? ` · loss ${live.loss.toFixed(4)}` : ''),
      j.error ? h('p', { class: 'muted' }, `Error: ${j.error}`) : '',
      FINAL.has(j.state) ? '' : h('button', { class: 'secondary', id: 'cancel', onclick: async () => {
        try { current = await api(`training-jobs/${id}/cancel`, { method: 'POST' }); drawHeader(); } catch (e) { toast(e.message); }
      } }, 'Cancel'));
  }
  function drawCurves() {
    const list = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
    loss.update([
      { name: 'train loss (live)', points: liveLoss, hidePoints: true, color: '#93c5fd' },
      { name: 'train loss', points: list.map(e => [e.step, e.trainLoss]), color: PALETTE[0] },
      { name: 'test loss', points: list.map(e => [e.step, e.testLoss]), color: PALETTE[1] }]);
    accuracy.update([
      { name: 'train accuracy', points: list.map(e => [e.epoch, e.trainAccuracy]), color: PALETTE[0] },
      { name: 'test accuracy', points: list.map(e => [e.epoch, e.testAccuracy]), color: PALETTE[1] }]);
    epochRows.replaceChildren(...list.map(e => h('tr', {}, [e.epoch, num(e.step), e.trainLoss.toFixed(4), pct(e.trainAccuracy),
      e.testLoss.toFixed(4), pct(e.testAccuracy), num(e.imagesPerSecond), num(e.seconds, 1), pct(e.dataWaitShare),
      e.learningRate.toPrecision(3)].map(v => h('td', { class: 'num' }, v)))));
  }
  async function loadCheckpoints() {
    const list = await all(`training-jobs/${id}/checkpoints`);
    checkpointRows.replaceChildren(...list.map(c => h('tr', {}, h('td', {}, num(c.step)), h('td', {}, c.epoch),
      h('td', {}, pct(c.testAccuracy)), h('td', {}, `${num(c.sizeBytes / 1e6, 1)} MB`),
      h('td', { title: c.sha256 }, c.sha256.slice(0, 12)), h('td', {}, c.best ? '★' : ''), h('td', {}, c.createdAt))));
  }

  drawHeader();
  for (const e of await all(`training-jobs/${id}/metrics`)) epochs.set(e.epoch, e);
  drawCurves();
  await loadCheckpoints();
  if (FINAL.has(job.state)) return () => {};

  const stream = eventStream(`${API}/training-jobs/${id}/events`);
  stream.addEventListener('progress', m => {
    const p = JSON.parse(m.data);
    if (p.loss != null) liveLoss.push([p.step, p.loss]);
    drawHeader(p);
    drawCurves();
  });
  stream.addEventListener('epoch', m => {
    const e = JSON.parse(m.data);
    epochs.set(e.epoch, e);
    drawCurves();
    loadCheckpoints().catch(err => toast(err.message));
  });
  // the state event carries no model version; the job resource names it once registration (just after) is done
  let modelTimer;
  async function showModel(tries) {
    try { current = await api(`training-jobs/${id}`); drawHeader(); } catch (e) { toast(e.message); return; }
    if (!current.model && tries > 1) modelTimer = setTimeout(() => showModel(tries - 1), 1000);
  }
  stream.addEventListener('state', m => {
    current = JSON.parse(m.data);
    drawHeader();
    if (FINAL.has(current.state)) {
      stream.close();
      loadCheckpoints().catch(err => toast(err.message));
      if (current.state === 'SUCCEEDED') showModel(3);
    }
  });
  return () => { stream.close(); clearTimeout(modelTimer); };
}

/**
 * Server-sent events read with fetch (EventSource cannot send the API key header); same listener API. The server
 * ends a stream after a few minutes; it is reopened after the delay the stream's retry field asks for.
 */
function eventStream(url) {
  const target = new EventTarget();
  const abort = new AbortController();
  let retry = 3000;
  async function read() {
    const response = await fetch(url, { headers: withKey({ Accept: 'text/event-stream' }), signal: abort.signal });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          else if (line.startsWith('retry:')) retry = Number(line.slice(6).trim()) || retry;
        }
        if (data.length) target.dispatchEvent(new MessageEvent(name, { data: data.join('\n') }));
      }
    }
  }
  (async () => {
    while (!abort.signal.aborted) {
      await read();
      if (!abort.signal.aborted) await new Promise(resolve => setTimeout(resolve, retry));
    }
  })().catch(e => { if (e.name !== 'AbortError') toast(`live updates stopped: ${e.message}`); });
  return { addEventListener: (n, f) => target.addEventListener(n, f), close: () => abort.abort() };
}

async function download(url, name) {
  const response = await fetch(url, { headers: withKey({ Accept: 'text/csv' }) });
  if (!response.ok) { toast(`${response.status} ${response.statusText}`); return; }
  const link = h('a', { href: URL.createObjectURL(await response.blob()), download: name });
  link.click();
  URL.revokeObjectURL(link.href);
}

// ---- Compare -------------------------------------------------------------------------------------------------
async function compareView(query) {
  const preselected = new Set((query.get('jobs') || '').split(',').filter(Boolean));
  const targets = (query.get('at') || '60,70').split(',').map(Number).filter(t => t > 0 && t <= 100).slice(0, 6);
  const page = await api('training-jobs?size=100');
  const boxes = page.items.map(j => h('label', { style: 'flex-direction:row;gap:6px;align-items:center' },
    h('input', { type: 'checkbox', value: j.id, checked: preselected.has(j.id), 'data-job-id': j.id }),
    `${shortId(j.id)} ${j.architecture} (${j.state}, best ${pct(j.bestTestAccuracy)})`));
  const at = h('input', { id: 'thresholds', value: targets.join(','), size: 12, 'aria-label': 'test accuracies, %' });
  const result = h('div', { id: 'comparison' });
  view.replaceChildren(
    h('section', { class: 'card' }, h('h2', {}, 'Pick runs to compare'),
      h('div', { class: 'grid', style: 'display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:4px' }, boxes),
      h('p', {}, 'Time to reach test accuracy (%): ', at, ' ', h('button', { id: 'compare', onclick: () => {
        const ids = boxes.map(b => b.querySelector('input')).filter(i => i.checked).map(i => i.value);
        location.hash = `#/compare?jobs=${ids.join(',')}&at=${encodeURIComponent(at.value.replace(/\s/g, ''))}`;
      } }, 'Compare'))),
    result);
  if (!preselected.size) return () => {};

  const ids = [...preselected].join(',');
  const keys = targets.map(t => String(t / 100));   // the service keys thresholds as they were sent
  const question = `comparisons?jobs=${ids}&thresholds=${keys.join(',')}`;
  const rows = await all(question);
  const chartDiv = h('div', { id: 'compare-chart' });
  result.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'Side by side ',
    h('a', { href: '#', onclick: e => { e.preventDefault(); download(`${API}/${question}`, 'comparison.csv'); } }, '(CSV)')),
    h('table', { id: 'comparison-table' }, h('thead', {}, h('tr', {}, ['Job', 'Architecture', 'Parameters', 'MACs/image',
      'Train img/s', 'Wall time', 'Epochs done', 'Acc. @1', 'Acc. @5', 'Acc. @10', 'Final test acc.', 'Best',
      ...targets.map(t => `To ${t} %`)].map(t => h('th', { class: 'num' }, t)))),
      h('tbody', {}, rows.map(r => h('tr', { 'data-job-id': r.jobId }, [h('a', { href: `#/jobs/${r.jobId}` }, shortId(r.jobId)),
        r.architecture, num(r.parameterCount), num(r.macsPerImage), num(r.imagesPerSecond), duration(r.wallSeconds), r.epochsCompleted,
        pct(r.accuracyAtEpoch['1']), pct(r.accuracyAtEpoch['5']), pct(r.accuracyAtEpoch['10']), pct(r.finalTestAccuracy),
        pct(r.bestTestAccuracy), ...keys.map(k => r.secondsToAccuracy[k] == null ? 'never' : duration(r.secondsToAccuracy[k]))]
        .map(v => h('td', { class: 'num' }, v)))))),
    chartDiv));
  lineChart(chartDiv, { title: 'Test accuracy vs wall time', xLabel: 'minutes', yLabel: 'test accuracy', yMin: 0, yMax: 1,
    width: 1000, height: 340 })
    .update(rows.map(r => ({ name: `${r.architecture} ${shortId(r.jobId)}`,
      points: r.curve.map(p => [p.elapsedSeconds / 60, p.testAccuracy]) })));
  return () => {};
}

// ---- Models --------------------------------------------------------------------------------------------------
async function modelsView() {
  const models = await all('models');
  const list = h('div', { id: 'models' });
  const select = h('select', { id: 'classify-model' }, models.map(m => h('option', { value: m.name }, m.name)));
  const file = h('input', { type: 'file', id: 'image-file', accept: 'image/*' });
  const drop = h('div', { class: 'drop', id: 'drop' }, 'Drop an image here, paste one, or choose a file: ', file);
  const output = h('div', { class: 'predictions', id: 'predictions' });

  for (const m of models) {
    list.append(h('h3', {}, `${m.name} `, h('span', { class: 'muted' }, `(serves version ${m.defaultVersion} by default)`)),
      h('table', { 'data-model': m.name }, h('thead', {}, h('tr', {}, ['Version', 'Architecture', 'Source', 'Test acc.',
        'Parameters', 'Aliases', 'Created', ''].map(t => h('th', {}, t)))),
        h('tbody', {}, m.versions.map(v => h('tr', {}, h('td', {}, v.version), h('td', {}, v.architecture),
          h('td', {}, v.jobId ? h('a', { href: `#/jobs/${v.jobId}` }, v.source) : v.source), h('td', {}, pct(v.testAccuracy)),
          h('td', {}, num(v.parameterCount)), h('td', {}, v.aliases.join(', ')), h('td', {}, v.createdAt),
          h('td', {}, v.aliases.includes('production') ? '' : h('button', { class: 'secondary', onclick: () => promote(m.name, v.version) },
            'Promote to production')))))));
  }
  if (!models.length) list.append(h('p', { class: 'muted' }, 'No models yet: a job that succeeds registers one.'));

  async function promote(name, version) {
    try { await api(`models/${name}/aliases/production`, json('PUT', { version })); route(); } catch (e) { toast(e.message); }
  }
  async function classify(blob) {
    if (!select.value) { toast('No model to classify with'); return; }
    const form = new FormData();
    form.append('file', blob, blob.name || 'image');
    const preview = h('img', { class: 'preview', alt: 'uploaded image', src: URL.createObjectURL(blob) });
    try {
      const result = await api(`models/${encodeURIComponent(select.value)}/classify?topK=5`, { method: 'POST', body: form });
      output.replaceChildren(h('p', {}, preview), h('p', { class: 'muted' }, `${result.modelName} version ${result.version}`),
        ...result.predictions[0].map(p => h('div', { class: 'prediction', 'data-label': p.label },
          h('span', {}, p.label), h('span', {}, h('div', { class: 'p', style: `width:${(100 * p.probability).toFixed(1)}%` })),
          h('span', { class: 'num' }, pct(p.probability)))));
    } catch (e) { output.replaceChildren(h('p', { class: 'muted' }, `Refused: ${e.message}`)); toast(e.message); }
  }
  file.addEventListener('change', () => file.files[0] && classify(file.files[0]));
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); if (e.dataTransfer.files[0]) classify(e.dataTransfer.files[0]); });
  const onPaste = e => { const item = [...e.clipboardData.items].find(i => i.type.startsWith('image/')); if (item) classify(item.getAsFile()); };
  document.addEventListener('paste', onPaste);

  view.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'Models'), list),
    h('section', { class: 'card' }, h('h2', {}, 'Try a model'), h('label', {}, 'Model', select), h('p'), drop, output));
  return () => document.removeEventListener('paste', onPaste);
}

// ---- Routing -------------------------------------------------------------------------------------------------
let generation = 0;
async function route() {
  leave();
  leave = () => {};
  const mine = ++generation;
  const [path, queryString] = (location.hash.slice(1) || '/jobs').split('?');
  const parts = path.split('/').filter(Boolean);
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.dataset.view === parts[0]));
  try {
    const undo = parts[0] === 'jobs' && parts[1] ? await runView(parts[1])
      : parts[0] === 'compare' ? await compareView(new URLSearchParams(queryString))
      : parts[0] === 'models' ? await modelsView()
      : await jobsView();
    if (mine === generation) leave = undo; else undo(); // the user moved on while this view was loading
  } catch (e) {
    view.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'Could not load this page'), h('p', {}, e.message)));
  }
  document.body.dataset.view = parts[0] || 'jobs';
}
window.addEventListener('hashchange', route);
route();
