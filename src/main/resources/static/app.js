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
  let architectures = await all('architectures');
  // data sets and models come from endpoints a service may not have yet: without them the form is CIFAR-10's
  const datasets = await all('datasets').catch(() => []);
  const models = await all('models').catch(() => []);
  const datasetNames = new Map(datasets.map(d => [d.id, d.name]));
  const info = h('div', { class: 'arch-info', id: 'arch-info' });
  const select = h('select', { name: 'architecture', id: 'architecture' },
    architectures.map(a => h('option', { value: a.name }, a.name)));
  const dataset = h('select', { name: 'dataset', id: 'dataset' },
    (datasets.length ? datasets : [{ id: 'cifar10', name: 'CIFAR-10', classes: Array(10) }])
      .map(d => h('option', { value: d.id }, `${d.name} (${d.classes.length} classes)`)));
  const initModel = h('select', { name: 'initModel', id: 'initFrom-model' },
    h('option', { value: '' }, 'none: random weights'), models.map(m => h('option', { value: m.name }, m.name)));
  const initVersion = h('select', { name: 'initVersion', id: 'initFrom-version', disabled: true },
    h('option', { value: '' }, 'default version'));
  const freeze = h('input', { type: 'checkbox', name: 'freeze', id: 'freeze', disabled: true });
  initModel.addEventListener('change', async () => {
    initVersion.replaceChildren(h('option', { value: '' }, 'default version'));
    initVersion.disabled = freeze.disabled = !initModel.value;
    if (!initModel.value) { freeze.checked = false; return; }
    try {
      const versions = await all(`models/${encodeURIComponent(initModel.value)}/versions`);
      initVersion.append(...versions.map(v => h('option', { value: v.version },
        `version ${v.version} (${v.architecture}, ${pct(v.testAccuracy)})`)));
    } catch (e) { toast(e.message); }
  });
  const field = (name, label, attrs) => h('label', {}, label, h('input', { name, id: name, ...attrs }));
  const learningRate = h('input', { name: 'learningRate', id: 'learningRate', type: 'number', step: 'any', min: '0' });
  const epochs = field('epochs', 'Epochs', { type: 'number', min: 1, max: 1000 });
  const batchSize = field('batchSize', 'Batch size', { type: 'number', min: 1, max: 2048 });
  // the defaults are the chosen network's recipe, as the service publishes it
  const describe = () => {
    const a = architectures.find(x => x.name === select.value) || architectures[0];
    info.textContent = `${a.description} — ${num(a.parameterCount)} parameters, ${num(a.macsPerImage / 1e6, 1)} M MACs per image`;
    epochs.querySelector('input').value = a.recipe.epochs;
    batchSize.querySelector('input').value = a.recipe.batchSize;
    learningRate.value = a.recipe.learningRate.initial; // the recipe's start; its decay stays the recipe's
  };
  select.addEventListener('change', describe);
  // parameters and MACs depend on the data set's class count; the recipe the user may have edited stays
  dataset.addEventListener('change', async () => {
    try {
      architectures = await all(`architectures?dataset=${encodeURIComponent(dataset.value)}`);
      const a = architectures.find(x => x.name === select.value);
      if (a) info.textContent = `${a.description} — ${num(a.parameterCount)} parameters, ${num(a.macsPerImage / 1e6, 1)} M MACs per image`;
    } catch (e) { /* a service without per-data-set costs: the CIFAR-10 figures stay */ }
  });
  const form = h('form', { class: 'grid', id: 'submit-form' },
    h('label', {}, 'Architecture', select),
    epochs,
    field('maxSteps', 'Max steps (optional)', { type: 'number', min: 1 }),
    batchSize,
    h('label', {}, 'Learning rate (Adam)', learningRate),
    field('modelName', 'Model name (optional)', { pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,127}' }),
    h('label', {}, 'Data set', dataset),
    h('label', {}, 'Fine-tune from (optional)', initModel),
    h('label', {}, 'Version', initVersion),
    h('label', { class: 'check' }, freeze, 'Freeze feature layers'),
    field('patience', 'Early stopping: patience (epochs)', { type: 'number', min: 1, max: 1000 }),
    field('minDelta', 'Early stopping: min. gain', { type: 'number', min: 0, max: 1, step: 'any' }),
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
    // only what differs from the service's defaults: a service without these fields still takes the job
    if (data.dataset && data.dataset !== 'cifar10') body.dataset = data.dataset;
    if (data.initModel) {
      body.initFrom = { model: data.initModel };
      if (data.initVersion) body.initFrom.version = Number(data.initVersion);
      if (freeze.checked) body.freeze = true;
    }
    if (data.patience) {
      body.earlyStopping = { patience: Number(data.patience) };
      if (data.minDelta) body.earlyStopping.minDelta = Number(data.minDelta);
    }
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
        ['Job', 'Architecture', 'Data set', 'Model', 'State', 'Progress', 'Epoch', 'img/s', 'ETA', 'Best test acc.', '']
          .map(t => h('th', {}, t)))), rows)));

  async function refresh() {
    try {
      const page = await api('training-jobs?size=50');
      rows.replaceChildren(...page.items.map(j => h('tr', { 'data-job-id': j.id },
        h('td', {}, h('a', { href: `#/jobs/${j.id}` }, shortId(j.id))),
        h('td', {}, j.architecture), h('td', { class: 'dataset' }, datasetNames.get(j.dataset || 'cifar10') || j.dataset || 'cifar10'),
        h('td', {}, j.modelName, j.initFrom ? h('span', { class: 'muted' }, ` from ${j.initFrom.model} v${j.initFrom.version}`) : '',
          j.parentJob ? h('span', { class: 'muted' }, ' (continued)') : ''),
        h('td', {}, stateBadge(j.state)),
        h('td', {}, progressBar(j.progress), ' ', pct(j.progress)), h('td', { class: 'num' }, j.epoch),
        h('td', { class: 'num' }, num(j.imagesPerSecond)), h('td', { class: 'num' }, duration(j.etaSeconds)),
        h('td', { class: 'num' }, pct(j.bestTestAccuracy)),
        h('td', {}, FINAL.has(j.state) ? '' : h('button', { class: 'secondary', onclick: () => cancel(j.id) }, 'Cancel')))));
      if (!page.items.length) rows.replaceChildren(h('tr', {}, h('td', { colspan: 11, class: 'muted' }, 'No jobs yet.')));
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
  const evaluation = h('section', { class: 'card', id: 'evaluation', hidden: true });
  view.replaceChildren(
    h('section', { class: 'card' }, header),
    h('section', { class: 'card charts' }, lossDiv, accDiv),
    evaluation,
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
      lineage(j),
      j.stopReason ? h('p', { id: 'stop-reason' }, `Stopped early: ${j.stopReason}`) : '',
      j.error ? h('p', { class: 'muted' }, `Error: ${j.error}`) : '',
      FINAL.has(j.state) ? '' : h('button', { class: 'secondary', id: 'cancel', onclick: async () => {
        try { current = await api(`training-jobs/${id}/cancel`, { method: 'POST' }); drawHeader(); } catch (e) { toast(e.message); }
      } }, 'Cancel'),
      j.state === 'SUCCEEDED' || j.state === 'CANCELLED' ? continueForm(j) : '');
  }
  function lineage(j) {
    const parts = [];
    if (j.dataset) parts.push(h('span', { id: 'run-dataset' }, 'data set ', h('a', { href: `#/datasets/${j.dataset}` }, j.dataset)));
    if (j.initFrom) parts.push(h('span', { id: 'run-init-from' }, `fine-tuned from ${j.initFrom.model} version ${j.initFrom.version}`,
      j.freeze ? ' (feature layers frozen)' : ''));
    if (j.earlyStopping) parts.push(`early stopping after ${j.earlyStopping.patience} epochs without a gain above ${j.earlyStopping.minDelta ?? 0}`);
    if (j.parentJob) parts.push(h('span', { id: 'run-parent' }, 'continues ', h('a', { href: `#/jobs/${j.parentJob}` }, shortId(j.parentJob))));
    return parts.length ? h('p', { class: 'muted lineage' }, ...parts.flatMap((p, i) => i ? [' · ', p] : [p])) : '';
  }
  function continueForm(j) {
    const more = h('input', { type: 'number', id: 'continue-epochs', min: 1, max: 1000, value: 5, 'aria-label': 'more epochs' });
    return h('p', { class: 'continue' }, 'Train ', more, ' more epochs from the last checkpoint ',
      h('button', { class: 'secondary', id: 'continue', onclick: async () => {
        try {
          const response = await fetch(`${API}/training-jobs/${j.id}/continue`,
            { ...json('POST', { epochs: Number(more.value) }), headers: withKey({ 'Content-Type': 'application/json' }) });
          const body = (response.headers.get('content-type') || '').includes('json') ? await response.json() : {};
          if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
          const next = body.id || (response.headers.get('Location') || '').split('/').pop();
          location.hash = `#/jobs/${next}`;
        } catch (e) { toast(e.message); }
      } }, 'Continue'));
  }
  // the confusion matrix of the last evaluated epoch; a service without it (404 until an epoch is evaluated) hides it
  async function loadEvaluation() {
    let e;
    try { e = await api(`training-jobs/${id}/evaluation`); } catch (err) { evaluation.hidden = true; return; }
    evaluation.replaceChildren(h('h2', {}, `Per class, epoch ${e.epoch} `, h('span', { class: 'muted' },
      `(${num(e.images)} test images, accuracy ${pct(e.accuracy)})`)), perClassView(e));
    evaluation.hidden = false;
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
  await loadEvaluation();
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
    loadEvaluation();
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
 * A confusion matrix as a heat map (rows the true label, columns the predicted; each cell shaded by its share of
 * the row, so a rare class's mistakes show as clearly as a common one's) beside precision, recall, F1 and support.
 */
function perClassView(e) {
  const n = e.labels.length;
  const wrap = h('div', { class: 'per-class' });
  if (n <= 60) {
    const rows = e.confusionMatrix.map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      return h('tr', {}, h('th', { class: 'num' }, e.labels[t]), row.map((count, p) => {
        const share = count / total;
        const cell = h('td', { class: `cell${share > 0.5 ? ' dark' : ''}${t === p ? ' diagonal' : ''}`,
          'data-true': e.labels[t], 'data-predicted': e.labels[p], 'data-count': count,
          title: `${e.labels[t]} → ${e.labels[p]}: ${count} (${pct(share)} of ${e.labels[t]})` }, count);
        // the shade goes through the CSSOM: the policy refuses style attributes, not scripts' styles
        cell.style.backgroundColor = `rgba(${t === p ? '22, 163, 74' : '220, 38, 38'}, ${(0.08 + 0.92 * share).toFixed(3)})`;
        if (count === 0) cell.style.backgroundColor = '';
        return cell;
      }));
    });
    wrap.append(h('div', { class: 'confusion-wrap' }, h('table', { id: 'confusion', class: 'confusion' },
      h('caption', {}, 'rows: true label · columns: predicted'),
      h('thead', {}, h('tr', {}, h('th', {}, ''), e.labels.map(l => h('th', { class: 'col-label', title: l }, l)))),
      h('tbody', {}, rows))));
  } else {
    wrap.append(h('p', { class: 'muted' }, `${n} classes: too many for a heat map; the table has each class's figures.`));
  }
  wrap.append(h('table', { id: 'per-class' }, h('thead', {}, h('tr', {}, ['Label', 'Precision', 'Recall', 'F1', 'Support']
    .map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
    h('tbody', {}, e.perClass.map(c => h('tr', { 'data-label': c.label }, h('td', {}, c.label),
      h('td', { class: 'num' }, pct(c.precision)), h('td', { class: 'num' }, pct(c.recall)),
      h('td', { class: 'num' }, c.f1 == null ? '–' : c.f1.toFixed(3)), h('td', { class: 'num' }, num(c.support)))))));
  return wrap;
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

async function download(url, name, accept = 'text/csv') {
  const response = await fetch(url, { headers: withKey({ Accept: accept }) });
  if (!response.ok) {
    const body = (response.headers.get('content-type') || '').includes('json') ? await response.json() : {};
    toast(body.detail || `${response.status} ${response.statusText}`);
    return;
  }
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

// ---- Data sets -----------------------------------------------------------------------------------------------
const ARCHIVE_TYPES = [[/\.zip$/i, 'application/zip'], [/\.(tar\.gz|tgz)$/i, 'application/gzip']];
const splitTotals = d => Object.values(d.counts || {}).reduce((t, c) => ({ train: t.train + c.train, test: t.test + c.test }),
  { train: 0, test: 0 });

async function datasetsView() {
  const file = h('input', { type: 'file', id: 'dataset-file', accept: '.zip,.tar.gz,.tgz' });
  const name = h('input', { id: 'dataset-name', placeholder: 'default: the file name', maxlength: 200 });
  const testFraction = h('input', { id: 'dataset-test-fraction', type: 'number', min: 0, max: 0.9, step: 'any', placeholder: '0.2' });
  const fill = h('span');
  const bar = h('span', { class: 'bar wide', id: 'upload-bar', 'data-percent': 0 }, fill);
  const percent = h('span', { id: 'upload-percent' }, '');
  const result = h('div', { id: 'upload-result' });
  const button = h('button', { type: 'submit', id: 'dataset-upload' }, 'Upload');
  const form = h('form', { class: 'grid', id: 'dataset-form' },
    h('label', {}, 'Archive (zip or tar.gz of <class>/<image> folders)', file),
    h('label', {}, 'Name (optional)', name),
    h('label', {}, 'Test share (optional)', testFraction),
    button,
    h('div', { class: 'upload-progress' }, bar, ' ', percent),
    result);
  const rows = h('tbody', { id: 'dataset-rows' });

  function progress(loaded, total) {
    const p = total ? Math.min(100, 100 * loaded / total) : 0;
    fill.style.width = `${p.toFixed(1)}%`;
    bar.dataset.percent = Math.max(Number(bar.dataset.percent), Math.floor(p));
    percent.textContent = `${Math.floor(p)} %`;
  }
  // XMLHttpRequest, not fetch: only it reports how much of the body has gone out
  form.addEventListener('submit', event => {
    event.preventDefault();
    const archive = file.files[0];
    if (!archive) { toast('Choose a zip or tar.gz first'); return; }
    const type = (ARCHIVE_TYPES.find(([pattern]) => pattern.test(archive.name)) || [null, 'application/octet-stream'])[1];
    const query = new URLSearchParams();
    query.set('name', name.value.trim() || archive.name.replace(/(\.tar)?\.[A-Za-z0-9]+$/, ''));
    if (testFraction.value) query.set('testFraction', testFraction.value);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}/datasets?${query}`);
    for (const [k, v] of Object.entries(withKey({ 'Content-Type': type }))) xhr.setRequestHeader(k, v);
    bar.dataset.percent = 0;
    progress(0, 1);
    result.replaceChildren(h('p', { class: 'muted' }, `Uploading ${archive.name} (${num(archive.size / 1e6, 2)} MB)…`));
    button.disabled = true;
    xhr.upload.addEventListener('progress', e => progress(e.loaded, e.total));
    xhr.upload.addEventListener('load', e => { progress(e.loaded, e.total); result.firstChild.textContent = 'Uploaded; decoding the images…'; });
    xhr.addEventListener('loadend', () => {
      button.disabled = false;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: the status says it */ }
      if (xhr.status === 201) {
        result.replaceChildren(h('p', { id: 'upload-done' }, 'Imported ', h('a', { href: `#/datasets/${body.id}` }, body.name),
          `: ${num(body.images)} images of ${body.classes.length} classes, ${body.rejectedCount} file${body.rejectedCount === 1 ? '' : 's'} rejected.`),
          rejectedTable(body));
        form.reset();
        refresh();
      } else {
        const message = body.detail || (xhr.status ? `${xhr.status} ${xhr.statusText}` : 'the upload broke off');
        result.replaceChildren(h('p', { class: 'refused', id: 'upload-refused' }, `Refused: ${message}`));
        toast(message);
      }
    });
    xhr.send(archive);
  });

  async function refresh() {
    const list = await all('datasets');
    rows.replaceChildren(...list.map(d => {
      const totals = splitTotals(d);
      const actions = h('td', { class: 'actions' });
      if (d.source !== 'builtin') {
        const ask = h('button', { class: 'secondary delete', onclick: () => actions.replaceChildren(
          h('span', {}, 'Delete with its images? '),
          h('button', { class: 'danger confirm-delete', onclick: () => remove(d) }, 'Delete'), ' ',
          h('button', { class: 'secondary', onclick: () => actions.replaceChildren(ask) }, 'Keep')) }, 'Delete…');
        actions.append(ask);
      }
      return h('tr', { 'data-dataset-id': d.id }, h('td', {}, h('a', { href: `#/datasets/${d.id}` }, d.name)),
        h('td', { title: d.id }, d.source === 'builtin' ? d.id : shortId(d.id)), h('td', {}, d.source),
        h('td', { class: 'num classes' }, d.classes.length), h('td', { class: 'wrap muted' }, d.classes.slice(0, 12).join(', '),
          d.classes.length > 12 ? ' …' : ''),
        h('td', { class: 'num images' }, num(d.images)), h('td', { class: 'num' }, num(totals.train)),
        h('td', { class: 'num' }, num(totals.test)), h('td', { class: 'num rejected' }, d.rejectedCount),
        h('td', {}, d.createdAt ? d.createdAt.slice(0, 19).replace('T', ' ') : '–'), actions);
    }));
  }
  async function remove(d) {
    try {
      await api(`datasets/${d.id}`, { method: 'DELETE' });
      await refresh();
    } catch (e) {
      toast(e.message);
      rows.querySelector(`tr[data-dataset-id="${d.id}"] td.actions`)?.replaceChildren(h('span', { class: 'refused' }, e.message));
    }
  }

  view.replaceChildren(
    h('section', { class: 'card' }, h('h2', {}, 'Upload a data set'), form),
    h('section', { class: 'card' }, h('h2', {}, 'Data sets'),
      h('table', { id: 'datasets' }, h('thead', {}, h('tr', {}, ['Name', 'Id', 'Source', 'Classes', '', 'Images', 'Train',
        'Test', 'Rejected', 'Created', ''].map(t => h('th', {}, t)))), rows)));
  await refresh();
  return () => {};
}

function rejectedTable(d) {
  if (!d.rejected || !d.rejected.length) return '';
  return h('details', { class: 'rejected-files' }, h('summary', {}, `Rejected files (${d.rejectedCount}`,
    d.rejectedCount > d.rejected.length ? `, the first ${d.rejected.length} listed` : '', ')'),
    h('table', { class: 'rejected' }, h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Why'))),
      h('tbody', {}, d.rejected.map(r => h('tr', {}, h('td', {}, r.file), h('td', { class: 'wrap' }, r.reason))))));
}

async function datasetView(id) {
  const d = await api(`datasets/${encodeURIComponent(id)}`);
  const samples = h('div', { id: 'samples' }, h('p', { class: 'muted' }, 'Loading sample pictures…'));
  const classRows = d.classes.map(c => h('tr', { 'data-class': c }, h('td', {}, c),
    h('td', { class: 'num' }, num(d.counts[c]?.train)), h('td', { class: 'num' }, num(d.counts[c]?.test)),
    h('td', { class: 'thumbs', 'data-label': c })));
  const totals = splitTotals(d);
  view.replaceChildren(
    h('section', { class: 'card' }, h('h2', {}, `${d.name} `, h('span', { class: 'muted' }, d.id)),
      h('p', {}, `${d.source} · ${num(d.images)} images of ${d.classes.length} classes · ${num(totals.train)} train, `,
        `${num(totals.test)} test (${d.split === 'archive' ? "the archive's own split" : d.split === 'seeded'
          ? `a seeded split, ${pct(d.testFraction)} for testing` : 'its own split'})`,
        d.sha256 ? h('span', { class: 'muted', title: d.sha256 }, ` · sha256 ${d.sha256.slice(0, 12)}`) : ''),
      h('p', {}, h('a', { href: '#/datasets' }, '← all data sets'))),
    h('section', { class: 'card' }, h('h2', {}, 'Classes'),
      h('table', { id: 'dataset-classes' }, h('thead', {}, h('tr', {}, h('th', {}, 'Class'), h('th', { class: 'num' }, 'Train'),
        h('th', { class: 'num' }, 'Test'), h('th', {}, 'Samples'))), h('tbody', {}, classRows)), samples),
    d.rejected && d.rejected.length ? h('section', { class: 'card' }, h('h2', {}, 'Rejected files'), rejectedTable(d)) : '');
  try {
    const page = await api(`datasets/${encodeURIComponent(id)}/samples?perClass=6&size=1000`);
    for (const s of page.items) {
      view.querySelector(`td.thumbs[data-label="${CSS.escape(s.label)}"]`)?.append(h('img', { class: 'thumb', src: s.thumbnail,
        alt: `${s.label}, ${s.split} image ${s.index}`, title: `${s.split} #${s.index}`, width: 32, height: 32 }));
    }
    samples.replaceChildren();
  } catch (e) {
    samples.replaceChildren(h('p', { class: 'muted' }, `No sample pictures: ${e.message}`));
  }
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
        h('tbody', {}, m.versions.map(v => h('tr', { 'data-version': v.version },
          h('td', {}, h('a', { href: `#/models/${encodeURIComponent(m.name)}/versions/${v.version}` }, v.version)), h('td', {}, v.architecture),
          h('td', {}, v.jobId ? h('a', { href: `#/jobs/${v.jobId}` }, v.source) : v.source), h('td', {}, pct(v.testAccuracy)),
          h('td', {}, num(v.parameterCount)), h('td', {}, v.aliases.join(', ')), h('td', {}, v.createdAt),
          h('td', {}, downloadLink(m.name, v.version), ' ',
            v.aliases.includes('production') ? '' : h('button', { class: 'secondary', onclick: () => promote(m.name, v.version) },
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

/** The version's zip (network and metadata.json); fetched with the API key, so not a plain link. */
function downloadLink(name, version, text = 'Download', id = undefined) {
  const url = `${API}/models/${encodeURIComponent(name)}/versions/${version}/file`;
  return h('a', { href: url, id, class: `download${id ? ' button' : ''}`, download: `${name}-v${version}.zip`, onclick: e => {
    e.preventDefault();
    download(url, `${name}-v${version}.zip`, 'application/zip');
  } }, text);
}

async function versionView(name, version) {
  const base = `models/${encodeURIComponent(name)}/versions/${version}`;
  const v = await api(base);
  const gallery = h('div', { id: 'mistakes', class: 'gallery' });
  const mistakes = h('section', { class: 'card', id: 'mistakes-card', hidden: true }, h('h2', {}, 'Most confident mistakes'), gallery);
  view.replaceChildren(
    h('section', { class: 'card' }, h('h2', {}, `${v.name} version ${v.version} `, h('span', { class: 'muted' }, v.aliases.join(', '))),
      h('p', {}, `${v.architecture} · ${num(v.parameterCount)} parameters · test accuracy ${pct(v.testAccuracy)} · `,
        v.jobId ? h('a', { href: `#/jobs/${v.jobId}` }, `from job ${shortId(v.jobId)}`) : v.source,
        v.dataset ? ` · data set ${v.dataset}` : '',
        v.initFrom ? ` · fine-tuned from ${v.initFrom.model} version ${v.initFrom.version}` : ''),
      h('p', { class: 'muted' }, `Labels: ${(v.labels || []).join(', ')}`),
      h('p', {}, downloadLink(name, version, 'Download model (zip)', 'download-link'), ' ', h('a', { href: '#/models' }, '← all models'))),
    mistakes);
  // a service without the per-class evaluation, or a version without a test set that fits, shows no gallery
  try {
    const page = await api(`${base}/misclassified?limit=24`);
    gallery.replaceChildren(...page.items.map(m => h('figure', { class: 'mistake', 'data-index': m.index },
      h('img', { class: 'thumb', src: m.thumbnail, width: 32, height: 32, alt: `${m.trueLabel} taken for ${m.predictedLabel}` }),
      h('figcaption', {}, h('span', { class: 'true-label' }, m.trueLabel), ' → ', h('span', { class: 'predicted-label' }, m.predictedLabel),
        h('br'), h('span', { class: 'muted' }, pct(m.confidence))))));
    mistakes.querySelector('h2').append(h('span', { class: 'muted' }, ` (${page.items.length} of ${num(page.total)})`));
    if (!page.items.length) gallery.append(h('p', { class: 'muted' }, 'No mistakes on the test split.'));
    mistakes.hidden = false;
  } catch (e) { mistakes.hidden = true; }
  return () => {};
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
      : parts[0] === 'models' && parts[3] ? await versionView(decodeURIComponent(parts[1]), Number(parts[3]))
      : parts[0] === 'models' ? await modelsView()
      : parts[0] === 'datasets' && parts[1] ? await datasetView(decodeURIComponent(parts[1]))
      : parts[0] === 'datasets' ? await datasetsView()
      : await jobsView();
    if (mine === generation) leave = undo; else undo(); // the user moved on while this view was loading
  } catch (e) {
    view.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'Could not load this page'), h('p', {}, e.message)));
  }
  document.body.dataset.view = parts[0] || 'jobs';
}
window.addEventListener('hashchange', route);
route();
